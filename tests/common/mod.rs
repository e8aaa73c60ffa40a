//! Shared test setup: a catalog over a fresh in-memory database with the demo district.
#![allow(dead_code)]

pub mod backend;
pub mod server;

use std::sync::Arc;

use geo::{Geometry, InteriorPoint, Point};
use minsheng::services::Catalog;
use minsheng::store::{SqliteStore, Store};

/// A fresh in-memory store (nothing shared between tests).
pub async fn empty_store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open("sqlite::memory:").await.expect("in-memory SQLite opens"))
}

/// A catalog holding the bundled demo district.
pub async fn demo_catalog() -> Catalog {
    let catalog = Catalog::open(empty_store().await).await.expect("catalog opens");
    assert!(catalog.seed_demo_if_empty().await.expect("demo loads"));
    catalog
}

/// A catalog holding the demo district but no reports, for tests that list every case.
pub async fn district_catalog() -> Catalog {
    let catalog = Catalog::open(empty_store().await).await.expect("catalog opens");
    assert!(catalog.seed_demo_district_if_empty().await.expect("demo loads"));
    catalog
}

/// The router over a catalog without the per-client submission limit, for tests that
/// submit more than a client may in a minute (the limit has its own test).
pub fn unlimited_app(catalog: Catalog) -> axum::Router {
    let settings = minsheng::http::Settings { submissions_per_minute: 0, ..Default::default() };
    minsheng::http::router_with(catalog, settings)
}

/// A point certainly inside an area.
pub fn inside(geometry: &Geometry) -> Point {
    geometry.interior_point().expect("areas have an interior point")
}

/// One request through the router: status, headers and body text. `token` goes in as
/// `Authorization: Bearer`.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Parses a JSON answer, showing it when it is not JSON.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// The Python that runs the independent implementations: `$MINSHENG_PYTHON`, else the
/// project's virtual environment made by `scripts/setup.sh`, else `python3` on the PATH.
pub fn python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("MINSHENG_PYTHON") {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() { venv } else { "python3".into() }
}

/// [`call`] with request headers of the caller's choosing (JSON bodies get a content type
/// unless one is given).
pub async fn call_with(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if body.is_some() && !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        request = request.header("content-type", "application/json");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).unwrap())
}
