//! The life-circle check's walks (生活圈体检): on the demo district, every compound's walk to
//! each kind, its farthest walk, pass, demand and affected people against networkx and the
//! pass rule written again in Python (tests/lifecircle.py, an independent multi-source
//! Dijkstra), and against a straight-line brute force with `method=euclidean`; on a hand-made
//! district, walks, scores and the empty compound worked out by hand. What the check answers
//! for areas, as CSV and as a report: tests/lifecircle.rs; the pass share itself:
//! tests/lifecircle_share.rs.

mod common;

use std::collections::HashMap;

use common::district::square;
use common::{call, json};
use geo::{Centroid, Distance, Geometry, Haversine, Point};
use minsheng::index::Snapshot;
use minsheng::model::lifecircle::Rules;
use minsheng::model::{Building, Compound, CompoundKind, Dataset, FacilityKind};
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

#[tokio::test]
async fn demo_walks_and_the_pass_rule_agree_with_networkx() {
    let catalog = common::demo_catalog().await;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let rules = Rules::default();
    let app = common::unlimited_app(catalog.clone());
    let lines = common::walkways::walkway_lines(data);
    assert!(!lines.is_empty(), "the demo has walkways");
    // The facilities of each kind the demo has, by position within the kind.
    let mut stations: HashMap<String, Vec<usize>> = HashMap::new();
    for (s, station) in data.stations.iter().enumerate() {
        stations.entry(station.kind.as_str().to_owned()).or_default().push(s);
    }
    assert!(stations.len() >= 3, "the demo has several kinds of facility");
    let kinds: HashMap<&String, Value> = stations
        .iter()
        .map(|(k, list)| {
            let rule = rules.of(k.parse().unwrap());
            let at: Vec<[f64; 2]> = list.iter().map(|&s| centre(&data.stations[s].geometry)).collect();
            (k, serde_json::json!({"facilities": at, "limit_m": rule.limit_m, "group": rule.group}))
        })
        .collect();
    let buildings: Vec<Value> = data
        .buildings
        .iter()
        .map(|b| {
            serde_json::json!({"at": centre(&b.geometry), "households": b.households, "population": b.population,
                "elderly": b.elderly, "children": b.children})
        })
        .collect();
    let members: Vec<Vec<usize>> = (0..data.compounds.len()).map(|c| buildings_of(&snapshot, c as u32)).collect();
    let input = serde_json::json!({
        "lines": lines, "kinds": kinds, "buildings": buildings, "compounds": members,
        "pass_share": rules.pass_share, "max_access_m": 500.0,
    });
    let output = common::run_python(SCRIPT, "import networkx", "networkx", &input);
    let theirs: Value = serde_json::from_slice(&output).unwrap();

    let (mut walks_compared, mut nearest_compared, mut failing, mut short_of_farthest) = (0, 0, 0, 0);
    for (c, compound) in data.compounds.iter().enumerate() {
        if members[c].is_empty() {
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
            let Some(list) = stations.get(kind.as_str()) else {
                // No facility of the kind anywhere: nothing is near, everything fails.
                assert!(ours["walk_m"].is_null() && ours["nearest"].is_null() && ours["pass"] == false, "{}: {ours}", compound.id);
                continue;
            };
            let expected = &theirs["compounds"][kind.as_str()][c];
            let what = format!("{} {kind}: ours {ours}, networkx {expected}", compound.id);
            for (field, their_field) in [("walk_m", "walk"), ("farthest_m", "farthest")] {
                match (ours[field].as_f64(), expected[their_field].as_f64()) {
                    (Some(a), Some(n)) => assert!((a - n).abs() <= 0.06, "{field} of {what}"),
                    (None, None) => {}
                    _ => panic!("{field} of {what}"),
                }
            }
            if let Some(walk) = expected["walk"].as_f64() {
                walks_compared += 1;
                // Only where no other building's walk is as near: a tie is a matter of order.
                if expected["margin"].as_f64().unwrap() > 0.5 {
                    let id = &data.stations[list[expected["facility"].as_u64().unwrap() as usize]].id;
                    assert_eq!(ours["nearest"]["id"].as_str(), Some(id.as_str()), "{what}");
                    nearest_compared += 1;
                }
                if (walk - rule.limit_m).abs() > 0.1 {
                    assert_eq!(ours["pass"], expected["pass"], "{what}");
                }
                short_of_farthest += usize::from(walk + 0.5 < expected["farthest"].as_f64().unwrap_or(f64::INFINITY));
            } else {
                assert_eq!(ours["pass"], false, "{what}");
            }
            assert!((ours["demand"].as_f64().unwrap() - expected["demand"].as_f64().unwrap()).abs() <= 0.051, "demand of {what}");
            assert!((ours["affected"].as_f64().unwrap() - expected["affected"].as_f64().unwrap()).abs() <= 0.051, "affected of {what}");
            if ours["pass"] == false && rule.required {
                failing += 1;
            }
        }
    }
    assert!(walks_compared >= 100, "only {walks_compared} walks compared");
    assert!(nearest_compared >= 50, "only {nearest_compared} nearest facilities compared");
    assert!(short_of_farthest >= 20, "the share's walk is short of the farthest in only {short_of_farthest} cases");
    assert!(failing > 0, "some compound misses some required kind");
    eprintln!(
        "{walks_compared} compound walks and {nearest_compared} nearest facilities agree with networkx; \
         {short_of_farthest} walks are short of the farthest building's"
    );
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
        if buildings.is_empty() {
            continue;
        }
        for kind in &check.kinds {
            let search = kind.limit_m * 2.0;
            // Per building the nearest facility by haversine (none beyond the search) and its
            // people of the kind's group.
            let walked: Vec<(f64, Option<usize>, f64)> = buildings
                .iter()
                .map(|&b| {
                    let at = data.buildings[b].geometry.centroid().unwrap();
                    let nearest = data
                        .stations
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.kind == kind.kind)
                        .map(|(s, station)| (Haversine.distance(at, station.geometry.centroid().unwrap()), s))
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                        .filter(|(m, _)| *m <= search);
                    (nearest.map_or(f64::INFINITY, |n| n.0), nearest.map(|n| n.1), data.buildings[b].demand(kind.group))
                })
                .collect();
            let (walk, station) = share_walk(&walked, rules.pass_share);
            let farthest = walked.iter().map(|w| w.0).fold(f64::NEG_INFINITY, f64::max);
            let close = |ours: Option<f64>, theirs: f64| match ours {
                Some(m) => (m - theirs).abs() <= 0.051,
                None => theirs.is_infinite(),
            };
            assert!(close(kind.walk_m, walk), "{} {}: {:?} against {walk}", compound.id, kind.kind, kind.walk_m);
            assert!(close(kind.farthest_m, farthest), "{} {}: {:?} against {farthest}", compound.id, kind.kind, kind.farthest_m);
            if let Some(s) = station {
                assert_eq!(kind.nearest.as_ref().unwrap().id, data.stations[s].id, "{} {}", compound.id, kind.kind);
            }
            if (walk - kind.limit_m).abs() > 0.1 {
                assert_eq!(kind.pass, walk <= kind.limit_m, "{} {}", compound.id, kind.kind);
            }
            compared += 1;
        }
    }
    assert!(compared >= 20, "only {compared} compared");
}

/// The walk within which `share` of the people live, worked out the slow way: the least of
/// the buildings' walks such that the buildings walking no farther hold that share (up to one
/// part in a billion; buildings count alike when nobody lives in any). With it, the facility
/// its building walks to, when no other building's walk is within 0.5 m of it.
fn share_walk(walked: &[(f64, Option<usize>, f64)], share: f64) -> (f64, Option<usize>) {
    let weight = |w: &(f64, Option<usize>, f64)| if walked.iter().any(|w| w.2 > 0.0) { w.2 } else { 1.0 };
    let total: f64 = walked.iter().map(weight).sum();
    let mut walks: Vec<f64> = walked.iter().map(|w| w.0).collect();
    walks.sort_by(f64::total_cmp);
    let walk = walks.into_iter().find(|&m| walked.iter().filter(|w| w.0 <= m).map(weight).sum::<f64>() >= (share - 1e-9) * total).unwrap();
    let at: Vec<_> = walked.iter().filter(|w| (w.0 - walk).abs() < 0.5 || w.0 == walk).collect();
    (walk, if at.len() == 1 { at[0].1 } else { None })
}

/// A hand-made district on the [`common::district`] skeleton (its footway along the equator
/// from 0 to 0.004°, about 445 m): a compound with two buildings 0.0001° north of it at 0.0005°
/// and 0.0015°, an empty compound around 0.0035°, a clinic at 0.0, a kindergarten at 0.003 and
/// a pharmacy 0.0001° south of 0.0005°.
fn hand_made() -> Dataset {
    let building = |id: &str, x: f64, households: u32, population: u32| Building {
        elderly: Some(population / 4),
        ..common::district::building(id, "A", x, households, population)
    };
    let station = common::district::station;
    Dataset {
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
        ..common::district::skeleton()
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
    // 90 % of the 100 residents need A2 too, so the walk is the farthest building's.
    assert_eq!(clinic.farthest_m, clinic.walk_m);
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
