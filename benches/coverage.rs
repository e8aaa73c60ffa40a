//! Walking-network coverage on a generated city (default 1,000,000 buildings with the demo
//! generator's streets, gates and footpaths; `MINSHENG_BENCH_BUILDINGS` overrides): full
//! coverage of the kind with the most stations and of community centres, one station's isochrone, and plans for 10 new
//! sites of the kind with the fewest, among compounds (and, up to 100,000 buildings, among all
//! buildings).
//!
//! The same on the Monaco extract, as `import-osm` reads it.
//!
//! Building the network and snapping every building to it happens once per snapshot (on
//! the first coverage question); its time is printed, not benchmarked.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::{Dataset, FacilityKind};
use minsheng::network::isochrone_polygon;
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::coverage::plan::{Candidates, plan};
use minsheng::services::coverage::summary::coverage;
use minsheng::services::coverage::{Circle, stations_of};

/// The benchmarks time the work itself on the whole city, beyond what one request may ask.
const UNBOUNDED: Limits = Limits { plan_candidates: usize::MAX / 100, ..Limits::ANONYMOUS };

fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Builds the snapshot and its walking network, printing what that costs.
fn prepared(label: &str, data: Dataset) -> Snapshot {
    let started = Instant::now();
    let snapshot = Snapshot::build(data, 0).expect("consistent data");
    let indexed = started.elapsed();
    let walking = snapshot.walking();
    let network = walking.network.as_ref().expect("the city has walkways");
    eprintln!(
        "{label}: {} buildings, {} stations, {} walkways → {} nodes, {} segments; index {:.2?}, network + snapping {:.2?}; {} buildings off the network",
        snapshot.data.buildings.len(),
        snapshot.data.stations.len(),
        snapshot.data.walkways.len(),
        network.nodes().len(),
        network.edges().len(),
        indexed,
        started.elapsed() - indexed,
        walking.building_snaps.iter().filter(|s| s.is_none()).count(),
    );
    snapshot
}

/// The kind with the most stations, so the searches have the most sources.
fn busiest_kind(snapshot: &Snapshot) -> FacilityKind {
    *FacilityKind::ALL.iter().max_by_key(|&&k| stations_of(snapshot, k).len()).expect("kinds exist")
}

/// The kind with the fewest stations (but some): the widest gaps for a plan to fill.
fn sparsest_kind(snapshot: &Snapshot) -> FacilityKind {
    *FacilityKind::ALL
        .iter()
        .filter(|&&k| !stations_of(snapshot, k).is_empty())
        .min_by_key(|&&k| stations_of(snapshot, k).len())
        .expect("some kind has stations")
}

fn suite(c: &mut Criterion, group_name: &str, snapshot: &Snapshot) {
    let kind = busiest_kind(snapshot);
    let fifteen = Circle::new(None, None, None).unwrap();
    let walking = snapshot.walking();
    let network = walking.network.as_ref().unwrap();
    let station =
        stations_of(snapshot, kind).into_iter().find_map(|s| walking.station_snaps[s as usize]).expect("a station on the network");
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    // The kind with the most stations, and community centres (the kind the first figure was
    // quoted for).
    let mut kinds = vec![kind];
    if kind != FacilityKind::CommunityCentre && !stations_of(snapshot, FacilityKind::CommunityCentre).is_empty() {
        kinds.push(FacilityKind::CommunityCentre);
    }
    for kind in kinds {
        group.bench_function(format!("coverage_15min_{kind}"), |b| {
            b.iter(|| black_box(coverage(snapshot, kind, fifteen, None, &Budget::unlimited()).unwrap()))
        });
    }
    group.bench_function("isochrone_1000m_lines", |b| b.iter(|| black_box(network.isochrone(&station, 1_000.0))));
    let lines = network.isochrone(&station, 1_000.0);
    group.bench_function("isochrone_1000m_polygon", |b| b.iter(|| black_box(isochrone_polygon(&lines, 50.0))));
    let sparse = sparsest_kind(snapshot);
    // Every building as a candidate walks most of them when the gaps are wide: minutes on the
    // city, so only where it is small.
    let choices: &[(&str, Candidates)] = if snapshot.data.buildings.len() <= 100_000 {
        &[("compounds", Candidates::Compounds), ("buildings", Candidates::Buildings)]
    } else {
        &[("compounds", Candidates::Compounds)]
    };
    for (name, candidates) in choices {
        group.bench_function(format!("plan_k10_{name}_{sparse}"), |b| {
            b.iter(|| black_box(plan(snapshot, sparse, fifteen, None, 10, candidates, None, &UNBOUNDED, &Budget::unlimited()).unwrap()))
        });
        let answer = plan(snapshot, sparse, fifteen, None, 10, candidates, None, &UNBOUNDED, &Budget::unlimited()).unwrap();
        eprintln!(
            "{group_name}: plan for {sparse} among {name}: {} candidates, {} walked; households covered {:.1} % → {:.1} %",
            answer.candidates,
            answer.candidates_evaluated,
            answer.households_share_before * 100.0,
            answer.picks.last().map_or(answer.households_share_before, |p| p.households_share) * 100.0
        );
    }
    group.finish();
}

fn monaco(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monaco.osm.pbf");
    let city = minsheng::import::osm::read_city(&path).expect("the fixture reads");
    let snapshot = prepared("monaco", city.data);
    suite(c, "coverage_monaco", &snapshot);
}

fn city(c: &mut Criterion) {
    let buildings = number("MINSHENG_BENCH_BUILDINGS", 1_000_000);
    if buildings == 0 {
        return; // Monaco only
    }
    let snapshot = prepared("city", generate(&DemoOptions { buildings, ..DemoOptions::default() }));
    suite(c, "coverage_city", &snapshot);
}

criterion_group!(benches, monaco, city);
criterion_main!(benches);
