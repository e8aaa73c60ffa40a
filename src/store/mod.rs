//! Persistence: the only place with SQL. The database is the source of truth; the
//! in-memory index is rebuilt from [`Store::load`].
//!
//! Layers above talk to `dyn Store`: [`SqliteStore`] (the embedded default) and
//! [`PostgresStore`] (PostgreSQL/PostGIS) behave the same, checked by one contract suite.

mod categories;
pub mod dump;
mod duty;
mod geometry;
pub mod photos;
mod postgres;
mod replica;
mod sqlite;
mod unit_areas;

pub use dump::{Dump, TableSum};
pub use geometry::{decode_geometry, encode_geometry};
pub use photos::ModerationWrite;
pub use postgres::PostgresStore;
pub use replica::ReplicaStore;
pub use sqlite::SqliteStore;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;

use crate::model::categories::{CategoryChange, CategorySetting};
use crate::model::photos::{Moderation, NewPhoto, PhotoInfo};
use crate::model::reports::{CaseState, Category, Report, ReportEvent, ReportRow, Role, StaffToken};
use crate::model::scope::TokenScope;
use crate::model::{Dataset, Layer};

/// The columns of a [`ReportRow`], in the order both backends read them.
const REPORT_ROW_COLUMNS: &str = "r.id, r.lon, r.lat, r.category, r.state, r.created_at, r.compound_id, r.grid_id, \
     r.community_id, r.street_id, r.unit_id, r.created_at + r.response_secs, r.responded_at, r.dispatched_at, \
     r.deadline_at, r.original_deadline_at, r.resolved_at, r.closed_at, r.on_time, r.reopened, r.rating, r.unsatisfied";

/// A driver's error, kept as the `source` of a [`StoreError`] without naming its type.
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of every backend, in the backends' common words: no variant names a driver's
/// type, so the layers above do not depend on which database is in use.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[source] DriverError),
    #[error("database migration failed: {0}")]
    Migrate(#[source] DriverError),
    #[error("stored {layer} record {id:?} is corrupt: {reason}")]
    Corrupt { layer: Layer, id: String, reason: String },
    #[error("stored report {case} is corrupt: {reason}")]
    CorruptReport { case: String, reason: String },
    #[error("stored category {key:?} is corrupt: {reason}")]
    CorruptCategory { key: String, reason: String },
    #[error("stored token {id} is corrupt: {reason}")]
    CorruptToken { id: i64, reason: String },
    #[error("the import repeats cases already stored: {0}")]
    DuplicateExternalId(String),
    #[error("unsupported database URL {0:?}: use sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    #[error("submission key {0:?} is stored already")]
    KeyTaken(String),
    #[error("{0} is not a streaming replica (a hot standby): give the primary as --database")]
    NotAReplica(String),
    #[error("the destination database is not empty: table {0} holds rows")]
    NotEmpty(String),
}

// The drivers' errors convert at the `?` inside the backends; the enum itself stays neutral.
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        StoreError::Database(Box::new(error))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Database(Box::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::Migrate(Box::new(error))
    }
}

/// A staff token to store: everything but the id, which the store assigns.
#[derive(Debug, Clone, Copy)]
pub struct NewStaffToken<'a> {
    pub role: Role,
    pub scope: &'a TokenScope,
    pub label: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
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

    /// Stores a new report with its first event, durably, and returns its case number. With
    /// a key, the key is stored in the same transaction; if that key is stored already (a
    /// concurrent first attempt won), nothing is written and the answer is
    /// [`StoreError::KeyTaken`].
    async fn insert_report(&self, report: &Report, event: &ReportEvent, key: Option<&SubmissionKey>) -> Result<String, StoreError>;

    /// The case a submission key stored at or after `since` (Unix seconds) filed, and the
    /// fingerprint stored with it.
    async fn submission_key(&self, key: &str, since: i64) -> Result<Option<(String, [u8; 32])>, StoreError>;

    /// A report and its events, oldest first.
    async fn report(&self, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError>;

    /// The random 32-byte key named `name` (`follow`: the follow-up links' HMAC key): the
    /// stored one, or `fresh`, stored now, when there is none. Every instance reads the same.
    async fn server_key(&self, name: &str, fresh: &[u8; 32]) -> Result<[u8; 32], StoreError>;

    /// Sets a filed case's follow-up hash (SHA-256 of its follow-up secret) if it has none.
    /// Changes no version: the hash is not a workflow field, and it never changes once set.
    async fn set_follow_hash(&self, case_number: &str, hash: &[u8; 32]) -> Result<(), StoreError>;

    /// The case number whose follow-up secret hashes to `hash`.
    async fn case_by_follow(&self, hash: &[u8; 32]) -> Result<Option<String>, StoreError>;

    /// The latest public staff reply (公开答复) of each of these cases that has one, by case
    /// number, with its event id (moderation may hide it): Open311's `status_notes`.
    async fn latest_replies(&self, case_numbers: &[String]) -> Result<HashMap<String, (i64, String)>, StoreError>;

    /// Public updates (events that moved a case or carry a public text) in a window of event
    /// times, oldest first, at most `query.limit`, each with its case number.
    async fn public_updates(&self, query: &UpdateQuery) -> Result<Vec<(String, ReportEvent)>, StoreError>;

    /// The open reports a query selects, nearest first, at most `query.limit` of them, and
    /// how many it selects in all. Bounded work: the rows are ordered and cut in the database.
    async fn open_reports_near(&self, query: &NearbyQuery<'_>) -> Result<(Vec<Report>, u64), StoreError>;

    /// Adds a supporter to a report (a new version) and records the event; `None` if there
    /// is no such case.
    async fn support_report(&self, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError>;

    /// Reports matching a filter, in the filter's order.
    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>, StoreError>;

    /// How many reports match a filter (ignoring its limit and offset).
    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64, StoreError>;

    /// Writes a report's new workflow fields (state, tier, responder, times, duplicate link)
    /// and its event as the next version, only if the stored case is still at `read_version`
    /// (the version these fields were computed from); `false` if it was written meanwhile
    /// or does not exist. `duplicate_of` is a case number.
    async fn update_report(&self, read_version: u32, report: &Report, event: &ReportEvent) -> Result<bool, StoreError>;

    /// Stores whole cases with their histories (a historical import) in one transaction:
    /// all or nothing. Returns the case numbers given, in order. A case's `duplicate_of`
    /// names an external id (of this batch or stored), or else a case number.
    async fn insert_reports(&self, cases: &[(Report, Vec<ReportEvent>)]) -> Result<Vec<String>, StoreError>;

    /// Of these external ids, those already stored, with the case number each became.
    async fn stored_external_ids(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError>;

    /// Case counts per area at a level, over the reports a filter selects; overdue as of `now`.
    async fn closure_counts(&self, level: AreaLevel, filter: &ReportFilter, now: i64) -> Result<Vec<ClosureCounts>, StoreError>;

    /// The analysis fields of cases changed after audit event `after_event` (every case for
    /// 0), and the last event id the answer covers: for keeping an in-memory copy in step.
    async fn report_changes(&self, after_event: i64) -> Result<(Vec<ReportRow>, i64), StoreError>;

    /// Stores a new staff token by the SHA-256 of its secret; returns its id.
    async fn insert_token(&self, hash: &[u8; 32], token: &NewStaffToken<'_>) -> Result<i64, StoreError>;

    /// The token whose secret hashes to `hash`, revoked or not.
    async fn token(&self, hash: &[u8; 32]) -> Result<Option<StaffToken>, StoreError>;

    /// Every token, oldest first.
    async fn tokens(&self) -> Result<Vec<StaffToken>, StoreError>;

    /// Revokes a token; `false` if there is no such live token.
    async fn revoke_token(&self, id: i64, now: i64) -> Result<bool, StoreError>;

    /// Every category's settings (the twelve top-level ones, seeded from the built-ins when
    /// the store opens, and any subcategories), by key.
    async fn category_settings(&self) -> Result<Vec<CategorySetting>, StoreError>;

    /// Writes a category's settings and the audit row of the change in one transaction.
    /// With `before`, the stored row is changed only if it still equals `before`; without,
    /// `after` is a new category, stored only if no category has its key. `false` (nothing
    /// written) otherwise.
    async fn write_category(
        &self,
        before: Option<&CategorySetting>,
        after: &CategorySetting,
        change: &CategoryChange,
    ) -> Result<bool, StoreError>;

    /// The audit of the category settings, newest first, at most `limit` rows.
    async fn category_changes(&self, limit: u32) -> Result<Vec<CategoryChange>, StoreError>;

    /// Stores re-encoded photos in one transaction: for a case (a new version of it), or with
    /// `None` pending until [`Store::attach_photos`] links them to the case their submission
    /// files. Their ids in order; `None` (nothing written) if the case does not exist.
    async fn insert_photos(&self, case_number: Option<&str>, photos: &[NewPhoto]) -> Result<Option<Vec<i64>>, StoreError>;

    /// Links pending photos to a stored case.
    async fn attach_photos(&self, case_number: &str, ids: &[i64]) -> Result<(), StoreError>;

    /// Deletes pending photos, of a submission that was refused.
    async fn discard_photos(&self, ids: &[i64]) -> Result<(), StoreError>;

    /// The photos of these cases with their moderation state, by id.
    async fn photos_of(&self, case_numbers: &[String]) -> Result<Vec<PhotoInfo>, StoreError>;

    /// One photo's metadata, linked to a case or pending.
    async fn photo(&self, id: i64) -> Result<Option<PhotoInfo>, StoreError>;

    /// A photo's stored image (or thumbnail); `None` if there is none or it is kept in a folder.
    async fn photo_bytes(&self, id: i64, thumb: bool) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores a moderation (its `id` is ignored) with its audit event, as a new version of
    /// the case, in one transaction, if the case and the photo or event it names exist.
    async fn moderate(&self, moderation: &Moderation, event: &ReportEvent) -> Result<ModerationWrite, StoreError>;

    /// Reverts a moderation in force, with its audit event, as a new version of the case;
    /// the reverted moderation, or `None` if none by that id is in force.
    async fn revert_moderation(&self, id: i64, by: &str, at: i64, event: &ReportEvent) -> Result<Option<Moderation>, StoreError>;

    /// Every moderation of these cases, in force or reverted, by id.
    async fn moderations_of(&self, case_numbers: &[String]) -> Result<Vec<Moderation>, StoreError>;

    async fn moderation(&self, id: i64) -> Result<Option<Moderation>, StoreError>;

    /// Every layer record, case (with its private fields and id), audit event and token
    /// (with its hash): what `migrate-db` copies. Meant for a database no one writes meanwhile.
    async fn dump(&self) -> Result<Dump, StoreError>;

    /// Writes a dump into this database in one transaction, keeping every id, so that case
    /// numbers continue after the source's. Refused with [`StoreError::NotEmpty`] (writing
    /// nothing) unless the database holds no layer record, case, event or token.
    async fn restore(&self, dump: &Dump, progress: dump::Progress<'_>) -> Result<(), StoreError>;

    /// The connection pool now, for `/metrics`; `None` for a backend without one.
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// Starts listening for writes committed by other processes (PostgreSQL's LISTEN/NOTIFY)
    /// and returns the signal they raise, so the change watcher need not wait for its next
    /// poll. `None` for a backend without notifications: the poll of [`Store::data_version`]
    /// and [`Store::report_changes`] alone keeps up.
    async fn listen(&self) -> Result<Option<Arc<ChangeSignal>>, StoreError> {
        Ok(None)
    }
}

/// Raised when another writer committed: wakes the change watcher. A signal raised while
/// nobody waits is kept (one permit), so none is lost between two waits.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    notify: tokio::sync::Notify,
    received: std::sync::atomic::AtomicU64,
}

impl ChangeSignal {
    /// A notification arrived.
    pub fn raise(&self) {
        self.received.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Waits for the next notification (or returns at once for one not yet waited for).
    pub async fn raised(&self) {
        self.notify.notified().await;
    }

    /// Notifications received since the process started (for `/metrics`).
    pub fn received(&self) -> u64 {
        self.received.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A backend's connection pool: connections open (in use or idle), idle ones, and the most it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

/// Which reports a listing or a statistic covers. Empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilter {
    pub case_numbers: Vec<String>,
    pub categories: Vec<Category>,
    pub states: Vec<CaseState>,
    /// The grid that owns the case (a grid worker's scope).
    pub grid_id: Option<String>,
    pub community_id: Option<String>,
    pub street_id: Option<String>,
    /// Created at or after / before (Unix seconds).
    pub created_from: Option<i64>,
    pub created_before: Option<i64>,
    /// The unit the case is (or is to be) dispatched to; with `dispatched`, a handler's scope.
    pub unit_id: Option<String>,
    /// Only cases dispatched (and not sent back since).
    pub dispatched: bool,
    /// Only cases whose current stage was due before this time (see `Duty::due_at`).
    pub overdue_at: Option<i64>,
    /// Only cases flagged for supervision (督办).
    pub supervised: bool,
    /// By filing time, newest first unless set; an overdue listing is always most overdue first.
    pub oldest_first: bool,
    /// At most this many rows (`None`: all), after skipping `offset`.
    pub limit: Option<u32>,
    pub offset: u32,
}

/// Which public updates [`Store::public_updates`] lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UpdateQuery {
    /// Events at or after / before (Unix seconds).
    pub at_from: Option<i64>,
    pub at_before: Option<i64>,
    pub limit: u32,
}

/// A client's key for a submission it may retry, stored with the case it files.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionKey {
    pub key: String,
    /// SHA-256 of who sent what, to tell a retry from another request under the same key.
    pub fingerprint: [u8; 32],
    /// Unix seconds.
    pub created_at: i64,
    /// Keys stored before this (Unix seconds) have expired: they are deleted first, so this
    /// one may be used again.
    pub forget_before: i64,
}

/// Open reports of a category near a point (the duplicate hints).
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyQuery<'a> {
    pub category: Category,
    /// The centre, WGS84 degrees.
    pub lon: f64,
    pub lat: f64,
    /// Metres (at most a few kilometres: distances are equirectangular, to a millimetre at 50 m).
    pub radius_m: f64,
    /// Filed at or after this time (Unix seconds).
    pub created_from: i64,
    /// A case to leave out (the one a replayed submission filed).
    pub except: Option<&'a str>,
    pub limit: u32,
}

/// The administrative level closure statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaLevel {
    Grid,
    Community,
    Street,
}

impl AreaLevel {
    /// The reports column holding the area's id.
    pub fn column(self) -> &'static str {
        match self {
            AreaLevel::Grid => "grid_id",
            AreaLevel::Community => "community_id",
            AreaLevel::Street => "street_id",
        }
    }
}

/// Case counts of one area. "Open" is received to in progress; "overdue" is any case whose
/// current stage is past due; `on_time` and `late` count closed cases by their record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosureCounts {
    pub area_id: String,
    pub total: u64,
    pub open: u64,
    pub overdue: u64,
    pub closed: u64,
    pub on_time: u64,
    pub late: u64,
}

/// Opens a PostgreSQL primary (creating and migrating as [`open`] does) with a streaming
/// replica of it to read from (see [`ReplicaStore`]).
pub async fn open_with_replica(primary: &str, replica: &str) -> Result<Arc<dyn Store>, StoreError> {
    let is_postgres = |url: &str| url.starts_with("postgres://") || url.starts_with("postgresql://");
    for url in [primary, replica] {
        if !is_postgres(url) {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        }
    }
    let primary = PostgresStore::open(primary).await?;
    let replica = PostgresStore::open_replica(replica).await?;
    Ok(Arc::new(ReplicaStore::new(primary, replica)))
}

/// Opens (creating and migrating if needed) the database a URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
