//! Streams the features of a GeoJSON FeatureCollection one at a time, so a file of a
//! million buildings is never held as one parsed tree and a bad feature cannot stop the
//! reading of the others.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Calls `on_feature(index, feature)` for each member of `features`, in order.
///
/// Fails on JSON syntax errors (with line and column) and when the top-level object is
/// not a FeatureCollection.
pub fn for_each_feature(bytes: &[u8], mut on_feature: impl FnMut(usize, Value)) -> Result<usize, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let mut count = 0;
    let kind =
        CollectionSeed { on_feature: &mut on_feature, count: &mut count }.deserialize(&mut deserializer).map_err(|e| e.to_string())?;
    deserializer.end().map_err(|e| e.to_string())?;
    match kind.as_deref() {
        Some("FeatureCollection") => Ok(count),
        Some(other) => Err(format!("top-level \"type\" is {other:?}, expected \"FeatureCollection\"")),
        None => Err("top-level object has no \"type\": expected a GeoJSON FeatureCollection".into()),
    }
}

struct CollectionSeed<'a, F> {
    on_feature: &'a mut F,
    count: &'a mut usize,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for CollectionSeed<'_, F> {
    /// The collection's `type` member, checked by the caller.
    type Value = Option<String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for CollectionSeed<'_, F> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let mut saw_features = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => kind = Some(map.next_value::<String>()?),
                "features" => {
                    saw_features = true;
                    map.next_value_seed(FeaturesSeed { on_feature: &mut *self.on_feature, count: &mut *self.count })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !saw_features && kind.as_deref() == Some("FeatureCollection") {
            return Err(serde::de::Error::missing_field("features"));
        }
        Ok(kind)
    }
}

struct FeaturesSeed<'a, F> {
    on_feature: &'a mut F,
    count: &'a mut usize,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for FeaturesSeed<'_, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for FeaturesSeed<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(feature) = seq.next_element::<Value>()? {
            (self.on_feature)(*self.count, feature);
            *self.count += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Result<Vec<Value>, String> {
        let mut seen = Vec::new();
        for_each_feature(text.as_bytes(), |_, f| seen.push(f["id"].clone()))?;
        Ok(seen)
    }

    #[test]
    fn streams_features_whatever_the_member_order() {
        let text = r#"{"features":[{"id":"a"},{"id":"b"}],"bbox":[0,0,1,1],"type":"FeatureCollection"}"#;
        assert_eq!(ids(text).unwrap(), vec![Value::from("a"), Value::from("b")]);
    }

    #[test]
    fn rejects_other_objects_and_broken_json() {
        assert!(ids(r#"{"type":"Feature","features":[]}"#).unwrap_err().contains("FeatureCollection"));
        assert!(ids(r#"{"type":"FeatureCollection"}"#).unwrap_err().contains("features"));
        assert!(ids("{\"type\":\"FeatureCollection\",\n\"features\":[{]}").unwrap_err().contains("line 2"));
    }
}
