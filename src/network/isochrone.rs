//! The part of the network reached within a walking limit, and an area around it.

use contour::ContourBuilder;
use geo::{BoundingRect, Coord, LineString, MapCoords, MultiLineString, MultiPolygon};

use super::dijkstra::SourceDistances;
use super::graph::WalkNetwork;
use super::snap::Snap;
use crate::geodesy::{LocalPlane, nearest_on_segment};

impl WalkNetwork {
    /// The network reached from `source` within `limit_m` metres of walking (access leg
    /// included), as lon/lat pieces of segments. See [`WalkNetwork::reached_lines`].
    pub fn isochrone(&self, source: &Snap, limit_m: f64) -> Vec<LineString> {
        self.reached_lines(&self.distances_from_sources(std::slice::from_ref(source), limit_m))
    }

    /// Every segment reached within the limit of `from`, in edge order: whole where the
    /// budget left at its ends covers it, otherwise cut where the budget runs out. A
    /// segment is reached from each end node and, for a source on it, from the source's
    /// snapped point both ways; overlapping stretches are merged, so a segment yields at
    /// most three pieces. Empty stretches (a node reached with no budget left) are left out.
    ///
    /// Only the segments at reached nodes and under the sources are looked at, so the cost
    /// follows the reached area, not the size of the network.
    pub fn reached_lines(&self, from: &SourceDistances) -> Vec<LineString> {
        let limit = from.limit_m;
        let mut candidates: Vec<u32> = from.reached.iter().flat_map(|&n| self.edges_at(n).iter().copied()).collect();
        candidates.extend(from.sources.iter().map(|s| s.edge));
        candidates.sort_unstable();
        candidates.dedup();
        let mut lines = Vec::new();
        let mut stretches: Vec<(f64, f64)> = Vec::with_capacity(3);
        for id in candidates {
            let e = self.edges()[id as usize];
            stretches.clear();
            let (da, db) = (from.node_m[e.from as usize], from.node_m[e.to as usize]);
            if da <= limit {
                stretches.push((0.0, ((limit - da) / e.length_m).min(1.0)));
            }
            if db <= limit {
                stretches.push(((1.0 - (limit - db) / e.length_m).max(0.0), 1.0));
            }
            let first = from.sources.partition_point(|s| s.edge < id);
            for s in from.sources[first..].iter().take_while(|s| s.edge == id).filter(|s| s.access_m <= limit) {
                let reach = (limit - s.access_m) / e.length_m;
                stretches.push(((s.fraction - reach).max(0.0), (s.fraction + reach).min(1.0)));
            }
            if stretches.is_empty() {
                continue;
            }
            stretches.sort_by(|x, y| x.0.total_cmp(&y.0));
            let (a, b) = (self.nodes()[e.from as usize], self.nodes()[e.to as usize]);
            let mut current = stretches[0];
            for &(lo, hi) in &stretches[1..] {
                if lo <= current.1 {
                    current.1 = current.1.max(hi);
                } else {
                    push_piece(&mut lines, a, b, current);
                    current = (lo, hi);
                }
            }
            push_piece(&mut lines, a, b, current);
        }
        lines
    }
}

fn push_piece(lines: &mut Vec<LineString>, a: Coord, b: Coord, (lo, hi): (f64, f64)) {
    if hi > lo {
        lines.push(LineString::new(vec![along(a, b, lo), along(a, b, hi)]));
    }
}

/// The point at `fraction` of the way from `a` to `b`, exactly `a` or `b` at the ends so
/// that whole segments keep the node coordinates.
fn along(a: Coord, b: Coord, fraction: f64) -> Coord {
    match fraction {
        0.0 => a,
        1.0 => b,
        t => Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) },
    }
}

/// The most grid cells along the longer side of an isochrone's lines (plus the margin), so
/// that tracing one costs at most about 200 × 200 cells whatever its size: a 1 km walk is
/// traced on cells of about 10 m, a 5 km one on cells of about 50 m.
pub const MAX_CELLS_PER_SIDE: f64 = 200.0;

/// The area within `buffer_m` metres of the reached lines, in lon/lat. Empty when there
/// are no lines.
///
/// Worked out in an equirectangular plane in metres centred on the lines (so the band is as
/// wide east–west as north–south): the distance to the nearest line is sampled on a grid of
/// cells a sixth of the buffer wide, and the outline where it equals `buffer_m` is traced
/// by marching squares with linear interpolation (`contour`, a port of d3-contour), holes
/// included. The outline is within about a third of a cell of the exact buffer (1.6 m at
/// worst for a 30 m buffer over 40 random networks, where two lines' bands meet), cells
/// being a sixth of the buffer or [`MAX_CELLS_PER_SIDE`] across the lines, whichever is larger. This is
/// hundreds of times faster than a polygon buffer of thousands of short pieces, which
/// rounds both ends of every piece and then unions them all (2.7 s for a kilometre of
/// Monaco's footways).
pub fn isochrone_polygon(reached: &[LineString], buffer_m: f64) -> MultiPolygon {
    let lines = MultiLineString::new(reached.to_vec());
    let Some(bounds) = lines.bounding_rect() else {
        return MultiPolygon::new(Vec::new());
    };
    let plane = LocalPlane::at(bounds.center());
    let to_plane = |c: Coord| plane.to_metres(c);
    let (low, high) = (to_plane(bounds.min()), to_plane(bounds.max()));
    // A sixth of the buffer, but no more than about MAX_CELLS_PER_SIDE cells a side.
    let cell = (buffer_m / 6.0).max((high.x - low.x).max(high.y - low.y) / MAX_CELLS_PER_SIDE);
    let margin = buffer_m + 2.0 * cell;
    let origin = Coord { x: low.x - margin, y: low.y - margin };
    let cols = ((high.x - low.x + 2.0 * margin) / cell).ceil() as usize + 1;
    let rows = ((high.y - low.y + 2.0 * margin) / cell).ceil() as usize + 1;
    // `buffer_m - distance`, so the area wanted is where the value is at least 0; cells
    // farther than the buffer keep a negative value without their distance being worked out.
    let mut closeness = vec![-cell; cols * rows];
    let reach = buffer_m + cell;
    for line in reached {
        for segment in line.lines() {
            let (a, b) = (to_plane(segment.start), to_plane(segment.end));
            let column = |x: f64| ((x - origin.x) / cell).clamp(0.0, (cols - 1) as f64) as usize;
            let row = |y: f64| ((y - origin.y) / cell).clamp(0.0, (rows - 1) as f64) as usize;
            let (c0, c1) = (column(a.x.min(b.x) - reach), column(a.x.max(b.x) + reach) + 1);
            let (r0, r1) = (row(a.y.min(b.y) - reach), row(a.y.max(b.y) + reach) + 1);
            for r in r0..r1.min(rows) {
                let y = origin.y + r as f64 * cell;
                for c in c0..c1.min(cols) {
                    let x = origin.x + c as f64 * cell;
                    let (_, distance) = nearest_on_segment(Coord { x, y }, a, b);
                    let value = &mut closeness[r * cols + c];
                    *value = value.max(buffer_m - distance);
                }
            }
        }
    }
    // d3-contour puts sample (i, j) at (i + 0.5, j + 0.5) in grid units.
    let builder =
        ContourBuilder::new(cols, rows, true).x_origin(origin.x - 0.5 * cell).y_origin(origin.y - 0.5 * cell).x_step(cell).y_step(cell);
    let area = builder
        .contours(&closeness, &[0.0])
        .expect("the grid has the size it was built with")
        .pop()
        .map(|contour| contour.into_inner().0)
        .unwrap_or_else(|| MultiPolygon::new(Vec::new()));
    area.map_coords(|c| plane.to_degrees(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Point, line_string};

    /// A T junction: a street along the equator with a branch north from its middle.
    fn tee() -> WalkNetwork {
        WalkNetwork::from_lines(&[
            line_string![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.002, y: 0.0)],
            line_string![(x: 0.001, y: 0.0), (x: 0.001, y: 0.001)],
        ])
    }

    #[test]
    fn cuts_segments_where_the_budget_runs_out() {
        let network = tee();
        let edge_m = network.edges()[0].length_m;
        let source = network.snap(Point::new(0.001, 0.0)).unwrap();
        let lines = network.isochrone(&source, edge_m / 2.0);
        assert_eq!(lines.len(), 3);
        for line in &lines {
            let [start, end] = [line.0[0], line.0[1]];
            assert!(start == Coord { x: 0.001, y: 0.0 } || end == Coord { x: 0.001, y: 0.0 });
            let length: f64 = geo::Length::length(&geo::Haversine, line);
            assert!((length - edge_m / 2.0).abs() < 1e-3, "{length}");
        }
    }

    #[test]
    fn a_segment_reached_from_both_ends_is_whole_or_two_pieces() {
        // A square block of four 111 m sides; the source sits mid-way along the bottom, so
        // the top side is reached from both its ends.
        let network = WalkNetwork::from_lines(&[line_string![
            (x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001), (x: 0.0, y: 0.001), (x: 0.0, y: 0.0)
        ]]);
        let source = network.snap(Point::new(0.0005, 0.0)).unwrap();
        let side = network.edges()[0].length_m;
        // 1.8 sides: the top is covered 0.3 of a side from each end, leaving a gap.
        let gap = network.isochrone(&source, 1.8 * side);
        assert_eq!(gap.len(), 5);
        // 2.1 sides: the two stretches on the top overlap and it comes back whole.
        let whole = network.isochrone(&source, 2.1 * side);
        assert_eq!(whole.len(), 4);
        assert!(whole.iter().all(|l| network.nodes().contains(&l.0[0]) && network.nodes().contains(&l.0[1])));
    }

    #[test]
    fn a_source_reaches_both_ways_along_its_own_segment() {
        let network = tee();
        let edge_m = network.edges()[0].length_m;
        let source = network.snap(Point::new(0.0005, 0.0)).unwrap();
        let lines = network.isochrone(&source, 0.25 * edge_m);
        assert_eq!(lines.len(), 1);
        assert!((lines[0].0[0].x - 0.00025).abs() < 1e-12 && (lines[0].0[1].x - 0.00075).abs() < 1e-12);
    }

    #[test]
    fn out_of_reach_source_reaches_nothing() {
        let network = tee().with_max_access_m(1_000.0);
        let source = network.snap(Point::new(0.0005, 0.002)).unwrap();
        assert!(network.isochrone(&source, source.access_m - 1.0).is_empty());
        assert!(isochrone_polygon(&[], 20.0).0.is_empty());
    }

    #[test]
    fn a_straight_street_becomes_a_capsule_of_the_right_size() {
        // About 222 m of street along the equator, buffered by 40 m: 2 × 40 × 222 + π × 40².
        let street = vec![line_string![(x: 0.0, y: 0.0), (x: 0.002, y: 0.0)]];
        let area = isochrone_polygon(&street, 40.0);
        let length = geo::Length::length(&geo::Haversine, &street[0]);
        let expected = 2.0 * 40.0 * length + std::f64::consts::PI * 1_600.0;
        let measured = geo::ChamberlainDuquetteArea::chamberlain_duquette_unsigned_area(&area);
        assert!((measured / expected - 1.0).abs() < 0.01, "{measured} m² against {expected} m²");
        assert!(area.contains(&Point::new(0.001, 0.00035)) && !area.contains(&Point::new(0.001, 0.00038)));
        assert!(area.contains(&Point::new(-0.00034, 0.0)) && !area.contains(&Point::new(-0.00038, 0.0)));
    }

    #[test]
    fn polygon_buffers_in_metres() {
        let network = tee();
        let source = network.snap(Point::new(0.001, 0.0)).unwrap();
        let lines = network.isochrone(&source, 1_000.0);
        let area = isochrone_polygon(&lines, 20.0);
        // ~18 m north of the street and ~18 m east of the branch: inside; 25 m: outside.
        assert!(area.contains(&Point::new(0.0015, 0.00016)));
        assert!(area.contains(&Point::new(0.00116, 0.0005)));
        assert!(!area.contains(&Point::new(0.0015, 0.000225)));
        assert!(!area.contains(&Point::new(0.001225, 0.0005)));
        assert!(area.unsigned_area() > 0.0);
    }
}
