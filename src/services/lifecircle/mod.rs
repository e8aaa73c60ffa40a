//! The life-circle check (生活圈体检): every compound against what GB 50180-2018 expects
//! within its life circles ([`crate::model::lifecircle::Rules`]), kind by kind: the nearest
//! facility, the walk, pass or fail, and the people affected; a weighted score per compound,
//! with totals per community and street.
//!
//! A compound's walk to a kind is the walk within which the rules' `pass_share` of its people
//! of the kind's group live (a quantile of its buildings' walks to their nearest facility,
//! weighted by their people), so a pass means at least that share is within the limit; with
//! `pass_share` 1, every building must be. The farthest building's walk is reported beside
//! it. A compound without buildings is measured from its interior point.

pub mod areas;
pub mod check;
pub mod report;

use geo::InteriorPoint;
use serde::Serialize;
use utoipa::ToSchema;

use super::ServiceError;
use super::cost::Budget;
use crate::index::Snapshot;
use crate::model::lifecircle::{KindRule, Rules};
use crate::model::{CompoundKind, DemandGroup, FacilityKind, Layer};
use crate::network::Method;
use crate::services::coverage::choose_method;
use check::{KindAtCompound, check_kinds, group_of, missing, score};

/// Which area a check is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AreaRef {
    /// `compound`, `community` or `street`.
    pub level: &'static str,
    pub id: String,
    pub name: String,
}

/// A facility as the check names it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Facility {
    pub id: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// One facility kind's check for an area.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KindCheck {
    pub kind: FacilityKind,
    pub kind_label: &'static str,
    #[schema(value_type = String)]
    pub circle: crate::model::CircleLevel,
    pub circle_label: &'static str,
    pub limit_m: f64,
    /// The group counted in `demand` and `affected`.
    #[schema(value_type = String)]
    pub group: DemandGroup,
    pub required: bool,
    pub weight: f64,
    /// A compound's check only: the facility that the building at `walk_m` walks to (`null`
    /// when none lies within twice the limit).
    pub nearest: Option<Facility>,
    /// A compound's check only: the walk within which the rules' `pass_share` of its people
    /// of `group` live (their buildings' walks to their nearest facility, a quantile weighted
    /// by people), to 0.1 m (`null` beyond twice the limit).
    pub walk_m: Option<f64>,
    /// A compound's check only: the longest walk among its buildings to their nearest
    /// facility, to 0.1 m (`null` when some building has none within twice the limit).
    pub farthest_m: Option<f64>,
    /// A compound: its walk is within the limit (at least `pass_share` of its people are).
    /// An area: every compound passes.
    pub pass: bool,
    /// People of `group` in the area's buildings, and those beyond the limit.
    pub demand: f64,
    pub affected: f64,
    /// An area's check only: its compounds, and how many of them fail the kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compounds: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compounds_failing: Option<usize>,
}

/// A compound in an area's check.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundScore {
    pub id: String,
    pub name: String,
    pub score: f64,
    pub missing: Vec<FacilityKind>,
}

/// The check of a compound, community or street.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Check {
    pub area: AreaRef,
    /// A compound: the weight of the required kinds met over the weight of all required
    /// kinds (0–1). An area: the mean of its compounds' scores.
    pub score: f64,
    /// Required kinds, and how many are met (by every compound, for an area).
    pub required: usize,
    pub met: usize,
    /// The group asked for; `null` when each kind counts its own.
    #[schema(value_type = Option<String>)]
    pub group: Option<DemandGroup>,
    pub method: Method,
    pub method_note: Option<&'static str>,
    /// Every facility kind, in the vocabulary's order.
    pub kinds: Vec<KindCheck>,
    /// The required kinds not met (by some compound, for an area).
    pub missing: Vec<FacilityKind>,
    /// An area's check only: its compounds, lowest score first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compounds: Option<Vec<CompoundScore>>,
}

/// What a check is asked about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Question {
    pub group: Option<DemandGroup>,
    pub method: Option<Method>,
}

/// The check of one compound (by id).
pub fn check_compound(snapshot: &Snapshot, rules: &Rules, id: &str, question: Question, budget: &Budget) -> Result<Check, ServiceError> {
    let compound =
        snapshot.find(Layer::Compounds, id).ok_or_else(|| ServiceError::NotFound { layer: Layer::Compounds, id: id.to_owned() })?;
    let (method, method_note) = choose_method(snapshot, question.method);
    let results = check_kinds(snapshot, rules, question.group, method, &[compound], budget)?;
    let record = &snapshot.data.compounds[compound as usize];
    let (score, required, met) = score(rules, &results, 0);
    let kinds = rules.kinds.iter().zip(&results).map(|(rule, r)| compound_kind(snapshot, rule, question.group, &r[0])).collect();
    Ok(Check {
        area: AreaRef { level: "compound", id: record.id.clone(), name: record.name.clone() },
        score,
        required,
        met,
        group: question.group,
        method,
        method_note,
        kinds,
        missing: missing(rules, &results, 0),
        compounds: None,
    })
}

/// The walk to 0.1 m, as the answers give it.
pub fn round_m(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}

/// People to 0.1 (estimated groups are fractional).
pub fn round_people(n: f64) -> f64 {
    (n * 10.0).round() / 10.0
}

pub(crate) fn rule_fields(rule: &KindRule, group: Option<DemandGroup>) -> KindCheck {
    KindCheck {
        kind: rule.kind,
        kind_label: rule.kind.label_zh(),
        circle: rule.circle,
        circle_label: rule.circle.label_zh(),
        limit_m: rule.limit_m,
        group: group_of(rule, group),
        required: rule.required,
        weight: rule.weight,
        nearest: None,
        walk_m: None,
        farthest_m: None,
        pass: false,
        demand: 0.0,
        affected: 0.0,
        compounds: None,
        compounds_failing: None,
    }
}

fn compound_kind(snapshot: &Snapshot, rule: &KindRule, group: Option<DemandGroup>, at: &KindAtCompound) -> KindCheck {
    let found = at.walk_m.is_finite();
    KindCheck {
        nearest: at.nearest.filter(|_| found).map(|s| facility(snapshot, s)),
        walk_m: found.then(|| round_m(at.walk_m)),
        farthest_m: at.farthest_m.is_finite().then(|| round_m(at.farthest_m)),
        pass: at.pass(rule),
        demand: round_people(at.demand),
        affected: round_people(at.affected),
        ..rule_fields(rule, group)
    }
}

fn facility(snapshot: &Snapshot, station: u32) -> Facility {
    let s = &snapshot.data.stations[station as usize];
    let at = s.geometry.interior_point();
    Facility { id: s.id.clone(), name: s.name.clone(), lon: at.map_or(f64::NAN, |p| p.x()), lat: at.map_or(f64::NAN, |p| p.y()) }
}

/// One compound's line in the district-wide list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundLine {
    pub id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub kind: CompoundKind,
    pub community_id: Option<String>,
    pub score: f64,
    pub met: usize,
    pub required: usize,
    pub missing: Vec<FacilityKind>,
    pub missing_count: usize,
    /// The compound's people of the group asked for (residents when none is).
    pub demand: f64,
}

/// The district-wide check: every compound's score and missing kinds, in compound order,
/// with the method used.
pub fn check_all(
    snapshot: &Snapshot,
    rules: &Rules,
    question: Question,
    budget: &Budget,
) -> Result<(Vec<CompoundLine>, Method, Option<&'static str>), ServiceError> {
    let (method, method_note) = choose_method(snapshot, question.method);
    let all: Vec<u32> = (0..snapshot.data.compounds.len() as u32).collect();
    let results = check_kinds(snapshot, rules, question.group, method, &all, budget)?;
    let group = question.group.unwrap_or(DemandGroup::Residents);
    let mut demand = vec![0.0; all.len()];
    for (b, building) in snapshot.data.buildings.iter().enumerate() {
        if let Some(c) = snapshot.building_links(b as u32).compound {
            demand[c as usize] += building.demand(group);
        }
    }
    let lines = snapshot
        .data
        .compounds
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (score, required, met) = score(rules, &results, i);
            let missing = missing(rules, &results, i);
            CompoundLine {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind,
                community_id: c.community_id.clone(),
                score,
                met,
                required,
                missing_count: missing.len(),
                missing,
                demand: round_people(demand[i]),
            }
        })
        .collect();
    Ok((lines, method, method_note))
}
