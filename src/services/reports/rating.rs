//! Return visits and satisfaction (回访, issue 16 point 4): the reporter rates a resolved
//! case on their link, or staff record a phone return visit. 满意 and 基本满意 are kept and
//! let the supervisor verify and close; 不满意 sends the case back to work (重办) with a new
//! resolution deadline. A resident's case waits for a rating before verification, for
//! [`RATE_WITHIN`] after its resolution; after that it may be verified as 未评价.

use super::follow::checked_comment;
use super::view::StaffCase;
use super::workflow::{Seen, apply as apply_move, invalid, load_for, save};
use crate::model::reports::{Action, CaseState, RATE_WITHIN, Rating, Report, ReportEvent, Source};
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};

/// A rating as a client sends it: one of the three answers (`unrated` is recorded, not sent).
pub(super) fn given(word: &str) -> Result<Rating, ServiceError> {
    let answers = "satisfied (满意), basically_satisfied (基本满意) or unsatisfied (不满意)";
    match word.parse::<Rating>() {
        Ok(Rating::Unrated) => Err(invalid("rating", format!("unrated is recorded when nobody rated in time; send {answers}"))),
        Ok(rating) => Ok(rating),
        Err(_) => Err(invalid("rating", format!("unknown rating {word:?}; send {answers}"))),
    }
}

/// The case after `rating` by `actor` at `now`, and the event recording it: `content_action`
/// (`rate` or `return_visit`) for 满意/基本满意, `reopen` back to in progress for 不满意.
/// Only a resolved case awaiting its rating may be rated.
pub(super) fn apply(
    report: &Report,
    rating: Rating,
    comment: Option<String>,
    actor: String,
    content_action: Action,
    now: i64,
) -> Result<(Report, ReportEvent), ServiceError> {
    if report.state != CaseState::Resolved {
        return Err(ServiceError::Conflict(format!(
            "case {} is {} ({}); only a resolved case is rated",
            report.case_number,
            report.state,
            report.state.label_zh()
        )));
    }
    if let Some(given) = report.rating {
        return Err(ServiceError::Conflict(format!(
            "case {}'s resolution is rated already ({}); it awaits verification",
            report.case_number,
            given.label_zh()
        )));
    }
    let mut event = ReportEvent {
        id: 0,
        at: now,
        actor,
        action: content_action.as_str().into(),
        // No move: the state it was rated in, for readers of updates.
        from_state: Some(report.state),
        to_state: None,
        note: None,
        reply: comment,
        rating: Some(rating),
    };
    if rating.is_content() {
        let mut next = report.clone();
        next.rating = Some(rating);
        next.rated_at = Some(now);
        return Ok((next, event));
    }
    // 重办: back to work as a failed verification does (the resolution is forgotten and the
    // reopen counted), with the full resolution time again from now.
    let mut next = apply_move(report, CaseState::InProgress, now)?;
    next.deadline_at = Some(now.saturating_add(report.duty.resolution_secs));
    next.unsatisfied += 1;
    next.rating = None;
    next.rated_at = None;
    event.action = Action::Reopen.as_str().into();
    event.from_state = Some(report.state);
    event.to_state = Some(next.state);
    Ok((next, event))
}

/// A phone return visit recorded by staff (dispatcher, supervisor or admin of the place).
pub async fn return_visit(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    rating_word: &str,
    comment: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let rating = given(rating_word)?;
    let comment = checked_comment(comment)?;
    let report = load_for(catalog, staff, case_number, Action::ReturnVisit, seen).await?;
    let (next, event) = apply(&report, rating, comment, staff.actor(), Action::ReturnVisit, now)?;
    save(catalog, staff, &report, &next, event).await
}

/// Whether a resolved case may be verified now, and the rating verification records: a
/// resident's case with a follow-up link waits for 满意/基本满意 until [`RATE_WITHIN`] has
/// passed since its resolution, then is verified as 未评价. Other cases (patrol, hotline,
/// imported histories) verify as before, recording nothing.
pub(super) fn verification(report: &Report, now: i64) -> Result<Option<Rating>, ServiceError> {
    if report.source != Source::Resident || report.follow_hash.is_none() {
        return Ok(None);
    }
    match report.rating {
        Some(rating) if rating.is_content() => Ok(None),
        _ => {
            let resolved = report.resolved_at.unwrap_or(now);
            let until = resolved.saturating_add(RATE_WITHIN.as_secs() as i64);
            if now >= until {
                Ok(Some(Rating::Unrated))
            } else {
                Err(ServiceError::Conflict(format!(
                    "case {} awaits the reporter's rating (满意 or 基本满意) or a return visit (回访) before verification; \
                     without one it may be verified as 未评价 from {until} (Unix seconds)",
                    report.case_number
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::Category;
    use crate::services::reports::workflow::tests::received;

    fn resolved(at: i64) -> Report {
        let mut report = received(Category::Parking);
        for (to, t) in [(CaseState::Accepted, 1), (CaseState::Dispatched, 2), (CaseState::InProgress, 3), (CaseState::Resolved, at)] {
            report = apply_move(&report, to, t).unwrap();
        }
        report.follow_hash = Some([1; 32]);
        report
    }

    #[test]
    fn unsatisfied_reopens_with_a_new_deadline_and_counts() {
        let report = resolved(100);
        let (next, event) = apply(&report, Rating::Unsatisfied, Some("没修好".into()), "reporter".into(), Action::Rate, 1_000).unwrap();
        assert_eq!(next.state, CaseState::InProgress);
        assert_eq!(next.deadline_at, Some(1_000 + report.duty.resolution_secs));
        assert_eq!((next.duty.reopened, next.unsatisfied), (report.duty.reopened + 1, 1));
        assert_eq!((next.resolved_at, next.duty.resolved_by, next.rating), (None, None, None));
        assert_eq!((event.action.as_str(), event.rating, event.reply.as_deref()), ("reopen", Some(Rating::Unsatisfied), Some("没修好")));
    }

    #[test]
    fn content_ratings_are_kept_once_and_only_on_resolved_cases() {
        let report = resolved(100);
        let (next, event) = apply(&report, Rating::BasicallySatisfied, None, "reporter".into(), Action::Rate, 200).unwrap();
        assert_eq!((next.state, next.rating, next.rated_at), (CaseState::Resolved, Some(Rating::BasicallySatisfied), Some(200)));
        assert_eq!((event.action.as_str(), event.from_state, event.to_state), ("rate", Some(CaseState::Resolved), None));
        assert!(matches!(apply(&next, Rating::Satisfied, None, "r".into(), Action::Rate, 300), Err(ServiceError::Conflict(_))));
        let open = received(Category::Parking);
        let refused = apply(&open, Rating::Satisfied, None, "r".into(), Action::Rate, 300).unwrap_err();
        assert!(refused.to_string().contains("received"), "{refused}");
        assert!(given("unrated").is_err() && given("good").is_err());
    }

    #[test]
    fn a_residents_case_waits_for_a_rating_until_the_rating_time_passes() {
        let report = resolved(100);
        let within = 100 + RATE_WITHIN.as_secs() as i64;
        assert!(matches!(verification(&report, within - 1), Err(ServiceError::Conflict(_))));
        assert_eq!(verification(&report, within).unwrap(), Some(Rating::Unrated));
        let (rated, _) = apply(&report, Rating::Satisfied, None, "r".into(), Action::Rate, 200).unwrap();
        assert_eq!(verification(&rated, 201).unwrap(), None);
        let patrol = Report { source: Source::Patrol, ..report.clone() };
        assert_eq!(verification(&patrol, 101).unwrap(), None);
        let imported = Report { follow_hash: None, ..report };
        assert_eq!(verification(&imported, 101).unwrap(), None);
    }
}
