//! The resident's question: where am I, who do I ask (遇事问谁), and where is help nearby?
//!
//! A point resolves to the building it is in (or the nearest within 50 m), that building's
//! compound, the grid chain street → community → grid → micro-grid, the public "四有"
//! contact board, and the nearest service stations.

use geo::Point;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::ServiceError;
use crate::crs::Crs;
use crate::index::Snapshot;
use crate::model::{CompoundKind, ContactRole, FacilityKind, GridLevel, Layer, StationLevel};

/// How far from a building a point may be and still count as "at" it.
pub const NEAREST_BUILDING_MAX_M: f64 = 50.0;
/// Stations listed on the card.
pub const STATIONS_LISTED: usize = 3;

/// A point as the caller sent it.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// Longitude, degrees, in `crs`.
    #[param(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Latitude, degrees, in `crs`.
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// The coordinate system of `lon`/`lat` (default `wgs84`; phone apps send `gcj02` or `bd09`).
    #[param(required = false)]
    pub crs: Crs,
}

impl LocateQuery {
    /// The point in WGS84, after checking the ranges.
    ///
    /// # Units
    /// lon/lat degrees.
    pub fn wgs84(&self) -> Result<Point, ServiceError> {
        check_range("lon", self.lon, 180.0)?;
        check_range("lat", self.lat, 90.0)?;
        let (lon, lat) = self.crs.to_wgs84(self.lon, self.lat);
        Ok(Point::new(lon, lat))
    }
}

fn check_range(parameter: &'static str, value: f64, limit: f64) -> Result<(), ServiceError> {
    if value.is_finite() && value.abs() <= limit {
        Ok(())
    } else {
        Err(ServiceError::InvalidParameter { parameter, reason: format!("{value} is outside -{limit}..{limit} degrees") })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Location<'a> {
    /// The point in WGS84 [lon, lat], after any conversion.
    pub point: [f64; 2],
    pub crs: Crs,
    /// Whether any grid contains the point.
    pub inside_grid: bool,
    /// Set when no grid contains the point.
    pub outside: Option<Outside<'a>>,
    pub building: Option<BuildingCard<'a>>,
    pub compound: Option<CompoundCard<'a>>,
    pub grid_chain: Option<GridChain<'a>>,
    /// The public board, in role order; each role filled from the most specific level that has it.
    pub contacts: Vec<ContactCard<'a>>,
    pub stations: Vec<StationCard<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Outside<'a> {
    pub message: String,
    pub nearest_grid: Option<Named<'a>>,
    pub nearest_grid_distance_m: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Named<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingCard<'a> {
    pub id: &'a str,
    pub name: String,
    pub label: &'a str,
    pub floors: u16,
    pub units: u16,
    pub households: u32,
    pub has_elevator: bool,
    /// 0 when the point is inside the building.
    pub distance_m: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundCard<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: CompoundKind,
    #[schema(value_type = String)]
    pub kind_label: &'static str,
    pub property_company: Option<&'a str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridChain<'a> {
    pub street: Named<'a>,
    pub community: Named<'a>,
    pub grid: Named<'a>,
    pub micro_grid: Option<Named<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCard<'a> {
    pub role: ContactRole,
    #[schema(value_type = String)]
    pub role_label: &'static str,
    pub name: &'a str,
    /// Public work phone.
    pub phone: &'a str,
    /// The layer whose record this contact serves (building, grid, compound …).
    pub serves: Layer,
    pub serves_id: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StationCard<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: FacilityKind,
    #[schema(value_type = String)]
    pub kind_label: &'static str,
    pub level: StationLevel,
    pub opening_hours: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// [lon, lat] WGS84.
    pub point: [f64; 2],
    /// Straight-line (haversine) distance.
    pub distance_m: f64,
    /// Walking distance along the network, from the building (or the point) to the station,
    /// when asked for ([`add_walks`]) and the station is within [`WALK_SEARCH_M`].
    pub walk_m: Option<f64>,
}

/// How far the card's walking distances are searched.
pub const WALK_SEARCH_M: f64 = 3_000.0;

/// Fills in the stations' walking distances, when the data has a walking network. The walk
/// starts where the building found joins the network (home), else where the point does.
/// The network is built on first use (in the background after each reload).
pub fn add_walks(snapshot: &Snapshot, point: Point, location: &mut Location<'_>) {
    let walking = snapshot.walking();
    let Some(network) = &walking.network else { return };
    let home =
        location.building.as_ref().and_then(|b| snapshot.find(Layer::Buildings, b.id)).and_then(|b| walking.building_snaps[b as usize]);
    let Some(from) = home.or_else(|| network.snap(point)) else { return };
    let stations: Vec<(usize, crate::network::Snap)> = location
        .stations
        .iter()
        .enumerate()
        .filter_map(|(i, card)| {
            let s = snapshot.find(Layer::Stations, card.id)?;
            Some((i, walking.station_snaps[s as usize]?))
        })
        .collect();
    let targets: Vec<_> = stations.iter().map(|(_, snap)| *snap).collect();
    for ((i, _), metres) in stations.iter().zip(network.walks_between(&from, &targets, WALK_SEARCH_M)) {
        location.stations[*i].walk_m = metres.is_finite().then(|| round_m(metres));
    }
}

/// The building a point belongs to, and how far outside it the point lies (0 inside): the
/// one containing it, else the nearest within [`NEAREST_BUILDING_MAX_M`], since residents
/// often stand on the path outside their door. Routing and every per-building count use it.
pub fn building_of(snapshot: &Snapshot, point: Point) -> Option<(u32, f64)> {
    snapshot.building_at(point).map(|b| (b, 0.0)).or_else(|| snapshot.nearest_area(Layer::Buildings, point, NEAREST_BUILDING_MAX_M))
}

/// Answers the resident's lookup for a WGS84 point.
pub fn locate(snapshot: &Snapshot, point: Point, crs: Crs) -> Location<'_> {
    let data = &snapshot.data;
    let building = building_of(snapshot, point);
    // A building found decides the chain: it is where the resident lives, even when they
    // stand on the road outside it.
    let building_grid = building.map(|(b, _)| snapshot.building_links(b).grid);
    let point_grid = match building_grid {
        // Standing in the building, the point is almost always in its own (micro-)grid:
        // test those two polygons before searching the tree.
        Some(g) if snapshot.grid_contains(g, point) => Some(g),
        Some(g) => match snapshot.grid_links(g).parent {
            Some(parent) if snapshot.grid_contains(parent, point) => Some(parent),
            _ => snapshot.grid_at(point),
        },
        None => snapshot.grid_at(point),
    };
    let grid = building_grid.or(point_grid);
    let compound = match building {
        Some((b, _)) => snapshot.building_links(b).compound,
        None => snapshot.containing(Layer::Compounds, point).next(),
    };

    let outside = point_grid.is_none().then(|| {
        let nearest = snapshot.nearest_area(Layer::Grids, point, f64::INFINITY);
        let named = nearest.map(|(g, _)| named(&data.grids[g as usize].id, &data.grids[g as usize].name));
        Outside {
            message: match named {
                Some(n) => format!("这个位置不在任何网格内 (this point is outside every grid); the nearest grid is {} ({})", n.name, n.id),
                None => "这个位置不在任何网格内 (this point is outside every grid); no grids are loaded".to_owned(),
            },
            nearest_grid: named,
            nearest_grid_distance_m: nearest.map(|(_, d)| round_m(d)),
        }
    });

    let chain = grid.map(|g| grid_chain(snapshot, g));
    let contacts = contact_board(snapshot, building.map(|(b, _)| b), grid, compound);
    let stations = snapshot
        .nearest_stations(point, STATIONS_LISTED, compound)
        .into_iter()
        .map(|(s, metres)| {
            let station = &data.stations[s as usize];
            let at = match station.geometry {
                geo::Geometry::Point(p) => [p.x(), p.y()],
                _ => [f64::NAN, f64::NAN],
            };
            StationCard {
                id: &station.id,
                name: &station.name,
                kind: station.kind,
                kind_label: station.kind.label_zh(),
                level: station.level,
                opening_hours: station.opening_hours.as_deref(),
                phone: station.phone.as_deref(),
                point: at,
                distance_m: round_m(metres),
                walk_m: None,
            }
        })
        .collect();

    Location {
        point: [point.x(), point.y()],
        crs,
        inside_grid: point_grid.is_some(),
        outside,
        building: building.map(|(b, metres)| {
            let record = &data.buildings[b as usize];
            BuildingCard {
                id: &record.id,
                name: snapshot.building_name(b),
                label: &record.label,
                floors: record.floors,
                units: record.units,
                households: record.households,
                has_elevator: record.has_elevator,
                distance_m: round_m(metres),
            }
        }),
        compound: compound.map(|c| {
            let record = &data.compounds[c as usize];
            CompoundCard {
                id: &record.id,
                name: &record.name,
                kind: record.kind,
                kind_label: record.kind.label_zh(),
                property_company: record.property_company.as_deref(),
            }
        }),
        grid_chain: chain,
        contacts,
        stations,
    }
}

fn named<'a>(id: &'a str, name: &'a str) -> Named<'a> {
    Named { id, name }
}

fn round_m(metres: f64) -> f64 {
    (metres * 10.0).round() / 10.0
}

fn grid_chain(snapshot: &Snapshot, finest: u32) -> GridChain<'_> {
    let data = &snapshot.data;
    let record = &data.grids[finest as usize];
    let (grid, micro) = match (record.level, snapshot.grid_links(finest).parent) {
        (GridLevel::MicroGrid, Some(parent)) => (parent, Some(finest)),
        _ => (finest, None),
    };
    let community = snapshot.grid_links(grid).community;
    let street = snapshot.community_street(community);
    let grid_named = |g: u32| named(&data.grids[g as usize].id, &data.grids[g as usize].name);
    GridChain {
        street: named(&data.streets[street as usize].id, &data.streets[street as usize].name),
        community: named(&data.communities[community as usize].id, &data.communities[community as usize].name),
        grid: grid_named(grid),
        micro_grid: micro.map(grid_named),
    }
}

/// For each role, the contacts of the most specific level that has one: building, then
/// micro-grid and grid, compound, community, street.
fn contact_board<'a>(snapshot: &'a Snapshot, building: Option<u32>, grid: Option<u32>, compound: Option<u32>) -> Vec<ContactCard<'a>> {
    let mut levels: Vec<(Layer, u32)> = Vec::with_capacity(6);
    levels.extend(building.map(|b| (Layer::Buildings, b)));
    let mut community = None;
    if let Some(g) = grid {
        levels.push((Layer::Grids, g));
        let links = snapshot.grid_links(g);
        levels.extend(links.parent.map(|p| (Layer::Grids, p)));
        community = Some(snapshot.grid_links(links.parent.unwrap_or(g)).community);
    }
    levels.extend(compound.map(|c| (Layer::Compounds, c)));
    let community = community.or_else(|| compound.and_then(|c| snapshot.compound_community(c)));
    if let Some(c) = community {
        levels.push((Layer::Communities, c));
        levels.push((Layer::Streets, snapshot.community_street(c)));
    }

    let contacts = &snapshot.data.contacts;
    let at_level: Vec<(Layer, &[u32])> = levels.iter().map(|&(layer, record)| (layer, snapshot.contacts_of(layer, record))).collect();
    let mut board = Vec::new();
    for &role in ContactRole::ALL {
        let found =
            at_level.iter().find(|(_, ids)| ids.iter().any(|&c| contacts[c as usize].role == role)).map(|&(layer, ids)| (layer, ids));
        if let Some((layer, ids)) = found {
            for &c in ids.iter().filter(|&&c| contacts[c as usize].role == role) {
                let contact = &contacts[c as usize];
                board.push(ContactCard {
                    role,
                    role_label: role.label_zh(),
                    name: &contact.name,
                    phone: &contact.phone,
                    serves: layer,
                    serves_id: contact.scope.id(),
                });
            }
        }
    }
    board
}
