//! The official's export of an area's cases for a period, as CSV or GeoJSON. Staff only
//! (official, supervisor, dispatcher, admin); reporter contacts only where the token may see
//! them. At most `MAX_ROWS` cases, the newest: `X-Export-Total` says how many matched and
//! `X-Export-Truncated: true` that the file was cut.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::analytics::csv_attachment;
use super::auth::StaffCaller;
use super::error::{ApiError, ErrorBody};
use super::feeds::{AreaQuery, area_and_categories};
use super::params::Params;
use crate::model::time::now;
use crate::services::reports::export::{self, Export, ExportQuery, Period};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(cases_csv)).routes(routes!(cases_geojson))
}

pub const TOTAL: HeaderName = HeaderName::from_static("x-export-total");
pub const TRUNCATED: HeaderName = HeaderName::from_static("x-export-truncated");
pub const PRIVATE_ROWS: HeaderName = HeaderName::from_static("x-export-private-rows");

/// The filing period of an export.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; `Period::parse` reads them.
struct PeriodQuery {
    /// Filed at or after: an ISO 8601 time or date (China Standard Time unless an offset is
    /// given). Default: 30 days before `to`.
    from: Option<String>,
    /// Filed before this time, or up to the end of this date. Default: now. At most 366 days
    /// after `from`.
    to: Option<String>,
}

async fn export_of(state: &AppState, staff: &crate::services::auth::Staff, params: &Params) -> Result<Export, ApiError> {
    let (area, categories) = area_and_categories(state, params)?;
    let period = Period::parse(params.optional::<String>("from")?.as_deref(), params.optional::<String>("to")?.as_deref(), now())?;
    Ok(export::export(&state.catalog, staff, &ExportQuery { area, categories, period }).await?)
}

/// The counts every export answer carries; the file holds private data, so no shared cache.
fn with_counts(mut response: Response, export: &Export) -> Response {
    let headers = response.headers_mut();
    headers.insert(TOTAL, HeaderValue::from(export.total));
    headers.insert(PRIVATE_ROWS, HeaderValue::from(export.private_rows));
    if export.truncated() {
        headers.insert(TRUNCATED, HeaderValue::from_static("true"));
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// The cases of an area and period (and categories) as CSV, newest first: the columns of
/// the historical-case import led by `case_number`, then the areas and outcome. Reporter name
/// and phone are filled for admins and for dispatchers within their scope, empty otherwise.
#[utoipa::path(
    get,
    path = "/api/export/cases.csv",
    tag = "reports",
    params(AreaQuery, PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cases (at most 10,000)", content_type = "text/csv; charset=utf-8", body = String,
         headers(("X-Export-Total" = u64, description = "Cases matching"),
                 ("X-Export-Truncated" = String, description = "`true` when cut at 10,000"),
                 ("X-Export-Private-Rows" = u64, description = "Rows with the reporter's contact"))),
        (status = 400, description = "A bad area, category or period, named", body = ErrorBody),
        (status = 401, description = "No staff token", body = ErrorBody),
        (status = 403, description = "A role that may not export", body = ErrorBody),
    )
)]
pub async fn cases_csv(State(state): State<AppState>, StaffCaller(staff): StaffCaller, params: Params) -> Result<Response, ApiError> {
    let export = export_of(&state, &staff, &params).await?;
    let rows = export.rows.iter().map(|row| export::csv_cells(row));
    let response = csv_attachment(&export::columns(), rows, "cases.csv")?;
    Ok(with_counts(response, &export))
}

/// The same cases as a GeoJSON FeatureCollection of Points (WGS84), the other columns as
/// properties.
#[utoipa::path(
    get,
    path = "/api/export/cases.geojson",
    tag = "reports",
    params(AreaQuery, PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cases (at most 10,000)", content_type = "application/geo+json",
         body = crate::services::schemas::GeoJsonFeatureCollection,
         headers(("X-Export-Total" = u64, description = "Cases matching"),
                 ("X-Export-Truncated" = String, description = "`true` when cut at 10,000"),
                 ("X-Export-Private-Rows" = u64, description = "Rows with the reporter's contact"))),
        (status = 400, description = "A bad area, category or period, named", body = ErrorBody),
        (status = 401, description = "No staff token", body = ErrorBody),
        (status = 403, description = "A role that may not export", body = ErrorBody),
    )
)]
pub async fn cases_geojson(State(state): State<AppState>, StaffCaller(staff): StaffCaller, params: Params) -> Result<Response, ApiError> {
    let export = export_of(&state, &staff, &params).await?;
    let disposition = HeaderValue::from_static("attachment; filename=\"cases.geojson\"");
    let response =
        ([(CONTENT_TYPE, HeaderValue::from_static("application/geo+json")), (CONTENT_DISPOSITION, disposition)], export::geojson(&export))
            .into_response();
    Ok(with_counts(response, &export))
}
