//! Siting new stations: among candidate sites, the k that together bring the most people
//! of a group into the circle (greedy maximal covering, [`crate::network::plan`]), or the
//! fewest that bring a target share of them in (set covering, [`super::lscp`]).

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

mod sites;
mod uncovered;

use super::lscp::{self, LscpError};
use super::{Circle, Method, building_distances, choose_method};
use crate::geodesy::envelope_around;
use crate::index::{PointTree, Snapshot};
use crate::model::lifecircle::Rules;
use crate::model::{DemandGroup, FacilityKind};
use crate::network::{SourceDistances, greedy_max_cover_lazy_with_covers};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};
use sites::sites;
use uncovered::UncoveredGrid;

/// At most this many new stations per plan.
pub const MAX_ADD: usize = 50;
/// At most this many given candidate points (the body's size; the count that may be
/// evaluated is [`Limits::plan_candidates`]).
pub const MAX_POINTS: usize = 10_000;
/// Candidates whose walking reach is worked out together, spread over the cores.
const EVALUATION_BATCH: usize = 16;
/// The set-covering plan works out every candidate's reach: in batches this large.
const COVER_ALL_BATCH: usize = 256;
/// Demand is counted in thousandths of a person (or household) for the greedy choice, which
/// works in whole numbers: households stay exact, estimated shares lose nothing visible.
const DEMAND_SCALE: f64 = 1_000.0;
/// The default share of the group's demand the set-covering plan brings into the circle.
pub const DEFAULT_TARGET_SHARE: f64 = 0.95;
/// The solver stops after this long even when the request's budget is longer.
const MAX_SOLVE: Duration = Duration::from_secs(30);
/// What solved a maximal-covering plan.
const GREEDY: &str = "greedy (lazy evaluation; within 1 − 1/e of the best)";

/// What a plan optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// `add` sites that bring the most demand into the circle.
    #[default]
    MaxCover,
    /// The fewest sites that bring `target_share` of the demand into the circle.
    Lscp,
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(word: &str) -> Result<Objective, String> {
        match word {
            "max_cover" => Ok(Objective::MaxCover),
            "lscp" => Ok(Objective::Lscp),
            other => Err(format!("{other:?}: expected max_cover or lscp")),
        }
    }
}

/// What the plan is for: its objective, whom it counts, and how far it goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub objective: Objective,
    /// New sites to choose (max_cover only).
    pub add: Option<usize>,
    /// Whom to count; default the kind's rule group ([`Rules`]).
    pub group: Option<DemandGroup>,
    /// The share of the group's demand to reach (lscp only; default [`DEFAULT_TARGET_SHARE`]).
    pub target_share: Option<f64>,
}

impl Goal {
    pub fn max_cover(add: usize) -> Goal {
        Goal { objective: Objective::MaxCover, add: Some(add), group: None, target_share: None }
    }

    pub fn lscp(target_share: f64) -> Goal {
        Goal { objective: Objective::Lscp, add: None, group: None, target_share: Some(target_share) }
    }
}

/// Where new stations could go.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidates {
    /// One site per compound, at a point inside it (its public rooms: the data holds no
    /// room positions, so an interior point of the compound stands in for them).
    Compounds,
    /// Every building's centre (a ground-floor room in any building).
    Buildings,
    /// The `candidate_sites` layer: public rooms, idle sites and vacant rooms on record.
    CandidateSites,
    /// Sites the caller names.
    Points(Vec<CandidatePoint>),
}

#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
pub struct CandidatePoint {
    pub lon: f64,
    pub lat: f64,
    pub name: Option<String>,
}

/// A candidate site as the answer names it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Site {
    /// `compound`, `building`, `candidate_site` or `point`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Option<String>,
    pub name: Option<String>,
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlannedSite {
    /// 1 for the first pick.
    pub rank: usize,
    pub site: Site,
    /// Households this site brings into the circle that nothing covered before it.
    pub households_added: u64,
    /// Households covered once this site (and the ones before it) are built.
    pub households_covered: u64,
    pub households_share: f64,
    /// Demand of the plan's group this site brings in that nothing covered before it.
    pub demand_added: f64,
    /// The group's demand covered once this site (and the ones before it) are built.
    pub demand_covered: f64,
    pub demand_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub kind: FacilityKind,
    pub kind_label: &'static str,
    #[serde(flatten)]
    pub circle: Circle,
    pub method: Method,
    pub method_note: Option<&'static str>,
    pub objective: Objective,
    /// Whom the demand counts.
    #[schema(value_type = String)]
    pub group: DemandGroup,
    /// The share of the demand an lscp plan had to reach; `null` for max_cover.
    pub target_share: Option<f64>,
    /// The group's demand in all buildings (estimated shares where counts are missing).
    pub demand: f64,
    /// Covered by the existing stations.
    pub demand_covered_before: f64,
    pub demand_share_before: f64,
    /// Covered once every pick is built.
    pub achieved_share: f64,
    /// lscp: no plan reaches the target with fewer sites than this (the best of the solver's
    /// dual bound, the Lagrangian bound and the counting bound, rounded up); `null` for
    /// max_cover.
    pub lower_bound: Option<u64>,
    /// Whether the picks are proved best (lscp solved to optimality); greedy max_cover
    /// answers are not.
    pub optimal: bool,
    /// What chose the picks.
    pub solver: &'static str,
    /// lscp: the sites the greedy choice (most new demand first) needs for the same target.
    pub greedy_sites: Option<usize>,
    /// lscp: the aggregated model's rows (buildings reached by the same candidates) and
    /// nonzeros; models past `lscp::MAX_SOLVER_NONZEROS` are answered greedily, with the
    /// Lagrangian bound.
    pub model_rows: Option<usize>,
    pub model_nonzeros: Option<usize>,
    pub households: u64,
    /// Covered by the existing stations.
    pub households_covered_before: u64,
    pub households_share_before: f64,
    pub candidates: usize,
    /// How many candidates' walking reach was worked out; the rest were ruled out by a
    /// straight-line bound.
    pub candidates_evaluated: usize,
    /// In the order chosen; fewer than asked when no candidate adds anything more.
    pub picks: Vec<PlannedSite>,
}

/// Chooses up to `add` new sites for stations of `kind` among `candidates` (those in
/// `bbox`, west, south, east, north, when one is given), counting the kind's rule group.
///
/// Refused with [`ServiceError::TooLarge`] beyond [`Limits::plan_candidates`] sites at this
/// distance, before any search: each candidate may cost a walking search. The budget is
/// checked in every search and between rounds of evaluation.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    add: usize,
    candidates: &Candidates,
    bbox: Option<[f64; 4]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<Plan, ServiceError> {
    plan_for(snapshot, kind, circle, method, &Goal::max_cover(add), candidates, bbox, limits, budget)
}

/// [`plan`] for any [`Goal`]: greedy maximal covering of `add` sites, or the set-covering
/// plan (the fewest sites reaching `target_share`, refused naming `target_share` when even
/// every candidate falls short).
#[allow(clippy::too_many_arguments)]
pub fn plan_for(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    goal: &Goal,
    candidates: &Candidates,
    bbox: Option<[f64; 4]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<Plan, ServiceError> {
    let invalid = |parameter, reason: String| ServiceError::InvalidParameter { parameter, reason };
    let target_share = match goal.objective {
        Objective::MaxCover => {
            match goal.add {
                Some(add) if (1..=MAX_ADD).contains(&add) => {}
                Some(add) => return Err(invalid("add", format!("{add}: add between 1 and {MAX_ADD} sites"))),
                None => return Err(invalid("add", format!("give add, the number of new sites (1 to {MAX_ADD})"))),
            }
            if goal.target_share.is_some() {
                return Err(invalid("target_share", "target_share goes with \"objective\": \"lscp\"".into()));
            }
            None
        }
        Objective::Lscp => {
            if goal.add.is_some() {
                return Err(invalid("add", "an lscp plan finds how many sites it needs: leave add out".into()));
            }
            let share = goal.target_share.unwrap_or(DEFAULT_TARGET_SHARE);
            if !(share.is_finite() && share > 0.0 && share <= 1.0) {
                return Err(invalid("target_share", format!("{share}: a share more than 0 and at most 1")));
            }
            Some(share)
        }
    };
    let group = goal.group.unwrap_or(Rules::default().of(kind).group);
    let mut sites = sites(snapshot, candidates)?;
    if let Some([w, s, e, n]) = bbox {
        sites.retain(|(_, p)| (w..=e).contains(&p.x()) && (s..=n).contains(&p.y()));
    }
    let limit = circle.limit_m;
    within(
        &format!("candidate sites at {limit} m"),
        sites.len(),
        limits.plan_candidates(limit),
        &format!(
            "give a smaller bbox, fewer points, \"compounds\" rather than \"buildings\", or a shorter distance ({} candidates at 1000 m)",
            limits.plan_candidates(1_000.0)
        ),
    )?;
    let (method, method_note) = choose_method(snapshot, method);
    let distances = building_distances(snapshot, kind, method, limit, budget)?;
    let covered: Vec<bool> = distances.metres.iter().map(|&m| m <= limit).collect();
    let buildings = &snapshot.data.buildings;
    let demand: Vec<f64> = buildings.iter().map(|b| b.demand(group)).collect();
    let weights: Vec<u32> = demand.iter().map(|d| (d * DEMAND_SCALE).round().min(f64::from(u32::MAX)) as u32).collect();
    let walking = snapshot.walking();

    let bound_grid = UncoveredGrid::new(&walking.building_points, &covered, &weights, limit);
    let bounds: Vec<u64> = sites.iter().map(|(_, p)| bound_grid.households_near(*p, limit)).collect();
    // Only uncovered buildings can add anything: a tree of just those keeps each
    // candidate's look-around short once most of the city is covered.
    let uncovered = PointTree::build(walking.building_points.iter().zip(&covered).map(|(p, &c)| if c { None } else { *p }));
    let walk_reach = |c: usize, scratch: &mut Option<SourceDistances>| -> Vec<u32> {
        let point = sites[c].1;
        let nearby = uncovered.in_envelope(envelope_around(point, limit)).filter(|&b| uncovered.distance_to(point, b) <= limit);
        match (&walking.network, method) {
            (Some(network), Method::Network) => {
                let Some(snap) = network.snap(point) else { return Vec::new() };
                let Some(from) = network.distances_reusing(&[snap], limit, scratch.take(), &|| budget.stopped()) else {
                    return Vec::new(); // stopped: the round as a whole gives up below
                };
                let cover = nearby
                    .filter(|&b| walking.building_snaps[b as usize].is_some_and(|s| network.distance_to(&from, &s) <= limit))
                    .collect();
                *scratch = Some(from);
                cover
            }
            _ => nearby.collect(),
        }
    };
    // Each thread keeps its own search memory from batch to batch.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut scratches: Vec<Option<SourceDistances>> = (0..threads).map(|_| None).collect();
    let mut evaluated = 0;
    let mut evaluate = |batch: &[usize]| -> Option<Vec<Vec<u32>>> {
        if budget.stopped() {
            return None;
        }
        evaluated += batch.len();
        let chunk = batch.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = batch
                .chunks(chunk)
                .zip(scratches.iter_mut())
                .map(|(part, scratch)| scope.spawn(|| part.iter().map(|&c| walk_reach(c, scratch)).collect::<Vec<_>>()))
                .collect();
            let covers = parts.into_iter().flat_map(|h| h.join().expect("walking searches do not panic")).collect();
            // A search stopped part-way leaves covers that are too small: never pick from them.
            (!budget.stopped()).then_some(covers)
        })
    };

    let total_demand: f64 = demand.iter().sum();
    let demand_before: f64 = covered.iter().zip(&demand).filter(|(c, _)| **c).map(|(_, d)| d).sum();
    let (chosen, covers, solved): (Vec<usize>, Vec<Vec<u32>>, Option<lscp::Solution>) = match target_share {
        None => {
            let add = goal.add.unwrap_or(1);
            let (picks, covers) = greedy_max_cover_lazy_with_covers(&covered, &weights, bounds, &mut evaluate, EVALUATION_BATCH, add)
                .ok_or_else(|| budget.stop_error())?;
            (picks.iter().map(|p| p.candidate).collect(), covers, None)
        }
        Some(share) => {
            // Every candidate that could cover anything, worked out.
            let useful: Vec<usize> = (0..sites.len()).filter(|&c| bounds[c] > 0).collect();
            let mut all_covers: Vec<Vec<u32>> = vec![Vec::new(); sites.len()];
            for batch in useful.chunks(COVER_ALL_BATCH) {
                let covers = evaluate(batch).ok_or_else(|| budget.stop_error())?;
                for (&c, cover) in batch.iter().zip(covers) {
                    all_covers[c] = cover;
                }
            }
            let needed = share * total_demand - demand_before;
            let time_limit = budget.deadline().saturating_duration_since(Instant::now()).min(MAX_SOLVE);
            let instance = lscp::Instance { covers: &all_covers, weights: &demand, needed };
            let solution = lscp::solve(&instance, time_limit).map_err(|LscpError::Unreachable { coverable }| {
                let reachable = if total_demand > 0.0 { (demand_before + coverable) / total_demand } else { 0.0 };
                invalid(
                    "target_share",
                    format!(
                        "{share}: out of reach; existing stations and every candidate together bring {:.1} % of the {group} demand within {limit} m",
                        reachable * 100.0
                    ),
                )
            })?;
            budget.check()?;
            let covers = solution.chosen.iter().map(|&c| std::mem::take(&mut all_covers[c])).collect();
            (solution.chosen.clone(), covers, Some(solution))
        }
    };

    let households: u64 = buildings.iter().map(|b| u64::from(b.households)).sum();
    let share = |part: u64| if households == 0 { 0.0 } else { part as f64 / households as f64 };
    let demand_share = |part: f64| if total_demand > 0.0 { part / total_demand } else { 0.0 };
    let before: u64 = covered.iter().zip(buildings).filter(|(c, _)| **c).map(|(_, b)| u64::from(b.households)).sum();
    // Recount what each pick adds, in order, in households and in the group's demand.
    let mut now_covered = covered.clone();
    let (mut households_covered, mut demand_covered) = (before, demand_before);
    let mut picks = Vec::with_capacity(chosen.len());
    for (i, (&c, cover)) in chosen.iter().zip(&covers).enumerate() {
        let (mut households_added, mut demand_added) = (0, 0.0);
        for &b in cover {
            if !std::mem::replace(&mut now_covered[b as usize], true) {
                households_added += u64::from(buildings[b as usize].households);
                demand_added += demand[b as usize];
            }
        }
        households_covered += households_added;
        demand_covered += demand_added;
        picks.push(PlannedSite {
            rank: i + 1,
            site: sites[c].0.clone(),
            households_added,
            households_covered,
            households_share: share(households_covered),
            demand_added,
            demand_covered,
            demand_share: demand_share(demand_covered),
        });
    }
    Ok(Plan {
        kind,
        kind_label: kind.label_zh(),
        circle,
        method,
        method_note,
        objective: goal.objective,
        group,
        target_share,
        demand: total_demand,
        demand_covered_before: demand_before,
        demand_share_before: demand_share(demand_before),
        achieved_share: demand_share(demand_covered),
        lower_bound: solved.as_ref().map(|s| s.lower_bound),
        optimal: solved.as_ref().is_some_and(|s| s.optimal),
        solver: solved.as_ref().map_or(GREEDY, |s| s.solver),
        greedy_sites: solved.as_ref().map(|s| s.greedy_sites),
        model_rows: solved.as_ref().map(|s| s.rows),
        model_nonzeros: solved.as_ref().map(|s| s.nonzeros),
        households,
        households_covered_before: before,
        households_share_before: share(before),
        candidates: sites.len(),
        candidates_evaluated: evaluated,
        picks,
    })
}
