//! The overdue sweep: each dispatched case past its stage's due time queues one reminder to
//! its unit per due time. The key names the case and the due time, so running the sweep
//! again (here or on another instance) queues nothing new; an extension moves the due time
//! and so earns a new reminder when that one passes too.

use super::{Outbox, plan};
use crate::model::notify::Notice;
use crate::services::{Catalog, ServiceError};
use crate::store::ReportFilter;

/// Cases looked at per sweep, most overdue first.
const SWEEP_LIMIT: u32 = 1_000;

/// Queues the reminders due at `now`; returns how many were new.
pub async fn sweep(catalog: &Catalog, now: i64) -> Result<u64, ServiceError> {
    let filter = ReportFilter { overdue_at: Some(now), dispatched: true, limit: Some(SWEEP_LIMIT), ..ReportFilter::default() };
    let cases = catalog.store().reports(&filter).await?;
    if cases.is_empty() {
        return Ok(0);
    }
    let outbox = Outbox::load(catalog).await?;
    let notices: Vec<Notice> = cases
        .iter()
        .filter_map(|report| {
            let due_at = report.stage_due_at()?;
            plan::overdue(report, due_at, now, outbox.texts(), &outbox.context_for(catalog, report))
        })
        .collect();
    Ok(catalog.store().queue_notices(&notices).await?)
}
