//! Elevator retrofit candidates (加装电梯) on the demo district and its year of cases: the
//! rank order is checked against a re-ranking done here from the raw buildings and the
//! stored cases (which building each case was routed to, not the service's point lookup),
//! the CSV holds the same rows as the GeoJSON, the compound filter keeps the order, and bad
//! parameters are refused.

mod common;

use std::collections::HashMap;

use geo::Contains;

use minsheng::model::reports::{CaseState, Category};
use minsheng::model::{CompoundKind, DemandGroup};
use minsheng::store::ReportFilter;
use serde_json::Value;

use common::{call, json};

async fn get(app: &axum::Router, uri: &str) -> (u16, String) {
    let (status, _, body) = call(app, "GET", uri, None, None).await;
    (status.as_u16(), body)
}

/// The properties every candidate has, and nothing more (no reporter, ever).
const PROPERTIES: [&str; 14] = [
    "rank",
    "id",
    "label",
    "compound_id",
    "compound_name",
    "compound_kind",
    "floors",
    "units",
    "households",
    "elderly",
    "elderly_share",
    "requests",
    "requests_per_100_households",
    "score",
];

/// Demo clocks at which an elevator request was filed from the path outside its building
/// (routed to the nearest building within 50 m): the service must count it where routing put
/// it. The demo's cases depend on the clock, so the test also runs at the current time.
const PINNED_NOW: [i64; 2] = [1_796_625_100, 1_796_631_400];

#[tokio::test]
async fn candidates_follow_the_rule_re_ranked_independently() {
    let mut outside_footprint = 0;
    for now in PINNED_NOW.into_iter().map(Some).chain([None]) {
        let catalog = common::district_catalog().await;
        catalog.seed_demo_reports(now.unwrap_or_else(minsheng::model::time::now)).await.unwrap();
        let stepped_out = re_rank_and_compare(&catalog).await;
        if now.is_some() {
            outside_footprint += stepped_out;
        }
    }
    assert!(outside_footprint > 0, "the pinned clocks give a request filed outside its building");
}

/// Checks the service's ranking against the re-ranking here; returns how many counted
/// requests were filed outside the footprint of the building they were routed to.
async fn re_rank_and_compare(catalog: &minsheng::services::Catalog) -> usize {
    // The analysis copy of the cases settled before the question, so both sides count the same cases.
    catalog.sync_reports().await.unwrap();
    let app = minsheng::http::router(catalog.clone());
    let (status, body) = get(&app, "/api/elevators/candidates?limit=5000").await;
    assert_eq!(status, 200, "{body}");
    let answer = json(&body);
    let features = answer["features"].as_array().unwrap();
    assert_eq!(answer["type"], "FeatureCollection");
    assert_eq!(answer["total"].as_u64().unwrap() as usize, features.len());

    // The re-ranking: candidates from the raw buildings, requests from the stored cases.
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let compounds: HashMap<&str, _> = data.compounds.iter().map(|c| (c.id.as_str(), c)).collect();
    let candidate = |b: &minsheng::model::Building| b.households > 0 && b.floors >= 4 && !b.has_elevator;
    let cases = catalog.store().reports(&ReportFilter::default()).await.unwrap();
    let mut in_building: HashMap<&str, f64> = HashMap::new();
    let mut in_compound_only: HashMap<&str, f64> = HashMap::new();
    let buildings: HashMap<&str, _> = data.buildings.iter().map(|b| (b.id.as_str(), b)).collect();
    let mut counted = 0;
    let mut stepped_out = 0;
    for case in &cases {
        if case.category != Category::ElevatorInstallation || matches!(case.state, CaseState::Rejected | CaseState::Duplicate) {
            continue;
        }
        counted += 1;
        match (&case.routed.building_id, &case.routed.compound_id) {
            (Some(b), _) => {
                *in_building.entry(b.as_str()).or_default() += 1.0;
                stepped_out += usize::from(!buildings[b.as_str()].geometry.contains(&geo::Point::new(case.lon, case.lat)));
            }
            (None, Some(c)) => *in_compound_only.entry(c.as_str()).or_default() += 1.0,
            (None, None) => {}
        }
    }
    assert!(counted > 20, "the demo has elevator requests ({counted})");
    let mut compound_households: HashMap<&str, f64> = HashMap::new();
    for b in data.buildings.iter().filter(|b| candidate(b)) {
        *compound_households.entry(b.compound_id.as_deref().unwrap_or("")).or_default() += f64::from(b.households);
    }
    let mut expected: Vec<(bool, f64, u16, &str, f64)> = data
        .buildings
        .iter()
        .filter(|b| candidate(b))
        .map(|b| {
            let compound = b.compound_id.as_deref().unwrap_or("");
            let shared = in_compound_only.get(compound).copied().unwrap_or(0.0) * f64::from(b.households) / compound_households[compound];
            let requests = in_building.get(b.id.as_str()).copied().unwrap_or(0.0) + shared;
            let per_100 = requests * 100.0 / f64::from(b.households);
            let elderly_share = b.demand(DemandGroup::Elderly) / f64::from(b.population);
            let floors = f64::from(b.floors.min(7) - 3) / 4.0;
            let score = 0.5 * per_100.min(10.0) / 10.0 + 0.3 * elderly_share.min(0.5) / 0.5 + 0.2 * floors;
            let old = compounds.get(compound).is_some_and(|c| c.kind == CompoundKind::Old);
            (old, score, b.floors, b.id.as_str(), requests)
        })
        .collect();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)).then(a.3.cmp(b.3)));
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected.iter().map(|e| e.3).collect::<Vec<_>>());
    for (f, e) in features.iter().zip(&expected) {
        let p = &f["properties"];
        assert!((p["score"].as_f64().unwrap() - e.1).abs() < 1e-4, "{}", e.3);
        assert!((p["requests"].as_f64().unwrap() - e.4).abs() < 0.01, "{}", e.3);
    }
    // The rule has something to order: old compounds lead, requests exist, both kinds occur.
    assert_eq!(features[0]["properties"]["compound_kind"], "old");
    assert!(features.iter().any(|f| f["properties"]["compound_kind"] != "old"));
    let requested: f64 = features.iter().map(|f| f["properties"]["requests"].as_f64().unwrap()).sum();
    assert!(requested > 10.0, "{requested}");
    for (i, f) in features.iter().enumerate() {
        let p = f["properties"].as_object().unwrap();
        assert_eq!(p.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), PROPERTIES.into_iter().collect());
        assert_eq!(p["rank"].as_u64().unwrap() as usize, i + 1);
        assert_eq!(f["geometry"]["type"], "Polygon");
    }
    stepped_out
}

#[tokio::test]
async fn csv_holds_the_geojson_rows_and_a_compound_keeps_its_order() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let (_, body) = get(&app, "/api/elevators/candidates?limit=5000").await;
    let all = json(&body);
    let features = all["features"].as_array().unwrap();

    let (status, headers, csv) = call(&app, "GET", "/api/elevators/candidates.csv?limit=5000", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), PROPERTIES);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), features.len());
    for (row, f) in rows.iter().zip(features) {
        for (column, key) in PROPERTIES.iter().enumerate() {
            let value = &f["properties"][key];
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            match value {
                Value::Number(n) => assert_eq!(row[column].parse::<f64>().unwrap(), n.as_f64().unwrap(), "{key}"),
                _ => assert_eq!(row[column], text, "{key}"),
            }
        }
    }

    // One compound: its candidates, in the same order as in the whole list, ranked anew.
    let compound = features[0]["properties"]["compound_id"].as_str().unwrap();
    let (status, body) = get(&app, &format!("/api/elevators/candidates?compound={compound}&limit=5000")).await;
    assert_eq!(status, 200, "{body}");
    let own = json(&body);
    let own: Vec<&str> = own["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> =
        features.iter().filter(|f| f["properties"]["compound_id"] == compound).map(|f| f["id"].as_str().unwrap()).collect();
    assert!(!own.is_empty());
    assert_eq!(own, expected);

    // A limit keeps the first ones and says how many there are.
    let (_, body) = get(&app, "/api/elevators/candidates?limit=3").await;
    let three = json(&body);
    assert_eq!(three["features"].as_array().unwrap().len(), 3);
    assert_eq!(three["total"], all["total"]);
    assert_eq!(three["features"][2]["id"], features[2]["id"]);
}

#[tokio::test]
async fn bad_parameters_are_refused_by_name() {
    let app = minsheng::http::router(common::demo_catalog().await);
    for path in ["/api/elevators/candidates", "/api/elevators/candidates.csv"] {
        for bad in ["limit=0", "limit=5001", "limit=ten", "limit=-1"] {
            let (status, body) = get(&app, &format!("{path}?{bad}")).await;
            assert_eq!(status, 400, "{path}?{bad}: {body}");
            assert!(body.contains("limit"), "{body}");
        }
        let (status, body) = get(&app, &format!("{path}?compound=CP9999")).await;
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("CP9999"), "{body}");
    }
}
