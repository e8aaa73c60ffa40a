//! Bulk import of historical cases (12345 hotline exports and the like) from CSV or
//! GeoJSON. A file is checked whole — every field, the state against the times, the place
//! against the district, external ids against the file and the database, duplicate links —
//! and written in one transaction only if every case passes. Otherwise nothing is written
//! and every problem is listed as `row N (external_id …): reason` (`feature #N` for
//! GeoJSON).
//!
//! Each case is routed like a live report (default tier of its category, responder of its
//! place) and gets an audit trail along the GB/T 30428 path, so that statistics and the
//! staff queue treat it like any other case. The demo district's reports are built here too.

pub mod case;
mod csv;
mod fields;
mod geojson;

/// The columns of a case file, in the order exports write them.
pub use fields::COLUMNS as CASE_COLUMNS;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

use super::routing::{RoutingError, route};
use super::units::unit_for;
use crate::index::Snapshot;
use crate::model::reports::{CaseRecord, CaseState, Report, ReportEvent, Routed, Tier};
use crate::services::categories::Settings;
use crate::services::{Catalog, Problem, ServiceError};
use crate::store::ReportFilter;

/// Rows between two progress lines on large files.
const PROGRESS_EVERY: usize = 10_000;

/// The file formats cases come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryFormat {
    Csv,
    GeoJson,
}

impl HistoryFormat {
    /// The format a file name's extension says, if it says one.
    pub fn from_path(path: &Path) -> Option<HistoryFormat> {
        path.extension()?.to_str()?.parse().ok()
    }
}

impl FromStr for HistoryFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(HistoryFormat::Csv),
            "geojson" | "json" => Ok(HistoryFormat::GeoJson),
            other => Err(format!("unknown format {other:?}, expected csv or geojson")),
        }
    }
}

/// Where a case is in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A CSV line, the header being line 1.
    Row(usize),
    /// A 0-based position in a FeatureCollection.
    Feature(usize),
    /// A 0-based position in a generated batch.
    Record(usize),
}

impl Position {
    /// The line, or the 0-based position.
    pub fn number(self) -> usize {
        match self {
            Position::Row(n) | Position::Feature(n) | Position::Record(n) => n,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Row(n) => write!(f, "row {n}"),
            Position::Feature(n) => write!(f, "feature #{n}"),
            Position::Record(n) => write!(f, "record #{n}"),
        }
    }
}

/// One case of a batch as read: where it is, its external id if readable, and the case or
/// why it could not be read.
#[derive(Debug)]
pub struct Entry {
    pub position: Position,
    pub external_id: Option<String>,
    pub parsed: Result<CaseRecord, Vec<String>>,
}

impl Entry {
    /// A case made by a program rather than read from a file.
    pub fn generated(index: usize, record: CaseRecord) -> Entry {
        Entry { position: Position::Record(index), external_id: Some(record.external_id.clone()), parsed: Ok(record) }
    }
}

/// Who the audit trail names for a batch: the actor of every event and its note, which is
/// followed by the case's external id.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub actor: String,
    pub note: String,
}

impl Provenance {
    /// Cases imported from a file (by its name).
    pub fn import(origin: &str) -> Provenance {
        Provenance { actor: format!("import:{origin}"), note: "imported from hotline record".into() }
    }
}

/// What the database already holds that a batch refers to.
#[derive(Debug, Default)]
pub struct Stored {
    /// External id → case number, for the external ids the batch uses.
    pub external_ids: HashMap<String, String>,
    /// Case number → created_at, for the cases duplicate links name.
    pub created: HashMap<String, i64>,
    /// The category settings (empty: the built-ins).
    pub categories: Settings,
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub imported: usize,
    pub by_state: BTreeMap<CaseState, usize>,
    /// In file order.
    pub case_numbers: Vec<String>,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let states: Vec<String> = self.by_state.iter().map(|(state, n)| format!("{state} {n}")).collect();
        write!(f, "{} cases ({})", self.imported, states.join(", "))
    }
}

/// Checks every case of a batch and builds what is stored for it: the cases in batch order,
/// or every problem, in batch order, as `position (external_id …): reason`.
pub fn build_cases(
    snapshot: &Snapshot,
    entries: &[Entry],
    stored: &Stored,
    now: i64,
    provenance: &Provenance,
) -> Result<Vec<(Report, Vec<ReportEvent>)>, Vec<Problem>> {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(id) = &entry.external_id {
            first_seen.entry(id).or_insert(i);
        }
    }
    let mut problems = Vec::new();
    let mut cases = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let mut reasons = Vec::new();
        if let Some(id) = &entry.external_id {
            let first = first_seen[id.as_str()];
            if first != i {
                reasons.push(format!("external_id {id} repeats {}", entries[first].position));
            }
            if let Some(case) = stored.external_ids.get(id) {
                reasons.push(format!("external_id {id} was already imported as case {case}"));
            }
        }
        match &entry.parsed {
            Err(more) => reasons.extend(more.iter().cloned()),
            Ok(record) => {
                reasons.extend(case::check(record, now));
                if let Some(target) = &record.duplicate_of {
                    let in_batch = first_seen.get(target.as_str()).copied();
                    reasons.extend(duplicate_problem(entries, in_batch, i, record, target, stored));
                }
                // The category's settings now: allowances and tier, as a case filed today gets.
                let settings = match stored.categories.effective(record.category, record.subcategory.as_deref()) {
                    Ok(settings) => settings,
                    Err(error) => {
                        reasons.push(error.to_string());
                        stored.categories.effective(record.category, None).expect("a top-level category needs no subcategory")
                    }
                };
                let point = geo::Point::new(record.lon, record.lat);
                match route(snapshot, point, settings.tier) {
                    Ok(routed) => match unit_of(snapshot, record, &routed, settings.tier) {
                        Ok(unit) if reasons.is_empty() => {
                            let note = format!("{} {}", provenance.note, record.external_id);
                            cases.push(case::build(record, routed, &settings, unit, &provenance.actor, &note));
                        }
                        Ok(_) => {}
                        Err(reason) => reasons.push(reason),
                    },
                    Err(RoutingError::OutsideDistrict { nearest }) => reasons.push(format!(
                        "the point ({:.7}, {:.7}) (WGS84) is outside every grid of the district{}",
                        record.lon,
                        record.lat,
                        nearest.map(|n| format!("; the nearest grid is {n}")).unwrap_or_default()
                    )),
                }
            }
        }
        let label = match &entry.external_id {
            Some(id) => format!("{} (external_id {id})", entry.position),
            None => format!("{} (no external_id)", entry.position),
        };
        problems.extend(reasons.into_iter().map(|reason| Problem {
            index: Some(entry.position.number()),
            id: entry.external_id.clone(),
            field: field_of(&reason).map(str::to_owned),
            message: format!("{label}: {reason}"),
        }));
        if (i + 1) % PROGRESS_EVERY == 0 {
            tracing::info!("checked {} of {} cases", i + 1, entries.len());
        }
    }
    if problems.is_empty() { Ok(cases) } else { Err(problems) }
}

/// Why a duplicate link does not hold, if it does not: it must name another case — of the
/// batch by external id, or stored by external id or case number — filed no later.
fn duplicate_problem(
    entries: &[Entry],
    in_batch: Option<usize>,
    own: usize,
    record: &CaseRecord,
    target: &str,
    stored: &Stored,
) -> Option<String> {
    let created = match in_batch {
        Some(i) if i == own => return Some("duplicate_of names this case itself".to_owned()),
        Some(i) => entries[i].parsed.as_ref().ok().map(|r| r.created_at),
        None => {
            let case = stored.external_ids.get(target).map_or(target, String::as_str);
            match stored.created.get(case) {
                Some(&created) => Some(created),
                None => return Some(format!("duplicate_of {target} names no case in this file or the database")),
            }
        }
    };
    created
        .filter(|&created| created > record.created_at)
        .map(|_| format!("duplicate_of {target} was filed after this case; a duplicate repeats an earlier case"))
}

/// The field a reason is about: every reason about one field starts with the field's name
/// (`category: unknown value …`, `reporter_phone is …`, `geometry is missing …`).
fn field_of(reason: &str) -> Option<&'static str> {
    fields::COLUMNS
        .iter()
        .chain(&["geometry"])
        .filter(|name| reason.strip_prefix(**name).is_some_and(|rest| rest.starts_with(':') || rest.starts_with(' ')))
        .max_by_key(|name| name.len())
        .copied()
}

/// The rejection of a batch: the first problems and how many more there were.
pub fn rejected(what: &str, mut problems: Vec<Problem>) -> ServiceError {
    const LISTED: usize = 100;
    let more = problems.len().saturating_sub(LISTED);
    problems.truncate(LISTED);
    ServiceError::Rejected { what: what.to_owned(), problems, more }
}

/// Reads a file of historical cases, checks every case against the district and the
/// database, and stores them all in one transaction — or nothing, with every problem.
/// `origin` names the file in the audit trail (`import:<origin>`); `now` bounds the times.
pub async fn import_cases(
    catalog: &Catalog,
    bytes: &[u8],
    format: HistoryFormat,
    origin: &str,
    now: i64,
) -> Result<ImportSummary, ServiceError> {
    let file_problem = |reason: String| ServiceError::InvalidParameter { parameter: "file", reason };
    // Reading and checking a large file takes seconds: off the async workers.
    let bytes = bytes.to_vec();
    let entries = tokio::task::spawn_blocking(move || match format {
        HistoryFormat::Csv => csv::read(&bytes),
        HistoryFormat::GeoJson => geojson::read(&bytes),
    })
    .await
    .expect("reading cases does not panic")
    .map_err(file_problem)?;
    if entries.is_empty() {
        return Err(file_problem(format!("{origin} holds no cases")));
    }
    let snapshot = catalog.snapshot();
    if snapshot.data.grids.is_empty() {
        return Err(file_problem("the database holds no grids to route cases to; import the district first".into()));
    }
    let large = entries.len() >= PROGRESS_EVERY;
    if large {
        tracing::info!("{origin}: read {} cases; checking them", entries.len());
    }
    let stored = stored(catalog, &entries).await?;
    let provenance = Provenance::import(origin);
    let cases = tokio::task::spawn_blocking(move || build_cases(&snapshot, &entries, &stored, now, &provenance))
        .await
        .expect("checking cases does not panic")
        .map_err(|problems| rejected(origin, problems))?;
    if large {
        tracing::info!("{origin}: all cases valid; writing them");
    }
    let case_numbers = catalog.store().insert_reports(&cases).await?;
    catalog.sync_reports_after_write().await;
    let mut by_state = BTreeMap::new();
    for (report, _) in &cases {
        *by_state.entry(report.state).or_insert(0) += 1;
    }
    tracing::info!("imported {} cases from {origin}", cases.len());
    Ok(ImportSummary { imported: cases.len(), by_state, case_numbers })
}

/// What the database holds of the external ids and duplicate links a batch uses.
async fn stored(catalog: &Catalog, entries: &[Entry]) -> Result<Stored, ServiceError> {
    let batch: HashSet<&str> = entries.iter().filter_map(|e| e.external_id.as_deref()).collect();
    let links: HashSet<&str> =
        entries.iter().filter_map(|e| e.parsed.as_ref().ok()?.duplicate_of.as_deref()).filter(|t| !batch.contains(t)).collect();
    let asked: Vec<String> = batch.iter().chain(&links).map(|id| (*id).to_owned()).collect();
    let external_ids = catalog.store().stored_external_ids(&asked).await?;
    let case_numbers: Vec<String> = links.iter().map(|t| external_ids.get(*t).map_or(*t, String::as_str).to_owned()).collect();
    let mut created = HashMap::new();
    if !case_numbers.is_empty() {
        let filter = ReportFilter { case_numbers, ..ReportFilter::default() };
        created = catalog.store().reports(&filter).await?.into_iter().map(|r| (r.case_number, r.created_at)).collect();
    }
    Ok(Stored { external_ids, created, categories: Settings::load(catalog).await? })
}

/// The unit a historical case names (by id, or by name as hotline exports write it), or the
/// one routing picks for its place and tier when it names none.
fn unit_of(snapshot: &Snapshot, record: &CaseRecord, routed: &Routed, tier: Tier) -> Result<Option<String>, String> {
    let Some(named) = record.unit.as_deref() else {
        return Ok(unit_for(snapshot, routed, tier).map(|unit| unit.id.clone()));
    };
    let units = &snapshot.data.units;
    match units.iter().find(|unit| unit.id == named).or_else(|| units.iter().find(|unit| unit.name == named)) {
        Some(unit) => Ok(Some(unit.id.clone())),
        None => Err(format!("unit {named:?} is neither the id nor the name of a unit in the units layer")),
    }
}
