//! The two storage backends for tests: each test gets a fresh database of its own, on
//! SQLite or on the PostgreSQL server named by `MINSHENG_TEST_POSTGRES`.

use std::sync::Arc;

use minsheng::services::Catalog;
use minsheng::store::Store;
use sqlx::{Connection, PgConnection};

/// The server that test databases are created on, unless `MINSHENG_TEST_POSTGRES` names another.
const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of one test's own: a file in a temporary folder, or a PostgreSQL database
/// `minsheng_test_<random>` that is dropped (with any connections left to it) on drop.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A new, empty database (no tables until a store opens it).
    pub async fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDatabase { url, _dir: Some(dir), postgres: None }
            }
            Backend::Postgres => {
                let server = std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_SERVER.to_owned());
                let name = format!("minsheng_test_{:016x}", rand::random::<u64>());
                let mut admin = PgConnection::connect(&server).await.unwrap_or_else(|e| {
                    panic!(
                        "the PostgreSQL server {server} (MINSHENG_TEST_POSTGRES) is unreachable: {e}. \
                         Run `bash scripts/setup.sh`: it installs PostgreSQL's PostGIS and starts the cluster"
                    )
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
                admin.close().await.unwrap();
                let url = database_url(&server, &name);
                TestDatabase { url, _dir: None, postgres: Some((server, name)) }
            }
        }
    }

    /// The PostgreSQL database's name (`None` on SQLite).
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres.as_ref().map(|(_, name)| name.as_str())
    }

    /// Opens (and migrates) the store on this database.
    pub async fn store(&self) -> Arc<dyn Store> {
        minsheng::store::open(&self.url).await.unwrap_or_else(|e| {
            let hint = if self.postgres.is_some() { " (`bash scripts/setup.sh` installs PostGIS)" } else { "" };
            panic!("opening {}: {e}{hint}", self.url)
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else { return };
        // Drop may run inside the test's runtime, which cannot be blocked on: use a thread
        // with a runtime of its own. FORCE ends connections a store still holds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await?;
                admin.close().await
            })
        });
        // A database left behind costs only disk; a failing drop must not hide the test's own result.
        let _ = dropped.join();
    }
}

/// The server URL with its database name replaced.
fn database_url(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh store on a backend. SQLite's is in memory (as the single-backend tests had it);
/// PostgreSQL's is a database of its own.
pub async fn empty_store_on(backend: Backend) -> (Arc<dyn Store>, TestDatabase) {
    match backend {
        Backend::Sqlite => {
            let memory = TestDatabase { url: "sqlite::memory:".into(), _dir: None, postgres: None };
            (memory.store().await, memory)
        }
        Backend::Postgres => {
            let database = TestDatabase::new(backend).await;
            (database.store().await, database)
        }
    }
}

/// A catalog holding the demo district and its year of reports. Keep the database alive
/// as long as the catalog.
pub async fn demo_catalog_on(backend: Backend) -> (Catalog, TestDatabase) {
    let (store, database) = empty_store_on(backend).await;
    let catalog = Catalog::open(store).await.expect("catalog opens");
    assert!(catalog.seed_demo_if_empty().await.expect("demo loads"));
    (catalog, database)
}

/// A catalog holding the demo district but no reports.
pub async fn district_catalog_on(backend: Backend) -> (Catalog, TestDatabase) {
    let (store, database) = empty_store_on(backend).await;
    let catalog = Catalog::open(store).await.expect("catalog opens");
    assert!(catalog.seed_demo_district_if_empty().await.expect("demo loads"));
    (catalog, database)
}

/// Runs each named `async fn(Backend)` once per backend, as the tests `sqlite::<name>` and
/// `postgres::<name>`. A `#[tokio::test(…)]` before a name sets its runtime (default:
/// multi-threaded, two workers). Use it once per test file (it defines the two modules).
#[macro_export]
macro_rules! on_both_backends {
    (@one $backend:ident, $test:ident, #[$runtime:meta]) => {
        #[$runtime]
        async fn $test() {
            super::$test($crate::common::backend::Backend::$backend).await
        }
    };
    (@one $backend:ident, $test:ident,) => {
        $crate::on_both_backends!(@one $backend, $test, #[tokio::test(flavor = "multi_thread", worker_threads = 2)]);
    };
    ($($(#[$runtime:meta])? $test:ident),+ $(,)?) => {
        mod sqlite {
            $($crate::on_both_backends!(@one Sqlite, $test, $(#[$runtime])?);)+
        }
        mod postgres {
            $($crate::on_both_backends!(@one Postgres, $test, $(#[$runtime])?);)+
        }
    };
}
