//! Moderation (内容审核) over HTTP: a supervisor of the place hides or redacts a description
//! or a photo with a reason; nobody else may; the public sees the fixed notice (or nothing)
//! in every answer while staff keep the original and the audit; only an admin reverts.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::{call, json};
use minsheng::model::photos::REDACTED_TEXT;
use minsheng::model::reports::Role;
use minsheng::model::time::now;
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use serde_json::{Value, json};

on_both_backends!(
    a_supervisor_redacts_a_description_staff_keep_it_and_an_admin_reverts_it,
    only_supervisors_and_admins_of_the_place_moderate_and_a_reason_is_required,
);

const ABUSIVE: &str = "楼上那个王八蛋天天半夜剁肉";

struct Setup {
    catalog: Catalog,
    _database: TestDatabase,
    app: axum::Router,
    case: String,
    street: String,
    routed: minsheng::model::reports::Routed,
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let point = common::inside(&snapshot.data.buildings[3].geometry);
    let routed = minsheng::services::reports::routing::route(&snapshot, point, "neighbourhood".parse().unwrap()).unwrap();
    drop(snapshot);
    let body = json!({"category": "noise", "description": ABUSIVE, "lon": point.x(), "lat": point.y()});
    let (status, _, text) = call(&app, "POST", "/api/reports", None, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let case = json(&text)["report"]["case_number"].as_str().unwrap().to_owned();
    Setup { catalog, _database: database, app, case, street: routed.street_id.clone(), routed }
}

async fn token(s: &Setup, request: TokenRequest) -> String {
    create_token(&s.catalog, &request, now()).await.unwrap().secret
}

async fn moderate(s: &Setup, token: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "POST", &format!("/api/reports/{}/moderation", s.case), Some(token), Some(body.to_string())).await;
    (status, json(&text))
}

/// Every public answer that carries the case's text.
async fn public_answers(s: &Setup) -> String {
    let mut all = String::new();
    for uri in [
        format!("/api/reports/{}", s.case),
        format!("/open311/v2/requests/{}.json", s.case),
        format!("/open311/v2/requests/{}.xml", s.case),
        "/open311/v2/requests.json".to_owned(),
        format!("/ogc/collections/reports/items/{}", s.case),
        "/ogc/collections/reports/items?limit=10000".to_owned(),
    ] {
        let (status, _, text) = call(&s.app, "GET", &uri, None, None).await;
        assert!(status.is_success(), "{uri}: {status} {text}");
        all += &text;
    }
    all
}

async fn a_supervisor_redacts_a_description_staff_keep_it_and_an_admin_reverts_it(backend: Backend) {
    let s = setup(backend).await;
    assert!(public_answers(&s).await.contains(ABUSIVE), "shown before moderation");
    let supervisor = token(&s, TokenRequest { street: Some(s.street.clone()), ..TokenRequest::new(Role::Supervisor, "街道督办") }).await;
    let admin = token(&s, TokenRequest::new(Role::Admin, "管理员")).await;

    let (status, answer) = moderate(&s, &supervisor, json!({"target": "description", "action": "redact", "reason": "辱骂他人"})).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let id = answer["moderation"]["id"].as_i64().unwrap();
    assert!(answer["moderation"]["moderated_by"].as_str().unwrap().contains("街道督办"));

    let public = public_answers(&s).await;
    assert!(!public.contains(ABUSIVE), "the redacted text is in no public answer");
    assert!(public.contains(REDACTED_TEXT));
    assert!(!public.contains("辱骂他人"), "the reason is staff information");

    // Staff keep the original, the moderation and the audit event with who and why.
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{}", s.case), Some(&supervisor), None).await;
    let staff = json(&text);
    assert_eq!(staff["report"]["description"], ABUSIVE);
    assert_eq!(staff["report"]["moderations"][0]["reason"], "辱骂他人");
    let event = staff["history"].as_array().unwrap().iter().find(|e| e["action"] == "moderate").expect("an audit event");
    assert!(event["actor"].as_str().unwrap().contains("街道督办") && event["note"].as_str().unwrap().contains("辱骂他人"), "{event}");

    // Twice is a conflict; a supervisor may not revert; an admin may, once.
    assert_eq!(
        moderate(&s, &supervisor, json!({"target": "description", "action": "hide", "reason": "再来"})).await.0,
        StatusCode::CONFLICT
    );
    let revert = format!("/api/reports/{}/moderation/{id}/revert", s.case);
    assert_eq!(call(&s.app, "POST", &revert, Some(&supervisor), None).await.0, StatusCode::FORBIDDEN);
    let (status, _, text) = call(&s.app, "POST", &revert, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(json(&text)["moderation"]["reverted_at"].is_i64());
    assert!(public_answers(&s).await.contains(ABUSIVE), "shown again");
    assert_eq!(call(&s.app, "POST", &revert, Some(&admin), None).await.0, StatusCode::NOT_FOUND);
    let deleted = format!("/api/reports/{}/moderation/{id}", s.case);
    assert_eq!(call(&s.app, "DELETE", &deleted, Some(&admin), None).await.0, StatusCode::NOT_FOUND);

    // The audit keeps both, reverted and all.
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{}", s.case), Some(&admin), None).await;
    let staff = json(&text);
    let actions: Vec<&str> = staff["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["moderate", "unmoderate"]), "{actions:?}");
    assert!(staff["report"]["moderations"][0]["reverted_by"].as_str().unwrap().contains("管理员"));

    // A hide through DELETE's route is reverted too.
    let (status, answer) = moderate(&s, &supervisor, json!({"target": "description", "action": "hide", "reason": "泄露隐私"})).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(!public_answers(&s).await.contains(ABUSIVE));
    let deleted = format!("/api/reports/{}/moderation/{}", s.case, answer["moderation"]["id"]);
    assert_eq!(call(&s.app, "DELETE", &deleted, Some(&admin), None).await.0, StatusCode::OK);
    assert!(public_answers(&s).await.contains(ABUSIVE));
}

async fn only_supervisors_and_admins_of_the_place_moderate_and_a_reason_is_required(backend: Backend) {
    let s = setup(backend).await;
    let redact = json!({"target": "description", "action": "redact", "reason": "辱骂"});
    let unit = s.catalog.snapshot().data.units[0].id.clone();
    for role in [Role::Dispatcher, Role::Handler, Role::GridWorker, Role::Official] {
        let request = TokenRequest::new(role, "其他角色");
        let request = match role {
            Role::Dispatcher => TokenRequest { community: Some(s.routed.community_id.clone()), ..request },
            Role::Handler => TokenRequest { unit: Some(unit.clone()), ..request },
            Role::GridWorker => TokenRequest { grid: Some(s.routed.grid_id.clone()), ..request },
            _ => request,
        };
        let other = token(&s, request).await;
        let (status, answer) = moderate(&s, &other, redact.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {answer}");
    }
    assert_eq!(
        call(&s.app, "POST", &format!("/api/reports/{}/moderation", s.case), None, Some(redact.to_string())).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A supervisor of another street may not.
    let elsewhere = s.catalog.snapshot().data.streets.iter().find(|x| x.id != s.street).map(|x| x.id.clone());
    if let Some(street) = elsewhere {
        let outsider = token(&s, TokenRequest { street: Some(street), ..TokenRequest::new(Role::Supervisor, "外街道") }).await;
        assert_eq!(moderate(&s, &outsider, redact.clone()).await.0, StatusCode::FORBIDDEN);
    }
    let supervisor = token(&s, TokenRequest { street: Some(s.street.clone()), ..TokenRequest::new(Role::Supervisor, "督办") }).await;
    for (body, field) in [
        (json!({"target": "description", "action": "redact", "reason": "  "}), "reason"),
        (json!({"target": "description", "action": "redact"}), "body"),
        (json!({"target": "title", "action": "redact", "reason": "x"}), "target"),
        (json!({"target": "description", "action": "erase", "reason": "x"}), "action"),
        (json!({"target": "photo", "action": "hide", "reason": "x"}), "id"),
        (json!({"target": "photo", "id": 424242, "action": "hide", "reason": "x"}), "id"),
        (json!({"target": "reply", "id": 424242, "action": "hide", "reason": "x"}), "id"),
    ] {
        let (status, answer) = moderate(&s, &supervisor, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(field), "{body}: {answer}");
    }
    let (_, _, text) = call(&s.app, "GET", &format!("/api/reports/{}", s.case), Some(&supervisor), None).await;
    assert!(json(&text)["report"]["moderations"].as_array().unwrap().is_empty(), "nothing was written");
    assert_eq!(moderate(&s, &supervisor, redact).await.0, StatusCode::CREATED);
}
