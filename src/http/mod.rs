//! HTTP: routes to services, errors to status codes (in `error`, nowhere else).

mod error;
mod params;
mod routes;

pub use error::ApiError;

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

use crate::services::Catalog;

/// Every route, over one catalog.
pub fn router(catalog: Catalog) -> Router {
    Router::new()
        .route("/healthz", get(routes::health))
        .route("/api/locate", get(routes::locate))
        .route("/api/search", get(routes::search))
        .route("/api/layers", get(routes::layers))
        .route("/api/layers/{layer}", get(routes::layer_features))
        .route("/api/layers/{layer}/{id}", get(routes::layer_feature))
        .fallback(routes::not_found)
        // Public, read-only map data: any web page may use it.
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
        .with_state(catalog)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(catalog: Catalog, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    tracing::info!("listening on http://{address}");
    axum::serve(listener, router(catalog)).with_graceful_shutdown(shutdown_signal()).await
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
