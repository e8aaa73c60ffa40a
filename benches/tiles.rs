//! Uncached tile encoding on a generated city (default 1,000,000 buildings;
//! `MINSHENG_BENCH_BUILDINGS` overrides): buildings alone and the map page's composite.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::InteriorPoint;
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::Layer;
use minsheng::services::tiles::{TileCache, TileCoord, render};

fn city() -> Snapshot {
    let buildings = std::env::var("MINSHENG_BENCH_BUILDINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    Snapshot::build(generate(&DemoOptions { buildings, ..DemoOptions::default() }), 0).expect("consistent data")
}

fn bench_tiles(c: &mut Criterion) {
    let snapshot = city();
    let step = (snapshot.data.buildings.len() / 64).max(1);
    let places: Vec<_> = snapshot.data.buildings.iter().step_by(step).map(|b| b.geometry.interior_point().unwrap()).collect();
    let mut group = c.benchmark_group("tile_uncached");
    for (name, layers) in
        [("buildings", vec![Layer::Buildings]), ("page_composite", vec![Layer::Grids, Layer::Compounds, Layer::Buildings, Layer::Stations])]
    {
        for z in [14u8, 15, 16] {
            let tiles: Vec<TileCoord> = places.iter().map(|p| TileCoord::containing(u32::from(z), p.x(), p.y()).unwrap()).collect();
            let mut i = 0;
            group.bench_with_input(BenchmarkId::new(format!("{name}_encode"), z), &z, |b, _| {
                b.iter(|| {
                    i = (i + 1) % tiles.len();
                    black_box(render(&snapshot, &layers, tiles[i]));
                })
            });
            group.bench_with_input(BenchmarkId::new(format!("{name}_encode_gzip"), z), &z, |b, _| {
                b.iter(|| {
                    i = (i + 1) % tiles.len();
                    black_box(TileCache::render_uncached(&snapshot, &layers, tiles[i]));
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_tiles);
criterion_main!(benches);
