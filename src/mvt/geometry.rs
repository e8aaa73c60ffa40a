//! From clipped tile units to MVT geometry commands: rounding to the integer grid, dropping repeated
//! points, Douglas–Peucker simplification, ring area and winding, and the command stream itself.

use geo::Coord;

use super::pbf::{put_varint, zigzag32};

/// Integer tile-unit point.
pub(crate) type Pt = [i32; 2];

/// Points closer than this to the simplified line are dropped.
///
/// # Units
/// tile units (1/EXTENT of the tile's width; a 512 px tile shows 8 per pixel).
pub(crate) const SIMPLIFY_TOLERANCE: f64 = 1.0;

/// Rings with a smaller area (before rounding) are dropped, and a polygon whose outer ring is dropped is
/// left out. Simplifying to [`SIMPLIFY_TOLERANCE`] also collapses rings about one unit wide.
///
/// # Units
/// square tile units.
pub(crate) const MIN_RING_AREA: f64 = 1.0;

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// Rounds `points` to the integer grid into `out`, dropping each point that rounds onto the previous one.
pub(crate) fn quantize(points: &[Coord], out: &mut Vec<Pt>) {
    out.clear();
    for p in points {
        // Clipped coordinates lie within the buffered tile, so they fit an i32 with room to spare.
        let q = [round(p.x), round(p.y)];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
}

/// Rounds half away from zero like `f64::round` (bar the last ulp below ½), but inline: without SSE4.1
/// `round` is a libm call. Saturates at the ends of i32 (callers keep to the buffered tile).
#[inline]
pub(crate) fn round(v: f64) -> i32 {
    (v + 0.5f64.copysign(v)) as i32
}

/// Reusable buffers for [`Simplifier::simplify`].
#[derive(Debug, Default)]
pub(crate) struct Simplifier {
    keep: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

impl Simplifier {
    /// Douglas–Peucker in place, measuring distances from the line through each run's end points.
    /// `closed`: `points` is a ring without its closing point; the ring is then walked from its first point
    /// back to it, and a first point that lies on the line of its neighbours goes too.
    pub(crate) fn simplify(&mut self, points: &mut Vec<Pt>, closed: bool, tolerance: f64) {
        if closed && let Some(&first) = points.first() {
            points.push(first);
        }
        let n = points.len();
        if n > 2 {
            self.keep.clear();
            self.keep.resize(n, false);
            self.keep[0] = true;
            self.keep[n - 1] = true;
            self.stack.clear();
            self.stack.push((0, n - 1));
            let tolerance_sq = tolerance * tolerance;
            while let Some((first, last)) = self.stack.pop() {
                if let Some(far) = farthest(&points[first..=last], tolerance_sq) {
                    let far = first + far;
                    self.keep[far] = true;
                    if far - first > 1 {
                        self.stack.push((first, far));
                    }
                    if last - far > 1 {
                        self.stack.push((far, last));
                    }
                }
            }
            let mut kept = 0;
            for i in 0..n {
                if self.keep[i] {
                    points[kept] = points[i];
                    kept += 1;
                }
            }
            points.truncate(kept);
        }
        if closed {
            points.pop();
            if points.len() > 3 && cross(points[points.len() - 1], points[0], points[1]) == 0 {
                points.remove(0);
            }
        }
    }
}

/// Twice the signed area by the shoelace formula, as the MVT spec defines it: positive for a ring that runs
/// clockwise on screen (y down).
///
/// # Units
/// square tile units × 2.
pub(crate) fn double_area(ring: &[Pt]) -> i64 {
    let Some(&last) = ring.last() else { return 0 };
    let mut prev = last;
    let mut sum = 0i64;
    for &p in ring {
        sum += i64::from(prev[0]) * i64::from(p[1]) - i64::from(p[0]) * i64::from(prev[1]);
        prev = p;
    }
    sum
}

/// Signed area of an unrounded ring (open or closed) by the same shoelace formula as [`double_area`].
///
/// # Units
/// square tile units.
pub(crate) fn shoelace(ring: &[Coord]) -> f64 {
    let Some(&last) = ring.last() else { return 0.0 };
    let mut prev = last;
    let mut sum = 0.0;
    for &p in ring {
        sum += prev.x * p.y - p.x * prev.y;
        prev = p;
    }
    sum / 2.0
}

/// Z of the cross product (b − a) × (c − b); zero when a, b, c lie on one line.
fn cross(a: Pt, b: Pt, c: Pt) -> i64 {
    let (abx, aby) = (i64::from(b[0]) - i64::from(a[0]), i64::from(b[1]) - i64::from(a[1]));
    let (bcx, bcy) = (i64::from(c[0]) - i64::from(b[0]), i64::from(c[1]) - i64::from(b[1]));
    abx * bcy - aby * bcx
}

/// The index of the inner point of `run` farthest from the line through its end points, if that is more
/// than √`tolerance_sq` away; from the first point itself when the ends coincide (a closed ring).
/// In integers and without division: this is the inner loop of simplification.
fn farthest(run: &[Pt], tolerance_sq: f64) -> Option<usize> {
    let (a, b) = (run[0], run[run.len() - 1]);
    let (dx, dy) = (i64::from(b[0]) - i64::from(a[0]), i64::from(b[1]) - i64::from(a[1]));
    let degenerate = dx == 0 && dy == 0;
    let (mut far, mut far_measure) = (0, -1);
    for (i, p) in run.iter().enumerate().take(run.len() - 1).skip(1) {
        let (px, py) = (i64::from(p[0]) - i64::from(a[0]), i64::from(p[1]) - i64::from(a[1]));
        // Squared distance from the point when the ends coincide, else |cross| = distance × segment length.
        let measure = if degenerate { px * px + py * py } else { (dx * py - dy * px).abs() };
        if measure > far_measure {
            (far, far_measure) = (i, measure);
        }
    }
    let (measure, limit) = if degenerate {
        (far_measure as f64, tolerance_sq)
    } else {
        ((far_measure as f64).powi(2), tolerance_sq * (dx * dx + dy * dy) as f64)
    };
    (measure > limit).then_some(far)
}

/// The geometry command stream of one feature, varint-encoded as the packed `geometry` field's payload; the
/// cursor carries over between its parts as MVT requires.
#[derive(Debug, Default)]
pub(crate) struct CommandWriter {
    pub bytes: Vec<u8>,
    cursor: Pt,
}

impl CommandWriter {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.cursor = [0, 0];
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Points: a single MoveTo with all of them.
    pub(crate) fn points(&mut self, points: &[Pt]) {
        self.command(MOVE_TO, points.len());
        self.params(points);
    }

    /// One line part (at least two points).
    pub(crate) fn line(&mut self, points: &[Pt]) {
        self.command(MOVE_TO, 1);
        self.params(&points[..1]);
        self.command(LINE_TO, points.len() - 1);
        self.params(&points[1..]);
    }

    /// One ring (at least three points, without the closing point).
    pub(crate) fn ring(&mut self, points: &[Pt]) {
        self.line(points);
        self.command(CLOSE_PATH, 1);
    }

    #[inline]
    fn command(&mut self, id: u32, count: usize) {
        put_varint(&mut self.bytes, u64::from(id) | ((count as u64) << 3));
    }

    fn params(&mut self, points: &[Pt]) {
        for &p in points {
            put_varint(&mut self.bytes, u64::from(zigzag32(p[0].wrapping_sub(self.cursor[0]))));
            put_varint(&mut self.bytes, u64::from(zigzag32(p[1].wrapping_sub(self.cursor[1]))));
            self.cursor = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_and_drops_repeats() {
        let mut out = Vec::new();
        let pts = [Coord { x: 0.2, y: 0.3 }, Coord { x: -0.4, y: 0.1 }, Coord { x: 1.6, y: 2.5 }, Coord { x: 2.0, y: 3.0 }];
        quantize(&pts, &mut out);
        assert_eq!(out, [[0, 0], [2, 3]]);
        for v in [-2.5, -1.5, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 1.5, 4095.5, 4160.0] {
            assert_eq!(f64::from(round(v)), v.round(), "{v}");
        }
    }

    #[test]
    fn simplify_drops_collinear_and_near_points_and_keeps_corners() {
        let mut s = Simplifier::default();
        let mut ring = vec![[0, 0], [5, 0], [10, 0], [10, 5], [10, 10], [5, 10], [0, 10], [0, 5]];
        s.simplify(&mut ring, true, SIMPLIFY_TOLERANCE);
        assert_eq!(ring, [[0, 0], [10, 0], [10, 10], [0, 10]]);
        // The first point of a ring goes too when it is on the line of its neighbours.
        let mut ring = vec![[5, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
        s.simplify(&mut ring, true, SIMPLIFY_TOLERANCE);
        assert_eq!(ring, [[10, 0], [10, 10], [0, 10], [0, 0]]);
        let mut line = vec![[0, 0], [50, 1], [100, 0], [100, 40]];
        s.simplify(&mut line, false, SIMPLIFY_TOLERANCE);
        assert_eq!(line, [[0, 0], [100, 0], [100, 40]]);
        let mut line = vec![[0, 0], [50, 3], [100, 0]];
        s.simplify(&mut line, false, SIMPLIFY_TOLERANCE);
        assert_eq!(line.len(), 3);
    }

    #[test]
    fn area_is_positive_clockwise_on_screen() {
        // x right, y down: (0,0) → (10,0) → (10,10) runs clockwise as seen on screen.
        assert_eq!(double_area(&[[0, 0], [10, 0], [10, 10], [0, 10]]), 200);
        assert_eq!(double_area(&[[0, 0], [0, 10], [10, 10], [10, 0]]), -200);
        assert_eq!(double_area(&[[0, 0], [5, 5]]), 0);
        let c = |x, y| Coord { x, y };
        assert_eq!(shoelace(&[c(0.0, 0.0), c(1.5, 0.0), c(1.5, 2.0), c(0.0, 2.0)]), 3.0);
        assert_eq!(shoelace(&[c(0.0, 0.0), c(0.0, 2.0), c(1.5, 2.0), c(1.5, 0.0), c(0.0, 0.0)]), -3.0);
    }

    #[test]
    fn commands_follow_the_spec_example() {
        // MVT 2.1 spec, 4.3.5.3 "Example Polygon".
        let mut w = CommandWriter::default();
        w.ring(&[[3, 6], [8, 12], [20, 34]]);
        assert_eq!(w.bytes, [9, 6, 12, 18, 10, 12, 24, 44, 15]);
        // 4.3.5.2 "Example Multi Point": the cursor carries over.
        w.clear();
        w.points(&[[5, 7], [3, 2]]);
        assert_eq!(w.bytes, [17, 10, 14, 3, 9]);
        // 4.3.5.1 "Example Point" needs two-byte varints for large moves.
        w.clear();
        w.points(&[[25, 17]]);
        assert_eq!(w.bytes, [9, 50, 34]);
        w.clear();
        w.line(&[[0, 0], [-100, 0]]);
        assert_eq!(w.bytes, [9, 0, 0, 10, 199, 1, 0]);
    }
}
