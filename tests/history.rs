//! Bulk import of historical cases: derived fields and audit trail, all-or-nothing with
//! every problem named by row, CSV and GeoJSON, Chinese labels, and the CLI.

mod common;

use common::backend::Backend;

use std::collections::HashMap;
use std::process::Command;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use geo::Point;
use minsheng::model::reports::{CaseState, Category, Report, ReportEvent, Source, closure_on_time};
use minsheng::model::time::parse_iso8601;
use minsheng::services::reports::history::{HistoryFormat, ImportSummary, import_cases};
use minsheng::services::reports::routing::route;
use minsheng::services::{Catalog, ServiceError};
use minsheng::store::ReportFilter;

on_both_backends!(
    #[tokio::test]
    the_sample_imports_routed_with_deadlines_on_time_flags_and_audit_trails,
    #[tokio::test]
    the_same_file_twice_is_refused_naming_the_cases_it_became,
    #[tokio::test]
    one_bad_row_among_good_ones_writes_nothing_and_is_named,
    #[tokio::test]
    every_check_names_its_row_and_reason,
    #[tokio::test]
    long_listings_are_cut_at_a_hundred_with_a_count_of_the_rest,
    #[tokio::test]
    geojson_points_import_and_bad_features_are_named,
    the_cli_imports_the_sample_and_exits_non_zero_on_a_bad_file,
    #[tokio::test]
    admins_import_over_http_and_others_may_not,
    #[tokio::test]
    units_and_answer_times_come_from_the_export,
);

const SAMPLE: &str = include_str!("../data/samples/hotline_12345.csv");
const HEADER: &str = "external_id,category,source,description,lon,lat,crs,created_at,state,dispatched_at,resolved_at,closed_at,reporter_name,reporter_phone,photo_url,duplicate_of";

fn now() -> i64 {
    parse_iso8601("2026-11-22T12:00:00+08:00").unwrap()
}

async fn import(catalog: &Catalog, file: &str, name: &str) -> Result<ImportSummary, ServiceError> {
    import_cases(catalog, file.as_bytes(), HistoryFormat::Csv, name, now()).await
}

async fn total(catalog: &Catalog) -> u64 {
    catalog.store().count_reports(&ReportFilter::default()).await.unwrap()
}

/// The problem lines of a rejection, and how many were left off.
fn problems(result: Result<ImportSummary, ServiceError>) -> (Vec<String>, usize) {
    match result {
        Err(ServiceError::Rejected { problems, more, .. }) => (problems.into_iter().map(|p| p.message).collect(), more),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// The events go from submit to the case's state by legal moves, in time order.
fn assert_legal_trail(report: &Report, events: &[ReportEvent]) {
    let case = &report.case_number;
    assert_eq!((events[0].action.as_str(), events[0].to_state), ("submit", Some(CaseState::Received)), "{case}");
    assert_eq!(events[0].at, report.created_at, "{case}");
    for pair in events.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let (from, to) = (after.from_state.unwrap(), after.to_state.unwrap());
        assert_eq!(Some(from), before.to_state, "{case}: the trail is unbroken");
        assert!(from.can_move_to(to), "{case}: {from} → {to}");
        assert!(after.at >= before.at, "{case}: {to} before {from}");
    }
    assert_eq!(events.last().unwrap().to_state, Some(report.state), "{case}");
}

async fn the_sample_imports_routed_with_deadlines_on_time_flags_and_audit_trails(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let before = total(&catalog).await;
    let summary = import(&catalog, SAMPLE, "hotline_12345.csv").await.unwrap();
    assert_eq!(summary.imported, 26);
    assert_eq!(total(&catalog).await, before + 26);
    let expected = [
        (CaseState::Closed, 15),
        (CaseState::Duplicate, 1),
        (CaseState::Rejected, 2),
        (CaseState::Verified, 1),
        (CaseState::Resolved, 1),
        (CaseState::InProgress, 2),
        (CaseState::Dispatched, 1),
        (CaseState::Accepted, 2),
        (CaseState::Received, 1),
    ];
    assert_eq!(summary.by_state, expected.into_iter().collect());

    let snapshot = catalog.snapshot();
    let mut by_external: HashMap<String, Report> = HashMap::new();
    for case in &summary.case_numbers {
        let (report, events) = catalog.store().report(case).await.unwrap().unwrap();
        let tier = report.category.default_tier();
        assert_eq!(report.routed.tier, tier);
        let routed = route(&snapshot, Point::new(report.lon, report.lat), tier).unwrap();
        assert_eq!((&report.routed.responder, &report.routed.grid_id), (&routed.responder, &routed.grid_id));
        assert_eq!(report.deadline_at, report.dispatched_at.map(|d| d + report.category.deadline().as_secs() as i64));
        let closed = report.state == CaseState::Closed;
        assert_eq!(report.on_time, if closed { closure_on_time(report.deadline_at, report.resolved_at) } else { None });
        assert_legal_trail(&report, &events);
        let external_id = report.external_id.clone().unwrap();
        assert!(events.iter().all(|e| e.actor == "import:hotline_12345.csv"
            && e.note.as_deref() == Some(format!("imported from hotline record {external_id}").as_str())));
        by_external.insert(external_id, report);
    }

    let first = &by_external["12345-2026-0103817"];
    assert_eq!(first.routed.building_id.as_deref(), Some("CP0003-B12"));
    assert_eq!((first.on_time, first.routed.tier.as_str()), (Some(true), "property"));
    assert_eq!((first.reporter_name.as_deref(), first.reporter_phone.as_deref()), (Some("张女士"), Some("139-0098-1021")));
    assert_eq!(by_external["12345-2026-0103852"].duplicate_of.as_deref(), Some(first.case_number.as_str()));
    // Resolved two days after a one-day deadline.
    assert_eq!(by_external["12345-2026-0715093"].on_time, Some(false));
    let gcj02 = &by_external["12345-2026-0811274"];
    assert_eq!((gcj02.routed.building_id.as_deref(), gcj02.on_time), (Some("CP0008-B02"), Some(true)), "GCJ-02 converted");
    // Chinese labels for category, source and state.
    let labelled = &by_external["12345-2026-0215230"];
    assert_eq!((labelled.category, labelled.source, labelled.state), (Category::Parking, Source::Hotline12345, CaseState::Closed));
    let patrol = &by_external["12345-2026-0618008"];
    assert_eq!((patrol.category, patrol.source), (Category::Sanitation, Source::Patrol));
    // An accepted case is accepted by the next known time, here none: when it was filed.
    let (_, events) = catalog.store().report(&by_external["12345-2026-0912087"].case_number).await.unwrap().unwrap();
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["submit", "accept"]);

    // Overdue at every stage: dispatched past the deadline, but also waiting for an answer or
    // for verification past their due dates; most overdue (earliest due) first.
    let now = now();
    let imported = ReportFilter { case_numbers: summary.case_numbers.clone(), ..ReportFilter::default() };
    let overdue = catalog.store().reports(&ReportFilter { overdue_at: Some(now), ..imported.clone() }).await.unwrap();
    assert!(overdue.windows(2).all(|w| w[0].stage_due_at() <= w[1].stage_due_at()), "not most overdue first");
    let all = catalog.store().reports(&imported).await.unwrap();
    assert_eq!(overdue.len(), all.iter().filter(|r| r.is_overdue(now)).count());
    let overdue: Vec<&str> = overdue.iter().filter_map(|r| r.external_id.as_deref()).collect();
    for (case, stage) in [("12345-2026-1110248", "dispatched"), ("12345-2026-1114033", "dispatched"), ("12345-2026-0912087", "accepted")] {
        assert!(overdue.contains(&case), "{case} ({stage}) is not listed overdue: {overdue:?}");
    }
    let working = [CaseState::Dispatched, CaseState::InProgress];
    let resolution_late = all.iter().filter(|r| working.contains(&r.state) && r.is_overdue(now)).count();
    assert_eq!(resolution_late, 2, "the two cases dispatched past their deadline");
}

async fn the_same_file_twice_is_refused_naming_the_cases_it_became(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let first = import(&catalog, SAMPLE, "hotline_12345.csv").await.unwrap();
    let count = total(&catalog).await;
    let (problems, more) = problems(import(&catalog, SAMPLE, "hotline_12345.csv").await);
    assert_eq!((problems.len(), more), (26, 0));
    assert_eq!(
        problems[0],
        format!(
            "row 2 (external_id 12345-2026-0103817): external_id 12345-2026-0103817 was already imported as case {}",
            first.case_numbers[0]
        )
    );
    assert_eq!(total(&catalog).await, count);
}

/// A CSV row of a case at the interior point of demo building `b`, with some fields replaced.
fn row(catalog: &Catalog, b: usize, external_id: &str, changes: &[(&str, &str)]) -> String {
    let p = common::inside(&catalog.snapshot().data.buildings[b].geometry);
    let (lon, lat) = (p.x().to_string(), p.y().to_string());
    let mut fields: Vec<(&str, &str)> = vec![
        ("external_id", external_id),
        ("category", "parking"),
        ("source", ""),
        ("description", "车辆堵住消防通道"),
        ("lon", &lon),
        ("lat", &lat),
        ("crs", ""),
        ("created_at", "2026-10-01 09:00"),
        ("state", "closed"),
        ("dispatched_at", "2026-10-01 10:00"),
        ("resolved_at", "2026-10-02 10:00"),
        ("closed_at", "2026-10-03 10:00"),
        ("reporter_name", ""),
        ("reporter_phone", ""),
        ("photo_url", ""),
        ("duplicate_of", ""),
    ];
    for (name, value) in changes {
        fields.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no column {name}")).1 = value;
    }
    fields.iter().map(|(_, v)| if v.contains(',') { format!("\"{v}\"") } else { (*v).to_owned() }).collect::<Vec<_>>().join(",")
}

async fn one_bad_row_among_good_ones_writes_nothing_and_is_named(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let count = total(&catalog).await;
    let file = format!("{SAMPLE}{}\n", row(&catalog, 5, "BAD-1", &[("category", "dragons")]));
    let (problems, _) = problems(import(&catalog, &file, "mixed.csv").await);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("row 28 (external_id BAD-1): category: unknown value \"dragons\", expected one of: parking (停车)"));
    assert_eq!(total(&catalog).await, count, "nothing was written");

    let error = import(&catalog, &file, "mixed.csv").await.unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("mixed.csv: rejected, nothing was written; 1 problem(s):\n  row 28"), "{message}");
    assert_eq!(minsheng::http::ApiError::from(error).into_response().status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn every_check_names_its_row_and_reason(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let earlier = format!("{HEADER}\n{}\n", row(&catalog, 0, "E1", &[("created_at", "2026-09-01")]));
    let existing = import(&catalog, &earlier, "earlier.csv").await.unwrap().case_numbers[0].clone();
    let long = "长".repeat(2_001);
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (vec![("external_id", "")], "(no external_id): external_id is required".into()),
        (vec![("external_id", "R01")], "external_id R01 repeats row 2".into()),
        (vec![("category", "dragons")], "category: unknown value \"dragons\"".into()),
        (vec![("source", "pigeon")], "source: unknown value \"pigeon\"".into()),
        (vec![("state", "lost")], "state: unknown value \"lost\"".into()),
        (vec![("description", "")], "description is required".into()),
        (vec![("description", &long)], "description is longer than 2000 characters".into()),
        (vec![("lon", "east")], "lon: \"east\" is not a number of degrees".into()),
        (vec![("lat", "95")], "lat: 95 is outside -90..90 degrees".into()),
        (vec![("crs", "mars")], "crs: unknown crs \"mars\"".into()),
        (vec![("lon", "104.2"), ("lat", "30.7")], "is outside every grid of the district; the nearest grid is S01-".into()),
        (vec![("created_at", "yesterday")], "created_at: \"yesterday\" is not an ISO 8601 time".into()),
        (vec![("closed_at", "2027-01-01")], "closed_at 2027-01-01T00:00:00+08:00 is in the future".into()),
        (vec![("resolved_at", "2026-10-01 09:30")], "resolved_at 2026-10-01T09:30:00+08:00 is before dispatched_at".into()),
        (vec![("resolved_at", "")], "state closed needs resolved_at".into()),
        (
            vec![("state", "dispatched"), ("resolved_at", ""), ("closed_at", ""), ("dispatched_at", "")],
            "state dispatched needs dispatched_at".into(),
        ),
        (
            vec![("state", "已立案"), ("resolved_at", ""), ("closed_at", "")],
            "dispatched_at is given, but a case in state accepted has not got that far".into(),
        ),
        (vec![("state", "duplicate"), ("resolved_at", "")], "state duplicate needs duplicate_of".into()),
        (
            vec![("state", "duplicate"), ("resolved_at", ""), ("duplicate_of", "NOPE")],
            "duplicate_of NOPE names no case in this file or the database".into(),
        ),
        (
            vec![("state", "duplicate"), ("resolved_at", ""), ("duplicate_of", "R01"), ("created_at", "2026-09-30")],
            "duplicate_of R01 was filed after this case".into(),
        ),
        (vec![("duplicate_of", &existing)], "duplicate_of is given, but the state is closed, not duplicate".into()),
        (vec![("reporter_phone", "call me")], "reporter_phone must be 5–20 digits".into()),
        (vec![("photo_url", "javascript:alert(1)")], "photo_url must be an http(s) URL".into()),
    ];
    let mut file = format!("{HEADER}\n{}\n", row(&catalog, 0, "R01", &[]));
    for (i, (changes, _)) in cases.iter().enumerate() {
        let id = if i == 1 { "R01".to_owned() } else { format!("R{:02}", i + 2) };
        file.push_str(&row(&catalog, i + 1, &id, changes));
        file.push('\n');
    }
    file.push_str("R99,parking,short\n");
    // A duplicate of a stored case (by case number) is fine.
    let changes = [
        ("state", "duplicate"),
        ("duplicate_of", &existing),
        ("created_at", "2026-11-20"),
        ("dispatched_at", ""),
        ("resolved_at", ""),
        ("closed_at", "2026-11-20 12:00"),
    ];
    let fine = row(&catalog, 3, "R100", &changes);
    file.push_str(&fine);
    let (problems, _) = problems(import(&catalog, &file, "checks.csv").await);
    for (i, (_, reason)) in cases.iter().enumerate() {
        let line = i + 3;
        assert!(
            problems.iter().any(|p| p.starts_with(&format!("row {line} (")) && p.contains(reason.as_str())),
            "row {line} should say {reason:?}; got {problems:#?}"
        );
    }
    assert!(problems.iter().any(|p| p.starts_with(&format!("row {} (no external_id): has 3 cells, the header has 16", cases.len() + 3))));
    assert!(!problems.iter().any(|p| p.starts_with("row 2 ") || p.contains("R100")), "good rows are not named: {problems:#?}");
    assert_eq!(problems.len(), cases.len() + 1, "one problem per bad row: {problems:#?}");
}

async fn long_listings_are_cut_at_a_hundred_with_a_count_of_the_rest(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let mut file = format!("{HEADER}\n");
    for i in 0..150 {
        file.push_str(&row(&catalog, i, &format!("C{i}"), &[("category", "dragons")]));
        file.push('\n');
    }
    let error = import(&catalog, &file, "many.csv").await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("150 problem(s)") && message.contains("\n  row 101 (external_id C99): category"), "{message}");
    assert!(message.ends_with("other (其他)\n  … and 50 more"), "{message}");
    let (listed, more) = problems(Err(error));
    assert_eq!((listed.len(), more), (100, 50));
}

async fn geojson_points_import_and_bad_features_are_named(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let snapshot = catalog.snapshot();
    let feature = |b: usize, properties: serde_json::Value| {
        let p = common::inside(&snapshot.data.buildings[b].geometry);
        serde_json::json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.x(), p.y()]}, "properties": properties})
    };
    let good = vec![
        feature(
            7,
            serde_json::json!({"external_id": 2026110001, "category": "噪音", "description": "夜间噪音", "created_at": "2026-11-01T22:10:00+08:00"}),
        ),
        feature(
            8,
            serde_json::json!({"external_id": "G2", "category": "pets", "description": "遛狗不牵绳", "created_at": "2026-11-02",
                                      "state": "in_progress", "dispatched_at": "2026-11-02T10:00:00+08:00", "source": "patrol"}),
        ),
    ];
    let collection = |features: Vec<serde_json::Value>| serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    let summary =
        import_cases(&catalog, collection(good.clone()).as_bytes(), HistoryFormat::GeoJson, "cases.geojson", now()).await.unwrap();
    assert_eq!(summary.imported, 2);
    let (noise, _) = catalog.store().report(&summary.case_numbers[0]).await.unwrap().unwrap();
    assert_eq!((noise.external_id.as_deref(), noise.category, noise.source), (Some("2026110001"), Category::Noise, Source::Hotline12345));
    assert_eq!(noise.routed.building_id.as_deref(), Some(snapshot.data.buildings[7].id.as_str()));

    let mut bad =
        vec![feature(9, serde_json::json!({"external_id": "G3", "category": "pets", "description": "x", "created_at": "2026-11-02"}))];
    bad.push(serde_json::json!({"type": "Feature", "geometry": null, "properties": {"external_id": "G4", "category": "pets"}}));
    let count = total(&catalog).await;
    let result = import_cases(&catalog, collection(bad).as_bytes(), HistoryFormat::GeoJson, "bad.geojson", now()).await;
    let (problems, _) = problems(result);
    assert_eq!(problems[0], "feature #1 (external_id G4): geometry is missing: a case needs a Point");
    assert!(problems[1..].iter().all(|p| p.starts_with("feature #1 (external_id G4)")), "{problems:#?}");
    assert_eq!(total(&catalog).await, count);
    let not_geojson = import_cases(&catalog, b"[1, 2]", HistoryFormat::GeoJson, "x.geojson", now()).await.unwrap_err();
    assert!(matches!(not_geojson, ServiceError::InvalidParameter { parameter: "file", .. }), "{not_geojson}");
}

async fn the_cli_imports_the_sample_and_exits_non_zero_on_a_bad_file(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let test_database = common::backend::TestDatabase::new(backend).await;
    let database = test_database.url.clone();
    let store = minsheng::store::open(&database).await.unwrap();
    Catalog::open(store).await.unwrap().seed_demo_if_empty().await.unwrap();
    let binary = env!("CARGO_BIN_EXE_minsheng");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("{HEADER}\nX1,dragons,,x,104.05,30.82,,2026-11-01,,,,,,,,\n")).unwrap();
    let output = Command::new(binary).args(["import-reports", "--database", &database]).arg(&bad).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.csv: rejected, nothing was written") && stderr.contains("row 2 (external_id X1): category"), "{stderr}");

    let unknown = dir.path().join("cases.txt");
    std::fs::write(&unknown, SAMPLE).unwrap();
    let output = Command::new(binary).args(["import-reports", "--database", &database]).arg(&unknown).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format"));

    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/samples/hotline_12345.csv");
    let output = Command::new(binary).args(["import-reports", "--database", &database, sample]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("imported 26 cases (received 1, accepted 2, dispatched 1, in_progress 2"), "{stdout}");
}

async fn admins_import_over_http_and_others_may_not(backend: Backend) {
    use minsheng::model::reports::Role;
    use minsheng::services::auth::{TokenRequest, create_token};

    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let admin = create_token(&catalog, &TokenRequest::new(Role::Admin, "管理员"), 0).await.unwrap().secret;
    let official = create_token(&catalog, &TokenRequest::new(Role::Official, "干部"), 0).await.unwrap().secret;
    // 300 rows: well past the 16 KiB limit of ordinary bodies.
    let rows: Vec<String> = (0..300).map(|i| row(&catalog, i % 200, &format!("HTTP-{i}"), &[])).collect();
    let file = format!("{HEADER}\n{}\n", rows.join("\n"));
    assert!(file.len() > 16 * 1024);
    let post = |token: Option<String>, uri: &'static str, body: String| {
        let app = app.clone();
        async move {
            let mut request = axum::http::Request::post(uri).header("content-type", "text/csv");
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let response = tower::ServiceExt::oneshot(app, request.body(axum::body::Body::from(body)).unwrap()).await.unwrap();
            let status = response.status();
            let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            (status, common::json(std::str::from_utf8(&bytes).unwrap()))
        }
    };
    let before = total(&catalog).await;
    assert_eq!(post(None, "/api/reports/import", file.clone()).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = post(Some(official), "/api/reports/import", file.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("admin"));

    let bad = format!("{file}{}\n", row(&catalog, 3, "HTTP-BAD", &[("created_at", "yesterday")]));
    let (status, body) = post(Some(admin.clone()), "/api/reports/import", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("row 302 (external_id HTTP-BAD)"), "{body}");
    assert_eq!(total(&catalog).await, before, "nothing written");

    let (status, body) = post(Some(admin), "/api/reports/import", file).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["imported"], 300);
    assert_eq!(total(&catalog).await, before + 300);
    let first = catalog.store().report(body["case_numbers"][0].as_str().unwrap()).await.unwrap().unwrap();
    assert!(first.1[0].actor.contains("管理员"), "the audit trail names the importing admin: {:?}", first.1[0]);
}

/// A hotline export names the unit that handled a case (by name) and when it was answered;
/// without them the unit routing picks and the dispatch time count. Unknown units and answers
/// out of order are problems of their rows.
async fn units_and_answer_times_come_from_the_export(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let snapshot = catalog.snapshot();
    let police = snapshot.data.units.iter().find(|u| u.kind == minsheng::model::UnitKind::PoliceStation).unwrap().clone();
    let header = format!("{HEADER},responded_at,unit");
    let file = format!("{header}\n{},2026-10-01 09:30,{}\n{},,\n", row(&catalog, 3, "U1", &[]), police.name, row(&catalog, 4, "U2", &[]));
    let summary = import(&catalog, &file, "units.csv").await.unwrap();
    let stored =
        catalog.store().reports(&ReportFilter { case_numbers: summary.case_numbers.clone(), ..ReportFilter::default() }).await.unwrap();
    let by_external: HashMap<String, Report> = stored.into_iter().map(|r| (r.external_id.clone().unwrap(), r)).collect();
    let named = &by_external["U1"];
    assert_eq!(named.duty.unit_id.as_deref(), Some(police.id.as_str()), "the unit named by its name");
    assert_eq!(named.duty.responded_at, Some(parse_iso8601("2026-10-01T09:30:00+08:00").unwrap()));
    assert_eq!(named.responded_on_time(), Some(true));
    let routed = &by_external["U2"];
    let expected = minsheng::services::reports::units::unit_for(&snapshot, &routed.routed, routed.routed.tier).map(|u| u.id.clone());
    assert!(expected.is_some());
    assert_eq!(routed.duty.unit_id, expected, "without a unit, routing picks one");
    assert_eq!(routed.duty.responded_at, routed.dispatched_at, "answered by the dispatch");

    let count = total(&catalog).await;
    let bad = format!("{header}\n{},,不存在的单位\n{},2026-09-30 08:00,\n", row(&catalog, 3, "B1", &[]), row(&catalog, 4, "B2", &[]));
    let (problems, _) = problems(import(&catalog, &bad, "bad.csv").await);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("B1") && problems[0].contains("unit \"不存在的单位\""), "{}", problems[0]);
    assert!(
        problems[1].contains("B2") && problems[1].contains("responded_at") && problems[1].contains("before created_at"),
        "{}",
        problems[1]
    );
    assert_eq!(total(&catalog).await, count, "nothing was written");
}
