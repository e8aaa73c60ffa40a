//! Multi-source bounded Dijkstra that remembers which source reached each node, so that one
//! search per facility kind names every building's nearest facility as well as its walk
//! (the life-circle check). [`super::dijkstra`] answers "how far"; this answers "how far,
//! and to which".

use super::frontier::{self, Buckets, Origin, Walks};
use super::graph::WalkNetwork;
use super::snap::Snap;

/// A source: where it joins the network, and the caller's id for it (a station position).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Source {
    pub snap: Snap,
    pub id: u32,
}

/// Every node's walk to its nearest source and which source that is, bounded by a limit.
/// Reusable: [`WalkNetwork::nearest_sources`] resets only the nodes an earlier search
/// reached, so many searches on one big network do not each clear whole arrays.
#[derive(Debug, Clone, Default)]
pub struct NearestSources {
    /// Metres per node, access leg included; `f64::INFINITY` beyond the limit.
    node_m: Vec<f64>,
    /// The id of the source that reached each node (meaningful where `node_m` is finite).
    node_source: Vec<u32>,
    reached: Vec<u32>,
    /// The sources sorted by edge: a target on a source's own segment may be reached along
    /// the segment without passing a node.
    sources: Vec<Source>,
    limit_m: f64,
    buckets: Buckets,
}

impl NearestSources {
    /// How many nodes the last search reached.
    pub fn reached(&self) -> usize {
        self.reached.len()
    }
}

impl WalkNetwork {
    /// Walks from `sources` to every node within `limit_m`, each node remembering its
    /// nearest source, reusing `scratch`'s memory. `stop` is asked every
    /// `frontier::STOP_CHECK_EVERY` settled nodes; once it says so the search gives up and returns
    /// `false` (`scratch` then holds a partial answer that must not be read).
    pub fn nearest_sources(&self, sources: &[Source], limit_m: f64, scratch: &mut NearestSources, stop: &dyn Fn() -> bool) -> bool {
        let n = self.nodes().len();
        if scratch.node_m.len() == n {
            for &node in &scratch.reached {
                scratch.node_m[node as usize] = f64::INFINITY;
            }
        } else {
            scratch.node_m = vec![f64::INFINITY; n];
            scratch.node_source = vec![u32::MAX; n];
        }
        scratch.reached.clear();
        scratch.limit_m = limit_m;
        let NearestSources { node_m, node_source, reached, buckets, .. } = scratch;
        let seeds = sources
            .iter()
            .flat_map(|s| [(s.snap.from, s.snap.access_m + s.snap.from_m, s.id), (s.snap.to, s.snap.access_m + s.snap.to_m, s.id)]);
        let remember = |node: u32, origin: Origin| {
            node_source[node as usize] = match origin {
                Origin::Seed(id) => id,
                Origin::Node(from) => node_source[from as usize],
            }
        };
        if !frontier::search(self, Walks { node_m, reached }, buckets, limit_m, seeds, remember, stop) {
            return false;
        }
        scratch.sources.clear();
        scratch.sources.extend_from_slice(sources);
        scratch.sources.sort_by_key(|s| s.snap.edge);
        true
    }

    /// The nearest source to `target` and the walk to it in metres, both access legs
    /// included: through either end node of the target's segment, or straight along it from
    /// a source on the same segment. `None` beyond the search's limit.
    pub fn nearest_source_to(&self, from: &NearestSources, target: &Snap) -> Option<(f64, u32)> {
        let mut best = (f64::INFINITY, u32::MAX);
        for (node, along) in [(target.from, target.from_m), (target.to, target.to_m)] {
            let d = from.node_m[node as usize] + along;
            if d < best.0 {
                best = (d, from.node_source[node as usize]);
            }
        }
        let length_m = target.from_m + target.to_m;
        let first = from.sources.partition_point(|s| s.snap.edge < target.edge);
        for s in from.sources[first..].iter().take_while(|s| s.snap.edge == target.edge) {
            let d = s.snap.access_m + (s.snap.fraction - target.fraction).abs() * length_m;
            if d < best.0 {
                best = (d, s.id);
            }
        }
        let d = target.access_m + best.0;
        (d <= from.limit_m).then_some((d, best.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, line_string};

    /// A street along the equator, about 111 m per 0.001°, with a branch north at 0.001°.
    fn network() -> WalkNetwork {
        WalkNetwork::from_lines(&[
            line_string![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.002, y: 0.0), (x: 0.003, y: 0.0), (x: 0.004, y: 0.0)],
            line_string![(x: 0.001, y: 0.0), (x: 0.001, y: 0.002)],
        ])
    }

    fn source(network: &WalkNetwork, x: f64, y: f64, id: u32) -> Source {
        Source { snap: network.snap(Point::new(x, y)).unwrap(), id }
    }

    #[test]
    fn each_target_gets_its_nearest_source_and_the_same_walk_as_the_plain_search() {
        let network = network();
        let sources = [source(&network, 0.0, 0.0001, 7), source(&network, 0.004, -0.0001, 9), source(&network, 0.001, 0.002, 3)];
        let mut scratch = NearestSources::default();
        assert!(network.nearest_sources(&sources, 5_000.0, &mut scratch, &|| false));
        let plain = network.distances_from_sources(&sources.map(|s| s.snap), 5_000.0);
        for (x, y, expected) in [(0.0003, 0.0, 7), (0.0036, 0.0001, 9), (0.0011, 0.0017, 3), (0.0027, 0.0, 9)] {
            let target = network.snap(Point::new(x, y)).unwrap();
            let (walk, id) = network.nearest_source_to(&scratch, &target).unwrap();
            assert_eq!(id, expected, "at {x},{y}");
            assert!((walk - network.distance_to(&plain, &target)).abs() < 1e-9);
            // Independently: the smallest of the single-source walks.
            let alone = sources
                .iter()
                .map(|s| network.distance_to(&network.distances_from_sources(&[s.snap], 5_000.0), &target))
                .fold(f64::INFINITY, f64::min);
            assert!((walk - alone).abs() < 1e-9);
        }
    }

    #[test]
    fn reusing_the_scratch_forgets_the_earlier_search_and_the_limit_cuts() {
        let network = network();
        let mut scratch = NearestSources::default();
        network.nearest_sources(&[source(&network, 0.0, 0.0, 1)], 5_000.0, &mut scratch, &|| false);
        let far = network.snap(Point::new(0.004, 0.0)).unwrap();
        assert!(network.nearest_source_to(&scratch, &far).is_some());
        network.nearest_sources(&[source(&network, 0.001, 0.002, 2)], 150.0, &mut scratch, &|| false);
        assert_eq!(network.nearest_source_to(&scratch, &far), None);
        let near = network.snap(Point::new(0.001, 0.0015)).unwrap();
        assert_eq!(network.nearest_source_to(&scratch, &near).map(|(_, id)| id), Some(2));
    }

    #[test]
    fn a_source_on_the_targets_segment_is_reached_along_it() {
        let network = network();
        let s = source(&network, 0.0022, 0.0, 4);
        let mut scratch = NearestSources::default();
        network.nearest_sources(&[s], 5_000.0, &mut scratch, &|| false);
        let target = network.snap(Point::new(0.0028, 0.0)).unwrap();
        let (walk, id) = network.nearest_source_to(&scratch, &target).unwrap();
        assert_eq!(id, 4);
        assert!((walk - 0.6 * network.edges()[2].length_m).abs() < 1e-6, "{walk}");
    }
}
