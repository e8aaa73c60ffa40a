//! A quick upper bound on what one site could add: the uncovered demand near it, from a grid
//! of prefix sums. The lazy greedy evaluates a candidate's walks only while this bound could
//! still beat the best found.

use geo::{Coord, Point};

use crate::geodesy::LocalPlane;

/// Uncovered households summed over a grid of small cells (an eighth of the limit), with
/// prefix sums, so that the households in the cells meeting a circle come in one lookup per
/// row of cells. The circle is the walking limit's (a walk is never shorter than the
/// straight line), so its sum bounds what a site there could cover.
pub(super) struct UncoveredGrid {
    /// Metres from the area's south-west corner.
    plane: LocalPlane,
    cell_m: f64,
    cols: usize,
    rows: usize,
    /// `(rows + 1) × (cols + 1)` prefix sums: `sums[r][c]` is the total of cells above and
    /// left of `(r, c)`.
    sums: Vec<u64>,
}

impl UncoveredGrid {
    /// At most about this many cells a side, to bound memory on a big city.
    const MAX_SIDE: f64 = 2_000.0;

    pub(super) fn new(points: &[Option<Point>], covered: &[bool], weights: &[u32], limit_m: f64) -> UncoveredGrid {
        let placed = || points.iter().flatten();
        let (mut west, mut south, mut east, mut north) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in placed() {
            (west, south, east, north) = (west.min(p.x()), south.min(p.y()), east.max(p.x()), north.max(p.y()));
        }
        if !west.is_finite() {
            (west, south, east, north) = (0.0, 0.0, 0.0, 0.0);
        }
        // The widest metres per degree of longitude over the area, so planar distances
        // never understate ground distances.
        let plane = LocalPlane::scaled_at(Coord { x: west, y: south }, south.abs().min(north.abs()));
        let Coord { x: width, y: height } = plane.to_metres(Coord { x: east, y: north });
        let cell_m = (limit_m / 8.0).max(width.max(height) / Self::MAX_SIDE).max(1.0);
        let cols = (width / cell_m) as usize + 1;
        let rows = (height / cell_m) as usize + 1;
        let mut sums = vec![0u64; (rows + 1) * (cols + 1)];
        let mut grid = UncoveredGrid { plane, cell_m, cols, rows, sums: Vec::new() };
        for (b, p) in points.iter().enumerate() {
            if let Some(p) = p
                && !covered[b]
            {
                let (c, r) = grid.cell(*p);
                sums[(r + 1) * (cols + 1) + c + 1] += u64::from(weights[b]);
            }
        }
        for r in 1..=rows {
            for c in 1..=cols {
                let i = r * (cols + 1) + c;
                sums[i] += sums[i - 1] + sums[i - cols - 1] - sums[i - cols - 2];
            }
        }
        grid.sums = sums;
        grid
    }

    /// The cell holding a point, clamped to the grid.
    fn cell(&self, p: Point) -> (usize, usize) {
        let m = self.plane.to_metres(p.0);
        let (x, y) = ((m.x / self.cell_m).floor(), (m.y / self.cell_m).floor());
        (x.clamp(0.0, (self.cols - 1) as f64) as usize, y.clamp(0.0, (self.rows - 1) as f64) as usize)
    }

    /// Uncovered households in the cells meeting the circle of `radius_m` (plus 1 % for
    /// the planar approximation) around `p`.
    pub(super) fn households_near(&self, p: Point, radius_m: f64) -> u64 {
        let reach = radius_m * 1.01 + 1.0;
        // `p` in metres from the grid's origin.
        let Coord { x, y } = self.plane.to_metres(p.0);
        let index = |metres: f64, count: usize| (metres / self.cell_m).floor().clamp(0.0, (count - 1) as f64) as usize;
        let at = |r: usize, c: usize| self.sums[r * (self.cols + 1) + c];
        let mut total = 0;
        for r in index(y - reach, self.rows)..=index(y + reach, self.rows) {
            // The row's nearest edge to `p`, and how wide the circle is there.
            let (bottom, top) = (r as f64 * self.cell_m, (r + 1) as f64 * self.cell_m);
            let dy = (bottom - y).max(y - top).max(0.0);
            if dy > reach {
                continue;
            }
            let half = (reach * reach - dy * dy).sqrt();
            let (c0, c1) = (index(x - half, self.cols), index(x + half, self.cols));
            total += at(r + 1, c1 + 1) + at(r, c0) - at(r, c1 + 1) - at(r + 1, c0);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_bounds_count_every_uncovered_household_in_reach() {
        // Buildings every ~50 m on a 20×20 lattice; half of them covered.
        let points: Vec<Option<Point>> =
            (0..400).map(|i| Some(Point::new(104.0 + f64::from(i % 20) * 0.0005, 30.0 + f64::from(i / 20) * 0.00045))).collect();
        let covered: Vec<bool> = (0..400).map(|i| i % 2 == 0).collect();
        let weights: Vec<u32> = (0..400).map(|i| i % 7 + 1).collect();
        let grid = UncoveredGrid::new(&points, &covered, &weights, 200.0);
        for probe in [0usize, 57, 210, 399] {
            let centre = points[probe].unwrap();
            let exact: u64 = (0..400)
                .filter(|&b| !covered[b] && crate::network::straight_line_m(centre, points[b].unwrap()) <= 200.0)
                .map(|b| u64::from(weights[b]))
                .sum();
            let bound = grid.households_near(centre, 200.0);
            assert!(bound >= exact, "bound {bound} below the exact {exact} at {probe}");
            assert!(bound <= 2 * exact + 30, "bound {bound} is far too loose against {exact}");
        }
    }
}
