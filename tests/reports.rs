//! Reports through the HTTP API: intake, routing, duplicate hints, support, privacy,
//! and bad input that writes nothing.

mod common;

use common::backend::Backend;

use axum::http::StatusCode;
use common::json as json_of;
use serde_json::{Value, json};

on_both_backends!(
    #[tokio::test]
    a_resident_reports_is_routed_sees_duplicates_and_supports,
    #[tokio::test]
    bad_reports_get_a_400_naming_the_field_and_write_nothing,
    #[tokio::test]
    gcj02_reports_land_on_the_same_building,
    #[tokio::test]
    duplicate_hints_are_the_nearest_ten_with_the_count_of_all,
);

async fn call(app: &axum::Router, method: &str, uri: &str, body: Option<String>) -> (StatusCode, String) {
    let (status, _, text) = common::call(app, method, uri, None, body).await;
    (status, text)
}

/// The case numbers in a list of reports, sorted.
fn cases(list: &Value) -> Vec<String> {
    let mut cases: Vec<String> = list.as_array().unwrap().iter().map(|r| r["case_number"].as_str().unwrap().to_owned()).collect();
    cases.sort();
    cases
}

/// The open reports of a category the duplicate pre-check finds near a point (the demo
/// district comes with a year of reports, some of them open).
async fn nearby(app: &axum::Router, lon: f64, lat: f64, category: &str) -> Vec<String> {
    let (status, text) = call(app, "GET", &format!("/api/reports/nearby?lon={lon}&lat={lat}&category={category}"), None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    cases(&json_of(&text)["reports"])
}

const NAME: &str = "王秘密";
const PHONE: &str = "13912345678";

async fn a_resident_reports_is_routed_sees_duplicates_and_supports(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let snapshot = catalog.snapshot();
    let building = &snapshot.data.buildings[10];
    let p = common::inside(&building.geometry);
    let near = (p.x() + 0.0001, p.y());
    let (parking_before, near_before) = (nearby(&app, p.x(), p.y(), "parking").await, nearby(&app, near.0, near.1, "parking").await);
    let pets_before = nearby(&app, p.x(), p.y(), "pets").await;

    let body = json!({"category": "parking", "description": "消防通道长期被占用", "lon": p.x(), "lat": p.y(),
                      "reporter_name": NAME, "reporter_phone": PHONE});
    let (status, text) = call(&app, "POST", "/api/reports", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let first = json_of(&text);
    let case = first["report"]["case_number"].as_str().unwrap().to_owned();
    assert!(case.starts_with("MS"), "{case}");
    assert_eq!(first["report"]["building_id"], building.id.as_str());
    assert_eq!(first["report"]["tier"], "property");
    assert_eq!(first["report"]["state"], "received");
    assert!(first["report"]["responder"].as_str().unwrap().len() > 2);
    assert_eq!(cases(&first["possible_duplicates"]), parking_before, "offered exactly the open parking cases nearby");

    // A neighbour 10 m away reports the same thing: offered the first case too.
    let body = json!({"category": "parking", "description": "车停在消防通道", "lon": near.0, "lat": near.1});
    let (status, text) = call(&app, "POST", "/api/reports", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = json_of(&text);
    let mut expected = near_before.clone();
    expected.push(case.clone());
    expected.sort();
    assert_eq!(cases(&second["possible_duplicates"]), expected);
    let hint = second["possible_duplicates"].as_array().unwrap().iter().find(|h| h["case_number"] == case.as_str()).unwrap();
    assert!(hint["distance_m"].as_f64().unwrap() < 15.0);
    // Another category at the same place is not a duplicate, nor is the pre-check for it.
    assert_eq!(nearby(&app, p.x(), p.y(), "pets").await, pets_before);
    assert_eq!(nearby(&app, p.x(), p.y(), "parking").await.len(), parking_before.len() + 2);

    let (status, text) = call(&app, "POST", &format!("/api/reports/{case}/support"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&text)["supporters"], 1);
    let (status, text) = call(&app, "GET", &format!("/api/reports/{case}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let view = json_of(&text);
    assert_eq!(view["report"]["supporters"], 1);
    let actions: Vec<&str> = view["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["submit", "support"]);
    assert_eq!(call(&app, "GET", "/api/reports/MS99999999", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, "POST", "/api/reports/MS99999999/support", None).await.0, StatusCode::NOT_FOUND);

    // The reporter's name and phone are stored, but no public answer carries them.
    let (stored, _) = catalog.store().report(&case).await.unwrap().unwrap();
    assert_eq!((stored.reporter_name.as_deref(), stored.reporter_phone.as_deref()), (Some(NAME), Some(PHONE)));
    let public = [
        format!("/api/reports/{case}"),
        format!("/api/reports/nearby?lon={}&lat={}&category=parking", p.x(), p.y()),
        format!("/api/locate?lon={}&lat={}", p.x(), p.y()),
        "/api/layers/contacts?limit=10000".to_owned(),
    ];
    for uri in public {
        let (_, text) = call(&app, "GET", &uri, None).await;
        assert!(!text.contains(NAME) && !text.contains(PHONE), "{uri} leaks reporter data");
    }
    assert!(!first.to_string().contains(NAME) && !first.to_string().contains(PHONE), "the submit answer leaks");
}

async fn bad_reports_get_a_400_naming_the_field_and_write_nothing(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[0].geometry);
    let pets_before = nearby(&app, p.x(), p.y(), "pets").await;
    let good = json!({"category": "pets", "description": "狗吠扰民", "lon": p.x(), "lat": p.y()});
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body.to_string()
    };
    let cases = [
        (with("category", json!("dragons")), "category"),
        (with("description", json!("   ")), "description"),
        (with("description", json!("长".repeat(2_001))), "description"),
        (with("reporter_phone", json!("call me maybe")), "reporter_phone"),
        (with("photo_url", json!("javascript:alert(1)")), "photo_url"),
        (with("lat", json!(95.0)), "lat"),
        (with("crs", json!("mars")), "crs"),
        (with("lon", json!(103.0)), "outside every grid"),
        (with("surprise", json!(1)), "surprise"),
        ("{\"category\": \"pets\"}".to_owned(), "description"),
        ("not json".to_owned(), "body"),
    ];
    for (body, named) in cases {
        let (status, text) = call(&app, "POST", "/api/reports", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        let message = json_of(&text)["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(named), "{body}: {message:?} does not name {named}");
    }
    assert_eq!(nearby(&app, p.x(), p.y(), "pets").await, pets_before, "a rejected report was written");
    let (status, _) = call(&app, "POST", "/api/reports", Some(good.to_string())).await;
    assert_eq!(status, StatusCode::CREATED);
    let too_big = with("description", json!("x".repeat(20_000)));
    assert_eq!(call(&app, "POST", "/api/reports", Some(too_big)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn gcj02_reports_land_on_the_same_building(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let building = &catalog.snapshot().data.buildings[42];
    let p = common::inside(&building.geometry);
    let (lon, lat) = minsheng::crs::wgs84_to_gcj02(p.x(), p.y());
    let body =
        json!({"category": "elevator_installation", "description": "老人上下楼难，申请加装电梯", "lon": lon, "lat": lat, "crs": "gcj02"});
    let (status, text) = call(&app, "POST", "/api/reports", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let answer = json_of(&text);
    assert_eq!(answer["report"]["building_id"], building.id.as_str());
    assert_eq!(answer["report"]["tier"], "public");
    assert!(answer["report"]["responder"].as_str().unwrap().contains("议事会"));
}

async fn duplicate_hints_are_the_nearest_ten_with_the_count_of_all(backend: Backend) {
    let (catalog, _database) = common::backend::district_catalog_on(backend).await;
    let app = common::unlimited_app(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[12].geometry);
    // A burst at one place: 15 reports from 0 to 42 m east of the point, one more at 60 m.
    let east = |metres: f64| p.x() + metres / (111_195.0 * p.y().to_radians().cos());
    let mut filed = Vec::new();
    for metres in (0..15).map(|i| f64::from(i) * 3.0).chain([60.0]) {
        let body = json!({"category": "sanitation", "description": format!("垃圾堆放 {metres} m"), "lon": east(metres), "lat": p.y()});
        let (status, text) = call(&app, "POST", "/api/reports", Some(body.to_string())).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        filed.push(json_of(&text)["report"]["case_number"].as_str().unwrap().to_owned());
    }
    let list = |query: &str| {
        let app = app.clone();
        let uri = format!("/api/reports/nearby?lon={}&lat={}&category=sanitation{query}", p.x(), p.y());
        async move { call(&app, "GET", &uri, None).await }
    };
    let (status, text) = list("").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer = json_of(&text);
    assert_eq!(answer["total"], 15, "the one 60 m away is outside the 50 m radius");
    let shown: Vec<&str> = answer["reports"].as_array().unwrap().iter().map(|r| r["case_number"].as_str().unwrap()).collect();
    assert_eq!(shown, filed[..10].iter().map(String::as_str).collect::<Vec<_>>(), "the nearest ten, nearest first");
    let (_, text) = list("&limit=50").await;
    let all = json_of(&text);
    assert_eq!((all["reports"].as_array().unwrap().len(), &all["total"]), (15, &json!(15)));
    assert!(all["reports"].as_array().unwrap().iter().all(|r| r["distance_m"].as_f64().unwrap() <= 50.0));
    assert_eq!(json_of(&list("&limit=3").await.1)["reports"].as_array().unwrap().len(), 3);
    for bad in ["&limit=0", "&limit=51", "&limit=many"] {
        let (status, text) = list(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {text}");
        assert!(text.contains("limit"), "{text}");
    }

    // A submission's hints are bounded the same way.
    let body = json!({"category": "sanitation", "description": "又堆满了", "lon": p.x(), "lat": p.y()});
    let (status, text) = call(&app, "POST", "/api/reports", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let answer = json_of(&text);
    assert_eq!((answer["possible_duplicates"].as_array().unwrap().len(), &answer["possible_duplicates_total"]), (10, &json!(15)));
}
