//! FixMyStreet's Open311 extension for pulling updates, `GET servicerequestupdates`: every
//! public update of every case in a window of time (a state move, a staff member's public
//! reply, a reporter's comment or rating), oldest first, so that a client can follow cases
//! without asking for each. Internal notes and actors never appear.

use serde::Serialize;
use utoipa::ToSchema;

use super::super::published::Overlay;
use super::{Fields, MAX_REQUESTS, Open311Error, check_jurisdiction, invalid};
use crate::model::reports::CaseState;
use crate::model::time::{parse_iso8601, to_iso8601};
use crate::services::{Catalog, ServiceError};
use crate::store::UpdateQuery;

/// One update of a service request, as FixMyStreet's extension names its fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestUpdate {
    /// The audit event's id: unique, and increasing with time.
    pub update_id: String,
    /// The case number.
    pub service_request_id: String,
    /// `open` or `closed`: the case's status after this update.
    pub status: &'static str,
    pub updated_datetime: String,
    /// The public reply (公开答复) or the reporter's comment; empty for a bare move.
    pub description: String,
    /// A photo attached to the update; none yet.
    pub media_url: String,
}

/// The updates `start_date` (inclusive) to `end_date` (inclusive) select, both optional ISO
/// 8601 times, oldest first, at most 1000.
pub async fn updates_for(catalog: &Catalog, fields: &Fields) -> Result<Vec<RequestUpdate>, Open311Error> {
    check_jurisdiction(fields)?;
    let date = |name: &'static str| -> Result<Option<i64>, Open311Error> {
        fields.one(name)?.map(|text| parse_iso8601(text).map_err(|e| invalid(name, e))).transpose()
    };
    let (start, end) = (date("start_date")?, date("end_date")?);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(invalid("end_date", "is before start_date"));
    }
    let query = UpdateQuery { at_from: start, at_before: end.map(|end| end + 1), limit: MAX_REQUESTS };
    let updates = catalog.store().public_updates(&query).await.map_err(ServiceError::from)?;
    let mut cases: Vec<String> = updates.iter().map(|(case, _)| case.clone()).collect();
    cases.sort_unstable();
    cases.dedup();
    let overlay = Overlay::load(catalog, &cases).await?;
    let mut states = std::collections::HashMap::<String, Option<CaseState>>::new();
    Ok(updates
        .into_iter()
        .map(|(case, event)| {
            // A comment or a rating leaves the state as the case's last move set it: the
            // latest one listed, or (for the first listed) the event's own.
            let state = match event.to_state {
                Some(state) => *states.entry(case.clone()).insert_entry(Some(state)).get(),
                None => states.get(&case).copied().flatten().or(event.from_state),
            };
            let description = overlay.public_reply(&case, &event).unwrap_or_default();
            RequestUpdate {
                update_id: event.id.to_string(),
                status: state.map_or("open", CaseState::open311_status),
                service_request_id: case,
                updated_datetime: to_iso8601(event.at),
                description,
                media_url: String::new(),
            }
        })
        .collect())
}
