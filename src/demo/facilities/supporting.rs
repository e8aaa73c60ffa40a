//! The facilities a compound's own plan brought inside its walls or by its gate (配套), and
//! how they are spread over its buildings. They come from the second stream of the
//! facilities' seed (`INNER_STREAM`), so what [`super::place`] put outside the walls stays as
//! it was without them.
//!
//! # Units
//! Local metres (see `layout`).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{PHARMACIES, Planned, SHOPS, SPACING};
use crate::demo::layout::{Bounds, CENTRE, METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON};
use crate::demo::stations::Site;
use crate::model::{CompoundKind, Dataset, FacilityKind};

/// A compound's own facilities are spread until every building is within about this walk
/// of one ([`walk_within`]): waste points and shops a little inside the residential block's
/// 250 m, gardens, toilets and kindergartens inside the 5-minute circle's 300 m (the access
/// legs and the estimate's slack take the rest).
const WASTE_REACH_M: f64 = 200.0;
const SHOP_REACH_M: f64 = 220.0;
const GARDEN_REACH_M: f64 = 250.0;
/// How far south of a building's front the facilities beside it stand.
const BESIDE_M: f64 = 3.0;
/// Buildings whose fronts are closer than this (north–south) face the same lane.
const ROW_M: f64 = 8.0;

/// The facilities a compound's own plan brought (配套), beside the buildings they serve or
/// by its gates: waste points spread so that every building has one near (except in the
/// compounds that have none), and in all but the old compounds (built before such 配套 was
/// asked of them) shops in the ground floors (底商), a central garden (中心花园) or square,
/// a kindergarten (配套幼儿园) in super-large and most commodity compounds, and by the main
/// gate a pharmacy in about half of them and a fresh-food supermarket (生鲜超市, which
/// GB 50180 counts with markets) in some.
pub(super) fn inside(rng: &mut ChaCha8Rng, sites: &[Site], data: &Dataset, has_waste_point: &[bool]) -> Vec<Planned> {
    use FacilityKind as K;
    let mut site_of = vec![usize::MAX; data.compounds.len()];
    for (i, s) in sites.iter().enumerate().rev() {
        site_of[s.compound] = i;
    }
    let index: std::collections::HashMap<&str, usize> = data.compounds.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    let mut footprints: Vec<Vec<Bounds>> = vec![Vec::new(); data.compounds.len()];
    for b in &data.buildings {
        if let Some(&c) = b.compound_id.as_deref().and_then(|id| index.get(id)) {
            footprints[c].push(metres(&b.geometry));
        }
    }
    let gates = main_gates(data);
    let mut planned = Vec::new();
    for (c, compound) in data.compounds.iter().enumerate() {
        let site = site_of[c];
        if site == usize::MAX || footprints[c].is_empty() {
            continue;
        }
        let buildings = &footprints[c];
        let ring = sites[site].compound_bounds.inset(crate::demo::network::RING);
        let mut put = |kind: K, name: &dyn Fn(usize) -> String, reach: f64, most: usize| {
            for (n, b) in spread(buildings, ring, reach, most).into_iter().enumerate() {
                let (x, y) = beside(buildings[b], kind);
                planned.push(Planned { kind, name: name(n), site, x, y });
            }
        };
        let name = &compound.name;
        if has_waste_point[c] {
            put(K::WastePoint, &|_| format!("{name}垃圾分类投放点"), WASTE_REACH_M, usize::MAX);
        }
        let (garden, gardens, toilets, kindergartens) = match compound.kind {
            CompoundKind::Old => continue,
            CompoundKind::SuperLarge => ("花园", 6, 3, 3),
            CompoundKind::Commodity => ("花园", 2, 2, usize::from(rng.random_bool(0.7))),
            CompoundKind::Resettlement => ("广场", 2, 2, usize::from(rng.random_bool(0.6))),
        };
        let first_shop = rng.random_range(0..SHOPS.len());
        put(K::ConvenienceStore, &|n| SHOPS[(first_shop + n) % SHOPS.len()].to_owned(), SHOP_REACH_M, usize::MAX);
        let numbered = |tail: &'static str| move |n: usize| format!("{name}{}{tail}", ["中心", "东", "西", "南", "北", "小"][n.min(5)]);
        put(K::ParkSquare, &numbered(garden), GARDEN_REACH_M, gardens);
        put(K::PublicToilet, &numbered("公厕"), GARDEN_REACH_M, toilets);
        put(K::Kindergarten, &|n| format!("{name}{}幼儿园", ["", "第二", "第三"][n.min(2)]), GARDEN_REACH_M, kindergartens);
        if compound.kind == CompoundKind::SuperLarge {
            put(K::PrimarySchool, &|_| format!("{name}配套小学"), f64::INFINITY, 1);
        }
        let Some(&(pavement, inside)) = gates.get(compound.id.as_str()) else { continue };
        // Either side of the gate, on the pavement.
        let mut side = -1.0;
        let mut by_gate = |kind: K, name: String| {
            side = -side;
            let (x, y) = sideways(pavement, inside, side * SPACING);
            planned.push(Planned { kind, name, site, x, y });
        };
        if rng.random_bool(0.6) {
            let name = PHARMACIES[rng.random_range(0..PHARMACIES.len())].to_owned();
            by_gate(K::Pharmacy, name);
        }
        if rng.random_bool(0.7) {
            by_gate(K::VegetableMarket, format!("{}生鲜超市", compound.name));
        }
    }
    planned
}

/// A place in local metres, east and north.
type Spot = (f64, f64);

/// Each compound's main gate (its first, `W-{id}-G1`, drawn from the street centre to the
/// pavement and on to the path inside): where it meets the pavement and the path inside,
/// in local metres, by compound id.
fn main_gates(data: &Dataset) -> std::collections::HashMap<&str, (Spot, Spot)> {
    let local = |c: geo::Coord| ((c.x - CENTRE.0) * METRES_PER_DEGREE_LON, (c.y - CENTRE.1) * METRES_PER_DEGREE_LAT);
    data.walkways
        .iter()
        .filter(|w| w.kind == "gate")
        .filter_map(|w| {
            let compound = w.id.strip_prefix("W-")?.strip_suffix("-G1")?;
            let geo::Geometry::LineString(line) = &w.geometry else { return None };
            let &[_, pavement, inside] = line.0.as_slice() else { return None };
            Some((compound, (local(pavement), local(inside))))
        })
        .collect()
}

/// The spot on the pavement `along` metres from where a gate meets it (across the gate's
/// pavement → inside direction).
fn sideways(pavement: (f64, f64), inside: (f64, f64), along: f64) -> (f64, f64) {
    let (dx, dy) = (inside.0 - pavement.0, inside.1 - pavement.1);
    let length = (dx * dx + dy * dy).sqrt().max(1e-9);
    (pavement.0 - dy / length * along, pavement.1 + dx / length * along)
}

/// A building's footprint in local metres (its bounding box).
fn metres(geometry: &geo::Geometry) -> Bounds {
    use geo::BoundingRect;
    let r = geometry.bounding_rect().expect("buildings have footprints");
    let x = |lon: f64| (lon - CENTRE.0) * METRES_PER_DEGREE_LON;
    let y = |lat: f64| (lat - CENTRE.1) * METRES_PER_DEGREE_LAT;
    Bounds { x0: x(r.min().x), y0: y(r.min().y), x1: x(r.max().x), y1: y(r.max().y) }
}

/// A spot just south of a building, between it and the lane along its front; each kind at
/// its own place along the front, so that the facilities beside one building do not stand
/// on each other.
fn beside(b: Bounds, kind: FacilityKind) -> (f64, f64) {
    use FacilityKind as K;
    let slot = [K::WastePoint, K::ConvenienceStore, K::ParkSquare, K::PublicToilet, K::Kindergarten, K::PrimarySchool]
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(0);
    (b.x0 + (b.x1 - b.x0) * (slot + 1) as f64 / 7.0, b.y0 - BESIDE_M)
}

/// Up to `most` buildings spread over the compound: the first the most central one (the
/// least far from the farthest), each next the one farthest from those chosen, until every
/// building is within `reach` of one by [`walk_within`].
fn spread(buildings: &[Bounds], ring: Bounds, reach: f64, most: usize) -> Vec<usize> {
    if most == 0 || buildings.is_empty() {
        return Vec::new();
    }
    let apart = |a: usize, b: usize| walk_within(buildings[a], buildings[b], ring);
    let n = buildings.len();
    let first =
        (0..n).map(|a| (a, (0..n).map(|b| apart(a, b)).fold(0.0, f64::max))).min_by(|a, b| a.1.total_cmp(&b.1)).map_or(0, |(a, _)| a);
    let mut chosen = vec![first];
    let mut gap: Vec<f64> = (0..n).map(|b| apart(b, first)).collect();
    while chosen.len() < most {
        let (far, &most_apart) = gap.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("some building");
        if most_apart <= reach {
            break;
        }
        chosen.push(far);
        for (b, g) in gap.iter_mut().enumerate() {
            *g = g.min(apart(b, far));
        }
    }
    chosen
}

/// About how far one walks between the fronts of two buildings of a compound: along the
/// same lane when they face it, else along the lanes to the path inside the wall (east or
/// west, whichever is shorter), up or down it, and back. The lanes run east–west between
/// the rows (see `network`); the spines of super-large compounds make some walks shorter.
fn walk_within(a: Bounds, b: Bounds, ring: Bounds) -> f64 {
    let centre = |b: Bounds| ((b.x0 + b.x1) / 2.0, b.y0 - BESIDE_M);
    let ((ax, ay), (bx, by)) = (centre(a), centre(b));
    let dy = (ay - by).abs();
    if dy < ROW_M {
        return (ax - bx).abs() + dy;
    }
    dy + ((ax - ring.x0) + (bx - ring.x0)).min((ring.x1 - ax) + (ring.x1 - bx))
}
