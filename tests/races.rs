//! No lost updates: two writes to the same case (staff moves, or a "me too" and a move), sent
//! at the same moment through the router on a multi-threaded runtime over a database file,
//! over many cases. Whatever wins,
//! every move answered 200 is in the row and in the audit trail, every other is refused with a
//! 409 naming the case, and replaying each audit trail gives the row's state, tier and version.

mod common;

use common::backend::{Backend, TestDatabase};

use std::sync::Arc;

use axum::http::StatusCode;
use minsheng::model::reports::{CaseState, Category, Role, Tier};
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use serde_json::{Value, json};
use tokio::sync::Barrier;

on_both_backends!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    concurrent_moves_lose_no_update,
);

/// Cases raced per scenario.
const CASES: usize = 50;

struct Setup {
    catalog: Catalog,
    app: axum::Router,
    token: String,
    _database: TestDatabase,
}

/// The demo district in a database file (several connections, as in production), an
/// admin's token, and the router without the submission limit.
async fn setup(backend: Backend) -> Setup {
    let database = TestDatabase::new(backend).await;
    let store = database.store().await;
    let catalog = Catalog::open(store).await.unwrap();
    assert!(catalog.seed_demo_district_if_empty().await.unwrap());
    let token = create_token(&catalog, &TokenRequest::new(Role::Admin, "督办员"), now()).await.unwrap().secret;
    Setup { app: common::unlimited_app(catalog.clone()), catalog, token, _database: database }
}

/// Files `count` new cases of a category, each at another building.
async fn file(s: &Setup, category: Category, count: usize) -> Vec<String> {
    let snapshot = s.catalog.snapshot();
    let mut cases = Vec::new();
    for i in 0..count {
        let p = common::inside(&snapshot.data.buildings[i % snapshot.data.buildings.len()].geometry);
        let body = json!({"category": category.as_str(), "description": format!("竞争测试 {i}"), "lon": p.x(), "lat": p.y()});
        let (status, _, text) = common::call(&s.app, "POST", "/api/reports", None, Some(body.to_string())).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        cases.push(common::json(&text)["report"]["case_number"].as_str().unwrap().to_owned());
    }
    cases
}

/// One staff move: `(path after the case, body)`.
type Request = (&'static str, Value);

/// Sends both requests of each case's pair at the same moment (all cases at once); the
/// answers' statuses and bodies, per case, in the pair's order.
async fn race(s: &Setup, cases: &[String], pair: [Request; 2]) -> Vec<[(StatusCode, Value); 2]> {
    let mut tasks = Vec::new();
    for case in cases {
        let barrier = Arc::new(Barrier::new(2));
        let sides: Vec<_> = pair
            .iter()
            .map(|(path, body)| {
                let (app, token, barrier) = (s.app.clone(), s.token.clone(), barrier.clone());
                let (uri, body) = (format!("/api/reports/{case}/{path}"), body.to_string());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let (status, _, text) = common::call(&app, "POST", &uri, Some(&token), Some(body)).await;
                    (status, common::json(&text))
                })
            })
            .collect();
        tasks.push(sides);
    }
    let mut answers = Vec::new();
    for sides in tasks {
        let mut pair = Vec::new();
        for side in sides {
            pair.push(side.await.unwrap());
        }
        answers.push(pair.try_into().unwrap());
    }
    answers
}

/// A move either applied (200) or was refused as a conflict naming the case (409).
fn applied(case: &str, (status, body): &(StatusCode, Value)) -> bool {
    match *status {
        StatusCode::OK => true,
        StatusCode::CONFLICT => {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(case), "a 409 names the case: {message}");
            false
        }
        other => panic!("case {case}: a raced move answered {other}: {body}"),
    }
}

/// What the stored case and its audit trail say, after checking that they agree: replaying
/// the events' states and escalations (each one tier up, its note naming both tiers) gives
/// the row's state and tier, and every write made one version.
struct Trail {
    state: CaseState,
    supporters: u32,
    actions: Vec<String>,
}

async fn trail(s: &Setup, case: &str) -> Trail {
    let (report, events) = s.catalog.store().report(case).await.unwrap().unwrap();
    let mut state = None;
    let mut tier = report.category.default_tier();
    for event in &events {
        if event.action == "escalate" {
            let next = tier.escalated().expect("an escalation below the top tier");
            let note = event.note.as_deref().unwrap_or("");
            assert!(note.starts_with(&format!("{tier} → {next}")), "case {case}: escalation {note:?} from {tier}");
            tier = next;
        }
        if let Some(to) = event.to_state {
            assert_eq!(event.from_state, state, "case {case}: event {} starts where the last one ended", event.action);
            state = Some(to);
        }
    }
    assert_eq!(Some(report.state), state, "case {case}: the row's state is the audit trail's");
    assert_eq!(report.routed.tier, tier, "case {case}: the row's tier is the audit trail's ({} events)", events.len());
    assert_eq!(report.version as usize, events.len(), "case {case}: one version per write");
    Trail { state: report.state, supporters: report.supporters, actions: events.iter().map(|e| e.action.clone()).collect() }
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

async fn concurrent_moves_lose_no_update(backend: Backend) {
    let s = setup(backend).await;
    // Pets start at the lowest tier, so two escalations are both legal one after the other.
    assert_eq!(Category::Pets.default_tier(), Tier::Neighbourhood);

    // Two escalations: both apply in turn, or the second is refused; never both "applied"
    // while the tier moved once.
    let cases = file(&s, Category::Pets, CASES).await;
    let answers = race(&s, &cases, [("escalate", json!({"note": "甲"})), ("escalate", json!({"note": "乙"}))]).await;
    for (case, [a, b]) in cases.iter().zip(&answers) {
        let won = usize::from(applied(case, a)) + usize::from(applied(case, b));
        assert!(won >= 1, "case {case}: one of two escalations must win");
        let trail = trail(&s, case).await;
        assert_eq!(count(&trail.actions, "escalate"), won, "case {case}: {won} escalations answered 200");
    }

    // An escalation against a transition: each one answered 200 is in the row.
    let cases = file(&s, Category::Pets, CASES).await;
    let answers = race(&s, &cases, [("escalate", json!({})), ("transition", json!({"to": "accepted"}))]).await;
    for (case, [escalated, accepted]) in cases.iter().zip(&answers) {
        let (escalated, accepted) = (applied(case, escalated), applied(case, accepted));
        assert!(escalated || accepted, "case {case}: one of the two must win");
        let trail = trail(&s, case).await;
        assert_eq!(count(&trail.actions, "escalate"), usize::from(escalated), "case {case}");
        let expected = if accepted { CaseState::Accepted } else { CaseState::Received };
        assert_eq!(trail.state, expected, "case {case}");
    }

    // A resident's "me too" against an escalation: the count is kept, whatever the escalation's fate.
    let cases = file(&s, Category::Pets, CASES).await;
    let answers = race(&s, &cases, [("support", json!({})), ("escalate", json!({}))]).await;
    for (case, [supported, escalated]) in cases.iter().zip(&answers) {
        assert!(applied(case, supported), "case {case}: a \"me too\" is never refused");
        let escalated = applied(case, escalated);
        let trail = trail(&s, case).await;
        assert_eq!((trail.supporters, count(&trail.actions, "support")), (1, 1), "case {case}");
        assert_eq!(count(&trail.actions, "escalate"), usize::from(escalated), "case {case}");
    }

    // Accept against reject, both from what the screen showed: exactly one wins, even though
    // accepted → rejected would be a legal move on its own.
    let cases = file(&s, Category::Parking, CASES).await;
    let answers = race(
        &s,
        &cases,
        [
            ("transition", json!({"to": "accepted", "expected_state": "received"})),
            ("transition", json!({"to": "rejected", "note": "不属实", "reply": "经核实不属实", "expected_state": "received"})),
        ],
    )
    .await;
    for (case, [accept, reject]) in cases.iter().zip(&answers) {
        let (accepted, rejected) = (applied(case, accept), applied(case, reject));
        assert!(accepted != rejected, "case {case}: exactly one of accept and reject wins ({accepted}, {rejected})");
        let trail = trail(&s, case).await;
        assert_eq!(trail.state, if accepted { CaseState::Accepted } else { CaseState::Rejected }, "case {case}");
        assert_eq!(trail.actions.len(), 2, "case {case}: submit and the one winning move: {:?}", trail.actions);
    }
}
