//! The fewest new sites that bring a share of the demand into the circle: a location
//! set-covering problem with a coverage target (Toregas et al. 1971, with a partial target),
//! solved as a mixed-integer programme by COIN-OR Cbc (through good_lp).
//!
//! Model, over the demand not covered by existing stations:
//!
//! ```text
//! minimise   Σ_j x_j                         x_j ∈ {0, 1}: build at candidate j
//! subject to y_r ≤ Σ_{j covers r} x_j         y_r ∈ [0, 1]: row r is covered
//!            Σ_r w_r y_r ≥ needed
//! ```
//!
//! A row is the set of buildings covered by exactly the same candidates, their demand summed
//! into `w_r`: a city's buildings fall into far fewer distinct candidate sets than there are
//! buildings, and rows with equal sets would only give the solver symmetric copies.

mod bounds;
mod greedy;

use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use bounds::{counting_bound, lagrangian_bound};
use greedy::{covered_by, greedy_order, greedy_until, rows_by_candidate};

/// What the answer says solved it. Cbc (COIN-OR branch and cut, the solver PuLP and so spopt
/// use by default) comes as Debian's `coinor-libcbc-dev`; HiGHS's C++ build did not fit this
/// machine's build time, and microlp (pure Rust, tried first) did not solve a city's relaxation
/// within a request.
pub const SOLVER: &str = "COIN-OR Cbc 2.10 via good_lp 1.15 (mixed-integer programme, branch and cut)";
/// What the answer says when the model was too large for the solver.
pub const GREEDY_TOO_LARGE: &str =
    "greedy (lazy evaluation) with a Lagrangian lower bound: the model was larger than the solver is given within a request";
/// What the answer says when a lower bound met the greedy answer, so no solver was needed.
pub const GREEDY_PROVED: &str = "greedy (lazy evaluation), proved optimal by a lower bound (counting or Lagrangian)";
/// The share of the request's time the Lagrangian bound may take before the solver starts.
const BOUND_SHARE_OF_TIME: u32 = 4;
/// The largest model (nonzeros of the covering rows) given to the solver. Cbc's time limit is
/// only looked at between branch-and-bound nodes, so the first linear relaxation must be
/// quick. For 95 % of the elderly within 500 m of a day-care centre among compounds, on
/// generated cities: 13,077 nonzeros solved to optimality in about 2 s, 39,196 in 23 s, and
/// about 130,000 (the million-building city) were still in Clp's first relaxation after ten
/// minutes.
pub const MAX_SOLVER_NONZEROS: usize = 25_000;
/// Below this, shares and weights count as equal (demand is counted in people or households).
const EPSILON: f64 = 1e-9;

/// The instance: what each candidate covers of the demand not yet covered.
pub struct Instance<'a> {
    /// `covers[j]`: the demand points (buildings) candidate `j` covers; points already
    /// covered must be left out.
    pub covers: &'a [Vec<u32>],
    /// Demand per point.
    pub weights: &'a [f64],
    /// Demand to bring in, beyond what existing stations cover.
    pub needed: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Chosen candidates in greedy order: each next one adds the most demand of those left.
    pub chosen: Vec<usize>,
    /// Demand each chosen candidate adds, in that order.
    pub added: Vec<f64>,
    /// Whether no fewer sites can reach the target: proved by the solver, or by a bound that
    /// meets the greedy answer.
    pub optimal: bool,
    /// Sites any answer needs at least: the best of the solver's dual bound, the Lagrangian
    /// bound and the counting bound, rounded up.
    pub lower_bound: u64,
    /// Sites the greedy choice (most new demand first, until the target) needs.
    pub greedy_sites: usize,
    /// What found the answer: [`SOLVER`], [`GREEDY_PROVED`] or [`GREEDY_TOO_LARGE`].
    pub solver: &'static str,
    /// The aggregated model's size: rows (groups of buildings) and nonzeros.
    pub rows: usize,
    pub nonzeros: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LscpError {
    /// Even every candidate together covers only `coverable` of the `needed` demand.
    Unreachable { coverable: f64 },
}

/// Groups demand points with the same set of covering candidates: (candidates, summed weight).
/// Points no candidate covers, or without demand, drop out.
pub fn rows(covers: &[Vec<u32>], weights: &[f64]) -> Vec<(Vec<u32>, f64)> {
    let mut covering: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (j, cover) in covers.iter().enumerate() {
        for &d in cover {
            let list = covering.entry(d).or_default();
            // Candidates come in ascending order, so a repeat can only be the last one.
            if list.last() != Some(&(j as u32)) {
                list.push(j as u32);
            }
        }
    }
    let mut grouped: FxHashMap<Vec<u32>, f64> = FxHashMap::default();
    for (d, candidates) in covering {
        let w = weights[d as usize];
        if w > 0.0 {
            *grouped.entry(candidates).or_default() += w;
        }
    }
    let mut rows: Vec<(Vec<u32>, f64)> = grouped.into_iter().collect();
    // A fixed order, so that the solver sees the same model for the same question.
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// Solves the instance within `time_limit`; the greedy answer stands in when the solver finds
/// nothing better in time.
pub fn solve(instance: &Instance, time_limit: Duration) -> Result<Solution, LscpError> {
    let candidates = instance.covers.len();
    let rows = rows(instance.covers, instance.weights);
    let coverable: f64 = rows.iter().map(|r| r.1).sum();
    let nonzeros: usize = rows.iter().map(|r| r.0.len()).sum();
    if instance.needed <= EPSILON {
        let (rows, solver) = (rows.len(), SOLVER);
        return Ok(Solution {
            chosen: Vec::new(),
            added: Vec::new(),
            optimal: true,
            lower_bound: 0,
            greedy_sites: 0,
            solver,
            rows,
            nonzeros,
        });
    }
    if coverable < instance.needed * (1.0 - EPSILON) {
        return Err(LscpError::Unreachable { coverable });
    }
    let greedy = greedy_until(&rows, candidates, instance.needed, None);
    // Bounds first: one that meets the greedy answer proves it optimal without the solver.
    let started = Instant::now();
    let mut floor = counting_bound(&rows, candidates, instance.needed);
    if floor < greedy.len() as u64 {
        let by_candidate = rows_by_candidate(&rows, candidates);
        let deadline = started + time_limit / BOUND_SHARE_OF_TIME;
        floor = floor.max(lagrangian_bound(&rows, &by_candidate, instance.needed, greedy.len(), deadline));
    }
    let proved_by_bound = floor >= greedy.len() as u64;
    let solvable = nonzeros <= MAX_SOLVER_NONZEROS;
    let solved = if solvable && !proved_by_bound {
        mip(&rows, candidates, instance.needed, &greedy, floor, time_limit.saturating_sub(started.elapsed()))
    } else {
        None
    };
    let solver = match () {
        _ if proved_by_bound => GREEDY_PROVED,
        _ if solvable => SOLVER,
        _ => GREEDY_TOO_LARGE,
    };
    let (mut chosen, optimal, lower_bound) = solved.unwrap_or_else(|| (greedy.clone(), proved_by_bound, floor));
    // The solver's tolerances may leave a hair short of the target: top up greedily.
    let mut taken = vec![false; candidates];
    for &j in &chosen {
        taken[j] = true;
    }
    if covered_by(&rows, &taken) < instance.needed * (1.0 - EPSILON) {
        for j in greedy_until(&rows, candidates, instance.needed, Some(&taken)) {
            if !taken[j] {
                taken[j] = true;
                chosen.push(j);
            }
        }
    }
    let optimal = optimal && chosen.len() as u64 <= lower_bound;
    let lower_bound = lower_bound.min(chosen.len() as u64);
    let (chosen, added) = greedy_order(&rows, candidates, &chosen);
    Ok(Solution { chosen, added, optimal, lower_bound, greedy_sites: greedy.len(), solver, rows: rows.len(), nonzeros })
}

/// The mixed-integer programme: (chosen, proved optimal, lower bound), or `None` when the
/// solver found no solution in time (or failed). The greedy answer is the solver's first
/// incumbent. The lower bound is the best the solver proved (its best possible objective,
/// rounded up), and never below `floor`, a bound found without it.
fn mip(
    rows: &[(Vec<u32>, f64)],
    candidates: usize,
    needed: f64,
    start: &[usize],
    floor: u64,
    time_limit: Duration,
) -> Option<(Vec<usize>, bool, u64)> {
    let (chosen, proved, best_possible) = solve_model(rows, candidates, needed, start, time_limit)?;
    let lower_bound = if best_possible.is_finite() { ((best_possible - 1e-6).ceil().max(0.0) as u64).max(floor) } else { floor };
    if chosen.is_empty() {
        return None;
    }
    let optimal = proved || chosen.len() as u64 <= lower_bound;
    Some((chosen, optimal, lower_bound))
}

/// One solve of the model with x binary: the candidates with x above one half, whether Cbc
/// proved them optimal, and the best objective it proved possible.
fn solve_model(
    rows: &[(Vec<u32>, f64)],
    candidates: usize,
    needed: f64,
    start: &[usize],
    time_limit: Duration,
) -> Option<(Vec<usize>, bool, f64)> {
    use good_lp::{
        Expression, ProblemVariables, Solution, SolutionStatus, SolverModel, WithInitialSolution, WithTimeLimit, coin_cbc, variable,
    };
    // Only candidates that cover some row can matter.
    let mut column_of = vec![usize::MAX; candidates];
    let mut used = Vec::new();
    for (js, _) in rows {
        for &j in js {
            if column_of[j as usize] == usize::MAX {
                column_of[j as usize] = used.len();
                used.push(j as usize);
            }
        }
    }
    let mut vars = ProblemVariables::new();
    let x: Vec<_> = used.iter().map(|_| vars.add(variable().binary())).collect();
    let y: Vec<_> = rows.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
    let objective: Expression = x.iter().sum();
    // Cbc takes whole seconds.
    let mut model = vars.minimise(objective).using(coin_cbc).with_time_limit(time_limit.as_secs_f64().max(1.0));
    for ((js, _), &y_r) in rows.iter().zip(&y) {
        let reach: Expression = js.iter().map(|&j| x[column_of[j as usize]]).sum();
        model.add_constraint((y_r - reach).leq(0.0));
    }
    // Weights scaled so that the target row reads ≥ 1: better conditioned for any city size.
    let covered: Expression = rows.iter().zip(&y).map(|((_, w), &y_r)| (w / needed) * y_r).sum();
    model.add_constraint(covered.geq(1.0));
    // The greedy answer as the first incumbent: the solver only has to improve on it.
    let mut in_start = vec![false; candidates];
    for &j in start {
        in_start[j] = true;
    }
    let one_if = |yes: bool| if yes { 1.0 } else { 0.0 };
    let initial: Vec<_> = used
        .iter()
        .zip(&x)
        .map(|(&j, &v)| (v, one_if(in_start[j])))
        .chain(rows.iter().zip(&y).map(|((js, _), &v)| (v, one_if(js.iter().any(|&j| in_start[j as usize])))))
        .collect();
    let solution = model.with_initial_solution(initial).solve().ok()?;
    let proved = matches!(solution.status(), SolutionStatus::Optimal);
    let best_possible = solution.model().best_possible_value();
    let chosen = used.iter().zip(&x).filter(|(_, v)| solution.value(**v) > 0.5).map(|(&j, _)| j).collect();
    Some((chosen, proved, best_possible))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve_all(covers: &[Vec<u32>], weights: &[f64], needed: f64) -> Solution {
        solve(&Instance { covers, weights, needed }, Duration::from_secs(10)).unwrap()
    }

    #[test]
    fn rows_group_points_covered_by_the_same_candidates() {
        let covers = vec![vec![0, 1, 2], vec![1, 2, 3], vec![4]];
        let grouped = rows(&covers, &[1.0, 2.0, 3.0, 4.0, 0.0]);
        assert_eq!(grouped, vec![(vec![0], 1.0), (vec![0, 1], 5.0), (vec![1], 4.0)]);
    }

    #[test]
    fn beats_the_greedy_where_the_greedy_is_fooled() {
        // The classic trap: one big candidate in the middle covers most, but two side
        // candidates cover everything.
        let covers = vec![vec![0, 1, 2, 3, 4, 5], vec![0, 1, 2, 6], vec![3, 4, 5, 7]];
        let weights = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let answer = solve_all(&covers, &weights, 8.0);
        assert_eq!(answer.greedy_sites, 3);
        let mut chosen = answer.chosen.clone();
        chosen.sort_unstable();
        assert_eq!(chosen, vec![1, 2]);
        assert!(answer.optimal);
        assert_eq!(answer.lower_bound, 2);
        assert_eq!(answer.added.iter().sum::<f64>(), 8.0);
    }

    #[test]
    fn a_partial_target_takes_the_fewest_sites_that_reach_it() {
        let covers = vec![vec![0], vec![1], vec![2], vec![3]];
        let weights = [5.0, 3.0, 1.0, 1.0];
        let answer = solve_all(&covers, &weights, 7.5);
        assert_eq!(answer.chosen, vec![0, 1], "{answer:?}");
        assert_eq!(answer.added, vec![5.0, 3.0]);
        assert!(solve_all(&covers, &weights, 0.0).chosen.is_empty());
    }

    #[test]
    fn a_model_past_the_solver_limit_is_answered_greedily_with_the_lagrangian_bound() {
        // 4,200 copies of the greedy trap: 4 rows and 6 nonzeros each once grouped, past the
        // limit. The greedy takes all three candidates of each; the relaxation needs two.
        let covers: Vec<Vec<u32>> = (0..4_200u32)
            .flat_map(|t| {
                let p = t * 8;
                [(p..p + 6).collect(), vec![p, p + 1, p + 2, p + 6], vec![p + 3, p + 4, p + 5, p + 7]]
            })
            .collect();
        let answer = solve_all(&covers, &[1.0; 33_600], 33_600.0);
        assert_eq!(answer.solver, GREEDY_TOO_LARGE);
        assert_eq!((answer.rows, answer.nonzeros), (16_800, 25_200));
        assert_eq!(answer.greedy_sites, 12_600);
        assert_eq!(answer.lower_bound, 8_400, "the relaxation's two sites per trap");
        assert!(!answer.optimal);
        // One trap is small enough for the solver, which finds the two sides.
        let one = solve_all(&covers[..3], &[1.0; 8], 8.0);
        assert_eq!((one.solver, one.chosen.len(), one.optimal), (SOLVER, 2, true));
    }

    #[test]
    fn a_bound_that_meets_the_greedy_answer_proves_it_without_the_solver() {
        // Point i is covered by candidates i to i + 99: 2,100 different sets of 100, so
        // 210,000 nonzeros once grouped, past the limit; ten whole windows cover 1,000 points,
        // and no ten candidates cover more.
        let covers: Vec<Vec<u32>> = (0..2_199u32).map(|j| (j.saturating_sub(99)..=j.min(2_099)).collect()).collect();
        let answer = solve_all(&covers, &[1.0; 2_100], 1_000.0);
        assert_eq!(answer.solver, GREEDY_PROVED);
        assert_eq!((answer.rows, answer.nonzeros), (2_100, 210_000));
        assert_eq!(answer.chosen[..2], [99, 199], "whole windows, the lowest first");
        assert_eq!((answer.greedy_sites, answer.lower_bound), (10, 10));
        assert!(answer.optimal, "the greedy answer meets the bound");
    }

    #[test]
    fn an_unreachable_target_says_how_much_is_reachable() {
        let covers = vec![vec![0], vec![]];
        let err = solve(&Instance { covers: &covers, weights: &[2.0, 3.0], needed: 4.0 }, Duration::from_secs(1)).unwrap_err();
        assert_eq!(err, LscpError::Unreachable { coverable: 2.0 });
    }
}
