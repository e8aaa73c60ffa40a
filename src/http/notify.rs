//! The notification outbox's operator routes (dead letters, replay, message templates) and
//! staff webhook subscriptions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use super::reports::json_body;
use crate::model::notify::{NoticeState, NotifyEvent, StoredNotice, Subscription};
use crate::model::time::now;
use crate::services::notify::dead::{self, Replayed};
use crate::services::notify::subscriptions::{self, NewSubscription};
use crate::services::notify::templates::{self, Template, TemplateList};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox))
        .routes(routes!(dead_letters))
        .routes(routes!(replay_one))
        .routes(routes!(replay_all))
        .routes(routes!(template_list))
        .routes(routes!(put_template, reset_template))
        .routes(routes!(subscription_list, new_subscription))
        .routes(routes!(delete_subscription))
}

/// Which outbox rows to list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// pending, delivered or dead (default: dead).
    state: Option<NoticeState>,
    /// Only this case's messages.
    case: Option<String>,
    /// At most this many, newest first (1–1000, default 100).
    limit: Option<u32>,
}

impl FromParams for OutboxQuery {
    fn from_params(params: &Params) -> Result<OutboxQuery, ApiError> {
        Ok(OutboxQuery { state: params.optional("state")?, case: params.optional("case")?, limit: params.optional("limit")? })
    }
}

/// Outbox rows in a state (dead letters unless `state` says otherwise), newest first, with
/// their tries and last error. Admins only: rows carry reporters' phones.
#[utoipa::path(
    get,
    path = "/api/notify/outbox",
    tag = "notify",
    params(OutboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredNotice>),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn outbox(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Vec<StoredNotice>>, ApiError> {
    let rows = dead::list(&state.catalog, &staff, query.state.unwrap_or(NoticeState::Dead), query.case, query.limit.unwrap_or(100)).await?;
    Ok(Json(rows))
}

/// Dead letters: messages given up on after the most tries allowed, newest first. Admins only.
#[utoipa::path(
    get,
    path = "/api/notify/dead",
    tag = "notify",
    params(OutboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StoredNotice>),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn dead_letters(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<Vec<StoredNotice>>, ApiError> {
    if query.state.is_some_and(|s| s != NoticeState::Dead) {
        return Err(ApiError::bad_parameter("state", "this route lists dead letters; /api/notify/outbox lists the others"));
    }
    Ok(Json(dead::list(&state.catalog, &staff, NoticeState::Dead, query.case, query.limit.unwrap_or(100)).await?))
}

fn notice_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::bad_parameter("id", format!("{id:?} is not a notification number (see GET /api/notify/dead)")))
}

/// Queues a dead letter again, due now, its tries counted afresh (same key: a receiver that
/// did get it before sees a repeat it can recognise). Admins only.
#[utoipa::path(
    post,
    path = "/api/notify/dead/{id}/replay",
    tag = "notify",
    params(("id" = i64, Path, description = "The notification's number")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Replayed),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
        (status = 409, description = "The notification is not a dead letter", body = ErrorBody),
    )
)]
async fn replay_one(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(id): Path<String>,
) -> Result<Json<Replayed>, ApiError> {
    let id = notice_id(&id)?;
    Ok(Json(dead::replay(&state.catalog, Some(&staff), Some(id), now()).await?))
}

/// Queues every dead letter again. Admins only.
#[utoipa::path(
    post,
    path = "/api/notify/dead/replay",
    tag = "notify",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Replayed),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn replay_all(State(state): State<AppState>, StaffCaller(staff): StaffCaller) -> Result<Json<Replayed>, ApiError> {
    Ok(Json(dead::replay(&state.catalog, Some(&staff), None, now()).await?))
}

/// Every event's message text (the admins' where they wrote one, else the Chinese default)
/// and the placeholders a text may use. Any staff token.
#[utoipa::path(
    get,
    path = "/api/notify/templates",
    tag = "notify",
    security(("bearer" = [])),
    responses(
        (status = 200, body = TemplateList),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
    )
)]
async fn template_list(State(state): State<AppState>, StaffCaller(_staff): StaffCaller) -> Result<Json<TemplateList>, ApiError> {
    Ok(Json(templates::list(&state.catalog).await?))
}

/// A new message text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateText {
    /// Words and `{placeholder}`s from the list `GET /api/notify/templates` gives.
    pub text: String,
}

fn event_word(event: &str) -> Result<NotifyEvent, ApiError> {
    event.parse().map_err(|reason: String| ApiError::bad_parameter("event", reason))
}

/// Replaces an event's message text. Admins only; an unknown placeholder or a stray brace is
/// refused (400) naming it.
#[utoipa::path(
    put,
    path = "/api/notify/templates/{event}",
    tag = "notify",
    params(("event" = NotifyEvent, Path, description = "The event word")),
    request_body = TemplateText,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Template),
        (status = 400, description = "An unknown event, placeholder or a bad text", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn put_template(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(event): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Template>, ApiError> {
    let event = event_word(&event)?;
    let request: TemplateText = json_body(body)?;
    Ok(Json(templates::write(&state.catalog, &staff, event, Some(&request.text), now()).await?))
}

/// Goes back to an event's built-in text. Admins only.
#[utoipa::path(
    delete,
    path = "/api/notify/templates/{event}",
    tag = "notify",
    params(("event" = NotifyEvent, Path, description = "The event word")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Template),
        (status = 400, description = "An unknown event", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn reset_template(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(event): Path<String>,
) -> Result<Json<Template>, ApiError> {
    let event = event_word(&event)?;
    Ok(Json(templates::write(&state.catalog, &staff, event, None, now()).await?))
}

/// The webhook subscriptions this token made (an admin: every one).
#[utoipa::path(
    get,
    path = "/api/subscriptions",
    tag = "notify",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Subscription>),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
    )
)]
async fn subscription_list(State(state): State<AppState>, StaffCaller(staff): StaffCaller) -> Result<Json<Vec<Subscription>>, ApiError> {
    Ok(Json(subscriptions::list(&state.catalog, &staff).await?))
}

/// Subscribes a webhook to new cases and state changes in an area (a compound, a grid or a
/// GeoJSON polygon) and, optionally, some categories. Any staff token.
#[utoipa::path(
    post,
    path = "/api/subscriptions",
    tag = "notify",
    request_body = NewSubscription,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Subscription),
        (status = 400, description = "No area or several, an unknown area or category, a bad polygon or URL", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 409, description = "The token holds the most subscriptions allowed", body = ErrorBody),
    )
)]
async fn new_subscription(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Subscription>), ApiError> {
    let request: NewSubscription = json_body(body)?;
    Ok((StatusCode::CREATED, Json(subscriptions::create(&state.catalog, &staff, request, now()).await?)))
}

/// Deletes a subscription (its maker's token, or an admin's).
#[utoipa::path(
    delete,
    path = "/api/subscriptions/{id}",
    tag = "notify",
    params(("id" = i64, Path, description = "The subscription's number")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "Another token's subscription", body = ErrorBody),
        (status = 404, description = "No such subscription", body = ErrorBody),
    )
)]
async fn delete_subscription(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::bad_parameter("id", format!("{id:?} is not a subscription number")))?;
    subscriptions::delete(&state.catalog, &staff, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
