//! Staff API tokens in SQLite, kept by the SHA-256 of their secret.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::model::reports::{Role, StaffToken};
use crate::store::StoreError;

const SELECT_TOKEN: &str = "SELECT id, role, grid_id, label, created_at, revoked_at FROM api_tokens";

pub async fn insert(
    pool: &SqlitePool,
    hash: &[u8; 32],
    role: Role,
    grid_id: Option<&str>,
    label: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let id =
        sqlx::query_scalar("INSERT INTO api_tokens (token_hash, role, grid_id, label, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
            .bind(&hash[..])
            .bind(role.as_str())
            .bind(grid_id)
            .bind(label)
            .bind(now)
            .fetch_one(pool)
            .await?;
    Ok(id)
}

pub async fn by_hash(pool: &SqlitePool, hash: &[u8; 32]) -> Result<Option<StaffToken>, StoreError> {
    let sql = format!("{SELECT_TOKEN} WHERE token_hash = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&hash[..]).fetch_optional(pool).await?;
    row.as_ref().map(token_from).transpose()
}

pub async fn all(pool: &SqlitePool) -> Result<Vec<StaffToken>, StoreError> {
    let sql = format!("{SELECT_TOKEN} ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(token_from).collect()
}

pub async fn revoke(pool: &SqlitePool, id: i64, now: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").bind(now).bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

pub(super) fn token_from(row: &SqliteRow) -> Result<StaffToken, StoreError> {
    let id: i64 = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    Ok(StaffToken {
        id,
        role: role.parse().map_err(|reason| StoreError::CorruptToken { id, reason })?,
        grid_id: row.try_get("grid_id")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}
