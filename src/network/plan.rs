//! Siting new stations: greedy maximal covering of household-weighted buildings.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One chosen candidate, in the order chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    /// Index into `candidate_covers`.
    pub candidate: usize,
    /// Weight (households) this pick covers that nothing covered before it.
    pub newly_covered_weight: u64,
    /// Weight covered after this pick, the already-covered demand included.
    pub total_covered_weight: u64,
}

/// Chooses up to `k` candidates, each time the one that newly covers the most weight
/// (ties to the lowest candidate index, so the answer is deterministic), the classic
/// (1 − 1/e)-approximation of maximal covering.
///
/// `covered_already[d]` marks demand point `d` (a building) as covered by existing
/// stations, `weights[d]` is its households, and `candidate_covers[c]` lists the demand
/// points candidate `c` would cover. Stops early once no candidate covers anything new.
///
/// Gains only shrink as coverage grows, so a candidate's last computed gain bounds its
/// current one (lazy greedy): candidates wait in a heap under their stale gain and are
/// re-evaluated only when they reach the top, which usually spares most of them.
pub fn greedy_max_cover(
    covered_already: &[bool],
    weights: &[u32],
    candidate_covers: &[Vec<u32>],
    k: usize,
) -> Vec<Pick> {
    let mut covered = covered_already.to_vec();
    let gain = |covered: &[bool], c: usize| -> u64 {
        let mut seen = rustc_hash::FxHashSet::default();
        candidate_covers[c]
            .iter()
            .filter(|&&d| !covered[d as usize] && seen.insert(d))
            .map(|&d| u64::from(weights[d as usize]))
            .sum()
    };
    let mut total: u64 = (0..covered.len()).filter(|&d| covered[d]).map(|d| u64::from(weights[d])).sum();
    // (gain bound, lowest index first, round in which the bound was computed)
    let mut heap: BinaryHeap<(u64, Reverse<usize>, usize)> =
        (0..candidate_covers.len()).map(|c| (gain(&covered, c), Reverse(c), 0)).collect();
    let mut picks = Vec::with_capacity(k.min(candidate_covers.len()));
    while picks.len() < k {
        let Some((bound, Reverse(c), round)) = heap.pop() else { break };
        if round < picks.len() {
            heap.push((gain(&covered, c), Reverse(c), picks.len()));
            continue;
        }
        // Fresh and on top: no other candidate can do better, and an equal one with a
        // lower index would have been popped first.
        if bound == 0 {
            break;
        }
        for &d in &candidate_covers[c] {
            covered[d as usize] = true;
        }
        total += bound;
        picks.push(Pick { candidate: c, newly_covered_weight: bound, total_covered_weight: total });
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_biggest_gain_then_what_is_left() {
        let weights = [5, 1, 1, 1, 4];
        let covers = vec![vec![0, 1], vec![1, 2, 3], vec![0, 4], vec![3]];
        let picks = greedy_max_cover(&[false; 5], &weights, &covers, 3);
        assert_eq!(
            picks,
            vec![
                Pick { candidate: 2, newly_covered_weight: 9, total_covered_weight: 9 },
                Pick { candidate: 1, newly_covered_weight: 3, total_covered_weight: 12 },
            ]
        );
    }

    #[test]
    fn already_covered_demand_counts_in_the_total_only() {
        let picks = greedy_max_cover(&[true, false], &[10, 3], &[vec![0], vec![0, 1]], 2);
        assert_eq!(picks, vec![Pick { candidate: 1, newly_covered_weight: 3, total_covered_weight: 13 }]);
    }

    #[test]
    fn ties_go_to_the_lowest_index() {
        let covers = vec![vec![0], vec![1], vec![2], vec![1]];
        let picks = greedy_max_cover(&[false; 3], &[2, 3, 3], &covers, 2);
        assert_eq!(picks.iter().map(|p| p.candidate).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn a_demand_point_listed_twice_counts_once() {
        let picks = greedy_max_cover(&[false; 2], &[4, 1], &[vec![1, 1, 1], vec![0]], 1);
        assert_eq!(picks[0].candidate, 1);
        let picks = greedy_max_cover(&[false; 2], &[4, 1], &[vec![0, 0, 1]], 1);
        assert_eq!(picks[0].newly_covered_weight, 5);
    }
}
