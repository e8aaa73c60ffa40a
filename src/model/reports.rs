//! The vocabulary of problem reports: categories (高频问题), sources, the "一呼四应"
//! response tiers and the GB/T 30428 case states with their legal moves.

use std::time::Duration;

use serde::Serialize;

use super::scope::TokenScope;
use super::vocabulary::vocabulary;

vocabulary! {
    /// What a report is about.
    Category {
        Parking = "parking" / "停车" / "parking",
        ElevatorInstallation = "elevator_installation" / "加装电梯" / "elevator installation",
        Pets = "pets" / "不文明养宠" / "pets",
        PropertyService = "property_service" / "物业服务" / "property service",
        Sanitation = "sanitation" / "环境卫生" / "sanitation",
        EbikeCharging = "ebike_charging" / "飞线充电" / "e-bike charging",
        IllegalConstruction = "illegal_construction" / "违章搭建" / "illegal construction",
        Noise = "noise" / "噪音" / "noise",
        PublicRevenue = "public_revenue" / "公共收益" / "public revenue",
        NeighbourDispute = "neighbour_dispute" / "邻里纠纷" / "neighbour dispute",
        SafetyHazard = "safety_hazard" / "安全隐患" / "safety hazard",
        Other = "other" / "其他" / "other",
    }
}

vocabulary! {
    /// Where a report came from.
    Source {
        Resident = "resident" / "居民上报" / "resident",
        Hotline12345 = "hotline_12345" / "12345热线" / "12345 hotline",
        Patrol = "patrol" / "网格员巡查" / "grid-worker patrol",
        SuggestionBox = "suggestion_box" / "意见箱" / "suggestion box",
    }
}

vocabulary! {
    /// The "一呼四应" tiers, lowest first: who answers a matter of this size.
    Tier {
        Neighbourhood = "neighbourhood" / "邻里事·楼栋长应" / "neighbourhood matter: building head",
        Property = "property" / "物业事·物业应" / "property matter: property company",
        Public = "public" / "公共事·议事会应" / "public matter: residents' council",
        Community = "community" / "大难事·社区街道应" / "big difficulty: community and street",
    }
}

vocabulary! {
    /// Case states after GB/T 30428: 受理 → 立案 → 派遣 → 处置 → 反馈 → 核查结案,
    /// plus rejected and duplicate.
    CaseState {
        Received = "received" / "已受理" / "received",
        Accepted = "accepted" / "已立案" / "accepted",
        Dispatched = "dispatched" / "已派遣" / "dispatched",
        InProgress = "in_progress" / "处置中" / "in progress",
        Resolved = "resolved" / "已处置" / "resolved",
        Verified = "verified" / "已核查" / "verified",
        Closed = "closed" / "已结案" / "closed",
        Rejected = "rejected" / "不予立案" / "rejected",
        Duplicate = "duplicate" / "重复件" / "duplicate",
    }
}

vocabulary! {
    /// What the audit trail says was done; the labels are also the staff view's buttons.
    Action {
        Submit = "submit" / "上报" / "report filed",
        Accept = "accept" / "立案" / "accept",
        Dispatch = "dispatch" / "派遣" / "dispatch",
        Start = "start" / "开始处置" / "start work",
        Resolve = "resolve" / "处置完成" / "resolve",
        Verify = "verify" / "核查通过" / "verify",
        Close = "close" / "结案" / "close",
        Reject = "reject" / "不予立案" / "reject",
        MarkDuplicate = "mark_duplicate" / "标记重复件" / "mark as duplicate",
        Reopen = "reopen" / "核查未通过，重新处置" / "verification failed, reopened",
        Escalate = "escalate" / "上升一级" / "escalate",
        Support = "support" / "有人也遇到" / "someone else too",
        Reassign = "reassign" / "改派" / "reassign",
        Return = "return" / "回退" / "send back",
        RequestExtension = "request_extension" / "申请延期" / "ask for more time",
        ApproveExtension = "approve_extension" / "批准延期" / "approve the extension",
        RefuseExtension = "refuse_extension" / "驳回延期" / "refuse the extension",
        Supervise = "supervise" / "督办" / "supervise",
        Comment = "comment" / "居民留言" / "reporter's comment",
        Rate = "rate" / "评价" / "rating",
        ReturnVisit = "return_visit" / "回访" / "return visit",
        Moderate = "moderate" / "内容审核" / "moderate content",
        Unmoderate = "unmoderate" / "撤销审核" / "revert a moderation",
    }
}

vocabulary! {
    /// The reporter's satisfaction with a resolution (回访满意度): given on the follow-up
    /// link or recorded by staff on a phone return visit. `unrated` is never sent: it is what
    /// verification records when the reporter let [`RATE_WITHIN`] pass.
    Rating {
        Satisfied = "satisfied" / "满意" / "satisfied",
        BasicallySatisfied = "basically_satisfied" / "基本满意" / "basically satisfied",
        Unsatisfied = "unsatisfied" / "不满意" / "unsatisfied",
        Unrated = "unrated" / "未评价" / "not rated",
    }
}

impl Rating {
    /// 满意 or 基本满意: the resolution may be verified and closed.
    pub fn is_content(self) -> bool {
        matches!(self, Rating::Satisfied | Rating::BasicallySatisfied)
    }
}

vocabulary! {
    /// Open311's two statuses, which the planner filters on: work still owed, or not.
    CaseStatus {
        Open = "open" / "未办结" / "open",
        Closed = "closed" / "已办结" / "closed",
    }
}

const HOUR: u64 = 3_600;
const DAY: u64 = 24 * HOUR;

/// Time the verifier (a supervisor or the grid worker) has after a resolution to verify it,
/// and then to close it.
pub const VERIFY_WITHIN: Duration = Duration::from_secs(3 * DAY);

/// Time a resident who filed a case has after its resolution to rate it; until then a
/// resident's case is verified only after a 满意 or 基本满意 rating, after it as 未评价.
pub const RATE_WITHIN: Duration = Duration::from_secs(7 * DAY);

impl Category {
    /// The tier a report of this category goes to unless staff escalate it.
    pub fn default_tier(self) -> Tier {
        match self {
            Category::Pets | Category::Noise | Category::NeighbourDispute => Tier::Neighbourhood,
            Category::Parking | Category::PropertyService | Category::Sanitation | Category::EbikeCharging => Tier::Property,
            Category::ElevatorInstallation | Category::PublicRevenue => Tier::Public,
            Category::IllegalConstruction | Category::SafetyHazard | Category::Other => Tier::Community,
        }
    }

    /// Time allowed from dispatch to resolution.
    pub fn deadline(self) -> Duration {
        Duration::from_secs(match self {
            Category::Sanitation | Category::EbikeCharging | Category::SafetyHazard => DAY,
            Category::Pets | Category::Noise | Category::PropertyService => 2 * DAY,
            Category::Parking | Category::NeighbourDispute => 3 * DAY,
            Category::Other => 5 * DAY,
            Category::IllegalConstruction => 7 * DAY,
            Category::PublicRevenue => 15 * DAY,
            // Building consent and design take weeks; the deadline is for a first answer plan.
            Category::ElevatorInstallation => 30 * DAY,
        })
    }

    /// Built-in time to answer a case from receipt (accept or reject it and dispatch it):
    /// urgent matters within hours. The seed of the category settings.
    pub fn response_time(self) -> Duration {
        Duration::from_secs(match self {
            Category::SafetyHazard => 2 * HOUR,
            Category::EbikeCharging => 4 * HOUR,
            Category::Sanitation | Category::Noise => 12 * HOUR,
            Category::ElevatorInstallation | Category::PublicRevenue => 3 * DAY,
            _ => DAY,
        })
    }

    /// When a case of this category dispatched at `dispatched_at` is due (Unix seconds):
    /// deadlines run from dispatch (GB/T 30428).
    pub fn deadline_after(self, dispatched_at: i64) -> i64 {
        dispatched_at.saturating_add(self.deadline().as_secs() as i64)
    }
}

/// 按时办结: a closed case counts as on time when it was resolved by its deadline. The one
/// rule for live closures, imported histories and the demo, so the on-time rate means the
/// same thing everywhere. Times are Unix seconds. A case never dispatched has no deadline,
/// and one never resolved has no resolution time: neither can be judged (`None`).
pub fn closure_on_time(deadline_at: Option<i64>, resolved_at: Option<i64>) -> Option<bool> {
    Some(resolved_at? <= deadline_at?)
}

impl Tier {
    /// The next tier up, if any (staff escalate one step at a time).
    pub fn escalated(self) -> Option<Tier> {
        match self {
            Tier::Neighbourhood => Some(Tier::Property),
            Tier::Property => Some(Tier::Public),
            Tier::Public => Some(Tier::Community),
            Tier::Community => None,
        }
    }
}

impl CaseState {
    /// The states a case may move to from this one.
    pub fn next_states(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            Received => &[Accepted, Rejected, Duplicate],
            Accepted => &[Dispatched, Rejected, Duplicate],
            // A unit sends a case it cannot handle back to the dispatcher (回退).
            Dispatched => &[InProgress, Accepted, Duplicate],
            InProgress => &[Resolved, Accepted],
            // Verification can fail: the case goes back to the responder.
            Resolved => &[Verified, InProgress],
            Verified => &[Closed],
            Closed | Rejected | Duplicate => &[],
        }
    }

    /// What the audit trail calls the move into this state (live and imported alike).
    pub fn action(self) -> &'static str {
        self.move_action().as_str()
    }

    /// The move into this state as an [`Action`] (a failed verification's move back to
    /// in-progress is recorded as [`Action::Reopen`] instead).
    pub fn move_action(self) -> Action {
        match self {
            CaseState::Received => Action::Submit,
            CaseState::Accepted => Action::Accept,
            CaseState::Dispatched => Action::Dispatch,
            CaseState::InProgress => Action::Start,
            CaseState::Resolved => Action::Resolve,
            CaseState::Verified => Action::Verify,
            CaseState::Closed => Action::Close,
            CaseState::Rejected => Action::Reject,
            CaseState::Duplicate => Action::MarkDuplicate,
        }
    }

    /// What a move from this state to `next` is called: the state's own action, except a
    /// failed verification ([`Action::Reopen`]) and a unit sending a case back ([`Action::Return`]).
    pub fn action_to(self, next: CaseState) -> Action {
        match (self, next) {
            (CaseState::Resolved, CaseState::InProgress) => Action::Reopen,
            (CaseState::Dispatched | CaseState::InProgress, CaseState::Accepted) => Action::Return,
            _ => next.move_action(),
        }
    }

    pub fn can_move_to(self, next: CaseState) -> bool {
        self.next_states().contains(&next)
    }

    /// No further moves.
    pub fn is_final(self) -> bool {
        self.next_states().is_empty()
    }

    /// Open311 status, after FixMyStreet: work still owed is `open`, everything else `closed`.
    pub fn open311_status(self) -> &'static str {
        self.status().as_str()
    }

    /// Open or closed: work still owed is open.
    pub fn status(self) -> CaseStatus {
        match self {
            CaseState::Received | CaseState::Accepted | CaseState::Dispatched | CaseState::InProgress => CaseStatus::Open,
            _ => CaseStatus::Closed,
        }
    }
}

/// A report as stored. `reporter_name` and `reporter_phone` are private: public views
/// are built field by field and never include them. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub case_number: String,
    pub category: Category,
    pub source: Source,
    pub description: String,
    pub photo_url: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// WGS84 degrees.
    pub lon: f64,
    pub lat: f64,
    /// Where the point lies and who answers at the case's tier.
    pub routed: Routed,
    pub state: CaseState,
    /// Case number of the report this one duplicates.
    pub duplicate_of: Option<String>,
    pub supporters: u32,
    pub created_at: i64,
    pub dispatched_at: Option<i64>,
    pub deadline_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub on_time: Option<bool>,
    /// The case's number in the system it was imported from (a 12345 hotline ticket), if any.
    pub external_id: Option<String>,
    /// An optional second-level category (a GB/T 30428.2 style event subtype) under `category`.
    pub subcategory: Option<String>,
    /// Who is on the hook and by when.
    pub duty: Duty,
    /// Counts the writes to the case: 1 when filed, one more for every write since. A write
    /// names the version it read and is refused if the case moved meanwhile.
    pub version: u32,
    /// The reporter agreed to be told of the case's progress (the consent box; only
    /// meaningful with a phone).
    pub notify: bool,
    /// SHA-256 of the reporter's follow-up secret (`services::reports::follow`); `None` for
    /// imported cases, which have no follow-up link.
    pub follow_hash: Option<[u8; 32]>,
    /// The reporter's rating of the current resolution; cleared when a 不满意 reopens the
    /// case (the audit trail keeps every rating).
    pub rating: Option<Rating>,
    pub rated_at: Option<i64>,
    /// Times the reporter (or a return visit) said 不满意, each of which reopened the case.
    pub unsatisfied: u32,
}

/// Who is on the hook for a case and by when: the unit it is dispatched to, the time each
/// stage allows, and the marks that extensions, supervision (督办) and reopening leave. Times
/// are Unix seconds; durations are seconds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Duty {
    /// The responding unit: the one routing suggests until dispatch, the one dispatched to after.
    pub unit_id: Option<String>,
    /// Time allowed to answer (accept or reject) from receipt, as the category's settings
    /// said when the case was filed (a later change of the settings applies to new cases).
    pub response_secs: i64,
    /// Time allowed from dispatch to resolution, captured at filing like `response_secs`.
    pub resolution_secs: i64,
    /// When the case was first answered: accepted, rejected or marked a duplicate.
    pub responded_at: Option<i64>,
    /// The resolution deadline as first set at dispatch, before any extension.
    pub original_deadline_at: Option<i64>,
    /// A pending extension request: the deadline the handler asks for.
    pub extension_requested_to: Option<i64>,
    /// When the case was flagged for supervision (督办); cleared when it next changes state.
    pub supervised_at: Option<i64>,
    /// The staff token that resolved the case: it may not also verify it.
    pub resolved_by: Option<i64>,
    /// Times a resolution failed and the case went back to work (重办).
    pub reopened: u32,
}

impl Duty {
    /// A new case's duty: nobody assigned yet, and the time its category allows for each stage.
    pub fn allowing(response: Duration, resolution: Duration) -> Duty {
        Duty { response_secs: response.as_secs() as i64, resolution_secs: resolution.as_secs() as i64, ..Duty::default() }
    }
}

impl Report {
    /// When the answer was due: `response_secs` after receipt.
    pub fn response_due_at(&self) -> i64 {
        self.created_at.saturating_add(self.duty.response_secs)
    }

    /// 响应: answered (accepted, rejected, marked a duplicate) within the response deadline;
    /// `None` while unanswered.
    pub fn responded_on_time(&self) -> Option<bool> {
        Some(self.duty.responded_at? <= self.response_due_at())
    }

    /// When the stage the case is in falls due: answering and dispatching by the response
    /// deadline, resolving by the (extended) deadline, verifying and closing within
    /// [`VERIFY_WITHIN`] of the resolution. `None` once final. Stored beside the case as
    /// `due_at`, so that queues find overdue cases at every stage with one index.
    pub fn stage_due_at(&self) -> Option<i64> {
        match self.state {
            CaseState::Received | CaseState::Accepted => Some(self.response_due_at()),
            CaseState::Dispatched | CaseState::InProgress => self.deadline_at,
            CaseState::Resolved | CaseState::Verified => self.resolved_at.map(|t| t.saturating_add(VERIFY_WITHIN.as_secs() as i64)),
            CaseState::Closed | CaseState::Rejected | CaseState::Duplicate => None,
        }
    }

    /// Whether the stage the case is in was due before `now`.
    pub fn is_overdue(&self, now: i64) -> bool {
        self.stage_due_at().is_some_and(|due| due < now)
    }
}

/// Where a report's point lies (building, compound and the grid chain) and who answers it at
/// its tier: what "一呼四应" routing decides, and what a report keeps of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routed {
    pub tier: Tier,
    /// A person or body, as the resident will see it.
    pub responder: String,
    /// The responder's public work phone, when there is one.
    pub responder_phone: Option<String>,
    pub building_id: Option<String>,
    pub compound_id: Option<String>,
    /// The finest grid (usually a micro-grid) and the grid that owns the case.
    pub micro_grid_id: Option<String>,
    pub grid_id: String,
    pub community_id: String,
    pub street_id: String,
}

/// A case as another system recorded it (a 12345 hotline export, the demo generator): what
/// happened and when, before Minsheng routes it and writes its audit trail. Times are Unix
/// seconds; the point is WGS84 degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// The case's number in the system it comes from; unique.
    pub external_id: String,
    pub category: Category,
    /// A subcategory's own word under `category`, if the source names one.
    pub subcategory: Option<String>,
    pub source: Source,
    pub description: String,
    pub photo_url: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub lon: f64,
    pub lat: f64,
    /// Where the case stands now.
    pub state: CaseState,
    pub created_at: i64,
    /// When it was first answered (accepted or turned away), if the system recorded it.
    pub responded_at: Option<i64>,
    pub dispatched_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// When the case ended: closed, rejected or marked a duplicate.
    pub closed_at: Option<i64>,
    /// The case this one repeats: an external id (of the same batch or stored) or a case number.
    pub duplicate_of: Option<String>,
    /// The unit that handled it, by id or by name as the units layer has it; `None`: the
    /// unit routing picks for the place and tier.
    pub unit: Option<String>,
}

/// A report's analysis fields (for heat maps, hexagons and rankings), as the store hands
/// them over.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub category: Category,
    pub state: CaseState,
    pub created_at: i64,
    pub compound_id: Option<String>,
    pub grid_id: String,
    pub community_id: String,
    pub street_id: String,
    /// What the performance board measures.
    pub times: CaseTimes,
}

/// What the performance board measures of a case: who had it, and when each step was due
/// and done (Unix seconds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseTimes {
    pub unit_id: Option<String>,
    /// When the answer was due and when it came.
    pub response_due_at: i64,
    pub responded_at: Option<i64>,
    pub dispatched_at: Option<i64>,
    /// The resolution deadline after extensions, and as first set.
    pub deadline_at: Option<i64>,
    pub original_deadline_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub on_time: Option<bool>,
    pub reopened: u32,
    /// The rating of the last resolution, and the 不满意 ratings before it.
    pub rating: Option<Rating>,
    pub unsatisfied: u32,
}

/// One line of a case's audit trail: who did what, when, from which state to which.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ReportEvent {
    /// The event's row id; 0 until stored.
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub from_state: Option<CaseState>,
    pub to_state: Option<CaseState>,
    /// Internal note: staff only.
    pub note: Option<String>,
    /// 公开答复: a public reply to the reporter (or the reporter's own comment), shown in the
    /// public history.
    pub reply: Option<String>,
    /// The rating a `rate`, `return_visit` or rating-caused `reopen` event recorded.
    pub rating: Option<Rating>,
}

vocabulary! {
    /// Who a staff token is, one per step of the workflow: a dispatcher takes cases in and
    /// sends them to a unit, a handler at that unit does the work, a supervisor checks and
    /// closes it, a grid worker patrols one grid, an official reads, an admin does all and
    /// manages tokens. What each may do is `services::auth::permissions`.
    Role {
        Dispatcher = "dispatcher" / "派遣员" / "dispatcher",
        Handler = "handler" / "处置人员" / "handler",
        Supervisor = "supervisor" / "督办员" / "supervisor",
        GridWorker = "grid_worker" / "网格员" / "grid worker",
        Official = "official" / "街道/社区干部" / "official",
        Admin = "admin" / "管理员" / "administrator",
    }
}

/// A staff API token as stored: never the secret itself, only who it is for. Times are Unix
/// seconds (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StaffToken {
    pub id: i64,
    pub role: Role,
    /// Where (or for which unit) the token acts.
    pub scope: TokenScope,
    pub label: String,
    pub created_at: i64,
    /// When it stops working; `None`: never.
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reaches_a_final_state_and_final_states_stay() {
        for &start in CaseState::ALL {
            // Walk the first listed move until nothing is left; must end within the state count.
            let mut state = start;
            for _ in 0..CaseState::ALL.len() {
                match state.next_states().first() {
                    Some(&next) => state = next,
                    None => break,
                }
            }
            assert!(state.is_final(), "{start} does not reach a final state");
        }
        assert!(CaseState::Closed.is_final() && CaseState::Rejected.is_final() && CaseState::Duplicate.is_final());
    }

    #[test]
    fn the_workflow_follows_gb_t_30428() {
        use CaseState::*;
        let path = [Received, Accepted, Dispatched, InProgress, Resolved, Verified, Closed];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} → {}", pair[0], pair[1]);
        }
        assert!(!Received.can_move_to(Dispatched), "a case is accepted before it is dispatched");
        assert!(!InProgress.can_move_to(Closed), "closing needs resolution and verification");
        assert!(Resolved.can_move_to(InProgress), "failed verification reopens");
        assert!(!Closed.can_move_to(InProgress));
        assert_eq!(InProgress.open311_status(), "open");
        assert_eq!(Duplicate.open311_status(), "closed");
    }

    #[test]
    fn serde_uses_the_wire_words() {
        for &source in Source::ALL {
            let text = serde_json::to_string(&source).unwrap();
            assert_eq!(text, format!("\"{}\"", source.as_str()));
            assert_eq!(serde_json::from_str::<Source>(&text).unwrap(), source);
        }
        assert!(serde_json::from_str::<Source>("\"hotline12345\"").unwrap_err().to_string().contains("hotline_12345"));
    }

    #[test]
    fn categories_route_to_the_tiers_residents_expect() {
        assert_eq!(Category::ElevatorInstallation.default_tier(), Tier::Public);
        assert_eq!(Category::Parking.default_tier(), Tier::Property);
        assert_eq!(Category::Pets.default_tier(), Tier::Neighbourhood);
        assert_eq!(Category::SafetyHazard.default_tier(), Tier::Community);
        assert!(Category::SafetyHazard.deadline() < Category::Parking.deadline());
        assert_eq!(Tier::Neighbourhood.escalated(), Some(Tier::Property));
        assert_eq!(Tier::Community.escalated(), None);
        assert_eq!(Category::ALL.len(), 12);
    }

    #[test]
    fn deadlines_run_from_dispatch_and_on_time_means_resolved_by_then() {
        let dispatched = 1_790_000_000;
        let due = Category::Parking.deadline_after(dispatched);
        assert_eq!(due - dispatched, 3 * 24 * 3_600);
        assert_eq!(closure_on_time(Some(due), Some(due)), Some(true));
        assert_eq!(closure_on_time(Some(due), Some(dispatched + 60)), Some(true));
        assert_eq!(closure_on_time(Some(due), Some(due + 1)), Some(false));
        assert_eq!(closure_on_time(None, Some(due)), None);
    }
}
