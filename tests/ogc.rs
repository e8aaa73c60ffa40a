//! OGC API – Features under `/ogc`, called in-process through the router.

mod common;

use common::backend::{Backend, TestDatabase};

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{BoundingRect, Geometry, Intersects, Rect};
use http_body_util::BodyExt;
use minsheng::index::Snapshot;
use minsheng::model::{Layer, Record};
use serde_json::Value;
use tower::ServiceExt;

on_both_backends!(
    #[tokio::test]
    landing_links_resolve_and_conformance_lists_core_and_geojson,
    #[tokio::test]
    collections_are_the_seven_layers_with_bboxes_holding_every_feature,
    #[tokio::test]
    next_links_walk_every_building_exactly_once,
    #[tokio::test]
    bbox_returns_exactly_the_features_that_meet_the_box,
    #[tokio::test]
    next_links_keep_the_bbox,
    #[tokio::test]
    items_by_id_round_trip_the_geometry,
    #[tokio::test]
    unknown_collections_and_features_are_404_json,
    #[tokio::test]
    bad_limit_and_bbox_get_a_400_that_names_them,
);

const COLLECTIONS: [&str; 8] = ["streets", "communities", "grids", "compounds", "buildings", "stations", "walkways", "candidate_sites"];

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn get(app: &axum::Router, uri: &str) -> Answer {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: body is not JSON: {bytes:?}"));
    Answer { status, content_type: content_type.unwrap_or_default(), body }
}

/// A 200 with the given media type, or a panic naming the URI.
async fn get_ok(app: &axum::Router, uri: &str, media_type: &str) -> Value {
    let answer = get(app, uri).await;
    assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.body);
    assert_eq!(answer.content_type, media_type, "{uri}");
    answer.body
}

/// The router over the demo on a backend; keep the database as long as the router.
async fn app(backend: Backend) -> (axum::Router, minsheng::services::Catalog, TestDatabase) {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    (minsheng::http::router(catalog.clone()), catalog, database)
}

fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"].as_array()?.iter().find(|l| l["rel"] == rel).map(|l| l["href"].as_str().unwrap())
}

/// Every geometry of a layer, by id.
fn geometries(snapshot: &Snapshot, layer: Layer) -> Vec<(String, Geometry)> {
    fn of<R: Record>(records: &[R]) -> Vec<(String, Geometry)> {
        records.iter().map(|r| (r.id().to_owned(), r.geometry().unwrap().clone())).collect()
    }
    let data = &snapshot.data;
    match layer {
        Layer::Streets => of(&data.streets),
        Layer::Communities => of(&data.communities),
        Layer::Grids => of(&data.grids),
        Layer::Compounds => of(&data.compounds),
        Layer::Buildings => of(&data.buildings),
        Layer::Stations => of(&data.stations),
        Layer::Walkways => of(&data.walkways),
        Layer::CandidateSites => of(&data.candidate_sites),
        Layer::Contacts | Layer::Units => unreachable!("{layer} have no geometry"),
    }
}

/// Follows `next` links from `first`, checking each page; returns the feature ids in order.
async fn walk(app: &axum::Router, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut at = Some(first.to_owned());
    let mut matched = None;
    while let Some(uri) = at {
        let page = get_ok(app, &uri, "application/geo+json").await;
        assert_eq!(page["type"], "FeatureCollection");
        let features = page["features"].as_array().unwrap();
        assert_eq!(page["numberReturned"], features.len(), "{uri}");
        assert_eq!(*matched.get_or_insert(page["numberMatched"].clone()), page["numberMatched"], "{uri}");
        assert!(link(&page, "self").is_some(), "{uri}");
        ids.extend(features.iter().map(|f| f["id"].as_str().unwrap().to_owned()));
        at = link(&page, "next").map(str::to_owned);
    }
    assert_eq!(matched.unwrap(), ids.len(), "numberMatched counts what the pages hold");
    ids
}

async fn landing_links_resolve_and_conformance_lists_core_and_geojson(backend: Backend) {
    let (app, _, _database) = app(backend).await;
    let landing = get_ok(&app, "/ogc", "application/json").await;
    assert!(landing["title"].is_string() && landing["description"].is_string());
    assert_eq!(get_ok(&app, "/ogc/", "application/json").await, landing);
    for rel in ["self", "conformance", "data"] {
        let href = link(&landing, rel).unwrap_or_else(|| panic!("no {rel} link in {landing}"));
        get_ok(&app, href, "application/json").await;
    }
    // Absolute, on the host the request named (here none: in-process requests get `localhost`).
    assert_eq!(link(&landing, "data"), Some("http://localhost/ogc/collections"));
    // The API definition and its documentation, as OWSLib's `api()` and Part 1 look for them.
    let described = |rel: &str| landing["links"].as_array().unwrap().iter().find(|l| l["rel"] == rel).cloned().unwrap();
    assert_eq!(described("service-desc")["href"], "http://localhost/openapi.json");
    assert_eq!(described("service-desc")["type"], "application/vnd.oai.openapi+json;version=3.1");
    assert_eq!(described("service-doc")["href"], "http://localhost/docs");
    assert_eq!(described("service-doc")["type"], "text/html");
    let document = get_ok(&app, "/openapi.json", "application/vnd.oai.openapi+json;version=3.1").await;
    for path in
        ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/{collection}/items", "/ogc/collections/{collection}/queryables"]
    {
        assert!(document["paths"][path]["get"].is_object(), "{path} is not in the OpenAPI document");
    }

    let conformance = get_ok(&app, link(&landing, "conformance").unwrap(), "application/json").await;
    let classes: Vec<&str> = conformance["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for class in [
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-1/1.0/conf/oas30",
        "ogcapi-features-3/1.0/conf/queryables",
        "ogcapi-features-3/1.0/conf/filter",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/basic-cql2",
    ] {
        let uri = format!("http://www.opengis.net/spec/{class}");
        assert!(classes.contains(&uri.as_str()), "{classes:?} lacks {uri}");
    }
}

async fn collections_are_the_seven_layers_with_bboxes_holding_every_feature(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    let list = get_ok(&app, "/ogc/collections", "application/json").await;
    assert_eq!(link(&list, "self"), Some("http://localhost/ogc/collections"));
    let collections = list["collections"].as_array().unwrap();
    let ids: Vec<&str> = collections.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [&COLLECTIONS[..], &["reports"]].concat());
    for collection in collections.iter().filter(|c| c["id"] != "reports") {
        let id = collection["id"].as_str().unwrap();
        let layer: Layer = id.parse().unwrap();
        assert!(collection["title"].as_str().unwrap().starts_with(layer.label_zh()), "{collection}");
        assert!(collection["description"].is_string());
        assert_eq!(collection["itemType"], "feature");
        assert_eq!(collection["storageCrs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        assert!(collection["extent"].get("temporal").is_none(), "{id} has no time");
        let spatial = &collection["extent"]["spatial"];
        assert_eq!(spatial["crs"], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        let bbox: Vec<f64> = serde_json::from_value(spatial["bbox"][0].clone()).unwrap();
        let [west, south, east, north] = bbox[..] else { panic!("{id}: bbox {bbox:?}") };

        // The extent is the union of the features' bounds: it holds each, and each side touches one.
        let bounds: Vec<Rect> = geometries(&snapshot, layer).iter().map(|(_, g)| g.bounding_rect().unwrap()).collect();
        assert!(!bounds.is_empty());
        for r in &bounds {
            assert!(west <= r.min().x && south <= r.min().y && r.max().x <= east && r.max().y <= north, "{id}: {r:?}");
        }
        assert!(bounds.iter().any(|r| r.min().x == west) && bounds.iter().any(|r| r.min().y == south));
        assert!(bounds.iter().any(|r| r.max().x == east) && bounds.iter().any(|r| r.max().y == north));

        // Its own document says the same, and its links resolve.
        let own_url = link(collection, "self").unwrap();
        assert_eq!(&get_ok(&app, own_url, "application/json").await, collection);
        let items = collection["links"].as_array().unwrap().iter().find(|l| l["rel"] == "items").unwrap();
        assert_eq!(items["type"], "application/geo+json");
        get_ok(&app, items["href"].as_str().unwrap(), "application/geo+json").await;
    }
}

async fn next_links_walk_every_building_exactly_once(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    let expected: Vec<String> = snapshot.data.buildings.iter().map(|b| b.id.clone()).collect();
    assert!(expected.len() > 37 * 3, "the walk spans several pages");
    assert_eq!(walk(&app, "/ogc/collections/buildings/items?limit=37").await, expected);

    // The default page is 10; the next link keeps the limit and the other parameters, and moves the offset.
    let page = get_ok(&app, "/ogc/collections/buildings/items?f=json", "application/geo+json").await;
    assert_eq!(page["features"].as_array().unwrap().len(), 10);
    assert_eq!(page["numberMatched"], expected.len());
    assert_eq!(link(&page, "next"), Some("http://localhost/ogc/collections/buildings/items?limit=10&offset=10&f=json"));
    assert_eq!(link(&page, "prev"), None, "the first page has no previous one");
    let second = get_ok(&app, link(&page, "next").unwrap(), "application/geo+json").await;
    assert_eq!(link(&second, "prev"), Some("http://localhost/ogc/collections/buildings/items?limit=10&offset=0&f=json"));
    // A limit above the 10,000 maximum is clamped, not refused.
    let all = get_ok(&app, "/ogc/collections/buildings/items?limit=1000000", "application/geo+json").await;
    assert_eq!(all["numberReturned"], expected.len().min(10_000));
    assert!(link(&all, "self").unwrap().contains("limit=10000"));
}

async fn bbox_returns_exactly_the_features_that_meet_the_box(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    let extent = geometries(&snapshot, Layer::Buildings)
        .iter()
        .map(|(_, g)| g.bounding_rect().unwrap())
        .reduce(|a, b| {
            Rect::new((a.min().x.min(b.min().x), a.min().y.min(b.min().y)), (a.max().x.max(b.max().x), a.max().y.max(b.max().y)))
        })
        .unwrap();
    let (w, s, dx, dy) = (extent.min().x, extent.min().y, extent.width(), extent.height());
    let building = snapshot.data.buildings[5].geometry.bounding_rect().unwrap();
    let mut boxes = vec![
        Rect::new((w + 0.25 * dx, s + 0.25 * dy), (w + 0.6 * dx, s + 0.55 * dy)),
        Rect::new((w + 0.4 * dx, s), (w + 0.42 * dx, s + dy)),
        Rect::new((w - 0.01, s - 0.01), (w + 0.1 * dx, s + 0.1 * dy)),
        // Exactly one building's bounds: neighbours that only touch it count as meeting it.
        building,
    ];
    // Boxes in a corner of a shape's bounding rectangle that the shape itself misses (the
    // L-shaped street, a rotated building): a filter on bounding rectangles alone would match.
    for layer in [Layer::Streets, Layer::Buildings] {
        let corner = geometries(&snapshot, layer).iter().find_map(|(_, g)| {
            let c = g.bounding_rect().unwrap().max();
            let tiny = Rect::new((c.x - 1e-6, c.y - 1e-6), (c.x, c.y));
            (!g.intersects(&tiny)).then_some(tiny)
        });
        boxes.push(corner.unwrap_or_else(|| panic!("the demo {layer} has a non-rectangular shape")));
    }
    let mut some = 0;
    for layer in COLLECTIONS {
        let layer: Layer = layer.parse().unwrap();
        let all = geometries(&snapshot, layer);
        for rect in &boxes {
            let expected: Vec<String> = all.iter().filter(|(_, g)| g.intersects(rect)).map(|(id, _)| id.clone()).collect();
            let bbox = format!("{},{},{},{}", rect.min().x, rect.min().y, rect.max().x, rect.max().y);
            let uri = format!("/ogc/collections/{layer}/items?bbox={bbox}&limit=7");
            let found = walk(&app, &uri).await;
            assert_eq!(found, expected, "{uri}");
            some += usize::from(!found.is_empty() && found.len() < all.len());
        }
    }
    assert!(some >= 10, "the boxes select proper subsets");
}

async fn next_links_keep_the_bbox(backend: Backend) {
    let (app, _, _database) = app(backend).await;
    let first = get_ok(&app, "/ogc/collections/stations/items?bbox=-180,-90,180,90&limit=2", "application/geo+json").await;
    assert_eq!(link(&first, "next"), Some("http://localhost/ogc/collections/stations/items?limit=2&offset=2&bbox=-180,-90,180,90"));
    // Six numbers (with heights) are accepted; the heights are ignored.
    let six = get_ok(&app, "/ogc/collections/stations/items?bbox=-180,-90,-100,180,90,100&limit=2", "application/geo+json").await;
    assert_eq!(six["features"], first["features"]);
}

async fn items_by_id_round_trip_the_geometry(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    for layer in COLLECTIONS {
        let layer: Layer = layer.parse().unwrap();
        let all = geometries(&snapshot, layer);
        let (id, geometry) = &all[all.len() / 2];
        let uri = format!("/ogc/collections/{layer}/items/{id}");
        let feature = get_ok(&app, &uri, "application/geo+json").await;
        assert_eq!(feature["type"], "Feature");
        assert_eq!(feature["id"], id.as_str());
        let parsed: geojson::Geometry = serde_json::from_value(feature["geometry"].clone()).unwrap();
        assert_eq!(&Geometry::try_from(&parsed.value).unwrap(), geometry, "{uri}");
        assert_eq!(link(&feature, "self"), Some(format!("http://localhost{uri}").as_str()));
        get_ok(&app, link(&feature, "collection").unwrap(), "application/json").await;

        // The same feature as /api/layers serves it, links aside.
        let mut plain = get_ok(&app, &format!("/api/layers/{layer}/{id}"), "application/json").await;
        plain["links"] = feature["links"].clone();
        assert_eq!(plain, feature);
    }
}

async fn unknown_collections_and_features_are_404_json(backend: Backend) {
    let (app, _, _database) = app(backend).await;
    for (uri, named) in [
        ("/ogc/collections/castles", "castles"),
        ("/ogc/collections/contacts", "contacts"),
        ("/ogc/collections/units", "units"),
        ("/ogc/collections/castles/items", "castles"),
        ("/ogc/collections/castles/items/X1", "castles"),
        ("/ogc/collections/buildings/items/NO-SUCH-ID", "NO-SUCH-ID"),
        ("/ogc/collections/stations/items/NO-SUCH-ID", "NO-SUCH-ID"),
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}: {}", answer.body);
        assert_eq!(answer.content_type, "application/json", "{uri}");
        assert_eq!(answer.body["error"]["code"], "not_found", "{uri}");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{uri}: {message:?} does not name {named}");
    }
}

async fn bad_limit_and_bbox_get_a_400_that_names_them(backend: Backend) {
    let (app, _, _database) = app(backend).await;
    let cases = HashMap::from([
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-3", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=104,30,103,31", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=104,30,1,105,31,z", "bbox"),
        ("bbox=104,95,105,96", "bbox"),
    ]);
    for (query, named) in cases {
        let uri = format!("/ogc/collections/buildings/items?{query}");
        let answer = get(&app, &uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}: {}", answer.body);
        assert_eq!(answer.content_type, "application/json", "{uri}");
        assert_eq!(answer.body["error"]["code"], "invalid_parameter", "{uri}");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{uri}: {message:?} does not name {named}");
    }
}

#[tokio::test]
async fn links_are_absolute_on_the_requested_host_and_a_malformed_host_is_refused() {
    // How links are made does not depend on the backend.
    let (app, _, _database) = app(Backend::Sqlite).await;
    let request = |host: &str| Request::get("/ogc/collections/stations").header(header::HOST, host).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request("Map.Example:8080")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(link(&body, "items"), Some("http://map.example:8080/ogc/collections/stations/items"));
    // No proxy is trusted here, so forwarding headers change nothing.
    let forwarded = Request::get("/ogc")
        .header(header::HOST, "map.example")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "host=evil.example;proto=https")
        .body(Body::empty())
        .unwrap();
    let body = app.clone().oneshot(forwarded).await.unwrap().into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(link(&body, "self"), Some("http://map.example/ogc"));
    // A Host that is no host[:port] would put anything into the links.
    let response = app.clone().oneshot(request("x\"><script>")).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// The answer's body and its `Content-Crs` header.
async fn get_in_crs(app: &axum::Router, uri: &str) -> (Value, String) {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let crs = response.headers().get("content-crs").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    (body, crs)
}

/// The same JSON up to the last bits of each number (the CRS84 input here has been through
/// JSON text and back, which may move a number by one unit in the last place).
fn assert_close(found: &Value, expected: &Value, crs: minsheng::crs::OutputCrs) {
    match (found, expected) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{crs}: {a} vs {b}");
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{crs}");
            a.iter().zip(b).for_each(|(x, y)| assert_close(x, y, crs));
        }
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{crs}");
            a.values().zip(b.values()).for_each(|(x, y)| assert_close(x, y, crs));
        }
        _ => assert_eq!(found, expected, "{crs}"),
    }
}

fn ids_of(page: &Value) -> Vec<&str> {
    page["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn crs_and_bbox_crs_transform_answers_and_boxes() {
    use minsheng::crs::OutputCrs;
    // Which systems there are and how they convert is tests/crs.rs's business (against PROJ);
    // this checks the wiring, which does not depend on the backend.
    let (app, _, _database) = app(Backend::Sqlite).await;
    let collection = get_ok(&app, "/ogc/collections/buildings", "application/json").await;
    let listed: Vec<&str> = collection["crs"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(listed, OutputCrs::ALL.map(|c| c.uri()));
    assert_eq!(collection["storageCrs"], OutputCrs::Crs84.uri());

    let (plain, crs) = get_in_crs(&app, "/ogc/collections/buildings/items?limit=50").await;
    assert_eq!(crs, format!("<{}>", OutputCrs::Crs84.uri()));
    for system in OutputCrs::ALL {
        let (page, crs) = get_in_crs(&app, &format!("/ogc/collections/buildings/items?limit=50&crs={}", system.uri())).await;
        assert_eq!(crs, format!("<{}>", system.uri()));
        assert_eq!(ids_of(&page), ids_of(&plain));
        for (mine, wgs84) in page["features"].as_array().unwrap().iter().zip(plain["features"].as_array().unwrap()) {
            let source: geojson::Geometry = serde_json::from_value(wgs84["geometry"].clone()).unwrap();
            assert_close(&mine["geometry"], &serde_json::to_value(system.geometry(&source)).unwrap(), system);
            assert_eq!(mine["properties"], wgs84["properties"]);
        }
        if system != OutputCrs::Crs84 {
            assert_ne!(page["features"][0]["geometry"], plain["features"][0]["geometry"], "{system} changes the numbers");
        }
    }
    // One item, and a safe CURIE.
    let id = plain["features"][3]["id"].as_str().unwrap();
    let (item, crs) = get_in_crs(&app, &format!("/ogc/collections/buildings/items/{id}?crs=[EPSG:3857]")).await;
    assert_eq!(crs, format!("<{}>", OutputCrs::Epsg3857.uri()));
    let source: geojson::Geometry = serde_json::from_value(plain["features"][3]["geometry"].clone()).unwrap();
    assert_close(&item["geometry"], &serde_json::to_value(OutputCrs::Epsg3857.geometry(&source)).unwrap(), OutputCrs::Epsg3857);

    // A box sent in another system selects what the same box in CRS84 selects.
    let (w, s, e, n) = (104.05, 30.815, 104.07, 30.83);
    let (wgs84, _) = get_in_crs(&app, &format!("/ogc/collections/buildings/items?limit=10000&bbox={w},{s},{e},{n}")).await;
    assert!(!ids_of(&wgs84).is_empty());
    let [x0, y0] = OutputCrs::Epsg3857.forward(w, s);
    let [x1, y1] = OutputCrs::Epsg3857.forward(e, n);
    let boxes = [
        (OutputCrs::Epsg3857.uri(), format!("{x0},{y0},{x1},{y1}")),
        (OutputCrs::Epsg4326.uri(), format!("{s},{w},{n},{e}")),
        ("[EPSG:4490]", format!("{s},{w},{n},{e}")),
    ];
    for (system, bbox) in boxes {
        let uri = format!("/ogc/collections/buildings/items?limit=10000&bbox-crs={system}&bbox={bbox}");
        let (page, _) = get_in_crs(&app, &uri).await;
        assert_eq!(ids_of(&page), ids_of(&wgs84), "{uri}");
    }

    for (query, named) in [
        ("crs=http://www.opengis.net/def/crs/EPSG/0/9999", "crs"),
        ("crs=EPSG:4326", "crs"),
        ("bbox-crs=[EPSG:2000]&bbox=1,2,3,4", "bbox-crs"),
        ("bbox-crs=[EPSG:3857]&bbox=1,2,3", "bbox"),
        ("filter-crs=[EPSG:3857]&filter=floors%3E1", "filter-crs"),
    ] {
        let answer = get(&app, &format!("/ogc/collections/buildings/items?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}: {}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{query}: {message:?} does not name {named}");
    }
    let answer = get(&app, &format!("/ogc/collections/buildings/items/{id}?crs=[EPSG:1]")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}
