//! What staff read: a case with its private fields and history, the queue of their grid,
//! the overdue list and the on-time closure rate per grid, community and street.

use crate::services::schemas::Iso8601;
use serde::Serialize;
use utoipa::IntoParams;

use super::units::units_for_place;
use super::view::UnitCard;
use super::view::{StaffCase, StaffReport};
use crate::model::Layer;
use crate::model::reports::{Action, Report, ReportEvent};
use crate::model::reports::{CaseState, Category};
use crate::model::scope::TokenScope;
use crate::model::time::now;
use crate::services::auth::permissions::may_act;
use crate::services::auth::{CaseScope, Staff, may_read};
use crate::services::{Catalog, ServiceError};
use crate::store::{AreaLevel, ReportFilter};

/// Rows per page unless asked; and the most a page may hold.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 1_000;

/// A case as `staff` may see it: `None` if it is outside the token's scope.
pub async fn case_for(catalog: &Catalog, staff: &Staff, case_number: &str) -> Result<Option<StaffCase>, ServiceError> {
    let (report, history) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    if !may_read(staff, &CaseScope::of(&report)) {
        return Ok(None);
    }
    let mut case = staff_case(catalog, staff, report, history);
    super::published::for_staff(catalog, &mut [&mut case.report]).await?;
    Ok(Some(case))
}

/// The staff view of a case with its history, and what `staff` may do to it now.
pub fn staff_case(catalog: &Catalog, staff: &Staff, report: Report, history: Vec<ReportEvent>) -> StaffCase {
    let snapshot = catalog.snapshot();
    let unit = report
        .duty
        .unit_id
        .as_deref()
        .and_then(|id| snapshot.find(Layer::Units, id))
        .map(|u| UnitCard::from(&snapshot.data.units[u as usize]));
    StaffCase {
        next_states: report.state.next_states(),
        escalates_to: if report.state.is_final() { None } else { report.routed.tier.escalated() },
        actions: actions_now(staff, &report),
        unit,
        unit_choices: units_for_place(&snapshot, &report.routed).into_iter().map(UnitCard::from).collect(),
        report: StaffReport::new(&report, now()),
        history,
    }
}

/// The moves `staff` may make on `report` as it stands: those its state allows that the
/// permission matrix grants this token.
pub fn actions_now(staff: &Staff, report: &Report) -> Vec<Action> {
    let working = matches!(report.state, CaseState::Dispatched | CaseState::InProgress);
    let pending = report.duty.extension_requested_to.is_some();
    let mut possible: Vec<Action> = report.state.next_states().iter().map(|&to| report.state.action_to(to)).collect();
    let open = !report.state.is_final();
    for (action, applies) in [
        (Action::Escalate, open && report.routed.tier.escalated().is_some()),
        (Action::Supervise, open),
        (Action::Reassign, working),
        (Action::RequestExtension, working && !pending),
        (Action::ApproveExtension, pending),
        (Action::RefuseExtension, pending),
        // 回访: a resolution awaiting its rating.
        (Action::ReturnVisit, report.state == CaseState::Resolved && report.rating.is_none()),
    ] {
        if applies {
            possible.push(action);
        }
    }
    let scope = CaseScope::of(report);
    possible.into_iter().filter(|&action| may_act(staff, action, &scope).is_ok()).collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queue {
    /// Matching cases in all pages.
    pub total: u64,
    pub offset: u32,
    pub reports: Vec<StaffReport>,
}

/// Confines a listing to the token's area (or unit), refusing one that asks for another.
fn confine(staff: &Staff, filter: &mut ReportFilter) -> Result<(), ServiceError> {
    let (kind, own, asked) = match &staff.scope {
        TokenScope::Everywhere => return Ok(()),
        // A handler sees the cases dispatched to their unit, not those routing merely suggests it for.
        TokenScope::Unit(own) => {
            filter.dispatched = true;
            ("unit", own, &mut filter.unit_id)
        }
        TokenScope::Grid(own) => ("grid", own, &mut filter.grid_id),
        TokenScope::Community(own) => ("community", own, &mut filter.community_id),
        TokenScope::Street(own) => ("street", own, &mut filter.street_id),
    };
    match asked {
        Some(asked) if asked != own => Err(ServiceError::Forbidden(format!("this token works in {kind} {own}, not {asked}"))),
        _ => {
            *asked = Some(own.clone());
            Ok(())
        }
    }
}

/// Which cases a queue lists, and which page.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Case states, comma-separated (`dispatched,in_progress`).
    #[param(value_type = Option<String>, example = "dispatched,in_progress")]
    pub state: Vec<CaseState>,
    /// Categories, comma-separated.
    #[param(value_type = Option<String>, example = "parking")]
    pub category: Vec<Category>,
    /// A grid's id (a grid worker's own grid whatever is asked).
    pub grid: Option<String>,
    pub community: Option<String>,
    pub street: Option<String>,
    /// Cases dispatched to this unit (a handler's own unit whatever is asked).
    pub unit: Option<String>,
    /// Only cases whose current stage is past due (answer, resolution or verification),
    /// most overdue first.
    pub overdue: Option<bool>,
    /// Only cases flagged for supervision (督办).
    pub supervised: Option<bool>,
    /// Filed at or after this time (ISO 8601; as Unix seconds here).
    #[param(value_type = Option<Iso8601>)]
    pub since: Option<i64>,
    /// Filed before this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub until: Option<i64>,
    /// Cases per page, 1–1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Cases to skip (default 0).
    pub offset: Option<u32>,
}

/// A page of the cases a query selects, as `staff` may see them: always inside the
/// token's area (a handler: dispatched to their unit), whatever the query asks. Newest first (overdue lists: most
/// overdue first, as of `now`); `limit` defaults to a page of [`DEFAULT_PAGE`].
pub async fn queue(catalog: &Catalog, staff: &Staff, query: QueueQuery, now: i64) -> Result<Queue, ServiceError> {
    let mut filter = ReportFilter {
        states: query.state,
        categories: query.category,
        grid_id: query.grid,
        community_id: query.community,
        street_id: query.street,
        dispatched: query.unit.is_some(),
        unit_id: query.unit,
        overdue_at: query.overdue.unwrap_or(false).then_some(now),
        supervised: query.supervised.unwrap_or(false),
        created_from: query.since,
        created_before: query.until,
        limit: query.limit,
        offset: query.offset.unwrap_or(0),
        ..ReportFilter::default()
    };
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1–{MAX_PAGE}") });
    }
    filter.limit = Some(limit);
    confine(staff, &mut filter)?;
    let store = catalog.store();
    let total = store.count_reports(&filter).await?;
    let reports = store.reports(&filter).await?.iter().map(|r| StaffReport::new(r, now)).collect();
    Ok(Queue { total, offset: filter.offset, reports })
}

/// Closure figures of one area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// The areas closure figures are given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosureLevel {
    #[default]
    Grid,
    Community,
    Street,
}

impl std::str::FromStr for ClosureLevel {
    type Err = String;
    fn from_str(text: &str) -> Result<ClosureLevel, String> {
        match text {
            "grid" => Ok(ClosureLevel::Grid),
            "community" => Ok(ClosureLevel::Community),
            "street" => Ok(ClosureLevel::Street),
            other => Err(format!("unknown level {other:?}, expected one of: grid, community, street")),
        }
    }
}

/// Which areas and which cases closure figures count.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClosureQuery {
    /// Per grid (default), community or street.
    #[param(value_type = Option<ClosureLevel>)]
    pub by: ClosureLevel,
    /// Cases filed at or after this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub since: Option<i64>,
    /// Cases filed before this time (ISO 8601).
    #[param(value_type = Option<Iso8601>)]
    pub until: Option<i64>,
}

/// Closure figures per area of a level, over cases created in `[since, until)`.
pub async fn closure(catalog: &Catalog, staff: &Staff, query: ClosureQuery, now: i64) -> Result<Vec<ClosureRow>, ServiceError> {
    let level = match query.by {
        ClosureLevel::Grid => AreaLevel::Grid,
        ClosureLevel::Community => AreaLevel::Community,
        ClosureLevel::Street => AreaLevel::Street,
    };
    let mut filter = ReportFilter { created_from: query.since, created_before: query.until, ..ReportFilter::default() };
    confine(staff, &mut filter)?;
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
