//! The district's walking network: street centre lines on the lattice lines, a pavement round
//! every block, and in every compound a path just inside the wall with lanes between the
//! building rows (a super-large compound adds spines along the lattice lines it covers).
//! Gates are the only way through a wall: each runs from the street centre line across the
//! pavement to the path inside.
//!
//! `network::WalkNetwork::from_lines` joins lines only where they share a vertex, so every
//! junction is a vertex of both lines, built from the same metre values and rounded by the
//! same [`Frame`].
//!
//! # Units
//! Local metres (see `layout`), output in WGS84 degrees.

use std::collections::BTreeMap;

use geo::{Coord, LineString, MultiLineString};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::buildings::Group;
use super::layout::{Bounds, Frame, Lattice, Road};
use super::stations::ByGate;
use super::{INNER, WALL};
use crate::model::{Compound, Walkway};

/// A compound's own path runs this far inside its wall, halfway to the buildings.
pub const RING: f64 = INNER / 2.0;
/// The pavement runs this far outside a compound wall, halfway to the kerb.
const PAVEMENT: f64 = WALL / 2.0;
/// Lanes keep this far from building rows: half the least gap between two rows.
const LANE_CLEARANCE: f64 = 6.0;
/// Gates keep this far from the corners of the path inside the wall.
const GATE_MARGIN: f64 = 20.0;
/// A compound station stands this far west of the gate it is by.
const STATION_TO_GATE: f64 = 8.0;
/// Gates are drawn from their own ChaCha8 stream of the seed, so the network can change
/// without moving anything in the other layers.
const GATE_STREAM: u64 = 1;

/// One compound as the network needs it, recorded when the compound is laid out.
#[derive(Debug, Clone)]
pub struct Plot {
    /// The south-west lattice cell and the compound's size in cells (1, or 2 for 2×2).
    pub cell: (usize, usize),
    pub span: usize,
    pub wall: Bounds,
    /// East–west lanes between building rows, ending on the wall path or a spine.
    pub lanes: Vec<Lane>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lane {
    pub y: f64,
    pub x0: f64,
    pub x1: f64,
}

/// Lanes across one cell's part of a compound. `paths` is the rectangle of paths round it
/// (the wall path, or a spine where the compound goes on into the next cell). There is a lane
/// in every gap between building rows, and one along the first (last) row when the path
/// beyond it is farther away than a gap, so every building has a path within about 25 m.
pub fn lanes(paths: Bounds, groups: &[Group]) -> Vec<Lane> {
    let mut spans: Vec<(f64, f64)> = groups
        .iter()
        .flat_map(|g| &g.buildings)
        .map(|b| {
            let ys = b.corners.map(|c| c.1);
            (ys.iter().copied().fold(f64::INFINITY, f64::min), ys.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        })
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (y0, y1) in spans {
        match rows.last_mut() {
            Some(row) if y0 <= row.1 => row.1 = row.1.max(y1),
            _ => rows.push((y0, y1)),
        }
    }
    let mut ys = Vec::with_capacity(rows.len() + 1);
    if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
        if first.0 - paths.y0 >= 2.0 * LANE_CLEARANCE {
            ys.push(first.0 - LANE_CLEARANCE);
        }
        ys.extend(rows.windows(2).map(|pair| (pair[0].1 + pair[1].0) / 2.0));
        if paths.y1 - last.1 >= 2.0 * LANE_CLEARANCE {
            ys.push(last.1 + LANE_CLEARANCE);
        }
    }
    ys.into_iter().map(|y| Lane { y, x0: paths.x0, x1: paths.x1 }).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Axis {
    EastWest,
    NorthSouth,
}

/// A street segment between two neighbouring lattice nodes: its axis, its lattice line and
/// the number of the cell edge along that line.
type StreetKey = (Axis, usize, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    South,
    East,
    North,
    West,
}

impl Side {
    const ALL: [Side; 4] = [Side::South, Side::East, Side::North, Side::West];

    fn gate_name(self) -> &'static str {
        match self {
            Side::South => "南门",
            Side::East => "东门",
            Side::North => "北门",
            Side::West => "西门",
        }
    }
}

/// Every walkway of the district in a stable order: street segments (east–west ones, then
/// north–south), then for each compound its pavement, its own paths and its gates.
/// `plots[i]` is `compounds[i]`; `by_gate` places main gates beside compound stations.
pub fn walkways(lattice: &Lattice, frame: Frame, plots: &[Plot], compounds: &[Compound], by_gate: &[ByGate], seed: u64) -> Vec<Walkway> {
    debug_assert_eq!(plots.len(), compounds.len());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(GATE_STREAM);
    let mut station = vec![None; plots.len()];
    for s in by_gate {
        station[s.compound].get_or_insert(*s);
    }
    let mut net = Builder { lattice, frame, streets: BTreeMap::new(), per_compound: Vec::with_capacity(5 * plots.len()) };
    for ((plot, compound), station) in plots.iter().zip(compounds).zip(station) {
        let ((c0, r0), n) = (plot.cell, plot.span);
        for i in 0..n {
            for key in [
                (Axis::EastWest, r0, c0 + i),
                (Axis::EastWest, r0 + n, c0 + i),
                (Axis::NorthSouth, c0, r0 + i),
                (Axis::NorthSouth, c0 + n, r0 + i),
            ] {
                net.streets.entry(key).or_default();
            }
        }
        let gates = gate_places(&mut rng, plot.span, plot.wall.inset(RING), station);
        net.compound(plot, compound, &gates);
    }
    let mut all = Vec::with_capacity(net.streets.len() + net.per_compound.len());
    for ((axis, line, i), points) in net.streets {
        let (id, kind, a, b) = match axis {
            Axis::EastWest => {
                (format!("W-H{line:03}-{i:03}"), Road::of_row(line), (lattice.x(i), lattice.y(line)), (lattice.x(i + 1), lattice.y(line)))
            }
            Axis::NorthSouth => (
                format!("W-V{line:03}-{i:03}"),
                Road::of_column(line),
                (lattice.x(line), lattice.y(i)),
                (lattice.x(line), lattice.y(i + 1)),
            ),
        };
        all.push(Walkway { id, kind: kind.highway().to_owned(), name: None, geometry: line_string(frame, straight(a, b, points)).into() });
    }
    all.append(&mut net.per_compound);
    all
}

/// The network being built: street segments with the junctions on them, and the walkways
/// of the compounds done so far.
struct Builder<'a> {
    lattice: &'a Lattice,
    frame: Frame,
    streets: BTreeMap<StreetKey, Vec<(f64, f64)>>,
    per_compound: Vec<Walkway>,
}

impl Builder<'_> {
    /// One compound's pavement, own paths and gates; registers each gate's junction with its
    /// street (which must be registered already).
    fn compound(&mut self, plot: &Plot, compound: &Compound, gates: &[(Side, f64)]) {
        let (lattice, frame) = (self.lattice, self.frame);
        let ((c0, r0), n) = (plot.cell, plot.span);
        let ring = plot.wall.inset(RING);
        let pavement = plot.wall.inset(-PAVEMENT);
        // Spines along the lattice lines inside a compound of more than one cell.
        let spine_xs: Vec<f64> = (1..n).map(|i| lattice.x(c0 + i)).collect();
        let spine_ys: Vec<f64> = (1..n).map(|j| lattice.y(r0 + j)).collect();
        // Points where something joins the paths inside the wall, and the pavement.
        let mut inner: Vec<(f64, f64)> = Vec::new();
        let mut kerbside: Vec<(f64, f64)> = Vec::new();
        for lane in &plot.lanes {
            inner.extend([(lane.x0, lane.y), (lane.x1, lane.y)]);
        }
        for &x in &spine_xs {
            inner.extend([(x, ring.y0), (x, ring.y1)]);
            inner.extend(spine_ys.iter().map(|&y| (x, y)));
        }
        for &y in &spine_ys {
            inner.extend([(ring.x0, y), (ring.x1, y)]);
        }

        let mut gate_ways = Vec::with_capacity(gates.len());
        for (k, &(side, at)) in gates.iter().enumerate() {
            // From the street centre line, across the pavement, to the path inside the wall.
            let (street, kerb, end, key) = match side {
                Side::South => {
                    let c = cell_of(|c| lattice.x(c), c0, n, at);
                    ((at, lattice.y(r0)), (at, pavement.y0), (at, ring.y0), (Axis::EastWest, r0, c))
                }
                Side::North => {
                    let c = cell_of(|c| lattice.x(c), c0, n, at);
                    ((at, lattice.y(r0 + n)), (at, pavement.y1), (at, ring.y1), (Axis::EastWest, r0 + n, c))
                }
                Side::West => {
                    let r = cell_of(|r| lattice.y(r), r0, n, at);
                    ((lattice.x(c0), at), (pavement.x0, at), (ring.x0, at), (Axis::NorthSouth, c0, r))
                }
                Side::East => {
                    let r = cell_of(|r| lattice.y(r), r0, n, at);
                    ((lattice.x(c0 + n), at), (pavement.x1, at), (ring.x1, at), (Axis::NorthSouth, c0 + n, r))
                }
            };
            self.streets.get_mut(&key).expect("the compound's streets are registered").push(street);
            kerbside.push(kerb);
            inner.push(end);
            gate_ways.push(Walkway {
                id: format!("W-{}-G{}", compound.id, k + 1),
                kind: "gate".to_owned(),
                name: Some(format!("{}{}", compound.name, side.gate_name())),
                geometry: line_string(frame, [street, kerb, end]).into(),
            });
        }

        // The pavement, with a crossing from each corner to the street junction there.
        let mut sidewalk = vec![line_string(frame, closed(pavement, &kerbside))];
        for ((x, y), (c, r)) in [
            ((pavement.x0, pavement.y0), (c0, r0)),
            ((pavement.x1, pavement.y0), (c0 + n, r0)),
            ((pavement.x1, pavement.y1), (c0 + n, r0 + n)),
            ((pavement.x0, pavement.y1), (c0, r0 + n)),
        ] {
            sidewalk.push(line_string(frame, [(x, y), (lattice.x(c), lattice.y(r))]));
        }
        self.per_compound.push(Walkway {
            id: format!("W-{}-S", compound.id),
            kind: "sidewalk".to_owned(),
            name: None,
            geometry: MultiLineString::new(sidewalk).into(),
        });

        let on_ring: Vec<(f64, f64)> =
            inner.iter().copied().filter(|&(x, y)| x == ring.x0 || x == ring.x1 || y == ring.y0 || y == ring.y1).collect();
        let mut paths = vec![line_string(frame, closed(ring, &on_ring))];
        for &x in &spine_xs {
            let on: Vec<(f64, f64)> = inner.iter().copied().filter(|p| p.0 == x).collect();
            paths.push(line_string(frame, straight((x, ring.y0), (x, ring.y1), on)));
        }
        for &y in &spine_ys {
            let on: Vec<(f64, f64)> = inner.iter().copied().filter(|p| p.1 == y).collect();
            paths.push(line_string(frame, straight((ring.x0, y), (ring.x1, y), on)));
        }
        paths.extend(plot.lanes.iter().map(|l| line_string(frame, [(l.x0, l.y), (l.x1, l.y)])));
        self.per_compound.push(Walkway {
            id: format!("W-{}-F", compound.id),
            kind: "footway".to_owned(),
            name: None,
            geometry: MultiLineString::new(paths).into(),
        });
        self.per_compound.append(&mut gate_ways);
    }
}

/// Where the gates go: 1–3 (2–4 for a compound of 2×2 cells), each on its own side. The
/// main gate is on the south side, beside the compound station if there is one; the others
/// are on random sides.
fn gate_places(rng: &mut ChaCha8Rng, span: usize, ring: Bounds, station: Option<ByGate>) -> Vec<(Side, f64)> {
    let count = if span > 1 { rng.random_range(2..=4) } else { rng.random_range(1..=3) };
    let main = match station {
        Some(s) if !s.south => Side::North,
        _ => Side::South,
    };
    let mut others: Vec<Side> = Side::ALL.into_iter().filter(|s| *s != main).collect();
    others.shuffle(rng);
    std::iter::once(main)
        .chain(others)
        .take(count)
        .enumerate()
        .map(|(k, side)| {
            let (lo, hi) = match side {
                Side::South | Side::North => (ring.x0 + GATE_MARGIN, ring.x1 - GATE_MARGIN),
                Side::East | Side::West => (ring.y0 + GATE_MARGIN, ring.y1 - GATE_MARGIN),
            };
            let drawn = rng.random_range(lo..hi);
            let at = match station {
                Some(s) if k == 0 => (s.x + STATION_TO_GATE).clamp(lo, hi),
                _ => drawn,
            };
            (side, at)
        })
        .collect()
}

/// The cell `i` in `start..start + n` whose edge along a lattice line holds `at`.
fn cell_of(line: impl Fn(usize) -> f64, start: usize, n: usize, at: f64) -> usize {
    (start..start + n).rev().find(|&i| line(i) <= at).unwrap_or(start)
}

/// A closed path round `b`, counter-clockwise from its south-west corner, with `points`
/// (which lie on it) as vertices.
fn closed(b: Bounds, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (w, h) = (b.x1 - b.x0, b.y1 - b.y0);
    let along = |&(x, y): &(f64, f64)| {
        if y == b.y0 {
            x - b.x0
        } else if x == b.x1 {
            w + (y - b.y0)
        } else if y == b.y1 {
            w + h + (b.x1 - x)
        } else {
            debug_assert_eq!(x, b.x0, "a point off the ring");
            2.0 * w + h + (b.y1 - y)
        }
    };
    let corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1)];
    let mut around: Vec<(f64, (f64, f64))> = corners.iter().chain(points).map(|p| (along(p), *p)).collect();
    around.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ring: Vec<(f64, f64)> = around.into_iter().map(|(_, p)| p).collect();
    ring.push(ring[0]);
    ring
}

/// The straight axis-parallel path from `a` to `b` with `points` (which lie on it) as vertices.
fn straight(a: (f64, f64), b: (f64, f64), mut points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let from_a = |p: &(f64, f64)| (p.0 - a.0).abs() + (p.1 - a.1).abs();
    points.push(a);
    points.push(b);
    points.sort_by(|p, q| from_a(p).total_cmp(&from_a(q)));
    points
}

/// The line through `points` (metres) in WGS84, without repeated vertices: points closer than
/// the rounding become one.
fn line_string(frame: Frame, points: impl IntoIterator<Item = (f64, f64)>) -> LineString {
    let mut coords: Vec<Coord> = Vec::new();
    for (x, y) in points {
        let c = frame.coord(x, y);
        if coords.last() != Some(&c) {
            coords.push(c);
        }
    }
    LineString::new(coords)
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds { x0: 0.0, y0: 0.0, x1: 100.0, y1: 50.0 };

    #[test]
    fn closed_path_runs_counter_clockwise_through_its_points() {
        let ring = closed(B, &[(100.0, 20.0), (40.0, 0.0), (0.0, 10.0), (60.0, 50.0), (40.0, 0.0)]);
        assert_eq!(
            ring,
            [
                (0.0, 0.0),
                (40.0, 0.0),
                (40.0, 0.0),
                (100.0, 0.0),
                (100.0, 20.0),
                (100.0, 50.0),
                (60.0, 50.0),
                (0.0, 50.0),
                (0.0, 10.0),
                (0.0, 0.0)
            ]
        );
        // The repeated point is one vertex once converted.
        assert_eq!(line_string(Frame, ring).0.len(), 9);
    }

    #[test]
    fn straight_path_orders_its_points() {
        let path = straight((0.0, 50.0), (0.0, 0.0), vec![(0.0, 10.0), (0.0, 30.0)]);
        assert_eq!(path, [(0.0, 50.0), (0.0, 30.0), (0.0, 10.0), (0.0, 0.0)]);
    }

    #[test]
    fn gates_take_distinct_sides_and_the_main_one_is_by_the_station() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let station = ByGate { compound: 0, x: 30.0, south: true };
        for span in [1, 2] {
            for _ in 0..50 {
                let gates = gate_places(&mut rng, span, B, Some(station));
                let range = if span == 1 { 1..=3 } else { 2..=4 };
                assert!(range.contains(&gates.len()));
                assert_eq!(gates[0], (Side::South, 38.0));
                for (i, (side, at)) in gates.iter().enumerate() {
                    assert!(gates[i + 1..].iter().all(|g| g.0 != *side));
                    let (lo, hi) = match side {
                        Side::South | Side::North => (B.x0, B.x1),
                        Side::East | Side::West => (B.y0, B.y1),
                    };
                    assert!(*at >= lo + GATE_MARGIN && *at <= hi - GATE_MARGIN);
                }
            }
        }
    }
}
