//! What staff read: a case with its private fields and history, the queue of their grid,
//! the overdue list and the on-time closure rate per grid, community and street.

use serde::Serialize;

use super::view::{StaffCase, StaffReport};
use crate::model::Layer;
use crate::model::reports::Role;
use crate::model::time::now;
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};
use crate::store::{AreaLevel, ReportFilter};

/// Rows per page unless asked; and the most a page may hold.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 1_000;

/// A case as `staff` may see it: `None` if it is outside a grid worker's grid.
pub async fn case_for(catalog: &Catalog, staff: &Staff, case_number: &str) -> Result<Option<StaffCase>, ServiceError> {
    let (report, history) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    if !staff.may_work_on(&report) {
        return Ok(None);
    }
    Ok(Some(StaffCase {
        next_states: report.state.next_states(),
        escalates_to: if report.state.is_final() { None } else { report.routed.tier.escalated() },
        report: StaffReport::new(&report, now()),
        history,
    }))
}

#[derive(Debug, Serialize)]
pub struct Queue {
    /// Matching cases in all pages.
    pub total: u64,
    pub offset: u32,
    pub reports: Vec<StaffReport>,
}

/// The grid a staff member's listing is confined to: a grid worker's own, whatever they ask.
fn scoped_grid(staff: &Staff, asked: Option<String>) -> Result<Option<String>, ServiceError> {
    match (staff.role, &staff.grid_id, asked) {
        (Role::GridWorker, Some(own), Some(asked)) if asked != *own => {
            Err(ServiceError::Forbidden(format!("this token works in grid {own}, not {asked}")))
        }
        (Role::GridWorker, own, _) => Ok(own.clone()),
        (_, _, asked) => Ok(asked),
    }
}

/// A page of the cases a filter selects, as `staff` may see them: a grid worker's are
/// always their own grid's, whatever the filter asks. Newest first (overdue lists, with
/// `overdue_at` set: most overdue first); `limit` defaults to a page of [`DEFAULT_PAGE`].
pub async fn queue(catalog: &Catalog, staff: &Staff, mut filter: ReportFilter, now: i64) -> Result<Queue, ServiceError> {
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1–{MAX_PAGE}") });
    }
    filter.limit = Some(limit);
    filter.grid_id = scoped_grid(staff, filter.grid_id.take())?;
    let store = catalog.store();
    let total = store.count_reports(&filter).await?;
    let reports = store.reports(&filter).await?.iter().map(|r| StaffReport::new(r, now)).collect();
    Ok(Queue { total, offset: filter.offset, reports })
}

/// Closure figures of one area.
#[derive(Debug, Serialize)]
pub struct ClosureRow {
    pub id: String,
    pub name: Option<String>,
    pub total: u64,
    pub open: u64,
    pub overdue: u64,
    pub closed: u64,
    pub on_time: u64,
    pub late: u64,
    /// On-time share of closed cases whose timeliness is known, 0–1; `None` if none closed.
    pub on_time_rate: Option<f64>,
}

/// Closure figures per area of a level, over cases created in `[from, before)`.
pub async fn closure(
    catalog: &Catalog,
    staff: &Staff,
    level: AreaLevel,
    created_from: Option<i64>,
    created_before: Option<i64>,
    now: i64,
) -> Result<Vec<ClosureRow>, ServiceError> {
    let filter = ReportFilter { grid_id: scoped_grid(staff, None)?, created_from, created_before, ..ReportFilter::default() };
    let counts = catalog.store().closure_counts(level, &filter, now).await?;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let name = |id: &str| -> Option<String> {
        Some(match level {
            AreaLevel::Grid => data.grids[snapshot.find(Layer::Grids, id)? as usize].name.clone(),
            AreaLevel::Community => data.communities[snapshot.find(Layer::Communities, id)? as usize].name.clone(),
            AreaLevel::Street => data.streets[snapshot.find(Layer::Streets, id)? as usize].name.clone(),
        })
    };
    Ok(counts
        .into_iter()
        .map(|c| {
            let judged = c.on_time + c.late;
            ClosureRow {
                name: name(&c.area_id),
                on_time_rate: (judged > 0).then(|| c.on_time as f64 / judged as f64),
                id: c.area_id,
                total: c.total,
                open: c.open,
                overdue: c.overdue,
                closed: c.closed,
                on_time: c.on_time,
                late: c.late,
            }
        })
        .collect())
}
