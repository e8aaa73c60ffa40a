//! Buildings inside one compound region: rows of walk-ups or towers, south-facing like most
//! Chinese housing, grouped into 微网格 micro-grids of 50–80 households.
//!
//! # Units
//! Local metres (see `layout`).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::layout::Bounds;

/// Clear gap kept between the bounding boxes of neighbouring buildings, so footprints are
/// at least this far apart.
const MIN_GAP: f64 = 12.0;
/// How far a micro-grid reaches beyond its buildings: under `MIN_GAP / 2`, so micro-grids of
/// neighbouring buildings never meet.
pub const MICRO_MARGIN: f64 = 5.0;
pub const MICRO_HOUSEHOLDS: std::ops::RangeInclusive<u32> = 50..=80;

/// What a compound builds; `Towers` is a commodity compound of high-rises only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    Old,
    Resettlement,
    SuperLarge,
    Commodity,
    Towers,
}

/// One placed building.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Footprint corners, counter-clockwise.
    pub corners: [(f64, f64); 4],
    pub floors: u16,
    pub units: u16,
    pub households: u32,
    pub population: u32,
    pub has_elevator: bool,
}

/// The buildings of one micro-grid and the micro-grid's rectangle.
#[derive(Debug, Clone)]
pub struct Group {
    pub buildings: Vec<Placed>,
    pub bounds: Bounds,
}

/// A building before placement: `units` along its length, `per_floor` households per floor per unit.
struct Spec {
    floors: u16,
    units: u16,
    per_floor: u16,
    length: f64,
    depth: f64,
}

impl Spec {
    fn households(&self) -> u32 {
        u32::from(self.floors) * u32::from(self.units) * u32::from(self.per_floor)
    }
}

#[derive(Clone, Copy)]
enum Row {
    WalkUp { min_floors: u16 },
    Tower { floors: (u16, u16) },
}

fn row_kind(rng: &mut ChaCha8Rng, style: Style) -> Row {
    match style {
        Style::Old => Row::WalkUp { min_floors: 5 },
        Style::Resettlement => Row::Tower { floors: (11, 18) },
        Style::SuperLarge => Row::Tower { floors: (15, 33) },
        // Commodity estates mix 6–7 floor 洋房 with high-rises.
        Style::Commodity if rng.random_bool(0.35) => Row::WalkUp { min_floors: 6 },
        Style::Commodity | Style::Towers => Row::Tower { floors: (11, 33) },
    }
}

/// A walk-up: 2–3 units, two flats per floor per unit, about 15 m per unit.
fn walk_up(rng: &mut ChaCha8Rng, min_floors: u16) -> Spec {
    let units = rng.random_range(2..=3);
    let floors = rng.random_range(min_floors..=7);
    walk_up_of(rng, units, floors)
}

fn walk_up_of(rng: &mut ChaCha8Rng, units: u16, floors: u16) -> Spec {
    Spec { floors, units, per_floor: 2, length: f64::from(units) * 15.0 + rng.random_range(0.0..4.0), depth: rng.random_range(10.0..13.0) }
}

/// A tower sized to 50–80 households, so that each tower is exactly one micro-grid.
fn tower(rng: &mut ChaCha8Rng, (low, high): (u16, u16)) -> Spec {
    let floors = rng.random_range(low..=high);
    let shapes: Vec<(u16, u16)> = (1..=2)
        .flat_map(|units| (2..=6).map(move |per_floor| (units, per_floor)))
        .filter(|&(units, per_floor)| MICRO_HOUSEHOLDS.contains(&(u32::from(floors) * u32::from(units * per_floor))))
        .collect();
    // Every floor count in 11..=33 has a shape; see the `tower_shapes_exist` test.
    let (units, per_floor) = shapes[rng.random_range(0..shapes.len())];
    Spec {
        floors,
        units,
        per_floor,
        length: 30.0 + 4.0 * f64::from(units * per_floor - 2) + rng.random_range(0.0..4.0),
        depth: rng.random_range(14.0..20.0),
    }
}

/// 2–3 walk-ups whose households together make one micro-grid.
fn walk_up_group(rng: &mut ChaCha8Rng, min_floors: u16) -> Vec<Spec> {
    for _ in 0..64 {
        let count = rng.random_range(2..=3);
        let group: Vec<Spec> = (0..count).map(|_| walk_up(rng, min_floors)).collect();
        if MICRO_HOUSEHOLDS.contains(&group.iter().map(Spec::households).sum()) {
            return group;
        }
    }
    // Two 2-unit, 7-floor walk-ups make 56 households.
    vec![walk_up_of(rng, 2, 7), walk_up_of(rng, 2, 7)]
}

/// Fills `region` with rows of buildings rotated by `angle` (radians), at most `cap` of them.
pub fn fill(rng: &mut ChaCha8Rng, region: Bounds, style: Style, angle: f64, cap: usize) -> Vec<Group> {
    let (row_gap, item_gap) = ((MIN_GAP, MIN_GAP + 14.0), (MIN_GAP, MIN_GAP + 6.0));
    let (sin, cos) = small_sin_cos(angle);
    let (cos, sin) = (cos.abs(), sin.abs());
    let extent = |s: &Spec| (s.length * cos + s.depth * sin, s.length * sin + s.depth * cos);

    let mut groups: Vec<Group> = Vec::new();
    let mut count = 0;
    let mut y = region.y0;
    loop {
        let row = row_kind(rng, style);
        let first_group = groups.len();
        let mut x = region.x0;
        let mut row_height: f64 = 0.0;
        while count < cap {
            let specs = match row {
                Row::WalkUp { min_floors } => walk_up_group(rng, min_floors),
                Row::Tower { floors } => vec![tower(rng, floors)],
            };
            let sizes: Vec<(f64, f64)> = specs.iter().map(extent).collect();
            let width: f64 = sizes.iter().map(|s| s.0).sum::<f64>() + MIN_GAP * (sizes.len() - 1) as f64;
            if count + specs.len() > cap || x + width > region.x1 || sizes.iter().any(|s| y + s.1 > region.y1) {
                break;
            }
            let mut buildings = Vec::with_capacity(specs.len());
            for (spec, (w, h)) in specs.iter().zip(&sizes) {
                buildings.push(place(rng, spec, (x + w / 2.0, y + h / 2.0), angle));
                x += w + MIN_GAP;
                row_height = row_height.max(*h);
            }
            x += rng.random_range(item_gap.0..item_gap.1) - MIN_GAP;
            count += buildings.len();
            groups.push(Group { bounds: bounds_of(&buildings), buildings });
        }
        if groups.len() == first_group {
            break;
        }
        // Spread the row's slack to both ends so rows look centred, not left-aligned.
        let row_right = groups[groups.len() - 1].bounds.x1 - MICRO_MARGIN;
        let dx = rng.random_range(0.0..=(region.x1 - row_right));
        for group in &mut groups[first_group..] {
            shift(group, dx, 0.0);
        }
        y += row_height + rng.random_range(row_gap.0..row_gap.1);
    }
    let top = groups.iter().map(|g| g.bounds.y1 - MICRO_MARGIN).fold(region.y0, f64::max);
    let dy = (region.y1 - top) / 2.0;
    for group in &mut groups {
        shift(group, 0.0, dy);
    }
    groups
}

fn place(rng: &mut ChaCha8Rng, spec: &Spec, (cx, cy): (f64, f64), angle: f64) -> Placed {
    let (a, b) = (spec.length / 2.0, spec.depth / 2.0);
    let (sin, cos) = small_sin_cos(angle);
    let corner = |sx: f64, sy: f64| (cx + sx * a * cos - sy * b * sin, cy + sx * a * sin + sy * b * cos);
    let households = spec.households();
    Placed {
        corners: [corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0)],
        floors: spec.floors,
        units: spec.units,
        households,
        population: (f64::from(households) * rng.random_range(2.5..=3.0)).round() as u32,
        has_elevator: spec.floors > 7,
    }
}

/// Sine and cosine of a small angle (|angle| ≤ 0.1 rad, error < 1e-12) from basic arithmetic
/// only, which IEEE 754 makes identical on every platform, unlike the libm functions.
fn small_sin_cos(angle: f64) -> (f64, f64) {
    debug_assert!(angle.abs() <= 0.1);
    let a2 = angle * angle;
    let sin = angle * (1.0 - a2 / 6.0 * (1.0 - a2 / 20.0 * (1.0 - a2 / 42.0)));
    let cos = 1.0 - a2 / 2.0 * (1.0 - a2 / 12.0 * (1.0 - a2 / 30.0));
    (sin, cos)
}

fn bounds_of(buildings: &[Placed]) -> Bounds {
    let mut corners = buildings.iter().flat_map(|b| b.corners);
    let (x, y) = corners.next().expect("a group has buildings");
    corners.fold(Bounds { x0: x, y0: y, x1: x, y1: y }, |acc, (x, y)| acc.union(Bounds { x0: x, y0: y, x1: x, y1: y })).inset(-MICRO_MARGIN)
}

fn shift(group: &mut Group, dx: f64, dy: f64) {
    for building in &mut group.buildings {
        for corner in &mut building.corners {
            *corner = (corner.0 + dx, corner.1 + dy);
        }
    }
    let b = group.bounds;
    group.bounds = Bounds { x0: b.x0 + dx, y0: b.y0 + dy, x1: b.x1 + dx, y1: b.y1 + dy };
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn small_sin_cos_matches_libm() {
        for angle in [-0.1, -0.08, -0.01, 0.0, 0.03, 0.08, 0.1] {
            let (sin, cos) = small_sin_cos(angle);
            assert!((sin - f64::sin(angle)).abs() < 1e-12 && (cos - f64::cos(angle)).abs() < 1e-12);
        }
    }

    #[test]
    fn tower_shapes_exist() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for floors in 11..=33 {
            let spec = tower(&mut rng, (floors, floors));
            assert!(MICRO_HOUSEHOLDS.contains(&spec.households()), "{floors} floors");
            assert!((30.0..=70.0).contains(&spec.length) && (10.0..=20.0).contains(&spec.depth));
        }
    }

    #[test]
    fn fill_stays_inside_the_region_and_respects_the_cap() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let region = Bounds { x0: 0.0, y0: 0.0, x1: 200.0, y1: 180.0 };
        for style in [Style::Old, Style::Resettlement, Style::SuperLarge, Style::Commodity, Style::Towers] {
            let groups = fill(&mut rng, region, style, 0.06, usize::MAX);
            assert!(!groups.is_empty());
            for g in &groups {
                assert_eq!(g.bounds, g.bounds.intersection(region.inset(-MICRO_MARGIN)), "{style:?}");
                assert!(MICRO_HOUSEHOLDS.contains(&g.buildings.iter().map(|b| b.households).sum()));
            }
        }
        let capped = fill(&mut rng, region, Style::Towers, 0.0, 3);
        assert_eq!(capped.iter().map(|g| g.buildings.len()).sum::<usize>(), 3);
    }
}
