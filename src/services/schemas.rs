//! OpenAPI schemas for what has no derived one: the model's closed word lists, made from
//! each list's `ALL` so the document names exactly the words the parser accepts (the lists
//! are written once, in `model`); the coordinate systems a caller may send; and GeoJSON
//! (RFC 7946) features and geometries, which the `geojson` crate writes.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};
use utoipa::{PartialSchema, ToSchema};

use crate::crs::Crs;
use crate::model::photos::{ModerationAction, ModerationTarget, PhotoStage};
use crate::model::reports::{Action, CaseState, Category, Rating, Role, Source, Tier};
use crate::model::{CompoundKind, ContactRole, FacilityKind, GridLevel, Layer, StationLevel, UnitKind};
use crate::network::Method;
use crate::services::analytics::hotspots::HotSpotClass;

/// A time as `model::time::parse_iso8601` reads it (`2026-03-01`, `2026-03-01 08:30`,
/// `2026-03-01T08:30:00+08:00` …); an empty value means none given.
pub struct Iso8601;

impl PartialSchema for Iso8601 {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some("An ISO 8601 date or time, China time unless it names an offset; empty means none."))
            .pattern(Some(r"^$|^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"))
            .examples(["2026-03-01", "2026-03-01T08:30:00+08:00"])
            .into()
    }
}

impl ToSchema for Iso8601 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Iso8601")
    }
}

/// A string schema allowing only `words`.
fn words(description: &str, words: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).description(Some(description)).enum_values(Some(words)).into()
}

macro_rules! word_schemas {
    ($($name:ident: $description:literal),+ $(,)?) => {$(
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                words($description, $name::ALL.iter().map(|word| word.as_str()))
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )+};
}

word_schemas! {
    Category: "What a report is about (高频问题).",
    Source: "Where a report came from.",
    Tier: "The \"一呼四应\" response tier, lowest first.",
    CaseState: "A case state after GB/T 30428.",
    Role: "What a staff token may do.",
    Action: "A step of the case workflow, as the audit trail and the permission matrix name it.",
    Rating: "The reporter's satisfaction with a resolution (回访满意度); `unrated` is recorded, never sent.",
    Layer: "A stored layer.",
    GridLevel: "网格 or 微网格.",
    CompoundKind: "A kind of 小区.",
    FacilityKind: "A kind of service station.",
    StationLevel: "Place in the \"1+N+X\" station matrix.",
    ContactRole: "A role on the public contact board.",
    UnitKind: "A kind of 处置单位 responding unit.",
    HotSpotClass: "A cell's class by its Gi* z-score, with ArcGIS's confidence bins.",
    PhotoStage: "When a photo was taken: with the report (`before`) or after the work (`after`).",
    ModerationTarget: "What a moderation hides or redacts.",
    ModerationAction: "`hide` takes content out of public view; `redact` shows a fixed notice instead.",
}

impl PartialSchema for Method {
    fn schema() -> RefOr<Schema> {
        words("How distances are measured: along the walking network, or straight lines.", ["network", "euclidean"])
    }
}

impl ToSchema for Method {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Method")
    }
}

impl PartialSchema for Crs {
    fn schema() -> RefOr<Schema> {
        words("The coordinate system of a point the caller sends.", ["wgs84", "gcj02", "bd09"])
    }
}

impl ToSchema for Crs {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Crs")
    }
}

/// A GeoJSON geometry (RFC 7946): `type` and `coordinates` (or `geometries`), lon/lat WGS84.
pub struct GeoJsonGeometry;

impl PartialSchema for GeoJsonGeometry {
    fn schema() -> RefOr<Schema> {
        let types = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"];
        ObjectBuilder::new()
            .description(Some("A GeoJSON geometry (RFC 7946), lon/lat WGS84."))
            .property("type", ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(types)))
            .required("type")
            .into()
    }
}

impl ToSchema for GeoJsonGeometry {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GeoJsonGeometry")
    }
}

/// A GeoJSON feature: `id`, a geometry (or `null`) and its properties.
pub struct GeoJsonFeature;

impl PartialSchema for GeoJsonFeature {
    fn schema() -> RefOr<Schema> {
        let nullable_object = || ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null]));
        ObjectBuilder::new()
            .description(Some("A GeoJSON feature (RFC 7946); the properties depend on the layer."))
            .property("type", ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(["Feature"])))
            .required("type")
            .property("id", ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Number])))
            .property("geometry", nullable_object())
            .property("properties", nullable_object())
            .into()
    }
}

impl ToSchema for GeoJsonFeature {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GeoJsonFeature")
    }
}

/// A GeoJSON FeatureCollection.
pub struct GeoJsonFeatureCollection;

impl PartialSchema for GeoJsonFeatureCollection {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("A GeoJSON FeatureCollection (RFC 7946)."))
            .property("type", ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(["FeatureCollection"])))
            .required("type")
            .property("features", utoipa::openapi::schema::ArrayBuilder::new().items(GeoJsonFeature::schema()))
            .required("features")
            .into()
    }
}

impl ToSchema for GeoJsonFeatureCollection {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GeoJsonFeatureCollection")
    }
}

/// The schema of [`ReportEvent`](crate::model::reports::ReportEvent), one line of a case's
/// audit trail (the model has no OpenAPI derive); a test keeps the two in step.
#[derive(ToSchema)]
#[schema(as = ReportEvent)]
#[allow(dead_code)] // Only its schema is used.
pub struct ReportEventSchema {
    /// The event's id.
    id: i64,
    /// Unix seconds.
    at: i64,
    /// Who: `resident`, `staff:<label>`, `import:<origin>` …
    actor: String,
    action: String,
    from_state: Option<CaseState>,
    to_state: Option<CaseState>,
    /// Internal note, staff only.
    note: Option<String>,
    /// 公开答复: the public reply (or the reporter's comment).
    reply: Option<String>,
    rating: Option<Rating>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_event_schema_has_the_model_s_fields() {
        use crate::model::reports::ReportEvent;
        let event = ReportEvent {
            id: 1,
            at: 1,
            actor: "a".into(),
            action: "b".into(),
            from_state: None,
            to_state: None,
            note: None,
            reply: None,
            rating: None,
        };
        let written: Vec<String> = serde_json::to_value(event).unwrap().as_object().unwrap().keys().cloned().collect();
        let schema = serde_json::to_value(ReportEventSchema::schema()).unwrap();
        let documented: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        let (mut written, mut documented) = (written, documented);
        written.sort();
        documented.sort();
        assert_eq!(written, documented);
    }

    #[test]
    fn word_schemas_list_what_the_parser_accepts() {
        let schema = serde_json::to_value(Category::schema()).unwrap();
        let listed: Vec<&str> = schema["enum"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
        assert_eq!(listed.len(), Category::ALL.len());
        assert!(listed.iter().all(|word| word.parse::<Category>().is_ok()), "{listed:?}");
        let crs = serde_json::to_value(Crs::schema()).unwrap();
        for word in crs["enum"].as_array().unwrap() {
            assert!(word.as_str().unwrap().parse::<Crs>().is_ok(), "{word}");
        }
        let method = serde_json::to_value(Method::schema()).unwrap();
        for word in method["enum"].as_array().unwrap() {
            let parsed: Method = serde_json::from_value(word.clone()).unwrap();
            assert_eq!(&serde_json::to_value(parsed).unwrap(), word);
        }
    }
}
