//! Staff tokens: who may see private fields and move cases along.
//!
//! A token is a random 256-bit secret shown once at creation; the store keeps only its
//! SHA-256, so a copy of the database grants nothing. Plain SHA-256 (no salt, no slow
//! hash) is enough because the secret has full entropy: there is nothing to brute-force.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::model::Layer;
use crate::model::reports::{Report, Role, StaffToken};
use crate::services::{Catalog, ServiceError};

/// Prefix of every secret, so a leaked token is recognisable in logs and code scans.
pub const TOKEN_PREFIX: &str = "ms_";

/// An authenticated staff member.
#[derive(Debug, Clone, PartialEq)]
pub struct Staff {
    pub token_id: i64,
    pub role: Role,
    /// The grid a grid worker works in.
    pub grid_id: Option<String>,
    pub label: String,
}

impl Staff {
    /// How the audit trail names this person: role, token number and label.
    pub fn actor(&self) -> String {
        format!("{}#{} {}", self.role, self.token_id, self.label)
    }

    /// Whether this person may see the private fields of a case and work on it: officials
    /// and admins everywhere, a grid worker inside their own grid (or micro-grid).
    pub fn may_work_on(&self, report: &Report) -> bool {
        match (self.role, &self.grid_id) {
            (Role::Official | Role::Admin, _) => true,
            (Role::GridWorker, Some(grid)) => *grid == report.routed.grid_id || Some(grid) == report.routed.micro_grid_id.as_ref(),
            (Role::GridWorker, None) => false,
        }
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

/// A new token: the secret (shown once) and what is stored about it.
#[derive(Debug)]
pub struct NewToken {
    pub secret: String,
    pub token: StaffToken,
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Creates a token. A grid worker needs a grid that exists (a grid or a micro-grid);
/// officials and admins must not name one.
pub async fn create_token(catalog: &Catalog, role: Role, grid_id: Option<String>, label: &str, now: i64) -> Result<NewToken, ServiceError> {
    let invalid = |parameter: &'static str, reason: String| ServiceError::InvalidParameter { parameter, reason };
    match (role, &grid_id) {
        (Role::GridWorker, None) => return Err(invalid("grid", "a grid worker's token needs --grid".into())),
        (Role::GridWorker, Some(grid)) => {
            if catalog.snapshot().find(Layer::Grids, grid).is_none() {
                return Err(invalid("grid", format!("no grid {grid:?} in the database")));
            }
        }
        (_, Some(_)) => return Err(invalid("grid", format!("a {role} token covers every grid; leave --grid out"))),
        (_, None) => {}
    }
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(invalid("label", "must be 1–100 characters, e.g. the person's name and post".into()));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let id = catalog.store().insert_token(&hash(&secret), role, grid_id.as_deref(), label, now).await?;
    let token = StaffToken { id, role, grid_id, label: label.to_owned(), created_at: now, revoked_at: None };
    Ok(NewToken { secret, token })
}

/// The staff member a secret belongs to; unknown and revoked tokens are refused alike.
pub async fn authenticate(catalog: &Catalog, secret: &str) -> Result<Staff, ServiceError> {
    match catalog.store().token(&hash(secret.trim())).await? {
        Some(token) if token.revoked_at.is_none() => {
            Ok(Staff { token_id: token.id, role: token.role, grid_id: token.grid_id, label: token.label })
        }
        _ => Err(ServiceError::Unauthorized("the token is unknown or revoked".into())),
    }
}
