//! Writes to a case over HTTP: every write makes a new version, which reads and moves send as
//! the `ETag`; a move naming what the client saw (`If-Match`, `expected_state`) is refused
//! when the case has moved on, and writes nothing; a staff member's filing names them in the
//! audit trail.

mod common;

use common::backend::{Backend, TestDatabase};

use axum::http::StatusCode;
use common::{call, call_with, json};
use minsheng::model::reports::Role;
use minsheng::model::time::now;
use minsheng::services::auth::{TokenRequest, authenticate, create_token};
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    moves_are_refused_when_the_case_is_no_longer_what_the_client_saw,
    #[tokio::test]
    a_staff_filing_names_the_staff_member_in_the_audit_trail,
);

struct Setup {
    _database: TestDatabase,
    app: axum::Router,
    catalog: minsheng::services::Catalog,
    staff: String,
    point: geo::Point,
}

async fn setup(backend: Backend) -> Setup {
    let (catalog, database) = common::backend::district_catalog_on(backend).await;
    let staff = create_token(&catalog, &TokenRequest::new(Role::Admin, "热线坐席"), now()).await.unwrap().secret;
    let point = common::inside(&catalog.snapshot().data.buildings[5].geometry);
    Setup { _database: database, app: common::unlimited_app(catalog.clone()), catalog, staff, point }
}

async fn file(s: &Setup, token: Option<&str>) -> String {
    let mut body = json!({"category": "pets", "description": "楼道里养狗扰民", "lon": s.point.x(), "lat": s.point.y()});
    if token.is_some() {
        body["source"] = json!("hotline_12345");
    }
    let (status, _, text) = call(&s.app, "POST", "/api/reports", token, Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    json(&text)["report"]["case_number"].as_str().unwrap().to_owned()
}

/// A staff move with extra headers: status, ETag (if any) and body.
async fn staff_move(s: &Setup, case: &str, path: &str, headers: &[(&str, &str)], body: Value) -> (StatusCode, Option<String>, Value) {
    let bearer = format!("Bearer {}", s.staff);
    let mut all = vec![("authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    let (status, headers, text) = call_with(&s.app, "POST", &format!("/api/reports/{case}/{path}"), &all, Some(body.to_string())).await;
    (status, headers.get("etag").map(|v| v.to_str().unwrap().to_owned()), json(&text))
}

/// The ETag and the audit trail's length, as staff read them.
async fn read(s: &Setup, case: &str) -> (String, usize) {
    let (status, headers, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), Some(&s.staff), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let view = json(&text);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"v{}\"", view["report"]["version"]), "the staff view carries the version of its ETag");
    (etag, view["history"].as_array().unwrap().len())
}

async fn moves_are_refused_when_the_case_is_no_longer_what_the_client_saw(backend: Backend) {
    let s = setup(backend).await;
    let case = file(&s, None).await;
    let (status, headers, text) = call(&s.app, "GET", &format!("/api/reports/{case}"), None, None).await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v1\""), "the public view has the ETag too");
    assert!(json(&text)["report"].get("version").is_none(), "the version is not part of the public view");
    // Public and staff views share the ETag, so no shared cache may keep either.
    assert_eq!(headers["vary"], "authorization");
    assert!(headers["cache-control"].to_str().unwrap().starts_with("private"), "{:?}", headers["cache-control"]);
    assert_eq!(read(&s, &case).await, ("\"v1\"".to_owned(), 1));

    // A resident's "me too" is a write as well: a screen showing version 1 is now stale.
    let (status, _, _) = call(&s.app, "POST", &format!("/api/reports/{case}/support"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read(&s, &case).await, ("\"v2\"".to_owned(), 2));

    let accept = json!({"to": "accepted"});
    for stale in ["\"v1\"", "W/\"v2\"", "\"something-else\""] {
        let (status, _, body) = staff_move(&s, &case, "transition", &[("if-match", stale)], accept.clone()).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "If-Match {stale}: {body}");
        assert_eq!(body["error"]["code"], "precondition_failed");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&case) && message.contains("\"v2\""), "{message}");
    }
    let (status, _, body) = staff_move(&s, &case, "transition", &[("if-match", "v2")], accept.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("If-Match"), "{body}");

    let stale_state = json!({"to": "accepted", "expected_state": "accepted"});
    let (status, _, body) = staff_move(&s, &case, "transition", &[], stale_state).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&case) && message.contains("received") && message.contains("accepted"), "names both states: {message}");
    let (status, _, body) = staff_move(&s, &case, "escalate", &[], json!({"expected_state": "flying"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("expected_state"), "{body}");
    assert_eq!(read(&s, &case).await, ("\"v2\"".to_owned(), 2), "refused moves write nothing");

    // What the client saw still holds: the move applies and answers with the new ETag.
    let fresh = json!({"to": "accepted", "expected_state": "received"});
    let (status, etag, body) = staff_move(&s, &case, "transition", &[("if-match", "\"v2\"")], fresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((etag.as_deref(), &body["report"]["version"]), (Some("\"v3\""), &json!(3)));
    let (status, etag, body) =
        staff_move(&s, &case, "escalate", &[("if-match", "\"v1\", \"v3\"")], json!({"expected_state": "accepted"})).await;
    assert_eq!((status, etag.as_deref()), (StatusCode::OK, Some("\"v4\"")), "{body}");
    assert_eq!(body["report"]["tier"], "property");
    let (status, _, body) = staff_move(&s, &case, "escalate", &[("if-match", "*")], json!({"expected_state": "received"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, etag, _) = staff_move(&s, &case, "escalate", &[("if-match", "*")], json!({})).await;
    assert_eq!((status, etag.as_deref()), (StatusCode::OK, Some("\"v5\"")));
    assert_eq!(read(&s, &case).await, ("\"v5\"".to_owned(), 5));
}

async fn a_staff_filing_names_the_staff_member_in_the_audit_trail(backend: Backend) {
    let s = setup(backend).await;
    let actor = authenticate(&s.catalog, &s.staff).await.unwrap().actor();
    let first_actor = |case: String| {
        let catalog = s.catalog.clone();
        async move {
            let (_, events) = catalog.store().report(&case).await.unwrap().unwrap();
            assert_eq!(events[0].action, "submit");
            events[0].actor.clone()
        }
    };
    assert_eq!(first_actor(file(&s, Some(&s.staff)).await).await, actor);
    assert_eq!(first_actor(file(&s, None).await).await, "resident", "a resident's filing names the source");

    let form = format!("service_code=noise&lat={}&long={}&description=夜间施工&api_key={}", s.point.y(), s.point.x(), s.staff);
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let (status, _, text) = call_with(&s.app, "POST", "/open311/v2/requests.json", &headers, Some(form)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let case = json(&text)[0]["service_request_id"].as_str().unwrap().to_owned();
    assert_eq!(first_actor(case).await, actor, "an Open311 filing with an api_key names the staff member too");
    assert!(actor.contains("热线坐席"), "{actor}");
}
