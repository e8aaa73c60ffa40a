//! Walking coverage on the real Monaco extract (© OpenStreetMap contributors, ODbL 1.0),
//! imported with `import-osm`, against an independent computation in Python: networkx on
//! the same lines, with its own nearest-segment search and segment splitting
//! (`tests/coverage_monaco.py`). Needs Python (the `.venv` of `scripts/setup.sh`) with networkx 3.6.1 (`scripts/setup.sh` installs it).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{call, empty_store, json};
use geo::{Centroid, Geometry};
use minsheng::import::osm::import_osm;
use minsheng::model::FacilityKind;
use minsheng::services::Catalog;
use rand::{Rng, SeedableRng};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/coverage_monaco.py");
const CIRCLE_M: f64 = 1_000.0;
/// The service reports distances up to twice the circle.
const SEARCH_M: f64 = 2.0 * CIRCLE_M;

#[tokio::test]
async fn monaco_building_distances_agree_with_networkx() {
    let check = Command::new(common::python()).args(["-c", "import networkx"]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(check.status.success(), "networkx is missing: run `bash scripts/setup.sh`");

    let store = empty_store().await;
    let pbf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monaco.osm.pbf");
    import_osm(store.as_ref(), &pbf).await.expect("Monaco imports");
    let catalog = Catalog::open(store).await.unwrap();
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let kind = *FacilityKind::ALL.iter().max_by_key(|&&k| data.stations.iter().filter(|s| s.kind == k).count()).unwrap();
    let app = common::unlimited_app(catalog.clone());
    let (status, _, body) = call(&app, "GET", &format!("/api/coverage/buildings?kind={kind}&meters={CIRCLE_M}"), None, None).await;
    assert_eq!(status, 200, "{body}");
    let answer = json(&body);
    assert_eq!(answer["method"], "network");
    let features = answer["features"].as_array().unwrap();
    assert_eq!(features.len(), data.buildings.len());

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
    let sample: Vec<usize> = (0..300).map(|_| rng.random_range(0..data.buildings.len())).collect();
    let centre = |g: &Geometry| {
        let c = g.centroid().unwrap();
        [c.x(), c.y()]
    };
    let lines = common::walkways::walkway_lines(data);
    let input = serde_json::json!({
        "lines": lines,
        "stations": data.stations.iter().filter(|s| s.kind == kind).map(|s| centre(&s.geometry)).collect::<Vec<_>>(),
        "buildings": sample.iter().map(|&b| centre(&data.buildings[b].geometry)).collect::<Vec<_>>(),
        "limit_m": SEARCH_M,
        "max_access_m": 500.0,
    });
    let mut child =
        Command::new(common::python()).arg(SCRIPT).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    let mut compared = 0;
    for (k, &b) in sample.iter().enumerate() {
        let ours = features[b]["properties"]["distance_m"].as_f64();
        let networkx = theirs["distances"][k].as_f64();
        let id = &data.buildings[b].id;
        match (ours, networkx) {
            // The service rounds to 0.1 m.
            (Some(a), Some(n)) => {
                assert!((a - n).abs() <= 0.051, "{id}: ours {a} m, networkx {n} m");
                compared += 1;
            }
            (None, None) => {}
            (Some(a), None) => assert!(a >= SEARCH_M - 0.1, "{id}: ours {a} m, networkx found nothing"),
            (None, Some(n)) => assert!(n >= SEARCH_M - 0.1, "{id}: ours nothing, networkx {n} m"),
        }
    }
    assert!(compared >= 100, "only {compared} of 300 buildings within {SEARCH_M} m of a {kind}");
    eprintln!("{compared} of 300 sampled buildings compared for {kind}");
}
