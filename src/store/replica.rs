//! Reading from a PostgreSQL streaming replica while writing to the primary, with
//! read-your-writes: after this process writes, a read goes to the primary until the
//! replica has replayed past the WAL position the primary had once the write committed.
//! Other processes' writes reach this one through the replica like any read.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use super::dump::{Dump, Progress};
use super::{
    AreaLevel, ChangeSignal, ClosureCounts, ModerationWrite, NearbyQuery, NewStaffToken, PoolStatus, PostgresStore, ReportFilter, Store,
    StoreError, SubmissionKey,
};
use crate::model::categories::{CategoryChange, CategorySetting};
use crate::model::photos::{Moderation, NewPhoto, PhotoInfo};
use crate::model::reports::{Report, ReportEvent, ReportRow, StaffToken};
use crate::model::{Dataset, Layer};

/// How often a notification's bridge asks the replica whether it has caught up, and for how
/// long at most (then the periodic poll takes over).
const CATCH_UP_STEP: Duration = Duration::from_millis(10);
const CATCH_UP_LIMIT: Duration = Duration::from_secs(5);

/// `written` after a write whose WAL position could not be read.
const UNKNOWN: i64 = i64::MAX;

pub struct ReplicaStore {
    primary: Arc<PostgresStore>,
    replica: Arc<PostgresStore>,
    /// The primary's WAL position after this process's last write (0: none yet; [`UNKNOWN`]).
    written: AtomicI64,
    /// The furthest replay position seen on the replica.
    replayed: AtomicI64,
}

impl ReplicaStore {
    pub fn new(primary: PostgresStore, replica: PostgresStore) -> ReplicaStore {
        ReplicaStore { primary: Arc::new(primary), replica: Arc::new(replica), written: AtomicI64::new(0), replayed: AtomicI64::new(0) }
    }

    /// Where reads go now: the replica once it shows this process's writes, else the primary.
    async fn reader(&self) -> Result<&PostgresStore, StoreError> {
        let mut needed = self.written.load(Ordering::Acquire);
        if needed == UNKNOWN {
            // Any position the primary has now is past the write whose position was lost.
            let now = self.primary.written_position().await?;
            let _ = self.written.compare_exchange(UNKNOWN, now, Ordering::AcqRel, Ordering::Acquire);
            needed = self.written.load(Ordering::Acquire);
        }
        if needed <= self.replayed.load(Ordering::Acquire) {
            return Ok(&self.replica);
        }
        let replayed = self.replica.replayed_position().await?.unwrap_or(0);
        self.replayed.fetch_max(replayed, Ordering::AcqRel);
        Ok(if replayed >= needed { &self.replica } else { &self.primary })
    }

    /// Records a committed write: reads wait for the replica to replay past it.
    async fn wrote<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let value = result?;
        // Asked after the commit returned, so the position is at or past the commit record.
        // The write is committed whatever happens here, so a failure only sends reads to
        // the primary until a position is known again.
        let position = self.primary.written_position().await.unwrap_or_else(|error| {
            tracing::warn!("cannot read the primary's WAL position after a write, reading from the primary: {error}");
            UNKNOWN
        });
        self.written.fetch_max(position, Ordering::AcqRel);
        Ok(value)
    }
}

/// Raises `own` for each of the primary's notifications once the replica has replayed what
/// the primary had written when it arrived, so the watcher reading the replica finds the change.
async fn bridge(from_primary: Arc<ChangeSignal>, own: Arc<ChangeSignal>, primary: Arc<PostgresStore>, replica: Arc<PostgresStore>) {
    loop {
        from_primary.raised().await;
        if let Ok(target) = primary.written_position().await {
            let started = tokio::time::Instant::now();
            while started.elapsed() < CATCH_UP_LIMIT {
                match replica.replayed_position().await {
                    Ok(Some(replayed)) if replayed >= target => break,
                    Ok(_) => tokio::time::sleep(CATCH_UP_STEP).await,
                    Err(error) => {
                        tracing::warn!("cannot ask the replica how far it replayed: {error}");
                        break;
                    }
                }
            }
        }
        own.raise();
    }
}

#[async_trait]
impl Store for ReplicaStore {
    async fn upsert(&self, data: &Dataset) -> Result<(), StoreError> {
        self.wrote(self.primary.upsert(data).await).await
    }

    async fn ids(&self, layer: Layer) -> Result<HashSet<String>, StoreError> {
        self.reader().await?.ids(layer).await
    }

    async fn load(&self) -> Result<Dataset, StoreError> {
        self.reader().await?.load().await
    }

    async fn data_version(&self) -> Result<i64, StoreError> {
        self.reader().await?.data_version().await
    }

    async fn count(&self, layer: Layer) -> Result<u64, StoreError> {
        self.reader().await?.count(layer).await
    }

    async fn insert_report(&self, report: &Report, event: &ReportEvent, key: Option<&SubmissionKey>) -> Result<String, StoreError> {
        self.wrote(self.primary.insert_report(report, event, key).await).await
    }

    /// From the primary: a retry must find the key another instance stored a moment ago.
    async fn submission_key(&self, key: &str, since: i64) -> Result<Option<(String, [u8; 32])>, StoreError> {
        self.primary.submission_key(key, since).await
    }

    async fn report(&self, case_number: &str) -> Result<Option<(Report, Vec<ReportEvent>)>, StoreError> {
        self.reader().await?.report(case_number).await
    }

    async fn server_key(&self, name: &str, fresh: &[u8; 32]) -> Result<[u8; 32], StoreError> {
        self.primary.server_key(name, fresh).await
    }

    async fn set_follow_hash(&self, case_number: &str, hash: &[u8; 32]) -> Result<(), StoreError> {
        self.wrote(self.primary.set_follow_hash(case_number, hash).await).await
    }

    async fn case_by_follow(&self, hash: &[u8; 32]) -> Result<Option<String>, StoreError> {
        // A link opened right after filing must find its case: read the primary.
        self.primary.case_by_follow(hash).await
    }

    async fn latest_replies(&self, case_numbers: &[String]) -> Result<HashMap<String, (i64, String)>, StoreError> {
        self.reader().await?.latest_replies(case_numbers).await
    }

    async fn public_updates(&self, query: &super::UpdateQuery) -> Result<Vec<(String, ReportEvent)>, StoreError> {
        self.reader().await?.public_updates(query).await
    }

    async fn open_reports_near(&self, query: &NearbyQuery<'_>) -> Result<(Vec<Report>, u64), StoreError> {
        self.reader().await?.open_reports_near(query).await
    }

    async fn support_report(&self, case_number: &str, event: &ReportEvent) -> Result<Option<u32>, StoreError> {
        self.wrote(self.primary.support_report(case_number, event).await).await
    }

    async fn reports(&self, filter: &ReportFilter) -> Result<Vec<Report>, StoreError> {
        self.reader().await?.reports(filter).await
    }

    async fn count_reports(&self, filter: &ReportFilter) -> Result<u64, StoreError> {
        self.reader().await?.count_reports(filter).await
    }

    async fn update_report(&self, read_version: u32, report: &Report, event: &ReportEvent) -> Result<bool, StoreError> {
        self.wrote(self.primary.update_report(read_version, report, event).await).await
    }

    async fn insert_reports(&self, cases: &[(Report, Vec<ReportEvent>)]) -> Result<Vec<String>, StoreError> {
        self.wrote(self.primary.insert_reports(cases).await).await
    }

    /// From the primary: an import's duplicate check must see every stored case.
    async fn stored_external_ids(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        self.primary.stored_external_ids(ids).await
    }

    async fn closure_counts(&self, level: AreaLevel, filter: &ReportFilter, now: i64) -> Result<Vec<ClosureCounts>, StoreError> {
        self.reader().await?.closure_counts(level, filter, now).await
    }

    async fn report_changes(&self, after_event: i64) -> Result<(Vec<ReportRow>, i64), StoreError> {
        self.reader().await?.report_changes(after_event).await
    }

    async fn insert_token(&self, hash: &[u8; 32], token: &NewStaffToken<'_>) -> Result<i64, StoreError> {
        self.wrote(self.primary.insert_token(hash, token).await).await
    }

    /// From the primary: a token revoked through another instance is refused at once.
    async fn token(&self, hash: &[u8; 32]) -> Result<Option<StaffToken>, StoreError> {
        self.primary.token(hash).await
    }

    async fn tokens(&self) -> Result<Vec<StaffToken>, StoreError> {
        self.reader().await?.tokens().await
    }

    async fn revoke_token(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        self.wrote(self.primary.revoke_token(id, now).await).await
    }

    /// From the primary: a case filed right after an admin's change gets the new settings.
    async fn category_settings(&self) -> Result<Vec<CategorySetting>, StoreError> {
        self.primary.category_settings().await
    }

    async fn write_category(
        &self,
        before: Option<&CategorySetting>,
        after: &CategorySetting,
        change: &CategoryChange,
    ) -> Result<bool, StoreError> {
        self.wrote(self.primary.write_category(before, after, change).await).await
    }

    async fn category_changes(&self, limit: u32) -> Result<Vec<CategoryChange>, StoreError> {
        self.reader().await?.category_changes(limit).await
    }

    async fn insert_photos(&self, case_number: Option<&str>, photos: &[NewPhoto]) -> Result<Option<Vec<i64>>, StoreError> {
        self.wrote(self.primary.insert_photos(case_number, photos).await).await
    }

    async fn attach_photos(&self, case_number: &str, ids: &[i64]) -> Result<(), StoreError> {
        self.wrote(self.primary.attach_photos(case_number, ids).await).await
    }

    async fn discard_photos(&self, ids: &[i64]) -> Result<(), StoreError> {
        self.wrote(self.primary.discard_photos(ids).await).await
    }

    async fn photos_of(&self, case_numbers: &[String]) -> Result<Vec<PhotoInfo>, StoreError> {
        self.reader().await?.photos_of(case_numbers).await
    }

    async fn photo(&self, id: i64) -> Result<Option<PhotoInfo>, StoreError> {
        self.reader().await?.photo(id).await
    }

    async fn photo_bytes(&self, id: i64, thumb: bool) -> Result<Option<Vec<u8>>, StoreError> {
        self.reader().await?.photo_bytes(id, thumb).await
    }

    async fn moderate(&self, moderation: &Moderation, event: &ReportEvent) -> Result<ModerationWrite, StoreError> {
        self.wrote(self.primary.moderate(moderation, event).await).await
    }

    async fn revert_moderation(&self, id: i64, by: &str, at: i64, event: &ReportEvent) -> Result<Option<Moderation>, StoreError> {
        self.wrote(self.primary.revert_moderation(id, by, at, event).await).await
    }

    async fn moderations_of(&self, case_numbers: &[String]) -> Result<Vec<Moderation>, StoreError> {
        self.reader().await?.moderations_of(case_numbers).await
    }

    async fn moderation(&self, id: i64) -> Result<Option<Moderation>, StoreError> {
        self.reader().await?.moderation(id).await
    }

    async fn dump(&self) -> Result<Dump, StoreError> {
        self.reader().await?.dump().await
    }

    async fn restore(&self, dump: &Dump, progress: Progress<'_>) -> Result<(), StoreError> {
        self.wrote(self.primary.restore(dump, progress).await).await
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        self.primary.pool_status()
    }

    /// LISTEN works on the primary only (a standby cannot listen): the primary's
    /// notifications are passed on once the replica has caught up with them.
    async fn listen(&self) -> Result<Option<Arc<ChangeSignal>>, StoreError> {
        let Some(from_primary) = self.primary.listen().await? else { return Ok(None) };
        let own = Arc::new(ChangeSignal::default());
        tokio::spawn(bridge(from_primary, own.clone(), self.primary.clone(), self.replica.clone()));
        Ok(Some(own))
    }
}
