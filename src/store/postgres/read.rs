//! Bulk reads for rebuilding the index: one query per layer, all layers at once on their
//! own pooled connections, rows mapped as they stream in. Geometry arrives as WKB bytes
//! borrowed from the row, so no text is parsed.

use std::str::FromStr;

use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::model::reports::{CaseTimes, ReportRow};
use crate::model::{
    Building, CandidateSite, Community, Compound, Contact, ContactScope, Dataset, Grid, Record, Station, Street, Unit, Walkway,
};
use crate::store::StoreError;
use crate::store::geometry::decode_wkb;
use crate::store::unit_areas::{self, AreaRow};

/// Every layer, each streamed on its own pooled connection.
pub async fn load(pool: &PgPool) -> Result<Dataset, StoreError> {
    let (streets, communities, grids, compounds, buildings, stations, contacts, walkways, mut units, unit_areas, candidate_sites) = tokio::try_join!(
        read(pool, "SELECT id, name, ST_AsBinary(geometry) FROM streets ORDER BY seq", street),
        read(pool, "SELECT id, name, street_id, ST_AsBinary(geometry) FROM communities ORDER BY seq", community),
        read(pool, "SELECT id, name, level, community_id, parent_id, households, ST_AsBinary(geometry) FROM grids ORDER BY seq", grid),
        read(
            pool,
            "SELECT id, name, kind, property_company, households, community_id, ST_AsBinary(geometry) FROM compounds ORDER BY seq",
            compound
        ),
        read(
            pool,
            "SELECT id, label, compound_id, grid_id, floors, units, households, population, has_elevator,
                 ST_AsBinary(geometry), elderly, children
             FROM buildings ORDER BY seq",
            building
        ),
        read(
            pool,
            "SELECT id, name, kind, level, opening_hours, phone, community_id, ST_AsBinary(geometry), capacity FROM stations ORDER BY seq",
            station
        ),
        read(
            pool,
            "SELECT id, role, name, phone, street_id, community_id, grid_id, compound_id, building_id FROM contacts ORDER BY seq",
            contact
        ),
        read(pool, "SELECT id, kind, name, ST_AsBinary(geometry) FROM walkways ORDER BY seq", walkway),
        read(pool, "SELECT id, name, kind, phone FROM units ORDER BY seq", unit),
        read(pool, "SELECT unit_id, compound_id, community_id, street_id FROM unit_areas ORDER BY seq", unit_area),
        read(pool, "SELECT id, name, kind, area_m2, community_id, ST_AsBinary(geometry) FROM candidate_sites ORDER BY seq", candidate_site),
    )?;
    unit_areas::attach(&mut units, unit_areas)?;
    Ok(Dataset { streets, communities, grids, compounds, buildings, stations, contacts, walkways, units, candidate_sites })
}

/// The analysis fields of the cases changed by audit events after `after_event` (all cases
/// when it is 0), and the last event id they reflect at least.
pub async fn report_rows(pool: &PgPool, after_event: i64) -> Result<(Vec<ReportRow>, i64), StoreError> {
    // One snapshot for both reads, so the rows are exactly those of the events up to `last`:
    // two instances that synced to the same event hold the same cases (their report-tile ETags
    // name the same content). Report writers hold one lock until they commit (see
    // reports::lock_report_writes), so event ids become visible in order: no smaller id can
    // appear after this one has been seen.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM report_events").fetch_one(&mut *tx).await?;
    if last <= after_event {
        return Ok((Vec::new(), after_event));
    }
    let columns = crate::store::REPORT_ROW_COLUMNS;
    let rows = if after_event == 0 {
        let sql = format!("SELECT {columns} FROM reports r ORDER BY r.id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch(&mut *tx)
            .map_err(StoreError::from)
            .and_then(|row| async move { report_row(&row) })
            .try_collect()
            .await?
    } else {
        let sql = format!(
            "SELECT {columns} FROM reports r WHERE r.id IN
                 (SELECT DISTINCT report_id FROM report_events WHERE id > $1) ORDER BY r.id"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after_event)
            .fetch(&mut *tx)
            .map_err(StoreError::from)
            .and_then(|row| async move { report_row(&row) })
            .try_collect()
            .await?
    };
    tx.commit().await?;
    Ok((rows, last))
}

fn report_row(row: &PgRow) -> Result<ReportRow, StoreError> {
    let id: i64 = row.try_get(0)?;
    let corrupt = |reason: String| StoreError::CorruptReport { case: format!("#{id}"), reason };
    Ok(ReportRow {
        id,
        lon: row.try_get(1)?,
        lat: row.try_get(2)?,
        category: row.try_get::<&str, _>(3)?.parse().map_err(corrupt)?,
        state: row.try_get::<&str, _>(4)?.parse().map_err(corrupt)?,
        created_at: row.try_get(5)?,
        compound_id: row.try_get(6)?,
        grid_id: row.try_get(7)?,
        community_id: row.try_get(8)?,
        street_id: row.try_get(9)?,
        times: CaseTimes {
            unit_id: row.try_get(10)?,
            response_due_at: row.try_get(11)?,
            responded_at: row.try_get(12)?,
            dispatched_at: row.try_get(13)?,
            deadline_at: row.try_get(14)?,
            original_deadline_at: row.try_get(15)?,
            resolved_at: row.try_get(16)?,
            closed_at: row.try_get(17)?,
            on_time: row.try_get(18)?,
            reopened: u32::try_from(row.try_get::<i64, _>(19)?).map_err(|e| corrupt(e.to_string()))?,
            rating: row.try_get::<Option<&str>, _>(20)?.map(str::parse).transpose().map_err(corrupt)?,
            unsatisfied: u32::try_from(row.try_get::<i64, _>(21)?).map_err(|e| corrupt(e.to_string()))?,
        },
    })
}

/// Runs `sql` on a pooled connection, mapping each row as it arrives.
async fn read<R>(pool: &PgPool, sql: &'static str, map: fn(&PgRow) -> Result<R, StoreError>) -> Result<Vec<R>, StoreError> {
    sqlx::query(sql).fetch(pool).map_err(StoreError::from).and_then(|row| async move { map(&row) }).try_collect().await
}

fn walkway(row: &PgRow) -> Result<Walkway, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Walkway { geometry: geometry::<Walkway>(&id, row, 3)?, kind: row.try_get(1)?, name: row.try_get(2)?, id })
}

fn street(row: &PgRow) -> Result<Street, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Street { geometry: geometry::<Street>(&id, row, 2)?, name: row.try_get(1)?, id })
}

fn community(row: &PgRow) -> Result<Community, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Community { geometry: geometry::<Community>(&id, row, 3)?, name: row.try_get(1)?, street_id: row.try_get(2)?, id })
}

fn grid(row: &PgRow) -> Result<Grid, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Grid {
        level: word::<Grid, _>(&id, row, 2)?,
        households: number::<Grid, _>(&id, row, 5)?,
        geometry: geometry::<Grid>(&id, row, 6)?,
        name: row.try_get(1)?,
        community_id: row.try_get(3)?,
        parent_id: row.try_get(4)?,
        id,
    })
}

fn compound(row: &PgRow) -> Result<Compound, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Compound {
        kind: word::<Compound, _>(&id, row, 2)?,
        households: number::<Compound, _>(&id, row, 4)?,
        geometry: geometry::<Compound>(&id, row, 6)?,
        name: row.try_get(1)?,
        property_company: row.try_get(3)?,
        community_id: row.try_get(5)?,
        id,
    })
}

fn building(row: &PgRow) -> Result<Building, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Building {
        floors: number::<Building, _>(&id, row, 4)?,
        units: number::<Building, _>(&id, row, 5)?,
        households: number::<Building, _>(&id, row, 6)?,
        population: number::<Building, _>(&id, row, 7)?,
        geometry: geometry::<Building>(&id, row, 9)?,
        label: row.try_get(1)?,
        compound_id: row.try_get(2)?,
        grid_id: row.try_get(3)?,
        has_elevator: row.try_get(8)?,
        elderly: optional_number::<Building, _>(&id, row, 10)?,
        children: optional_number::<Building, _>(&id, row, 11)?,
        id,
    })
}

fn station(row: &PgRow) -> Result<Station, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Station {
        kind: word::<Station, _>(&id, row, 2)?,
        level: word::<Station, _>(&id, row, 3)?,
        geometry: geometry::<Station>(&id, row, 7)?,
        name: row.try_get(1)?,
        opening_hours: row.try_get(4)?,
        phone: row.try_get(5)?,
        community_id: row.try_get(6)?,
        capacity: optional_number::<Station, _>(&id, row, 8)?,
        id,
    })
}

fn candidate_site(row: &PgRow) -> Result<CandidateSite, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(CandidateSite {
        name: row.try_get(1)?,
        kind: word::<CandidateSite, _>(&id, row, 2)?,
        area_m2: row.try_get(3)?,
        community_id: row.try_get(4)?,
        geometry: geometry::<CandidateSite>(&id, row, 5)?,
        id,
    })
}

fn contact(row: &PgRow) -> Result<Contact, StoreError> {
    let id: String = row.try_get(0)?;
    let mut scope = None;
    for (column, property) in (4..).zip(ContactScope::PROPERTIES) {
        if let Some(target) = row.try_get::<Option<String>, _>(column)? {
            scope = ContactScope::from_property(property, target);
        }
    }
    let scope = scope.ok_or_else(|| corrupt::<Contact>(&id, "no scope column set".into()))?;
    Ok(Contact { role: word::<Contact, _>(&id, row, 1)?, name: row.try_get(2)?, phone: row.try_get(3)?, scope, id })
}

fn unit(row: &PgRow) -> Result<Unit, StoreError> {
    let id: String = row.try_get(0)?;
    Ok(Unit {
        name: row.try_get(1)?,
        kind: word::<Unit, _>(&id, row, 2)?,
        phone: row.try_get(3)?,
        compound_ids: Vec::new(),
        community_ids: Vec::new(),
        street_ids: Vec::new(),
        id,
    })
}

fn unit_area(row: &PgRow) -> Result<AreaRow, StoreError> {
    Ok(AreaRow { unit_id: row.try_get(0)?, areas: [row.try_get(1)?, row.try_get(2)?, row.try_get(3)?] })
}

fn corrupt<R: Record>(id: &str, reason: String) -> StoreError {
    StoreError::Corrupt { layer: R::LAYER, id: id.to_owned(), reason }
}

fn geometry<R: Record>(id: &str, row: &PgRow, column: usize) -> Result<geo::Geometry, StoreError> {
    decode_wkb(row.try_get::<&[u8], _>(column)?).map_err(|reason| corrupt::<R>(id, reason))
}

fn word<R: Record, T: FromStr<Err = String>>(id: &str, row: &PgRow, column: usize) -> Result<T, StoreError> {
    row.try_get::<&str, _>(column)?.parse().map_err(|reason| corrupt::<R>(id, reason))
}

fn number<R: Record, T: TryFrom<i64>>(id: &str, row: &PgRow, column: usize) -> Result<T, StoreError> {
    let value: i64 = row.try_get(column)?;
    T::try_from(value).map_err(|_| corrupt::<R>(id, format!("number {value} out of range")))
}

fn optional_number<R: Record, T: TryFrom<i64>>(id: &str, row: &PgRow, column: usize) -> Result<Option<T>, StoreError> {
    let value: Option<i64> = row.try_get(column)?;
    value.map(|value| T::try_from(value).map_err(|_| corrupt::<R>(id, format!("number {value} out of range")))).transpose()
}
