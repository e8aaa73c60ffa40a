//! The street graph: nodes where lines share a coordinate, one undirected edge per segment,
//! and a CSR adjacency for Dijkstra.

use geo::{BoundingRect, Coord, Distance, Haversine, LineString, Point};
use rustc_hash::FxHashMap;

use super::snap::{self, SegmentTree};

/// Points farther than this from every segment do not join the network by default: at
/// 500 m the access leg alone is a 10-minute life circle.
pub const DEFAULT_MAX_ACCESS_M: f64 = 500.0;

/// One straight segment of a street line, walkable both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    /// Haversine length in metres.
    pub length_m: f64,
}

/// A walking network built from street lines.
pub struct WalkNetwork {
    nodes: Vec<Coord>,
    edges: Vec<Edge>,
    /// CSR adjacency: node `n`'s neighbours are `targets[offsets[n]..offsets[n + 1]]`, with
    /// the edge's length and id at the same positions in `lengths` and `edge_ids`. Each
    /// edge appears once in each direction.
    offsets: Vec<u32>,
    targets: Vec<u32>,
    lengths: Vec<f64>,
    edge_ids: Vec<u32>,
    pub(super) segments: SegmentTree,
    pub(super) max_access_m: f64,
}

impl WalkNetwork {
    /// Builds the network from lon/lat lines. Lines are joined only where they share an
    /// exactly equal coordinate, as GeoJSON and OSM ways share nodes; lines that merely
    /// cross (a bridge over a road) stay apart. Zero-length segments are dropped, and a
    /// segment given twice (two ways over the same pair of nodes) is kept once.
    pub fn from_lines(lines: &[LineString<f64>]) -> WalkNetwork {
        let mut node_of: FxHashMap<(u64, u64), u32> = FxHashMap::default();
        let mut nodes = Vec::new();
        let mut node = |c: Coord| {
            *node_of.entry((c.x.to_bits(), c.y.to_bits())).or_insert_with(|| {
                nodes.push(c);
                (nodes.len() - 1) as u32
            })
        };
        let mut seen = rustc_hash::FxHashSet::default();
        let mut edges = Vec::new();
        for line in lines {
            for segment in line.lines() {
                let (from, to) = (node(segment.start), node(segment.end));
                if from == to || !seen.insert((from.min(to), from.max(to))) {
                    continue;
                }
                let length_m = Haversine.distance(Point(segment.start), Point(segment.end));
                edges.push(Edge { from, to, length_m });
            }
        }
        let nodes = in_space_order(nodes, &mut edges);
        let Csr { offsets, targets, lengths, edge_ids } = csr(nodes.len(), &edges);
        let segments = snap::segment_tree(&nodes, &edges);
        WalkNetwork { nodes, edges, offsets, targets, lengths, edge_ids, segments, max_access_m: DEFAULT_MAX_ACCESS_M }
    }

    /// Sets how far, in metres, a point may lie from the network and still join it.
    pub fn with_max_access_m(mut self, max_access_m: f64) -> WalkNetwork {
        self.max_access_m = max_access_m;
        self
    }

    /// The access cutoff in metres.
    pub fn max_access_m(&self) -> f64 {
        self.max_access_m
    }

    /// Node positions (lon/lat); a node's id is its index.
    pub fn nodes(&self) -> &[Coord] {
        &self.nodes
    }

    /// The segments; an edge's id is its index.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Neighbours of `node` with the length of the edge to each, in metres.
    pub fn neighbours(&self, node: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.targets[range.clone()].iter().copied().zip(self.lengths[range].iter().copied())
    }

    /// The ids of the edges at `node`.
    pub fn edges_at(&self, node: u32) -> &[u32] {
        &self.edge_ids[self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize]
    }
}

struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    lengths: Vec<f64>,
    edge_ids: Vec<u32>,
}

/// The nodes renumbered along a Z-order (Morton) curve over their bounding box, with the
/// edges' ends renumbered to match. Lines come in whatever order the data gives; a search
/// reads its nodes' neighbours in the arrays' order, so nodes near each other on the ground
/// should be near each other in memory: on the million-building city this took a third off a
/// city-wide search, which is waiting on memory more than it is computing.
fn in_space_order(nodes: Vec<Coord>, edges: &mut [Edge]) -> Vec<Coord> {
    let Some(bounds) = geo::MultiPoint::from_iter(nodes.iter().copied().map(Point)).bounding_rect() else { return nodes };
    // One scale for both axes, so that the curve's cells stay square on a long thin city.
    let span = bounds.width().max(bounds.height());
    let scale = |value: f64, min: f64| if span > 0.0 { ((value - min) / span * f64::from(u32::MAX)) as u32 } else { 0 };
    let key = |c: &Coord| morton(scale(c.x, bounds.min().x), scale(c.y, bounds.min().y));
    let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
    // Stable: nodes with the same key (closer than the curve resolves) keep the data's order.
    order.sort_by_key(|&n| key(&nodes[n as usize]));
    let mut renumbered = vec![0u32; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old as usize] = new as u32;
    }
    for e in edges {
        (e.from, e.to) = (renumbered[e.from as usize], renumbered[e.to as usize]);
    }
    order.iter().map(|&old| nodes[old as usize]).collect()
}

/// The Z-order index of (x, y): their bits interleaved, x's in the even places.
fn morton(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// Counting sort of both directions of every edge by their start node.
fn csr(node_count: usize, edges: &[Edge]) -> Csr {
    let mut offsets = vec![0u32; node_count + 1];
    for e in edges {
        offsets[e.from as usize + 1] += 1;
        offsets[e.to as usize + 1] += 1;
    }
    for i in 0..node_count {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut targets = vec![0u32; 2 * edges.len()];
    let mut lengths = vec![0.0; 2 * edges.len()];
    let mut edge_ids = vec![0u32; 2 * edges.len()];
    for (id, e) in edges.iter().enumerate() {
        for (a, b) in [(e.from, e.to), (e.to, e.from)] {
            let slot = next[a as usize] as usize;
            targets[slot] = b;
            lengths[slot] = e.length_m;
            edge_ids[slot] = id as u32;
            next[a as usize] += 1;
        }
    }
    Csr { offsets, targets, lengths, edge_ids }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::line_string;

    #[test]
    fn lines_sharing_a_coordinate_share_a_node() {
        let a = line_string![(x: 116.0, y: 39.0), (x: 116.001, y: 39.0), (x: 116.002, y: 39.0)];
        let b = line_string![(x: 116.001, y: 39.0), (x: 116.001, y: 39.001)];
        // Crosses `a` between its vertices without sharing one: not joined.
        let c = line_string![(x: 116.0005, y: 38.999), (x: 116.0005, y: 39.001)];
        let network = WalkNetwork::from_lines(&[a, b, c]);
        assert_eq!(network.nodes().len(), 6);
        assert_eq!(network.edges().len(), 4);
        let at = |x: f64, y: f64| node_at(&network, x, y);
        let mut around_junction: Vec<u32> = network.neighbours(at(116.001, 39.0)).map(|(n, _)| n).collect();
        around_junction.sort();
        let mut expected = vec![at(116.0, 39.0), at(116.002, 39.0), at(116.001, 39.001)];
        expected.sort();
        assert_eq!(around_junction, expected);
        assert_eq!(network.neighbours(at(116.0005, 38.999)).count(), 1);
    }

    fn node_at(network: &WalkNetwork, x: f64, y: f64) -> u32 {
        network.nodes().iter().position(|c| *c == Coord { x, y }).expect("a node there") as u32
    }

    #[test]
    fn nodes_near_each_other_are_numbered_near_each_other() {
        // Two far-apart blocks, their lines given interleaved: each block's nodes end up
        // together, in Z-order within it.
        let block = |x0: f64| line_string![(x: x0, y: 0.0), (x: x0 + 0.001, y: 0.0), (x: x0 + 0.001, y: 0.001)];
        let lines = [block(0.0), block(1.0), block(0.002), block(1.002)];
        let network = WalkNetwork::from_lines(&lines);
        let xs: Vec<f64> = network.nodes().iter().map(|c| c.x).collect();
        assert!(xs[..6].iter().all(|&x| x < 0.5) && xs[6..].iter().all(|&x| x > 0.5), "{xs:?}");
        for e in network.edges() {
            let (a, b) = (network.nodes()[e.from as usize], network.nodes()[e.to as usize]);
            assert_eq!(e.length_m, Haversine.distance(Point(a), Point(b)), "the edges' ends follow their nodes");
        }
        assert_eq!(morton(0b11, 0b01), 0b0111);
    }

    #[test]
    fn edge_lengths_are_haversine_and_symmetric() {
        let a = line_string![(x: 116.0, y: 39.0), (x: 116.0, y: 39.001)];
        let network = WalkNetwork::from_lines(&[a]);
        let expected = Haversine.distance(Point::new(116.0, 39.0), Point::new(116.0, 39.001));
        assert_eq!(network.edges()[0].length_m, expected);
        assert_eq!(network.neighbours(0).collect::<Vec<_>>(), vec![(1, expected)]);
        assert_eq!(network.neighbours(1).collect::<Vec<_>>(), vec![(0, expected)]);
    }

    #[test]
    fn repeated_points_and_duplicate_segments_are_dropped() {
        let a = line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 0.0), (x: 0.001, y: 0.0)];
        let b = line_string![(x: 0.001, y: 0.0), (x: 0.0, y: 0.0)];
        let network = WalkNetwork::from_lines(&[a, b]);
        assert_eq!(network.edges().len(), 1);
        assert_eq!(network.neighbours(0).count(), 1);
    }
}
