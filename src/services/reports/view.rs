//! What anyone may see of a report. Built field by field from `Report`, so the reporter's
//! name and phone cannot slip in when fields are added.

use serde::Serialize;

use super::blur::public_point;
use crate::model::photos::{Moderation, ModerationAction, ModerationTarget, PhotoInfo, PhotoStage};
use crate::model::reports::{Action, CaseState, Category, Rating, Report, ReportEvent, Source, Tier};
use crate::model::{Unit, UnitKind};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicReport {
    pub case_number: String,
    pub category: Category,
    pub category_label: &'static str,
    /// The subcategory's own word (see `GET /api/categories`), if the case has one.
    pub subcategory: Option<String>,
    pub source: Source,
    pub description: String,
    pub photo_url: Option<String>,
    /// The photos uploaded with the report and after the work, oldest first (hidden ones
    /// left out of the public view).
    pub photos: Vec<PublicPhoto>,
    /// [lon, lat] WGS84; for neighbour disputes and safety hazards snapped to a 50 m grid
    /// in public answers (staff see the exact point).
    pub point: [f64; 2],
    pub building_id: Option<String>,
    pub compound_id: Option<String>,
    pub grid_id: String,
    pub community_id: String,
    pub tier: Tier,
    pub tier_label: &'static str,
    pub responder: String,
    /// The responder's public work phone.
    pub responder_phone: Option<String>,
    pub state: CaseState,
    pub state_label: &'static str,
    /// Open311 status: `open` or `closed`.
    pub status: &'static str,
    pub duplicate_of: Option<String>,
    pub supporters: u32,
    /// Unix seconds (UTC).
    pub created_at: i64,
    pub deadline_at: Option<i64>,
    /// Seconds allowed from dispatch to resolution, as the category's settings said when the
    /// case was filed.
    pub resolution_secs: i64,
    pub closed_at: Option<i64>,
    pub on_time: Option<bool>,
}

impl From<&Report> for PublicReport {
    fn from(r: &Report) -> PublicReport {
        PublicReport {
            case_number: r.case_number.clone(),
            category: r.category,
            category_label: r.category.label_zh(),
            subcategory: r.subcategory.clone(),
            source: r.source,
            description: r.description.clone(),
            photo_url: r.photo_url.clone(),
            // Filled in by `published::publish` (which reads the photo table).
            photos: Vec::new(),
            point: public_point(r.category, r.lon, r.lat),
            building_id: r.routed.building_id.clone(),
            compound_id: r.routed.compound_id.clone(),
            grid_id: r.routed.grid_id.clone(),
            community_id: r.routed.community_id.clone(),
            tier: r.routed.tier,
            tier_label: r.routed.tier.label_zh(),
            responder: r.routed.responder.clone(),
            responder_phone: r.routed.responder_phone.clone(),
            state: r.state,
            state_label: r.state.label_zh(),
            status: r.state.open311_status(),
            duplicate_of: r.duplicate_of.clone(),
            supporters: r.supporters,
            created_at: r.created_at,
            deadline_at: r.deadline_at,
            resolution_secs: r.duty.resolution_secs,
            closed_at: r.closed_at,
            on_time: r.on_time,
        }
    }
}

/// A photo as the case views list it. Served by `GET /api/photos/{id}` (and `/thumb`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPhoto {
    pub id: i64,
    /// The re-encoded image (no EXIF), at most 2048 px on its long side.
    pub url: String,
    /// At most 320 px on its long side.
    pub thumb_url: String,
    pub stage: PhotoStage,
    pub width: u32,
    pub height: u32,
    /// Staff views only: a moderation hides it from the public.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl From<&PhotoInfo> for PublicPhoto {
    fn from(p: &PhotoInfo) -> PublicPhoto {
        PublicPhoto {
            id: p.id,
            url: format!("/api/photos/{}", p.id),
            thumb_url: format!("/api/photos/{}/thumb", p.id),
            stage: p.stage,
            width: p.width,
            height: p.height,
            hidden: p.hidden,
        }
    }
}

/// A moderation as the staff view lists it: the audit of who hid what and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModerationView {
    pub id: i64,
    pub target: ModerationTarget,
    /// The photo's or the event's id; absent for the description.
    pub target_id: Option<i64>,
    pub action: ModerationAction,
    pub reason: String,
    pub moderated_by: String,
    pub moderated_at: i64,
    pub reverted_by: Option<String>,
    pub reverted_at: Option<i64>,
}

impl From<&Moderation> for ModerationView {
    fn from(m: &Moderation) -> ModerationView {
        ModerationView {
            id: m.id,
            target: m.target,
            target_id: m.target_id,
            action: m.action,
            reason: m.reason.clone(),
            moderated_by: m.moderated_by.clone(),
            moderated_at: m.moderated_at,
            reverted_by: m.reverted_by.clone(),
            reverted_at: m.reverted_at,
        }
    }
}

/// A public line of the case history: when it moved and where to, the public reply (公开答复)
/// or the reporter's comment, and a rating. Actors and internal notes are staff information
/// and stay out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    /// The event's id (what moderation names).
    pub id: i64,
    pub at: i64,
    pub action: String,
    pub to_state: Option<CaseState>,
    /// The public reply of the staff who made the move, or the reporter's comment.
    pub reply: Option<String>,
    /// The rating a rating, return visit or rating-caused reopen recorded.
    pub rating: Option<Rating>,
}

impl From<&ReportEvent> for PublicEvent {
    fn from(e: &ReportEvent) -> PublicEvent {
        PublicEvent { id: e.id, at: e.at, action: e.action.clone(), to_state: e.to_state, reply: e.reply.clone(), rating: e.rating }
    }
}

/// A case as anyone may see it: the public view and history. Closed (`additionalProperties:
/// false` in the document), so a staff case, with its extra fields, never fits it, and a
/// `CaseView` is exactly one of its two forms.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicCase {
    pub report: PublicReport,
    pub history: Vec<PublicEvent>,
    /// For the ETag only: the public view does not show it.
    #[serde(skip)]
    pub version: u32,
}

/// What staff see of a case: everything public plus the reporter's contact, the routing
/// detail and the workflow times.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffReport {
    #[serde(flatten)]
    pub public: PublicReport,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub micro_grid_id: Option<String>,
    pub street_id: String,
    pub dispatched_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// The case's number in the system it was imported from.
    pub external_id: Option<String>,
    /// The responding unit: suggested by routing until dispatch, the one dispatched to after.
    pub unit_id: Option<String>,
    /// When the answer (acceptance or rejection) was due, and when it came.
    pub response_due_at: i64,
    pub responded_at: Option<i64>,
    /// The resolution deadline as first set at dispatch (`deadline_at` moves with extensions).
    pub original_deadline_at: Option<i64>,
    /// When the stage the case is in falls due (answer, resolution or verification).
    pub due_at: Option<i64>,
    /// Its current stage is past due (as of when this view was built).
    pub overdue: bool,
    /// A pending extension request: the deadline the handler asks for.
    pub extension_requested_to: Option<i64>,
    /// Flagged for supervision (督办) at this time, until the case moves.
    pub supervised_at: Option<i64>,
    /// The staff token that resolved it (which may not verify it).
    pub resolved_by: Option<i64>,
    /// Times the resolution failed and the case went back to work (重办).
    pub reopened: u32,
    /// The reporter agreed to be told of progress.
    pub notify: bool,
    /// The rating of the current resolution (by the reporter, a return visit, or 未评价 at
    /// verification), and when it was given.
    pub rating: Option<Rating>,
    pub rated_at: Option<i64>,
    /// Times a 不满意 rating reopened the case.
    pub unsatisfied: u32,
    /// Counts the writes to the case; the ETag is `"v<version>"`.
    pub version: u32,
    /// Every moderation of the case, in force or reverted (the original text stays in
    /// `description` for staff).
    pub moderations: Vec<ModerationView>,
}

impl StaffReport {
    pub fn new(r: &Report, now: i64) -> StaffReport {
        let mut public = PublicReport::from(r);
        // Staff who may work on the case see where it is.
        public.point = [r.lon, r.lat];
        StaffReport {
            public,
            reporter_name: r.reporter_name.clone(),
            reporter_phone: r.reporter_phone.clone(),
            micro_grid_id: r.routed.micro_grid_id.clone(),
            street_id: r.routed.street_id.clone(),
            dispatched_at: r.dispatched_at,
            resolved_at: r.resolved_at,
            external_id: r.external_id.clone(),
            unit_id: r.duty.unit_id.clone(),
            response_due_at: r.response_due_at(),
            responded_at: r.duty.responded_at,
            original_deadline_at: r.duty.original_deadline_at,
            due_at: r.stage_due_at(),
            overdue: r.is_overdue(now),
            extension_requested_to: r.duty.extension_requested_to,
            supervised_at: r.duty.supervised_at,
            resolved_by: r.duty.resolved_by,
            reopened: r.duty.reopened,
            notify: r.notify,
            rating: r.rating,
            rated_at: r.rated_at,
            unsatisfied: r.unsatisfied,
            version: r.version,
            moderations: Vec::new(),
        }
    }
}

/// A case as staff see it, with its whole audit trail (actors and notes included).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffCase {
    pub report: StaffReport,
    #[schema(value_type = Vec<crate::services::schemas::ReportEventSchema>)]
    pub history: Vec<ReportEvent>,
    /// The states it may move to next.
    #[schema(value_type = Vec<CaseState>)]
    pub next_states: &'static [CaseState],
    /// The tier an escalation would move it to, if any.
    pub escalates_to: Option<Tier>,
    /// What this token may do to the case now (the staff view's buttons).
    pub actions: Vec<Action>,
    /// The responding unit (`report.unit_id`), as the units layer names it.
    pub unit: Option<UnitCard>,
    /// Every unit serving the case's place, for dispatching or reassigning elsewhere.
    pub unit_choices: Vec<UnitCard>,
}

/// A responding unit as the staff view shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCard {
    pub id: String,
    pub name: String,
    pub kind: UnitKind,
    pub kind_label: &'static str,
    /// A public work phone.
    pub phone: Option<String>,
}

impl From<&Unit> for UnitCard {
    fn from(unit: &Unit) -> UnitCard {
        UnitCard {
            id: unit.id.clone(),
            name: unit.name.clone(),
            kind: unit.kind,
            kind_label: unit.kind.label_zh(),
            phone: unit.phone.clone(),
        }
    }
}

/// A case as its reader may see it: the staff view for staff who may work on it, else the
/// public one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // One per answer, built and serialised at once: boxing buys nothing.
pub enum CaseView {
    Staff(StaffCase),
    Public(PublicCase),
}

impl CaseView {
    /// The case's version, for its `ETag`.
    pub fn version(&self) -> u32 {
        match self {
            CaseView::Staff(case) => case.report.version,
            CaseView::Public(case) => case.version,
        }
    }
}
