//! Nothing acknowledged is lost: the server is killed with SIGKILL in the middle of a
//! burst of submissions, and every report it answered 201 for is there after a restart, on
//! SQLite and on PostgreSQL.

mod common;

use common::backend::Backend;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{get_json, request, start};

on_both_backends!(every_acknowledged_report_survives_sigkill,);

const CLIENTS: usize = 8;
/// Kill once this many reports have been acknowledged, while the clients keep sending.
const KILL_AFTER: usize = 150;

async fn every_acknowledged_report_survives_sigkill(backend: Backend) {
    let test_database = common::backend::TestDatabase::new(backend).await;
    let database = test_database.url.clone();
    // A point inside the demo district, from the same embedded data the server seeds.
    let catalog = common::demo_catalog().await;
    let p = common::inside(&catalog.snapshot().data.buildings[7].geometry);

    let mut server = start(&database, &["--submissions-per-minute", "0", "--watch-seconds", "0"]);
    let address = server.address.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (address, acknowledged, count, stop) = (address.clone(), acknowledged.clone(), count.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let description = format!("消防通道被占 burst {client}-{i}");
                    let body = serde_json::json!({"category": "parking", "description": description, "lon": p.x(), "lat": p.y()});
                    match request(&address, "POST", "/api/reports", Some(&body.to_string())) {
                        Ok((201, text)) => {
                            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                            let case = answer["report"]["case_number"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().push((case, description));
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, text)) => panic!("unexpected {status}: {text}"),
                        // The server died under this request: it was never acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(120);
    while count.load(Ordering::Relaxed) < KILL_AFTER {
        assert!(Instant::now() < deadline, "the burst never reached {KILL_AFTER} reports");
        std::thread::sleep(Duration::from_millis(1)); // poll the counter, bounded by the deadline
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= KILL_AFTER);

    let restarted = start(&database, &["--watch-seconds", "0"]);
    for (case, description) in &acknowledged {
        let (status, view) = get_json(&restarted, &format!("/api/reports/{case}"));
        assert_eq!(status, 200, "acknowledged case {case} is missing after the kill: {view}");
        assert_eq!(view["report"]["description"], description.as_str(), "case {case} holds another report");
    }
    let mut numbers: Vec<&String> = acknowledged.iter().map(|(case, _)| case).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), acknowledged.len(), "two acknowledgements carried the same case number");
}
