//! The OpenAPI 3.1 document at `/openapi.json`, generated from the handlers' `#[utoipa::path]`
//! annotations and the response types' `ToSchema`: a route is documented by being routed
//! through `utoipa_axum::routes!`, so the document and the router cannot drift apart.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::origin::Origin;

/// The document as served, less its `servers` (which depend on the request's origin).
pub type Document = Value;

/// The media type OpenAPI registers for its JSON documents (OGC API links use it too).
pub const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.1";

#[derive(OpenApi)]
#[openapi(info(
    title = "Minsheng 民生",
    description = "Residential-compound governance map: compounds, buildings, grids, service stations and resident \
                   reports, as GeoJSON, OGC API – Features, Open311 GeoReport v2 and vector tiles.",
    license(name = "MIT OR Apache-2.0")
))]
struct Base;

/// The document's fixed parts: title, description, licence.
pub fn base() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// The document collected from the router, ready to serve.
pub fn finish(document: utoipa::openapi::OpenApi) -> Document {
    serde_json::to_value(&document).expect("the OpenAPI document serialises")
}

/// `/openapi.json`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(document))
}

/// The OpenAPI 3.1 document of this service.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/vnd.oai.openapi+json;version=3.1"))
)]
async fn document(State(state): State<AppState>, origin: Origin) -> Response {
    let mut document = state.openapi.get().cloned().unwrap_or(Value::Null);
    // Relative paths resolve against the server the client reached (the public URL behind a proxy).
    document["servers"] = serde_json::json!([{ "url": origin.url("") }]);
    ([(header::CONTENT_TYPE, MEDIA_TYPE)], Json(document)).into_response()
}
