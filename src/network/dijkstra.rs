//! Multi-source bounded Dijkstra from snapped points, and the walking distance from the
//! nearest source to any snapped point.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::frontier::{self, Buckets, Walks};
use super::graph::WalkNetwork;
use super::snap::Snap;

/// Walking distances from a set of sources (stations), bounded by a limit.
#[derive(Debug, Clone)]
pub struct SourceDistances {
    /// Every node's walking distance to its nearest source in metres, access leg included;
    /// `f64::INFINITY` beyond the limit.
    pub node_m: Vec<f64>,
    /// The nodes within the limit (finite in `node_m`), in no particular order: what was
    /// reached, without scanning every node.
    pub reached: Vec<u32>,
    /// The sources, sorted by edge id, kept because a target on a source's own segment may
    /// be reached along that segment without passing a node.
    pub sources: Vec<Snap>,
    pub limit_m: f64,
    /// The search's queue memory, kept for the next search that reuses this one.
    buckets: Buckets,
}

/// A heap entry ordered so that `BinaryHeap` pops the smallest distance first.
#[derive(PartialEq)]
struct Entry(f64, u32);

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then_with(|| other.1.cmp(&self.1))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl WalkNetwork {
    /// Every node's walking distance to the nearest source. A source enters the network
    /// at its snapped point: its segment's end nodes start at the access leg plus the
    /// distance along the segment. Nodes farther than `limit_m` stay at infinity; the
    /// search never expands past the limit, so its cost follows the reached area, not the
    /// whole network.
    pub fn distances_from_sources(&self, sources: &[Snap], limit_m: f64) -> SourceDistances {
        self.distances_reusing(sources, limit_m, None, &|| false).expect("a search that is never stopped finishes")
    }

    /// As [`WalkNetwork::distances_from_sources`], reusing an earlier answer's memory:
    /// only the nodes it reached are reset, so many small searches on a big network (one
    /// per candidate site) do not each pay for clearing a whole node array.
    ///
    /// `stop` is asked every `frontier::STOP_CHECK_EVERY` settled nodes; once it says so the search
    /// gives up and returns `None` (a request's time ran out, or its client left).
    pub fn distances_reusing(
        &self,
        sources: &[Snap],
        limit_m: f64,
        previous: Option<SourceDistances>,
        stop: &dyn Fn() -> bool,
    ) -> Option<SourceDistances> {
        let (mut node_m, mut reached, mut buckets) = match previous {
            Some(SourceDistances { mut node_m, mut reached, buckets, .. }) if node_m.len() == self.nodes().len() => {
                for &n in &reached {
                    node_m[n as usize] = f64::INFINITY;
                }
                reached.clear();
                (node_m, reached, buckets)
            }
            _ => (vec![f64::INFINITY; self.nodes().len()], Vec::new(), Buckets::default()),
        };
        let seeds = sources.iter().flat_map(|s| [(s.from, s.access_m + s.from_m, 0), (s.to, s.access_m + s.to_m, 0)]);
        let walks = Walks { node_m: &mut node_m, reached: &mut reached };
        if !frontier::search(self, walks, &mut buckets, limit_m, seeds, |_, _| {}, stop) {
            return None;
        }
        let mut sources = sources.to_vec();
        sources.sort_by_key(|s| s.edge);
        Some(SourceDistances { node_m, reached, sources, limit_m, buckets })
    }

    /// Walking distances from one snapped point to each of a few others (a resident to the
    /// stations near them), `f64::INFINITY` beyond `limit_m`. The search keeps its
    /// distances in a hash map and stops as soon as no target can get closer, so it costs
    /// the area walked, not the size of the network.
    pub fn walks_between(&self, from: &Snap, to: &[Snap], limit_m: f64) -> Vec<f64> {
        let mut best: Vec<f64> = to
            .iter()
            .map(|t| {
                if t.edge == from.edge {
                    from.access_m + (from.fraction - t.fraction).abs() * (t.from_m + t.to_m) + t.access_m
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let mut settled: FxHashMap<u32, f64> = FxHashMap::default();
        let mut heap = BinaryHeap::new();
        heap.push(Entry(from.access_m + from.from_m, from.from));
        heap.push(Entry(from.access_m + from.to_m, from.to));
        while let Some(Entry(d, node)) = heap.pop() {
            let worst = best.iter().copied().fold(0.0, f64::max);
            if d > limit_m || d >= worst {
                break; // every target is as close as it will get
            }
            if settled.contains_key(&node) {
                continue;
            }
            settled.insert(node, d);
            for (t, target) in to.iter().enumerate() {
                if target.from == node {
                    best[t] = best[t].min(d + target.from_m + target.access_m);
                }
                if target.to == node {
                    best[t] = best[t].min(d + target.to_m + target.access_m);
                }
            }
            for (next, length_m) in self.neighbours(node) {
                if !settled.contains_key(&next) {
                    heap.push(Entry(d + length_m, next));
                }
            }
        }
        best.into_iter().map(|d| if d <= limit_m { d } else { f64::INFINITY }).collect()
    }

    /// Walking distance from the nearest source to `target` in metres, both access legs
    /// included: through either end node of the target's segment, or, for a source on the
    /// same segment, straight along it. `f64::INFINITY` beyond the limit.
    pub fn distance_to(&self, from: &SourceDistances, target: &Snap) -> f64 {
        let via_nodes = (from.node_m[target.from as usize] + target.from_m).min(from.node_m[target.to as usize] + target.to_m);
        let length_m = target.from_m + target.to_m;
        // Sorted by edge, so the sources on the target's segment are one short run.
        let first = from.sources.partition_point(|s| s.edge < target.edge);
        let along_segment = from.sources[first..]
            .iter()
            .take_while(|s| s.edge == target.edge)
            .map(|s| s.access_m + (s.fraction - target.fraction).abs() * length_m)
            .fold(f64::INFINITY, f64::min);
        let d = target.access_m + via_nodes.min(along_segment);
        if d <= from.limit_m { d } else { f64::INFINITY }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, line_string};

    /// A straight street of about 111 m per 0.001° along the equator.
    fn street() -> WalkNetwork {
        WalkNetwork::from_lines(&[line_string![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.002, y: 0.0), (x: 0.003, y: 0.0)]])
    }

    #[test]
    fn node_distances_start_at_the_snapped_point() {
        let network = street();
        let source = network.snap(Point::new(0.0015, 0.0)).unwrap();
        let d = network.distances_from_sources(&[source], 1_000.0);
        let half = network.edges()[1].length_m / 2.0;
        assert!((d.node_m[1] - half).abs() < 1e-9 && (d.node_m[2] - half).abs() < 1e-9);
        assert!((d.node_m[0] - half - network.edges()[0].length_m).abs() < 1e-9);
    }

    #[test]
    fn the_limit_cuts_the_search() {
        let network = street();
        let source = network.snap(Point::new(0.0, 0.0)).unwrap();
        let d = network.distances_from_sources(&[source], 150.0);
        assert!(d.node_m[1].is_finite() && d.node_m[2].is_infinite() && d.node_m[3].is_infinite());
        let target = network.snap(Point::new(0.0016, 0.0)).unwrap();
        assert!(network.distance_to(&d, &target).is_infinite());
    }

    #[test]
    fn same_segment_goes_straight_along_it() {
        let network = street();
        let source = network.snap(Point::new(0.0012, 0.0001)).unwrap();
        let target = network.snap(Point::new(0.0018, -0.0001)).unwrap();
        assert_eq!(source.edge, target.edge);
        let d = network.distances_from_sources(&[source], 1_000.0);
        let expected = source.access_m + 0.6 * network.edges()[1].length_m + target.access_m;
        assert!((network.distance_to(&d, &target) - expected).abs() < 1e-6);
    }

    #[test]
    fn walks_between_agree_with_the_full_search() {
        let network = WalkNetwork::from_lines(&[
            line_string![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.002, y: 0.0), (x: 0.003, y: 0.0)],
            line_string![(x: 0.001, y: 0.0), (x: 0.001, y: 0.001), (x: 0.003, y: 0.001), (x: 0.003, y: 0.0)],
        ]);
        let from = network.snap(Point::new(0.0004, 0.0001)).unwrap();
        let targets: Vec<Snap> = [(0.0006, -0.0001), (0.0025, 0.00005), (0.002, 0.0012), (0.0031, 0.0005)]
            .iter()
            .map(|&(x, y)| network.snap(Point::new(x, y)).unwrap())
            .collect();
        let full = network.distances_from_sources(&[from], 10_000.0);
        let walks = network.walks_between(&from, &targets, 10_000.0);
        for (t, walk) in targets.iter().zip(&walks) {
            assert!((walk - network.distance_to(&full, t)).abs() < 1e-9, "{walk}");
        }
        let short = network.walks_between(&from, &targets, 200.0);
        assert!(short[0].is_finite() && short[2].is_infinite());
    }

    #[test]
    fn a_stopped_search_gives_up() {
        // A street of 10,000 nodes: long enough for the search to ask `stop`.
        let line: geo::LineString = (0..10_000).map(|i| geo::Coord { x: f64::from(i) * 0.0001, y: 0.0 }).collect();
        let network = WalkNetwork::from_lines(&[line]);
        let source = network.snap(Point::new(0.0, 0.0)).unwrap();
        let asked = std::cell::Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            true
        };
        assert!(network.distances_reusing(&[source], 1e9, None, &stop).is_none());
        assert_eq!(asked.get(), 1);
        assert!(network.distances_reusing(&[source], 1e9, None, &|| false).is_some());
    }

    #[test]
    fn the_nearest_of_several_sources_wins() {
        let network = street();
        let sources = [Point::new(0.0, 0.0), Point::new(0.003, 0.0)].map(|p| network.snap(p).unwrap());
        let d = network.distances_from_sources(&sources, 1_000.0);
        let target = network.snap(Point::new(0.0025, 0.0)).unwrap();
        let expected = network.edges()[2].length_m / 2.0;
        assert!((network.distance_to(&d, &target) - expected).abs() < 1e-6);
    }
}
