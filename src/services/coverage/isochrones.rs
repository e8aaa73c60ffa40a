//! One walking isochrone per station: the area within reach along the network, drawn as a
//! buffer around the reached pieces of walkway.

use geo::{Coord, Haversine, Length, LineString, MultiPolygon, Polygon};

use super::{Circle, Method, choose_method, station_point, stations_of};
use crate::index::Snapshot;
use crate::model::FacilityKind;
use crate::network::{EARTH_RADIUS_M, isochrone_polygon};
use crate::services::ServiceError;

/// How wide, in metres, the band drawn around reached walkways is by default: about a
/// building's depth, so the buildings along a reached street fall inside.
pub const DEFAULT_BUFFER_M: f64 = 50.0;

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

/// The isochrone of every station of `kind`, in station order. On the network each is
/// worked out on its own (a station's reach does not depend on the others), spread over
/// the machine's cores; without one, each is a circle of the limit's radius.
pub fn isochrones(
    snapshot: &Snapshot,
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
    buffer_m: f64,
) -> (Method, Option<&'static str>, Vec<Isochrone>) {
    let (method, note) = choose_method(snapshot, method);
    let stations = stations_of(snapshot, kind);
    let walking = snapshot.walking();
    let one = |station: u32| -> Isochrone {
        match (&walking.network, walking.station_snaps[station as usize]) {
            (Some(network), snap) if method == Method::Network => match snap {
                Some(snap) => {
                    let lines = network.isochrone(&snap, circle.limit_m);
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
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = stations.len().div_ceil(threads).max(1);
    let isochrones = std::thread::scope(|scope| {
        let parts: Vec<_> = stations.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(|&s| one(s)).collect::<Vec<_>>())).collect();
        parts.into_iter().flat_map(|h| h.join().expect("isochrones do not panic")).collect()
    });
    (method, note, isochrones)
}

/// A 64-sided polygon of `radius_m` around a lon/lat point (equirectangular, fine at city scale).
fn disc(centre: Coord, radius_m: f64) -> Polygon {
    let per_degree_lat = EARTH_RADIUS_M.to_radians();
    let per_degree_lon = per_degree_lat * centre.y.to_radians().cos();
    let ring: Vec<Coord> = (0..=64)
        .map(|i| {
            let angle = std::f64::consts::TAU * f64::from(i % 64) / 64.0;
            Coord { x: centre.x + radius_m * angle.cos() / per_degree_lon, y: centre.y + radius_m * angle.sin() / per_degree_lat }
        })
        .collect();
    Polygon::new(LineString::new(ring), Vec::new())
}
