//! Behind a reverse proxy, end to end with the real binary: which forwarding headers are
//! believed (only a `--trusted-proxy`'s), the base of links (`--public-url`), and the
//! submission limit per forwarded client, shared by instances through Redis.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, get_json, request_with, start, start_logged};
use serde_json::Value;

const REPORT: &str = r#"{"category":"parking","description":"消防通道被占","lon":104.0427,"lat":30.8169}"#;
const REDIS: &str = "redis://127.0.0.1:6379";

/// A server on a fresh database with the demo district.
fn serve(dir: &tempfile::TempDir, name: &str, extra: &[&str]) -> Server {
    start(&format!("sqlite://{}", dir.path().join(format!("{name}.db")).display()), extra)
}

/// Files one anonymous report with extra headers: the status and the response head.
fn submit(server: &Server, headers: &[(&str, &str)]) -> (u16, String) {
    let (status, head, body) = request_with(&server.address, "POST", "/api/reports", headers, Some(REPORT)).unwrap();
    assert!(status == 201 || status == 429, "{status}: {body}");
    (status, head)
}

fn statuses(server: &Server, headers: &[&[(&str, &str)]]) -> Vec<u16> {
    headers.iter().map(|h| submit(server, h).0).collect()
}

fn get_with(server: &Server, path: &str, headers: &[(&str, &str)]) -> Value {
    let (status, _, body) = request_with(&server.address, "GET", path, headers, None).unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: not JSON: {body}"))
}

fn link(body: &Value, rel: &str) -> String {
    let links = body["links"].as_array().unwrap_or_else(|| panic!("no links in {body}"));
    links.iter().find(|l| l["rel"] == rel).unwrap_or_else(|| panic!("no {rel} link in {body}"))["href"].as_str().unwrap().to_owned()
}

const PROXY_HEADERS: [(&str, &str); 3] =
    [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "map.example"), ("X-Forwarded-Prefix", "/gis/")];

#[test]
fn forwarding_headers_from_an_untrusted_peer_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(&dir, "untrusted", &["--submissions-per-minute", "2"]);
    // Each request poses as another client; all come from 127.0.0.1 and share its two.
    let got = statuses(
        &server,
        &[
            &[("X-Forwarded-For", "203.0.113.1")],
            &[("Forwarded", "for=203.0.113.2")],
            &[("X-Forwarded-For", "203.0.113.3"), ("Forwarded", "for=203.0.113.3")],
        ],
    );
    assert_eq!(got, [201, 201, 429]);

    let landing = get_with(&server, "/ogc", &PROXY_HEADERS);
    assert_eq!(link(&landing, "data"), format!("http://{}/ogc/collections", server.address));
}

#[test]
fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(&dir, "trusted", &["--submissions-per-minute", "2", "--trusted-proxy", "127.0.0.0/8"]);
    let first: &[(&str, &str)] = &[("X-Forwarded-For", "203.0.113.1")];
    assert_eq!(statuses(&server, &[first, first, first]), [201, 201, 429]);
    let (_, head) = submit(&server, first);
    assert!(head.to_ascii_lowercase().contains("retry-after:"), "{head}");
    // Another client behind the same proxy has its own share...
    assert_eq!(statuses(&server, &[&[("X-Forwarded-For", "203.0.113.2")]]), [201]);
    // ...but the first cannot take it by writing the other's address before its own: the
    // proxy appends the address it saw, and only that one is believed.
    assert_eq!(statuses(&server, &[&[("X-Forwarded-For", "203.0.113.9, 203.0.113.1")]]), [429]);
    // `Forwarded` (RFC 7239) is read too, before X-Forwarded-For, with IPv6 and ports.
    let v6: &[(&str, &str)] = &[("Forwarded", r#"for="[2001:db8::7]:4711""#), ("X-Forwarded-For", "203.0.113.1")];
    assert_eq!(statuses(&server, &[v6, v6, v6]), [201, 201, 429]);

    // Links follow what the proxy says the client asked for.
    let landing = get_with(&server, "/ogc", &PROXY_HEADERS);
    assert_eq!(link(&landing, "data"), "https://map.example/gis/ogc/collections");
    let forwarded = get_with(&server, "/ogc", &[("Forwarded", "for=198.51.100.4;proto=https;host=\"other.example:8443\"")]);
    assert_eq!(link(&forwarded, "self"), "https://other.example:8443/ogc");
    let tilejson = get_with(&server, "/tiles/grids.json", &PROXY_HEADERS);
    assert_eq!(tilejson["tiles"][0], "https://map.example/gis/tiles/grids/{z}/{x}/{y}.mvt");
}

#[test]
fn the_public_url_is_the_base_of_every_link() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(&dir, "public", &["--public-url", "https://pub.example/base/", "--trusted-proxy", "127.0.0.1"]);
    const BASE: &str = "https://pub.example/base";
    // Whatever the proxy or the client says.
    let landing = get_with(&server, "/ogc", &PROXY_HEADERS);
    for rel in ["self", "conformance", "data"] {
        assert!(link(&landing, rel).starts_with(&format!("{BASE}/ogc")), "{landing}");
    }
    let collections = get_with(&server, "/ogc/collections", &[]);
    assert_eq!(link(&collections, "self"), format!("{BASE}/ogc/collections"));
    let buildings = &collections["collections"].as_array().unwrap().iter().find(|c| c["id"] == "buildings").unwrap();
    assert_eq!(link(buildings, "items"), format!("{BASE}/ogc/collections/buildings/items"));
    let (_, page) = get_json(&server, "/ogc/collections/buildings/items?limit=5&offset=5");
    assert_eq!(link(&page, "next"), format!("{BASE}/ogc/collections/buildings/items?limit=5&offset=10"));
    assert_eq!(link(&page, "prev"), format!("{BASE}/ogc/collections/buildings/items?limit=5&offset=0"));
    let id = page["features"][0]["id"].as_str().unwrap();
    let (_, feature) = get_json(&server, &format!("/ogc/collections/buildings/items/{id}"));
    assert_eq!(link(&feature, "collection"), format!("{BASE}/ogc/collections/buildings"));
    let (_, tilejson) = get_json(&server, "/tiles/reports.json?category=parking");
    assert_eq!(tilejson["tiles"][0], format!("{BASE}/tiles/reports/{{z}}/{{x}}/{{y}}.mvt?category=parking"));
    let (_, discovery) = get_json(&server, "/open311/v2/discovery.json");
    assert_eq!(discovery["endpoints"][0]["url"], format!("{BASE}/open311/v2"));
    let (status, head) = submit(&server, &[]);
    assert_eq!(status, 201);
    assert!(head.to_ascii_lowercase().contains(&format!("\r\nlocation: {BASE}/api/reports/ms")), "{head}");
}

/// A key prefix no other test run uses, so runs sharing the one Redis do not meet.
fn fresh_prefix() -> String {
    format!("minsheng-test:{:016x}:", rand::random::<u64>())
}

#[test]
fn instances_sharing_redis_split_one_limit() {
    let ping = std::process::Command::new("redis-cli").arg("ping").output();
    assert!(
        ping.is_ok_and(|out| out.stdout.starts_with(b"PONG")),
        "Redis must answer on 127.0.0.1:6379 for this test: run scripts/setup.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    let prefix = fresh_prefix();
    let args = ["--submissions-per-minute", "3", "--redis-url", REDIS, "--redis-prefix", prefix.as_str()];
    let (a, b) = (serve(&dir, "a", &args), serve(&dir, "b", &args));
    let order = [&a, &b, &a, &b, &a, &b];
    let got: Vec<u16> = order.iter().map(|server| submit(server, &[]).0).collect();
    assert_eq!(got, [201, 201, 201, 429, 429, 429], "three in all, across both instances");
    let (_, head) = submit(&b, &[]);
    assert!(head.to_ascii_lowercase().contains("retry-after:"), "{head}");

    // Another deployment (prefix) on the same Redis counts apart.
    let other = fresh_prefix();
    let c = serve(&dir, "c", &["--submissions-per-minute", "3", "--redis-url", REDIS, "--redis-prefix", &other]);
    assert_eq!(submit(&c, &[]).0, 201);
}

#[test]
fn with_redis_unreachable_each_instance_counts_alone_and_warns() {
    // A port that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fallback.db").display());
    let server = start_logged(&database, &["--submissions-per-minute", "2", "--redis-url", &url, "--redis-prefix", &fresh_prefix()]);
    let got: Vec<u16> = (0..3).map(|_| submit(&server, &[]).0).collect();
    assert_eq!(got, [201, 201, 429], "submissions go on, limited by this instance");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = server.log_lines();
        if lines.iter().any(|l| l.contains("WARN") && l.contains("Redis is unreachable")) {
            break;
        }
        assert!(Instant::now() < deadline, "no warning about Redis in the log:\n{}", lines.join("\n"));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_bad_public_url_or_proxy_is_refused_at_start() {
    for args in [
        ["--public-url", "ftp://map.example/"],
        ["--public-url", "https://map.example/?x=1"],
        ["--trusted-proxy", "10.0.0.0/40"],
        ["--redis-url", "http://127.0.0.1:6379"],
    ] {
        let output = std::process::Command::new(common::server::BINARY)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", "sqlite::memory:"])
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[0]) || stderr.contains(args[1]), "{args:?}: {stderr}");
    }
}
