//! Persistence: the only place with SQL. The database is the source of truth; the
//! in-memory index is rebuilt from [`Store::load`].
//!
//! Layers above talk to `dyn Store`, so a PostgreSQL backend can be added beside
//! [`sqlite::SqliteStore`] without touching them.

mod geometry;
mod sqlite;

pub use geometry::{decode_geometry, encode_geometry};
pub use sqlite::SqliteStore;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::reports::{Category, Report, ReportEvent};
use crate::model::{Dataset, Layer};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database read failed: {0}")]
    Read(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored {layer} record {id:?} is corrupt: {reason}")]
    Corrupt { layer: Layer, id: String, reason: String },
    #[error("stored report {case} is corrupt: {reason}")]
    CorruptReport { case: String, reason: String },
    #[error("unsupported database URL {0:?}: only sqlite: URLs are supported in this build")]
    UnsupportedUrl(String),
}

/// What a storage backend must do for the layers above it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Inserts or updates (by id) every record of `data` in one transaction: either all
    /// of it is committed or none of it. Bumps the data version.
    async fn upsert(&self, data: &Dataset) -> Result<(), StoreError>;

    /// The ids stored in one layer (for parent checks and new-versus-updated counts).
    async fn ids(&self, layer: Layer) -> Result<HashSet<String>, StoreError>;

    /// Every record of every layer.
    async fn load(&self) -> Result<Dataset, StoreError>;

    /// A number that changes whenever a write commits, from this process or another.
    async fn data_version(&self) -> Result<i64, StoreError>;

    /// Number of records in a layer.
    async fn count(&self, layer: Layer) -> Result<u64, StoreError>;

    /// Stores a new report with its first event, durably, and returns its case number.
    async fn insert_report(&self, report: &Report, event: &ReportEvent) -> Result<String, StoreError>;

    /// A report and its events, oldest first.
    async fn report(&self, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError>;

    /// Open reports of a category within a lon/lat box (west, south, east, north), created at
    /// or after `since` (Unix seconds).
    async fn open_reports_near(&self, category: Category, bbox: [f64; 4], since: i64) -> Result<Vec<Report>, StoreError>;

    /// Adds a supporter to a report and records the event; `None` if there is no such case.
    async fn support_report(&self, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError>;
}

/// Opens (creating and migrating if needed) the database a URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
