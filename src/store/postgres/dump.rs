//! A whole PostgreSQL database read into a [`Dump`] and written back from one, for
//! `migrate-db`. Row ids are kept (case numbers, event order, token numbers), and the
//! sequences are set past them so numbering continues where the source stopped.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::reports::{SELECT_REPORT, event_from as event_from_row, report_from};
use super::tokens::token_from as token_from_row;
use crate::store::StoreError;
use crate::store::dump::{
    Dump, DumpedEvent, DumpedReport, DumpedToken, EVENT_COLUMNS, Progress, REPORT_COLUMNS, TOKEN_COLUMNS, bind_event, bind_report,
    bind_token,
};

/// Rows per multi-row INSERT: 30 columns × 1,000 stays under 65,535 bind parameters.
const ROWS_PER_STATEMENT: usize = 1_000;

/// The tables a restore requires empty, in the order they are checked.
const TABLES: [&str; 16] = [
    "streets",
    "communities",
    "grids",
    "compounds",
    "buildings",
    "stations",
    "contacts",
    "walkways",
    "units",
    "unit_areas",
    "reports",
    "report_events",
    "photos",
    "moderations",
    "api_tokens",
    "category_changes",
];

/// Reads everything. The cases, events and tokens are read in one repeatable-read
/// transaction so they agree; the layers through the parallel bulk load.
pub async fn dump(pool: &PgPool) -> Result<Dump, StoreError> {
    let layers = super::read::load(pool).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let sql = format!("{SELECT_REPORT} ORDER BY r.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
    let reports =
        rows.iter().map(|row| Ok(DumpedReport { id: row.try_get("id")?, report: report_from(row)? })).collect::<Result<_, StoreError>>()?;
    let rows =
        sqlx::query("SELECT id, report_id, at, actor, action, from_state, to_state, note, reply, rating FROM report_events ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let events = rows.iter().map(event_from).collect::<Result<_, _>>()?;
    let rows = sqlx::query(
        "SELECT id, token_hash, role, scope_kind, scope_id, label, created_at, expires_at, revoked_at FROM api_tokens ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let tokens = rows.iter().map(token_from).collect::<Result<_, _>>()?;
    let (categories, category_changes) = super::categories::dump(&mut tx).await?;
    let server_keys = super::follow::dump_keys(&mut tx).await?;
    let (photos, moderations) = super::photos::dump(&mut tx).await?;
    tx.commit().await?;
    Ok(Dump { layers, reports, events, tokens, categories, category_changes, server_keys, photos, moderations })
}

/// Writes a dump into an empty database in one transaction: refused with
/// [`StoreError::NotEmpty`] if any table holds a row, and nothing is left if any step fails.
pub async fn restore(pool: &PgPool, dump: &Dump, progress: Progress<'_>) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // No other writer may slip rows in between the emptiness check and the commit.
    for table in TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))).execute(&mut *tx).await?;
        let any: bool =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {table})"))).fetch_one(&mut *tx).await?;
        if any {
            return Err(StoreError::NotEmpty(table.to_owned()));
        }
    }
    super::upsert_layers(&mut tx, &dump.layers, progress).await?;
    insert_reports(&mut tx, dump).await?;
    progress("reports", dump.reports.len());
    insert_events(&mut tx, &dump.events).await?;
    progress("report_events", dump.events.len());
    insert_tokens(&mut tx, &dump.tokens).await?;
    progress("api_tokens", dump.tokens.len());
    super::categories::restore(&mut tx, dump).await?;
    progress("category_settings", dump.categories.len());
    progress("category_changes", dump.category_changes.len());
    super::follow::restore_keys(&mut tx, &dump.server_keys).await?;
    progress("server_keys", dump.server_keys.len());
    super::photos::restore(&mut tx, dump).await?;
    progress("photos", dump.photos.len());
    progress("moderations", dump.moderations.len());
    // Continue every numbering after the highest id copied (setval with false: the next value
    // is exactly the one given).
    sqlx::query("SELECT setval('case_numbers', $1, false)").bind(dump.last_case_id() + 1).execute(&mut *tx).await?;
    for table in ["report_events", "api_tokens", "category_changes"] {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'data_version'").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_reports(conn: &mut PgConnection, dump: &Dump) -> Result<(), StoreError> {
    for chunk in dump.reports.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(format!("INSERT INTO reports ({REPORT_COLUMNS}) "));
        query.push_values(chunk, |mut row, dumped| bind_report(&mut row, dumped));
        query.build().execute(&mut *conn).await?;
    }
    // Duplicate links once every case has its row: a link may point at a later case.
    for dumped in dump.reports.iter().filter(|d| d.report.duplicate_of.is_some()) {
        sqlx::query("UPDATE reports SET duplicate_of = (SELECT d.id FROM reports d WHERE d.case_number = $1) WHERE id = $2")
            .bind(&dumped.report.duplicate_of)
            .bind(dumped.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_events(conn: &mut PgConnection, events: &[DumpedEvent]) -> Result<(), StoreError> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(format!("INSERT INTO report_events ({EVENT_COLUMNS}) OVERRIDING SYSTEM VALUE "));
        query.push_values(chunk, |mut row, dumped| bind_event(&mut row, dumped));
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_tokens(conn: &mut PgConnection, tokens: &[DumpedToken]) -> Result<(), StoreError> {
    for chunk in tokens.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Postgres>::new(format!("INSERT INTO api_tokens ({TOKEN_COLUMNS}) OVERRIDING SYSTEM VALUE "));
        query.push_values(chunk, |mut row, dumped| bind_token(&mut row, dumped));
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

fn event_from(row: &PgRow) -> Result<DumpedEvent, StoreError> {
    let id: i64 = row.try_get("id")?;
    Ok(DumpedEvent { id, report_id: row.try_get("report_id")?, event: event_from_row(&format!("event {id}"), row)? })
}

fn token_from(row: &PgRow) -> Result<DumpedToken, StoreError> {
    let token = token_from_row(row)?;
    let hash: Vec<u8> = row.try_get("token_hash")?;
    let hash = hash.try_into().map_err(|_| StoreError::CorruptToken { id: token.id, reason: "its hash is not 32 bytes".into() })?;
    Ok(DumpedToken { token, hash })
}
