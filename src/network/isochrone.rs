//! The part of the network reached within a walking limit, and an area around it.

use geo::algorithm::buffer::{BufferStyle, LineCap, LineJoin};
use geo::{Buffer, BoundingRect, Coord, LineString, MapCoords, MultiLineString, MultiPolygon, Simplify};
use rustc_hash::FxHashMap;

use super::EARTH_RADIUS_M;
use super::dijkstra::SourceDistances;
use super::graph::WalkNetwork;
use super::snap::Snap;

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

/// The area within `buffer_m` metres of the reached lines, in lon/lat: `geo::Buffer`
/// (round caps and joins) applied in an equirectangular plane in metres centred on the
/// lines' bounding box, so the buffer is as wide east–west as north–south. Empty when
/// there are no lines.
///
/// Buffering thousands of two-point pieces would round both ends of every one and then
/// union them all; so pieces are first joined into chains where exactly two meet, chains
/// are simplified to within a metre, and joins are rounded in steps of about 17°. The
/// outline stays within a couple of metres of the exact buffer.
pub fn isochrone_polygon(reached: &[LineString], buffer_m: f64) -> MultiPolygon {
    let lines = MultiLineString::new(reached.to_vec());
    let Some(bounds) = lines.bounding_rect() else {
        return MultiPolygon::new(Vec::new());
    };
    let origin = bounds.center();
    let per_degree_lat = EARTH_RADIUS_M.to_radians();
    let per_degree_lon = per_degree_lat * origin.y.to_radians().cos();
    let planar = MultiLineString::new(chains(reached))
        .map_coords(|c| Coord { x: (c.x - origin.x) * per_degree_lon, y: (c.y - origin.y) * per_degree_lat })
        .simplify(1.0);
    let style = BufferStyle::new(buffer_m).line_join(LineJoin::Round(0.3)).line_cap(LineCap::Round(0.3));
    planar
        .buffer_with_style(style)
        .map_coords(|c| Coord { x: origin.x + c.x / per_degree_lon, y: origin.y + c.y / per_degree_lat })
}

/// Joins pieces end to end wherever exactly two pieces meet, so a street reached along its
/// length becomes one line again. Ends are matched on exact coordinates, as the network
/// was noded.
fn chains(pieces: &[LineString]) -> Vec<LineString> {
    let key = |c: Coord| (c.x.to_bits(), c.y.to_bits());
    let mut at: FxHashMap<(u64, u64), Vec<usize>> = FxHashMap::default();
    for (i, piece) in pieces.iter().enumerate() {
        if let (Some(&first), Some(&last)) = (piece.0.first(), piece.0.last()) {
            at.entry(key(first)).or_default().push(i);
            at.entry(key(last)).or_default().push(i);
        }
    }
    let mut used = vec![false; pieces.len()];
    let mut chains = Vec::new();
    // Walks on from `end` through joints where exactly two pieces meet.
    let extend = |coords: &mut Vec<Coord>, used: &mut Vec<bool>, mut from: usize| loop {
        let end = *coords.last().expect("chains are never empty");
        let Some(next) = at.get(&key(end)).filter(|list| list.len() == 2).and_then(|list| {
            list.iter().copied().find(|&p| p != from && !used[p])
        }) else {
            break;
        };
        used[next] = true;
        let piece = &pieces[next].0;
        if key(piece[0]) == key(end) {
            coords.extend_from_slice(&piece[1..]);
        } else {
            coords.extend(piece[..piece.len() - 1].iter().rev());
        }
        from = next;
    };
    for i in 0..pieces.len() {
        if used[i] || pieces[i].0.len() < 2 {
            continue;
        }
        used[i] = true;
        let mut coords = pieces[i].0.clone();
        extend(&mut coords, &mut used, i);
        coords.reverse();
        extend(&mut coords, &mut used, i);
        chains.push(LineString::new(coords));
    }
    chains
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
    fn pieces_join_into_chains_only_where_two_meet() {
        let piece = |a: (f64, f64), b: (f64, f64)| LineString::from(vec![a, b]);
        // A street of three pieces (given out of order and one reversed) and a branch at its end.
        let pieces = [piece((1.0, 0.0), (2.0, 0.0)), piece((1.0, 0.0), (0.0, 0.0)), piece((2.0, 0.0), (3.0, 0.0)), piece((3.0, 0.0), (3.0, 1.0)), piece((3.0, 0.0), (4.0, 0.0))];
        let mut chains: Vec<Vec<(f64, f64)>> = chains(&pieces).iter().map(|l| l.coords().map(|c| (c.x, c.y)).collect()).collect();
        chains.iter_mut().for_each(|c| if c[0] > c[c.len() - 1] { c.reverse() });
        chains.sort_by(|a, b| a[0].partial_cmp(&b[0]).unwrap());
        assert_eq!(
            chains,
            vec![vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)], vec![(3.0, 0.0), (3.0, 1.0)], vec![(3.0, 0.0), (4.0, 0.0)]]
        );
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
