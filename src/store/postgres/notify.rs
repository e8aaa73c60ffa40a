//! The notification outbox, its templates and the webhook subscriptions in PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};

use crate::model::notify::Notice;
use crate::model::notify::{NoticeState, NotifyEvent, OutboxCounts, StoredNotice, Subscription};
use crate::store::StoreError;
use crate::store::dump::{Dump, TemplateRow};
use crate::store::notify::{Claim, NOTICE_COLUMNS, NoticeColumns, NoticeQuery, Outcome, SubscriptionColumns};

/// Queues messages in the caller's transaction; a key stored already is skipped (the same
/// message queued twice is one message). Returns how many were new.
pub async fn insert(conn: &mut PgConnection, notices: &[Notice]) -> Result<u64, StoreError> {
    let mut added = 0;
    for notice in notices {
        let done = sqlx::query(
            "INSERT INTO notifications (key, case_number, event, recipient, address, url, text, payload, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&notice.key)
        .bind(&notice.case_number)
        .bind(notice.event.as_str())
        .bind(notice.recipient.as_str())
        .bind(&notice.address)
        .bind(&notice.url)
        .bind(&notice.text)
        .bind(notice.payload.to_string())
        .bind(notice.created_at)
        .bind(notice.created_at)
        .execute(&mut *conn)
        .await?;
        added += done.rows_affected();
    }
    Ok(added)
}

pub async fn queue(pool: &PgPool, notices: &[Notice]) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    let added = insert(&mut tx, notices).await?;
    tx.commit().await?;
    Ok(added)
}

fn notice_from(row: &PgRow) -> Result<StoredNotice, StoreError> {
    NoticeColumns {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        case_number: row.try_get("case_number")?,
        event: row.try_get("event")?,
        recipient: row.try_get("recipient")?,
        address: row.try_get("address")?,
        url: row.try_get("url")?,
        text: row.try_get("text")?,
        payload: row.try_get("payload")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row.try_get("delivered_at")?,
        created_at: row.try_get("created_at")?,
    }
    .into_notice()
}

/// Leases due rows to a worker. `FOR UPDATE SKIP LOCKED`: rows another worker is leasing
/// at this moment are passed over, and a row leased meanwhile fails the re-checked condition,
/// so two workers (in this process or another) never lease the same row.
pub async fn claim(pool: &PgPool, claim: &Claim<'_>) -> Result<Vec<StoredNotice>, StoreError> {
    let gateway = if claim.gateway { "" } else { " AND url IS NOT NULL" };
    let sql = format!(
        "UPDATE notifications SET claimed_by = $1, claimed_until = $2
         WHERE id IN (SELECT id FROM notifications
                      WHERE state = 'pending' AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $4){gateway}
                      ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED)
         RETURNING {NOTICE_COLUMNS}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(claim.worker)
        .bind(claim.lease_until)
        .bind(claim.now)
        .bind(claim.now)
        .bind(i64::from(claim.limit))
        .fetch_all(pool)
        .await?;
    let mut notices = rows.iter().map(notice_from).collect::<Result<Vec<_>, _>>()?;
    notices.sort_by_key(|n| n.id);
    Ok(notices)
}

/// Records a try of a row this worker holds; `false` if its lease was lost (another worker
/// has it now, and its record counts).
pub async fn finish(pool: &PgPool, id: i64, worker: &str, outcome: &Outcome) -> Result<bool, StoreError> {
    let done = match outcome {
        Outcome::Delivered { at } => {
            sqlx::query(
                "UPDATE notifications SET state = 'delivered', delivered_at = $1, claimed_by = NULL, claimed_until = NULL
                 WHERE id = $2 AND claimed_by = $3 AND state = 'pending'",
            )
            .bind(at)
            .bind(id)
            .bind(worker)
            .execute(pool)
            .await?
        }
        Outcome::Failed { error, next_attempt_at, dead } => {
            sqlx::query(
                "UPDATE notifications SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, state = $3,
                     claimed_by = NULL, claimed_until = NULL
                 WHERE id = $4 AND claimed_by = $5 AND state = 'pending'",
            )
            .bind(error)
            .bind(next_attempt_at)
            .bind(if *dead { NoticeState::Dead } else { NoticeState::Pending }.as_str())
            .bind(id)
            .bind(worker)
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

pub async fn list(pool: &PgPool, query: &NoticeQuery) -> Result<Vec<StoredNotice>, StoreError> {
    let sql = format!(
        "SELECT {NOTICE_COLUMNS} FROM notifications WHERE ($1::text IS NULL OR state = $2) AND ($3::text IS NULL OR case_number = $4)
         ORDER BY id DESC LIMIT $5"
    );
    let state = query.state.map(|s| s.as_str());
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(state)
        .bind(state)
        .bind(&query.case_number)
        .bind(&query.case_number)
        .bind(i64::from(query.limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(notice_from).collect()
}

/// Puts dead letters (one, or all with `None`) back in the queue, due now, with their tries
/// counted afresh. Returns how many.
pub async fn replay(pool: &PgPool, id: Option<i64>, now: i64) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET state = 'pending', attempts = 0, next_attempt_at = $1, claimed_by = NULL, claimed_until = NULL
         WHERE state = 'dead' AND ($2::bigint IS NULL OR id = $3)",
    )
    .bind(now)
    .bind(id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub async fn counts(pool: &PgPool) -> Result<OutboxCounts, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT state, COUNT(*) FROM notifications GROUP BY state").fetch_all(pool).await?;
    let mut counts = OutboxCounts::default();
    for (state, n) in rows {
        let n = n as u64;
        match state.parse::<NoticeState>() {
            Ok(NoticeState::Pending) => counts.pending = n,
            Ok(NoticeState::Delivered) => counts.delivered = n,
            Ok(NoticeState::Dead) => counts.dead = n,
            Err(reason) => return Err(StoreError::CorruptReport { case: "notifications".into(), reason }),
        }
    }
    Ok(counts)
}

pub async fn templates(pool: &PgPool) -> Result<Vec<(NotifyEvent, String)>, StoreError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT event, text FROM notify_templates ORDER BY event").fetch_all(pool).await?;
    rows.into_iter()
        .map(|(event, text)| {
            let event = event.parse().map_err(|reason| StoreError::CorruptReport { case: "notify_templates".into(), reason })?;
            Ok((event, text))
        })
        .collect()
}

pub async fn write_template(pool: &PgPool, event: NotifyEvent, text: Option<&str>, by: &str, at: i64) -> Result<(), StoreError> {
    match text {
        Some(text) => {
            sqlx::query(
                "INSERT INTO notify_templates (event, text, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (event) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(event.as_str())
            .bind(text)
            .bind(at)
            .bind(by)
            .execute(pool)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM notify_templates WHERE event = $1").bind(event.as_str()).execute(pool).await?;
        }
    }
    Ok(())
}

fn subscription_from(row: &PgRow) -> Result<Subscription, StoreError> {
    SubscriptionColumns {
        id: row.try_get("id")?,
        compound_id: row.try_get("compound_id")?,
        grid_id: row.try_get("grid_id")?,
        polygon: row.try_get("polygon")?,
        categories: row.try_get("categories")?,
        url: row.try_get("url")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    }
    .into_subscription()
}

pub async fn subscriptions(pool: &PgPool) -> Result<Vec<Subscription>, StoreError> {
    let rows = sqlx::query("SELECT * FROM subscriptions ORDER BY id").fetch_all(pool).await?;
    rows.iter().map(subscription_from).collect()
}

pub async fn insert_subscription(pool: &PgPool, subscription: &Subscription) -> Result<i64, StoreError> {
    let c = SubscriptionColumns::of(subscription);
    let id = sqlx::query_scalar(
        "INSERT INTO subscriptions (compound_id, grid_id, polygon, categories, url, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(c.compound_id)
    .bind(c.grid_id)
    .bind(c.polygon)
    .bind(c.categories)
    .bind(c.url)
    .bind(c.created_by)
    .bind(c.created_at)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub async fn delete_subscription(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM subscriptions WHERE id = $1").bind(id).execute(pool).await?;
    Ok(done.rows_affected() == 1)
}

/// The outbox, the templates and the subscriptions, for `migrate-db` (read while no one writes).
pub async fn dump(pool: &PgPool) -> Result<(Vec<StoredNotice>, Vec<TemplateRow>, Vec<Subscription>), StoreError> {
    let sql = format!("SELECT {NOTICE_COLUMNS} FROM notifications ORDER BY id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    let notices = rows.iter().map(notice_from).collect::<Result<_, _>>()?;
    let rows: Vec<(String, String, i64, String)> =
        sqlx::query_as("SELECT event, text, updated_at, updated_by FROM notify_templates ORDER BY event").fetch_all(pool).await?;
    let templates = rows
        .into_iter()
        .map(|(event, text, updated_at, updated_by)| {
            let event = event.parse().map_err(|reason| StoreError::CorruptReport { case: "notify_templates".into(), reason })?;
            Ok(TemplateRow { event, text, updated_at, updated_by })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((notices, templates, subscriptions(pool).await?))
}

/// Writes the outbox, the templates and the subscriptions of a dump, keeping their ids.
pub async fn restore(conn: &mut PgConnection, dump: &Dump) -> Result<(), StoreError> {
    for row in &dump.notifications {
        let n = &row.notice;
        sqlx::query(
            "INSERT INTO notifications (id, key, case_number, event, recipient, address, url, text, payload, state, attempts,
                 next_attempt_at, last_error, created_at, delivered_at) OVERRIDING SYSTEM VALUE
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(row.id)
        .bind(&n.key)
        .bind(&n.case_number)
        .bind(n.event.as_str())
        .bind(n.recipient.as_str())
        .bind(&n.address)
        .bind(&n.url)
        .bind(&n.text)
        .bind(n.payload.to_string())
        .bind(row.state.as_str())
        .bind(i64::from(row.attempts))
        .bind(row.next_attempt_at)
        .bind(&row.last_error)
        .bind(n.created_at)
        .bind(row.delivered_at)
        .execute(&mut *conn)
        .await?;
    }
    for t in &dump.notify_templates {
        sqlx::query("INSERT INTO notify_templates (event, text, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
            .bind(t.event.as_str())
            .bind(&t.text)
            .bind(t.updated_at)
            .bind(&t.updated_by)
            .execute(&mut *conn)
            .await?;
    }
    for subscription in &dump.subscriptions {
        let c = SubscriptionColumns::of(subscription);
        sqlx::query(
            "INSERT INTO subscriptions (id, compound_id, grid_id, polygon, categories, url, created_by, created_at) OVERRIDING SYSTEM VALUE
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id)
        .bind(c.compound_id)
        .bind(c.grid_id)
        .bind(c.polygon)
        .bind(c.categories)
        .bind(c.url)
        .bind(c.created_by)
        .bind(c.created_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
