//! Staff API tokens in PostgreSQL, kept by the SHA-256 of their secret.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use super::listen::{Changed, notify};
use crate::model::reports::StaffToken;
use crate::model::scope::TokenScope;
use crate::store::{NewStaffToken, StoreError};

const SELECT_TOKEN: &str = "SELECT id, role, scope_kind, scope_id, label, created_at, expires_at, revoked_at FROM api_tokens";

pub async fn insert(pool: &PgPool, hash: &[u8; 32], token: &NewStaffToken<'_>) -> Result<i64, StoreError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar(
        "INSERT INTO api_tokens (token_hash, role, scope_kind, scope_id, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&hash[..])
    .bind(token.role.as_str())
    .bind(token.scope.kind())
    .bind(token.scope.id())
    .bind(token.label)
    .bind(token.created_at)
    .bind(token.expires_at)
    .fetch_one(&mut *tx)
    .await?;
    notify(&mut tx, Changed::Tokens).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn by_hash(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<StaffToken>, StoreError> {
    let sql = format!("{SELECT_TOKEN} WHERE token_hash = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&hash[..]).fetch_optional(pool).await?;
    row.as_ref().map(token_from).transpose()
}

pub async fn all(pool: &PgPool) -> Result<Vec<StaffToken>, StoreError> {
    let sql = format!("{SELECT_TOKEN} ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(token_from).collect()
}

pub async fn revoke(pool: &PgPool, id: i64, now: i64) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let revoked = done.rows_affected() == 1;
    if revoked {
        notify(&mut tx, Changed::Tokens).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

pub(super) fn token_from(row: &PgRow) -> Result<StaffToken, StoreError> {
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
