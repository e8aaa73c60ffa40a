//! The walking network on a jittered street grid of about 100,000 segments (224 × 224
//! nodes, ~70 m blocks, ~15 km across): building, snapping, bounded Dijkstra at the
//! 15-minute life circle (1,000 m), the isochrone of one station, greedy covering.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{Coord, LineString, Point};
use minsheng::network::{Snap, WalkNetwork, greedy_max_cover};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIDE: usize = 224;
const BLOCK_DEG: f64 = 0.0007;

/// One line per grid row and per grid column, sharing the jittered crossing coordinates.
fn grid_lines(rng: &mut ChaCha8Rng) -> Vec<LineString> {
    let at: Vec<Coord> = (0..SIDE * SIDE)
        .map(|i| Coord {
            x: 116.3 + (i % SIDE) as f64 * BLOCK_DEG + rng.random_range(-0.2..0.2) * BLOCK_DEG,
            y: 39.8 + (i / SIDE) as f64 * BLOCK_DEG + rng.random_range(-0.2..0.2) * BLOCK_DEG,
        })
        .collect();
    let rows = (0..SIDE).map(|r| LineString::new((0..SIDE).map(|c| at[r * SIDE + c]).collect()));
    let columns = (0..SIDE).map(|c| LineString::new((0..SIDE).map(|r| at[r * SIDE + c]).collect()));
    rows.chain(columns).collect()
}

fn random_point(rng: &mut ChaCha8Rng) -> Point {
    let span = SIDE as f64 * BLOCK_DEG;
    Point::new(116.3 + rng.random::<f64>() * span, 39.8 + rng.random::<f64>() * span)
}

fn bench_network(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(50180);
    let lines = grid_lines(&mut rng);
    let network = WalkNetwork::from_lines(&lines);
    eprintln!("{} nodes, {} edges", network.nodes().len(), network.edges().len());
    let points: Vec<Point> = (0..1024).map(|_| random_point(&mut rng)).collect();
    let stations: Vec<Snap> = points.iter().take(100).map(|&p| network.snap(p).unwrap()).collect();

    c.bench_function("network/from_lines_100k_edges", |b| b.iter(|| WalkNetwork::from_lines(black_box(&lines))));
    c.bench_function("network/snap_1024_points", |b| b.iter(|| points.iter().filter_map(|&p| network.snap(black_box(p))).count()));
    c.bench_function("network/dijkstra_one_station_1000m", |b| {
        b.iter(|| network.distances_from_sources(black_box(&stations[..1]), 1_000.0))
    });
    c.bench_function("network/dijkstra_100_stations_1000m", |b| b.iter(|| network.distances_from_sources(black_box(&stations), 1_000.0)));
    c.bench_function("network/dijkstra_one_station_unbounded", |b| {
        b.iter(|| network.distances_from_sources(black_box(&stations[..1]), f64::INFINITY))
    });
    let reached = network.isochrone(&stations[0], 1_000.0);
    c.bench_function("network/isochrone_1000m", |b| b.iter(|| network.isochrone(black_box(&stations[0]), 1_000.0)));
    c.bench_function("network/isochrone_polygon_1000m_buffer_50m", |b| {
        b.iter(|| minsheng::network::isochrone_polygon(black_box(&reached), 50.0))
    });

    // 10,000 buildings, 200 candidate sites, each covering the buildings within 500 m.
    let buildings: Vec<Snap> = (0..10_000).map(|_| network.snap(random_point(&mut rng)).unwrap()).collect();
    let covers: Vec<Vec<u32>> = (0..200)
        .map(|_| {
            let site = network.snap(random_point(&mut rng)).unwrap();
            let d = network.distances_from_sources(&[site], 500.0);
            (0..buildings.len() as u32).filter(|&i| network.distance_to(&d, &buildings[i as usize]).is_finite()).collect()
        })
        .collect();
    let weights: Vec<u32> = (0..buildings.len()).map(|_| rng.random_range(20..200)).collect();
    let none_covered = vec![false; buildings.len()];
    c.bench_function("network/greedy_10_of_200_sites_10k_buildings", |b| {
        b.iter(|| greedy_max_cover(black_box(&none_covered), &weights, &covers, 10))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_network
}
criterion_main!(benches);
