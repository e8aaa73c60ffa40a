//! The district's lattice: block lines, road widths, and the metres → WGS84 conversion.
//!
//! # Units
//! Local metres east/north of the district centre; output in WGS84 degrees (lon, lat).

use std::collections::{HashMap, HashSet};

use geo::{Coord, LineString, Point, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The district centre, north of Chengdu (Xindu), in WGS84 degrees.
pub const CENTRE: (f64, f64) = (104.05, 30.82);
pub const METRES_PER_DEGREE_LAT: f64 = 111_320.0;
/// 111,320 m × cos(30.82°), written out so that no platform's `cos` can change the output.
pub const METRES_PER_DEGREE_LON: f64 = 95_599.512_934_255_36;

/// Lattice cells per community (columns × rows) and communities per street.
pub const COMMUNITY_COLS: usize = 2;
pub const COMMUNITY_ROWS: usize = 3;
pub const STREET_COMMUNITY_COLS: usize = 4;
pub const STREET_COMMUNITY_ROWS: usize = 3;
pub const STREET_COLS: usize = COMMUNITY_COLS * STREET_COMMUNITY_COLS;
pub const STREET_ROWS: usize = COMMUNITY_ROWS * STREET_COMMUNITY_ROWS;
pub const COMMUNITY_CELLS: usize = COMMUNITY_COLS * COMMUNITY_ROWS;
pub const STREET_COMMUNITIES: usize = STREET_COMMUNITY_COLS * STREET_COMMUNITY_ROWS;

/// An axis-aligned rectangle in local metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Bounds {
    pub fn inset(self, m: f64) -> Bounds {
        Bounds { x0: self.x0 + m, y0: self.y0 + m, x1: self.x1 - m, y1: self.y1 - m }
    }

    pub fn intersection(self, other: Bounds) -> Bounds {
        Bounds { x0: self.x0.max(other.x0), y0: self.y0.max(other.y0), x1: self.x1.min(other.x1), y1: self.y1.min(other.y1) }
    }

    pub fn union(self, other: Bounds) -> Bounds {
        Bounds { x0: self.x0.min(other.x0), y0: self.y0.min(other.y0), x1: self.x1.max(other.x1), y1: self.y1.max(other.y1) }
    }
}

/// Converts local metres to WGS84 with one scale for the whole district (an equirectangular
/// projection at the centre latitude), so lattice lines stay exact meridians and parallels and
/// neighbouring cells share bit-identical edges after rounding.
#[derive(Debug, Clone, Copy)]
pub struct Frame;

impl Frame {
    /// Degrees rounded to 7 decimals (about 1 cm), as a survey file would carry them.
    pub fn coord(&self, x: f64, y: f64) -> Coord {
        Coord { x: round7(CENTRE.0 + x / METRES_PER_DEGREE_LON), y: round7(CENTRE.1 + y / METRES_PER_DEGREE_LAT) }
    }

    pub fn point(&self, x: f64, y: f64) -> Point {
        Point(self.coord(x, y))
    }

    /// A closed polygon from a counter-clockwise ring of points in metres.
    pub fn polygon(&self, ring: impl IntoIterator<Item = (f64, f64)>) -> Polygon {
        let coords: Vec<Coord> = ring.into_iter().map(|(x, y)| self.coord(x, y)).collect();
        Polygon::new(LineString::new(coords), Vec::new())
    }

    pub fn rect(&self, b: Bounds) -> Polygon {
        self.polygon([(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)])
    }
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// The road along a lattice line: trunk roads between streets, wider roads between
/// communities, lanes elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Road {
    Trunk,
    Main,
    Lane,
}

impl Road {
    pub fn of_column(c: usize) -> Road {
        Road::of(c, STREET_COLS, COMMUNITY_COLS)
    }

    pub fn of_row(r: usize) -> Road {
        Road::of(r, STREET_ROWS, COMMUNITY_ROWS)
    }

    fn of(line: usize, street: usize, community: usize) -> Road {
        if line.is_multiple_of(street) {
            Road::Trunk
        } else if line.is_multiple_of(community) {
            Road::Main
        } else {
            Road::Lane
        }
    }

    /// Half the road's width, kerb to kerb, in metres.
    pub fn half_width(self) -> f64 {
        match self {
            Road::Trunk => 20.0,
            Road::Main => 12.0,
            Road::Lane => 8.0,
        }
    }

    /// OpenStreetMap's `highway` word for it.
    pub fn highway(self) -> &'static str {
        match self {
            Road::Trunk => "secondary",
            Road::Main => "tertiary",
            Road::Lane => "residential",
        }
    }
}

/// Lattice lines: column `c` of cells lies between `xs[c]` and `xs[c + 1]`. Roads run along
/// the lines; a cell (one block plus half of each surrounding road) is one grid.
pub struct Lattice {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// Block pitch, centre line to centre line, in metres.
fn pitch(rng: &mut ChaCha8Rng) -> f64 {
    rng.random_range(235.0..290.0_f64).round()
}

impl Lattice {
    /// `cols` cells wide; rows are added on demand. `origin` is the south-west corner in metres.
    pub fn new(rng: &mut ChaCha8Rng, cols: usize, origin: (f64, f64)) -> Lattice {
        let mut xs = vec![origin.0];
        for _ in 0..cols {
            let last = xs[xs.len() - 1];
            xs.push(last + pitch(rng));
        }
        Lattice { xs, ys: vec![origin.1] }
    }

    /// Makes sure rows `0..rows` exist.
    pub fn ensure_rows(&mut self, rng: &mut ChaCha8Rng, rows: usize) {
        while self.ys.len() < rows + 1 {
            let last = self.ys[self.ys.len() - 1];
            self.ys.push(last + pitch(rng));
        }
    }

    /// Half the width of the road on column line `c`, in metres.
    fn half_road_x(c: usize) -> f64 {
        Road::of_column(c).half_width()
    }

    /// Half the width of the road on row line `r`, in metres.
    fn half_road_y(r: usize) -> f64 {
        Road::of_row(r).half_width()
    }

    /// Column line `c`'s x, in metres.
    pub fn x(&self, c: usize) -> f64 {
        self.xs[c]
    }

    /// Row line `r`'s y, in metres.
    pub fn y(&self, r: usize) -> f64 {
        self.ys[r]
    }

    /// Cells `cols × rows` from road centre line to road centre line.
    pub fn cells(&self, (c0, r0): (usize, usize), (cols, rows): (usize, usize)) -> Bounds {
        Bounds { x0: self.xs[c0], y0: self.ys[r0], x1: self.xs[c0 + cols], y1: self.ys[r0 + rows] }
    }

    /// The land between the kerbs of the same cells: the block (or merged blocks).
    pub fn block(&self, (c0, r0): (usize, usize), (cols, rows): (usize, usize)) -> Bounds {
        let (c1, r1) = (c0 + cols, r0 + rows);
        Bounds {
            x0: self.xs[c0] + Self::half_road_x(c0),
            y0: self.ys[r0] + Self::half_road_y(r0),
            x1: self.xs[c1] - Self::half_road_x(c1),
            y1: self.ys[r1] - Self::half_road_y(r1),
        }
    }

    /// The polygon covering a set of cells exactly, through the shared lattice lines.
    pub fn outline(&self, frame: &Frame, cells: &[(usize, usize)]) -> Polygon {
        frame.polygon(outline(cells).into_iter().map(|(c, r)| (self.xs[c], self.ys[r])))
    }
}

/// The counter-clockwise boundary (lattice vertices, no repeated or collinear ones) of a set of
/// cells forming one simply connected region.
pub fn outline(cells: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let set: HashSet<(usize, usize)> = cells.iter().copied().collect();
    let mut next = HashMap::new();
    // Each cell's edges run counter-clockwise; an edge is on the boundary when no cell is across it.
    for &(c, r) in cells {
        if r == 0 || !set.contains(&(c, r - 1)) {
            next.insert((c, r), (c + 1, r));
        }
        if !set.contains(&(c + 1, r)) {
            next.insert((c + 1, r), (c + 1, r + 1));
        }
        if !set.contains(&(c, r + 1)) {
            next.insert((c + 1, r + 1), (c, r + 1));
        }
        if c == 0 || !set.contains(&(c - 1, r)) {
            next.insert((c, r + 1), (c, r));
        }
    }
    let start = *next.keys().min_by_key(|&&(c, r)| (r, c)).expect("at least one cell");
    let mut ring = vec![start];
    let mut at = next[&start];
    while at != start {
        ring.push(at);
        at = next[&at];
    }
    assert_eq!(ring.len(), next.len(), "cells must form one simply connected region");
    let n = ring.len();
    (0..n)
        .filter(|&i| {
            let (p, q, s) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            !((p.0 == q.0 && q.0 == s.0) || (p.1 == q.1 && q.1 == s.1))
        })
        .map(|i| ring[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_of_a_staircase_is_one_counter_clockwise_ring() {
        // Two full rows of three cells and one cell above: an L-shape with six corners.
        let cells = [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (0, 2)];
        assert_eq!(outline(&cells), vec![(0, 0), (3, 0), (3, 2), (1, 2), (1, 3), (0, 3)]);
    }

    #[test]
    fn frame_rounds_to_seven_decimals_and_keeps_the_centre() {
        let frame = Frame;
        assert!((METRES_PER_DEGREE_LON / (METRES_PER_DEGREE_LAT * CENTRE.1.to_radians().cos()) - 1.0).abs() < 1e-12);
        assert_eq!(frame.coord(0.0, 0.0), Coord { x: 104.05, y: 30.82 });
        let c = frame.coord(123.456, -78.9);
        assert_eq!(c.x, round7(c.x));
        assert!((c.y - (30.82 - 78.9 / 111_320.0)).abs() < 1e-7);
    }
}
