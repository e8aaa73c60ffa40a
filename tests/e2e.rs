//! End to end: the real binary on a random port, over a fresh SQLite file.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::server::{BINARY, get_json as get, start};

#[test]
fn serves_the_demo_district_and_picks_up_imports_from_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("e2e.db").display());
    let server = start(&database, &["--watch-seconds", "1"]);

    let (status, health) = get(&server, "/healthz");
    assert_eq!(status, 200);
    let buildings = health["counts"]["buildings"].as_u64().unwrap();
    assert!(buildings >= 100, "demo district loaded: {health}");

    let (status, found) = get(&server, "/api/search?q=%E6%A5%8A%E6%9F%B3%E8%8B%91"); // 楊柳苑
    assert_eq!(status, 200);
    assert_eq!(found["results"][0]["name"], "杨柳苑");
    let point = &found["results"][0]["point"];
    let (status, located) = get(&server, &format!("/api/locate?lon={}&lat={}", point[0], point[1]));
    assert_eq!(status, 200);
    assert!(located["grid_chain"]["grid"]["id"].is_string(), "{located}");

    // Another process imports a building; the running server sees it without a restart.
    let (_, some) = get(&server, "/api/layers/buildings?limit=1");
    let mut feature = some["features"][0].clone();
    feature["id"] = "E2E-NEW".into();
    feature["properties"]["id"] = "E2E-NEW".into();
    let file = dir.path().join("one.geojson");
    std::fs::write(&file, serde_json::json!({"type": "FeatureCollection", "features": [feature]}).to_string()).unwrap();
    let import = Command::new(BINARY).args(["import", "--layer", "buildings", "--database", &database]).arg(&file).output().unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    assert!(String::from_utf8_lossy(&import.stdout).contains("1 new, 0 updated"));

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, health) = get(&server, "/healthz");
        if health["counts"]["buildings"].as_u64() == Some(buildings + 1) {
            break;
        }
        assert!(Instant::now() < deadline, "the server never saw the import: {health}");
        std::thread::sleep(Duration::from_millis(20)); // poll the condition, bounded by the deadline
    }
    let (status, one) = get(&server, "/api/layers/buildings/E2E-NEW");
    assert_eq!(status, 200);
    assert_eq!(one["id"], "E2E-NEW");
}

#[test]
fn import_reports_bad_files_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bad.db").display());
    let file = dir.path().join("bad.geojson");
    std::fs::write(&file, r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"X","geometry":null,"properties":{}}]}"#)
        .unwrap();
    let output = Command::new(BINARY).args(["import", "--layer", "streets", "--database", &database]).arg(&file).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("feature #0 (id X): geometry is missing"), "{stderr}");
    assert!(stderr.contains("feature #0 (id X): property \"name\" is required"), "{stderr}");
}

#[test]
fn reports_imported_by_another_process_reach_the_planner_views() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("planner.db").display());
    let server = start(&database, &["--watch-seconds", "1"]);
    let total = |server: &common::server::Server| -> u64 {
        let (status, map) = get(server, "/api/heatmap?resolution=8&since=2020-01-01");
        assert_eq!(status, 200, "{map}");
        map["features"].as_array().unwrap().iter().map(|f| f["properties"]["count"].as_u64().unwrap()).sum()
    };
    let before = total(&server);
    assert!(before > 1_000, "the demo reports are there: {before}");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/samples/hotline_12345.csv");
    let import = Command::new(BINARY).args(["import-reports", "--database", &database, sample]).output().unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let deadline = Instant::now() + Duration::from_secs(20);
    while total(&server) != before + 26 {
        assert!(Instant::now() < deadline, "the server never counted the imported cases");
        std::thread::sleep(Duration::from_millis(50)); // poll the condition, bounded by the deadline
    }
}
