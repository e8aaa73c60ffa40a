//! Coverage of one facility kind: shares of buildings, households and residents within the
//! circle, overall and per street and community, and the compounds left outside it.

use geo::{Centroid, Point};
use serde::Serialize;

use super::{BuildingDistances, Circle, Method, building_distances, choose_method};
use crate::index::Snapshot;
use crate::model::FacilityKind;

/// Counts of what lies inside the circle, out of the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub buildings: u32,
    pub buildings_covered: u32,
    pub households: u64,
    pub households_covered: u64,
    pub population: u64,
    pub population_covered: u64,
    /// Covered fractions (0–1); 0 when there is nothing to cover.
    pub buildings_share: f64,
    pub households_share: f64,
    pub population_share: f64,
}

impl Tally {
    fn add(&mut self, households: u32, population: u32, covered: bool) {
        self.buildings += 1;
        self.households += u64::from(households);
        self.population += u64::from(population);
        if covered {
            self.buildings_covered += 1;
            self.households_covered += u64::from(households);
            self.population_covered += u64::from(population);
        }
    }

    fn with_shares(mut self) -> Tally {
        let share = |part: u64, whole: u64| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
        self.buildings_share = share(self.buildings_covered.into(), self.buildings.into());
        self.households_share = share(self.households_covered, self.households);
        self.population_share = share(self.population_covered, self.population);
        self
    }
}

/// One street's or community's coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaCoverage {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// A compound with households outside the circle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncoveredCompound {
    pub id: String,
    pub name: String,
    pub households: u64,
    pub households_uncovered: u64,
    pub buildings_uncovered: u32,
    /// The shortest distance from any of its uncovered buildings to a station, if one was
    /// found within the search (twice the circle).
    pub nearest_m: Option<f64>,
    /// [lon, lat] of the compound's centre, to zoom to.
    pub centre: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub kind: FacilityKind,
    pub kind_label: &'static str,
    #[serde(flatten)]
    pub circle: Circle,
    pub method: Method,
    /// Why the method is not the walking network, when it is not.
    pub method_note: Option<&'static str>,
    pub stations: usize,
    pub stations_off_network: usize,
    pub buildings_off_network: usize,
    pub total: Tally,
    pub by_street: Vec<AreaCoverage>,
    pub by_community: Vec<AreaCoverage>,
    /// Most uncovered households first.
    pub uncovered_compounds: Vec<UncoveredCompound>,
}

/// How far past the circle distances are searched, so that an uncovered building can
/// still say how far it is (for colouring and for "nearly covered").
pub const SEARCH_FACTOR: f64 = 2.0;

/// The coverage of `kind` within `circle`.
pub fn coverage(snapshot: &Snapshot, kind: FacilityKind, circle: Circle, method: Option<Method>) -> Coverage {
    let (method, method_note) = choose_method(snapshot, method);
    let distances = building_distances(snapshot, kind, method, circle.limit_m * SEARCH_FACTOR);
    summarize(snapshot, kind, circle, method_note, &distances)
}

fn summarize(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method_note: Option<&'static str>,
    distances: &BuildingDistances,
) -> Coverage {
    let data = &snapshot.data;
    let mut total = Tally::default();
    let mut streets = vec![Tally::default(); data.streets.len()];
    let mut communities = vec![Tally::default(); data.communities.len()];
    let mut compounds = vec![(Tally::default(), f64::INFINITY); data.compounds.len()];
    for (b, building) in data.buildings.iter().enumerate() {
        let metres = distances.metres[b];
        let covered = metres <= circle.limit_m;
        let (households, population) = (building.households, building.population);
        total.add(households, population, covered);
        let links = snapshot.building_links(b as u32);
        let community = snapshot.grid_links(links.grid).community;
        communities[community as usize].add(households, population, covered);
        streets[snapshot.community_street(community) as usize].add(households, population, covered);
        if let Some(compound) = links.compound {
            let (tally, nearest) = &mut compounds[compound as usize];
            tally.add(households, population, covered);
            if !covered {
                *nearest = nearest.min(metres);
            }
        }
    }
    let areas = |tallies: Vec<Tally>, id_name: &dyn Fn(usize) -> (String, String)| -> Vec<AreaCoverage> {
        tallies
            .into_iter()
            .enumerate()
            .filter(|(_, t)| t.buildings > 0)
            .map(|(i, t)| {
                let (id, name) = id_name(i);
                AreaCoverage { id, name, tally: t.with_shares() }
            })
            .collect()
    };
    let by_street = areas(streets, &|i| (data.streets[i].id.clone(), data.streets[i].name.clone()));
    let by_community = areas(communities, &|i| (data.communities[i].id.clone(), data.communities[i].name.clone()));
    let mut uncovered_compounds: Vec<UncoveredCompound> = compounds
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| t.buildings_covered < t.buildings)
        .map(|(i, (t, nearest))| {
            let compound = &data.compounds[i];
            UncoveredCompound {
                id: compound.id.clone(),
                name: compound.name.clone(),
                households: t.households,
                households_uncovered: t.households - t.households_covered,
                buildings_uncovered: t.buildings - t.buildings_covered,
                nearest_m: nearest.is_finite().then_some(*nearest),
                centre: compound.geometry.centroid().map(|p: Point| [p.x(), p.y()]),
            }
        })
        .collect();
    uncovered_compounds
        .sort_by(|a, b| b.households_uncovered.cmp(&a.households_uncovered).then_with(|| a.id.cmp(&b.id)));
    Coverage {
        kind,
        kind_label: kind.label_zh(),
        circle,
        method: distances.method,
        method_note,
        stations: distances.stations.len(),
        stations_off_network: distances.stations_off_network,
        buildings_off_network: distances.buildings_off_network,
        total: total.with_shares(),
        by_street,
        by_community,
        uncovered_compounds,
    }
}

/// One building's distance for the map: `None` beyond the search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildingDistance {
    pub building: u32,
    pub distance_m: Option<f64>,
    pub covered: bool,
}

/// Every building's distance to the nearest station of `kind` (searched to twice the
/// circle), optionally only those whose centre lies in `bbox` (west, south, east, north).
pub fn building_coverage(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    bbox: Option<[f64; 4]>,
) -> (Method, Option<&'static str>, Vec<BuildingDistance>) {
    let (method, note) = choose_method(snapshot, method);
    let distances = building_distances(snapshot, kind, method, circle.limit_m * SEARCH_FACTOR);
    let walking = snapshot.walking();
    let inside = |b: usize| match (bbox, walking.building_points[b]) {
        (None, _) => true,
        (Some([w, s, e, n]), Some(p)) => (w..=e).contains(&p.x()) && (s..=n).contains(&p.y()),
        (Some(_), None) => false,
    };
    let rows = (0..distances.metres.len())
        .filter(|&b| inside(b))
        .map(|b| {
            let metres = distances.metres[b];
            BuildingDistance {
                building: b as u32,
                distance_m: metres.is_finite().then_some(metres),
                covered: metres <= circle.limit_m,
            }
        })
        .collect();
    (distances.method, note, rows)
}
