//! Category settings over HTTP, on both backends: an admin's change applies to new cases and
//! is audited, others are refused, bad input changes nothing, and subcategories take cases.

mod common;

use axum::http::StatusCode;
use common::backend::{Backend, TestDatabase};
use common::{call, call_with, json};
use minsheng::model::reports::{Category, Role};
use minsheng::model::time::now;
use minsheng::services::auth::{TokenRequest, create_token};
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    an_admins_change_applies_to_new_cases_only_and_is_audited,
    #[tokio::test]
    non_admins_and_bad_input_change_nothing,
    #[tokio::test]
    a_subcategory_takes_cases_and_a_wrong_one_is_refused,
);

const HOUR: i64 = 3_600;

struct Setup {
    _database: TestDatabase,
    app: axum::Router,
    point: geo::Point,
    admin: String,
    official: String,
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::district_catalog_on(backend).await;
    let point = common::inside(&catalog.snapshot().data.buildings[10].geometry);
    let admin = create_token(&catalog, &TokenRequest::new(Role::Admin, "王管理员"), now()).await.unwrap().secret;
    let official = create_token(&catalog, &TokenRequest::new(Role::Official, "街道干部"), now()).await.unwrap().secret;
    Setup { app: common::unlimited_app(catalog), _database: database, point, admin, official }
}

/// Files a case and answers the created report (status checked by the caller).
async fn file(s: &Setup, category: &str, subcategory: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"category": category, "description": "消防通道被车堵住", "lon": s.point.x(), "lat": s.point.y()});
    if let Some(sub) = subcategory {
        body["subcategory"] = json!(sub);
    }
    let (status, _, text) = call(&s.app, "POST", "/api/reports", None, Some(body.to_string())).await;
    (status, json(&text))
}

/// The seconds a case allows to answer, as staff see it.
async fn response_secs(s: &Setup, case: &str) -> i64 {
    let (status, _, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.admin), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let report = &json(&text)["report"];
    report["response_due_at"].as_i64().unwrap() - report["created_at"].as_i64().unwrap()
}

async fn put(s: &Setup, key: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "PUT", &format!("/api/categories/{key}"), token, Some(body.to_string())).await;
    (status, if text.is_empty() { Value::Null } else { json(&text) })
}

async fn get(s: &Setup, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
    let (status, _, text) = call(&s.app, "GET", uri, token, None).await;
    (status, json(&text))
}

fn category<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|c| c["key"] == key).unwrap_or_else(|| panic!("no {key} in {list}"))
}

async fn an_admins_change_applies_to_new_cases_only_and_is_audited(backend: Backend) {
    let s = setup(backend).await;
    let (status, list) = get(&s, "/api/categories", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), Category::ALL.len());
    let builtin = Category::Parking.response_time().as_secs() as i64;
    assert_eq!(category(&list, "parking")["response_hours"], json!(builtin as f64 / HOUR as f64));
    let (_, _, vocabulary) = call(&s.app, "GET", "/api/vocabulary", None, None).await;
    let (_, headers, _) = call(&s.app, "GET", "/api/vocabulary", None, None).await;
    let etag_before = headers["etag"].to_str().unwrap().to_owned();
    assert!(vocabulary.contains("\"parking\""));

    let (status, old) = file(&s, "parking", None).await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    let old = old["report"]["case_number"].as_str().unwrap().to_owned();
    assert_eq!(response_secs(&s, &old).await, builtin);

    let body = json!({"response_hours": 2, "resolution_hours": 48, "label_en": "car parking"});
    let (status, changed) = put(&s, "parking", Some(&s.admin), body).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["response_hours"].as_f64(), changed["label_en"].as_str()), (Some(2.0), Some("car parking")));
    assert_eq!(changed["tier"], "property", "a partial body changes only what it names");

    let (status, new) = file(&s, "parking", None).await;
    assert_eq!(status, StatusCode::CREATED, "{new}");
    let new = new["report"]["case_number"].as_str().unwrap().to_owned();
    assert_eq!(response_secs(&s, &new).await, 2 * HOUR, "a new case gets the new setting");
    assert_eq!(response_secs(&s, &old).await, builtin, "an old case keeps its own");

    let (status, audit) = get(&s, "/api/categories/changes", Some(&s.admin)).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let rows = audit.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{audit}");
    assert!(rows[0]["actor"].as_str().unwrap().contains("王管理员"), "{audit}");
    assert_eq!(rows[0]["key"], "parking");
    assert_eq!(rows[0]["before"]["response_secs"], json!(builtin));
    assert_eq!((rows[0]["after"]["response_secs"].as_i64(), rows[0]["after"]["label_en"].as_str()), (Some(2 * HOUR), Some("car parking")));

    // Open311's service list gives the new deadline and label.
    let (_, services) = get(&s, "/open311/v2/services.json", None).await;
    let parking = services.as_array().unwrap().iter().find(|x| x["service_code"] == "parking").unwrap();
    let description = parking["description"].as_str().unwrap();
    assert!(description.contains("2 天") && description.contains("car parking (property), deadline 2 days"), "{description}");

    // The page's word lists show the relabel, under a new validator.
    let (_, headers, vocabulary) = call_with(&s.app, "GET", "/api/vocabulary", &[("if-none-match", &etag_before)], None).await;
    assert_ne!(headers["etag"].to_str().unwrap(), etag_before);
    let parking = json(&vocabulary)["categories"].as_array().unwrap().iter().find(|c| c["code"] == "parking").unwrap().clone();
    assert_eq!(parking["label_en"], "car parking");
}

async fn non_admins_and_bad_input_change_nothing(backend: Backend) {
    let s = setup(backend).await;
    let (_, before) = get(&s, "/api/categories", None).await;

    let (status, body) = put(&s, "parking", Some(&s.official), json!({"response_hours": 1})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("admin"), "the refusal names the role needed: {body}");
    assert_eq!(put(&s, "parking", None, json!({"response_hours": 1})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&s, "/api/categories/changes", Some(&s.official)).await.0, StatusCode::FORBIDDEN);

    let bad = [
        (json!({"tier": "sky"}), "tier"),
        (json!({"response_hours": 0}), "response_hours"),
        (json!({"resolution_hours": -3}), "resolution_hours"),
        (json!({"resolution_hours": 24 * 366}), "resolution_hours"),
        (json!({"label_zh": " "}), "label_zh"),
        (json!({"label_en": "x".repeat(41)}), "label_en"),
        (json!({"colour": "red"}), "colour"),
        (json!({}), "nothing to change"),
        // One good field beside a bad one: the good one is not applied either.
        (json!({"label_en": "fine", "response_hours": 0}), "response_hours"),
    ];
    for (body, named) in bad {
        let (status, answer) = put(&s, "parking", Some(&s.admin), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
        assert!(answer.to_string().contains(named), "{body}: the error names {named}: {answer}");
    }
    assert_eq!(put(&s, "dragons", Some(&s.admin), json!({"response_hours": 1})).await.0, StatusCode::NOT_FOUND);

    let subcategory = |parent: &str, key: &str| {
        let uri = format!("/api/categories/{parent}/subcategories");
        let body = json!({"key": key, "label_zh": "占用消防通道", "label_en": "fire lane"}).to_string();
        let (app, admin) = (s.app.clone(), s.admin.clone());
        async move { call(&app, "POST", &uri, Some(&admin), Some(body)).await }
    };
    for (parent, key, named) in [
        ("parking", "Fire-Lane", "key"),
        ("parking", "", "key"),
        ("parking", &"x".repeat(41), "key"),
        ("dragons", "fire_lane", "parent"),
        ("parking%2Ffire_lane", "blocked", "third level"),
    ] {
        let (status, _, text) = subcategory(parent, key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{parent}/{key}: {text}");
        assert!(text.contains(named), "{parent}/{key}: the error names {named}: {text}");
    }

    let (_, after) = get(&s, "/api/categories", None).await;
    assert_eq!(after, before, "nothing changed");
    let (_, audit) = get(&s, "/api/categories/changes", Some(&s.admin)).await;
    assert_eq!(audit, json!([]), "nothing was audited");
}

async fn a_subcategory_takes_cases_and_a_wrong_one_is_refused(backend: Backend) {
    let s = setup(backend).await;
    let body =
        json!({"key": "fire_lane", "label_zh": "占用消防通道", "label_en": "fire lane blocked", "tier": "community", "response_hours": 1});
    let (status, _, text) = call(&s.app, "POST", "/api/categories/parking/subcategories", Some(&s.admin), Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let created = json(&text);
    assert_eq!((created["key"].as_str(), created["parent"].as_str()), (Some("parking/fire_lane"), Some("parking")));
    let parking_resolution = Category::Parking.deadline().as_secs() as f64 / HOUR as f64;
    assert_eq!(created["resolution_hours"], json!(parking_resolution), "an unset value is the parent's");
    assert_eq!(created["inherited"], json!(["resolution_hours"]));
    let (status, _, text) = call(&s.app, "POST", "/api/categories/parking/subcategories", Some(&s.admin), Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let (_, list) = get(&s, "/api/categories", None).await;
    assert_eq!(category(&list, "parking")["children"][0]["key"], "parking/fire_lane");

    let (status, filed) = file(&s, "parking", Some("fire_lane")).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!((filed["report"]["subcategory"].as_str(), filed["report"]["tier"].as_str()), (Some("fire_lane"), Some("community")));
    let case = filed["report"]["case_number"].as_str().unwrap().to_owned();
    assert_eq!(response_secs(&s, &case).await, HOUR);

    let (status, refused) = file(&s, "parking", Some("bikes")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.to_string().contains("subcategory") && refused.to_string().contains("fire_lane"), "{refused}");
    let (status, refused) = file(&s, "noise", Some("fire_lane")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a child of another category: {refused}");

    let (status, changed) = put(&s, "parking%2Ffire_lane", Some(&s.admin), json!({"resolution_hours": 10})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["resolution_hours"].as_f64(), changed["inherited"].clone()), (Some(10.0), json!([])));

    let (_, _, vocabulary) = call(&s.app, "GET", "/api/vocabulary", None, None).await;
    let vocabulary = json(&vocabulary);
    let parking = vocabulary["categories"].as_array().unwrap().iter().find(|c| c["code"] == "parking").unwrap();
    assert_eq!(parking["subcategories"], json!([{"code": "fire_lane", "label_zh": "占用消防通道", "label_en": "fire lane blocked"}]));
}
