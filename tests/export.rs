//! The official's export (`/api/export/cases.csv`, `.geojson`) over the demo district:
//! who may export, reporter contacts only where the token allows them, the period checked,
//! the rows equal to a brute-force filter of the store's cases, and the GeoJSON read by
//! GDAL (`ogrinfo`) with the right feature count.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use axum::http::StatusCode;
use minsheng::model::reports::{Report, Role};
use minsheng::model::time::{now, to_iso8601};
use minsheng::services::Catalog;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::store::ReportFilter;

use common::{call, json};

async fn token(catalog: &Catalog, request: TokenRequest) -> String {
    create_token(catalog, &request, now()).await.unwrap().secret
}

/// The rows of a CSV answer (after its byte-order mark) as maps of column to cell.
fn csv_rows(text: &str) -> (Vec<String>, Vec<std::collections::HashMap<String, String>>) {
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect()).collect();
    (header, rows)
}

/// The demo district's busiest street and community in it, and the stored cases.
async fn setting(catalog: &Catalog) -> (Vec<Report>, String, String) {
    let cases = catalog.store().reports(&ReportFilter::default()).await.unwrap();
    let count = |key: &dyn Fn(&Report) -> &str| {
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        cases.iter().for_each(|c| *counts.entry(key(c)).or_default() += 1);
        counts.into_iter().max_by_key(|(_, n)| *n).unwrap().0.to_owned()
    };
    let street = count(&|c| c.routed.street_id.as_str());
    let in_street: Vec<Report> = cases.iter().filter(|c| c.routed.street_id == street).cloned().collect();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    in_street.iter().for_each(|c| *counts.entry(c.routed.community_id.as_str()).or_default() += 1);
    let community = counts.into_iter().max_by_key(|(_, n)| *n).unwrap().0.to_owned();
    (cases, street, community)
}

/// The demo's year of cases: the period from the first filing to now.
fn whole_period(cases: &[Report]) -> (i64, i64) {
    let first = cases.iter().map(|c| c.created_at).min().unwrap();
    (first, now() + 1)
}

fn period_query(from: i64, to: i64) -> String {
    let encode = |t: i64| url::form_urlencoded::byte_serialize(to_iso8601(t).as_bytes()).collect::<String>();
    format!("from={}&to={}", encode(from), encode(to))
}

#[tokio::test]
async fn only_reading_roles_export_and_contacts_only_where_the_token_may_see_them() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let (cases, street, community) = setting(&catalog).await;
    let (from, to) = whole_period(&cases);
    let uri = format!("/api/export/cases.csv?street={street}&{}", period_query(from, to));

    let (status, _, text) = call(&app, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let unit = catalog.snapshot().data.units[0].id.clone();
    let grid = cases[0].routed.grid_id.clone();
    for request in [
        TokenRequest { unit: Some(unit), ..TokenRequest::new(Role::Handler, "处置") },
        TokenRequest { grid: Some(grid), ..TokenRequest::new(Role::GridWorker, "网格员") },
    ] {
        let secret = token(&catalog, request).await;
        let (status, _, text) = call(&app, "GET", &uri, Some(&secret), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
        assert!(text.contains("official or supervisor or dispatcher or admin"), "{text}");
    }

    let expected: BTreeSet<&str> =
        cases.iter().filter(|c| c.routed.street_id == street && c.created_at >= from).map(|c| c.case_number.as_str()).collect();
    let with_contact = |c: &&Report| c.reporter_name.is_some() || c.reporter_phone.is_some();
    assert!(cases.iter().filter(|c| c.routed.street_id == street).any(|c| with_contact(&c)), "the demo has reporters");
    let tokens = [
        ("official", token(&catalog, TokenRequest::new(Role::Official, "街道干部")).await),
        ("supervisor", token(&catalog, TokenRequest { street: Some(street.clone()), ..TokenRequest::new(Role::Supervisor, "督办") }).await),
        (
            "dispatcher",
            token(&catalog, TokenRequest { community: Some(community.clone()), ..TokenRequest::new(Role::Dispatcher, "派遣") }).await,
        ),
        ("admin", token(&catalog, TokenRequest::new(Role::Admin, "管理员")).await),
    ];
    for (role, secret) in &tokens {
        let (status, headers, text) = call(&app, "GET", &uri, Some(secret), None).await;
        assert_eq!(status, StatusCode::OK, "{role}: {text}");
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(headers["cache-control"], "private, no-store");
        let (header, rows) = csv_rows(&text);
        assert_eq!(header[0], "case_number");
        let got: BTreeSet<&str> = rows.iter().map(|r| r["case_number"].as_str()).collect();
        assert_eq!(got, expected, "{role}: the street's cases");
        assert_eq!(headers["x-export-total"], expected.len().to_string().as_str());
        let mut shown = 0;
        for row in &rows {
            let case = cases.iter().find(|c| c.case_number == row["case_number"]).unwrap();
            let allowed = match *role {
                "admin" => true,
                "dispatcher" => case.routed.community_id == community,
                _ => false,
            };
            let stored = (case.reporter_name.clone().unwrap_or_default(), case.reporter_phone.clone().unwrap_or_default());
            let written = (row["reporter_name"].clone(), row["reporter_phone"].clone());
            if allowed {
                assert_eq!(written, stored, "{role}: {}", case.case_number);
                shown += 1;
            } else {
                assert_eq!(written, (String::new(), String::new()), "{role} sees no contact of {}", case.case_number);
            }
        }
        assert_eq!(headers["x-export-private-rows"], shown.to_string().as_str(), "{role}");
        if shown == 0 {
            // No reporter's name or phone anywhere in the file (one pass over it for all of them).
            let private: Vec<&str> =
                cases.iter().flat_map(|c| [c.reporter_name.as_deref(), c.reporter_phone.as_deref()]).flatten().collect();
            let found = aho_corasick::AhoCorasick::new(&private).unwrap().find(&text);
            assert!(found.is_none(), "{role}: {:?}", found.map(|m| &text[m.range()]));
        }
        match *role {
            "admin" => assert_eq!(shown, rows.len()),
            "dispatcher" => assert!(shown > 0 && shown < rows.len(), "{shown} of {}", rows.len()),
            _ => assert_eq!(shown, 0),
        }
    }
}

#[tokio::test]
async fn the_period_defaults_to_30_days_and_bad_periods_are_refused() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let admin = token(&catalog, TokenRequest::new(Role::Admin, "管理员")).await;
    let (cases, _, _) = setting(&catalog).await;
    let before = now();
    let (status, headers, text) = call(&app, "GET", "/api/export/cases.csv", Some(&admin), None).await;
    let after = now();
    assert_eq!(status, StatusCode::OK, "{text}");
    let total: usize = headers["x-export-total"].to_str().unwrap().parse().unwrap();
    let last_30_days = |end: i64| cases.iter().filter(|c| c.created_at >= end - 30 * 86_400 && c.created_at < end).count();
    assert!(total == last_30_days(before) || total == last_30_days(after), "{total}");
    assert!(total > 0 && total < cases.len(), "{total} of {}", cases.len());

    for (query, parameter, words) in [
        ("from=2026-03-02&to=2026-03-01", "to", "after from"),
        ("from=2024-01-01&to=2026-03-01", "to", "366 days"),
        ("from=yesterday", "from", "ISO 8601"),
        ("to=2026-02-30", "to", ""),
        ("street=NOPE", "street", "not a street"),
        ("category=weather", "category", "weather"),
    ] {
        for format in ["csv", "geojson"] {
            let (status, _, text) = call(&app, "GET", &format!("/api/export/cases.{format}?{query}"), Some(&admin), None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {text}");
            let message = json(&text)["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(parameter) && message.contains(words), "{query}: {message}");
        }
    }
}

fn gdal_present() {
    let found = Command::new("ogrinfo").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "GDAL's ogrinfo is missing: run `bash scripts/setup.sh` (it installs gdal-bin)");
}

#[tokio::test]
async fn gdal_reads_the_geojson_with_one_point_per_case_and_the_csv_agrees() {
    gdal_present();
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let official = token(&catalog, TokenRequest::new(Role::Official, "街道干部")).await;
    let (cases, _, community) = setting(&catalog).await;
    let (from, to) = whole_period(&cases);
    let category = cases.iter().find(|c| c.routed.community_id == community).unwrap().category;
    let query = format!("community={community}&category={}&{}", category.as_str(), period_query(from, to));
    let expected: BTreeSet<&str> =
        cases.iter().filter(|c| c.routed.community_id == community && c.category == category).map(|c| c.case_number.as_str()).collect();

    let (status, headers, geojson) = call(&app, "GET", &format!("/api/export/cases.geojson?{query}"), Some(&official), None).await;
    assert_eq!(status, StatusCode::OK, "{geojson}");
    assert_eq!(headers["content-type"], "application/geo+json");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.geojson");
    std::fs::write(&file, &geojson).unwrap();
    let info = Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    assert!(text.contains("Geometry: Point"), "{text}");
    let count: usize = text.lines().find_map(|l| l.strip_prefix("Feature Count: ")).unwrap().trim().parse().unwrap();
    assert_eq!(count, expected.len(), "{text}");
    assert!(text.contains("reporter_phone") && text.contains("grid_id"), "the columns are fields: {text}");

    let document = json(&geojson);
    let features = document["features"].as_array().unwrap();
    let numbers: BTreeSet<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(numbers, expected);
    for feature in features {
        let case = cases.iter().find(|c| c.case_number == feature["id"]).unwrap();
        assert_eq!(feature["geometry"]["coordinates"], serde_json::json!([case.lon, case.lat]));
        assert!(feature["properties"]["reporter_phone"].is_null() && feature["properties"]["reporter_name"].is_null());
        assert_eq!(feature["properties"]["state"], case.state.as_str());
    }

    let (status, _, csv_text) = call(&app, "GET", &format!("/api/export/cases.csv?{query}"), Some(&official), None).await;
    assert_eq!(status, StatusCode::OK, "{csv_text}");
    let (_, rows) = csv_rows(&csv_text);
    let csv_numbers: Vec<&str> = rows.iter().map(|r| r["case_number"].as_str()).collect();
    let geojson_numbers: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(csv_numbers, geojson_numbers, "the same cases in the same order (newest first)");
    let created: Vec<String> = rows.iter().map(|r| r["created_at"].clone()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
}
