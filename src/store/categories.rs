//! Category settings and their audit, written and read the same way by both backends: the
//! statements are built here once, and each backend runs them in its own transaction.

use sqlx::{Encode, QueryBuilder, Type};

use super::StoreError;
use crate::model::categories::{CategoryChange, CategorySetting};

/// The `category_settings` columns, in the order [`push_setting`] binds them and
/// [`setting_from`] reads them.
pub(super) const SETTING_COLUMNS: &str = "key, parent, tier, response_secs, resolution_secs, label_zh, label_en, updated_at";

/// The `category_changes` columns, in the order [`push_change`] binds them and
/// [`change_from`] reads them.
pub(super) const CHANGE_COLUMNS: &str = "id, at, actor, key, before, after";

/// A settings row as both drivers decode it.
pub(super) type SettingRow = (String, Option<String>, Option<String>, Option<i64>, Option<i64>, String, String, i64);

/// A change row as both drivers decode it.
pub(super) type ChangeRow = (i64, i64, String, String, Option<String>, String);

fn bind_values<DB: sqlx::Database>(row: &mut sqlx::query_builder::Separated<'_, DB, &'static str>, s: &CategorySetting)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    row.push_bind(s.key.clone())
        .push_bind(s.parent.map(|p| p.as_str().to_owned()))
        .push_bind(s.tier.map(|t| t.as_str().to_owned()))
        .push_bind(s.response_secs)
        .push_bind(s.resolution_secs)
        .push_bind(s.label_zh.clone())
        .push_bind(s.label_en.clone())
        .push_bind(s.updated_at);
}

/// `INSERT` of settings rows; with `keep_existing`, a key stored already is left as it is
/// (the seeding never overwrites an admin's change, and a new subcategory never replaces one).
pub(super) fn insert_settings<DB: sqlx::Database>(settings: &[CategorySetting], keep_existing: bool) -> QueryBuilder<DB>
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(format!("INSERT INTO category_settings ({SETTING_COLUMNS}) "));
    query.push_values(settings, |mut row, s| bind_values(&mut row, s));
    if keep_existing {
        query.push(" ON CONFLICT (key) DO NOTHING");
    }
    query
}

/// `UPDATE` of one category to `after`, only while its stored row still equals `before`
/// (a change computed from a stale read changes nothing).
pub(super) fn update_setting<DB: sqlx::Database>(before: &CategorySetting, after: &CategorySetting) -> QueryBuilder<DB>
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new("UPDATE category_settings SET tier = ");
    query.push_bind(after.tier.map(|t| t.as_str().to_owned()));
    query.push(", response_secs = ").push_bind(after.response_secs);
    query.push(", resolution_secs = ").push_bind(after.resolution_secs);
    query.push(", label_zh = ").push_bind(after.label_zh.clone());
    query.push(", label_en = ").push_bind(after.label_en.clone());
    query.push(", updated_at = ").push_bind(after.updated_at);
    query.push(" WHERE key = ").push_bind(before.key.clone());
    query.push(" AND tier IS NOT DISTINCT FROM ").push_bind(before.tier.map(|t| t.as_str().to_owned()));
    query.push(" AND response_secs IS NOT DISTINCT FROM ").push_bind(before.response_secs);
    query.push(" AND resolution_secs IS NOT DISTINCT FROM ").push_bind(before.resolution_secs);
    query.push(" AND label_zh = ").push_bind(before.label_zh.clone());
    query.push(" AND label_en = ").push_bind(before.label_en.clone());
    query.push(" AND updated_at = ").push_bind(before.updated_at);
    query
}

/// `INSERT` of audit rows; with `keep_ids` (a restore) their ids too. `overriding` is what
/// PostgreSQL needs to take given ids for an identity column (empty for SQLite).
pub(super) fn insert_changes<DB: sqlx::Database>(changes: &[CategoryChange], keep_ids: bool, overriding: &str) -> QueryBuilder<DB>
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
{
    let columns = if keep_ids { CHANGE_COLUMNS } else { "at, actor, key, before, after" };
    let mut query = QueryBuilder::new(format!("INSERT INTO category_changes ({columns}) {overriding} "));
    query.push_values(changes, |mut row, c| {
        if keep_ids {
            row.push_bind(c.id);
        }
        row.push_bind(c.at).push_bind(c.actor.clone()).push_bind(c.key.clone()).push_bind(c.before.clone()).push_bind(c.after.clone());
    });
    query
}

fn corrupt(key: &str, reason: String) -> StoreError {
    StoreError::CorruptCategory { key: key.to_owned(), reason }
}

pub(super) fn setting_from(row: SettingRow) -> Result<CategorySetting, StoreError> {
    let (key, parent, tier, response_secs, resolution_secs, label_zh, label_en, updated_at) = row;
    Ok(CategorySetting {
        parent: parent.map(|p| p.parse()).transpose().map_err(|reason| corrupt(&key, reason))?,
        tier: tier.map(|t| t.parse()).transpose().map_err(|reason| corrupt(&key, reason))?,
        key,
        response_secs,
        resolution_secs,
        label_zh,
        label_en,
        updated_at,
    })
}

pub(super) fn change_from(row: ChangeRow) -> CategoryChange {
    let (id, at, actor, key, before, after) = row;
    CategoryChange { id, at, actor, key, before, after }
}
