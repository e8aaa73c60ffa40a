//! Errors the HTTP layer raises before a handler runs (405, 413, 414, 431, axum's own 400s),
//! Open311's 429 and dates outside 1970–2100: all in the error shape, through the router.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use minsheng::http::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};
use serde_json::{Value, json};
use tower::ServiceExt;

use common::json;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

async fn send(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let text = String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Answer { status: parts.status, headers: parts.headers, text }
}

async fn get(app: &axum::Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Our error: `{"error": {"code", "message"}}` with the given code; the message.
fn our_error(answer: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.headers["content-type"], "application/json", "{}", answer.text);
    let body = json(&answer.text);
    assert_eq!(body["error"]["code"], code, "{}", answer.text);
    body["error"]["message"].as_str().expect("a message").to_owned()
}

/// Open311's error: `[{"code", "description"}]` with the status as its code; the description.
fn open311_error(answer: &Answer, status: StatusCode) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    let body = json(&answer.text);
    assert_eq!(body[0]["code"], status.as_u16(), "{}", answer.text);
    body[0]["description"].as_str().expect("a description").to_owned()
}

/// One path per route (parameters filled in), none of which takes PUT or DELETE.
const ROUTES: &[&str] = &[
    "/healthz",
    "/api/locate",
    "/api/search",
    "/api/layers",
    "/api/layers/buildings",
    "/api/layers/buildings/CP0001-B01",
    "/api/reports",
    "/api/reports/nearby",
    "/api/reports/overdue",
    "/api/reports/closure",
    "/api/reports/import",
    "/api/reports/MS00000001",
    "/api/reports/MS00000001/support",
    "/api/reports/MS00000001/transition",
    "/api/reports/MS00000001/escalate",
    "/api/heatmap",
    "/api/stats/problems",
    "/api/stats/problems.csv",
    "/api/stats/timeline",
    "/api/coverage",
    "/api/coverage/buildings",
    "/api/coverage/isochrones",
    "/api/coverage/plan",
    "/tiles/buildings.json",
    "/tiles/buildings/16/51708/26866.mvt",
    "/ogc",
    "/ogc/",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/buildings",
    "/ogc/collections/buildings/items",
    "/ogc/collections/buildings/items/CP0001-B01",
    "/",
    "/app.js",
    "/style.css",
    "/vendor/maplibre-gl.js",
];

const OPEN311_ROUTES: &[&str] = &[
    "/open311/v2/discovery.json",
    "/open311/v2/services.json",
    "/open311/v2/services/parking.json",
    "/open311/v2/requests.json",
    "/open311/v2/requests/MS00000001.json",
];

#[tokio::test]
async fn every_route_answers_a_wrong_method_with_a_json_405() {
    let app = minsheng::http::router(common::demo_catalog().await);
    for method in ["PUT", "DELETE"] {
        for path in ROUTES {
            let answer = send(&app, Request::builder().method(method).uri(*path).body(Body::empty()).unwrap()).await;
            let message = our_error(&answer, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
            assert!(message.contains(method) && message.contains(path), "{method} {path}: {message}");
            assert!(answer.headers.contains_key("allow"), "{method} {path}");
        }
        for path in OPEN311_ROUTES {
            let answer = send(&app, Request::builder().method(method).uri(*path).body(Body::empty()).unwrap()).await;
            assert!(open311_error(&answer, StatusCode::METHOD_NOT_ALLOWED).contains(method), "{method} {path}");
            assert!(answer.headers.contains_key("allow"), "{method} {path}");
        }
    }
    let answer = send(&app, Request::delete("/open311/v2/requests.xml").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(answer.text.contains("<errors><error><code>405</code>"), "{}", answer.text);
}

#[tokio::test]
async fn a_declared_body_over_the_routes_limit_is_refused_unread() {
    let app = common::unlimited_app(common::demo_catalog().await);
    let declared = |uri: &str, length: u64| {
        Request::post(uri).header("content-type", "application/json").header("content-length", length).body(Body::empty()).unwrap()
    };
    // No body follows; a server that waited for it would answer 400 for the empty JSON.
    let answer = send(&app, declared("/api/reports", 99_999_999_999)).await;
    assert!(our_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").contains("16384 bytes"));
    let answer = send(&app, declared("/api/coverage/plan", 2 * 1024 * 1024)).await;
    assert!(our_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").contains("1048576 bytes"));
    let answer = send(&app, declared("/api/reports/import", 65 * 1024 * 1024)).await;
    assert!(our_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").contains("67108864 bytes"));
    let answer = send(&app, declared("/open311/v2/requests.json", 99_999_999_999)).await;
    assert!(open311_error(&answer, StatusCode::PAYLOAD_TOO_LARGE).contains("65536 bytes"));

    // Routes with a larger limit take bodies over the ordinary one.
    let plan = format!("{{\"kind\":\"clinic\",\"meters\":300,\"add\":1}}{}", " ".repeat(20 * 1024));
    let request = Request::post("/api/coverage/plan")
        .header("content-type", "application/json")
        .header("content-length", plan.len())
        .body(Body::from(plan))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    // And within the limit, the body is read as before.
    let answer = send(&app, declared("/api/reports", 2)).await;
    assert!(our_error(&answer, StatusCode::BAD_REQUEST, "invalid_parameter").contains("body"));
}

#[tokio::test]
async fn a_long_uri_is_a_json_414_and_many_or_long_headers_a_json_431() {
    let app = minsheng::http::router(common::demo_catalog().await);
    let long = format!("/api/search?q={}", "a".repeat(MAX_URI_BYTES));
    let message = our_error(&get(&app, &long).await, StatusCode::URI_TOO_LONG, "uri_too_long");
    assert!(message.contains(&MAX_URI_BYTES.to_string()), "{message}");
    let long = format!("/open311/v2/requests.xml?service_code={}", "a".repeat(MAX_URI_BYTES));
    let answer = get(&app, &long).await;
    assert_eq!(answer.status, StatusCode::URI_TOO_LONG);
    assert!(answer.text.contains("<errors><error><code>414</code>"), "{}", answer.text);
    // Just within the limit is answered as usual.
    let fits = format!("/healthz?pad={}", "a".repeat(MAX_URI_BYTES - "/healthz?pad=".len()));
    assert_eq!(get(&app, &fits).await.status, StatusCode::OK);

    let mut many = Request::get("/healthz");
    for i in 0..=MAX_HEADERS {
        many = many.header(format!("x-header-{i}"), "1");
    }
    let message =
        our_error(&send(&app, many.body(Body::empty()).unwrap()).await, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large");
    assert!(message.contains(&format!("{} header fields", MAX_HEADERS + 1)), "{message}");
    let big = Request::get("/healthz").header("cookie", "a".repeat(MAX_HEADER_BYTES)).body(Body::empty()).unwrap();
    let message = our_error(&send(&app, big).await, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large");
    assert!(message.contains(&MAX_HEADER_BYTES.to_string()), "{message}");
    let fits = Request::get("/healthz").header("cookie", "a".repeat(MAX_HEADER_BYTES / 2)).body(Body::empty()).unwrap();
    assert_eq!(send(&app, fits).await.status, StatusCode::OK);
}

#[tokio::test]
async fn axum_rejections_are_json_400s() {
    let app = minsheng::http::router(common::demo_catalog().await);
    // Percent-encoded bytes that are not UTF-8 fail axum's path extractor.
    for path in ["/api/layers/buildings/%FF", "/api/reports/%FF", "/ogc/collections/%FF", "/tiles/buildings/%FF/1/1"] {
        let message = our_error(&get(&app, path).await, StatusCode::BAD_REQUEST, "bad_request");
        assert!(message.contains("UTF-8"), "{path}: {message}");
    }
    let answer = get(&app, "/open311/v2/services/%FF.json").await;
    assert!(open311_error(&answer, StatusCode::BAD_REQUEST).contains("UTF-8"), "{}", answer.text);
}

#[tokio::test]
async fn open311_rate_limited_answers_carry_retry_after() {
    let catalog = common::demo_catalog().await;
    let settings = minsheng::http::Settings { submissions_per_minute: 1, ..Default::default() };
    let app = minsheng::http::router_with(catalog, settings);
    let post = || {
        Request::post("/open311/v2/requests.json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("service_code=parking&lat=30.8169&long=104.0427&description=%E6%B6%88%E9%98%B2%E9%80%9A%E9%81%93"))
            .unwrap()
    };
    assert_eq!(send(&app, post()).await.status, StatusCode::CREATED);
    let answer = send(&app, post()).await;
    assert!(open311_error(&answer, StatusCode::TOO_MANY_REQUESTS).contains("too many submissions"));
    let seconds: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
}

/// A 400 naming `parameter` and the years, never an answer with a year before 1970.
fn refused_date(answer: &Answer, parameter: &str) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert!(answer.text.contains(parameter) && answer.text.contains("outside the years 1970–2100"), "{}", answer.text);
}

#[tokio::test]
async fn dates_outside_1970_to_2100_are_400s_naming_the_parameter() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    refused_date(&get(&app, "/api/stats/timeline?interval=week&since=0000-01-01&until=2026-01-01").await, "since");
    refused_date(&get(&app, "/api/stats/timeline?since=2026-01-01&until=9999-12-31").await, "until");
    refused_date(&get(&app, "/api/heatmap?since=1969-12-31").await, "since");
    refused_date(&get(&app, "/api/stats/problems?until=2101-01-01").await, "until");
    refused_date(&get(&app, "/open311/v2/requests.json?start_date=0001-01-01").await, "start_date");
    refused_date(&get(&app, "/open311/v2/requests.json?end_date=2200-01-01T00:00:00Z").await, "end_date");
    // The edges are years 1970 and 2100 themselves.
    let answer = get(&app, "/api/stats/timeline?interval=month&since=2099-12-01&until=2100-12-31").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);

    // A historical import with a time outside them names the row and the field, and writes nothing.
    use minsheng::model::reports::Role;
    let admin = minsheng::services::auth::create_token(&catalog, &minsheng::services::auth::TokenRequest::new(Role::Admin, "管理员"), 0)
        .await
        .unwrap()
        .secret;
    let sample = include_str!("../data/samples/hotline_12345.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap().replacen("2026-01-28 19:42:10", "1900-01-28 19:42:10", 1);
    let request = Request::post("/api/reports/import")
        .header("content-type", "text/csv")
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::from(format!("{header}\n{row}\n")))
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
    let body: Value = json(&answer.text);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("row 2") && message.contains("created_at") && message.contains("outside the years 1970–2100"), "{message}");
    // The same problem, structured: the row, the case's own id, the field.
    let external_id = row.split(',').next().unwrap();
    let problems = body["problems"].as_array().expect("a 422 lists its problems");
    assert_eq!(problems.len(), 1, "{}", answer.text);
    assert_eq!((&problems[0]["index"], &problems[0]["id"], &problems[0]["field"]), (&json!(2), &json!(external_id), &json!("created_at")));
    assert!(problems[0]["message"].as_str().unwrap().starts_with("row 2 (external_id "), "{}", answer.text);
    // Other errors carry no problem list.
    let answer = get(&app, "/api/layers/nowhere").await;
    assert!(json(&answer.text).get("problems").is_none(), "{}", answer.text);
}
