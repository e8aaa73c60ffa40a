//! Three `serve` processes on one PostgreSQL database stay in step: a write through any of
//! them (a report, a staff move, a layer import by the CLI, a revoked token) is seen by the
//! others within a second. They poll for changes only every 60 s here, so only PostgreSQL's
//! notifications can explain that. Then one is SIGKILLed under write load: no acknowledged
//! report is lost, and the other two answer throughout.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::backend::{Backend, TestDatabase};
use common::server::{BINARY, Server, get_json, request, request_with, start_logged};
use minsheng::model::time::{now, to_iso8601};
use serde_json::{Value, json};
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection};

/// The issue's promise: another instance's write is visible within this.
const VISIBLE_WITHIN: Duration = Duration::from_secs(1);
/// Long enough that the poll never explains a sub-second change.
const WATCH_SECONDS: &str = "60";
const LISTENING: &str = "listening for other writers' notifications";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_see_each_others_writes_and_survive_losing_one() {
    let test_database = TestDatabase::new(Backend::Postgres).await;
    let database = test_database.url.clone();
    let catalog = common::demo_catalog().await;
    let building = common::inside(&catalog.snapshot().data.buildings[7].geometry);
    let (lon, lat) = (building.x(), building.y());
    let args = ["--submissions-per-minute", "0", "--watch-seconds", WATCH_SECONDS];
    // The first seeds the empty database (the demo district and its reports); the others find it filled.
    let mut servers = vec![start_listening(&database, &args)];
    servers.push(start_listening(&database, &args));
    servers.push(start_listening(&database, &args));
    // `+` of the zone offset would read as a space in a query.
    let window = format!("since={}&until={}", to_iso8601(now() - 20 * 86_400), to_iso8601(now() + 20 * 86_400)).replace('+', "%2B");

    // A report filed through each instance is counted by the others' analytics, and their
    // report tiles change with the same ETag.
    let tile = report_tile_path(lon, lat);
    for (writer, readers) in [(0, [1, 2]), (2, [0, 1])] {
        let before: Vec<u64> = servers.iter().map(|s| filed(s, &window, "")).collect();
        let tags: Vec<String> = servers.iter().map(|s| etag(s, &tile)).collect();
        let body = json!({"category": "parking", "description": format!("消防通道被占 via {writer}"), "lon": lon, "lat": lat});
        let (status, text) = request(&servers[writer].address, "POST", "/api/reports", Some(&body.to_string())).unwrap();
        assert_eq!(status, 201, "{text}");
        let written = Instant::now();
        for reader in readers {
            visible_soon(written, &format!("a report filed through instance {writer}, counted by {reader}"), || {
                filed(&servers[reader], &window, "") == before[reader] + 1
                    && etag(&servers[reader], &tile) != tags[reader]
                    && etag(&servers[reader], &tile) == etag(&servers[writer], &tile)
            });
        }
    }

    // A staff move through instance 1 is counted (by state) through 0 and 2.
    let (secret, token_id) = create_token(&database);
    let case = {
        let body = json!({"category": "pets", "description": "楼道里的狗", "lon": lon, "lat": lat});
        let (status, text) = request(&servers[0].address, "POST", "/api/reports", Some(&body.to_string())).unwrap();
        assert_eq!(status, 201, "{text}");
        serde_json::from_str::<Value>(&text).unwrap()["report"]["case_number"].as_str().unwrap().to_owned()
    };
    let accepted = |s: &Server| filed(s, &window, "&status=accepted");
    let before: Vec<u64> = servers.iter().map(accepted).collect();
    let bearer = format!("Bearer {secret}");
    let move_body = json!({"to": "accepted", "note": "属实"}).to_string();
    let path = format!("/api/reports/{case}/transition");
    let (status, _, text) = request_with(&servers[1].address, "POST", &path, &[("Authorization", &bearer)], Some(&move_body)).unwrap();
    assert_eq!(status, 200, "{text}");
    let written = Instant::now();
    for reader in [0, 2] {
        visible_soon(written, &format!("a move through instance 1, counted by {reader}"), || {
            accepted(&servers[reader]) == before[reader] + 1
        });
    }

    // A layer imported by the CLI shows on every instance, and their map tiles change alike.
    let station = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature", "id": "ST9001", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"community_id": "S01-C01", "kind": "compound_station", "level": "compound",
                       "name": "新建党群服务站", "opening_hours": "09:00-17:00", "phone": "028-8842-0000"}}]});
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("station.geojson");
    std::fs::write(&file, station.to_string()).unwrap();
    let tile = map_tile_path("stations", lon, lat);
    let tags: Vec<String> = servers.iter().map(|s| etag(s, &tile)).collect();
    cli(&["import", "--database", &database, "--layer", "stations", file.to_str().unwrap()]);
    let written = Instant::now();
    for (reader, server) in servers.iter().enumerate() {
        visible_soon(written, &format!("an imported station, on instance {reader}"), || {
            get_json(server, "/api/layers/stations/ST9001").0 == 200 && etag(server, &tile) != tags[reader]
        });
    }
    let tags: Vec<String> = servers.iter().map(|s| etag(s, &tile)).collect();
    assert!(tags.iter().all(|t| *t == tags[0]), "one version, one tile, one ETag everywhere: {tags:?}");

    // A revoked token is refused by every instance.
    for server in &servers {
        let (status, _, _) = request_with(&server.address, "GET", "/api/reports", &[("Authorization", &bearer)], None).unwrap();
        assert_eq!(status, 200);
    }
    cli(&["token", "revoke", "--database", &database, &token_id.to_string()]);
    let written = Instant::now();
    for (reader, server) in servers.iter().enumerate() {
        visible_soon(written, &format!("a revoked token, refused by instance {reader}"), || {
            request_with(&server.address, "GET", "/api/reports", &[("Authorization", &bearer)], None).unwrap().0 == 401
        });
    }
    // Listening connections that drop are made again, and what was written meanwhile is caught up.
    let mut admin = PgConnection::connect(&database).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(ended, [true, true, true], "each instance had one listening connection");
    let before: Vec<u64> = servers.iter().map(|s| filed(s, &window, "")).collect();
    let body = json!({"category": "noise", "description": "深夜装修", "lon": lon, "lat": lat});
    let (status, text) = request(&servers[1].address, "POST", "/api/reports", Some(&body.to_string())).unwrap();
    assert_eq!(status, 201, "{text}");
    let written = Instant::now();
    for reader in [0, 2] {
        visible_soon(written, &format!("a report through instance 1 after the listeners dropped, counted by {reader}"), || {
            filed(&servers[reader], &window, "") == before[reader] + 1
        });
    }
    for (i, server) in servers.iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.log_lines().iter().any(|line| line.contains("listening again on channel")) {
            assert!(Instant::now() < deadline, "instance {i} did not listen again");
            std::thread::sleep(Duration::from_millis(10)); // poll the log, bounded by the deadline
        }
    }
    for (i, server) in servers.iter().enumerate() {
        assert!(notifications(server) > 0, "instance {i} was told of the writes by notifications");
    }

    every_acknowledged_write_survives_losing_an_instance(&mut servers, &window, lon, lat);
}

/// Each committed write of the PostgreSQL store sends one notification naming what changed;
/// a write that is refused (rolled back, or changing nothing) sends none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_committed_write_notifies_once_and_a_refused_one_not() {
    let (catalog, database) = common::backend::district_catalog_on(Backend::Postgres).await;
    let store = catalog.store().clone();
    let mut listener = PgListener::connect(&database.url).await.unwrap();
    listener.listen("minsheng_changes").await.unwrap();
    let mut marker = PgConnection::connect(&database.url).await.unwrap();
    let mut heard = Heard { listener, marker: &mut marker, count: 0 };

    let station = r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "ST9002",
        "geometry": {"type": "Point", "coordinates": [104.0425, 30.819]},
        "properties": {"community_id": "S01-C01", "kind": "compound_station", "level": "compound", "name": "站"}}]}"#;
    let parsed = minsheng::import::parse_layer(minsheng::model::Layer::Stations, station.as_bytes()).unwrap();
    minsheng::import::write(store.as_ref(), &parsed).await.unwrap();
    assert_eq!(heard.since_last().await, ["layers"], "a layer import");

    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[3].geometry);
    let body = json!({"category": "parking", "description": "占道", "lon": p.x(), "lat": p.y()}).to_string();
    let (status, _, text) = common::call(&app, "POST", "/api/reports", None, Some(body)).await;
    assert_eq!(status, 201, "{text}");
    assert_eq!(heard.since_last().await, ["reports"], "a report");
    let case = common::json(&text)["report"]["case_number"].as_str().unwrap().to_owned();
    let (status, _, _) = common::call(&app, "POST", &format!("/api/reports/{case}/support"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(heard.since_last().await, ["reports"], "a me-too");
    let (status, _, _) = common::call(&app, "POST", "/api/reports/MS99999999/support", None, None).await;
    assert_eq!(status, 404);
    assert!(heard.since_last().await.is_empty(), "a me-too for no case");

    let (report, _) = store.report(&case).await.unwrap().unwrap();
    let event = |action: &str| minsheng::model::reports::ReportEvent {
        at: now(),
        actor: "测试".into(),
        action: action.into(),
        from_state: None,
        to_state: None,
        note: None,
        ..Default::default()
    };
    assert!(!store.update_report(report.version + 1, &report, &event("stale")).await.unwrap());
    assert!(heard.since_last().await.is_empty(), "a move from a stale version");
    assert!(store.update_report(report.version, &report, &event("note")).await.unwrap());
    assert_eq!(heard.since_last().await, ["reports"], "a move");
    // Imported history has no follow-up link (the live case keeps its own).
    let historical = minsheng::model::reports::Report { external_id: Some("h-1".into()), follow_hash: None, ..report.clone() };
    store.insert_reports(&[(historical, vec![event("import")])]).await.unwrap();
    assert_eq!(heard.since_last().await, ["reports"], "a historical import");

    let official = minsheng::store::NewStaffToken {
        role: minsheng::model::reports::Role::Official,
        scope: &minsheng::model::scope::TokenScope::Everywhere,
        label: "测试",
        created_at: now(),
        expires_at: None,
    };
    let id = store.insert_token(&[7; 32], &official).await.unwrap();
    assert_eq!(heard.since_last().await, ["tokens"], "a new token");
    assert!(store.revoke_token(id, now()).await.unwrap());
    assert_eq!(heard.since_last().await, ["tokens"], "a revocation");
    assert!(!store.revoke_token(id, now()).await.unwrap());
    assert!(heard.since_last().await.is_empty(), "a revocation of a revoked token");
}

/// Reads the store's notifications in commit order, up to a marker this test sends.
struct Heard<'a> {
    listener: PgListener,
    marker: &'a mut PgConnection,
    count: u32,
}

impl Heard<'_> {
    /// The payloads of the notifications committed since the last call. The marker is sent
    /// after the write returned, so it arrives after anything the write sent.
    async fn since_last(&mut self) -> Vec<String> {
        self.count += 1;
        let marker = format!("marker {}", self.count);
        sqlx::query("SELECT pg_notify('minsheng_changes', $1)").bind(&marker).execute(&mut *self.marker).await.unwrap();
        let mut payloads = Vec::new();
        loop {
            let notification =
                tokio::time::timeout(Duration::from_secs(10), self.listener.recv()).await.expect("the marker arrives").unwrap();
            if notification.payload() == marker {
                return payloads;
            }
            payloads.push(notification.payload().to_owned());
        }
    }
}

/// Clients file reports through all three; the third is SIGKILLed while they do, and the
/// survivors' clients and a reader keep going: none of them may see a failure.
fn every_acknowledged_write_survives_losing_an_instance(servers: &mut [Server], window: &str, lon: f64, lat: f64) {
    const CLIENTS_PER_INSTANCE: usize = 2;
    const KILL_AFTER: usize = 60;
    const THEN: usize = 60;
    let before = filed(&servers[0], window, "");
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut survivors = Vec::new();
    let mut victims = Vec::new();
    for (instance, server) in servers.iter().enumerate() {
        for client in 0..CLIENTS_PER_INSTANCE {
            let (address, acknowledged, count, stop) = (server.address.clone(), acknowledged.clone(), count.clone(), stop.clone());
            let survivor = instance < 2;
            let handle = std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let description = format!("电动车飞线充电 {instance}-{client}-{i}");
                    let body = json!({"category": "ebike_charging", "description": description, "lon": lon, "lat": lat});
                    match request(&address, "POST", "/api/reports", Some(&body.to_string())) {
                        Ok((201, text)) => {
                            let case = serde_json::from_str::<Value>(&text).unwrap()["report"]["case_number"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().push((case, description));
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, text)) => panic!("instance {instance} answered {status}: {text}"),
                        Err(error) if survivor => panic!("surviving instance {instance} failed a request: {error}"),
                        // The killed instance: this request was never acknowledged.
                        Err(_) => break,
                    }
                }
            });
            if survivor { survivors.push(handle) } else { victims.push(handle) }
        }
    }
    // A reader of each survivor's analytics, which must answer throughout.
    let readers: Vec<_> = servers[..2]
        .iter()
        .map(|server| {
            let (address, stop, path) = (server.address.clone(), stop.clone(), format!("/api/stats/timeline?{window}"));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (status, text) = request(&address, "GET", &path, None).expect("a survivor answers");
                    assert_eq!(status, 200, "{text}");
                }
            })
        })
        .collect();

    let wait_for = |target: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while count.load(Ordering::Relaxed) < target {
            assert!(Instant::now() < deadline, "the load never reached {target} reports");
            std::thread::sleep(Duration::from_millis(1)); // poll the counter, bounded by the deadline
        }
    };
    wait_for(KILL_AFTER);
    servers[2].child.kill().unwrap(); // SIGKILL, while its clients are sending
    servers[2].child.wait().unwrap();
    wait_for(count.load(Ordering::Relaxed) + THEN);
    stop.store(true, Ordering::Relaxed);
    for handle in survivors.into_iter().chain(victims).chain(readers) {
        handle.join().expect("no client and no reader saw a failure");
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER + THEN);
    for server in &servers[..2] {
        for (case, description) in &acknowledged {
            let (status, view) = get_json(server, &format!("/api/reports/{case}"));
            assert_eq!(status, 200, "acknowledged case {case} is missing: {view}");
            assert_eq!(view["report"]["description"], description.as_str(), "case {case} holds another report");
        }
    }
    // The killed instance may have committed a report it never answered for: at least
    // every acknowledged one is counted, and both survivors count the same.
    let written = Instant::now();
    visible_soon(written, "the same count of reports on both survivors", || {
        let (a, b) = (filed(&servers[0], window, ""), filed(&servers[1], window, ""));
        a == b && a >= before + acknowledged.len() as u64
    });
}

/// Starts an instance and waits until it listens for notifications (so none is missed).
fn start_listening(database: &str, args: &[&str]) -> Server {
    let server = start_logged(database, args);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.log_lines().iter().any(|line| line.contains(LISTENING)) {
        assert!(Instant::now() < deadline, "the instance never listened: {:?}", server.log_lines());
        std::thread::sleep(Duration::from_millis(10)); // poll the log, bounded by the deadline
    }
    server
}

/// Polls `seen` until it holds; fails unless it held within [`VISIBLE_WITHIN`] of the write.
fn visible_soon(written: Instant, what: &str, mut seen: impl FnMut() -> bool) {
    loop {
        if seen() {
            return;
        }
        assert!(written.elapsed() < VISIBLE_WITHIN, "{what}: not visible within {VISIBLE_WITHIN:?}");
        std::thread::sleep(Duration::from_millis(5)); // poll, bounded by the deadline
    }
}

/// Reports filed in the window the analytics hold, by the instance's in-memory copy.
fn filed(server: &Server, window: &str, filter: &str) -> u64 {
    let (status, body) = get_json(server, &format!("/api/stats/timeline?{window}{filter}"));
    assert_eq!(status, 200, "{body}");
    body["buckets"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).sum()
}

fn etag(server: &Server, path: &str) -> String {
    let (status, head, _) = request_with(&server.address, "GET", path, &[], None).unwrap();
    assert!(status == 200 || status == 204, "{path}: {status}");
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("etag:")).unwrap_or_else(|| panic!("no ETag: {head}"));
    line["etag:".len()..].trim().to_owned()
}

/// The z15 tile holding a point (Web Mercator tile numbers).
fn tile_numbers(lon: f64, lat: f64) -> (u32, u32, u32) {
    let z = 15;
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    (z, x, y)
}

fn map_tile_path(layers: &str, lon: f64, lat: f64) -> String {
    let (z, x, y) = tile_numbers(lon, lat);
    format!("/tiles/{layers}/{z}/{x}/{y}.mvt")
}

fn report_tile_path(lon: f64, lat: f64) -> String {
    map_tile_path("reports", lon, lat)
}

fn notifications(server: &Server) -> u64 {
    let (_, text) = request(&server.address, "GET", "/metrics", None).unwrap();
    let line = text.lines().find(|l| l.starts_with("minsheng_db_notifications")).unwrap_or_else(|| panic!("no notification count: {text}"));
    line.split_whitespace().last().unwrap().parse::<f64>().unwrap() as u64
}

/// Runs the CLI to completion; answers its standard output and error.
fn cli(args: &[&str]) -> (String, String) {
    let out = Command::new(BINARY).args(args).env("RUST_LOG", "warn").output().expect("the CLI runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

/// An admin's token, made by the CLI: its secret and number.
fn create_token(database: &str) -> (String, i64) {
    let (stdout, stderr) = cli(&["token", "create", "--database", database, "--role", "admin", "--label", "王干部"]);
    let id = stderr.split("token #").nth(1).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse().ok());
    (stdout.trim().to_owned(), id.unwrap_or_else(|| panic!("no token number in {stderr:?}")))
}
