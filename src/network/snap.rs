//! Joining a point to the network at the nearest point of the nearest segment.

use geo::{Coord, Distance, Haversine, Point};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use super::graph::{Edge, WalkNetwork};
use crate::geodesy::{LocalPlane, nearest_on_segment};

/// Segments in lon/lat degrees, each tagged with its edge id.
pub(super) type SegmentTree = RTree<GeomWithData<Line<[f64; 2]>, u32>>;

pub(super) fn segment_tree(nodes: &[Coord], edges: &[Edge]) -> SegmentTree {
    let entries = edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (a, b) = (nodes[e.from as usize], nodes[e.to as usize]);
            GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), i as u32)
        })
        .collect();
    RTree::bulk_load(entries)
}

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The point that was snapped (lon/lat).
    pub point: Coord,
    /// The nearest point on the nearest segment (lon/lat).
    pub snapped: Coord,
    /// The segment's edge id and its end nodes.
    pub edge: u32,
    pub from: u32,
    pub to: u32,
    /// Position of `snapped` along the segment, 0 at `from` and 1 at `to`.
    pub fraction: f64,
    /// Haversine distance from `point` to `snapped`, in metres.
    pub access_m: f64,
    /// Along the segment from `snapped` to `from` and to `to`, in metres (the fraction of
    /// the edge length, so the two add up to it exactly).
    pub from_m: f64,
    pub to_m: f64,
}

impl WalkNetwork {
    /// Joins `point` (lon/lat) to the network at the nearest point of the nearest segment,
    /// or `None` if no segment is within the access cutoff ([`WalkNetwork::max_access_m`]).
    ///
    /// Nearness is measured in an equirectangular plane centred on the point (within 0.1 %
    /// of the great-circle distance at city scale); the reported access leg is haversine.
    pub fn snap(&self, point: Point) -> Option<Snap> {
        let plane = LocalPlane::at(point.0);
        let project = |[x, y]: [f64; 2]| plane.to_metres(Coord { x, y });
        let here = Coord { x: 0.0, y: 0.0 };
        // The tree orders candidates by distance in degrees; a degree east is the shorter
        // one on the ground, so `degrees * metres_per_degree_lon` bounds a candidate's
        // planar distance from below and the walk can stop once it passes the best.
        let metres_per_degree_lon = plane.metres_per_degree_lon();
        let give_up_m = self.max_access_m * 1.01 + 1.0;
        let mut best: Option<(f64, u32, f64)> = None;
        for (entry, degrees_squared) in self.segments.nearest_neighbor_iter_with_distance_2([point.x(), point.y()]) {
            let bound = degrees_squared.sqrt() * metres_per_degree_lon;
            if bound > give_up_m || best.is_some_and(|(d, _, _)| bound > d) {
                break;
            }
            let (t, d) = nearest_on_segment(here, project(entry.geom().from), project(entry.geom().to));
            // Ties go to the lower edge id so snapping does not depend on tree layout.
            if best.is_none_or(|(bd, be, _)| d < bd || (d == bd && entry.data < be)) {
                best = Some((d, entry.data, t));
            }
        }
        let (_, edge, fraction) = best?;
        let e = self.edges()[edge as usize];
        let (a, b) = (self.nodes()[e.from as usize], self.nodes()[e.to as usize]);
        let snapped = Coord { x: a.x + fraction * (b.x - a.x), y: a.y + fraction * (b.y - a.y) };
        let access_m = Haversine.distance(point, Point(snapped));
        (access_m <= self.max_access_m).then_some(Snap {
            point: point.0,
            snapped,
            edge,
            from: e.from,
            to: e.to,
            fraction,
            access_m,
            from_m: fraction * e.length_m,
            to_m: (1.0 - fraction) * e.length_m,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::line_string;

    fn l_shape() -> WalkNetwork {
        // About 111 m east along latitude 0, then 111 m north.
        WalkNetwork::from_lines(&[line_string![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001)]])
    }

    #[test]
    fn snaps_onto_the_segment_not_the_nearest_node() {
        let snap = l_shape().snap(Point::new(0.0003, 0.0002)).unwrap();
        assert_eq!((snap.edge, snap.from, snap.to), (0, 0, 1));
        assert!((snap.fraction - 0.3).abs() < 1e-9, "{}", snap.fraction);
        assert!((snap.snapped.x - 0.0003).abs() < 1e-12 && snap.snapped.y.abs() < 1e-12);
        let expected_access = Haversine.distance(Point::new(0.0003, 0.0002), Point::new(0.0003, 0.0));
        assert!((snap.access_m - expected_access).abs() < 1e-9);
        assert!((snap.from_m + snap.to_m - 111.19508).abs() < 1e-3);
        assert!((snap.from_m / (snap.from_m + snap.to_m) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn picks_the_nearer_segment_and_clamps_to_its_end() {
        let network = l_shape();
        let snap = network.snap(Point::new(0.0012, 0.0008)).unwrap();
        assert_eq!(snap.edge, 1);
        let past_the_end = network.snap(Point::new(0.0015, 0.0015)).unwrap();
        assert_eq!(past_the_end.fraction, 1.0);
        assert_eq!(past_the_end.snapped, Coord { x: 0.001, y: 0.001 });
    }

    #[test]
    fn points_beyond_the_cutoff_do_not_join() {
        // About 556 m south of the first segment.
        let far = Point::new(0.0005, -0.005);
        assert!(l_shape().snap(far).is_none());
        let snap = l_shape().with_max_access_m(600.0).snap(far).unwrap();
        assert!((snap.access_m - 556.0).abs() < 1.0, "{}", snap.access_m);
    }

    #[test]
    fn empty_network_joins_nothing() {
        assert!(WalkNetwork::from_lines(&[]).snap(Point::new(0.0, 0.0)).is_none());
    }
}
