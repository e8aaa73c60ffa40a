//! HTTP: routes to services, errors to status codes (in `error`, nowhere else).

mod analytics;
mod auth;
mod categories;
mod cost;
mod coverage;
mod docs;
mod elevators;
mod error;
mod export;
mod feeds;
mod follow;
mod lifecircle;
mod limit;
mod notify;
mod ogc;
mod open311;
mod openapi;
mod ops;
mod origin;
mod oversight;
mod params;
mod performance;
mod photos;
mod refusals;
mod reports;
mod routes;
pub mod server;
mod staff;
mod tiles;
mod tokens;
mod vocabulary;
mod web;

pub use cost::DEFAULT_QUEUE;
pub use error::ApiError;
pub use limit::{DEFAULT_SUBMISSIONS_PER_MINUTE, SharedSettings as SharedLimit};
pub use origin::{Cidr, Proxies, PublicUrl};
pub use refusals::{MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES};
pub use server::Limits as ConnectionLimits;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use tower_http::cors::CorsLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::services::cost::{Limits, Pool};
use crate::services::{self, Catalog};
use refusals::BodyLimit;

/// Encoded tiles kept in memory by default, at most this many bytes.
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// What handlers share: the data, the tile cache and the submission limiter.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub tiles: Arc<services::tiles::TileCache>,
    pub submissions: Arc<limit::SubmissionLimiter>,
    /// Where heavy requests run, and the anonymous limits on what they may touch.
    pub pool: Arc<Pool>,
    pub limits: Limits,
    pub metrics: Arc<ops::Metrics>,
    /// The public URL and the trusted proxies, for links and client addresses.
    pub proxies: Arc<Proxies>,
    /// The OpenAPI document of every route, made once when the router is built.
    pub openapi: Arc<std::sync::OnceLock<openapi::Document>>,
    /// Where photo bytes are kept: the database, or `--photo-dir`.
    pub photos: Arc<services::photos::PhotoStorage>,
    /// The life-circle rules in force (`--life-circle-rules`, else GB 50180-2018's).
    pub rules: Arc<crate::model::lifecircle::Rules>,
}

/// How the router is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Memory for encoded tiles (0: render every tile afresh).
    pub tile_cache_bytes: u64,
    /// Anonymous submissions (reports and "me too") per client address and minute (0: no limit).
    pub submissions_per_minute: u32,
    /// What an anonymous request may touch (staff get [`Limits::staff`]).
    pub limits: Limits,
    /// Heavy requests running at once, and waiting beyond those.
    pub workers: usize,
    pub queue: usize,
    /// `--public-url` and `--trusted-proxy`.
    pub proxies: Proxies,
    /// Redis to share the submission limit with other instances (`None`: this instance alone).
    pub shared_limit: Option<SharedLimit>,
    /// Where photo bytes are kept (`--photo-dir`; default: the database).
    pub photos: services::photos::PhotoStorage,
    /// The life-circle check's rules (`--life-circle-rules`; default GB 50180-2018's).
    pub life_circle_rules: crate::model::lifecircle::Rules,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            tile_cache_bytes: DEFAULT_TILE_CACHE_BYTES,
            submissions_per_minute: DEFAULT_SUBMISSIONS_PER_MINUTE,
            limits: Limits::ANONYMOUS,
            workers: Pool::workers_for_this_machine(),
            queue: DEFAULT_QUEUE,
            proxies: Proxies::default(),
            shared_limit: None,
            photos: services::photos::PhotoStorage::in_database(),
            life_circle_rules: crate::model::lifecircle::Rules::default(),
        }
    }
}

impl FromRef<AppState> for Catalog {
    fn from_ref(state: &AppState) -> Catalog {
        state.catalog.clone()
    }
}

/// Every route, over one catalog, with the default settings.
pub fn router(catalog: Catalog) -> Router {
    router_with(catalog, Settings::default())
}

/// Every route, with the given settings.
pub fn router_with(catalog: Catalog, settings: Settings) -> Router {
    let tiles = Arc::new(services::tiles::TileCache::new(settings.tile_cache_bytes));
    let pool = Arc::new(Pool::new(settings.workers, settings.queue));
    let metrics = Arc::new(ops::Metrics::new(catalog.clone(), tiles.clone(), pool.clone()));
    let submissions = match &settings.shared_limit {
        Some(shared) => limit::SubmissionLimiter::shared(settings.submissions_per_minute, shared),
        None => limit::SubmissionLimiter::new(settings.submissions_per_minute),
    };
    let state = AppState {
        catalog,
        tiles,
        submissions: Arc::new(submissions),
        pool,
        limits: settings.limits,
        metrics: metrics.clone(),
        proxies: Arc::new(settings.proxies),
        openapi: Arc::default(),
        photos: Arc::new(settings.photos.clone()),
        rules: Arc::new(settings.life_circle_rules.clone()),
    };
    let (routes, document) = OpenApiRouter::with_openapi(openapi::base())
        .merge(routes::router())
        .merge(ops::router())
        .merge(reports::router())
        .merge(photos::router())
        .merge(staff::router())
        .merge(follow::router())
        .merge(oversight::router())
        .merge(tokens::router())
        .merge(notify::router())
        .merge(analytics::router())
        .merge(feeds::router())
        .merge(export::router())
        .merge(performance::router())
        .merge(coverage::router())
        .merge(elevators::router())
        .merge(lifecircle::router())
        .merge(tiles::router())
        .merge(ogc::router())
        .merge(vocabulary::router())
        .merge(categories::router())
        .merge(web::router())
        .merge(openapi::router())
        .merge(docs::router())
        // Every body the routes above take is small; a larger one is refused unread. A layer
        // covers only the routes added before it, so the routes with their own, larger limit
        // come after.
        .layer(BodyLimit::max(reports::MAX_BODY_BYTES))
        .merge(photos::upload_router().layer(BodyLimit::with_multipart(reports::MAX_BODY_BYTES, photos::MAX_UPLOAD_BYTES)))
        .merge(staff::import_router())
        .merge(coverage::plan_router())
        .merge(open311::router())
        .split_for_parts();
    state.openapi.set(openapi::finish(document)).expect("the document is set once");
    routes
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn(refusals::in_shape))
        // Public, read-only map data: any web page may use it.
        .layer(CorsLayer::permissive())
        // Outermost, so its status and time are those the client gets.
        .layer(axum::middleware::from_fn_with_state(metrics, ops::observe))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(router: Router, listener: tokio::net::TcpListener, limits: ConnectionLimits) -> std::io::Result<()> {
    let address: SocketAddr = listener.local_addr()?;
    // Tests and scripts look for this line (also in JSON logs) to learn the address.
    tracing::info!(%address, "listening on http://{address}");
    server::serve(router, listener, limits, shutdown_signal()).await
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
