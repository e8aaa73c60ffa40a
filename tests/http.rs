//! The HTTP API, called in-process through the router.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use minsheng::crs;
use minsheng::model::Layer;
use serde_json::Value;
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: body is not JSON: {bytes:?}"));
    (status, body)
}

async fn app() -> (axum::Router, minsheng::services::Catalog) {
    let catalog = common::demo_catalog().await;
    (minsheng::http::router(catalog.clone()), catalog)
}

fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()
}

#[tokio::test]
async fn locate_answers_with_building_chain_board_and_stations() {
    let (app, catalog) = app().await;
    let snapshot = catalog.snapshot();
    let b = &snapshot.data.buildings[3];
    let p = common::inside(&b.geometry);
    let (status, body) = get(&app, &format!("/api/locate?lon={}&lat={}", p.x(), p.y())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["building"]["id"], b.id.as_str());
    assert_eq!(body["compound"]["id"], b.compound_id.as_deref().unwrap());
    assert_eq!(body["grid_chain"]["micro_grid"]["id"], b.grid_id.as_str());
    assert!(body["grid_chain"]["street"]["name"].as_str().unwrap().ends_with("街道"));
    assert!(body["contacts"].as_array().unwrap().len() >= 5);
    assert!(body["contacts"][0]["phone"].is_string());
    assert_eq!(body["stations"].as_array().unwrap().len(), 3);
    assert_eq!(body["inside_grid"], true);

    let (glon, glat) = crs::wgs84_to_gcj02(p.x(), p.y());
    let (status, body) = get(&app, &format!("/api/locate?lon={glon}&lat={glat}&crs=gcj02")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["building"]["id"], b.id.as_str());
    assert_eq!(body["crs"], "gcj02");
}

#[tokio::test]
async fn bad_parameters_get_a_400_that_names_them() {
    let (app, _) = app().await;
    for (uri, named) in [
        ("/api/locate?lat=30.8", "lon"),
        ("/api/locate?lon=abc&lat=30.8", "lon"),
        ("/api/locate?lon=104&lat=95", "lat"),
        ("/api/locate?lon=104&lat=30.8&crs=mars", "crs"),
        ("/api/locate?lon=104&lon=105&lat=30.8", "lon"),
        ("/api/search", "q"),
        ("/api/search?q=%20", "q"),
        ("/api/search?q=a&limit=0", "limit"),
        ("/api/layers/buildings?bbox=1,2,3", "bbox"),
        ("/api/layers/buildings?limit=100000", "limit"),
        ("/api/layers/buildings?offset=-1", "offset"),
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{uri}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{uri}: {message:?} does not name {named}");
    }
    let (status, body) = get(&app, "/api/layers/castles").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains("castles"));
    let (status, _) = get(&app, "/api/layers/buildings/NO-SUCH-ID").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get(&app, "/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn search_ignores_script_and_spaces_and_ranks_exact_first() {
    let (app, _) = app().await;
    for query in ["杨柳苑", "楊柳苑", " 杨 柳苑 ", "楊柳 苑"] {
        let (status, body) = get(&app, &format!("/api/search?{}", encode(query))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let first = &body["results"][0];
        assert_eq!(first["name"], "杨柳苑", "query {query:?}: {body}");
        assert_eq!(first["layer"], "compounds");
        assert_eq!(first["match"], "exact");
        // Its buildings follow as prefix matches.
        let second = &body["results"][1];
        assert_eq!(second["layer"], "buildings", "{body}");
        assert_eq!(second["match"], "prefix");
    }
    let (_, body) = get(&app, &format!("/api/search?{}&limit=2", encode("杨柳苑"))).await;
    assert_eq!(body["results"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn layers_are_geojson_filtered_by_bbox_and_paged() {
    let (app, catalog) = app().await;
    let snapshot = catalog.snapshot();
    let (status, all) = get(&app, "/api/layers/buildings?limit=10000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["type"], "FeatureCollection");
    assert_eq!(all["numberMatched"], snapshot.data.buildings.len());
    let b = &snapshot.data.buildings[0];
    let first = &all["features"][0];
    assert_eq!(first["id"], b.id.as_str());
    assert_eq!(first["properties"]["grid_id"], b.grid_id.as_str());
    let geometry: geojson::Geometry = serde_json::from_value(first["geometry"].clone()).unwrap();
    assert_eq!(geo::Geometry::try_from(&geometry.value).unwrap(), b.geometry);

    // A small box around one building returns it (and only what touches the box).
    let p = common::inside(&b.geometry);
    let bbox = format!("{},{},{},{}", p.x() - 1e-5, p.y() - 1e-5, p.x() + 1e-5, p.y() + 1e-5);
    let (status, some) = get(&app, &format!("/api/layers/buildings?bbox={bbox}")).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = some["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![b.id.as_str()]);

    // Paging walks every feature exactly once.
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let (_, page) = get(&app, &format!("/api/layers/buildings?limit=37&offset={at}")).await;
        seen.extend(page["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()));
        offset = page["nextOffset"].as_u64().map(|n| n as usize);
    }
    let expected: Vec<String> = snapshot.data.buildings.iter().map(|b| b.id.clone()).collect();
    assert_eq!(seen, expected);

    let (status, one) = get(&app, &format!("/api/layers/buildings/{}", b.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], b.id.as_str());
    let (_, layers) = get(&app, "/api/layers").await;
    assert_eq!(layers["layers"].as_array().unwrap().len(), Layer::ALL.len());
}

/// Units have no geometry: served like contacts, with the areas they serve as id lists.
#[tokio::test]
async fn units_are_a_layer_without_geometry() {
    let (app, catalog) = app().await;
    let snapshot = catalog.snapshot();
    assert!(!snapshot.data.units.is_empty());
    let (status, all) = get(&app, "/api/layers/units?limit=10000").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["numberMatched"], snapshot.data.units.len());
    let unit = &snapshot.data.units[0];
    let first = &all["features"][0];
    assert_eq!((first["id"].as_str(), first["geometry"].is_null()), (Some(unit.id.as_str()), true));
    assert_eq!(first["properties"]["kind"], unit.kind.as_str());
    assert_eq!(first["properties"]["street_ids"], serde_json::json!(unit.street_ids));
    let (status, one) = get(&app, &format!("/api/layers/units/{}", unit.id)).await;
    assert_eq!((status, one["properties"]["name"].as_str()), (StatusCode::OK, Some(unit.name.as_str())));
    let (status, body) = get(&app, "/api/layers/units?bbox=104,30,105,31").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("units have no geometry"), "{body}");
    let (_, layers) = get(&app, "/api/layers").await;
    let listed = layers["layers"].as_array().unwrap().iter().find(|l| l["id"] == "units").unwrap().clone();
    assert_eq!((listed["title"].as_str(), listed["count"].as_u64()), (Some("处置单位"), Some(snapshot.data.units.len() as u64)));
}

#[tokio::test]
async fn health_reports_counts() {
    let (app, catalog) = app().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["counts"]["buildings"], catalog.snapshot().data.buildings.len());
    assert_eq!(body["counts"]["units"], catalog.snapshot().data.units.len());
}
