//! Photos and moderations in SQLite.

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::reports::insert_event;
use crate::model::photos::{Moderation, ModerationTarget, NewPhoto, PhotoInfo};
use crate::model::reports::ReportEvent;
use crate::store::photos::{
    DumpedModeration, DumpedPhoto, MODERATION_COLUMNS, ModerationWrite, PHOTO_COLUMNS, SELECT_MODERATION, SELECT_PHOTO, bind_moderation,
    bind_photo, dumped_photo_from, moderation_from, photo_from,
};
use crate::store::{Dump, StoreError};

/// Stores photos in one transaction, for a case or (`None`) pending until their submission's
/// case is stored; `None` if the case does not exist.
pub async fn insert(pool: &SqlitePool, case_number: Option<&str>, photos: &[NewPhoto]) -> Result<Option<Vec<i64>>, StoreError> {
    let mut tx = pool.begin().await?;
    let report_id: Option<i64> = match case_number {
        Some(case) => match sqlx::query_scalar("SELECT id FROM reports WHERE case_number = ?").bind(case).fetch_optional(&mut *tx).await? {
            Some(id) => Some(id),
            None => return Ok(None),
        },
        None => None,
    };
    let mut ids = Vec::with_capacity(photos.len());
    for photo in photos {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO photos (report_id, stage, content_type, width, height, thumb_width, thumb_height, digest, bytes, thumb,
                 uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(report_id)
        .bind(photo.stage.as_str())
        .bind(&photo.content_type)
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(i64::from(photo.thumb_width))
        .bind(i64::from(photo.thumb_height))
        .bind(&photo.digest)
        .bind(&photo.bytes)
        .bind(&photo.thumb)
        .bind(&photo.uploaded_by)
        .bind(photo.created_at)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    if report_id.is_some() {
        sqlx::query("UPDATE reports SET version = version + 1 WHERE id = ?").bind(report_id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Some(ids))
}

/// Links pending photos to the case their submission filed.
pub async fn attach(pool: &SqlitePool, case_number: &str, ids: &[i64]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new("UPDATE photos SET report_id = (SELECT id FROM reports WHERE case_number = ");
    query.push_bind(case_number).push(") WHERE report_id IS NULL AND id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")").build().execute(pool).await?;
    Ok(())
}

/// Deletes pending photos (of a submission that was refused).
pub async fn discard(pool: &SqlitePool, ids: &[i64]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new("DELETE FROM photos WHERE report_id IS NULL AND id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")").build().execute(pool).await?;
    Ok(())
}

/// The photos of these cases, by id.
pub async fn of_cases(pool: &SqlitePool, case_numbers: &[String]) -> Result<Vec<PhotoInfo>, StoreError> {
    if case_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(SELECT_PHOTO);
    query.push(" WHERE r.case_number IN (");
    let mut list = query.separated(", ");
    for case in case_numbers {
        list.push_bind(case.clone());
    }
    query.push(") ORDER BY p.id");
    query.build().fetch_all(pool).await?.iter().map(photo_from).collect()
}

pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<PhotoInfo>, StoreError> {
    let sql = format!("{SELECT_PHOTO} WHERE p.id = ?");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?.as_ref().map(photo_from).transpose()
}

/// The stored image or its thumbnail; `None` if there is no such photo or it lives in the folder.
pub async fn bytes(pool: &SqlitePool, id: i64, thumb: bool) -> Result<Option<Vec<u8>>, StoreError> {
    let sql = if thumb { "SELECT thumb FROM photos WHERE id = ?" } else { "SELECT bytes FROM photos WHERE id = ?" };
    let found: Option<Option<Vec<u8>>> = sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await?;
    Ok(found.flatten())
}

/// Stores a moderation, its audit event and a new version of the case in one transaction.
pub async fn moderate(pool: &SqlitePool, moderation: &Moderation, event: &ReportEvent) -> Result<ModerationWrite, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(report_id): Option<i64> =
        sqlx::query_scalar("SELECT id FROM reports WHERE case_number = ?").bind(&moderation.case_number).fetch_optional(&mut *tx).await?
    else {
        return Ok(ModerationWrite::NoSuchCase);
    };
    let target_sql = match moderation.target {
        ModerationTarget::Description => None,
        ModerationTarget::Photo => Some("SELECT COUNT(*) FROM photos WHERE id = ? AND report_id = ?"),
        ModerationTarget::Reply => Some("SELECT COUNT(*) FROM report_events WHERE id = ? AND report_id = ?"),
    };
    if let Some(sql) = target_sql {
        let found: i64 = sqlx::query_scalar(sql).bind(moderation.target_id).bind(report_id).fetch_one(&mut *tx).await?;
        if found == 0 {
            return Ok(ModerationWrite::NoSuchTarget);
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO moderations (report_id, target, target_id, action, reason, moderated_by, moderated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(report_id)
    .bind(moderation.target.as_str())
    .bind(moderation.target_id)
    .bind(moderation.action.as_str())
    .bind(&moderation.reason)
    .bind(&moderation.moderated_by)
    .bind(moderation.moderated_at)
    .fetch_one(&mut *tx)
    .await?;
    insert_event(&mut tx, report_id, event).await?;
    sqlx::query("UPDATE reports SET version = version + 1 WHERE id = ?").bind(report_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(ModerationWrite::Stored(id))
}

/// Reverts a moderation in force, with its audit event and a new version of the case; the
/// reverted row, or `None` if there is no such moderation in force.
pub async fn revert(pool: &SqlitePool, id: i64, by: &str, at: i64, event: &ReportEvent) -> Result<Option<Moderation>, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(report_id): Option<i64> = sqlx::query_scalar(
        "UPDATE moderations SET reverted_by = ?, reverted_at = ? WHERE id = ? AND reverted_at IS NULL RETURNING report_id",
    )
    .bind(by)
    .bind(at)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    insert_event(&mut tx, report_id, event).await?;
    sqlx::query("UPDATE reports SET version = version + 1 WHERE id = ?").bind(report_id).execute(&mut *tx).await?;
    let sql = format!("{SELECT_MODERATION} WHERE m.id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    moderation_from(&row).map(Some)
}

/// The moderations of these cases (in force or reverted), by id.
pub async fn moderations_of(pool: &SqlitePool, case_numbers: &[String]) -> Result<Vec<Moderation>, StoreError> {
    if case_numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new(SELECT_MODERATION);
    query.push(" WHERE r.case_number IN (");
    let mut list = query.separated(", ");
    for case in case_numbers {
        list.push_bind(case.clone());
    }
    query.push(") ORDER BY m.id");
    query.build().fetch_all(pool).await?.iter().map(moderation_from).collect()
}

pub async fn moderation(pool: &SqlitePool, id: i64) -> Result<Option<Moderation>, StoreError> {
    let sql = format!("{SELECT_MODERATION} WHERE m.id = ?");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?.as_ref().map(moderation_from).transpose()
}

/// Every photo (with its bytes) and moderation, for `migrate-db`.
pub async fn dump(conn: &mut SqliteConnection) -> Result<(Vec<DumpedPhoto>, Vec<DumpedModeration>), StoreError> {
    let sql = format!("SELECT {PHOTO_COLUMNS} FROM photos ORDER BY id");
    let photos =
        sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?.iter().map(dumped_photo_from).collect::<Result<_, _>>()?;
    let sql = format!("{SELECT_MODERATION} ORDER BY m.id");
    let moderations = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok(DumpedModeration { report_id: row.try_get("report_id")?, moderation: moderation_from(row)? }))
        .collect::<Result<_, StoreError>>()?;
    Ok((photos, moderations))
}

/// Writes a dump's photos and moderations, keeping their ids; one photo a statement, as
/// each may hold megabytes.
pub async fn restore(conn: &mut SqliteConnection, dump: &Dump) -> Result<(), StoreError> {
    for photo in &dump.photos {
        let mut query = QueryBuilder::<Sqlite>::new(format!("INSERT INTO photos ({PHOTO_COLUMNS}) "));
        query.push_values([photo], |mut row, dumped| bind_photo(&mut row, dumped));
        query.build().execute(&mut *conn).await?;
    }
    for chunk in dump.moderations.chunks(500) {
        let mut query = QueryBuilder::<Sqlite>::new(format!("INSERT INTO moderations ({MODERATION_COLUMNS}) "));
        query.push_values(chunk, |mut row, dumped| bind_moderation(&mut row, dumped));
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}
