//! A whole database as plain values, for moving it between backends (`migrate-db`):
//! [`super::Store::dump`] reads one, [`super::Store::restore`] writes one into an empty
//! database in one transaction. Checksums are computed here, in Rust, from the typed
//! values, so the two sides of a migration are compared in the same words whatever their
//! column types.

use sha2::{Digest, Sha256};
use sqlx::query_builder::Separated;
use sqlx::{Encode, Type};

use crate::model::categories::{CategoryChange, CategorySetting};
use crate::model::notify::{NotifyEvent, StoredNotice, Subscription};
use crate::model::reports::{Report, ReportEvent, StaffToken};
use crate::model::{Dataset, Layer};
pub use crate::store::photos::{DumpedModeration, DumpedPhoto};

/// Everything a database holds that is worth keeping: the layers, every case with its
/// audit trail and private fields, every staff token with its hash and revocation, the
/// category settings and their audit.
/// Submission keys (24-hour retry tokens) and the data version are not carried over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    pub layers: Dataset,
    /// By row id; the id is the number inside the case number, kept so numbering continues.
    pub reports: Vec<DumpedReport>,
    /// By id; ids are kept because the change feed counts "events after the last one seen".
    pub events: Vec<DumpedEvent>,
    /// By id; ids are kept because operators revoke tokens by number.
    pub tokens: Vec<DumpedToken>,
    /// By key; a restore replaces the destination's seeded settings with these.
    pub categories: Vec<CategorySetting>,
    /// By id; ids are kept so the audit stays in order.
    pub category_changes: Vec<CategoryChange>,
    /// By name; a restore replaces the destination's own (made when it was first opened), so
    /// the follow-up links derived before the migration stay the same after it.
    pub server_keys: Vec<ServerKey>,
    /// By id, with their bytes (none for photos kept in a folder, which stays where it is);
    /// ids are kept because case views and moderations name them.
    pub photos: Vec<DumpedPhoto>,
    /// By id, reverted ones too: they are the audit.
    pub moderations: Vec<DumpedModeration>,
    /// The notification outbox by id (delivered, pending and dead letters; leases are not
    /// carried: a lease of the source's workers means nothing to the destination's).
    pub notifications: Vec<StoredNotice>,
    /// Admins' message texts, by event.
    pub notify_templates: Vec<TemplateRow>,
    /// Webhook subscriptions, by id.
    pub subscriptions: Vec<Subscription>,
}

/// A random key of the database (`server_keys`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerKey {
    pub name: String,
    pub key: [u8; 32],
}

/// An admin's message text as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub event: NotifyEvent,
    pub text: String,
    pub updated_at: i64,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DumpedReport {
    pub id: i64,
    pub report: Report,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DumpedEvent {
    pub id: i64,
    pub report_id: i64,
    pub event: ReportEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DumpedToken {
    pub token: StaffToken,
    /// SHA-256 of the secret (the secret itself is never stored).
    pub hash: [u8; 32],
}

/// One table of a dump: its name, rows and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSum {
    pub table: &'static str,
    pub rows: usize,
    /// Hex SHA-256 over the rows' canonical form, in order.
    pub sha256: String,
}

impl Dump {
    /// Rows in all tables.
    pub fn total(&self) -> usize {
        self.layers.total()
            + self.reports.len()
            + self.events.len()
            + self.tokens.len()
            + self.categories.len()
            + self.category_changes.len()
            + self.server_keys.len()
            + self.photos.len()
            + self.moderations.len()
            + self.notifications.len()
            + self.notify_templates.len()
            + self.subscriptions.len()
    }

    /// Counts and checksums per table, in a fixed order. The canonical form of a row is its
    /// `Debug` text: it names every field, prints floats in shortest round-trip form, and
    /// both sides of a migration are hashed by the same binary, so equal values give equal
    /// sums and any changed field, row or order changes the sum.
    /// Tables are hashed on threads of their own: a million-building city takes tens of
    /// seconds on one core.
    pub fn checksums(&self) -> Vec<TableSum> {
        std::thread::scope(|scope| {
            let mut tables: Vec<std::thread::ScopedJoinHandle<'_, TableSum>> =
                Layer::ALL.iter().map(|layer| scope.spawn(move || self.layer_sum(*layer))).collect();
            tables.push(scope.spawn(|| sum("reports", &self.reports)));
            tables.push(scope.spawn(|| sum("report_events", &self.events)));
            tables.push(scope.spawn(|| sum("api_tokens", &self.tokens)));
            tables.push(scope.spawn(|| sum("category_settings", &self.categories)));
            tables.push(scope.spawn(|| sum("category_changes", &self.category_changes)));
            tables.push(scope.spawn(|| sum("server_keys", &self.server_keys)));
            tables.push(scope.spawn(|| sum("photos", &self.photos)));
            tables.push(scope.spawn(|| sum("moderations", &self.moderations)));
            tables.push(scope.spawn(|| sum("notifications", &self.notifications)));
            tables.push(scope.spawn(|| sum("notify_templates", &self.notify_templates)));
            tables.push(scope.spawn(|| sum("subscriptions", &self.subscriptions)));
            tables.into_iter().map(|table| table.join().expect("hashing does not panic")).collect()
        })
    }

    fn layer_sum(&self, layer: Layer) -> TableSum {
        let data = &self.layers;
        let mut table = match layer {
            Layer::Streets => sum("", &data.streets),
            Layer::Communities => sum("", &data.communities),
            Layer::Grids => sum("", &data.grids),
            Layer::Compounds => sum("", &data.compounds),
            Layer::Buildings => sum("", &data.buildings),
            Layer::Stations => sum("", &data.stations),
            Layer::Contacts => sum("", &data.contacts),
            Layer::Walkways => sum("", &data.walkways),
            Layer::Units => sum("", &data.units),
            Layer::CandidateSites => sum("", &data.candidate_sites),
        };
        table.table = layer.as_str();
        table
    }

    /// The highest case row id, which the destination's numbering must continue after.
    pub fn last_case_id(&self) -> i64 {
        self.reports.iter().map(|r| r.id).max().unwrap_or(0)
    }
}

fn sum<T: std::fmt::Debug>(table: &'static str, rows: &[T]) -> TableSum {
    use std::io::Write;

    let mut hasher = Sha256::new();
    let mut line = Vec::new();
    for row in rows {
        line.clear();
        writeln!(line, "{row:?}").expect("writing to a Vec cannot fail");
        hasher.update(&line);
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    TableSum { table, rows: rows.len(), sha256 }
}

// The restores of both backends bind rows through the functions below, so both write the
// same columns in the same order.

/// The `reports` columns a restore writes, in the order [`bind_report`] binds them.
pub(super) const REPORT_COLUMNS: &str = "id, case_number, category, source, description, photo_url, reporter_name,
    reporter_phone, lon, lat, building_id, compound_id, micro_grid_id, grid_id, community_id, street_id, tier,
    responder, responder_phone, state, supporters, created_at, dispatched_at, deadline_at, resolved_at, closed_at,
    on_time, external_id, version, subcategory, unit_id, response_secs, resolution_secs, responded_at, due_at,
    original_deadline_at, extension_requested_to, supervised_at, resolved_by, reopened, notify, follow_hash, rating,
    rated_at, unsatisfied";

/// One case's values, except the duplicate link (set once every case has its row).
pub(super) fn bind_report<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, dumped: &DumpedReport)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> f64: Encode<'t, DB> + Type<DB>,
    for<'t> Option<bool>: Encode<'t, DB> + Type<DB>,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> Option<Vec<u8>>: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let r = &dumped.report;
    row.push_bind(dumped.id)
        .push_bind(r.case_number.clone())
        .push_bind(r.category.as_str().to_owned())
        .push_bind(r.source.as_str().to_owned())
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
        .push_bind(r.routed.tier.as_str().to_owned())
        .push_bind(r.routed.responder.clone())
        .push_bind(r.routed.responder_phone.clone())
        .push_bind(r.state.as_str().to_owned())
        .push_bind(i64::from(r.supporters))
        .push_bind(r.created_at)
        .push_bind(r.dispatched_at)
        .push_bind(r.deadline_at)
        .push_bind(r.resolved_at)
        .push_bind(r.closed_at)
        .push_bind(r.on_time)
        .push_bind(r.external_id.clone())
        .push_bind(i64::from(r.version));
    super::duty::bind_duty(row, r);
}

/// The `report_events` columns, in the order [`bind_event`] binds them.
pub(super) const EVENT_COLUMNS: &str = "id, report_id, at, actor, action, from_state, to_state, note, reply, rating";

pub(super) fn bind_event<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, dumped: &DumpedEvent)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let e = &dumped.event;
    row.push_bind(dumped.id)
        .push_bind(dumped.report_id)
        .push_bind(e.at)
        .push_bind(e.actor.clone())
        .push_bind(e.action.clone())
        .push_bind(e.from_state.map(|s| s.as_str().to_owned()))
        .push_bind(e.to_state.map(|s| s.as_str().to_owned()))
        .push_bind(e.note.clone())
        .push_bind(e.reply.clone())
        .push_bind(e.rating.map(|r| r.as_str().to_owned()));
}

/// The `api_tokens` columns, in the order [`bind_token`] binds them.
pub(super) const TOKEN_COLUMNS: &str = "id, token_hash, role, scope_kind, scope_id, label, created_at, expires_at, revoked_at";

pub(super) fn bind_token<DB: sqlx::Database>(row: &mut Separated<'_, DB, &'static str>, dumped: &DumpedToken)
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Vec<u8>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<i64>: Encode<'t, DB> + Type<DB>,
{
    let t = &dumped.token;
    row.push_bind(t.id)
        .push_bind(dumped.hash.to_vec())
        .push_bind(t.role.as_str().to_owned())
        .push_bind(t.scope.kind().to_owned())
        .push_bind(t.scope.id().map(str::to_owned))
        .push_bind(t.label.clone())
        .push_bind(t.created_at)
        .push_bind(t.expires_at)
        .push_bind(t.revoked_at);
}

/// Called by a restore after each table is written, with the table and its row count.
pub type Progress<'a> = &'a (dyn Fn(&str, usize) + Send + Sync);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::Role;
    use crate::model::scope::TokenScope;

    fn token(label: &str) -> DumpedToken {
        DumpedToken {
            token: StaffToken {
                id: 1,
                role: Role::Admin,
                scope: TokenScope::Everywhere,
                label: label.into(),
                created_at: 5,
                expires_at: None,
                revoked_at: None,
            },
            hash: [7; 32],
        }
    }

    #[test]
    fn a_changed_field_changes_only_its_table_sum() {
        let a = Dump { tokens: vec![token("a")], ..Default::default() };
        let b = Dump { tokens: vec![token("b")], ..Default::default() };
        let (sa, sb) = (a.checksums(), b.checksums());
        assert_eq!(sa.len(), Layer::ALL.len() + 11);
        for (x, y) in sa.iter().zip(&sb) {
            assert_eq!(x.rows, y.rows);
            assert_eq!(x.sha256 == y.sha256, x.table != "api_tokens", "{}", x.table);
        }
    }
}
