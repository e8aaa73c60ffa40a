//! The performance board on a generated city (default 1,000,000 buildings and 1,000,000
//! cases; `MINSHENG_BENCH_BUILDINGS` and `MINSHENG_BENCH_REPORTS` override) for every
//! grouping, and the 红黑榜. Cases follow the approach of benches/analytics.rs (a skew
//! towards the first buildings, every category and state), with answer, dispatch and
//! resolution times, units and reopenings spread so that every rate has work to do.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::InteriorPoint;
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::index::reports::ReportPoints;
use minsheng::model::reports::{CaseState, CaseTimes, Category, ReportRow};
use minsheng::services::analytics::performance::{BoardGroup, DEFAULT_ROWS, Period, board, red_black};
use rand::{Rng, SeedableRng};

const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;
const NOW: i64 = 1_795_000_000;
/// Units a city's cases are dispatched to.
const UNITS: usize = 2_000;

fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// When each step of a case in `state` happened, from its filing: answered within two
/// days, resolved within five days of dispatch, so that some are late at each step.
fn times(rng: &mut impl Rng, state: CaseState, created: i64) -> CaseTimes {
    let unit = format!("unit-{}", rng.random_range(0..UNITS));
    let mut t = CaseTimes { unit_id: Some(unit), response_due_at: created + DAY, ..CaseTimes::default() };
    if state == CaseState::Received {
        return t;
    }
    let answered = created + rng.random_range(0..2 * DAY);
    t.responded_at = Some(answered);
    if matches!(state, CaseState::Accepted | CaseState::Rejected) {
        return t;
    }
    let deadline = answered + 3 * DAY;
    (t.dispatched_at, t.deadline_at, t.original_deadline_at) = (Some(answered), Some(deadline), Some(deadline));
    if matches!(state, CaseState::Resolved | CaseState::Verified | CaseState::Closed) {
        t.resolved_at = Some(answered + rng.random_range(0..5 * DAY));
        t.reopened = u32::from(rng.random_range(0..10) == 0);
    }
    t
}

fn city() -> (Snapshot, ReportPoints) {
    let buildings = number("MINSHENG_BENCH_BUILDINGS", 1_000_000);
    let reports = number("MINSHENG_BENCH_REPORTS", 1_000_000);
    let snapshot = Snapshot::build(generate(&DemoOptions { buildings, ..DemoOptions::default() }), 0).expect("consistent data");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let data = &snapshot.data;
    let rows = (0..reports)
        .map(|i| {
            let u: f64 = rng.random();
            let b = ((u * u) * (data.buildings.len() as f64)) as usize % data.buildings.len();
            let building = &data.buildings[b];
            let p = building.geometry.interior_point().expect("buildings have area");
            let links = snapshot.building_links(b as u32);
            let community = snapshot.grid_links(links.grid).community;
            let state = CaseState::ALL[rng.random_range(0..CaseState::ALL.len())];
            let created = NOW - rng.random_range(0..YEAR);
            ReportRow {
                id: i as i64 + 1,
                lon: p.x(),
                lat: p.y(),
                category: Category::ALL[rng.random_range(0..Category::ALL.len())],
                state,
                created_at: created,
                compound_id: building.compound_id.clone(),
                grid_id: data.grids[links.grid as usize].id.clone(),
                community_id: data.communities[community as usize].id.clone(),
                street_id: data.streets[snapshot.community_street(community) as usize].id.clone(),
                times: times(&mut rng, state, created),
            }
        })
        .collect();
    let mut points = ReportPoints::default();
    points.apply(rows, 1);
    (snapshot, points)
}

fn bench_performance(c: &mut Criterion) {
    let (snapshot, points) = city();
    // Half a year against the half before: every case of the year is in one of the two.
    let period = Period { since: NOW - YEAR / 2, until: NOW, previous_since: NOW - YEAR };
    let mut group = c.benchmark_group("performance");
    group.sample_size(20);
    for by in BoardGroup::ALL {
        group.bench_function(format!("board_by_{}", by.as_str()), |b| {
            b.iter(|| black_box(board(&snapshot, &points, by, &period, NOW, DEFAULT_ROWS).rows.len()))
        });
    }
    group.bench_function("red_black", |b| b.iter(|| black_box(red_black::red_black(&snapshot, &points, &period, NOW, 3).ranked.len())));
    group.finish();
}

criterion_group!(benches, bench_performance);
criterion_main!(benches);
