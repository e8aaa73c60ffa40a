//! The walking network: a street graph built from line geometries, on which stations are
//! measured against buildings by walking distance (GB 50180-2018 life circles: 300 / 500 /
//! 800–1000 m), plus the greedy siting of new stations.
//!
//! Pure computation: no HTTP, no database. Coordinates are lon/lat (WGS84) degrees,
//! distances are metres.
//!
//! - [`graph`]: [`WalkNetwork::from_lines`] nodes lines where they share a coordinate.
//! - [`snap`]: a point joins the network at the nearest point of the nearest segment.
//! - [`frontier`]: the search loop they share, over a bucket queue.
//! - [`dijkstra`]: multi-source bounded walking distances, and a snapped point's distance.
//! - [`nearest`]: the same search remembering which source reached each node.
//! - [`isochrone`]: the part of the network reached within a limit, and its buffer.
//! - [`plan`]: greedy maximal covering for siting stations.

pub mod dijkstra;
mod frontier;
pub mod graph;
pub mod isochrone;
pub mod nearest;
pub mod plan;
pub mod snap;

pub use dijkstra::SourceDistances;
pub use graph::{Edge, WalkNetwork};
pub use isochrone::isochrone_polygon;
pub use nearest::{NearestSources, Source};
pub use plan::{Pick, greedy_max_cover, greedy_max_cover_lazy, greedy_max_cover_lazy_with_covers};
pub use snap::Snap;

use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};

/// How a walking distance is measured. `Euclidean` is the fallback when an area has no
/// street network loaded: callers say `method: euclidean` and get straight-line distances,
/// which understate real walks (never overstate them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Along the street network, with access legs to and from it.
    #[default]
    Network,
    /// Great-circle (haversine) distance between the two points.
    Euclidean,
}

/// Straight-line ground distance between two lon/lat points, in metres (haversine).
pub fn straight_line_m(a: Point, b: Point) -> f64 {
    Haversine.distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_reads_lowercase_names() {
        let method: Method = serde_json::from_str("\"euclidean\"").unwrap();
        assert_eq!(method, Method::Euclidean);
        assert_eq!(serde_json::to_string(&Method::Network).unwrap(), "\"network\"");
    }

    #[test]
    fn straight_line_is_haversine() {
        // One degree of latitude is about 111.2 km on the mean sphere.
        let d = straight_line_m(Point::new(116.0, 39.0), Point::new(116.0, 40.0));
        assert!((d - crate::geodesy::METRES_PER_DEGREE_LAT).abs() < 1e-6, "{d}");
    }
}
