//! 红黑榜: property companies ranked by complaints per 1,000 households in the compounds
//! they manage, their on-time rate and residents' satisfaction, the best published as the
//! red list and the worst as the black list (as Liaocheng publishes its property companies).
//!
//! The rule (also in the README): over the cases of property-tier categories filed in the
//! period in a company's compounds,
//! - complaints per 1,000 households = cases × 1,000 / households of all its compounds;
//! - complaint score = 100 × (highest rate − its rate) / (highest − lowest) among the
//!   companies ranked (100 for all when they are equal);
//! - on-time score = its 按时办结率 in percent; satisfaction score = its 满意率 in percent;
//! - score = the weighted mean of the three ([`WEIGHTS`]), the weights of a missing one
//!   (satisfaction, for a company none of whose cases was rated) shared out among the others.
//!
//! A company is ranked only with at least [`MIN_SAMPLE`] cases whose on-time is decided,
//! and households on record; the others are listed as excluded, with the reason.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{BoardGroup, MIN_SAMPLE, Period, PeriodBounds, grouping, scan};
use crate::index::Snapshot;
use crate::index::reports::ReportPoints;
use crate::model::reports::Category;

/// Weights of the complaint, on-time and satisfaction scores.
pub const WEIGHTS: Weights = Weights { complaints: 0.4, on_time: 0.3, satisfaction: 0.3 };

/// Companies on each list unless asked.
pub const DEFAULT_LIST_SIZE: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Weights {
    pub complaints: f64,
    pub on_time: f64,
    pub satisfaction: f64,
}

/// One company's figures and score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyScore {
    /// 1 is the best.
    pub rank: usize,
    pub company: String,
    pub compounds: u32,
    pub households: u32,
    /// Cases of property-tier categories filed in the period in its compounds.
    pub complaints: u32,
    pub complaints_per_1000: f64,
    /// 按时办结率 in percent, with its counts.
    pub on_time_rate: f64,
    pub on_time_numerator: u32,
    pub on_time_denominator: u32,
    /// 满意率 in percent: null until return visits are recorded.
    pub satisfaction_rate: Option<f64>,
    pub complaint_score: f64,
    pub score: f64,
}

/// A company left out of the ranking, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExcludedCompany {
    pub company: String,
    pub compounds: u32,
    pub households: u32,
    pub complaints: u32,
    pub on_time_denominator: u32,
    pub reason: String,
}

/// The published lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedBlackList {
    #[serde(flatten)]
    pub period: PeriodBounds,
    /// The weights applied (after sharing out those of missing figures).
    pub weights: Weights,
    pub min_sample: u32,
    /// 红榜: the best first.
    pub red: Vec<CompanyScore>,
    /// 黑榜: the worst first.
    pub black: Vec<CompanyScore>,
    /// Every ranked company, best first.
    pub ranked: Vec<CompanyScore>,
    pub excluded: Vec<ExcludedCompany>,
}

/// The 红黑榜 over `period`, judged at `now`, with up to `size` companies on each list (fewer
/// when fewer than twice as many are ranked, so that no company is on both).
/// `property` lists the categories whose tier is the property company's (the category
/// settings say which).
pub fn red_black(
    snapshot: &Snapshot,
    points: &ReportPoints,
    property: &[Category],
    period: &Period,
    now: i64,
    size: usize,
) -> RedBlackList {
    let groups = grouping(snapshot, points, BoardGroup::PropertyCompany);
    let tallies = scan(points, &groups, period, now, |i| property.contains(&points.category[i]));
    let mut managed: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for compound in &snapshot.data.compounds {
        if let Some(company) = compound.property_company.as_deref() {
            let entry = managed.entry(company).or_default();
            entry.0 += 1;
            entry.1 += compound.households;
        }
    }
    let tally_of: BTreeMap<&str, usize> = (0..groups.len()).map(|g| (groups.id(g), g)).collect();
    let mut ranked = Vec::new();
    let mut excluded = Vec::new();
    for (&company, &(compounds, households)) in &managed {
        let tally = tally_of.get(company).and_then(|&g| tallies.get(g)).map(|t| t[0]).unwrap_or_default();
        let reason = if tally.on_time.of < MIN_SAMPLE {
            Some(format!("fewer than {MIN_SAMPLE} property cases with their on-time decided"))
        } else if households == 0 {
            Some("no households on record in its compounds".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            excluded.push(ExcludedCompany {
                company: company.to_owned(),
                compounds,
                households,
                complaints: tally.cases,
                on_time_denominator: tally.on_time.of,
                reason,
            });
            continue;
        }
        ranked.push(CompanyScore {
            rank: 0,
            company: company.to_owned(),
            compounds,
            households,
            complaints: tally.cases,
            complaints_per_1000: f64::from(tally.cases) * 1_000.0 / f64::from(households),
            on_time_rate: tally.on_time.percent().unwrap_or_default(),
            on_time_numerator: tally.on_time.met,
            on_time_denominator: tally.on_time.of,
            satisfaction_rate: tally.satisfaction.percent(),
            complaint_score: 0.0,
            score: 0.0,
        });
    }
    let weights = score(&mut ranked);
    let each = size.min(ranked.len() / 2);
    RedBlackList {
        period: period.bounds(),
        weights,
        min_sample: MIN_SAMPLE,
        red: ranked[..each].to_vec(),
        black: ranked.iter().rev().take(each).cloned().collect(),
        ranked,
        excluded,
    }
}

/// Scores and ranks the companies (best first, ties by name); returns the weights applied.
fn score(ranked: &mut [CompanyScore]) -> Weights {
    let rates = ranked.iter().map(|c| c.complaints_per_1000);
    let (lowest, highest) = rates.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r), hi.max(r)));
    // A company none of whose cases was rated in the period is scored on the other two,
    // their weights shared out as when nobody has ratings (not as if it were 0% satisfied).
    let weights_for = |rated: bool| {
        let satisfaction = if rated { WEIGHTS.satisfaction } else { 0.0 };
        let total = WEIGHTS.complaints + WEIGHTS.on_time + satisfaction;
        Weights { complaints: WEIGHTS.complaints / total, on_time: WEIGHTS.on_time / total, satisfaction: satisfaction / total }
    };
    let weights = weights_for(ranked.iter().any(|c| c.satisfaction_rate.is_some()));
    for company in ranked.iter_mut() {
        company.complaint_score =
            if highest > lowest { 100.0 * (highest - company.complaints_per_1000) / (highest - lowest) } else { 100.0 };
        let own = weights_for(company.satisfaction_rate.is_some());
        company.score = own.complaints * company.complaint_score
            + own.on_time * company.on_time_rate
            + own.satisfaction * company.satisfaction_rate.unwrap_or_default();
    }
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.company.cmp(&b.company)));
    for (i, company) in ranked.iter_mut().enumerate() {
        company.rank = i + 1;
    }
    weights
}
