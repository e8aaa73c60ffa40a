//! The map page and MapLibre GL JS, embedded in the binary so the page works with no network.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::routing::get;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
// Our files change with every release and carry no version in their names: revalidate often.
const OURS: &str = "public, max-age=300";
// The vendored library changes only when web/package-lock.json does.
const VENDOR: &str = "public, max-age=86400";

macro_rules! asset {
    ($path:literal, $content_type:expr, $cache:expr) => {
        get(|| async {
            let body: &'static [u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path));
            ([(CONTENT_TYPE, $content_type), (CACHE_CONTROL, $cache)], body)
        })
    };
}

/// `/` (the map page), `/app.js` and the modules it imports (`/planner.js`, `/official.js`,
/// `/report.js`, `/follow.js`, `/photos.js`, `/staff.js`, `/moves.js`, `/moderation.js`, `/board.js`,
/// `/lifecircle.js`, `/elevators.js`, `/i18n.js`, `/i18n-work.js`, `/i18n-follow.js`, `/i18n-lifecircle.js`,
/// `/util.js`), `/style.css` and `/vendor/maplibre-gl.{js,css}`.
pub fn router<S: Clone + Send + Sync + 'static>() -> utoipa_axum::router::OpenApiRouter<S> {
    Router::new()
        .route("/", asset!("web/index.html", HTML, OURS))
        .route("/app.js", asset!("web/app.js", JS, OURS))
        .route("/planner.js", asset!("web/planner.js", JS, OURS))
        .route("/official.js", asset!("web/official.js", JS, OURS))
        .route("/report.js", asset!("web/report.js", JS, OURS))
        .route("/follow.js", asset!("web/follow.js", JS, OURS))
        .route("/photos.js", asset!("web/photos.js", JS, OURS))
        .route("/moderation.js", asset!("web/moderation.js", JS, OURS))
        .route("/i18n-follow.js", asset!("web/i18n-follow.js", JS, OURS))
        .route("/lifecircle.js", asset!("web/lifecircle.js", JS, OURS))
        .route("/i18n-lifecircle.js", asset!("web/i18n-lifecircle.js", JS, OURS))
        .route("/elevators.js", asset!("web/elevators.js", JS, OURS))
        .route("/staff.js", asset!("web/staff.js", JS, OURS))
        .route("/moves.js", asset!("web/moves.js", JS, OURS))
        .route("/board.js", asset!("web/board.js", JS, OURS))
        .route("/i18n-work.js", asset!("web/i18n-work.js", JS, OURS))
        .route("/i18n.js", asset!("web/i18n.js", JS, OURS))
        .route("/util.js", asset!("web/util.js", JS, OURS))
        .route("/style.css", asset!("web/style.css", CSS, OURS))
        .route("/vendor/maplibre-gl.js", asset!("web/node_modules/maplibre-gl/dist/maplibre-gl.js", JS, VENDOR))
        .route("/vendor/maplibre-gl.css", asset!("web/node_modules/maplibre-gl/dist/maplibre-gl.css", CSS, VENDOR))
        .into()
}
