//! Category settings: everyone reads them; admins change a category's tier, times and
//! labels, add subcategories, and read the audit of every change.

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
use super::params::{FromParams, Params, Query};
use super::reports::json_body;
use crate::model::time::now;
use crate::services::categories::{self, CategoryChangeView, CategoryPatch, CategoryView, ChangesQuery, NewSubcategory};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories))
        .routes(routes!(update_category))
        .routes(routes!(create_subcategory))
        .routes(routes!(changes))
}

/// Every category with the settings a new case gets: tier, response and resolution hours,
/// labels, and its subcategories (whose unset values are their parent's).
#[utoipa::path(get, path = "/api/categories", tag = "categories", responses((status = 200, body = Vec<CategoryView>)))]
async fn categories(State(state): State<AppState>) -> Result<Json<Vec<CategoryView>>, ApiError> {
    Ok(Json(categories::list(&state.catalog).await?))
}

/// Changes a category's or a subcategory's settings (admin); only the fields given change.
/// New cases get the new settings, cases filed before keep theirs. The change is audited.
#[utoipa::path(
    put,
    path = "/api/categories/{key}",
    tag = "categories",
    params(("key" = String, Path, description = "The category's word (`parking`), or `parent%2Fchild` for a subcategory")),
    request_body = CategoryPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = CategoryView),
        (status = 400, description = "A bad value, named; nothing changed", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Only admins change category settings", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "Another admin changed it meanwhile", body = ErrorBody),
    )
)]
async fn update_category(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CategoryView>, ApiError> {
    let patch: CategoryPatch = json_body(body)?;
    Ok(Json(categories::update(&state.catalog, &staff, &key, patch, now()).await?))
}

/// Adds a subcategory under a top-level category (admin); values left out are the parent's.
#[utoipa::path(
    post,
    path = "/api/categories/{parent}/subcategories",
    tag = "categories",
    params(("parent" = String, Path, description = "A top-level category's word")),
    request_body = NewSubcategory,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CategoryView),
        (status = 400, description = "A bad value, named; nothing changed", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Only admins create subcategories", body = ErrorBody),
        (status = 409, description = "The subcategory exists already", body = ErrorBody),
    )
)]
async fn create_subcategory(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(parent): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CategoryView>), ApiError> {
    let new: NewSubcategory = json_body(body)?;
    Ok((StatusCode::CREATED, Json(categories::create_subcategory(&state.catalog, &staff, &parent, new, now()).await?)))
}

impl FromParams for ChangesQuery {
    fn from_params(params: &Params) -> Result<ChangesQuery, ApiError> {
        Ok(ChangesQuery { limit: params.optional("limit")? })
    }
}

/// The audit of the category settings (admin), newest first: who changed what, and the
/// settings before and after.
#[utoipa::path(
    get,
    path = "/api/categories/changes",
    tag = "categories",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<CategoryChangeView>),
        (status = 400, description = "A bad `limit`", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Only admins read the audit", body = ErrorBody),
    )
)]
async fn changes(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<Vec<CategoryChangeView>>, ApiError> {
    Ok(Json(categories::changes(&state.catalog, &staff, query).await?))
}
