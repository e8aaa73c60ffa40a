//! Spatial accessibility with capacity: the two-step floating catchment area (2SFCA, Luo and
//! Wang 2003). A day-care centre with 40 places near 2,000 elderly serves them less well
//! than the same centre near 200; coverage alone cannot tell the two apart.
//!
//! Step 1, for each station `j` with a capacity `S_j`: its ratio `R_j = S_j / Σ P_k` over
//! the buildings `k` whose walk to `j` is at most `d0`, `P_k` being the building's demand
//! of the group ([`crate::model::Building::demand`]). Step 2, for each building `i`:
//! `A_i = Σ R_j` over the stations within `d0` of it. A compound's score is the
//! demand-weighted mean of its buildings' `A_i`: places per person of the group.
//!
//! Stations without a capacity are left out (and counted): a ratio needs a supply.

use geo::{Centroid, Point};
use serde::Serialize;

use super::isochrones::buildings_near;
use super::{Circle, Method, choose_method, per_station, stations_of};
use crate::geodesy::grown_bbox;
use crate::index::Snapshot;
use crate::model::{DemandGroup, FacilityKind, Layer};
use crate::network::{SourceDistances, straight_line_m};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

/// A station's supply and the demand within its catchment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StationRatio {
    pub id: String,
    pub name: String,
    /// Places (or another supply) the station offers.
    pub capacity: u32,
    /// The group's demand within `limit_m` of the station (Σ P_k).
    pub demand: f64,
    /// `capacity / demand` (R_j); `null` when nobody of the group is within reach.
    pub ratio: Option<f64>,
}

/// A compound's accessibility.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CompoundAccess {
    pub id: String,
    pub name: String,
    /// The group's demand in the compound.
    pub demand: f64,
    /// The demand-weighted mean of its buildings' A_i; `null` when it has no demand.
    pub score: Option<f64>,
}

/// A building's accessibility (A_i).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BuildingAccess {
    pub id: String,
    pub compound_id: Option<String>,
    pub demand: f64,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Accessibility {
    pub kind: FacilityKind,
    pub kind_label: &'static str,
    #[serde(flatten)]
    pub circle: Circle,
    pub method: Method,
    pub method_note: Option<&'static str>,
    #[schema(value_type = String)]
    pub group: DemandGroup,
    /// Stations of the kind with a capacity, in station order.
    pub stations: Vec<StationRatio>,
    /// Stations of the kind without a capacity: left out of the ratios.
    pub stations_without_capacity: usize,
    /// Compounds in data order.
    pub compounds: Vec<CompoundAccess>,
    /// Only with a `bbox`: the buildings whose centre lies in it, in building order.
    pub buildings: Option<Vec<BuildingAccess>>,
}

/// 2SFCA scores of `kind` within `circle` for `group` (default: the kind's rule group).
#[allow(clippy::too_many_arguments)]
pub fn accessibility(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    group: Option<DemandGroup>,
    bbox: Option<[f64; 4]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<Accessibility, ServiceError> {
    let data = &snapshot.data;
    let group = group.unwrap_or_else(|| super::summary::default_group(kind));
    let in_box = bbox.map(|b| buildings_in(snapshot, b));
    if let Some(inside) = &in_box {
        within("buildings in the bbox", inside.len(), limits.buildings, "give a smaller bbox")?;
    }
    let (method, method_note) = choose_method(snapshot, method);
    let all = stations_of(snapshot, kind);
    let supplied: Vec<u32> = all.iter().copied().filter(|&s| data.stations[s as usize].capacity.is_some()).collect();
    let catchments = catchments(snapshot, &supplied, method, circle.limit_m, budget)?;
    // Step 1: each station's supply over the demand within reach.
    let demand: Vec<f64> = data.buildings.iter().map(|b| b.demand(group)).collect();
    let mut score = vec![0.0; data.buildings.len()];
    let mut stations = Vec::with_capacity(supplied.len());
    for (&s, catchment) in supplied.iter().zip(&catchments) {
        let station = &data.stations[s as usize];
        let capacity = station.capacity.expect("supplied stations have a capacity");
        let reached: f64 = catchment.iter().map(|&b| demand[b as usize]).sum();
        let ratio = (reached > 0.0).then(|| f64::from(capacity) / reached);
        // Step 2: every building within reach gains the station's ratio.
        if let Some(r) = ratio {
            for &b in catchment {
                score[b as usize] += r;
            }
        }
        stations.push(StationRatio { id: station.id.clone(), name: station.name.clone(), capacity, demand: reached, ratio });
    }
    let mut sums = vec![(0.0, 0.0); data.compounds.len()];
    for (b, (&p, &a)) in demand.iter().zip(&score).enumerate() {
        if let Some(c) = snapshot.building_links(b as u32).compound {
            sums[c as usize].0 += p * a;
            sums[c as usize].1 += p;
        }
    }
    let compounds = data
        .compounds
        .iter()
        .zip(&sums)
        .map(|(c, &(weighted, p))| CompoundAccess {
            id: c.id.clone(),
            name: c.name.clone(),
            demand: p,
            score: (p > 0.0).then(|| weighted / p),
        })
        .collect();
    let buildings = in_box.map(|inside| {
        inside
            .into_iter()
            .map(|b| {
                let building = &data.buildings[b as usize];
                BuildingAccess {
                    id: building.id.clone(),
                    compound_id: building.compound_id.clone(),
                    demand: demand[b as usize],
                    score: score[b as usize],
                }
            })
            .collect()
    });
    Ok(Accessibility {
        kind,
        kind_label: kind.label_zh(),
        circle,
        method,
        method_note,
        group,
        stations,
        stations_without_capacity: all.len() - supplied.len(),
        compounds,
        buildings,
    })
}

/// The buildings whose centre lies in `bbox` (west, south, east, north), in building order.
fn buildings_in(snapshot: &Snapshot, [w, s, e, n]: [f64; 4]) -> Vec<u32> {
    let points = &snapshot.walking().building_points;
    let mut inside: Vec<u32> = snapshot
        .candidates(Layer::Buildings, grown_bbox([w, s, e, n], 0.0))
        .into_iter()
        .filter(|&b| points[b as usize].is_some_and(|p| (w..=e).contains(&p.x()) && (s..=n).contains(&p.y())))
        .collect();
    inside.sort_unstable();
    inside
}

/// For each station, the buildings whose walk (or straight line, by `method`) to it is at
/// most `limit_m`, in building order. One bounded search per station, spread over the
/// machine's cores, each thread reusing its search's memory; only the buildings within
/// the straight-line reach of the station are looked at.
pub fn catchments(
    snapshot: &Snapshot,
    stations: &[u32],
    method: Method,
    limit_m: f64,
    budget: &Budget,
) -> Result<Vec<Vec<u32>>, ServiceError> {
    let walking = snapshot.walking();
    let one = |station: u32, scratch: &mut Option<SourceDistances>| -> Result<Vec<u32>, ServiceError> {
        budget.check()?;
        let Some(centre) = snapshot.data.stations[station as usize].geometry.centroid() else { return Ok(Vec::new()) };
        let nearby = buildings_near(snapshot, centre, limit_m);
        let mut reached: Vec<u32> = match (&walking.network, method) {
            (Some(network), Method::Network) => {
                let Some(snap) = walking.station_snaps[station as usize] else { return Ok(Vec::new()) };
                let from =
                    network.distances_reusing(&[snap], limit_m, scratch.take(), &|| budget.stopped()).ok_or_else(|| budget.stop_error())?;
                let reached = nearby
                    .into_iter()
                    .filter(|&b| walking.building_snaps[b as usize].is_some_and(|s| network.distance_to(&from, &s) <= limit_m))
                    .collect();
                *scratch = Some(from);
                reached
            }
            _ => nearby
                .into_iter()
                .filter(|&b| walking.building_points[b as usize].is_some_and(|p: Point| straight_line_m(centre, p) <= limit_m))
                .collect(),
        };
        reached.sort_unstable();
        Ok(reached)
    };
    per_station(stations, one)
}
