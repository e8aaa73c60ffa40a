//! What each collection's features may be filtered, sorted and selected by (OGC API –
//! Features Part 3 "queryables"): every property of the features, with its JSON type, plus
//! `id` and `geometry`. The closed word lists come from the model's vocabularies, so they
//! are written once.

use serde::Serialize;
use serde_json::Value;

use super::Collection;
use crate::model::reports::{CaseState, Category, Source, Tier};
use crate::model::{CompoundKind, FacilityKind, GridLevel, Layer, SiteKind, StationLevel};

/// The JSON type of a queryable.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    Integer,
    /// Any JSON number (areas in square metres).
    Number,
    Boolean,
    /// One word of a closed list.
    Word(Vec<&'static str>),
    /// An RFC 3339 date-time string.
    DateTime,
    /// The feature's geometry (`geometry-point`, `geometry-any`, …: Part 3's formats).
    Geometry(&'static str),
}

/// One property a filter may name.
#[derive(Debug, Clone, PartialEq)]
pub struct Queryable {
    pub name: &'static str,
    pub title: &'static str,
    pub kind: Type,
    /// Whether the value may be `null`.
    pub nullable: bool,
}

impl Queryable {
    /// The property's JSON Schema, as the queryables document lists it.
    pub fn schema(&self) -> PropertySchema {
        let mut schema = PropertySchema { title: self.title, ..PropertySchema::default() };
        let json_type = match &self.kind {
            Type::String => "string",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Boolean => "boolean",
            Type::Word(words) => {
                schema.values = Some(words.clone());
                "string"
            }
            Type::DateTime => {
                schema.format = Some("date-time");
                "string"
            }
            Type::Geometry(format) => {
                schema.format = Some(format);
                return schema;
            }
        };
        schema.json_type = Some(if self.nullable { TypeList::Nullable([json_type, "null"]) } else { TypeList::One(json_type) });
        schema
    }

    /// Whether a feature's value has this queryable's type.
    pub fn admits(&self, value: &Value) -> bool {
        match (&self.kind, value) {
            (_, Value::Null) => self.nullable,
            (Type::String | Type::DateTime, Value::String(_)) => true,
            (Type::Word(words), Value::String(s)) => words.contains(&s.as_str()),
            (Type::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Type::Number, Value::Number(_)) => true,
            (Type::Boolean, Value::Bool(_)) => true,
            (Type::Geometry(_), Value::Object(_)) => true,
            _ => false,
        }
    }

    pub fn is_geometry(&self) -> bool {
        matches!(self.kind, Type::Geometry(_))
    }
}

/// `"type"` of a property schema: one type, or one type or null.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TypeList {
    One(&'static str),
    Nullable([&'static str; 2]),
}

/// One property of a queryables document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PropertySchema {
    pub title: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub json_type: Option<TypeList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<&'static str>>,
}

fn words<T: Copy>(all: &[T], word: fn(T) -> &'static str) -> Type {
    Type::Word(all.iter().map(|&w| word(w)).collect())
}

fn q(name: &'static str, title: &'static str, kind: Type) -> Queryable {
    Queryable { name, title, kind, nullable: false }
}

/// A queryable whose value may be `null`.
fn n(name: &'static str, title: &'static str, kind: Type) -> Queryable {
    Queryable { name, title, kind, nullable: true }
}

/// Every queryable of a collection, `id` first and `geometry` last.
pub fn of(collection: Collection) -> Vec<Queryable> {
    use Type::{Boolean, DateTime, Integer, String};
    let mut list = vec![q("id", "Feature id", String)];
    let geometry = match collection {
        Collection::Layer(layer) => {
            list.extend(layer_properties(layer));
            if matches!(layer, Layer::Stations | Layer::CandidateSites) { "geometry-point" } else { "geometry-any" }
        }
        Collection::Reports => {
            list.extend([
                q("case_number", "Case number (the feature id)", String),
                q("category", "Category", words(Category::ALL, Category::as_str)),
                q("category_label", "Category (Chinese label)", words(Category::ALL, Category::label_zh)),
                n("subcategory", "Second-level category (see /api/categories)", String),
                q("source", "Where the report came from", words(Source::ALL, Source::as_str)),
                q("description", "What the resident wrote", String),
                n("photo_url", "Photo", String),
                n("building_id", "Building", String),
                n("compound_id", "Compound", String),
                q("grid_id", "Grid that owns the case", String),
                q("community_id", "Community", String),
                q("tier", "Response tier (一呼四应)", words(Tier::ALL, Tier::as_str)),
                q("tier_label", "Response tier (Chinese label)", words(Tier::ALL, Tier::label_zh)),
                q("responder", "Who answers", String),
                n("responder_phone", "The responder's public work phone", String),
                q("state", "Case state", words(CaseState::ALL, CaseState::as_str)),
                q("state_label", "Case state (Chinese label)", words(CaseState::ALL, CaseState::label_zh)),
                q("status", "Open311 status", Type::Word(vec!["open", "closed"])),
                n("duplicate_of", "Case this one duplicates", String),
                q("supporters", "Residents who reported the same (me too)", Integer),
                q("created_at", "Filed at", DateTime),
                n("deadline_at", "Deadline", DateTime),
                n("closed_at", "Closed at", DateTime),
                n("on_time", "Closed by the deadline", Boolean),
                q("resolution_secs", "Seconds allowed from dispatch to resolution", Integer),
            ]);
            "geometry-point"
        }
    };
    list.push(q("geometry", "Geometry (WGS84 lon/lat)", Type::Geometry(geometry)));
    list
}

fn layer_properties(layer: Layer) -> Vec<Queryable> {
    use Type::{Boolean, Integer, String};
    match layer {
        Layer::Streets => vec![q("name", "Name", String)],
        Layer::Communities => vec![q("name", "Name", String), q("street_id", "Street", String)],
        Layer::Grids => vec![
            q("name", "Name", String),
            q("level", "Grid or micro-grid", words(GridLevel::ALL, GridLevel::as_str)),
            q("community_id", "Community", String),
            n("parent_id", "A micro-grid's grid", String),
            q("households", "Households", Integer),
        ],
        Layer::Compounds => vec![
            q("name", "Name", String),
            q("kind", "Kind of compound", words(CompoundKind::ALL, CompoundKind::as_str)),
            n("property_company", "Property company", String),
            q("households", "Households", Integer),
            n("community_id", "Community", String),
        ],
        Layer::Buildings => vec![
            q("label", "Label as residents say it", String),
            n("compound_id", "Compound", String),
            q("grid_id", "Finest grid that owns it", String),
            q("floors", "Floors", Integer),
            q("units", "Units (entrances)", Integer),
            q("households", "Households", Integer),
            q("population", "Residents", Integer),
            q("has_elevator", "Has an elevator", Boolean),
            n("elderly", "Residents aged 60 or more", Integer),
            n("children", "Children under 6", Integer),
        ],
        Layer::Stations => vec![
            q("name", "Name", String),
            q("kind", "Kind of facility", words(FacilityKind::ALL, FacilityKind::as_str)),
            q("level", "Place in the 1+N+X matrix", words(StationLevel::ALL, StationLevel::as_str)),
            n("opening_hours", "Opening hours", String),
            n("phone", "Public phone", String),
            n("community_id", "Community", String),
            n("capacity", "Places or seats", Integer),
        ],
        Layer::Walkways => vec![q("kind", "What it is (OpenStreetMap highway word, or gate)", String), n("name", "Name", String)],
        Layer::CandidateSites => vec![
            q("name", "Name", String),
            q("kind", "Kind of site", words(SiteKind::ALL, SiteKind::as_str)),
            n("area_m2", "Floor or plot area (m²)", Type::Number),
            n("community_id", "Community", String),
        ],
        Layer::Contacts | Layer::Units => unreachable!("{layer} have no geometry and are no collection"),
    }
}

/// The queryables of a collection by name.
pub fn find(queryables: &[Queryable], name: &str) -> Option<usize> {
    queryables.iter().position(|q| q.name == name)
}

/// Every queryable name, for error messages.
pub fn names(queryables: &[Queryable]) -> String {
    queryables.iter().map(|q| q.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_properties_admit_null_and_words_only_their_list() {
        let stations = of(Collection::Layer(Layer::Stations));
        let kind = &stations[find(&stations, "kind").unwrap()];
        assert!(kind.admits(&Value::from("clinic")) && !kind.admits(&Value::from("castle")) && !kind.admits(&Value::Null));
        let phone = &stations[find(&stations, "phone").unwrap()];
        assert!(phone.admits(&Value::Null) && phone.admits(&Value::from("028")) && !phone.admits(&Value::from(1)));
        assert_eq!(serde_json::to_value(phone.schema()).unwrap()["type"], serde_json::json!(["string", "null"]));
        assert_eq!(serde_json::to_value(kind.schema()).unwrap()["enum"].as_array().unwrap().len(), FacilityKind::ALL.len());
    }
}
