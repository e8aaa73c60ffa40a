//! Moderation (内容审核): a supervisor hides or redacts a case's description, one of its
//! photos or one public reply; an admin may revert it. Each is a row in the moderations
//! table (who, when, why) and an event in the case's audit trail; the original stays for
//! staff. Public views read the moderations through `published`.

use serde::Serialize;

use super::view::ModerationView;
use crate::model::photos::{Moderation, ModerationAction, ModerationTarget};
use crate::model::reports::{Action, ReportEvent};
use crate::services::auth::permissions::may_act;
use crate::services::auth::{CaseScope, Staff};
use crate::services::{Catalog, ServiceError};
use crate::store::ModerationWrite;

/// The longest reason taken, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What a moderator asks for.
#[derive(Debug, Clone)]
pub struct ModerationRequest {
    pub target: ModerationTarget,
    /// The photo's or the event's id; none for the description.
    pub id: Option<i64>,
    pub action: ModerationAction,
    pub reason: String,
}

/// A moderation written, and the case's new version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Moderated {
    pub case_number: String,
    pub moderation: ModerationView,
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

/// Hides or redacts part of a case, as a supervisor (or admin) of its place.
pub async fn moderate(
    catalog: &Catalog,
    staff: &Staff,
    case_number: &str,
    request: ModerationRequest,
    now: i64,
) -> Result<Moderated, ServiceError> {
    let reason = request.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(invalid("reason", "is required: say why (the audit keeps it)"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(invalid("reason", format!("longer than {MAX_REASON_CHARS} characters")));
    }
    match (request.target, request.id) {
        (ModerationTarget::Description, Some(_)) => return Err(invalid("id", "the description takes no id")),
        (ModerationTarget::Photo | ModerationTarget::Reply, None) => {
            return Err(invalid("id", format!("a {} is named by its id", request.target)));
        }
        _ => {}
    }
    let (report, _) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    may_act(staff, Action::Moderate, &CaseScope::of(&report))?;
    let existing = catalog.store().moderations_of(std::slice::from_ref(&report.case_number)).await?;
    if let Some(same) = existing.iter().find(|m| m.in_force() && m.target == request.target && m.target_id == request.id) {
        return Err(ServiceError::Conflict(format!("that {} is moderated already (moderation #{})", request.target, same.id)));
    }
    let target = match request.id {
        Some(id) => format!("{} #{id}", request.target),
        None => request.target.to_string(),
    };
    let moderation = Moderation {
        id: 0,
        case_number: report.case_number.clone(),
        target: request.target,
        target_id: request.id,
        action: request.action,
        reason: reason.clone(),
        moderated_by: staff.actor(),
        moderated_at: now,
        reverted_by: None,
        reverted_at: None,
    };
    let event = ReportEvent {
        at: now,
        actor: staff.actor(),
        action: Action::Moderate.as_str().into(),
        from_state: None,
        to_state: None,
        note: Some(format!("{} {target}: {reason}", request.action)),
        ..ReportEvent::default()
    };
    match catalog.store().moderate(&moderation, &event).await? {
        ModerationWrite::Stored(id) => {
            catalog.sync_reports_after_write().await;
            Ok(Moderated { case_number: report.case_number, moderation: ModerationView::from(&Moderation { id, ..moderation }) })
        }
        ModerationWrite::NoSuchCase => Err(ServiceError::NoSuchCase(case_number.to_owned())),
        ModerationWrite::NoSuchTarget => Err(invalid("id", format!("case {case_number} has no {target}"))),
    }
}

/// Reverts a moderation of the case in force, as an admin.
pub async fn revert(catalog: &Catalog, staff: &Staff, case_number: &str, id: i64, now: i64) -> Result<Moderated, ServiceError> {
    let (report, _) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    may_act(staff, Action::Unmoderate, &CaseScope::of(&report))?;
    let found = catalog.store().moderation(id).await?;
    if !found.is_some_and(|m| m.case_number == report.case_number && m.in_force()) {
        return Err(ServiceError::NoSuchModeration(id));
    }
    let event = ReportEvent {
        at: now,
        actor: staff.actor(),
        action: Action::Unmoderate.as_str().into(),
        from_state: None,
        to_state: None,
        note: Some(format!("moderation #{id} reverted")),
        ..ReportEvent::default()
    };
    let reverted = catalog.store().revert_moderation(id, &staff.actor(), now, &event).await?.ok_or(ServiceError::NoSuchModeration(id))?;
    catalog.sync_reports_after_write().await;
    Ok(Moderated { case_number: report.case_number, moderation: ModerationView::from(&reverted) })
}
