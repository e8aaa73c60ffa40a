//! Category settings and their audit in PostgreSQL (the statements are shared, in
//! `store::categories`).

use sqlx::{Executor, PgConnection, PgPool, Postgres};

use crate::model::categories::{CategoryChange, CategorySetting};
use crate::store::StoreError;
use crate::store::categories::{
    CHANGE_COLUMNS, ChangeRow, SETTING_COLUMNS, SettingRow, change_from, insert_changes, insert_settings, setting_from, update_setting,
};
use crate::store::dump::Dump;

/// Stores the built-in categories that are not stored yet; never overwrites a stored one.
pub async fn seed(pool: &PgPool, now: i64) -> Result<(), StoreError> {
    insert_settings(&CategorySetting::builtins(now), true).build().execute(pool).await?;
    Ok(())
}

pub async fn all<'e>(db: impl Executor<'e, Database = Postgres>) -> Result<Vec<CategorySetting>, StoreError> {
    let sql = format!("SELECT {SETTING_COLUMNS} FROM category_settings ORDER BY key");
    let rows: Vec<SettingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(db).await?;
    rows.into_iter().map(setting_from).collect()
}

pub async fn write(
    pool: &PgPool,
    before: Option<&CategorySetting>,
    after: &CategorySetting,
    change: &CategoryChange,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let done = match before {
        Some(before) => update_setting(before, after).build().execute(&mut *tx).await?,
        None => insert_settings(std::slice::from_ref(after), true).build().execute(&mut *tx).await?,
    };
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    insert_changes(std::slice::from_ref(change), false, "").build().execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// The newest `limit` changes (all of them for `None`), newest first.
pub async fn changes<'e>(db: impl Executor<'e, Database = Postgres>, limit: Option<u32>) -> Result<Vec<CategoryChange>, StoreError> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM category_changes ORDER BY id DESC LIMIT $1");
    let limit = limit.map(i64::from);
    let rows: Vec<ChangeRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(db).await?;
    Ok(rows.into_iter().map(change_from).collect())
}

/// Every setting by key and every change by id, inside a dump's transaction.
pub(super) async fn dump(conn: &mut PgConnection) -> Result<(Vec<CategorySetting>, Vec<CategoryChange>), StoreError> {
    let settings = all(&mut *conn).await?;
    let mut changes = changes(&mut *conn, None).await?;
    changes.reverse();
    Ok((settings, changes))
}

/// Replaces the settings seeded when this database opened with the dump's, and writes its
/// audit, inside a restore's transaction.
pub(super) async fn restore(conn: &mut PgConnection, dump: &Dump) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM category_settings").execute(&mut *conn).await?;
    // Top-level categories sort before their children (`parking` < `parking/…`).
    if !dump.categories.is_empty() {
        insert_settings(&dump.categories, false).build().execute(&mut *conn).await?;
    }
    if !dump.category_changes.is_empty() {
        insert_changes(&dump.category_changes, true, "OVERRIDING SYSTEM VALUE").build().execute(&mut *conn).await?;
    }
    Ok(())
}
