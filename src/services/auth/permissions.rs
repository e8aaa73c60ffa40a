//! Who may do what to which case: the permission matrix of issue 15, pure so that every
//! action × role pair is testable without a database.
//!
//! A move needs the right role first, then the case inside the token's scope (its area, or
//! for a handler its unit). Nobody verifies a case they resolved themselves.

use crate::model::reports::{Action, Report, Role};
use crate::model::scope::TokenScope;
use crate::services::ServiceError;

use super::Staff;

/// Where a case is and who holds it: what the matrix looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CaseScope<'a> {
    pub grid_id: Option<&'a str>,
    pub micro_grid_id: Option<&'a str>,
    pub community_id: Option<&'a str>,
    pub street_id: Option<&'a str>,
    /// The unit the case is dispatched to; `None` before dispatch.
    pub unit_id: Option<&'a str>,
    /// The token that resolved the case last, if any.
    pub resolved_by: Option<i64>,
}

impl<'a> CaseScope<'a> {
    /// A stored case's place, unit and resolver.
    pub fn of(report: &'a Report) -> CaseScope<'a> {
        CaseScope {
            grid_id: Some(&report.routed.grid_id),
            micro_grid_id: report.routed.micro_grid_id.as_deref(),
            community_id: Some(&report.routed.community_id),
            street_id: Some(&report.routed.street_id),
            // The unit routing suggests holds nothing until the case is dispatched to it.
            unit_id: report.dispatched_at.and(report.duty.unit_id.as_deref()),
            resolved_by: report.duty.resolved_by,
        }
    }

    /// Whether the case lies in `scope` (for a unit: is dispatched to it).
    fn within(&self, scope: &TokenScope) -> bool {
        match scope {
            TokenScope::Everywhere => true,
            TokenScope::Unit(unit) => self.unit_id == Some(unit),
            TokenScope::Grid(grid) => self.grid_id == Some(grid) || self.micro_grid_id == Some(grid),
            TokenScope::Community(community) => self.community_id == Some(community),
            TokenScope::Street(street) => self.street_id == Some(street),
        }
    }

    /// The case's place in the terms of `scope`, for refusals: "grid G1", "unit U3" …
    fn described_as(&self, scope: &TokenScope) -> String {
        let (kind, id) = match scope {
            TokenScope::Everywhere => return "everywhere".into(),
            TokenScope::Unit(_) => ("unit", self.unit_id),
            TokenScope::Grid(_) => ("grid", self.grid_id),
            TokenScope::Community(_) => ("community", self.community_id),
            TokenScope::Street(_) => ("street", self.street_id),
        };
        match (kind, id) {
            ("unit", None) => "with no unit yet".into(),
            (kind, None) => format!("in no {kind}"),
            ("unit", Some(unit)) => format!("with unit {unit}"),
            (kind, Some(id)) => format!("in {kind} {id}"),
        }
    }
}

/// The roles that may take `action`, admins always included (but in the reporter's own
/// actions, which no staff token takes). Official is in no list: it
/// reads, and makes no moves.
fn roles_for(action: Action) -> &'static [Role] {
    use Role::*;
    match action {
        Action::Accept | Action::Reject | Action::MarkDuplicate | Action::Dispatch | Action::Reassign => &[Dispatcher, Admin],
        Action::Escalate => &[Dispatcher, Supervisor, Admin],
        Action::Start | Action::Resolve | Action::RequestExtension | Action::Return => &[Handler, Admin],
        Action::Verify | Action::Reopen => &[Supervisor, GridWorker, Admin],
        Action::Close | Action::Supervise | Action::ApproveExtension | Action::RefuseExtension => &[Supervisor, Admin],
        Action::Submit => &[GridWorker, Admin],
        // 回访: whoever calls reporters back.
        Action::ReturnVisit => &[Dispatcher, Supervisor, Admin],
        // The reporter's own, through the follow-up link: no staff token takes these.
        Action::Comment | Action::Rate => &[],
        Action::Support => Role::ALL,
        Action::Moderate => &[Supervisor, Admin],
        // Undoing a supervisor's moderation is an admin's call alone.
        Action::Unmoderate => &[Admin],
    }
}

/// Whether `staff` may take `action` on `case`: the right role, then the case in the
/// token's scope, and never verifying (or failing) a case the token resolved itself.
pub fn may_act(staff: &Staff, action: Action, case: &CaseScope) -> Result<(), ServiceError> {
    let roles = roles_for(action);
    if roles.is_empty() {
        return Err(ServiceError::Forbidden(format!(
            "{action} is the reporter's own, on their follow-up link: no staff token takes it, admin included; this token is {}",
            staff.role
        )));
    }
    if !roles.contains(&staff.role) {
        let names = roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ");
        return Err(ServiceError::Forbidden(format!("{action} needs the role {names}; this token is {}", staff.role)));
    }
    // Anyone may say they have the problem too, wherever it is.
    if action == Action::Support {
        return Ok(());
    }
    if !case.within(&staff.scope) {
        return Err(outside_scope(staff, case));
    }
    if matches!(action, Action::Verify | Action::Reopen) && case.resolved_by == Some(staff.token_id) {
        return Err(ServiceError::Forbidden("you resolved this case; someone else verifies".into()));
    }
    Ok(())
}

/// Whether `staff` may read `case` with its private fields: anything inside the token's
/// scope (everywhere for admins and unscoped officials, a handler's unit's cases).
pub fn may_read(staff: &Staff, case: &CaseScope) -> bool {
    case.within(&staff.scope)
}

/// The roles that may export an area's cases (public fields): those who read areas rather
/// than work one unit's or grid's queue.
pub const EXPORT_ROLES: [Role; 4] = [Role::Official, Role::Supervisor, Role::Dispatcher, Role::Admin];

/// Whether `staff` may export cases at all.
pub fn may_export(staff: &Staff) -> Result<(), ServiceError> {
    if EXPORT_ROLES.contains(&staff.role) {
        return Ok(());
    }
    let names = EXPORT_ROLES.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ");
    Err(ServiceError::Forbidden(format!("exporting cases needs the role {names}; this token is {}", staff.role)))
}

/// Whether an export by `staff` carries `case`'s reporter name and phone: only for admins and
/// for dispatchers (who call reporters back) inside their scope. A bulk file travels further
/// than one case on a screen, so officials and supervisors export the public fields only.
pub fn may_export_private(staff: &Staff, case: &CaseScope) -> bool {
    matches!(staff.role, Role::Admin | Role::Dispatcher) && case.within(&staff.scope)
}

/// Every action `role` may take somewhere, in the vocabulary's order: for `/api/me` and the
/// staff view's buttons.
pub fn actions_for(role: Role) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|&action| roles_for(action).contains(&role)).collect()
}

/// Why a case outside the token's scope is refused, for reads that must name it.
pub fn outside_scope(staff: &Staff, case: &CaseScope) -> ServiceError {
    ServiceError::Forbidden(format!("the case is {}; this token works in {}", case.described_as(&staff.scope), staff.scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix as the brief writes it, one row per action with a mark per role in the
    /// order dispatcher, handler, supervisor, grid_worker, official, admin. A change to the
    /// rules shows here.
    const MATRIX: &[(Action, [bool; 6])] = {
        const X: bool = true;
        const O: bool = false;
        &[
            (Action::Submit, [O, O, O, X, O, X]),
            (Action::Accept, [X, O, O, O, O, X]),
            (Action::Dispatch, [X, O, O, O, O, X]),
            (Action::Start, [O, X, O, O, O, X]),
            (Action::Resolve, [O, X, O, O, O, X]),
            (Action::Verify, [O, O, X, X, O, X]),
            (Action::Close, [O, O, X, O, O, X]),
            (Action::Reject, [X, O, O, O, O, X]),
            (Action::MarkDuplicate, [X, O, O, O, O, X]),
            (Action::Reopen, [O, O, X, X, O, X]),
            (Action::Escalate, [X, O, X, O, O, X]),
            (Action::Support, [X, X, X, X, X, X]),
            (Action::Reassign, [X, O, O, O, O, X]),
            (Action::Return, [O, X, O, O, O, X]),
            (Action::RequestExtension, [O, X, O, O, O, X]),
            (Action::ApproveExtension, [O, O, X, O, O, X]),
            (Action::RefuseExtension, [O, O, X, O, O, X]),
            (Action::Supervise, [O, O, X, O, O, X]),
            // The reporter's, through the follow-up link; no staff token.
            (Action::Comment, [O, O, O, O, O, O]),
            (Action::Rate, [O, O, O, O, O, O]),
            (Action::ReturnVisit, [X, O, X, O, O, X]),
            (Action::Moderate, [O, O, X, O, O, X]),
            (Action::Unmoderate, [O, O, O, O, O, X]),
        ]
    };

    const CASE: CaseScope<'static> = CaseScope {
        grid_id: Some("G1"),
        micro_grid_id: Some("G1-3"),
        community_id: Some("C1"),
        street_id: Some("S1"),
        unit_id: Some("U1"),
        resolved_by: Some(99),
    };

    fn staff(role: Role, scope: TokenScope) -> Staff {
        Staff { token_id: 1, role, scope, label: "测试".into(), expires_at: None }
    }

    /// A token of `role` whose scope holds [`CASE`].
    fn at_home(role: Role) -> Staff {
        let scope = match role {
            Role::Dispatcher => TokenScope::Community("C1".into()),
            Role::Handler => TokenScope::Unit("U1".into()),
            Role::Supervisor => TokenScope::Street("S1".into()),
            Role::GridWorker => TokenScope::Grid("G1".into()),
            Role::Official | Role::Admin => TokenScope::Everywhere,
        };
        staff(role, scope)
    }

    #[test]
    fn exports_need_a_reading_role_and_private_fields_a_dispatcher_in_scope() {
        for role in Role::ALL.iter().copied() {
            let allowed = matches!(role, Role::Official | Role::Supervisor | Role::Dispatcher | Role::Admin);
            assert_eq!(may_export(&at_home(role)).is_ok(), allowed, "{role}");
            assert_eq!(may_export_private(&at_home(role), &CASE), matches!(role, Role::Dispatcher | Role::Admin), "{role}");
        }
        let elsewhere = staff(Role::Dispatcher, TokenScope::Community("C2".into()));
        assert!(!may_export_private(&elsewhere, &CASE), "a dispatcher of another community");
    }

    #[test]
    fn every_action_by_every_role_follows_the_matrix() {
        assert_eq!(MATRIX.len(), Action::ALL.len(), "every action has a row");
        assert_eq!(Role::ALL.len(), 6);
        for &(action, marks) in MATRIX {
            for (&role, allowed) in Role::ALL.iter().zip(marks) {
                let answer = may_act(&at_home(role), action, &CASE);
                assert_eq!(answer.is_ok(), allowed, "{action} by {role}: {answer:?}");
                if let Err(refusal) = answer {
                    let message = refusal.to_string();
                    assert!(matches!(refusal, ServiceError::Forbidden(_)), "{message}");
                    assert!(message.contains(&format!("this token is {role}")), "{message}");
                    assert!(message.contains("admin"), "{message}");
                }
            }
            let expected: Vec<Role> = Role::ALL.iter().zip(marks).filter(|(_, allowed)| *allowed).map(|(&r, _)| r).collect();
            let listed: Vec<Role> = Role::ALL.iter().copied().filter(|&r| actions_for(r).contains(&action)).collect();
            assert_eq!(listed, expected, "actions_for agrees with may_act on {action}");
        }
    }

    #[test]
    fn the_right_role_in_the_wrong_place_is_refused_naming_both_places() {
        let elsewhere = [
            (Action::Accept, staff(Role::Dispatcher, TokenScope::Community("C2".into())), "community C1", "community C2"),
            (Action::Escalate, staff(Role::Supervisor, TokenScope::Street("S2".into())), "street S1", "street S2"),
            (Action::Resolve, staff(Role::Handler, TokenScope::Unit("U2".into())), "unit U1", "unit U2"),
            (Action::Verify, staff(Role::GridWorker, TokenScope::Grid("G2".into())), "grid G1", "grid G2"),
        ];
        for (action, staff, case_place, token_place) in elsewhere {
            let message = may_act(&staff, action, &CASE).unwrap_err().to_string();
            assert!(message.contains(case_place) && message.contains(token_place), "{message}");
            assert!(!may_read(&staff, &CASE));
        }
        let undispatched = CaseScope { unit_id: None, ..CASE };
        let message = may_act(&at_home(Role::Handler), Action::Start, &undispatched).unwrap_err().to_string();
        assert!(message.contains("no unit yet"), "{message}");
        assert!(may_act(&staff(Role::GridWorker, TokenScope::Grid("G1-3".into())), Action::Verify, &CASE).is_ok(), "a micro-grid's worker");
    }

    #[test]
    fn nobody_verifies_what_they_resolved() {
        for role in [Role::Supervisor, Role::GridWorker, Role::Admin] {
            let resolver = Staff { token_id: 99, ..at_home(role) };
            for action in [Action::Verify, Action::Reopen] {
                let message = may_act(&resolver, action, &CASE).unwrap_err().to_string();
                assert!(message.contains("you resolved this case; someone else verifies"), "{message}");
            }
            assert!(may_act(&resolver, Action::Close, &CASE).is_ok() || role == Role::GridWorker);
        }
    }

    #[test]
    fn reading_follows_the_scope() {
        for &role in Role::ALL {
            assert!(may_read(&at_home(role), &CASE), "{role} reads its own");
        }
        assert!(may_read(&staff(Role::Official, TokenScope::Street("S1".into())), &CASE));
        assert!(!may_read(&staff(Role::Official, TokenScope::Street("S2".into())), &CASE));
        assert!(!may_read(&staff(Role::Handler, TokenScope::Unit("U1".into())), &CaseScope { unit_id: None, ..CASE }));
        assert!(may_act(&staff(Role::Handler, TokenScope::Unit("U9".into())), Action::Support, &CASE).is_ok(), "support anywhere");
    }
}
