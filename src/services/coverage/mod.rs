//! The 15-minute service circle: which buildings lie within a walk of a station of some
//! kind (GB 50180-2018 life circles: 5 min ≈ 300 m, 10 min ≈ 500 m, 15 min ≈ 800–1,000 m),
//! the stations' isochrones, and where new stations would cover the most households.
//!
//! Distances follow the walking network ([`crate::network`]): every building and station
//! joins it at the nearest point of the nearest walkway. Without walkways the analysis
//! falls back to straight lines and says so ([`Method::Euclidean`]); straight lines
//! understate walks, so that answer overstates coverage.

pub mod access;
pub mod isochrones;
pub mod lscp;
pub mod maps;
pub mod plan;
pub mod summary;

use geo::Point;
use serde::Serialize;

use super::ServiceError;
use super::cost::Budget;
use crate::geodesy::grown_bbox;
use crate::index::{PointTree, Snapshot};
use crate::model::{FacilityKind, Layer};
pub use crate::network::Method;

/// Walking speed that makes the 15-minute circle 1,000 m (GB 50180's upper figure).
pub const DEFAULT_SPEED_M_PER_MIN: f64 = 1_000.0 / 15.0;
pub const DEFAULT_MINUTES: f64 = 15.0;
/// The largest circle served: beyond an hour's walk "coverage" stops meaning anything,
/// and the search cost grows with the area.
pub const MAX_LIMIT_M: f64 = 5_000.0;
/// The walking speeds taken, in metres per minute.
pub const MIN_SPEED_M_PER_MIN: f64 = 1.0;
pub const MAX_SPEED_M_PER_MIN: f64 = 300.0;

/// The walking limit of a life circle, with how it was derived from minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
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
        // At least 1 m/min: a slower "speed" (the fuzzer found 2e-311) turns the limit into
        // infinite minutes, which JSON cannot carry.
        if !(speed.is_finite() && (MIN_SPEED_M_PER_MIN..=MAX_SPEED_M_PER_MIN).contains(&speed)) {
            return Err(invalid(
                "speed_m_per_min",
                format!("{speed} is not a walking speed ({MIN_SPEED_M_PER_MIN} to {MAX_SPEED_M_PER_MIN} m/min)"),
            ));
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

/// The stations of a kind that stand within `reach_m` metres (straight line) of `bbox`
/// (west, south, east, north), by position; every station of the kind without a box. A
/// walk is never shorter than the straight line, so no other station can reach into the box.
pub fn stations_near(snapshot: &Snapshot, kind: FacilityKind, bbox: Option<[f64; 4]>, reach_m: f64) -> Vec<u32> {
    let Some(bbox) = bbox else { return stations_of(snapshot, kind) };
    let mut near: Vec<u32> = snapshot
        .candidates(Layer::Stations, grown_bbox(bbox, reach_m))
        .into_iter()
        .filter(|&s| snapshot.data.stations[s as usize].kind == kind)
        .collect();
    near.sort_unstable();
    near
}

/// Walking (or straight-line) distance from every building to its nearest station of
/// `kind`, searched up to `search_m` metres.
pub fn building_distances(
    snapshot: &Snapshot,
    kind: FacilityKind,
    method: Method,
    search_m: f64,
    budget: &Budget,
) -> Result<BuildingDistances, ServiceError> {
    let walking = snapshot.walking();
    let stations = stations_of(snapshot, kind);
    let all: Vec<u32> = (0..snapshot.data.buildings.len() as u32).collect();
    let metres = distances_to(snapshot, &stations, &all, method, search_m, budget)?;
    let (method, stations_off_network, buildings_off_network) = match (method, &walking.network) {
        (Method::Network, Some(_)) => (
            method,
            stations.iter().filter(|&&s| walking.station_snaps[s as usize].is_none()).count(),
            walking.building_snaps.iter().filter(|s| s.is_none()).count(),
        ),
        _ => (Method::Euclidean, 0, 0),
    };
    Ok(BuildingDistances { method, search_m, metres, stations, stations_off_network, buildings_off_network })
}

/// The distance from the nearest of `stations` to each of `buildings` (positions), in
/// metres, `f64::INFINITY` beyond `search_m`: along the network when there is one and
/// `method` asks for it, else in a straight line. The walking search starts from just these
/// stations, so its cost follows the area they reach.
pub fn distances_to(
    snapshot: &Snapshot,
    stations: &[u32],
    buildings: &[u32],
    method: Method,
    search_m: f64,
    budget: &Budget,
) -> Result<Vec<f64>, ServiceError> {
    budget.check()?;
    let walking = snapshot.walking();
    match (method, &walking.network) {
        (Method::Network, Some(network)) => {
            let sources: Vec<_> = stations.iter().filter_map(|&s| walking.station_snaps[s as usize]).collect();
            let from = network.distances_reusing(&sources, search_m, None, &|| budget.stopped()).ok_or_else(|| budget.stop_error())?;
            Ok(buildings
                .iter()
                .map(|&b| walking.building_snaps[b as usize].as_ref().map_or(f64::INFINITY, |snap| network.distance_to(&from, snap)))
                .collect())
        }
        _ => {
            let tree = PointTree::build(stations.iter().map(|&s| station_point(snapshot, s)));
            let mut metres = Vec::with_capacity(buildings.len());
            for (i, &b) in buildings.iter().enumerate() {
                if i.is_multiple_of(CHECK_EVERY) {
                    budget.check()?;
                }
                let nearest = walking.building_points[b as usize]
                    .and_then(|p| tree.nearest(p, 1, |_| true).first().map(|&(_, m)| m))
                    .filter(|&m| m <= search_m);
                metres.push(nearest.unwrap_or(f64::INFINITY));
            }
            Ok(metres)
        }
    }
}

/// `one(station, scratch)` for every station, in station order, spread over the cores; each
/// thread keeps its own search memory (`scratch`) from station to station. The first error
/// (a budget run out) is the answer.
pub fn per_station<T: Send>(
    stations: &[u32],
    one: impl Fn(u32, &mut Option<crate::network::SourceDistances>) -> Result<T, ServiceError> + Sync,
) -> Result<Vec<T>, ServiceError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = stations.len().div_ceil(threads).max(1);
    let one = &one;
    let parts = std::thread::scope(|scope| {
        let handles: Vec<_> = stations
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut scratch = None;
                    part.iter().map(|&s| one(s, &mut scratch)).collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("per-station searches do not panic")).collect::<Result<Vec<_>, _>>()
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// Items a loop handles between two looks at its budget.
const CHECK_EVERY: usize = 4_096;

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
        // A subnormal speed would make the minutes infinite (found by schemathesis).
        assert_eq!(parameter(Circle::new(None, Some(3652.6), Some(2.2e-311)).unwrap_err()), "speed_m_per_min");
        assert_eq!(parameter(Circle::new(Some(f64::NAN), None, None).unwrap_err()), "minutes");
    }
}
