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
/// project's virtual environment that `bash scripts/setup.sh` makes. Without either, the
/// test stops with a message naming the setup command (not a Python traceback later).
pub fn python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("MINSHENG_PYTHON") {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "this test runs independent implementations from the project's Python virtual environment, \
         and {} is missing: run `bash scripts/setup.sh` first (README, \"The three commands\"), \
         or set MINSHENG_PYTHON to a Python that has tests/requirements.txt",
        venv.display()
    );
    venv
}

/// Runs a Python oracle: checks first that `import` (a Python statement) works, naming
/// `packages` and the setup command if not, then feeds `script` (a path) `input` as JSON
/// on stdin and returns its stdout.
pub fn run_python(script: &str, import: &str, packages: &str, input: &serde_json::Value) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let check = Command::new(python()).args(["-c", import]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(
        check.status.success(),
        "the Python packages {packages} are missing: run `bash scripts/setup.sh`\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Python runs the script");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{script} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// The Node.js (20 or later) the browser tests run: `$MINSHENG_NODE`, else the project-local
/// one `scripts/setup.sh` installs when the system's is older, else `node` on the PATH.
/// Stops with a message naming the setup command when that is missing or too old.
pub fn node() -> std::path::PathBuf {
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/node");
    let node = match std::env::var_os("MINSHENG_NODE") {
        Some(node) => node.into(),
        None if local.exists() => local,
        None => "node".into(),
    };
    let version = std::process::Command::new(&node).args(["-p", "process.versions.node"]).output();
    let version = version.ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let major = version.as_deref().and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    assert!(
        major.is_some_and(|major| major >= 20),
        "the browser tests need Node.js 20 or later, and {} is {}: run `bash scripts/setup.sh` \
         (it installs one into .tools/ when the system's is older), or set MINSHENG_NODE",
        node.display(),
        version.map_or("not runnable".to_owned(), |v| format!("version {v}"))
    );
    node
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
