//! Vector-tile encoding of one z14 tile over a dense city: ~3,000 small rotated building footprints spread
//! over the tile, a few dozen of them across its edges, each with a handful of properties. Measures
//! `TileEncoder` alone (geometry prepared once, as the index hands it over).

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Coord, Geometry, LineString, Polygon};
use minsheng::mvt::{EXTENT, TileCoord, TileEncoder, Value, lon_lat_to_tile_units};

struct Building {
    id: u64,
    geometry: Geometry,
    name: String,
    floors: i64,
    kind: &'static str,
}

/// Tile units → WGS84 degrees (inverse Web Mercator), to place footprints at known spots in the tile.
fn lon_lat(tile: &TileCoord, x: f64, y: f64) -> Coord {
    let n = f64::from(1u32 << tile.z);
    let fx = (f64::from(tile.x) + x / f64::from(EXTENT)) / n;
    let fy = (f64::from(tile.y) + y / f64::from(EXTENT)) / n;
    Coord { x: fx * 360.0 - 180.0, y: (PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees() }
}

fn buildings(tile: &TileCoord) -> Vec<Building> {
    // A small deterministic generator keeps runs comparable.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let kinds = ["commodity", "old", "resettlement", "super_large"];
    let mut out = Vec::new();
    // 55 × 55 grid cells of ~76 units (~40 m at z14 over 30° N), each holding one footprint of
    // 20–60 × 12–30 units (about 10–30 m × 6–16 m), rotated at random; the outer ring of cells sits
    // across the tile's edges.
    let cells = 55;
    let cell = (f64::from(EXTENT) + 160.0) / f64::from(cells);
    for row in 0..cells {
        for col in 0..cells {
            let cx = -80.0 + (f64::from(col) + 0.5) * cell + (next() - 0.5) * 10.0;
            let cy = -80.0 + (f64::from(row) + 0.5) * cell + (next() - 0.5) * 10.0;
            let (hw, hh) = (10.0 + next() * 20.0, 6.0 + next() * 9.0);
            let (sin, cos) = (next() * PI).sin_cos();
            let corners = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh), (-hw, -hh)];
            let ring: LineString = corners.iter().map(|&(x, y)| lon_lat(tile, cx + x * cos - y * sin, cy + x * sin + y * cos)).collect();
            let id = out.len() as u64 + 1;
            out.push(Building {
                id,
                geometry: Polygon::new(ring, vec![]).into(),
                name: format!("{}号楼", id % 400),
                floors: 3 + (id % 30) as i64,
                kind: kinds[(id % 4) as usize],
            });
        }
    }
    out
}

fn encode(tile: TileCoord, buildings: &[Building]) -> Vec<u8> {
    let mut encoder = TileEncoder::new(tile);
    encoder.layer("buildings");
    for b in buildings {
        let props = [("name", Value::Str(&b.name)), ("floors", Value::Int(b.floors)), ("kind", Value::Str(b.kind))];
        encoder.add(b.id, &b.geometry, &props);
    }
    encoder.finish()
}

fn bench_encode(c: &mut Criterion) {
    // The z14 tile over central Hangzhou.
    let world = TileCoord::new(0, 0, 0).unwrap();
    let (x, y) = lon_lat_to_tile_units(&world, 120.16, 30.27);
    let scale = f64::from(1u32 << 14) / f64::from(EXTENT);
    let tile = TileCoord::new(14, (x * scale) as u32, (y * scale) as u32).unwrap();
    let city = buildings(&tile);
    let bytes = encode(tile, &city);
    eprintln!("{} buildings → {} bytes", city.len(), bytes.len());

    let mut group = c.benchmark_group("tiles_encode");
    group.bench_function("z14_3000_buildings", |b| b.iter(|| black_box(encode(black_box(tile), black_box(&city)))));
    // The same footprints seen from z12, where the tile is 4× wider: features shrink to a few units.
    let z12 = TileCoord::new(12, tile.x / 4, tile.y / 4).unwrap();
    group.bench_function("z12_same_buildings", |b| b.iter(|| black_box(encode(black_box(z12), black_box(&city)))));
    group.finish();
}

criterion_group!(benches, bench_encode);
criterion_main!(benches);
