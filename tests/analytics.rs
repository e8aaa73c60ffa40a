//! The planner's analysis against brute force over the store: report tiles (filtered,
//! aggregated, refreshed when a case arrives), hexagons, the ranked problem list (JSON and
//! CSV) and the timeline.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::{call, json};
use minsheng::model::reports::{CaseState, Category, Report};
use minsheng::model::time::{now, to_iso8601};
use minsheng::services::tiles::TileCoord;
use minsheng::store::ReportFilter;
use serde_json::{Value, json};

async fn all_reports(catalog: &minsheng::services::Catalog) -> Vec<Report> {
    catalog.store().reports(&ReportFilter::default()).await.unwrap()
}

/// Column and row of the tile at zoom `z` holding a point.
fn tile_at(z: u32, lon: f64, lat: f64) -> (u32, u32) {
    let tile = TileCoord::containing(z, lon, lat).unwrap();
    (tile.x, tile.y)
}

/// Sum of `count` over a tile's `reports` layer, and its features.
async fn tile_count(app: &axum::Router, uri: &str) -> (i64, usize, String) {
    let request = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request).await.unwrap();
    let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    if response.status() == StatusCode::NO_CONTENT {
        return (0, 0, etag);
    }
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes().to_vec();
    let reader = mvt_reader::Reader::new(bytes).unwrap();
    let features = reader.get_features(0).unwrap();
    let count = features
        .iter()
        .map(|f| match f.properties.as_ref().unwrap().get("count").unwrap() {
            mvt_reader::feature::Value::UInt(n) => *n as i64,
            mvt_reader::feature::Value::Int(n) | mvt_reader::feature::Value::SInt(n) => *n,
            other => panic!("{other:?}"),
        })
        .sum();
    (count, features.len(), etag)
}

#[tokio::test]
async fn report_tiles_count_every_matching_case_and_refresh_when_one_arrives() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let reports = all_reports(&catalog).await;
    let [west, south, east, north] = catalog.snapshot().bounds().unwrap();
    let (lon, lat) = ((west + east) / 2.0, (south + north) / 2.0);
    // A z8 tile holds the whole district: its counts add up to every matching case.
    let (x, y) = tile_at(8, lon, lat);
    let open_parking = reports.iter().filter(|r| r.category == Category::Parking && r.state.open311_status() == "open").count();
    let uri = format!("/tiles/reports/8/{x}/{y}.mvt?category=parking&status=open");
    let (count, features, etag) = tile_count(&app, &uri).await;
    assert_eq!(count as usize, open_parking);
    assert!(features < open_parking, "aggregated into cells: {features} features for {open_parking} cases");
    let (all, _, _) = tile_count(&app, &format!("/tiles/reports/8/{x}/{y}.mvt")).await;
    assert_eq!(all as usize, reports.len());
    let since = to_iso8601(now() - 30 * 86_400).replace('+', "%2B");
    let (recent, _, _) = tile_count(&app, &format!("/tiles/reports/8/{x}/{y}.mvt?since={since}")).await;
    assert_eq!(recent as usize, reports.iter().filter(|r| r.created_at >= now() - 30 * 86_400).count());

    // A new open parking case: the same URL now counts it, under a new ETag.
    let p = common::inside(&catalog.snapshot().data.buildings[20].geometry);
    let body = json!({"category": "parking", "description": "新的停车问题", "lon": p.x(), "lat": p.y()});
    assert_eq!(call(&app, "POST", "/api/reports", None, Some(body.to_string())).await.0, StatusCode::CREATED);
    let (after, _, new_etag) = tile_count(&app, &uri).await;
    assert_eq!(after, count + 1);
    assert_ne!(etag, new_etag);

    // From z14 every case is its own point with its fields.
    let (x, y) = tile_at(14, p.x(), p.y());
    let (count, features, _) = tile_count(&app, &format!("/tiles/reports/14/{x}/{y}.mvt?category=parking")).await;
    assert_eq!(count as usize, features);
    assert!(count >= 1);

    let (status, _, text) = call(&app, "GET", "/tiles/reports/8/1/1.mvt?status=lost", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let (_, _, text) = call(&app, "GET", "/tiles/reports.json?category=pets", None, None).await;
    assert!(json(&text)["tiles"][0].as_str().unwrap().ends_with("/tiles/reports/{z}/{x}/{y}.mvt?category=pets"));
}

#[tokio::test]
async fn hexagons_hold_every_case_and_household_once_with_hot_spots() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let reports = all_reports(&catalog).await;
    let households: u32 = catalog.snapshot().data.buildings.iter().map(|b| b.households).sum();
    let (status, _, text) = call(&app, "GET", "/api/heatmap?resolution=10&category=elevator_installation", None, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = json(&text);
    let cells = answer["features"].as_array().unwrap();
    let counted: u64 = cells.iter().map(|c| c["properties"]["count"].as_u64().unwrap()).sum();
    let elevator = reports.iter().filter(|r| r.category == Category::ElevatorInstallation).count() as u64;
    assert_eq!(counted, elevator);
    let homes: u64 = cells.iter().map(|c| c["properties"]["households"].as_u64().unwrap()).sum();
    assert_eq!(homes, u64::from(households), "every household in exactly one cell");
    for cell in cells {
        let p = &cell["properties"];
        let ring = cell["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.first(), ring.last(), "closed ring");
        if let Some(rate) = p["rate_per_1000"].as_f64() {
            let expected = p["count"].as_f64().unwrap() * 1000.0 / p["households"].as_f64().unwrap();
            assert!((rate - expected).abs() < 1e-9);
        }
        let z = p["z"].as_f64().unwrap();
        let class = p["class"].as_str().unwrap();
        assert_eq!(class.starts_with("hot"), z >= 1.645, "{p}");
    }
    // Elevator requests cluster in old walk-ups: the demo has at least one significant hot spot.
    assert!(cells.iter().any(|c| c["properties"]["class"].as_str().unwrap().starts_with("hot_9")), "{cells:?}");
    let (status, _, text) = call(&app, "GET", "/api/heatmap?resolution=2", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("resolution"));
}

#[tokio::test]
async fn the_problem_list_matches_a_count_from_the_store_in_json_and_csv() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let reports = all_reports(&catalog).await;
    let until = now();
    let since = until - 90 * 86_400;
    let previous = since - 90 * 86_400;
    let mut expected: HashMap<String, (i64, i64)> = HashMap::new();
    for r in reports.iter().filter(|r| r.category == Category::Parking) {
        let Some(compound) = &r.routed.compound_id else { continue };
        if (since..until).contains(&r.created_at) {
            expected.entry(compound.clone()).or_default().0 += 1;
        } else if (previous..since).contains(&r.created_at) {
            expected.entry(compound.clone()).or_default().1 += 1;
        }
    }
    let window = format!("since={}&until={}", to_iso8601(since), to_iso8601(until)).replace('+', "%2B");
    let uri = format!("/api/stats/problems?group_by=compound&category=parking&{window}");
    let (status, _, text) = call(&app, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let list = json(&text);
    let rows = list["rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len());
    let mut last = i64::MAX;
    for (i, row) in rows.iter().enumerate() {
        let id = row["id"].as_str().unwrap();
        let (count, before) = expected[id];
        assert_eq!((row["count"].as_i64().unwrap(), row["previous_count"].as_i64().unwrap()), (count, before), "{id}");
        assert_eq!(row["change"].as_i64().unwrap(), count - before);
        assert_eq!(row["rank"].as_u64().unwrap() as usize, i + 1);
        assert!(row["count"].as_i64().unwrap() <= last, "ranked by count");
        last = count;
        let compound = catalog.snapshot().data.compounds.iter().find(|c| c.id == id).unwrap().clone();
        assert_eq!(row["name"], compound.name.as_str());
        assert_eq!(row["households"], compound.households);
    }

    assert_eq!(list["areas"].as_u64().unwrap() as usize, expected.len());
    let (_, _, text) = call(&app, "GET", &format!("{uri}&limit=3"), None, None).await;
    let top: Vec<Value> = json(&text)["rows"].as_array().unwrap().clone();
    assert_eq!(top.len(), 3.min(rows.len()));
    assert_eq!(top[..], rows[..top.len()], "the first rows are the same with a limit");
    assert_eq!(call(&app, "GET", &format!("{uri}&limit=0"), None, None).await.0, StatusCode::BAD_REQUEST);

    // The same list as CSV, by extension and by Accept header.
    let (status, headers, csv) = call(&app, "GET", &uri.replace("/problems?", "/problems.csv?"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("rank,id,name,count,households,rate_per_1000,previous_count,change"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[1], rows[0]["id"].as_str().unwrap());
    assert_eq!(first[3], rows[0]["count"].to_string());
    assert_eq!(lines.count() + 1, rows.len());
    let request = axum::http::Request::get(&uri).header("accept", "text/csv").body(axum::body::Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request).await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));

    // Communities: households are their grids'; every case counted once.
    let (_, _, text) = call(&app, "GET", &format!("/api/stats/problems?group_by=community&{window}"), None, None).await;
    let total: i64 = json(&text)["rows"].as_array().unwrap().iter().map(|r| r["count"].as_i64().unwrap()).sum();
    assert_eq!(total as usize, reports.iter().filter(|r| (since..until).contains(&r.created_at)).count());
    let (status, _, text) = call(&app, "GET", "/api/stats/problems?group_by=planet", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("group_by"));
}

#[tokio::test]
async fn the_timeline_buckets_every_case_of_the_period() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let reports = all_reports(&catalog).await;
    let (status, _, text) = call(&app, "GET", "/api/stats/timeline?interval=month&status=closed", None, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let buckets = json(&text)["buckets"].as_array().unwrap().clone();
    assert!((12..=14).contains(&buckets.len()), "{} buckets", buckets.len());
    let total: u64 = buckets.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    let year_ago = now() - 365 * 86_400;
    let expected = reports.iter().filter(|r| r.created_at >= year_ago && r.state.open311_status() == "closed").count();
    assert_eq!(total as usize, expected);
    assert!(buckets.iter().all(|b| b["start"].as_str().unwrap().contains("-01T00:00:00+08:00")));
    let (_, _, text) = call(&app, "GET", "/api/stats/timeline?interval=week", None, None).await;
    let weeks = json(&text)["buckets"].as_array().unwrap().len();
    assert!((26..=28).contains(&weeks), "{weeks}");
    assert_eq!(CaseState::Closed.open311_status(), "closed");
}
