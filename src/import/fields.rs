//! Typed reading of a feature's `properties`, collecting every problem instead of stopping
//! at the first, so the import report names them all.

use std::str::FromStr;

use serde_json::{Map, Value};

pub struct Fields {
    properties: Map<String, Value>,
    pub problems: Vec<String>,
}

impl Fields {
    pub fn new(properties: Map<String, Value>) -> Fields {
        Fields { properties, problems: Vec::new() }
    }

    /// Takes a property, treating `null` as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        self.properties.remove(key).filter(|v| !v.is_null())
    }

    fn missing(&mut self, key: &str, what: &str) {
        self.problems.push(format!("property \"{key}\" is required ({what})"));
    }

    /// A required, non-blank string.
    pub fn text(&mut self, key: &str) -> Option<String> {
        let value = self.optional_text(key);
        if value.is_none() && !self.problems.iter().any(|p| p.contains(&format!("\"{key}\""))) {
            self.missing(key, "a non-empty string");
        }
        value
    }

    /// An optional string; blank counts as absent.
    pub fn optional_text(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_owned()),
            // Ids are often numbers in hand-made files; accept them as their decimal text.
            Value::Number(n) if key.ends_with("id") => Some(n.to_string()),
            other => {
                self.problems.push(format!("property \"{key}\" must be a string, got {other}"));
                None
            }
        }
    }

    /// A required whole number that fits `T` (counts of floors, households …).
    pub fn count<T: TryFrom<u64>>(&mut self, key: &str) -> Option<T> {
        let value = self.optional_count(key);
        if value.is_none() && !self.problems.iter().any(|p| p.contains(&format!("\"{key}\""))) {
            self.missing(key, "a whole number");
        }
        value
    }

    /// An optional whole number that fits `T`.
    pub fn optional_count<T: TryFrom<u64>>(&mut self, key: &str) -> Option<T> {
        let value = self.take(key)?;
        match value.as_u64().map(T::try_from) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                self.problems.push(format!("property \"{key}\" is {value}, which is too large"));
                None
            }
            None => {
                self.problems.push(format!("property \"{key}\" must be a whole number ≥ 0, got {value}"));
                None
            }
        }
    }

    /// An optional positive number (an area in square metres …).
    pub fn optional_positive(&mut self, key: &str) -> Option<f64> {
        let value = self.take(key)?;
        match value.as_f64() {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            _ => {
                self.problems.push(format!("property \"{key}\" must be a number > 0, got {value}"));
                None
            }
        }
    }

    /// A required boolean.
    pub fn flag(&mut self, key: &str) -> Option<bool> {
        match self.take(key) {
            Some(Value::Bool(b)) => Some(b),
            Some(other) => {
                self.problems.push(format!("property \"{key}\" must be true or false, got {other}"));
                None
            }
            None => {
                self.missing(key, "true or false");
                None
            }
        }
    }

    /// An optional word from a closed vocabulary.
    pub fn optional_choice<T: FromStr<Err = String>>(&mut self, key: &str) -> Option<T> {
        let word = self.optional_text(key)?;
        word.parse().map_err(|reason| self.problems.push(format!("property \"{key}\": {reason}"))).ok()
    }

    /// A required word from a closed vocabulary.
    pub fn choice<T: FromStr<Err = String>>(&mut self, key: &str) -> Option<T> {
        let word = self.text(key)?;
        match word.parse() {
            Ok(value) => Some(value),
            Err(reason) => {
                self.problems.push(format!("property \"{key}\": {reason}"));
                None
            }
        }
    }

    /// An optional list of ids: an array of strings (or numbers), or one id as a string;
    /// absent is an empty list. `None` only when the value is malformed (a problem is noted).
    pub fn id_list(&mut self, key: &str) -> Option<Vec<String>> {
        let items = match self.take(key) {
            None => return Some(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(one) => vec![one],
        };
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) if !s.trim().is_empty() => ids.push(s.trim().to_owned()),
                Value::Number(n) => ids.push(n.to_string()),
                other => {
                    self.problems.push(format!("property \"{key}\" must list ids (non-empty strings), got {other}"));
                    return None;
                }
            }
        }
        Some(ids)
    }

    /// Which of `keys` are present (non-null), for "exactly one of" rules.
    pub fn present(&self, keys: &[&'static str]) -> Vec<&'static str> {
        keys.iter().copied().filter(|k| self.properties.get(*k).is_some_and(|v| !v.is_null())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        Fields::new(value.as_object().unwrap().clone())
    }

    #[test]
    fn reads_typed_values_and_collects_every_problem() {
        let mut f = fields(json!({"name": " 杨柳苑 ", "floors": 6, "elevator": true, "kind": "old", "grid_id": 7}));
        assert_eq!(f.text("name").as_deref(), Some("杨柳苑"));
        assert_eq!(f.count::<u16>("floors"), Some(6));
        assert_eq!(f.flag("elevator"), Some(true));
        assert_eq!(f.choice::<crate::model::CompoundKind>("kind"), Some(crate::model::CompoundKind::Old));
        assert_eq!(f.text("grid_id").as_deref(), Some("7"));
        assert!(f.problems.is_empty(), "{:?}", f.problems);

        let mut f = fields(json!({"name": "", "floors": -2, "households": 70000, "elevator": "yes", "kind": "castle"}));
        assert_eq!(f.text("name"), None);
        assert_eq!(f.count::<u16>("floors"), None);
        assert_eq!(f.count::<u16>("households"), None);
        assert_eq!(f.flag("elevator"), None);
        assert_eq!(f.choice::<crate::model::CompoundKind>("kind"), None);
        assert_eq!(f.count::<u32>("units"), None);
        let all = f.problems.join("\n");
        for needle in [
            "\"name\" is required",
            "\"floors\" must be a whole number",
            "too large",
            "\"elevator\" must be true or false",
            "castle",
            "\"units\" is required",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
        }
        assert_eq!(f.problems.len(), 6, "{all}");
    }
}
