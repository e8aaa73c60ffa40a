//! Who is told what about a write to a case: a pure function of the case before and after
//! and the event, so the rules are testable without a database or a receiver.
//!
//! - The reporter, when the case is accepted, dispatched, resolved (with the public reply),
//!   reopened (重办), closed or rejected; only with a phone and their consent (`notify`).
//! - The responding unit, when the case is dispatched (or reassigned) to it, supervised
//!   (督办) or sent back to be redone.
//! - Each subscription whose area and categories hold the case, when it is filed and when
//!   its state changes.

use std::collections::HashMap;

use geo::{Contains, Geometry, Point};
use serde_json::json;

use super::templates::{Texts, render};
use crate::model::notify::{Area, Notice, NotifyEvent, Recipient, Subscription};
use crate::model::reports::{Action, CaseState, Report, ReportEvent};

/// What a write did: the case before (`None` when it was filed) and after, and its event.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub before: Option<&'a Report>,
    pub after: &'a Report,
    pub event: &'a ReportEvent,
}

/// What the messages need besides the case.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The reporter's follow-up link (absolute).
    pub follow_link: Option<String>,
    /// The case's public page (absolute), for everyone else.
    pub case_link: String,
    /// The responding unit's name and public phone, if it has one.
    pub unit_name: Option<String>,
    pub unit_phone: Option<String>,
    pub subscriptions: &'a [Subscription],
}

/// The version the write makes: the key of its messages, unique per write of a case.
fn written_version(change: &Change) -> u32 {
    match change.before {
        None => 1,
        Some(before) => before.version + 1,
    }
}

/// The reporter's event, if this write is one they are told about.
fn reporter_event(change: &Change) -> Option<NotifyEvent> {
    let before = change.before?;
    let (from, to) = (before.state, change.after.state);
    if from == to {
        return None;
    }
    match to {
        CaseState::Accepted if from == CaseState::Received => Some(NotifyEvent::Accepted),
        CaseState::Dispatched => Some(NotifyEvent::Dispatched),
        CaseState::Resolved => Some(NotifyEvent::Resolved),
        CaseState::InProgress if from == CaseState::Resolved => Some(NotifyEvent::Reopened),
        CaseState::Closed => Some(NotifyEvent::Closed),
        CaseState::Rejected => Some(NotifyEvent::Rejected),
        _ => None,
    }
}

/// The unit's event, if this write is one it is told about.
fn unit_event(change: &Change) -> Option<NotifyEvent> {
    let before = change.before?;
    let after = change.after;
    // No unit, nobody to tell.
    after.duty.unit_id.as_ref()?;
    let sent_to_unit = after.state == CaseState::Dispatched && before.state != CaseState::Dispatched;
    let moved_while_dispatched = after.dispatched_at.is_some() && before.duty.unit_id != after.duty.unit_id;
    if sent_to_unit || (moved_while_dispatched && !after.state.is_final()) {
        Some(NotifyEvent::Assigned)
    } else if before.state == CaseState::Resolved && after.state == CaseState::InProgress {
        Some(NotifyEvent::Redo)
    } else if change.event.action == Action::Supervise.as_str() {
        Some(NotifyEvent::Supervised)
    } else {
        None
    }
}

/// Whether a subscription watches this case's place and category.
pub fn watches(subscription: &Subscription, report: &Report) -> bool {
    let category = report.category.as_str();
    if !subscription.categories.is_empty() && !subscription.categories.iter().any(|c| c == category) {
        return false;
    }
    match &subscription.area {
        Area::Compound(id) => report.routed.compound_id.as_deref() == Some(id),
        Area::Grid(id) => report.routed.grid_id == *id || report.routed.micro_grid_id.as_deref() == Some(id),
        Area::Polygon(geometry) => polygon(geometry).is_some_and(|area| area.contains(&Point::new(report.lon, report.lat))),
    }
}

/// A subscription's GeoJSON geometry as a `geo` one (checked when the subscription is made).
pub fn polygon(geometry: &serde_json::Value) -> Option<Geometry> {
    let geometry: geojson::Geometry = serde_json::from_value(geometry.clone()).ok()?;
    let geometry = Geometry::<f64>::try_from(geometry).ok()?;
    matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_)).then_some(geometry)
}

/// The resolution deadline (or, before dispatch, the stage's due time), Beijing time.
fn deadline(report: &Report) -> String {
    let Some(at) = report.deadline_at.or_else(|| report.stage_due_at()) else { return String::new() };
    let Ok(time) = jiff::Timestamp::from_second(at) else { return String::new() };
    let beijing = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    time.to_zoned(beijing).strftime("%Y-%m-%d %H:%M").to_string()
}

/// One message, rendered, with its key and the JSON body the receiver gets.
struct Draft<'a> {
    change: &'a Change<'a>,
    texts: &'a Texts,
    context: &'a Context<'a>,
}

impl Draft<'_> {
    fn notice(&self, event: NotifyEvent, recipient: Recipient, address: String, url: Option<String>) -> Notice {
        let report = self.change.after;
        let reply = self.change.event.reply.clone().unwrap_or_default();
        let link = match recipient {
            Recipient::Reporter => self.context.follow_link.clone().unwrap_or_else(|| self.context.case_link.clone()),
            Recipient::Unit | Recipient::Subscriber => self.context.case_link.clone(),
        };
        let unit = self.context.unit_name.clone().or_else(|| report.duty.unit_id.clone()).unwrap_or_default();
        let values = HashMap::from([
            ("case", report.case_number.clone()),
            ("category", report.category.label_zh().to_owned()),
            ("state", report.state.label_zh().to_owned()),
            ("reply", reply.clone()),
            ("link", link.clone()),
            ("unit", unit),
            ("deadline", deadline(report)),
        ]);
        let text = render(self.texts.text(event), &values);
        let key = match recipient {
            Recipient::Subscriber => format!("{}:v{}:{event}:{recipient}:{address}", report.case_number, written_version(self.change)),
            _ => format!("{}:v{}:{event}:{recipient}", report.case_number, written_version(self.change)),
        };
        // Public fields only, besides the address the gateway needs: a subscriber's body
        // carries neither the reporter's name nor their phone.
        let mut payload = json!({
            "key": key,
            "event": event,
            "event_label": event.label_zh(),
            "case_number": report.case_number,
            "category": report.category,
            "state": report.state,
            "recipient": {"kind": recipient, "address": address},
            "text": text,
            "link": link,
            "reply": self.change.event.reply,
            "at": self.change.event.at,
        });
        if recipient == Recipient::Unit {
            payload["recipient"]["phone"] = json!(self.context.unit_phone);
        }
        Notice {
            key,
            case_number: report.case_number.clone(),
            event,
            recipient,
            address,
            url,
            text,
            payload,
            created_at: self.change.event.at,
        }
    }
}

/// Every message this write sends.
pub fn notices(change: &Change, texts: &Texts, context: &Context) -> Vec<Notice> {
    let draft = Draft { change, texts, context };
    let report = change.after;
    let mut notices = Vec::new();
    if let Some(event) = reporter_event(change)
        && report.notify
        && let Some(phone) = report.reporter_phone.clone()
    {
        notices.push(draft.notice(event, Recipient::Reporter, phone, None));
    }
    if let Some(event) = unit_event(change)
        && let Some(unit) = report.duty.unit_id.clone()
    {
        notices.push(draft.notice(event, Recipient::Unit, unit, None));
    }
    let subscriber_event = match change.before {
        None => Some(NotifyEvent::NewCase),
        Some(before) if before.state != report.state => Some(NotifyEvent::Updated),
        Some(_) => None,
    };
    if let Some(event) = subscriber_event {
        for subscription in context.subscriptions.iter().filter(|s| watches(s, report)) {
            notices.push(draft.notice(event, Recipient::Subscriber, subscription.id.to_string(), Some(subscription.url.clone())));
        }
    }
    notices
}

/// The overdue reminder to the unit of a case whose stage fell due at `due_at`: one per case
/// and due time (the key says which), however often the sweep runs.
pub fn overdue(report: &Report, due_at: i64, now: i64, texts: &Texts, context: &Context) -> Option<Notice> {
    let unit = report.duty.unit_id.clone()?;
    let event = ReportEvent {
        at: now,
        actor: "system".into(),
        action: "overdue".into(),
        from_state: Some(report.state),
        to_state: Some(report.state),
        note: None,
        reply: None,
        ..ReportEvent::default()
    };
    let change = Change { before: Some(report), after: report, event: &event };
    let mut notice = Draft { change: &change, texts, context }.notice(NotifyEvent::Overdue, Recipient::Unit, unit, None);
    notice.key = format!("{}:overdue:{due_at}:unit", report.case_number);
    notice.payload["key"] = json!(notice.key);
    Some(notice)
}

#[cfg(test)]
mod tests;
