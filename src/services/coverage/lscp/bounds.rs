//! Lower bounds on the number of sites, for models the solver is not given and as a floor
//! under the solver's own bound. Either may prove the greedy answer optimal without a solver.

use std::time::Instant;

use super::EPSILON;

/// Subgradient rounds at most. Each costs one pass over the model's nonzeros and one sort of
/// its rows: on the million-building city, milliseconds.
const MAX_ROUNDS: usize = 100;
/// Rounds without a better bound before the step is halved (Held, Wolfe and Crowder 1974).
const PATIENCE: usize = 5;
/// The step scale below which the search stops: it would no longer move the prices.
const SMALLEST_STEP: f64 = 1e-3;

/// A bound no answer can beat, without a solver: k sites cover at most the k largest
/// coverages added up, so at least the smallest k whose largest coverages reach `needed`.
pub(super) fn counting_bound(rows: &[(Vec<u32>, f64)], candidates: usize, needed: f64) -> u64 {
    let mut coverage = vec![0.0; candidates];
    for (js, w) in rows {
        for &j in js {
            coverage[j as usize] += w;
        }
    }
    coverage.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut total = 0.0;
    for (k, c) in coverage.iter().enumerate() {
        if total >= needed * (1.0 - EPSILON) {
            return k as u64;
        }
        total += c;
    }
    candidates as u64
}

/// The Lagrangian bound (Beasley 1990, for set covering): price each row's coverage link
/// `y_r ≤ Σ_j x_j` at `u_r ≥ 0` and the rest falls apart into two easy problems: a site is
/// worth opening when the rows it covers are priced above its cost of one, and the target is
/// met by the rows cheapest per person (a fractional knapsack). Their sum is at most the best
/// answer for any prices, so a subgradient search raises it from prices no site pays for
/// (each row at its own share of its best candidate). Stops at `upper` (the greedy answer's
/// sites, which it then proves optimal), after [`MAX_ROUNDS`], or at `deadline`.
pub(super) fn lagrangian_bound(rows: &[(Vec<u32>, f64)], by_candidate: &[Vec<u32>], needed: f64, upper: usize, deadline: Instant) -> u64 {
    round_up(lagrangian_value(rows, by_candidate, needed, upper, deadline))
}

/// The best Lagrangian value found (a lower bound on the sites, not yet rounded up).
fn lagrangian_value(rows: &[(Vec<u32>, f64)], by_candidate: &[Vec<u32>], needed: f64, upper: usize, deadline: Instant) -> f64 {
    // Demand in units of the target, so that the target reads ≥ 1 for any city.
    let weight: Vec<f64> = rows.iter().map(|r| r.1 / needed).collect();
    let reach: Vec<f64> = by_candidate.iter().map(|rs| rs.iter().map(|&r| weight[r as usize]).sum()).collect();
    // Every candidate's rows then add up to at most one: no site pays for itself yet.
    let mut price: Vec<f64> =
        rows.iter().zip(&weight).map(|((js, _), &w)| js.iter().map(|&j| w / reach[j as usize]).fold(f64::INFINITY, f64::min)).collect();
    let mut open = vec![false; by_candidate.len()];
    let mut share = vec![0.0; rows.len()];
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    let mut per_person = vec![0.0; rows.len()];
    let mut gradient = vec![0.0; rows.len()];
    let (mut best, mut step, mut since_better) = (0.0f64, 2.0, 0);
    for _ in 0..MAX_ROUNDS {
        let mut value = 0.0;
        for (j, rs) in by_candidate.iter().enumerate() {
            let priced: f64 = rs.iter().map(|&r| price[r as usize]).sum();
            open[j] = priced > 1.0;
            if open[j] {
                value += 1.0 - priced;
            }
        }
        for (r, cost) in per_person.iter_mut().enumerate() {
            *cost = price[r] / weight[r];
        }
        // Prices move little from one round to the next: the sort sees nearly sorted runs.
        order.sort_unstable_by(|&a, &b| per_person[a as usize].total_cmp(&per_person[b as usize]));
        share.fill(0.0);
        let mut left = 1.0;
        for &r in &order {
            if left <= 0.0 {
                break;
            }
            let r = r as usize;
            share[r] = (left / weight[r]).min(1.0);
            value += price[r] * share[r];
            left -= weight[r] * share[r];
        }
        if value > best * (1.0 + 1e-9) {
            (best, since_better) = (value, 0);
        } else {
            since_better += 1;
            if since_better >= PATIENCE {
                (step, since_better) = (step / 2.0, 0);
            }
        }
        if round_up(best) >= upper as u64 || step < SMALLEST_STEP || Instant::now() >= deadline {
            break;
        }
        // The subgradient: how far each row's share runs ahead of the sites opened over it.
        let mut norm = 0.0;
        for (r, (js, _)) in rows.iter().enumerate() {
            let g = share[r] - js.iter().filter(|&&j| open[j as usize]).count() as f64;
            // A price already at zero cannot fall further: that part of the step is wasted.
            gradient[r] = if price[r] <= 0.0 && g < 0.0 { 0.0 } else { g };
            norm += gradient[r] * gradient[r];
        }
        if norm == 0.0 {
            // Every link holds with equality: these prices are optimal, the bound is the LP's.
            break;
        }
        let t = step * (upper as f64 - value).max(EPSILON) / norm;
        for (p, g) in price.iter_mut().zip(&gradient) {
            *p = (*p + t * g).max(0.0);
        }
    }
    best
}

/// The least whole number of sites at or above a bound, allowing for the bound's rounding
/// error (a hair above a whole number counts as that number).
fn round_up(bound: f64) -> u64 {
    (bound - 1e-7 * bound.max(1.0)).ceil().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::coverage::lscp::greedy::rows_by_candidate;
    use crate::services::coverage::lscp::rows;

    #[test]
    fn the_counting_bound_adds_the_largest_coverages() {
        let rows = rows(&[vec![0, 1, 2], vec![3], vec![4], vec![2, 3]], &[1.0; 5]);
        assert_eq!(counting_bound(&rows, 4, 4.0), 2);
        assert_eq!(counting_bound(&rows, 4, 2.0), 1);
        assert_eq!(counting_bound(&rows, 4, 5.0), 2, "3 + 2 reach 5, though no two candidates cover all five");
    }

    fn bound_of(covers: &[Vec<u32>], weights: &[f64], needed: f64, upper: usize) -> (u64, f64) {
        let rows = rows(covers, weights);
        let by_candidate = rows_by_candidate(&rows, covers.len());
        let far = Instant::now() + std::time::Duration::from_secs(60);
        (lagrangian_bound(&rows, &by_candidate, needed, upper, far), lagrangian_value(&rows, &by_candidate, needed, upper, far))
    }

    #[test]
    fn the_lagrangian_bound_sees_what_counting_cannot() {
        // Ten candidates share one large block and each alone reaches one more point: every
        // one must be built, though the two largest coverages already add up past the target.
        let covers: Vec<Vec<u32>> = (0..10u32).map(|j| (0..100).chain([100 + j]).collect()).collect();
        let weights = [1.0; 110];
        let grouped = rows(&covers, &weights);
        assert_eq!(counting_bound(&grouped, 10, 110.0), 2);
        assert_eq!(bound_of(&covers, &weights, 110.0, 10).0, 10);
        // The greedy trap: the linear relaxation already needs both side candidates.
        let trap = vec![vec![0, 1, 2, 3, 4, 5], vec![0, 1, 2, 6], vec![3, 4, 5, 7]];
        assert_eq!(bound_of(&trap, &[1.0; 8], 8.0, 3).0, 2);
    }

    /// The fewest candidates whose points reach `needed`, by trying every subset.
    fn brute_force(covers: &[Vec<u32>], weights: &[f64], needed: f64) -> u32 {
        let mut best = u32::MAX;
        for subset in 0u32..1 << covers.len() {
            let mut seen = vec![false; weights.len()];
            for (_, cover) in covers.iter().enumerate().filter(|(j, _)| subset >> j & 1 == 1) {
                for &p in cover {
                    seen[p as usize] = true;
                }
            }
            let reached: f64 = weights.iter().zip(&seen).filter(|(_, s)| **s).map(|(w, _)| w).sum();
            if reached >= needed * (1.0 - EPSILON) {
                best = best.min(subset.count_ones());
            }
        }
        best
    }

    /// The linear relaxation's optimum, by Cbc (its Clp): the best any Lagrangian bound can be.
    fn linear_relaxation(covers: &[Vec<u32>], weights: &[f64], needed: f64) -> f64 {
        use good_lp::{Expression, ProblemVariables, Solution, SolverModel, coin_cbc, variable};
        let mut vars = ProblemVariables::new();
        let x: Vec<_> = covers.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
        let y: Vec<_> = weights.iter().map(|_| vars.add(variable().min(0.0).max(1.0))).collect();
        let objective: Expression = x.iter().sum();
        let mut model = vars.minimise(objective.clone()).using(coin_cbc);
        model.set_parameter("log", "0");
        for (p, &y_p) in y.iter().enumerate() {
            let reach: Expression = covers.iter().zip(&x).filter(|(c, _)| c.contains(&(p as u32))).map(|(_, &v)| v).sum();
            model.add_constraint((y_p - reach).leq(0.0));
        }
        let covered: Expression = weights.iter().zip(&y).map(|(&w, &v)| w * v).sum();
        model.add_constraint(covered.geq(needed));
        let solution = model.solve().unwrap();
        solution.eval(&objective)
    }

    #[test]
    fn the_lagrangian_bound_stays_under_the_optimum_and_near_the_linear_relaxation() {
        let mut state = 7u64;
        let mut next = move |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let mut tight = 0;
        for round in 0..30 {
            let points = 40;
            let weights: Vec<f64> = (0..points).map(|_| (next(9) + 1) as f64).collect();
            let covers: Vec<Vec<u32>> = (0..12)
                .map(|_| {
                    let mut c: Vec<u32> = (0..next(8) + 2).map(|_| next(points) as u32).collect();
                    c.sort_unstable();
                    c.dedup();
                    c
                })
                .collect();
            let coverable: f64 = (0..points as u32).filter(|p| covers.iter().any(|c| c.contains(p))).map(|p| weights[p as usize]).sum();
            let needed = coverable * [0.6, 0.8, 0.95, 1.0][round % 4];
            let optimum = brute_force(&covers, &weights, needed);
            let (bound, value) = bound_of(&covers, &weights, needed, optimum as usize + 3);
            let relaxation = linear_relaxation(&covers, &weights, needed);
            assert!(bound <= u64::from(optimum), "round {round}: bound {bound} above the optimum {optimum}");
            assert!(value <= relaxation + 1e-6, "round {round}: {value} above the linear relaxation {relaxation}");
            assert!(value >= 0.98 * relaxation, "round {round}: {value} far under the linear relaxation {relaxation}");
            tight += usize::from(round_up(value) == round_up(relaxation));
        }
        assert!(tight >= 28, "the bound rounds to the relaxation's in {tight} of 30");
    }
}
