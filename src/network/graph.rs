//! The street graph: nodes where lines share a coordinate, one undirected edge per segment,
//! and a CSR adjacency for Dijkstra.

use geo::{Coord, Distance, Haversine, LineString, Point};
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
        let mut around_junction: Vec<u32> = network.neighbours(1).map(|(n, _)| n).collect();
        around_junction.sort();
        assert_eq!(around_junction, vec![0, 2, 3]);
        assert_eq!(network.neighbours(4).count(), 1);
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
