//! The set-covering plan (`"objective": "lscp"`): its site count against PySAL's spopt (LSCP
//! solved by CBC, `tests/lscp.py`) on the demo district's candidate sites, its coverage
//! recounted by brute force, never more sites than a greedy choice, and named 400s.

mod common;

use common::{call, empty_store, json};
use geo::{Centroid, Geometry, InteriorPoint, Point};
use minsheng::demo::{DemoOptions, generate};
use minsheng::index::Snapshot;
use minsheng::model::{Dataset, DemandGroup, FacilityKind};
use minsheng::network::Snap;
use minsheng::services::Catalog;
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::coverage::plan::{Candidates, Goal, Plan, plan_for};
use minsheng::services::coverage::{Circle, Method};
use serde_json::json;

const UNBOUNDED: Limits = Limits { plan_candidates: usize::MAX / 100, ..Limits::ANONYMOUS };

fn point(geometry: &Geometry) -> Point {
    match geometry {
        Geometry::Point(p) => *p,
        other => other.interior_point().unwrap(),
    }
}

/// Walking distances, worked out here one search per source with the network primitives.
struct Walks<'a> {
    snapshot: &'a Snapshot,
    buildings: Vec<Option<Snap>>,
}

impl<'a> Walks<'a> {
    fn new(snapshot: &'a Snapshot) -> Walks<'a> {
        let network = snapshot.walking().network.as_ref().expect("the demo has walkways");
        // Buildings join the network at their centroid, as the service's do.
        let buildings = snapshot.data.buildings.iter().map(|b| network.snap(b.geometry.centroid().unwrap())).collect();
        Walks { snapshot, buildings }
    }

    /// Metres from `from` to every building (infinite beyond `limit`).
    fn from(&self, from: Point, limit: f64) -> Vec<f64> {
        let network = self.snapshot.walking().network.as_ref().unwrap();
        let Some(source) = network.snap(from) else { return vec![f64::INFINITY; self.buildings.len()] };
        let reach = network.distances_from_sources(&[source], limit);
        self.buildings.iter().map(|b| b.as_ref().map_or(f64::INFINITY, |b| network.distance_to(&reach, b))).collect()
    }

    /// Whether each building is within `limit` of any of `points`.
    fn covered(&self, points: &[Point], limit: f64) -> Vec<bool> {
        let mut covered = vec![false; self.buildings.len()];
        for &p in points {
            for (b, m) in self.from(p, limit).into_iter().enumerate() {
                covered[b] |= m <= limit;
            }
        }
        covered
    }
}

fn stations(data: &Dataset, kind: FacilityKind) -> Vec<Point> {
    data.stations.iter().filter(|s| s.kind == kind).map(|s| point(&s.geometry)).collect()
}

fn lscp(snapshot: &Snapshot, kind: FacilityKind, meters: f64, share: f64, candidates: &Candidates) -> Plan {
    let goal = Goal { group: Some(DemandGroup::Households), ..Goal::lscp(share) };
    let circle = Circle::new(None, Some(meters), None).unwrap();
    plan_for(snapshot, kind, circle, Some(Method::Network), &goal, candidates, None, &UNBOUNDED, &Budget::unlimited()).unwrap()
}

/// The kind whose existing stations leave the most households beyond `meters`.
fn widest_gaps(snapshot: &Snapshot, walks: &Walks, meters: f64) -> FacilityKind {
    let data = &snapshot.data;
    *FacilityKind::ALL
        .iter()
        .filter(|&&k| !stations(data, k).is_empty())
        .max_by_key(|&&k| {
            let covered = walks.covered(&stations(data, k), meters);
            data.buildings.iter().zip(&covered).filter(|(_, c)| !**c).map(|(b, _)| u64::from(b.households)).sum::<u64>()
        })
        .unwrap()
}

#[test]
fn the_fewest_candidate_sites_match_spopt() {
    let data = generate(&DemoOptions::default());
    assert!((10..=200).contains(&data.candidate_sites.len()), "{} candidate sites", data.candidate_sites.len());
    let snapshot = Snapshot::build(data, 0).unwrap();
    let walks = Walks::new(&snapshot);
    let meters = 300.0;
    let kind = widest_gaps(&snapshot, &walks, meters);
    let data = &snapshot.data;
    let before = walks.covered(&stations(data, kind), meters);
    let sites: Vec<Point> = data.candidate_sites.iter().map(|s| point(&s.geometry)).collect();
    let cost: Vec<Vec<f64>> = sites.iter().map(|&p| walks.from(p, meters)).collect();
    // The demand spopt must cover: households beyond the existing stations that some
    // candidate reaches.
    let demand: Vec<usize> = (0..data.buildings.len())
        .filter(|&b| !before[b] && data.buildings[b].households > 0 && cost.iter().any(|c| c[b] <= meters))
        .collect();
    assert!(demand.len() >= 10, "too little demand to compare: {}", demand.len());
    let households = |bs: &mut dyn Iterator<Item = usize>| bs.map(|b| u64::from(data.buildings[b].households)).sum::<u64>();
    let total = households(&mut (0..data.buildings.len()));
    let reachable = households(&mut (0..data.buildings.len()).filter(|&b| before[b])) + households(&mut demand.iter().copied());
    let share = reachable as f64 / total as f64;

    let plan = lscp(&snapshot, kind, meters, share, &Candidates::CandidateSites);
    assert!(plan.optimal, "{plan:?}");
    assert_eq!(plan.lower_bound, Some(plan.picks.len() as u64));
    assert!(plan.picks.iter().all(|p| p.site.kind == "candidate_site"));

    let matrix: Vec<Vec<f64>> = demand.iter().map(|&b| cost.iter().map(|c| c[b].min(1e9)).collect()).collect();
    let answer =
        common::run_python("tests/lscp.py", "import spopt.locate, pulp", "spopt and PuLP", &json!({"cost": matrix, "radius": meters}));
    let spopt: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(plan.picks.len() as u64, spopt["sites"].as_u64().unwrap(), "{kind} at {meters} m: {plan:?}");
    assert!(plan.picks.len() >= 2, "a comparison worth making: {}", plan.picks.len());
}

#[test]
fn a_share_is_reached_by_brute_force_and_never_with_more_sites_than_greedy() {
    let data = generate(&DemoOptions::default());
    let snapshot = Snapshot::build(data, 0).unwrap();
    let walks = Walks::new(&snapshot);
    let meters = 400.0;
    let kind = widest_gaps(&snapshot, &walks, meters);
    let data = &snapshot.data;
    let plan = lscp(&snapshot, kind, meters, 0.95, &Candidates::Buildings);
    assert_eq!(plan.target_share, Some(0.95));

    // Recount: existing stations plus the picks, walked from here.
    let mut points = stations(data, kind);
    points.extend(plan.picks.iter().map(|p| Point::new(p.site.lon, p.site.lat)));
    let covered = walks.covered(&points, meters);
    let households = |keep: &dyn Fn(usize) -> bool| {
        (0..data.buildings.len()).filter(|&b| keep(b)).map(|b| f64::from(data.buildings[b].households)).sum::<f64>()
    };
    let share = households(&|b| covered[b]) / households(&|_| true);
    assert!(share >= 0.95 - 1e-9, "covers {share}");
    assert!((share - plan.achieved_share).abs() < 1e-9, "{share} against {}", plan.achieved_share);
    let added: Vec<f64> = plan.picks.iter().map(|p| p.demand_added).collect();
    assert!(added.windows(2).all(|w| w[0] >= w[1]), "picks in greedy order: {added:?}");

    // A greedy choice over the same candidates, worked out here.
    let before = walks.covered(&stations(data, kind), meters);
    let covers: Vec<Vec<bool>> = data
        .buildings
        .iter()
        .map(|b| walks.from(b.geometry.centroid().unwrap(), meters).into_iter().map(|m| m <= meters).collect())
        .collect();
    let mut now = before.clone();
    let mut greedy = 0;
    while households(&|b| now[b]) < 0.95 * households(&|_| true) {
        let gain = |c: &Vec<bool>| households(&|b| c[b] && !now[b]);
        // The most households, the lowest index among equals (as the service breaks ties).
        let best = covers.iter().fold(&covers[0], |best, c| if gain(c) > gain(best) { c } else { best });
        assert!(gain(best) > 0.0);
        for (b, &yes) in best.iter().enumerate() {
            now[b] |= yes;
        }
        greedy += 1;
    }
    assert!(plan.picks.len() <= greedy, "lscp {} sites, greedy {greedy}", plan.picks.len());
    assert_eq!(plan.greedy_sites, Some(greedy), "the answer's greedy count is the greedy's");
    assert!(plan.lower_bound.unwrap() <= plan.picks.len() as u64);
}

#[tokio::test]
async fn bad_lscp_requests_are_400s_naming_the_field() {
    let data = generate(&DemoOptions::default());
    let store = empty_store().await;
    store.upsert(&data).await.unwrap();
    let app = common::unlimited_app(Catalog::open(store).await.unwrap());
    for (body, named) in [
        (r#"{"kind":"clinic","objective":"cheapest"}"#, "objective"),
        (r#"{"kind":"clinic","objective":"lscp","target_share":0}"#, "target_share"),
        (r#"{"kind":"clinic","objective":"lscp","target_share":1.5}"#, "target_share"),
        (r#"{"kind":"clinic","objective":"lscp","add":3}"#, "add"),
        (r#"{"kind":"clinic","add":3,"target_share":0.9}"#, "target_share"),
        (r#"{"kind":"clinic","add":3,"group":"cats"}"#, "group"),
        (r#"{"kind":"clinic","objective":"lscp","meters":100,"target_share":1,"candidates":[[104.9,30.1]]}"#, "target_share"),
    ] {
        let (status, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body.into())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains(named), "{body}: {answer}");
    }
    // Out of reach says how much is reachable.
    let body = r#"{"kind":"clinic","objective":"lscp","meters":100,"target_share":1,"candidates":[[104.9,30.1]]}"#;
    let (_, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body.into())).await;
    assert!(answer.contains('%'), "{answer}");

    // The layer serves both objectives over HTTP.
    for body in [
        r#"{"kind":"elderly_day_care","add":2,"candidates":"candidate_sites"}"#,
        r#"{"kind":"elderly_day_care","objective":"lscp","target_share":0.5,"candidates":"candidate_sites","meters":2000}"#,
    ] {
        let (status, _, answer) = call(&app, "POST", "/api/coverage/plan", None, Some(body.into())).await;
        assert_eq!(status, 200, "{body}: {answer}");
        let plan = json(&answer);
        assert_eq!(plan["group"], "elderly", "the kind's rule group by default: {plan}");
        assert!(plan["picks"].as_array().unwrap().iter().all(|p| p["site"]["type"] == "candidate_site"), "{plan}");
        assert!(plan["demand"].as_f64().unwrap() > 0.0);
    }
}
