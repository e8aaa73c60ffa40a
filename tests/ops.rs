//! Operations, on the real binary: `/metrics` parses as the Prometheus text format and its
//! counters move with requests, `/readyz` answers once loaded, and the log has one line per
//! request, as JSON lines or as text without colour codes when stderr is a pipe.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, get_json, request, request_with, start_logged};
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use serde_json::Value;

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

const TILE_ROUTE: &str = "/tiles/{source}/{z}/{x}/{y}";
/// How long a log line may take to reach the test through the pipe.
const PATIENCE: Duration = Duration::from_secs(10);

fn serve(extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("ops.db").display());
    (start_logged(&database, extra), dir)
}

/// `/metrics`, checked by a parser of the Prometheus text format.
fn scrape(server: &Server) -> Exposition {
    let (status, head, body) = request_with(&server.address, "GET", "/metrics", &[], None).unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"), "{head}");
    parse_prometheus(&body).unwrap_or_else(|error| panic!("not the Prometheus text format ({error:?}):\n{body}"))
}

/// The value of one sample of a family, chosen by some of its labels.
fn value<'a>(metrics: &'a Exposition, family: &str, labels: &[(&str, &str)]) -> Option<&'a PrometheusValue> {
    metrics
        .families
        .get(family)?
        .iter_samples()
        .map(|sample| (sample.get_labelset().unwrap(), &sample.value))
        .find_map(|(set, value)| labels.iter().all(|(name, wanted)| set.get_label_value(name) == Some(*wanted)).then_some(value))
}

/// A counter's or gauge's number; 0 for a labelled sample not there yet.
fn number(metrics: &Exposition, family: &str, labels: &[(&str, &str)]) -> f64 {
    match value(metrics, family, labels) {
        Some(PrometheusValue::Counter(counter)) => counter.value.as_f64(),
        Some(PrometheusValue::Gauge(gauge)) => gauge.as_f64(),
        None => 0.0,
        Some(other) => panic!("{family} is not a number: {other:?}"),
    }
}

/// A histogram's observation count, checked against its +Inf bucket.
fn observations(metrics: &Exposition, family: &str, labels: &[(&str, &str)]) -> u64 {
    match value(metrics, family, labels) {
        Some(PrometheusValue::Histogram(histogram)) => {
            let count = histogram.count.expect("a histogram has its _count");
            let infinite = histogram.buckets.iter().find(|b| b.upper_bound.is_infinite()).expect("a +Inf bucket");
            assert_eq!(infinite.count.as_f64(), count as f64, "the +Inf bucket holds every observation");
            count
        }
        None => 0,
        Some(other) => panic!("{family} is not a histogram: {other:?}"),
    }
}

/// The server's log lines, once `wanted` holds for them (at most [`PATIENCE`]).
fn log_until(server: &Server, wanted: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let lines = server.log_lines();
        if wanted(&lines) {
            return lines;
        }
        assert!(Instant::now() < deadline, "the log never showed what was expected:\n{}", lines.join("\n"));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A map tile (zoom 16) holding a building of the demo district.
fn building_tile(server: &Server) -> String {
    let (status, found) = get_json(server, "/api/search?q=%E6%A5%8A%E6%9F%B3%E8%8B%91"); // 楊柳苑
    assert_eq!(status, 200, "{found}");
    let point = &found["results"][0]["point"];
    let (lon, lat) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
    let n = f64::from(1u32 << 16);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("/tiles/buildings/16/{x}/{y}.mvt")
}

#[test]
fn metrics_move_with_requests_and_json_logs_hold_one_line_per_request() {
    let (server, _dir) = serve(&["--log-format", "json"]);
    let (status, ready) = get_json(&server, "/readyz");
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "ready");
    assert!(ready["records"].as_u64().unwrap() > 1_000, "{ready}");
    let tile = building_tile(&server);

    let before = scrape(&server);
    assert!(number(&before, "minsheng_snapshot_records", &[]) > 1_000.0);
    assert!(number(&before, "minsheng_snapshot_loads_total", &[]) >= 1.0);
    assert!(number(&before, "minsheng_snapshot_load_seconds", &[]) > 0.0);
    assert!(number(&before, "minsheng_db_pool_max", &[]) >= 1.0);
    assert!(number(&before, "minsheng_heavy_workers", &[]) >= 1.0);
    // At least the scrape's own; an earlier one may not have been counted closed yet.
    assert!(number(&before, "minsheng_connections_open", &[]) >= 1.0, "the scrape's own connection is counted");
    // Once rendered and once from the cache.
    for _ in 0..2 {
        let (status, body) = request(&server.address, "GET", &tile, None).unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = request(&server.address, "GET", "/no/such/page", None).unwrap();
    assert_eq!(status, 404);
    let after = scrape(&server);

    let moved = |family: &str, labels: &[(&str, &str)]| number(&after, family, labels) - number(&before, family, labels);
    assert_eq!(moved("minsheng_tile_cache_misses_total", &[("cache", "map")]), 1.0);
    assert_eq!(moved("minsheng_tile_cache_hits_total", &[("cache", "map")]), 1.0);
    let tiles = [("method", "GET"), ("route", TILE_ROUTE), ("status", "2xx")];
    assert_eq!(moved("minsheng_http_requests_total", &tiles), 2.0);
    let histogram = "minsheng_http_request_duration_seconds";
    assert_eq!(observations(&after, histogram, &tiles) - observations(&before, histogram, &tiles), 2);
    // A path no route matches is counted under one label, not under its own path.
    let unmatched = [("route", "unmatched"), ("status", "4xx")];
    assert_eq!(moved("minsheng_http_requests_total", &unmatched), 1.0);
    let exposition = request(&server.address, "GET", "/metrics", None).unwrap().1;
    assert!(!exposition.contains("/no/such/page"), "a raw path became a label");

    // Every line is JSON; the tile requests have one line each with their fields.
    let is_tile = |line: &Value| line["route"] == TILE_ROUTE;
    let lines = log_until(&server, |lines| lines.iter().filter(|l| l.contains(TILE_ROUTE)).count() >= 2);
    let lines: Vec<Value> =
        lines.iter().map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("a log line is not JSON: {line}"))).collect();
    let tile_lines: Vec<&Value> = lines.iter().filter(|l| is_tile(l)).collect();
    assert_eq!(tile_lines.len(), 2, "{tile_lines:?}");
    for line in tile_lines {
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["target"], "minsheng::request", "{line}");
        assert_eq!(line["method"], "GET", "{line}");
        assert_eq!(line["status"], 200, "{line}");
        assert!(line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{line}");
        assert!(line["client"].as_str().is_some_and(|c| c.starts_with("127.0.0.1:")), "{line}");
        assert!(!line.to_string().contains("/16/"), "the raw path is not logged: {line}");
    }
    let ready_lines = lines.iter().filter(|l| l["route"] == "/readyz").count();
    assert_eq!(ready_lines, 1, "one line for the one /readyz request");
    assert!(lines.iter().any(|l| l["message"].as_str().is_some_and(|m| m.starts_with("listening on http://"))));
}

#[test]
fn text_logs_have_no_colour_codes_in_a_pipe_and_one_line_per_request() {
    let (server, _dir) = serve(&[]);
    let (status, ready) = get_json(&server, "/readyz");
    assert_eq!(status, 200, "{ready}");
    let (status, _) = get_json(&server, "/api/layers");
    assert_eq!(status, 200);
    let lines = log_until(&server, |lines| lines.iter().any(|l| l.contains("route=\"/api/layers\"")));
    let escapes: Vec<&String> = lines.iter().filter(|l| l.contains('\u{1b}')).collect();
    assert!(escapes.is_empty(), "colour codes in a pipe: {escapes:?}");
    let requests: Vec<&String> = lines.iter().filter(|l| l.contains("minsheng::request")).collect();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let layers = requests.iter().find(|l| l.contains("route=\"/api/layers\"")).unwrap();
    for field in [" INFO ", "method=\"GET\"", "status=200", "latency_ms=", "client=\"127.0.0.1:"] {
        assert!(layers.contains(field), "{field} missing from {layers}");
    }
}
