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
pub fn greedy_max_cover(covered_already: &[bool], weights: &[u32], candidate_covers: &[Vec<u32>], k: usize) -> Vec<Pick> {
    // Each candidate's whole cover weight bounds its gain; covers are already known.
    let bounds = candidate_covers.iter().map(|cover| cover.iter().map(|&d| u64::from(weights[d as usize])).sum()).collect();
    let evaluate = |batch: &[usize]| Some(batch.iter().map(|&c| candidate_covers[c].clone()).collect());
    greedy_max_cover_lazy(covered_already, weights, bounds, evaluate, 1, k).expect("known covers never stop")
}

/// [`greedy_max_cover`] for when working out what a candidate covers is the expensive
/// part (a walking search per site): `bounds[c]` must be at least the weight candidate `c`
/// could newly cover (for example the uncovered households within a straight-line radius,
/// since a walk is never shorter than the straight line), and `evaluate` is given batches
/// of candidates whose bound reached the top of the heap, to return what each covers
/// (each candidate at most once, so the caller may spread a batch over threads).
///
/// A batch is the top entry and up to `batch - 1` more below it that are not yet exact;
/// evaluating a few more than strictly needed keeps several cores busy and never changes
/// the answer, since every entry still has to be exact and fresh to be picked.
///
/// `evaluate` returns `None` to stop the whole choice (a request out of time), and then so
/// does this.
pub fn greedy_max_cover_lazy(
    covered_already: &[bool],
    weights: &[u32],
    bounds: Vec<u64>,
    evaluate: impl FnMut(&[usize]) -> Option<Vec<Vec<u32>>>,
    batch: usize,
    k: usize,
) -> Option<Vec<Pick>> {
    greedy_max_cover_lazy_with_covers(covered_already, weights, bounds, evaluate, batch, k).map(|(picks, _)| picks)
}

/// [`greedy_max_cover_lazy`], also giving what each pick covers (in pick order), so that
/// the caller can count other weights (households beside the people a plan is for) over them.
pub fn greedy_max_cover_lazy_with_covers(
    covered_already: &[bool],
    weights: &[u32],
    bounds: Vec<u64>,
    mut evaluate: impl FnMut(&[usize]) -> Option<Vec<Vec<u32>>>,
    batch: usize,
    k: usize,
) -> Option<(Vec<Pick>, Vec<Vec<u32>>)> {
    let mut covered = covered_already.to_vec();
    let mut covers: Vec<Option<Vec<u32>>> = vec![None; bounds.len()];
    let gain = |covered: &[bool], cover: &[u32]| -> u64 {
        let mut seen = rustc_hash::FxHashSet::default();
        cover.iter().filter(|&&d| !covered[d as usize] && seen.insert(d)).map(|&d| u64::from(weights[d as usize])).sum()
    };
    let mut total: u64 = (0..covered.len()).filter(|&d| covered[d]).map(|d| u64::from(weights[d])).sum();
    // (gain bound, lowest index first, round in which the gain was computed exactly; the
    // round is `None` for a bound that is not an exact gain yet)
    let mut heap: BinaryHeap<(u64, Reverse<usize>, Option<usize>)> =
        bounds.into_iter().enumerate().map(|(c, bound)| (bound, Reverse(c), None)).collect();
    let mut picks = Vec::with_capacity(k.min(covers.len()));
    let mut picked_covers = Vec::with_capacity(k.min(covers.len()));
    let mut pending: Vec<usize> = Vec::with_capacity(batch.max(1));
    while picks.len() < k {
        let Some(&(bound, Reverse(c), round)) = heap.peek() else { break };
        if bound == 0 {
            break; // nothing left can cover anything new
        }
        let this_round = Some(picks.len());
        if round == this_round {
            // Exact, fresh and on top: no other candidate can do better, and an equal one
            // with a lower index would have been popped first.
            heap.pop();
            for &d in covers[c].as_deref().unwrap_or_default() {
                covered[d as usize] = true;
            }
            total += bound;
            picks.push(Pick { candidate: c, newly_covered_weight: bound, total_covered_weight: total });
            picked_covers.push(covers[c].take().unwrap_or_default());
            continue;
        }
        // Bring the top entries up to date: stale exact gains are recomputed from their
        // known cover, bounds are evaluated together in one batch.
        pending.clear();
        while let Some(&(bound, Reverse(c), round)) = heap.peek() {
            if round == this_round || bound == 0 || pending.len() >= batch.max(1) {
                break;
            }
            heap.pop();
            match &covers[c] {
                Some(cover) => heap.push((gain(&covered, cover), Reverse(c), this_round)),
                None => pending.push(c),
            }
        }
        if pending.is_empty() {
            continue;
        }
        for (&c, cover) in pending.iter().zip(evaluate(&pending)?) {
            heap.push((gain(&covered, &cover), Reverse(c), this_round));
            covers[c] = Some(cover);
        }
    }
    Some((picks, picked_covers))
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

    #[test]
    fn loose_bounds_give_the_same_picks_and_spare_evaluations() {
        // 40 candidates over 60 demand points with pseudo-random covers and weights.
        let mut state = 7u64;
        let mut next = move |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let weights: Vec<u32> = (0..60).map(|_| next(20) as u32 + 1).collect();
        let covers: Vec<Vec<u32>> = (0..40).map(|_| (0..next(8) + 1).map(|_| next(60) as u32).collect()).collect();
        let covered: Vec<bool> = (0..60).map(|_| next(5) == 0).collect();
        let eager = greedy_max_cover(&covered, &weights, &covers, 6);
        // Bounds: the cover's weight plus slack, as a straight-line estimate would give.
        let bounds: Vec<u64> = covers.iter().map(|c| c.iter().map(|&d| u64::from(weights[d as usize])).sum::<u64>() + 3).collect();
        let mut evaluated = vec![0; covers.len()];
        let lazy = greedy_max_cover_lazy(
            &covered,
            &weights,
            bounds.clone(),
            |batch| {
                Some(
                    batch
                        .iter()
                        .map(|&c| {
                            evaluated[c] += 1;
                            covers[c].clone()
                        })
                        .collect(),
                )
            },
            1,
            6,
        );
        assert_eq!(lazy, Some(eager.clone()));
        // Batches of several evaluate more but choose the same.
        let batched = greedy_max_cover_lazy(
            &covered,
            &weights,
            bounds.clone(),
            |batch| Some(batch.iter().map(|&c| covers[c].clone()).collect()),
            8,
            6,
        );
        assert_eq!(batched, Some(eager));
        assert!(evaluated.iter().all(|&n| n <= 1), "a cover is worked out at most once");
        assert!(evaluated.iter().sum::<i32>() < 40, "low bounds are never evaluated: {evaluated:?}");
        // An evaluation that says stop ends the choice.
        assert_eq!(greedy_max_cover_lazy(&covered, &weights, bounds, |_| None, 8, 6), None);
    }
}
