//! The daily facilities of GB 50180-2018 Appendix B (kindergartens, schools, markets, shops,
//! parks, toilets, waste points, pharmacies…), the capacities of day-care centres, canteens
//! and schools, and how many elderly people and small children live in each building.
//!
//! All of it comes from its own ChaCha8 stream of the seed ([`FACILITY_STREAM`]) and is
//! appended after the "1+N+X" stations, so the rest of the demo (compounds, buildings,
//! stations, ids, walkways) is the same as without it. First come the district's own
//! facilities (per street, community and block), then what each compound's plan brought
//! inside its walls or by its gate (配套, [`supporting::inside`]), from a second stream of
//! that seed.
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

use super::layout::{Bounds, Frame};
use super::stations::Site;
use crate::model::lifecircle::Rules;
use crate::model::{CompoundKind, Dataset, FacilityKind, Station};

mod supporting;

/// Added to the demo seed for this module's random stream.
pub const FACILITY_STREAM: u64 = 0x6C69_6665; // "life"
/// The ChaCha8 stream (of the same seed) that places the facilities inside the walls.
const INNER_STREAM: u64 = 1;

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
    let planned = leave_gaps(supporting::inside(&mut inner, sites, data, &has_waste_point), sites, data);
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
