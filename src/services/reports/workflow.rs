//! The staff workflow after GB/T 30428: legal moves only, each by a role the permission
//! matrix allows and with an audit event. Dispatch names a responding unit (by default the
//! one routing suggests); the resolution deadline counts from dispatch, and closing records
//! on time or late. Escalation moves a case one "一呼四应" tier up, to that tier's
//! responder and unit. The moves that change no state (supervision, extensions, reassigning)
//! are in [`super::oversight`].
//!
//! No update is lost: a move is computed from the case as read and written only if the case
//! is still at the version read; otherwise it is refused (409) and the client reloads. A
//! client may also say what it saw ([`Seen`]): the state it showed, or the version it holds.

use geo::Point;

use super::routing::route;
use super::units::unit_for;
use super::view::StaffCase;
use crate::model::Layer;
use crate::model::reports::{Action, CaseState, Report, ReportEvent, closure_on_time};
use crate::services::auth::permissions::may_act;
use crate::services::auth::{CaseScope, Staff};
use crate::services::{Catalog, ServiceError};

const MAX_NOTE_CHARS: usize = 1_000;

/// A requested move.
#[derive(Debug, Clone)]
pub struct Move {
    pub to: CaseState,
    /// Internal note, for staff.
    pub note: Option<String>,
    /// 公开答复: the public reply the reporter and the public history see. Required to
    /// reject and to resolve.
    pub reply: Option<String>,
    /// For `duplicate`: the case number this one repeats.
    pub duplicate_of: Option<String>,
    /// For `dispatched`: the unit to dispatch to, if not the one routing suggests.
    pub unit: Option<String>,
}

/// What the client saw when it asked for a move; each part given must still hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// The state the client showed (`expected_state`); another one now is a conflict.
    pub state: Option<CaseState>,
    /// The versions of the case the client accepts (`If-Match`); none of them current is a
    /// failed precondition. `None`: any version.
    pub versions: Option<Vec<u32>>,
}

impl Seen {
    fn check(&self, report: &Report) -> Result<(), ServiceError> {
        if let Some(seen) = self.state
            && seen != report.state
        {
            return Err(ServiceError::Conflict(format!(
                "case {} is {} now, not {seen} as expected_state says; reload it and decide again",
                report.case_number, report.state
            )));
        }
        if let Some(versions) = &self.versions
            && !versions.contains(&report.version)
        {
            return Err(ServiceError::PreconditionFailed(format!(
                "case {} is at version {} (ETag \"v{}\"), not the one If-Match names; reload it and decide again",
                report.case_number, report.version, report.version
            )));
        }
        Ok(())
    }
}

pub(super) fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

pub(super) fn checked_note(note: Option<String>) -> Result<Option<String>, ServiceError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(invalid("note", format!("longer than {MAX_NOTE_CHARS} characters")));
    }
    Ok(note)
}

/// A public reply as sent: trimmed, at most as long as a note; `None` if empty.
pub(super) fn checked_reply(reply: Option<String>) -> Result<Option<String>, ServiceError> {
    let reply = reply.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reply.as_ref().is_some_and(|r| r.chars().count() > MAX_NOTE_CHARS) {
        return Err(invalid("reply", format!("longer than {MAX_NOTE_CHARS} characters")));
    }
    Ok(reply)
}

/// The case after moving to `to` at `now`: the workflow fields each state sets. Pure, so
/// the rules are testable without a database.
pub fn apply(report: &Report, to: CaseState, now: i64) -> Result<Report, ServiceError> {
    if !report.state.can_move_to(to) {
        let allowed = report.state.next_states().iter().map(|s| s.as_str()).collect::<Vec<_>>();
        let allowed = if allowed.is_empty() { "nowhere: it is final".to_owned() } else { allowed.join(", ") };
        return Err(ServiceError::Conflict(format!(
            "case {} is {}; it can move to {allowed}, not to {to}",
            report.case_number, report.state
        )));
    }
    let mut next = report.clone();
    next.state = to;
    // A supervision flag marks the case until it moves.
    next.duty.supervised_at = None;
    match to {
        CaseState::Accepted | CaseState::Rejected | CaseState::Duplicate => {
            next.duty.responded_at = next.duty.responded_at.or(Some(now));
        }
        _ => {}
    }
    match to {
        CaseState::Dispatched => {
            let deadline = now.saturating_add(report.duty.resolution_secs);
            next.dispatched_at = Some(now);
            next.deadline_at = Some(deadline);
            next.duty.original_deadline_at = next.duty.original_deadline_at.or(Some(deadline));
            next.duty.extension_requested_to = None;
        }
        // Failed verification: the resolution did not hold, so the clock judges the next one.
        CaseState::InProgress if report.state == CaseState::Resolved => {
            next.resolved_at = None;
            next.duty.resolved_by = None;
            next.duty.reopened += 1;
        }
        CaseState::InProgress => {}
        CaseState::Resolved => {
            next.resolved_at = Some(now);
            next.duty.extension_requested_to = None;
        }
        CaseState::Closed => {
            next.closed_at = Some(now);
            next.on_time = closure_on_time(next.deadline_at, next.resolved_at);
        }
        CaseState::Rejected | CaseState::Duplicate => next.closed_at = Some(now),
        // Sent back by the unit: undispatched until the dispatcher sends it on; the first
        // deadline stays on record for the statistics.
        CaseState::Accepted if report.dispatched_at.is_some() => {
            next.dispatched_at = None;
            next.deadline_at = None;
            next.duty.extension_requested_to = None;
        }
        CaseState::Received | CaseState::Accepted | CaseState::Verified => {}
    }
    Ok(next)
}

/// The case to move. Whether `staff` may is the permission matrix's question
/// ([`may_act`]), which names the role a move needs before the place it is in.
async fn fetch(catalog: &Catalog, case_number: &str) -> Result<Report, ServiceError> {
    let (report, _) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    Ok(report)
}

/// The case if `staff` may take `action` on it and it is still as `seen`.
pub(super) async fn load_for(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    action: Action,
    seen: &Seen,
) -> Result<Report, ServiceError> {
    let report = fetch(catalog, case_number).await?;
    may_act(staff, action, &CaseScope::of(&report))?;
    seen.check(&report)?;
    Ok(report)
}

/// An audit event of `staff` doing `action` on `before` (the state after is `after`'s).
pub(super) fn event(staff: &Staff, action: Action, before: &Report, after: &Report, note: Option<String>, now: i64) -> ReportEvent {
    ReportEvent {
        id: 0,
        at: now,
        actor: staff.actor(),
        action: action.as_str().into(),
        from_state: Some(before.state),
        to_state: Some(after.state),
        note,
        reply: None,
        rating: None,
    }
}

/// Writes the new case and its event unless the case was written since `before` was read.
pub(super) async fn save(
    catalog: &Catalog,
    staff: &Staff,
    before: &Report,
    after: &Report,
    event: ReportEvent,
) -> Result<StaffCase, ServiceError> {
    if !catalog.store().update_report(before.version, after, &event).await? {
        return Err(ServiceError::Conflict(format!(
            "case {} changed while this request was handled; reload it and try again",
            before.case_number
        )));
    }
    catalog.sync_reports_after_write().await;
    // The mover sees the case as moved, also when the move took it out of their sight (a
    // handler returning it to the dispatcher).
    let (report, history) =
        catalog.store().report(&after.case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(after.case_number.clone()))?;
    let mut case = super::staff::staff_case(catalog, staff, report, history);
    super::published::for_staff(catalog, &mut [&mut case.report]).await?;
    Ok(case)
}

/// The unit a dispatch or reassignment names: it must exist.
pub(super) fn known_unit(catalog: &Catalog, unit: &str) -> Result<String, ServiceError> {
    let unit = unit.trim();
    match catalog.snapshot().find(Layer::Units, unit) {
        Some(_) => Ok(unit.to_owned()),
        None => Err(invalid("unit", format!("no unit {unit:?}; /api/layers/units lists them"))),
    }
}

/// Moves a case to another state, as `staff`, if the case is still as `seen`.
pub async fn transition(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    request: Move,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let to = request.to;
    let note = checked_note(request.note)?;
    let reply = checked_reply(request.reply)?;
    let report = fetch(catalog, case_number).await?;
    seen.check(&report)?;
    // An illegal move is refused as such (409, naming the legal ones) whoever asks.
    let mut next = apply(&report, to, now)?;
    let action = report.state.action_to(to);
    may_act(staff, action, &CaseScope::of(&report))?;
    match (to, request.duplicate_of) {
        (CaseState::Duplicate, None) => return Err(invalid("duplicate_of", "a duplicate must name the case it repeats")),
        (CaseState::Duplicate, Some(original)) => next.duplicate_of = Some(original_case(catalog, &report, &original).await?),
        (_, Some(_)) => return Err(invalid("duplicate_of", format!("only for a move to duplicate, not to {to}"))),
        (_, None) => {}
    }
    match (to, request.unit) {
        (CaseState::Dispatched, Some(unit)) => next.duty.unit_id = Some(known_unit(catalog, &unit)?),
        (CaseState::Dispatched, None) if next.duty.unit_id.is_none() => {
            return Err(ServiceError::Conflict(format!(
                "no unit serves case {case_number}'s place at its tier; name one with `unit` (/api/layers/units)"
            )));
        }
        (_, Some(_)) => return Err(invalid("unit", format!("only for a move to dispatched, not to {to}"))),
        _ => {}
    }
    if to == CaseState::Resolved {
        next.duty.resolved_by = Some(staff.token_id);
    }
    if action == Action::Return && note.is_none() {
        return Err(invalid("note", format!("{action} must say why (staff see the note)")));
    }
    // The reporter is owed the reason for a refusal and word of what was done.
    if matches!(action, Action::Reject | Action::Resolve) && reply.is_none() {
        return Err(invalid("reply", format!("{action} needs a public reply (公开答复) telling the reporter why or what was done")));
    }
    let recorded = if to == CaseState::Verified { super::rating::verification(&report, now)? } else { None };
    if let Some(rating) = recorded {
        next.rating = Some(rating);
        next.rated_at = Some(now);
    }
    let mut event = event(staff, action, &report, &next, note, now);
    event.reply = reply;
    event.rating = recorded;
    save(catalog, staff, &report, &next, event).await
}

/// The case a duplicate links to: it must exist and differ; a link to a duplicate follows
/// on to that case's original, so chains never form.
async fn original_case(catalog: &Catalog, report: &Report, original: &str) -> Result<String, ServiceError> {
    let original = original.trim();
    let (target, _) = catalog.store().report(original).await?.ok_or_else(|| invalid("duplicate_of", format!("no case {original:?}")))?;
    let root = target.duplicate_of.clone().unwrap_or(target.case_number);
    if root == report.case_number {
        return Err(invalid("duplicate_of", "a case cannot duplicate itself"));
    }
    Ok(root)
}

/// Moves a case one tier up and routes it to that tier's responder and unit, as `staff`, if
/// the case is still as `seen`.
pub async fn escalate(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    note: Option<String>,
    reply: Option<String>,
    seen: &Seen,
    now: i64,
) -> Result<StaffCase, ServiceError> {
    let note = checked_note(note)?;
    let reply = checked_reply(reply)?;
    let report = load_for(catalog, staff, case_number, Action::Escalate, seen).await?;
    if report.state.is_final() {
        return Err(ServiceError::Conflict(format!("case {case_number} is {}; a final case cannot be escalated", report.state)));
    }
    let tier = report.routed.tier.escalated().ok_or_else(|| {
        ServiceError::Conflict(format!("case {case_number} is already at the top tier ({})", report.routed.tier.label_zh()))
    })?;
    let snapshot = catalog.snapshot();
    let routed = route(&snapshot, Point::new(report.lon, report.lat), tier)
        .map_err(|e| ServiceError::Conflict(format!("case {case_number} cannot be re-routed: {e}")))?;
    let mut next = report.clone();
    next.routed.tier = tier;
    next.routed.responder = routed.responder;
    next.routed.responder_phone = routed.responder_phone;
    // The next tier's unit takes the case over; where none serves the place, the unit stays.
    let unit = unit_for(&snapshot, &next.routed, tier).map(|u| u.id.clone());
    let from_unit = report.duty.unit_id.clone();
    next.duty.unit_id = unit.or(from_unit.clone());
    let moved = match (&from_unit, &next.duty.unit_id) {
        (Some(from), Some(to)) if from != to => format!(" ({from} → {to})"),
        _ => String::new(),
    };
    let summary = format!("{} → {}{moved}", report.routed.tier, tier);
    let note = Some(match note {
        Some(note) => format!("{summary}: {note}"),
        None => summary,
    });
    let mut event = event(staff, Action::Escalate, &report, &next, note, now);
    event.reply = reply;
    save(catalog, staff, &report, &next, event).await
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::reports::{Category, Duty, Routed, Source, Tier};

    pub(in crate::services::reports) fn received(category: Category) -> Report {
        Report {
            case_number: "MS00000001".into(),
            category,
            source: Source::Resident,
            description: "test".into(),
            photo_url: None,
            reporter_name: None,
            reporter_phone: None,
            lon: 104.0,
            lat: 30.8,
            routed: Routed {
                tier: Tier::Property,
                responder: "物业".into(),
                responder_phone: None,
                building_id: None,
                compound_id: None,
                micro_grid_id: None,
                grid_id: "G1".into(),
                community_id: "C1".into(),
                street_id: "S1".into(),
            },
            state: CaseState::Received,
            duplicate_of: None,
            supporters: 0,
            created_at: 0,
            dispatched_at: None,
            deadline_at: None,
            resolved_at: None,
            closed_at: None,
            on_time: None,
            external_id: None,
            subcategory: None,
            duty: Duty::allowing(category.response_time(), category.deadline()),
            version: 1,
            notify: false,
            follow_hash: None,
            rating: None,
            rated_at: None,
            unsatisfied: 0,
        }
    }

    fn walk(report: &Report, steps: &[(CaseState, i64)]) -> Report {
        steps.iter().fold(report.clone(), |r, &(to, at)| apply(&r, to, at).unwrap())
    }

    #[test]
    fn the_deadline_counts_from_dispatch_and_closing_judges_it() {
        use CaseState::*;
        let day = 86_400;
        let start = received(Category::Parking);
        let deadline = Category::Parking.deadline().as_secs() as i64;
        assert_eq!(deadline, 3 * day);
        let dispatched = walk(&start, &[(Accepted, 10 * day), (Dispatched, 11 * day)]);
        assert_eq!(dispatched.deadline_at, Some(11 * day + deadline), "from dispatch, not from receipt");

        let fast = walk(&dispatched, &[(InProgress, 12 * day), (Resolved, 13 * day), (Verified, 20 * day), (Closed, 21 * day)]);
        assert_eq!(fast.on_time, Some(true), "verification and closing time do not count against the responder");
        assert_eq!(fast.closed_at, Some(21 * day));

        let slow = walk(&dispatched, &[(InProgress, 12 * day), (Resolved, 15 * day), (Verified, 15 * day), (Closed, 15 * day)]);
        assert_eq!(slow.on_time, Some(false));

        // A failed verification clears the resolution: the case is judged by the second one.
        let reopened = walk(&dispatched, &[(InProgress, 12 * day), (Resolved, 12 * day), (InProgress, 13 * day)]);
        assert_eq!(reopened.resolved_at, None);
        let late = walk(&reopened, &[(Resolved, 16 * day), (Verified, 16 * day), (Closed, 16 * day)]);
        assert_eq!(late.on_time, Some(false));
    }

    #[test]
    fn illegal_moves_are_refused_with_the_allowed_ones() {
        let start = received(Category::Noise);
        let error = apply(&start, CaseState::Closed, 1).unwrap_err().to_string();
        assert!(error.contains("accepted, rejected, duplicate"), "{error}");
        let closed = walk(
            &start,
            &[
                (CaseState::Accepted, 1),
                (CaseState::Dispatched, 2),
                (CaseState::InProgress, 3),
                (CaseState::Resolved, 4),
                (CaseState::Verified, 5),
                (CaseState::Closed, 6),
            ],
        );
        assert!(apply(&closed, CaseState::InProgress, 7).unwrap_err().to_string().contains("final"));
    }

    #[test]
    fn what_the_client_saw_must_still_hold() {
        let mut case = received(Category::Parking);
        case.version = 3;
        assert!(Seen::default().check(&case).is_ok());
        assert!(Seen { state: Some(CaseState::Received), versions: Some(vec![2, 3]) }.check(&case).is_ok());
        let stale = Seen { state: Some(CaseState::Accepted), versions: None }.check(&case).unwrap_err();
        assert!(matches!(stale, ServiceError::Conflict(_)), "{stale}");
        let text = stale.to_string();
        assert!(text.contains("MS00000001") && text.contains("received") && text.contains("accepted"), "{text}");
        let old = Seen { state: None, versions: Some(vec![2]) }.check(&case).unwrap_err();
        assert!(matches!(old, ServiceError::PreconditionFailed(_)), "{old}");
        assert!(old.to_string().contains("\"v3\""), "{old}");
    }
}
