//! The life-circle check (生活圈体检): on the demo district, every compound's walk to each
//! kind against networkx (tests/lifecircle.py, an independent multi-source Dijkstra) and
//! against a straight-line brute force with `method=euclidean`; on a hand-made district,
//! walks, scores and the empty compound worked out by hand; community totals against sums
//! over compounds; the CSV against the GeoJSON; the 400s and 404s; the report page.

mod common;

use std::collections::HashMap;

use common::{call, json};
use geo::{Centroid, Distance, Geometry, Haversine, LineString, Point, polygon};
use minsheng::index::Snapshot;
use minsheng::model::lifecircle::Rules;
use minsheng::model::{
    Building, Community, Compound, CompoundKind, Dataset, FacilityKind, Grid, GridLevel, Layer, Station, StationLevel, Street, Walkway,
};
use minsheng::services::cost::Budget;
use minsheng::services::lifecircle::{Question, check_all, check_compound};
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lifecircle.py");

fn centre(g: &Geometry) -> [f64; 2] {
    let c = g.centroid().unwrap();
    [c.x(), c.y()]
}

/// The compound's buildings, by position.
fn buildings_of(snapshot: &Snapshot, compound: u32) -> Vec<usize> {
    (0..snapshot.data.buildings.len()).filter(|&b| snapshot.building_links(b as u32).compound == Some(compound)).collect()
}

/// The per-kind answer of a check, by kind word.
fn kinds_of(check: &Value) -> HashMap<String, Value> {
    check["kinds"].as_array().unwrap().iter().map(|k| (k["kind"].as_str().unwrap().to_owned(), k.clone())).collect()
}

/// Per compound and kind, the longest of its buildings' walks (`None`: some building has
/// none within reach) and the facility index that building walks to.
type Expected = HashMap<(usize, String), (Option<f64>, Option<usize>, f64)>;

/// Folds per-building walks into per-compound expectations: (longest walk, its facility, the
/// runner-up walk, so that near-ties are not judged).
fn fold(snapshot: &Snapshot, walks: &HashMap<String, Vec<Option<(f64, usize)>>>) -> Expected {
    let mut expected = Expected::new();
    for c in 0..snapshot.data.compounds.len() {
        let buildings = buildings_of(snapshot, c as u32);
        if buildings.is_empty() {
            continue;
        }
        for (kind, per_building) in walks {
            let mut ranked: Vec<(f64, Option<usize>)> =
                buildings.iter().map(|&b| per_building[b].map_or((f64::INFINITY, None), |(m, s)| (m, Some(s)))).collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (worst, station) = ranked[0];
            let runner_up = ranked.get(1).map_or(f64::NEG_INFINITY, |r| r.0);
            expected.insert((c, kind.clone()), (worst.is_finite().then_some(worst), station, runner_up));
        }
    }
    expected
}

#[tokio::test]
async fn demo_walks_and_nearest_facilities_agree_with_networkx() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let rules = Rules::default();
    let app = common::unlimited_app(catalog.clone());
    let lines: Vec<Vec<[f64; 2]>> = data
        .walkways
        .iter()
        .flat_map(|w| match &w.geometry {
            Geometry::LineString(l) => vec![l.clone()],
            Geometry::MultiLineString(m) => m.0.clone(),
            _ => Vec::new(),
        })
        .map(|l| l.coords().map(|c| [c.x, c.y]).collect())
        .collect();
    assert!(!lines.is_empty(), "the demo has walkways");
    // The facilities of each kind the demo has, by position within the kind.
    let mut stations: HashMap<String, Vec<usize>> = HashMap::new();
    for (s, station) in data.stations.iter().enumerate() {
        stations.entry(station.kind.as_str().to_owned()).or_default().push(s);
    }
    assert!(stations.len() >= 3, "the demo has several kinds of facility");
    let input = serde_json::json!({
        "lines": lines,
        "kinds": stations.iter().map(|(k, list)| (k.clone(), list.iter().map(|&s| centre(&data.stations[s].geometry)).collect::<Vec<_>>())).collect::<HashMap<_, _>>(),
        "buildings": data.buildings.iter().map(|b| centre(&b.geometry)).collect::<Vec<_>>(),
        "limit_m": stations.keys().map(|k| (k.clone(), rules.of(k.parse().unwrap()).limit_m * 2.0)).collect::<HashMap<_, _>>(),
        "max_access_m": 500.0,
    });
    let output = common::run_python(SCRIPT, "import networkx", "networkx", &input);
    let theirs: Value = serde_json::from_slice(&output).unwrap();
    let walks: HashMap<String, Vec<Option<(f64, usize)>>> = stations
        .iter()
        .map(|(kind, list)| {
            let per_building = theirs["kinds"][kind]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_array().map(|pair| (pair[0].as_f64().unwrap(), list[pair[1].as_u64().unwrap() as usize])))
                .collect();
            (kind.clone(), per_building)
        })
        .collect();
    let expected = fold(&snapshot, &walks);

    let (mut walks_compared, mut nearest_compared, mut failing) = (0, 0, 0);
    for (c, compound) in data.compounds.iter().enumerate() {
        if buildings_of(&snapshot, c as u32).is_empty() {
            continue;
        }
        let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?compound={}", compound.id), None, None).await;
        assert_eq!(status, 200, "{body}");
        let check = json(&body);
        assert_eq!(check["method"], "network");
        let kinds = kinds_of(&check);
        assert_eq!(kinds.len(), FacilityKind::ALL.len());
        for kind in FacilityKind::ALL {
            let ours = &kinds[kind.as_str()];
            let rule = rules.of(*kind);
            let Some(&(walk, station, runner_up)) = expected.get(&(c, kind.as_str().to_owned())) else {
                // No facility of the kind anywhere: nothing is near, everything fails.
                assert!(ours["walk_m"].is_null() && ours["nearest"].is_null() && ours["pass"] == false, "{}: {ours}", compound.id);
                continue;
            };
            match (ours["walk_m"].as_f64(), walk) {
                (Some(a), Some(n)) => {
                    assert!((a - n).abs() <= 0.06, "{} {kind}: ours {a} m, networkx {n} m", compound.id);
                    walks_compared += 1;
                    if n - runner_up > 0.5 {
                        let id = &data.stations[station.unwrap()].id;
                        assert_eq!(ours["nearest"]["id"].as_str(), Some(id.as_str()), "{} {kind}", compound.id);
                        nearest_compared += 1;
                    }
                    if (n - rule.limit_m).abs() > 0.1 {
                        assert_eq!(ours["pass"], n <= rule.limit_m, "{} {kind}: {n} m against {}", compound.id, rule.limit_m);
                    }
                }
                (None, None) => assert_eq!(ours["pass"], false),
                (a, n) => panic!("{} {kind}: ours {a:?}, networkx {n:?}", compound.id),
            }
            // Affected: the group's people in buildings beyond the limit, from networkx's walks.
            let group = rule.group;
            let per_building = &walks[kind.as_str()];
            let (mut demand, mut affected) = (0.0, 0.0);
            for b in buildings_of(&snapshot, c as u32) {
                let d = data.buildings[b].demand(group);
                demand += d;
                if per_building[b].is_none_or(|(m, _)| m > rule.limit_m) {
                    affected += d;
                }
            }
            assert!((ours["demand"].as_f64().unwrap() - demand).abs() <= 0.051, "{} {kind}: demand {ours}", compound.id);
            assert!((ours["affected"].as_f64().unwrap() - affected).abs() <= 0.051, "{} {kind}: affected {ours}", compound.id);
            if ours["pass"] == false && rule.required {
                failing += 1;
            }
        }
    }
    assert!(walks_compared >= 30, "only {walks_compared} walks compared");
    assert!(nearest_compared >= 15, "only {nearest_compared} nearest facilities compared");
    assert!(failing > 0, "some compound misses some required kind");
    eprintln!("{walks_compared} compound walks and {nearest_compared} nearest facilities agree with networkx");
}

#[tokio::test]
async fn euclidean_walks_are_the_straight_line_brute_force() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let rules = Rules::default();
    let question = Question { group: None, method: Some(minsheng::network::Method::Euclidean) };
    let mut compared = 0;
    for (c, compound) in data.compounds.iter().enumerate().step_by(3) {
        let check = check_compound(&snapshot, &rules, &compound.id, question, &Budget::unlimited()).unwrap();
        assert_eq!(check.method, minsheng::network::Method::Euclidean);
        let buildings = buildings_of(&snapshot, c as u32);
        for kind in &check.kinds {
            let search = kind.limit_m * 2.0;
            // Per building the nearest facility by haversine; the compound's walk is the longest.
            let mut worst: Option<(f64, usize)> = None;
            let mut unreachable = false;
            for &b in &buildings {
                let at = data.buildings[b].geometry.centroid().unwrap();
                let nearest = data
                    .stations
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.kind == kind.kind)
                    .map(|(s, station)| (Haversine.distance(at, station.geometry.centroid().unwrap()), s))
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                match nearest.filter(|(m, _)| *m <= search) {
                    None => unreachable = true,
                    Some(found) if worst.is_none_or(|w| found.0 > w.0) => worst = Some(found),
                    Some(_) => {}
                }
            }
            if buildings.is_empty() || unreachable {
                assert_eq!(kind.walk_m, None, "{} {}", compound.id, kind.kind);
                continue;
            }
            let (m, s) = worst.unwrap();
            assert!((kind.walk_m.unwrap() - m).abs() <= 0.051, "{} {}: {:?} against {m}", compound.id, kind.kind, kind.walk_m);
            assert_eq!(kind.nearest.as_ref().unwrap().id, data.stations[s].id);
            assert_eq!(kind.pass, m <= kind.limit_m);
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} compared");
}

/// A hand-made district: one street along the equator from 0 to 0.004° (about 445 m), a
/// compound with two buildings 0.0001° north of it at 0.0005° and 0.0015°, an empty compound
/// around 0.0035°, a clinic at 0.0, a kindergarten at 0.003 and a pharmacy 0.0001° south of
/// 0.0005°.
fn hand_made() -> Dataset {
    let square =
        |x0: f64, y0: f64, x1: f64, y1: f64| Geometry::Polygon(polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]);
    let building = |id: &str, x: f64, households: u32, population: u32| Building {
        id: id.into(),
        label: id.into(),
        compound_id: Some("A".into()),
        grid_id: "G".into(),
        floors: 6,
        units: 2,
        households,
        population,
        has_elevator: false,
        elderly: Some(population / 4),
        children: None,
        geometry: square(x - 0.00002, 0.00008, x + 0.00002, 0.00012),
    };
    let station = |id: &str, kind: FacilityKind, x: f64, y: f64| Station {
        id: id.into(),
        name: format!("{id} 站"),
        kind,
        level: StationLevel::Community,
        opening_hours: None,
        phone: None,
        community_id: Some("C".into()),
        capacity: None,
        geometry: Geometry::Point(Point::new(x, y)),
    };
    Dataset {
        streets: vec![Street { id: "S".into(), name: "街道".into(), geometry: square(-0.01, -0.01, 0.01, 0.01) }],
        communities: vec![Community {
            id: "C".into(),
            name: "社区".into(),
            street_id: "S".into(),
            geometry: square(-0.01, -0.01, 0.01, 0.01),
        }],
        grids: vec![Grid {
            id: "G".into(),
            name: "网格".into(),
            level: GridLevel::Grid,
            community_id: "C".into(),
            parent_id: None,
            households: 0,
            geometry: square(-0.01, -0.01, 0.01, 0.01),
        }],
        compounds: vec![
            Compound {
                id: "A".into(),
                name: "甲小区".into(),
                kind: CompoundKind::Old,
                property_company: None,
                households: 30,
                community_id: Some("C".into()),
                geometry: square(0.0003, 0.00005, 0.0017, 0.0002),
            },
            Compound {
                id: "E".into(),
                name: "空小区".into(),
                kind: CompoundKind::Commodity,
                property_company: None,
                households: 0,
                community_id: Some("C".into()),
                geometry: square(0.0034, 0.00005, 0.0036, 0.00015),
            },
        ],
        buildings: vec![building("A1", 0.0005, 10, 40), building("A2", 0.0015, 20, 60)],
        stations: vec![
            station("CL", FacilityKind::Clinic, 0.0, 0.0),
            station("KG", FacilityKind::Kindergarten, 0.003, 0.0),
            station("PH", FacilityKind::Pharmacy, 0.0005, -0.0001),
        ],
        walkways: vec![Walkway {
            id: "W".into(),
            kind: "footway".into(),
            name: None,
            geometry: Geometry::LineString(LineString::from(vec![(0.0, 0.0), (0.001, 0.0), (0.002, 0.0), (0.003, 0.0), (0.004, 0.0)])),
        }],
        ..Dataset::default()
    }
}

fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1))
}

#[test]
fn hand_made_walks_scores_and_the_empty_compound() {
    let snapshot = Snapshot::build(hand_made(), 0).unwrap();
    // Only three kinds required, with weights 2, 1 and 3.
    let rules = Rules::from_json(
        &serde_json::json!(
            FacilityKind::ALL
                .iter()
                .map(|k| match k {
                    FacilityKind::Clinic => serde_json::json!({"kind": k, "required": true, "weight": 2, "limit_m": 150}),
                    FacilityKind::Kindergarten => serde_json::json!({"kind": k, "required": true, "weight": 1, "limit_m": 250}),
                    FacilityKind::Pharmacy => serde_json::json!({"kind": k, "required": true, "weight": 3, "limit_m": 500}),
                    _ => serde_json::json!({"kind": k, "required": false}),
                })
                .collect::<Vec<_>>()
        )
        .to_string(),
    )
    .unwrap();
    let question = Question { group: None, method: None };
    let check = check_compound(&snapshot, &rules, "A", question, &Budget::unlimited()).unwrap();
    let kind = |k: FacilityKind| check.kinds.iter().find(|c| c.kind == k).unwrap().clone();
    let access = metres((0.0015, 0.0), (0.0015, 0.0001)); // a building's access leg
    // The clinic at the street's start: the farther building (A2) walks 0.0015° along it.
    let clinic = kind(FacilityKind::Clinic);
    let expected = access + metres((0.0, 0.0), (0.0015, 0.0));
    assert!((clinic.walk_m.unwrap() - expected).abs() < 0.06, "{:?} against {expected}", clinic.walk_m);
    assert!(!clinic.pass, "{expected} m is beyond 150 m");
    assert_eq!(clinic.nearest.as_ref().unwrap().id, "CL");
    // Affected: A2's residents (60) only; A1 walks about 67 m.
    assert_eq!((clinic.demand, clinic.affected), (100.0, 60.0));
    // The kindergarten at 0.003°: A1 is farther (0.0025° along), children estimated 6.5 %.
    let kindergarten = kind(FacilityKind::Kindergarten);
    let expected = access + metres((0.0005, 0.0), (0.003, 0.0));
    assert!((kindergarten.walk_m.unwrap() - expected).abs() < 0.06);
    assert!(!kindergarten.pass && (kindergarten.demand - 6.5).abs() < 1e-9 && (kindergarten.affected - 2.6).abs() < 1e-9);
    // The pharmacy south of the street: its own access leg counts too.
    let pharmacy = kind(FacilityKind::Pharmacy);
    let expected = access + metres((0.0005, 0.0), (0.0015, 0.0)) + metres((0.0005, -0.0001), (0.0005, 0.0));
    assert!((pharmacy.walk_m.unwrap() - expected).abs() < 0.06 && pharmacy.pass);
    // Kinds with no facility: no walk, no nearest, fail.
    let market = kind(FacilityKind::VegetableMarket);
    assert!(market.walk_m.is_none() && market.nearest.is_none() && !market.pass);
    // Score: only the pharmacy (weight 3) of 2 + 1 + 3.
    assert_eq!((check.required, check.met), (3, 1));
    assert!((check.score - 3.0 / 6.0).abs() < 1e-12);
    assert_eq!(check.missing, vec![FacilityKind::Clinic, FacilityKind::Kindergarten]);

    // Asking for the elderly counts them for every kind (own counts: 10 and 15).
    let elderly = check_compound(
        &snapshot,
        &rules,
        "A",
        Question { group: Some(minsheng::model::DemandGroup::Elderly), method: None },
        &Budget::unlimited(),
    )
    .unwrap();
    assert!(elderly.kinds.iter().all(|k| k.demand == 25.0));

    // The empty compound is measured from its interior point and weighs nothing.
    let empty = check_compound(&snapshot, &rules, "E", question, &Budget::unlimited()).unwrap();
    let kindergarten = empty.kinds.iter().find(|c| c.kind == FacilityKind::Kindergarten).unwrap();
    assert!(kindergarten.pass && kindergarten.demand == 0.0 && kindergarten.affected == 0.0);
    assert!(kindergarten.walk_m.unwrap() < 80.0, "{:?}", kindergarten.walk_m);

    // The district-wide list says the same.
    let (lines, _, _) = check_all(&snapshot, &rules, question, &Budget::unlimited()).unwrap();
    assert_eq!(lines[0].score, check.score);
    assert_eq!(lines[0].missing, check.missing);
    assert_eq!(lines[0].demand, 100.0);
    assert_eq!(lines[1].demand, 0.0);
    // The same measured in straight lines: every walk shrinks or stays.
    let straight = check_compound(
        &snapshot,
        &rules,
        "A",
        Question { group: None, method: Some(minsheng::network::Method::Euclidean) },
        &Budget::unlimited(),
    )
    .unwrap();
    for (s, n) in straight.kinds.iter().zip(&check.kinds) {
        if let (Some(a), Some(b)) = (s.walk_m, n.walk_m) {
            assert!(a <= b + 0.05, "{}: {a} > {b}", n.kind);
        }
    }
}

#[tokio::test]
async fn community_and_street_totals_are_sums_over_their_compounds() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let app = common::unlimited_app(catalog.clone());
    let community = &snapshot.data.communities[0];
    let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?community={}&group=elderly", community.id), None, None).await;
    assert_eq!(status, 200, "{body}");
    let area = json(&body);
    assert_eq!(area["area"]["level"], "community");
    assert_eq!(area["group"], "elderly");
    let listed = area["compounds"].as_array().unwrap();
    let members: Vec<&Compound> =
        snapshot.data.compounds.iter().filter(|c| c.community_id.as_deref() == Some(community.id.as_str())).collect();
    assert!(members.len() >= 2, "the community has compounds");
    assert_eq!(listed.len(), members.len());
    let mut sums: HashMap<String, (f64, f64, u64)> = HashMap::new();
    let mut scores = 0.0;
    for compound in &members {
        let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?compound={}&group=elderly", compound.id), None, None).await;
        assert_eq!(status, 200);
        let check = json(&body);
        scores += check["score"].as_f64().unwrap();
        let entry = listed.iter().find(|l| l["id"] == compound.id.as_str()).unwrap();
        assert_eq!(entry["score"], check["score"]);
        assert_eq!(entry["missing"], check["missing"]);
        for kind in check["kinds"].as_array().unwrap() {
            assert_eq!(kind["group"], "elderly");
            let sum = sums.entry(kind["kind"].as_str().unwrap().to_owned()).or_default();
            sum.0 += kind["demand"].as_f64().unwrap();
            sum.1 += kind["affected"].as_f64().unwrap();
            sum.2 += u64::from(kind["pass"] == false);
        }
    }
    assert!((area["score"].as_f64().unwrap() - scores / members.len() as f64).abs() < 1e-9);
    for kind in area["kinds"].as_array().unwrap() {
        let (demand, affected, failing) = sums[kind["kind"].as_str().unwrap()];
        // Each compound's figure is rounded to 0.1, the area's sum once.
        let slack = 0.05 * (members.len() as f64 + 1.0);
        assert!((kind["demand"].as_f64().unwrap() - demand).abs() <= slack, "{kind}");
        assert!((kind["affected"].as_f64().unwrap() - affected).abs() <= slack, "{kind}");
        assert_eq!(kind["compounds_failing"].as_u64(), Some(failing), "{kind}");
        assert_eq!(kind["compounds"].as_u64(), Some(members.len() as u64));
        assert_eq!(kind["pass"], failing == 0);
        assert!(kind["walk_m"].is_null() && kind["nearest"].is_null());
    }
    // The street holds at least this community's compounds.
    let street = &community.street_id;
    let (status, _, body) = call(&app, "GET", &format!("/api/lifecircle?street={street}"), None, None).await;
    assert_eq!(status, 200, "{body}");
    let street_check = json(&body);
    assert_eq!(street_check["area"]["level"], "street");
    let in_street = snapshot
        .data
        .compounds
        .iter()
        .filter(|c| {
            c.community_id.as_ref().is_some_and(|id| snapshot.data.communities.iter().any(|m| &m.id == id && &m.street_id == street))
        })
        .count();
    assert_eq!(street_check["compounds"].as_array().unwrap().len(), in_street);
}

#[tokio::test]
async fn the_csv_says_what_the_geojson_says() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let (status, _, body) = call(&app, "GET", "/api/lifecircle/compounds?group=children", None, None).await;
    assert_eq!(status, 200, "{body}");
    let map = json(&body);
    assert_eq!(map["type"], "FeatureCollection");
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), catalog.snapshot().data.compounds.len());
    let (status, headers, text) = call(&app, "GET", "/api/lifecircle/compounds.csv?group=children", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["id", "name", "kind", "community_id", "score", "met", "required", "missing", "missing_count", "demand"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), features.len());
    for (row, feature) in rows.iter().zip(features) {
        let p = &feature["properties"];
        assert!(matches!(feature["geometry"]["type"].as_str(), Some("Polygon" | "MultiPolygon")));
        assert_eq!(row[0], *p["id"].as_str().unwrap());
        assert_eq!(row[1], *p["name"].as_str().unwrap());
        assert_eq!(row[2], *p["kind"].as_str().unwrap());
        assert_eq!(row[3], *p["community_id"].as_str().unwrap_or(""));
        // serde_json (without its float_roundtrip feature) may read the last digit one unit off.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
        assert!(close(row[4].parse::<f64>().unwrap(), p["score"].as_f64().unwrap()), "{} vs {}", &row[4], p["score"]);
        assert_eq!(row[5].parse::<u64>().unwrap(), p["met"].as_u64().unwrap());
        assert_eq!(row[6].parse::<u64>().unwrap(), p["required"].as_u64().unwrap());
        let missing: Vec<&str> = p["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
        assert_eq!(row[7], missing.join(";"));
        assert_eq!(row[8].parse::<usize>().unwrap(), missing.len());
        assert!(close(row[9].parse::<f64>().unwrap(), p["demand"].as_f64().unwrap()), "{} vs {}", &row[9], p["demand"]);
        let score = p["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
    assert!(rows.iter().any(|r| r[8] != *"0"), "some compound misses something");
}

#[tokio::test]
async fn bad_questions_are_named_and_unknown_areas_are_404() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let app = common::unlimited_app(catalog.clone());
    let compound = &snapshot.data.compounds[0].id;
    let community = &snapshot.data.communities[0].id;
    for (uri, status, names) in [
        ("/api/lifecircle".to_owned(), 400, "compound"),
        (format!("/api/lifecircle?compound={compound}&community={community}"), 400, "compound"),
        (format!("/api/lifecircle?community={community}&street=S01"), 400, "community"),
        (format!("/api/lifecircle?compound={compound}&group=pets"), 400, "group"),
        (format!("/api/lifecircle?compound={compound}&method=flying"), 400, "method"),
        ("/api/lifecircle?compound=NO-SUCH-PLACE".to_owned(), 404, "NO-SUCH-PLACE"),
        ("/api/lifecircle?community=NO-SUCH-COMMUNITY".to_owned(), 404, "NO-SUCH-COMMUNITY"),
        ("/api/lifecircle?street=NO-SUCH-STREET".to_owned(), 404, "NO-SUCH-STREET"),
        ("/api/lifecircle/compounds?group=pets".to_owned(), 400, "group"),
        ("/api/lifecircle/compounds.csv?method=flying".to_owned(), 400, "method"),
        ("/lifecircle/report".to_owned(), 400, "compound"),
        ("/lifecircle/report?compound=NO-SUCH-PLACE".to_owned(), 404, "NO-SUCH-PLACE"),
    ] {
        let (got, _, body) = call(&app, "GET", &uri, None, None).await;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        assert!(json(&body)["error"]["message"].as_str().unwrap().contains(names), "{uri}: {body}");
    }
    let (status, _, body) = call(&app, "GET", "/api/lifecircle/rules", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body), serde_json::to_value(Rules::default()).unwrap());
}

#[tokio::test]
async fn the_report_prints_and_escapes_names() {
    let catalog = common::demo_catalog().await;
    let compound = catalog.snapshot().data.compounds[0].clone();
    let hostile = r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "EVIL",
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]]},
        "properties": {"name": "<script>alert(1)</script>小区", "kind": "old"}}]}"#;
    let parsed = minsheng::import::parse_layer(Layer::Compounds, hostile.as_bytes()).unwrap();
    minsheng::import::write(catalog.store().as_ref(), &parsed).await.unwrap();
    catalog.reload().await.unwrap();
    let app = common::unlimited_app(catalog.clone());

    let (status, headers, page) = call(&app, "GET", &format!("/lifecircle/report?compound={}", compound.id), None, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for needed in [
        "@media print",
        "window.print()",
        "打印",
        "<svg",
        "设施",
        "生活圈",
        "要求步行",
        "最近设施",
        "步行距离",
        "是否达标",
        "影响人数",
        &compound.name,
    ] {
        assert!(page.contains(needed), "the report lacks {needed:?}");
    }
    for external in ["<link", "<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "the report loads nothing from elsewhere ({external})");
    }
    // One row per kind.
    assert_eq!(page.matches("<tr class=").count(), FacilityKind::ALL.len());

    let (status, _, page) = call(&app, "GET", "/lifecircle/report?compound=EVIL", None, None).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("<script>alert"), "the name is escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;小区"));
}

#[test]
fn the_readme_table_is_the_default_rules() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## The life-circle check").expect("the README has the section")..];
    let table = &section[section.find("**The defaults**").unwrap()..];
    let rows: Vec<Vec<String>> = table
        .lines()
        .skip_while(|l| !l.starts_with("| kind"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    let rules = Rules::default();
    assert_eq!(rows.len(), rules.kinds.len());
    for (row, rule) in rows.iter().zip(&rules.kinds) {
        let circle = match rule.circle.as_str() {
            "block" => "block".to_owned(),
            other => other.replace("_minutes", " minutes").replace("five", "5").replace("ten", "10").replace("fifteen", "15"),
        };
        let expected = [
            format!("`{}` {}", rule.kind, rule.kind.label_zh()),
            circle,
            format!("{}", rule.limit_m),
            rule.group.to_string(),
            (if rule.required { "yes" } else { "no" }).to_owned(),
            format!("{}", rule.weight),
        ];
        assert_eq!(row.as_slice(), expected.as_slice());
    }
}
