//! The reporter's follow-up in postgres: the server keys the follow-up secrets are derived with,
//! cases found by the hash of their secret, and the public updates of cases (Open311's
//! `servicerequestupdates` and `status_notes`).

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::reports::event_from;

use crate::model::reports::ReportEvent;
use crate::store::dump::ServerKey;
use crate::store::{StoreError, UpdateQuery};

/// The key named `name`: the stored one, or `fresh` stored now if there is none yet. The
/// insert does nothing when another instance stored one first, and everyone reads that one.
pub async fn server_key(pool: &PgPool, name: &str, fresh: &[u8; 32]) -> Result<[u8; 32], StoreError> {
    sqlx::query("INSERT INTO server_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(&fresh[..])
        .execute(pool)
        .await?;
    let key: Vec<u8> = sqlx::query_scalar("SELECT key FROM server_keys WHERE name = $1").bind(name).fetch_one(pool).await?;
    key.try_into().map_err(|_| StoreError::Database(format!("server key {name:?} is not 32 bytes").into()))
}

/// Sets a case's follow-up hash unless it has one (it never changes once set).
pub async fn set_follow_hash(pool: &PgPool, case_number: &str, hash: &[u8; 32]) -> Result<(), StoreError> {
    sqlx::query("UPDATE reports SET follow_hash = $1 WHERE case_number = $2 AND follow_hash IS NULL")
        .bind(&hash[..])
        .bind(case_number)
        .execute(pool)
        .await?;
    Ok(())
}

/// The case whose follow-up secret hashes to `hash`.
pub async fn case_by_follow(pool: &PgPool, hash: &[u8; 32]) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT case_number FROM reports WHERE follow_hash = $1").bind(&hash[..]).fetch_optional(pool).await?)
}

/// The latest public staff reply of each of these cases (not the reporters' comments or
/// ratings), by case number, with its event's id.
pub async fn latest_replies(pool: &PgPool, case_numbers: &[String]) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut found = HashMap::new();
    for chunk in case_numbers.chunks(1_000) {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT r.case_number, e.id, e.reply FROM report_events e JOIN reports r ON r.id = e.report_id
             WHERE e.id IN (SELECT MAX(x.id) FROM report_events x JOIN reports c ON c.id = x.report_id
                 WHERE x.reply IS NOT NULL AND x.rating IS NULL AND x.action <> 'comment' AND c.case_number IN (",
        );
        let mut list = query.separated(", ");
        for case in chunk {
            list.push_bind(case.as_str());
        }
        query.push(") GROUP BY x.report_id)");
        let rows: Vec<(String, i64, String)> = query.build_query_as().fetch_all(pool).await?;
        found.extend(rows.into_iter().map(|(case, event, reply)| (case, (event, reply))));
    }
    Ok(found)
}

/// Public updates (a state move or a public text) in a window of event times, oldest first,
/// with their case numbers.
pub async fn public_updates(pool: &PgPool, query: &UpdateQuery) -> Result<Vec<(String, ReportEvent)>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(
        "SELECT r.case_number, e.id, e.at, e.actor, e.action, e.from_state, e.to_state, e.note, e.reply, e.rating
         FROM report_events e JOIN reports r ON r.id = e.report_id
         WHERE (e.to_state IS NOT NULL OR e.reply IS NOT NULL)",
    );
    if let Some(from) = query.at_from {
        sql.push(" AND e.at >= ").push_bind(from);
    }
    if let Some(before) = query.at_before {
        sql.push(" AND e.at < ").push_bind(before);
    }
    sql.push(" ORDER BY e.at, e.id LIMIT ").push_bind(i64::from(query.limit));
    let rows = sql.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let case: String = sqlx::Row::try_get(row, "case_number")?;
            let event = event_from(&case, row)?;
            Ok((case, event))
        })
        .collect()
}

/// Every server key, by name (for a dump).
pub async fn dump_keys(conn: &mut PgConnection) -> Result<Vec<ServerKey>, StoreError> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT name, key FROM server_keys ORDER BY name").fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|(name, key)| {
            let key = key.try_into().map_err(|_| StoreError::Database(format!("server key {name:?} is not 32 bytes").into()))?;
            Ok(ServerKey { name, key })
        })
        .collect()
}

/// Replaces the server keys with a dump's.
pub async fn restore_keys(conn: &mut PgConnection, keys: &[ServerKey]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM server_keys").execute(&mut *conn).await?;
    for key in keys {
        sqlx::query("INSERT INTO server_keys (name, key) VALUES ($1, $2)").bind(&key.name).bind(&key.key[..]).execute(&mut *conn).await?;
    }
    Ok(())
}
