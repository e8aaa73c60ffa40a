//! Walkable ways from real OpenStreetMap extracts (tests/fixtures, © OpenStreetMap
//! contributors, ODbL 1.0; see tests/fixtures/README.md).

use std::collections::HashMap;
use std::path::Path;

use geo::{Haversine, Length};
use minsheng::import::osm::walkable_ways;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn monaco_walkable_ways_are_noded_and_inside_monaco() {
    let lines = walkable_ways(&fixture("monaco.osm.pbf")).unwrap();
    let km: f64 = lines.iter().map(|l| Haversine.length(l)).sum::<f64>() / 1000.0;
    // The extract holds 2,852 highway ways over 136 km, of them 1,360 footways and 346 steps
    // (fixtures README, counted with pyosmium): walkable ways are most of them.
    assert!((2_400..=2_852).contains(&lines.len()), "{} ways", lines.len());
    assert!((100.0..=136.0).contains(&km), "{km:.1} km");
    for line in &lines {
        for c in line.coords() {
            assert!((7.40..=7.45).contains(&c.x) && (43.72..=43.76).contains(&c.y), "{c:?} is not in Monaco");
        }
    }
    // Ways meet at shared OSM nodes, which become shared coordinates: the network is noded.
    let mut uses: HashMap<(u64, u64), usize> = HashMap::new();
    for line in &lines {
        for c in line.coords() {
            *uses.entry((c.x.to_bits(), c.y.to_bits())).or_default() += 1;
        }
    }
    let junctions = uses.values().filter(|&&n| n > 1).count();
    assert!(junctions > 1_000, "{junctions} shared coordinates");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let error = walkable_ways(Path::new("/nonexistent/city.osm.pbf")).unwrap_err().to_string();
    assert!(error.contains("/nonexistent/city.osm.pbf"), "{error}");
}
