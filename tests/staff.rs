//! Staff over HTTP: tokens and roles, the GB/T 30428 workflow with its audit trail,
//! deadlines and on-time closure, escalation, the overdue list and closure rates, the
//! submission limit, and what stays private.

mod common;

use common::backend::{Backend, TestDatabase};

use axum::http::StatusCode;
use common::{call, json};
use minsheng::model::reports::{Category, Role};
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{Staff, TokenRequest, create_token};
use minsheng::services::reports::rating;
use minsheng::services::reports::workflow::{self, Move, Seen};
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    tokens_are_required_checked_and_scoped_to_the_grid,
    #[tokio::test]
    a_case_walks_the_workflow_with_an_audit_trail_and_closes_on_time,
    #[tokio::test]
    rejections_need_a_reason_and_duplicates_link_to_the_original,
    #[tokio::test]
    escalation_moves_one_tier_up_to_that_tiers_responder,
    #[tokio::test]
    officials_see_the_overdue_list_and_on_time_rates_per_area,
    #[tokio::test]
    anonymous_submissions_are_limited_per_client_and_staff_are_not,
    #[tokio::test]
    token_roles_are_checked_at_creation,
);

const NAME: &str = "李私密";
const PHONE: &str = "13800001111";

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    /// A point inside building 10, and that building's grid.
    point: geo::Point,
    grid: String,
    worker: String,
    other_worker: String,
    official: String,
    /// Officials read; an admin makes the moves the lists are checked against.
    admin: String,
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let building = &snapshot.data.buildings[10];
    let point = common::inside(&building.geometry);
    let grid = minsheng::services::reports::routing::route(&snapshot, point, Category::Parking.default_tier()).unwrap().grid_id;
    let other_grid = snapshot.data.grids.iter().find(|g| g.level == minsheng::model::GridLevel::Grid && g.id != grid).unwrap().id.clone();
    let token = |role, grid: Option<String>, label: &'static str| {
        let catalog = catalog.clone();
        async move { create_token(&catalog, &TokenRequest { grid, ..TokenRequest::new(role, label) }, now()).await.unwrap().secret }
    };
    Setup {
        worker: token(Role::GridWorker, Some(grid.clone()), "张网格员").await,
        other_worker: token(Role::GridWorker, Some(other_grid), "隔壁网格员").await,
        official: token(Role::Official, None, "街道干部").await,
        admin: token(Role::Admin, None, "管理员").await,
        catalog,
        _database: database,
        app,
        point,
        grid,
    }
}

async fn submit(s: &Setup, category: &str, token: Option<&str>) -> String {
    let body = json!({"category": category, "description": "楼下长期乱停车", "lon": s.point.x(), "lat": s.point.y(),
                      "reporter_name": NAME, "reporter_phone": PHONE});
    let (status, _, text) = call(&s.app, "POST", "/api/reports", token, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    json(&text)["report"]["case_number"].as_str().unwrap().to_owned()
}

async fn move_to(s: &Setup, token: &str, case: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "POST", &format!("/api/reports/{case}/transition"), Some(token), Some(body.to_string())).await;
    (status, json(&text))
}

async fn tokens_are_required_checked_and_scoped_to_the_grid(backend: Backend) {
    let s = setup(backend).await;
    let case = submit(&s, "parking", None).await;

    let (status, headers, text) = call(&s.app, "GET", "/api/reports", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let (status, _, _) = call(&s.app, "GET", "/api/reports", Some("ms_not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The grid worker's queue holds only their grid, and includes the new case with its reporter.
    let (status, _, text) = call(&s.app, "GET", "/api/reports?limit=1000", Some(&s.worker), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let queue = json(&text);
    let reports = queue["reports"].as_array().unwrap();
    assert!(reports.iter().all(|r| r["grid_id"] == s.grid.as_str()), "a case from another grid in the queue");
    let mine = reports.iter().find(|r| r["case_number"] == case.as_str()).expect("the new case is queued");
    assert_eq!((mine["reporter_name"].as_str(), mine["reporter_phone"].as_str()), (Some(NAME), Some(PHONE)));
    assert_eq!(queue["total"].as_u64().unwrap() as usize, reports.len());

    // Another grid's worker neither sees it in their queue, nor gets its private fields, nor moves it.
    let (_, _, text) = call(&s.app, "GET", "/api/reports?limit=1000", Some(&s.other_worker), None).await;
    assert!(!text.contains(&case) && !text.contains(PHONE));
    let (status, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.other_worker), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!text.contains(PHONE) && !text.contains(NAME), "outside their grid a worker gets the public view");
    let (status, body) = move_to(&s, &s.other_worker, &case, json!({"to": "accepted"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = call(&s.app, "GET", &format!("/api/reports?grid={}", s.grid), Some(&s.other_worker), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The worker of the grid and an official see the staff view.
    for token in [&s.worker, &s.official] {
        let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(token), None).await;
        let view = json(&text);
        assert_eq!(view["report"]["reporter_phone"], PHONE);
        assert_eq!(view["next_states"], json!(["accepted", "rejected", "duplicate"]));
    }

    // A revoked token stops working.
    let store = s.catalog.store();
    let id = store.tokens().await.unwrap().iter().find(|t| t.label == "张网格员").unwrap().id;
    assert!(store.revoke_token(id, now()).await.unwrap());
    let (status, _, _) = call(&s.app, "GET", "/api/reports", Some(&s.worker), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_case_walks_the_workflow_with_an_audit_trail_and_closes_on_time(backend: Backend) {
    let s = setup(backend).await;
    let case = submit(&s, "parking", None).await;

    let (status, body) = move_to(&s, &s.worker, &case, json!({"to": "dispatched"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "received cannot jump to dispatched");
    assert!(body["error"]["message"].as_str().unwrap().contains("accepted, rejected, duplicate"), "{body}");
    let (status, body) = move_to(&s, &s.worker, &case, json!({"to": "flying"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("to"), "{body}");

    // An admin makes every move but the verification, which the grid's worker makes: nobody
    // verifies a case they resolved. The reporter is called back (回访) before verification.
    for (to, note) in [
        ("accepted", "属实"),
        ("dispatched", "派物业"),
        ("in_progress", ""),
        ("resolved", "已清理"),
        ("verified", "回访满意"),
        ("closed", ""),
    ] {
        if to == "verified" {
            let visit = json!({"rating": "satisfied"}).to_string();
            let (status, _, text) = call(&s.app, "POST", &format!("/api/reports/{case}/return-visit"), Some(&s.admin), Some(visit)).await;
            assert_eq!(status, StatusCode::OK, "{text}");
        }
        let token = if to == "verified" { &s.worker } else { &s.admin };
        let (status, body) = move_to(&s, token, &case, json!({"to": to, "note": note, "reply": "已处理"})).await;
        assert_eq!(status, StatusCode::OK, "{to}: {body}");
        assert_eq!(body["report"]["state"], to);
        if to == "dispatched" {
            let dispatched = body["report"]["dispatched_at"].as_i64().unwrap();
            let deadline = body["report"]["deadline_at"].as_i64().unwrap();
            assert_eq!(deadline - dispatched, Category::Parking.deadline().as_secs() as i64, "the deadline counts from dispatch");
        }
    }
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.official), None).await;
    let view = json(&text);
    assert_eq!(view["report"]["on_time"], true);
    assert!(view["report"]["closed_at"].as_i64().is_some());
    let history = view["history"].as_array().unwrap();
    let moves: Vec<(Value, Value)> = history.iter().map(|e| (e["from_state"].clone(), e["to_state"].clone())).collect();
    assert_eq!(moves.len(), 8, "{history:?}");
    assert_eq!(moves[1], (json!("received"), json!("accepted")));
    assert_eq!(history[5]["action"], "return_visit");
    assert_eq!(moves[7], (json!("verified"), json!("closed")));
    assert!(history[1]["actor"].as_str().unwrap().contains("管理员"), "the audit trail names who moved it");
    assert!(history[6]["actor"].as_str().unwrap().contains("张网格员"), "{history:?}");
    assert_eq!(history[1]["note"], "属实");

    // The public history shows the moves but neither actors nor notes.
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), None, None).await;
    assert!(!text.contains("张网格员") && !text.contains("回访满意") && !text.contains(PHONE));
    assert_eq!(json(&text)["report"]["status"], "closed");

    let (status, body) = move_to(&s, &s.admin, &case, json!({"to": "in_progress"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

async fn rejections_need_a_reason_and_duplicates_link_to_the_original(backend: Backend) {
    let s = setup(backend).await;
    let first = submit(&s, "pets", None).await;
    let second = submit(&s, "pets", None).await;
    let third = submit(&s, "pets", None).await;

    let (status, body) = move_to(&s, &s.admin, &second, json!({"to": "rejected"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("reply"), "a rejection owes the reporter a reason: {body}");
    let (status, body) = move_to(&s, &s.admin, &second, json!({"to": "duplicate"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("duplicate_of"));
    let (status, _) = move_to(&s, &s.admin, &second, json!({"to": "duplicate", "duplicate_of": "MS99999999"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = move_to(&s, &s.admin, &second, json!({"to": "duplicate", "duplicate_of": second})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = move_to(&s, &s.admin, &second, json!({"to": "accepted", "duplicate_of": first})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{second}"), Some(&s.worker), None).await;
    assert_eq!(json(&text)["history"].as_array().unwrap().len(), 1, "refused moves write nothing");

    let (status, body) = move_to(&s, &s.admin, &second, json!({"to": "duplicate", "duplicate_of": first})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["report"]["duplicate_of"], first.as_str());
    // A duplicate of the duplicate links to the original, not into a chain.
    let (_, body) = move_to(&s, &s.admin, &third, json!({"to": "duplicate", "duplicate_of": second})).await;
    assert_eq!(body["report"]["duplicate_of"], first.as_str());

    let (status, body) = move_to(&s, &s.admin, &first, json!({"to": "rejected", "reply": "宠物已登记，属正常饲养"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["report"]["status"], "closed");
}

async fn escalation_moves_one_tier_up_to_that_tiers_responder(backend: Backend) {
    let s = setup(backend).await;
    let case = submit(&s, "pets", None).await;
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.worker), None).await;
    let before = json(&text);
    assert_eq!(before["report"]["tier"], "neighbourhood");
    assert_eq!(before["escalates_to"], "property");

    let mut responders = vec![before["report"]["responder"].clone()];
    for tier in ["property", "public", "community"] {
        let uri = format!("/api/reports/{case}/escalate");
        let (status, _, text) = call(&s.app, "POST", &uri, Some(&s.admin), Some(json!({"note": "楼栋长协调无果"}).to_string())).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let after = json(&text);
        assert_eq!(after["report"]["tier"], tier);
        assert_eq!(after["report"]["state"], "received", "escalation does not move the state");
        let expected = minsheng::services::reports::routing::route(&s.catalog.snapshot(), s.point, tier.parse().unwrap()).unwrap();
        assert_eq!(after["report"]["responder"], expected.responder.as_str());
        responders.push(after["report"]["responder"].clone());
        let last = after["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "escalate");
        assert!(last["note"].as_str().unwrap().contains(tier), "{last}");
    }
    responders.dedup();
    assert!(responders.len() >= 3, "each tier has its own responder: {responders:?}");
    let uri = format!("/api/reports/{case}/escalate");
    let (status, _, text) = call(&s.app, "POST", &uri, Some(&s.admin), Some("{}".into())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
}

async fn officials_see_the_overdue_list_and_on_time_rates_per_area(backend: Backend) {
    let s = setup(backend).await;
    let admin = minsheng::services::auth::authenticate(&s.catalog, &s.admin).await.unwrap();
    // Nobody verifies what they resolved: a second admin verifies and closes.
    let second = create_token(&s.catalog, &TokenRequest::new(Role::Admin, "督查"), now()).await.unwrap().secret;
    let auditor = minsheng::services::auth::authenticate(&s.catalog, &second).await.unwrap();
    let day = 86_400;
    let t0 = now() - 30 * day;
    let step = |staff: &Staff, case: String, moves: Vec<(&'static str, i64)>| {
        let catalog = s.catalog.clone();
        let staff = staff.clone();
        async move {
            for (to, at) in moves {
                if to == "verified" {
                    // A resident's case is verified after the reporter's rating (here a return visit).
                    rating::return_visit(&catalog, &staff, &case, "satisfied", None, &Seen::default(), at).await.unwrap();
                }
                let reply = (to == "resolved").then(|| "已处理".to_owned());
                let request = Move { to: to.parse().unwrap(), note: None, reply, duplicate_of: None, unit: None };
                workflow::transition(&catalog, &staff, &case, request, &Seen::default(), at).await.unwrap();
            }
            case
        }
    };
    // Sanitation has a one-day deadline: one case resolved in hours, one after three days,
    // one dispatched long ago and still open (overdue), one dispatched just now.
    let on_time = step(
        &admin,
        submit(&s, "sanitation", None).await,
        vec![("accepted", t0), ("dispatched", t0), ("in_progress", t0), ("resolved", t0 + 3_600)],
    )
    .await;
    let on_time = step(&auditor, on_time, vec![("verified", t0 + 2 * day), ("closed", t0 + 2 * day)]).await;
    let late = step(
        &admin,
        submit(&s, "sanitation", None).await,
        vec![("accepted", t0), ("dispatched", t0), ("in_progress", t0), ("resolved", t0 + 3 * day)],
    )
    .await;
    let late = step(&auditor, late, vec![("verified", t0 + 3 * day), ("closed", t0 + 3 * day)]).await;
    let overdue = step(&admin, submit(&s, "sanitation", None).await, vec![("accepted", t0), ("dispatched", t0 + day)]).await;
    let fresh = step(&admin, submit(&s, "sanitation", None).await, vec![("accepted", now()), ("dispatched", now())]).await;

    let (status, _, text) = call(&s.app, "GET", "/api/reports/overdue?category=sanitation&limit=1000", Some(&s.official), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let listed: Vec<String> =
        json(&text)["reports"].as_array().unwrap().iter().map(|r| r["case_number"].as_str().unwrap().to_owned()).collect();
    assert!(listed.contains(&overdue), "{listed:?}");
    assert!(!listed.contains(&fresh) && !listed.contains(&on_time) && !listed.contains(&late));
    assert!(json(&text)["reports"].as_array().unwrap().iter().all(|r| r["overdue"] == true));

    // Closure rates per grid agree with a count made from the store, and roll up to communities and streets.
    let everything = s.catalog.store().reports(&Default::default()).await.unwrap();
    let in_grid: Vec<_> = everything.iter().filter(|r| r.routed.grid_id == s.grid).collect();
    let closed_on_time = in_grid.iter().filter(|r| r.on_time == Some(true) && r.state.as_str() == "closed").count() as u64;
    let closed_late = in_grid.iter().filter(|r| r.on_time == Some(false) && r.state.as_str() == "closed").count() as u64;
    assert!(closed_on_time >= 1 && closed_late >= 1);
    let (status, _, text) = call(&s.app, "GET", "/api/reports/closure?by=grid", Some(&s.official), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let rows = json(&text);
    let row = rows.as_array().unwrap().iter().find(|r| r["id"] == s.grid.as_str()).expect("the grid has a row").clone();
    assert_eq!(row["on_time"], closed_on_time);
    assert_eq!(row["late"], closed_late);
    assert_eq!(row["total"], in_grid.len() as u64);
    let rate = row["on_time_rate"].as_f64().unwrap();
    assert!((rate - closed_on_time as f64 / (closed_on_time + closed_late) as f64).abs() < 1e-9);
    assert!(row["overdue"].as_u64().unwrap() >= 1);
    assert!(row["name"].as_str().is_some());
    for level in ["community", "street"] {
        let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/closure?by={level}"), Some(&s.official), None).await;
        let total: u64 = json(&text).as_array().unwrap().iter().map(|r| r["total"].as_u64().unwrap()).sum();
        assert_eq!(total, everything.len() as u64, "{level} rows cover every case once");
    }
    let (status, _, _) = call(&s.app, "GET", "/api/reports/closure?by=planet", Some(&s.official), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A grid worker's figures cover their own grid only.
    let (_, _, text) = call(&s.app, "GET", "/api/reports/closure?by=grid", Some(&s.worker), None).await;
    let rows = json(&text);
    assert!(rows.as_array().unwrap().iter().all(|r| r["id"] == s.grid.as_str()), "{rows}");
}

async fn anonymous_submissions_are_limited_per_client_and_staff_are_not(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let settings = minsheng::http::Settings { submissions_per_minute: 3, ..Default::default() };
    let app = minsheng::http::router_with(catalog.clone(), settings);
    let p = common::inside(&catalog.snapshot().data.buildings[3].geometry);
    let body = json!({"category": "noise", "description": "夜间装修", "lon": p.x(), "lat": p.y()}).to_string();
    let before = catalog.store().count_reports(&Default::default()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(call(&app, "POST", "/api/reports", None, Some(body.clone())).await.0, StatusCode::CREATED);
    }
    let (status, headers, text) = call(&app, "POST", "/api/reports", None, Some(body.clone())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    assert!(headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(json(&text)["error"]["code"], "rate_limited");
    assert_eq!(catalog.store().count_reports(&Default::default()).await.unwrap(), before + 3, "the refused one was not written");

    let official = create_token(&catalog, &TokenRequest::new(Role::Official, "热线坐席"), now()).await.unwrap().secret;
    let hotline = json!({"category": "noise", "description": "12345转来：夜间装修", "lon": p.x(), "lat": p.y(), "source": "hotline_12345"});
    for _ in 0..5 {
        let (status, _, text) = call(&app, "POST", "/api/reports", Some(&official), Some(hotline.to_string())).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        assert_eq!(json(&text)["report"]["source"], "hotline_12345");
    }
    // Only staff may claim a source other than a resident.
    let limited = minsheng::http::router(catalog.clone());
    let (status, _, text) = call(&limited, "POST", "/api/reports", None, Some(hotline.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("source"));
    // Oversized bodies get a JSON error too.
    let huge = json!({"category": "noise", "description": "x".repeat(20_000), "lon": p.x(), "lat": p.y()}).to_string();
    let (status, _, text) = call(&limited, "POST", "/api/reports", None, Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(&text)["error"]["code"], "body_too_large");
}

async fn token_roles_are_checked_at_creation(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let no_grid = create_token(&catalog, &TokenRequest::new(Role::GridWorker, "x"), now()).await.unwrap_err();
    assert!(no_grid.to_string().contains("grid"), "{no_grid}");
    let in_nowhere = |role| TokenRequest { grid: Some("G-nowhere".into()), ..TokenRequest::new(role, "x") };
    let bad_grid = create_token(&catalog, &in_nowhere(Role::GridWorker), now()).await.unwrap_err();
    assert!(bad_grid.to_string().contains("G-nowhere"));
    let official_with_grid = create_token(&catalog, &in_nowhere(Role::Official), now()).await.unwrap_err();
    assert!(official_with_grid.to_string().contains("--street S, --community C or neither"), "{official_with_grid}");
    let created = create_token(&catalog, &TokenRequest::new(Role::Admin, "管理员"), now()).await.unwrap();
    assert!(created.secret.starts_with("ms_") && created.secret.len() == 67);
    // Only the hash is stored: the secret appears nowhere in what the store gives back.
    let tokens = catalog.store().tokens().await.unwrap();
    assert!(!format!("{tokens:?}").contains(&created.secret[3..]));
}
