//! The embedded default backend: one SQLite file, WAL journal, foreign keys on.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::geometry::{decode_geometry, encode_geometry};
use super::{Store, StoreError};
use crate::model::{
    Building, Community, Compound, Contact, ContactScope, Dataset, Grid, Layer, Record, Station, Street,
};

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
            // NORMAL in WAL mode survives a process crash; only power loss can lose the last commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
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
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn upsert(&self, data: &Dataset) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Micro-grids may precede their parent grid in a file; check references at commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *tx).await?;
        upsert_rows(&mut tx, "streets", &["name", "geometry"], &data.streets, |row, r| {
            row.push_bind(r.name.clone()).push_bind(encode_geometry(&r.geometry));
        })
        .await?;
        upsert_rows(&mut tx, "communities", &["name", "street_id", "geometry"], &data.communities, |row, r| {
            row.push_bind(r.name.clone()).push_bind(r.street_id.clone()).push_bind(encode_geometry(&r.geometry));
        })
        .await?;
        upsert_rows(
            &mut tx,
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
            &mut tx,
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
            &mut tx,
            "buildings",
            &["label", "compound_id", "grid_id", "floors", "units", "households", "population", "has_elevator", "geometry"],
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
                    .push_bind(encode_geometry(&r.geometry));
            },
        )
        .await?;
        upsert_rows(
            &mut tx,
            "stations",
            &["name", "kind", "level", "opening_hours", "phone", "community_id", "geometry"],
            &data.stations,
            |row, r| {
                row.push_bind(r.name.clone())
                    .push_bind(r.kind.as_str())
                    .push_bind(r.level.as_str())
                    .push_bind(r.opening_hours.clone())
                    .push_bind(r.phone.clone())
                    .push_bind(r.community_id.clone())
                    .push_bind(encode_geometry(&r.geometry));
            },
        )
        .await?;
        let mut contact_columns = vec!["role", "name", "phone"];
        contact_columns.extend(ContactScope::PROPERTIES);
        upsert_rows(&mut tx, "contacts", &contact_columns, &data.contacts, |row, r| {
            row.push_bind(r.role.as_str()).push_bind(r.name.clone()).push_bind(r.phone.clone());
            // One column per scope kind; exactly one is set (the table CHECKs it).
            for property in ContactScope::PROPERTIES {
                row.push_bind((property == r.scope.property()).then(|| r.scope.id().to_owned()));
            }
        })
        .await?;
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
        let mut data = Dataset::default();
        let mut rows = sqlx::query_as::<_, (String, String, String)>("SELECT id, name, geometry FROM streets")
            .fetch(&self.pool);
        while let Some((id, name, geometry)) = rows.try_next().await? {
            let geometry = geometry_of::<Street>(&id, &geometry)?;
            data.streets.push(Street { id, name, geometry });
        }
        drop(rows);

        let mut rows = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT id, name, street_id, geometry FROM communities",
        )
        .fetch(&self.pool);
        while let Some((id, name, street_id, geometry)) = rows.try_next().await? {
            let geometry = geometry_of::<Community>(&id, &geometry)?;
            data.communities.push(Community { id, name, street_id, geometry });
        }
        drop(rows);

        let mut rows = sqlx::query_as::<_, (String, String, String, String, Option<String>, i64, String)>(
            "SELECT id, name, level, community_id, parent_id, households, geometry FROM grids",
        )
        .fetch(&self.pool);
        while let Some((id, name, level, community_id, parent_id, households, geometry)) = rows.try_next().await? {
            data.grids.push(Grid {
                level: parse::<Grid, _>(&id, &level)?,
                households: number::<Grid, _>(&id, households)?,
                geometry: geometry_of::<Grid>(&id, &geometry)?,
                id,
                name,
                community_id,
                parent_id,
            });
        }
        drop(rows);

        let mut rows = sqlx::query_as::<_, (String, String, String, Option<String>, i64, Option<String>, String)>(
            "SELECT id, name, kind, property_company, households, community_id, geometry FROM compounds",
        )
        .fetch(&self.pool);
        while let Some((id, name, kind, property_company, households, community_id, geometry)) =
            rows.try_next().await?
        {
            data.compounds.push(Compound {
                kind: parse::<Compound, _>(&id, &kind)?,
                households: number::<Compound, _>(&id, households)?,
                geometry: geometry_of::<Compound>(&id, &geometry)?,
                id,
                name,
                property_company,
                community_id,
            });
        }
        drop(rows);

        type BuildingRow = (String, String, Option<String>, String, i64, i64, i64, i64, bool, String);
        let mut rows = sqlx::query_as::<_, BuildingRow>(
            "SELECT id, label, compound_id, grid_id, floors, units, households, population, has_elevator, geometry
             FROM buildings",
        )
        .fetch(&self.pool);
        while let Some((id, label, compound_id, grid_id, floors, units, households, population, has_elevator, geometry)) =
            rows.try_next().await?
        {
            data.buildings.push(Building {
                floors: number::<Building, _>(&id, floors)?,
                units: number::<Building, _>(&id, units)?,
                households: number::<Building, _>(&id, households)?,
                population: number::<Building, _>(&id, population)?,
                geometry: geometry_of::<Building>(&id, &geometry)?,
                id,
                label,
                compound_id,
                grid_id,
                has_elevator,
            });
        }
        drop(rows);

        type StationRow = (String, String, String, String, Option<String>, Option<String>, Option<String>, String);
        let mut rows = sqlx::query_as::<_, StationRow>(
            "SELECT id, name, kind, level, opening_hours, phone, community_id, geometry FROM stations",
        )
        .fetch(&self.pool);
        while let Some((id, name, kind, level, opening_hours, phone, community_id, geometry)) = rows.try_next().await? {
            data.stations.push(Station {
                kind: parse::<Station, _>(&id, &kind)?,
                level: parse::<Station, _>(&id, &level)?,
                geometry: geometry_of::<Station>(&id, &geometry)?,
                id,
                name,
                opening_hours,
                phone,
                community_id,
            });
        }
        drop(rows);

        type ContactRow =
            (String, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
        let mut rows = sqlx::query_as::<_, ContactRow>(
            "SELECT id, role, name, phone, street_id, community_id, grid_id, compound_id, building_id FROM contacts",
        )
        .fetch(&self.pool);
        while let Some((id, role, name, phone, street, community, grid, compound, building)) = rows.try_next().await? {
            let scope = [street, community, grid, compound, building]
                .into_iter()
                .zip(ContactScope::PROPERTIES)
                .find_map(|(value, property)| ContactScope::from_property(property, value?))
                .ok_or_else(|| corrupt::<Contact>(&id, "no scope column set".into()))?;
            data.contacts.push(Contact { role: parse::<Contact, _>(&id, &role)?, id, name, phone, scope });
        }
        Ok(data)
    }

    async fn data_version(&self) -> Result<i64, StoreError> {
        let version = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'data_version'")
            .fetch_one(&self.pool)
            .await?;
        Ok(version)
    }

    async fn count(&self, layer: Layer) -> Result<u64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table(layer));
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&self.pool).await?;
        Ok(count as u64)
    }
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
    Ok(())
}

fn corrupt<R: Record>(id: &str, reason: String) -> StoreError {
    StoreError::Corrupt { layer: R::LAYER, id: id.to_owned(), reason }
}

fn geometry_of<R: Record>(id: &str, text: &str) -> Result<geo::Geometry, StoreError> {
    decode_geometry(text).map_err(|reason| corrupt::<R>(id, reason))
}

fn parse<R: Record, T: FromStr<Err = String>>(id: &str, text: &str) -> Result<T, StoreError> {
    text.parse().map_err(|reason| corrupt::<R>(id, reason))
}

fn number<R: Record, T: TryFrom<i64>>(id: &str, value: i64) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| corrupt::<R>(id, format!("number {value} out of range")))
}
