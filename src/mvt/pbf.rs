//! The few pieces of the protobuf wire format a vector tile needs: varints, zigzag, and length-delimited
//! fields (strings, messages, and packed fields whose payload the caller has varint-encoded). Hand-written so that a tile is written straight into one buffer, sizes first.

/// Wire type of varint fields (integers, bools, enums).
pub(crate) const VARINT: u32 = 0;
/// Wire type of 8-byte little-endian fields (double).
pub(crate) const FIXED64: u32 = 1;
/// Wire type of length-delimited fields (strings, messages, packed repeated integers).
pub(crate) const LEN: u32 = 2;

/// The key that starts a field: field number and wire type.
#[inline]
pub(crate) const fn key(field: u32, wire_type: u32) -> u64 {
    ((field << 3) | wire_type) as u64
}

/// Bytes a varint of `value` takes (1..=10).
#[inline]
pub(crate) const fn varint_len(value: u64) -> usize {
    // 7 payload bits per byte; `| 1` makes zero take one byte.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
pub(crate) fn put_varint(buf: &mut Vec<u8>, mut value: u64) {
    // Most geometry deltas and table indices take one byte.
    if value < 0x80 {
        buf.push(value as u8);
        return;
    }
    while value >= 0x80 {
        buf.push((value as u8) | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// Zigzag encoding for 32-bit signed values (MVT geometry parameters): 0, -1, 1, -2 … → 0, 1, 2, 3 …
#[inline]
pub(crate) const fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

/// Zigzag encoding for 64-bit signed values (`sint64` fields).
#[inline]
pub(crate) const fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Bytes a varint field takes, key included.
#[inline]
pub(crate) const fn varint_field_len(field: u32, value: u64) -> usize {
    varint_len(key(field, VARINT)) + varint_len(value)
}

#[inline]
pub(crate) fn put_varint_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    put_varint(buf, key(field, VARINT));
    put_varint(buf, value);
}

/// Bytes a length-delimited field with a payload of `len` bytes takes, key and length included.
#[inline]
pub(crate) const fn len_field_len(field: u32, len: usize) -> usize {
    varint_len(key(field, LEN)) + varint_len(len as u64) + len
}

/// Writes the key and length of a length-delimited field; the caller writes the `len` payload bytes.
#[inline]
pub(crate) fn put_len_header(buf: &mut Vec<u8>, field: u32, len: usize) {
    put_varint(buf, key(field, LEN));
    put_varint(buf, len as u64);
}

#[inline]
pub(crate) fn put_bytes_field(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_len_header(buf, field, bytes.len());
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_match_the_protobuf_examples() {
        let cases: [(u64, &[u8]); 5] = [
            (0, &[0x00]),
            (1, &[0x01]),
            (150, &[0x96, 0x01]),
            (300, &[0xac, 0x02]),
            (u64::MAX, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ];
        for (value, bytes) in cases {
            let mut buf = Vec::new();
            put_varint(&mut buf, value);
            assert_eq!(buf, bytes, "{value}");
            assert_eq!(varint_len(value), bytes.len(), "{value}");
        }
        for shift in 0..64 {
            let mut buf = Vec::new();
            put_varint(&mut buf, 1 << shift);
            assert_eq!(varint_len(1 << shift), buf.len(), "1 << {shift}");
        }
    }

    #[test]
    fn zigzag_interleaves_signs() {
        assert_eq!([0, -1, 1, -2, 2].map(zigzag32), [0, 1, 2, 3, 4]);
        assert_eq!(zigzag32(i32::MAX), u32::MAX - 1);
        assert_eq!(zigzag32(i32::MIN), u32::MAX);
        assert_eq!([0, -1, 1, -2].map(zigzag64), [0, 1, 2, 3]);
        assert_eq!(zigzag64(i64::MIN), u64::MAX);
    }

    #[test]
    fn fields_report_their_own_size() {
        let mut buf = Vec::new();
        put_varint_field(&mut buf, 15, 2);
        assert_eq!(buf, [0x78, 0x02]);
        assert_eq!(varint_field_len(15, 2), 2);
        buf.clear();
        put_bytes_field(&mut buf, 1, b"abc");
        assert_eq!(buf, [0x0a, 3, b'a', b'b', b'c']);
        assert_eq!(len_field_len(1, 3), buf.len());
    }
}
