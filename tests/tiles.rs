//! Vector tiles and TileJSON through the router, decoded with an independent MVT reader
//! (`mvt-reader`), checked against the source geometry.

mod common;

use common::backend::Backend;

use std::f64::consts::PI;
use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{BoundingRect, CoordsIter};
use http_body_util::BodyExt;
use mvt_reader::feature::Value;
use tower::ServiceExt;

on_both_backends!(
    #[tokio::test]
    empty_gzip_etag_and_bad_coordinates,
);

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn get(app: &axum::Router, uri: &str, headers: &[(header::HeaderName, &str)]) -> Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

/// Web Mercator, written out here independently of the encoder.
fn tile_units(z: u8, tx: u32, ty: u32, lon: f64, lat: f64) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let lat = lat.to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n;
    ((x - f64::from(tx)) * 4096.0, (y - f64::from(ty)) * 4096.0)
}

fn tile_of(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let (x, y) = tile_units(z, 0, 0, lon, lat);
    ((x / 4096.0) as u32, (y / 4096.0) as u32)
}

fn decode(body: &[u8]) -> Vec<(String, Vec<mvt_reader::feature::Feature<f64>>)> {
    let reader = mvt_reader::Reader::new(body.to_vec()).expect("a valid MVT");
    let names = reader.get_layer_names().unwrap();
    names.into_iter().enumerate().map(|(i, name)| (name, reader.get_features_as::<f64>(i).unwrap())).collect()
}

fn text(feature: &mvt_reader::feature::Feature<f64>, key: &str) -> Option<String> {
    match feature.properties.as_ref()?.get(key)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn building_tiles_hold_every_building_once_within_a_tile_unit_of_the_source() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let snapshot = catalog.snapshot();
    let first = common::inside(&snapshot.data.buildings[0].geometry);
    let z = 16;
    let (tx, ty) = tile_of(z, first.x(), first.y());
    let answer = get(&app, &format!("/tiles/buildings/{z}/{tx}/{ty}.mvt"), &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/vnd.mapbox-vector-tile");
    let layers = decode(&answer.body);
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].0, "buildings");
    let features = &layers[0].1;

    let mut checked = 0;
    for b in &snapshot.data.buildings {
        let rect = b.geometry.bounding_rect().unwrap();
        let (x0, y0) = tile_units(z, tx, ty, rect.min().x, rect.max().y);
        let (x1, y1) = tile_units(z, tx, ty, rect.max().x, rect.min().y);
        let wholly_inside = x0 >= 0.0 && y0 >= 0.0 && x1 <= 4096.0 && y1 <= 4096.0;
        let matching: Vec<_> = features.iter().filter(|f| text(f, "id").as_deref() == Some(b.id.as_str())).collect();
        if !wholly_inside {
            continue;
        }
        assert_eq!(matching.len(), 1, "building {} must be in the tile exactly once", b.id);
        let feature = matching[0];
        assert_eq!(text(feature, "label"), Some(b.label.clone()));
        assert_eq!(text(feature, "compound_id"), b.compound_id.clone());
        assert!(matches!(feature.properties.as_ref().unwrap()["has_elevator"], Value::Bool(e) if e == b.has_elevator));
        // Every decoded vertex is within one tile unit of some source vertex, and vice versa.
        let source: Vec<(f64, f64)> = b.geometry.coords_iter().map(|c| tile_units(z, tx, ty, c.x, c.y)).collect();
        let decoded: Vec<(f64, f64)> = feature.geometry.coords_iter().map(|c| (c.x, c.y)).collect();
        let near = |p: &(f64, f64), set: &[(f64, f64)]| set.iter().any(|q| (p.0 - q.0).abs() <= 1.0 && (p.1 - q.1).abs() <= 1.0);
        assert!(decoded.iter().all(|p| near(p, &source)), "{}: decoded {decoded:?} vs source {source:?}", b.id);
        assert!(source.iter().all(|p| near(p, &decoded)), "{}: source vertex lost", b.id);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} buildings wholly inside the tile");
}

#[tokio::test]
async fn composite_tiles_carry_each_layer_and_low_zooms_leave_small_layers_out() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let p = common::inside(&catalog.snapshot().data.buildings[0].geometry);
    let (tx, ty) = tile_of(15, p.x(), p.y());
    let answer = get(&app, &format!("/tiles/grids,compounds,buildings,stations/15/{tx}/{ty}.mvt"), &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let names: Vec<String> = decode(&answer.body).into_iter().map(|(name, _)| name).collect();
    assert!(
        names.contains(&"grids".to_owned()) && names.contains(&"compounds".to_owned()) && names.contains(&"buildings".to_owned()),
        "{names:?}"
    );

    let (tx, ty) = tile_of(12, p.x(), p.y());
    let answer = get(&app, &format!("/tiles/compounds,buildings/12/{tx}/{ty}.mvt"), &[]).await;
    let names: Vec<String> = decode(&answer.body).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, vec!["compounds".to_owned(), "compound_labels".to_owned()], "buildings start at z14");
}

#[tokio::test]
async fn each_compound_is_labelled_in_exactly_one_tile() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let snapshot = catalog.snapshot();
    let bounds = snapshot.bounds().unwrap();
    let z = 16;
    let (x0, y0) = tile_of(z, bounds[0], bounds[3]);
    let (x1, y1) = tile_of(z, bounds[2], bounds[1]);
    let mut labels: Vec<String> = Vec::new();
    for x in x0..=x1 {
        for y in y0..=y1 {
            let answer = get(&app, &format!("/tiles/compounds/{z}/{x}/{y}.mvt"), &[]).await;
            if answer.status == StatusCode::NO_CONTENT {
                continue;
            }
            for (layer, features) in decode(&answer.body) {
                if layer == "compound_labels" {
                    labels.extend(features.iter().filter_map(|f| text(f, "id")));
                }
            }
        }
    }
    labels.sort();
    let mut expected: Vec<String> = snapshot.data.compounds.iter().map(|c| c.id.clone()).collect();
    expected.sort();
    assert_eq!(labels, expected);
}

async fn empty_gzip_etag_and_bad_coordinates(backend: Backend) {
    let (catalog, _database) = common::backend::demo_catalog_on(backend).await;
    let app = minsheng::http::router(catalog.clone());
    // The tile at the antimeridian holds nothing.
    let empty = get(&app, "/tiles/buildings/15/0/0.mvt", &[]).await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.body.is_empty());

    let p = common::inside(&catalog.snapshot().data.buildings[0].geometry);
    let (tx, ty) = tile_of(16, p.x(), p.y());
    let uri = format!("/tiles/buildings/16/{tx}/{ty}.mvt");
    let plain = get(&app, &uri, &[]).await;
    let zipped = get(&app, &uri, &[(header::ACCEPT_ENCODING, "br, gzip;q=0.8")]).await;
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.body[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain.body);
    let refused = get(&app, &uri, &[(header::ACCEPT_ENCODING, "gzip;q=0")]).await;
    assert!(refused.headers.get(header::CONTENT_ENCODING).is_none());

    let etag = plain.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(etag, zipped.headers[header::ETAG].to_str().unwrap());
    assert!(plain.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"));
    let revalidated = get(&app, &uri, &[(header::IF_NONE_MATCH, etag.as_str())]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());

    // A write changes the data version, and with it the tile's ETag.
    let mut data = catalog.store().load().await.unwrap();
    data.buildings.truncate(1);
    data.buildings[0].label = "改名栋".into();
    let only_buildings = minsheng::model::Dataset { buildings: data.buildings, ..Default::default() };
    catalog.store().upsert(&only_buildings).await.unwrap();
    assert!(catalog.refresh_if_changed().await.unwrap());
    let changed = get(&app, &uri, &[(header::IF_NONE_MATCH, etag.as_str())]).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.headers[header::ETAG].to_str().unwrap(), etag);
    let renamed = decode(&changed.body)[0].1.iter().any(|f| text(f, "label").as_deref() == Some("改名栋"));
    assert!(renamed, "the new label is in the new tile");

    for (uri, status, needle) in [
        ("/tiles/buildings/23/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
        ("/tiles/buildings/3/8/0.mvt", StatusCode::BAD_REQUEST, "x"),
        ("/tiles/buildings/3/0/8.mvt", StatusCode::BAD_REQUEST, "y"),
        ("/tiles/buildings/3/a/0.mvt", StatusCode::BAD_REQUEST, "x"),
        ("/tiles/buildings/3/0/0.png", StatusCode::NOT_FOUND, ".mvt"),
        ("/tiles/castles/3/0/0.mvt", StatusCode::NOT_FOUND, "castles"),
        ("/tiles/contacts/3/0/0.mvt", StatusCode::BAD_REQUEST, "contacts"),
        ("/tiles/units/3/0/0.mvt", StatusCode::BAD_REQUEST, "units"),
        ("/tiles/buildings,buildings/3/0/0.mvt", StatusCode::BAD_REQUEST, "twice"),
    ] {
        let answer = get(&app, uri, &[]).await;
        assert_eq!(answer.status, status, "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{uri}: {message}");
    }
}

#[tokio::test]
async fn tilejson_describes_the_source() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let answer = get(&app, "/tiles/grids,buildings.json", &[(header::HOST, "map.example:8080")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(json["tilejson"], "3.0.0");
    assert_eq!(json["version"], "1.0.0", "TileJSON asks for a semver version");
    assert_eq!(json["tiles"][0], "http://map.example:8080/tiles/grids,buildings/{z}/{x}/{y}.mvt");
    let layers: Vec<&str> = json["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(layers, vec!["grids", "buildings"]);
    let with_compounds = get(&app, "/tiles/compounds.json", &[]).await;
    let with_compounds: serde_json::Value = serde_json::from_slice(&with_compounds.body).unwrap();
    assert_eq!(with_compounds["vector_layers"][1]["id"], "compound_labels");
    assert_eq!(json["vector_layers"][1]["fields"]["has_elevator"], "Boolean");
    let bounds: Vec<f64> = json["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for b in &catalog.snapshot().data.buildings {
        let r = b.geometry.bounding_rect().unwrap();
        assert!(r.min().x >= bounds[0] && r.min().y >= bounds[1] && r.max().x <= bounds[2] && r.max().y <= bounds[3]);
    }
    assert!(json["minzoom"].as_u64().unwrap() <= json["maxzoom"].as_u64().unwrap());
    assert_eq!(get(&app, "/tiles/castles.json", &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_server_without_tile_cache_serves_the_same_tiles() {
    let catalog = common::demo_catalog().await;
    let cached = minsheng::http::router(catalog.clone());
    let uncached = minsheng::http::router_with(catalog.clone(), minsheng::http::Settings { tile_cache_bytes: 0, ..Default::default() });
    let p = common::inside(&catalog.snapshot().data.buildings[0].geometry);
    let (tx, ty) = tile_of(15, p.x(), p.y());
    let uri = format!("/tiles/grids,compounds,buildings,stations/15/{tx}/{ty}.mvt");
    let (a, b) = (get(&cached, &uri, &[]).await, get(&uncached, &uri, &[]).await);
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, b.body);
    assert_eq!(a.headers[header::ETAG], b.headers[header::ETAG]);
}

/// The schemas `/openapi.json` gives, checked by `tests/tiles_schema.py`: one list of
/// complaints per `(schema, value)`.
fn schema_errors(document: &serde_json::Value, instances: &[(&str, serde_json::Value)]) -> Vec<Vec<String>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tiles_schema.py");
    let instances: Vec<serde_json::Value> =
        instances.iter().map(|(schema, value)| serde_json::json!({"schema": schema, "value": value})).collect();
    let input = serde_json::json!({ "document": document, "instances": instances });
    let output = common::run_python(script, "import jsonschema", "jsonschema (tests/requirements.txt)", &input);
    let output: serde_json::Value = serde_json::from_slice(&output).unwrap();
    serde_json::from_value(output["errors"].clone()).unwrap()
}

#[tokio::test]
async fn the_openapi_document_describes_the_tile_routes_and_their_answers_fit_its_schemas() {
    let catalog = common::demo_catalog().await;
    let app = minsheng::http::router(catalog.clone());
    let json = |answer: Answer| -> serde_json::Value {
        assert_eq!(answer.status, StatusCode::OK);
        serde_json::from_slice(&answer.body).unwrap()
    };
    let document = json(get(&app, "/openapi.json", &[]).await);
    let paths = &document["paths"];
    let tile = &paths["/tiles/{source}/{z}/{x}/{y}"]["get"];
    assert!(tile["responses"]["200"]["content"]["application/vnd.mapbox-vector-tile"].is_object(), "{tile}");
    for status in ["204", "304", "400", "404"] {
        assert!(tile["responses"][status].is_object(), "no {status} for tiles: {tile}");
    }
    assert_eq!(
        paths["/tiles/{source}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TileJson"
    );
    assert_eq!(
        paths["/style.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Style"
    );
    for path in ["/tiles/{source}/{z}/{x}/{y}", "/tiles/{source}", "/style.json"] {
        assert_eq!(paths[path]["get"]["tags"], serde_json::json!(["tiles"]), "{path}");
    }

    let map = json(get(&app, "/tiles/grids,compounds,buildings,stations.json", &[]).await);
    let reports = json(get(&app, "/tiles/reports.json?category=parking&status=open", &[]).await);
    assert_eq!(reports["tiles"][0].as_str().map(|t| t.ends_with(".mvt?category=parking&status=open")), Some(true), "{reports}");
    let style = json(get(&app, "/style.json", &[]).await);
    // Broken copies, so that the validator is seen to refuse what breaks the schemas.
    let mut long_center = map.clone();
    long_center["center"].as_array_mut().unwrap().push(1.into());
    let mut unknown_field_type = reports.clone();
    unknown_field_type["vector_layers"][0]["fields"]["count"] = "Integer".into();
    let mut unknown_layer_type = style.clone();
    unknown_layer_type["layers"][1]["type"] = "hexagon".into();
    let errors = schema_errors(
        &document,
        &[
            ("TileJson", map),
            ("TileJson", reports),
            ("Style", style),
            ("TileJson", long_center),
            ("TileJson", unknown_field_type),
            ("Style", unknown_layer_type),
        ],
    );
    for (i, name) in ["the map layers' TileJSON", "the reports' TileJSON", "the style"].iter().enumerate() {
        assert!(errors[i].is_empty(), "{name} breaks its schema: {:?}", errors[i]);
    }
    assert!(errors[3].iter().any(|e| e.starts_with("center")), "{:?}", errors[3]);
    assert!(errors[4].iter().any(|e| e.contains("Integer")), "{:?}", errors[4]);
    assert!(errors[5].iter().any(|e| e.contains("hexagon")), "{:?}", errors[5]);
}
