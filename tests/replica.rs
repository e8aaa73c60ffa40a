//! `serve --replica-url`: an instance reading a real streaming replica (its own primary and
//! standby, made with `initdb` and `pg_basebackup -R` in temporary folders on free ports)
//! sees writes made on the primary by another instance, and its own writes at once.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::server::{Server, get_json, request, start};
use minsheng::model::time::{now, to_iso8601};
use sqlx::{Connection, PgConnection};

/// The PostgreSQL 15 server programs Debian's `postgresql-15` installs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// How long a change may take to reach the replica instance (its poll is 1 s).
const PATIENCE: Duration = Duration::from_secs(20);

/// A cluster in a temporary folder, stopped (and its folder removed) on drop, also when the
/// test fails.
struct Cluster {
    data: PathBuf,
    port: u16,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&format!("{BIN}/pg_ctl"), &["-D", path(&self.data), "-m", "immediate", "-w", "stop"]);
    }
}

impl Cluster {
    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn start(&self, log: &Path) {
        run(&format!("{BIN}/pg_ctl"), &["-D", path(&self.data), "-l", path(log), "-w", "start"]);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A command as the `postgres` user: the server programs refuse to run as root.
fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", program]);
        c
    } else {
        Command::new(program)
    };
    command.args(args).current_dir("/").output().unwrap_or_else(|e| panic!("{program} does not start: {e}"))
}

fn run(program: &str, args: &[&str]) {
    let out = as_postgres(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A primary and a streaming standby of it, both running.
fn primary_and_replica(dir: &Path) -> (Cluster, Cluster) {
    let primary = Cluster { data: dir.join("primary"), port: free_port() };
    run(&format!("{BIN}/initdb"), &["-D", path(&primary.data), "-U", "postgres", "-A", "trust", "--no-sync"]);
    let settings =
        format!("port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n", primary.port, path(dir));
    append(&primary.data.join("postgresql.conf"), &settings);
    primary.start(&dir.join("primary.log"));
    let replica = Cluster { data: dir.join("replica"), port: free_port() };
    let port = primary.port.to_string();
    // -R writes the standby signal and primary_conninfo: the copy starts as a streaming replica.
    run(
        &format!("{BIN}/pg_basebackup"),
        &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-D", path(&replica.data), "-R", "-X", "stream"],
    );
    append(&replica.data.join("postgresql.conf"), &format!("port = {}\n", replica.port));
    replica.start(&dir.join("replica.log"));
    (primary, replica)
}

fn append(file: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Polls `check` until it holds or `PATIENCE` runs out; whether it held.
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Reports filed in the window, as the instance's in-memory analytics count them.
fn filed(server: &Server, window: &str) -> u64 {
    let (status, body) = get_json(server, &format!("/api/stats/timeline?{window}"));
    assert_eq!(status, 200, "{body}");
    body["buckets"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum()
}

fn file_report(address: &str, description: &str) -> String {
    let body = serde_json::json!({"category": "parking", "description": description, "lon": 104.0427, "lat": 30.8169});
    let (status, text) = request(address, "POST", "/api/reports", Some(&body.to_string())).unwrap();
    assert_eq!(status, 201, "{text}");
    common::json(&text)["report"]["case_number"].as_str().unwrap().to_owned()
}

async fn scalar(url: &str, query: &str) -> i64 {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_owned())).fetch_one(&mut conn).await.unwrap()
}

async fn sql(url: &str, statement: &str) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned())).execute(&mut conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_reads_the_replica_and_its_own_writes() {
    let dir = tempfile::tempdir().unwrap();
    let owner = Command::new("chown").args(["-R", "postgres:postgres", path(dir.path())]).status();
    assert!(owner.map(|s| s.success()).unwrap_or(false) || Command::new("id").arg("-u").output().unwrap().stdout != b"0\n");
    let (primary, replica) = primary_and_replica(dir.path());
    sql(&primary.url("postgres"), "CREATE DATABASE minsheng").await;
    let (primary_url, replica_url) = (primary.url("minsheng"), replica.url("minsheng"));

    // A plain instance on the primary creates the schema and the demo district; the reader
    // starts once the replica has them (it seeds nothing: a replica may lag).
    let writer = start(&primary_url, &["--watch-seconds", "1"]);
    let target: i64 = scalar(&primary_url, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").await;
    let mut replayed = 0;
    for _ in 0..400 {
        replayed = scalar(&replica_url, "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint").await;
        if replayed >= target {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(replayed >= target, "the replica does not replay the primary");
    // The reader polls every 10 minutes: within the test, only the primary's notifications
    // (passed on once the replica has replayed the write) bring changes into its memory.
    let reader = start(&primary_url, &["--replica-url", &replica_url, "--watch-seconds", "600", "--no-demo"]);
    assert_eq!(get_json(&reader, "/api/layers").0, 200);

    // With the replica's replay paused, what the writer files does not reach the reader:
    // the reader reads the replica.
    sql(&replica.url("postgres"), "SELECT pg_wal_replay_pause()").await;
    let theirs = file_report(&writer.address, "另一实例写入");
    assert_eq!(get_json(&writer, &format!("/api/reports/{theirs}")).0, 200);
    assert_eq!(get_json(&reader, &format!("/api/reports/{theirs}")).0, 404, "the reader did not read the paused replica");

    // Its own write it answers with at once, the replica still paused: read from the primary.
    let mine = file_report(&reader.address, "本实例写入");
    let (status, body) = get_json(&reader, &format!("/api/reports/{mine}"));
    assert_eq!(status, 200, "the reader lost its own write: {body}");
    assert_eq!(body["report"]["description"], "本实例写入");

    // Once the replica replays again, the reader reads from it, and the other write arrives.
    sql(&replica.url("postgres"), "SELECT pg_wal_replay_resume()").await;
    assert!(eventually(|| get_json(&reader, &format!("/api/reports/{theirs}")).0 == 200), "the other instance's write never arrived");
    // A later write reaches the reader's in-memory analytics (not only its database reads):
    // the primary's notification, bridged once the replica replayed it, woke its watcher.
    let window = format!("since={}&until={}", to_iso8601(now() - 86_400), to_iso8601(now() + 86_400)).replace('+', "%2B");
    let before = filed(&reader, &window);
    file_report(&writer.address, "通知之后写入");
    assert!(eventually(|| filed(&reader, &window) == before + 1), "the primary's notification never reached the replica instance");
    let sessions =
        scalar(&replica_url, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = 'minsheng' AND pid <> pg_backend_pid()").await;
    assert!(sessions > 0, "nothing reads the replica");
    drop((writer, reader, replica, primary));
}
