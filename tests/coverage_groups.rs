//! Who is served: coverage counted in a demand group, the people within each station's
//! isochrone bands, and two-step floating catchment (2SFCA) scores, through the HTTP API,
//! checked by brute force on the demo district with a lattice of walkways, and the 2SFCA
//! against PySAL's `access` (`tests/coverage_access.py`, access 1.1.9 from
//! tests/requirements.txt).

mod common;

use std::collections::HashMap;

use common::walkways::demo_on_lattice;
use common::{call, empty_store, json};
use geo::{Area, BooleanOps, Centroid, Geometry, LineString, MultiPolygon, Point};
use minsheng::model::{Building, Dataset, DemandGroup, FacilityKind};
use minsheng::network::{Snap, WalkNetwork};
use minsheng::services::Catalog;
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/coverage_access.py");
const KIND: FacilityKind = FacilityKind::CommunityCentre;

/// The demo district on the lattice, with own counts of the elderly and children in some
/// buildings (the rest are estimated) and capacities on all community centres but the first.
fn district() -> (Dataset, Vec<LineString>) {
    let (mut data, lines) = demo_on_lattice();
    for (i, b) in data.buildings.iter_mut().enumerate() {
        if i % 3 == 0 {
            b.elderly = Some(b.population / 4 + (i % 7) as u32);
        }
        if i % 5 == 0 {
            b.children = Some((i % 11) as u32);
        }
    }
    for (seen, s) in data.stations.iter_mut().filter(|s| s.kind == KIND).enumerate() {
        s.capacity = (seen > 0).then_some(15 + 7 * seen as u32);
    }
    (data, lines)
}

async fn app_of(data: &Dataset) -> axum::Router {
    let store = empty_store().await;
    store.upsert(data).await.unwrap();
    common::unlimited_app(Catalog::open(store).await.unwrap())
}

async fn get(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = call(app, "GET", uri, None, None).await;
    assert_eq!(status, 200, "{uri}: {body}");
    json(&body)
}

/// The group's demand of a building, written again from the rule: own count, else the
/// census share of its residents (18.7 % over 60, 6.5 % under 6).
fn demand(b: &Building, group: DemandGroup) -> f64 {
    match group {
        DemandGroup::Households => f64::from(b.households),
        DemandGroup::Residents => f64::from(b.population),
        DemandGroup::Elderly => b.elderly.map_or(f64::from(b.population) * 0.187, f64::from),
        DemandGroup::Children => b.children.map_or(f64::from(b.population) * 0.065, f64::from),
    }
}

fn point(geometry: &Geometry) -> Point {
    match geometry {
        Geometry::Point(p) => *p,
        other => other.centroid().unwrap(),
    }
}

/// Each station's own walks to every building (one single-source search per station).
fn walks_from(graph: &WalkNetwork, data: &Dataset, station: &Snap, limit_m: f64) -> Vec<f64> {
    let from = graph.distances_from_sources(std::slice::from_ref(station), limit_m);
    data.buildings
        .iter()
        .map(|b| graph.snap(b.geometry.centroid().unwrap()).map_or(f64::INFINITY, |s| graph.distance_to(&from, &s)))
        .collect()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[tokio::test]
async fn coverage_counts_the_group_building_by_building() {
    let (data, _) = district();
    let app = app_of(&data).await;
    for group in [DemandGroup::Elderly, DemandGroup::Children] {
        let summary = get(&app, &format!("/api/coverage?kind={KIND}&meters=500&group={group}")).await;
        let buildings = get(&app, &format!("/api/coverage/buildings?kind={KIND}&meters=500&group={group}")).await;
        assert_eq!(summary["group"], group.to_string());
        let by_id: HashMap<&str, &Building> = data.buildings.iter().map(|b| (b.id.as_str(), b)).collect();
        let (mut total, mut covered, mut covered_by_community) = (0.0, 0.0, 0.0);
        for f in buildings["features"].as_array().unwrap() {
            let p = &f["properties"];
            let expected = demand(by_id[p["id"].as_str().unwrap()], group);
            assert!(close(p["demand"].as_f64().unwrap(), expected, 1e-12), "{p}");
            total += expected;
            if p["covered"].as_bool().unwrap() {
                covered += expected;
            }
        }
        for row in summary["by_community"].as_array().unwrap() {
            covered_by_community += row["demand_covered"].as_f64().unwrap();
        }
        assert!(covered > 0.0 && covered < total, "something inside and something outside");
        assert!(close(summary["demand"].as_f64().unwrap(), total, 1e-9), "{} vs {total}", summary["demand"]);
        assert!(close(summary["demand_covered"].as_f64().unwrap(), covered, 1e-9));
        assert!(close(summary["total"]["demand_covered"].as_f64().unwrap(), covered, 1e-9));
        assert!(close(summary["demand_share"].as_f64().unwrap(), covered / total, 1e-9));
        assert!(close(covered_by_community, covered, 1e-9));
        let estimated = data
            .buildings
            .iter()
            .filter(|b| if group == DemandGroup::Elderly { b.elderly.is_none() } else { b.children.is_none() })
            .count();
        assert_eq!(summary["demand_estimated_buildings"], estimated);
        let outside: f64 = summary["uncovered_compounds"].as_array().unwrap().iter().map(|c| c["demand_uncovered"].as_f64().unwrap()).sum();
        let outside_in_compounds: f64 = buildings["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["properties"]["covered"].as_bool().unwrap() && f["properties"]["compound_id"].is_string())
            .map(|f| f["properties"]["demand"].as_f64().unwrap())
            .sum();
        assert!(close(outside, outside_in_compounds, 1e-9));
    }
    // Without a group, the kind's rule group: residents for a community centre.
    let summary = get(&app, &format!("/api/coverage?kind={KIND}&meters=500")).await;
    assert_eq!(summary["group"], "residents");
    assert_eq!(summary["demand"].as_f64().unwrap(), summary["total"]["population"].as_f64().unwrap());
    assert_eq!(summary["demand_estimated_buildings"], 0);
}

fn area_of(feature: &Value) -> MultiPolygon {
    let geometry: geojson::Geometry = serde_json::from_value(feature["geometry"].clone()).unwrap();
    MultiPolygon::try_from(geometry.value).unwrap()
}

#[tokio::test]
async fn isochrone_bands_nest_and_count_the_people_each_station_reaches() {
    let (data, lines) = district();
    let app = app_of(&data).await;
    let bands = [300.0, 500.0, 800.0];
    let answer = get(&app, &format!("/api/coverage/isochrones?kind={KIND}&bands=300,500,800&buffer_m=30")).await;
    let stations: Vec<_> = data.stations.iter().filter(|s| s.kind == KIND).collect();
    let features = answer["features"].as_array().unwrap();
    assert_eq!(features.len(), stations.len() * bands.len());
    assert_eq!(features[0]["properties"]["band_m"], 800.0, "the largest band first");
    let graph = WalkNetwork::from_lines(&lines);
    let mut shapes: HashMap<(String, u64), MultiPolygon> = HashMap::new();
    for f in features {
        let p = &f["properties"];
        let station = stations.iter().find(|s| s.id == p["station_id"].as_str().unwrap()).unwrap();
        let band = p["band_m"].as_f64().unwrap();
        let walks = walks_from(&graph, &data, &graph.snap(point(&station.geometry)).unwrap(), band);
        let reached: Vec<&Building> = data.buildings.iter().zip(&walks).filter(|(_, w)| **w <= band).map(|(b, _)| b).collect();
        assert_eq!(p["buildings"], reached.len(), "{} at {band} m", station.id);
        for (name, group) in [
            ("households", DemandGroup::Households),
            ("residents", DemandGroup::Residents),
            ("elderly", DemandGroup::Elderly),
            ("children", DemandGroup::Children),
        ] {
            let expected: f64 = reached.iter().map(|b| demand(b, group)).sum();
            assert!((p[name].as_f64().unwrap() - expected).abs() <= 0.006, "{} {name} at {band} m: {} vs {expected}", station.id, p[name]);
        }
        shapes.insert((station.id.clone(), band as u64), area_of(f));
    }
    for s in &stations {
        for pair in bands.windows(2) {
            let (small, large) = (&shapes[&(s.id.clone(), pair[0] as u64)], &shapes[&(s.id.clone(), pair[1] as u64)]);
            let outside = small.difference(large).unsigned_area();
            assert!(outside <= 1e-9 * small.unsigned_area(), "{}: {} m pokes out of {} m by {outside}", s.id, pair[0], pair[1]);
            assert!(large.unsigned_area() > small.unsigned_area(), "{}: {} m is no larger", s.id, pair[1]);
        }
    }
    // Without bands: one shape per station, at the circle, with its people.
    let plain = get(&app, &format!("/api/coverage/isochrones?kind={KIND}&meters=500")).await;
    let plain = plain["features"].as_array().unwrap();
    assert_eq!(plain.len(), stations.len());
    for f in plain {
        let banded = features
            .iter()
            .find(|b| b["properties"]["station_id"] == f["properties"]["station_id"] && b["properties"]["band_m"] == 500.0)
            .unwrap();
        assert_eq!(f["properties"]["band_m"], 500.0);
        assert_eq!(f["properties"]["residents"], banded["properties"]["residents"]);
    }
}

#[tokio::test]
async fn two_step_floating_catchment_agrees_with_pysal_access() {
    let (data, lines) = district();
    let app = app_of(&data).await;
    let limit = 600.0;
    let group = DemandGroup::Elderly;
    let answer = get(&app, &format!("/api/coverage/access?kind={KIND}&meters={limit}&group={group}&bbox=-180,-90,180,90")).await;
    assert_eq!(answer["group"], "elderly");
    assert_eq!(answer["stations_without_capacity"], 1);
    let graph = WalkNetwork::from_lines(&lines);
    let mut costs = Vec::new();
    let mut supply = Vec::new();
    for s in data.stations.iter().filter(|s| s.kind == KIND && s.capacity.is_some()) {
        supply.push(serde_json::json!([s.id, s.capacity]));
        let walks = walks_from(&graph, &data, &graph.snap(point(&s.geometry)).unwrap(), 2.0 * limit);
        for (b, w) in data.buildings.iter().zip(walks).filter(|(_, w)| w.is_finite()) {
            costs.push(serde_json::json!([b.id, s.id, w]));
        }
    }
    let input = serde_json::json!({
        "demand": data.buildings.iter().map(|b| serde_json::json!([b.id, demand(b, group)])).collect::<Vec<_>>(),
        "supply": supply,
        "costs": costs,
        // access keeps costs strictly below max_cost; the service takes walks up to the limit.
        "max_cost": limit + 1e-7,
    });
    let output = common::run_python(SCRIPT, "import access", "access 1.1.9", &input);
    let theirs: Value = serde_json::from_slice(&output).unwrap();
    let theirs = theirs["scores"].as_object().unwrap();
    let ours = answer["buildings"].as_array().unwrap();
    assert_eq!(ours.len(), data.buildings.len());
    let mut positive = 0;
    let mut score_of: HashMap<&str, f64> = HashMap::new();
    for b in ours {
        let id = b["id"].as_str().unwrap();
        let score = b["score"].as_f64().unwrap();
        let expected = theirs.get(id).map_or(0.0, |v| v.as_f64().unwrap());
        assert!((score - expected).abs() <= 1e-9 * expected.abs(), "{id}: ours {score}, access {expected}");
        positive += usize::from(score > 0.0);
        score_of.insert(id, expected);
    }
    assert!(positive > 0 && positive < ours.len(), "some reached, some not: {positive}");
    // A compound's score is the demand-weighted mean of its buildings'.
    for c in answer["compounds"].as_array().unwrap() {
        let members: Vec<&Building> = data.buildings.iter().filter(|b| b.compound_id.as_deref() == c["id"].as_str()).collect();
        let weight: f64 = members.iter().map(|b| demand(b, group)).sum();
        if weight > 0.0 {
            let expected = members.iter().map(|b| demand(b, group) * score_of[b.id.as_str()]).sum::<f64>() / weight;
            let score = c["score"].as_f64().unwrap();
            assert!((score - expected).abs() <= 1e-9 * expected.abs().max(1e-300), "{}: {score} vs {expected}", c["id"]);
        }
    }
    // Each ratio is capacity over the demand within reach.
    for s in answer["stations"].as_array().unwrap() {
        let ratio = s["ratio"].as_f64().unwrap();
        assert!(close(ratio * s["demand"].as_f64().unwrap(), s["capacity"].as_f64().unwrap(), 1e-12), "{s}");
    }
}

#[tokio::test]
async fn bad_bands_and_groups_are_refused_by_name() {
    let (data, _) = district();
    let app = app_of(&data).await;
    for (uri, parameter) in [
        (format!("/api/coverage/isochrones?kind={KIND}&bands=500,300"), "bands"),
        (format!("/api/coverage/isochrones?kind={KIND}&bands=300,300"), "bands"),
        (format!("/api/coverage/isochrones?kind={KIND}&bands=a,b"), "bands"),
        (format!("/api/coverage/isochrones?kind={KIND}&bands=100,200,300,400,500,600"), "bands"),
        (format!("/api/coverage/isochrones?kind={KIND}&bands=300,6000"), "bands"),
        (format!("/api/coverage/isochrones?kind={KIND}&bands=-5"), "bands"),
        (format!("/api/coverage?kind={KIND}&group=teenagers"), "group"),
        (format!("/api/coverage/buildings?kind={KIND}&group=1"), "group"),
        (format!("/api/coverage/access?kind={KIND}&group=everyone"), "group"),
        (format!("/api/coverage/access?kind={KIND}&meters=0"), "meters"),
        ("/api/coverage/access".to_string(), "kind"),
        (format!("/api/coverage/access?kind={KIND}&bbox=1,2"), "bbox"),
    ] {
        let (status, _, body) = call(&app, "GET", &uri, None, None).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(parameter), "{uri}: {body}");
    }
}
