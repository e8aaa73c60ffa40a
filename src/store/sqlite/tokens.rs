//! Staff API tokens in SQLite, kept by the SHA-256 of their secret.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::model::reports::StaffToken;
use crate::model::scope::TokenScope;
use crate::store::{NewStaffToken, StoreError};

const SELECT_TOKEN: &str = "SELECT id, role, scope_kind, scope_id, label, created_at, expires_at, revoked_at FROM api_tokens";

pub async fn insert(pool: &SqlitePool, hash: &[u8; 32], token: &NewStaffToken<'_>) -> Result<i64, StoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (token_hash, role, scope_kind, scope_id, label, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&hash[..])
    .bind(token.role.as_str())
    .bind(token.scope.kind())
    .bind(token.scope.id())
    .bind(token.label)
    .bind(token.created_at)
    .bind(token.expires_at)
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
    let scope_kind: String = row.try_get("scope_kind")?;
    Ok(StaffToken {
        id,
        role: role.parse().map_err(|reason| StoreError::CorruptToken { id, reason })?,
        scope: TokenScope::from_columns(&scope_kind, row.try_get("scope_id")?).map_err(|reason| StoreError::CorruptToken { id, reason })?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}
