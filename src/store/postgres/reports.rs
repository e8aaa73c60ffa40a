//! Reports and their audit trail in PostgreSQL.
//!
//! Every transaction that writes a case first takes one transaction-scoped advisory lock, so
//! case writes run one at a time as they do on SQLite's single writer. That keeps the
//! races exactly as on SQLite (a "me too" and a move never interleave), and it makes audit
//! event ids become visible in increasing order, which the in-memory copy of the reports
//! relies on to catch up by "events after the last one seen".

use std::collections::HashMap;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::listen::{Changed, notify};
use crate::model::reports::{Report, ReportEvent, Routed};
use crate::store::duty::{DUTY_COLUMNS, bind_duty, duty_from, follow_from, push_duty_assignments};
use crate::store::{AreaLevel, ClosureCounts, ReportFilter, StoreError, SubmissionKey};

/// Rows per multi-row INSERT of a historical import: 28 columns × 1,000 stays under
/// PostgreSQL's 65,535 bind parameters.
const CASES_PER_STATEMENT: usize = 1_000;
const EVENTS_PER_STATEMENT: usize = 5_000;

/// The advisory lock key of case writes (any fixed number no other code uses: "MSRE").
const REPORT_WRITES: i64 = 0x4d53_5245;

/// The columns a [`Report`] is read from, named (not `r.*`): the table also has the PostGIS
/// `location` column for GIS tools, which the service does not read.
pub(super) const SELECT_REPORT: &str = "SELECT r.id, r.case_number, r.category, r.source, r.description, r.photo_url,
         r.reporter_name, r.reporter_phone, r.lon, r.lat, r.building_id, r.compound_id, r.micro_grid_id, r.grid_id,
         r.community_id, r.street_id, r.tier, r.responder, r.responder_phone, r.state, r.supporters, r.created_at,
         r.dispatched_at, r.deadline_at, r.resolved_at, r.closed_at, r.on_time, r.external_id, r.version,
         r.subcategory, r.unit_id, r.response_secs, r.resolution_secs, r.responded_at, r.original_deadline_at,
         r.extension_requested_to, r.supervised_at, r.resolved_by, r.reopened, r.notify, r.follow_hash, r.rating,
         r.rated_at, r.unsatisfied, d.case_number AS duplicate_case
     FROM reports r LEFT JOIN reports d ON d.id = r.duplicate_of";

/// Waits for the case-write lock; it is released when the transaction ends.
async fn lock_report_writes(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(REPORT_WRITES).execute(conn).await?;
    Ok(())
}

/// A case number: `MS` and the number in at least 8 digits (as on SQLite).
fn case_number(id: i64) -> String {
    format!("MS{id:08}")
}

/// Inserts a report, its first event and its submission key in one transaction; returns the
/// case number, made from the next value of the `case_numbers` sequence.
pub async fn insert(pool: &PgPool, report: &Report, event: &ReportEvent, key: Option<&SubmissionKey>) -> Result<String, StoreError> {
    let mut tx = pool.begin().await?;
    lock_report_writes(&mut tx).await?;
    if let Some(key) = key {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(key.forget_before).execute(&mut *tx).await?;
        // Writers take turns, so a key stored by a concurrent first attempt is visible here.
        // Checking before taking a number leaves no gap in the case numbers, as on SQLite.
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = $1)").bind(&key.key).fetch_one(&mut *tx).await?;
        if taken {
            // Dropping the transaction rolls the deletion back too: nothing is written.
            return Err(StoreError::KeyTaken(key.key.clone()));
        }
    }
    let id: i64 = sqlx::query_scalar("SELECT nextval('case_numbers')").fetch_one(&mut *tx).await?;
    let case = case_number(id);
    sqlx::query(
        "INSERT INTO reports (id, case_number, category, source, description, photo_url, reporter_name,
             reporter_phone, lon, lat, building_id, compound_id, micro_grid_id, grid_id, community_id, street_id,
             tier, responder, responder_phone, state, supporters, created_at, external_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 0, $21, $22)",
    )
    .bind(id)
    .bind(&case)
    .bind(report.category.as_str())
    .bind(report.source.as_str())
    .bind(&report.description)
    .bind(&report.photo_url)
    .bind(&report.reporter_name)
    .bind(&report.reporter_phone)
    .bind(report.lon)
    .bind(report.lat)
    .bind(&report.routed.building_id)
    .bind(&report.routed.compound_id)
    .bind(&report.routed.micro_grid_id)
    .bind(&report.routed.grid_id)
    .bind(&report.routed.community_id)
    .bind(&report.routed.street_id)
    .bind(report.routed.tier.as_str())
    .bind(&report.routed.responder)
    .bind(&report.routed.responder_phone)
    .bind(report.state.as_str())
    .bind(report.created_at)
    .bind(&report.external_id)
    .execute(&mut *tx)
    .await?;
    set_duty(&mut tx, id, report).await?;
    insert_event(&mut tx, id, event).await?;
    if let Some(key) = key {
        sqlx::query("INSERT INTO idempotency_keys (key, fingerprint, report_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&key.key)
            .bind(&key.fingerprint[..])
            .bind(id)
            .bind(key.created_at)
            .execute(&mut *tx)
            .await?;
    }
    notify(&mut tx, Changed::Reports).await?;
    tx.commit().await?;
    Ok(case)
}

/// The case a key stored at or after `since` filed, with the key's fingerprint.
pub async fn submission_key(pool: &PgPool, key: &str, since: i64) -> Result<Option<(String, [u8; 32])>, StoreError> {
    let row: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT r.case_number, k.fingerprint FROM idempotency_keys k JOIN reports r ON r.id = k.report_id
         WHERE k.key = $1 AND k.created_at >= $2",
    )
    .bind(key)
    .bind(since)
    .fetch_optional(pool)
    .await?;
    row.map(|(case, fingerprint)| {
        let fingerprint = fingerprint.try_into().map_err(|_| corrupt(&case, "a submission key's fingerprint is not 32 bytes"))?;
        Ok((case, fingerprint))
    })
    .transpose()
}

/// Writes a new row's accountability columns (filing writes the row first, then these).
async fn set_duty(conn: &mut PgConnection, id: i64, report: &Report) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Postgres>::new("UPDATE reports SET ");
    push_duty_assignments(&mut query, report);
    query.push(" WHERE id = ").push_bind(id);
    query.build().execute(&mut *conn).await?;
    Ok(())
}

pub(super) async fn insert_event(conn: &mut PgConnection, report_id: i64, event: &ReportEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_events (report_id, at, actor, action, from_state, to_state, note, reply, rating)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(report_id)
    .bind(event.at)
    .bind(&event.actor)
    .bind(&event.action)
    .bind(event.from_state.map(|s| s.as_str()))
    .bind(event.to_state.map(|s| s.as_str()))
    .bind(&event.note)
    .bind(&event.reply)
    .bind(event.rating.map(|r| r.as_str()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A report with its events, oldest first. One read transaction, so the two agree.
pub async fn get(pool: &PgPool, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let sql = format!("{SELECT_REPORT} WHERE r.case_number = $1");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case_number).fetch_optional(&mut *tx).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let report = report_from(&row)?;
    let rows = sqlx::query(
        "SELECT id, at, actor, action, from_state, to_state, note, reply, rating FROM report_events WHERE report_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let events = rows.iter().map(|row| event_from(&report.case_number, row)).collect::<Result<_, _>>()?;
    Ok(Some((report, events)))
}

/// Adds one supporter ("me too") and an event; `None` if there is no such case. The new
/// version makes moves computed from the old one refuse to overwrite it.
pub async fn support(pool: &PgPool, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError> {
    let mut tx = pool.begin().await?;
    lock_report_writes(&mut tx).await?;
    let Some((id, supporters)): Option<(i64, i64)> = sqlx::query_as(
        "UPDATE reports SET supporters = supporters + 1, version = version + 1 WHERE case_number = $1
         RETURNING id, supporters",
    )
    .bind(case_number)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    insert_event(&mut tx, id, event).await?;
    notify(&mut tx, Changed::Reports).await?;
    tx.commit().await?;
    Ok(Some(supporters as u32))
}

/// Appends `WHERE …` for a filter (always at least `WHERE TRUE`).
fn push_filter(query: &mut QueryBuilder<Postgres>, filter: &ReportFilter) {
    query.push(" WHERE TRUE");
    let push_list = |query: &mut QueryBuilder<Postgres>, column: &str, values: Vec<String>| {
        if !values.is_empty() {
            query.push(format_args!(" AND r.{column} = ANY(")).push_bind(values).push(")");
        }
    };
    push_list(query, "case_number", filter.case_numbers.clone());
    push_list(query, "category", filter.categories.iter().map(|c| c.as_str().to_owned()).collect());
    push_list(query, "state", filter.states.iter().map(|s| s.as_str().to_owned()).collect());
    for (column, value) in [
        ("grid_id", &filter.grid_id),
        ("community_id", &filter.community_id),
        ("street_id", &filter.street_id),
        ("unit_id", &filter.unit_id),
    ] {
        if let Some(value) = value {
            query.push(format_args!(" AND r.{column} = ")).push_bind(value.clone());
        }
    }
    if let Some(from) = filter.created_from {
        query.push(" AND r.created_at >= ").push_bind(from);
    }
    if let Some(before) = filter.created_before {
        query.push(" AND r.created_at < ").push_bind(before);
    }
    if let Some(at) = filter.overdue_at {
        query.push(" AND r.due_at < ").push_bind(at);
    }
    if filter.supervised {
        query.push(" AND r.supervised_at IS NOT NULL");
    }
    if filter.dispatched {
        query.push(" AND r.dispatched_at IS NOT NULL");
    }
}

/// Reports matching a filter, with paging.
pub async fn list(pool: &PgPool, filter: &ReportFilter) -> Result<Vec<Report>, StoreError> {
    let mut query = QueryBuilder::<Postgres>::new(SELECT_REPORT);
    push_filter(&mut query, filter);
    // By filing time, not row number: imported historical cases get later rows than live ones.
    query.push(match (filter.overdue_at, filter.oldest_first) {
        (Some(_), _) => " ORDER BY r.due_at, r.id",
        (None, true) => " ORDER BY r.created_at, r.id",
        (None, false) => " ORDER BY r.created_at DESC, r.id DESC",
    });
    // LIMIT NULL is no limit.
    query.push(" LIMIT ").push_bind(filter.limit.map(i64::from));
    query.push(" OFFSET ").push_bind(i64::from(filter.offset));
    let rows = query.build().fetch_all(pool).await?;
    rows.iter().map(report_from).collect()
}

/// How many reports match a filter.
pub async fn count(pool: &PgPool, filter: &ReportFilter) -> Result<u64, StoreError> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM reports r");
    push_filter(&mut query, filter);
    let count: i64 = query.build_query_scalar().fetch_one(pool).await?;
    Ok(count as u64)
}

/// Case counts per area of a level.
pub async fn closure_counts(pool: &PgPool, level: AreaLevel, filter: &ReportFilter, now: i64) -> Result<Vec<ClosureCounts>, StoreError> {
    let column = level.column();
    let mut query = QueryBuilder::<Postgres>::new(format!(
        "SELECT r.{column} AS area_id, COUNT(*) AS total,
             COUNT(*) FILTER (WHERE r.state IN ('received', 'accepted', 'dispatched', 'in_progress')) AS open,
             COUNT(*) FILTER (WHERE r.due_at < "
    ));
    query.push_bind(now);
    query.push(
        ") AS overdue,
             COUNT(*) FILTER (WHERE r.state = 'closed') AS closed,
             COUNT(*) FILTER (WHERE r.state = 'closed' AND r.on_time) AS on_time,
             COUNT(*) FILTER (WHERE r.state = 'closed' AND NOT r.on_time) AS late
         FROM reports r",
    );
    push_filter(&mut query, filter);
    query.push(format_args!(" GROUP BY r.{column} ORDER BY r.{column}"));
    let rows = query.build().fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let n = |column: &str| row.try_get::<i64, _>(column).map(|v| v as u64);
            Ok(ClosureCounts {
                area_id: row.try_get("area_id")?,
                total: n("total")?,
                open: n("open")?,
                overdue: n("overdue")?,
                closed: n("closed")?,
                on_time: n("on_time")?,
                late: n("late")?,
            })
        })
        .collect()
}

/// Writes the workflow fields of a report still at `read_version` as its next version, and its event.
pub async fn update(pool: &PgPool, read_version: u32, report: &Report, event: &ReportEvent) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    lock_report_writes(&mut tx).await?;
    let mut query = QueryBuilder::<Postgres>::new("UPDATE reports SET state = ");
    query.push_bind(report.state.as_str());
    query.push(", tier = ").push_bind(report.routed.tier.as_str());
    query.push(", responder = ").push_bind(&report.routed.responder);
    query.push(", responder_phone = ").push_bind(&report.routed.responder_phone);
    query.push(", dispatched_at = ").push_bind(report.dispatched_at);
    query.push(", deadline_at = ").push_bind(report.deadline_at);
    query.push(", resolved_at = ").push_bind(report.resolved_at);
    query.push(", closed_at = ").push_bind(report.closed_at);
    query.push(", on_time = ").push_bind(report.on_time);
    query.push(", duplicate_of = (SELECT d.id FROM reports d WHERE d.case_number = ").push_bind(&report.duplicate_of);
    query.push("), ");
    push_duty_assignments(&mut query, report);
    query.push(", version = version + 1 WHERE case_number = ").push_bind(&report.case_number);
    query.push(" AND version = ").push_bind(i64::from(read_version));
    query.push(" RETURNING id");
    let id: Option<i64> = query.build_query_scalar().fetch_optional(&mut *tx).await?;
    let Some(id) = id else { return Ok(false) };
    insert_event(&mut tx, id, event).await?;
    notify(&mut tx, Changed::Reports).await?;
    tx.commit().await?;
    Ok(true)
}

/// Stores whole cases in one transaction, numbered from the `case_numbers` sequence.
pub async fn insert_many(pool: &PgPool, cases: &[(Report, Vec<ReportEvent>)]) -> Result<Vec<String>, StoreError> {
    let mut tx = pool.begin().await?;
    lock_report_writes(&mut tx).await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT nextval('case_numbers') FROM generate_series(1, $1) ORDER BY 1")
        .bind(cases.len() as i64)
        .fetch_all(&mut *tx)
        .await?;
    let numbered: Vec<(i64, String, &Report)> = ids.into_iter().zip(cases).map(|(id, (report, _))| (id, case_number(id), report)).collect();
    for chunk in numbered.chunks(CASES_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(format!(
            "INSERT INTO reports (id, case_number, category, source, description, photo_url, reporter_name,
                 reporter_phone, lon, lat, building_id, compound_id, micro_grid_id, grid_id, community_id, street_id,
                 tier, responder, responder_phone, state, supporters, created_at, dispatched_at, deadline_at,
                 resolved_at, closed_at, on_time, external_id, {DUTY_COLUMNS}) ",
        ));
        query.push_values(chunk, |mut row, (id, case, r)| {
            row.push_bind(*id)
                .push_bind(case.clone())
                .push_bind(r.category.as_str())
                .push_bind(r.source.as_str())
                .push_bind(r.description.clone())
                .push_bind(r.photo_url.clone())
                .push_bind(r.reporter_name.clone())
                .push_bind(r.reporter_phone.clone())
                .push_bind(r.lon)
                .push_bind(r.lat)
                .push_bind(r.routed.building_id.clone())
                .push_bind(r.routed.compound_id.clone())
                .push_bind(r.routed.micro_grid_id.clone())
                .push_bind(r.routed.grid_id.clone())
                .push_bind(r.routed.community_id.clone())
                .push_bind(r.routed.street_id.clone())
                .push_bind(r.routed.tier.as_str())
                .push_bind(r.routed.responder.clone())
                .push_bind(r.routed.responder_phone.clone())
                .push_bind(r.state.as_str())
                .push_bind(i64::from(r.supporters))
                .push_bind(r.created_at)
                .push_bind(r.dispatched_at)
                .push_bind(r.deadline_at)
                .push_bind(r.resolved_at)
                .push_bind(r.closed_at)
                .push_bind(r.on_time)
                .push_bind(r.external_id.clone());
            bind_duty(&mut row, r);
        });
        query.build().execute(&mut *tx).await.map_err(|e| match e {
            sqlx::Error::Database(db) if db.constraint() == Some("reports_external_id") => {
                StoreError::DuplicateExternalId(db.message().to_owned())
            }
            other => other.into(),
        })?;
    }
    // Resolve duplicate links now that every case has a row: a case of the same batch can
    // only be named by its external id, as its case number was unknown to the caller.
    for (id, _, report) in &numbered {
        if let Some(duplicate_of) = &report.duplicate_of {
            sqlx::query(
                "UPDATE reports SET duplicate_of = COALESCE(
                     (SELECT d.id FROM reports d WHERE d.external_id = $1),
                     (SELECT d.id FROM reports d WHERE d.case_number = $1))
                 WHERE id = $2",
            )
            .bind(duplicate_of)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    let events: Vec<(i64, &ReportEvent)> =
        numbered.iter().zip(cases).flat_map(|((id, _, _), (_, events))| events.iter().map(move |e| (*id, e))).collect();
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(
            "INSERT INTO report_events (report_id, at, actor, action, from_state, to_state, note, reply, rating) ",
        );
        query.push_values(chunk, |mut row, (id, e)| {
            row.push_bind(*id)
                .push_bind(e.at)
                .push_bind(e.actor.clone())
                .push_bind(e.action.clone())
                .push_bind(e.from_state.map(|s| s.as_str()))
                .push_bind(e.to_state.map(|s| s.as_str()))
                .push_bind(e.note.clone())
                .push_bind(e.reply.clone())
                .push_bind(e.rating.map(|r| r.as_str()));
        });
        query.build().execute(&mut *tx).await?;
    }
    notify(&mut tx, Changed::Reports).await?;
    tx.commit().await?;
    Ok(numbered.into_iter().map(|(_, case, _)| case).collect())
}

/// Of these external ids, those stored, with their case numbers.
pub async fn stored_external_ids(pool: &PgPool, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT external_id, case_number FROM reports WHERE external_id = ANY($1)").bind(ids).fetch_all(pool).await?;
    Ok(rows.into_iter().collect())
}

fn corrupt(case: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptReport { case: case.to_owned(), reason: reason.to_string() }
}

fn word<T: std::str::FromStr<Err = String>>(case: &str, row: &PgRow, column: &str) -> Result<T, StoreError> {
    let text: &str = row.try_get(column)?;
    text.parse().map_err(|e| corrupt(case, e))
}

pub(super) fn report_from(row: &PgRow) -> Result<Report, StoreError> {
    let case: String = row.try_get("case_number")?;
    let (subcategory, duty) = duty_from(&case, row)?;
    let follow = follow_from(&case, row)?;
    Ok(Report {
        category: word(&case, row, "category")?,
        source: word(&case, row, "source")?,
        state: word(&case, row, "state")?,
        description: row.try_get("description")?,
        photo_url: row.try_get("photo_url")?,
        reporter_name: row.try_get("reporter_name")?,
        reporter_phone: row.try_get("reporter_phone")?,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
        routed: Routed {
            tier: word(&case, row, "tier")?,
            responder: row.try_get("responder")?,
            responder_phone: row.try_get("responder_phone")?,
            building_id: row.try_get("building_id")?,
            compound_id: row.try_get("compound_id")?,
            micro_grid_id: row.try_get("micro_grid_id")?,
            grid_id: row.try_get("grid_id")?,
            community_id: row.try_get("community_id")?,
            street_id: row.try_get("street_id")?,
        },
        duplicate_of: row.try_get("duplicate_case")?,
        supporters: u32::try_from(row.try_get::<i64, _>("supporters")?).map_err(|e| corrupt(&case, e))?,
        created_at: row.try_get("created_at")?,
        dispatched_at: row.try_get("dispatched_at")?,
        deadline_at: row.try_get("deadline_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        on_time: row.try_get("on_time")?,
        external_id: row.try_get("external_id")?,
        subcategory,
        duty,
        version: u32::try_from(row.try_get::<i64, _>("version")?).map_err(|e| corrupt(&case, e))?,
        notify: follow.notify,
        follow_hash: follow.follow_hash,
        rating: follow.rating,
        rated_at: follow.rated_at,
        unsatisfied: follow.unsatisfied,
        case_number: case,
    })
}

pub(super) fn event_from(case: &str, row: &PgRow) -> Result<ReportEvent, StoreError> {
    let state = |column: &str| -> Result<Option<_>, StoreError> {
        let text: Option<String> = row.try_get(column)?;
        text.map(|t| t.parse().map_err(|e| corrupt(case, e))).transpose()
    };
    Ok(ReportEvent {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        from_state: state("from_state")?,
        to_state: state("to_state")?,
        note: row.try_get("note")?,
        reply: row.try_get("reply")?,
        rating: {
            let rating: Option<String> = row.try_get("rating")?;
            rating.map(|r| r.parse().map_err(|e| corrupt(case, e))).transpose()?
        },
    })
}
