//! Staff routes: the case queue, the overdue list, closure rates, and moving cases along.
//! Every one needs a token; a grid worker's view is confined to their grid.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use super::reports::{etag, if_match, json_body};
use axum::http::header::CONTENT_TYPE;

use crate::model::reports::{CaseState, Role};
use crate::model::time::now;
use crate::services::reports::history::{self, HistoryFormat, ImportSummary};
use crate::services::reports::staff::{self, ClosureQuery, ClosureRow, Queue, QueueQuery};
use crate::services::reports::view::StaffCase;
use crate::services::reports::workflow::{self, Move, Seen};
use crate::services::schemas::GeoJsonFeatureCollection;

/// The staff's case work (token required).
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().routes(routes!(overdue)).routes(routes!(closure)).routes(routes!(transition)).routes(routes!(escalate))
}

/// Bulk import, with its own, larger body limit.
pub fn import_router() -> OpenApiRouter<super::AppState> {
    let (schemas, paths, method) = routes!(import);
    OpenApiRouter::new().routes((schemas, paths, method.layer(super::refusals::BodyLimit::max(MAX_IMPORT_BYTES))))
}

impl FromParams for QueueQuery {
    fn from_params(params: &Params) -> Result<QueueQuery, ApiError> {
        Ok(QueueQuery {
            state: params.list("state")?,
            category: params.list("category")?,
            grid: params.optional("grid")?,
            community: params.optional("community")?,
            street: params.optional("street")?,
            unit: params.optional("unit")?,
            overdue: params.optional("overdue")?,
            supervised: params.optional("supervised")?,
            since: params.time("since")?,
            until: params.time("until")?,
            limit: params.optional("limit")?,
            offset: params.optional("offset")?,
        })
    }
}

/// The staff queue, newest first, with the reporter's contact (a grid worker sees their grid's).
#[utoipa::path(
    get,
    path = "/api/reports",
    tag = "staff",
    params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Queue),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "A grid worker asked for another grid", body = ErrorBody),
    )
)]
pub async fn queue(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<QueueQuery>,
) -> Result<Json<Queue>, ApiError> {
    Ok(Json(staff::queue(&state.catalog, &staff, query, now()).await?))
}

/// Dispatched or in-progress cases past their deadline, most overdue first (takes the
/// queue's filters too).
#[utoipa::path(
    get,
    path = "/api/reports/overdue",
    tag = "staff",
    params(QueueQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Queue), (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody))
)]
pub async fn overdue(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<QueueQuery>,
) -> Result<Json<Queue>, ApiError> {
    Ok(Json(staff::queue(&state.catalog, &staff, QueueQuery { overdue: Some(true), ..query }, now()).await?))
}

impl FromParams for ClosureQuery {
    fn from_params(params: &Params) -> Result<ClosureQuery, ApiError> {
        Ok(ClosureQuery { by: params.optional("by")?.unwrap_or_default(), since: params.time("since")?, until: params.time("until")? })
    }
}

/// Per area: cases open, overdue, closed, and the on-time closure rate (按时办结率).
#[utoipa::path(
    get,
    path = "/api/reports/closure",
    tag = "staff",
    params(ClosureQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ClosureRow>), (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody))
)]
pub async fn closure(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<ClosureQuery>,
) -> Result<Json<Vec<ClosureRow>>, ApiError> {
    Ok(Json(staff::closure(&state.catalog, &staff, query, now()).await?))
}

/// One workflow step.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    /// The state to move to.
    #[schema(value_type = CaseState)]
    to: String,
    /// Internal note, for staff only.
    #[serde(default)]
    note: Option<String>,
    /// 公开答复: what the reporter and the public history see. Required to reject and to resolve.
    #[serde(default)]
    reply: Option<String>,
    /// For `duplicate`: the case number this one repeats.
    #[serde(default)]
    duplicate_of: Option<String>,
    /// For `dispatched`: the unit's id, if not the one routing suggests (`unit_id`).
    #[serde(default)]
    unit: Option<String>,
    /// The state the client showed; another one now is a 409.
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// What the client saw: `expected_state` from the body, the versions `If-Match` names.
pub(super) fn seen(expected_state: Option<String>, headers: &HeaderMap) -> Result<Seen, ApiError> {
    let state = expected_state.map(|text| text.parse().map_err(|e| ApiError::bad_parameter("expected_state", e))).transpose()?;
    Ok(Seen { state, versions: if_match(headers)? })
}

/// The staff view of a moved case, with its new `ETag`.
pub(super) fn moved(case: StaffCase) -> Response {
    ([etag(case.report.version)], Json(case)).into_response()
}

/// One workflow step; 409 if the case is not in `expected_state` (or may not move so), 412
/// if it is not at the version `If-Match` names. Answers the staff view with its new `ETag`.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/transition",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = MoveBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version, `\"v<n>\"`"))),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The token may not work on this case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is not in `expected_state`, or may not make this move", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn transition(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: MoveBody = json_body(body)?;
    let to = body.to.parse().map_err(|e| ApiError::bad_parameter("to", e))?;
    let seen = seen(body.expected_state, &headers)?;
    let request = Move { to, note: body.note, reply: body.reply, duplicate_of: body.duplicate_of, unit: body.unit };
    Ok(moved(workflow::transition(&state.catalog, &staff, &case, request, &seen, now()).await?))
}

/// An escalation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    /// Internal note, for staff only.
    #[serde(default)]
    note: Option<String>,
    /// 公开答复: what the reporter and the public history see.
    #[serde(default)]
    reply: Option<String>,
    /// The state the client showed; another one now is a 409.
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// `If-Match`: the case's `ETag` as the client last saw it.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documents the header; `if_match` reads it.
pub(super) struct IfMatch {
    /// The `ETag` of the case as last read (`"v3"`); a move of a case changed meanwhile is a 412.
    #[param(rename = "If-Match", pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#)]
    if_match: Option<String>,
}

/// One "一呼四应" tier up, to that tier's responder; preconditions as for a transition.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/escalate",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = EscalateBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Not in `expected_state`, final, or at the top tier", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn escalate(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: EscalateBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    Ok(moved(workflow::escalate(&state.catalog, &staff, &case, body.note, body.reply, &seen, now()).await?))
}

/// Historical imports are whole hotline exports: far larger than a report.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// `format`, when the Content-Type does not say it.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `csv` or `geojson`; without it the Content-Type decides.
    #[param(value_type = Option<String>, example = "csv")]
    format: Option<HistoryFormat>,
}

impl FromParams for ImportQuery {
    fn from_params(params: &Params) -> Result<ImportQuery, ApiError> {
        Ok(ImportQuery { format: params.optional("format")? })
    }
}

/// A hotline export (admin), all or nothing: 201 with the count by state, or 422 with every
/// problem (`problems`, one per bad field of each row). Without `format`, the Content-Type
/// decides (`text/csv`, or GeoJSON for `application/geo+json` / `application/json`).
#[utoipa::path(
    post,
    path = "/api/reports/import",
    tag = "staff",
    params(ImportQuery),
    request_body(description = "The export: CSV with a header row, or a GeoJSON FeatureCollection of Points", content(
        (String = "text/csv"),
        (GeoJsonFeatureCollection = "application/geo+json"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 201, body = ImportSummary),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Only admins import", body = ErrorBody),
        (status = 422, description = "Nothing was written: every problem found", body = ErrorBody),
    )
)]
pub async fn import(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(axum::http::StatusCode, Json<ImportSummary>), ApiError> {
    staff.require(&[Role::Admin], "importing historical cases")?;
    let format: HistoryFormat = match query.format {
        Some(format) => format,
        None => {
            let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            match content_type.split(';').next().unwrap_or("").trim() {
                "text/csv" => HistoryFormat::Csv,
                "application/geo+json" | "application/json" => HistoryFormat::GeoJson,
                other => {
                    return Err(ApiError::bad_parameter(
                        "format",
                        format!("give ?format=csv|geojson or a Content-Type of text/csv or application/geo+json (got {other:?})"),
                    ));
                }
            }
        }
    };
    let body = body.map_err(|rejection| ApiError::from_body(rejection, MAX_IMPORT_BYTES))?;
    let origin = format!("http by {}", staff.actor());
    let summary = history::import_cases(&state.catalog, &body, format, &origin, now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(summary)))
}
