//! The notification outbox against a real HTTP receiver on 127.0.0.1 (an axum server in the
//! test that records every POST): every message arrives once per key; nothing is lost while
//! the receiver is down or when the server is killed; two workers on one database deliver
//! each key once; dead letters appear after the most tries and a replay delivers them; no
//! phone or no consent means no message to the reporter.
//!
//! The issue speaks of a receiver down "for a minute": the backoff is configurable
//! (`--notify-backoff-seconds`), so these tests keep it at a second and the outage at a few.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, Uri};
use common::backend::{Backend, TestDatabase};
use common::{call, json};
use minsheng::model::notify::{Notice, NoticeState, NotifyEvent, Recipient};
use minsheng::model::reports::Role;
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::services::notify::worker::{self, Settings};
use minsheng::store::NoticeQuery;
use serde_json::{Value, json};

on_both_backends!(
    every_message_arrives_once_per_key_and_subscribers_get_their_own,
    nothing_is_lost_while_the_receiver_is_down,
    dead_letters_appear_after_the_last_try_and_a_replay_delivers_them,
    two_workers_on_one_database_deliver_each_key_once,
    templates_and_subscriptions_are_checked_and_owned,
    a_server_killed_mid_delivery_loses_nothing_and_repeats_only_what_was_in_flight,
);

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    key: String,
    attempt: u32,
    body: Value,
}

/// A webhook receiver: records every POST, answers 200 (or 503 while `failing`), after
/// `delay_ms`.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    failing: Arc<AtomicBool>,
    delay_ms: Arc<AtomicU64>,
}

impl Receiver {
    /// Serves on `port` (0: any) until the task is aborted; returns the task and the port.
    async fn serve(&self, port: u16) -> (tokio::task::JoinHandle<()>, u16) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = self.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
            let receiver = receiver.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let hit = Hit {
                    path: uri.path().to_owned(),
                    key: header("idempotency-key"),
                    attempt: header("x-minsheng-attempt").parse().unwrap_or(0),
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                };
                receiver.hits.lock().unwrap().push(hit);
                let delay = receiver.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
                if receiver.failing.load(Ordering::SeqCst) { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
            }
        });
        (tokio::spawn(async move { axum::serve(listener, app).await.unwrap() }), port)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// How many times each key arrived.
    fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for hit in self.hits() {
            *counts.entry(hit.key).or_insert(0) += 1;
        }
        counts
    }
}

/// A worker's settings for tests: a short backoff, lease and poll.
fn fast(gateway: u16, worker: &str, max_attempts: u32) -> Settings {
    Settings {
        gateway: Some(format!("http://127.0.0.1:{gateway}/gateway")),
        max_attempts,
        backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(100),
        batch: 10,
        sweep_every: Duration::from_secs(3_600),
        worker: worker.into(),
    }
}

/// Waits until `done` holds, failing after `limit`.
async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn rows(catalog: &Catalog, state: Option<NoticeState>) -> Vec<minsheng::model::notify::StoredNotice> {
    catalog.store().notices(&NoticeQuery { state, case_number: None, limit: 10_000 }).await.unwrap()
}

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    point: geo::Point,
    compound: String,
    admin: String,
    /// Verifies and closes: whoever resolved a case may not verify it.
    verifier: String,
    dispatcher: String,
}

/// The demo district (no reports) on a database file of its own, an admin's token and a
/// dispatcher's.
async fn setup(backend: Backend) -> Setup {
    let database = TestDatabase::new(backend).await;
    let catalog = Catalog::open(database.store().await).await.unwrap();
    assert!(catalog.seed_demo_district_if_empty().await.unwrap());
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let building = data
        .buildings
        .iter()
        .find(|b| b.compound_id.as_ref().is_some_and(|c| data.compounds.iter().any(|k| &k.id == c && k.property_company.is_some())))
        .unwrap();
    let point = common::inside(&building.geometry);
    let compound = building.compound_id.clone().unwrap();
    let routed = minsheng::services::reports::routing::route(&snapshot, point, "property".parse().unwrap()).unwrap();
    drop(snapshot);
    let admin = create_token(&catalog, &TokenRequest::new(Role::Admin, "测试管理员"), now()).await.unwrap().secret;
    let verifier = create_token(&catalog, &TokenRequest::new(Role::Admin, "核查管理员"), now()).await.unwrap().secret;
    let dispatcher =
        TokenRequest { community: Some(routed.community_id.clone()), ..TokenRequest::new(Role::Dispatcher, "测试派遣员") };
    let dispatcher = create_token(&catalog, &dispatcher, now()).await.unwrap().secret;
    Setup { catalog, _database: database, app, point, compound, admin, verifier, dispatcher }
}

async fn file(s: &Setup, phone: Option<&str>, notify: bool) -> String {
    let mut body = json!({"category": "parking", "description": "消防通道被占", "lon": s.point.x(), "lat": s.point.y(), "notify": notify});
    if let Some(phone) = phone {
        body["reporter_phone"] = json!(phone);
        body["reporter_name"] = json!("王芳");
    }
    let (status, _, text) = call(&s.app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    json(&text)["report"]["case_number"].as_str().unwrap().to_owned()
}

async fn post(s: &Setup, token: &str, uri: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "POST", uri, Some(token), Some(body.to_string())).await;
    (status, if text.is_empty() { Value::Null } else { json(&text) })
}

/// Moves a case through its whole life, as admins.
async fn work(s: &Setup, case: &str) {
    let uri = format!("/api/reports/{case}/transition");
    for to in ["accepted", "dispatched", "in_progress", "resolved", "verified", "closed"] {
        let token = if matches!(to, "verified" | "closed") { &s.verifier } else { &s.admin };
        if to == "verified" {
            // A resident's case is verified once they are content (here by a phone return visit).
            let visit = format!("/api/reports/{case}/return-visit");
            let (status, answer) = post(s, &s.admin, &visit, json!({"rating": "satisfied"})).await;
            assert_eq!(status, StatusCode::OK, "return visit: {answer}");
        }
        let (status, answer) = post(s, token, &uri, json!({"to": to, "note": "内部备注", "reply": "公开答复"})).await;
        assert_eq!(status, StatusCode::OK, "{to}: {answer}");
    }
}

async fn every_message_arrives_once_per_key_and_subscribers_get_their_own(backend: Backend) {
    let s = setup(backend).await;
    let receiver = Receiver::default();
    let (server, port) = receiver.serve(0).await;
    // A dispatcher subscribes a webhook of their own to the compound.
    let (status, subscription) = post(
        &s,
        &s.dispatcher,
        "/api/subscriptions",
        json!({"compound_id": s.compound, "categories": ["parking"], "url": format!("http://127.0.0.1:{port}/subscriber")}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{subscription}");

    let consenting = file(&s, Some("13912345678"), true).await;
    let silent = file(&s, Some("13800000000"), false).await;
    let anonymous = file(&s, None, true).await;
    for case in [&consenting, &silent, &anonymous] {
        work(&s, case).await;
    }
    let queued = rows(&s.catalog, None).await;
    let reporter_cases: HashSet<&str> =
        queued.iter().filter(|r| r.notice.recipient == Recipient::Reporter).map(|r| r.notice.case_number.as_str()).collect();
    assert_eq!(reporter_cases, HashSet::from([consenting.as_str()]), "no phone or no consent: nothing to the reporter");
    let to_reporter: Vec<NotifyEvent> =
        queued.iter().rev().filter(|r| r.notice.recipient == Recipient::Reporter).map(|r| r.notice.event).collect();
    assert_eq!(to_reporter, [NotifyEvent::Accepted, NotifyEvent::Dispatched, NotifyEvent::Resolved, NotifyEvent::Closed]);
    for case in [&consenting, &silent, &anonymous] {
        let mine = |recipient| queued.iter().filter(|r| r.notice.case_number == *case && r.notice.recipient == recipient).count();
        assert_eq!(mine(Recipient::Unit), 1, "{case}: the unit hears of the dispatch");
        assert_eq!(mine(Recipient::Subscriber), 7, "{case}: filed and six moves");
    }

    let worker = worker::spawn(s.catalog.clone(), fast(port, "w1", 8));
    let expected = queued.len();
    wait_until("every row is delivered", Duration::from_secs(60), async || {
        rows(&s.catalog, Some(NoticeState::Delivered)).await.len() == expected
    })
    .await;
    worker.abort();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts = receiver.counts();
    assert_eq!(counts.len(), expected, "one key per row");
    assert!(counts.values().all(|&n| n == 1), "each key once: {counts:?}");
    let keys: HashSet<String> = queued.iter().map(|r| r.notice.key.clone()).collect();
    assert_eq!(counts.keys().cloned().collect::<HashSet<_>>(), keys);

    for hit in receiver.hits() {
        assert_eq!(hit.body["key"], hit.key.as_str(), "the body carries its key too");
        let body = hit.body.to_string();
        assert!(!body.contains("内部备注"), "an internal note is never sent: {body}");
        match hit.body["recipient"]["kind"].as_str().unwrap() {
            "subscriber" => {
                assert_eq!(hit.path, "/subscriber");
                assert!(!body.contains("13912345678") && !body.contains("王芳"), "a subscriber gets public fields only: {body}");
            }
            _ => assert_eq!(hit.path, "/gateway"),
        }
    }
    let resolved =
        receiver.hits().into_iter().find(|h| h.body["event"] == "resolved" && h.body["recipient"]["kind"] == "reporter").unwrap();
    assert_eq!(resolved.body["recipient"]["address"], "13912345678");
    assert!(resolved.body["text"].as_str().unwrap().contains(&consenting), "{}", resolved.body);
    assert!(resolved.body["link"].as_str().unwrap().contains("/#follow="), "{}", resolved.body);
    server.abort();
}

async fn nothing_is_lost_while_the_receiver_is_down(backend: Backend) {
    let s = setup(backend).await;
    // Reserve a port, then leave it closed: connections are refused until the receiver starts.
    let receiver = Receiver::default();
    let (probe, port) = receiver.serve(0).await;
    probe.abort();
    let _ = probe.await;
    let case = file(&s, Some("13912345678"), true).await;
    work(&s, &case).await;
    let expected = rows(&s.catalog, None).await.len();
    assert!(expected >= 5);

    let worker = worker::spawn(s.catalog.clone(), fast(port, "w1", 30));
    wait_until("every row has failed at least twice", Duration::from_secs(30), async || {
        rows(&s.catalog, Some(NoticeState::Pending)).await.iter().all(|r| r.attempts >= 2)
    })
    .await;
    assert!(receiver.hits().is_empty());
    let failed = rows(&s.catalog, Some(NoticeState::Pending)).await;
    assert_eq!(failed.len(), expected, "nothing is given up while retries remain");
    assert!(failed.iter().all(|r| r.last_error.is_some()));

    let (server, _) = receiver.serve(port).await;
    wait_until("every row is delivered", Duration::from_secs(60), async || {
        rows(&s.catalog, Some(NoticeState::Delivered)).await.len() == expected
    })
    .await;
    worker.abort();
    let counts = receiver.counts();
    assert_eq!(counts.len(), expected);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert!(receiver.hits().iter().all(|h| h.attempt >= 3), "each arrived on a retry, counted in X-Minsheng-Attempt");
    server.abort();
}

async fn dead_letters_appear_after_the_last_try_and_a_replay_delivers_them(backend: Backend) {
    let s = setup(backend).await;
    let receiver = Receiver::default();
    receiver.failing.store(true, Ordering::SeqCst);
    let (server, port) = receiver.serve(0).await;
    let case = file(&s, Some("13912345678"), true).await;
    let uri = format!("/api/reports/{case}/transition");
    let (status, answer) = post(&s, &s.admin, &uri, json!({"to": "accepted"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let worker = worker::spawn(s.catalog.clone(), fast(port, "w1", 3));
    wait_until("the message is a dead letter", Duration::from_secs(30), async || {
        rows(&s.catalog, Some(NoticeState::Dead)).await.len() == 1
    })
    .await;
    let counts = receiver.counts();
    assert_eq!(counts.values().copied().collect::<Vec<_>>(), [3], "exactly three tries: {counts:?}");

    let (status, _, text) = call(&s.app, "GET", "/api/notify/dead", Some(&s.dispatcher), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    let (status, _, text) = call(&s.app, "GET", "/api/notify/dead", Some(&s.admin), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let dead = json(&text);
    assert_eq!(dead.as_array().unwrap().len(), 1);
    assert_eq!(dead[0]["attempts"], 3);
    assert!(dead[0]["last_error"].as_str().unwrap().contains("503"), "{dead}");
    let id = dead[0]["id"].as_i64().unwrap();

    receiver.failing.store(false, Ordering::SeqCst);
    let (status, answer) = post(&s, &s.admin, &format!("/api/notify/dead/{id}/replay"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["replayed"], 1);
    let (status, _) = post(&s, &s.admin, &format!("/api/notify/dead/{id}/replay"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a row no longer dead is not replayed");
    wait_until("the replayed message is delivered", Duration::from_secs(30), async || {
        rows(&s.catalog, Some(NoticeState::Delivered)).await.len() == 1
    })
    .await;
    worker.abort();
    let hits = receiver.hits();
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| h.key == hits[0].key), "a replay keeps the key");
    server.abort();
}

/// Messages queued straight into the outbox (as the overdue sweep does).
fn notices(count: usize) -> Vec<Notice> {
    (0..count)
        .map(|i| {
            let key = format!("MS{i:08}:v2:accepted:reporter");
            Notice {
                key: key.clone(),
                case_number: format!("MS{i:08}"),
                event: NotifyEvent::Accepted,
                recipient: Recipient::Reporter,
                address: "13912345678".into(),
                url: None,
                text: format!("message {i}"),
                payload: json!({"key": key}),
                created_at: now(),
            }
        })
        .collect()
}

async fn two_workers_on_one_database_deliver_each_key_once(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    // Two instances: each with its own store (its own connections) on one database.
    let first = Catalog::open(database.store().await).await.unwrap();
    let second = Catalog::open(database.store().await).await.unwrap();
    let receiver = Receiver::default();
    receiver.delay_ms.store(20, Ordering::SeqCst);
    let (server, port) = receiver.serve(0).await;
    let count = 200;
    assert_eq!(first.store().queue_notices(&notices(count)).await.unwrap(), count as u64);
    assert_eq!(second.store().queue_notices(&notices(count)).await.unwrap(), 0, "a key is queued once");
    let workers = [
        worker::spawn(first.clone(), fast(port, "instance-1", 8)),
        worker::spawn(second.clone(), fast(port, "instance-2", 8)),
        worker::spawn(second.clone(), fast(port, "instance-2b", 8)),
    ];
    wait_until("every row is delivered", Duration::from_secs(120), async || {
        rows(&first, Some(NoticeState::Delivered)).await.len() == count
    })
    .await;
    for worker in &workers {
        worker.abort();
    }
    let counts = receiver.counts();
    assert_eq!(counts.len(), count);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "keys delivered more than once: {twice:?}");
    server.abort();
}

async fn templates_and_subscriptions_are_checked_and_owned(backend: Backend) {
    let s = setup(backend).await;
    let put = |token: String, event: &'static str, text: &'static str| {
        let app = s.app.clone();
        async move {
            let body = json!({ "text": text }).to_string();
            let (status, _, answer) = call(&app, "PUT", &format!("/api/notify/templates/{event}"), Some(&token), Some(body)).await;
            (status, answer)
        }
    };
    let (status, answer) = put(s.admin.clone(), "accepted", "【民生】{case}由{who}受理").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer.contains("{who}") && answer.contains("text"), "{answer}");
    let (status, _) = put(s.admin.clone(), "no_such_event", "x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = put(s.dispatcher.clone(), "accepted", "【民生】{case}").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, answer) = put(s.admin.clone(), "accepted", "【测试】案件{case}已受理：{reply}").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, _, list) = call(&s.app, "GET", "/api/notify/templates", Some(&s.dispatcher), None).await;
    let list = json(&list);
    let accepted = list["templates"].as_array().unwrap().iter().find(|t| t["event"] == "accepted").unwrap().clone();
    assert_eq!(accepted["customised"], true);

    // The stored text is the one a new message uses.
    let case = file(&s, Some("13912345678"), true).await;
    let (status, _) = post(&s, &s.admin, &format!("/api/reports/{case}/transition"), json!({"to": "accepted"})).await;
    assert_eq!(status, StatusCode::OK);
    let queued = rows(&s.catalog, None).await;
    let message = queued.iter().find(|r| r.notice.event == NotifyEvent::Accepted).unwrap();
    assert_eq!(message.notice.text, format!("【测试】案件{case}已受理："));
    let (status, _, reset) = call(&s.app, "DELETE", "/api/notify/templates/accepted", Some(&s.admin), None).await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    assert_eq!(json(&reset)["customised"], false);

    // Subscriptions: exactly one area, known places and categories, an http URL; owned.
    for (body, field) in [
        (json!({"url": "http://127.0.0.1:9/x"}), "area"),
        (json!({"compound_id": s.compound, "grid_id": "G1", "url": "http://127.0.0.1:9/x"}), "area"),
        (json!({"compound_id": "nowhere", "url": "http://127.0.0.1:9/x"}), "compound_id"),
        (json!({"compound_id": s.compound, "categories": ["potholes"], "url": "http://127.0.0.1:9/x"}), "categories"),
        (json!({"compound_id": s.compound, "url": "https://hook.example/x"}), "url"),
        (json!({"polygon": {"type": "Point", "coordinates": [104.0, 30.8]}, "url": "http://127.0.0.1:9/x"}), "polygon"),
    ] {
        let (status, answer) = post(&s, &s.dispatcher, "/api/subscriptions", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer.to_string().contains(field), "{body}: {answer}");
    }
    let (status, created) = post(
        &s,
        &s.dispatcher,
        "/api/subscriptions",
        json!({"polygon": {"type": "Polygon", "coordinates": [[[103.0, 30.0], [105.0, 30.0], [105.0, 31.0], [103.0, 30.0]]]}, "url": "http://127.0.0.1:9/x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let other = create_token(&s.catalog, &TokenRequest::new(Role::Official, "另一人"), now()).await.unwrap().secret;
    let (_, _, theirs) = call(&s.app, "GET", "/api/subscriptions", Some(&other), None).await;
    assert_eq!(json(&theirs), json!([]), "a token sees its own subscriptions");
    let (status, _, _) = call(&s.app, "DELETE", &format!("/api/subscriptions/{id}"), Some(&other), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(&s.app, "DELETE", &format!("/api/subscriptions/{id}"), Some(&s.dispatcher), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&s.app, "DELETE", &format!("/api/subscriptions/{id}"), Some(&s.dispatcher), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_server_killed_mid_delivery_loses_nothing_and_repeats_only_what_was_in_flight(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let count = 40;
    database.store().await.queue_notices(&notices(count)).await.unwrap();
    let receiver = Receiver::default();
    // Slow answers, so that the kill finds POSTs in flight.
    receiver.delay_ms.store(300, Ordering::SeqCst);
    let (server, port) = receiver.serve(0).await;
    let gateway = format!("http://127.0.0.1:{port}/gateway");
    let args = [
        "--no-demo",
        "--watch-seconds",
        "0",
        "--notify-webhook",
        &gateway,
        "--notify-backoff-seconds",
        "1",
        "--notify-timeout-seconds",
        "1",
    ];
    let mut first = common::server::start(&database.url, &args);
    wait_until("the first POSTs arrive", Duration::from_secs(30), async || !receiver.hits().is_empty()).await;
    first.child.kill().unwrap(); // SIGKILL: POSTs in flight are never recorded
    first.child.wait().unwrap();
    let before_kill = receiver.counts();
    assert!(before_kill.len() < count, "the kill came before the end");

    let catalog = Catalog::open(database.store().await).await.unwrap();
    let _second = common::server::start(&database.url, &args);
    wait_until("every row is delivered", Duration::from_secs(90), async || {
        rows(&catalog, Some(NoticeState::Delivered)).await.len() == count
    })
    .await;
    let counts = receiver.counts();
    assert_eq!(counts.len(), count, "every key arrived");
    for (key, n) in &counts {
        if *n > 1 {
            assert!(before_kill.contains_key(key), "{key} arrived {n} times though it was not in flight at the kill");
        }
    }
    server.abort();
}
