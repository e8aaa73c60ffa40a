//! Operations: `/metrics` in the Prometheus text format, `/readyz`, and one log line per
//! request. Request metrics are labelled by the matched route (`/api/reports/{case}`), never
//! the raw path, so a scanner cannot grow the label set without bound.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::model::notify::OutboxCounts;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::server::connection_counts;
use crate::services::Catalog;
use crate::services::catalog::Loads;
use crate::services::cost::Pool;
use crate::services::status::Ready;
use crate::services::tiles::TileCache;

/// Upper bounds of the latency buckets, in seconds: from a cached tile (about a
/// millisecond) to a heavy request near its time budget.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// The route label of a request no route matched (a 404 from the fallback).
const UNMATCHED: &str = "unmatched";
/// How long `/readyz` waits for the database before calling it unreachable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

/// The request counters, and what is read afresh on each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    /// The outbox's rows per state, read from the database just before each scrape is encoded
    /// (a collector cannot wait for the database).
    outbox: Arc<std::sync::Mutex<Option<OutboxCounts>>>,
}

impl Metrics {
    pub fn new(catalog: Catalog, tiles: Arc<TileCache>, pool: Arc<Pool>) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("minsheng_http_requests", "HTTP requests answered, by method, matched route and status class", requests.clone());
        let latency: Family<RequestLabels, Histogram, fn() -> Histogram> = Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "minsheng_http_request_duration_seconds",
            "Time from a request's head to its answer's head, by method, matched route and status class",
            latency.clone(),
        );
        let outbox = Arc::default();
        registry.register_collector(Box::new(Live { catalog, tiles, pool, outbox: Arc::clone(&outbox) }));
        Metrics { registry, requests, latency, outbox }
    }

    fn record(&self, labels: RequestLabels, elapsed: Duration) {
        self.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }
}

/// Readiness and metrics, for the orchestrator and Prometheus.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().routes(routes!(ready)).routes(routes!(metrics))
}

/// Request counts and latencies, caches, snapshot, database pool and connections, in the
/// Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let counts = tokio::time::timeout(READY_TIMEOUT, state.catalog.store().outbox_counts()).await.ok().and_then(Result::ok);
    *state.metrics.outbox.lock().expect("the outbox counts' lock is never poisoned") = counts;
    let mut text = String::new();
    prometheus_text::encode(&mut text, &state.metrics.registry).expect("writing to a String cannot fail");
    ([(CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response()
}

/// 200 once the index is loaded and the database answers, else 503 naming what is not ready.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    responses((status = 200, body = Ready), (status = 503, description = "The index is not loaded or the database does not answer", body = ErrorBody))
)]
pub async fn ready(State(catalog): State<Catalog>) -> Result<Json<Ready>, ApiError> {
    let loads = catalog.loads();
    let database = if loads.count == 0 {
        Err("not asked")
    } else {
        match tokio::time::timeout(READY_TIMEOUT, catalog.store().data_version()).await {
            Ok(Ok(version)) => Ok(version),
            Ok(Err(error)) => {
                tracing::warn!("readiness: the database failed: {error}");
                Err("failed (see the server log)")
            }
            Err(_) => Err("did not answer within 2 s"),
        }
    };
    verdict(&loads, database).map(Json)
}

/// Ready when a snapshot is loaded and the database answered with its data version.
fn verdict(loads: &Loads, database: Result<i64, &str>) -> Result<Ready, ApiError> {
    if loads.count == 0 {
        return Err(ApiError::not_ready("not ready: the index is not loaded yet"));
    }
    match database {
        Ok(version) => Ok(Ready { status: "ready", data_version: version, records: loads.records }),
        Err(problem) => Err(ApiError::not_ready(format!("not ready: the database {problem}"))),
    }
}

/// Counts and times every request, and logs it in one line at info (target
/// `minsheng::request`). The path itself is not logged: its query may hold a resident's location.
pub async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, |path| path.as_str()).to_owned();
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    tracing::info!(
        target: "minsheng::request",
        method,
        route = route.as_str(),
        status = status.as_u16(),
        latency_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        client = client.map(|c| c.to_string()),
        "request"
    );
    metrics.record(RequestLabels { method, route, status: status_class(status) }, elapsed);
    response
}

/// Methods are a client's free text: any other than these is counted as "other".
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
    KNOWN.iter().find(|known| *known == method).map_or("other", |known| known.as_str())
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// What is read on each scrape: the tile caches, the snapshot, the database pool, the
/// heavy-request pool and the connections.
struct Live {
    catalog: Catalog,
    tiles: Arc<TileCache>,
    pool: Arc<Pool>,
    outbox: Arc<std::sync::Mutex<Option<OutboxCounts>>>,
}

impl fmt::Debug for Live {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Live")
    }
}

impl Collector for Live {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let (map, reports) = self.tiles.counts();
        counters(
            &mut encoder,
            "minsheng_tile_cache_hits",
            "Tiles answered from the cache",
            "cache",
            &[("map", map.hits), ("reports", reports.hits)],
        )?;
        counters(
            &mut encoder,
            "minsheng_tile_cache_misses",
            "Tiles rendered because the cache lacked them",
            "cache",
            &[("map", map.misses), ("reports", reports.misses)],
        )?;

        let loads = self.catalog.loads();
        counter(&mut encoder, "minsheng_snapshot_loads", "Snapshots built from the database since start", loads.count)?;
        gauge(&mut encoder, "minsheng_snapshot_records", "Records in the snapshot last built, over every layer", loads.records as f64)?;
        gauge(
            &mut encoder,
            "minsheng_snapshot_load_seconds",
            "Time the last snapshot took: reading the database and indexing",
            loads.total_seconds,
        )?;
        gauge(&mut encoder, "minsheng_snapshot_read_seconds", "Time the last snapshot spent reading the database", loads.read_seconds)?;
        gauge(
            &mut encoder,
            "minsheng_data_version",
            "The data version the snapshot in use was built from",
            self.catalog.snapshot().version as f64,
        )?;

        if let Some(received) = self.catalog.notifications_received() {
            counter(
                &mut encoder,
                "minsheng_db_notifications",
                "Notifications of other instances' writes received (LISTEN/NOTIFY)",
                received,
            )?;
        }
        if let Some(db) = self.catalog.store().pool_status() {
            gauge(&mut encoder, "minsheng_db_pool_connections", "Database connections open (in use or idle)", f64::from(db.size))?;
            gauge(&mut encoder, "minsheng_db_pool_idle", "Database connections open and idle", db.idle as f64)?;
            gauge(&mut encoder, "minsheng_db_pool_max", "Database connections the pool opens at most", f64::from(db.max))?;
        }

        let heavy = self.pool.status();
        gauge(&mut encoder, "minsheng_heavy_workers", "Heavy requests that may run at once", heavy.workers as f64)?;
        gauge(&mut encoder, "minsheng_heavy_running", "Heavy requests running", heavy.running as f64)?;
        gauge(&mut encoder, "minsheng_heavy_waiting", "Heavy requests waiting for a worker", heavy.waiting as f64)?;
        counter(&mut encoder, "minsheng_heavy_refused", "Heavy requests refused 503 busy (queue full)", heavy.refused_busy)?;

        if let Some(outbox) = *self.outbox.lock().expect("the outbox counts' lock is never poisoned") {
            let mut metric = encoder.encode_descriptor(
                "minsheng_outbox_notifications",
                "Notification outbox rows, by state",
                None,
                MetricType::Gauge,
            )?;
            for (state, count) in [("pending", outbox.pending), ("delivered", outbox.delivered), ("dead", outbox.dead)] {
                ConstGauge::new(count as f64).encode(metric.encode_family(&[("state", state)])?)?;
            }
        }

        let (open, refused) = connection_counts();
        gauge(&mut encoder, "minsheng_connections_open", "Client connections open", open as f64)?;
        counter(&mut encoder, "minsheng_connections_refused", "Client connections refused 503 over a connection cap", refused)
    }
}

fn counter(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> fmt::Result {
    ConstCounter::new(value).encode(encoder.encode_descriptor(name, help, None, MetricType::Counter)?)
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: f64) -> fmt::Result {
    ConstGauge::new(value).encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

fn counters(encoder: &mut DescriptorEncoder, name: &str, help: &str, label: &str, values: &[(&str, u64)]) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, count) in values {
        ConstCounter::new(*count).encode(metric.encode_family(&[(label, *value)])?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_needs_a_snapshot_and_the_database() {
        let loaded = Loads { count: 1, records: 12, ..Loads::default() };
        let ready = serde_json::to_value(verdict(&loaded, Ok(7)).unwrap()).unwrap();
        assert_eq!(ready, serde_json::json!({ "status": "ready", "data_version": 7, "records": 12 }));
        let down = verdict(&loaded, Err("did not answer within 2 s")).unwrap_err();
        assert_eq!((down.status(), down.message()), (StatusCode::SERVICE_UNAVAILABLE, "not ready: the database did not answer within 2 s"));
        let unloaded = verdict(&Loads::default(), Ok(7)).unwrap_err();
        assert_eq!(unloaded.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(unloaded.message().contains("index is not loaded"), "{}", unloaded.message());
    }

    #[test]
    fn labels_stay_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NO_CONTENT), "2xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }
}
