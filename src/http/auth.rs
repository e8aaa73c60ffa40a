//! Who is calling: anonymous, or staff with `Authorization: Bearer <token>`.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::services::ServiceError;
use crate::services::auth::{Staff, authenticate};

/// The caller, if they sent a token. A token that is sent but unknown or revoked is
/// refused rather than treated as anonymous, so a typo does not silently hide data.
pub struct Caller(pub Option<Staff>);

/// A caller who must be staff.
pub struct StaffCaller(pub Staff);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(Caller(None)) };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ServiceError::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
        Ok(Caller(Some(authenticate(&state.catalog, secret).await?)))
    }
}

impl FromRequestParts<AppState> for StaffCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Caller::from_request_parts(parts, state).await?.0 {
            Some(staff) => Ok(StaffCaller(staff)),
            None => Err(ServiceError::Unauthorized(
                "this needs a staff token: send `Authorization: Bearer <token>` (see `minsheng token create`)".into(),
            )
            .into()),
        }
    }
}
