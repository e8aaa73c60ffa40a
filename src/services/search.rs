//! Name search over compounds, buildings and stations.

use geo::{Centroid, Geometry};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::ServiceError;
use crate::index::Snapshot;
use crate::index::text::MatchKind;
use crate::model::Layer;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 200;

/// `?q=&limit=`: a name (or part of one) and how many hits at most.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The name or part of it, 1–100 characters.
    #[param(min_length = 1, max_length = 100, pattern = r"\S")]
    pub q: String,
    /// Hits at most, 1–200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// The hits for a query, exact matches first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults<'a> {
    pub query: String,
    pub results: Vec<SearchHit<'a>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit<'a> {
    pub layer: Layer,
    pub id: &'a str,
    pub name: String,
    /// Compound kind or facility kind; for buildings, the compound's name.
    pub detail: Option<String>,
    #[serde(rename = "match")]
    #[schema(value_type = String)]
    pub match_kind: &'static str,
    /// A point to centre a map on, [lon, lat] WGS84.
    pub point: Option<[f64; 2]>,
}

/// Finds records by name, exact matches first.
pub fn search(snapshot: &Snapshot, query: SearchQuery) -> Result<SearchResults<'_>, ServiceError> {
    let results = hits(snapshot, &query.q, query.limit.unwrap_or(DEFAULT_LIMIT))?;
    Ok(SearchResults { query: query.q, results })
}

fn hits<'a>(snapshot: &'a Snapshot, query: &str, limit: usize) -> Result<Vec<SearchHit<'a>>, ServiceError> {
    if query.trim().is_empty() {
        return Err(ServiceError::InvalidParameter { parameter: "q", reason: "must not be empty".into() });
    }
    if query.chars().count() > 100 {
        return Err(ServiceError::InvalidParameter { parameter: "q", reason: "longer than 100 characters".into() });
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1..{MAX_LIMIT}") });
    }
    let data = &snapshot.data;
    let hits = snapshot.search(query, limit).into_iter().map(|hit| {
        let i = hit.record as usize;
        let (id, name, detail, geometry) = match hit.layer {
            Layer::Compounds => {
                let c = &data.compounds[i];
                (c.id.as_str(), c.name.clone(), Some(c.kind.label_zh().to_owned()), &c.geometry)
            }
            Layer::Buildings => {
                let b = &data.buildings[i];
                let compound = snapshot.building_links(hit.record).compound.map(|c| data.compounds[c as usize].name.clone());
                (b.id.as_str(), snapshot.building_name(hit.record), compound, &b.geometry)
            }
            _ => {
                let s = &data.stations[i];
                (s.id.as_str(), s.name.clone(), Some(s.kind.label_zh().to_owned()), &s.geometry)
            }
        };
        SearchHit {
            layer: hit.layer,
            id,
            name,
            detail,
            match_kind: match hit.kind {
                MatchKind::Exact => "exact",
                MatchKind::Prefix => "prefix",
                MatchKind::Contains => "contains",
            },
            point: centre(geometry),
        }
    });
    Ok(hits.collect())
}

fn centre(geometry: &Geometry) -> Option<[f64; 2]> {
    geometry.centroid().map(|p| [p.x(), p.y()])
}
