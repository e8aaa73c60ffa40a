//! The 15-minute service circle: which buildings lie within a walk of a station of some
//! kind (GB 50180-2018 life circles: 5 min ≈ 300 m, 10 min ≈ 500 m, 15 min ≈ 800–1,000 m),
//! the stations' isochrones, and where new stations would cover the most households.
//!
//! Distances follow the walking network ([`crate::network`]): every building and station
//! joins it at the nearest point of the nearest walkway. Without walkways the analysis
//! falls back to straight lines and says so ([`Method::Euclidean`]); straight lines
//! understate walks, so that answer overstates coverage.

pub mod isochrones;
pub mod plan;
pub mod summary;

use geo::Point;
use serde::Serialize;

use super::ServiceError;
use crate::index::{PointTree, Snapshot};
use crate::model::FacilityKind;
pub use crate::network::Method;

/// Walking speed that makes the 15-minute circle 1,000 m (GB 50180's upper figure).
pub const DEFAULT_SPEED_M_PER_MIN: f64 = 1_000.0 / 15.0;
pub const DEFAULT_MINUTES: f64 = 15.0;
/// The largest circle served: beyond an hour's walk "coverage" stops meaning anything,
/// and the search cost grows with the area.
pub const MAX_LIMIT_M: f64 = 5_000.0;

/// The walking limit of a life circle, with how it was derived from minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Circle {
    /// The limit in metres; a building at exactly this distance is covered.
    pub limit_m: f64,
    /// The limit in minutes at `speed_m_per_min`.
    pub minutes: f64,
    pub speed_m_per_min: f64,
}

impl Circle {
    /// From `minutes` (default 15) or `meters` (not both) and a walking speed in metres
    /// per minute (default 1000/15 ≈ 66.7, so that 15 minutes is 1,000 m).
    pub fn new(minutes: Option<f64>, meters: Option<f64>, speed_m_per_min: Option<f64>) -> Result<Circle, ServiceError> {
        let invalid = |parameter, reason: String| ServiceError::InvalidParameter { parameter, reason };
        let speed = speed_m_per_min.unwrap_or(DEFAULT_SPEED_M_PER_MIN);
        if !(speed.is_finite() && speed > 0.0 && speed <= 300.0) {
            return Err(invalid("speed_m_per_min", format!("{speed} is not a walking speed (0 < speed ≤ 300 m/min)")));
        }
        let (limit_m, minutes) = match (minutes, meters) {
            (Some(_), Some(_)) => return Err(invalid("minutes", "give minutes or meters, not both".into())),
            (_, Some(m)) => (m, m / speed),
            (minutes, None) => {
                let minutes = minutes.unwrap_or(DEFAULT_MINUTES);
                if !(minutes.is_finite() && minutes > 0.0) {
                    return Err(invalid("minutes", format!("{minutes} must be a positive number of minutes")));
                }
                // To the millimetre, so that 15 min × 1000/15 m/min reads 1000, not 1000.0000000000001.
                ((minutes * speed * 1_000.0).round() / 1_000.0, minutes)
            }
        };
        if !(limit_m.is_finite() && limit_m > 0.0 && limit_m <= MAX_LIMIT_M) {
            let parameter = if meters.is_some() { "meters" } else { "minutes" };
            return Err(invalid(parameter, format!("the circle must be more than 0 m and at most {MAX_LIMIT_M} m, got {limit_m} m")));
        }
        Ok(Circle { limit_m, minutes, speed_m_per_min: speed })
    }
}

/// Which measure a caller asked for: the network unless they say otherwise.
pub fn choose_method(snapshot: &Snapshot, asked: Option<Method>) -> (Method, Option<&'static str>) {
    match asked.unwrap_or(Method::Network) {
        Method::Euclidean => (Method::Euclidean, Some("straight-line distance, as asked")),
        Method::Network if snapshot.walking().network.is_none() => (
            Method::Euclidean,
            Some("no walking network is loaded, so distances are straight lines: they understate walks and overstate coverage"),
        ),
        Method::Network => (Method::Network, None),
    }
}

/// Every building's distance to the nearest station of one kind.
pub struct BuildingDistances {
    pub method: Method,
    /// Distances beyond this were not searched for.
    pub search_m: f64,
    /// Metres per building (in building order); `f64::INFINITY` beyond `search_m`, or when
    /// the building or every station is off the network.
    pub metres: Vec<f64>,
    /// The stations of the kind, by position in `data.stations`.
    pub stations: Vec<u32>,
    /// Stations of the kind with no walkway within reach (they serve nobody on foot).
    pub stations_off_network: usize,
    /// Buildings with no walkway within reach.
    pub buildings_off_network: usize,
}

/// The stations of a kind, by position.
pub fn stations_of(snapshot: &Snapshot, kind: FacilityKind) -> Vec<u32> {
    (0..snapshot.data.stations.len() as u32).filter(|&s| snapshot.data.stations[s as usize].kind == kind).collect()
}

/// Walking (or straight-line) distance from every building to its nearest station of
/// `kind`, searched up to `search_m` metres.
pub fn building_distances(snapshot: &Snapshot, kind: FacilityKind, method: Method, search_m: f64) -> BuildingDistances {
    let walking = snapshot.walking();
    let stations = stations_of(snapshot, kind);
    let count = snapshot.data.buildings.len();
    match (method, &walking.network) {
        (Method::Network, Some(network)) => {
            let sources: Vec<_> = stations.iter().filter_map(|&s| walking.station_snaps[s as usize]).collect();
            let from = network.distances_from_sources(&sources, search_m);
            let metres = walking
                .building_snaps
                .iter()
                .map(|snap| snap.as_ref().map_or(f64::INFINITY, |snap| network.distance_to(&from, snap)))
                .collect();
            BuildingDistances {
                method,
                search_m,
                metres,
                stations_off_network: stations.len() - sources.len(),
                buildings_off_network: walking.building_snaps.iter().filter(|s| s.is_none()).count(),
                stations,
            }
        }
        _ => {
            let points = snapshot.data.stations.iter().map(|s| match s.geometry {
                geo::Geometry::Point(p) if s.kind == kind => Some(p),
                _ => None,
            });
            let tree = PointTree::build(points);
            let metres = if stations.is_empty() {
                vec![f64::INFINITY; count]
            } else {
                walking
                    .building_points
                    .iter()
                    .map(|p| {
                        p.and_then(|p| tree.nearest(p, 1, |_| true).first().map(|&(_, m)| m))
                            .filter(|&m| m <= search_m)
                            .unwrap_or(f64::INFINITY)
                    })
                    .collect()
            };
            BuildingDistances { method: Method::Euclidean, search_m, metres, stations, stations_off_network: 0, buildings_off_network: 0 }
        }
    }
}

/// A station's position, if it has a point geometry.
pub fn station_point(snapshot: &Snapshot, station: u32) -> Option<Point> {
    match snapshot.data.stations[station as usize].geometry {
        geo::Geometry::Point(p) => Some(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_minutes_is_a_thousand_metres_by_default() {
        let circle = Circle::new(None, None, None).unwrap();
        assert!((circle.limit_m - 1_000.0).abs() < 1e-9 && circle.minutes == 15.0);
        let five = Circle::new(Some(5.0), None, Some(60.0)).unwrap();
        assert_eq!(five.limit_m, 300.0);
        let metres = Circle::new(None, Some(500.0), None).unwrap();
        assert!((metres.minutes - 7.5).abs() < 1e-9);
    }

    #[test]
    fn bad_circles_name_the_parameter() {
        let parameter = |e: ServiceError| match e {
            ServiceError::InvalidParameter { parameter, .. } => parameter,
            other => panic!("{other}"),
        };
        assert_eq!(parameter(Circle::new(Some(5.0), Some(300.0), None).unwrap_err()), "minutes");
        assert_eq!(parameter(Circle::new(None, Some(-1.0), None).unwrap_err()), "meters");
        assert_eq!(parameter(Circle::new(Some(600.0), None, None).unwrap_err()), "minutes");
        assert_eq!(parameter(Circle::new(None, None, Some(0.0)).unwrap_err()), "speed_m_per_min");
        assert_eq!(parameter(Circle::new(Some(f64::NAN), None, None).unwrap_err()), "minutes");
    }
}
