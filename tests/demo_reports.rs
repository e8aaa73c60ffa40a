//! The demo district comes with about a year of reports, stored like imported hotline
//! cases: legal audit trails, deadlines from dispatch, duplicates linked to earlier cases,
//! and a current backlog.

mod common;

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use minsheng::model::reports::{CaseState, Category, Source, closure_on_time};
use minsheng::store::{AreaLevel, ReportFilter};

#[tokio::test]
async fn seeded_reports_are_consistent_cases_with_a_current_backlog() {
    let catalog = common::demo_catalog().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let store = catalog.store();
    let reports = store.reports(&ReportFilter { oldest_first: true, ..ReportFilter::default() }).await.unwrap();
    let households: u32 = catalog.snapshot().data.buildings.iter().map(|b| b.households).sum();
    assert!((2_000..=4_000).contains(&reports.len()), "{} cases for {households} households", reports.len());

    let by_case: HashMap<&str, _> = reports.iter().map(|r| (r.case_number.as_str(), r)).collect();
    for report in &reports {
        assert!(report.created_at <= now && report.created_at > now - 367 * 24 * 3_600);
        assert_eq!(report.routed.tier, report.category.default_tier());
        assert_eq!(report.deadline_at, report.dispatched_at.map(|d| report.category.deadline_after(d)));
        if report.state == CaseState::Closed {
            assert!(report.on_time.is_some());
            assert_eq!(report.on_time, closure_on_time(report.deadline_at, report.resolved_at));
        }
        match (report.state, &report.duplicate_of) {
            (CaseState::Duplicate, Some(target)) => {
                let target = by_case[target.as_str()];
                assert!(target.created_at <= report.created_at && target.category == report.category, "{}", report.case_number);
            }
            (CaseState::Duplicate, None) => panic!("{} is a duplicate of nothing", report.case_number),
            (_, link) => assert_eq!(link, &None),
        }
        if report.source == Source::Patrol {
            assert_eq!(report.reporter_name, None);
        }
    }
    // Every tenth trail in full (all of them would only repeat the same checks, slower).
    for report in reports.iter().step_by(10) {
        let (_, events) = store.report(&report.case_number).await.unwrap().unwrap();
        assert_eq!((events[0].action.as_str(), events[0].at), ("submit", report.created_at));
        let mut state = CaseState::Received;
        for event in &events[1..] {
            assert_eq!(event.from_state, Some(state), "{}", report.case_number);
            let next = event.to_state.unwrap();
            assert!(state.can_move_to(next), "{}: {state} → {next}", report.case_number);
            state = next;
        }
        assert_eq!(state, report.state);
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at) && events.iter().all(|e| e.actor == "demo"));
    }

    // The store's own statistics see the backlog the generator promises.
    let counts = store.closure_counts(AreaLevel::Street, &ReportFilter::default(), now).await.unwrap();
    let (total, open, overdue) = counts.iter().fold((0, 0, 0), |(t, o, d), c| (t + c.total, o + c.open, d + c.overdue));
    let closed: u64 = counts.iter().map(|c| c.closed).sum();
    let on_time: u64 = counts.iter().map(|c| c.on_time).sum();
    let share = |n: u64| n as f64 / total as f64;
    assert!((0.10..=0.15).contains(&share(open)), "{open} of {total} open");
    // Overdue at any stage (cases waiting weeks for a consultation before dispatch are late
    // answers), and past the resolution deadline while being worked on.
    assert!((0.04..=0.15).contains(&share(overdue)), "{overdue} of {total} overdue");
    let working = [CaseState::Dispatched, CaseState::InProgress];
    let late_work = reports.iter().filter(|r| working.contains(&r.state) && r.is_overdue(now)).count() as u64;
    assert!((0.02..=0.08).contains(&share(late_work)), "{late_work} of {total} worked on past the deadline");
    assert!((0.75..=0.95).contains(&(on_time as f64 / closed as f64)), "{on_time} of {closed} closed on time");
    let rejected = reports.iter().filter(|r| r.state == CaseState::Rejected).count();
    assert!(rejected > 0 && reports.iter().any(|r| r.state == CaseState::Duplicate));
    let elevator = reports.iter().filter(|r| r.category == Category::ElevatorInstallation).count();
    assert!(elevator > 50, "{elevator} elevator requests");
}
