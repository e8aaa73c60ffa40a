//! A year of FICTIONAL problem reports over the demo district, with the patterns a planner
//! expects: elevator requests from old walk-ups, parking in dense and super-large compounds,
//! pets everywhere with a few hot spots, sanitation and "flying wire" e-bike charging in
//! summer, noise in the evenings; most cases closed on time, a backlog of hard ones open,
//! some overdue, duplicates of earlier cases and a few rejected.
//!
//! Only what a hotline export would hold is made here ([`CaseRecord`]); routing, deadlines
//! and the audit trail come from the historical import, as for real data.

use std::collections::HashMap;

use geo::{Area, BoundingRect, Centroid, Contains, Geometry, InteriorPoint, Point};
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::people::person_name;
use crate::model::reports::{CaseRecord, CaseState, Category, Source, Tier};
use crate::model::{Building, CompoundKind, Dataset};

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;
/// Cases per household and year: about one for every five households.
const CASES_PER_HOUSEHOLD: f64 = 0.18;
/// A later case of the same category in the same compound within this time may be a repeat.
const DUPLICATE_WINDOW: i64 = 14 * DAY;
const DUPLICATE_CHANCE: f64 = 0.08;
/// Resolved after the deadline without being stuck: a busy week, a missing part.
const LATE_CHANCE: f64 = 0.08;

/// How one category behaves.
struct Profile {
    category: Category,
    /// Share of all cases.
    share: f64,
    /// Share placed in the compound's open space rather than in the building.
    outdoors: f64,
    /// Chance the case drags on for months: consent, enforcement, money.
    stall: f64,
    /// Chance it waits for a consultation (议事会) before it can be dispatched, and how long
    /// on average (days).
    consultation: (f64, f64),
    /// Chance it is refused as outside the system's remit (不予立案).
    reject: f64,
    texts: &'static [&'static str],
}

const PROFILES: [Profile; 12] = [
    Profile {
        category: Category::Parking,
        share: 0.17,
        outdoors: 0.8,
        stall: 0.18,
        consultation: (0.25, 60.0),
        reject: 0.02,
        texts: &[
            "{b}楼下消防通道长期被私家车占用",
            "小区车位不足，晚上车都停到人行道上",
            "地下车库出口被违停车辆堵住",
            "外来车辆随意进出停放，请物业加强管理",
        ],
    },
    Profile {
        category: Category::ElevatorInstallation,
        share: 0.07,
        outdoors: 0.0,
        stall: 0.4,
        consultation: (0.8, 180.0),
        reject: 0.02,
        texts: &[
            "{b}老人多，上下楼困难，申请加装电梯",
            "{b}{u}单元住户希望加装电梯，低层住户有顾虑，请求协调",
            "{b}加装电梯意见征询进展如何？",
        ],
    },
    Profile {
        category: Category::Pets,
        share: 0.12,
        outdoors: 0.6,
        stall: 0.08,
        consultation: (0.0, 0.0),
        reject: 0.02,
        texts: &["{b}附近有人遛狗不牵绳", "楼道里宠物粪便无人清理", "{b}{u}单元有住户养大型犬，夜间吠叫"],
    },
    Profile {
        category: Category::PropertyService,
        share: 0.13,
        outdoors: 0.0,
        stall: 0.1,
        consultation: (0.1, 20.0),
        reject: 0.02,
        texts: &["物业报修后一周无人上门", "{b}楼道灯坏了很久没修", "物业费上涨未公示", "小区绿化长期无人打理"],
    },
    Profile {
        category: Category::Sanitation,
        share: 0.09,
        outdoors: 0.7,
        stall: 0.05,
        consultation: (0.0, 0.0),
        reject: 0.01,
        texts: &["{b}旁垃圾桶满溢，气味很大", "垃圾清运不及时，蚊蝇多", "{b}{u}单元楼道堆放杂物和垃圾"],
    },
    Profile {
        category: Category::EbikeCharging,
        share: 0.07,
        outdoors: 0.3,
        stall: 0.08,
        consultation: (0.0, 0.0),
        reject: 0.01,
        texts: &["{b}{u}单元有住户从楼上拉电线给电动车充电", "电动车停在楼道里充电，存在火灾隐患", "小区充电桩不够，居民飞线充电"],
    },
    Profile {
        category: Category::IllegalConstruction,
        share: 0.05,
        outdoors: 0.4,
        stall: 0.3,
        consultation: (0.4, 60.0),
        reject: 0.03,
        texts: &["{b}顶楼住户在楼顶搭建彩钢棚", "一楼住户圈占绿地搭建小院", "{b}底商违规扩建"],
    },
    Profile {
        category: Category::Noise,
        share: 0.10,
        outdoors: 0.3,
        stall: 0.06,
        consultation: (0.0, 0.0),
        reject: 0.03,
        texts: &["{b}{u}单元装修噪音超过规定时间", "晚上广场舞音响声音太大", "{b}楼上夜间噪音影响休息"],
    },
    Profile {
        category: Category::PublicRevenue,
        share: 0.03,
        outdoors: 0.0,
        stall: 0.3,
        consultation: (0.6, 90.0),
        reject: 0.02,
        texts: &["电梯广告收益去向不明，要求公示", "公共车位出租收入没有公开", "小区公共收益使用情况请公示"],
    },
    Profile {
        category: Category::NeighbourDispute,
        share: 0.07,
        outdoors: 0.0,
        stall: 0.15,
        consultation: (0.4, 30.0),
        reject: 0.05,
        texts: &["{b}楼上漏水到我家，协商不成", "{b}邻居在公共楼道堆放物品引发纠纷", "邻居空调外机噪音和滴水问题"],
    },
    Profile {
        category: Category::SafetyHazard,
        share: 0.05,
        outdoors: 0.3,
        stall: 0.06,
        consultation: (0.0, 0.0),
        reject: 0.01,
        texts: &["{b}外墙瓷砖脱落，存在坠落风险", "消防栓无水，灭火器过期", "{b}{u}单元楼道堆放易燃物"],
    },
    Profile {
        category: Category::Other,
        share: 0.05,
        outdoors: 0.0,
        stall: 0.1,
        consultation: (0.0, 0.0),
        reject: 0.10,
        texts: &["希望小区增设健身器材", "小区门禁经常损坏", "咨询社区老年食堂开放时间"],
    },
];

/// A building with what makes it more or less prone to each problem.
struct Place<'a> {
    building: &'a Building,
    compound: Option<&'a Geometry>,
    kind: Option<CompoundKind>,
    managed: bool,
    /// Households per area of the compound, relative to the district's (1 = average).
    density: f64,
    /// A building where pets are a known nuisance.
    pet_hot_spot: bool,
    /// How slowly the bodies answering here work (1 = the district's usual pace): the
    /// property company for property matters, the community for the rest. Units differ, so
    /// the performance board has a spread to show.
    property_pace: f64,
    community_pace: f64,
}

/// A body's pace, fixed by its name so that the same company is as slow in every compound
/// it manages: from brisk (0.6) to sluggish (1.8).
fn pace_of(name: &str) -> f64 {
    const PACES: [f64; 6] = [0.6, 0.8, 1.0, 1.0, 1.3, 1.8];
    let hash = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PACES[hash as usize % PACES.len()]
}

/// Relative chance that a case of `category` comes from this building.
fn weight(category: Category, place: &Place) -> f64 {
    use CompoundKind::*;
    let b = place.building;
    let kind = |factors: [f64; 4]| match place.kind {
        Some(Old) => factors[0],
        Some(Resettlement) => factors[1],
        Some(SuperLarge) => factors[2],
        Some(Commodity) | None => factors[3],
    };
    let factor = match category {
        // Walk-ups of four floors or more; the older the estate, the older the residents.
        Category::ElevatorInstallation if b.has_elevator => 0.0,
        Category::ElevatorInstallation if b.floors < 4 => 0.1,
        Category::ElevatorInstallation => f64::from(b.floors - 3) * kind([2.0, 1.0, 1.0, 1.0]),
        Category::Parking => place.density * kind([1.0, 1.3, 1.8, 0.8]),
        Category::Pets if place.pet_hot_spot => 12.0,
        Category::Pets => 1.0,
        Category::PropertyService if !place.managed => 0.4,
        Category::PropertyService => kind([1.2, 1.6, 1.3, 1.0]),
        Category::Sanitation => kind([1.8, 1.5, 1.0, 1.0]),
        Category::EbikeCharging => kind([2.0, 2.0, 0.6, 0.6]),
        Category::IllegalConstruction => kind([2.5, 1.5, 0.5, 0.5]),
        // Renovation noise in newer estates.
        Category::Noise => kind([1.0, 1.0, 1.3, 1.3]),
        Category::PublicRevenue if !place.managed => 0.0,
        Category::PublicRevenue => kind([0.5, 0.5, 1.5, 1.5]),
        Category::NeighbourDispute => kind([1.4, 1.0, 1.0, 1.0]),
        Category::SafetyHazard => kind([1.8, 1.3, 1.0, 1.0]),
        Category::Other => 1.0,
    };
    f64::from(b.households) * factor
}

/// Relative frequency by month (1–12, China time).
fn season(category: Category, month: i8) -> f64 {
    match (category, month) {
        (Category::Sanitation, 6..=9) => 2.2,
        (Category::EbikeCharging, 6..=8) => 2.0,
        (Category::Noise, 5..=9) => 1.4,
        // Spring Festival visitors.
        (Category::Parking, 1..=2) => 1.5,
        _ => 1.0,
    }
}
const MAX_SEASON: f64 = 2.2;

/// Generates about a year (up to `now`) of cases over `data`, the same for the same data,
/// `now` and seed. External ids are `DEMO-00001` … in order of filing.
pub fn generate(data: &Dataset, now: i64, seed: u64) -> Vec<CaseRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let places = places(data, &mut rng);
    let households: u32 = places.iter().map(|p| p.building.households).sum();
    // Categories no building can have (no walk-ups, say) are left out.
    let choosers: Vec<(usize, WeightedIndex<f64>)> = PROFILES
        .iter()
        .enumerate()
        .filter_map(|(i, p)| WeightedIndex::new(places.iter().map(|place| weight(p.category, place))).ok().map(|w| (i, w)))
        .collect();
    let Ok(categories) = WeightedIndex::new(choosers.iter().map(|(i, _)| PROFILES[*i].share)) else {
        return Vec::new();
    };
    let count = (f64::from(households) * CASES_PER_HOUSEHOLD).round() as usize;
    let mut drafts: Vec<(i64, usize, usize)> = (0..count)
        .map(|_| {
            let (profile, buildings) = &choosers[categories.sample(&mut rng)];
            let place = buildings.sample(&mut rng);
            (filed_at(&mut rng, PROFILES[*profile].category, now), *profile, place)
        })
        .collect();
    drafts.sort_by_key(|d| d.0);

    let mut latest: HashMap<(Category, &str), (String, i64, usize)> = HashMap::new();
    let mut records = Vec::with_capacity(drafts.len());
    for (n, (created_at, profile, mut place)) in drafts.into_iter().enumerate() {
        let profile = &PROFILES[profile];
        let external_id = format!("DEMO-{:05}", n + 1);
        let area = places[place].building.compound_id.as_deref().unwrap_or(&places[place].building.id);
        let earlier = latest.get(&(profile.category, area)).filter(|(_, at, _)| created_at - at <= DUPLICATE_WINDOW);
        let repeats = earlier.filter(|_| rng.random_bool(DUPLICATE_CHANCE)).cloned();
        let mut record = CaseRecord {
            external_id: external_id.clone(),
            category: profile.category,
            subcategory: None,
            source: source(&mut rng, profile.category),
            description: String::new(),
            photo_url: None,
            reporter_name: None,
            reporter_phone: None,
            lon: 0.0,
            lat: 0.0,
            state: CaseState::Received,
            created_at,
            responded_at: None,
            dispatched_at: None,
            resolved_at: None,
            closed_at: None,
            duplicate_of: None,
            unit: None,
        };
        match repeats {
            Some((target, _, target_place)) => {
                place = target_place;
                let marked = created_at + rng.random_range(HOUR..2 * DAY);
                if marked <= now {
                    (record.state, record.closed_at, record.duplicate_of) = (CaseState::Duplicate, Some(marked), Some(target));
                }
            }
            None => {
                let p = &places[place];
                let pace = if profile.category.default_tier() == Tier::Property { p.property_pace } else { p.community_pace };
                lifecycle(&mut rng, profile, &mut record, now, pace);
                if !matches!(record.state, CaseState::Rejected) {
                    latest.insert((profile.category, area), (external_id, created_at, place));
                }
            }
        }
        let p = &places[place];
        record.description = describe(&mut rng, profile, p.building, record.source);
        (record.reporter_name, record.reporter_phone) = reporter(&mut rng, record.source);
        let point = if rng.random_bool(profile.outdoors) { outdoors(&mut rng, p) } else { None };
        let point = point.unwrap_or_else(|| inside(&mut rng, &p.building.geometry));
        // 7 decimals (~1 cm), as the district's own coordinates.
        (record.lon, record.lat) = ((point.x() * 1e7).round() / 1e7, (point.y() * 1e7).round() / 1e7);
        records.push(record);
    }
    records
}

fn places<'a>(data: &'a Dataset, rng: &mut ChaCha8Rng) -> Vec<Place<'a>> {
    let compounds: HashMap<&str, _> = data.compounds.iter().map(|c| (c.id.as_str(), c)).collect();
    let communities: HashMap<&str, &str> = data.grids.iter().map(|g| (g.id.as_str(), g.community_id.as_str())).collect();
    let (households, area) =
        data.compounds.iter().fold((0.0, 0.0), |(h, a), c| (h + f64::from(c.households), a + c.geometry.unsigned_area()));
    let mean_density = if area > 0.0 { households / area } else { 1.0 };
    let hot_spots: Vec<usize> = (0..3.min(data.buildings.len())).map(|_| rng.random_range(0..data.buildings.len())).collect();
    data.buildings
        .iter()
        .enumerate()
        .map(|(i, building)| {
            let compound = building.compound_id.as_deref().and_then(|id| compounds.get(id));
            let density = compound.map_or(1.0, |c| f64::from(c.households) / c.geometry.unsigned_area().max(f64::EPSILON) / mean_density);
            Place {
                building,
                compound: compound.map(|c| &c.geometry),
                kind: compound.map(|c| c.kind),
                managed: compound.is_some_and(|c| c.property_company.is_some()),
                density,
                pet_hot_spot: hot_spots.contains(&i),
                property_pace: compound.and_then(|c| c.property_company.as_deref()).map_or(1.0, pace_of),
                community_pace: communities.get(building.grid_id.as_str()).map_or(1.0, |c| pace_of(c)),
            }
        })
        .collect()
}

/// A filing time in the year before `now`: months weighted by the category's season, hours
/// by who files (evenings for noise), China time. Use grows over the year as residents learn
/// of the channels: the last month sees about half as many cases again as the first.
fn filed_at(rng: &mut ChaCha8Rng, category: Category, now: i64) -> i64 {
    let china = TimeZone::fixed(Offset::constant(8));
    loop {
        let age = rng.random_range(0..YEAR);
        let day = now - age;
        let month = Timestamp::from_second(day).map(|t| t.to_zoned(china.clone()).month()).unwrap_or(1);
        let growth = 1.5 - 0.5 * age as f64 / YEAR as f64;
        if !rng.random_bool(season(category, month) * growth / (MAX_SEASON * 1.5)) {
            continue;
        }
        let local = day + 8 * HOUR;
        let midnight = local - local.rem_euclid(DAY) - 8 * HOUR;
        let hours = match category {
            Category::Noise if rng.random_bool(0.75) => 19..24,
            _ => 7..22,
        };
        let at = midnight + rng.random_range(hours) * HOUR + rng.random_range(0..HOUR);
        if at < now {
            return at;
        }
    }
}

fn source(rng: &mut ChaCha8Rng, category: Category) -> Source {
    // Grid workers find what is visible on a round; people report what disturbs them.
    let patrol =
        matches!(category, Category::Sanitation | Category::EbikeCharging | Category::IllegalConstruction | Category::SafetyHazard);
    let (resident, hotline, by_patrol) = if patrol { (0.40, 0.20, 0.32) } else { (0.58, 0.27, 0.07) };
    match rng.random::<f64>() {
        u if u < resident => Source::Resident,
        u if u < resident + hotline => Source::Hotline12345,
        u if u < resident + hotline + by_patrol => Source::Patrol,
        _ => Source::SuggestionBox,
    }
}

fn exponential(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

/// Plays the case through the workflow and records where it stands at `now`: accepted within
/// a day (or after a consultation), dispatched, handled within the deadline (or late, or
/// stuck for months), resolved, then verified and closed after the residents are called back.
/// A `pace` above 1 answers later and misses more deadlines.
fn lifecycle(rng: &mut ChaCha8Rng, profile: &Profile, record: &mut CaseRecord, now: i64, pace: f64) {
    let created = record.created_at;
    if rng.random_bool(profile.reject) {
        let at = created + rng.random_range(2 * HOUR..3 * DAY);
        if at <= now {
            (record.state, record.closed_at) = (CaseState::Rejected, Some(at));
        }
        return;
    }
    let accepted = created + (rng.random_range(HOUR / 2..DAY) as f64 * pace * pace) as i64;
    let (consult, mean_days) = profile.consultation;
    let dispatched = if rng.random_bool(consult) {
        accepted + (exponential(rng, mean_days) * DAY as f64) as i64
    } else {
        accepted + rng.random_range(2 * HOUR..3 * DAY)
    };
    let deadline = profile.category.deadline().as_secs() as f64;
    let handling = match rng.random::<f64>() {
        u if u < profile.stall => deadline * rng.random_range(1.5..4.0) + exponential(rng, 200.0) * DAY as f64,
        u if u < profile.stall + LATE_CHANCE * pace * pace => deadline * rng.random_range(1.05..2.5),
        _ => deadline * rng.random_range(0.3..0.98),
    };
    let resolved = dispatched + handling as i64;
    let closed = resolved + rng.random_range(DAY..10 * DAY);
    let verified = resolved + (closed - resolved) * rng.random_range(3..9) / 10;
    let started = dispatched + rng.random_range(HOUR..6 * HOUR);
    record.state = match now {
        t if t < accepted => CaseState::Received,
        t if t < dispatched => CaseState::Accepted,
        t if t < started => CaseState::Dispatched,
        t if t < resolved => CaseState::InProgress,
        t if t < verified => CaseState::Resolved,
        t if t < closed => CaseState::Verified,
        _ => CaseState::Closed,
    };
    let reached = |t: i64| (t <= now).then_some(t);
    record.responded_at = reached(accepted);
    record.dispatched_at = reached(dispatched);
    record.resolved_at = reached(resolved);
    record.closed_at = reached(closed);
}

fn describe(rng: &mut ChaCha8Rng, profile: &Profile, building: &Building, source: Source) -> String {
    let text = profile.texts[rng.random_range(0..profile.texts.len())];
    let unit = rng.random_range(1..=building.units.max(1));
    let text = text.replace("{b}", &building.label).replace("{u}", &unit.to_string());
    match source {
        Source::Resident => text,
        Source::Hotline12345 => format!("市民来电反映：{text}"),
        Source::Patrol => format!("网格员巡查发现：{text}"),
        Source::SuggestionBox => format!("意见箱来信：{text}"),
    }
}

/// Callers and residents usually leave a name and phone; patrols and suggestion boxes mostly not.
fn reporter(rng: &mut ChaCha8Rng, source: Source) -> (Option<String>, Option<String>) {
    let (named, phoned) = match source {
        Source::Resident => (0.85, 0.95),
        Source::Hotline12345 => (0.9, 1.0),
        Source::Patrol => (0.0, 0.0),
        Source::SuggestionBox => (0.2, 0.1),
    };
    let name = rng.random_bool(named).then(|| person_name(rng));
    // The same fictional 139-00xx block as the contact board.
    let phone = rng.random_bool(phoned).then(|| format!("139-009{}-{:04}", rng.random_range(0..10), rng.random_range(0..10_000)));
    (name, phone)
}

/// A random point inside an area (its interior point if sampling keeps missing).
fn inside(rng: &mut ChaCha8Rng, area: &Geometry) -> Point {
    sample(rng, area, area).unwrap_or_else(|| area.interior_point().unwrap_or(Point::new(0.0, 0.0)))
}

/// A point in the compound's open space within about 60 m of the building.
fn outdoors(rng: &mut ChaCha8Rng, place: &Place) -> Option<Point> {
    let compound = place.compound?;
    let centre = place.building.geometry.centroid()?;
    let (dlat, dlon) = (60.0 / 111_320.0, 60.0 / (111_320.0 * centre.y().to_radians().cos()));
    let near = Geometry::Rect(geo::Rect::new((centre.x() - dlon, centre.y() - dlat), (centre.x() + dlon, centre.y() + dlat)));
    sample(rng, &near, compound).filter(|p| !place.building.geometry.contains(p))
}

/// A uniform point of `within`'s bounding box that `area` contains, in at most 50 tries.
fn sample(rng: &mut ChaCha8Rng, within: &Geometry, area: &Geometry) -> Option<Point> {
    let bounds = within.bounding_rect()?;
    (0..50).find_map(|_| {
        let p = Point::new(rng.random_range(bounds.min().x..=bounds.max().x), rng.random_range(bounds.min().y..=bounds.max().y));
        area.contains(&p).then_some(p)
    })
}

#[cfg(test)]
mod tests;
