//! Planner routes: the hexagon heat map with hot spots, the ranked problem list (JSON or
//! CSV) and the timeline. Public: they carry counts, never a reporter.

use axum::Json;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::cost::Bounds;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use crate::index::reports::ReportQuery;
use crate::model::time::now;
use crate::services::analytics::answers::{self, HexagonMap, HexagonQuery, ProblemQuery, ReportFilter, Timeline, TimelineQuery};
use crate::services::analytics::stats::ProblemList;

/// Heatmap and statistics for planners.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().routes(routes!(hexagons)).routes(routes!(problems)).routes(routes!(problems_csv)).routes(routes!(timeline))
}

impl FromParams for ReportFilter {
    fn from_params(params: &Params) -> Result<ReportFilter, ApiError> {
        Ok(ReportFilter {
            category: params.list("category")?,
            status: params.list("status")?,
            since: params.time("since")?,
            until: params.time("until")?,
            bbox: params.optional("bbox")?,
        })
    }
}

/// The filter every planner route takes, in the index's form (the report heat tiles use it).
pub fn report_query(params: &Params) -> Result<ReportQuery, ApiError> {
    Ok(ReportFilter::from_params(params)?.query()?)
}

impl FromParams for HexagonQuery {
    fn from_params(params: &Params) -> Result<HexagonQuery, ApiError> {
        Ok(HexagonQuery { resolution: params.optional("resolution")?, k: params.optional("k")? })
    }
}

/// Reports per H3 hexagon with households, rates and Getis-Ord Gi* hot spots, as GeoJSON.
/// At most [`Limits::hexagons`](crate::services::cost::Limits) cells in the box (or the map).
#[utoipa::path(
    get,
    path = "/api/heatmap",
    tag = "analytics",
    params(ReportFilter, HexagonQuery),
    responses(
        (status = 200, body = HexagonMap, content_type = "application/json"),
        (status = 400, description = "A bad parameter, named; or more cells than a request may have", body = ErrorBody),
    )
)]
pub async fn hexagons(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(filter): Query<ReportFilter>,
    Query(grid): Query<HexagonQuery>,
) -> Result<Json<HexagonMap>, ApiError> {
    let catalog = state.catalog.clone();
    let map = bounds
        .run(&state, move |limits, budget| answers::hexagon_map(&catalog.snapshot(), &catalog.reports(), &filter, &grid, limits, budget))
        .await?;
    Ok(Json(map))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"))
}

impl FromParams for ProblemQuery {
    fn from_params(params: &Params) -> Result<ProblemQuery, ApiError> {
        Ok(ProblemQuery { group_by: params.optional("group_by")?, limit: params.optional("limit")? })
    }
}

async fn problem_list(state: &AppState, bounds: Bounds, filter: &ReportFilter, asked: &ProblemQuery) -> Result<ProblemList, ApiError> {
    let plan = answers::plan_problems(filter, asked, &bounds.limits, now())?;
    let catalog = state.catalog.clone();
    bounds.run(state, move |_, _| Ok(answers::problem_list(&catalog.snapshot(), &catalog.reports(), &plan))).await
}

/// The ranked problem list (问题清单): the first `limit` areas by reports, with the change
/// against the previous period, and the number of areas. JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(
    get,
    path = "/api/stats/problems",
    tag = "analytics",
    params(ReportFilter, ProblemQuery),
    responses(
        (status = 200, content(
            (ProblemList = "application/json"),
            (String = "text/csv; charset=utf-8"),
        )),
        (status = 400, description = "A bad parameter, named", body = ErrorBody),
    )
)]
pub async fn problems(
    State(state): State<AppState>,
    bounds: Bounds,
    headers: HeaderMap,
    Query(filter): Query<ReportFilter>,
    Query(asked): Query<ProblemQuery>,
) -> Result<Response, ApiError> {
    let list = problem_list(&state, bounds, &filter, &asked).await?;
    if wants_csv(&headers) { csv_response(&list) } else { Ok(Json(list).into_response()) }
}

/// The same list as CSV (UTF-8 with a byte-order mark, for Excel).
#[utoipa::path(
    get,
    path = "/api/stats/problems.csv",
    tag = "analytics",
    params(ReportFilter, ProblemQuery),
    responses((status = 200, body = String, content_type = "text/csv; charset=utf-8"), (status = 400, description = "A bad parameter, named", body = ErrorBody))
)]
pub async fn problems_csv(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(filter): Query<ReportFilter>,
    Query(asked): Query<ProblemQuery>,
) -> Result<Response, ApiError> {
    csv_response(&problem_list(&state, bounds, &filter, &asked).await?)
}

fn csv_response(list: &ProblemList) -> Result<Response, ApiError> {
    let header = ["rank", "id", "name", "count", "households", "rate_per_1000", "previous_count", "change", "change_pct", "since", "until"];
    let optional = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
    let rows = list.rows.iter().map(|row| {
        vec![
            row.rank.to_string(),
            row.id.clone(),
            row.name.clone(),
            row.count.to_string(),
            row.households.to_string(),
            optional(row.rate_per_1000),
            row.previous_count.to_string(),
            row.change.to_string(),
            optional(row.change_pct),
            list.since.clone(),
            list.until.clone(),
        ]
    });
    let group = serde_json::to_value(list.group_by).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    csv_attachment(&header, rows, &format!("problems-{group}.csv"))
}

/// A CSV download: a header row, then `rows`, as UTF-8 with a byte-order mark.
pub(super) fn csv_attachment(header: &[&str], rows: impl Iterator<Item = Vec<String>>, file: &str) -> Result<Response, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = (|| -> csv::Result<Vec<u8>> {
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
        Ok(writer.into_inner().map_err(|e| e.into_error())?)
    })();
    // Writing CSV into memory fails only on a bug: report it as ours.
    let mut body = written.map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
    // A byte-order mark, so that Excel (which planners open it with) reads UTF-8 Chinese names.
    body.splice(0..0, [0xEF, 0xBB, 0xBF]);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")).expect("ASCII file name");
    headers.insert(CONTENT_DISPOSITION, disposition);
    Ok(response)
}

impl FromParams for TimelineQuery {
    fn from_params(params: &Params) -> Result<TimelineQuery, ApiError> {
        Ok(TimelineQuery { interval: params.optional("interval")? })
    }
}

/// Counts per week or month (and per category); the last 12 months (or 26 weeks) unless
/// `since`/`until` say otherwise. At most [`Limits::timeline_buckets`](crate::services::cost::Limits) buckets.
#[utoipa::path(
    get,
    path = "/api/stats/timeline",
    tag = "analytics",
    params(ReportFilter, TimelineQuery),
    responses((status = 200, body = Timeline), (status = 400, description = "A bad parameter, named; or too many buckets", body = ErrorBody))
)]
pub async fn timeline(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(filter): Query<ReportFilter>,
    Query(asked): Query<TimelineQuery>,
) -> Result<Json<Timeline>, ApiError> {
    let catalog = state.catalog.clone();
    let timeline = bounds.run(&state, move |limits, _| answers::timeline(&catalog.reports(), &filter, &asked, limits, now())).await?;
    Ok(Json(timeline))
}
