//! Coverage of one facility kind: shares of buildings, households and residents within the
//! circle, and of the demand group the kind serves (households, residents, the elderly or
//! children, [`Building::demand`]), overall and per street and community, and the compounds
//! left outside it.

use geo::{Centroid, Point};
use serde::Serialize;

use super::{BuildingDistances, Circle, Method, building_distances, choose_method, distances_to, stations_near};
use crate::geodesy::grown_bbox;
use crate::index::Snapshot;
use crate::model::lifecircle::Rules;
use crate::model::{Building, DemandGroup, FacilityKind, Layer};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

/// Counts of what lies inside the circle, out of the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// The demand group's people (or households) here, and those within the circle: counts
    /// where buildings have them, census-share estimates where not.
    pub demand: f64,
    pub demand_covered: f64,
    pub demand_share: f64,
}

impl Tally {
    fn add(&mut self, building: &Building, demand: f64, covered: bool) {
        let (households, population) = (building.households, building.population);
        self.buildings += 1;
        self.households += u64::from(households);
        self.population += u64::from(population);
        self.demand += demand;
        if covered {
            self.buildings_covered += 1;
            self.households_covered += u64::from(households);
            self.population_covered += u64::from(population);
            self.demand_covered += demand;
        }
    }

    fn with_shares(mut self) -> Tally {
        let share = |part: u64, whole: u64| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
        self.buildings_share = share(self.buildings_covered.into(), self.buildings.into());
        self.households_share = share(self.households_covered, self.households);
        self.population_share = share(self.population_covered, self.population);
        self.demand_share = if self.demand > 0.0 { self.demand_covered / self.demand } else { 0.0 };
        self
    }
}

/// One street's or community's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AreaCoverage {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// A compound with households outside the circle.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UncoveredCompound {
    pub id: String,
    pub name: String,
    pub households: u64,
    pub households_uncovered: u64,
    pub buildings_uncovered: u32,
    /// The demand group outside the circle.
    pub demand_uncovered: f64,
    /// The shortest distance from any of its uncovered buildings to a station, if one was
    /// found within the search (twice the circle).
    pub nearest_m: Option<f64>,
    /// [lon, lat] of the compound's centre, to zoom to.
    pub centre: Option<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// Whom `demand` counts: asked for, or the kind's rule group.
    #[schema(value_type = String)]
    pub group: DemandGroup,
    /// The group in the whole map, within the circle, and the share (also in `total`).
    pub demand: f64,
    pub demand_covered: f64,
    pub demand_share: f64,
    /// Buildings whose count of the group is a census-share estimate (no own count).
    pub demand_estimated_buildings: usize,
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
///
/// One walking search from every station of the kind over the city: its cost follows the
/// network, whatever is asked, and the answer's lists follow the number of areas.
pub fn coverage(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    budget: &Budget,
) -> Result<Coverage, ServiceError> {
    coverage_of_group(snapshot, kind, circle, method, None, budget)
}

/// The group a kind serves by default: its rule's (GB 50180 defaults).
pub fn default_group(kind: FacilityKind) -> DemandGroup {
    Rules::default().of(kind).group
}

/// As [`coverage`], counting `group` (default: the kind's rule group) as the demand.
pub fn coverage_of_group(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    group: Option<DemandGroup>,
    budget: &Budget,
) -> Result<Coverage, ServiceError> {
    let (method, method_note) = choose_method(snapshot, method);
    let distances = building_distances(snapshot, kind, method, circle.limit_m * SEARCH_FACTOR, budget)?;
    Ok(summarize(snapshot, kind, circle, method_note, group.unwrap_or_else(|| default_group(kind)), &distances))
}

fn summarize(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method_note: Option<&'static str>,
    group: DemandGroup,
    distances: &BuildingDistances,
) -> Coverage {
    let data = &snapshot.data;
    let mut total = Tally::default();
    let mut streets = vec![Tally::default(); data.streets.len()];
    let mut communities = vec![Tally::default(); data.communities.len()];
    let mut compounds = vec![(Tally::default(), f64::INFINITY); data.compounds.len()];
    let mut demand_estimated_buildings = 0;
    for (b, building) in data.buildings.iter().enumerate() {
        let metres = distances.metres[b];
        let covered = metres <= circle.limit_m;
        let demand = building.demand(group);
        demand_estimated_buildings += usize::from(building.demand_is_estimated(group));
        total.add(building, demand, covered);
        let links = snapshot.building_links(b as u32);
        let community = snapshot.grid_links(links.grid).community;
        communities[community as usize].add(building, demand, covered);
        streets[snapshot.community_street(community) as usize].add(building, demand, covered);
        if let Some(compound) = links.compound {
            let (tally, nearest) = &mut compounds[compound as usize];
            tally.add(building, demand, covered);
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
                demand_uncovered: t.demand - t.demand_covered,
                nearest_m: nearest.is_finite().then_some(*nearest),
                centre: compound.geometry.centroid().map(|p: Point| [p.x(), p.y()]),
            }
        })
        .collect();
    uncovered_compounds.sort_by(|a, b| b.households_uncovered.cmp(&a.households_uncovered).then_with(|| a.id.cmp(&b.id)));
    let total = total.with_shares();
    Coverage {
        kind,
        kind_label: kind.label_zh(),
        circle,
        method: distances.method,
        method_note,
        stations: distances.stations.len(),
        stations_off_network: distances.stations_off_network,
        buildings_off_network: distances.buildings_off_network,
        group,
        demand: total.demand,
        demand_covered: total.demand_covered,
        demand_share: total.demand_share,
        demand_estimated_buildings,
        total,
        by_street,
        by_community,
        uncovered_compounds,
    }
}

/// The buildings of a map with their distances, and how those were measured.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredBuildings {
    pub method: Method,
    /// Why the method is not the one asked for, if it is not.
    pub method_note: Option<&'static str>,
    pub rows: Vec<BuildingDistance>,
}

/// One building's distance for the map: `None` beyond the search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildingDistance {
    pub building: u32,
    pub distance_m: Option<f64>,
    pub covered: bool,
}

/// The distance of every building whose centre lies in `bbox` (west, south, east, north;
/// every building without one) to the nearest station of `kind`, searched to twice the
/// circle, in building order.
///
/// Refused with [`ServiceError::TooLarge`] beyond `limits.buildings` buildings, before any
/// walking search; the search starts only from the stations within reach of the box.
pub fn building_coverage(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    bbox: Option<[f64; 4]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<CoveredBuildings, ServiceError> {
    let walking = snapshot.walking();
    let buildings: Vec<u32> = match bbox {
        None => (0..snapshot.data.buildings.len() as u32).collect(),
        Some(bbox @ [w, s, e, n]) => {
            let mut inside: Vec<u32> = snapshot
                .candidates(Layer::Buildings, grown_bbox(bbox, 0.0))
                .into_iter()
                .filter(|&b| walking.building_points[b as usize].is_some_and(|p| (w..=e).contains(&p.x()) && (s..=n).contains(&p.y())))
                .collect();
            inside.sort_unstable();
            inside
        }
    };
    let (what, hint) = match bbox {
        None => ("buildings (no bbox given)", "give a bbox (west,south,east,north) around the part of the map wanted"),
        Some(_) => ("buildings in the bbox", "give a smaller bbox"),
    };
    within(what, buildings.len(), limits.buildings, hint)?;
    let (method, note) = choose_method(snapshot, method);
    let search_m = circle.limit_m * SEARCH_FACTOR;
    let stations = stations_near(snapshot, kind, bbox, search_m);
    let metres = distances_to(snapshot, &stations, &buildings, method, search_m, budget)?;
    let rows = buildings
        .iter()
        .zip(metres)
        .map(|(&building, metres)| BuildingDistance {
            building,
            distance_m: metres.is_finite().then_some(metres),
            covered: metres <= circle.limit_m,
        })
        .collect();
    Ok(CoveredBuildings { method, method_note: note, rows })
}
