//! `/api/vocabulary`: every closed word list with its Chinese and English labels.

use std::hash::{Hash, Hasher};

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use crate::services::categories::Settings;
use crate::services::vocabulary::{Vocabulary, vocabulary};

/// The body and its validator. The lists are compiled in except the categories' labels,
/// tiers, deadlines and subcategories, which admins change: the ETag is the hash of the
/// body, so it changes exactly when the answer does.
fn document(settings: &Settings) -> (String, String) {
    let body = serde_json::to_string(&vocabulary(settings)).expect("the vocabulary serialises");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}\"", hasher.finish());
    (body, etag)
}

// Short, so that a new release's words reach pages soon; the ETag makes revalidation cheap.
const CACHE: &str = "public, max-age=300";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(vocabulary_document))
}

/// Every closed list (categories with tier and deadline, sources, tiers, states with their
/// moves, statuses, audit actions, facility kinds, station levels, compound kinds, roles,
/// grid levels, layers, hot-spot classes), each word with `code`, `label_zh` and `label_en`.
#[utoipa::path(
    get,
    path = "/api/vocabulary",
    tag = "vocabulary",
    responses(
        (status = 200, description = "Every closed word list, with `ETag` and `Cache-Control`", body = Vocabulary),
        (status = 304, description = "Not modified: the `If-None-Match` names the current ETag"),
    )
)]
async fn vocabulary_document(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let (body, etag) = document(&Settings::load(&state.catalog).await?);
    let cached = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let validators = [(ETAG, etag.as_str()), (CACHE_CONTROL, CACHE)];
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
    Ok((validators, [(CONTENT_TYPE, "application/json")], body).into_response())
}
