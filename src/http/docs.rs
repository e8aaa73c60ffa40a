//! `/docs`: the OpenAPI document for people, as Swagger UI. Swagger UI comes from npm
//! (`swagger-ui-dist`, pinned by web/package-lock.json) and is embedded in the binary like
//! MapLibre in `web`, so the page works with no network; it reads `/openapi.json`.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
/// The vendored files change only when web/package-lock.json does.
const VENDOR: &str = "public, max-age=86400";
const OURS: &str = "public, max-age=300";

/// Every path is relative, so the page works under a proxy's prefix: `/docs` loads
/// `docs/…` and `openapi.json` beside itself.
const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Minsheng 民生 API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"##;

const INIT: &str = r##"window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No validator badge: it would send the document to swagger.io.
  validatorUrl: null,
});
"##;

macro_rules! vendored {
    ($file:literal, $content_type:expr) => {
        get(|| async {
            let body: &'static [u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/node_modules/swagger-ui-dist/", $file));
            ([(CONTENT_TYPE, $content_type), (CACHE_CONTROL, VENDOR)], body)
        })
    };
}

/// The page, documented; its scripts and styles are plain assets.
pub fn router<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new()
        .routes(routes!(page))
        .route("/docs/init.js", get(|| async { ([(CONTENT_TYPE, JS), (CACHE_CONTROL, OURS)], INIT) }))
        .route("/docs/swagger-ui.css", vendored!("swagger-ui.css", CSS))
        .route("/docs/swagger-ui-bundle.js", vendored!("swagger-ui-bundle.js", JS))
}

/// This API's documentation for people (Swagger UI over `/openapi.json`), offline.
#[utoipa::path(get, path = "/docs", tag = "meta", responses((status = 200, description = "The Swagger UI page", content_type = "text/html; charset=utf-8", body = String)))]
async fn page() -> Response {
    ([(CONTENT_TYPE, HTML), (CACHE_CONTROL, OURS)], PAGE).into_response()
}
