//! The moves that change who is on the hook or by when, not the state: supervision (督办),
//! extensions (申请延期 and the supervisor's decision) and reassignment (改派). Preconditions
//! (`expected_state`, `If-Match`) as for a transition; each answers the staff view with its
//! new `ETag`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::reports::json_body;
use super::staff::{IfMatch, moved, seen};
use crate::model::reports::CaseState;
use crate::model::time::{now, parse_iso8601};
use crate::services::reports::oversight::{self, Decision};
use crate::services::reports::view::StaffCase;
use crate::services::schemas::Iso8601;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(supervise))
        .routes(routes!(request_extension))
        .routes(routes!(decide_extension))
        .routes(routes!(reassign))
}

/// A supervision flag (督办).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SuperviseBody {
    /// What is wrong and what is expected (required).
    note: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// Flags a case for supervision (supervisor): it shows as supervised on every queue until
/// it next changes state.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/supervise",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = SuperviseBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 400, description = "No note", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not a supervisor of the case's area", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Final, or not in `expected_state`", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn supervise(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: SuperviseBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    Ok(moved(oversight::supervise(&state.catalog, &staff, &case, body.note, &seen, now()).await?))
}

/// A handler's request for more time.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ExtensionBody {
    /// The deadline asked for: after the current one, at most 90 days past it.
    #[schema(value_type = Iso8601)]
    until: String,
    /// Why (required).
    note: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// Asks for the deadline to move (handler of the case's unit); a supervisor decides.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/extension",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = ExtensionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 400, description = "No note, or `until` not after the deadline or too far", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not a handler of the case's unit", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Not being worked on, a request already waits, or not in `expected_state`", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn request_extension(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: ExtensionBody = json_body(body)?;
    let until = parse_iso8601(&body.until).map_err(|e| ApiError::bad_parameter("until", e))?;
    let seen = seen(body.expected_state, &headers)?;
    Ok(moved(oversight::request_extension(&state.catalog, &staff, &case, until, body.note, &seen, now()).await?))
}

/// A supervisor's decision on a pending extension request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// `true` moves the deadline to the date asked for; `false` keeps it.
    approve: bool,
    /// Why; required for a refusal.
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// Approves or refuses the pending extension request (supervisor). An approval moves the
/// deadline; the original stays on record (`original_deadline_at`).
#[utoipa::path(
    post,
    path = "/api/reports/{case}/extension/decision",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = DecisionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 400, description = "A refusal without a note", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not a supervisor of the case's area", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "No request waits, or not in `expected_state`", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn decide_extension(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: DecisionBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    let decision = if body.approve { Decision::Approve } else { Decision::Refuse };
    Ok(moved(oversight::decide_extension(&state.catalog, &staff, &case, decision, body.note, &seen, now()).await?))
}

/// A move to another unit.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReassignBody {
    /// The unit's id (`/api/layers/units`).
    unit: String,
    /// Why (required).
    note: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// Moves a dispatched or in-progress case to another unit (dispatcher); it is dispatched
/// to the new unit with its deadline unchanged.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/reassign",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = ReassignBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 400, description = "No note, or an unknown unit or the same one", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not a dispatcher of the case's area", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "Not being worked on, or not in `expected_state`", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn reassign(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: ReassignBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    Ok(moved(oversight::reassign(&state.catalog, &staff, &case, &body.unit, body.note, &seen, now()).await?))
}
