//! Getis-Ord Gi* hot-spot statistics over cells with neighbour lists.
//!
//! The cells are anything (H3 hexagons, grid squares, compounds): the caller says which
//! cells neighbour which, so this module knows no geometry and no H3. Weights are binary and
//! include the cell itself (Gi*, "star"): w_ij = 1 for j in the neighbours of i and for
//! j = i, else 0. For cell i, with n cells, mean X̄ and S = sqrt(Σx²/n − X̄²):
//!
//! ```text
//! z_i = (Σ_j w_ij x_j − X̄ Σ_j w_ij) / (S · sqrt((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)))
//! ```
//!
//! (Getis & Ord 1992, Ord & Getis 1995), the formula of ArcGIS "Hot Spot Analysis" and of
//! PySAL `esda.G_Local(star=True, transform="B")`; tests/hotspots.rs checks it against esda.
//! esda computes the same z in the ratio form G_i = Σ w x / Σ x, which agrees only while
//! Σx > 0 (it flips the sign for a negative sum and is NaN at zero); the difference form
//! above is defined for any values, and report counts are positive anyway.
//!
//! p is two-sided from the standard normal. No false-discovery-rate correction is applied:
//! we report the raw p with the ArcGIS confidence classes, as ArcGIS does by default. With
//! hundreds of cells some cells will be "significant" by chance; esda (`esda.fdr`) and
//! ArcGIS offer a Benjamini-Hochberg correction should planners ask for a stricter map.

use serde::Serialize;

use crate::model::vocabulary::vocabulary;

vocabulary! {
    /// How a cell is classed by its Gi* z-score, with ArcGIS's confidence bins.
    HotSpotClass {
        Hot99 = "hot_99" / "热点 99%" / "hot spot, 99% confidence",
        Hot95 = "hot_95" / "热点 95%" / "hot spot, 95%",
        Hot90 = "hot_90" / "热点 90%" / "hot spot, 90%",
        Cold99 = "cold_99" / "冷点 99%" / "cold spot, 99% confidence",
        Cold95 = "cold_95" / "冷点 95%" / "cold spot, 95%",
        Cold90 = "cold_90" / "冷点 90%" / "cold spot, 90%",
        NotSignificant = "not_significant" / "不显著" / "not significant",
    }
}

/// |z| at or above which a cell is significant at 99 %, 95 % and 90 % confidence (two-sided
/// normal quantiles, rounded as ArcGIS does).
const Z_99: f64 = 2.576;
const Z_95: f64 = 1.960;
const Z_90: f64 = 1.645;

impl HotSpotClass {
    /// The class of a Gi* z-score: positive is hot (values high around the cell).
    pub fn from_z(z: f64) -> Self {
        let (hot, cold) = match z.abs() {
            m if m >= Z_99 => (HotSpotClass::Hot99, HotSpotClass::Cold99),
            m if m >= Z_95 => (HotSpotClass::Hot95, HotSpotClass::Cold95),
            m if m >= Z_90 => (HotSpotClass::Hot90, HotSpotClass::Cold90),
            _ => return HotSpotClass::NotSignificant,
        };
        if z > 0.0 { hot } else { cold }
    }
}

/// The Gi* result for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GiStar {
    /// Standard normal z-score: positive where the neighbourhood's values are high.
    pub z: f64,
    /// Two-sided p-value of `z` under the standard normal, not corrected for multiple tests.
    pub p: f64,
    pub class: HotSpotClass,
}

impl GiStar {
    /// What a cell gets when the statistic says nothing about it (no variance, or a
    /// neighbourhood that is every cell): z = 0 rather than 0/0.
    const NOTHING: GiStar = GiStar { z: 0.0, p: 1.0, class: HotSpotClass::NotSignificant };

    fn from_z(z: f64) -> Self {
        GiStar { z, p: two_sided_p(z), class: HotSpotClass::from_z(z) }
    }
}

/// Gi* for every cell: `values[i]` is cell i's value (e.g. a count of reports) and
/// `neighbours[i]` the cells around it, without i itself.
///
/// Weights are binary, so a neighbour listed twice counts once, and i in its own list is
/// ignored (it already has weight 1): a k-ring that includes its centre gives the same
/// answer as one that does not. Lists need not be symmetric. Fewer than two cells, equal
/// values everywhere, or a neighbourhood covering all cells give z = 0, p = 1, not
/// significant: the result never holds NaN.
///
/// # Panics
/// If the two slices differ in length, a neighbour index is out of range, or a value is
/// not finite: each is a bug in the caller, not a property of the data.
pub fn getis_ord_gi_star(values: &[f64], neighbours: &[Vec<usize>]) -> Vec<GiStar> {
    let n = values.len();
    assert_eq!(neighbours.len(), n, "one neighbour list per value");
    assert!(values.iter().all(|x| x.is_finite()), "Gi* values must be finite");
    if n < 2 || values.iter().all(|&x| x == values[0]) {
        return vec![GiStar::NOTHING; n];
    }

    let count = n as f64;
    let mean = values.iter().sum::<f64>() / count;
    // Σ(x − X̄)²/n equals Σx²/n − X̄² but does not lose digits to cancellation.
    let s = (values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / count).sqrt();
    // Values that differ only in their last bits, or whose squares overflow, leave no usable
    // spread: treated like equal values rather than dividing by 0 or ∞.
    if !s.is_normal() {
        return vec![GiStar::NOTHING; n];
    }

    // seen[j] == i + 1 marks j as already counted for cell i, so that duplicates and the
    // cell itself keep a weight of 1 without a set per cell.
    let mut seen = vec![0usize; n];
    neighbours
        .iter()
        .enumerate()
        .map(|(i, around)| {
            seen[i] = i + 1;
            let (mut weight, mut sum) = (1usize, values[i]);
            for &j in around {
                assert!(j < n, "cell {i} lists neighbour {j}, but there are only {n} cells");
                if seen[j] != i + 1 {
                    seen[j] = i + 1;
                    weight += 1;
                    sum += values[j];
                }
            }
            // Binary weights: Σw² = Σw = weight, so n Σw² − (Σw)² = weight · (n − weight).
            let spread = weight as f64 * (n - weight) as f64 / (count - 1.0);
            if spread == 0.0 {
                // The neighbourhood is every cell: its sum is the total, nothing to compare.
                return GiStar::NOTHING;
            }
            GiStar::from_z((sum - mean * weight as f64) / (s * spread.sqrt()))
        })
        .collect()
}

/// Two-sided p-value of a standard normal z: P(|Z| ≥ |z|) = erfc(|z|/√2).
///
/// erfc is the Chebyshev fit of Numerical Recipes (2nd ed., §6.2, `erfcc`), with a
/// fractional error below 1.2e-7 everywhere, tails included. Ten lines here rather than a
/// statistics crate as a dependency: p is only reported, the classes come from z, so 1e-7
/// is plenty (esda's p agrees to 1e-6, tests/hotspots.rs).
fn two_sided_p(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let exponent = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07 + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    // The fit gives 1 + 3e-8 at z = 0: a probability must not exceed 1.
    (t * exponent.exp()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Vec<Vec<usize>> {
        (0..n).map(|i| [i.checked_sub(1), (i + 1 < n).then_some(i + 1)].into_iter().flatten().collect()).collect()
    }

    fn assert_close(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "{actual} is not {expected} ± {tolerance}");
    }

    #[test]
    fn five_cells_in_a_line_match_the_hand_computation() {
        // values 1 2 3 4 10, neighbours i±1, n = 5.
        // mean X̄ = 20/5 = 4; Σx² = 1+4+9+16+100 = 130; S² = 130/5 − 4² = 10, S = √10.
        // Cell 4 (10, neighbour 3): Σw = 2, Σwx = 4 + 10 = 14; numerator 14 − 4·2 = 6;
        //   denominator √10 · sqrt((5·2 − 2²)/4) = √10 · √1.5 = √15; z = 6/√15 ≈ 1.549.
        // Cell 3 (4, neighbours 2 and 4): Σw = 3, Σwx = 17, numerator 17 − 12 = 5,
        //   denominator √10 · sqrt((15 − 9)/4) = √15; z = 5/√15.
        // Cells 0, 1, 2: Σwx = 3, 6, 9 against 8, 12, 12: z = −5/√15, −6/√15, −3/√15.
        let result = getis_ord_gi_star(&[1.0, 2.0, 3.0, 4.0, 10.0], &line(5));
        let root15 = 15f64.sqrt();
        for (cell, numerator) in [-5.0, -6.0, -3.0, 5.0, 6.0].into_iter().enumerate() {
            assert_close(result[cell].z, numerator / root15, 1e-9);
            assert_eq!(result[cell].class, HotSpotClass::NotSignificant);
        }
        // 2·(1 − Φ(6/√15)) from scipy.stats.norm.sf.
        assert_close(result[4].p, 0.121_335_250_358_482_11, 1e-7);
    }

    #[test]
    fn p_values_match_the_normal_distribution_at_the_class_thresholds() {
        // Reference values: 2 · scipy.stats.norm.sf(z).
        for (z, p) in [
            (0.0, 1.0),
            (0.5, 0.617_075_077_451_973_8),
            (1.644_853_626_951_472_2, 0.10),
            (1.959_963_984_540_054, 0.05),
            (2.575_829_303_548_900_4, 0.01),
            (4.0, 6.334_248_366_623_973e-5),
            (8.0, 1.244_192_114_854_348e-15),
        ] {
            let ours = two_sided_p(z);
            assert!((ours - p).abs() <= 1.2e-7 * p, "p({z}) = {ours}, expected {p}");
            assert_eq!(two_sided_p(-z), ours);
        }
    }

    #[test]
    fn classes_follow_the_arcgis_thresholds() {
        let cases = [
            (2.576, HotSpotClass::Hot99),
            (2.575, HotSpotClass::Hot95),
            (1.96, HotSpotClass::Hot95),
            (1.645, HotSpotClass::Hot90),
            (1.644, HotSpotClass::NotSignificant),
            (0.0, HotSpotClass::NotSignificant),
            (-1.645, HotSpotClass::Cold90),
            (-1.96, HotSpotClass::Cold95),
            (-3.0, HotSpotClass::Cold99),
        ];
        for (z, class) in cases {
            assert_eq!(HotSpotClass::from_z(z), class, "z = {z}");
        }
        assert_eq!(HotSpotClass::Hot99.label_zh(), "热点 99%");
        assert_eq!(HotSpotClass::NotSignificant.label_zh(), "不显著");
        let json = serde_json::to_value(GiStar::from_z(-2.0)).unwrap();
        assert_eq!(json["class"], "cold_95");
        assert_eq!(serde_json::to_value(HotSpotClass::Hot99).unwrap(), "hot_99");
    }

    /// A 6×6 grid of queen neighbours with a high 2×2 block in one corner.
    fn grid_with_a_cluster() -> (Vec<f64>, Vec<Vec<usize>>) {
        let side = 6usize;
        let neighbours = (0..side * side)
            .map(|i| {
                let (row, col) = ((i / side) as isize, (i % side) as isize);
                let mut around = Vec::new();
                for (dr, dc) in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
                    let (r, c) = (row + dr, col + dc);
                    if (0..side as isize).contains(&r) && (0..side as isize).contains(&c) {
                        around.push(r as usize * side + c as usize);
                    }
                }
                around
            })
            .collect();
        let values = (0..side * side).map(|i| if i / side < 2 && i % side < 2 { 20.0 } else { (i * 7 % 5) as f64 }).collect();
        (values, neighbours)
    }

    #[test]
    fn mirroring_the_values_about_the_mean_swaps_hot_and_cold() {
        let (values, neighbours) = grid_with_a_cluster();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let mirrored: Vec<f64> = values.iter().map(|x| 2.0 * mean - x).collect();
        let (straight, flipped) = (getis_ord_gi_star(&values, &neighbours), getis_ord_gi_star(&mirrored, &neighbours));
        assert_eq!(straight[0].class, HotSpotClass::Hot99, "the planted corner is hot: {:?}", straight[0]);
        let swapped = |class| match class {
            HotSpotClass::Hot99 => HotSpotClass::Cold99,
            HotSpotClass::Hot95 => HotSpotClass::Cold95,
            HotSpotClass::Hot90 => HotSpotClass::Cold90,
            HotSpotClass::Cold99 => HotSpotClass::Hot99,
            HotSpotClass::Cold95 => HotSpotClass::Hot95,
            HotSpotClass::Cold90 => HotSpotClass::Hot90,
            HotSpotClass::NotSignificant => HotSpotClass::NotSignificant,
        };
        for (a, b) in straight.iter().zip(&flipped) {
            assert_close(b.z, -a.z, 1e-9);
            assert_close(b.p, a.p, 1e-12);
            assert_eq!(b.class, swapped(a.class));
        }
    }

    #[test]
    fn the_centre_and_repeated_neighbours_keep_a_binary_weight() {
        let (values, neighbours) = grid_with_a_cluster();
        let messy: Vec<Vec<usize>> =
            neighbours.iter().enumerate().map(|(i, around)| [around.as_slice(), &[i], around.as_slice()].concat()).collect();
        assert_eq!(getis_ord_gi_star(&values, &messy), getis_ord_gi_star(&values, &neighbours));
    }

    #[test]
    fn degenerate_inputs_give_zero_scores_and_never_nan() {
        let nothing = |result: Vec<GiStar>| result.iter().all(|g| *g == GiStar::NOTHING);
        assert!(getis_ord_gi_star(&[], &[]).is_empty());
        assert!(nothing(getis_ord_gi_star(&[5.0], &[vec![]])));
        // 0.1 · 3 is not 0.3 in binary: the mean of equal values need not equal them.
        assert!(nothing(getis_ord_gi_star(&[0.1; 7], &line(7))));
        assert!(nothing(getis_ord_gi_star(&[3.0; 4], &line(4))));
        // Different values whose spread underflows to 0, or whose squares overflow.
        assert!(nothing(getis_ord_gi_star(&[1e-320, 2e-320, 1e-320], &line(3))));
        assert!(nothing(getis_ord_gi_star(&[1e300, -1e300, 1e300], &line(3))));
        // Every cell neighbours every other: each sum is the total.
        let complete: Vec<Vec<usize>> = (0..4).map(|i| (0..4).filter(|&j| j != i).collect()).collect();
        assert!(nothing(getis_ord_gi_star(&[1.0, 2.0, 3.0, 9.0], &complete)));
        // Islands (no neighbours) still get a score from their own value.
        let islands = getis_ord_gi_star(&[1.0, 2.0, 3.0, 9.0], &[vec![], vec![], vec![], vec![]]);
        assert!(islands.iter().all(|g| g.z.is_finite() && g.p.is_finite()));
        assert!(islands[3].z > 0.0 && islands[0].z < 0.0);
    }
}
