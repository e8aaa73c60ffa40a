//! A snapshot's walking network and where every building and station joins it.
//!
//! Built on first use (coverage queries only) and then kept with the snapshot: snapping a
//! million buildings takes a couple of seconds, which no request should pay twice.

use crate::model::Dataset;
use crate::network::{Snap, WalkNetwork};
use geo::{Centroid, Geometry, LineString, Point};

pub struct Walking {
    /// `None` when the snapshot has no walkways: coverage then falls back to straight lines.
    pub network: Option<WalkNetwork>,
    /// Each building's centre (its footprint's centroid), `None` for an empty geometry.
    pub building_points: Vec<Option<Point>>,
    /// Where each building joins the network; `None` without a network or when no
    /// walkway lies within the access cutoff.
    pub building_snaps: Vec<Option<Snap>>,
    /// Where each station joins the network, as for buildings.
    pub station_snaps: Vec<Option<Snap>>,
}

impl Walking {
    pub fn build(data: &Dataset) -> Walking {
        let lines: Vec<LineString> = data
            .walkways
            .iter()
            .flat_map(|w| match &w.geometry {
                Geometry::LineString(line) => vec![line.clone()],
                Geometry::MultiLineString(lines) => lines.0.clone(),
                _ => Vec::new(),
            })
            .collect();
        let network = (!lines.is_empty()).then(|| WalkNetwork::from_lines(&lines));
        let building_points: Vec<Option<Point>> = data.buildings.iter().map(|b| b.geometry.centroid()).collect();
        let station_points: Vec<Option<Point>> = data.stations.iter().map(|s| s.geometry.centroid()).collect();
        let (building_snaps, station_snaps) = match &network {
            Some(network) => (snap_all(network, &building_points), snap_all(network, &station_points)),
            None => (vec![None; building_points.len()], vec![None; station_points.len()]),
        };
        Walking { network, building_points, building_snaps, station_snaps }
    }
}

/// Snaps every point, split over the machine's cores (each snap is an independent tree walk).
fn snap_all(network: &WalkNetwork, points: &[Option<Point>]) -> Vec<Option<Snap>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = points.len().div_ceil(threads).max(4096);
    std::thread::scope(|scope| {
        let parts: Vec<_> = points
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|p| p.and_then(|p| network.snap(p))).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|h| h.join().expect("snapping does not panic")).collect()
    })
}
