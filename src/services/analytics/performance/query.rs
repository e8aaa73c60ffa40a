//! What the board's and the 红黑榜's callers ask, as types, and the answers to them.

use utoipa::IntoParams;

use super::red_black::{self, DEFAULT_LIST_SIZE, RedBlackList};
use super::{Board, BoardGroup, DEFAULT_ROWS, board, period};
use crate::index::Snapshot;
use crate::index::reports::ReportPoints;
use crate::services::ServiceError;
use crate::services::cost::{Limits, within};
use crate::services::schemas::Iso8601;

/// The period: `period`, or `from` and `until`; neither: this month (China time).
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A month (`2026-11`), quarter (`2026-Q4`) or year (`2026`); compared with the one before.
    #[param(example = "2026-11")]
    pub period: Option<String>,
    /// Filed at or after this time (ISO 8601; with `until`, instead of `period`).
    #[param(value_type = Option<Iso8601>)]
    pub from: Option<i64>,
    /// Filed before this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub until: Option<i64>,
}

/// What the board groups by.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// `unit` (default), `grid`, `community`, `street` or `property_company`.
    #[param(value_type = Option<BoardGroup>)]
    pub group_by: Option<BoardGroup>,
    /// Rows at most (default 1,000): ranked groups first, then the small samples.
    #[param(minimum = 1)]
    pub limit: Option<usize>,
}

/// How long the red and black lists are.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Companies on each list, 1–50 (default 3); fewer when fewer than twice as many are ranked.
    #[param(minimum = 1, maximum = 50)]
    pub size: Option<usize>,
}

const MAX_LIST_SIZE: usize = 50;

/// The board asked for, judged at `now`.
pub fn performance(
    snapshot: &Snapshot,
    points: &ReportPoints,
    asked: &PeriodQuery,
    group: &BoardQuery,
    limits: &Limits,
    now: i64,
) -> Result<Board, ServiceError> {
    let limit = group.limit.unwrap_or(DEFAULT_ROWS);
    if limit == 0 {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: "must be at least 1".into() });
    }
    within("rows asked for (limit)", limit, limits.problem_rows, "ask for fewer rows")?;
    let period = period::resolve(asked.period.as_deref(), asked.from, asked.until, now)?;
    Ok(board(snapshot, points, group.group_by.unwrap_or(BoardGroup::Unit), &period, now, limit))
}

/// The 红黑榜 asked for, judged at `now`.
pub fn red_black_list(
    snapshot: &Snapshot,
    points: &ReportPoints,
    asked: &PeriodQuery,
    list: &ListQuery,
    now: i64,
) -> Result<RedBlackList, ServiceError> {
    let size = list.size.unwrap_or(DEFAULT_LIST_SIZE);
    if !(1..=MAX_LIST_SIZE).contains(&size) {
        return Err(ServiceError::InvalidParameter { parameter: "size", reason: format!("must be 1–{MAX_LIST_SIZE}") });
    }
    let period = period::resolve(asked.period.as_deref(), asked.from, asked.until, now)?;
    Ok(red_black::red_black(snapshot, points, &period, now, size))
}
