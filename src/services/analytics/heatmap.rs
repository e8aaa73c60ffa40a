//! Reports per H3 hexagon, with households and the rate per 1,000 households, and each
//! cell's Getis-Ord Gi* hot-spot statistic over its k-ring neighbourhood.
//!
//! The study area is every cell with households or reports (inside the box, if one is
//! given): a cell with homes and no reports is a real zero and counts in the statistic.

use h3o::{CellIndex, Resolution};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::hotspots::{GiStar, getis_ord_gi_star};
use crate::index::Snapshot;
use crate::index::reports::{ReportPoints, ReportQuery};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

/// Reports aggregated between two looks at the budget.
const CHECK_EVERY: usize = 65_536;

/// The resolution unless asked: cells of about 0.1 km², a few compounds each.
pub const DEFAULT_RESOLUTION: u8 = 9;
/// Coarsest and finest resolutions served: from a district of a city down to a courtyard.
pub const RESOLUTIONS: std::ops::RangeInclusive<u8> = 5..=11;
/// Neighbourhood rings unless asked (the 6 touching cells).
pub const DEFAULT_RINGS: u32 = 1;

/// One hexagon.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hexagon {
    /// The H3 cell index, as hexadecimal text.
    #[serde(serialize_with = "as_text")]
    #[schema(value_type = String, example = "8940a9a5b2bffff")]
    pub h3: CellIndex,
    pub count: u32,
    pub households: u32,
    /// Reports per 1,000 households; `None` where no one lives.
    pub rate_per_1000: Option<f64>,
    #[serde(flatten)]
    pub hot_spot: GiStar,
}

fn as_text<S: serde::Serializer>(cell: &CellIndex, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(cell)
}

/// Checks a resolution word.
pub fn resolution(value: Option<u8>) -> Result<Resolution, ServiceError> {
    let value = value.unwrap_or(DEFAULT_RESOLUTION);
    if !RESOLUTIONS.contains(&value) {
        return Err(ServiceError::InvalidParameter {
            parameter: "resolution",
            reason: format!("{value} is outside {}–{}", RESOLUTIONS.start(), RESOLUTIONS.end()),
        });
    }
    Ok(Resolution::try_from(value).expect("checked range"))
}

/// About how many cells of `resolution` cover the part of `bbox` (west, south, east, north;
/// all of it without one) where the map has data: the box's area over the resolution's
/// mean cell area, rounded up.
///
/// # Units
/// lon/lat degrees.
pub fn cells_covering(snapshot: &Snapshot, bbox: Option<[f64; 4]>, resolution: Resolution) -> usize {
    let Some([west, south, east, north]) = snapshot.bounds() else { return 0 };
    let [w, s, e, n] = bbox.unwrap_or([west, south, east, north]);
    let (w, s, e, n) = (w.max(west), s.max(south), e.min(east), n.min(north));
    if w > e || s > n {
        return 0;
    }
    (crate::geodesy::box_area_m2([w, s, e, n]) / resolution.area_m2()).ceil() as usize
}

/// Hexagons with counts, households, rates and hot spots, for reports passing `query`.
///
/// Refused with [`ServiceError::TooLarge`] when the box (or the map, without one) covers
/// more than `limits.hexagons` cells at the resolution ([`cells_covering`]).
pub fn hexagons(
    snapshot: &Snapshot,
    points: &ReportPoints,
    query: &ReportQuery,
    resolution: Resolution,
    rings: u32,
    limits: &Limits,
    budget: &Budget,
) -> Result<Vec<Hexagon>, ServiceError> {
    if rings == 0 || rings > 3 {
        return Err(ServiceError::InvalidParameter { parameter: "k", reason: "rings must be 1–3".into() });
    }
    let (what, hint) = match query.bbox {
        None => ("H3 cells over the whole map (no bbox given)", "give a bbox (west,south,east,north), or a coarser resolution"),
        Some(_) => ("H3 cells in the bbox", "give a smaller bbox or a coarser resolution"),
    };
    within(
        &format!("{what} at resolution {}", u8::from(resolution)),
        cells_covering(snapshot, query.bbox, resolution),
        limits.hexagons,
        hint,
    )?;
    // Cell → (reports, households). A million lookups per request: Fx hashing, not SipHash
    // (the keys are our own cell numbers, so there is no flooding to defend against).
    // Each case counts in the cell that contains it at this resolution (see `cell_at`).
    let mut cells: FxHashMap<CellIndex, (u32, u32)> = FxHashMap::default();
    let containing = points.cells(resolution);
    for (n, i) in points.matching(query).enumerate() {
        if n.is_multiple_of(CHECK_EVERY) {
            budget.check()?;
        }
        if let Ok(cell) = CellIndex::try_from(containing[i]) {
            cells.entry(cell).or_default().0 += 1;
        }
    }
    let in_box = |cell: CellIndex| {
        let Some([west, south, east, north]) = query.bbox else { return true };
        let centre = h3o::LatLng::from(cell);
        (west..=east).contains(&centre.lng()) && (south..=north).contains(&centre.lat())
    };
    budget.check()?;
    for &(cell, households) in snapshot.building_cells(resolution) {
        if cells.contains_key(&cell) || in_box(cell) {
            cells.entry(cell).or_default().1 += households;
        }
    }
    let mut order: Vec<CellIndex> = cells.keys().copied().collect();
    order.sort_unstable();
    let position: FxHashMap<CellIndex, usize> = order.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let neighbours: Vec<Vec<usize>> = order
        .iter()
        .map(|cell| cell.grid_disk::<Vec<_>>(rings).into_iter().filter(|n| n != cell).filter_map(|n| position.get(&n).copied()).collect())
        .collect();
    let counts: Vec<f64> = order.iter().map(|c| f64::from(cells[c].0)).collect();
    let statistics = getis_ord_gi_star(&counts, &neighbours);
    Ok(order
        .into_iter()
        .zip(statistics)
        .map(|(cell, hot_spot)| {
            let (count, households) = cells[&cell];
            Hexagon {
                h3: cell,
                count,
                households,
                rate_per_1000: (households > 0).then(|| f64::from(count) * 1_000.0 / f64::from(households)),
                hot_spot,
            }
        })
        .collect())
}

/// A hexagon's outline as a closed ring of [lon, lat].
pub fn outline(cell: CellIndex) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = cell.boundary().iter().map(|p| [p.lng(), p.lat()]).collect();
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}
