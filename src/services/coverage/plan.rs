//! Siting new stations: among candidate sites, the k that together bring the most
//! households into the circle (greedy maximal covering, [`crate::network::plan`]).

use geo::{Coord, InteriorPoint, Point};
use serde::{Deserialize, Serialize};

use super::{Circle, Method, building_distances, choose_method};
use crate::geodesy::{LocalPlane, envelope_around};
use crate::index::{PointTree, Snapshot};
use crate::model::FacilityKind;
use crate::network::{SourceDistances, greedy_max_cover_lazy};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

/// At most this many new stations per plan.
pub const MAX_ADD: usize = 50;
/// At most this many given candidate points (the body's size; the count that may be
/// evaluated is [`Limits::plan_candidates`]).
pub const MAX_POINTS: usize = 10_000;
/// Candidates whose walking reach is worked out together, spread over the cores.
const EVALUATION_BATCH: usize = 16;

/// Where new stations could go.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidates {
    /// One site per compound, at a point inside it (its public rooms: the data holds no
    /// room positions, so an interior point of the compound stands in for them).
    Compounds,
    /// Every building's centre (a ground-floor room in any building).
    Buildings,
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
    /// `compound`, `building` or `point`.
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
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub kind: FacilityKind,
    pub kind_label: &'static str,
    #[serde(flatten)]
    pub circle: Circle,
    pub method: Method,
    pub method_note: Option<&'static str>,
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
/// `bbox`, west, south, east, north, when one is given).
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
    if add == 0 || add > MAX_ADD {
        return Err(ServiceError::InvalidParameter { parameter: "add", reason: format!("{add}: add between 1 and {MAX_ADD} sites") });
    }
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
    let weights: Vec<u32> = snapshot.data.buildings.iter().map(|b| b.households).collect();
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
    let evaluate = |batch: &[usize]| -> Option<Vec<Vec<u32>>> {
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
    let picks = greedy_max_cover_lazy(&covered, &weights, bounds, evaluate, EVALUATION_BATCH, add).ok_or_else(|| budget.stop_error())?;

    let households: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    let share = |part: u64| if households == 0 { 0.0 } else { part as f64 / households as f64 };
    let before: u64 = covered.iter().zip(&weights).filter(|(c, _)| **c).map(|(_, &w)| u64::from(w)).sum();
    Ok(Plan {
        kind,
        kind_label: kind.label_zh(),
        circle,
        method,
        method_note,
        households,
        households_covered_before: before,
        households_share_before: share(before),
        candidates: sites.len(),
        candidates_evaluated: evaluated,
        picks: picks
            .iter()
            .enumerate()
            .map(|(i, pick)| PlannedSite {
                rank: i + 1,
                site: sites[pick.candidate].0.clone(),
                households_added: pick.newly_covered_weight,
                households_covered: pick.total_covered_weight,
                households_share: share(pick.total_covered_weight),
            })
            .collect(),
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
