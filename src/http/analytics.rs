//! Planner routes: the hexagon heat map with hot spots, the ranked problem list (JSON or
//! CSV) and the timeline. Public: they carry counts, never a reporter.

use axum::Json;
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::cost::Bounds;
use super::error::ApiError;
use super::params::Params;
use crate::index::reports::ReportQuery;
use crate::model::time::now;
use crate::services::analytics::stats::{self, GroupBy, Interval, ProblemList};
use crate::services::analytics::{filter, heatmap};
use crate::services::cost::within;
use crate::services::features::Bbox;

/// Heatmap and statistics for planners.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .route("/api/heatmap", get(hexagons))
        .route("/api/stats/problems", get(problems))
        .route("/api/stats/problems.csv", get(problems_csv))
        .route("/api/stats/timeline", get(timeline))
}

/// The filter every planner route takes: `category`, `status` (comma lists), `since`,
/// `until` (ISO 8601), and `bbox` where given.
pub fn report_query(params: &Params) -> Result<ReportQuery, ApiError> {
    let bbox: Option<Bbox> = params.optional("bbox")?;
    Ok(filter::query(
        params.list("category")?,
        &params.list::<String>("status")?,
        params.time("since")?,
        params.time("until")?,
        bbox.map(|b| [b.west, b.south, b.east, b.north]),
    )?)
}

/// `GET /api/heatmap?resolution=9&k=1&category=&status=&since=&until=&bbox=`: GeoJSON hexagons.
/// At most [`Limits::hexagons`](crate::services::cost::Limits) cells in the box (or the map).
pub async fn hexagons(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Json<Value>, ApiError> {
    let query = report_query(&params)?;
    let resolution = heatmap::resolution(params.optional("resolution")?)?;
    let rings = params.optional("k")?.unwrap_or(heatmap::DEFAULT_RINGS);
    let catalog = state.catalog.clone();
    let body = bounds
        .run(&state, move |limits, budget| {
            let snapshot = catalog.snapshot();
            let cells = heatmap::hexagons(&snapshot, &catalog.reports(), &query, resolution, rings, limits, budget)?;
            let features: Vec<Value> = cells
                .iter()
                .map(|cell| {
                    json!({
                        "type": "Feature",
                        "id": cell.h3.to_string(),
                        "geometry": {"type": "Polygon", "coordinates": [heatmap::outline(cell.h3)]},
                        "properties": cell,
                    })
                })
                .collect();
            Ok(json!({
                "type": "FeatureCollection",
                "resolution": u8::from(resolution),
                "features": features,
            }))
        })
        .await?;
    Ok(Json(body))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"))
}

async fn problem_list(state: &AppState, bounds: Bounds, params: &Params) -> Result<ProblemList, ApiError> {
    let group_by: GroupBy = params.optional("group_by")?.unwrap_or(GroupBy::Compound);
    let query = report_query(params)?;
    let period = stats::period(query.since, query.until, now())?;
    let limit: usize = params.optional("limit")?.unwrap_or(stats::DEFAULT_ROWS);
    if limit == 0 {
        return Err(ApiError::bad_parameter("limit", "must be at least 1"));
    }
    within("rows asked for (limit)", limit, bounds.limits.problem_rows, "ask for fewer rows")?;
    let catalog = state.catalog.clone();
    bounds
        .run(state, move |_, _| {
            let snapshot = catalog.snapshot();
            Ok(stats::problems(&snapshot, &catalog.reports(), &query, group_by, period, limit))
        })
        .await
}

/// `GET /api/stats/problems?group_by=compound|grid|community|street&category=&status=&since=&until=&limit=100`:
/// the first `limit` ranked rows (JSON, or CSV with `Accept: text/csv`) and the number of areas.
pub async fn problems(State(state): State<AppState>, bounds: Bounds, headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    let list = problem_list(&state, bounds, &params).await?;
    if wants_csv(&headers) { csv_response(&list) } else { Ok(Json(list).into_response()) }
}

/// `GET /api/stats/problems.csv`: the same list as CSV.
pub async fn problems_csv(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Response, ApiError> {
    csv_response(&problem_list(&state, bounds, &params).await?)
}

fn csv_response(list: &ProblemList) -> Result<Response, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = ["rank", "id", "name", "count", "households", "rate_per_1000", "previous_count", "change", "change_pct", "since", "until"];
    let written = (|| -> csv::Result<Vec<u8>> {
        writer.write_record(header)?;
        for row in &list.rows {
            let optional = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
            writer.write_record([
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
            ])?;
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
    let file = format!(
        "attachment; filename=\"problems-{}.csv\"",
        serde_json::to_value(list.group_by).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    );
    headers.insert(CONTENT_DISPOSITION, HeaderValue::from_str(&file).expect("ASCII file name"));
    Ok(response)
}

/// `GET /api/stats/timeline?interval=week|month&category=&status=&since=&until=`: counts per
/// bucket (and per category); defaults to the last 12 months (or 26 weeks). At most
/// [`Limits::timeline_buckets`](crate::services::cost::Limits) buckets.
pub async fn timeline(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Json<Value>, ApiError> {
    let interval: Interval = params.optional("interval")?.unwrap_or(Interval::Month);
    let query = report_query(&params)?;
    let default_days = match interval {
        Interval::Week => 26 * 7,
        Interval::Month => 365,
    };
    let until = query.until.unwrap_or_else(now);
    let since = query.since.unwrap_or(until - default_days * 86_400);
    let period = stats::period(Some(since), Some(until), until)?;
    let catalog = state.catalog.clone();
    let buckets =
        bounds.run(&state, move |limits, _| stats::timeline(&catalog.reports(), &query, interval, period, limits.timeline_buckets)).await?;
    Ok(Json(json!({ "interval": interval, "buckets": buckets })))
}
