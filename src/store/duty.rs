//! The accountability columns of a case (its subcategory, its [`Duty`] and the due date of
//! its current stage, [`Report::stage_due_at`], which is written but never read back), and its
//! follow-up columns (the reporter's consent, follow-up hash and rating), written
//! and read the same way by both backends and by every statement that writes a whole case: filing, a
//! workflow move, a historical import and a restore.

use sqlx::query_builder::Separated;
use sqlx::{ColumnIndex, Decode, Encode, QueryBuilder, Row, Type};

use super::StoreError;
use crate::model::reports::{Duty, Rating, Report};

/// The columns [`bind_duty`] binds, in its order.
pub(super) const DUTY_COLUMNS: &str = "subcategory, unit_id, response_secs, resolution_secs, responded_at, due_at, \
     original_deadline_at, extension_requested_to, supervised_at, resolved_by, reopened, \
     notify, follow_hash, rating, rated_at, unsatisfied";

/// Binds a case's accountability values as further values of a multi-row INSERT.
pub(super) fn bind_duty<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, r: &Report)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Vec<u8>>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let d = &r.duty;
    row.push_bind(r.subcategory.clone())
        .push_bind(d.unit_id.clone())
        .push_bind(d.response_secs)
        .push_bind(d.resolution_secs)
        .push_bind(d.responded_at)
        .push_bind(r.stage_due_at())
        .push_bind(d.original_deadline_at)
        .push_bind(d.extension_requested_to)
        .push_bind(d.supervised_at)
        .push_bind(d.resolved_by)
        .push_bind(i64::from(d.reopened))
        .push_bind(r.notify)
        .push_bind(r.follow_hash.map(|h| h.to_vec()))
        .push_bind(r.rating.map(|x| x.as_str().to_owned()))
        .push_bind(r.rated_at)
        .push_bind(i64::from(r.unsatisfied));
}

/// Pushes `col = value, …` for every accountability column, for an UPDATE's SET list. Not
/// the follow-up hash: it is set once, after filing ([`crate::store::Store::set_follow_hash`]),
/// and a move computed from a copy read before that must not erase it.
pub(super) fn push_duty_assignments<DB: sqlx::Database>(query: &mut QueryBuilder<DB>, r: &Report)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Vec<u8>>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let d = &r.duty;
    query.push("subcategory = ").push_bind(r.subcategory.clone());
    query.push(", unit_id = ").push_bind(d.unit_id.clone());
    query.push(", response_secs = ").push_bind(d.response_secs);
    query.push(", resolution_secs = ").push_bind(d.resolution_secs);
    query.push(", responded_at = ").push_bind(d.responded_at);
    query.push(", due_at = ").push_bind(r.stage_due_at());
    query.push(", original_deadline_at = ").push_bind(d.original_deadline_at);
    query.push(", extension_requested_to = ").push_bind(d.extension_requested_to);
    query.push(", supervised_at = ").push_bind(d.supervised_at);
    query.push(", resolved_by = ").push_bind(d.resolved_by);
    query.push(", reopened = ").push_bind(i64::from(d.reopened));
    query.push(", notify = ").push_bind(r.notify);
    query.push(", rating = ").push_bind(r.rating.map(|x| x.as_str().to_owned()));
    query.push(", rated_at = ").push_bind(r.rated_at);
    query.push(", unsatisfied = ").push_bind(i64::from(r.unsatisfied));
}

/// A case's follow-up columns as read back.
pub(super) struct FollowColumns {
    pub notify: bool,
    pub follow_hash: Option<[u8; 32]>,
    pub rating: Option<Rating>,
    pub rated_at: Option<i64>,
    pub unsatisfied: u32,
}

/// Reads the follow-up columns of the case in `row` (a `SELECT r.*` or the named list).
pub(super) fn follow_from<R: Row>(case: &str, row: &R) -> Result<FollowColumns, StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<Vec<u8>>: Decode<'r, R::Database> + Type<R::Database>,
    StoreError: From<sqlx::Error>,
{
    let corrupt = |reason: String| StoreError::CorruptReport { case: case.to_owned(), reason };
    let hash: Option<Vec<u8>> = row.try_get("follow_hash")?;
    let follow_hash = hash.map(|h| <[u8; 32]>::try_from(h).map_err(|_| corrupt("follow_hash is not 32 bytes".into()))).transpose()?;
    let rating: Option<String> = row.try_get("rating")?;
    let rating = rating.map(|r| r.parse::<Rating>().map_err(corrupt)).transpose()?;
    let unsatisfied: i64 = row.try_get("unsatisfied")?;
    Ok(FollowColumns {
        notify: row.try_get("notify")?,
        follow_hash,
        rating,
        rated_at: row.try_get("rated_at")?,
        unsatisfied: u32::try_from(unsatisfied).map_err(|e| corrupt(format!("unsatisfied {unsatisfied}: {e}")))?,
    })
}

/// Reads the subcategory and the duty of the case in `row` (a `SELECT r.*`).
pub(super) fn duty_from<R: Row>(case: &str, row: &R) -> Result<(Option<String>, Duty), StoreError>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    StoreError: From<sqlx::Error>,
{
    let reopened: i64 = row.try_get("reopened")?;
    let duty = Duty {
        unit_id: row.try_get("unit_id")?,
        response_secs: row.try_get("response_secs")?,
        resolution_secs: row.try_get("resolution_secs")?,
        responded_at: row.try_get("responded_at")?,
        original_deadline_at: row.try_get("original_deadline_at")?,
        extension_requested_to: row.try_get("extension_requested_to")?,
        supervised_at: row.try_get("supervised_at")?,
        resolved_by: row.try_get("resolved_by")?,
        reopened: u32::try_from(reopened)
            .map_err(|e| StoreError::CorruptReport { case: case.to_owned(), reason: format!("reopened {reopened}: {e}") })?,
    };
    Ok((row.try_get("subcategory")?, duty))
}
