//! The set-covering plan (`"objective": "lscp"`) on a generated city (default 1,000,000
//! buildings; `MINSHENG_BENCH_BUILDINGS` overrides): issue 17's question, the fewest compounds'
//! sites that bring 95 % of the elderly within 10 minutes (500 m) of an elderly day-care
//! centre. Every candidate's walking reach is worked out, then Cbc (through good_lp) solves
//! the aggregated model from the greedy answer.
//!
//! Building the snapshot and its walking network happens once and is printed, not timed.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::{CircleLevel, DemandGroup, FacilityKind};
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::coverage::Circle;
use minsheng::services::coverage::plan::{Candidates, Goal, plan_for};

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
    let kind = FacilityKind::ElderlyDayCare;
    let circle = Circle::new(None, Some(CircleLevel::TenMinutes.default_limit_m()), None).unwrap();
    let goal = Goal { group: Some(DemandGroup::Elderly), ..Goal::lscp(0.95) };
    let run = || plan_for(&snapshot, kind, circle, None, &goal, &Candidates::Compounds, None, &UNBOUNDED, &Budget::unlimited()).unwrap();
    let first = Instant::now();
    let answer = run();
    eprintln!(
        "lscp for {kind} at {} m among compounds, first run {:.2?}: {} candidates, {} walked; {} sites (greedy {:?}, lower bound {:?}, optimal {}); elderly {:.1} % → {:.1} %",
        circle.limit_m,
        first.elapsed(),
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
