//! Requests turned away before a handler runs (an over-long URI or header section, a
//! declared body over the route's limit) and the framework's own error answers (axum's
//! rejections, 405s): all leave in the error shape of `error.rs`, or Open311's under
//! `/open311`, instead of axum's plain text or an empty body. Their statuses are picked in
//! `error.rs`, like every other.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::{DefaultBodyLimit, OriginalUri, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::future::{Either, Ready, ready};
use tower::{Layer, Service};

use super::error::ApiError;

/// The longest request target (path and query) answered; longer is a 414. Every query
/// this API takes fits in a few hundred bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names, values and separators) answered; more is a 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most header fields answered; more is a 431.
pub const MAX_HEADERS: usize = 100;

/// Framework error bodies are a line of text; anything longer is not one of them.
const MAX_FRAMEWORK_TEXT: usize = 4 * 1024;

/// Sets the route's body limit, like [`DefaultBodyLimit::max`], and answers 413 at once
/// when the declared `Content-Length` is over it, instead of waiting for a body that is
/// refused anyway.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    max: usize,
    /// A larger limit for `multipart/form-data` bodies (photo uploads), if any.
    multipart: Option<usize>,
}

impl BodyLimit {
    pub fn max(bytes: usize) -> BodyLimit {
        BodyLimit { max: bytes, multipart: None }
    }

    /// `bytes` for most bodies, `multipart` for a multipart form (which carries photos).
    pub fn with_multipart(bytes: usize, multipart: usize) -> BodyLimit {
        BodyLimit { max: bytes, multipart: Some(multipart) }
    }
}

impl<S> Layer<S> for BodyLimit {
    type Service = BodyLimitService<<DefaultBodyLimit as Layer<S>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        let largest = self.multipart.unwrap_or(self.max).max(self.max);
        BodyLimitService { inner: DefaultBodyLimit::max(largest).layer(inner), max: self.max, multipart: self.multipart }
    }
}

#[derive(Debug, Clone)]
pub struct BodyLimitService<S> {
    inner: S,
    max: usize,
    multipart: Option<usize>,
}

impl<S> Service<Request> for BodyLimitService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let max = match self.multipart {
            Some(larger) if super::photos::is_multipart(request.headers()) => larger,
            _ => self.max,
        };
        match declared_length(request.headers()) {
            Some(length) if length > max as u64 => {
                // Inside a nested router (Open311) the URI has lost its prefix.
                let path = request.extensions().get::<OriginalUri>().map_or(request.uri().path(), |original| original.path());
                Either::Left(ready(Ok(shaped(path, ApiError::body_too_large(max)))))
            }
            _ => Either::Right(self.inner.call(request)),
        }
    }
}

/// A `Content-Length` that does not parse is hyper's to refuse; it never gets here.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The outermost middleware: refuses over-long heads, then puts any error the framework
/// answered in plain text or with no body into the error shape.
pub async fn in_shape(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if let Some(refusal) = refuse_head(&request) {
        return shaped(&path, refusal);
    }
    let response = next.run(request).await;
    if !(response.status().is_client_error() || response.status().is_server_error()) || !needs_shape(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_FRAMEWORK_TEXT).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = match (parts.status, text.is_empty()) {
        // axum adds the `Allow` header after this middleware has run.
        (StatusCode::METHOD_NOT_ALLOWED, _) => format!("method {method} is not allowed on {path}; the Allow header lists those that are"),
        (status, true) => status.canonical_reason().unwrap_or("request refused").to_lowercase(),
        (_, false) => text,
    };
    shaped(&path, ApiError::from_status(parts.status, message))
}

/// A request line or header section over our limits (hyper's own, higher ones are in
/// `server.rs`).
fn refuse_head(request: &Request) -> Option<ApiError> {
    let uri = request.uri().path_and_query().map_or(0, |target| target.as_str().len());
    if uri > MAX_URI_BYTES {
        return Some(ApiError::uri_too_long(uri, MAX_URI_BYTES));
    }
    let headers = request.headers();
    // As on the wire: "name: value\r\n".
    let bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Some(ApiError::headers_too_large((headers.len(), bytes), (MAX_HEADERS, MAX_HEADER_BYTES)));
    }
    None
}

/// Our handlers answer JSON (or Open311's XML); the framework answers plain text or nothing.
fn needs_shape(headers: &HeaderMap) -> bool {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(content_type) => content_type.starts_with("text/plain"),
    }
}

fn shaped(path: &str, error: ApiError) -> Response {
    if super::open311::serves(path) { super::open311::error_at(path, error) } else { error.into_response() }
}
