//! Our Getis-Ord Gi* against PySAL's esda on realistic lattices: `tests/hotspots.py` runs
//! `esda.G_Local(star=True, transform="B")` on the same input. Needs Python (the `.venv` of `scripts/setup.sh`) with
//! esda 2.9.0 and libpysal 4.14.1; `scripts/setup.sh` installs them.

mod common;

use minsheng::services::analytics::hotspots::{GiStar, HotSpotClass, getis_ord_gi_star};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hotspots.py");
const SIDE: usize = 20;

#[derive(Deserialize)]
struct Esda {
    z: Vec<f64>,
    p: Vec<f64>,
    class: Vec<String>,
}

fn esda(values: &[f64], neighbours: &[Vec<usize>]) -> Esda {
    let input = serde_json::json!({ "values": values, "neighbours": neighbours });
    let output = common::run_python(SCRIPT, "import esda, libpysal", "esda and libpysal", &input);
    serde_json::from_slice(&output).expect("the script prints {z, p, class}")
}

/// Runs both and asserts they agree on every cell; returns ours.
fn agree_with_esda(values: &[f64], neighbours: &[Vec<usize>]) -> Vec<GiStar> {
    let ours = getis_ord_gi_star(values, neighbours);
    let theirs = esda(values, neighbours);
    assert_eq!(theirs.z.len(), ours.len());
    for (cell, g) in ours.iter().enumerate() {
        let (z, p) = (theirs.z[cell], theirs.p[cell]);
        assert!((g.z - z).abs() <= 1e-6, "cell {cell}: z {} but esda says {z}", g.z);
        // Our erfc is good to 1.2e-7 relative; esda's is scipy's, good to the last bits.
        assert!((g.p - p).abs() <= 1e-6 * p, "cell {cell}: p {} but esda says {p}", g.p);
        assert_eq!(g.class.as_str(), theirs.class[cell], "cell {cell}: z {} vs esda {z}", g.z);
    }
    ours
}

/// Report counts on a lattice: background noise, a hot cluster (cells within `hot_radius`
/// steps of `hot`) with many more reports, and a quiet area around `cold` with almost none.
fn counts(
    cells: usize,
    distance: impl Fn(usize, usize) -> usize,
    (hot, hot_radius): (usize, usize),
    (cold, cold_radius): (usize, usize),
) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_611);
    (0..cells)
        .map(|cell| {
            let count = if distance(cell, hot) <= hot_radius {
                rng.random_range(12..=25)
            } else if distance(cell, cold) <= cold_radius {
                rng.random_range(0..=1)
            } else {
                rng.random_range(2..=9)
            };
            f64::from(count)
        })
        .collect()
}

fn square(cell: usize) -> (isize, isize) {
    ((cell / SIDE) as isize, (cell % SIDE) as isize)
}

/// Chebyshev distance: the rings of the queen (8-neighbour) adjacency.
fn chebyshev(a: usize, b: usize) -> usize {
    let ((ra, ca), (rb, cb)) = (square(a), square(b));
    ra.abs_diff(rb).max(ca.abs_diff(cb))
}

#[test]
fn a_square_grid_with_queen_neighbours_agrees_with_esda() {
    let cells = SIDE * SIDE;
    let neighbours: Vec<Vec<usize>> = (0..cells).map(|i| (0..cells).filter(|&j| j != i && chebyshev(i, j) == 1).collect()).collect();
    let (hot, cold) = (5 * SIDE + 5, 14 * SIDE + 13);
    let values = counts(cells, chebyshev, (hot, 1), (cold, 2));

    let ours = agree_with_esda(&values, &neighbours);
    assert_eq!(ours[hot].class, HotSpotClass::Hot99, "the planted hot cluster's centre: {:?}", ours[hot]);
    assert_eq!(ours[cold].class, HotSpotClass::Cold99, "the planted cold area's centre: {:?}", ours[cold]);
    // Far from both, the noise should mostly be not significant.
    let quiet = ours.iter().filter(|g| g.class == HotSpotClass::NotSignificant).count();
    assert!(quiet > cells * 3 / 4, "only {quiet} of {cells} cells not significant");
}

/// Axial coordinates of a hex lattice in "odd-r" offset rows, so that a SIDE × SIDE patch of
/// hexagons is stored row by row.
fn axial(cell: usize) -> (isize, isize) {
    let (row, col) = square(cell);
    (col - (row - (row & 1)) / 2, row)
}

/// Steps between two hexagons: what H3's grid_distance counts.
fn hex_distance(a: usize, b: usize) -> usize {
    let ((qa, ra), (qb, rb)) = (axial(a), axial(b));
    let (dq, dr) = (qa - qb, ra - rb);
    dq.unsigned_abs().max(dr.unsigned_abs()).max((dq + dr).unsigned_abs())
}

#[test]
fn a_hexagon_patch_with_two_ring_neighbourhoods_agrees_with_esda() {
    // Like H3 cells with grid_disk(k = 2) as neighbourhood: 18 neighbours inside, fewer at
    // the edges, so the weights' sums differ from cell to cell.
    let cells = SIDE * SIDE;
    let neighbours: Vec<Vec<usize>> = (0..cells).map(|i| (0..cells).filter(|&j| j != i && hex_distance(i, j) <= 2).collect()).collect();
    assert_eq!(neighbours[10 * SIDE + 10].len(), 18);
    let (hot, cold) = (6 * SIDE + 12, 15 * SIDE + 5);
    let values = counts(cells, hex_distance, (hot, 2), (cold, 2));

    let ours = agree_with_esda(&values, &neighbours);
    assert_eq!(ours[hot].class, HotSpotClass::Hot99, "the planted hot cluster's centre: {:?}", ours[hot]);
    assert_eq!(ours[cold].class, HotSpotClass::Cold99, "the planted cold area's centre: {:?}", ours[cold]);
}
