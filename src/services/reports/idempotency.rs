//! Idempotent submissions: a client sends an `Idempotency-Key` with a report, and a repeat
//! with the same key within 24 hours finds the case the first attempt filed instead of filing
//! another. The key is stored in the same transaction as the case, so a retry after a lost
//! answer (a crash, a reset connection) is safe whether or not the first attempt committed.

use sha2::{Digest, Sha256};

use crate::services::{Catalog, ServiceError};
use crate::store::SubmissionKey;

/// The header that carries the key.
pub const HEADER: &str = "Idempotency-Key";
/// How long a key finds its case; after that it may be used again.
pub const KEY_LIFETIME_SECONDS: i64 = 24 * 3_600;
pub const MAX_KEY_CHARS: usize = 255;

/// A checked key and the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct Idempotency {
    key: String,
    fingerprint: [u8; 32],
}

impl Idempotency {
    /// Checks a key (1–255 visible ASCII characters) and fingerprints the request: `parts`
    /// say what was asked (the endpoint, who sent it, the request's fields in a fixed order).
    pub fn new(key: &str, parts: &[&[u8]]) -> Result<Idempotency, ServiceError> {
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ServiceError::InvalidParameter {
                parameter: HEADER,
                reason: format!("must be 1–{MAX_KEY_CHARS} visible ASCII characters without spaces, such as a UUID"),
            });
        }
        let mut hash = Sha256::new();
        for part in parts {
            // Length-prefixed, so that moving bytes from one part to the next changes the hash.
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        Ok(Idempotency { key: key.to_owned(), fingerprint: hash.finalize().into() })
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// What the store keeps with a case filed at `now`.
    pub fn record(&self, now: i64) -> SubmissionKey {
        SubmissionKey { key: self.key.clone(), fingerprint: self.fingerprint, created_at: now, forget_before: now - KEY_LIFETIME_SECONDS }
    }
}

/// The case an earlier request with this key filed in the last 24 hours, if any; an error
/// if that request was a different one.
pub async fn earlier_case(catalog: &Catalog, key: &Idempotency, now: i64) -> Result<Option<String>, ServiceError> {
    match catalog.store().submission_key(&key.key, now - KEY_LIFETIME_SECONDS).await? {
        Some((case, fingerprint)) if fingerprint == key.fingerprint => Ok(Some(case)),
        Some(_) => Err(ServiceError::KeyReused(format!(
            "the {HEADER} {:?} came with a different request in the last 24 hours; send a new key for a new report",
            key.key
        ))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_and_fingerprints_tell_requests_apart() {
        for bad in ["", "with space", "中文", "tab\t", &"k".repeat(256)] {
            let error = Idempotency::new(bad, &[]).unwrap_err().to_string();
            assert!(error.contains(HEADER), "{bad:?}: {error}");
        }
        let uuid = "0b6f5c3e-8a5e-4f5e-9f7a-2d1c1e0f4a11";
        assert!(Idempotency::new(&"k".repeat(255), &[]).is_ok());
        let a = Idempotency::new(uuid, &[b"reports", b"anonymous", b"{}"]).unwrap();
        assert_eq!(a, Idempotency::new(uuid, &[b"reports", b"anonymous", b"{}"]).unwrap());
        assert_ne!(a.fingerprint, Idempotency::new(uuid, &[b"reports", b"anonymou", b"s{}"]).unwrap().fingerprint);
        assert_ne!(a.fingerprint, Idempotency::new(uuid, &[b"open311", b"anonymous", b"{}"]).unwrap().fingerprint);
        let record = a.record(100_000);
        assert_eq!((record.key.as_str(), record.created_at, record.forget_before), (uuid, 100_000, 100_000 - 86_400));
    }
}
