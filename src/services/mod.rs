//! The product's logic, as plain Rust over the index and the store: no HTTP types here,
//! so everything is unit-testable and benchmarkable.

pub mod analytics;
pub mod auth;
pub mod catalog;
pub mod categories;
pub mod cost;
pub mod coverage;
pub mod elevators;
pub mod features;
pub mod lifecircle;
pub mod locate;
pub mod migrate;
pub mod notify;
pub mod ogc;
pub mod photos;
pub mod reports;
pub mod schemas;
pub mod search;
pub mod status;
pub mod tiles;
pub mod vocabulary;

pub use catalog::Catalog;

use crate::import::ImportError;
use crate::index::IndexError;
use crate::store::StoreError;

/// One thing wrong with one item of a batch: which item (its position and its own id, when
/// it has them), which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The item's position: the CSV line number, or the 0-based index of a GeoJSON feature
    /// or a list entry.
    pub index: Option<usize>,
    /// The item's own id (such as a case's `external_id`), if it has one.
    pub id: Option<String>,
    /// The field at fault, if one is.
    pub field: Option<String>,
    /// The whole problem for people, naming the item (`row 28 (external_id X): category: …`).
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller sent a bad value; the message names the parameter.
    #[error("invalid parameter {parameter}: {reason}")]
    InvalidParameter { parameter: &'static str, reason: String },
    #[error("{layer} {id:?} not found")]
    NotFound { layer: crate::model::Layer, id: String },
    #[error("no report with case number {0:?}")]
    NoSuchCase(String),
    /// A follow-up link that is no case's (the secret is never echoed).
    #[error("no case has this follow-up link; check that it was copied whole")]
    NoSuchFollowLink,
    #[error("no live token #{0}")]
    NoSuchToken(i64),
    /// No such photo, or one the caller may not see (hidden, or its case's).
    #[error("no photo #{0}")]
    NoSuchPhoto(i64),
    #[error("no moderation #{0} in force")]
    NoSuchModeration(i64),
    /// A numbered item of another kind (a subscription, a notification) that does not exist.
    #[error("no {kind} #{id}")]
    NoSuchItem { kind: &'static str, id: i64 },
    #[error("no category {0:?}")]
    NoSuchCategory(String),
    /// A path named a layer that does not exist (or has no such representation).
    #[error("no layer {name:?}: {reason}")]
    UnknownLayer { name: String, reason: String },
    /// No token, or one that is unknown or revoked.
    #[error("authentication required: {0}")]
    Unauthorized(String),
    /// A valid token that may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The request is well-formed but the case's state does not allow it (or changed meanwhile).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The version of a case the caller named (`If-Match`) is not the current one.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// An `Idempotency-Key` sent again with a different request.
    #[error("Idempotency-Key reused: {0}")]
    KeyReused(String),
    /// A batch (of historical cases) was refused whole: nothing was written. `problems` lists
    /// the first ones, each naming its row; `more` counts the rest.
    #[error("{what}: rejected, nothing was written; {} problem(s):\n{}", problems.len() + more, listing(problems, *more))]
    Rejected { what: String, problems: Vec<Problem>, more: usize },
    /// The request would touch more than one request may (see [`cost::Limits`]): `what`
    /// names the count, `hint` how to narrow the request.
    #[error("too large: {what}: {needed}, at most {limit} per request; {hint}")]
    TooLarge { what: String, needed: usize, limit: usize, hint: String },
    /// Every worker is taken and the queue is full.
    #[error("the server is busy with other heavy requests; try again in {retry_after_s} s")]
    Busy { retry_after_s: u64 },
    /// The work ran out of its time budget and was stopped.
    #[error(
        "the request took longer than {seconds} s and was stopped: narrow it (a smaller bbox or period, a shorter distance, fewer candidates)"
    )]
    OutOfTime { seconds: f64 },
    /// The client went away; the work stopped.
    #[error("the request was cancelled")]
    Cancelled,
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

fn listing(problems: &[Problem], more: usize) -> String {
    let mut lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    if more > 0 {
        lines.push(format!("  … and {more} more"));
    }
    lines.join("\n")
}
