//! What both backends share about photos and moderations: the rows they read, parsed the
//! same way, and the outcome of a moderation write.

use sha2::{Digest, Sha256};
use sqlx::query_builder::Separated;
use sqlx::{ColumnIndex, Decode, Encode, Row, Type};

use super::StoreError;
use crate::model::photos::{Moderation, NewPhoto, PhotoInfo};

/// A photo row as `migrate-db` copies it, bytes and all.
#[derive(Clone, PartialEq)]
pub struct DumpedPhoto {
    pub id: i64,
    /// `None` for a pending photo (of a submission being stored when the dump was taken).
    pub report_id: Option<i64>,
    pub photo: NewPhoto,
}

/// The checksum's canonical form: every field, the bytes by their SHA-256 (a photo's bytes
/// as text would be megabytes a row).
impl std::fmt::Debug for DumpedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hash =
            |bytes: &Option<Vec<u8>>| bytes.as_ref().map(|b| Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>());
        let p = &self.photo;
        f.debug_struct("DumpedPhoto")
            .field("id", &self.id)
            .field("report_id", &self.report_id)
            .field("stage", &p.stage)
            .field("content_type", &p.content_type)
            .field("size", &(p.width, p.height, p.thumb_width, p.thumb_height))
            .field("digest", &p.digest)
            .field("bytes", &hash(&p.bytes))
            .field("thumb", &hash(&p.thumb))
            .field("uploaded_by", &p.uploaded_by)
            .field("created_at", &p.created_at)
            .finish()
    }
}

/// A moderation row as `migrate-db` copies it.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpedModeration {
    pub report_id: i64,
    pub moderation: Moderation,
}

/// The photo columns a dump reads and a restore writes, in [`bind_photo`]'s order.
pub(super) const PHOTO_COLUMNS: &str =
    "id, report_id, stage, content_type, width, height, thumb_width, thumb_height, digest, bytes, thumb, uploaded_by, created_at";

pub(super) const MODERATION_COLUMNS: &str =
    "id, report_id, target, target_id, action, reason, moderated_by, moderated_at, reverted_by, reverted_at";

pub(super) fn bind_photo<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, dumped: &DumpedPhoto)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Vec<u8>>: Encode<'t, DB> + Type<DB>,
{
    let p = &dumped.photo;
    row.push_bind(dumped.id)
        .push_bind(dumped.report_id)
        .push_bind(p.stage.as_str().to_owned())
        .push_bind(p.content_type.clone())
        .push_bind(i64::from(p.width))
        .push_bind(i64::from(p.height))
        .push_bind(i64::from(p.thumb_width))
        .push_bind(i64::from(p.thumb_height))
        .push_bind(p.digest.clone())
        .push_bind(p.bytes.clone())
        .push_bind(p.thumb.clone())
        .push_bind(p.uploaded_by.clone())
        .push_bind(p.created_at);
}

pub(super) fn bind_moderation<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, dumped: &DumpedModeration)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
{
    let m = &dumped.moderation;
    row.push_bind(m.id)
        .push_bind(dumped.report_id)
        .push_bind(m.target.as_str().to_owned())
        .push_bind(m.target_id)
        .push_bind(m.action.as_str().to_owned())
        .push_bind(m.reason.clone())
        .push_bind(m.moderated_by.clone())
        .push_bind(m.moderated_at)
        .push_bind(m.reverted_by.clone())
        .push_bind(m.reverted_at);
}

pub(super) fn dumped_photo_from<R: Row>(row: &R) -> Result<DumpedPhoto, StoreError>
where
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<Vec<u8>>: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    let id: i64 = row.try_get("id")?;
    let stage: String = row.try_get("stage")?;
    Ok(DumpedPhoto {
        id,
        report_id: row.try_get("report_id")?,
        photo: NewPhoto {
            stage: stage.parse().map_err(|e| corrupt(id, e))?,
            content_type: row.try_get("content_type")?,
            width: dimension(id, row.try_get("width")?)?,
            height: dimension(id, row.try_get("height")?)?,
            thumb_width: dimension(id, row.try_get("thumb_width")?)?,
            thumb_height: dimension(id, row.try_get("thumb_height")?)?,
            digest: row.try_get("digest")?,
            bytes: row.try_get("bytes")?,
            thumb: row.try_get("thumb")?,
            uploaded_by: row.try_get("uploaded_by")?,
            created_at: row.try_get("created_at")?,
        },
    })
}

/// The photo columns both backends select (`p` is photos, `r` its case). `hidden` is true
/// while a moderation of the photo is in force.
pub(super) const SELECT_PHOTO: &str = "SELECT p.id, r.case_number, p.stage, p.content_type, p.width, p.height,
     p.thumb_width, p.thumb_height, p.digest, p.bytes IS NULL AS in_folder, p.uploaded_by, p.created_at,
     EXISTS (SELECT 1 FROM moderations m WHERE m.target = 'photo' AND m.target_id = p.id AND m.reverted_at IS NULL) AS hidden
     FROM photos p LEFT JOIN reports r ON r.id = p.report_id";

pub(super) const SELECT_MODERATION: &str = "SELECT m.id, m.report_id, r.case_number, m.target, m.target_id, m.action, m.reason,
     m.moderated_by, m.moderated_at, m.reverted_by, m.reverted_at FROM moderations m JOIN reports r ON r.id = m.report_id";

/// Why a moderation was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationWrite {
    Stored(i64),
    NoSuchCase,
    /// The photo or event named is not one of the case's.
    NoSuchTarget,
}

fn corrupt(id: i64, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptReport { case: format!("photo or moderation #{id}"), reason: reason.to_string() }
}

fn dimension(id: i64, value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(id, format!("dimension {value} out of range")))
}

pub(super) fn photo_from<R: Row>(row: &R) -> Result<PhotoInfo, StoreError>
where
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    let id: i64 = row.try_get("id")?;
    let stage: String = row.try_get("stage")?;
    Ok(PhotoInfo {
        id,
        case_number: row.try_get("case_number")?,
        stage: stage.parse().map_err(|e| corrupt(id, e))?,
        content_type: row.try_get("content_type")?,
        width: dimension(id, row.try_get("width")?)?,
        height: dimension(id, row.try_get("height")?)?,
        thumb_width: dimension(id, row.try_get("thumb_width")?)?,
        thumb_height: dimension(id, row.try_get("thumb_height")?)?,
        digest: row.try_get("digest")?,
        in_folder: row.try_get("in_folder")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: row.try_get("created_at")?,
        hidden: row.try_get("hidden")?,
    })
}

pub(super) fn moderation_from<R: Row>(row: &R) -> Result<Moderation, StoreError>
where
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    let id: i64 = row.try_get("id")?;
    let target: String = row.try_get("target")?;
    let action: String = row.try_get("action")?;
    Ok(Moderation {
        id,
        case_number: row.try_get("case_number")?,
        target: target.parse().map_err(|e| corrupt(id, e))?,
        target_id: row.try_get("target_id")?,
        action: action.parse().map_err(|e| corrupt(id, e))?,
        reason: row.try_get("reason")?,
        moderated_by: row.try_get("moderated_by")?,
        moderated_at: row.try_get("moderated_at")?,
        reverted_by: row.try_get("reverted_by")?,
        reverted_at: row.try_get("reverted_at")?,
    })
}
