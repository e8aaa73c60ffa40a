//! The moves that keep a case in its state but change who is on the hook or by when:
//! reassigning it to another unit (改派), supervision (督办), and extensions (申请延期, decided
//! by a supervisor). Each is checked against the permission matrix, needs the case still as
//! the client saw it, and leaves an audit event.

use super::view::StaffCase;
use super::workflow::{Seen, checked_note, event, invalid, known_unit, load_for, save};
use crate::model::reports::{Action, CaseState, Report};
use crate::model::time::to_iso8601;
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};

/// The longest extension one request may ask for, past the current deadline.
pub const MAX_EXTENSION_SECS: i64 = 90 * 24 * 3_600;

/// What a supervisor decides about an extension request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Refuse,
}

fn working(report: &Report, doing: &str) -> Result<(), ServiceError> {
    match report.state {
        CaseState::Dispatched | CaseState::InProgress => Ok(()),
        state => Err(ServiceError::Conflict(format!(
            "case {} is {state}; only a dispatched or in-progress case can be {doing}",
            report.case_number
        ))),
    }
}

fn required(note: Option<String>, doing: &str) -> Result<String, ServiceError> {
    checked_note(note)?.ok_or_else(|| invalid("note", format!("{doing} must say why")))
}

/// The case after a supervision flag at `now`. Pure.
pub fn flag(report: &Report, now: i64) -> Result<Report, ServiceError> {
    if report.state.is_final() {
        return Err(ServiceError::Conflict(format!("case {} is {}; a final case needs no supervision", report.case_number, report.state)));
    }
    let mut next = report.clone();
    next.duty.supervised_at = Some(now);
    Ok(next)
}

/// The case after its handler asks for the deadline to move to `until`. Pure.
pub fn ask_for_time(report: &Report, until: i64) -> Result<Report, ServiceError> {
    working(report, "extended")?;
    let deadline = report.deadline_at.ok_or_else(|| ServiceError::Conflict(format!("case {} has no deadline", report.case_number)))?;
    if let Some(pending) = report.duty.extension_requested_to {
        return Err(ServiceError::Conflict(format!(
            "case {} already has an extension request to {} waiting for a supervisor",
            report.case_number,
            to_iso8601(pending)
        )));
    }
    if until <= deadline || until > deadline.saturating_add(MAX_EXTENSION_SECS) {
        return Err(invalid("until", format!("must be after the current deadline {} and at most 90 days past it", to_iso8601(deadline))));
    }
    let mut next = report.clone();
    next.duty.extension_requested_to = Some(until);
    Ok(next)
}

/// The case after a supervisor decides its pending extension request. Pure: an approval
/// moves the deadline (the original stays on record), a refusal leaves it.
pub fn decide(report: &Report, decision: Decision) -> Result<Report, ServiceError> {
    let Some(until) = report.duty.extension_requested_to else {
        return Err(ServiceError::Conflict(format!("case {} has no extension request to decide", report.case_number)));
    };
    let mut next = report.clone();
    next.duty.extension_requested_to = None;
    if decision == Decision::Approve {
        next.deadline_at = Some(until);
    }
    Ok(next)
}

/// Flags a case for supervision (督办) with a note; the flag stays until the case moves.
pub async fn supervise(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    note: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let note = required(note, "supervision")?;
    let report = load_for(catalog, staff, case_number, Action::Supervise, seen).await?;
    let next = flag(&report, now)?;
    let event = event(staff, Action::Supervise, &report, &next, Some(note), now);
    save(catalog, staff, &report, &next, event).await
}

/// A handler asks for the deadline to move to `until` (Unix seconds), saying why.
pub async fn request_extension(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    until: i64,
    note: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let note = required(note, "an extension request")?;
    let report = load_for(catalog, staff, case_number, Action::RequestExtension, seen).await?;
    let next = ask_for_time(&report, until)?;
    let note = format!("→ {}: {note}", to_iso8601(until));
    let event = event(staff, Action::RequestExtension, &report, &next, Some(note), now);
    save(catalog, staff, &report, &next, event).await
}

/// A supervisor approves or refuses the pending extension request; a refusal says why.
pub async fn decide_extension(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    decision: Decision,
    note: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let (action, note) = match decision {
        Decision::Approve => (Action::ApproveExtension, checked_note(note)?),
        Decision::Refuse => (Action::RefuseExtension, Some(required(note, "a refusal")?)),
    };
    let report = load_for(catalog, staff, case_number, action, seen).await?;
    let next = decide(&report, decision)?;
    let event = event(staff, action, &report, &next, note, now);
    save(catalog, staff, &report, &next, event).await
}

/// A dispatcher moves a dispatched or in-progress case to another unit. The deadline stays:
/// the resident has waited since the first dispatch.
pub async fn reassign(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    unit: &str,
    note: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let note = required(note, "a reassignment")?;
    let unit = known_unit(catalog, unit)?;
    let report = load_for(catalog, staff, case_number, Action::Reassign, seen).await?;
    working(&report, "reassigned")?;
    let from = report.duty.unit_id.clone().unwrap_or_else(|| "-".into());
    if from == unit {
        return Err(invalid("unit", format!("case {case_number} is with unit {unit} already")));
    }
    let mut next = report.clone();
    next.duty.unit_id = Some(unit.clone());
    next.duty.extension_requested_to = None;
    // The new unit starts the work again.
    next.state = CaseState::Dispatched;
    let event = event(staff, Action::Reassign, &report, &next, Some(format!("{from} → {unit}: {note}")), now);
    save(catalog, staff, &report, &next, event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::Category;
    use crate::services::reports::workflow::apply;
    use crate::services::reports::workflow::tests::received;

    const DAY: i64 = 86_400;

    fn dispatched() -> Report {
        let accepted = apply(&received(Category::Parking), CaseState::Accepted, DAY).unwrap();
        apply(&accepted, CaseState::Dispatched, 2 * DAY).unwrap()
    }

    #[test]
    fn an_approved_extension_moves_the_deadline_and_keeps_the_original() {
        let case = dispatched();
        let deadline = case.deadline_at.unwrap();
        assert_eq!(case.duty.original_deadline_at, Some(deadline));
        let asked = ask_for_time(&case, deadline + 2 * DAY).unwrap();
        assert!(ask_for_time(&asked, deadline + 3 * DAY).unwrap_err().to_string().contains("already has an extension request"));
        let approved = decide(&asked, Decision::Approve).unwrap();
        assert_eq!((approved.deadline_at, approved.duty.original_deadline_at), (Some(deadline + 2 * DAY), Some(deadline)));
        assert_eq!(approved.duty.extension_requested_to, None);
        let refused = decide(&asked, Decision::Refuse).unwrap();
        assert_eq!((refused.deadline_at, refused.duty.extension_requested_to), (Some(deadline), None));
        assert!(decide(&case, Decision::Approve).unwrap_err().to_string().contains("no extension request"));
    }

    #[test]
    fn extensions_are_bounded_and_only_while_working() {
        let case = dispatched();
        let deadline = case.deadline_at.unwrap();
        for until in [deadline, deadline - 1, deadline + MAX_EXTENSION_SECS + 1] {
            let refusal = ask_for_time(&case, until).unwrap_err();
            assert!(matches!(refusal, ServiceError::InvalidParameter { parameter: "until", .. }), "{refusal}");
        }
        let resolved = apply(&apply(&case, CaseState::InProgress, 3 * DAY).unwrap(), CaseState::Resolved, 4 * DAY).unwrap();
        assert!(matches!(ask_for_time(&resolved, deadline + DAY), Err(ServiceError::Conflict(_))));
    }

    #[test]
    fn supervision_marks_the_case_until_it_moves() {
        let flagged = flag(&dispatched(), 3 * DAY).unwrap();
        assert_eq!(flagged.duty.supervised_at, Some(3 * DAY));
        let moved = apply(&flagged, CaseState::InProgress, 4 * DAY).unwrap();
        assert_eq!(moved.duty.supervised_at, None);
        let rejected = apply(&received(Category::Noise), CaseState::Rejected, DAY).unwrap();
        assert!(matches!(flag(&rejected, 2 * DAY), Err(ServiceError::Conflict(_))));
    }
}
