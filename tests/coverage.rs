//! Walking-network coverage through the HTTP API, checked against the network primitives
//! and brute force on the demo district with a lattice of walkways laid over it.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::walkways::demo_on_lattice;
use common::{call, empty_store, json};
use geo::{Contains, Geometry, InteriorPoint, MultiPolygon, Point};
use minsheng::demo::{DemoOptions, generate};
use minsheng::model::{Dataset, FacilityKind, Station, StationLevel};
use minsheng::network::{WalkNetwork, straight_line_m};
use minsheng::services::Catalog;
use minsheng::store::Store;
use serde_json::Value;

async fn catalog_of(data: &Dataset) -> (Catalog, Arc<dyn Store>) {
    let store = empty_store().await;
    store.upsert(data).await.unwrap();
    (Catalog::open(store.clone()).await.unwrap(), store)
}

async fn get(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = call(app, "GET", uri, None, None).await;
    assert_eq!(status, 200, "{uri}: {body}");
    json(&body)
}

/// A kind with stations that leaves some households outside 500 m, so there is something to find.
fn kind_to_study(data: &Dataset) -> FacilityKind {
    let count = |k: FacilityKind| data.stations.iter().filter(|s| s.kind == k).count();
    let kind = FacilityKind::CommunityCentre;
    assert!(count(kind) >= 2, "the demo has a community centre per community");
    kind
}

#[tokio::test]
async fn the_summary_adds_up_the_buildings_it_is_made_of() {
    let (data, _) = demo_on_lattice();
    let kind = kind_to_study(&data);
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    let summary = get(&app, &format!("/api/coverage?kind={kind}&meters=500")).await;
    let buildings = get(&app, &format!("/api/coverage/buildings?kind={kind}&meters=500")).await;
    assert_eq!(summary["method"], "network");
    assert_eq!(summary["method_note"], Value::Null);
    assert_eq!(summary["limit_m"], 500.0);
    let features = buildings["features"].as_array().unwrap();
    assert_eq!(features.len(), data.buildings.len());

    let households_of: HashMap<&str, u64> = data.buildings.iter().map(|b| (b.id.as_str(), u64::from(b.households))).collect();
    let mut covered_households = 0;
    let mut uncovered_by_compound: HashMap<String, u64> = HashMap::new();
    for f in features {
        let p = &f["properties"];
        let covered = p["covered"].as_bool().unwrap();
        let distance = p["distance_m"].as_f64();
        assert_eq!(covered, distance.is_some_and(|d| d <= 500.0), "{p}");
        let households = households_of[p["id"].as_str().unwrap()];
        if covered {
            covered_households += households;
        } else if let Some(compound) = p["compound_id"].as_str() {
            *uncovered_by_compound.entry(compound.to_owned()).or_default() += households;
        }
    }
    let total = &summary["total"];
    assert_eq!(total["households_covered"], covered_households);
    assert_eq!(total["buildings"], data.buildings.len());
    assert!(covered_households > 0 && total["households_share"].as_f64().unwrap() < 1.0, "{total}");
    for level in ["by_street", "by_community"] {
        let rows = summary[level].as_array().unwrap();
        let sum: u64 = rows.iter().map(|r| r["households_covered"].as_u64().unwrap()).sum();
        assert_eq!(sum, covered_households, "{level}");
    }
    let listed: HashMap<String, u64> = summary["uncovered_compounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["households_uncovered"].as_u64().unwrap()))
        .collect();
    let with_households: HashMap<String, u64> = uncovered_by_compound.into_iter().collect();
    assert_eq!(listed.len(), with_households.len());
    for (id, households) in &with_households {
        assert_eq!(listed.get(id), Some(households), "{id}");
    }
    let order: Vec<u64> =
        summary["uncovered_compounds"].as_array().unwrap().iter().map(|c| c["households_uncovered"].as_u64().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "most uncovered first: {order:?}");
}

#[tokio::test]
async fn distances_are_to_the_nearest_station_and_never_shorter_than_straight_lines() {
    let (data, lines) = demo_on_lattice();
    let kind = kind_to_study(&data);
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    let network = get(&app, &format!("/api/coverage/buildings?kind={kind}&meters=600")).await;
    let straight = get(&app, &format!("/api/coverage/buildings?kind={kind}&meters=600&method=euclidean")).await;
    assert_eq!(straight["method"], "euclidean");

    // One single-source search per station, the nearest taken per building: a different
    // path through the code than the service's one multi-source search.
    let graph = WalkNetwork::from_lines(&lines);
    let stations: Vec<_> = data.stations.iter().filter(|s| s.kind == kind).map(|s| graph.snap(point(&s.geometry)).unwrap()).collect();
    let per_station: Vec<_> = stations.iter().map(|s| graph.distances_from_sources(std::slice::from_ref(s), 1_200.0)).collect();
    let mut compared = 0;
    for (i, (n, s)) in network["features"].as_array().unwrap().iter().zip(straight["features"].as_array().unwrap()).enumerate() {
        let building = &data.buildings[i];
        assert_eq!(n["id"], building.id.as_str());
        let snap = graph.snap(geo::Centroid::centroid(&building.geometry).unwrap()).unwrap();
        let expected = per_station.iter().map(|d| graph.distance_to(d, &snap)).fold(f64::INFINITY, f64::min);
        match n["properties"]["distance_m"].as_f64() {
            Some(walk) => {
                assert!((walk - expected).abs() <= 0.051, "{}: service {walk} m, per station {expected} m", building.id);
                let line = s["properties"]["distance_m"].as_f64().expect("within the walk, within the line");
                assert!(walk >= line - 0.1, "{}: a walk of {walk} m is shorter than the straight {line} m", building.id);
                compared += 1;
            }
            None => assert!(expected > 1_200.0, "{}: nothing found but {expected} m", building.id),
        }
    }
    assert!(compared > data.buildings.len() / 2, "compared only {compared}");
}

fn point(geometry: &Geometry) -> Point {
    match geometry {
        Geometry::Point(p) => *p,
        other => geo::Centroid::centroid(other).unwrap(),
    }
}

#[tokio::test]
async fn isochrones_hold_the_places_they_cover() {
    let (data, lines) = demo_on_lattice();
    let kind = kind_to_study(&data);
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    let isochrones = get(&app, &format!("/api/coverage/isochrones?kind={kind}&meters=400&buffer_m=30")).await;
    let buildings = get(&app, &format!("/api/coverage/buildings?kind={kind}&meters=400")).await;
    let features = isochrones["features"].as_array().unwrap();
    assert_eq!(features.len(), data.stations.iter().filter(|s| s.kind == kind).count());
    let areas: Vec<MultiPolygon> = features
        .iter()
        .map(|f| {
            assert!(f["properties"]["reached_m"].as_f64().unwrap() > 0.0);
            let geometry: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            MultiPolygon::try_from(geometry.value).unwrap()
        })
        .collect();
    let graph = WalkNetwork::from_lines(&lines);
    let mut inside = 0;
    for (building, f) in data.buildings.iter().zip(buildings["features"].as_array().unwrap()) {
        let snap = graph.snap(geo::Centroid::centroid(&building.geometry).unwrap()).unwrap();
        let reached_point = Point(snap.snapped);
        let in_some = areas.iter().any(|a| a.contains(&reached_point));
        if f["properties"]["covered"].as_bool().unwrap() {
            assert!(in_some, "{} is covered but its way in lies outside every isochrone", building.id);
            inside += 1;
        }
    }
    assert!(inside > 0);
}

#[tokio::test]
async fn without_walkways_the_answer_is_straight_line_and_says_so() {
    let data = generate(&DemoOptions::default());
    let data = Dataset { walkways: Vec::new(), ..data };
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    let summary = get(&app, "/api/coverage?kind=clinic").await;
    assert_eq!(summary["method"], "euclidean");
    assert!(summary["method_note"].as_str().unwrap().contains("no walking network"));
    assert_eq!(summary["limit_m"], 1000.0, "15 minutes at the default speed is 1,000 m");
    assert_eq!(summary["minutes"], 15.0);
    // Straight-line distances: every building within 1,000 m of a clinic's point is covered.
    let clinics: Vec<Point> = data.stations.iter().filter(|s| s.kind == FacilityKind::Clinic).map(|s| point(&s.geometry)).collect();
    let expected = data
        .buildings
        .iter()
        .filter(|b| {
            let c = geo::Centroid::centroid(&b.geometry).unwrap();
            clinics.iter().any(|&s| straight_line_m(c, s) <= 1_000.0)
        })
        .count();
    assert_eq!(summary["total"]["buildings_covered"], expected);
    let isochrones = get(&app, "/api/coverage/isochrones?kind=clinic&meters=300").await;
    assert_eq!(isochrones["method"], "euclidean");
    assert_eq!(isochrones["features"].as_array().unwrap().len(), clinics.len());
}

#[tokio::test]
async fn bad_questions_get_a_400_naming_what_is_wrong() {
    let (data, _) = demo_on_lattice();
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    for (uri, named) in [
        ("/api/coverage", "kind"),
        ("/api/coverage?kind=spa", "kind"),
        ("/api/coverage?kind=clinic&minutes=5&meters=300", "minutes"),
        ("/api/coverage?kind=clinic&meters=-3", "meters"),
        ("/api/coverage?kind=clinic&minutes=abc", "minutes"),
        ("/api/coverage?kind=clinic&method=taxi", "method"),
        ("/api/coverage/buildings?kind=clinic&bbox=1,2", "bbox"),
        ("/api/coverage/isochrones?kind=clinic&buffer_m=0", "buffer_m"),
        ("/api/coverage/isochrones?kind=clinic&speed_m_per_min=0", "speed_m_per_min"),
    ] {
        let (status, _, body) = call(&app, "GET", uri, None, None).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(named), "{uri}: {body}");
    }
    for (body, named) in [
        (r#"{"kind":"clinic","add":0}"#, "add"),
        (r#"{"kind":"clinic","add":99}"#, "add"),
        (r#"{"kind":"spa","add":1}"#, "kind"),
        (r#"{"kind":"clinic","add":1,"candidates":"parks"}"#, "candidates"),
        (r#"{"kind":"clinic","add":1,"candidates":[[104.05]]}"#, "candidates"),
        (r#"{"kind":"clinic","add":1,"candidates":[[204.05, 30.8]]}"#, "candidates"),
        (r#"{"kind":"clinic","add":1,"colour":"red"}"#, "colour"),
        (r#"{"kind":"clinic"}"#, "add"),
    ] {
        let (status, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body.into())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains(named), "{body}: {answer}");
    }
}

#[tokio::test]
async fn the_plan_picks_the_best_site_first_and_delivers_what_it_promises() {
    let (data, lines) = demo_on_lattice();
    let kind = kind_to_study(&data);
    let (catalog, store) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog.clone());
    let body = format!(r#"{{"kind":"{kind}","meters":400,"add":3,"candidates":"compounds"}}"#);
    let (status, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let plan = json(&answer);
    let picks = plan["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 3, "{plan}");
    assert_eq!(plan["candidates"], data.compounds.len());

    // Brute force for the first pick: every compound's gain, worked out one by one.
    let graph = WalkNetwork::from_lines(&lines);
    let stations: Vec<_> = data.stations.iter().filter(|s| s.kind == kind).map(|s| graph.snap(point(&s.geometry)).unwrap()).collect();
    let existing = graph.distances_from_sources(&stations, 400.0);
    let snaps: Vec<_> = data.buildings.iter().map(|b| graph.snap(geo::Centroid::centroid(&b.geometry).unwrap()).unwrap()).collect();
    let uncovered: Vec<usize> = (0..data.buildings.len()).filter(|&b| graph.distance_to(&existing, &snaps[b]) > 400.0).collect();
    let gains: Vec<u64> = data
        .compounds
        .iter()
        .map(|c| {
            let site = graph.snap(c.geometry.interior_point().unwrap()).unwrap();
            let reach = graph.distances_from_sources(&[site], 400.0);
            uncovered
                .iter()
                .filter(|&&b| graph.distance_to(&reach, &snaps[b]) <= 400.0)
                .map(|&b| u64::from(data.buildings[b].households))
                .sum()
        })
        .collect();
    let best = *gains.iter().max().unwrap();
    assert_eq!(picks[0]["households_added"], best, "{plan}");
    assert_eq!(picks[0]["site"]["type"], "compound");
    let added: Vec<u64> = picks.iter().map(|p| p["households_added"].as_u64().unwrap()).collect();
    assert!(added.windows(2).all(|w| w[0] >= w[1]), "gains shrink: {added:?}");
    assert!(plan["candidates_evaluated"].as_u64().unwrap() <= data.compounds.len() as u64);

    // Build the three stations and ask again: the coverage is what the plan said.
    let new_stations = Dataset {
        stations: picks
            .iter()
            .map(|p| Station {
                id: format!("NEW-{}", p["rank"]),
                name: format!("新站 {}", p["rank"]),
                kind,
                level: StationLevel::Compound,
                opening_hours: None,
                phone: None,
                community_id: None,
                capacity: None,
                geometry: Geometry::Point(Point::new(p["site"]["lon"].as_f64().unwrap(), p["site"]["lat"].as_f64().unwrap())),
            })
            .collect(),
        ..Dataset::default()
    };
    store.upsert(&new_stations).await.unwrap();
    catalog.reload().await.unwrap();
    let after = get(&app, &format!("/api/coverage?kind={kind}&meters=400")).await;
    assert_eq!(after["total"]["households_covered"], picks[2]["households_covered"], "{after}");

    // Given points work too, and a point far from everything adds nothing.
    let first = &picks[0]["site"];
    let body = format!(
        r#"{{"kind":"{kind}","meters":400,"add":2,"candidates":[[{},{}],{{"lon":104.9,"lat":30.1,"name":"远处"}}]}}"#,
        first["lon"], first["lat"]
    );
    let (status, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let plan = json(&answer);
    assert_eq!(plan["picks"].as_array().unwrap().len(), 0, "the built site adds nothing now: {plan}");
}

#[tokio::test]
async fn the_locate_card_gives_walking_distances_when_asked() {
    let (data, lines) = demo_on_lattice();
    let (catalog, _) = catalog_of(&data).await;
    let app = common::unlimited_app(catalog);
    let building = &data.buildings[17];
    let at = building.geometry.interior_point().unwrap();
    let plain = get(&app, &format!("/api/locate?lon={}&lat={}", at.x(), at.y())).await;
    assert!(plain["stations"].as_array().unwrap().iter().all(|s| s["walk_m"].is_null()), "only when asked");
    let card = get(&app, &format!("/api/locate?lon={}&lat={}&walk=true", at.x(), at.y())).await;
    assert_eq!(card["building"]["id"], building.id.as_str());
    let graph = WalkNetwork::from_lines(&lines);
    let home = graph.snap(geo::Centroid::centroid(&building.geometry).unwrap()).unwrap();
    let stations = card["stations"].as_array().unwrap();
    assert!(!stations.is_empty());
    for s in stations {
        let station = data.stations.iter().find(|x| x.id == s["id"].as_str().unwrap()).unwrap();
        let target = graph.snap(point(&station.geometry)).unwrap();
        let expected = graph.distance_to(&graph.distances_from_sources(&[home], 5_000.0), &target);
        let walk = s["walk_m"].as_f64().expect("the lattice reaches every station");
        assert!((walk - expected).abs() <= 0.051, "{}: {walk} m, expected {expected} m", station.id);
        assert!(walk >= s["distance_m"].as_f64().unwrap() - 0.1, "a walk is never shorter than the line");
    }
}
