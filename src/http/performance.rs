//! The performance board (any staff token; JSON or CSV) and the 红黑榜 of property
//! companies (public: it is published).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::analytics::csv_attachment;
use super::auth::StaffCaller;
use super::cost::Bounds;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use crate::model::time::now;
use crate::services::analytics::performance::query::{self, BoardQuery, ListQuery, PeriodQuery};
use crate::services::analytics::performance::red_black::RedBlackList;
use crate::services::analytics::performance::{Board, Rate};

/// The board and the 红黑榜.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(performance)).routes(routes!(performance_csv)).routes(routes!(red_black))
}

impl FromParams for PeriodQuery {
    fn from_params(params: &Params) -> Result<PeriodQuery, ApiError> {
        Ok(PeriodQuery { period: params.optional("period")?, from: params.time("from")?, until: params.time("until")? })
    }
}

impl FromParams for BoardQuery {
    fn from_params(params: &Params) -> Result<BoardQuery, ApiError> {
        Ok(BoardQuery { group_by: params.optional("group_by")?, limit: params.optional("limit")? })
    }
}

impl FromParams for ListQuery {
    fn from_params(params: &Params) -> Result<ListQuery, ApiError> {
        Ok(ListQuery { size: params.optional("size")? })
    }
}

async fn board(state: &AppState, bounds: Bounds, asked: PeriodQuery, group: BoardQuery) -> Result<Board, ApiError> {
    let catalog = state.catalog.clone();
    bounds.run(state, move |limits, _| query::performance(&catalog.snapshot(), &catalog.reports(), &asked, &group, limits, now())).await
}

/// The performance board: per unit, grid, community, street or property company, cases and
/// 响应率, 按时办结率, 解决率, 满意率 and 重办率 with their counts and their change against
/// the period before, average hours to respond and to resolve, and a rank by on-time rate
/// (small samples flagged, not ranked). Definitions in the README.
#[utoipa::path(
    get,
    path = "/api/performance",
    tag = "staff",
    params(BoardQuery, PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Board),
        (status = 400, description = "A bad group_by or period, named", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    )
)]
pub async fn performance(
    State(state): State<AppState>,
    StaffCaller(_staff): StaffCaller,
    bounds: Bounds,
    Query(group): Query<BoardQuery>,
    Query(asked): Query<PeriodQuery>,
) -> Result<Json<Board>, ApiError> {
    Ok(Json(board(&state, bounds, asked, group).await?))
}

/// The same board as CSV (UTF-8 with a byte-order mark, for Excel), for the monthly meeting.
#[utoipa::path(
    get,
    path = "/api/performance.csv",
    tag = "staff",
    params(BoardQuery, PeriodQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = String, content_type = "text/csv; charset=utf-8"),
        (status = 400, description = "A bad group_by or period, named", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
    )
)]
pub async fn performance_csv(
    State(state): State<AppState>,
    StaffCaller(_staff): StaffCaller,
    bounds: Bounds,
    Query(group): Query<BoardQuery>,
    Query(asked): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let board = board(&state, bounds, asked, group).await?;
    let mut header: Vec<String> = ["rank", "id", "name", "cases", "previous_cases"].map(String::from).to_vec();
    for rate in RATES {
        for part in ["pct", "numerator", "denominator", "previous_pct", "change_pp"] {
            header.push(format!("{rate}_{part}"));
        }
    }
    header.extend(["avg_response_hours", "avg_resolution_hours", "small_sample", "since", "until"].map(String::from));
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
    let rate = |r: Option<&Rate>| match r {
        Some(r) => {
            vec![number(r.percent), r.numerator.to_string(), r.denominator.to_string(), number(r.previous_percent), number(r.change_pp)]
        }
        None => vec![String::new(); 5],
    };
    let rows = board.rows.iter().map(|row| {
        let mut line = vec![
            row.rank.map_or(String::new(), |r| r.to_string()),
            row.id.clone(),
            row.name.clone(),
            row.cases.to_string(),
            row.previous_cases.to_string(),
        ];
        for r in [
            Some(&row.response_rate),
            Some(&row.on_time_rate),
            Some(&row.resolution_rate),
            row.satisfaction_rate.as_ref(),
            Some(&row.reopen_rate),
        ] {
            line.extend(rate(r));
        }
        line.extend([
            number(row.avg_response_hours),
            number(row.avg_resolution_hours),
            row.small_sample.to_string(),
            board.period.since.clone(),
            board.period.until.clone(),
        ]);
        line
    });
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    csv_attachment(&header, rows, &format!("performance-{}.csv", board.group_by.as_str()))
}

/// The rates in the CSV's column order.
const RATES: [&str; 5] = ["response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "reopen_rate"];

/// 红黑榜: property companies ranked by complaints per 1,000 households, on-time rate and
/// satisfaction; the best published as the red list, the worst as the black list, and the
/// companies with too few cases listed as excluded. The rule is in the README.
#[utoipa::path(
    get,
    path = "/api/performance/red-black",
    tag = "analytics",
    params(PeriodQuery, ListQuery),
    responses((status = 200, body = RedBlackList), (status = 400, description = "A bad period or size, named", body = ErrorBody))
)]
pub async fn red_black(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(asked): Query<PeriodQuery>,
    Query(list): Query<ListQuery>,
) -> Result<Json<RedBlackList>, ApiError> {
    let catalog = state.catalog.clone();
    let list = bounds.run(&state, move |_, _| query::red_black_list(&catalog.snapshot(), &catalog.reports(), &asked, &list, now())).await?;
    Ok(Json(list))
}
