//! The greedy set cover the plan starts from: each time the candidate that adds the most
//! demand not yet covered, until the target is met.

use super::EPSILON;

pub(super) fn covered_by(rows: &[(Vec<u32>, f64)], taken: &[bool]) -> f64 {
    rows.iter().filter(|(js, _)| js.iter().any(|&j| taken[j as usize])).map(|r| r.1).sum()
}

/// The rows each candidate covers.
pub(super) fn rows_by_candidate(rows: &[(Vec<u32>, f64)], candidates: usize) -> Vec<Vec<u32>> {
    let mut by_candidate: Vec<Vec<u32>> = vec![Vec::new(); candidates];
    for (r, (js, _)) in rows.iter().enumerate() {
        for &j in js {
            by_candidate[j as usize].push(r as u32);
        }
    }
    by_candidate
}

/// Lazy greedy over `pool`: each time the candidate adding the most uncovered demand (ties
/// to the lowest index), until `enough(total)` or the pool is spent; `with_nothing` also takes
/// candidates that add nothing (to order a chosen set completely). Gains only shrink, so a
/// stale gain bounds the current one and only the top of the heap is recomputed.
fn lazy_greedy(
    rows: &[(Vec<u32>, f64)],
    by_candidate: &[Vec<u32>],
    pool: &[usize],
    done: &mut [bool],
    total: &mut f64,
    enough: impl Fn(f64) -> bool,
    with_nothing: bool,
) -> (Vec<usize>, Vec<f64>) {
    use std::cmp::Reverse;
    // `+ 0.0` turns the empty sum's −0.0 into +0.0: negative zero's bits would sort first.
    let gain =
        |done: &[bool], j: usize| by_candidate[j].iter().filter(|&&r| !done[r as usize]).map(|&r| rows[r as usize].1).sum::<f64>() + 0.0;
    // Non-negative floats order as their bit patterns do.
    let mut heap: std::collections::BinaryHeap<(u64, Reverse<usize>, usize)> =
        pool.iter().map(|&j| (gain(done, j).to_bits(), Reverse(j), 0)).collect();
    let (mut order, mut added) = (Vec::new(), Vec::new());
    while let Some((bits, Reverse(j), round)) = heap.pop() {
        if enough(*total) || (!with_nothing && bits == 0) {
            break;
        }
        if round != order.len() {
            heap.push((gain(done, j).to_bits(), Reverse(j), order.len()));
            continue;
        }
        for &r in &by_candidate[j] {
            done[r as usize] = true;
        }
        let g = f64::from_bits(bits);
        *total += g;
        order.push(j);
        added.push(g);
    }
    (order, added)
}

/// Candidates in the order the greedy choice takes them until `needed` is covered; with
/// `taken`, the greedy continues from those already taken.
pub(super) fn greedy_until(rows: &[(Vec<u32>, f64)], candidates: usize, needed: f64, taken: Option<&[bool]>) -> Vec<usize> {
    let by_candidate = rows_by_candidate(rows, candidates);
    let mut done = vec![false; rows.len()];
    let mut total = 0.0;
    if let Some(taken) = taken {
        for (r, (js, w)) in rows.iter().enumerate() {
            if js.iter().any(|&j| taken[j as usize]) {
                done[r] = true;
                total += w;
            }
        }
    }
    let pool: Vec<usize> = (0..candidates).filter(|&j| taken.is_none_or(|t| !t[j])).collect();
    lazy_greedy(rows, &by_candidate, &pool, &mut done, &mut total, |t| t >= needed * (1.0 - EPSILON), false).0
}

/// The chosen sites reordered greedily, with the demand each adds in that order.
pub(super) fn greedy_order(rows: &[(Vec<u32>, f64)], candidates: usize, chosen: &[usize]) -> (Vec<usize>, Vec<f64>) {
    let by_candidate = rows_by_candidate(rows, candidates);
    let mut done = vec![false; rows.len()];
    lazy_greedy(rows, &by_candidate, chosen, &mut done, &mut 0.0, |_| false, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::coverage::lscp::rows;

    #[test]
    fn the_lazy_greedy_matches_a_plain_greedy() {
        let mut state = 11u64;
        let mut next = move |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let weights: Vec<f64> = (0..400).map(|_| (next(30) + 1) as f64).collect();
        let covers: Vec<Vec<u32>> = (0..120).map(|_| (0..next(25) + 1).map(|_| next(400) as u32).collect()).collect();
        let rows = rows(&covers, &weights);
        let needed = 0.9 * rows.iter().map(|r| r.1).sum::<f64>();
        let lazy = greedy_until(&rows, covers.len(), needed, None);
        let (mut done, mut total, mut plain) = (vec![false; rows.len()], 0.0, Vec::new());
        while total < needed * (1.0 - EPSILON) {
            let gain =
                |j: usize| rows.iter().zip(&done).filter(|((js, _), d)| !**d && js.contains(&(j as u32))).map(|((_, w), _)| w).sum::<f64>();
            let best = (0..covers.len()).fold(0, |b, j| if gain(j) > gain(b) { j } else { b });
            total += gain(best);
            for (r, (js, _)) in rows.iter().enumerate() {
                done[r] |= js.contains(&(best as u32));
            }
            plain.push(best);
        }
        assert_eq!(lazy, plain);
    }
}
