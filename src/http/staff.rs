//! Staff routes: the case queue, the overdue list, closure rates, and moving cases along.
//! Every one needs a token; a grid worker's view is confined to their grid.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::auth::StaffCaller;
use super::error::ApiError;
use super::params::Params;
use super::reports::{etag, if_match, json_body};
use axum::http::header::CONTENT_TYPE;

use crate::model::reports::Role;
use crate::model::time::now;
use crate::services::reports::history::{self, HistoryFormat, ImportSummary};
use crate::services::reports::staff::{self, ClosureRow, Queue};
use crate::services::reports::view::StaffCase;
use crate::services::reports::workflow::{self, Move, Seen};
use crate::store::{AreaLevel, ReportFilter};

/// The staff's case work (token required).
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .route("/api/reports/overdue", get(overdue))
        .route("/api/reports/closure", get(closure))
        .route("/api/reports/{case}/transition", post(transition))
        .route("/api/reports/{case}/escalate", post(escalate))
}

/// Bulk import, with its own, larger body limit.
pub fn import_router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().route("/api/reports/import", post(import).layer(super::refusals::BodyLimit::max(MAX_IMPORT_BYTES)))
}

/// The queue's filter from the query string; `overdue=true` (or the overdue route) keeps
/// only cases past their deadline as of `now`.
fn queue_filter(params: &Params, overdue: bool, now: i64) -> Result<ReportFilter, ApiError> {
    let overdue = overdue || params.optional("overdue")?.unwrap_or(false);
    Ok(ReportFilter {
        states: params.list("state")?,
        categories: params.list("category")?,
        grid_id: params.optional("grid")?,
        community_id: params.optional("community")?,
        street_id: params.optional("street")?,
        overdue_at: overdue.then_some(now),
        created_from: params.time("since")?,
        created_before: params.time("until")?,
        limit: params.optional("limit")?,
        offset: params.optional("offset")?.unwrap_or(0),
        ..ReportFilter::default()
    })
}

/// `GET /api/reports?state=&category=&grid=&community=&street=&overdue=&since=&until=&limit=&offset=`:
/// the queue, newest first, with the reporter's contact.
pub async fn queue(State(state): State<AppState>, StaffCaller(staff): StaffCaller, params: Params) -> Result<Json<Queue>, ApiError> {
    let now = now();
    Ok(Json(staff::queue(&state.catalog, &staff, queue_filter(&params, false, now)?, now).await?))
}

/// `GET /api/reports/overdue`: dispatched or in-progress cases past their deadline, most
/// overdue first (takes the queue's filters too).
pub async fn overdue(State(state): State<AppState>, StaffCaller(staff): StaffCaller, params: Params) -> Result<Json<Queue>, ApiError> {
    let now = now();
    Ok(Json(staff::queue(&state.catalog, &staff, queue_filter(&params, true, now)?, now).await?))
}

/// The level of `by=`.
struct Level(AreaLevel);

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(text: &str) -> Result<Level, String> {
        match text {
            "grid" => Ok(Level(AreaLevel::Grid)),
            "community" => Ok(Level(AreaLevel::Community)),
            "street" => Ok(Level(AreaLevel::Street)),
            other => Err(format!("unknown level {other:?}, expected one of: grid, community, street")),
        }
    }
}

/// `GET /api/reports/closure?by=grid|community|street&since=&until=`: per area, cases open,
/// overdue, closed, and the on-time closure rate.
pub async fn closure(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    params: Params,
) -> Result<Json<Vec<ClosureRow>>, ApiError> {
    let Level(level) = params.optional("by")?.unwrap_or(Level(AreaLevel::Grid));
    let rows = staff::closure(&state.catalog, &staff, level, params.time("since")?, params.time("until")?, now()).await?;
    Ok(Json(rows))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    to: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    duplicate_of: Option<String>,
    #[serde(default)]
    expected_state: Option<String>,
}

/// What the client saw: `expected_state` from the body, the versions `If-Match` names.
fn seen(expected_state: Option<String>, headers: &HeaderMap) -> Result<Seen, ApiError> {
    let state = expected_state.map(|text| text.parse().map_err(|e| ApiError::bad_parameter("expected_state", e))).transpose()?;
    Ok(Seen { state, versions: if_match(headers)? })
}

/// The staff view of a moved case, with its new `ETag`.
fn moved(case: StaffCase) -> Response {
    ([etag(case.report.version)], Json(case)).into_response()
}

/// `POST /api/reports/{case}/transition {to, note?, duplicate_of?, expected_state?}`: one
/// workflow step; 409 if the case is not in `expected_state`, 412 if it is not at the
/// version `If-Match` names.
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
    let request = Move { to, note: body.note, duplicate_of: body.duplicate_of };
    Ok(moved(workflow::transition(&state.catalog, &staff, &case, request, &seen, now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    expected_state: Option<String>,
}

/// `POST /api/reports/{case}/escalate {note?, expected_state?}`: one "一呼四应" tier up, to
/// that tier's responder; preconditions as for a transition.
pub async fn escalate(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: EscalateBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    Ok(moved(workflow::escalate(&state.catalog, &staff, &case, body.note, &seen, now()).await?))
}

/// Historical imports are whole hotline exports: far larger than a report.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// `POST /api/reports/import?format=csv|geojson` (admin): a hotline export as the body, all
/// or nothing; 201 with the count by state, 422 listing every bad row. Without `format`,
/// the Content-Type decides (`text/csv`, or GeoJSON for `application/geo+json` / `application/json`).
pub async fn import(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    params: Params,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(axum::http::StatusCode, Json<ImportSummary>), ApiError> {
    staff.require(&[Role::Admin], "importing historical cases")?;
    let format: HistoryFormat = match params.optional("format")? {
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
