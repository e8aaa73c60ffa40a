//! The official's export: the cases of an area, categories and filing period as CSV or
//! GeoJSON (the http layer writes the CSV with the problem list's writer, from [`csv_cells`]). Columns are those of the historical-case files ([`CASE_COLUMNS`], which the
//! import reads), led by the case number and followed by the areas and outcome. The
//! reporter's name and phone are filled only where the token may see them
//! ([`may_export_private`]); elsewhere they are empty.
//!
//! Bounded: at most [`MAX_ROWS`] cases, the newest; `total` says how many matched.

use serde_json::{Map, Value, json};

use super::area::Area;
use super::history::CASE_COLUMNS;
use super::view::PublicReport;
use crate::index::reports::ReportQuery;
use crate::model::reports::{Category, Report};
use crate::model::time::{parse_iso8601, to_iso8601};
use crate::services::auth::Staff;
use crate::services::auth::permissions::{CaseScope, may_export, may_export_private};
use crate::services::{Catalog, ServiceError};
use crate::store::ReportFilter;

/// The most cases one export holds.
pub const MAX_ROWS: usize = 10_000;
/// The period when none is given, and the longest one allowed (seconds).
pub const DEFAULT_DAYS: i64 = 30;
pub const MAX_DAYS: i64 = 366;
const DAY: i64 = 86_400;

/// Case numbers per store read.
const CHUNK: usize = 500;

/// The columns after the historical-case ones: where the case lies and how it went.
const EXTRA_COLUMNS: [&str; 7] = ["compound_id", "grid_id", "community_id", "street_id", "deadline_at", "on_time", "supporters"];

/// Every column of an export, in order.
pub fn columns() -> Vec<&'static str> {
    std::iter::once("case_number").chain(CASE_COLUMNS).chain(EXTRA_COLUMNS).collect()
}

/// Filed at or after `from`, before `to` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

impl Period {
    /// The period `from`–`to` (ISO 8601 times or dates, China Standard Time unless an offset
    /// is given; a date `to` includes its whole day). Without `to`, up to `now`; without
    /// `from`, [`DEFAULT_DAYS`] before `to`. At most [`MAX_DAYS`] long.
    pub fn parse(from: Option<&str>, to: Option<&str>, now: i64) -> Result<Period, ServiceError> {
        let bad = |parameter: &'static str, reason: String| ServiceError::InvalidParameter { parameter, reason };
        let to = match to {
            Some(text) => {
                let end = parse_iso8601(text).map_err(|e| bad("to", e))?;
                if is_date(text) { end + DAY } else { end }
            }
            None => now,
        };
        let from = match from {
            Some(text) => parse_iso8601(text).map_err(|e| bad("from", e))?,
            None => to - DEFAULT_DAYS * DAY,
        };
        if to <= from {
            return Err(bad("to", format!("must be after from ({})", to_iso8601(from))));
        }
        if to - from > MAX_DAYS * DAY {
            return Err(bad("to", format!("the period may be at most {MAX_DAYS} days; split the export")));
        }
        Ok(Period { from, to })
    }
}

/// Whether a time is a bare date (`2026-03-01`): jiff reads a whole time as a date too.
fn is_date(text: &str) -> bool {
    let text = text.trim();
    !text.contains(['T', 't', ' ', ':']) && text.parse::<jiff::civil::Date>().is_ok()
}

/// What an official asked for.
#[derive(Debug, Clone)]
pub struct ExportQuery {
    pub area: Area,
    pub categories: Vec<Category>,
    pub period: Period,
}

/// The rows of an export, newest first, each column's value in [`columns`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub rows: Vec<Vec<Value>>,
    /// Cases matching the query; more than `rows.len()` when cut at [`MAX_ROWS`].
    pub total: usize,
    /// Rows whose reporter name and phone are shown.
    pub private_rows: usize,
}

impl Export {
    pub fn truncated(&self) -> bool {
        self.total > self.rows.len()
    }
}

/// The cases of the query as `staff` may export them.
pub async fn export(catalog: &Catalog, staff: &Staff, query: &ExportQuery) -> Result<Export, ServiceError> {
    may_export(staff)?;
    let (case_numbers, total) = {
        let points = catalog.reports();
        let filter = ReportQuery {
            categories: query.categories.clone(),
            since: Some(query.period.from),
            until: Some(query.period.to),
            ..ReportQuery::default()
        };
        let mut rows: Vec<(i64, i64)> =
            query.area.rows(&points, &filter.matcher()).into_iter().map(|i| (points.created_at[i], points.ids[i])).collect();
        rows.sort_unstable_by(|a, b| b.cmp(a));
        let total = rows.len();
        (rows.into_iter().take(MAX_ROWS).map(|(_, id)| format!("MS{id:08}")).collect::<Vec<_>>(), total)
    };
    let mut reports = Vec::with_capacity(case_numbers.len());
    for chunk in case_numbers.chunks(CHUNK) {
        let filter = ReportFilter { case_numbers: chunk.to_vec(), ..ReportFilter::default() };
        reports.extend(catalog.store().reports(&filter).await?);
    }
    reports.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.case_number.cmp(&a.case_number)));
    let mut private_rows = 0;
    let rows = reports
        .iter()
        .map(|report| {
            let private = may_export_private(staff, &CaseScope::of(report));
            private_rows += usize::from(private);
            row(report, private)
        })
        .collect();
    Ok(Export { rows, total, private_rows })
}

/// A case's values in [`columns`] order. The place is the public point.
fn row(r: &Report, private: bool) -> Vec<Value> {
    let public = PublicReport::from(r);
    let time = |t: Option<i64>| t.map_or(Value::Null, |t| Value::String(to_iso8601(t)));
    let text = |t: &Option<String>| t.as_ref().map_or(Value::Null, |t| json!(t));
    let secret = |t: &Option<String>| if private { text(t) } else { Value::Null };
    let [lon, lat] = public.point;
    columns()
        .into_iter()
        .map(|column| match column {
            "case_number" => json!(r.case_number),
            "external_id" => text(&r.external_id),
            "category" => json!(r.category.as_str()),
            "subcategory" => text(&r.subcategory),
            "source" => json!(r.source.as_str()),
            "description" => json!(public.description),
            "lon" => json!(lon),
            "lat" => json!(lat),
            "crs" => json!("wgs84"),
            "created_at" => time(Some(r.created_at)),
            "state" => json!(r.state.as_str()),
            "responded_at" => time(r.duty.responded_at),
            "dispatched_at" => time(r.dispatched_at),
            "resolved_at" => time(r.resolved_at),
            "closed_at" => time(r.closed_at),
            "reporter_name" => secret(&r.reporter_name),
            "reporter_phone" => secret(&r.reporter_phone),
            "photo_url" => text(&public.photo_url),
            "duplicate_of" => text(&r.duplicate_of),
            "unit" => text(&r.duty.unit_id),
            "compound_id" => text(&public.compound_id),
            "grid_id" => json!(public.grid_id),
            "community_id" => json!(public.community_id),
            "street_id" => json!(r.routed.street_id),
            "deadline_at" => time(r.deadline_at),
            "on_time" => r.on_time.map_or(Value::Null, Value::Bool),
            "supporters" => json!(r.supporters),
            other => unreachable!("column {other} has no value"),
        })
        .collect()
}

/// A row's cells as CSV text: empty for missing values.
pub fn csv_cells(row: &[Value]) -> Vec<String> {
    row.iter()
        .map(|value| match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The export as an RFC 7946 FeatureCollection of Points, the other columns as properties
/// (`id` is the case number).
pub fn geojson(export: &Export) -> Vec<u8> {
    let names = columns();
    let features: Vec<Value> = export
        .rows
        .iter()
        .map(|row| {
            let value = |name: &str| names.iter().position(|n| *n == name).map_or(&Value::Null, |i| &row[i]);
            let properties: Map<String, Value> = names
                .iter()
                .zip(row)
                .filter(|(name, _)| !matches!(**name, "lon" | "lat" | "crs"))
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect();
            json!({
                "type": "Feature",
                "id": value("case_number"),
                "geometry": {"type": "Point", "coordinates": [value("lon"), value("lat")]},
                "properties": properties,
            })
        })
        .collect();
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).expect("JSON values serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn the_period_defaults_to_30_days_includes_a_to_date_and_is_at_most_a_year() {
        assert_eq!(Period::parse(None, None, NOW).unwrap(), Period { from: NOW - 30 * DAY, to: NOW });
        let day = Period::parse(Some("2026-03-01"), Some("2026-03-01"), NOW).unwrap();
        assert_eq!(day.to - day.from, DAY, "a date `to` includes its day");
        let exact = Period::parse(Some("2026-03-01T00:00:00+08:00"), Some("2026-03-02T00:00:00+08:00"), NOW).unwrap();
        assert_eq!(exact, day);
        for (from, to, parameter, reason) in [
            (Some("2026-03-02"), Some("2026-03-01"), "to", "after from"),
            (Some("2025-01-01"), Some("2026-03-01"), "to", "at most 366 days"),
            (Some("yesterday"), None, "from", "not an ISO 8601"),
            (None, Some("2026-13-01"), "to", ""),
        ] {
            let error = Period::parse(from, to, NOW).unwrap_err();
            assert!(
                matches!(&error, ServiceError::InvalidParameter { parameter: p, reason: r } if *p == parameter && r.contains(reason)),
                "{error}"
            );
        }
    }

    #[test]
    fn columns_lead_with_the_case_number_and_keep_the_import_columns() {
        let columns = columns();
        assert_eq!(columns[0], "case_number");
        assert_eq!(columns[1..=CASE_COLUMNS.len()], CASE_COLUMNS);
        assert_eq!(columns.len(), 1 + CASE_COLUMNS.len() + EXTRA_COLUMNS.len());
    }
}
