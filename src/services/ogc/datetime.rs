//! The `datetime` parameter of OGC API – Features: an instant, or an interval `start/end`
//! where either end may be open (`..` or empty).

use crate::model::time::parse_iso8601;

const DAY: i64 = 86_400;

/// A closed span of Unix seconds; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Option<i64>,
    /// The last second included.
    pub end: Option<i64>,
}

impl Interval {
    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

impl std::str::FromStr for Interval {
    type Err = String;

    /// `2026-11-01T08:00:00+08:00` (that second), `2026-11-01` (that day, China Standard
    /// Time), `a/b` (both included), `../b`, `a/..`.
    fn from_str(text: &str) -> Result<Interval, String> {
        let text = text.trim();
        let Some((start, end)) = text.split_once('/') else {
            let (start, end) = instant(text)?;
            return Ok(Interval { start: Some(start), end: Some(end) });
        };
        let open = |part: &str| matches!(part.trim(), "" | "..");
        let start = if open(start) { None } else { Some(instant(start)?.0) };
        let end = if open(end) { None } else { Some(instant(end)?.1) };
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(format!("{text:?}: the interval ends before it starts"));
        }
        Ok(Interval { start, end })
    }
}

/// The first and last second an instant names: a bare date is a whole day.
fn instant(text: &str) -> Result<(i64, i64), String> {
    let text = text.trim();
    let start = parse_iso8601(text)?;
    let is_date = text.len() == 10 && !text.contains(['T', ' ']);
    Ok((start, if is_date { start + DAY - 1 } else { start }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_intervals_and_open_ends() {
        let t = parse_iso8601("2026-11-01T08:00:00+08:00").unwrap();
        assert_eq!("2026-11-01T00:00:00Z".parse(), Ok(Interval { start: Some(t), end: Some(t) }));
        assert_eq!("2026-11-01".parse(), Ok(Interval { start: Some(t - 8 * 3600), end: Some(t - 8 * 3600 + DAY - 1) }));
        assert_eq!("../2026-11-01T00:00:00Z".parse(), Ok(Interval { start: None, end: Some(t) }));
        assert_eq!("2026-11-01T00:00:00Z/..".parse(), Ok(Interval { start: Some(t), end: None }));
        assert_eq!("2026-11-01T00:00:00Z/".parse(), Ok(Interval { start: Some(t), end: None }));
        assert!("2026-11-02/2026-11-01".parse::<Interval>().unwrap_err().contains("ends before"));
        assert!("yesterday".parse::<Interval>().is_err());
        assert!("2026-11-01/tomorrow".parse::<Interval>().is_err());
        let day: Interval = "2026-11-01/2026-11-01".parse().unwrap();
        assert!(day.contains(t) && !day.contains(t - 8 * 3600 + DAY));
    }
}
