//! Idempotent submissions: a repeat of a report with the same `Idempotency-Key` answers with
//! the first one's case instead of filing another — after a lost answer, under concurrency,
//! across a SIGKILL of the server, natively and over Open311 — while a key reused for another
//! request is refused and writes nothing.

mod common;

use common::backend::{Backend, TestDatabase};

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::server::{request_with, start};
use common::{call_with, json};
use minsheng::crs::Crs;
use minsheng::model::reports::{Category, Role, Source};
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::services::reports::idempotency::{Idempotency, KEY_LIFETIME_SECONDS};
use minsheng::services::reports::intake::{self, NewReport};
use minsheng::store::ReportFilter;
use serde_json::json;
use tokio::sync::Barrier;

on_both_backends!(
    #[tokio::test]
    a_repeat_answers_with_the_first_case_and_another_request_under_the_key_is_refused,
    #[tokio::test]
    replays_use_up_no_rate_limit,
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    concurrent_first_attempts_with_one_key_file_one_case,
    #[tokio::test]
    keys_expire_after_24_hours,
    #[tokio::test]
    open311_requests_take_the_key_too,
    retries_after_a_sigkill_file_each_report_once,
);

const KEY: &str = "0b6f5c3e-8a5e-4f5e-9f7a-2d1c1e0f4a11";

async fn count(catalog: &Catalog) -> u64 {
    catalog.store().count_reports(&Default::default()).await.unwrap()
}

/// A submission with a key: status, whether it says it was replayed, and the body.
async fn submit(app: &axum::Router, key: &str, token: Option<&str>, body: String) -> (StatusCode, bool, serde_json::Value) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("idempotency-key", key)];
    headers.extend(bearer.as_deref().map(|b| ("authorization", b)));
    let (status, headers, text) = call_with(app, "POST", "/api/reports", &headers, Some(body)).await;
    let replayed = headers.get("idempotent-replayed").map(|v| v.to_str().unwrap().to_owned());
    assert!(replayed.is_none() || replayed.as_deref() == Some("true"), "{replayed:?}");
    (status, replayed.is_some(), json(&text))
}

async fn a_repeat_answers_with_the_first_case_and_another_request_under_the_key_is_refused(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[4].geometry);
    let body = json!({"category": "parking", "description": "消防通道被占", "lon": p.x(), "lat": p.y()});

    let (status, replayed, first) = submit(&app, KEY, None, body.to_string()).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, false), "{first}");
    let case = first["report"]["case_number"].as_str().unwrap().to_owned();
    // The same fields in another order and spacing, as a retrying client may send them.
    let reordered = format!(r#"{{ "lat": {}, "lon": {},  "description": "消防通道被占", "category": "parking" }}"#, p.y(), p.x());
    let (status, replayed, again) = submit(&app, KEY, None, reordered).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true), "{again}");
    assert_eq!(again["report"]["case_number"], case.as_str());
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&again), keys(&first), "the same shape of answer");
    assert_eq!(count(&catalog).await, 1);

    // Another report, or the same one from someone else, under the same key: refused, nothing written.
    let other = json!({"category": "parking", "description": "另一件事", "lon": p.x(), "lat": p.y()});
    let official = create_token(&catalog, &TokenRequest::new(Role::Official, "坐席"), now()).await.unwrap().secret;
    for (token, body) in [(None, other.to_string()), (Some(official.as_str()), body.to_string())] {
        let (status, _, answer) = submit(&app, KEY, token, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["code"], "idempotency_key_reused");
        assert!(answer["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{answer}");
    }
    // Keys that are not 1–255 visible characters, or given twice, are a 400 naming the header.
    let long = "k".repeat(256);
    for key in ["", "two words", long.as_str()] {
        let (status, _, answer) = submit(&app, key, None, other.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{answer}");
    }
    let twice = [("idempotency-key", "a"), ("idempotency-key", "b")];
    let (status, _, text) = call_with(&app, "POST", "/api/reports", &twice, Some(other.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(count(&catalog).await, 1, "refused requests write nothing");

    // Without a key the same report is filed again: the key is what makes a retry safe.
    let (status, _, text) = common::call(&app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert_eq!(count(&catalog).await, 2);
}

async fn replays_use_up_no_rate_limit(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let settings = minsheng::http::Settings { submissions_per_minute: 2, ..Default::default() };
    let app = minsheng::http::router_with(catalog.clone(), settings);
    let p = common::inside(&catalog.snapshot().data.buildings[4].geometry);
    let body = |n: u32| json!({"category": "noise", "description": format!("夜间装修 {n}"), "lon": p.x(), "lat": p.y()}).to_string();
    assert_eq!(submit(&app, "first", None, body(1)).await.0, StatusCode::CREATED);
    for _ in 0..5 {
        assert_eq!(submit(&app, "first", None, body(1)).await.0, StatusCode::CREATED);
    }
    assert_eq!(submit(&app, "second", None, body(2)).await.0, StatusCode::CREATED);
    assert_eq!(submit(&app, "third", None, body(3)).await.0, StatusCode::TOO_MANY_REQUESTS, "two new reports used the limit up");
    let (status, replayed, _) = submit(&app, "first", None, body(1)).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true), "a replay still answers when the limit is used up");
    assert_eq!(count(&catalog).await, 2);
}

async fn concurrent_first_attempts_with_one_key_file_one_case(backend: Backend) {
    // A database file, so the attempts really run on several connections at once.
    let database = TestDatabase::new(backend).await;
    let store = database.store().await;
    let catalog = Catalog::open(store).await.unwrap();
    assert!(catalog.seed_demo_district_if_empty().await.unwrap());
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[4].geometry);
    const ROUNDS: usize = 10;
    const ATTEMPTS: usize = 8;
    for round in 0..ROUNDS {
        let body = json!({"category": "sanitation", "description": format!("垃圾满溢 {round}"), "lon": p.x(), "lat": p.y()});
        let barrier = Arc::new(Barrier::new(ATTEMPTS));
        let attempts: Vec<_> = (0..ATTEMPTS)
            .map(|_| {
                let (app, barrier, body) = (app.clone(), barrier.clone(), body.to_string());
                tokio::spawn(async move {
                    barrier.wait().await;
                    submit(&app, &format!("round-{round}"), None, body).await
                })
            })
            .collect();
        let mut cases = Vec::new();
        let mut fresh = 0;
        for attempt in attempts {
            let (status, replayed, answer) = attempt.await.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{answer}");
            fresh += usize::from(!replayed);
            cases.push(answer["report"]["case_number"].as_str().unwrap().to_owned());
        }
        cases.dedup();
        assert_eq!(cases.len(), 1, "round {round}: every attempt answers with one case: {cases:?}");
        assert_eq!(fresh, 1, "round {round}: one attempt filed it, the others replayed it");
    }
    assert_eq!(count(&catalog).await, ROUNDS as u64);
}

async fn keys_expire_after_24_hours(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let p = common::inside(&catalog.snapshot().data.buildings[4].geometry);
    let new = || NewReport {
        category: Category::Noise,
        subcategory: None,
        source: Source::Resident,
        description: "夜间施工".into(),
        photo_url: None,
        reporter_name: None,
        reporter_phone: None,
        notify: false,
        lon: p.x(),
        lat: p.y(),
        crs: Crs::Wgs84,
        filed_by: None,
        photos: Vec::new(),
    };
    let key = Idempotency::new("daily", &[b"the same request"]).unwrap();
    let t0 = now();
    let filed = |at: i64| {
        let (catalog, key) = (catalog.clone(), key.clone());
        async move {
            let submitted = intake::submit(&catalog, new(), Some(&key), at).await.unwrap();
            (submitted.report.case_number, submitted.replayed)
        }
    };
    let (first, replayed) = filed(t0).await;
    assert!(!replayed);
    assert_eq!(filed(t0 + KEY_LIFETIME_SECONDS).await, (first.clone(), true), "24 hours on, the key still finds its case");
    let (second, replayed) = filed(t0 + KEY_LIFETIME_SECONDS + 1).await;
    assert!(!replayed && second != first, "an expired key files a new case");
    assert_eq!(filed(t0 + KEY_LIFETIME_SECONDS + 2).await, (second, true), "and then finds that one");
}

async fn open311_requests_take_the_key_too(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[4].geometry);
    let form = |description: &str| format!("service_code=noise&lat={}&long={}&description={description}", p.y(), p.x());
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("idempotency-key", KEY)];
    let (status, first_headers, text) = call_with(&app, "POST", "/open311/v2/requests.json", &headers, Some(form("夜间施工"))).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(first_headers.get("idempotent-replayed").is_none());
    let case = json(&text)[0]["service_request_id"].as_str().unwrap().to_owned();
    // The retry asks for XML: the same case, in the format asked for.
    let (status, again, text) = call_with(&app, "POST", "/open311/v2/requests.xml", &headers, Some(form("夜间施工"))).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert_eq!(again["idempotent-replayed"], "true");
    assert!(text.contains(&format!("<service_request_id>{case}</service_request_id>")), "{text}");
    let (status, _, text) = call_with(&app, "POST", "/open311/v2/requests.json", &headers, Some(form("别的事"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(json(&text)[0]["description"].as_str().unwrap().contains("Idempotency-Key"), "{text}");
    assert_eq!(count(&catalog).await, 1);
}

const CLIENTS: usize = 6;
/// Kill once this many reports were acknowledged, while the clients keep sending.
const KILL_AFTER: usize = 40;

/// The server is killed (SIGKILL) in a burst of keyed submissions: some were answered, some
/// committed without an answer, some never arrived. After a restart each client retries every
/// request it sent, with its key: each is then filed exactly once, and an answered one comes
/// back as the case it was answered with.
async fn retries_after_a_sigkill_file_each_report_once(backend: Backend) {
    let test_database = TestDatabase::new(backend).await;
    let database = test_database.url.clone();
    let catalog = common::district_catalog().await;
    let p = common::inside(&catalog.snapshot().data.buildings[9].geometry);

    let mut server = start(&database, &["--submissions-per-minute", "0", "--watch-seconds", "0"]);
    let address = server.address.clone();
    // Every request sent (key, body), and the case of each answered one.
    let sent = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let answered = Arc::new(Mutex::new(HashMap::<String, String>::new()));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (address, sent, answered, acknowledged) = (address.clone(), sent.clone(), answered.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    let key = format!("retry-{client}-{i}");
                    let body =
                        json!({"category": "parking", "description": format!("重试测试 {key}"), "lon": p.x(), "lat": p.y()}).to_string();
                    sent.lock().unwrap().push((key.clone(), body.clone()));
                    match request_with(&address, "POST", "/api/reports", &[("Idempotency-Key", &key)], Some(&body)) {
                        Ok((201, _, text)) => {
                            // An answer cut off by the kill is no answer.
                            let Ok(answer) = serde_json::from_str::<serde_json::Value>(&text) else { break };
                            let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
                            answered.lock().unwrap().insert(key, case);
                            acknowledged.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, _, text)) => panic!("unexpected {status}: {text}"),
                        // The server died under this request: the client never learns whether it was filed.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.load(Ordering::Relaxed) < KILL_AFTER {
        assert!(Instant::now() < deadline, "the burst never reached {KILL_AFTER} reports");
        std::thread::sleep(Duration::from_millis(1)); // poll the counter, bounded by the deadline
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let sent = sent.lock().unwrap().clone();
    let answered = answered.lock().unwrap().clone();
    assert!(sent.len() >= KILL_AFTER + CLIENTS, "every client had a request cut off by the kill");

    let restarted = start(&database, &["--submissions-per-minute", "0", "--watch-seconds", "0"]);
    let mut cases = HashMap::new();
    for round in 0..2 {
        for (key, body) in &sent {
            let (status, head, text) =
                request_with(&restarted.address, "POST", "/api/reports", &[("Idempotency-Key", key)], Some(body)).unwrap();
            assert_eq!(status, 201, "retry of {key}: {text}");
            let case = serde_json::from_str::<serde_json::Value>(&text).unwrap()["report"]["case_number"].as_str().unwrap().to_owned();
            let replayed = head.to_ascii_lowercase().contains("idempotent-replayed: true");
            if let Some(first) = answered.get(key) {
                assert_eq!((&case, replayed), (first, true), "an answered request is the case it was answered with");
            }
            if round == 1 {
                assert_eq!((Some(&case), replayed), (cases.get(key), true), "a second retry finds the first retry's case");
            }
            cases.insert(key.clone(), case);
        }
    }
    drop(restarted);

    let mut filed = HashMap::<String, i64>::new();
    let reports = test_database.store().await.reports(&ReportFilter::default()).await.unwrap();
    for report in reports.into_iter().filter(|r| r.description.starts_with("重试测试 ")) {
        *filed.entry(report.description).or_default() += 1;
    }
    assert_eq!(filed.len(), sent.len(), "every request sent was filed");
    for (key, _) in &sent {
        assert_eq!(filed.get(&format!("重试测试 {key}")), Some(&1), "{key} was filed exactly once");
    }
}
