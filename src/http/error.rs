//! The one place that picks status codes: every error leaves as
//! `{"error": {"code", "message"}}`, 4xx for the caller's mistakes, 5xx only for ours
//! (whose details go to the log, not the caller).

use axum::extract::rejection::BytesRejection;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::import::ImportError;
use crate::services::reports::open311::Open311Error;
use crate::services::ServiceError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds after which a rate-limited request may be repeated.
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    pub fn bad_parameter(parameter: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", format!("invalid parameter {parameter}: {reason}"))
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Our fault: the details go to the log, the caller learns only that.
    pub fn internal(details: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {details}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; it has been logged")
    }

    /// The client sent more than its share of anonymous submissions.
    pub fn too_many_requests(retry_after_seconds: u64) -> ApiError {
        let message = format!("too many submissions from this address; try again in {retry_after_seconds} s");
        ApiError { retry_after: Some(retry_after_seconds), ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message) }
    }

    /// A body that could not be read: too large, or broken off.
    pub fn from_body(rejection: BytesRejection, limit: usize) -> ApiError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the request body is larger than {limit} bytes"))
        } else {
            ApiError::new(rejection.status(), "bad_body", rejection.body_text())
        }
    }

    /// For renderings in another body format (Open311), with the same status decisions.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn method_not_allowed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message)
    }
}

/// Open311's own "not found" cases are 404s, as its spec lists them; the rest are ours.
impl From<Open311Error> for ApiError {
    fn from(error: Open311Error) -> ApiError {
        match error {
            Open311Error::UnknownService(_) | Open311Error::UnknownJurisdiction(_) => ApiError::not_found(error.to_string()),
            Open311Error::Service(error) => ApiError::from(error),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        let (status, code) = match &error {
            ServiceError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ServiceError::NotFound { .. } | ServiceError::UnknownLayer { .. } | ServiceError::NoSuchCase(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            ServiceError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ServiceError::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            ServiceError::KeyReused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            ServiceError::Import(ImportError::Rejected { .. }) | ServiceError::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
            ServiceError::Import(ImportError::NotGeoJson { .. }) => (StatusCode::BAD_REQUEST, "not_geojson"),
            ServiceError::Import(ImportError::Read { .. } | ImportError::Osm(_) | ImportError::Store(_))
            | ServiceError::Store(_)
            | ServiceError::Index(_) => {
                return ApiError::internal(&error);
            }
        };
        ApiError::new(status, code, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: say which scheme would work.
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"minsheng\""));
        }
        response
    }
}
