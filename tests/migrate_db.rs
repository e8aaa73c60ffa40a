//! `migrate-db`: a whole database copied SQLite → PostgreSQL → SQLite comes back equal, a
//! non-empty destination is refused untouched, and a destination failing mid-way keeps nothing.

mod common;

use std::process::Command;
use std::sync::Arc;

use common::backend::{Backend, TestDatabase};
use common::server::BINARY;
use minsheng::model::reports::{CaseState, ReportEvent, Role};
use minsheng::model::scope::TokenScope;
use minsheng::services::Catalog;
use minsheng::services::categories::{self, CategoryPatch, NewSubcategory};
use minsheng::services::migrate::{MigrateError, migrate, verdict};
use minsheng::store::{Dump, NewStaffToken, ReportFilter, Store};
use sqlx::{Connection, PgConnection};

fn quiet(_: &str) {}

/// The demo district and its year of cases on a SQLite file, then a few more writes of
/// every kind: a workflow move, a "me too", a duplicate link, tokens (one revoked).
async fn busy_sqlite() -> (Arc<dyn Store>, TestDatabase) {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let store = database.store().await;
    let catalog = Catalog::open(store.clone()).await.unwrap();
    assert!(catalog.seed_demo_if_empty().await.unwrap());
    let filter = ReportFilter { states: vec![CaseState::Received], limit: Some(2), ..Default::default() };
    let received = store.reports(&filter).await.unwrap();
    let [first, second] = &received[..] else { panic!("the demo has fewer than 2 received cases") };
    let accept = ReportEvent {
        at: first.created_at + 60,
        actor: "派遣员".into(),
        action: "accept".into(),
        from_state: Some(CaseState::Received),
        to_state: Some(CaseState::Accepted),
        note: Some("受理".into()),
        ..Default::default()
    };
    let accepted = minsheng::model::reports::Report { state: CaseState::Accepted, ..first.clone() };
    assert!(store.update_report(first.version, &accepted, &accept).await.unwrap());
    let me_too = ReportEvent { action: "support".into(), from_state: None, to_state: None, note: None, ..accept.clone() };
    store.support_report(&second.case_number, &me_too).await.unwrap();
    let second = store.report(&second.case_number).await.unwrap().unwrap().0;
    let marked =
        minsheng::model::reports::Report { state: CaseState::Duplicate, duplicate_of: Some(first.case_number.clone()), ..second.clone() };
    let mark = ReportEvent { action: "mark_duplicate".into(), to_state: Some(CaseState::Duplicate), ..accept.clone() };
    assert!(store.update_report(second.version, &marked, &mark).await.unwrap());
    let street = TokenScope::Street("S1".into());
    store.insert_token(&[1; 32], &token(Role::Supervisor, &street, "督办员", 100, Some(90_000))).await.unwrap();
    store.insert_token(&[4; 32], &token(Role::Handler, &TokenScope::Unit("U1".into()), "物业 处置人员", 150, None)).await.unwrap();
    let revoked = store.insert_token(&[2; 32], &token(Role::Admin, &TokenScope::Everywhere, "管理员", 200, None)).await.unwrap();
    assert!(store.revoke_token(revoked, 300).await.unwrap());
    let staff = minsheng::services::auth::Staff {
        token_id: revoked,
        role: Role::Admin,
        scope: TokenScope::Everywhere,
        label: "管理员".into(),
        expires_at: None,
    };
    let patch = CategoryPatch { response_hours: Some(2.0), ..Default::default() };
    categories::update(&catalog, &staff, "parking", patch, 400).await.unwrap();
    let lane = NewSubcategory {
        key: "fire_lane".into(),
        label_zh: "占用消防通道".into(),
        label_en: "fire lane".into(),
        tier: None,
        response_hours: None,
        resolution_hours: None,
    };
    categories::create_subcategory(&catalog, &staff, "parking", lane, 500).await.unwrap();
    (store, database)
}

/// A token to store, with its scope and expiry.
fn token<'a>(role: Role, scope: &'a TokenScope, label: &'a str, created_at: i64, expires_at: Option<i64>) -> NewStaffToken<'a> {
    NewStaffToken { role, scope, label, created_at, expires_at }
}

#[tokio::test]
async fn sqlite_to_postgres_and_back_keeps_every_row() {
    let (source, _source_db) = busy_sqlite().await;
    let original = source.dump().await.unwrap();
    assert!(original.reports.iter().any(|r| r.report.duplicate_of.is_some() && r.report.reporter_phone.is_some()));
    assert!(original.tokens.iter().any(|t| t.token.revoked_at.is_some()));
    assert!(original.tokens.iter().any(|t| t.token.expires_at.is_some() && matches!(t.token.scope, TokenScope::Street(_))));
    let units = &original.layers.units;
    assert!(!units.is_empty() && units.iter().all(|u| u.areas().next().is_some()), "units and their areas are carried");
    assert_eq!((original.categories.len(), original.category_changes.len()), (13, 2));

    let pg_db = TestDatabase::new(Backend::Postgres).await;
    let pg = pg_db.store().await;
    let checks = migrate(source.as_ref(), pg.as_ref(), &quiet).await.unwrap();
    verdict(&checks).unwrap();
    assert!(checks.iter().any(|c| c.source.table == "reports" && c.destination.rows == original.reports.len()));
    assert!(checks.iter().any(|c| c.source.table == "units" && c.destination.rows == original.layers.units.len()));
    assert_eq!(pg.dump().await.unwrap(), original);

    let back_db = TestDatabase::new(Backend::Sqlite).await;
    let back = back_db.store().await;
    verdict(&migrate(pg.as_ref(), back.as_ref(), &quiet).await.unwrap()).unwrap();
    assert_eq!(back.dump().await.unwrap(), original);

    // Numbering continues after the source's last case, on both kinds of destination.
    let last = original.last_case_id();
    let (report, events) = pg.report(&original.reports[0].report.case_number).await.unwrap().unwrap();
    let report = minsheng::model::reports::Report { external_id: None, ..report };
    for store in [&pg, &back] {
        let case = store.insert_report(&report, &events[0], None).await.unwrap();
        assert_eq!(case, format!("MS{:08}", last + 1));
    }
    // Event and token ids continue too: a new one gets the next number.
    let token = pg.insert_token(&[3; 32], &token(Role::Admin, &TokenScope::Everywhere, "新", 400, None)).await.unwrap();
    assert_eq!(token, original.tokens.iter().map(|t| t.token.id).max().unwrap() + 1);
    let settings = pg.category_settings().await.unwrap();
    let parking = settings.iter().find(|s| s.key == "parking").unwrap();
    let relabelled = minsheng::model::categories::CategorySetting { label_en: "car parking".into(), ..parking.clone() };
    let audit = minsheng::model::categories::CategoryChange {
        id: 0,
        at: 600,
        actor: "admin".into(),
        key: "parking".into(),
        before: None,
        after: "{}".into(),
    };
    assert!(pg.write_category(Some(parking), &relabelled, &audit).await.unwrap());
    let newest = pg.category_changes(1).await.unwrap();
    assert_eq!(newest[0].id, original.category_changes.iter().map(|c| c.id).max().unwrap() + 1);
}

#[tokio::test]
async fn a_non_empty_destination_is_refused_and_left_untouched() {
    let (_source, source_db) = busy_sqlite().await;
    let destination_db = TestDatabase::new(Backend::Sqlite).await;
    let destination = destination_db.store().await;
    destination.insert_token(&[9; 32], &token(Role::Admin, &TokenScope::Everywhere, "已有", 1, None)).await.unwrap();
    let before = destination.dump().await.unwrap();

    let out = Command::new(BINARY)
        .args(["migrate-db", "--from", &source_db.url, "--to", &destination_db.url])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a non-empty destination was accepted: {stderr}");
    assert!(stderr.contains("not empty") && stderr.contains("api_tokens"), "unclear refusal: {stderr}");
    assert!(stderr.contains(&destination_db.url), "the refusal does not name the destination: {stderr}");
    assert_eq!(destination.dump().await.unwrap(), before);
}

#[tokio::test]
async fn the_command_prints_a_table_of_counts_and_checksums() {
    let (source, source_db) = busy_sqlite().await;
    let pg_db = TestDatabase::new(Backend::Postgres).await;
    let out =
        Command::new(BINARY).args(["migrate-db", "--from", &source_db.url, "--to", &pg_db.url]).env("RUST_LOG", "off").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let reports = source.dump().await.unwrap().reports.len();
    let line = stdout.lines().find(|l| l.starts_with("reports ")).expect("a reports line");
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[1..3], [reports.to_string(), reports.to_string()]);
    assert_eq!(words.last(), Some(&"ok"));
    assert!(stdout.lines().any(|l| l.starts_with("buildings ")));
    assert!(stdout.lines().any(|l| l.starts_with("units ")));
}

#[tokio::test]
async fn a_destination_failing_mid_way_keeps_nothing() {
    let (source, _source_db) = busy_sqlite().await;
    let pg_db = TestDatabase::new(Backend::Postgres).await;
    let pg = pg_db.store().await;
    let seeded = pg.category_settings().await.unwrap();
    // The audit events are written after the layers and the cases: fail there.
    let mut admin = PgConnection::connect(&pg_db.url).await.unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON report_events FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    let written = std::sync::Mutex::new(Vec::new());
    let progress = |line: &str| written.lock().unwrap().push(line.to_owned());
    let error = migrate(source.as_ref(), pg.as_ref(), &progress).await.unwrap_err();
    assert!(matches!(error, MigrateError::Destination(_)), "{error}");
    assert!(written.lock().unwrap().iter().any(|l| l.contains("reports:")), "the failure came before the cases were written");
    sqlx::raw_sql("DROP TRIGGER refuse ON report_events").execute(&mut admin).await.unwrap();
    // Only the settings seeded when the store opened, as they were.
    assert_eq!(pg.dump().await.unwrap(), Dump { categories: seeded, ..Dump::default() });
    assert_eq!(pg.data_version().await.unwrap(), 0);
}
