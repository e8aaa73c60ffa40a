//! Historical cases from a GeoJSON FeatureCollection: one Point feature per case, whose
//! properties are the CSV columns except lon/lat. Features are named `feature #i`, `i`
//! being the 0-based position in `features`, as in the layer import.

use serde_json::{Map, Value};

use super::fields::Row;
use super::{Entry, Position};
use crate::import::reader::for_each_feature;
use crate::model::reports::CaseRecord;

/// Every feature of the collection; fails only when the file is not a FeatureCollection.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for_each_feature(bytes, |index, feature| {
        let (external_id, parsed) = case(feature);
        entries.push(Entry { position: Position::Feature(index), external_id, parsed });
    })?;
    Ok(entries)
}

/// The feature's external id (when readable) and its case, or every reason it is not one.
fn case(feature: Value) -> (Option<String>, Result<CaseRecord, Vec<String>>) {
    let Value::Object(mut feature) = feature else {
        return (None, Err(vec!["is not a JSON object".to_owned()]));
    };
    let mut properties = match feature.remove("properties") {
        Some(Value::Object(map)) => map,
        Some(Value::Null) | None => Map::new(),
        Some(_) => return (None, Err(vec!["properties is not an object".to_owned()])),
    };
    let external_id = properties.get("external_id").and_then(as_text);
    let mut problems = Vec::new();
    for key in ["lon", "lat"] {
        if properties.remove(key).is_some() {
            problems.push(format!("property {key:?}: give the place as the Point geometry, not as properties"));
        }
    }
    let point = point(feature.get("geometry")).map_err(|reason| problems.push(reason)).ok();
    // Hotline systems export numbers as JSON numbers; every field is read as its text.
    for value in properties.values_mut() {
        if let Value::Number(n) = value {
            *value = Value::String(n.to_string());
        }
    }
    let mut row: Row = match serde_json::from_value(Value::Object(properties)) {
        Ok(row) => row,
        Err(e) => {
            problems.push(format!("properties: {e}"));
            return (external_id, Err(problems));
        }
    };
    // A missing point is already reported; a placeholder keeps "lon is required" away.
    let [lon, lat] = point.unwrap_or_default();
    (row.lon, row.lat) = (Some(lon.to_string()), Some(lat.to_string()));
    match row.into_record() {
        Ok(record) if problems.is_empty() => (external_id, Ok(record)),
        Ok(_) => (external_id, Err(problems)),
        Err(more) => {
            problems.extend(more);
            (external_id, Err(problems))
        }
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn point(geometry: Option<&Value>) -> Result<[f64; 2], String> {
    let Some(geometry) = geometry.filter(|g| !g.is_null()) else {
        return Err("geometry is missing: a case needs a Point".to_owned());
    };
    if geometry["type"] != "Point" {
        return Err(format!("geometry is a {}, not a Point", geometry["type"]));
    }
    match geometry["coordinates"].as_array().map(Vec::as_slice) {
        Some([lon, lat, ..]) => match (lon.as_f64(), lat.as_f64()) {
            (Some(lon), Some(lat)) => Ok([lon, lat]),
            _ => Err("geometry coordinates are not numbers".to_owned()),
        },
        _ => Err("geometry coordinates are not [lon, lat]".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_become_rows_with_their_point() {
        let file = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [104.05, 30.82]},
             "properties": {"external_id": 12345001, "category": "噪音", "description": "夜间噪音", "created_at": "2026-05-01"}},
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},
             "properties": {"external_id": "B", "lon": 1, "colour": "red"}},
            {"type": "Feature", "geometry": null, "properties": {"external_id": "C", "category": "parking"}}
        ]}"#;
        let entries = read(file.as_bytes()).unwrap();
        let first = entries[0].parsed.as_ref().unwrap();
        assert_eq!((first.external_id.as_str(), first.lon, first.lat), ("12345001", 104.05, 30.82));
        assert_eq!(first.category.as_str(), "noise");
        assert_eq!(entries[1].position, Position::Feature(1));
        assert_eq!(entries[1].external_id.as_deref(), Some("B"));
        let problems = entries[1].parsed.as_ref().unwrap_err();
        assert!(problems[0].contains("Point geometry, not as properties"), "{problems:?}");
        assert!(problems[1].contains("not a Point"), "{problems:?}");
        assert!(problems[2].contains("unknown field `colour`"), "{problems:?}");
        let missing = entries[2].parsed.as_ref().unwrap_err();
        assert_eq!(missing[..2], ["geometry is missing: a case needs a Point", "description is required"]);
    }
}
