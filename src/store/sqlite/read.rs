//! Bulk reads for rebuilding the index. sqlx hands rows one by one across a channel, about
//! 4 µs a building row; reading through the connection's own SQLite handle with rusqlite
//! borrows each value in place and is several times faster. Layers load in parallel.
//! Borrowing the pooled handle (the one `unsafe` below) is kept rather than opening separate
//! rusqlite connections by path: those would read the same file as fast, but an in-memory
//! database is shared between connections only through SQLite's shared cache, whose table
//! locks fail a read at once (SQLITE_LOCKED, no busy wait) while a write is open.

use std::str::FromStr;

use rusqlite::Row;
use sqlx::SqlitePool;

use crate::model::reports::{CaseTimes, ReportRow};
use crate::model::{
    Building, CandidateSite, Community, Compound, Contact, ContactScope, Dataset, Grid, Record, Station, Street, Unit, Walkway,
};
use crate::store::StoreError;
use crate::store::geometry::decode_geometry;
use crate::store::unit_areas::{self, AreaRow};

/// Every layer, each read on its own pooled connection on a blocking thread.
pub async fn load(pool: &SqlitePool) -> Result<Dataset, StoreError> {
    let (streets, communities, grids, compounds, buildings, stations, contacts, walkways, mut units, unit_areas, candidate_sites) = tokio::try_join!(
        read(pool, "SELECT id, name, geometry FROM streets", street),
        read(pool, "SELECT id, name, street_id, geometry FROM communities", community),
        read(pool, "SELECT id, name, level, community_id, parent_id, households, geometry FROM grids", grid),
        read(pool, "SELECT id, name, kind, property_company, households, community_id, geometry FROM compounds", compound),
        read(
            pool,
            "SELECT id, label, compound_id, grid_id, floors, units, households, population, has_elevator, geometry,
                 elderly, children
             FROM buildings",
            building
        ),
        read(pool, "SELECT id, name, kind, level, opening_hours, phone, community_id, geometry, capacity FROM stations", station),
        read(pool, "SELECT id, role, name, phone, street_id, community_id, grid_id, compound_id, building_id FROM contacts", contact),
        read(pool, "SELECT id, kind, name, geometry FROM walkways", walkway),
        read(pool, "SELECT id, name, kind, phone FROM units", unit),
        read(pool, "SELECT unit_id, compound_id, community_id, street_id FROM unit_areas ORDER BY rowid", unit_area),
        read(pool, "SELECT id, name, kind, area_m2, community_id, geometry FROM candidate_sites", candidate_site),
    )?;
    unit_areas::attach(&mut units, unit_areas)?;
    Ok(Dataset { streets, communities, grids, compounds, buildings, stations, contacts, walkways, units, candidate_sites })
}

/// The analysis fields of the cases changed by audit events after `after_event` (all cases
/// when it is 0), and the last event id they reflect at least.
pub async fn report_rows(pool: &SqlitePool, after_event: i64) -> Result<(Vec<ReportRow>, i64), StoreError> {
    // Read the newest event first: a change racing this read has a later event, so the next
    // sync fetches it again. Applying a row twice is harmless.
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM report_events").fetch_one(pool).await?;
    if last <= after_event {
        return Ok((Vec::new(), after_event));
    }
    let columns = crate::store::REPORT_ROW_COLUMNS;
    // `after_event` is an integer, so formatting it into the SQL carries no caller text.
    let sql = if after_event == 0 {
        format!("SELECT {columns} FROM reports r ORDER BY r.id")
    } else {
        format!(
            "SELECT {columns} FROM reports r WHERE r.id IN
                 (SELECT DISTINCT report_id FROM report_events WHERE id > {after_event}) ORDER BY r.id"
        )
    };
    Ok((read(pool, sql, report_row).await?, last))
}

fn report_row(row: &Row) -> Result<ReportRow, StoreError> {
    let id: i64 = row.get(0)?;
    let word = |column: usize| -> Result<String, StoreError> { Ok(row.get::<_, String>(column)?) };
    let corrupt = |reason: String| StoreError::CorruptReport { case: format!("#{id}"), reason };
    Ok(ReportRow {
        id,
        lon: row.get(1)?,
        lat: row.get(2)?,
        category: word(3)?.parse().map_err(corrupt)?,
        state: word(4)?.parse().map_err(corrupt)?,
        created_at: row.get(5)?,
        compound_id: row.get(6)?,
        grid_id: row.get(7)?,
        community_id: row.get(8)?,
        street_id: row.get(9)?,
        times: CaseTimes {
            unit_id: row.get(10)?,
            response_due_at: row.get(11)?,
            responded_at: row.get(12)?,
            dispatched_at: row.get(13)?,
            deadline_at: row.get(14)?,
            original_deadline_at: row.get(15)?,
            resolved_at: row.get(16)?,
            closed_at: row.get(17)?,
            on_time: row.get(18)?,
            reopened: row.get(19)?,
            rating: row.get::<_, Option<String>>(20)?.map(|r| r.parse()).transpose().map_err(corrupt)?,
            unsatisfied: row.get(21)?,
        },
    })
}

/// Runs `sql` on a pooled connection's raw handle, off the async threads, mapping each row.
async fn read<R: Send + 'static>(
    pool: &SqlitePool,
    sql: impl Into<String>,
    map: fn(&Row) -> Result<R, StoreError>,
) -> Result<Vec<R>, StoreError> {
    let sql: String = sql.into();
    let mut connection = pool.acquire().await?;
    let runtime = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        let mut handle = runtime.block_on(connection.lock_handle())?;
        // SAFETY: while `handle` is locked, sqlx's worker does not use the connection, so
        // this thread has it alone; `from_handle` borrows it and will not close it, and
        // `db` is dropped before `handle` unlocks it.
        let db = unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
        let records = (|| {
            let mut statement = db.prepare(&sql)?;
            let mut rows = statement.query([])?;
            let mut records = Vec::new();
            while let Some(row) = rows.next()? {
                records.push(map(row)?);
            }
            Ok(records)
        })();
        drop(db);
        drop(handle);
        records
    });
    match task.await {
        Ok(result) => result,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

fn walkway(row: &Row) -> Result<Walkway, StoreError> {
    let id: String = row.get(0)?;
    Ok(Walkway { geometry: geometry::<Walkway>(&id, row, 3)?, kind: row.get(1)?, name: row.get(2)?, id })
}

fn street(row: &Row) -> Result<Street, StoreError> {
    let id: String = row.get(0)?;
    Ok(Street { geometry: geometry::<Street>(&id, row, 2)?, name: row.get(1)?, id })
}

fn community(row: &Row) -> Result<Community, StoreError> {
    let id: String = row.get(0)?;
    Ok(Community { geometry: geometry::<Community>(&id, row, 3)?, name: row.get(1)?, street_id: row.get(2)?, id })
}

fn grid(row: &Row) -> Result<Grid, StoreError> {
    let id: String = row.get(0)?;
    Ok(Grid {
        level: word::<Grid, _>(&id, row, 2)?,
        households: number::<Grid, _>(&id, row, 5)?,
        geometry: geometry::<Grid>(&id, row, 6)?,
        name: row.get(1)?,
        community_id: row.get(3)?,
        parent_id: row.get(4)?,
        id,
    })
}

fn compound(row: &Row) -> Result<Compound, StoreError> {
    let id: String = row.get(0)?;
    Ok(Compound {
        kind: word::<Compound, _>(&id, row, 2)?,
        households: number::<Compound, _>(&id, row, 4)?,
        geometry: geometry::<Compound>(&id, row, 6)?,
        name: row.get(1)?,
        property_company: row.get(3)?,
        community_id: row.get(5)?,
        id,
    })
}

fn building(row: &Row) -> Result<Building, StoreError> {
    let id: String = row.get(0)?;
    Ok(Building {
        floors: number::<Building, _>(&id, row, 4)?,
        units: number::<Building, _>(&id, row, 5)?,
        households: number::<Building, _>(&id, row, 6)?,
        population: number::<Building, _>(&id, row, 7)?,
        geometry: geometry::<Building>(&id, row, 9)?,
        label: row.get(1)?,
        compound_id: row.get(2)?,
        grid_id: row.get(3)?,
        has_elevator: row.get(8)?,
        elderly: optional_number::<Building, _>(&id, row, 10)?,
        children: optional_number::<Building, _>(&id, row, 11)?,
        id,
    })
}

fn station(row: &Row) -> Result<Station, StoreError> {
    let id: String = row.get(0)?;
    Ok(Station {
        kind: word::<Station, _>(&id, row, 2)?,
        level: word::<Station, _>(&id, row, 3)?,
        geometry: geometry::<Station>(&id, row, 7)?,
        name: row.get(1)?,
        opening_hours: row.get(4)?,
        phone: row.get(5)?,
        community_id: row.get(6)?,
        capacity: optional_number::<Station, _>(&id, row, 8)?,
        id,
    })
}

fn candidate_site(row: &Row) -> Result<CandidateSite, StoreError> {
    let id: String = row.get(0)?;
    Ok(CandidateSite {
        name: row.get(1)?,
        kind: word::<CandidateSite, _>(&id, row, 2)?,
        area_m2: row.get(3)?,
        community_id: row.get(4)?,
        geometry: geometry::<CandidateSite>(&id, row, 5)?,
        id,
    })
}

fn contact(row: &Row) -> Result<Contact, StoreError> {
    let id: String = row.get(0)?;
    let mut scope = None;
    for (column, property) in (4..).zip(ContactScope::PROPERTIES) {
        if let Some(target) = row.get::<_, Option<String>>(column)? {
            scope = ContactScope::from_property(property, target);
        }
    }
    let scope = scope.ok_or_else(|| corrupt::<Contact>(&id, "no scope column set".into()))?;
    Ok(Contact { role: word::<Contact, _>(&id, row, 1)?, name: row.get(2)?, phone: row.get(3)?, scope, id })
}

fn unit(row: &Row) -> Result<Unit, StoreError> {
    let id: String = row.get(0)?;
    Ok(Unit {
        name: row.get(1)?,
        kind: word::<Unit, _>(&id, row, 2)?,
        phone: row.get(3)?,
        compound_ids: Vec::new(),
        community_ids: Vec::new(),
        street_ids: Vec::new(),
        id,
    })
}

fn unit_area(row: &Row) -> Result<AreaRow, StoreError> {
    Ok(AreaRow { unit_id: row.get(0)?, areas: [row.get(1)?, row.get(2)?, row.get(3)?] })
}

fn corrupt<R: Record>(id: &str, reason: String) -> StoreError {
    StoreError::Corrupt { layer: R::LAYER, id: id.to_owned(), reason }
}

fn text<'r, R: Record>(id: &str, row: &'r Row, column: usize) -> Result<&'r str, StoreError> {
    row.get_ref(column)?.as_str().map_err(|e| corrupt::<R>(id, format!("column {column}: {e}")))
}

fn geometry<R: Record>(id: &str, row: &Row, column: usize) -> Result<geo::Geometry, StoreError> {
    decode_geometry(text::<R>(id, row, column)?).map_err(|reason| corrupt::<R>(id, reason))
}

fn word<R: Record, T: FromStr<Err = String>>(id: &str, row: &Row, column: usize) -> Result<T, StoreError> {
    text::<R>(id, row, column)?.parse().map_err(|reason| corrupt::<R>(id, reason))
}

fn number<R: Record, T: TryFrom<i64>>(id: &str, row: &Row, column: usize) -> Result<T, StoreError> {
    let value: i64 = row.get(column)?;
    T::try_from(value).map_err(|_| corrupt::<R>(id, format!("number {value} out of range")))
}

fn optional_number<R: Record, T: TryFrom<i64>>(id: &str, row: &Row, column: usize) -> Result<Option<T>, StoreError> {
    let value: Option<i64> = row.get(column)?;
    value.map(|value| T::try_from(value).map_err(|_| corrupt::<R>(id, format!("number {value} out of range")))).transpose()
}
