//! Siting new stations: among candidate sites, the k that together bring the most people
//! of a group into the circle (greedy maximal covering, [`crate::network::plan`]), or the
//! fewest that bring a target share of them in (set covering, [`super::lscp`]).

use std::time::{Duration, Instant};

use geo::{Coord, Geometry, InteriorPoint, Point};
use serde::{Deserialize, Serialize};

use super::lscp::{self, LscpError};
use super::{Circle, Method, building_distances, choose_method};
use crate::geodesy::{LocalPlane, envelope_around};
use crate::index::{PointTree, Snapshot};
use crate::model::lifecircle::Rules;
use crate::model::{DemandGroup, FacilityKind};
use crate::network::{SourceDistances, greedy_max_cover_lazy_with_covers};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

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

fn sites(snapshot: &Snapshot, candidates: &Candidates) -> Result<Vec<(Site, Point)>, ServiceError> {
    let data = &snapshot.data;
    let site =
        |kind, id: &str, name: String, p: Point| (Site { kind, id: Some(id.to_owned()), name: Some(name), lon: p.x(), lat: p.y() }, p);
    Ok(match candidates {
        Candidates::Compounds => {
            data.compounds.iter().filter_map(|c| c.geometry.interior_point().map(|p| site("compound", &c.id, c.name.clone(), p))).collect()
        }
        Candidates::CandidateSites => data
            .candidate_sites
            .iter()
            .filter_map(|c| match c.geometry {
                Geometry::Point(p) => Some(site("candidate_site", &c.id, c.name.clone(), p)),
                _ => None,
            })
            .collect(),
        Candidates::Buildings => (0..data.buildings.len())
            .filter_map(|b| {
                let p = snapshot.walking().building_points[b]?;
                Some(site("building", &data.buildings[b].id, snapshot.building_name(b as u32), p))
            })
            .collect(),
        Candidates::Points(points) => {
            if points.is_empty() || points.len() > MAX_POINTS {
                return Err(ServiceError::InvalidParameter {
                    parameter: "candidates",
                    reason: format!("give between 1 and {MAX_POINTS} points, got {}", points.len()),
                });
            }
            points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if !((-180.0..=180.0).contains(&p.lon) && (-90.0..=90.0).contains(&p.lat)) {
                        return Err(ServiceError::InvalidParameter {
                            parameter: "candidates",
                            reason: format!("point {i} [{}, {}] is not a lon/lat position", p.lon, p.lat),
                        });
                    }
                    let point = Point::new(p.lon, p.lat);
                    Ok((Site { kind: "point", id: None, name: p.name.clone(), lon: p.lon, lat: p.lat }, point))
                })
                .collect::<Result<_, _>>()?
        }
    })
}

/// Uncovered households summed over a grid of small cells (an eighth of the limit), with
/// prefix sums, so that the households in the cells meeting a circle come in one lookup per
/// row of cells. The circle is the walking limit's (a walk is never shorter than the
/// straight line), so its sum bounds what a site there could cover.
struct UncoveredGrid {
    /// Metres from the area's south-west corner.
    plane: LocalPlane,
    cell_m: f64,
    cols: usize,
    rows: usize,
    /// `(rows + 1) × (cols + 1)` prefix sums: `sums[r][c]` is the total of cells above and
    /// left of `(r, c)`.
    sums: Vec<u64>,
}

impl UncoveredGrid {
    /// At most about this many cells a side, to bound memory on a big city.
    const MAX_SIDE: f64 = 2_000.0;

    fn new(points: &[Option<Point>], covered: &[bool], weights: &[u32], limit_m: f64) -> UncoveredGrid {
        let placed = || points.iter().flatten();
        let (mut west, mut south, mut east, mut north) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in placed() {
            (west, south, east, north) = (west.min(p.x()), south.min(p.y()), east.max(p.x()), north.max(p.y()));
        }
        if !west.is_finite() {
            (west, south, east, north) = (0.0, 0.0, 0.0, 0.0);
        }
        // The widest metres per degree of longitude over the area, so planar distances
        // never understate ground distances.
        let plane = LocalPlane::scaled_at(Coord { x: west, y: south }, south.abs().min(north.abs()));
        let Coord { x: width, y: height } = plane.to_metres(Coord { x: east, y: north });
        let cell_m = (limit_m / 8.0).max(width.max(height) / Self::MAX_SIDE).max(1.0);
        let cols = (width / cell_m) as usize + 1;
        let rows = (height / cell_m) as usize + 1;
        let mut sums = vec![0u64; (rows + 1) * (cols + 1)];
        let mut grid = UncoveredGrid { plane, cell_m, cols, rows, sums: Vec::new() };
        for (b, p) in points.iter().enumerate() {
            if let Some(p) = p
                && !covered[b]
            {
                let (c, r) = grid.cell(*p);
                sums[(r + 1) * (cols + 1) + c + 1] += u64::from(weights[b]);
            }
        }
        for r in 1..=rows {
            for c in 1..=cols {
                let i = r * (cols + 1) + c;
                sums[i] += sums[i - 1] + sums[i - cols - 1] - sums[i - cols - 2];
            }
        }
        grid.sums = sums;
        grid
    }

    /// The cell holding a point, clamped to the grid.
    fn cell(&self, p: Point) -> (usize, usize) {
        let m = self.plane.to_metres(p.0);
        let (x, y) = ((m.x / self.cell_m).floor(), (m.y / self.cell_m).floor());
        (x.clamp(0.0, (self.cols - 1) as f64) as usize, y.clamp(0.0, (self.rows - 1) as f64) as usize)
    }

    /// Uncovered households in the cells meeting the circle of `radius_m` (plus 1 % for
    /// the planar approximation) around `p`.
    fn households_near(&self, p: Point, radius_m: f64) -> u64 {
        let reach = radius_m * 1.01 + 1.0;
        // `p` in metres from the grid's origin.
        let Coord { x, y } = self.plane.to_metres(p.0);
        let index = |metres: f64, count: usize| (metres / self.cell_m).floor().clamp(0.0, (count - 1) as f64) as usize;
        let at = |r: usize, c: usize| self.sums[r * (self.cols + 1) + c];
        let mut total = 0;
        for r in index(y - reach, self.rows)..=index(y + reach, self.rows) {
            // The row's nearest edge to `p`, and how wide the circle is there.
            let (bottom, top) = (r as f64 * self.cell_m, (r + 1) as f64 * self.cell_m);
            let dy = (bottom - y).max(y - top).max(0.0);
            if dy > reach {
                continue;
            }
            let half = (reach * reach - dy * dy).sqrt();
            let (c0, c1) = (index(x - half, self.cols), index(x + half, self.cols));
            total += at(r + 1, c1 + 1) + at(r, c0) - at(r, c1 + 1) - at(r + 1, c0);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_bounds_count_every_uncovered_household_in_reach() {
        // Buildings every ~50 m on a 20×20 lattice; half of them covered.
        let points: Vec<Option<Point>> =
            (0..400).map(|i| Some(Point::new(104.0 + f64::from(i % 20) * 0.0005, 30.0 + f64::from(i / 20) * 0.00045))).collect();
        let covered: Vec<bool> = (0..400).map(|i| i % 2 == 0).collect();
        let weights: Vec<u32> = (0..400).map(|i| i % 7 + 1).collect();
        let grid = UncoveredGrid::new(&points, &covered, &weights, 200.0);
        for probe in [0usize, 57, 210, 399] {
            let centre = points[probe].unwrap();
            let exact: u64 = (0..400)
                .filter(|&b| !covered[b] && crate::network::straight_line_m(centre, points[b].unwrap()) <= 200.0)
                .map(|b| u64::from(weights[b]))
                .sum();
            let bound = grid.households_near(centre, 200.0);
            assert!(bound >= exact, "bound {bound} below the exact {exact} at {probe}");
            assert!(bound <= 2 * exact + 30, "bound {bound} is far too loose against {exact}");
        }
    }
}
