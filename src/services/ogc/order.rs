//! `sortby` (Part 3, Sorting) and `properties` (which properties a feature carries).

use std::cmp::Ordering;

use serde_json::Value;

use super::queryables::{self, Queryable};
use crate::services::ServiceError;

/// One key of `sortby`: `+name` or `name` ascending, `-name` descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub name: String,
    pub descending: bool,
}

/// Parses `sortby=+name,-id`; every name must be a queryable other than the geometry.
pub fn parse_sortby(text: &str, queryables: &[Queryable]) -> Result<Vec<SortKey>, ServiceError> {
    let invalid = |reason: String| ServiceError::InvalidParameter { parameter: "sortby", reason };
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|key| {
            let (descending, name) = match key.as_bytes()[0] {
                b'-' => (true, &key[1..]),
                // A `+` arrives as a space when the client did not percent-encode it.
                b'+' | b' ' => (false, &key[1..]),
                _ => (false, key),
            };
            let name = name.trim();
            match queryables::find(queryables, name).map(|at| &queryables[at]) {
                Some(q) if !q.is_geometry() => Ok(SortKey { name: name.to_owned(), descending }),
                Some(_) => Err(invalid("features cannot be sorted by geometry".into())),
                None => Err(invalid(format!("unknown property {name:?}; sortable are: {}", sortable(queryables)))),
            }
        })
        .collect()
}

fn sortable(queryables: &[Queryable]) -> String {
    queryables.iter().filter(|q| !q.is_geometry()).map(|q| q.name).collect::<Vec<_>>().join(", ")
}

/// The value a key sorts a feature by.
fn key_of<'a>(feature: &'a Value, name: &str) -> &'a Value {
    if name == "id" { &feature["id"] } else { &feature["properties"][name] }
}

/// Orders features by the keys, each ascending or descending, nulls last either way; ties
/// keep their previous order.
pub fn sort(features: &mut [Value], keys: &[SortKey]) {
    if keys.is_empty() {
        return;
    }
    features.sort_by(|a, b| {
        keys.iter()
            .map(|k| {
                let (x, y) = (key_of(a, &k.name), key_of(b, &k.name));
                match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) if k.descending => compare(y, x),
                    (false, false) => compare(x, y),
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

/// Values of one queryable: numbers by value, strings by code point, false before true.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Parses `properties=name,kind`: the properties to keep (none: keep all).
pub fn parse_properties(text: &str, queryables: &[Queryable]) -> Result<Vec<String>, ServiceError> {
    let names: Vec<String> = text.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect();
    if let Some(unknown) = names.iter().find(|n| queryables::find(queryables, n).is_none_or(|at| queryables[at].is_geometry())) {
        return Err(ServiceError::InvalidParameter {
            parameter: "properties",
            reason: format!("unknown property {unknown:?}; the properties are: {}", sortable(queryables)),
        });
    }
    Ok(names)
}

/// Drops every property not named.
pub fn select(properties: &mut serde_json::Map<String, Value>, keep: &[String]) {
    properties.retain(|name, _| keep.iter().any(|k| k == name));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;
    use crate::services::ogc::Collection;
    use serde_json::json;

    #[test]
    fn sorts_by_several_keys_with_nulls_last() {
        let queryables = queryables::of(Collection::Layer(Layer::Stations));
        let keys = parse_sortby("-kind,+name", &queryables).unwrap();
        let f = |id: &str, kind: Value, name: &str| json!({"id": id, "properties": {"kind": kind, "name": name}});
        let mut features =
            vec![f("1", json!("canteen"), "b"), f("2", Value::Null, "a"), f("3", json!("clinic"), "z"), f("4", json!("canteen"), "a")];
        sort(&mut features, &keys);
        let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["3", "4", "1", "2"]);
        assert!(parse_sortby("colour", &queryables).unwrap_err().to_string().contains("colour"));
        assert!(parse_sortby("geometry", &queryables).is_err());
        assert!(parse_properties("name,colour", &queryables).unwrap_err().to_string().contains("colour"));
    }
}
