//! The life-circle check on a generated city (default 1,000,000 buildings with the demo
//! generator's streets and footpaths; `MINSHENG_BENCH_BUILDINGS` overrides): every compound
//! against every facility kind (one multi-source search per kind over the whole district,
//! the kinds spread over the cores), and one compound's check. The target for the district
//! is under 5 s on the 1M-building city (issue 17, point 9).
//!
//! Building the network and snapping every building happens once per snapshot (on the
//! first question); its time is printed, not benchmarked.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::lifecircle::Rules;
use minsheng::services::cost::Budget;
use minsheng::services::lifecircle::{Question, check_all, check_compound};

fn number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

fn city(c: &mut Criterion) {
    let buildings = number("MINSHENG_BENCH_BUILDINGS", 1_000_000);
    let started = Instant::now();
    let data = generate(&DemoOptions { buildings, ..DemoOptions::default() });
    let generated = started.elapsed();
    let snapshot = Snapshot::build(data, 0).expect("consistent data");
    let indexed = started.elapsed() - generated;
    let network = snapshot.walking().network.as_ref().expect("the city has walkways");
    eprintln!(
        "city: {} buildings, {} compounds, {} stations → {} nodes, {} segments; generated {generated:.2?}, index {indexed:.2?}, network + snapping {:.2?}",
        snapshot.data.buildings.len(),
        snapshot.data.compounds.len(),
        snapshot.data.stations.len(),
        network.nodes().len(),
        network.edges().len(),
        started.elapsed() - generated - indexed,
    );
    let rules = Rules::default();
    let question = Question { group: None, method: None };
    let started = Instant::now();
    let (lines, _, _) = check_all(&snapshot, &rules, question, &Budget::unlimited()).unwrap();
    let failing = lines.iter().filter(|l| l.missing_count > 0).count();
    let mean = lines.iter().map(|l| l.score).sum::<f64>() / lines.len().max(1) as f64;
    eprintln!(
        "city: first district check {:.2?}; mean score {mean:.3}, {failing} of {} compounds miss something",
        started.elapsed(),
        lines.len()
    );

    let mut group = c.benchmark_group("lifecircle_city");
    group.sample_size(10);
    group.bench_function("every_compound_every_kind", |b| {
        b.iter(|| black_box(check_all(&snapshot, &rules, question, &Budget::unlimited()).unwrap()))
    });
    let middle = &snapshot.data.compounds[snapshot.data.compounds.len() / 2].id;
    group.bench_function("one_compound", |b| {
        b.iter(|| black_box(check_compound(&snapshot, &rules, middle, question, &Budget::unlimited()).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, city);
criterion_main!(benches);
