//! Locate on a generated city (default 1,000,000 buildings; `MINSHENG_BENCH_BUILDINGS`
//! overrides). Measures the in-process lookup only: index built once, points precomputed.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{BoundingRect, InteriorPoint, Point};
use minsheng::crs::Crs;
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::Layer;
use minsheng::services::locate::locate;

fn city() -> Snapshot {
    let buildings = std::env::var("MINSHENG_BENCH_BUILDINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let started = Instant::now();
    let data = generate(&DemoOptions { buildings, ..DemoOptions::default() });
    eprintln!("generated {} buildings in {:.1?}", data.buildings.len(), started.elapsed());
    let started = Instant::now();
    let snapshot = Snapshot::build(data, 0).expect("generated data is consistent");
    eprintln!("index built in {:.1?}", started.elapsed());
    snapshot
}

fn bench_locate(c: &mut Criterion) {
    let snapshot = city();
    let buildings = &snapshot.data.buildings;
    // Spread probes over the whole city, in a scrambled order so caches do not flatter us.
    let step = (buildings.len() / 4096).max(1);
    let mut inside: Vec<Point> = buildings.iter().step_by(step).map(|b| b.geometry.interior_point().unwrap()).collect();
    let mut beside: Vec<Point> = buildings
        .iter()
        .step_by(step)
        .map(|b| {
            let r = b.geometry.bounding_rect().unwrap();
            Point::new(r.max().x + 0.00005, r.center().y) // about 5 m east of the footprint
        })
        .collect();
    let scramble = |points: &mut Vec<Point>| {
        let n = points.len();
        for i in 0..n {
            points.swap(i, (i * 7919) % n);
        }
    };
    scramble(&mut inside);
    scramble(&mut beside);

    let mut group = c.benchmark_group("locate");
    let mut i = 0;
    group.bench_function("inside_building", |b| {
        b.iter(|| {
            i = (i + 1) % inside.len();
            black_box(locate(&snapshot, black_box(inside[i]), Crs::Wgs84));
        })
    });
    // Residents of one district asking over and over: the same few thousand buildings,
    // so the index pages they touch stay in cache.
    let district: Vec<Point> = buildings.iter().take(4096).map(|b| b.geometry.interior_point().unwrap()).collect();
    group.bench_function("inside_building_one_district", |b| {
        b.iter(|| {
            i = (i + 1) % district.len();
            black_box(locate(&snapshot, black_box(district[i]), Crs::Wgs84));
        })
    });
    group.bench_function("near_building", |b| {
        b.iter(|| {
            i = (i + 1) % beside.len();
            black_box(locate(&snapshot, black_box(beside[i]), Crs::Wgs84));
        })
    });
    group.bench_function("inside_building_to_json", |b| {
        b.iter(|| {
            i = (i + 1) % inside.len();
            black_box(serde_json::to_vec(&locate(&snapshot, black_box(inside[i]), Crs::Wgs84)).unwrap());
        })
    });
    group.finish();

    // The parts of a lookup, to see where the time goes.
    let mut group = c.benchmark_group("locate_parts");
    group.bench_function("building_at", |b| {
        b.iter(|| {
            i = (i + 1) % inside.len();
            black_box(snapshot.building_at(black_box(inside[i])));
        })
    });
    group.bench_function("grid_at", |b| {
        b.iter(|| {
            i = (i + 1) % inside.len();
            black_box(snapshot.grid_at(black_box(inside[i])));
        })
    });
    group.bench_function("nearest_3_stations", |b| {
        b.iter(|| {
            i = (i + 1) % inside.len();
            black_box(snapshot.nearest_stations(black_box(inside[i]), 3, None));
        })
    });
    group.bench_function("nearest_building_50m", |b| {
        b.iter(|| {
            i = (i + 1) % beside.len();
            black_box(snapshot.nearest_area(Layer::Buildings, black_box(beside[i]), 50.0));
        })
    });
    group.finish();
}

criterion_group!(benches, bench_locate);
criterion_main!(benches);
