//! Hexagon counts by containment, against Uber's own H3 library: for the demo at
//! resolutions 7–10, every case counts in the cell `h3.latlng_to_cell` (PyPI `h3` 4.5.0,
//! run by `tests/h3_cells.py` in the project's `.venv`) gives for its place, and every
//! building's households in the cell it gives for the building's centre. Needs Python
//! with tests/requirements.txt (`bash scripts/setup.sh` installs it).

mod common;

use std::collections::BTreeMap;

use common::{call, json};
use geo::Centroid;
use minsheng::store::ReportFilter;
use serde::Deserialize;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/h3_cells.py");
const RESOLUTIONS: [u8; 4] = [7, 8, 9, 10];

#[derive(Deserialize)]
struct Cells {
    /// Resolution → the containing cell of each point, in input order.
    cells: BTreeMap<String, Vec<String>>,
    /// Resolution → the parent of each point's resolution-12 cell (the old rule).
    via_res12: BTreeMap<String, Vec<String>>,
}

/// The H3 cells of `points` ([lat, lon]) by PyPI `h3`.
fn h3_cells(points: &[[f64; 2]]) -> Cells {
    let input = serde_json::json!({ "points": points, "resolutions": RESOLUTIONS });
    let output = common::run_python(SCRIPT, "import h3; assert h3.__version__.startswith('4.')", "h3 (v4)", &input);
    serde_json::from_slice(&output).expect("the script prints {cells, via_res12}")
}

#[tokio::test]
async fn hexagons_count_cases_and_households_in_the_cell_that_contains_them() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let reports = catalog.store().reports(&ReportFilter::default()).await.unwrap();
    let snapshot = catalog.snapshot();
    let homes: Vec<([f64; 2], u32)> = snapshot
        .data
        .buildings
        .iter()
        .filter(|b| b.households > 0)
        .map(|b| {
            let centre = b.geometry.centroid().expect("buildings have area");
            ([centre.y(), centre.x()], b.households)
        })
        .collect();
    assert!(!reports.is_empty() && !homes.is_empty());
    let places: Vec<[f64; 2]> = reports.iter().map(|r| [r.lat, r.lon]).collect();
    let at_reports = h3_cells(&places);
    let at_homes = h3_cells(&homes.iter().map(|(p, _)| *p).collect::<Vec<_>>());

    let mut moved = Vec::new();
    for resolution in RESOLUTIONS {
        let key = resolution.to_string();
        // What h3 says: cell → (cases, households).
        let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for cell in &at_reports.cells[&key] {
            expected.entry(cell.clone()).or_default().0 += 1;
        }
        for (cell, (_, households)) in at_homes.cells[&key].iter().zip(&homes) {
            expected.entry(cell.clone()).or_default().1 += u64::from(*households);
        }
        let off = |cells: &Cells| cells.cells[&key].iter().zip(&cells.via_res12[&key]).filter(|(a, b)| a != b).count();
        let (moved_cases, moved_homes) = (off(&at_reports), off(&at_homes));
        moved.push((resolution, moved_cases, moved_homes));

        let (status, _, text) = call(&app, "GET", &format!("/api/heatmap?resolution={resolution}"), None, None).await;
        assert_eq!(status, axum::http::StatusCode::OK, "{text}");
        let answer = json(&text);
        let ours: BTreeMap<String, (u64, u64)> = answer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = &f["properties"];
                (f["id"].as_str().unwrap().to_owned(), (p["count"].as_u64().unwrap(), p["households"].as_u64().unwrap()))
            })
            .collect();
        let differing: Vec<_> = expected
            .keys()
            .chain(ours.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|cell| expected.get(*cell) != ours.get(*cell))
            .map(|cell| (cell, expected.get(cell), ours.get(cell)))
            .collect();
        assert!(
            differing.is_empty(),
            "resolution {resolution}: {} of {} cells differ from h3 (cell, h3's (cases, households), ours), \
             {moved_cases} cases and {moved_homes} buildings lie outside their resolution-12 parent: {:?}",
            differing.len(),
            expected.len(),
            &differing[..differing.len().min(10)]
        );
    }
    // The demo has cases and homes whose resolution-12 cell's parent does not contain them,
    // so the comparison above tells containment from the old parent rule.
    assert!(moved.iter().any(|m| m.1 > 0), "no case lies outside its resolution-12 parent: {moved:?}");
    assert!(moved.iter().any(|m| m.2 > 0), "no building lies outside its resolution-12 parent: {moved:?}");
    eprintln!("(resolution, cases, buildings) outside their resolution-12 parent: {moved:?}");
}
