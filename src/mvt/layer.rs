//! One layer of a tile under construction: its encoded features, and its key and value tables with each
//! key and value stored once.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use hashbrown::HashTable;

use super::encoder::{EXTENT, Value};
use super::geometry::CommandWriter;
use super::pbf::{FIXED64, key, len_field_len, put_bytes_field, put_len_header, put_varint, put_varint_field, varint_field_len, zigzag64};

/// MVT geometry types (the `GeomType` enum of the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeomType {
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

// Field numbers of the `Layer` message.
const LAYER_NAME: u32 = 1;
const LAYER_FEATURES: u32 = 2;
const LAYER_KEYS: u32 = 3;
const LAYER_VALUES: u32 = 4;
const LAYER_EXTENT: u32 = 5;
const LAYER_VERSION: u32 = 15;
// Field numbers of the `Feature` message.
const FEATURE_ID: u32 = 1;
const FEATURE_TAGS: u32 = 2;
const FEATURE_TYPE: u32 = 3;
const FEATURE_GEOMETRY: u32 = 4;
// Field numbers of the `Value` message.
const VALUE_STRING: u32 = 1;
const VALUE_DOUBLE: u32 = 3;
const VALUE_UINT: u32 = 5;
const VALUE_SINT: u32 = 6;
const VALUE_BOOL: u32 = 7;

/// Written vector tiles are version 2 (MVT 2.x).
const VERSION: u64 = 2;

/// Multiply-rotate hashing (as in rustc's FxHash) with a final mix: the tables hold a tile's worth of short
/// keys, where SipHash's resistance to chosen collisions costs more than it protects.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("chunks of 8")));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(tail));
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    /// Ends with murmur3's fmix64: the multiply-rotate state keeps strings that differ only late in a word
    /// apart, but its low bits (the table's bucket) would not yet depend on those late bytes.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Strings stored once without an allocation each: the table holds where each string's bytes already sit in
/// the layer's encoded `keys` or `values` buffer.
#[derive(Debug, Default)]
struct StringIndex(HashTable<Interned>);

#[derive(Debug, Clone, Copy)]
struct Interned {
    hash: u64,
    /// The string's bytes in the buffer.
    start: u32,
    len: u32,
    /// Its index in the layer's key or value table.
    index: u32,
}

impl StringIndex {
    fn find(&self, buf: &[u8], s: &str, hash: u64) -> Option<u32> {
        let same = |e: &Interned| buf[e.start as usize..(e.start + e.len) as usize] == *s.as_bytes();
        self.0.find(hash, same).map(|e| e.index)
    }

    /// Records `s` as the last bytes written to `buf`.
    fn insert(&mut self, buf: &[u8], s: &str, hash: u64, index: u32) {
        let entry = Interned { hash, start: (buf.len() - s.len()) as u32, len: s.len() as u32, index };
        self.0.insert_unique(hash, entry, |e| e.hash);
    }
}

type FxMap<K> = HashMap<K, u32, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Default)]
pub(crate) struct LayerBuilder {
    pub name: String,
    /// `features` fields of the Layer message, back to back.
    features: Vec<u8>,
    pub count: usize,
    /// `keys` fields, back to back, and each key's index.
    keys: Vec<u8>,
    key_count: u32,
    key_index: StringIndex,
    /// The keys of the last feature by position: features of a layer mostly list the same keys in the same
    /// order, and comparing a short string costs less than hashing it.
    recent_keys: Vec<(String, u32)>,
    /// `values` fields, back to back, and each value's index, by kind.
    values: Vec<u8>,
    value_count: u32,
    strings: StringIndex,
    ints: FxMap<i64>,
    doubles: FxMap<u64>,
    bools: [Option<u32>; 2],
}

impl LayerBuilder {
    pub(crate) fn new(name: &str) -> LayerBuilder {
        LayerBuilder { name: name.to_owned(), ..LayerBuilder::default() }
    }

    /// Writes into `tags` the packed payload of key index, value index pairs for `properties`, adding new keys
    /// and values to the tables.
    pub(crate) fn tags(&mut self, properties: &[(&str, Value<'_>)], tags: &mut Vec<u8>) {
        tags.clear();
        for (position, (k, v)) in properties.iter().enumerate() {
            let k = match self.recent_keys.get(position) {
                Some((recent, i)) if recent == k => *i,
                _ => self.key(k, position),
            };
            let v = self.value(v);
            put_varint(tags, u64::from(k));
            put_varint(tags, u64::from(v));
        }
    }

    /// The key's index, added to the table if new, and remembered as the recent key at `position`.
    fn key(&mut self, k: &str, position: usize) -> u32 {
        let hash = hash_str(k);
        let i = match self.key_index.find(&self.keys, k, hash) {
            Some(i) => i,
            None => {
                let i = self.key_count;
                self.key_count += 1;
                put_bytes_field(&mut self.keys, LAYER_KEYS, k.as_bytes());
                self.key_index.insert(&self.keys, k, hash, i);
                i
            }
        };
        match self.recent_keys.get_mut(position) {
            Some((recent, index)) => {
                recent.clear();
                recent.push_str(k);
                *index = i;
            }
            None => self.recent_keys.push((k.to_owned(), i)),
        }
        i
    }

    fn value(&mut self, v: &Value<'_>) -> u32 {
        let hash = match *v {
            Value::Str(s) => hash_str(s),
            _ => 0,
        };
        let found = match *v {
            Value::Str(s) => self.strings.find(&self.values, s, hash),
            Value::Int(n) => self.ints.get(&n).copied(),
            // By bits, so that 0.0 and -0.0 stay apart and NaN finds itself.
            Value::Double(d) => self.doubles.get(&d.to_bits()).copied(),
            Value::Bool(b) => self.bools[usize::from(b)],
        };
        if let Some(i) = found {
            return i;
        }
        let i = self.value_count;
        self.value_count += 1;
        let buf = &mut self.values;
        match *v {
            Value::Str(s) => {
                put_len_header(buf, LAYER_VALUES, len_field_len(VALUE_STRING, s.len()));
                put_bytes_field(buf, VALUE_STRING, s.as_bytes());
                self.strings.insert(buf, s, hash, i);
            }
            Value::Int(n) => {
                // uint for n >= 0 and sint (zigzag) for n < 0: a negative int64 would take 10 bytes.
                let (field, raw) = if n >= 0 { (VALUE_UINT, n as u64) } else { (VALUE_SINT, zigzag64(n)) };
                put_len_header(buf, LAYER_VALUES, varint_field_len(field, raw));
                put_varint_field(buf, field, raw);
                self.ints.insert(n, i);
            }
            Value::Double(d) => {
                put_len_header(buf, LAYER_VALUES, 9);
                put_varint(buf, key(VALUE_DOUBLE, FIXED64));
                buf.extend_from_slice(&d.to_le_bytes());
                self.doubles.insert(d.to_bits(), i);
            }
            Value::Bool(b) => {
                put_len_header(buf, LAYER_VALUES, varint_field_len(VALUE_BOOL, 1));
                put_varint_field(buf, VALUE_BOOL, u64::from(b));
                self.bools[usize::from(b)] = Some(i);
            }
        }
        i
    }

    /// Appends one Feature message; `tags` and `geometry` are the payloads of its packed fields.
    pub(crate) fn feature(&mut self, id: u64, tags: &[u8], kind: GeomType, geometry: &CommandWriter) {
        let mut len = varint_field_len(FEATURE_ID, id)
            + varint_field_len(FEATURE_TYPE, kind as u64)
            + len_field_len(FEATURE_GEOMETRY, geometry.bytes.len());
        if !tags.is_empty() {
            len += len_field_len(FEATURE_TAGS, tags.len());
        }
        let buf = &mut self.features;
        buf.reserve(len_field_len(LAYER_FEATURES, len));
        put_len_header(buf, LAYER_FEATURES, len);
        put_varint_field(buf, FEATURE_ID, id);
        if !tags.is_empty() {
            put_bytes_field(buf, FEATURE_TAGS, tags);
        }
        put_varint_field(buf, FEATURE_TYPE, kind as u64);
        put_bytes_field(buf, FEATURE_GEOMETRY, &geometry.bytes);
        self.count += 1;
    }

    /// Bytes of the Layer message.
    fn len(&self) -> usize {
        varint_field_len(LAYER_VERSION, VERSION)
            + len_field_len(LAYER_NAME, self.name.len())
            + self.features.len()
            + self.keys.len()
            + self.values.len()
            + varint_field_len(LAYER_EXTENT, u64::from(EXTENT))
    }

    /// Bytes of this layer as a `layers` field of the Tile message.
    pub(crate) fn field_len(&self, tile_field: u32) -> usize {
        len_field_len(tile_field, self.len())
    }

    /// Writes this layer as field `tile_field` of the Tile message.
    pub(crate) fn write(&self, tile_field: u32, buf: &mut Vec<u8>) {
        put_len_header(buf, tile_field, self.len());
        put_varint_field(buf, LAYER_VERSION, VERSION);
        put_bytes_field(buf, LAYER_NAME, self.name.as_bytes());
        buf.extend_from_slice(&self.features);
        buf.extend_from_slice(&self.keys);
        buf.extend_from_slice(&self.values);
        put_varint_field(buf, LAYER_EXTENT, u64::from(EXTENT));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_stored_once_and_told_apart() {
        let mut layer = LayerBuilder::new("l");
        let ids: Vec<String> = (0..5000).map(|i| format!("building-{i:08}")).collect();
        let mut tags = Vec::new();
        for id in ids.iter().chain(&ids) {
            layer.tags(&[("id", Value::Str(id)), ("kind", Value::Str("old"))], &mut tags);
        }
        // 5000 ids and one kind, each stored once; the second round found them all.
        assert_eq!(layer.value_count, 5001);
        assert_eq!(layer.key_count, 2);
        assert_eq!(
            layer.strings.find(&layer.values, "building-00004999", hash_str("building-00004999")),
            Some(5000),
            "ids after the first come after \"old\""
        );
        assert_eq!(layer.strings.find(&layer.values, "building-00005000", hash_str("building-00005000")), None);
    }

    #[test]
    fn hashes_of_similar_strings_spread_over_the_low_bits() {
        // Strings that differ only in the later bytes of an 8-byte word must still land in different buckets.
        let buckets: std::collections::HashSet<u64> = (0..4096).map(|i| hash_str(&format!("b{i:07}")) & 0xffff).collect();
        assert!(buckets.len() > 3500, "{} distinct buckets of 4096", buckets.len());
    }

    #[test]
    fn equal_values_share_an_index_by_kind() {
        let mut layer = LayerBuilder::new("l");
        let mut tags = Vec::new();
        let props = [
            ("a", Value::Int(1)),
            ("b", Value::Double(1.0)),
            ("c", Value::Str("1")),
            ("d", Value::Bool(true)),
            ("e", Value::Int(1)),
            ("f", Value::Double(-0.0)),
            ("g", Value::Double(0.0)),
        ];
        layer.tags(&props, &mut tags);
        // Pairs of (key, value) indices, each one byte here.
        assert_eq!(tags, [0, 0, 1, 1, 2, 2, 3, 3, 4, 0, 5, 4, 6, 5]);
    }
}
