//! The filter every analysis takes: categories, status, filing period, box.

use crate::index::reports::ReportQuery;
use crate::model::reports::{CaseState, Category};
use crate::services::ServiceError;

/// Turns status words into case states: `open` and `closed` as Open311 means them (work
/// still owed, or not), or any state word (`dispatched`, `closed` …); empty means every state.
pub fn states_for(words: &[String]) -> Result<Vec<CaseState>, ServiceError> {
    let mut states = Vec::new();
    for word in words {
        match word.as_str() {
            "open" | "closed" => {
                states.extend(CaseState::ALL.iter().filter(|s| s.open311_status() == word).copied());
            }
            other => states.push(other.parse().map_err(|reason: String| ServiceError::InvalidParameter {
                parameter: "status",
                reason: format!("{reason}, or open / closed"),
            })?),
        }
    }
    states.sort();
    states.dedup();
    Ok(states)
}

/// A filter from its parts, checking that the period is not backwards.
pub fn query(
    categories: Vec<Category>,
    status: &[String],
    since: Option<i64>,
    until: Option<i64>,
    bbox: Option<[f64; 4]>,
) -> Result<ReportQuery, ServiceError> {
    if let (Some(since), Some(until)) = (since, until)
        && until <= since
    {
        return Err(ServiceError::InvalidParameter { parameter: "until", reason: "must be after since".into() });
    }
    Ok(ReportQuery { categories, states: states_for(status)?, since, until, bbox })
}

/// A stable text for a filter, for cache keys and ETags.
pub fn key(query: &ReportQuery) -> String {
    let categories: Vec<&str> = query.categories.iter().map(|c| c.as_str()).collect();
    let states: Vec<&str> = query.states.iter().map(|s| s.as_str()).collect();
    format!(
        "c={};s={};f={};u={}",
        categories.join(","),
        states.join(","),
        query.since.map_or(String::new(), |t| t.to_string()),
        query.until.map_or(String::new(), |t| t.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_cover_open311_and_state_words() {
        let open = states_for(&["open".into()]).unwrap();
        assert_eq!(open, [CaseState::Received, CaseState::Accepted, CaseState::Dispatched, CaseState::InProgress]);
        let mixed = states_for(&["closed".into(), "resolved".into()]).unwrap();
        assert!(mixed.contains(&CaseState::Resolved) && mixed.contains(&CaseState::Duplicate));
        assert_eq!(mixed.len(), 5, "deduplicated");
        let error = states_for(&["lost".into()]).unwrap_err().to_string();
        assert!(error.contains("status") && error.contains("open / closed"), "{error}");
        assert!(query(vec![], &[], Some(10), Some(5), None).is_err());
    }
}
