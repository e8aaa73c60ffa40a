//! One walking isochrone per station (or one per station and band): the area within reach
//! along the network, drawn as a buffer around the reached pieces of walkway, with the
//! people of the buildings whose walk from that station is within the band.

use geo::{BooleanOps, Centroid, Coord, Haversine, Length, LineString, MultiPolygon, Point, Polygon};
use serde::Serialize;

use super::{Circle, MAX_LIMIT_M, Method, choose_method, per_station, station_point, stations_near};
use crate::geodesy::{LocalPlane, envelope_around};
use crate::index::Snapshot;
use crate::model::{DemandGroup, FacilityKind, Layer};
use crate::network::{SourceDistances, isochrone_polygon, straight_line_m};
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};

/// How wide, in metres, the band drawn around reached walkways is by default: about a
/// building's depth, so the buildings along a reached street fall inside.
pub const DEFAULT_BUFFER_M: f64 = 50.0;

/// The isochrones of a map, and how they were measured.
pub struct Isochrones {
    pub method: Method,
    /// Why the method is not the one asked for, if it is not.
    pub method_note: Option<&'static str>,
    pub shapes: Vec<Isochrone>,
}

pub struct Isochrone {
    /// The station, by position in `data.stations`.
    pub station: u32,
    /// The walk this shape reaches, in metres: the circle's limit, or one of the bands.
    pub band_m: f64,
    /// Total length of walkway reached, in metres (0 for straight-line circles).
    pub reached_m: f64,
    /// Empty when the station has no walkway within reach.
    pub area: MultiPolygon,
    pub off_network: bool,
    /// Who lives in the buildings whose walk from this station is at most `band_m`.
    pub people: People,
}

/// The people of a set of buildings, each group as [`crate::model::Building::demand`]
/// counts it (the elderly and children estimated from residents where a building has no
/// count). Like openrouteservice's `total_pop`, but by each building's own walk rather
/// than by the polygon's overlap with a population grid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct People {
    pub buildings: u32,
    pub households: f64,
    pub residents: f64,
    pub elderly: f64,
    pub children: f64,
}

impl People {
    fn add(&mut self, building: &crate::model::Building) {
        self.buildings += 1;
        self.households += building.demand(DemandGroup::Households);
        self.residents += building.demand(DemandGroup::Residents);
        self.elderly += building.demand(DemandGroup::Elderly);
        self.children += building.demand(DemandGroup::Children);
    }
}

/// At most this many bands in one request.
pub const MAX_BANDS: usize = 5;

/// Reads `bands`: 1 to [`MAX_BANDS`] walks in metres, comma-separated, strictly ascending,
/// each more than 0 and at most [`MAX_LIMIT_M`].
pub fn parse_bands(text: &str) -> Result<Vec<f64>, ServiceError> {
    let invalid = |reason: String| ServiceError::InvalidParameter { parameter: "bands", reason };
    let bands = text
        .split(',')
        .map(|b| b.trim().parse::<f64>().map_err(|_| invalid(format!("{b:?} is not a number of metres"))))
        .collect::<Result<Vec<f64>, _>>()?;
    if bands.is_empty() || bands.len() > MAX_BANDS {
        return Err(invalid(format!("give 1 to {MAX_BANDS} bands, got {}", bands.len())));
    }
    if let Some(bad) = bands.iter().find(|b| !(b.is_finite() && **b > 0.0 && **b <= MAX_LIMIT_M)) {
        return Err(invalid(format!("{bad} m: each band must be more than 0 m and at most {MAX_LIMIT_M} m")));
    }
    if bands.windows(2).any(|w| w[0] >= w[1]) {
        return Err(invalid("the bands must be in ascending order, each larger than the one before".into()));
    }
    Ok(bands)
}

/// Checks a buffer width in metres.
pub fn buffer_width(buffer_m: Option<f64>) -> Result<f64, ServiceError> {
    let buffer = buffer_m.unwrap_or(DEFAULT_BUFFER_M);
    if buffer.is_finite() && (1.0..=500.0).contains(&buffer) {
        Ok(buffer)
    } else {
        Err(ServiceError::InvalidParameter { parameter: "buffer_m", reason: format!("{buffer} must be between 1 and 500 metres") })
    }
}

/// The isochrone of every station of `kind` whose isochrone may meet `bbox` (west, south,
/// east, north; every station of the kind without one), in station order, each with the
/// people its walk reaches ([`isochrone_bands`] draws several walks per station). On the
/// network each is worked out on its own (a station's reach does not depend on the others),
/// spread over the machine's cores; without one, each is a circle of the limit's radius.
///
/// Refused with [`ServiceError::TooLarge`] beyond [`Limits::isochrone_stations`] stations
/// at this distance, before any search. Each isochrone is traced on at most about 200 × 200
/// cells ([`crate::network::isochrone::MAX_CELLS_PER_SIDE`]), so a station's cost follows
/// the network it reaches.
#[allow(clippy::too_many_arguments)]
pub fn isochrones(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    buffer_m: f64,
    bbox: Option<[f64; 4]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<Isochrones, ServiceError> {
    isochrone_bands(snapshot, kind, circle, method, buffer_m, bbox, None, limits, budget)
}

/// As [`isochrones`]; with `bands` (ascending, checked by [`parse_bands`]), one shape per
/// station and band instead, the largest band first, each band's area containing the
/// smaller bands' (one search per station, to the largest band, serves them all).
#[allow(clippy::too_many_arguments)]
pub fn isochrone_bands(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    buffer_m: f64,
    bbox: Option<[f64; 4]>,
    bands: Option<&[f64]>,
    limits: &Limits,
    budget: &Budget,
) -> Result<Isochrones, ServiceError> {
    let bands: Vec<f64> = bands.map_or_else(|| vec![circle.limit_m], <[f64]>::to_vec);
    let widest = *bands.last().expect("at least one band");
    let stations = stations_near(snapshot, kind, bbox, widest + buffer_m);
    let allowed = limits.isochrone_stations(widest);
    let what = match bbox {
        None => format!("stations of {kind} (no bbox given) at {widest} m"),
        Some(_) => format!("stations of {kind} within reach of the bbox at {widest} m"),
    };
    let hint = format!(
        "give a bbox (west,south,east,north), a smaller one, or a shorter distance ({} stations at 1000 m)",
        limits.isochrone_stations(1_000.0)
    );
    within(&what, stations.len(), allowed, &hint)?;
    let (method, note) = choose_method(snapshot, method);
    let walking = snapshot.walking();
    // Each thread reuses one search's memory from station to station. A station's shapes
    // come smallest band first, each unioned with the one before so that they nest even
    // where tracing on a coarser grid would cut a corner.
    let one = |station: u32, scratch: &mut Option<SourceDistances>| -> Result<Vec<Isochrone>, ServiceError> {
        budget.check()?;
        let centre = snapshot.data.stations[station as usize].geometry.centroid();
        let nearby = centre.map_or_else(Vec::new, |c| buildings_near(snapshot, c, widest));
        let mut shapes: Vec<Isochrone> = Vec::with_capacity(bands.len());
        match (&walking.network, walking.station_snaps[station as usize]) {
            (Some(network), snap) if method == Method::Network => match snap {
                Some(snap) => {
                    let mut from = network
                        .distances_reusing(&[snap], widest, scratch.take(), &|| budget.stopped())
                        .ok_or_else(|| budget.stop_error())?;
                    let walks: Vec<(u32, f64)> = nearby
                        .iter()
                        .filter_map(|&b| walking.building_snaps[b as usize].map(|s| (b, network.distance_to(&from, &s))))
                        .filter(|(_, d)| d.is_finite())
                        .collect();
                    for &band in &bands {
                        from.limit_m = band;
                        let lines = network.reached_lines(&from);
                        let reached_m = lines.iter().map(|l| Haversine.length(l)).sum();
                        let people = people_within(snapshot, walks.iter().copied(), band);
                        let area = nested(isochrone_polygon(&lines, buffer_m), shapes.last());
                        shapes.push(Isochrone { station, band_m: band, reached_m, area, off_network: false, people });
                    }
                    from.limit_m = widest;
                    *scratch = Some(from);
                }
                None => shapes.extend(bands.iter().map(|&band| Isochrone {
                    station,
                    band_m: band,
                    reached_m: 0.0,
                    area: MultiPolygon::new(Vec::new()),
                    off_network: true,
                    people: People::default(),
                })),
            },
            _ => {
                let walks: Vec<(u32, f64)> = match centre {
                    Some(c) => {
                        nearby.iter().filter_map(|&b| walking.building_points[b as usize].map(|p| (b, straight_line_m(c, p)))).collect()
                    }
                    None => Vec::new(),
                };
                for &band in &bands {
                    let area = station_point(snapshot, station)
                        .map(|p| MultiPolygon::new(vec![disc(p.0, band)]))
                        .unwrap_or_else(|| MultiPolygon::new(Vec::new()));
                    let people = people_within(snapshot, walks.iter().copied(), band);
                    shapes.push(Isochrone { station, band_m: band, reached_m: 0.0, area, off_network: false, people });
                }
            }
        }
        shapes.reverse(); // the largest band first, so smaller ones draw on top
        Ok(shapes)
    };
    let mut shapes: Vec<Isochrone> = per_station(&stations, one)?.into_iter().flatten().collect();
    // Every station's largest band, then every station's next, … (stable: station order kept).
    shapes.sort_by(|a, b| b.band_m.total_cmp(&a.band_m));
    Ok(Isochrones { method, method_note: note, shapes })
}

/// The buildings that may lie within `metres` of a walk from `centre`: a walk is never
/// shorter than the straight line, so those within the straight-line box (with a metre's
/// slack for rounding) are all there can be.
pub(super) fn buildings_near(snapshot: &Snapshot, centre: Point, metres: f64) -> Vec<u32> {
    snapshot.candidates(Layer::Buildings, envelope_around(centre, metres * 1.001 + 1.0))
}

/// The people of the buildings whose walk (building, metres) is at most `band_m`.
fn people_within(snapshot: &Snapshot, walks: impl Iterator<Item = (u32, f64)>, band_m: f64) -> People {
    let mut people = People::default();
    for (b, metres) in walks {
        if metres <= band_m {
            people.add(&snapshot.data.buildings[b as usize]);
        }
    }
    people
}

/// `area` grown to contain the next smaller band's shape, if any.
fn nested(area: MultiPolygon, smaller: Option<&Isochrone>) -> MultiPolygon {
    match smaller {
        Some(inner) if !inner.area.0.is_empty() => area.union(&inner.area),
        _ => area,
    }
}

/// A 64-sided polygon of `radius_m` around a lon/lat point (equirectangular, fine at city scale).
fn disc(centre: Coord, radius_m: f64) -> Polygon {
    let plane = LocalPlane::at(centre);
    let ring: Vec<Coord> = (0..=64)
        .map(|i| {
            let angle = std::f64::consts::TAU * f64::from(i % 64) / 64.0;
            plane.to_degrees(Coord { x: radius_m * angle.cos(), y: radius_m * angle.sin() })
        })
        .collect();
    Polygon::new(LineString::new(ring), Vec::new())
}
