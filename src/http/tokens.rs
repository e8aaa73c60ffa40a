//! Who the caller is (`/api/me`), and the admin's token management (`/api/tokens`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::reports::json_body;
use crate::model::reports::{Role, StaffToken};
use crate::model::time::now;
use crate::services::auth::tokens::{self, CreatedToken, Me};
use crate::services::auth::{Staff, TokenRequest, create_token};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me)).routes(routes!(tokens, new_token)).routes(routes!(revoke_token))
}

fn admin_only(staff: &Staff) -> Result<(), ApiError> {
    Ok(staff.require(&[Role::Admin], "managing tokens")?)
}

/// Who the token is: its role, its unit or area (with the area's name), label, expiry, and
/// the actions the role may take, so the staff view shows who is signed in and which moves.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
    )
)]
async fn me(State(state): State<AppState>, StaffCaller(staff): StaffCaller) -> Json<Me> {
    Json(tokens::me(&state.catalog, &staff))
}

/// Every staff token, oldest first, with role, scope, expiry and revocation; never a secret.
/// Admins only.
#[utoipa::path(
    get,
    path = "/api/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<StaffToken>),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn tokens(State(state): State<AppState>, StaffCaller(staff): StaffCaller) -> Result<Json<Vec<StaffToken>>, ApiError> {
    admin_only(&staff)?;
    Ok(Json(tokens::list_tokens(&state.catalog).await?))
}

/// Makes a token; the answer holds its secret, shown this once. Admins only.
#[utoipa::path(
    post,
    path = "/api/tokens",
    tag = "tokens",
    request_body = TokenRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedToken),
        (status = 400, description = "A scope the role does not take, an unknown area, a past expiry or a bad label", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
    )
)]
async fn new_token(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    admin_only(&staff)?;
    let request: TokenRequest = json_body(body)?;
    let created = create_token(&state.catalog, &request, now()).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Revokes a token: requests with it are refused from then on. Admins only.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    tag = "tokens",
    params(("id" = i64, Path, description = "The token's number")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "The id is not a token number", body = ErrorBody),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = ErrorBody),
        (status = 403, description = "The token is not an admin's", body = ErrorBody),
        (status = 404, description = "No live token with this number", body = ErrorBody),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin_only(&staff)?;
    // Parsed here rather than by the extractor, so a bad id gets the usual error shape.
    let id: i64 = id.parse().map_err(|_| ApiError::bad_parameter("id", format!("{id:?} is not a token number (see GET /api/tokens)")))?;
    tokens::revoke_token(&state.catalog, id, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
