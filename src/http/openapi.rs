//! The OpenAPI 3.1 document at `/openapi.json`, generated from the handlers' `#[utoipa::path]`
//! annotations and the response types' `ToSchema`: a route is documented by being routed
//! through `utoipa_axum::routes!`, so the document and the router cannot drift apart.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ErrorBody;
use super::origin::Origin;
use crate::crs::Crs;
use crate::model::notify::{NoticeState, NotifyEvent};
use crate::model::reports::{CaseState, Category};
use crate::model::{FacilityKind, Layer};
use crate::services::analytics::performance::BoardGroup;
use crate::services::analytics::stats::{GroupBy, Interval};
use crate::services::coverage::Method;
use crate::services::reports::staff::ClosureLevel;
use crate::services::schemas::Iso8601;

/// The document as served, less its `servers` (which depend on the request's origin).
pub type Document = Value;

/// The media type OpenAPI registers for its JSON documents (OGC API links use it too).
pub const MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.1";

/// The name of the staff token scheme, for `security(("bearer" = []))` on staff routes.
pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minsheng 民生",
        description = "Residential-compound governance map: compounds, buildings, grids, service stations and resident \
                       reports, as GeoJSON, OGC API – Features, Open311 GeoReport v2 and vector tiles.",
        license(name = "MIT OR Apache-2.0")
    ),
    // Schemas that parameters name (utoipa collects only those of bodies), and the error shape.
    components(schemas(
        ErrorBody, Category, CaseState, Crs, FacilityKind, Layer, Method, ClosureLevel, GroupBy, BoardGroup, Interval, Iso8601,
        NotifyEvent, NoticeState
    )),
    modifiers(&StaffTokens)
)]
struct Base;

/// Staff send `Authorization: Bearer <token>` (tokens from `minsheng token create`).
struct StaffTokens;

impl Modify for StaffTokens {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A staff token from `minsheng token create`; its role decides what it may do."))
            .build();
        document.components.get_or_insert_with(Default::default).add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// The document's fixed parts: title, description, licence.
pub fn base() -> utoipa::openapi::OpenApi {
    Base::openapi()
}

/// The document collected from the router, ready to serve: every operation also lists the
/// error answers any route may give (a bad parameter, an oversized request, a busy server),
/// in the shape `error.rs` writes them, unless it documents its own.
pub fn finish(document: utoipa::openapi::OpenApi) -> Document {
    let mut document = serde_json::to_value(&document).expect("the OpenAPI document serialises");
    let native = json!({ "$ref": "#/components/schemas/ErrorBody" });
    for (path, item) in document["paths"].as_object_mut().into_iter().flatten() {
        let errors = if super::open311::serves(path) {
            super::open311::error_content()
        } else {
            json!({ "application/json": { "schema": native } })
        };
        for operation in item.as_object_mut().into_iter().flat_map(|item| item.values_mut()) {
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            // OpenAPI requires a description of every response; a bare `body = …` has none.
            for (status, response) in responses.iter_mut() {
                if response.get("description").is_none() {
                    let reason = status.parse().ok().and_then(|code| StatusCode::from_u16(code).ok()).and_then(|s| s.canonical_reason());
                    response["description"] = json!(reason.unwrap_or("The answer"));
                }
            }
            for (range, description) in
                [("4XX", "The request cannot be answered as sent; the message says why"), ("5XX", "Our fault, or too busy now")]
            {
                responses.entry(range).or_insert_with(|| json!({ "description": description, "content": errors }));
            }
        }
    }
    document
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
    document["servers"] = json!([{ "url": origin.url("") }]);
    ([(header::CONTENT_TYPE, MEDIA_TYPE)], Json(document)).into_response()
}
