//! The loop every walking search shares: a bounded multi-source search over a monotone
//! bucket queue (Dial's algorithm, with one-metre buckets).
//!
//! A binary heap spends most of a city-wide search keeping its entries in order (on the
//! million-building city, two thirds of a coverage answer went to `BinaryHeap::pop`). Walks
//! only grow as the search goes on, so nodes can wait in buckets by whole metres instead:
//! putting one in a bucket and taking it out is constant time. Within a bucket nodes come
//! out in no particular order, so a node may be expanded before a slightly shorter walk to
//! it (under a metre shorter) is found; it is then put back and expanded again. That is
//! rare on streets, whose segments are longer than a metre, and it keeps every distance
//! exact: a node's walk is the smallest of its neighbours' final walks plus the segment,
//! whatever order they were found in.

use super::graph::WalkNetwork;

/// Bucket width in metres, for searches up to `MAX_BUCKETS` metres.
const WIDTH_M: f64 = 1.0;
/// Longer searches widen the buckets to keep their count at this: more nodes then share a
/// bucket and are expanded out of order, which costs time, never exactness.
const MAX_BUCKETS: usize = 1 << 16;

/// Settled nodes between two questions to a search's `stop`: often enough to stop within
/// a millisecond, rarely enough to cost nothing.
pub const STOP_CHECK_EVERY: usize = 4_096;

/// Where a node's improved walk came from: a seed (with the caller's tag for it), or a
/// neighbouring node.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin {
    Seed(u32),
    Node(u32),
}

/// The buckets' memory, kept between searches so that many small searches do not each
/// allocate it.
#[derive(Debug, Clone, Default)]
pub struct Buckets {
    lists: Vec<Vec<u32>>,
}

/// One search's arrays: every node's walk so far (`f64::INFINITY` when unreached) and the
/// nodes reached, in the order first reached.
pub(super) struct Walks<'a> {
    pub node_m: &'a mut [f64],
    pub reached: &'a mut Vec<u32>,
}

impl Buckets {
    /// Makes room for walks up to `limit_m`, returning buckets per metre.
    fn prepare(&mut self, limit_m: f64) -> f64 {
        let per_m = (1.0 / WIDTH_M).min(MAX_BUCKETS as f64 / limit_m.max(1.0));
        let count = (limit_m * per_m) as usize + 1;
        if self.lists.len() < count {
            self.lists.resize_with(count, Vec::new);
        }
        per_m
    }
}

/// A search under way: the walks so far and the buckets of nodes waiting to be expanded.
struct Frontier<'a> {
    node_m: &'a mut [f64],
    reached: &'a mut Vec<u32>,
    lists: &'a mut [Vec<u32>],
    per_m: f64,
    limit_m: f64,
    /// The highest bucket holding a node.
    last: usize,
}

impl Frontier<'_> {
    fn bucket_of(&self, metres: f64) -> usize {
        (metres * self.per_m) as usize
    }

    /// Offers `node` a walk of `metres`: kept, and the node queued, when within the limit
    /// and shorter than its walk so far. Returns whether it was kept.
    #[inline(always)]
    fn offer(&mut self, node: u32, metres: f64) -> bool {
        let slot = &mut self.node_m[node as usize];
        if metres > self.limit_m || metres >= *slot {
            return false;
        }
        if slot.is_infinite() {
            self.reached.push(node);
        }
        *slot = metres;
        let b = self.bucket_of(metres);
        self.lists[b].push(node);
        self.last = self.last.max(b);
        true
    }
}

/// Walks from `seeds` (node, metres, tag) over `network` up to `limit_m`, into `walks`
/// (which must start all unreached), calling `improved` each time a node's walk gets shorter
/// with where the walk came from. `stop` is asked every [`STOP_CHECK_EVERY`] expanded
/// nodes; once it says so the search gives up and returns `false`, leaving `walks` partial.
pub(super) fn search(
    network: &WalkNetwork,
    walks: Walks,
    buckets: &mut Buckets,
    limit_m: f64,
    seeds: impl IntoIterator<Item = (u32, f64, u32)>,
    mut improved: impl FnMut(u32, Origin),
    stop: &dyn Fn() -> bool,
) -> bool {
    let Walks { node_m, reached } = walks;
    let per_m = buckets.prepare(limit_m);
    let mut frontier = Frontier { node_m, reached, lists: &mut buckets.lists, per_m, limit_m, last: 0 };
    let mut first = usize::MAX;
    for (node, metres, tag) in seeds {
        if frontier.offer(node, metres) {
            improved(node, Origin::Seed(tag));
            first = first.min(frontier.bucket_of(metres));
        }
    }
    let mut expanded = 0usize;
    let mut b = first;
    while b <= frontier.last {
        // The bucket may grow while it is read: a walk within the same metre.
        let mut i = 0;
        while i < frontier.lists[b].len() {
            let node = frontier.lists[b][i];
            i += 1;
            let d = frontier.node_m[node as usize];
            if frontier.bucket_of(d) != b {
                continue; // stale: reached more cheaply since, and expanded from there
            }
            expanded += 1;
            if expanded.is_multiple_of(STOP_CHECK_EVERY) && stop() {
                for list in &mut frontier.lists[b..=frontier.last] {
                    list.clear();
                }
                return false;
            }
            for (next, length_m) in network.neighbours(node) {
                if frontier.offer(next, d + length_m) {
                    improved(next, Origin::Node(node));
                }
            }
        }
        frontier.lists[b].clear();
        b += 1;
    }
    true
}
