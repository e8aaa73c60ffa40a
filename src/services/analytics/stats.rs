//! The ranked problem list (问题清单) per compound, grid, community or street, with the
//! change against the previous period of the same length; and counts over time.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use serde::Serialize;

use crate::index::Snapshot;
use crate::index::reports::{NONE, ReportPoints, ReportQuery};
use crate::model::reports::Category;
use crate::model::time::to_iso8601;
use crate::model::{GridLevel, Layer};
use crate::services::ServiceError;
use crate::services::cost::within;

const DAY: i64 = 86_400;
/// The period when none is given: the last 30 days.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// What a problem list ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Compound,
    Grid,
    Community,
    Street,
}

impl std::str::FromStr for GroupBy {
    type Err = String;
    fn from_str(text: &str) -> Result<GroupBy, String> {
        match text {
            "compound" => Ok(GroupBy::Compound),
            "grid" => Ok(GroupBy::Grid),
            "community" => Ok(GroupBy::Community),
            "street" => Ok(GroupBy::Street),
            other => Err(format!("unknown value {other:?}, expected one of: compound, grid, community, street")),
        }
    }
}

/// One ranked area.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemRow {
    pub rank: usize,
    pub id: String,
    pub name: String,
    pub count: u32,
    pub households: u32,
    pub rate_per_1000: Option<f64>,
    pub previous_count: u32,
    /// `count − previous_count`.
    pub change: i64,
    /// Relative change in percent; `None` when the previous period had none.
    pub change_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemList {
    pub group_by: GroupBy,
    pub since: String,
    pub until: String,
    pub previous_since: String,
    pub previous_until: String,
    /// Areas with reports in either period (the list may show only the first of them).
    pub areas: usize,
    pub rows: Vec<ProblemRow>,
}

/// Rows unless asked: a problem list is read from the top.
pub const DEFAULT_ROWS: usize = 100;

/// The period `[since, until)`, defaulting to the 30 days up to `now`.
pub fn period(since: Option<i64>, until: Option<i64>, now: i64) -> Result<(i64, i64), ServiceError> {
    let until = until.unwrap_or(now);
    let since = since.unwrap_or(until - DEFAULT_PERIOD_DAYS * DAY);
    if until <= since {
        return Err(ServiceError::InvalidParameter { parameter: "until", reason: "must be after since".into() });
    }
    Ok((since, until))
}

/// The first `limit` areas ranked by their count of reports passing `query` in
/// `[since, until)`, most first (ties by id); areas with no reports in either period are
/// left out.
pub fn problems(
    snapshot: &Snapshot,
    points: &ReportPoints,
    query: &ReportQuery,
    group_by: GroupBy,
    (since, until): (i64, i64),
    limit: usize,
) -> ProblemList {
    let length = until - since;
    let current = ReportQuery { since: Some(since), until: Some(until), ..query.clone() }.matcher();
    let previous = ReportQuery { since: Some(since - length), until: Some(since), ..query.clone() }.matcher();
    let column = match group_by {
        GroupBy::Compound => &points.compound,
        GroupBy::Grid => &points.grid,
        GroupBy::Community => &points.community,
        GroupBy::Street => &points.street,
    };
    let mut counts = vec![(0u32, 0u32); points.areas.len()];
    for (i, &area) in column.iter().enumerate() {
        if area == NONE {
            continue;
        }
        if current.accepts(points, i) {
            counts[area as usize].0 += 1;
        } else if previous.accepts(points, i) {
            counts[area as usize].1 += 1;
        }
    }
    // Rank on numbers first; names and households only for the rows shown (a city has
    // hundreds of thousands of grids with a report).
    let mut ranked: Vec<(u32, u32, u32)> = counts
        .iter()
        .enumerate()
        .filter(|(_, (now, before))| now + before > 0)
        .map(|(area, &(now, before))| (area as u32, now, before))
        .collect();
    let areas = ranked.len();
    let by_rank = |a: &(u32, u32, u32), b: &(u32, u32, u32)| b.1.cmp(&a.1).then_with(|| points.areas.id(a.0).cmp(points.areas.id(b.0)));
    if limit < ranked.len() {
        ranked.select_nth_unstable_by(limit, by_rank);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(by_rank);
    let wanted: Vec<&str> = ranked.iter().map(|&(area, _, _)| points.areas.id(area)).collect();
    let households = households_by_area(snapshot, group_by, &wanted);
    let rows: Vec<ProblemRow> = ranked
        .iter()
        .enumerate()
        .map(|(i, &(area, count, previous_count))| {
            let id = points.areas.id(area).to_owned();
            // An area no longer in the map data keeps its id as its name.
            let (name, homes) = households.get(id.as_str()).cloned().unwrap_or_else(|| (id.clone(), 0));
            ProblemRow {
                rank: i + 1,
                name,
                households: homes,
                rate_per_1000: (homes > 0).then(|| f64::from(count) * 1_000.0 / f64::from(homes)),
                change: i64::from(count) - i64::from(previous_count),
                change_pct: (previous_count > 0)
                    .then(|| (f64::from(count) - f64::from(previous_count)) * 100.0 / f64::from(previous_count)),
                count,
                previous_count,
                id,
            }
        })
        .collect();
    ProblemList {
        group_by,
        since: to_iso8601(since),
        until: to_iso8601(until),
        previous_since: to_iso8601(since - length),
        previous_until: to_iso8601(since),
        areas,
        rows,
    }
}

/// Name and households of the areas of a level that have reports (`wanted`): compounds
/// and grids carry their own; a community's or street's are those of the grids (not
/// micro-grids) in it. Looking up only the wanted ones keeps a city's 800,000 grids out of it.
fn households_by_area<'a>(snapshot: &Snapshot, group_by: GroupBy, wanted: &[&'a str]) -> HashMap<&'a str, (String, u32)> {
    let data = &snapshot.data;
    match group_by {
        GroupBy::Compound | GroupBy::Grid => wanted
            .iter()
            .filter_map(|&id| {
                let facts = if group_by == GroupBy::Compound {
                    let c = &data.compounds[snapshot.find(Layer::Compounds, id)? as usize];
                    (c.name.clone(), c.households)
                } else {
                    let g = &data.grids[snapshot.find(Layer::Grids, id)? as usize];
                    (g.name.clone(), g.households)
                };
                Some((id, facts))
            })
            .collect(),
        GroupBy::Community | GroupBy::Street => {
            let mut households: HashMap<&str, u32> = HashMap::new();
            for grid in data.grids.iter().filter(|g| g.level == GridLevel::Grid) {
                let key = if group_by == GroupBy::Community {
                    Some(grid.community_id.as_str())
                } else {
                    snapshot
                        .find(Layer::Communities, &grid.community_id)
                        .map(|c| data.streets[snapshot.community_street(c) as usize].id.as_str())
                };
                if let Some(key) = key {
                    *households.entry(key).or_default() += grid.households;
                }
            }
            wanted
                .iter()
                .filter_map(|&id| {
                    let name = if group_by == GroupBy::Community {
                        data.communities[snapshot.find(Layer::Communities, id)? as usize].name.clone()
                    } else {
                        data.streets[snapshot.find(Layer::Streets, id)? as usize].name.clone()
                    };
                    Some((id, (name, households.get(id).copied().unwrap_or(0))))
                })
                .collect()
        }
    }
}

/// Buckets of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Week,
    Month,
}

impl std::str::FromStr for Interval {
    type Err = String;
    fn from_str(text: &str) -> Result<Interval, String> {
        match text {
            "week" => Ok(Interval::Week),
            "month" => Ok(Interval::Month),
            other => Err(format!("unknown value {other:?}, expected week or month")),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// Start of the week (Monday) or month, 00:00 China time.
    pub start: String,
    pub count: u32,
    /// Counts by category word.
    #[schema(value_type = BTreeMap<String, u32>)]
    pub by_category: BTreeMap<Category, u32>,
}

fn china() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

/// Bucket starts covering `[since, until)`: Mondays or first days of months, China time.
fn bucket_starts(interval: Interval, since: i64, until: i64) -> Vec<i64> {
    let tz = china();
    let first_day = jiff::Timestamp::from_second(since).map(|t| t.to_zoned(tz.clone()).date()).unwrap_or(Date::constant(2000, 1, 1));
    let mut day = match interval {
        Interval::Week => first_day.checked_sub(jiff::Span::new().days(i64::from(first_day.weekday().to_monday_zero_offset()))),
        Interval::Month => Ok(first_day.first_of_month()),
    }
    .unwrap_or(first_day);
    let step = match interval {
        Interval::Week => jiff::Span::new().weeks(1),
        Interval::Month => jiff::Span::new().months(1),
    };
    let mut starts = Vec::new();
    loop {
        let Ok(start) = tz.to_ambiguous_zoned(day.to_datetime(jiff::civil::Time::midnight())).unambiguous() else { break };
        let start = start.timestamp().as_second();
        if start >= until {
            break;
        }
        starts.push(start);
        let Ok(next) = day.checked_add(step) else { break };
        day = next;
    }
    starts
}

/// How many weeks or months `[since, until)` touches (China time), worked out from the two
/// dates alone, so a span of millennia is counted without listing its buckets.
pub fn bucket_count(interval: Interval, since: i64, until: i64) -> usize {
    let day = |t: i64| jiff::Timestamp::from_second(t).ok().map(|t| t.to_zoned(china()).date());
    let exact = match (day(since), day(until - 1)) {
        (Some(first), Some(last)) if last >= first => match interval {
            Interval::Week => {
                let monday = |d: Date| d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset()))).ok();
                let days = monday(first).zip(monday(last)).and_then(|(a, b)| a.until(b).ok()).map(|span| i64::from(span.get_days()));
                days.map(|days| days / 7 + 1)
            }
            Interval::Month => {
                let months = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month());
                Some(months(last) - months(first) + 1)
            }
        },
        _ => None,
    };
    // Beyond the calendar's range: an upper bound from the length alone.
    let shortest = match interval {
        Interval::Week => 7 * DAY,
        Interval::Month => 28 * DAY,
    };
    let rough = || (until - since).max(0) / shortest + 2;
    usize::try_from(exact.unwrap_or_else(rough)).unwrap_or(usize::MAX)
}

/// Counts per week or month of reports passing `query`, over `[since, until)`.
///
/// Refused with [`ServiceError::TooLarge`] beyond `max_buckets` buckets, before any is made.
pub fn timeline(
    points: &ReportPoints,
    query: &ReportQuery,
    interval: Interval,
    (since, until): (i64, i64),
    max_buckets: usize,
) -> Result<Vec<Bucket>, ServiceError> {
    let unit = match interval {
        Interval::Week => "weeks",
        Interval::Month => "months",
    };
    within(
        &format!("{unit} from since to until"),
        bucket_count(interval, since, until),
        max_buckets,
        "give a shorter period (since, until), or interval=month",
    )?;
    let starts = bucket_starts(interval, since, until);
    let mut buckets: Vec<Bucket> =
        starts.iter().map(|&s| Bucket { start: to_iso8601(s), count: 0, by_category: BTreeMap::new() }).collect();
    let within = ReportQuery { since: Some(since), until: Some(until), ..query.clone() };
    for i in points.matching(&within) {
        let created = points.created_at[i];
        let Some(bucket) = starts.partition_point(|&s| s <= created).checked_sub(1) else { continue };
        buckets[bucket].count += 1;
        *buckets[bucket].by_category.entry(points.category[i]).or_default() += 1;
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::parse_iso8601;

    #[test]
    fn buckets_start_on_mondays_and_first_days_in_china_time() {
        let since = parse_iso8601("2026-03-04T10:00:00+08:00").unwrap(); // a Wednesday
        let until = parse_iso8601("2026-05-02T00:00:00+08:00").unwrap();
        let weeks = bucket_starts(Interval::Week, since, until);
        assert_eq!(to_iso8601(weeks[0]), "2026-03-02T00:00:00+08:00");
        assert_eq!(weeks[1] - weeks[0], 7 * DAY);
        let months: Vec<String> = bucket_starts(Interval::Month, since, until).into_iter().map(to_iso8601).collect();
        assert_eq!(months, ["2026-03-01T00:00:00+08:00", "2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"]);
    }

    #[test]
    fn bucket_counts_match_the_buckets_listed() {
        let since = parse_iso8601("2024-12-31T23:00:00+08:00").unwrap();
        for days in [1, 6, 7, 8, 30, 31, 365, 800] {
            let until = since + days * DAY;
            for interval in [Interval::Week, Interval::Month] {
                assert_eq!(
                    bucket_count(interval, since, until),
                    bucket_starts(interval, since, until).len(),
                    "{interval:?} over {days} days"
                );
            }
        }
        // Ten millennia are counted, not listed.
        let far = bucket_count(Interval::Week, -62_135_596_800, 253_402_214_400);
        assert!(far > 500_000, "{far}");
    }
}
