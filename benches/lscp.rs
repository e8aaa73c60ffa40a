//! The set-covering plan (`"objective": "lscp"`) on a generated city (default 1,000,000
//! buildings; `MINSHENG_BENCH_BUILDINGS` overrides): the fewest compounds' sites that bring
//! 95 % of the households within the walk of the kind's own life circle, for the kind with
//! the fewest stations among those of the shortest circle (the widest gaps per search).
//! Every candidate's walking reach is worked out, then Cbc (through good_lp) solves the aggregated model.
//!
//! Building the snapshot and its walking network happens once and is printed, not timed.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::FacilityKind;
use minsheng::model::lifecircle::Rules;
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::coverage::plan::{Candidates, Goal, plan_for};
use minsheng::services::coverage::{Circle, stations_of};

/// The benchmark times the work itself on the whole city, beyond what one request may ask.
const UNBOUNDED: Limits = Limits { plan_candidates: usize::MAX / 100, ..Limits::ANONYMOUS };

fn city(c: &mut Criterion) {
    let buildings = std::env::var("MINSHENG_BENCH_BUILDINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let started = Instant::now();
    let snapshot = Snapshot::build(generate(&DemoOptions { buildings, ..DemoOptions::default() }), 0).expect("consistent data");
    let _ = snapshot.walking();
    eprintln!(
        "city: {buildings} buildings, {} compounds; generated and indexed in {:.2?}",
        snapshot.data.compounds.len(),
        started.elapsed()
    );
    let rules = Rules::default();
    let shortest = FacilityKind::ALL.iter().map(|&k| rules.of(k).limit_m).fold(f64::INFINITY, f64::min);
    let kind = *FacilityKind::ALL
        .iter()
        .filter(|&&k| rules.of(k).limit_m == shortest && !stations_of(&snapshot, k).is_empty())
        .min_by_key(|&&k| stations_of(&snapshot, k).len())
        .expect("a kind of the shortest circle has stations");
    let circle = Circle::new(None, Some(shortest), None).unwrap();
    let goal = Goal { group: Some(minsheng::model::DemandGroup::Households), ..Goal::lscp(0.95) };
    let run = || plan_for(&snapshot, kind, circle, None, &goal, &Candidates::Compounds, None, &UNBOUNDED, &Budget::unlimited()).unwrap();
    let answer = run();
    eprintln!(
        "lscp for {kind} at {shortest} m among compounds: {} candidates, {} walked; {} sites (greedy {:?}, lower bound {:?}, optimal {}); households {:.1} % → {:.1} %",
        answer.candidates,
        answer.candidates_evaluated,
        answer.picks.len(),
        answer.greedy_sites,
        answer.lower_bound,
        answer.optimal,
        answer.demand_share_before * 100.0,
        answer.achieved_share * 100.0,
    );
    let mut group = c.benchmark_group("lscp_city");
    group.sample_size(10);
    group.bench_function(format!("lscp_95_{kind}_compounds"), |b| b.iter(|| black_box(run())));
    group.finish();
}

criterion_group!(benches, city);
criterion_main!(benches);
