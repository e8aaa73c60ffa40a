//! Reports and their audit trail in SQLite.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::model::reports::{Category, Report, ReportEvent};
use crate::store::StoreError;

const SELECT_REPORT: &str = "SELECT r.*, d.case_number AS duplicate_case FROM reports r
     LEFT JOIN reports d ON d.id = r.duplicate_of";

/// Inserts a report and its first event in one transaction; returns the case number,
/// `MS` and the row number in 8 digits.
pub async fn insert(pool: &SqlitePool, report: &Report, event: &ReportEvent) -> Result<String, StoreError> {
    let mut tx = pool.begin().await?;
    // One statement reads the next number and writes the row under the same write lock,
    // so concurrent submissions cannot take the same case number.
    let (id, case_number): (i64, String) = sqlx::query_as(
        "INSERT INTO reports (id, case_number, category, source, description, photo_url, reporter_name,
             reporter_phone, lon, lat, building_id, compound_id, micro_grid_id, grid_id, community_id, street_id,
             tier, responder, responder_phone, state, supporters, created_at)
         SELECT n, 'MS' || printf('%08d', n), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?
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
    .bind(&report.building_id)
    .bind(&report.compound_id)
    .bind(&report.micro_grid_id)
    .bind(&report.grid_id)
    .bind(&report.community_id)
    .bind(&report.street_id)
    .bind(report.tier.as_str())
    .bind(&report.responder)
    .bind(&report.responder_phone)
    .bind(report.state.as_str())
    .bind(report.created_at)
    .fetch_one(&mut *tx)
    .await?;
    insert_event(&mut tx, id, event).await?;
    tx.commit().await?;
    Ok(case_number)
}

async fn insert_event(conn: &mut sqlx::SqliteConnection, report_id: i64, event: &ReportEvent) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_events (report_id, at, actor, action, from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(report_id)
    .bind(event.at)
    .bind(&event.actor)
    .bind(&event.action)
    .bind(event.from_state.map(|s| s.as_str()))
    .bind(event.to_state.map(|s| s.as_str()))
    .bind(&event.note)
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
        "SELECT at, actor, action, from_state, to_state, note FROM report_events WHERE report_id = ? ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let events = rows.iter().map(|row| event_from(&report.case_number, row)).collect::<Result<_, _>>()?;
    Ok(Some((report, events)))
}

/// Open reports of a category inside a lon/lat box, created at or after `since`.
pub async fn open_near(
    pool: &SqlitePool,
    category: Category,
    [west, south, east, north]: [f64; 4],
    since: i64,
) -> Result<Vec<Report>, StoreError> {
    let sql = format!(
        "{SELECT_REPORT} WHERE r.category = ? AND r.lat BETWEEN ? AND ? AND r.lon BETWEEN ? AND ? AND r.created_at >= ?
         AND r.state IN ('received', 'accepted', 'dispatched', 'in_progress') ORDER BY r.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(category.as_str())
        .bind(south)
        .bind(north)
        .bind(west)
        .bind(east)
        .bind(since)
        .fetch_all(pool)
        .await?;
    rows.iter().map(report_from).collect()
}

/// Adds one supporter ("me too") and an event; `None` if there is no such case.
pub async fn support(pool: &SqlitePool, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError> {
    let mut tx = pool.begin().await?;
    let Some((id, supporters)): Option<(i64, i64)> = sqlx::query_as(
        "UPDATE reports SET supporters = supporters + 1 WHERE case_number = ? RETURNING id, supporters",
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

fn corrupt(case: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptReport { case: case.to_owned(), reason: reason.to_string() }
}

fn word<T: std::str::FromStr<Err = String>>(case: &str, row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|e| corrupt(case, e))
}

fn report_from(row: &SqliteRow) -> Result<Report, StoreError> {
    let case: String = row.try_get("case_number")?;
    Ok(Report {
        category: word(&case, row, "category")?,
        source: word(&case, row, "source")?,
        tier: word(&case, row, "tier")?,
        state: word(&case, row, "state")?,
        description: row.try_get("description")?,
        photo_url: row.try_get("photo_url")?,
        reporter_name: row.try_get("reporter_name")?,
        reporter_phone: row.try_get("reporter_phone")?,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
        building_id: row.try_get("building_id")?,
        compound_id: row.try_get("compound_id")?,
        micro_grid_id: row.try_get("micro_grid_id")?,
        grid_id: row.try_get("grid_id")?,
        community_id: row.try_get("community_id")?,
        street_id: row.try_get("street_id")?,
        responder: row.try_get("responder")?,
        responder_phone: row.try_get("responder_phone")?,
        duplicate_of: row.try_get("duplicate_case")?,
        supporters: u32::try_from(row.try_get::<i64, _>("supporters")?).map_err(|e| corrupt(&case, e))?,
        created_at: row.try_get("created_at")?,
        dispatched_at: row.try_get("dispatched_at")?,
        deadline_at: row.try_get("deadline_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        on_time: row.try_get("on_time")?,
        case_number: case,
    })
}

fn event_from(case: &str, row: &SqliteRow) -> Result<ReportEvent, StoreError> {
    let state = |column: &str| -> Result<Option<_>, StoreError> {
        let text: Option<String> = row.try_get(column)?;
        text.map(|t| t.parse().map_err(|e| corrupt(case, e))).transpose()
    };
    Ok(ReportEvent {
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        from_state: state("from_state")?,
        to_state: state("to_state")?,
        note: row.try_get("note")?,
    })
}
