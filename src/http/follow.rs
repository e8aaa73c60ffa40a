//! The reporter's follow-up link (`/api/follow/{secret}`: their case, comments and rating)
//! and the staff's phone return visit (`/api/reports/{case}/return-visit`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::limit::ClientAddress;
use super::reports::json_body;
use super::staff::{IfMatch, moved, seen};
use crate::model::reports::{CaseState, Rating};
use crate::model::time::now;
use crate::services::reports::follow::{self, FollowCase};
use crate::services::reports::rating;
use crate::services::reports::view::StaffCase;

pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().routes(routes!(view)).routes(routes!(comment)).routes(routes!(rate)).routes(routes!(return_visit))
}

/// The answer holds the reporter's name and phone: no cache keeps it, and the link's
/// page sends no `Referer`.
const PRIVATE: [(HeaderName, HeaderValue); 2] =
    [(CACHE_CONTROL, HeaderValue::from_static("private, no-store")), (REFERRER_POLICY, HeaderValue::from_static("no-referrer"))];

fn private(case: FollowCase) -> Response {
    (PRIVATE, Json(case)).into_response()
}

/// The reporter's own case: the public view with their name, phone and consent, the
/// rating, and the public history (moves, public replies, their comments).
#[utoipa::path(
    get,
    path = "/api/follow/{secret}",
    tag = "reports",
    params(("secret" = String, Path, description = "The follow-up secret handed out on filing (`follow`)")),
    responses(
        (status = 200, body = FollowCase),
        (status = 404, description = "No case has this link", body = ErrorBody),
    )
)]
pub async fn view(State(state): State<AppState>, Path(secret): Path<String>) -> Result<Response, ApiError> {
    Ok(private(follow::view(&state.catalog, &secret).await?))
}

/// A reporter's comment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    /// 1–1000 characters, shown in the public history.
    comment: Option<String>,
}

/// Adds the reporter's comment to the public history of a case not yet final
/// (rate-limited like submissions).
#[utoipa::path(
    post,
    path = "/api/follow/{secret}/comment",
    tag = "reports",
    params(("secret" = String, Path, description = "The follow-up secret")),
    request_body = CommentBody,
    responses(
        (status = 200, body = FollowCase),
        (status = 400, description = "An empty or too long comment", body = ErrorBody),
        (status = 404, description = "No case has this link", body = ErrorBody),
        (status = 409, description = "The case is final", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody),
    )
)]
pub async fn comment(
    State(state): State<AppState>,
    client: ClientAddress,
    Path(secret): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: CommentBody = json_body(body)?;
    state.submissions.check(&client).await?;
    Ok(private(follow::comment(&state.catalog, &secret, body.comment, now()).await?))
}

/// A rating, with an optional comment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RatingBody {
    /// `satisfied`, `basically_satisfied` or `unsatisfied`.
    #[schema(value_type = Rating)]
    rating: String,
    /// Up to 1000 characters, shown in the public history.
    #[serde(default)]
    comment: Option<String>,
}

/// The reporter rates a resolved case: 满意/基本满意 let it be verified and closed;
/// 不满意 reopens it (重办) with a new deadline.
#[utoipa::path(
    post,
    path = "/api/follow/{secret}/rating",
    tag = "reports",
    params(("secret" = String, Path, description = "The follow-up secret")),
    request_body = RatingBody,
    responses(
        (status = 200, body = FollowCase),
        (status = 400, description = "A bad rating or comment, named", body = ErrorBody),
        (status = 404, description = "No case has this link", body = ErrorBody),
        (status = 409, description = "The case is not resolved, or is rated already", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody),
    )
)]
pub async fn rate(
    State(state): State<AppState>,
    client: ClientAddress,
    Path(secret): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: RatingBody = json_body(body)?;
    state.submissions.check(&client).await?;
    Ok(private(follow::rate(&state.catalog, &secret, &body.rating, body.comment, now()).await?))
}

/// A phone return visit's result.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReturnVisitBody {
    /// What the reporter said: `satisfied`, `basically_satisfied` or `unsatisfied`.
    #[schema(value_type = Rating)]
    rating: String,
    /// What the reporter said, in words (public, like a reporter's comment).
    #[serde(default)]
    comment: Option<String>,
    /// The state the client showed; another one now is a 409.
    #[serde(default)]
    #[schema(value_type = Option<CaseState>)]
    expected_state: Option<String>,
}

/// 回访: staff (dispatcher, supervisor, admin) record the reporter's rating from a phone
/// call, with the same effect as a rating on the link.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/return-visit",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), IfMatch),
    request_body = ReturnVisitBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffCase, headers(("ETag" = String, description = "The case's new version"))),
        (status = 400, description = "A bad rating or comment, named", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The token may not record return visits of this case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is not resolved, is rated already, or is not in `expected_state`", body = ErrorBody),
        (status = 412, description = "The case is not at a version `If-Match` names", body = ErrorBody),
    )
)]
pub async fn return_visit(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: ReturnVisitBody = json_body(body)?;
    let seen = seen(body.expected_state, &headers)?;
    let case: StaffCase = rating::return_visit(&state.catalog, &staff, &case, &body.rating, body.comment, &seen, now()).await?;
    Ok(moved(case))
}
