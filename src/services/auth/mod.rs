//! Staff tokens: who may see private fields and move cases along.
//!
//! A token is a random 256-bit secret shown once at creation; the store keeps only its
//! SHA-256, so a copy of the database grants nothing. Plain SHA-256 (no salt, no slow
//! hash) is enough because the secret has full entropy: there is nothing to brute-force.

pub mod demo;
pub mod permissions;
pub mod tokens;

use sha2::{Digest, Sha256};

pub use permissions::{CaseScope, actions_for, may_act, may_read};
pub use tokens::{NewToken, TokenRequest, create_token};

use crate::model::reports::Role;
use crate::model::scope::TokenScope;
use crate::model::time::{now, to_iso8601};
use crate::services::{Catalog, ServiceError};

/// Prefix of every secret, so a leaked token is recognisable in logs and code scans.
pub const TOKEN_PREFIX: &str = "ms_";

/// An authenticated staff member.
#[derive(Debug, Clone, PartialEq)]
pub struct Staff {
    pub token_id: i64,
    pub role: Role,
    /// Where (or for which unit) this person acts.
    pub scope: TokenScope,
    pub label: String,
    pub expires_at: Option<i64>,
}

impl Staff {
    /// How the audit trail names this person: role, token number and label.
    pub fn actor(&self) -> String {
        format!("{}#{} {}", self.role, self.token_id, self.label)
    }

    /// Refuses unless the role is one of `allowed`.
    pub fn require(&self, allowed: &[Role], doing: &str) -> Result<(), ServiceError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            let roles = allowed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ");
            Err(ServiceError::Forbidden(format!("{doing} needs the role {roles}; this token is {}", self.role)))
        }
    }
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The staff member a secret belongs to. Unknown and revoked tokens are refused alike; an
/// expired one is refused saying when it expired, so its holder knows to ask for a new one.
pub async fn authenticate(catalog: &Catalog, secret: &str) -> Result<Staff, ServiceError> {
    let token = match catalog.store().token(&hash(secret.trim())).await? {
        Some(token) if token.revoked_at.is_none() => token,
        _ => return Err(ServiceError::Unauthorized("the token is unknown or revoked".into())),
    };
    if let Some(expired) = token.expires_at.filter(|&at| at <= now()) {
        return Err(ServiceError::Unauthorized(format!(
            "token #{} expired at {}; ask an administrator for a new one",
            token.id,
            to_iso8601(expired)
        )));
    }
    Ok(Staff { token_id: token.id, role: token.role, scope: token.scope, label: token.label, expires_at: token.expires_at })
}
