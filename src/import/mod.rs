//! Import of RFC 7946 GeoJSON, one layer per file. A file is checked whole — geometry,
//! properties, duplicate ids, references to parents in the database or the same batch —
//! and written in one transaction only if every feature passes; otherwise nothing is
//! written and every problem is reported as `feature #i (id …): reason`, where `i` is
//! the feature's 0-based position in the file's `features` array. [`osm`] reads an
//! OpenStreetMap extract into every layer at once and writes it the same way.

mod fields;
mod geometry;
mod layers;
pub mod osm;
pub(crate) mod reader;

pub use layers::PERSONS_PER_HOUSEHOLD;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::time::Instant;

use crate::model::{Dataset, Layer};
use crate::store::{Store, StoreError};

/// Features between two progress lines on large files.
const PROGRESS_EVERY: usize = 100_000;

/// One rejected feature and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub layer: Layer,
    /// 0-based position in the file's `features` array.
    pub index: usize,
    pub id: Option<String>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "feature #{} (id {id}): {}", self.index, self.reason),
            None => write!(f, "feature #{} (no id): {}", self.index, self.reason),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{layer}: not a GeoJSON FeatureCollection: {reason}")]
    NotGeoJson { layer: Layer, reason: String },
    #[error("{layer}: rejected, nothing was written; {} problem(s):\n{}", problems.len(), list(problems))]
    Rejected { layer: Layer, problems: Vec<Problem> },
    #[error(transparent)]
    Osm(#[from] osm::OsmError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

/// The records of one file, with each record's position in the file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub data: Dataset,
    origins: HashMap<Layer, Vec<usize>>,
}

impl Parsed {
    fn origin(&self, layer: Layer, record: usize) -> usize {
        self.origins.get(&layer).and_then(|o| o.get(record).copied()).unwrap_or(record)
    }

    /// Adds another parsed file, for importing several layers in one transaction.
    pub fn merge(&mut self, other: Parsed) {
        let Parsed { data, origins } = other;
        // Destructures every field, so that a layer added to `Dataset` cannot be left out here.
        macro_rules! append {
            ($($field:ident),+) => {
                let Dataset { $($field),+ } = data;
                $( self.data.$field.extend($field); )+
            };
        }
        append!(streets, communities, grids, compounds, buildings, stations, contacts, walkways, units, candidate_sites);
        for (layer, positions) in origins {
            self.origins.entry(layer).or_default().extend(positions);
        }
    }
}

impl From<Dataset> for Parsed {
    /// Records made rather than read from a GeoJSON file (problems name their position in `data`).
    fn from(data: Dataset) -> Parsed {
        Parsed { data, origins: HashMap::new() }
    }
}

/// Per layer: how many records were new and how many replaced a stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub layers: Vec<(Layer, LayerCounts)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LayerCounts {
    pub new: usize,
    pub updated: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.layers.iter().map(|(layer, c)| format!("{layer}: {} new, {} updated", c.new, c.updated)).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Parses and checks one layer's FeatureCollection (no database needed).
pub fn parse_layer(layer: Layer, bytes: &[u8]) -> Result<Parsed, ImportError> {
    let mut parsed = Parsed::default();
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let positions = parsed.origins.entry(layer).or_default();
    let total = reader::for_each_feature(bytes, |index, feature| {
        match layers::parse_feature(layer, feature, &mut parsed.data) {
            Ok(()) => positions.push(index),
            Err(rejected) => {
                problems.extend(rejected.reasons.into_iter().map(|reason| Problem { layer, index, id: rejected.id.clone(), reason }))
            }
        }
        if (index + 1) % PROGRESS_EVERY == 0 {
            tracing::info!("{layer}: checked {} features", index + 1);
        }
    })
    .map_err(|reason| ImportError::NotGeoJson { layer, reason })?;
    for (record, id) in parsed.data.ids(layer).into_iter().enumerate() {
        let index = positions[record];
        if let Some(first) = first_seen.insert(id.to_owned(), index) {
            problems.push(Problem {
                layer,
                index,
                id: Some(id.to_owned()),
                reason: format!("duplicate id: feature #{first} has the same id"),
            });
        }
    }
    if total >= PROGRESS_EVERY {
        tracing::info!("{layer}: checked all {total} features");
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        problems.sort_by_key(|p| p.index);
        Err(ImportError::Rejected { layer, problems })
    }
}

/// Checks references against the database and the batch itself, then writes the batch in
/// one transaction. Writes nothing if any reference is dangling.
pub async fn write(store: &dyn Store, parsed: &Parsed) -> Result<ImportReport, ImportError> {
    let data = &parsed.data;
    let involved: Vec<Layer> = Layer::ALL.iter().copied().filter(|l| data.count(*l) > 0 || is_parent(*l, data)).collect();
    let mut stored: HashMap<Layer, HashSet<String>> = HashMap::new();
    for &layer in &involved {
        stored.insert(layer, store.ids(layer).await?);
    }
    let batch: HashMap<Layer, HashSet<&str>> = involved.iter().map(|&layer| (layer, data.ids(layer).into_iter().collect())).collect();
    let exists = |layer: Layer, id: &str| stored[&layer].contains(id) || batch[&layer].contains(id);

    let mut problems = Vec::new();
    let mut record_ids: HashMap<Layer, Vec<&str>> = HashMap::new();
    for (layer, record, property, target, id) in references(data) {
        if !exists(target, id) {
            let ids = record_ids.entry(layer).or_insert_with(|| data.ids(layer));
            problems.push(Problem {
                layer,
                index: parsed.origin(layer, record),
                id: Some(ids[record].to_owned()),
                reason: format!("{property} {id:?} names no existing {target} record"),
            });
        }
    }
    if let Some(layer) = problems.first().map(|p| p.layer) {
        problems.sort_by_key(|p| (p.layer, p.index));
        return Err(ImportError::Rejected { layer, problems });
    }
    let mut report = ImportReport { layers: Vec::new() };
    for layer in Layer::ALL.iter().copied().filter(|l| data.count(*l) > 0) {
        let updated = batch[&layer].iter().filter(|id| stored[&layer].contains(**id)).count();
        report.layers.push((layer, LayerCounts { new: data.count(layer) - updated, updated }));
    }
    let started = Instant::now();
    store.upsert(data).await?;
    tracing::info!("wrote {} records in {:.2?}", data.total(), started.elapsed());
    Ok(report)
}

/// Reads, checks and writes one layer's GeoJSON file.
pub async fn import_file(store: &dyn Store, layer: Layer, path: &Path) -> Result<ImportReport, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    let started = Instant::now();
    let parsed = parse_layer(layer, &bytes)?;
    tracing::info!("{layer}: {} features valid in {:.2?}", parsed.data.count(layer), started.elapsed());
    write(store, &parsed).await
}

fn is_parent(layer: Layer, data: &Dataset) -> bool {
    references(data).any(|(_, _, _, target, _)| target == layer)
}

/// Every parent reference in the batch: (layer, record index, property, target layer, id).
fn references(data: &Dataset) -> impl Iterator<Item = (Layer, usize, &'static str, Layer, &str)> {
    use Layer::*;
    let communities = data.communities.iter().enumerate().map(|(i, r)| (Communities, i, "street_id", Streets, r.street_id.as_str()));
    let grids = data.grids.iter().enumerate().flat_map(|(i, r)| {
        std::iter::once((Grids, i, "community_id", Communities, r.community_id.as_str()))
            .chain(r.parent_id.as_deref().map(|p| (Grids, i, "parent_id", Grids, p)))
    });
    let compounds = data
        .compounds
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.community_id.as_deref().map(|c| (Compounds, i, "community_id", Communities, c)));
    let buildings = data.buildings.iter().enumerate().flat_map(|(i, r)| {
        std::iter::once((Buildings, i, "grid_id", Grids, r.grid_id.as_str()))
            .chain(r.compound_id.as_deref().map(|c| (Buildings, i, "compound_id", Compounds, c)))
    });
    let stations = data
        .stations
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.community_id.as_deref().map(|c| (Stations, i, "community_id", Communities, c)));
    let contacts = data.contacts.iter().enumerate().map(|(i, r)| (Contacts, i, r.scope.property(), r.scope.layer(), r.scope.id()));
    let units =
        data.units.iter().enumerate().flat_map(|(i, r)| r.areas().map(move |(property, layer, id)| (Units, i, property, layer, id)));
    let candidate_sites = data
        .candidate_sites
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.community_id.as_deref().map(|c| (CandidateSites, i, "community_id", Communities, c)));
    communities.chain(grids).chain(compounds).chain(buildings).chain(stations).chain(contacts).chain(units).chain(candidate_sites)
}
