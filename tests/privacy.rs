//! The reporter's name and phone never leave through a public door: every public endpoint's
//! output is scanned for every reporter name and phone the store holds.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::call;
use minsheng::model::Layer;
use minsheng::model::reports::{Category, Role};
use minsheng::model::time::now;
use minsheng::services::auth::{TokenRequest, create_token};
use minsheng::store::ReportFilter;
use serde_json::json;

/// Tile column and row of a point at a zoom (Web Mercator).
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let tile = minsheng::services::tiles::TileCoord::containing(z, lon, lat).unwrap();
    (tile.x, tile.y)
}

#[tokio::test]
async fn no_public_endpoint_shows_any_reporters_name_or_phone() {
    let catalog = common::demo_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let p = common::inside(&snapshot.data.buildings[5].geometry);

    // Reports with contact details through both doors, in every category; each answer holds
    // the reporter's follow-up secret, which must not show anywhere else.
    let mut follow_secrets = Vec::new();
    let mut filed = Vec::new();
    for (i, category) in Category::ALL.iter().enumerate() {
        let body = json!({"category": category.as_str(), "description": format!("测试 {i}"), "lon": p.x(), "lat": p.y(),
                          "reporter_name": format!("隐私者{i}"), "reporter_phone": format!("1390000{i:04}"), "notify": true});
        let (status, _, text) = call(&app, "POST", "/api/reports", None, Some(body.to_string())).await;
        assert_eq!(status, StatusCode::CREATED);
        let answer = common::json(&text);
        follow_secrets.push(answer["follow"].as_str().unwrap().to_owned());
        filed.push(answer["report"]["case_number"].as_str().unwrap().to_owned());
    }
    // Staff moves with internal notes beside public replies: the notes stay inside.
    let admin = create_token(&catalog, &TokenRequest::new(Role::Admin, "隐私测试"), now()).await.unwrap().secret;
    let mut internal_notes = Vec::new();
    for (i, case) in filed.iter().take(4).enumerate() {
        let note = format!("内部备注第{i}号勿外传");
        let body = json!({"to": "accepted", "note": note, "reply": format!("公开答复{i}")});
        let (status, _, text) = call(&app, "POST", &format!("/api/reports/{case}/transition"), Some(&admin), Some(body.to_string())).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        internal_notes.push(note);
    }
    let form = format!(
        "service_code=noise&lat={}&long={}&description=open311&first_name=%E7%A7%98&last_name=%E5%AF%86%E4%BA%BA&phone=13600006666",
        p.y(),
        p.x()
    );
    let request = axum::http::Request::post("/open311/v2/requests.json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(form))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    // Everything private in the store (demo reports included) …
    let reports = catalog.store().reports(&ReportFilter::default()).await.unwrap();
    let mut secrets = BTreeSet::new();
    for r in &reports {
        secrets.extend(r.reporter_name.clone());
        secrets.extend(r.reporter_phone.clone());
    }
    // … except what the public map data holds anyway: a reporter's name may also be part of a
    // public contact's (吕欣 in 吕欣怡), which no answer could avoid.
    let mut public_data = String::new();
    for layer in Layer::ALL {
        public_data += &call(&app, "GET", &format!("/api/layers/{layer}?limit=10000"), None, None).await.2;
    }
    let all = secrets.len();
    secrets.retain(|s| !public_data.contains(s.as_str()) && s.chars().count() >= 2);
    assert!(secrets.len() * 2 > all, "most private values are distinct from public data: {} of {all}", secrets.len());
    assert!(secrets.contains("隐私者3") && secrets.contains("13900000003") && secrets.contains("密人秘"));
    assert!(secrets.contains("13600006666"));
    secrets.extend(follow_secrets);
    secrets.extend(internal_notes);

    let mut uris: Vec<String> = vec![
        "/healthz".into(),
        "/api/layers".into(),
        format!("/api/locate?lon={}&lat={}", p.x(), p.y()),
        "/open311/v2/discovery.json".into(),
        "/open311/v2/services.json".into(),
        "/open311/v2/requests.json".into(),
        "/open311/v2/requests.xml".into(),
        "/open311/v2/servicerequestupdates.json".into(),
        "/open311/v2/servicerequestupdates.xml".into(),
        "/api/heatmap?resolution=11".into(),
        "/api/stats/problems?group_by=compound&since=2020-01-01".into(),
        "/api/stats/problems.csv?group_by=grid&since=2020-01-01".into(),
        "/api/stats/timeline?interval=week".into(),
        "/tiles/reports.json".into(),
    ];
    for layer in Layer::ALL {
        uris.push(format!("/api/layers/{layer}?limit=10000"));
    }
    for collection in ["streets", "communities", "grids", "compounds", "buildings", "stations"] {
        uris.push(format!("/ogc/collections/{collection}/items?limit=10000"));
    }
    // A year of history in 90-day Open311 windows.
    for window in 0..5 {
        let start = minsheng::model::time::to_iso8601(now() - (window + 1) * 90 * 86_400).replace('+', "%2B");
        uris.push(format!("/open311/v2/requests.json?start_date={start}"));
        let end = minsheng::model::time::to_iso8601(now() - window * 90 * 86_400).replace('+', "%2B");
        uris.push(format!("/open311/v2/servicerequestupdates.json?start_date={start}&end_date={end}"));
    }
    for category in Category::ALL {
        uris.push(format!("/api/reports/nearby?lon={}&lat={}&category={category}", p.x(), p.y()));
    }
    // Search by name: a sample of the private values is plenty (search reads map data only).
    for secret in secrets.iter().step_by(secrets.len().div_ceil(300).max(1)) {
        uris.push(format!("/api/search?q={}", urlencode(secret)));
    }
    for r in &reports {
        uris.push(format!("/api/reports/{}", r.case_number));
        uris.push(format!("/open311/v2/requests/{}.xml", r.case_number));
    }
    // Thousands of values over megabytes of answers: one automaton finds any of them in one pass.
    let finder = aho_corasick::AhoCorasick::new(&secrets).unwrap();
    let leak = |bytes: &[u8]| finder.find(bytes).map(|m| secrets.iter().nth(m.pattern().as_usize()).unwrap().clone());
    let mut scanned = 0;
    for uri in &uris {
        let (status, _, mut text) = call(&app, "GET", uri, None, None).await;
        assert!(status.is_success(), "{uri}: {status} {text}");
        if uri.starts_with("/api/search") {
            // The answer echoes the caller's own query; only the results count.
            text = common::json(&text)["results"].to_string();
        }
        if let Some(secret) = leak(text.as_bytes()) {
            panic!("{uri} shows the private {secret:?}");
        }
        scanned += text.len();
    }
    // Tiles are binary; the strings would appear as UTF-8 inside them.
    let [west, south, east, north] = snapshot.bounds().unwrap();
    for z in [12, 14, 16] {
        // Map layers and the reports heat layer (single cases from z14).
        let (x0, y0) = tile_of(west, north, z);
        let (x1, y1) = tile_of(east, south, z);
        for x in x0..=x1.min(x0 + 6) {
            for y in y0..=y1.min(y0 + 6) {
                for uri in [
                    format!("/tiles/streets,communities,grids,compounds,buildings,stations/{z}/{x}/{y}.mvt"),
                    format!("/tiles/reports/{z}/{x}/{y}.mvt"),
                ] {
                    let request = axum::http::Request::get(&uri).body(axum::body::Body::empty()).unwrap();
                    let response = tower::ServiceExt::oneshot(app.clone(), request).await.unwrap();
                    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
                    if let Some(secret) = leak(&bytes) {
                        panic!("{uri} carries {secret:?}");
                    }
                }
            }
        }
    }
    assert!(scanned > 100_000, "the scan read too little to mean anything: {scanned} bytes");

    // Staff outside the case's grid get the public view too.
    let other_grid =
        snapshot.data.grids.iter().find(|g| g.id != reports[0].routed.grid_id && g.level == minsheng::model::GridLevel::Grid).unwrap();
    let outsider =
        create_token(&catalog, &TokenRequest { grid: Some(other_grid.id.clone()), ..TokenRequest::new(Role::GridWorker, "外网格") }, now())
            .await
            .unwrap()
            .secret;
    for r in
        reports.iter().filter(|r| r.routed.grid_id != other_grid.id && r.routed.micro_grid_id.as_deref() != Some(&other_grid.id)).take(50)
    {
        let (_, _, text) = call(&app, "GET", &format!("/api/reports/{}", r.case_number), Some(&outsider), None).await;
        if let Some(secret) = leak(text.as_bytes()) {
            panic!("a grid worker outside sees {secret:?} of {}", r.case_number);
        }
    }
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Hidden text, photo metadata and the exact point of a neighbour dispute never leave
/// through a public door: a moderated description and the GPS written into a photo's EXIF
/// are scanned for in every public answer about the cases, and a blurred case's exact
/// coordinates in every text answer and tile (staff still get them).
#[tokio::test]
async fn no_public_answer_shows_hidden_text_photo_metadata_or_a_blurred_point() {
    use common::images::{GPS_SECONDS, jpeg_markers, jpeg_with_gps};
    use minsheng::services::reports::blur::{BLUR_GRID_M, public_point};

    let catalog = common::district_catalog().await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let p = common::inside(&snapshot.data.buildings[7].geometry);
    let hidden_text = "隐藏内容甲乙丙丁";

    // A dispute at someone's door, with a phone photo carrying the GPS position.
    let report = json!({"category": "neighbour_dispute", "description": hidden_text, "lon": p.x(), "lat": p.y()}).to_string();
    let photo = jpeg_with_gps(1200, 900);
    let (content_type, body) = common::multipart(&[("report", None, report.as_bytes()), ("photo", Some("IMG.jpg"), &photo)]);
    let (status, _, text) = common::call_raw(&app, "POST", "/api/reports", &[("content-type", &content_type)], body).await;
    let text = String::from_utf8(text).unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let filed = common::json(&text);
    let case = filed["report"]["case_number"].as_str().unwrap().to_owned();
    let photo_url = filed["report"]["photos"][0]["url"].as_str().unwrap().to_owned();

    // The public point is on the 50 m grid, near but not at the place.
    let shown = [filed["report"]["point"][0].as_f64().unwrap(), filed["report"]["point"][1].as_f64().unwrap()];
    assert_eq!(shown, public_point(Category::NeighbourDispute, p.x(), p.y()));
    let moved = geo::Distance::distance(&geo::Haversine, p, geo::Point::new(shown[0], shown[1]));
    assert!(moved > 0.0 && moved < BLUR_GRID_M, "moved {moved} m");

    let street = minsheng::services::reports::routing::route(&snapshot, p, "neighbourhood".parse().unwrap()).unwrap().street_id;
    let request = TokenRequest { street: Some(street), ..TokenRequest::new(Role::Supervisor, "督办") };
    let supervisor = create_token(&catalog, &request, now()).await.unwrap().secret;
    let body = json!({"target": "description", "action": "hide", "reason": "含个人信息"}).to_string();
    let (status, _, text) = call(&app, "POST", &format!("/api/reports/{case}/moderation"), Some(&supervisor), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");

    // The point as stored (the staff view prints it), to the digit.
    let (_, _, text) = call(&app, "GET", &format!("/api/reports/{case}"), Some(&supervisor), None).await;
    let stored = &common::json(&text)["report"]["point"];
    let exact = [stored[0].to_string(), stored[1].to_string()];
    assert!(exact.iter().all(|e| e.len() > 8), "{exact:?}");
    let secrets = [hidden_text.to_owned(), exact[0].clone(), exact[1].clone(), photo_url.clone()];
    let finder = aho_corasick::AhoCorasick::new(&secrets).unwrap();
    let uris = [
        format!("/api/reports/{case}"),
        format!("/api/reports/nearby?lon={}&lat={}&category=neighbour_dispute", p.x(), p.y()),
        format!("/open311/v2/requests/{case}.json"),
        format!("/open311/v2/requests/{case}.xml"),
        "/open311/v2/requests.json".to_owned(),
        format!("/ogc/collections/reports/items/{case}"),
        "/ogc/collections/reports/items?limit=10000".to_owned(),
    ];
    for uri in &uris {
        let (status, _, text) = call(&app, "GET", uri, None, None).await;
        assert!(status.is_success(), "{uri}: {status} {text}");
        if let Some(found) = finder.find(text.as_bytes()) {
            panic!("{uri} shows {:?}", secrets[found.pattern().as_usize()]);
        }
    }
    // The withdrawn submission's photo is gone for the public; staff get it, without EXIF.
    assert_eq!(call(&app, "GET", &photo_url, None, None).await.0, StatusCode::NOT_FOUND);
    let bearer = format!("Bearer {supervisor}");
    let (status, _, bytes) = common::call_raw(&app, "GET", &photo_url, &[("authorization", &bearer)], Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!jpeg_markers(&bytes).contains(&0xE1) && !bytes.windows(8).any(|w| w == GPS_SECONDS));
    // Single cases in the heat tiles sit on the public point, not the exact one.
    for z in [16, 18] {
        let (x, y) = tile_of(shown[0], shown[1], z);
        let request = axum::http::Request::get(format!("/tiles/reports/{z}/{x}/{y}.mvt")).body(axum::body::Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(app.clone(), request).await.unwrap();
        let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        let tile = mvt_reader::Reader::new(bytes.to_vec()).unwrap();
        let features = tile.get_features_as::<f64>(0).unwrap();
        let mine = features.iter().find(|f| {
            matches!(f.properties.as_ref().and_then(|p| p.get("case_number")), Some(mvt_reader::feature::Value::String(c)) if *c == case)
        });
        let point = geo::CoordsIter::coords_iter(&mine.expect("the case is in its public point's tile").geometry).next().unwrap();
        let units = |lon: f64, lat: f64| {
            let n = f64::from(1u32 << z);
            let tx = (lon + 180.0) / 360.0 * n;
            let ty = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
            ((tx - f64::from(x)) * 4096.0, (ty - f64::from(y)) * 4096.0)
        };
        let (px, py) = units(shown[0], shown[1]);
        assert!(
            (point.x - px).abs() <= 1.0 && (point.y - py).abs() <= 1.0,
            "z{z}: at ({}, {}), the public point is ({px}, {py})",
            point.x,
            point.y
        );
    }
    // Staff see the exact point.
    let (_, _, text) = call(&app, "GET", &format!("/api/reports/{case}"), Some(&supervisor), None).await;
    let staff = common::json(&text);
    let exact = [staff["report"]["point"][0].as_f64().unwrap(), staff["report"]["point"][1].as_f64().unwrap()];
    assert!((exact[0] - p.x()).abs() < 1e-9 && (exact[1] - p.y()).abs() < 1e-9, "{exact:?}");
    assert_eq!(staff["report"]["description"], hidden_text);
}
