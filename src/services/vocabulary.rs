//! Every closed word list of the domain in one document, with Chinese and English labels:
//! what `/api/vocabulary` serves, so that the page (and any client) builds its menus,
//! legends and labels from the Rust lists instead of copies of them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::photos::{ModerationAction, ModerationTarget, PhotoStage};
use crate::model::reports::{Action, CaseState, CaseStatus, Category, Rating, Role, Source, Tier};
use crate::model::vocabulary::Word;
use crate::model::{CircleLevel, CompoundKind, ContactRole, DemandGroup, FacilityKind, GridLevel, Layer, SiteKind, StationLevel, UnitKind};
use crate::services::analytics::hotspots::HotSpotClass;
use crate::services::categories::Settings;

/// One word of a list: the code used on the wire and its labels.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Term {
    /// The snake_case word the API takes and answers (`parking`, `in_progress`).
    pub code: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
}

/// A report category as its settings are now (see `GET /api/categories`): labels, the
/// "一呼四应" tier a new case goes to, the time allowed after dispatch, and subcategories.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryTerm {
    pub code: &'static str,
    pub label_zh: String,
    pub label_en: String,
    /// The tier's code (see `tiers`).
    pub tier: &'static str,
    /// Hours from dispatch to the deadline (whole hours, rounded down).
    pub deadline_hours: u64,
    /// The subcategories a report may name (`subcategory`), by their own word.
    pub subcategories: Vec<SubcategoryTerm>,
}

/// A second-level category: its own word (the `subcategory` of a report) and labels.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SubcategoryTerm {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
}

/// A "一呼四应" response tier, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TierTerm {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// The tier an escalation moves to; null at the top.
    pub escalates_to: Option<&'static str>,
}

/// A case state of the GB/T 30428 workflow and its legal moves.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StateTerm {
    pub code: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// `open` (work still owed) or `closed` (see `statuses`).
    pub status: &'static str,
    /// The audit-trail action of the move into this state (see `actions`).
    pub action: &'static str,
    /// The states a case in this one may move to; empty for a final state.
    pub next_states: Vec<&'static str>,
}

/// Every closed list, each in the order the service uses it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Vocabulary {
    /// Report categories (高频问题).
    pub categories: Vec<CategoryTerm>,
    /// Where a report came from.
    pub sources: Vec<Term>,
    /// The "一呼四应" response tiers.
    pub tiers: Vec<TierTerm>,
    /// Case states and their moves.
    pub states: Vec<StateTerm>,
    /// Open or closed, as the planner filters and Open311 reports.
    pub statuses: Vec<Term>,
    /// What the audit trail says was done.
    pub actions: Vec<Term>,
    /// The reporter's satisfaction with a resolution (回访满意度).
    pub ratings: Vec<Term>,
    /// Kinds of service station and facility.
    pub facility_kinds: Vec<Term>,
    /// Place of a station in the "1+N+X" matrix.
    pub station_levels: Vec<Term>,
    /// The life circles of GB 50180-2018 (block, 5, 10, 15 minutes).
    pub circle_levels: Vec<Term>,
    /// Whom coverage counts: households, residents, the elderly, small children.
    pub demand_groups: Vec<Term>,
    /// What a candidate site for a new station is (public room, idle site, vacant room).
    pub site_kinds: Vec<Term>,
    /// Kinds of 小区 compound.
    pub compound_kinds: Vec<Term>,
    /// Roles on the public contact board.
    pub contact_roles: Vec<Term>,
    /// Kinds of 处置单位 responding unit.
    pub unit_kinds: Vec<Term>,
    /// Roles of staff tokens.
    pub staff_roles: Vec<Term>,
    /// 网格 and 微网格.
    pub grid_levels: Vec<Term>,
    /// The stored layers.
    pub layers: Vec<Term>,
    /// Getis-Ord Gi* classes of the hexagons.
    pub hot_spot_classes: Vec<Term>,
    /// When a case's photo was taken: with the report, or after the work.
    pub photo_stages: Vec<Term>,
    /// What a moderator may hide or redact.
    pub moderation_targets: Vec<Term>,
    /// Hiding or redacting.
    pub moderation_actions: Vec<Term>,
}

pub(crate) fn term<W: Word>(word: W) -> Term {
    Term { code: word.as_str(), label_zh: word.label_zh(), label_en: word.label_en() }
}

fn terms<W: Word>() -> Vec<Term> {
    W::all().iter().copied().map(term).collect()
}

/// The vocabulary as the model defines it, with the categories as their settings are now.
pub fn vocabulary(settings: &Settings) -> Vocabulary {
    Vocabulary {
        categories: Category::ALL
            .iter()
            .map(|&c| {
                let top = settings.top(c);
                let effective = settings.effective(c, None).expect("a top-level category needs no subcategory");
                let subcategories = settings
                    .children(c)
                    .map(|child| SubcategoryTerm {
                        code: child.key.split_once('/').map_or(child.key.as_str(), |(_, own)| own).to_owned(),
                        label_zh: child.label_zh.clone(),
                        label_en: child.label_en.clone(),
                    })
                    .collect();
                CategoryTerm {
                    code: c.as_str(),
                    label_zh: top.label_zh,
                    label_en: top.label_en,
                    tier: effective.tier.as_str(),
                    deadline_hours: effective.resolution_secs as u64 / 3_600,
                    subcategories,
                }
            })
            .collect(),
        sources: terms::<Source>(),
        tiers: Tier::ALL
            .iter()
            .map(|&t| TierTerm {
                code: t.as_str(),
                label_zh: t.label_zh(),
                label_en: t.label_en(),
                escalates_to: t.escalated().map(Tier::as_str),
            })
            .collect(),
        states: CaseState::ALL
            .iter()
            .map(|&s| StateTerm {
                code: s.as_str(),
                label_zh: s.label_zh(),
                label_en: s.label_en(),
                status: s.status().as_str(),
                action: s.action(),
                next_states: s.next_states().iter().map(|n| n.as_str()).collect(),
            })
            .collect(),
        statuses: terms::<CaseStatus>(),
        actions: terms::<Action>(),
        ratings: terms::<Rating>(),
        facility_kinds: terms::<FacilityKind>(),
        station_levels: terms::<StationLevel>(),
        circle_levels: terms::<CircleLevel>(),
        demand_groups: terms::<DemandGroup>(),
        site_kinds: terms::<SiteKind>(),
        compound_kinds: terms::<CompoundKind>(),
        contact_roles: terms::<ContactRole>(),
        unit_kinds: terms::<UnitKind>(),
        staff_roles: terms::<Role>(),
        grid_levels: terms::<GridLevel>(),
        layers: terms::<Layer>(),
        hot_spot_classes: terms::<HotSpotClass>(),
        photo_stages: terms::<PhotoStage>(),
        moderation_targets: terms::<ModerationTarget>(),
        moderation_actions: terms::<ModerationAction>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_complete_and_every_label_is_given_in_both_languages() {
        let v = vocabulary(&Settings::default());
        assert_eq!(v.categories.len(), Category::ALL.len());
        assert_eq!(v.states.len(), CaseState::ALL.len());
        let lists = [
            &v.sources,
            &v.statuses,
            &v.actions,
            &v.facility_kinds,
            &v.station_levels,
            &v.circle_levels,
            &v.demand_groups,
            &v.site_kinds,
            &v.compound_kinds,
            &v.contact_roles,
            &v.unit_kinds,
            &v.staff_roles,
            &v.grid_levels,
            &v.layers,
            &v.hot_spot_classes,
        ];
        let cjk = |text: &str| text.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c));
        for term in lists.iter().flat_map(|list| list.iter()) {
            assert!(cjk(term.label_zh), "{}: {:?} is not Chinese", term.code, term.label_zh);
            assert!(!term.label_en.is_empty() && !cjk(term.label_en), "{}: {:?} is not English", term.code, term.label_en);
        }
        for c in &v.categories {
            assert!(!cjk(&c.label_en) && cjk(&c.label_zh), "{}", c.code);
        }
    }

    #[test]
    fn moves_tiers_and_actions_refer_to_words_of_their_lists() {
        let v = vocabulary(&Settings::default());
        let states: Vec<_> = v.states.iter().map(|s| s.code).collect();
        let actions: Vec<_> = v.actions.iter().map(|a| a.code).collect();
        let statuses: Vec<_> = v.statuses.iter().map(|s| s.code).collect();
        for state in &v.states {
            assert!(state.next_states.iter().all(|n| states.contains(n)), "{}", state.code);
            assert!(actions.contains(&state.action) && statuses.contains(&state.status), "{}", state.code);
        }
        let received = &v.states[0];
        assert_eq!((received.code, received.next_states.as_slice()), ("received", ["accepted", "rejected", "duplicate"].as_slice()));
        let tiers: Vec<_> = v.tiers.iter().map(|t| t.code).collect();
        assert!(v.categories.iter().all(|c| tiers.contains(&c.tier)));
        let elevator = v.categories.iter().find(|c| c.code == "elevator_installation").unwrap();
        assert_eq!((elevator.tier, elevator.deadline_hours), ("public", 30 * 24));
        assert_eq!(v.tiers.last().unwrap().escalates_to, None);
        assert_eq!(v.tiers[0].escalates_to, Some("property"));
    }
}
