//! Reports and their audit trail in SQLite.

use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use crate::model::reports::{Report, ReportEvent, Routed};
use crate::store::duty::{DUTY_COLUMNS, bind_duty, duty_from, follow_from, push_duty_assignments};
use crate::store::{AreaLevel, ClosureCounts, ReportFilter, StoreError, SubmissionKey};

/// Rows per multi-row INSERT of a historical import: 30 columns × 500 stays under
/// SQLite's 32,766 bound variables.
const CASES_PER_STATEMENT: usize = 500;
const EVENTS_PER_STATEMENT: usize = 2_000;

pub(super) const SELECT_REPORT: &str = "SELECT r.*, d.case_number AS duplicate_case FROM reports r
     LEFT JOIN reports d ON d.id = r.duplicate_of";

/// Inserts a report, its first event and its submission key in one transaction; returns the
/// case number, `MS` and the row number in 8 digits.
pub async fn insert(pool: &SqlitePool, report: &Report, event: &ReportEvent, key: Option<&SubmissionKey>) -> Result<String, StoreError> {
    let mut tx = pool.begin().await?;
    // One statement reads the next number and writes the row under the same write lock,
    // so concurrent submissions cannot take the same case number.
    let (id, case_number): (i64, String) = sqlx::query_as(
        "INSERT INTO reports (id, case_number, category, source, description, photo_url, reporter_name,
             reporter_phone, lon, lat, building_id, compound_id, micro_grid_id, grid_id, community_id, street_id,
             tier, responder, responder_phone, state, supporters, created_at, external_id)
         SELECT n, 'MS' || printf('%08d', n), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?
         FROM (SELECT COALESCE(MAX(id), 0) + 1 AS n FROM reports)
         RETURNING id, case_number",
    )
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
    .fetch_one(&mut *tx)
    .await?;
    set_duty(&mut tx, id, report).await?;
    insert_event(&mut tx, id, event).await?;
    if let Some(key) = key {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?").bind(key.forget_before).execute(&mut *tx).await?;
        let stored = sqlx::query("INSERT INTO idempotency_keys (key, fingerprint, report_id, created_at) VALUES (?, ?, ?, ?)")
            .bind(&key.key)
            .bind(&key.fingerprint[..])
            .bind(id)
            .bind(key.created_at)
            .execute(&mut *tx)
            .await;
        match stored {
            // Dropping the transaction rolls the report back too: the key's first case stands.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::KeyTaken(key.key.clone())),
            other => other?,
        };
    }
    tx.commit().await?;
    Ok(case_number)
}

/// The case a key stored at or after `since` filed, with the key's fingerprint.
pub async fn submission_key(pool: &SqlitePool, key: &str, since: i64) -> Result<Option<(String, [u8; 32])>, StoreError> {
    let row: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT r.case_number, k.fingerprint FROM idempotency_keys k JOIN reports r ON r.id = k.report_id
         WHERE k.key = ? AND k.created_at >= ?",
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
async fn set_duty(conn: &mut SqliteConnection, id: i64, report: &Report) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new("UPDATE reports SET ");
    push_duty_assignments(&mut query, report);
    query.push(" WHERE id = ").push_bind(id);
    query.build().execute(&mut *conn).await?;
    Ok(())
}

pub(super) async fn insert_event(conn: &mut SqliteConnection, report_id: i64, event: &ReportEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_events (report_id, at, actor, action, from_state, to_state, note, reply, rating)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

/// A report with its events, oldest first.
pub async fn get(pool: &SqlitePool, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError> {
    let sql = format!("{SELECT_REPORT} WHERE r.case_number = ?");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case_number).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let report = report_from(&row)?;
    let rows = sqlx::query(
        "SELECT id, at, actor, action, from_state, to_state, note, reply, rating FROM report_events WHERE report_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let events = rows.iter().map(|row| event_from(&report.case_number, row)).collect::<Result<_, _>>()?;
    Ok(Some((report, events)))
}

/// Adds one supporter ("me too") and an event; `None` if there is no such case. The count
/// is read and written by one statement under the write lock, so it needs no version check;
/// the new version makes moves computed from the old one refuse to overwrite it.
pub async fn support(pool: &SqlitePool, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError> {
    let mut tx = pool.begin().await?;
    let Some((id, supporters)): Option<(i64, i64)> = sqlx::query_as(
        "UPDATE reports SET supporters = supporters + 1, version = version + 1 WHERE case_number = ? RETURNING id, supporters",
    )
    .bind(case_number)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    insert_event(&mut tx, id, event).await?;
    tx.commit().await?;
    Ok(Some(supporters as u32))
}

/// Appends `WHERE …` for a filter (always at least `WHERE 1`).
fn push_filter(query: &mut QueryBuilder<Sqlite>, filter: &ReportFilter) {
    query.push(" WHERE 1");
    if !filter.case_numbers.is_empty() {
        query.push(" AND r.case_number IN (");
        let mut list = query.separated(", ");
        for case in &filter.case_numbers {
            list.push_bind(case.as_str());
        }
        query.push(")");
    }
    if !filter.categories.is_empty() {
        query.push(" AND r.category IN (");
        let mut list = query.separated(", ");
        for category in &filter.categories {
            list.push_bind(category.as_str());
        }
        query.push(")");
    }
    if !filter.states.is_empty() {
        query.push(" AND r.state IN (");
        let mut list = query.separated(", ");
        for state in &filter.states {
            list.push_bind(state.as_str());
        }
        query.push(")");
    }
    for (column, value) in [
        ("grid_id", &filter.grid_id),
        ("community_id", &filter.community_id),
        ("street_id", &filter.street_id),
        ("unit_id", &filter.unit_id),
    ] {
        if let Some(value) = value {
            query.push(format_args!(" AND r.{column} = ")).push_bind(value.as_str());
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
pub async fn list(pool: &SqlitePool, filter: &ReportFilter) -> Result<Vec<Report>, StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new(SELECT_REPORT);
    push_filter(&mut query, filter);
    // By filing time, not row number: imported historical cases get later rows than live ones.
    query.push(match (filter.overdue_at, filter.oldest_first) {
        (Some(_), _) => " ORDER BY r.due_at, r.id",
        (None, true) => " ORDER BY r.created_at, r.id",
        (None, false) => " ORDER BY r.created_at DESC, r.id DESC",
    });
    query.push(" LIMIT ").push_bind(filter.limit.map_or(-1, i64::from));
    query.push(" OFFSET ").push_bind(i64::from(filter.offset));
    let rows = query.build().fetch_all(pool).await?;
    rows.iter().map(report_from).collect()
}

/// How many reports match a filter.
pub async fn count(pool: &SqlitePool, filter: &ReportFilter) -> Result<u64, StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM reports r");
    push_filter(&mut query, filter);
    let count: i64 = query.build_query_scalar().fetch_one(pool).await?;
    Ok(count as u64)
}

/// Case counts per area of a level.
pub async fn closure_counts(
    pool: &SqlitePool,
    level: AreaLevel,
    filter: &ReportFilter,
    now: i64,
) -> Result<Vec<ClosureCounts>, StoreError> {
    let column = level.column();
    let mut query = QueryBuilder::<Sqlite>::new(format!(
        "SELECT r.{column} AS area_id, COUNT(*) AS total,
             SUM(r.state IN ('received', 'accepted', 'dispatched', 'in_progress')) AS open,
             SUM(r.due_at < "
    ));
    query.push_bind(now);
    query.push(
        ") AS overdue,
             SUM(r.state = 'closed') AS closed,
             SUM(r.state = 'closed' AND r.on_time = 1) AS on_time,
             SUM(r.state = 'closed' AND r.on_time = 0) AS late
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
pub async fn update(pool: &SqlitePool, read_version: u32, report: &Report, event: &ReportEvent) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await?;
    let mut query = QueryBuilder::<Sqlite>::new("UPDATE reports SET state = ");
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
    tx.commit().await?;
    Ok(true)
}

/// Stores whole cases in one transaction, numbering them after the last stored case.
pub async fn insert_many(pool: &SqlitePool, cases: &[(Report, Vec<ReportEvent>)]) -> Result<Vec<String>, StoreError> {
    // IMMEDIATE takes the write lock before reading the last id, so no other writer can
    // take the same numbers between the read and the insert.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM reports").fetch_one(&mut *tx).await?;
    let numbered: Vec<(i64, String, &Report)> = cases
        .iter()
        .enumerate()
        .map(|(i, (report, _))| {
            let id = last + 1 + i as i64;
            (id, format!("MS{id:08}"), report)
        })
        .collect();
    for chunk in numbered.chunks(CASES_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(format!(
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
            sqlx::Error::Database(db) if db.message().contains("reports.external_id") => {
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
                     (SELECT d.id FROM reports d WHERE d.external_id = ?1),
                     (SELECT d.id FROM reports d WHERE d.case_number = ?1))
                 WHERE id = ?2",
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
        let mut query = QueryBuilder::<Sqlite>::new(
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
    tx.commit().await?;
    Ok(numbered.into_iter().map(|(_, case, _)| case).collect())
}

/// Of these external ids, those stored, with their case numbers.
pub async fn stored_external_ids(pool: &SqlitePool, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(EVENTS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT external_id, case_number FROM reports WHERE external_id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        query.push(")");
        let rows: Vec<(String, String)> = query.build_query_as().fetch_all(pool).await?;
        found.extend(rows);
    }
    Ok(found)
}

fn corrupt(case: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptReport { case: case.to_owned(), reason: reason.to_string() }
}

fn word<T: std::str::FromStr<Err = String>>(case: &str, row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e| corrupt(case, e))
}

pub(super) fn report_from(row: &SqliteRow) -> Result<Report, StoreError> {
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

pub(super) fn event_from(case: &str, row: &SqliteRow) -> Result<ReportEvent, StoreError> {
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
