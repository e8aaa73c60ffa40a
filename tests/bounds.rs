//! Cost bounds on a generated city of 2,000 buildings, with the anonymous limits set low
//! so that the refusals trigger: each heavy endpoint refuses an over-limit request with
//! `too_large` naming the count and the limit, answers a narrower one, gives staff five
//! times as much, and the pool and the time budget refuse with 503.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use common::{call, empty_store, json};
use geo::Centroid;
use minsheng::demo::{DemoOptions, generate};
use minsheng::http::Settings;
use minsheng::model::reports::Role;
use minsheng::model::time::now;
use minsheng::model::{Dataset, FacilityKind};
use minsheng::services::Catalog;
use minsheng::services::ServiceError;
use minsheng::services::analytics::heatmap;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::services::cost::{Budget, Limits};
use minsheng::services::coverage::plan::{self, Candidates};
use minsheng::services::coverage::{Circle, isochrones, summary};
use serde_json::Value;

const BUILDINGS: usize = 2_000;

/// Low enough for the city above to be over each of them without a narrower request.
const LOW: Limits = Limits {
    buildings: 500,
    isochrone_stations: 2,
    plan_candidates: 20,
    hexagons: 200,
    timeline_buckets: 30,
    problem_rows: 10,
    // Generous: a debug build on a shared machine is slow, and no test here waits for it.
    time: Duration::from_secs(120),
};

fn city() -> &'static Dataset {
    static CITY: OnceLock<Dataset> = OnceLock::new();
    CITY.get_or_init(|| generate(&DemoOptions { buildings: BUILDINGS, ..Default::default() }))
}

async fn catalog() -> Catalog {
    let store = empty_store().await;
    store.upsert(city()).await.unwrap();
    Catalog::open(store).await.unwrap()
}

/// The router over the city with `settings` (no submission limit), and an official's token.
async fn app_with(settings: Settings) -> (axum::Router, String) {
    let catalog = catalog().await;
    let token = create_token(&catalog, &TokenRequest::new(Role::Official, "街道干部"), now()).await.unwrap().secret;
    (minsheng::http::router_with(catalog, Settings { submissions_per_minute: 0, ..settings }), token)
}

async fn app() -> (axum::Router, String) {
    app_with(Settings { limits: LOW, ..Default::default() }).await
}

async fn get(app: &axum::Router, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
    let (status, _, body) = call(app, "GET", uri, token, None).await;
    (status, json(&body))
}

async fn ok(app: &axum::Router, uri: &str, token: Option<&str>) -> Value {
    let (status, body) = get(app, uri, token).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

/// Checks a refusal: 400 `too_large` whose message holds each of `words` (the count, the
/// limit, how to narrow); returns the message.
fn refused(uri: &str, (status, body): (StatusCode, Value), words: &[&str]) -> String {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    assert_eq!(body["error"]["code"], "too_large", "{uri}: {body}");
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    for word in words {
        assert!(message.contains(word), "{uri}: {message:?} does not say {word:?}");
    }
    message
}

fn centres() -> Vec<[f64; 2]> {
    city().buildings.iter().map(|b| b.geometry.centroid().map(|c| [c.x(), c.y()]).unwrap()).collect()
}

/// A box around the city's middle holding between 1 and `most` building centres, found by
/// halving the city's box around its centre.
fn box_holding_at_most(most: usize) -> [f64; 4] {
    let centres = centres();
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [x, y] in &centres {
        (w, s, e, n) = (w.min(*x), s.min(*y), e.max(*x), n.max(*y));
    }
    let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
    let (mut dx, mut dy) = ((e - w) / 2.0, (n - s) / 2.0);
    loop {
        let bbox = [cx - dx, cy - dy, cx + dx, cy + dy];
        let inside = centres.iter().filter(|c| inside(&bbox, **c)).count();
        assert!(inside > 0, "no building near the middle");
        if inside <= most {
            return bbox;
        }
        (dx, dy) = (dx * 0.7, dy * 0.7);
    }
}

fn inside([w, s, e, n]: &[f64; 4], [x, y]: [f64; 2]) -> bool {
    (*w..=*e).contains(&x) && (*s..=*n).contains(&y)
}

fn text([w, s, e, n]: [f64; 4]) -> String {
    format!("{w},{s},{e},{n}")
}

#[tokio::test]
async fn building_distances_are_asked_per_bbox_and_staff_may_ask_more() {
    let (app, token) = app().await;
    let uri = "/api/coverage/buildings?kind=community_centre&minutes=15";
    refused(uri, get(&app, uri, None).await, &["2000", "500", "bbox"]);
    // Staff may ask five times as much: the whole city.
    let all = ok(&app, uri, Some(&token)).await;
    assert_eq!(all["features"].as_array().unwrap().len(), BUILDINGS);

    let bbox = box_holding_at_most(400);
    let within = format!("{uri}&bbox={}", text(bbox));
    let part = ok(&app, &within, None).await;
    let features = part["features"].as_array().unwrap();
    let centres = centres();
    let expected: Vec<&str> =
        city().buildings.iter().zip(&centres).filter(|(_, c)| inside(&bbox, **c)).map(|(b, _)| b.id.as_str()).collect();
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, expected, "the buildings whose centre is in the box, in building order");
    // Searching only from the stations within reach of the box changes no distance.
    let whole: std::collections::HashMap<&str, &Value> =
        all["features"].as_array().unwrap().iter().map(|f| (f["id"].as_str().unwrap(), &f["properties"])).collect();
    for feature in features {
        let id = feature["id"].as_str().unwrap();
        assert_eq!(feature["properties"]["distance_m"], whole[id]["distance_m"], "{id}");
        assert_eq!(feature["properties"]["covered"], whole[id]["covered"], "{id}");
    }
}

#[tokio::test]
async fn isochrones_are_limited_by_the_stations_in_reach_at_the_distance() {
    let (app, token) = app().await;
    let centres_of_kind = city().stations.iter().filter(|s| s.kind == FacilityKind::CommunityCentre).count();
    assert!(centres_of_kind > 2 * 5, "the city has more community centres than even staff may trace at once");
    let uri = "/api/coverage/isochrones?kind=community_centre&meters=1000";
    refused(uri, get(&app, uri, None).await, &[&centres_of_kind.to_string(), "at most 2 ", "bbox"]);
    refused(uri, get(&app, uri, Some(&token)).await, &[&centres_of_kind.to_string(), "at most 10 "]);

    // A point box at one station: only the stations whose isochrone may reach it are traced.
    let station = city().stations.iter().find(|s| s.kind == FacilityKind::CommunityCentre).unwrap();
    let p = station.geometry.centroid().unwrap();
    let at = text([p.x(), p.y(), p.x(), p.y()]);
    let near = ok(&app, &format!("/api/coverage/isochrones?kind=community_centre&meters=300&bbox={at}"), None).await;
    let traced: Vec<&str> = near["features"].as_array().unwrap().iter().map(|f| f["properties"]["station_id"].as_str().unwrap()).collect();
    assert!(traced.contains(&station.id.as_str()), "{traced:?}");
    assert!(traced.len() < centres_of_kind);
    // The same point at 5 km reaches every station, and a longer walk allows fewer of them.
    let far = format!("/api/coverage/isochrones?kind=community_centre&meters=5000&bbox={at}");
    refused(&far, get(&app, &far, None).await, &["at 5000 m", "at most 1 ", "shorter distance"]);
}

#[tokio::test]
async fn plans_count_their_candidates_first() {
    let (app, _) = app().await;
    let uri = "/api/coverage/plan";
    let body = |extra: &str| format!(r#"{{"kind":"clinic","minutes":15,"add":2,"candidates":"buildings"{extra}}}"#);
    let (status, _, text_body) = call(&app, "POST", uri, None, Some(body(""))).await;
    refused(uri, (status, json(&text_body)), &["candidate sites", "2000", "at most 20 ", "bbox"]);
    let bbox = box_holding_at_most(20);
    let (status, _, answer) = call(&app, "POST", uri, None, Some(body(&format!(r#","bbox":[{}]"#, text(bbox))))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let plan = json(&answer);
    let candidates = plan["candidates"].as_u64().unwrap();
    assert!((1..=20).contains(&candidates), "{candidates} candidates in the box");
    for pick in plan["picks"].as_array().unwrap() {
        assert!(inside(&bbox, [pick["site"]["lon"].as_f64().unwrap(), pick["site"]["lat"].as_f64().unwrap()]), "{pick}");
    }
    let (status, _, answer) = call(&app, "POST", uri, None, Some(body(r#","bbox":[10,10,5,5]"#))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer.contains("bbox"), "{answer}");
}

#[tokio::test]
async fn heat_maps_count_the_cells_their_box_covers() {
    let (app, token) = app().await;
    let fine = "/api/heatmap?resolution=11";
    let message = refused(fine, get(&app, fine, None).await, &["resolution 11", "at most 200 ", "coarser resolution"]);
    let needed: usize = message.split(": ").nth(2).and_then(|t| t.split(',').next()).unwrap().parse().unwrap();
    let area = heatmap::cells_covering(&catalog().await.snapshot(), None, h3o::Resolution::Eleven);
    assert_eq!(needed, area, "the message gives the count: {message}");
    if needed > 5 * 200 {
        refused(fine, get(&app, fine, Some(&token)).await, &["at most 1000 "]);
    }
    let coarse = ok(&app, "/api/heatmap?resolution=8", None).await;
    assert!(!coarse["features"].as_array().unwrap().is_empty(), "the city's households make hexagons");
    let small = text(box_holding_at_most(50));
    ok(&app, &format!("{fine}&bbox={small}"), None).await;
}

#[tokio::test]
async fn timelines_and_problem_lists_are_bounded_and_staff_get_five_times_more() {
    let (app, token) = app().await;
    let weeks = "/api/stats/timeline?interval=week&since=2024-01-01&until=2026-01-01";
    refused(weeks, get(&app, weeks, None).await, &["weeks", "105", "at most 30 ", "shorter period"]);
    assert_eq!(ok(&app, weeks, Some(&token)).await["buckets"].as_array().unwrap().len(), 105);
    let months = "/api/stats/timeline?interval=month&since=2024-01-01&until=2026-01-01";
    assert_eq!(ok(&app, months, None).await["buckets"].as_array().unwrap().len(), 24);
    let forever = "/api/stats/timeline?interval=week&since=1970-01-01&until=2100-01-01";
    refused(forever, get(&app, forever, Some(&token)).await, &["at most 150 "]);

    let rows = "/api/stats/problems?limit=11";
    refused(rows, get(&app, rows, None).await, &["11", "at most 10 ", "fewer rows"]);
    ok(&app, "/api/stats/problems?limit=10", None).await;
    ok(&app, "/api/stats/problems?limit=50", Some(&token)).await;
    refused(rows, get(&app, "/api/stats/problems?limit=51", Some(&token)).await, &["at most 50 "]);
    let (status, _, csv) = call(&app, "GET", "/api/stats/problems.csv?limit=11", None, None).await;
    refused("problems.csv", (status, json(&csv)), &["at most 10 "]);
}

#[tokio::test]
async fn a_full_pool_answers_busy_with_retry_after() {
    // No workers and no queue: every heavy request finds the pool full.
    let (app, _) = app_with(Settings { workers: 0, queue: 0, ..Default::default() }).await;
    for uri in ["/api/coverage?kind=clinic", "/api/heatmap?resolution=8", "/api/stats/timeline", "/api/stats/problems"] {
        let (status, headers, body) = call(&app, "GET", uri, None, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
        assert_eq!(json(&body)["error"]["code"], "busy", "{uri}");
        let wait: u64 = headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!(wait >= 1, "{uri}: Retry-After {wait}");
    }
    // Light routes do not queue.
    let (status, _, _) = call(&app, "GET", "/api/layers", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_spent_time_budget_answers_timed_out_and_says_how_to_narrow() {
    let (app, _) = app_with(Settings { limits: Limits { time: Duration::ZERO, ..LOW }, ..Default::default() }).await;
    let (status, body) = get(&app, "/api/coverage?kind=clinic", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "timed_out");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("0 s") && message.contains("narrow"), "{message}");
}

/// Each heavy service, handed a cancelled budget (the client left), returns the budget's
/// error rather than its answer; with a live budget the same call answers.
#[tokio::test]
async fn cancelled_work_returns_the_budget_error_not_the_answer() {
    let catalog = catalog().await;
    let snapshot = catalog.snapshot();
    let circle = Circle::new(Some(15.0), None, None).unwrap();
    let kind = FacilityKind::CommunityCentre;
    let roomy = Limits { isochrone_stations: 1_000, plan_candidates: 10_000, ..Limits::ANONYMOUS };
    let cancelled = Budget::unlimited();
    cancelled.cancel();
    for budget in [Budget::unlimited(), cancelled] {
        let stopped = |result: Result<(), ServiceError>| match result {
            Ok(()) => false,
            Err(ServiceError::Cancelled) => true,
            Err(other) => panic!("{other}"),
        };
        let answers = [
            summary::coverage(&snapshot, kind, circle, None, &budget).map(drop),
            summary::building_coverage(&snapshot, kind, circle, None, None, &roomy, &budget).map(drop),
            isochrones::isochrones(&snapshot, kind, circle, None, 50.0, None, &roomy, &budget).map(drop),
            plan::plan(&snapshot, FacilityKind::Clinic, circle, None, 2, &Candidates::Compounds, None, &roomy, &budget).map(drop),
            heatmap::hexagons(&snapshot, &catalog.reports(), &Default::default(), h3o::Resolution::Nine, 1, &roomy, &budget).map(drop),
        ];
        let expected = budget.stopped();
        for (i, answer) in answers.into_iter().enumerate() {
            assert_eq!(stopped(answer), expected, "service {i} with a budget that is {}", if expected { "cancelled" } else { "live" });
        }
    }
}
