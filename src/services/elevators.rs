//! Elevator retrofit candidates (加装电梯): walk-ups of four floors or more without a lift,
//! ranked for the street office's retrofit programme. Public and aggregate: per building
//! the counts of residents' requests, never who made them.
//!
//! The rule (README "Elevator retrofit candidates"):
//! - candidates: buildings with households, `floors ≥ 4` and no elevator;
//! - requests: 加装电梯 cases (not rejected, not duplicates) whose point lies in the
//!   building; a case in a compound but in none of its buildings is shared among the
//!   compound's candidates by households;
//! - score = 0.5 × min(requests per 100 households, 10) / 10
//!   + 0.3 × min(elderly share, 0.5) / 0.5 + 0.2 × (min(floors, 7) − 3) / 4;
//! - order: buildings of old compounds (老旧小区) first, then score (high first), then
//!   floors (more first), then id.

use std::cmp::Ordering;

use geo::Point;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::ServiceError;
use crate::index::Snapshot;
use crate::index::reports::{NONE, ReportPoints};
use crate::model::reports::{CaseState, Category};
use crate::model::{Building, CompoundKind, DemandGroup, Layer};
use crate::services::locate::building_of;
use crate::services::schemas::GeoJsonGeometry;

/// Lowest floor count that qualifies: China's retrofit programmes fund walk-ups of four
/// floors or more.
pub const MIN_FLOORS: u16 = 4;
/// Candidates listed when the caller names no limit, and the most a request may list.
pub const DEFAULT_LIMIT: usize = 200;
pub const MAX_LIMIT: usize = 5_000;

/// Weights of the score's three parts and the values at which each part is full.
const REQUESTS_WEIGHT: f64 = 0.5;
const ELDERLY_WEIGHT: f64 = 0.3;
const FLOORS_WEIGHT: f64 = 0.2;
const FULL_REQUESTS_PER_100: f64 = 10.0;
const FULL_ELDERLY_SHARE: f64 = 0.5;
const FULL_FLOORS: u16 = 7;

/// What to list.
#[derive(Debug, Clone, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuestion {
    /// How many to list, 1 to 5000 (default 200).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<usize>,
    /// Only this compound's buildings.
    pub compound: Option<String>,
}

/// The ranked candidates as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateMap {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind_of_document: &'static str,
    /// Candidates before the limit.
    pub total: usize,
    pub features: Vec<CandidateFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    pub id: String,
    #[schema(value_type = GeoJsonGeometry)]
    pub geometry: geojson::Geometry,
    pub properties: Candidate,
}

/// One candidate building and why it ranks where it does.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    /// 1 for the first.
    pub rank: usize,
    pub id: String,
    pub label: String,
    pub compound_id: Option<String>,
    pub compound_name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub compound_kind: Option<CompoundKind>,
    pub floors: u16,
    pub units: u16,
    pub households: u32,
    /// Residents aged 60+: the building's count, or its residents × the census share.
    pub elderly: f64,
    pub elderly_share: f64,
    /// 加装电梯 requests located here (a compound's unplaced ones shared by households).
    pub requests: f64,
    pub requests_per_100_households: f64,
    /// 0–1, see the module's rule.
    pub score: f64,
}

/// The score of a building with these figures (see the module's rule).
pub fn score(requests_per_100_households: f64, elderly_share: f64, floors: u16) -> f64 {
    REQUESTS_WEIGHT * requests_per_100_households.min(FULL_REQUESTS_PER_100) / FULL_REQUESTS_PER_100
        + ELDERLY_WEIGHT * elderly_share.min(FULL_ELDERLY_SHARE) / FULL_ELDERLY_SHARE
        + FLOORS_WEIGHT * f64::from(floors.min(FULL_FLOORS) - (MIN_FLOORS - 1)) / f64::from(FULL_FLOORS - (MIN_FLOORS - 1))
}

/// Whether a building qualifies.
pub fn is_candidate(b: &Building) -> bool {
    b.households > 0 && b.floors >= MIN_FLOORS && !b.has_elevator
}

/// Whether a case counts as a request.
pub fn counts(category: Category, state: CaseState) -> bool {
    category == Category::ElevatorInstallation && !matches!(state, CaseState::Rejected | CaseState::Duplicate)
}

/// Requests per building, by position into `data.buildings`.
fn requests(snapshot: &Snapshot, reports: &ReportPoints) -> Vec<f64> {
    let data = &snapshot.data;
    let mut direct = vec![0.0; data.buildings.len()];
    let mut unplaced = vec![0.0; data.compounds.len()];
    for i in 0..reports.len() {
        if !counts(reports.category[i], reports.state[i]) {
            continue;
        }
        // The building the case was routed to, found the way routing finds it.
        if let Some((b, _)) = building_of(snapshot, Point::new(reports.lon[i], reports.lat[i])) {
            direct[b as usize] += 1.0;
        } else if reports.compound[i] != NONE
            && let Some(c) = snapshot.find(Layer::Compounds, reports.areas.id(reports.compound[i]))
        {
            unplaced[c as usize] += 1.0;
        }
    }
    if unplaced.iter().any(|&n| n > 0.0) {
        let mut households = vec![0u64; data.compounds.len()];
        let compound_of = |b: usize| snapshot.building_links(b as u32).compound;
        for (b, building) in data.buildings.iter().enumerate() {
            if let Some(c) = compound_of(b).filter(|_| is_candidate(building)) {
                households[c as usize] += u64::from(building.households);
            }
        }
        for (b, building) in data.buildings.iter().enumerate() {
            if let Some(c) = compound_of(b).filter(|&c| is_candidate(building) && households[c as usize] > 0) {
                direct[b] += unplaced[c as usize] * f64::from(building.households) / households[c as usize] as f64;
            }
        }
    }
    direct
}

/// The candidates in rank order, the first `limit` of them, and how many there are.
pub fn candidates(
    snapshot: &Snapshot,
    reports: &ReportPoints,
    question: &CandidateQuestion,
) -> Result<(Vec<Candidate>, usize), ServiceError> {
    let limit = question.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("{limit}: expected 1 to {MAX_LIMIT}") });
    }
    let only = match &question.compound {
        Some(id) => {
            Some(snapshot.find(Layer::Compounds, id).ok_or_else(|| ServiceError::NotFound { layer: Layer::Compounds, id: id.clone() })?)
        }
        None => None,
    };
    let data = &snapshot.data;
    let requests = requests(snapshot, reports);
    let mut list: Vec<(Candidate, bool)> = data
        .buildings
        .iter()
        .enumerate()
        .filter(|(b, building)| is_candidate(building) && only.is_none_or(|c| snapshot.building_links(*b as u32).compound == Some(c)))
        .map(|(b, building)| {
            let compound = snapshot.building_links(b as u32).compound.map(|c| &data.compounds[c as usize]);
            let elderly = building.demand(DemandGroup::Elderly);
            let elderly_share = if building.population > 0 { elderly / f64::from(building.population) } else { 0.0 };
            let per_100 = requests[b] * 100.0 / f64::from(building.households);
            let candidate = Candidate {
                rank: 0,
                id: building.id.clone(),
                label: building.label.clone(),
                compound_id: compound.map(|c| c.id.clone()),
                compound_name: compound.map(|c| c.name.clone()),
                compound_kind: compound.map(|c| c.kind),
                floors: building.floors,
                units: building.units,
                households: building.households,
                elderly,
                elderly_share,
                requests: requests[b],
                requests_per_100_households: per_100,
                score: score(per_100, elderly_share, building.floors),
            };
            (candidate, compound.is_some_and(|c| c.kind == CompoundKind::Old))
        })
        .collect();
    list.sort_by(|(a, a_old), (b, b_old)| {
        b_old
            .cmp(a_old)
            .then(b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal))
            .then(b.floors.cmp(&a.floors))
            .then_with(|| a.id.cmp(&b.id))
    });
    let total = list.len();
    let ranked = list
        .into_iter()
        .take(limit)
        .enumerate()
        .map(|(i, (mut c, _))| {
            c.rank = i + 1;
            c.elderly = round(c.elderly, 1);
            c.elderly_share = round(c.elderly_share, 4);
            c.requests = round(c.requests, 2);
            c.requests_per_100_households = round(c.requests_per_100_households, 2);
            c.score = round(c.score, 4);
            c
        })
        .collect();
    Ok((ranked, total))
}

/// The candidates as a FeatureCollection of their footprints.
pub fn candidate_map(snapshot: &Snapshot, reports: &ReportPoints, question: &CandidateQuestion) -> Result<CandidateMap, ServiceError> {
    let (ranked, total) = candidates(snapshot, reports, question)?;
    let features = ranked
        .into_iter()
        .map(|c| {
            let b = snapshot.find(Layer::Buildings, &c.id).expect("candidates are buildings of the snapshot");
            let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&snapshot.data.buildings[b as usize].geometry));
            CandidateFeature { kind: "Feature", id: c.id.clone(), geometry, properties: c }
        })
        .collect();
    Ok(CandidateMap { kind_of_document: "FeatureCollection", total, features })
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_weighs_requests_elderly_and_floors() {
        assert_eq!(score(0.0, 0.0, 4), 0.2 * 0.25);
        assert_eq!(score(10.0, 0.5, 7), 1.0);
        assert_eq!(score(25.0, 0.9, 9), 1.0, "each part is capped");
        assert!(score(0.0, 0.2, 6) > score(0.0, 0.2, 4), "a 6-floor walk-up before a 4-floor one");
        assert!((score(5.0, 0.25, 5) - (0.25 + 0.15 + 0.1)).abs() < 1e-12);
    }
}
