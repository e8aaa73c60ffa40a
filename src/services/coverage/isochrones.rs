//! One walking isochrone per station: the area within reach along the network, drawn as a
//! buffer around the reached pieces of walkway.

use geo::{Coord, Haversine, Length, LineString, MultiPolygon, Polygon};

use super::{Circle, Method, choose_method, station_point, stations_near};
use crate::geodesy::LocalPlane;
use crate::index::Snapshot;
use crate::model::FacilityKind;
use crate::network::{SourceDistances, isochrone_polygon};
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
    /// Total length of walkway reached, in metres (0 for straight-line circles).
    pub reached_m: f64,
    /// Empty when the station has no walkway within reach.
    pub area: MultiPolygon,
    pub off_network: bool,
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
/// east, north; every station of the kind without one), in station order. On the network
/// each is worked out on its own (a station's reach does not depend on the others), spread
/// over the machine's cores; without one, each is a circle of the limit's radius.
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
    let stations = stations_near(snapshot, kind, bbox, circle.limit_m + buffer_m);
    let allowed = limits.isochrone_stations(circle.limit_m);
    let what = match bbox {
        None => format!("stations of {kind} (no bbox given) at {} m", circle.limit_m),
        Some(_) => format!("stations of {kind} within reach of the bbox at {} m", circle.limit_m),
    };
    let hint = format!(
        "give a bbox (west,south,east,north), a smaller one, or a shorter distance ({} stations at 1000 m)",
        limits.isochrone_stations(1_000.0)
    );
    within(&what, stations.len(), allowed, &hint)?;
    let (method, note) = choose_method(snapshot, method);
    let walking = snapshot.walking();
    // Each thread reuses one search's memory from station to station.
    let one = |station: u32, scratch: &mut Option<SourceDistances>| -> Result<Isochrone, ServiceError> {
        budget.check()?;
        Ok(match (&walking.network, walking.station_snaps[station as usize]) {
            (Some(network), snap) if method == Method::Network => match snap {
                Some(snap) => {
                    let from = network
                        .distances_reusing(&[snap], circle.limit_m, scratch.take(), &|| budget.stopped())
                        .ok_or_else(|| budget.stop_error())?;
                    let lines = network.reached_lines(&from);
                    *scratch = Some(from);
                    let reached_m = lines.iter().map(|l| Haversine.length(l)).sum();
                    Isochrone { station, reached_m, area: isochrone_polygon(&lines, buffer_m), off_network: false }
                }
                None => Isochrone { station, reached_m: 0.0, area: MultiPolygon::new(Vec::new()), off_network: true },
            },
            _ => {
                let area = station_point(snapshot, station)
                    .map(|p| MultiPolygon::new(vec![disc(p.0, circle.limit_m)]))
                    .unwrap_or_else(|| MultiPolygon::new(Vec::new()));
                Isochrone { station, reached_m: 0.0, area, off_network: false }
            }
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = stations.len().div_ceil(threads).max(1);
    let isochrones = std::thread::scope(|scope| {
        let parts: Vec<_> = stations
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut scratch = None;
                    part.iter().map(|&s| one(s, &mut scratch)).collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        parts.into_iter().map(|h| h.join().expect("isochrones do not panic")).collect::<Result<Vec<_>, _>>()
    })?;
    Ok(Isochrones { method, method_note: note, shapes: isochrones.into_iter().flatten().collect() })
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
