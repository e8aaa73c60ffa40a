//! PLACEHOLDER until helper A's follow-up work lands (same names, so the outbox compiles
//! against them): the reporter's follow-up secret and link. A's version derives the secret
//! with HMAC-SHA256 under a server key stored in the database; this one is NOT secret (a
//! plain hash of the case number) and must be replaced by A's on merge.

use sha2::{Digest, Sha256};

use crate::services::{Catalog, ServiceError};

/// The follow-up secret of a case (placeholder: see the module's note).
pub fn follow_secret(_catalog: &Catalog, case_number: &str) -> Result<String, ServiceError> {
    let digest = Sha256::digest(format!("minsheng-follow-placeholder:{case_number}").as_bytes());
    Ok(digest.iter().take(16).map(|b| format!("{b:02x}")).collect())
}

/// The page's address for a secret, after the public base URL.
pub fn follow_path(secret: &str) -> String {
    format!("/#follow={secret}")
}
