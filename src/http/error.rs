//! The one place that picks status codes: every error leaves as
//! `{"error": {"code", "message"}}`, 4xx for the caller's mistakes, 5xx only for ours
//! (whose details go to the log, not the caller).

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::import::ImportError;
use crate::services::reports::open311::Open311Error;
use crate::services::{Problem, ServiceError};

/// Every error answer of the native API: what went wrong, and for a batch refused whole
/// (a 422), each problem found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// Present only on a 422 that refused a batch or a request for several reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable word to branch on, such as `invalid_parameter`, `not_found` or `rejected`.
    pub code: String,
    /// For people: names the parameter or the record at fault and what would be accepted.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds after which a rate-limited request may be repeated.
    retry_after: Option<u64>,
    problems: Vec<Problem>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None, problems: Vec::new() }
    }

    pub fn bad_parameter(parameter: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", format!("invalid parameter {parameter}: {reason}"))
    }

    /// A request malformed beyond one parameter (such as its `Host` header).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
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

    /// A body that could not be read: too large, stalled, or broken off.
    pub fn from_body(rejection: BytesRejection, limit: usize) -> ApiError {
        let stalled = std::iter::successors(Some(&rejection as &dyn std::error::Error), |e| e.source())
            .any(|e| e.is::<tower_http::timeout::TimeoutError>());
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large(limit)
        } else if stalled {
            ApiError::new(StatusCode::REQUEST_TIMEOUT, "body_timeout", "the request body stopped arriving; send it again")
        } else {
            ApiError::new(rejection.status(), "bad_body", rejection.body_text())
        }
    }

    /// One file of a multipart body over its own limit (the body as a whole may be larger).
    pub fn part_too_large(part: &str, limit: usize) -> ApiError {
        let message = format!("{part} is larger than {} MB ({limit} bytes), the most one photo may be", limit / (1024 * 1024));
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large", message)
    }

    pub fn body_too_large(limit: usize) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the request body is larger than {limit} bytes"))
    }

    pub fn uri_too_long(bytes: usize, limit: usize) -> ApiError {
        ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", format!("the request URI is {bytes} bytes; at most {limit} are accepted"))
    }

    /// `(fields, bytes)` of the request's headers over `(fields, bytes)` allowed.
    pub fn headers_too_large(sent: (usize, usize), limit: (usize, usize)) -> ApiError {
        let message = format!(
            "the request has {} header fields in {} bytes; at most {} fields and {} bytes are accepted",
            sent.0, sent.1, limit.0, limit.1
        );
        ApiError::new(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", message)
    }

    /// A status axum chose before any handler ran (a rejection, a 405), as our JSON error.
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> ApiError {
        let code = match status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            status if status.is_server_error() => return ApiError::internal(message.into()),
            _ => "bad_request",
        };
        let status = if status.is_client_error() { status } else { StatusCode::BAD_REQUEST };
        ApiError::new(status, code, message)
    }

    /// Every connection this server may hold, or this client's share of them, is in use.
    pub fn too_many_connections(message: impl Into<String>) -> ApiError {
        ApiError { retry_after: Some(1), ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_connections", message) }
    }

    /// `/readyz`: the index is not loaded or the database does not answer.
    pub fn not_ready(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", message)
    }

    /// The whole HTTP/1.1 answer as bytes, closing the connection, for refusing one before
    /// any HTTP machinery is spent on it.
    pub fn to_http1(&self) -> Vec<u8> {
        let body = serde_json::to_string(&self.body()).expect("an error body serialises");
        let mut head = format!(
            "HTTP/1.1 {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            body.len()
        );
        if let Some(seconds) = self.retry_after {
            head.push_str(&format!("retry-after: {seconds}\r\n"));
        }
        head.push_str("\r\n");
        [head.into_bytes(), body.into_bytes()].concat()
    }

    /// Seconds after which the request may be repeated, when that is the remedy.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    fn body(&self) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message.clone() }, problems: self.problems.clone() }
    }

    /// For renderings in another body format (Open311), with the same status decisions.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
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
            ServiceError::NotFound { .. }
            | ServiceError::UnknownLayer { .. }
            | ServiceError::NoSuchCase(_)
            | ServiceError::NoSuchFollowLink
            | ServiceError::NoSuchToken(_)
            | ServiceError::NoSuchPhoto(_)
            | ServiceError::NoSuchModeration(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::NoSuchCategory(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServiceError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServiceError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ServiceError::TooLarge { .. } => (StatusCode::BAD_REQUEST, "too_large"),
            ServiceError::Busy { retry_after_s } => {
                let retry_after = Some(*retry_after_s);
                return ApiError { retry_after, ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", error.to_string()) };
            }
            ServiceError::OutOfTime { .. } => (StatusCode::SERVICE_UNAVAILABLE, "timed_out"),
            // Nobody is waiting for this answer any more.
            ServiceError::Cancelled => (StatusCode::SERVICE_UNAVAILABLE, "cancelled"),
            ServiceError::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            ServiceError::KeyReused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            ServiceError::Rejected { problems, .. } => {
                let problems = problems.clone();
                return ApiError { problems, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", error.to_string()) };
            }
            ServiceError::Import(ImportError::Rejected { problems, .. }) => {
                let problems = problems
                    .iter()
                    .map(|p| Problem { index: Some(p.index), id: p.id.clone(), field: None, message: p.to_string() })
                    .collect();
                return ApiError { problems, ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", error.to_string()) };
            }
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
        let mut response = (self.status, Json(self.body())).into_response();
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
