//! The life-circle check's pass share (`Rules::pass_share`): on a hand-made compound, the
//! walk is the weighted quantile of its buildings' walks (share 1: the farthest; 0.5: the
//! median by people; exactly reaching the share passes), it follows the group counted, a
//! compound with nobody of the group counts buildings; and `serve --life-circle-rules`
//! takes a share from the file, or stops naming the file and what is wrong with it.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::district::square;
use common::server::{BINARY, get_json, start};
use geo::{Distance, Haversine, Point};
use minsheng::index::Snapshot;
use minsheng::model::lifecircle::Rules;
use minsheng::model::{Building, Compound, CompoundKind, Dataset, DemandGroup, FacilityKind, Station};
use minsheng::services::cost::Budget;
use minsheng::services::lifecircle::{KindCheck, Question, check_compound};

/// Where the buildings stand along the street (degrees east), 0.0001° north of it.
const ALONG: [f64; 4] = [0.0005, 0.0010, 0.0015, 0.0020];

/// One street along the equator from 0 to 0.004°, a clinic at its start; compound Q with four
/// buildings at [`ALONG`] holding 40, 30, 20 and 10 residents (1, 1, 1 and 10 households);
/// compound Z with four empty buildings at the same distances east of 0.002°.
fn district() -> Dataset {
    let building = |id: String, compound: &str, x: f64, households: u32, population: u32| Building {
        elderly: Some(0),
        children: Some(0),
        ..common::district::building(&id, compound, x, households, population)
    };
    let compound = |id: &str, x0: f64, x1: f64| Compound {
        id: id.into(),
        name: format!("{id}小区"),
        kind: CompoundKind::Commodity,
        property_company: None,
        households: 13,
        community_id: Some("C".into()),
        geometry: square(x0, 0.00005, x1, 0.0002),
    };
    let people = [(1, 40), (1, 30), (1, 20), (10, 10)];
    let mut buildings: Vec<Building> =
        ALONG.iter().zip(people).enumerate().map(|(i, (&x, (h, p)))| building(format!("Q{}", i + 1), "Q", x, h, p)).collect();
    buildings.extend(ALONG.iter().enumerate().map(|(i, &x)| building(format!("Z{}", i + 1), "Z", 0.002 + x, 0, 0)));
    Dataset {
        compounds: vec![compound("Q", 0.0003, 0.0022), compound("Z", 0.0023, 0.0042)],
        buildings,
        stations: vec![Station { name: "卫生服务站".into(), ..common::district::station("CL", FacilityKind::Clinic, 0.0, 0.0) }],
        ..common::district::skeleton()
    }
}

/// The walk from the clinic to a building at `x` degrees east: along the street, then its
/// access leg north.
fn walk_to(x: f64) -> f64 {
    let m = |a: (f64, f64), b: (f64, f64)| Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
    m((0.0, 0.0), (x, 0.0)) + m((x, 0.0), (x, 0.0001))
}

/// The clinic's line of compound `id`'s check with the clinic's limit at `limit_m` and the
/// given pass share.
fn clinic(snapshot: &Snapshot, id: &str, limit_m: f64, share: f64, group: Option<DemandGroup>) -> KindCheck {
    let rules =
        Rules::from_json(&serde_json::json!({"pass_share": share, "kinds": [{"kind": "clinic", "limit_m": limit_m}]}).to_string()).unwrap();
    let check = check_compound(snapshot, &rules, id, Question { group, method: None }, &Budget::unlimited()).unwrap();
    check.kinds.into_iter().find(|k| k.kind == FacilityKind::Clinic).unwrap()
}

#[test]
fn the_walk_is_the_quantile_of_the_buildings_walks_weighted_by_people() {
    let snapshot = Snapshot::build(district(), 0).unwrap();
    // The clinic's limit, 150 m, lies between the second and third buildings' walks.
    let walks = ALONG.map(walk_to);
    assert!(walks[1] < 150.0 && walks[2] > 150.0, "{walks:?}");
    let near = |got: Option<f64>, expected: f64| got.is_some_and(|m| (m - expected).abs() < 0.06);
    // Residents 40, 30, 20, 10, nearest first: the cumulative shares are 0.4, 0.7, 0.9, 1.
    for (share, building, pass) in [
        (1.0, 3, false),
        (0.95, 3, false),
        (0.9, 2, false),
        (0.71, 2, false),
        (0.7, 1, true),
        (0.5, 1, true),
        (0.4, 0, true),
        (0.1, 0, true),
    ] {
        let at = clinic(&snapshot, "Q", 150.0, share, None);
        assert!(near(at.walk_m, walks[building]), "share {share}: {:?} against {}", at.walk_m, walks[building]);
        assert!(near(at.farthest_m, walks[3]), "share {share}: {:?}", at.farthest_m);
        assert_eq!(at.pass, pass, "share {share}");
        assert_eq!(at.nearest.as_ref().map(|f| f.id.as_str()), Some("CL"));
        // Affected stays the people beyond the limit, whatever the share.
        assert_eq!((at.demand, at.affected), (100.0, 30.0), "share {share}");
    }
    // Share 1 is the farthest building's walk: every building must be within the limit.
    let all = clinic(&snapshot, "Q", 150.0, 1.0, None);
    assert_eq!(all.walk_m, all.farthest_m);
    // Counting households (1, 1, 1, 10), half of them live in the farthest building.
    let households = clinic(&snapshot, "Q", 150.0, 0.5, Some(DemandGroup::Households));
    assert!(near(households.walk_m, walks[3]) && !households.pass, "{households:?}");
    assert_eq!((households.demand, households.affected), (13.0, 11.0));
}

#[test]
fn a_compound_with_nobody_of_the_group_counts_its_buildings() {
    let snapshot = Snapshot::build(district(), 0).unwrap();
    let walks = ALONG.map(|x| walk_to(0.002 + x));
    for (share, building) in [(0.5, 1), (0.25, 0), (0.26, 1), (0.75, 2), (1.0, 3)] {
        // 420 m: every walk lies within the search (twice the limit), the last beyond the limit.
        let at = clinic(&snapshot, "Z", 420.0, share, None);
        assert_eq!(at.pass, walks[building] <= 420.0, "share {share}");
        assert!(at.walk_m.is_some_and(|m| (m - walks[building]).abs() < 0.06), "share {share}: {:?}", at.walk_m);
        assert_eq!((at.demand, at.affected), (0.0, 0.0));
    }
}

#[test]
fn serve_takes_the_pass_share_from_the_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"pass_share": 0.8, "kinds": [{"kind": "library", "required": true}]}"#).unwrap();
    let database = format!("sqlite://{}", dir.path().join("share.db").display());
    let server = start(&database, &["--no-demo", "--life-circle-rules", rules.to_str().unwrap()]);
    let (status, answer) = get_json(&server, "/api/lifecircle/rules");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["pass_share"], 0.8);
    let library = answer["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "library").unwrap();
    assert_eq!(library["required"], true);
}

#[test]
fn serve_stops_on_a_bad_rules_file_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bad.db").display());
    let missing = dir.path().join("no-such-rules.json");
    for (name, text, problem) in [
        ("share.json", Some(r#"{"pass_share": 1.5}"#), "pass_share 1.5 must be a number more than 0 and at most 1"),
        ("zero.json", Some(r#"{"pass_share": 0}"#), "pass_share"),
        ("words.json", Some(r#"{"pass_share": "most"}"#), "pass_share"),
        ("typo.json", Some(r#"{"pass_shares": 0.9}"#), "pass_shares"),
        ("entry.json", Some(r#"[{"kind": "clinic"}, {"kind": "clinic", "limit_m": 0}]"#), "entry 1 (clinic): limit_m"),
        ("no-such-rules.json", None, "No such file"),
    ] {
        let path = dir.path().join(name);
        if let Some(text) = text {
            std::fs::write(&path, text).unwrap();
        } else {
            assert_eq!(path, missing);
        }
        let mut child = Command::new(BINARY)
            .args(["serve", "--bind", "127.0.0.1:0", "--no-demo", "--database", &database, "--life-circle-rules"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // It stops before it opens the database; a server that started instead is a failure.
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("{name}: the server did not stop");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{name}: {stderr}");
        assert!(stderr.contains(&format!("--life-circle-rules {}", path.display())), "{name}: {stderr}");
        assert!(stderr.contains(problem), "{name}: {stderr}");
    }
}
