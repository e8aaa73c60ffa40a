//! Timestamps: stored as Unix seconds (UTC), shown as ISO 8601 in China Standard Time
//! (+08:00, no daylight saving), which is what hotline exports and Open311 clients use.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

/// China Standard Time, UTC+8 all year.
fn china() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// `2026-11-22T14:38:20+08:00`.
pub fn to_iso8601(unix_seconds: i64) -> String {
    match Timestamp::from_second(unix_seconds) {
        Ok(ts) => ts.to_zoned(china()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => unix_seconds.to_string(),
    }
}

/// The years a time may fall in (China Standard Time). Earlier or later ones are typos or
/// probes, and would print as `-001-12-27` or sort before every real case.
pub const YEARS: std::ops::RangeInclusive<i16> = 1970..=2100;

/// Parses an ISO 8601 / RFC 3339 time into Unix seconds. A time with an offset or `Z` is
/// taken as given; a local time (`2026-03-01 08:30`, `2026-03-01T08:30:00`) or a bare date
/// is China Standard Time, as in hotline exports. Times outside [`YEARS`] are refused.
pub fn parse_iso8601(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let seconds = parse_any_year(text)?;
    let year = Timestamp::from_second(seconds).map(|ts| ts.to_zoned(china()).year()).unwrap_or(i16::MIN);
    if !YEARS.contains(&year) {
        return Err(format!("{text:?} is outside the years {}–{}", YEARS.start(), YEARS.end()));
    }
    Ok(seconds)
}

fn parse_any_year(text: &str) -> Result<i64, String> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_second());
    }
    let local = text.parse::<DateTime>().or_else(|_| text.parse::<Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())));
    match local {
        Ok(datetime) => china()
            .to_ambiguous_zoned(datetime)
            .unambiguous()
            .map(|z| z.timestamp().as_second())
            .map_err(|e| format!("{text:?} is not a valid time: {e}")),
        Err(_) => Err(format!("{text:?} is not an ISO 8601 time (for example 2026-03-01T08:30:00+08:00, 2026-03-01 08:30 or 2026-03-01)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_china_standard_time() {
        // 2026-11-22T06:38:20Z
        let t = 1_795_329_500;
        assert_eq!(to_iso8601(t), "2026-11-22T14:38:20+08:00");
        assert_eq!(parse_iso8601(&to_iso8601(t)), Ok(t));
        assert_eq!(parse_iso8601("2026-11-22T06:38:20Z"), Ok(t));
        assert_eq!(parse_iso8601("2026-11-22 14:38:20"), Ok(t));
        assert_eq!(parse_iso8601("2026-11-22T14:38:20"), Ok(t));
        assert_eq!(parse_iso8601("2026-11-22"), Ok(t - (14 * 3600 + 38 * 60 + 20)));
        assert!(parse_iso8601("22/11/2026").unwrap_err().contains("ISO 8601"));
        assert!(parse_iso8601("2026-02-30").is_err());
    }

    #[test]
    fn refuses_years_outside_1970_to_2100() {
        for text in ["0000-01-01", "1969-12-31", "1969-12-31T15:59:59Z", "2101-01-01", "9999-12-31"] {
            let error = parse_iso8601(text).unwrap_err();
            assert!(error.contains("outside the years 1970–2100"), "{text}: {error}");
        }
        // The edges, in China Standard Time, are inside.
        assert_eq!(parse_iso8601("1970-01-01"), Ok(-8 * 3600));
        assert_eq!(to_iso8601(-8 * 3600), "1970-01-01T00:00:00+08:00");
        assert_eq!(parse_iso8601("1969-12-31T16:00:00Z"), Ok(-8 * 3600));
        assert_eq!(to_iso8601(parse_iso8601("2100-12-31T23:59:59").unwrap()), "2100-12-31T23:59:59+08:00");
    }
}
