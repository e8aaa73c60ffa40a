//! The planner routes' questions and answers as types: the report filter they share, and
//! what each asks beyond it. Callers give these; the index's `ReportQuery` stays inside.

use crate::services::schemas::Iso8601;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::heatmap::{self, Hexagon};
use super::stats::{self, Bucket, GroupBy, Interval, ProblemList};
use crate::index::Snapshot;
use crate::index::reports::{ReportPoints, ReportQuery};
use crate::model::reports::Category;
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits, within};
use crate::services::features::Bbox;

/// Which reports an analysis counts.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// Categories, comma-separated; none: every category.
    #[param(value_type = Option<String>, example = "parking,pets")]
    pub category: Vec<Category>,
    /// `open`, `closed` or case states, comma-separated; none: every state.
    #[param(value_type = Option<String>, example = "open")]
    pub status: Vec<String>,
    /// Filed at or after this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub since: Option<i64>,
    /// Filed before this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub until: Option<i64>,
    /// `west,south,east,north`, WGS84 degrees.
    #[param(value_type = Option<String>, example = "104.05,30.6,104.1,30.65")]
    pub bbox: Option<Bbox>,
}

impl ReportFilter {
    /// The index's form of the filter, after checking that the period is not backwards
    /// (for the report heat tiles, which read the index's columns themselves).
    pub fn query(&self) -> Result<ReportQuery, ServiceError> {
        let bbox = self.bbox.map(|b| [b.west, b.south, b.east, b.north]);
        super::filter::query(self.category.clone(), &self.status, self.since, self.until, bbox)
    }
}

/// The hexagon grid of a heat map.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HexagonQuery {
    /// H3 resolution, 5–11 (default 9, cells of about 0.1 km²).
    #[param(minimum = 5, maximum = 11)]
    pub resolution: Option<u8>,
    /// Rings of neighbours in each cell's hot-spot neighbourhood, 1–3 (default 1).
    #[param(minimum = 1, maximum = 3)]
    pub k: Option<u32>,
}

/// The heat map: a GeoJSON FeatureCollection of hexagons.
#[derive(Debug, Serialize, ToSchema)]
pub struct HexagonMap {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind: &'static str,
    pub resolution: u8,
    pub features: Vec<HexagonFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HexagonFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    /// The H3 cell index.
    pub id: String,
    pub geometry: HexagonOutline,
    pub properties: Hexagon,
}

/// A hexagon's outline: a GeoJSON Polygon of one closed ring.
#[derive(Debug, Serialize, ToSchema)]
pub struct HexagonOutline {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Polygon")]
    pub kind: &'static str,
    /// One ring of [lon, lat], closed.
    pub coordinates: [Vec<[f64; 2]>; 1],
}

/// Hexagons with counts, households, rates and hot spots ([`heatmap::hexagons`]).
pub fn hexagon_map(
    snapshot: &Snapshot,
    points: &ReportPoints,
    filter: &ReportFilter,
    grid: &HexagonQuery,
    limits: &Limits,
    budget: &Budget,
) -> Result<HexagonMap, ServiceError> {
    let query = filter.query()?;
    let resolution = heatmap::resolution(grid.resolution)?;
    let rings = grid.k.unwrap_or(heatmap::DEFAULT_RINGS);
    let cells = heatmap::hexagons(snapshot, points, &query, resolution, rings, limits, budget)?;
    let features = cells
        .into_iter()
        .map(|cell| HexagonFeature {
            kind: "Feature",
            id: cell.h3.to_string(),
            geometry: HexagonOutline { kind: "Polygon", coordinates: [heatmap::outline(cell.h3)] },
            properties: cell,
        })
        .collect();
    Ok(HexagonMap { kind: "FeatureCollection", resolution: u8::from(resolution), features })
}

/// How a problem list is grouped and how long it is.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemQuery {
    /// Rank compounds (default), grids, communities or streets.
    #[param(value_type = Option<GroupBy>)]
    pub group_by: Option<GroupBy>,
    /// Rows at most (default 100).
    #[param(minimum = 1)]
    pub limit: Option<usize>,
}

/// Checks a problem list's length against the caller's limits and the filter's period,
/// before any work: what [`problem_list`] needs.
pub struct ProblemPlan {
    query: ReportQuery,
    group_by: GroupBy,
    period: (i64, i64),
    limit: usize,
}

pub fn plan_problems(filter: &ReportFilter, asked: &ProblemQuery, limits: &Limits, now: i64) -> Result<ProblemPlan, ServiceError> {
    let query = filter.query()?;
    let period = stats::period(query.since, query.until, now)?;
    let limit = asked.limit.unwrap_or(stats::DEFAULT_ROWS);
    if limit == 0 {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: "must be at least 1".into() });
    }
    within("rows asked for (limit)", limit, limits.problem_rows, "ask for fewer rows")?;
    Ok(ProblemPlan { query, group_by: asked.group_by.unwrap_or(GroupBy::Compound), period, limit })
}

/// The ranked problem list a plan asks for.
pub fn problem_list(snapshot: &Snapshot, points: &ReportPoints, plan: &ProblemPlan) -> ProblemList {
    stats::problems(snapshot, points, &plan.query, plan.group_by, plan.period, plan.limit)
}

/// The buckets of a timeline.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// `week` or `month` (default).
    #[param(value_type = Option<Interval>)]
    pub interval: Option<Interval>,
}

/// Counts per week or month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub interval: Interval,
    pub buckets: Vec<Bucket>,
}

/// Counts per bucket (and per category); the last 12 months (or 26 weeks) unless the
/// filter gives a period; at most `limits.timeline_buckets` buckets.
pub fn timeline(
    points: &ReportPoints,
    filter: &ReportFilter,
    asked: &TimelineQuery,
    limits: &Limits,
    now: i64,
) -> Result<Timeline, ServiceError> {
    let query = filter.query()?;
    let interval = asked.interval.unwrap_or(Interval::Month);
    let default_days = match interval {
        Interval::Week => 26 * 7,
        Interval::Month => 365,
    };
    let until = query.until.unwrap_or(now);
    let since = query.since.unwrap_or(until - default_days * 86_400);
    let period = stats::period(Some(since), Some(until), until)?;
    let buckets = stats::timeline(points, &query, interval, period, limits.timeline_buckets)?;
    Ok(Timeline { interval, buckets })
}
