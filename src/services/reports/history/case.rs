//! One historical case: its consistency checks, and its stored form with an audit trail
//! along the GB/T 30428 path.

use crate::model::reports::{CaseRecord, CaseState, Duty, Report, ReportEvent, Routed, closure_on_time};
use crate::model::time::to_iso8601;
use crate::services::categories::Effective;
use crate::services::reports::intake::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, check_phone, check_photo_url};

/// Whether a state may, must or must not come with a time.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Required,
    Optional,
    Forbidden,
}

/// Which of dispatched_at, resolved_at and closed_at a case in `state` has. A case is
/// rejected (不予立案) before dispatch; a duplicate may be found before or after dispatch
/// but is never resolved; `closed_at` of a rejected or duplicate case is when it ended.
fn times_of(state: CaseState) -> [Need; 3] {
    use CaseState::*;
    use Need::*;
    match state {
        Received | Accepted => [Forbidden, Forbidden, Forbidden],
        Dispatched | InProgress => [Required, Forbidden, Forbidden],
        Resolved | Verified => [Required, Required, Forbidden],
        Closed => [Required, Required, Required],
        Rejected => [Forbidden, Forbidden, Optional],
        Duplicate => [Optional, Forbidden, Optional],
    }
}

/// Every problem of one case on its own (references to other cases and the place are
/// checked by the caller), as reasons a person can act on.
pub fn check(record: &CaseRecord, now: i64) -> Vec<String> {
    let mut problems = Vec::new();
    let description = record.description.trim();
    if description.is_empty() {
        problems.push("description is empty".to_owned());
    } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push(format!("description is longer than {MAX_DESCRIPTION_CHARS} characters"));
    }
    if record.reporter_name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        problems.push(format!("reporter_name is longer than {MAX_NAME_CHARS} characters"));
    }
    if let Some(Err(reason)) = record.reporter_phone.as_deref().map(check_phone) {
        problems.push(format!("reporter_phone {reason}"));
    }
    if let Some(Err(reason)) = record.photo_url.as_deref().map(check_photo_url) {
        problems.push(format!("photo_url {reason}"));
    }

    if record.state == CaseState::Received && record.responded_at.is_some() {
        problems.push("responded_at is given, but a case in state received has not been answered".to_owned());
    }
    let times = [
        ("created_at", Some(record.created_at)),
        ("responded_at", record.responded_at),
        ("dispatched_at", record.dispatched_at),
        ("resolved_at", record.resolved_at),
        ("closed_at", record.closed_at),
    ];
    for (name, time) in times {
        if let Some(t) = time.filter(|t| *t > now) {
            problems.push(format!("{name} {} is in the future", to_iso8601(t)));
        }
    }
    let given: Vec<(&str, i64)> = times.iter().filter_map(|(name, t)| t.map(|t| (*name, t))).collect();
    for pair in given.windows(2) {
        let ((before, a), (after, b)) = (pair[0], pair[1]);
        if b < a {
            problems.push(format!("{after} {} is before {before} {}", to_iso8601(b), to_iso8601(a)));
        }
    }

    let state = record.state;
    for ((name, time), need) in times[2..].iter().zip(times_of(state)) {
        match (need, time) {
            (Need::Required, None) => problems.push(format!("state {state} needs {name}")),
            (Need::Forbidden, Some(_)) => problems.push(format!("{name} is given, but a case in state {state} has not got that far")),
            _ => {}
        }
    }
    match (state, &record.duplicate_of) {
        (CaseState::Duplicate, None) => problems.push("state duplicate needs duplicate_of".to_owned()),
        (state, Some(_)) if state != CaseState::Duplicate => {
            problems.push(format!("duplicate_of is given, but the state is {state}, not duplicate"))
        }
        _ => {}
    }
    problems
}

/// The states a case went through after being received, each with when it got there,
/// following only legal moves. A time the record does not give is taken from the next
/// state whose time it gives (the step happened by then), else from the last one before.
fn steps(record: &CaseRecord) -> Vec<(CaseState, i64)> {
    use CaseState::*;
    const HANDLED: [CaseState; 6] = [Accepted, Dispatched, InProgress, Resolved, Verified, Closed];
    let path: Vec<CaseState> = match record.state {
        Received => vec![],
        Rejected => vec![Rejected],
        Duplicate if record.dispatched_at.is_some() => vec![Accepted, Dispatched, Duplicate],
        Duplicate => vec![Duplicate],
        state => HANDLED.iter().copied().take_while(|s| *s != state).chain([state]).collect(),
    };
    let known = |state: CaseState| match state {
        Dispatched => record.dispatched_at,
        Resolved => record.resolved_at,
        Closed | Rejected | Duplicate => record.closed_at,
        Received | Accepted | InProgress | Verified => None,
    };
    let mut next = None;
    let mut times: Vec<Option<i64>> = path
        .iter()
        .rev()
        .map(|&state| {
            next = known(state).or(next);
            next
        })
        .collect();
    times.reverse();
    let mut last = record.created_at;
    path.into_iter()
        .zip(times)
        .map(|(state, time)| {
            last = time.unwrap_or(last);
            (state, last)
        })
        .collect()
}

/// The stored case and its audit trail, for a record that passed [`check`] and was routed.
/// The tier and allowances are the category's settings; the deadline runs from dispatch;
/// `unit_id` is the unit that had it.
pub fn build(
    record: &CaseRecord,
    routed: Routed,
    settings: &Effective,
    unit_id: Option<String>,
    actor: &str,
    note: &str,
) -> (Report, Vec<ReportEvent>) {
    let duty = Duty {
        // Answered when the record says; else by dispatch, or when turned away unworked.
        responded_at: record.responded_at.or(match record.state {
            CaseState::Rejected | CaseState::Duplicate if record.dispatched_at.is_none() => record.closed_at,
            _ => record.dispatched_at,
        }),
        unit_id,
        ..settings.duty()
    };
    let deadline_at = record.dispatched_at.map(|t| t.saturating_add(duty.resolution_secs));
    let duty = Duty { original_deadline_at: deadline_at, ..duty };
    let on_time = match record.state {
        CaseState::Closed => closure_on_time(deadline_at, record.resolved_at),
        _ => None,
    };
    let report = Report {
        case_number: String::new(),
        category: record.category,
        source: record.source,
        description: record.description.trim().to_owned(),
        photo_url: record.photo_url.clone(),
        reporter_name: record.reporter_name.clone(),
        reporter_phone: record.reporter_phone.clone(),
        lon: record.lon,
        lat: record.lat,
        routed,
        state: record.state,
        duplicate_of: record.duplicate_of.clone(),
        supporters: 0,
        created_at: record.created_at,
        dispatched_at: record.dispatched_at,
        deadline_at,
        resolved_at: record.resolved_at,
        closed_at: record.closed_at,
        on_time,
        external_id: Some(record.external_id.clone()),
        subcategory: record.subcategory.clone(),
        duty,
        version: 1,
        // An imported case has no follow-up link and no consent on record.
        notify: false,
        follow_hash: None,
        rating: None,
        rated_at: None,
        unsatisfied: 0,
    };
    let event = |at, from: Option<CaseState>, to: CaseState| ReportEvent {
        id: 0,
        at,
        actor: actor.to_owned(),
        action: to.action().to_owned(),
        from_state: from,
        to_state: Some(to),
        note: Some(note.to_owned()),
        reply: None,
        rating: None,
    };
    let mut events = vec![event(record.created_at, None, CaseState::Received)];
    let mut from = CaseState::Received;
    for (to, at) in steps(record) {
        debug_assert!(from.can_move_to(to), "{from} → {to} is not a legal move");
        events.push(event(at, Some(from), to));
        from = to;
    }
    (report, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::{Category, Source};

    const T0: i64 = 1_780_000_000;
    const HOUR: i64 = 3_600;

    fn record(state: CaseState) -> CaseRecord {
        CaseRecord {
            external_id: "H1".into(),
            category: Category::Parking,
            subcategory: None,
            source: Source::Hotline12345,
            description: "消防通道被占".into(),
            photo_url: None,
            reporter_name: None,
            reporter_phone: None,
            lon: 104.05,
            lat: 30.82,
            state,
            created_at: T0,
            responded_at: None,
            dispatched_at: None,
            resolved_at: None,
            closed_at: None,
            duplicate_of: None,
            unit: None,
        }
    }

    /// Parking's built-in settings.
    fn parking() -> Effective {
        crate::services::categories::Settings::default().effective(Category::Parking, None).unwrap()
    }

    /// A record in `state` with just the times that state needs.
    fn complete(state: CaseState) -> CaseRecord {
        let [dispatched, resolved, closed] = times_of(state);
        let mut r = record(state);
        r.dispatched_at = (dispatched == Need::Required).then_some(T0 + HOUR);
        r.resolved_at = (resolved == Need::Required).then_some(T0 + 30 * HOUR);
        r.closed_at = (closed == Need::Required).then_some(T0 + 50 * HOUR);
        r.duplicate_of = (state == CaseState::Duplicate).then(|| "H0".to_owned());
        r
    }

    #[test]
    fn every_state_is_reached_by_legal_moves_at_non_decreasing_times() {
        for &state in CaseState::ALL {
            let r = complete(state);
            assert_eq!(check(&r, T0 + 100 * HOUR), Vec::<String>::new(), "{state}");
            let mut from = CaseState::Received;
            let mut at = r.created_at;
            for (to, t) in steps(&r) {
                assert!(from.can_move_to(to), "{state}: {from} → {to}");
                assert!(t >= at, "{state}: {to} at {t} before {at}");
                (from, at) = (to, t);
            }
            assert_eq!(from, state);
        }
    }

    #[test]
    fn unknown_intermediate_times_take_the_next_known_one() {
        let r = complete(CaseState::Closed);
        let steps = steps(&r);
        let at = |s: CaseState| steps.iter().find(|(state, _)| *state == s).unwrap().1;
        assert_eq!(at(CaseState::Accepted), T0 + HOUR, "accepted by the time it was dispatched");
        assert_eq!(at(CaseState::InProgress), T0 + 30 * HOUR);
        assert_eq!(at(CaseState::Verified), T0 + 50 * HOUR);
        let waiting = record(CaseState::Accepted);
        assert_eq!(super::steps(&waiting), vec![(CaseState::Accepted, T0)], "no later time: the last known");
    }

    #[test]
    fn states_and_times_must_agree() {
        let now = T0 + 100 * HOUR;
        let mut closed = complete(CaseState::Closed);
        closed.resolved_at = None;
        assert!(check(&closed, now).contains(&"state closed needs resolved_at".to_owned()));
        let mut accepted = record(CaseState::Accepted);
        accepted.dispatched_at = Some(T0 + HOUR);
        assert!(check(&accepted, now)[0].starts_with("dispatched_at is given, but a case in state accepted"));
        let mut backwards = complete(CaseState::Closed);
        backwards.resolved_at = Some(T0 - HOUR);
        assert!(check(&backwards, now).iter().any(|p| p.starts_with("resolved_at") && p.contains("is before dispatched_at")));
        assert!(check(&complete(CaseState::Closed), T0 + 40 * HOUR)[0].starts_with("closed_at"));
        let mut stray = record(CaseState::Received);
        stray.duplicate_of = Some("H0".into());
        assert_eq!(check(&stray, now), ["duplicate_of is given, but the state is received, not duplicate"]);
    }

    #[test]
    fn closed_cases_are_on_time_when_resolved_by_the_deadline() {
        let routed = || Routed {
            tier: Category::Parking.default_tier(),
            responder: "物业".into(),
            responder_phone: None,
            building_id: None,
            compound_id: None,
            micro_grid_id: None,
            grid_id: "G".into(),
            community_id: "C".into(),
            street_id: "S".into(),
        };
        let mut r = complete(CaseState::Closed);
        let (report, events) = build(&r, routed(), &parking(), None, "import:x.csv", "imported from hotline record H1");
        assert_eq!(report.deadline_at, Some(T0 + HOUR + 3 * 24 * HOUR));
        assert_eq!(report.on_time, Some(true));
        assert_eq!(events.len(), 7);
        assert_eq!(events[0].action, "submit");
        assert_eq!(events[6].to_state, Some(CaseState::Closed));
        r.resolved_at = Some(T0 + HOUR + 3 * 24 * HOUR + 1);
        r.closed_at = r.resolved_at;
        assert_eq!(build(&r, routed(), &parking(), None, "a", "n").0.on_time, Some(false));
        assert_eq!(build(&complete(CaseState::InProgress), routed(), &parking(), None, "a", "n").0.on_time, None);
    }
}
