//! The daily facilities of GB 50180-2018 Appendix B (kindergartens, schools, markets, shops,
//! parks, toilets, waste points, pharmacies…), the capacities of day-care centres, canteens
//! and schools, and how many elderly people and small children live in each building.
//!
//! All of it comes from its own ChaCha8 stream of the seed ([`FACILITY_STREAM`]) and is
//! appended after the "1+N+X" stations, so the rest of the demo (compounds, buildings,
//! stations, ids, walkways) is the same as without it. First come the district's own
//! facilities (per street, community and block), then what each compound's plan brought
//! inside its walls or by its gate (配套, [`inside`]), from a second stream of that seed.
//!
//! Some gaps are left on purpose, so the life-circle check has something to find: old
//! compounds have no 配套 beyond their waste points (and some not even those); the second
//! community has no kindergarten within [`KINDERGARTEN_GAP_M`] of any of its compounds,
//! and its old compound no vegetable market within [`MARKET_GAP_M`].
//!
//! # Units
//! Local metres (see `layout`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::layout::{Bounds, CENTRE, Frame, METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON};
use super::stations::Site;
use crate::model::lifecircle::Rules;
use crate::model::{CompoundKind, Dataset, FacilityKind, Station};

/// Added to the demo seed for this module's random stream.
pub const FACILITY_STREAM: u64 = 0x6C69_6665; // "life"
/// The ChaCha8 stream (of the same seed) that places the facilities inside the walls.
const INNER_STREAM: u64 = 1;

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

/// Share of residents aged 60+ and aged 0–5 by compound kind, before noise.
///
/// Assumptions for this fictional district, set around China's seventh census (2020:
/// 18.7 % aged 60+, about 6.5 % aged 0–5) and skewed the way surveys of Chengdu's
/// 老旧小区 describe them: pre-2000 walk-ups keep their first owners and lose young
/// families (old 30 %), resettled villagers are older than buyers of new flats
/// (resettlement 22 %), while commodity estates hold young families.
const SHARES: [(CompoundKind, f64, f64); 4] = [
    (CompoundKind::Old, 0.30, 0.04),
    (CompoundKind::Resettlement, 0.22, 0.06),
    (CompoundKind::Commodity, 0.15, 0.07),
    (CompoundKind::SuperLarge, 0.14, 0.07),
];
/// Each building's shares vary by up to this fraction either way.
const SHARE_NOISE: f64 = 0.2;

/// No kindergarten stands this close (straight line, so no walk either) to the second
/// community's compounds: more than the 300 m the 5-minute circle allows.
pub const KINDERGARTEN_GAP_M: f64 = 350.0;
/// No vegetable market stands this close to the second community's old compound: more
/// than the 10-minute circle's 500 m.
pub const MARKET_GAP_M: f64 = 550.0;

/// Spacing of facilities along a compound's side, and their distance from the wall
/// (outside: on the pavement; inside: on the compound's own path).
const SPACING: f64 = 15.0;
const OUTSIDE_WALL: f64 = 7.0;
const INSIDE_WALL: f64 = 3.0;

/// (elderly share, children share) of a compound kind.
fn shares(kind: CompoundKind) -> (f64, f64) {
    SHARES.iter().find(|s| s.0 == kind).map(|s| (s.1, s.2)).expect("every compound kind has shares")
}

/// Sets each building's elderly and children counts from its compound kind's shares.
pub fn people(rng: &mut ChaCha8Rng, data: &mut Dataset) {
    let kinds: std::collections::HashMap<&str, CompoundKind> = data.compounds.iter().map(|c| (c.id.as_str(), c.kind)).collect();
    for b in &mut data.buildings {
        let kind = b.compound_id.as_deref().and_then(|id| kinds.get(id)).copied().unwrap_or(CompoundKind::Commodity);
        let (elderly, children) = shares(kind);
        let mut count =
            |share: f64| (f64::from(b.population) * share * rng.random_range(1.0 - SHARE_NOISE..=1.0 + SHARE_NOISE)).round() as u32;
        b.elderly = Some(count(elderly));
        b.children = Some(count(children));
    }
}

/// Places (seats) of the stations that have them: day care, canteens, kindergartens and
/// schools. Kindergartens 6–12 classes of 30, primary schools 18–36 classes of 45, middle
/// schools 18–36 classes of 50 (the class sizes of China's school standards).
fn capacity(rng: &mut ChaCha8Rng, kind: FacilityKind) -> Option<u32> {
    match kind {
        FacilityKind::ElderlyDayCare => Some(5 * rng.random_range(4..=12)),
        FacilityKind::Canteen => Some(10 * rng.random_range(4..=15)),
        FacilityKind::Kindergarten => Some(30 * rng.random_range(6..=12)),
        FacilityKind::PrimarySchool => Some(45 * rng.random_range(18..=36)),
        FacilityKind::MiddleSchool => Some(50 * rng.random_range(18..=36)),
        _ => None,
    }
}

/// Gives the existing day-care centres and canteens their places.
pub fn capacities(rng: &mut ChaCha8Rng, stations: &mut [Station]) {
    for s in stations {
        s.capacity = capacity(rng, s.kind);
    }
}

fn opening_hours(kind: FacilityKind) -> Option<&'static str> {
    match kind {
        FacilityKind::Kindergarten => Some("07:30-17:30"),
        FacilityKind::PrimarySchool | FacilityKind::MiddleSchool => Some("07:30-18:00"),
        FacilityKind::HealthCentre => Some("08:00-20:00"),
        FacilityKind::VegetableMarket => Some("06:30-19:00"),
        FacilityKind::ConvenienceStore => Some("07:00-23:00"),
        FacilityKind::SportsGround | FacilityKind::ParkSquare | FacilityKind::PublicToilet => Some("06:00-22:00"),
        FacilityKind::Pharmacy => Some("08:00-22:00"),
        _ => None,
    }
}

const SHOPS: &[&str] = &["邻家便利店", "惠民超市", "鲜丰生鲜超市", "优品便利", "家和超市", "百顺便利店"];
const PHARMACIES: &[&str] = &["康泰大药房", "仁和药房", "百草堂药房", "益民药房"];
const PARKS: &[&str] = &["口袋公园", "小游园", "文化广场", "社区公园"];

/// A facility before it gets its id.
struct Planned {
    kind: FacilityKind,
    name: String,
    site: usize,
    x: f64,
    y: f64,
}

struct Placer<'a> {
    rng: &'a mut ChaCha8Rng,
    sites: &'a [Site],
    data: &'a Dataset,
    planned: Vec<Planned>,
    /// Spots used per site, outside and inside the wall.
    used: Vec<(usize, usize)>,
}

impl Placer<'_> {
    /// Puts a facility on the site's west (or, in the east half of a super-large compound,
    /// east) side: on the pavement, or on the compound's own path inside the wall. Full
    /// sides take no more.
    fn add(&mut self, site: usize, kind: FacilityKind, name: String, inside: bool) {
        let Site { cell, compound_bounds: wall, .. } = self.sites[site];
        let (y0, y1) = (cell.y0.max(wall.y0) + 12.0, cell.y1.min(wall.y1) - 12.0);
        let n = if inside { &mut self.used[site].1 } else { &mut self.used[site].0 };
        let y = y0 + SPACING * *n as f64;
        if y > y1 {
            return;
        }
        *n += 1;
        let west = wall.x0 > cell.x0;
        let x = match (west, inside) {
            (true, false) => wall.x0 - OUTSIDE_WALL,
            (true, true) => wall.x0 + INSIDE_WALL,
            (false, false) => wall.x1 + OUTSIDE_WALL,
            (false, true) => wall.x1 - INSIDE_WALL,
        };
        self.planned.push(Planned { kind, name, site, x, y });
    }

    fn pick<'s>(&mut self, list: &[&'s str]) -> &'s str {
        list[self.rng.random_range(0..list.len())]
    }

    fn community_name(&self, site: usize) -> &str {
        &self.data.communities[self.sites[site].community].name
    }

    fn street_name(&self, site: usize) -> &str {
        &self.data.streets[self.sites[site].street].name
    }
}

/// Ranges of consecutive sites with the same key.
fn groups(sites: &[Site], key: fn(&Site) -> usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, site) in sites.iter().enumerate() {
        match ranges.last_mut() {
            Some(r) if key(&sites[r.start]) == key(site) => r.end = i + 1,
            _ => ranges.push(i..i + 1),
        }
    }
    ranges
}

/// The daily facilities of the district, numbered on from the stations already placed.
pub fn place(rng: &mut ChaCha8Rng, frame: Frame, sites: &[Site], data: &Dataset) -> Vec<Station> {
    use FacilityKind as K;
    let mut p = Placer { rng, sites, data, planned: Vec::new(), used: vec![(0, 0); sites.len()] };
    for street in groups(sites, |s| s.street) {
        // The 15-minute circle: one health centre and one sports centre per street, one or
        // two middle schools.
        let site = p.rng.random_range(street.clone());
        let name = format!("{}社区卫生服务中心", p.street_name(site));
        p.add(site, K::HealthCentre, name, false);
        let site = p.rng.random_range(street.clone());
        let name = format!("{}全民健身中心", p.street_name(site));
        p.add(site, K::SportsGround, name, false);
        for n in 0..1 + usize::from(p.rng.random_bool(0.5)) {
            let site = p.rng.random_range(street.clone());
            let name = format!("{}第{}中学", p.street_name(site), ["一", "二"][n]);
            p.add(site, K::MiddleSchool, name, false);
        }
    }
    for (n, community) in groups(sites, |s| s.community).into_iter().enumerate() {
        // The first community has every kind; the second no kindergarten and no market.
        let (kindergartens, schools, markets) = match n {
            0 => (1, 1, 1),
            1 => (0, usize::from(p.rng.random_bool(0.6)), 0),
            _ => ([0, 1, 1, 2][p.rng.random_range(0..4)], usize::from(p.rng.random_bool(0.6)), usize::from(p.rng.random_bool(0.7))),
        };
        let any = |p: &mut Placer| -> usize { p.rng.random_range(community.clone()) };
        for _ in 0..kindergartens {
            let site = any(&mut p);
            let name = format!("{}幼儿园", p.community_name(site));
            p.add(site, K::Kindergarten, name, false);
        }
        for _ in 0..schools {
            let site = any(&mut p);
            let name = format!("{}小学", p.community_name(site));
            p.add(site, K::PrimarySchool, name, false);
        }
        for _ in 0..markets {
            let site = if n == 0 { community.start } else { any(&mut p) };
            let name = format!("{}农贸市场", p.community_name(site));
            p.add(site, K::VegetableMarket, name, false);
        }
        let parks = if n == 0 { 1 } else { p.rng.random_range(0..=2) };
        for _ in 0..parks {
            let site = any(&mut p);
            let tail = p.pick(PARKS);
            let name = format!("{}{tail}", p.community_name(site));
            p.add(site, K::ParkSquare, name, false);
        }
        if n != 0 && p.rng.random_bool(0.3) {
            let site = any(&mut p);
            let name = format!("{}运动场", p.community_name(site));
            p.add(site, K::SportsGround, name, false);
        }
        for _ in 0..1 + usize::from(p.rng.random_bool(0.4)) {
            let site = any(&mut p);
            let name = format!("{}公共厕所", p.community_name(site));
            p.add(site, K::PublicToilet, name, false);
        }
        for _ in 0..1 + usize::from(p.rng.random_bool(0.5)) {
            let site = any(&mut p);
            let name = p.pick(PHARMACIES).to_owned();
            p.add(site, K::Pharmacy, name, false);
        }
    }
    for (site, at) in sites.iter().enumerate() {
        // The block: shops on most streets, waste points inside most compounds (some old
        // compounds have none yet).
        for _ in 0..[0, 1, 1, 2][p.rng.random_range(0..4)] {
            let name = p.pick(SHOPS).to_owned();
            p.add(site, K::ConvenienceStore, name, false);
        }
        let compound = &data.compounds[at.compound];
        let points = if compound.kind == CompoundKind::Old && p.rng.random_bool(0.15) { 0 } else { p.rng.random_range(1..=2) };
        for _ in 0..points {
            let name = format!("{}垃圾分类投放点", compound.name);
            p.add(site, K::WastePoint, name, true);
        }
    }
    // The compounds that got no waste point keep that gap when the rest fills in.
    let mut has_waste_point = vec![false; data.compounds.len()];
    for f in p.planned.iter().filter(|f| f.kind == K::WastePoint) {
        has_waste_point[sites[f.site].compound] = true;
    }
    let planned = leave_gaps(p.planned, sites, data);
    let mut stations = number(planned, data.stations.len(), p.rng, frame, sites, data);
    // The facilities inside the walls draw from a stream of their own, so that everything
    // above (and the people drawn after this) stays as it was without them.
    let mut inner = ChaCha8Rng::from_seed(p.rng.get_seed());
    inner.set_stream(INNER_STREAM);
    let planned = leave_gaps(inside(&mut inner, sites, data, &has_waste_point), sites, data);
    stations.extend(number(planned, data.stations.len() + stations.len(), &mut inner, frame, sites, data));
    stations
}

/// Stations of planned facilities, numbered on from `first`.
fn number(planned: Vec<Planned>, first: usize, rng: &mut ChaCha8Rng, frame: Frame, sites: &[Site], data: &Dataset) -> Vec<Station> {
    use FacilityKind as K;
    let rules = Rules::default();
    planned
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let phone = matches!(f.kind, K::Kindergarten | K::PrimarySchool | K::MiddleSchool | K::HealthCentre | K::Pharmacy)
                .then(|| format!("028-8{:03}-{:04}", rng_phone(rng, 1000), rng_phone(rng, 10_000)));
            Station {
                id: format!("ST{:04}", first + i + 1),
                name: f.name,
                kind: f.kind,
                level: rules.of(f.kind).circle.station_level(),
                opening_hours: opening_hours(f.kind).map(str::to_owned),
                phone,
                community_id: Some(data.communities[sites[f.site].community].id.clone()),
                capacity: capacity(rng, f.kind),
                geometry: frame.point(f.x, f.y).into(),
            }
        })
        .collect()
}

/// The facilities a compound's own plan brought (配套), beside the buildings they serve or
/// by its gates: waste points spread so that every building has one near (except in the
/// compounds that have none), and in all but the old compounds (built before such 配套 was
/// asked of them) shops in the ground floors (底商), a central garden (中心花园) or square,
/// a kindergarten (配套幼儿园) in super-large and most commodity compounds, and by the main
/// gate a pharmacy in about half of them and a fresh-food supermarket (生鲜超市, which
/// GB 50180 counts with markets) in some.
fn inside(rng: &mut ChaCha8Rng, sites: &[Site], data: &Dataset, has_waste_point: &[bool]) -> Vec<Planned> {
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
        let ring = sites[site].compound_bounds.inset(super::network::RING);
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

fn rng_phone(rng: &mut ChaCha8Rng, below: u32) -> u32 {
    rng.random_range(0..below)
}

/// Drops what would close the gaps promised in the module comment.
fn leave_gaps(planned: Vec<Planned>, sites: &[Site], data: &Dataset) -> Vec<Planned> {
    let second: Vec<Bounds> = sites.iter().filter(|s| s.community == 1).map(|s| s.compound_bounds).collect();
    let old: Vec<Bounds> = sites
        .iter()
        .filter(|s| s.community == 1 && data.compounds[s.compound].kind == CompoundKind::Old)
        .map(|s| s.compound_bounds)
        .take(1)
        .collect();
    let near = |walls: &[Bounds], f: &Planned, m: f64| walls.iter().any(|w| distance(*w, f.x, f.y) < m);
    planned
        .into_iter()
        .filter(|f| match f.kind {
            FacilityKind::Kindergarten => !near(&second, f, KINDERGARTEN_GAP_M),
            FacilityKind::VegetableMarket => !near(&old, f, MARKET_GAP_M),
            _ => true,
        })
        .collect()
}

/// Straight-line distance from a point to a rectangle (0 inside).
pub fn distance(b: Bounds, x: f64, y: f64) -> f64 {
    let dx = (b.x0 - x).max(0.0).max(x - b.x1);
    let dy = (b.y0 - y).max(0.0).max(y - b.y1);
    // Not `hypot`: plain arithmetic is the same on every platform.
    (dx * dx + dy * dy).sqrt()
}
