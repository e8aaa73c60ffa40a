//! Walking distances on the real Monaco extract (© OpenStreetMap contributors, ODbL 1.0)
//! against networkx: the OSM reader, the noding and the Dijkstra checked by an independent
//! implementation. Needs Python (the `.venv` of `scripts/setup.sh`) with networkx 3.6.1 (`scripts/setup.sh` installs it).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use geo::Point;
use minsheng::import::osm::walkable_ways;
use minsheng::network::WalkNetwork;
use rand::{Rng, SeedableRng};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/network_monaco.py");
const LIMIT_M: f64 = 1_000.0;

#[test]
fn monaco_walking_distances_agree_with_networkx() {
    let check = Command::new(common::python()).args(["-c", "import networkx"]).output().expect("Python runs (see scripts/setup.sh)");
    assert!(check.status.success(), "networkx is missing: run `bash scripts/setup.sh`");

    let lines = walkable_ways(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monaco.osm.pbf")).unwrap();
    let network = WalkNetwork::from_lines(&lines);
    // Stations and buildings at line vertices: their access legs are zero, so both sides
    // compute the same quantity from the raw lines.
    let vertices: Vec<[f64; 2]> = lines.iter().flat_map(|l| l.coords().map(|c| [c.x, c.y])).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(311);
    let mut pick = |n: usize| -> Vec<[f64; 2]> { (0..n).map(|_| vertices[rng.random_range(0..vertices.len())]).collect() };
    let (sources, targets) = (pick(5), pick(300));

    let snaps: Vec<_> = sources.iter().map(|s| network.snap(Point::new(s[0], s[1])).expect("on the network")).collect();
    let from = network.distances_from_sources(&snaps, LIMIT_M);
    let ours: Vec<Option<f64>> = targets
        .iter()
        .map(|t| {
            let d = network.distance_to(&from, &network.snap(Point::new(t[0], t[1])).expect("on the network"));
            d.is_finite().then_some(d)
        })
        .collect();

    let input = serde_json::json!({"lines": lines.iter().map(|l| l.coords().map(|c| [c.x, c.y]).collect::<Vec<_>>()).collect::<Vec<_>>(),
                                   "sources": sources, "targets": targets, "limit_m": LIMIT_M});
    let mut child =
        Command::new(common::python()).arg(SCRIPT).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let theirs: Vec<Option<f64>> = answer["distances"].as_array().unwrap().iter().map(|v| v.as_f64()).collect();

    let mut compared = 0;
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        match (a, b) {
            (Some(a), Some(b)) => {
                assert!((a - b).abs() <= 1e-6 * b.max(1.0), "target {i} {:?}: ours {a} m, networkx {b} m", targets[i]);
                compared += 1;
            }
            (None, None) => {}
            _ => panic!("target {i} {:?}: ours {a:?}, networkx {b:?}", targets[i]),
        }
    }
    assert!(compared >= 30, "only {compared} targets within {LIMIT_M} m of a source");
}
