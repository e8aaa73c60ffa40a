use super::*;
use crate::model::reports::{Category, Duty, Routed, Source, Tier};
use crate::services::reports::workflow::apply;

const DAY: i64 = 86_400;

fn filed(phone: Option<&str>, notify: bool) -> Report {
    Report {
        case_number: "MS00000042".into(),
        category: Category::Parking,
        source: Source::Resident,
        description: "消防通道被占".into(),
        photo_url: None,
        reporter_name: Some("王芳".into()),
        reporter_phone: phone.map(str::to_owned),
        notify,
        lon: 104.0,
        lat: 30.8,
        routed: Routed {
            tier: Tier::Property,
            responder: "物业".into(),
            responder_phone: None,
            building_id: None,
            compound_id: Some("CP1".into()),
            micro_grid_id: Some("MG1".into()),
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
        duty: Duty { unit_id: Some("U1".into()), ..Duty::allowing(Category::Parking.response_time(), Category::Parking.deadline()) },
        version: 1,
        follow_hash: None,
        rating: None,
        rated_at: None,
        unsatisfied: 0,
    }
}

fn event(before: &Report, after: &Report, action: Action, reply: Option<&str>, at: i64) -> ReportEvent {
    ReportEvent {
        at,
        actor: "staff".into(),
        action: action.as_str().into(),
        from_state: Some(before.state),
        to_state: Some(after.state),
        note: Some("内部备注".into()),
        reply: reply.map(str::to_owned),
        ..ReportEvent::default()
    }
}

fn context(subscriptions: &[Subscription]) -> Context<'_> {
    Context {
        follow_link: Some("https://ms.example/#follow=SECRET".into()),
        case_link: "https://ms.example/#case=MS00000042".into(),
        unit_name: Some("锦园物业".into()),
        unit_phone: Some("028-1234567".into()),
        subscriptions,
    }
}

/// Walks a case through its whole life and collects every message, as (event, recipient).
fn life(report: Report, subscriptions: &[Subscription]) -> Vec<Notice> {
    let texts = Texts::default();
    let context = context(subscriptions);
    let submit = ReportEvent {
        at: 0,
        actor: "resident".into(),
        action: "submit".into(),
        from_state: None,
        to_state: Some(CaseState::Received),
        note: None,
        reply: None,
        ..ReportEvent::default()
    };
    let mut all = notices(&Change { before: None, after: &report, event: &submit }, &texts, &context);
    let steps = [
        (CaseState::Accepted, Action::Accept, Some("已受理")),
        (CaseState::Dispatched, Action::Dispatch, None),
        (CaseState::InProgress, Action::Start, None),
        (CaseState::Resolved, Action::Resolve, Some("已清理通道")),
        (CaseState::InProgress, Action::Reopen, Some("居民不满意，重办")),
        (CaseState::Resolved, Action::Resolve, Some("已加装隔离桩")),
        (CaseState::Verified, Action::Verify, None),
        (CaseState::Closed, Action::Close, Some("办结")),
    ];
    let mut case = report;
    for (i, (to, action, reply)) in steps.into_iter().enumerate() {
        let at = (i as i64 + 1) * DAY;
        let next = apply(&case, to, at).unwrap();
        let event = event(&case, &next, action, reply, at);
        all.extend(notices(&Change { before: Some(&case), after: &next, event: &event }, &texts, &context));
        case = Report { version: case.version + 1, ..next };
    }
    all
}

fn pairs(notices: &[Notice]) -> Vec<(NotifyEvent, Recipient)> {
    notices.iter().map(|n| (n.event, n.recipient)).collect()
}

#[test]
fn a_consenting_reporter_and_the_unit_hear_of_every_step_that_concerns_them() {
    use NotifyEvent::*;
    use Recipient::*;
    let all = life(filed(Some("13912345678"), true), &[]);
    assert_eq!(
        pairs(&all),
        [
            (Accepted, Reporter),
            (Dispatched, Reporter),
            (Assigned, Unit),
            (Resolved, Reporter),
            (Reopened, Reporter),
            (Redo, Unit),
            (Resolved, Reporter),
            (Closed, Reporter),
        ]
    );
    let keys: std::collections::HashSet<_> = all.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys.len(), all.len(), "every message has its own key");
    let resolved = all.iter().find(|n| n.event == Resolved).unwrap();
    assert!(resolved.text.contains("已清理通道") && resolved.text.contains("#follow=SECRET"), "{}", resolved.text);
    assert!(!resolved.text.contains("内部备注"), "an internal note never reaches the reporter");
    assert_eq!(resolved.address, "13912345678");
    assert_eq!(resolved.payload["key"], resolved.key.as_str());
    let assigned = all.iter().find(|n| n.event == Assigned).unwrap();
    assert!(assigned.text.contains("MS00000042") && !assigned.text.contains("#follow="), "{}", assigned.text);
    assert_eq!(assigned.payload["recipient"]["phone"], "028-1234567");
}

#[test]
fn no_phone_or_no_consent_means_no_message_to_the_reporter() {
    for report in [filed(None, true), filed(Some("13912345678"), false)] {
        let all = life(report, &[]);
        assert!(all.iter().all(|n| n.recipient != Recipient::Reporter), "{:?}", pairs(&all));
        assert!(all.iter().any(|n| n.recipient == Recipient::Unit), "the unit is told regardless");
    }
}

fn subscription(id: i64, area: Area, categories: &[&str]) -> Subscription {
    Subscription {
        id,
        area,
        categories: categories.iter().map(|c| c.to_string()).collect(),
        url: format!("http://127.0.0.1:1/hook/{id}"),
        created_by: 1,
        created_at: 0,
    }
}

#[test]
fn subscribers_of_the_place_and_category_hear_of_new_cases_and_state_changes_without_private_fields() {
    let square = json!({"type": "Polygon", "coordinates": [[[103.9, 30.7], [104.1, 30.7], [104.1, 30.9], [103.9, 30.9], [103.9, 30.7]]]});
    let elsewhere = json!({"type": "Polygon", "coordinates": [[[100.0, 20.0], [100.1, 20.0], [100.1, 20.1], [100.0, 20.0]]]});
    let subscriptions = [
        subscription(1, Area::Compound("CP1".into()), &[]),
        subscription(2, Area::Grid("MG1".into()), &["parking"]),
        subscription(3, Area::Polygon(square), &[]),
        subscription(4, Area::Polygon(elsewhere), &[]),
        subscription(5, Area::Grid("G1".into()), &["noise"]),
        subscription(6, Area::Compound("CP2".into()), &[]),
    ];
    let all = life(filed(Some("13912345678"), true), &subscriptions);
    let to_subscribers: Vec<&Notice> = all.iter().filter(|n| n.recipient == Recipient::Subscriber).collect();
    let first: Vec<(&str, NotifyEvent)> = to_subscribers.iter().take(3).map(|n| (n.address.as_str(), n.event)).collect();
    assert_eq!(first, [("1", NotifyEvent::NewCase), ("2", NotifyEvent::NewCase), ("3", NotifyEvent::NewCase)]);
    // One per state change after filing (eight moves) to each of the three.
    assert_eq!(to_subscribers.len(), 3 * 9);
    for notice in &to_subscribers {
        let body = notice.payload.to_string();
        assert!(!body.contains("13912345678") && !body.contains("王芳"), "{body}");
        assert!(notice.url.as_deref().unwrap().ends_with(&format!("/hook/{}", notice.address)));
    }
}

#[test]
fn supervision_tells_the_unit_and_an_overdue_reminder_is_keyed_by_its_due_time() {
    let texts = Texts::default();
    let context = context(&[]);
    let mut case = filed(None, false);
    for (to, at) in [(CaseState::Accepted, DAY), (CaseState::Dispatched, 2 * DAY)] {
        case = Report { version: case.version + 1, ..apply(&case, to, at).unwrap() };
    }
    let mut supervised = case.clone();
    supervised.duty.supervised_at = Some(3 * DAY);
    let event = event(&case, &supervised, Action::Supervise, Some("请今日处置"), 3 * DAY);
    let sent = notices(&Change { before: Some(&case), after: &supervised, event: &event }, &texts, &context);
    assert_eq!(pairs(&sent), [(NotifyEvent::Supervised, Recipient::Unit)]);

    let due = case.stage_due_at().unwrap();
    let first = overdue(&case, due, due + 10, &texts, &context).unwrap();
    let again = overdue(&case, due, due + 3_600, &texts, &context).unwrap();
    assert_eq!(first.key, again.key, "a second sweep queues the same key, which the store skips");
    assert_eq!(first.key, format!("MS00000042:overdue:{due}:unit"));
    assert_eq!(first.payload["key"], first.key.as_str());
}
