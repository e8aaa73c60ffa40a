//! The check of a community or street: totals over its compounds (those whose
//! `community_id` is the community, or a community of the street).

use super::check::{check_kinds, missing, score};
use super::{AreaRef, Check, CompoundScore, Question, round_people, rule_fields};
use crate::index::Snapshot;
use crate::model::Layer;
use crate::model::lifecircle::Rules;
use crate::services::ServiceError;
use crate::services::cost::Budget;
use crate::services::coverage::choose_method;

/// The check of a community (`Layer::Communities`) or street (`Layer::Streets`) by id.
///
/// Per kind: how many compounds it has and how many fail, and the sums of their demand and
/// affected people. The area passes a kind when every compound does; its score is the mean
/// of its compounds' scores (an area without compounds fails nothing: 1).
pub fn check_area(
    snapshot: &Snapshot,
    rules: &Rules,
    layer: Layer,
    id: &str,
    question: Question,
    budget: &Budget,
) -> Result<Check, ServiceError> {
    let area = snapshot.find(layer, id).ok_or_else(|| ServiceError::NotFound { layer, id: id.to_owned() })?;
    let (level, name) = match layer {
        Layer::Communities => ("community", snapshot.data.communities[area as usize].name.clone()),
        Layer::Streets => ("street", snapshot.data.streets[area as usize].name.clone()),
        other => unreachable!("a check covers communities and streets, not {other}"),
    };
    let compounds: Vec<u32> = (0..snapshot.data.compounds.len() as u32)
        .filter(|&c| {
            snapshot.compound_community(c).is_some_and(|community| match layer {
                Layer::Communities => community == area,
                _ => snapshot.community_street(community) == area,
            })
        })
        .collect();
    let (method, method_note) = choose_method(snapshot, question.method);
    let results = check_kinds(snapshot, rules, question.group, method, &compounds, budget)?;
    let kinds = rules
        .kinds
        .iter()
        .zip(&results)
        .map(|(rule, r)| {
            let failing = r.iter().filter(|at| !at.pass(rule)).count();
            let mut kind = rule_fields(rule, question.group);
            kind.pass = failing == 0;
            kind.demand = round_people(r.iter().map(|at| at.demand).sum());
            kind.affected = round_people(r.iter().map(|at| at.affected).sum());
            kind.compounds = Some(compounds.len());
            kind.compounds_failing = Some(failing);
            kind
        })
        .collect::<Vec<_>>();
    let mut scores: Vec<CompoundScore> = compounds
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let record = &snapshot.data.compounds[c as usize];
            CompoundScore {
                id: record.id.clone(),
                name: record.name.clone(),
                score: score(rules, &results, i).0,
                missing: missing(rules, &results, i),
            }
        })
        .collect();
    let mean = if scores.is_empty() { 1.0 } else { scores.iter().map(|s| s.score).sum::<f64>() / scores.len() as f64 };
    scores.sort_by(|a, b| a.score.total_cmp(&b.score).then_with(|| a.id.cmp(&b.id)));
    let required = kinds.iter().filter(|k| k.required).count();
    let missing: Vec<_> = kinds.iter().filter(|k| k.required && !k.pass).map(|k| k.kind).collect();
    Ok(Check {
        area: AreaRef { level, id: id.to_owned(), name },
        score: mean,
        required,
        met: required - missing.len(),
        group: question.group,
        method,
        method_note,
        kinds,
        missing,
        compounds: Some(scores),
    })
}
