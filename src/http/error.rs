//! The one place that picks status codes: every error leaves as
//! `{"error": {"code", "message"}}`, 4xx for the caller's mistakes, 5xx only for ours
//! (whose details go to the log, not the caller).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::import::ImportError;
use crate::services::ServiceError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn bad_parameter(parameter: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: format!("invalid parameter {parameter}: {reason}"),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into() }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        let (status, code) = match &error {
            ServiceError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ServiceError::NotFound { .. } | ServiceError::UnknownLayer { .. } | ServiceError::NoSuchCase(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            ServiceError::Import(ImportError::Rejected { .. }) | ServiceError::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected"),
            ServiceError::Import(ImportError::NotGeoJson { .. }) => (StatusCode::BAD_REQUEST, "not_geojson"),
            ServiceError::Import(ImportError::Read { .. } | ImportError::Store(_))
            | ServiceError::Store(_)
            | ServiceError::Index(_) => {
                tracing::error!("internal error: {error}");
                return ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "internal error; it has been logged".into(),
                };
            }
        };
        ApiError { status, code, message: error.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}
