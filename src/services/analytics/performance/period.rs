//! The period a board covers, and the one before it it is compared with: a calendar month,
//! quarter or year (China time), or any `[from, until)`.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp};
use serde::Serialize;

use crate::model::time::to_iso8601;
use crate::services::ServiceError;

/// `[since, until)` and the period just before it (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub since: i64,
    pub until: i64,
    pub previous_since: i64,
}

/// The bounds of a period as the answers show them (ISO 8601, China time).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodBounds {
    pub since: String,
    pub until: String,
    pub previous_since: String,
    pub previous_until: String,
}

impl Period {
    pub fn bounds(&self) -> PeriodBounds {
        PeriodBounds {
            since: to_iso8601(self.since),
            until: to_iso8601(self.until),
            previous_since: to_iso8601(self.previous_since),
            previous_until: to_iso8601(self.since),
        }
    }
}

fn china() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

fn bad(reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter: "period", reason: reason.into() }
}

/// Midnight China time at the start of `date`.
fn start_of(date: Date) -> Result<i64, ServiceError> {
    let zoned = china().to_ambiguous_zoned(date.to_datetime(jiff::civil::Time::midnight())).unambiguous();
    zoned.map(|z| z.timestamp().as_second()).map_err(|e| bad(e.to_string()))
}

/// A calendar period of `months` months from `first`, and the same calendar period before
/// it (last month, last quarter, last year), so that "this month against last" compares
/// whole months even when their lengths differ.
fn calendar(first: Date, months: i64) -> Result<Period, ServiceError> {
    let shift = |by: i64| first.checked_add(Span::new().months(by)).map_err(|e| bad(e.to_string()));
    Ok(Period { since: start_of(first)?, until: start_of(shift(months)?)?, previous_since: start_of(shift(-months)?)? })
}

/// The period asked for: `period` as `2026-11` (a month), `2026-Q4` (a quarter) or `2026`
/// (a year); or `from` and `until` (the period before is then as long, just before);
/// neither: the month of `now`.
pub fn resolve(period: Option<&str>, from: Option<i64>, until: Option<i64>, now: i64) -> Result<Period, ServiceError> {
    match (period, from, until) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(bad("give period, or from and until, not both")),
        (Some(text), None, None) => parse(text),
        (None, Some(from), Some(until)) => {
            if until <= from {
                return Err(ServiceError::InvalidParameter { parameter: "until", reason: "must be after from".into() });
            }
            Ok(Period { since: from, until, previous_since: from - (until - from) })
        }
        (None, Some(_), None) => Err(ServiceError::InvalidParameter { parameter: "until", reason: "is required with from".into() }),
        (None, None, Some(_)) => Err(ServiceError::InvalidParameter { parameter: "from", reason: "is required with until".into() }),
        (None, None, None) => {
            let today = Timestamp::from_second(now).map_err(|e| bad(e.to_string()))?.to_zoned(china()).date();
            calendar(today.first_of_month(), 1)
        }
    }
}

fn parse(text: &str) -> Result<Period, ServiceError> {
    let text = text.trim();
    let expected = || bad(format!("{text:?} is not a month (2026-11), quarter (2026-Q4) or year (2026)"));
    let year = |y: &str| -> Result<i16, ServiceError> {
        let year: i16 = y.parse().map_err(|_| expected())?;
        if !crate::model::time::YEARS.contains(&year) || y.len() != 4 {
            return Err(bad(format!(
                "{text:?}: the year must be within {}–{}",
                crate::model::time::YEARS.start(),
                crate::model::time::YEARS.end()
            )));
        }
        Ok(year)
    };
    let first = |y: i16, month: i8| Date::new(y, month, 1).map_err(|_| expected());
    match text.split_once('-') {
        None => calendar(first(year(text)?, 1)?, 12),
        Some((y, q)) if q.starts_with(['Q', 'q']) => {
            let quarter: i8 = q[1..].parse().map_err(|_| expected())?;
            if !(1..=4).contains(&quarter) || q.len() != 2 {
                return Err(bad(format!("{text:?}: the quarter must be Q1–Q4")));
            }
            calendar(first(year(y)?, (quarter - 1) * 3 + 1)?, 3)
        }
        Some((y, m)) => {
            let month: i8 = m.parse().map_err(|_| expected())?;
            if !(1..=12).contains(&month) || m.len() != 2 {
                return Err(bad(format!("{text:?}: the month must be 01–12")));
            }
            calendar(first(year(y)?, month)?, 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::parse_iso8601;

    fn at(text: &str) -> i64 {
        parse_iso8601(text).unwrap()
    }

    #[test]
    fn months_quarters_and_years_compare_with_the_calendar_period_before() {
        let november = resolve(Some("2026-11"), None, None, 0).unwrap();
        assert_eq!(november.since, at("2026-11-01T00:00:00+08:00"));
        assert_eq!(november.until, at("2026-12-01T00:00:00+08:00"));
        assert_eq!(november.previous_since, at("2026-10-01T00:00:00+08:00"));
        let q1 = resolve(Some("2026-Q1"), None, None, 0).unwrap();
        assert_eq!((q1.since, q1.until, q1.previous_since), (at("2026-01-01"), at("2026-04-01"), at("2025-10-01")));
        let year = resolve(Some("2026"), None, None, 0).unwrap();
        assert_eq!((year.since, year.until, year.previous_since), (at("2026-01-01"), at("2027-01-01"), at("2025-01-01")));
    }

    #[test]
    fn from_and_until_compare_with_as_long_before_and_the_default_is_this_month() {
        let p = resolve(None, Some(at("2026-11-10")), Some(at("2026-11-20")), 0).unwrap();
        assert_eq!(p.previous_since, at("2026-10-31"));
        let default = resolve(None, None, None, at("2026-12-06T07:00:00+08:00")).unwrap();
        assert_eq!((default.since, default.until), (at("2026-12-01"), at("2027-01-01")));
        // 23:30 UTC on 30 November is already December in China.
        let late = resolve(None, None, None, at("2026-11-30T23:30:00Z")).unwrap();
        assert_eq!(late.since, at("2026-12-01"));
    }

    #[test]
    fn bad_periods_are_named() {
        for (text, part) in [("2026-13", "01–12"), ("2026-Q5", "Q1–Q4"), ("november", "not a month"), ("1900", "year"), ("2026-1", "01–12")]
        {
            let error = resolve(Some(text), None, None, 0).unwrap_err().to_string();
            assert!(error.contains("period") && error.contains(part), "{text}: {error}");
        }
        assert!(resolve(Some("2026"), Some(1), None, 0).unwrap_err().to_string().contains("not both"));
        assert!(resolve(None, Some(10), Some(5), 0).unwrap_err().to_string().contains("until"));
        assert!(resolve(None, Some(10), None, 0).unwrap_err().to_string().contains("until"));
    }
}
