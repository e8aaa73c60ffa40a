//! HTTP: routes to services, errors to status codes (in `error`, nowhere else).

mod error;
mod ogc;
mod open311;
mod params;
mod reports;
mod routes;
mod tiles;
mod web;

pub use error::ApiError;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::services::{self, Catalog};

/// Encoded tiles kept in memory by default, at most this many bytes.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// What handlers share: the data and the tile cache.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub tiles: Arc<services::tiles::TileCache>,
}

impl FromRef<AppState> for Catalog {
    fn from_ref(state: &AppState) -> Catalog {
        state.catalog.clone()
    }
}

/// Every route, over one catalog, with the default tile cache.
pub fn router(catalog: Catalog) -> Router {
    router_with_tile_cache(catalog, DEFAULT_TILE_CACHE_BYTES)
}

/// Every route, with a tile cache of at most `tile_cache_bytes` (0: no cache).
pub fn router_with_tile_cache(catalog: Catalog, tile_cache_bytes: u64) -> Router {
    let state = AppState { catalog, tiles: Arc::new(services::tiles::TileCache::new(tile_cache_bytes)) };
    Router::new()
        .route("/healthz", get(routes::health))
        .route("/api/locate", get(routes::locate))
        .route("/api/search", get(routes::search))
        .route("/api/layers", get(routes::layers))
        .route("/api/layers/{layer}", get(routes::layer_features))
        .route("/api/layers/{layer}/{id}", get(routes::layer_feature))
        .route("/api/reports", post(reports::submit).layer(DefaultBodyLimit::max(reports::MAX_BODY_BYTES)))
        .route("/api/reports/nearby", get(reports::nearby))
        .route("/api/reports/{case}", get(reports::case))
        .route("/api/reports/{case}/support", post(reports::support))
        .route("/tiles/{source}", get(tiles::tilejson_route))
        .route("/tiles/{source}/{z}/{x}/{y}", get(tiles::tile))
        .merge(ogc::routes())
        .merge(open311::routes())
        .merge(web::routes())
        .fallback(routes::not_found)
        // Public, read-only map data: any web page may use it.
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(router: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!("listening on http://{address}");
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
