//! The OpenAPI document at `/openapi.json`: valid OpenAPI 3.1 (checked by
//! openapi-spec-validator), and in step with the router both ways: every documented
//! operation is routed, and every route is documented except the few static assets listed
//! here (a route is documented by being added with `utoipa_axum::routes!`, so a plain
//! `.route(` in `src/http` is the only way to add an undocumented one).

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use common::{call, json};

/// Routes deliberately left out of the document: the page's files and the `/docs` assets,
/// all static.
const STATIC_ASSETS: &[&str] = &[
    "/",
    "/app.js",
    "/planner.js",
    "/official.js",
    "/report.js",
    "/staff.js",
    "/i18n.js",
    "/util.js",
    "/board.js",
    "/moves.js",
    "/i18n-work.js",
    "/elevators.js",
    "/lifecircle.js",
    "/i18n-lifecircle.js",
    "/follow.js",
    "/photos.js",
    "/moderation.js",
    "/i18n-follow.js",
    "/style.css",
    "/vendor/maplibre-gl.js",
    "/vendor/maplibre-gl.css",
    "/docs/init.js",
    "/docs/swagger-ui.css",
    "/docs/swagger-ui-bundle.js",
];

/// Routes of other areas (OGC, tiles) not yet added through `routes!`: each branch that
/// documents them takes them off this list.
const NOT_YET_DOCUMENTED: &[&str] = &[];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document() -> Value {
    let app = minsheng::http::router(common::demo_catalog().await);
    let (status, headers, text) = call(&app, "GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "application/vnd.oai.openapi+json;version=3.1");
    json(&text)
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let document = document().await;
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", document["openapi"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi_validate.py");
    let errors = common::run_python(script, "import openapi_spec_validator", "openapi-spec-validator", &document);
    let errors = String::from_utf8(errors).unwrap();
    assert!(errors.trim().is_empty(), "the document breaks OpenAPI 3.1:\n{errors}");
}

#[tokio::test]
async fn the_validator_rejects_a_broken_document() {
    // The check above must be able to fail: a response without a description, and a
    // reference to a schema nobody defined, are invalid.
    let mut document = document().await;
    document["paths"]["/healthz"]["get"]["responses"]["200"].as_object_mut().unwrap().remove("description");
    document["paths"]["/api/layers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
        serde_json::json!({ "$ref": "#/components/schemas/Nowhere" });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi_validate.py");
    let errors =
        String::from_utf8(common::run_python(script, "import openapi_spec_validator", "openapi-spec-validator", &document)).unwrap();
    assert!(errors.contains("healthz") && errors.contains("description"), "{errors}");
    assert!(errors.contains("Nowhere"), "{errors}");
}

/// A value for each path parameter: one that exists where that matters to reach the handler.
fn fill(path: &str) -> String {
    // A tile's source is a layer list; TileJSON's is the list with `.json`.
    path.replace("{source}/{z}/{x}/{y}", "stations/14/13000/6600.mvt")
        .replace("{source}", "stations.json")
        .replace("{layer}", "stations")
        .replace("{id}", "no-such-id")
        .replace("{case}", "MS-00000000-0000")
        .replace("{secret}", "no-such-secret")
        .replace("{file}", "parking.json")
        .replace("{collection}", "stations")
        .replace("{feature}", "no-such-id")
}

/// Whether an answer came from the fallbacks (no route) or from a route of another method.
fn unrouted(status: StatusCode, text: &str) -> bool {
    status == StatusCode::METHOD_NOT_ALLOWED
        || (status == StatusCode::NOT_FOUND && (text.contains("no such endpoint") || text.contains("no Open311 resource")))
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = minsheng::http::router(common::demo_catalog().await);
    let document = document().await;
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let uri = fill(path);
            let (status, _, text) = call(&app, &method.to_uppercase(), &uri, None, None).await;
            assert!(!unrouted(status, &text), "{method} {path} is documented but not routed ({uri}: {status} {text})");
            operations += 1;
        }
    }
    // The check must be able to fail: a path nobody routes is caught.
    let (status, _, text) = call(&app, "GET", "/api/no-such-thing", None, None).await;
    assert!(unrouted(status, &text));
    let (status, _, text) = call(&app, "DELETE", "/api/layers", None, None).await;
    assert!(unrouted(status, &text), "{status} {text}");
    assert!(operations >= 30, "only {operations} operations documented");
}

/// The literal paths of plain `.route("…"` calls in the HTTP layer's source (the ones not
/// added through `routes!`, hence not documented), with nested prefixes joined.
fn plain_routes() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http"))];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for call in [".route(\"", ".route_service(\"", ".nest_service(\""] {
            for (at, _) in text.match_indices(call) {
                let rest = &text[at + call.len()..];
                found.insert(rest[..rest.find('"').unwrap()].to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_is_documented_but_the_static_assets() {
    let document = document().await;
    let documented: BTreeSet<&str> = document["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    let plain = plain_routes();
    let allowed: BTreeSet<String> = STATIC_ASSETS.iter().chain(NOT_YET_DOCUMENTED).map(|p| p.to_string()).collect();
    assert_eq!(plain, allowed, "plain `.route(` calls (undocumented) differ from the lists in this test");
    for path in STATIC_ASSETS.iter().chain(NOT_YET_DOCUMENTED) {
        assert!(!documented.contains(path), "{path} is documented: take it off the lists in this test");
    }
    // The static ones are really served.
    let app = minsheng::http::router(common::demo_catalog().await);
    for path in STATIC_ASSETS {
        let (status, _, _) = call(&app, "GET", path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn docs_page_works_offline_from_the_document() {
    let app = minsheng::http::router(common::demo_catalog().await);
    let (status, headers, page) = call(&app, "GET", "/docs", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    // Every script and stylesheet it loads is served here, none from another host.
    let mut assets = 0;
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            let url = &rest[..rest.find('"').unwrap()];
            assert!(!url.contains("//"), "{url} is not local");
            let (status, _, body) = call(&app, "GET", &format!("/{url}"), None, None).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert!(body.len() > 100, "{url}");
            assets += 1;
        }
    }
    assert_eq!(assets, 3);
    let (_, _, init) = call(&app, "GET", "/docs/init.js", None, None).await;
    assert!(init.contains("\"openapi.json\""), "{init}");
}

#[tokio::test]
async fn staff_routes_name_the_bearer_scheme() {
    let document = document().await;
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let queue = &document["paths"]["/api/reports/overdue"]["get"];
    assert_eq!(queue["security"][0]["bearer"], serde_json::json!([]), "{queue}");
    // Every operation documents the error shape.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["responses"].get("4XX").is_some(), "{method} {path}");
        }
    }
}
