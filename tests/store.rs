//! The `Store` contract: every behaviour the layers above rely on, checked by the same test
//! functions on SQLite and on PostgreSQL (`sqlite::…` and `postgres::…`).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::backend::{Backend, TestDatabase, empty_store_on};
use minsheng::demo::{DemoOptions, generate};
use minsheng::model::categories::{CategoryChange, CategorySetting};
use minsheng::model::photos::{Moderation, ModerationAction, ModerationTarget, NewPhoto, PhotoStage};
use minsheng::model::reports::{CaseState, Category, Duty, Rating, Report, ReportEvent, Role, Routed, Source, Tier};
use minsheng::model::scope::TokenScope;
use minsheng::model::{Dataset, Layer};
use minsheng::store::{
    AreaLevel, ModerationWrite, NearbyQuery, NewStaffToken, ReportFilter, Store, StoreError, SubmissionKey, UpdateQuery,
};

on_both_backends!(
    every_layer_round_trips_and_survives_reopening,
    an_import_with_a_broken_reference_writes_nothing,
    records_are_updated_in_place_by_id,
    a_reimported_unit_serves_what_its_new_record_says,
    reports_are_numbered_read_back_and_supported,
    a_workflow_update_needs_the_version_it_read,
    a_submission_key_files_one_case_only,
    a_historical_import_is_all_or_nothing,
    filters_counts_and_closure_statistics_agree_with_the_rows,
    nearby_open_reports_come_nearest_first,
    report_changes_follow_every_case_write,
    tokens_are_stored_found_and_revoked,
    category_settings_are_seeded_changed_from_what_was_read_and_audited,
    concurrent_submissions_get_distinct_case_numbers,
    follow_up_keys_hashes_and_public_updates,
    photos_are_pending_until_linked_and_moderations_are_audited_and_reverted,
    #[tokio::test]
    a_store_loads_on_a_single_threaded_runtime,
);

/// A small district (the demo generator's, 200 buildings) stored in a fresh store.
async fn district(backend: Backend) -> (Arc<dyn Store>, TestDatabase, Dataset) {
    let (store, database) = empty_store_on(backend).await;
    let data = generate(&DemoOptions { buildings: 200, seed: 3 });
    store.upsert(&data).await.unwrap();
    (store, database, data)
}

/// A new resident's report at building `i` of the district.
fn report(data: &Dataset, i: usize, category: Category, created_at: i64) -> Report {
    let building = &data.buildings[i % data.buildings.len()];
    let grid = data.grids.iter().find(|g| g.id == building.grid_id).unwrap();
    let parent = grid.parent_id.as_ref().and_then(|p| data.grids.iter().find(|g| &g.id == p));
    let community = data.communities.iter().find(|c| c.id == grid.community_id).unwrap();
    let p = common::inside(&building.geometry);
    Report {
        case_number: String::new(),
        category,
        source: Source::Resident,
        description: format!("测试 {i}"),
        photo_url: None,
        reporter_name: Some("王秘密".into()),
        reporter_phone: Some("13912345678".into()),
        lon: p.x(),
        lat: p.y(),
        routed: Routed {
            tier: category.default_tier(),
            responder: "物业".into(),
            responder_phone: None,
            building_id: Some(building.id.clone()),
            compound_id: building.compound_id.clone(),
            micro_grid_id: parent.map(|_| grid.id.clone()),
            grid_id: parent.map_or(grid.id.clone(), |p| p.id.clone()),
            community_id: community.id.clone(),
            street_id: community.street_id.clone(),
        },
        state: CaseState::Received,
        duplicate_of: None,
        supporters: 0,
        created_at,
        dispatched_at: None,
        deadline_at: None,
        resolved_at: None,
        closed_at: None,
        on_time: None,
        external_id: None,
        subcategory: None,
        duty: Duty::allowing(category.response_time(), category.deadline()),
        version: 1,
        notify: false,
        follow_hash: None,
        rating: None,
        rated_at: None,
        unsatisfied: 0,
    }
}

/// Asserts that a loaded dataset is the one stored, naming the first record that differs.
fn assert_same(loaded: &Dataset, stored: &Dataset) {
    fn layer<R: std::fmt::Debug + PartialEq>(name: &str, loaded: &[R], stored: &[R]) {
        assert_eq!(loaded.len(), stored.len(), "{name}: count");
        if let Some(i) = (0..loaded.len()).find(|&i| loaded[i] != stored[i]) {
            panic!("{name}[{i}] differs:\n loaded {:?}\n stored {:?}", loaded[i], stored[i]);
        }
    }
    layer("streets", &loaded.streets, &stored.streets);
    layer("communities", &loaded.communities, &stored.communities);
    layer("grids", &loaded.grids, &stored.grids);
    layer("compounds", &loaded.compounds, &stored.compounds);
    layer("buildings", &loaded.buildings, &stored.buildings);
    layer("stations", &loaded.stations, &stored.stations);
    layer("contacts", &loaded.contacts, &stored.contacts);
    layer("walkways", &loaded.walkways, &stored.walkways);
    layer("units", &loaded.units, &stored.units);
}

fn event(at: i64, action: &str, from: Option<CaseState>, to: Option<CaseState>) -> ReportEvent {
    ReportEvent { at, actor: "测试".into(), action: action.into(), from_state: from, to_state: to, ..Default::default() }
}

/// Events as written: the store numbers them.
fn unnumbered(events: Vec<ReportEvent>) -> Vec<ReportEvent> {
    events.into_iter().map(|e| ReportEvent { id: 0, ..e }).collect()
}

fn submitted(at: i64) -> ReportEvent {
    event(at, "submit", None, Some(CaseState::Received))
}

async fn every_layer_round_trips_and_survives_reopening(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let data = generate(&DemoOptions { buildings: 1_000, seed: 7 });
    let store = database.store().await;
    assert_eq!(store.data_version().await.unwrap(), 0);
    store.upsert(&data).await.unwrap();
    assert_eq!(store.data_version().await.unwrap(), 1);
    assert_same(&store.load().await.unwrap(), &data);
    for layer in Layer::ALL {
        assert_eq!(store.count(*layer).await.unwrap() as usize, data.count(*layer), "{layer}");
        let ids = store.ids(*layer).await.unwrap();
        assert_eq!(ids.len(), data.count(*layer), "{layer}");
        assert!(data.ids(*layer).iter().all(|id| ids.contains(*id)), "{layer}");
    }
    // Reopening (migrations already applied) sees the same data.
    drop(store);
    let reopened = database.store().await;
    assert_same(&reopened.load().await.unwrap(), &data);
    assert_eq!(reopened.data_version().await.unwrap(), 1);
}

async fn a_store_loads_on_a_single_threaded_runtime(backend: Backend) {
    let (store, _database) = empty_store_on(backend).await;
    let data = generate(&DemoOptions { buildings: 200, seed: 1 });
    store.upsert(&data).await.unwrap();
    assert_same(&store.load().await.unwrap(), &data);
}

async fn an_import_with_a_broken_reference_writes_nothing(backend: Backend) {
    let (store, _database) = empty_store_on(backend).await;
    let mut data = generate(&DemoOptions { buildings: 200, seed: 2 });
    data.buildings[150].grid_id = "no-such-grid".into();
    assert!(store.upsert(&data).await.is_err());
    for layer in Layer::ALL {
        assert_eq!(store.count(*layer).await.unwrap(), 0, "{layer} kept rows of a failed import");
    }
    assert_eq!(store.data_version().await.unwrap(), 0);
}

async fn records_are_updated_in_place_by_id(backend: Backend) {
    let (store, _database, mut data) = district(backend).await;
    data.buildings[0].label = "改名 9栋".into();
    data.buildings[0].has_elevator = !data.buildings[0].has_elevator;
    let only = Dataset { buildings: vec![data.buildings[0].clone()], ..Dataset::default() };
    store.upsert(&only).await.unwrap();
    assert_eq!(store.data_version().await.unwrap(), 2);
    assert_eq!(store.count(Layer::Buildings).await.unwrap() as usize, data.buildings.len());
    assert_same(&store.load().await.unwrap(), &data);
}

async fn a_reimported_unit_serves_what_its_new_record_says(backend: Backend) {
    let (store, _database, mut data) = district(backend).await;
    assert!(data.units.iter().any(|u| u.compound_ids.len() > 1), "a unit serving several compounds");
    let unit = &mut data.units[0];
    unit.street_ids.clear();
    unit.community_ids = data.communities.iter().rev().map(|c| c.id.clone()).collect();
    unit.compound_ids = vec![data.compounds[1].id.clone(), data.compounds[0].id.clone()];
    unit.phone = None;
    let only = Dataset { units: vec![data.units[0].clone()], ..Dataset::default() };
    store.upsert(&only).await.unwrap();
    assert_eq!(store.count(Layer::Units).await.unwrap() as usize, data.units.len());
    assert_same(&store.load().await.unwrap(), &data);

    // An area that does not exist fails the whole write, and the unit keeps its areas.
    let mut broken = data.units[0].clone();
    broken.street_ids = vec!["no-such-street".into()];
    assert!(store.upsert(&Dataset { units: vec![broken], ..Dataset::default() }).await.is_err());
    assert_same(&store.load().await.unwrap(), &data);
}

async fn reports_are_numbered_read_back_and_supported(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let first = report(&data, 3, Category::Parking, 1_700_000_000);
    let case = store.insert_report(&first, &submitted(1_700_000_000), None).await.unwrap();
    assert_eq!(case, "MS00000001");
    let second = store.insert_report(&report(&data, 4, Category::Pets, 1_700_000_100), &submitted(1_700_000_100), None).await.unwrap();
    assert_eq!(second, "MS00000002");

    let (stored, events) = store.report(&case).await.unwrap().unwrap();
    assert_eq!(stored, Report { case_number: case.clone(), ..first.clone() });
    assert_eq!(unnumbered(events), vec![submitted(1_700_000_000)]);
    assert!(store.report("MS99999999").await.unwrap().is_none());

    let me_too = event(1_700_000_200, "support", None, None);
    assert_eq!(store.support_report(&case, &me_too).await.unwrap(), Some(1));
    assert_eq!(store.support_report(&case, &me_too).await.unwrap(), Some(2));
    assert_eq!(store.support_report("MS99999999", &me_too).await.unwrap(), None);
    let (stored, events) = store.report(&case).await.unwrap().unwrap();
    assert_eq!((stored.supporters, stored.version, events.len()), (2, 3, 3));
    // A layer write bumps the data version; case writes have their own change feed.
    assert_eq!(store.data_version().await.unwrap(), 1);
}

async fn a_workflow_update_needs_the_version_it_read(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let case = store.insert_report(&report(&data, 0, Category::Noise, 1_000), &submitted(1_000), None).await.unwrap();
    let duplicate = store.insert_report(&report(&data, 0, Category::Noise, 1_100), &submitted(1_100), None).await.unwrap();
    let (read, _) = store.report(&case).await.unwrap().unwrap();
    store.support_report(&case, &event(1_200, "support", None, None)).await.unwrap();

    let routed = Routed { tier: Tier::Community, responder: "社区".into(), ..read.routed.clone() };
    // Every accountability field is written and read back (the stage's due date is derived).
    let duty = Duty {
        unit_id: None,
        responded_at: Some(1_300),
        original_deadline_at: Some(9_000),
        extension_requested_to: Some(9_500),
        supervised_at: Some(1_250),
        resolved_by: Some(7),
        reopened: 2,
        ..Duty::allowing(std::time::Duration::from_secs(7_200), std::time::Duration::from_secs(86_400))
    };
    // … and so is every follow-up field a move may change (not the follow-up hash: it is set once).
    let accepted = Report {
        state: CaseState::Accepted,
        routed,
        subcategory: Some("fire_lane".into()),
        duty,
        notify: true,
        rating: Some(Rating::BasicallySatisfied),
        rated_at: Some(1_290),
        unsatisfied: 2,
        ..read.clone()
    };
    let accept = ReportEvent {
        reply: Some("已受理，公开答复".into()),
        rating: Some(Rating::Unsatisfied),
        ..event(1_300, "accept", Some(CaseState::Received), Some(CaseState::Accepted))
    };
    assert!(!store.update_report(read.version, &accepted, &accept).await.unwrap(), "a stale version overwrote the row");
    let (now, events) = store.report(&case).await.unwrap().unwrap();
    assert_eq!((now.state, now.version, events.len()), (CaseState::Received, 2, 2));

    assert!(store.update_report(now.version, &accepted, &accept).await.unwrap());
    let (now, events) = store.report(&case).await.unwrap().unwrap();
    assert_eq!((now.state, now.routed.tier, now.routed.responder.as_str(), now.version), (CaseState::Accepted, Tier::Community, "社区", 3));
    assert_eq!(now.supporters, 1, "the update kept the supporter it did not know about");
    assert_eq!((&now.duty, now.subcategory.as_deref()), (&accepted.duty, Some("fire_lane")));
    assert_eq!((now.notify, now.rating, now.rated_at, now.unsatisfied), (true, Some(Rating::BasicallySatisfied), Some(1_290), 2));
    assert_eq!(now.stage_due_at(), Some(1_000 + 7_200), "an accepted case is due to be dispatched by the response deadline");
    let overdue = ReportFilter { overdue_at: Some(1_000 + 7_201), ..ReportFilter::default() };
    assert_eq!(store.count_reports(&overdue).await.unwrap(), 1, "an unanswered case past its response deadline is overdue");
    let supervised = ReportFilter { supervised: true, ..ReportFilter::default() };
    assert_eq!(store.count_reports(&supervised).await.unwrap(), 1);
    assert_eq!(unnumbered(events.clone()).last(), Some(&accept));
    assert!(events.windows(2).all(|pair| pair[0].id < pair[1].id && pair[0].id > 0), "events are numbered in order");

    let (dup, _) = store.report(&duplicate).await.unwrap().unwrap();
    let marked = Report { state: CaseState::Duplicate, duplicate_of: Some(case.clone()), ..dup.clone() };
    let mark = event(1_400, "mark_duplicate", Some(CaseState::Received), Some(CaseState::Duplicate));
    assert!(store.update_report(dup.version, &marked, &mark).await.unwrap());
    assert_eq!(store.report(&duplicate).await.unwrap().unwrap().0.duplicate_of, Some(case));
    assert!(!store.update_report(1, &Report { case_number: "MS99999999".into(), ..marked }, &mark).await.unwrap());
}

async fn a_submission_key_files_one_case_only(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let key = |created_at: i64, forget_before: i64, fingerprint: u8| SubmissionKey {
        key: "client-key-1".into(),
        fingerprint: [fingerprint; 32],
        created_at,
        forget_before,
    };
    let first = store.insert_report(&report(&data, 1, Category::Parking, 5_000), &submitted(5_000), Some(&key(5_000, 0, 7))).await.unwrap();
    assert_eq!(store.submission_key("client-key-1", 4_000).await.unwrap(), Some((first.clone(), [7; 32])));
    assert_eq!(store.submission_key("client-key-1", 6_000).await.unwrap(), None, "an expired key was found");
    assert_eq!(store.submission_key("other", 0).await.unwrap(), None);

    let again = store.insert_report(&report(&data, 2, Category::Parking, 5_001), &submitted(5_001), Some(&key(5_001, 0, 8))).await;
    assert!(matches!(again, Err(StoreError::KeyTaken(ref k)) if k == "client-key-1"), "{again:?}");
    assert_eq!(store.count_reports(&ReportFilter::default()).await.unwrap(), 1, "a refused submission wrote its case");
    assert_eq!(store.report_changes(0).await.unwrap().0.len(), 1);

    // Once expired, the key is deleted by the next keyed submission and may be used again;
    // the case numbers stay without a gap.
    let later =
        store.insert_report(&report(&data, 2, Category::Pets, 99_000), &submitted(99_000), Some(&key(99_000, 90_000, 9))).await.unwrap();
    assert_eq!(later, "MS00000002");
    assert_eq!(store.submission_key("client-key-1", 0).await.unwrap(), Some((later, [9; 32])));
}

/// Historical cases: the second with a case of the same batch as its duplicate.
fn history(data: &Dataset, prefix: &str) -> Vec<(Report, Vec<ReportEvent>)> {
    let mut closed = report(data, 5, Category::Sanitation, 10_000);
    closed.source = Source::Hotline12345;
    closed.external_id = Some(format!("{prefix}-1"));
    closed.state = CaseState::Closed;
    closed.dispatched_at = Some(10_100);
    closed.deadline_at = Some(20_000);
    closed.resolved_at = Some(15_000);
    closed.closed_at = Some(16_000);
    closed.on_time = Some(true);
    closed.supporters = 4;
    let mut dup = report(data, 6, Category::Sanitation, 10_500);
    dup.external_id = Some(format!("{prefix}-2"));
    dup.state = CaseState::Duplicate;
    dup.duplicate_of = Some(format!("{prefix}-1"));
    let events = |r: &Report| vec![submitted(r.created_at), event(r.created_at + 1, "import", None, Some(r.state))];
    vec![(closed.clone(), events(&closed)), (dup.clone(), events(&dup))]
}

async fn a_historical_import_is_all_or_nothing(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    store.insert_report(&report(&data, 0, Category::Noise, 1_000), &submitted(1_000), None).await.unwrap();
    let batch = history(&data, "12345");
    let cases = store.insert_reports(&batch).await.unwrap();
    assert_eq!(cases, vec!["MS00000002".to_owned(), "MS00000003".to_owned()]);
    let (closed, events) = store.report(&cases[0]).await.unwrap().unwrap();
    assert_eq!(closed, Report { case_number: cases[0].clone(), ..batch[0].0.clone() });
    assert_eq!(unnumbered(events), batch[0].1);
    let (dup, _) = store.report(&cases[1]).await.unwrap().unwrap();
    assert_eq!(dup.duplicate_of.as_deref(), Some(cases[0].as_str()), "the external id resolved to the case number");

    let ids = vec!["12345-1".to_owned(), "12345-2".to_owned(), "unknown".to_owned()];
    let stored = store.stored_external_ids(&ids).await.unwrap();
    assert_eq!(stored, HashMap::from([("12345-1".to_owned(), cases[0].clone()), ("12345-2".to_owned(), cases[1].clone())]));

    // A batch repeating a stored external id is refused whole, the new case too.
    let mut repeat = history(&data, "new");
    repeat[1].0.external_id = Some("12345-1".into());
    repeat[1].0.duplicate_of = None;
    let refused = store.insert_reports(&repeat).await;
    assert!(matches!(refused, Err(StoreError::DuplicateExternalId(_))), "{refused:?}");
    assert_eq!(store.count_reports(&ReportFilter::default()).await.unwrap(), 3);
    assert!(store.stored_external_ids(&["new-1".to_owned()]).await.unwrap().is_empty());
}

/// Files 40 cases over a few categories, times and states.
async fn mixed_cases(store: &Arc<dyn Store>, data: &Dataset) -> Vec<Report> {
    let categories = [Category::Parking, Category::Pets, Category::Noise, Category::SafetyHazard];
    let mut cases = Vec::new();
    for i in 0..40 {
        let mut r = report(data, i * 7, categories[i % 4], 1_000 + (i as i64 * 37) % 400);
        r.external_id = Some(format!("x{i}"));
        match i % 5 {
            0 => {
                r.state = CaseState::Dispatched;
                r.dispatched_at = Some(r.created_at);
                r.deadline_at = Some(r.created_at + 100 * (i as i64 % 3));
            }
            1 => {
                r.state = CaseState::Closed;
                r.resolved_at = Some(r.created_at + 10);
                r.closed_at = Some(r.created_at + 20);
                r.on_time = Some(i % 2 == 0);
            }
            2 => r.state = CaseState::InProgress,
            _ => {}
        }
        cases.push((r, vec![submitted(1_000)]));
    }
    store.insert_reports(&cases).await.unwrap();
    store.reports(&ReportFilter::default()).await.unwrap()
}

async fn filters_counts_and_closure_statistics_agree_with_the_rows(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let all = mixed_cases(&store, &data).await;
    assert_eq!(all.len(), 40);
    assert!(all.windows(2).all(|w| (w[0].created_at, &w[0].case_number) >= (w[1].created_at, &w[1].case_number)), "newest first");
    let grid = all[3].routed.grid_id.clone();
    let filters = [
        ReportFilter { categories: vec![Category::Parking, Category::Noise], ..ReportFilter::default() },
        ReportFilter { states: vec![CaseState::Closed], grid_id: Some(grid.clone()), ..ReportFilter::default() },
        ReportFilter { created_from: Some(1_100), created_before: Some(1_300), oldest_first: true, ..ReportFilter::default() },
        ReportFilter { overdue_at: Some(1_250), ..ReportFilter::default() },
        ReportFilter { case_numbers: vec![all[0].case_number.clone(), all[9].case_number.clone()], ..ReportFilter::default() },
        ReportFilter { community_id: Some(all[0].routed.community_id.clone()), limit: Some(5), offset: 3, ..ReportFilter::default() },
    ];
    for filter in &filters {
        let selects = |r: &Report| {
            (filter.case_numbers.is_empty() || filter.case_numbers.contains(&r.case_number))
                && (filter.categories.is_empty() || filter.categories.contains(&r.category))
                && (filter.states.is_empty() || filter.states.contains(&r.state))
                && filter.grid_id.as_ref().is_none_or(|g| g == &r.routed.grid_id)
                && filter.community_id.as_ref().is_none_or(|c| c == &r.routed.community_id)
                && filter.created_from.is_none_or(|t| r.created_at >= t)
                && filter.created_before.is_none_or(|t| r.created_at < t)
                && filter.overdue_at.is_none_or(|t| {
                    matches!(r.state, CaseState::Dispatched | CaseState::InProgress) && r.deadline_at.is_some_and(|d| d < t)
                })
        };
        let mut expected: Vec<Report> = all.iter().filter(|r| selects(r)).cloned().collect();
        let total = expected.len() as u64;
        if filter.overdue_at.is_some() {
            expected.sort_by_key(|r| (r.deadline_at, r.case_number.clone()));
        } else if filter.oldest_first {
            expected.reverse();
        }
        let expected: Vec<Report> =
            expected.into_iter().skip(filter.offset as usize).take(filter.limit.map_or(usize::MAX, |l| l as usize)).collect();
        assert_eq!(store.reports(filter).await.unwrap(), expected, "{filter:?}");
        assert_eq!(store.count_reports(filter).await.unwrap(), total, "{filter:?}");
    }

    let counts = store.closure_counts(AreaLevel::Grid, &ReportFilter::default(), 1_250).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.total).sum::<u64>(), 40);
    let mine = counts.iter().find(|c| c.area_id == grid).unwrap();
    let in_grid: Vec<&Report> = all.iter().filter(|r| r.routed.grid_id == grid).collect();
    let n = |f: &dyn Fn(&Report) -> bool| in_grid.iter().filter(|r| f(r)).count() as u64;
    assert_eq!(mine.total, in_grid.len() as u64);
    assert_eq!(
        mine.open,
        n(&|r| matches!(r.state, CaseState::Received | CaseState::Accepted | CaseState::Dispatched | CaseState::InProgress))
    );
    assert_eq!(
        mine.overdue,
        n(&|r| matches!(r.state, CaseState::Dispatched | CaseState::InProgress) && r.deadline_at.is_some_and(|d| d < 1_250))
    );
    assert_eq!(mine.closed, n(&|r| r.state == CaseState::Closed));
    assert_eq!(mine.on_time, n(&|r| r.state == CaseState::Closed && r.on_time == Some(true)));
    assert_eq!(mine.late, n(&|r| r.state == CaseState::Closed && r.on_time == Some(false)));
    let streets = store.closure_counts(AreaLevel::Street, &ReportFilter::default(), 1_250).await.unwrap();
    assert_eq!(streets.iter().map(|c| c.total).sum::<u64>(), 40);
    assert!(counts.windows(2).all(|w| w[0].area_id < w[1].area_id), "ordered by area");
}

async fn nearby_open_reports_come_nearest_first(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let centre = report(&data, 0, Category::Parking, 2_000);
    let metres_east = |m: f64| m / (111_195.08 * centre.lat.to_radians().cos());
    let mut filed = Vec::new();
    for (i, (metres, category, state)) in [
        (30.0, Category::Parking, CaseState::Received),
        (10.0, Category::Parking, CaseState::Dispatched),
        (45.0, Category::Parking, CaseState::Received),
        (80.0, Category::Parking, CaseState::Received),
        (5.0, Category::Pets, CaseState::Received),
        (20.0, Category::Parking, CaseState::Closed),
    ]
    .into_iter()
    .enumerate()
    {
        let r = Report { lon: centre.lon + metres_east(metres), state, category, external_id: Some(format!("n{i}")), ..centre.clone() };
        filed.push(store.insert_reports(&[(r, vec![submitted(2_000)])]).await.unwrap().remove(0));
    }
    let query = NearbyQuery {
        category: Category::Parking,
        lon: centre.lon,
        lat: centre.lat,
        radius_m: 50.0,
        created_from: 1_000,
        except: None,
        limit: 2,
    };
    let (near, total) = store.open_reports_near(&query).await.unwrap();
    assert_eq!(total, 3, "open parking cases within 50 m");
    assert_eq!(near.iter().map(|r| r.case_number.clone()).collect::<Vec<_>>(), vec![filed[1].clone(), filed[0].clone()]);
    let except = NearbyQuery { except: Some(&filed[1]), limit: 10, ..query.clone() };
    let (near, total) = store.open_reports_near(&except).await.unwrap();
    assert_eq!((total, near.len()), (2, 2));
    let too_old = NearbyQuery { created_from: 3_000, ..query };
    assert_eq!(store.open_reports_near(&too_old).await.unwrap().1, 0);
}

async fn report_changes_follow_every_case_write(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    assert_eq!(store.report_changes(0).await.unwrap(), (Vec::new(), 0));
    let a = store.insert_report(&report(&data, 0, Category::Noise, 1_000), &submitted(1_000), None).await.unwrap();
    store.insert_report(&report(&data, 1, Category::Pets, 1_001), &submitted(1_001), None).await.unwrap();
    let (rows, last) = store.report_changes(0).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].category, rows[0].state, rows[0].created_at), (Category::Noise, CaseState::Received, 1_000));
    assert_eq!(store.report_changes(last).await.unwrap(), (Vec::new(), last));

    let (read, _) = store.report(&a).await.unwrap().unwrap();
    let accepted = Report { state: CaseState::Accepted, ..read.clone() };
    store
        .update_report(read.version, &accepted, &event(1_100, "accept", Some(CaseState::Received), Some(CaseState::Accepted)))
        .await
        .unwrap();
    let (rows, after) = store.report_changes(last).await.unwrap();
    assert!(after > last);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].id, rows[0].state), (1, CaseState::Accepted));
}

async fn tokens_are_stored_found_and_revoked(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let grid = TokenScope::Grid(data.grids[0].id.clone());
    let token = |role, scope, label, created_at, expires_at| NewStaffToken { role, scope, label, created_at, expires_at };
    let official = store.insert_token(&[1; 32], &token(Role::Official, &TokenScope::Everywhere, "督办员", 100, None)).await.unwrap();
    let worker = store.insert_token(&[2; 32], &token(Role::GridWorker, &grid, "网格员 张伟", 200, Some(9_000))).await.unwrap();
    assert!(worker > official);
    let found = store.token(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.role, &found.scope, found.label.as_str(), found.created_at, found.expires_at),
        (worker, Role::GridWorker, &grid, "网格员 张伟", 200, Some(9_000))
    );
    assert!(store.token(&[3; 32]).await.unwrap().is_none());
    let same_secret = token(Role::Admin, &TokenScope::Everywhere, "same secret", 300, None);
    assert!(store.insert_token(&[1; 32], &same_secret).await.is_err(), "two tokens share a hash");

    // Every scope kind, each with the role that takes it, comes back as stored.
    let scoped = [
        (Role::Handler, TokenScope::Unit("U1".into())),
        (Role::Dispatcher, TokenScope::Community(data.communities[0].id.clone())),
        (Role::Supervisor, TokenScope::Street(data.streets[0].id.clone())),
        (Role::Official, TokenScope::Street(data.streets[0].id.clone())),
    ];
    let mut ids = vec![official, worker];
    for (i, (role, scope)) in scoped.iter().enumerate() {
        let hash = [10 + i as u8; 32];
        ids.push(store.insert_token(&hash, &token(*role, scope, "有范围", 300, Some(5_000))).await.unwrap());
        let found = store.token(&hash).await.unwrap().unwrap();
        assert_eq!((found.role, &found.scope, found.expires_at), (*role, scope, Some(5_000)));
    }
    // The database refuses a scope the role does not take, as the service does.
    let admin_in_a_grid = token(Role::Admin, &grid, "管理员", 300, None);
    assert!(store.insert_token(&[20; 32], &admin_in_a_grid).await.is_err(), "an admin confined to a grid");

    assert!(store.revoke_token(official, 400).await.unwrap());
    assert!(!store.revoke_token(official, 500).await.unwrap(), "revoked twice");
    assert!(!store.revoke_token(999, 500).await.unwrap());
    let all = store.tokens().await.unwrap();
    assert_eq!(all.iter().map(|t| t.id).collect::<Vec<_>>(), ids);
    assert_eq!(all.iter().map(|t| t.revoked_at).collect::<Vec<_>>(), [vec![Some(400)], vec![None; 5]].concat());
}

async fn concurrent_submissions_get_distinct_case_numbers(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let data = Arc::new(data);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (store, data) = (store.clone(), data.clone());
            tokio::spawn(async move {
                let key = SubmissionKey { key: format!("k{}", i % 20), fingerprint: [0; 32], created_at: 1, forget_before: 0 };
                let filed = store.insert_report(&report(&data, i, Category::Parking, 1_000), &submitted(1_000), Some(&key)).await;
                (filed, store.support_report("MS00000001", &event(1_001, "support", None, None)).await.unwrap())
            })
        })
        .collect();
    let mut cases = Vec::new();
    let mut supports = 0;
    for task in tasks {
        let (filed, supported) = task.await.unwrap();
        match filed {
            Ok(case) => cases.push(case),
            Err(StoreError::KeyTaken(_)) => {}
            Err(other) => panic!("{other}"),
        }
        supports += u32::from(supported.is_some());
    }
    assert_eq!(cases.len(), 20, "one case per key");
    cases.sort();
    cases.dedup();
    assert_eq!(cases.len(), 20, "two submissions got the same case number");
    let first = store.report("MS00000001").await.unwrap().unwrap();
    assert_eq!(first.0.supporters, supports, "a supporter was lost");
    assert_eq!(first.1.len() as u32, 1 + supports);
}

fn change(key: &str, at: i64, before: Option<&CategorySetting>, after: &CategorySetting) -> CategoryChange {
    let text = |s: &CategorySetting| format!("{s:?}");
    CategoryChange { id: 0, at, actor: "admin#1 管理员".into(), key: key.into(), before: before.map(text), after: text(after) }
}

async fn category_settings_are_seeded_changed_from_what_was_read_and_audited(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let store = database.store().await;
    let seeded = store.category_settings().await.unwrap();
    assert_eq!(seeded.len(), Category::ALL.len());
    for setting in &seeded {
        let category: Category = setting.key.parse().unwrap();
        assert_eq!(*setting, CategorySetting { updated_at: setting.updated_at, ..CategorySetting::builtin(category, 0) });
    }

    let parking = seeded.iter().find(|s| s.key == "parking").unwrap().clone();
    let changed = CategorySetting { response_secs: Some(7_200), label_en: "car parking".into(), updated_at: 500, ..parking.clone() };
    assert!(store.write_category(Some(&parking), &changed, &change("parking", 500, Some(&parking), &changed)).await.unwrap());
    // A second change computed from the same (now stale) read changes nothing, audit included.
    let stale = CategorySetting { response_secs: Some(60), updated_at: 600, ..parking.clone() };
    assert!(!store.write_category(Some(&parking), &stale, &change("parking", 600, Some(&parking), &stale)).await.unwrap());

    let lane = CategorySetting {
        key: "parking/fire_lane".into(),
        parent: Some(Category::Parking),
        tier: Some(Tier::Community),
        response_secs: None,
        resolution_secs: None,
        label_zh: "占用消防通道".into(),
        label_en: "fire lane".into(),
        updated_at: 700,
    };
    assert!(store.write_category(None, &lane, &change("parking/fire_lane", 700, None, &lane)).await.unwrap());
    let again = CategorySetting { label_en: "other".into(), ..lane.clone() };
    assert!(!store.write_category(None, &again, &change("parking/fire_lane", 800, None, &again)).await.unwrap(), "the key is taken");

    let audit = store.category_changes(10).await.unwrap();
    assert_eq!(audit.iter().map(|c| (c.key.as_str(), c.at)).collect::<Vec<_>>(), [("parking/fire_lane", 700), ("parking", 500)]);
    assert!(audit[0].id > audit[1].id && audit[0].before.is_none());
    assert_eq!(audit[1].after, format!("{changed:?}"));
    assert_eq!(store.category_changes(1).await.unwrap().len(), 1);

    // Reopening seeds only what is missing: the admin's change and the subcategory stay.
    drop(store);
    let reopened = database.store().await;
    let settings = reopened.category_settings().await.unwrap();
    assert_eq!(settings.len(), Category::ALL.len() + 1);
    assert!(settings.contains(&changed) && settings.contains(&lane));
}

async fn follow_up_keys_hashes_and_public_updates(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    // The first key offered is kept; later offers (another instance) read it back.
    let key = store.server_key("follow", &[1; 32]).await.unwrap();
    assert_eq!(key, [1; 32]);
    assert_eq!(store.server_key("follow", &[2; 32]).await.unwrap(), [1; 32]);
    // A database on disk keeps it across reopening.
    let on_disk = TestDatabase::new(backend).await;
    assert_eq!(on_disk.store().await.server_key("follow", &[4; 32]).await.unwrap(), [4; 32]);
    assert_eq!(on_disk.store().await.server_key("follow", &[3; 32]).await.unwrap(), [4; 32], "kept across reopening");

    let a = store.insert_report(&report(&data, 0, Category::Noise, 1_000), &submitted(1_000), None).await.unwrap();
    let b = store.insert_report(&report(&data, 1, Category::Pets, 1_001), &submitted(1_001), None).await.unwrap();
    assert_eq!(store.case_by_follow(&[9; 32]).await.unwrap(), None);
    store.set_follow_hash(&a, &[9; 32]).await.unwrap();
    store.set_follow_hash(&a, &[8; 32]).await.unwrap();
    assert_eq!(store.case_by_follow(&[9; 32]).await.unwrap(), Some(a.clone()), "set once, never replaced");
    assert_eq!(store.case_by_follow(&[8; 32]).await.unwrap(), None);

    // A move computed from a copy read before the hash was set keeps the hash.
    let (read, _) = store.report(&b).await.unwrap().unwrap();
    store.set_follow_hash(&b, &[7; 32]).await.unwrap();
    let accepted = Report { state: CaseState::Accepted, ..read.clone() };
    let accept =
        ReportEvent { reply: Some("受理".into()), ..event(1_100, "accept", Some(CaseState::Received), Some(CaseState::Accepted)) };
    assert!(store.update_report(read.version, &accepted, &accept).await.unwrap());
    assert_eq!(store.report(&b).await.unwrap().unwrap().0.follow_hash, Some([7; 32]));

    // Later replies replace earlier ones; comments and ratings are not staff replies.
    let (now, _) = store.report(&b).await.unwrap().unwrap();
    let comment = ReportEvent { reply: Some("居民留言".into()), ..event(1_200, "comment", None, None) };
    assert!(store.update_report(now.version, &now, &comment).await.unwrap());
    let (now, _) = store.report(&a).await.unwrap().unwrap();
    let rated = ReportEvent { reply: Some("很好".into()), rating: Some(Rating::Satisfied), ..event(1_300, "rate", None, None) };
    assert!(store.update_report(now.version, &now, &rated).await.unwrap());
    let replies = store.latest_replies(&[a.clone(), b.clone(), "MS99999999".into()]).await.unwrap();
    assert_eq!(
        replies.into_iter().map(|(case, (_, reply))| (case, reply)).collect::<HashMap<_, _>>(),
        HashMap::from([(b.clone(), "受理".to_owned())])
    );

    // Updates: moves and public texts in the window, oldest first; not a bare "me too".
    store.support_report(&a, &event(1_250, "support", None, None)).await.unwrap();
    let all = store.public_updates(&UpdateQuery { at_from: None, at_before: None, limit: 100 }).await.unwrap();
    let listed: Vec<(&str, &str, i64)> = all.iter().map(|(case, e)| (case.as_str(), e.action.as_str(), e.at)).collect();
    assert_eq!(
        listed,
        [
            (a.as_str(), "submit", 1_000),
            (b.as_str(), "submit", 1_001),
            (b.as_str(), "accept", 1_100),
            (b.as_str(), "comment", 1_200),
            (a.as_str(), "rate", 1_300)
        ]
    );
    assert_eq!(all[4].1.rating, Some(Rating::Satisfied));
    let window = store.public_updates(&UpdateQuery { at_from: Some(1_001), at_before: Some(1_200), limit: 100 }).await.unwrap();
    assert_eq!(window.iter().map(|(_, e)| e.at).collect::<Vec<_>>(), [1_001, 1_100]);
    let first = store.public_updates(&UpdateQuery { at_from: None, at_before: None, limit: 2 }).await.unwrap();
    assert_eq!(first.len(), 2);
}

fn new_photo(stage: PhotoStage, bytes: Option<&[u8]>, at: i64) -> NewPhoto {
    NewPhoto {
        stage,
        content_type: "image/jpeg".into(),
        width: 640,
        height: 480,
        thumb_width: 320,
        thumb_height: 240,
        digest: format!("{:064x}", at),
        bytes: bytes.map(<[u8]>::to_vec),
        thumb: bytes.map(|b| b[..b.len() / 2].to_vec()),
        uploaded_by: "resident".into(),
        created_at: at,
    }
}

async fn photos_are_pending_until_linked_and_moderations_are_audited_and_reverted(backend: Backend) {
    let (store, _database, data) = district(backend).await;
    let case = store.insert_report(&report(&data, 1, Category::Noise, 1_000), &submitted(1_000), None).await.unwrap();
    let bytes: Vec<u8> = (0..=255).cycle().take(10_000).collect();

    // Pending photos belong to no case until linked; discarded ones are gone.
    let pending = store.insert_photos(None, &[new_photo(PhotoStage::Before, Some(&bytes), 1_000)]).await.unwrap().unwrap();
    let refused = store.insert_photos(None, &[new_photo(PhotoStage::Before, Some(&bytes), 1_001)]).await.unwrap().unwrap();
    assert!(store.photos_of(std::slice::from_ref(&case)).await.unwrap().is_empty());
    assert_eq!(store.photo(pending[0]).await.unwrap().unwrap().case_number, None);
    store.attach_photos(&case, &pending).await.unwrap();
    store.discard_photos(&refused).await.unwrap();
    assert!(store.photo(refused[0]).await.unwrap().is_none());
    let (_, version_before) = store.report(&case).await.unwrap().map(|(r, e)| (e, r.version)).unwrap();

    // After-photos go straight to a case (a new version of it); kept in a folder, no bytes.
    let after = store.insert_photos(Some(&case), &[new_photo(PhotoStage::After, None, 2_000)]).await.unwrap().unwrap();
    assert_eq!(store.insert_photos(Some("MS99999999"), &[new_photo(PhotoStage::After, None, 2_000)]).await.unwrap(), None);
    let photos = store.photos_of(std::slice::from_ref(&case)).await.unwrap();
    assert_eq!(
        photos.iter().map(|p| (p.id, p.stage, p.in_folder, p.hidden)).collect::<Vec<_>>(),
        [(pending[0], PhotoStage::Before, false, false), (after[0], PhotoStage::After, true, false)]
    );
    assert_eq!(photos[0].case_number.as_deref(), Some(case.as_str()));
    assert_eq!((photos[0].width, photos[0].thumb_height, photos[0].digest.clone()), (640, 240, format!("{:064x}", 1_000)));
    assert_eq!(store.photo_bytes(pending[0], false).await.unwrap(), Some(bytes.clone()));
    assert_eq!(store.photo_bytes(pending[0], true).await.unwrap(), Some(bytes[..5_000].to_vec()));
    assert_eq!(store.photo_bytes(after[0], false).await.unwrap(), None);
    assert_eq!(store.report(&case).await.unwrap().unwrap().0.version, version_before + 1);

    // A moderation names its target, which must be the case's; it hides the photo until reverted.
    let moderation = |target: ModerationTarget, target_id: Option<i64>| Moderation {
        id: 0,
        case_number: case.clone(),
        target,
        target_id,
        action: ModerationAction::Hide,
        reason: "露脸".into(),
        moderated_by: "supervisor#2".into(),
        moderated_at: 3_000,
        reverted_by: None,
        reverted_at: None,
    };
    let audit = event(3_000, "moderate", None, None);
    assert_eq!(store.moderate(&moderation(ModerationTarget::Photo, Some(9_999)), &audit).await.unwrap(), ModerationWrite::NoSuchTarget);
    assert_eq!(store.moderate(&moderation(ModerationTarget::Reply, Some(9_999)), &audit).await.unwrap(), ModerationWrite::NoSuchTarget);
    let other = Moderation { case_number: "MS99999999".into(), ..moderation(ModerationTarget::Description, None) };
    assert_eq!(store.moderate(&other, &audit).await.unwrap(), ModerationWrite::NoSuchCase);
    let ModerationWrite::Stored(id) = store.moderate(&moderation(ModerationTarget::Photo, Some(pending[0])), &audit).await.unwrap() else {
        panic!("stored")
    };
    assert!(store.photo(pending[0]).await.unwrap().unwrap().hidden);
    assert_eq!(
        store.moderations_of(std::slice::from_ref(&case)).await.unwrap(),
        [Moderation { id, ..moderation(ModerationTarget::Photo, Some(pending[0])) }]
    );
    let (report_now, events) = store.report(&case).await.unwrap().unwrap();
    assert_eq!((events.last().unwrap(), report_now.version), (&audit, version_before + 2));

    let undo = event(4_000, "unmoderate", None, None);
    let reverted = store.revert_moderation(id, "admin#1", 4_000, &undo).await.unwrap().unwrap();
    assert_eq!((reverted.reverted_by.as_deref(), reverted.reverted_at), (Some("admin#1"), Some(4_000)));
    assert_eq!(store.revert_moderation(id, "admin#1", 4_001, &undo).await.unwrap(), None, "once only");
    assert!(!store.photo(pending[0]).await.unwrap().unwrap().hidden);
    assert_eq!(store.moderation(id).await.unwrap(), Some(reverted));
    assert_eq!(store.report(&case).await.unwrap().unwrap().1.last(), Some(&undo));

    // The dump carries both tables, bytes and all.
    let dump = store.dump().await.unwrap();
    assert_eq!(dump.photos.iter().map(|p| p.id).collect::<Vec<_>>(), [pending[0], after[0]]);
    assert_eq!(dump.photos[0].photo.bytes.as_deref(), Some(bytes.as_slice()));
    assert_eq!(dump.moderations.len(), 1);
}
