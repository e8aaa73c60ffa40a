//! Moving a whole database to another (SQLite ↔ PostgreSQL, or the same kind): read the
//! source into a dump, write it into the empty destination in one transaction, then read
//! the destination back and compare counts and checksums table by table.

use std::time::Instant;

use crate::store::{Store, StoreError, TableSum};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("reading the source: {0}")]
    Source(#[source] StoreError),
    #[error("writing the destination (nothing was written): {0}")]
    Destination(#[source] StoreError),
    #[error("reading the destination back: {0}")]
    Check(#[source] StoreError),
    /// The copy committed but does not match the source: the tables named differ.
    #[error("the copy does not match the source in: {}", .0.join(", "))]
    Mismatch(Vec<String>),
}

/// One table of the check: the source's figures and the destination's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub source: TableSum,
    pub destination: TableSum,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source.rows == self.destination.rows && self.source.sha256 == self.destination.sha256
    }
}

/// Copies everything from `source` into `destination`, which must be empty, and checks the
/// copy. `progress` gets one line per step (reading, each table written, checking). The
/// answer is the check, to print; [`verdict`] turns a difference into an error.
pub async fn migrate(
    source: &dyn Store,
    destination: &dyn Store,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Vec<TableCheck>, MigrateError> {
    let started = Instant::now();
    progress("reading the source…");
    let dump = source.dump().await.map_err(MigrateError::Source)?;
    progress(&format!("read {} rows in {:.1} s; writing them in one transaction…", dump.total(), started.elapsed().as_secs_f64()));
    let written = Instant::now();
    let step = |table: &str, rows: usize| progress(&format!("  {table}: {rows} rows ({:.1} s)", written.elapsed().as_secs_f64()));
    destination.restore(&dump, &step).await.map_err(MigrateError::Destination)?;
    progress("committed; reading the destination back to check it…");
    // The source's sums are computed while the copy is read back.
    let source_sums = tokio::task::spawn_blocking(move || dump.checksums());
    let copy = destination.dump().await.map_err(MigrateError::Check)?;
    let copy_sums = tokio::task::spawn_blocking(move || copy.checksums()).await.expect("hashing does not panic");
    let checks: Vec<TableCheck> = source_sums
        .await
        .expect("hashing does not panic")
        .into_iter()
        .zip(copy_sums)
        .map(|(source, destination)| TableCheck { source, destination })
        .collect();
    Ok(checks)
}

/// The tables whose copy differs, as an error (or `Ok` if every table matches).
pub fn verdict(checks: &[TableCheck]) -> Result<(), MigrateError> {
    let bad: Vec<String> = checks.iter().filter(|c| !c.matches()).map(|c| c.source.table.to_owned()).collect();
    if bad.is_empty() { Ok(()) } else { Err(MigrateError::Mismatch(bad)) }
}

/// The check as a table: per table the rows and checksum on each side (the sums shortened
/// to 16 hex digits when equal, shown whole when not).
pub fn format_checks(checks: &[TableCheck]) -> String {
    let mut out = format!("{:<14} {:>9} {:>9}  {:<16}  {}\n", "table", "source", "copy", "sha256", "");
    for c in checks {
        let (mark, sum) = if c.matches() {
            ("ok", c.source.sha256[..16].to_owned())
        } else {
            ("MISMATCH", format!("{} ≠ {}", c.source.sha256, c.destination.sha256))
        };
        out.push_str(&format!("{:<14} {:>9} {:>9}  {:<16}  {mark}\n", c.source.table, c.source.rows, c.destination.rows, sum));
    }
    out
}
