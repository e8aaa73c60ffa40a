//! The board's and the 红黑榜's rules on hand-made cases.

use super::red_black::{WEIGHTS, red_black};
use super::*;
use crate::model::reports::{CaseState, CaseTimes, Category, ReportRow, Tier};
use crate::model::time::parse_iso8601;
use crate::model::{Compound, CompoundKind, Dataset};
use crate::services::categories::Settings;

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

fn at(text: &str) -> i64 {
    parse_iso8601(text).unwrap()
}

fn november() -> Period {
    period::resolve(Some("2026-11"), None, None, 0).unwrap()
}

/// Judged at the end of November.
fn now() -> i64 {
    at("2026-12-01")
}

/// A case of unit `unit` in grid `grid`, filed at `created`, due an answer a day later;
/// `times` sets the rest.
fn case(id: i64, unit: &str, created: i64, state: CaseState, times: impl FnOnce(&mut CaseTimes)) -> ReportRow {
    let mut t = CaseTimes { unit_id: Some(unit.to_owned()), response_due_at: created + DAY, ..CaseTimes::default() };
    times(&mut t);
    ReportRow {
        id,
        lon: 104.05,
        lat: 30.82,
        category: Category::Parking,
        state,
        created_at: created,
        compound_id: Some(format!("CP-{unit}")),
        grid_id: format!("G-{unit}"),
        community_id: "C1".into(),
        street_id: "S1".into(),
        times: t,
    }
}

/// Answered after `answer`, dispatched then, resolved `resolve` after dispatch (none:
/// not yet), with a three-day deadline.
fn worked(t: &mut CaseTimes, created: i64, answer: i64, resolve: Option<i64>) {
    let dispatched = created + answer;
    t.responded_at = Some(dispatched);
    t.dispatched_at = Some(dispatched);
    t.deadline_at = Some(dispatched + 3 * DAY);
    t.original_deadline_at = t.deadline_at;
    t.resolved_at = resolve.map(|r| dispatched + r);
}

fn points(rows: Vec<ReportRow>) -> ReportPoints {
    let mut points = ReportPoints::default();
    points.apply(rows, 1);
    points
}

#[test]
fn every_rate_counts_what_its_definition_says() {
    let t = at("2026-11-10");
    let late_filed = now() - HOUR; // its answer is not due yet
    let rows = vec![
        // On time at every step.
        case(1, "U1", t, CaseState::Closed, |c| worked(c, t, 2 * HOUR, Some(DAY))),
        // Answered late, resolved late.
        case(2, "U1", t, CaseState::Resolved, |c| worked(c, t, 2 * DAY, Some(4 * DAY))),
        // Never answered, past due: a miss for 响应率, not accepted.
        case(3, "U1", t, CaseState::Received, |_| {}),
        // Not answered, not due yet: left out of 响应率.
        case(4, "U1", late_filed, CaseState::Received, |_| {}),
        // In progress, deadline still ahead: out of 按时办结率, a miss for 解决率.
        case(5, "U1", now() - DAY, CaseState::InProgress, |c| worked(c, now() - DAY, HOUR, None)),
        // Dispatched, deadline passed, unresolved: late.
        case(6, "U1", t, CaseState::InProgress, |c| worked(c, t, HOUR, None)),
        // Reopened once (its resolution time cleared), then resolved on time and closed.
        case(7, "U1", t, CaseState::Closed, |c| {
            worked(c, t, HOUR, Some(2 * DAY));
            c.reopened = 1;
        }),
        // Rejected in time: answered, not accepted.
        case(8, "U1", t, CaseState::Rejected, |c| c.responded_at = Some(t + HOUR)),
        // October: the period before, on time.
        case(9, "U1", at("2026-10-10"), CaseState::Closed, |c| worked(c, at("2026-10-10"), HOUR, Some(HOUR))),
        // Outside both periods.
        case(10, "U1", at("2026-09-10"), CaseState::Closed, |c| worked(c, at("2026-09-10"), HOUR, Some(HOUR))),
    ];
    let board = board(&Snapshot::empty(), &points(rows), BoardGroup::Unit, &november(), now(), DEFAULT_ROWS);
    assert_eq!(board.rows.len(), 1);
    let u1 = &board.rows[0];
    assert_eq!((u1.id.as_str(), u1.cases, u1.previous_cases), ("U1", 8, 1));
    let counts = |r: &Rate| (r.numerator, r.denominator);
    // Answered in time: 1, 5, 6, 7, 8; late: 2; unanswered past due: 3.
    assert_eq!(counts(&u1.response_rate), (5, 7));
    // Resolved by the deadline: 1, 7; late: 2 (resolved), 6 (open, past due).
    assert_eq!(counts(&u1.on_time_rate), (2, 4));
    assert_eq!(u1.on_time_rate.percent, Some(50.0));
    // Accepted: 1, 2, 5, 6, 7; resolved or closed: 1, 2, 7.
    assert_eq!(counts(&u1.resolution_rate), (3, 5));
    // Resolved at least once: 1, 2, 7; reopened: 7.
    assert_eq!(counts(&u1.reopen_rate), (1, 3));
    assert!(u1.satisfaction_rate.is_none());
    // October had one case, on time everywhere: 100 % before.
    assert_eq!(u1.on_time_rate.previous_percent, Some(100.0));
    assert_eq!((u1.on_time_rate.previous_numerator, u1.on_time_rate.previous_denominator), (1, 1));
    assert_eq!(u1.on_time_rate.change_pp, Some(-50.0));
    // Hours to answer: 2, 48, 1, 1, 1, 1 over six answered cases; to resolve: 24, 96, 48.
    assert_eq!(u1.avg_response_hours, Some(54.0 / 6.0));
    assert_eq!(u1.avg_resolution_hours, Some(168.0 / 3.0));
    assert!(u1.small_sample, "four decided on-time cases are below the minimum");
    assert_eq!(u1.rank, None);
}

/// Units A–E: (cases resolved on time, resolved late, answer delay) of (5, 1, 1 h),
/// (6, 0, 2 days), (6, 0, 1 h), (5, 1, 1 h) and (1, 0, 1 h).
fn ranking_cases() -> ReportPoints {
    let t = at("2026-11-05");
    let mut rows = Vec::new();
    let mut id = 0;
    for (unit, on_time, late, answer) in [("A", 5, 1, HOUR), ("B", 6, 0, 2 * DAY), ("C", 6, 0, HOUR), ("D", 5, 1, HOUR), ("E", 1, 0, HOUR)]
    {
        for k in 0..on_time + late {
            id += 1;
            let resolve = if k < on_time { HOUR } else { 5 * DAY };
            rows.push(case(id, unit, t, CaseState::Closed, |c| worked(c, t, answer, Some(resolve))));
        }
    }
    points(rows)
}

#[test]
fn groups_are_ranked_by_on_time_then_response_then_id_and_small_samples_are_not() {
    let board = board(&Snapshot::empty(), &ranking_cases(), BoardGroup::Unit, &november(), now(), DEFAULT_ROWS);
    let order: Vec<(&str, Option<usize>, bool)> = board.rows.iter().map(|r| (r.id.as_str(), r.rank, r.small_sample)).collect();
    assert_eq!(
        order,
        [
            ("C", Some(1), false), // 100 % on time, answered in time
            ("B", Some(2), false), // 100 % on time, answered late
            ("A", Some(3), false), // 5 of 6, a tie with D broken by id
            ("D", Some(4), false),
            ("E", None, true),
        ]
    );
    assert_eq!((board.min_sample, board.groups), (MIN_SAMPLE, 5));
    let top = super::board(&Snapshot::empty(), &ranking_cases(), BoardGroup::Unit, &november(), now(), 2);
    let shown: Vec<(&str, Option<usize>)> = top.rows.iter().map(|r| (r.id.as_str(), r.rank)).collect();
    assert_eq!((shown, top.groups), (vec![("C", Some(1)), ("B", Some(2))], 5), "the first rows in the same order");
}

#[test]
fn areas_group_by_their_column_and_companies_by_their_compounds() {
    let t = at("2026-11-05");
    let rows = vec![
        case(1, "U1", t, CaseState::Received, |_| {}),
        case(2, "U2", t, CaseState::Received, |_| {}),
        case(3, "U2", t, CaseState::Received, |c| c.unit_id = None),
    ];
    let compound = |id: &str, company: &str, households| Compound {
        id: id.into(),
        name: id.into(),
        kind: CompoundKind::Commodity,
        property_company: Some(company.into()),
        households,
        community_id: None,
        geometry: geo::Geometry::Point(geo::Point::new(104.05, 30.82)),
    };
    let data =
        Dataset { compounds: vec![compound("CP-U1", "安居物业", 100), compound("CP-U2", "安居物业", 300)], ..Dataset::default() };
    let snapshot = Snapshot::build(data, 1).unwrap();
    let points = points(rows);
    let cases = |group| {
        board(&snapshot, &points, group, &november(), now(), DEFAULT_ROWS).rows.iter().map(|r| (r.id.clone(), r.cases)).collect::<Vec<_>>()
    };
    assert_eq!(cases(BoardGroup::Unit), [("U1".to_owned(), 1), ("U2".to_owned(), 1)], "a case with no unit yet counts for none");
    assert_eq!(cases(BoardGroup::Grid), [("G-U1".to_owned(), 1), ("G-U2".to_owned(), 2)]);
    assert_eq!(cases(BoardGroup::Street), [("S1".to_owned(), 3)]);
    assert_eq!(cases(BoardGroup::PropertyCompany), [("安居物业".to_owned(), 3)]);
}

#[test]
fn the_red_and_black_lists_score_complaints_on_time_and_leave_out_small_companies() {
    let t = at("2026-11-05");
    let mut rows = Vec::new();
    let mut id = 0;
    // (compound's unit tag, property cases on time, late, other-tier cases)
    for (unit, on_time, late, other) in [("U1", 5, 0, 0), ("U2", 4, 2, 3), ("U3", 6, 0, 0), ("U4", 2, 0, 0)] {
        for k in 0..on_time + late + other {
            id += 1;
            let resolve = if k < on_time { HOUR } else { 5 * DAY };
            let mut row = case(id, unit, t, CaseState::Closed, |c| worked(c, t, HOUR, Some(resolve)));
            if k >= on_time + late {
                row.category = Category::Noise; // neighbourhood tier: not the company's
            }
            rows.push(row);
        }
    }
    let compound = |id: &str, company: &str, households| Compound {
        id: id.into(),
        name: id.into(),
        kind: CompoundKind::Commodity,
        property_company: Some(company.into()),
        households,
        community_id: None,
        geometry: geo::Geometry::Point(geo::Point::new(104.05, 30.82)),
    };
    let data = Dataset {
        compounds: vec![
            compound("CP-U1", "甲物业", 1_000),
            compound("CP-U2", "乙物业", 1_000),
            compound("CP-U3", "丙物业", 500),
            compound("CP-U4", "丁物业", 800),
            compound("CP-U5", "戊物业", 200),
        ],
        ..Dataset::default()
    };
    let snapshot = Snapshot::build(data, 1).unwrap();
    let list = red_black(&snapshot, &points(rows), &Settings::default().of_tier(Tier::Property), &november(), now(), 3);
    // Rates: 甲 5, 乙 6, 丙 12 per 1,000; 丁 (2 cases) and 戊 (none) too few.
    let ranked: Vec<(&str, f64)> = list.ranked.iter().map(|c| (c.company.as_str(), c.complaints_per_1000)).collect();
    let w = (WEIGHTS.complaints / 0.7, WEIGHTS.on_time / 0.7);
    assert_eq!(list.weights.satisfaction, 0.0);
    let expected_score = |complaint: f64, on_time: f64| w.0 * complaint + w.1 * on_time;
    // 甲: complaint score 100 × (12 − 5) / 7 = 100, on time 100; 乙: 100 × 6/7, 4 of 6; 丙: 0, 100.
    assert_eq!(ranked, [("甲物业", 5.0), ("乙物业", 6.0), ("丙物业", 12.0)]);
    let scores: Vec<f64> = list.ranked.iter().map(|c| c.score).collect();
    let expected = [expected_score(100.0, 100.0), expected_score(600.0 / 7.0, 400.0 / 6.0), expected_score(0.0, 100.0)];
    for (got, want) in scores.iter().zip(expected) {
        assert!((got - want).abs() < 1e-9, "{scores:?} against {expected:?}");
    }
    // Three ranked: one on each list, the middle one on neither.
    assert_eq!(list.red.iter().map(|c| c.company.as_str()).collect::<Vec<_>>(), ["甲物业"]);
    assert_eq!(list.black.iter().map(|c| c.company.as_str()).collect::<Vec<_>>(), ["丙物业"]);
    let excluded: Vec<(&str, u32)> = list.excluded.iter().map(|c| (c.company.as_str(), c.complaints)).collect();
    assert_eq!(excluded, [("丁物业", 2), ("戊物业", 0)]);
}

#[test]
fn a_scan_split_across_cores_adds_up_to_one_pass() {
    // Enough rows to split; groups, states and times varied by the row number.
    let start = at("2026-10-01");
    let rows: Vec<ReportRow> = (0..(PARALLEL_FROM as i64 * 2 + 17))
        .map(|i| {
            let state = CaseState::ALL[i as usize % CaseState::ALL.len()];
            case(i + 1, &format!("U{}", i % 997), start + (i * 37) % (61 * DAY), state, |t| {
                if i % 3 != 0 {
                    worked(t, start + (i * 37) % (61 * DAY), (i % 48) * HOUR, (i % 5 != 0).then_some((i % 96) * HOUR));
                }
                t.reopened = u32::from(i % 11 == 0);
            })
        })
        .collect();
    let points = points(rows);
    let snapshot = Snapshot::build(Dataset::default(), 0).unwrap();
    for group_by in [BoardGroup::Unit, BoardGroup::Grid] {
        let groups = grouping(&snapshot, &points, group_by);
        let split = scan(&points, &groups, &november(), now(), |_| true);
        let whole = scan_rows(&points, &groups, &november(), now(), &|_| true, 0..points.created_at.len());
        assert_eq!(split.iter().count(), whole.iter().count());
        for (group, tallies) in whole.iter() {
            assert_eq!(split.get(group), Some(tallies), "{group_by:?} group {group}");
        }
    }
}
