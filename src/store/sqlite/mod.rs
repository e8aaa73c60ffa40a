//! The embedded default backend: one SQLite file, WAL journal, foreign keys on.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

mod categories;
mod dump;
mod follow;
mod nearby;
mod notify;
mod photos;
mod read;
mod reports;
mod tokens;

use super::dump::{Dump, Progress};
use super::geometry::encode_geometry;
use super::unit_areas;
use super::{
    AreaLevel, ClosureCounts, ModerationWrite, NearbyQuery, NewStaffToken, PoolStatus, ReportFilter, Store, StoreError, SubmissionKey,
};
use super::{Claim, NoticeQuery, NoticesFor, Outcome};
use crate::model::categories::{CategoryChange, CategorySetting};
use crate::model::notify::{Notice, NotifyEvent, OutboxCounts, StoredNotice, Subscription};
use crate::model::photos::{Moderation, NewPhoto, PhotoInfo};
use crate::model::reports::{Report, ReportEvent, ReportRow, StaffToken};
use crate::model::{ContactScope, Dataset, Layer, Record, Unit};

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound variables at 10 columns,
/// and large enough that statement overhead stops mattering.
const ROWS_PER_STATEMENT: usize = 1_000;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens `url` (for example `sqlite://data/minsheng.db` or `sqlite::memory:`), creating
    /// the file and its parent folder if needed, and applies pending migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before it returns, so a report acknowledged with 201
            // survives power loss too, not only a crash (NORMAL would only promise the latter).
            // Bulk imports are one transaction each, so this costs one fsync per import.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(Box::new(e)))?;
        }
        // An in-memory database lives per connection: keep exactly one.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        categories::seed(&pool, crate::model::time::now()).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn pool_status(&self) -> Option<PoolStatus> {
        Some(PoolStatus { size: self.pool.size(), idle: self.pool.num_idle(), max: self.pool.options().get_max_connections() })
    }

    async fn upsert(&self, data: &Dataset) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        upsert_layers(&mut tx, data, &|_, _| {}).await?;
        sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'data_version'").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn ids(&self, layer: Layer) -> Result<HashSet<String>, StoreError> {
        let sql = format!("SELECT id FROM {}", table(layer));
        let ids = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch(&self.pool).try_collect().await?;
        Ok(ids)
    }

    async fn load(&self) -> Result<Dataset, StoreError> {
        read::load(&self.pool).await
    }

    async fn data_version(&self) -> Result<i64, StoreError> {
        let version = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'data_version'").fetch_one(&self.pool).await?;
        Ok(version)
    }

    async fn insert_report(
        &self,
        report: &Report,
        event: &ReportEvent,
        key: Option<&SubmissionKey>,
        notices: NoticesFor<'_>,
    ) -> Result<String, StoreError> {
        reports::insert(&self.pool, report, event, key, notices).await
    }

    async fn submission_key(&self, key: &str, since: i64) -> Result<Option<(String, [u8; 32])>, StoreError> {
        reports::submission_key(&self.pool, key, since).await
    }

    async fn report(&self, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError> {
        reports::get(&self.pool, case_number).await
    }

    async fn server_key(&self, name: &str, fresh: &[u8; 32]) -> Result<[u8; 32], StoreError> {
        follow::server_key(&self.pool, name, fresh).await
    }

    async fn set_follow_hash(&self, case_number: &str, hash: &[u8; 32]) -> Result<(), StoreError> {
        follow::set_follow_hash(&self.pool, case_number, hash).await
    }

    async fn case_by_follow(&self, hash: &[u8; 32]) -> Result<Option<String>, StoreError> {
        follow::case_by_follow(&self.pool, hash).await
    }

    async fn latest_replies(&self, case_numbers: &[String]) -> Result<HashMap<String, (i64, String)>, StoreError> {
        follow::latest_replies(&self.pool, case_numbers).await
    }

    async fn public_updates(&self, query: &super::UpdateQuery) -> Result<Vec<(String, ReportEvent)>, StoreError> {
        follow::public_updates(&self.pool, query).await
    }

    async fn open_reports_near(&self, query: &NearbyQuery<'_>) -> Result<(Vec<Report>, u64), StoreError> {
        nearby::open_near(&self.pool, query).await
    }

    async fn support_report(&self, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError> {
        reports::support(&self.pool, case_number, event).await
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>, StoreError> {
        reports::list(&self.pool, filter).await
    }

    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64, StoreError> {
        reports::count(&self.pool, filter).await
    }

    async fn update_report(&self, read_version: u32, report: &Report, event: &ReportEvent, notices: &[Notice]) -> Result<bool, StoreError> {
        reports::update(&self.pool, read_version, report, event, notices).await
    }

    async fn queue_notices(&self, notices: &[Notice]) -> Result<u64, StoreError> {
        notify::queue(&self.pool, notices).await
    }

    async fn claim_notices(&self, claim: &Claim<'_>) -> Result<Vec<StoredNotice>, StoreError> {
        notify::claim(&self.pool, claim).await
    }

    async fn finish_notice(&self, id: i64, worker: &str, outcome: &Outcome) -> Result<bool, StoreError> {
        notify::finish(&self.pool, id, worker, outcome).await
    }

    async fn notices(&self, query: &NoticeQuery) -> Result<Vec<StoredNotice>, StoreError> {
        notify::list(&self.pool, query).await
    }

    async fn replay_notices(&self, id: Option<i64>, now: i64) -> Result<u64, StoreError> {
        notify::replay(&self.pool, id, now).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        notify::counts(&self.pool).await
    }

    async fn notify_templates(&self) -> Result<Vec<(NotifyEvent, String)>, StoreError> {
        notify::templates(&self.pool).await
    }

    async fn write_notify_template(&self, event: NotifyEvent, text: Option<&str>, by: &str, at: i64) -> Result<(), StoreError> {
        notify::write_template(&self.pool, event, text, by, at).await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        notify::subscriptions(&self.pool).await
    }

    async fn insert_subscription(&self, subscription: &Subscription) -> Result<i64, StoreError> {
        notify::insert_subscription(&self.pool, subscription).await
    }

    async fn delete_subscription(&self, id: i64) -> Result<bool, StoreError> {
        notify::delete_subscription(&self.pool, id).await
    }

    async fn insert_reports(&self, cases: &[(Report, Vec<ReportEvent>)]) -> Result<Vec<String>, StoreError> {
        reports::insert_many(&self.pool, cases).await
    }

    async fn stored_external_ids(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        reports::stored_external_ids(&self.pool, ids).await
    }

    async fn closure_counts(&self, level: AreaLevel, filter: &ReportFilter, now: i64) -> Result<Vec<ClosureCounts>, StoreError> {
        reports::closure_counts(&self.pool, level, filter, now).await
    }

    async fn report_changes(&self, after_event: i64) -> Result<(Vec<ReportRow>, i64), StoreError> {
        read::report_rows(&self.pool, after_event).await
    }

    async fn insert_token(&self, hash: &[u8; 32], token: &NewStaffToken<'_>) -> Result<i64, StoreError> {
        tokens::insert(&self.pool, hash, token).await
    }

    async fn token(&self, hash: &[u8; 32]) -> Result<Option<StaffToken>, StoreError> {
        tokens::by_hash(&self.pool, hash).await
    }

    async fn tokens(&self) -> Result<Vec<StaffToken>, StoreError> {
        tokens::all(&self.pool).await
    }

    async fn revoke_token(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        tokens::revoke(&self.pool, id, now).await
    }

    async fn category_settings(&self) -> Result<Vec<CategorySetting>, StoreError> {
        categories::all(&self.pool).await
    }

    async fn write_category(
        &self,
        before: Option<&CategorySetting>,
        after: &CategorySetting,
        change: &CategoryChange,
    ) -> Result<bool, StoreError> {
        categories::write(&self.pool, before, after, change).await
    }

    async fn category_changes(&self, limit: u32) -> Result<Vec<CategoryChange>, StoreError> {
        categories::changes(&self.pool, Some(limit)).await
    }

    async fn insert_photos(&self, case_number: Option<&str>, photos: &[NewPhoto]) -> Result<Option<Vec<i64>>, StoreError> {
        photos::insert(&self.pool, case_number, photos).await
    }

    async fn attach_photos(&self, case_number: &str, ids: &[i64]) -> Result<(), StoreError> {
        photos::attach(&self.pool, case_number, ids).await
    }

    async fn discard_photos(&self, ids: &[i64]) -> Result<(), StoreError> {
        photos::discard(&self.pool, ids).await
    }

    async fn photos_of(&self, case_numbers: &[String]) -> Result<Vec<PhotoInfo>, StoreError> {
        photos::of_cases(&self.pool, case_numbers).await
    }

    async fn photo(&self, id: i64) -> Result<Option<PhotoInfo>, StoreError> {
        photos::get(&self.pool, id).await
    }

    async fn photo_bytes(&self, id: i64, thumb: bool) -> Result<Option<Vec<u8>>, StoreError> {
        photos::bytes(&self.pool, id, thumb).await
    }

    async fn moderate(&self, moderation: &Moderation, event: &ReportEvent) -> Result<ModerationWrite, StoreError> {
        photos::moderate(&self.pool, moderation, event).await
    }

    async fn revert_moderation(&self, id: i64, by: &str, at: i64, event: &ReportEvent) -> Result<Option<Moderation>, StoreError> {
        photos::revert(&self.pool, id, by, at, event).await
    }

    async fn moderations_of(&self, case_numbers: &[String]) -> Result<Vec<Moderation>, StoreError> {
        photos::moderations_of(&self.pool, case_numbers).await
    }

    async fn moderation(&self, id: i64) -> Result<Option<Moderation>, StoreError> {
        photos::moderation(&self.pool, id).await
    }

    async fn dump(&self) -> Result<Dump, StoreError> {
        dump::dump(&self.pool).await
    }

    async fn restore(&self, data: &Dump, progress: Progress<'_>) -> Result<(), StoreError> {
        dump::restore(&self.pool, data, progress).await
    }

    async fn count(&self, layer: Layer) -> Result<u64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table(layer));
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&self.pool).await?;
        Ok(count as u64)
    }
}

/// Writes every layer of `data` inside the caller's transaction (an import, a restore),
/// telling `progress` as each layer is written.
async fn upsert_layers(conn: &mut SqliteConnection, data: &Dataset, progress: Progress<'_>) -> Result<(), StoreError> {
    // Micro-grids may precede their parent grid in a file; check references at commit.
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *conn).await?;
    upsert_rows(&mut *conn, progress, "streets", &["name", "geometry"], &data.streets, |row, r| {
        row.push_bind(r.name.clone()).push_bind(encode_geometry(&r.geometry));
    })
    .await?;
    upsert_rows(&mut *conn, progress, "communities", &["name", "street_id", "geometry"], &data.communities, |row, r| {
        row.push_bind(r.name.clone()).push_bind(r.street_id.clone()).push_bind(encode_geometry(&r.geometry));
    })
    .await?;
    upsert_rows(
        &mut *conn,
        progress,
        "grids",
        &["name", "level", "community_id", "parent_id", "households", "geometry"],
        &data.grids,
        |row, r| {
            row.push_bind(r.name.clone())
                .push_bind(r.level.as_str())
                .push_bind(r.community_id.clone())
                .push_bind(r.parent_id.clone())
                .push_bind(i64::from(r.households))
                .push_bind(encode_geometry(&r.geometry));
        },
    )
    .await?;
    upsert_rows(
        &mut *conn,
        progress,
        "compounds",
        &["name", "kind", "property_company", "households", "community_id", "geometry"],
        &data.compounds,
        |row, r| {
            row.push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(r.property_company.clone())
                .push_bind(i64::from(r.households))
                .push_bind(r.community_id.clone())
                .push_bind(encode_geometry(&r.geometry));
        },
    )
    .await?;
    upsert_rows(
        &mut *conn,
        progress,
        "buildings",
        &[
            "label",
            "compound_id",
            "grid_id",
            "floors",
            "units",
            "households",
            "population",
            "has_elevator",
            "elderly",
            "children",
            "geometry",
        ],
        &data.buildings,
        |row, r| {
            row.push_bind(r.label.clone())
                .push_bind(r.compound_id.clone())
                .push_bind(r.grid_id.clone())
                .push_bind(i64::from(r.floors))
                .push_bind(i64::from(r.units))
                .push_bind(i64::from(r.households))
                .push_bind(i64::from(r.population))
                .push_bind(r.has_elevator)
                .push_bind(r.elderly.map(i64::from))
                .push_bind(r.children.map(i64::from))
                .push_bind(encode_geometry(&r.geometry));
        },
    )
    .await?;
    upsert_rows(
        &mut *conn,
        progress,
        "stations",
        &["name", "kind", "level", "opening_hours", "phone", "community_id", "capacity", "geometry"],
        &data.stations,
        |row, r| {
            row.push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(r.level.as_str())
                .push_bind(r.opening_hours.clone())
                .push_bind(r.phone.clone())
                .push_bind(r.community_id.clone())
                .push_bind(r.capacity.map(i64::from))
                .push_bind(encode_geometry(&r.geometry));
        },
    )
    .await?;
    let mut contact_columns = vec!["role", "name", "phone"];
    contact_columns.extend(ContactScope::PROPERTIES);
    upsert_rows(&mut *conn, progress, "contacts", &contact_columns, &data.contacts, |row, r| {
        row.push_bind(r.role.as_str()).push_bind(r.name.clone()).push_bind(r.phone.clone());
        // One column per scope kind; exactly one is set (the table CHECKs it).
        for property in ContactScope::PROPERTIES {
            row.push_bind((property == r.scope.property()).then(|| r.scope.id().to_owned()));
        }
    })
    .await?;
    upsert_rows(&mut *conn, progress, "walkways", &["kind", "name", "geometry"], &data.walkways, |row, r| {
        row.push_bind(r.kind.clone()).push_bind(r.name.clone()).push_bind(encode_geometry(&r.geometry));
    })
    .await?;
    upsert_rows(&mut *conn, progress, "units", &["name", "kind", "phone"], &data.units, |row, r| {
        row.push_bind(r.name.clone()).push_bind(r.kind.as_str()).push_bind(r.phone.clone());
    })
    .await?;
    upsert_rows(
        &mut *conn,
        progress,
        "candidate_sites",
        &["name", "kind", "area_m2", "community_id", "geometry"],
        &data.candidate_sites,
        |row, r| {
            row.push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(r.area_m2)
                .push_bind(r.community_id.clone())
                .push_bind(encode_geometry(&r.geometry));
        },
    )
    .await?;
    replace_unit_areas(&mut *conn, &data.units).await?;
    Ok(())
}

/// Replaces the areas of `units` with the ones they list now: a re-imported unit serves
/// what its new record says, not also what it served before.
async fn replace_unit_areas(conn: &mut SqliteConnection, units: &[Unit]) -> Result<(), StoreError> {
    for chunk in units.chunks(ROWS_PER_STATEMENT) {
        let mut delete = QueryBuilder::<Sqlite>::new("DELETE FROM unit_areas WHERE unit_id IN (");
        let mut ids = delete.separated(", ");
        for unit in chunk {
            ids.push_bind(unit.id.clone());
        }
        delete.push(")").build().execute(&mut *conn).await?;
    }
    let insert = unit_areas::insert_statement();
    for chunk in unit_areas::rows(units).chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(&insert);
        query.push_values(chunk, |mut row, area| {
            row.push_bind(area.unit_id.clone());
            for column in &area.areas {
                row.push_bind(column.clone());
            }
        });
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The table holding a layer. Table names are the layer words from a closed enum, so SQL
/// built with them (wrapped in `AssertSqlSafe`) carries no caller text.
fn table(layer: Layer) -> &'static str {
    layer.as_str()
}

/// Inserts records in multi-row statements; a record whose id exists is updated in place,
/// so ids (and rows that reference them) stay stable across re-imports.
async fn upsert_rows<R: Record>(
    conn: &mut SqliteConnection,
    progress: Progress<'_>,
    table: &str,
    columns: &[&str],
    records: &[R],
    mut bind: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, &R),
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let insert = format!("INSERT INTO {table} (id, {}) ", columns.join(", "));
    let update = columns.iter().map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ");
    let on_conflict = format!(" ON CONFLICT (id) DO UPDATE SET {update}");
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(&insert);
        query.push_values(chunk, |mut row, record| {
            row.push_bind(record.id().to_owned());
            bind(&mut row, record);
        });
        query.push(&on_conflict);
        query.build().execute(&mut *conn).await?;
    }
    progress(table, records.len());
    Ok(())
}
