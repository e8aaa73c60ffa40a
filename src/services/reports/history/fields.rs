//! The fields of a historical case, as CSV columns or GeoJSON properties, and their
//! parsing into a [`CaseRecord`] with every problem of a row at once.

use serde::Deserialize;

use crate::crs::Crs;
use crate::model::reports::{CaseRecord, CaseState, Category, Source};
use crate::model::time::parse_iso8601;
use crate::services::ServiceError;
use crate::services::locate::LocateQuery;

/// Every column a file may have.
pub const COLUMNS: [&str; 19] = [
    "external_id",
    "category",
    "subcategory",
    "source",
    "description",
    "lon",
    "lat",
    "crs",
    "created_at",
    "state",
    "responded_at",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "reporter_name",
    "reporter_phone",
    "photo_url",
    "duplicate_of",
    "unit",
];

/// The columns a CSV file must have (a GeoJSON feature gives lon/lat as its geometry).
pub const REQUIRED: [&str; 6] = ["external_id", "category", "description", "lon", "lat", "created_at"];

/// One row as text; empty cells are `None`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub lon: Option<String>,
    pub lat: Option<String>,
    pub crs: Option<String>,
    pub created_at: Option<String>,
    pub state: Option<String>,
    pub responded_at: Option<String>,
    pub dispatched_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub photo_url: Option<String>,
    pub duplicate_of: Option<String>,
    pub unit: Option<String>,
}

fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl Row {
    /// The row's external id, for naming it in problems even when the rest is bad.
    pub fn external_id(&self) -> Option<String> {
        text(&self.external_id)
    }

    /// The case this row records, or every reason it cannot be one.
    pub fn into_record(self) -> Result<CaseRecord, Vec<String>> {
        let mut problems = Vec::new();
        let mut required = |name: &str, value: &Option<String>| {
            let value = text(value);
            if value.is_none() {
                problems.push(format!("{name} is required"));
            }
            value
        };
        let external_id = required("external_id", &self.external_id);
        let category = required("category", &self.category);
        let description = required("description", &self.description);
        let lon = required("lon", &self.lon);
        let lat = required("lat", &self.lat);
        let created_at = required("created_at", &self.created_at);

        let p = &mut problems;
        let category = category.and_then(|c| field(p, "category", Category::from_word_or_label(&c)));
        let source = match text(&self.source) {
            Some(s) => field(p, "source", Source::from_word_or_label(&s)),
            None => Some(Source::Hotline12345),
        };
        let state = match text(&self.state) {
            Some(s) => field(p, "state", CaseState::from_word_or_label(&s)),
            None => Some(CaseState::Received),
        };
        let crs = match text(&self.crs) {
            Some(c) => field(p, "crs", c.parse::<Crs>().map_err(|e| e.to_string())),
            None => Some(Crs::Wgs84),
        };
        let lon = lon.and_then(|v| field(p, "lon", degrees(&v)));
        let lat = lat.and_then(|v| field(p, "lat", degrees(&v)));
        let point = match (lon, lat, crs) {
            (Some(lon), Some(lat), Some(crs)) => match (LocateQuery { lon, lat, crs }).wgs84() {
                Ok(point) => Some(point),
                Err(ServiceError::InvalidParameter { parameter, reason }) => field(p, parameter, Err(reason)),
                Err(other) => field(p, "point", Err(other.to_string())),
            },
            _ => None,
        };
        let created_at = created_at.and_then(|t| field(p, "created_at", parse_iso8601(&t)));
        let responded_at = text(&self.responded_at).and_then(|t| field(p, "responded_at", parse_iso8601(&t)));
        let dispatched_at = text(&self.dispatched_at).and_then(|t| field(p, "dispatched_at", parse_iso8601(&t)));
        let resolved_at = text(&self.resolved_at).and_then(|t| field(p, "resolved_at", parse_iso8601(&t)));
        let closed_at = text(&self.closed_at).and_then(|t| field(p, "closed_at", parse_iso8601(&t)));

        match (external_id, category, source, description, point, state, created_at) {
            (Some(external_id), Some(category), Some(source), Some(description), Some(point), Some(state), Some(created_at))
                if problems.is_empty() =>
            {
                Ok(CaseRecord {
                    external_id,
                    category,
                    subcategory: text(&self.subcategory),
                    source,
                    description,
                    photo_url: text(&self.photo_url),
                    reporter_name: text(&self.reporter_name),
                    reporter_phone: text(&self.reporter_phone),
                    lon: point.x(),
                    lat: point.y(),
                    state,
                    created_at,
                    responded_at,
                    dispatched_at,
                    resolved_at,
                    closed_at,
                    duplicate_of: text(&self.duplicate_of),
                    unit: text(&self.unit),
                })
            }
            _ => Err(problems),
        }
    }
}

/// The value, or `None` with the reason noted against the field.
fn field<T>(problems: &mut Vec<String>, name: &str, result: Result<T, String>) -> Option<T> {
    result.map_err(|reason| problems.push(format!("{name}: {reason}"))).ok()
}

fn degrees(value: &str) -> Result<f64, String> {
    value.parse().map_err(|_| format!("{value:?} is not a number of degrees"))
}
