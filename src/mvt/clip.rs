//! Clipping to the square of the tile plus its buffer, in unrounded tile units.
//!
//! Polygons: Sutherland–Hodgman, one pass per tile edge that the ring's box crosses. Lines: Liang–Barsky
//! per segment, splitting a line into parts where it leaves and re-enters the square.

use geo::Coord;

/// The square `min..=max` on both axes.
///
/// # Units
/// tile units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClipSquare {
    pub min: f64,
    pub max: f64,
}

/// Where a run of points lies relative to the square.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    Inside,
    Outside,
    Crossing,
}

/// Axis-aligned box of a run of points, and the parts of it that stick out of the square.
#[derive(Debug, Clone, Copy)]
struct Bbox {
    min: Coord,
    max: Coord,
}

impl Bbox {
    fn of(points: &[Coord]) -> Bbox {
        let mut b = Bbox { min: Coord { x: f64::INFINITY, y: f64::INFINITY }, max: Coord { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY } };
        for p in points {
            b.min.x = b.min.x.min(p.x);
            b.min.y = b.min.y.min(p.y);
            b.max.x = b.max.x.max(p.x);
            b.max.y = b.max.y.max(p.y);
        }
        b
    }
}

impl ClipSquare {
    pub(crate) fn extent(&self, points: &[Coord]) -> Extent {
        let b = Bbox::of(points);
        self.extent_of(&b)
    }

    fn extent_of(&self, b: &Bbox) -> Extent {
        if b.max.x < self.min || b.max.y < self.min || b.min.x > self.max || b.min.y > self.max {
            Extent::Outside
        } else if b.min.x >= self.min && b.min.y >= self.min && b.max.x <= self.max && b.max.y <= self.max {
            Extent::Inside
        } else {
            Extent::Crossing
        }
    }

    /// Clips the ring (open or closed) to the square in place; `tmp` is scratch. A ring that misses the
    /// square ends up empty, and one inside it is left as it is.
    pub(crate) fn clip_ring(&self, ring: &mut Vec<Coord>, tmp: &mut Vec<Coord>) {
        let b = Bbox::of(ring);
        match self.extent_of(&b) {
            Extent::Outside => {
                ring.clear();
                return;
            }
            Extent::Inside => return,
            Extent::Crossing => {}
        }
        // Each pass writes `tmp` and swaps it in; only edges the box crosses cost a pass.
        if b.min.x < self.min {
            clip_edge(ring, tmp, |c| c.x >= self.min, |a, b| intersect_x(a, b, self.min));
            std::mem::swap(ring, tmp);
        }
        if b.max.x > self.max {
            clip_edge(ring, tmp, |c| c.x <= self.max, |a, b| intersect_x(a, b, self.max));
            std::mem::swap(ring, tmp);
        }
        if b.min.y < self.min {
            clip_edge(ring, tmp, |c| c.y >= self.min, |a, b| intersect_y(a, b, self.min));
            std::mem::swap(ring, tmp);
        }
        if b.max.y > self.max {
            clip_edge(ring, tmp, |c| c.y <= self.max, |a, b| intersect_y(a, b, self.max));
            std::mem::swap(ring, tmp);
        }
    }

    /// Clips the line `points` to the square, appending its parts to `out`; `ends` gets the end index
    /// (exclusive, into `out`) of each part. Parts have at least two points.
    pub(crate) fn clip_line(&self, points: &[Coord], out: &mut Vec<Coord>, ends: &mut Vec<usize>) {
        out.clear();
        ends.clear();
        if points.len() < 2 {
            return;
        }
        match self.extent(points) {
            Extent::Outside => return,
            Extent::Inside => {
                out.extend_from_slice(points);
                ends.push(out.len());
                return;
            }
            Extent::Crossing => {}
        }
        let mut open = false;
        for w in points.windows(2) {
            match self.clip_segment(w[0], w[1]) {
                None => {
                    if open {
                        ends.push(out.len());
                        open = false;
                    }
                }
                Some((a, b, leaves)) => {
                    // An open part ends at w[0], which is then inside, so `a` is w[0] itself.
                    if !open {
                        out.push(a);
                        open = true;
                    }
                    out.push(b);
                    if leaves {
                        ends.push(out.len());
                        open = false;
                    }
                }
            }
        }
        if open {
            ends.push(out.len());
        }
    }

    /// Liang–Barsky: the part of segment a→b inside the square, and whether it was cut short at b's end.
    fn clip_segment(&self, a: Coord, b: Coord) -> Option<(Coord, Coord, bool)> {
        let d = b - a;
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [(-d.x, a.x - self.min), (d.x, self.max - a.x), (-d.y, a.y - self.min), (d.y, self.max - a.y)] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if t0 > t1 {
            return None;
        }
        let start = if t0 > 0.0 { a + d * t0 } else { a };
        let (end, leaves) = if t1 < 1.0 { (a + d * t1, true) } else { (b, false) };
        Some((start, end, leaves))
    }
}

/// One Sutherland–Hodgman pass against one edge, over the ring as a closed loop.
#[inline]
fn clip_edge(src: &[Coord], dst: &mut Vec<Coord>, inside: impl Fn(Coord) -> bool, cut: impl Fn(Coord, Coord) -> Coord) {
    dst.clear();
    let Some(&last) = src.last() else { return };
    let mut prev = last;
    let mut prev_in = inside(prev);
    for &cur in src {
        let cur_in = inside(cur);
        if cur_in != prev_in {
            dst.push(cut(prev, cur));
        }
        if cur_in {
            dst.push(cur);
        }
        prev = cur;
        prev_in = cur_in;
    }
}

#[inline]
fn intersect_x(a: Coord, b: Coord, x: f64) -> Coord {
    Coord { x, y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x) }
}

#[inline]
fn intersect_y(a: Coord, b: Coord, y: f64) -> Coord {
    Coord { x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: ClipSquare = ClipSquare { min: 0.0, max: 10.0 };

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    #[test]
    fn ring_inside_is_kept_and_outside_is_dropped() {
        let ring = vec![c(1.0, 1.0), c(2.0, 1.0), c(2.0, 2.0)];
        let (mut out, mut tmp) = (ring.clone(), Vec::new());
        SQUARE.clip_ring(&mut out, &mut tmp);
        assert_eq!(out, ring);
        let mut out = vec![c(11.0, 1.0), c(12.0, 1.0), c(12.0, 2.0)];
        SQUARE.clip_ring(&mut out, &mut tmp);
        assert!(out.is_empty());
    }

    #[test]
    fn ring_larger_than_the_square_becomes_the_square() {
        let (mut out, mut tmp) = (vec![c(-5.0, -5.0), c(15.0, -5.0), c(15.0, 15.0), c(-5.0, 15.0)], Vec::new());
        SQUARE.clip_ring(&mut out, &mut tmp);
        let mut corners: Vec<(i64, i64)> = out.iter().map(|p| (p.x as i64, p.y as i64)).collect();
        corners.sort();
        corners.dedup();
        assert_eq!(corners, [(0, 0), (0, 10), (10, 0), (10, 10)], "{out:?}");
    }

    #[test]
    fn ring_across_one_edge_is_cut_on_it() {
        let (mut out, mut tmp) = (vec![c(8.0, 2.0), c(12.0, 2.0), c(12.0, 4.0), c(8.0, 4.0)], Vec::new());
        SQUARE.clip_ring(&mut out, &mut tmp);
        assert_eq!(out, [c(8.0, 2.0), c(10.0, 2.0), c(10.0, 4.0), c(8.0, 4.0)]);
    }

    #[test]
    fn line_leaving_and_reentering_splits_into_parts() {
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        SQUARE.clip_line(&[c(5.0, 5.0), c(15.0, 5.0), c(15.0, 7.0), c(5.0, 7.0)], &mut out, &mut ends);
        assert_eq!(out, [c(5.0, 5.0), c(10.0, 5.0), c(10.0, 7.0), c(5.0, 7.0)]);
        assert_eq!(ends, [2, 4]);
        SQUARE.clip_line(&[c(-5.0, 5.0), c(15.0, 5.0)], &mut out, &mut ends);
        assert_eq!(out, [c(0.0, 5.0), c(10.0, 5.0)]);
        assert_eq!(ends, [2]);
        SQUARE.clip_line(&[c(-5.0, 5.0), c(-1.0, 15.0)], &mut out, &mut ends);
        assert!(out.is_empty() && ends.is_empty());
    }
}
