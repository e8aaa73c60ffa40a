//! The demo reports: deterministic, valid for the historical import, and showing the
//! backlog and the patterns the module promises, whatever the season `now` falls in.

use std::collections::HashSet;

use geo::{Distance, Haversine};

use super::*;

use crate::demo::{DemoOptions, generate as district};
use crate::index::Snapshot;
use crate::model::reports::Report;
use crate::services::reports::history::{Entry, Provenance, Stored, build_cases};

/// 2026-11-22T14:38:20+08:00
const NOW: i64 = 1_795_329_500;

fn snapshot() -> Snapshot {
    Snapshot::build(district(&DemoOptions::default()), 1).unwrap()
}

fn built(snapshot: &Snapshot, now: i64) -> Vec<Report> {
    let records = generate(&snapshot.data, now, 2024);
    let entries: Vec<Entry> = records.into_iter().enumerate().map(|(i, r)| Entry::generated(i, r)).collect();
    let provenance = Provenance { actor: "demo".into(), note: "test".into() };
    match build_cases(snapshot, &entries, &Stored::default(), now, &provenance) {
        Ok(cases) => cases.into_iter().map(|(report, _)| report).collect(),
        Err(problems) => panic!("demo cases fail the import checks: {:#?}", &problems[..problems.len().min(10)]),
    }
}

#[test]
fn same_seed_and_time_give_the_same_cases_another_seed_others() {
    let data = district(&DemoOptions::default());
    let cases = generate(&data, NOW, 2024);
    assert_eq!(cases, generate(&data, NOW, 2024));
    assert_ne!(cases, generate(&data, NOW, 2025));
    assert!(cases.iter().all(|c| c.created_at < NOW && c.created_at >= NOW - YEAR - DAY));
    assert!(cases.windows(2).all(|w| w[0].created_at <= w[1].created_at), "filed in order of their ids");
}

/// Open (received to in progress) and overdue (dispatched or in progress past the
/// deadline), as the store counts them.
fn open_and_overdue(cases: &[Report], now: i64) -> (usize, usize) {
    let open = cases.iter().filter(|c| c.state.open311_status() == "open").count();
    let overdue = cases
        .iter()
        .filter(|c| matches!(c.state, CaseState::Dispatched | CaseState::InProgress) && c.deadline_at.is_some_and(|d| d < now))
        .count();
    (open, overdue)
}

#[test]
fn a_realistic_backlog_whatever_the_season() {
    let snapshot = snapshot();
    let households: u32 = snapshot.data.buildings.iter().map(|b| b.households).sum();
    for now in [NOW, NOW - 91 * DAY, NOW - 182 * DAY, NOW - 273 * DAY] {
        let cases = built(&snapshot, now);
        let total = cases.len() as f64;
        assert_eq!(cases.len(), (f64::from(households) * CASES_PER_HOUSEHOLD).round() as usize);
        let share = |state: CaseState| cases.iter().filter(|c| c.state == state).count() as f64 / total;
        let (open, overdue) = open_and_overdue(&cases, now);
        let (open, overdue) = (open as f64 / total, overdue as f64 / total);
        assert!((0.10..=0.15).contains(&open), "{now}: {open:.3} open");
        assert!((0.02..=0.08).contains(&overdue), "{now}: {overdue:.3} overdue");
        assert!((0.02..=0.08).contains(&share(CaseState::Duplicate)), "{now}: duplicates");
        assert!((0.01..=0.05).contains(&share(CaseState::Rejected)), "{now}: rejected");
        let closed: Vec<&Report> = cases.iter().filter(|c| c.state == CaseState::Closed).collect();
        let on_time = closed.iter().filter(|c| c.on_time == Some(true)).count() as f64 / closed.len() as f64;
        assert!((0.75..=0.95).contains(&on_time), "{now}: {on_time:.3} of closed cases on time");
        let recent: Vec<&Report> = cases.iter().filter(|c| c.created_at > now - 3 * DAY).collect();
        let recent_open = recent.iter().filter(|c| c.state.open311_status() == "open").count();
        assert!(recent_open * 10 >= recent.len() * 7, "{now}: {recent_open} of {} recent cases open", recent.len());
    }
}

#[test]
fn problems_concentrate_where_planners_expect_them() {
    let snapshot = snapshot();
    let data = &snapshot.data;
    let cases = built(&snapshot, NOW);
    let kinds: HashMap<&str, CompoundKind> = data.compounds.iter().map(|c| (c.id.as_str(), c.kind)).collect();
    let kind = &kinds;
    let households =
        |of: &dyn Fn(&Building) -> bool| -> f64 { data.buildings.iter().filter(|b| of(b)).map(|b| f64::from(b.households)).sum() };
    let in_kind = |k: CompoundKind| move |b: &Building| b.compound_id.as_deref().map(|c| kind[c]) == Some(k);
    let count = |category: Category, of: &dyn Fn(&Report) -> bool| cases.iter().filter(|c| c.category == category && of(c)).count() as f64;
    let case_in_kind = |k: CompoundKind| move |c: &Report| c.routed.compound_id.as_deref().map(|c| kind[c]) == Some(k);
    let all_households = households(&|_| true);

    let old_household_share = households(&in_kind(CompoundKind::Old)) / all_households;
    let elevator = count(Category::ElevatorInstallation, &|_| true);
    let old_elevator_share = count(Category::ElevatorInstallation, &case_in_kind(CompoundKind::Old)) / elevator;
    assert!(
        old_elevator_share > 2.0 * old_household_share,
        "elevator requests from old compounds {old_elevator_share:.3}, their household share {old_household_share:.3}"
    );

    let parking_rate = |of: &dyn Fn(&Report) -> bool, h: f64| count(Category::Parking, of) / h;
    let average = parking_rate(&|_| true, all_households);
    let super_large = parking_rate(&case_in_kind(CompoundKind::SuperLarge), households(&in_kind(CompoundKind::SuperLarge)));
    assert!(super_large > 1.3 * average, "parking per household: super-large {super_large:.4}, district {average:.4}");
    let mut by_density: Vec<(f64, &str)> =
        data.compounds.iter().map(|c| (f64::from(c.households) / c.geometry.unsigned_area(), c.id.as_str())).collect();
    by_density.sort_by(|a, b| a.0.total_cmp(&b.0));
    let denser: HashSet<&str> = by_density[by_density.len() / 2..].iter().map(|(_, id)| *id).collect();
    let dense = |c: &Report| c.routed.compound_id.as_deref().is_some_and(|id| denser.contains(id));
    let dense_households = households(&|b: &Building| b.compound_id.as_deref().is_some_and(|id| denser.contains(id)));
    let (dense, sparse) =
        (parking_rate(&dense, dense_households), parking_rate(&|c: &Report| !dense(c), all_households - dense_households));
    assert!(dense > 1.2 * sparse, "parking per household: denser compounds {dense:.4}, sparser {sparse:.4}");

    let summer = |c: &Report| {
        let month = Timestamp::from_second(c.created_at).unwrap().to_zoned(TimeZone::fixed(Offset::constant(8))).month();
        (6..=8).contains(&month)
    };
    for category in [Category::Sanitation, Category::EbikeCharging] {
        // Three summer months out of twelve: a quarter of the cases without a season.
        let share = count(category, &summer) / count(category, &|_| true);
        assert!(share > 0.35, "{category}: {share:.3} in June–August");
    }
    let evening = |c: &Report| (c.created_at + 8 * HOUR).rem_euclid(DAY) >= 19 * HOUR;
    assert!(count(Category::Noise, &evening) / count(Category::Noise, &|_| true) > 0.6, "noise comes in the evening");

    // Pets everywhere, and around the hot-spot buildings several times as often.
    let pets: Vec<Point> = cases.iter().filter(|c| c.category == Category::Pets).map(|c| Point::new(c.lon, c.lat)).collect();
    let compounds: HashSet<&str> =
        cases.iter().filter(|c| c.category == Category::Pets).filter_map(|c| c.routed.compound_id.as_deref()).collect();
    assert_eq!(compounds.len(), data.compounds.len(), "pets in every compound");
    let places = places(data, &mut ChaCha8Rng::seed_from_u64(2024));
    let (mut hot, mut other) = ((0.0, 0.0), (0.0, 0.0));
    for place in &places {
        let centre = place.building.geometry.centroid().unwrap();
        let near = pets.iter().filter(|p| Haversine.distance(centre, **p) < 35.0).count() as f64;
        let sums = if place.pet_hot_spot { &mut hot } else { &mut other };
        (sums.0, sums.1) = (sums.0 + near, sums.1 + f64::from(place.building.households));
    }
    let (hot, other) = (hot.0 / hot.1, other.0 / other.1);
    assert!(hot > 3.0 * other, "pet cases within 35 m per household: hot spots {hot:.4}, elsewhere {other:.4}");
}
