//! The data's life cycle: open the store, seed an empty one with the bundled demo
//! district and a year of demo reports, build the index, and keep it current when the
//! database changes (also when another process, such as `minsheng import`, wrote to it).

use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::ServiceError;
use super::reports::history::{self, Entry, Provenance, Stored};
use crate::demo::{self, DemoOptions};
use crate::import::{self, Parsed};
use crate::index::reports::ReportPoints;
use crate::index::{Index, Snapshot};
use crate::model::Layer;
use crate::store::{ChangeSignal, Store};

/// The bundled demo district (`data/demo/`, made by `minsheng demo`), compiled into the
/// binary so that a fresh start has content wherever it is run from.
const DEMO_DISTRICT: [(Layer, &[u8]); 10] = [
    (Layer::Streets, include_bytes!("../../data/demo/streets.geojson")),
    (Layer::Communities, include_bytes!("../../data/demo/communities.geojson")),
    (Layer::Grids, include_bytes!("../../data/demo/grids.geojson")),
    (Layer::Compounds, include_bytes!("../../data/demo/compounds.geojson")),
    (Layer::Buildings, include_bytes!("../../data/demo/buildings.geojson")),
    (Layer::Stations, include_bytes!("../../data/demo/stations.geojson")),
    (Layer::Contacts, include_bytes!("../../data/demo/contacts.geojson")),
    (Layer::Walkways, include_bytes!("../../data/demo/walkways.geojson")),
    (Layer::Units, include_bytes!("../../data/demo/units.geojson")),
    (Layer::CandidateSites, include_bytes!("../../data/demo/candidate_sites.geojson")),
];

/// The store, the index over it, and the in-memory copy of the reports for analysis.
#[derive(Clone)]
pub struct Catalog {
    store: Arc<dyn Store>,
    index: Arc<Index>,
    reports: Arc<ReportCopy>,
    loads: Arc<Mutex<Loads>>,
    /// The store's notifications of other writers' commits, once the watcher listens.
    changes: Arc<OnceLock<Arc<ChangeSignal>>>,
    /// The database's key of the reporters' follow-up links (`reports::follow`).
    follow_key: [u8; 32],
    /// The public base URL links in messages start with (`--public-url`, else `http://<bind>`).
    public_base: Arc<OnceLock<String>>,
}

/// How the snapshots in use came to be (for `/metrics` and `/readyz`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Loads {
    /// Snapshots built from the store since the process started (0: none loaded yet).
    pub count: u64,
    /// The last one: seconds reading the database, seconds in all (reading and indexing).
    pub read_seconds: f64,
    pub total_seconds: f64,
    /// Records it holds, over every layer.
    pub records: usize,
}

/// Reports for analysis: read under a lock held for one scan; syncs take turns.
#[derive(Default)]
struct ReportCopy {
    points: RwLock<ReportPoints>,
    syncing: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// Opens the catalog over a store and builds the index from it.
    pub async fn open(store: Arc<dyn Store>) -> Result<Catalog, ServiceError> {
        let mut fresh = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut fresh);
        let follow_key = store.server_key(crate::services::reports::follow::KEY_NAME, &fresh).await?;
        let catalog = Catalog {
            follow_key,
            store,
            index: Arc::new(Index::new(Snapshot::empty())),
            reports: Arc::default(),
            loads: Arc::default(),
            changes: Arc::default(),
            public_base: Arc::default(),
        };
        catalog.reload().await?;
        catalog.sync_reports().await?;
        Ok(catalog)
    }

    /// Loads the bundled demo district, with about a year of fictional reports up to now, if
    /// the database holds no streets yet. Returns whether it did.
    pub async fn seed_demo_if_empty(&self) -> Result<bool, ServiceError> {
        if !self.seed_demo_district_if_empty().await? {
            return Ok(false);
        }
        // Generated up to the current time, so that open and overdue cases look current.
        let now = crate::model::time::now();
        self.seed_demo_reports(now).await?;
        Ok(true)
    }

    /// Loads the bundled demo district alone (no reports) if the database holds no streets
    /// yet; for tests that need an empty case table. Returns whether it did.
    pub async fn seed_demo_district_if_empty(&self) -> Result<bool, ServiceError> {
        if self.store.count(Layer::Streets).await? > 0 {
            return Ok(false);
        }
        tracing::info!("empty database: loading the bundled demo district");
        let mut all = Parsed::default();
        for (layer, bytes) in DEMO_DISTRICT {
            all.merge(import::parse_layer(layer, bytes)?);
        }
        let report = import::write(self.store.as_ref(), &all).await?;
        tracing::info!("demo district loaded: {report}");
        self.reload().await?;
        Ok(true)
    }

    /// Stores the demo reports for the loaded district as of `now` (Unix seconds), built
    /// (routed, given deadlines and audit trails) by the historical import like real hotline
    /// data. Public so that tests can pin the clock: the cases differ from one `now` to another.
    pub async fn seed_demo_reports(&self, now: i64) -> Result<(), ServiceError> {
        let started = Instant::now();
        let snapshot = self.snapshot();
        let records = demo::reports::generate(&snapshot.data, now, DemoOptions::default().seed);
        let entries: Vec<Entry> = records.into_iter().enumerate().map(|(i, r)| Entry::generated(i, r)).collect();
        let provenance = Provenance { actor: "demo".into(), note: "fictional demo record".into() };
        let cases = history::build_cases(&snapshot, &entries, &Stored::default(), now, &provenance)
            .map_err(|problems| history::rejected("demo reports", problems))?;
        self.store.insert_reports(&cases).await?;
        self.sync_reports().await?;
        tracing::info!("demo reports: {} cases in {:.2?}", cases.len(), started.elapsed());
        Ok(())
    }

    /// The current snapshot for readers.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.index.snapshot()
    }

    /// Snapshots loaded so far, and the last one's time and size.
    pub fn loads(&self) -> Loads {
        *self.loads.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The key the reporters' follow-up secrets are derived with (the same on every instance).
    pub fn follow_key(&self) -> &[u8; 32] {
        &self.follow_key
    }

    /// Sets the base of the links messages carry, once (later calls change nothing).
    pub fn set_public_base(&self, base: &str) {
        let _ = self.public_base.set(base.trim_end_matches('/').to_owned());
    }

    /// The base of the links messages carry; `http://localhost` until set.
    pub fn public_base(&self) -> &str {
        self.public_base.get().map_or("http://localhost", String::as_str)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Rebuilds the index from the store and swaps it in.
    pub async fn reload(&self) -> Result<(), ServiceError> {
        let started = Instant::now();
        let (version, data) = self.consistent_load().await?;
        let loaded = started.elapsed();
        let snapshot = tokio::task::spawn_blocking(move || Snapshot::build(data, version)).await.expect("index build does not panic")?;
        let total = started.elapsed();
        let records = snapshot.data.total();
        tracing::info!("index built: {records} records (version {version}) in {total:.2?} ({loaded:.2?} reading the database)");
        self.index.replace(snapshot);
        {
            let mut loads = self.loads.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *loads = Loads { count: loads.count + 1, read_seconds: loaded.as_secs_f64(), total_seconds: total.as_secs_f64(), records };
        }
        self.prepare_walking_network();
        Ok(())
    }

    /// The data and the version it is at. Tiles and their ETags are keyed by the version, and
    /// every instance must mean the same data by it: a layer write committing during the load
    /// would make it newer than the version read before it, so the load is repeated then. If
    /// writes keep coming, the last load keeps the older version: the watcher loads again.
    async fn consistent_load(&self) -> Result<(i64, crate::model::Dataset), ServiceError> {
        const ATTEMPTS: usize = 3;
        let mut version = self.store.data_version().await?;
        let mut attempt = 1;
        loop {
            let data = self.store.load().await?;
            let after = self.store.data_version().await?;
            if after == version || attempt == ATTEMPTS {
                return Ok((version, data));
            }
            tracing::debug!("data version moved from {version} to {after} during the load; loading again");
            version = after;
            attempt += 1;
        }
    }

    /// Builds the new snapshot's walking network and snaps its buildings in the background,
    /// so the first coverage question does not wait for it (seconds on a big city). A
    /// question that comes sooner waits on the same work rather than repeating it.
    fn prepare_walking_network(&self) {
        let snapshot = self.snapshot();
        if snapshot.data.walkways.is_empty() {
            return;
        }
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let walking = snapshot.walking();
            if let Some(network) = &walking.network {
                tracing::info!(
                    "walking network ready: {} nodes, {} segments, {} buildings joined, in {:.2?}",
                    network.nodes().len(),
                    network.edges().len(),
                    walking.building_snaps.iter().filter(|s| s.is_some()).count(),
                    started.elapsed()
                );
            }
        });
    }

    /// Rebuilds the index if the database changed since the current snapshot.
    pub async fn refresh_if_changed(&self) -> Result<bool, ServiceError> {
        if self.store.data_version().await? == self.snapshot().version {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// The reports for analysis. Hold the guard for one scan only: syncs wait for it.
    pub fn reports(&self) -> RwLockReadGuard<'_, ReportPoints> {
        self.reports.points.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Brings the in-memory reports up to date with the store (cases filed or moved since
    /// the last sync, by this process or another). Returns whether anything changed.
    pub async fn sync_reports(&self) -> Result<bool, ServiceError> {
        let _turn = self.reports.syncing.lock().await;
        let after = self.reports().synced_event;
        let started = Instant::now();
        let (rows, last) = self.store.report_changes(after).await?;
        if last == after {
            return Ok(false);
        }
        let count = rows.len();
        let mut points = self.reports.points.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        points.apply(rows, last);
        if after == 0 {
            tracing::info!("reports loaded for analysis: {} in {:.2?}", points.len(), started.elapsed());
        } else {
            tracing::debug!("reports synced: {count} changed");
        }
        Ok(true)
    }

    /// [`Catalog::sync_reports`] after a write that has already been committed: a failure
    /// here must not turn an acknowledged write into an error, so it is logged (the
    /// watcher retries).
    pub async fn sync_reports_after_write(&self) {
        if let Err(error) = self.sync_reports().await {
            tracing::warn!("could not refresh the reports for analysis: {error}");
        }
    }

    /// Notifications of other writers' commits received so far; `None` while the store
    /// sends none (SQLite, or the watcher not started).
    pub fn notifications_received(&self) -> Option<u64> {
        self.changes.get().map(|signal| signal.received())
    }

    /// Keeps the snapshot and the reports in step with writes by other processes until the
    /// task is dropped: woken at once by the store's notifications where it sends them
    /// (PostgreSQL), and in any case every `every`, which also covers a lost notification
    /// or a broken listening connection.
    pub fn spawn_watcher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let catalog = self.clone();
        tokio::spawn(async move {
            let signal = match catalog.store.listen().await {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::warn!("cannot listen for other writers' notifications, polling every {every:?}: {error}");
                    None
                }
            };
            if let Some(signal) = &signal {
                let _ = catalog.changes.set(signal.clone());
            }
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                match &signal {
                    Some(signal) => tokio::select! {
                        _ = ticks.tick() => {}
                        _ = signal.raised() => {}
                    },
                    None => {
                        ticks.tick().await;
                    }
                }
                if let Err(error) = catalog.refresh_if_changed().await {
                    tracing::warn!("could not refresh the index: {error}");
                }
                catalog.sync_reports_after_write().await;
            }
        })
    }
}
