//! Planner analytics on a generated city (default 1,000,000 buildings and 1,000,000
//! reports; `MINSHENG_BENCH_BUILDINGS` and `MINSHENG_BENCH_REPORTS` override): hexagons
//! with hot spots for the whole city, report tiles at z10 and z14 (uncached), the ranked
//! problem list and the timeline.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::InteriorPoint;
use h3o::Resolution;
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::index::reports::{ReportPoints, ReportQuery};
use minsheng::model::reports::{CaseState, CaseTimes, Category, ReportRow};
use minsheng::services::analytics::stats::{self, GroupBy, Interval};
use minsheng::services::analytics::{heatmap, tiles};
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::tiles::TileCoord;
use rand::{Rng, SeedableRng};

const YEAR: i64 = 365 * 86_400;
/// The benchmarks time the work itself on the whole city, beyond what one request may ask.
const UNBOUNDED: Limits = Limits { hexagons: usize::MAX, ..Limits::ANONYMOUS };
const NOW: i64 = 1_795_000_000;

fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// The city, and a year of reports at its buildings: half the buildings never report,
/// the rest with a skew (a few compounds report much more), categories and states mixed.
fn city() -> (Snapshot, ReportPoints) {
    let buildings = number("MINSHENG_BENCH_BUILDINGS", 1_000_000);
    let reports = number("MINSHENG_BENCH_REPORTS", 1_000_000);
    let snapshot = Snapshot::build(generate(&DemoOptions { buildings, ..DemoOptions::default() }), 0).expect("consistent data");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let data = &snapshot.data;
    let rows = (0..reports)
        .map(|i| {
            // Squaring a uniform number skews towards the first buildings: hot places exist.
            let u: f64 = rng.random();
            let b = ((u * u) * (data.buildings.len() as f64)) as usize % data.buildings.len();
            let building = &data.buildings[b];
            let p = building.geometry.interior_point().expect("buildings have area");
            let links = snapshot.building_links(b as u32);
            let community = snapshot.grid_links(links.grid).community;
            ReportRow {
                id: i as i64 + 1,
                lon: p.x(),
                lat: p.y(),
                category: Category::ALL[rng.random_range(0..Category::ALL.len())],
                state: CaseState::ALL[rng.random_range(0..CaseState::ALL.len())],
                created_at: NOW - rng.random_range(0..YEAR),
                compound_id: building.compound_id.clone(),
                grid_id: data.grids[links.grid as usize].id.clone(),
                community_id: data.communities[community as usize].id.clone(),
                street_id: data.streets[snapshot.community_street(community) as usize].id.clone(),
                times: CaseTimes::default(),
            }
        })
        .collect();
    let mut points = ReportPoints::default();
    points.apply(rows, 1);
    (snapshot, points)
}

fn bench_analytics(c: &mut Criterion) {
    let (snapshot, points) = city();
    // Building cells are worked out once per snapshot, and the reports' cells once per
    // resolution (then kept in step by syncs); do both before timing.
    for resolution in [Resolution::Eight, Resolution::Nine] {
        black_box(snapshot.building_cells(resolution));
        black_box(points.cells(resolution));
    }
    let everything = ReportQuery::default();
    let parking = ReportQuery { categories: vec![Category::Parking], ..ReportQuery::default() };
    let mut group = c.benchmark_group("analytics");
    group.sample_size(20);
    for (name, resolution) in [("hexagons_city_res8", Resolution::Eight), ("hexagons_city_res9", Resolution::Nine)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    heatmap::hexagons(&snapshot, &points, &everything, resolution, 1, &UNBOUNDED, &Budget::unlimited()).unwrap().len(),
                )
            })
        });
    }
    group.bench_function("hexagons_city_res8_parking", |b| {
        b.iter(|| {
            black_box(
                heatmap::hexagons(&snapshot, &points, &parking, Resolution::Eight, 1, &UNBOUNDED, &Budget::unlimited()).unwrap().len(),
            )
        })
    });
    // Tiles where the reports are densest (the first buildings) and the city's middle.
    let dense = snapshot.data.buildings[0].geometry.interior_point().unwrap();
    let [w, s, e, n] = snapshot.bounds().unwrap();
    for (name, z, lon, lat) in [
        ("report_tile_z10_centre", 10, (w + e) / 2.0, (s + n) / 2.0),
        ("report_tile_z10_dense", 10, dense.x(), dense.y()),
        ("report_tile_z14_centre", 14, (w + e) / 2.0, (s + n) / 2.0),
        ("report_tile_z14_dense", 14, dense.x(), dense.y()),
    ] {
        let tile = TileCoord::containing(z, lon, lat).unwrap();
        group.bench_function(name, |b| b.iter(|| black_box(tiles::render(&points, &everything, tile).len())));
    }
    let period = (NOW - 30 * 86_400, NOW);
    for (name, by) in [("problems_by_compound_30d", GroupBy::Compound), ("problems_by_grid_30d", GroupBy::Grid)] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(stats::problems(&snapshot, &points, &parking, by, period, stats::DEFAULT_ROWS).rows.len()))
        });
    }
    group.bench_function("timeline_month_year", |b| {
        b.iter(|| black_box(stats::timeline(&points, &everything, Interval::Month, (NOW - YEAR, NOW), 12).unwrap().len()))
    });
    group.finish();
}

criterion_group!(benches, bench_analytics);
criterion_main!(benches);
