//! OGC API – Features Part 3 under `/ogc`, called in-process: every CQL2 filter, in its text
//! and its JSON form, selects exactly what a brute-force Rust closure over all the store's
//! features selects; property filters, `sortby`, `properties`, `datetime` and queryables
//! likewise; and every mistake is a 400 naming what is wrong.

mod common;

use common::backend::{Backend, TestDatabase};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{BoundingRect, Geometry, Intersects, Polygon, Rect, polygon};
use http_body_util::BodyExt;
use minsheng::model::reports::{CaseState, Category, Report};
use minsheng::model::time::parse_iso8601;
use minsheng::model::{Building, Compound, CompoundKind, FacilityKind, Grid, GridLevel, Record, Station, StationLevel};
use minsheng::store::ReportFilter;
use serde_json::{Value, json};
use tower::ServiceExt;

on_both_backends!(
    #[tokio::test]
    cql2_text_and_json_select_what_brute_force_selects,
    #[tokio::test]
    property_filters_sortby_and_properties_agree_with_brute_force,
    #[tokio::test]
    reports_are_public_and_datetime_selects_by_filing_time,
    #[tokio::test]
    queryables_describe_every_property_of_every_feature,
);

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let response = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: body is not JSON: {bytes:?}"));
    (status, content_type, body)
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Every feature an items query selects (one page of up to 10,000), checking the page.
async fn features(app: &axum::Router, collection: &str, query: &str) -> Vec<Value> {
    let uri = format!("/ogc/collections/{collection}/items?limit=10000&{query}");
    let (status, content_type, body) = get(app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert_eq!(content_type, "application/geo+json", "{uri}");
    let features = body["features"].as_array().unwrap().clone();
    assert_eq!(body["numberMatched"], features.len(), "{uri}: one page holds all");
    features
}

async fn ids(app: &axum::Router, collection: &str, query: &str) -> Vec<String> {
    features(app, collection, query).await.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

/// A 400 whose message names `named`.
async fn refused(app: &axum::Router, uri: &str, named: &str) {
    let (status, _, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(named), "{uri}: {message:?} does not name {named}");
}

async fn app(backend: Backend) -> (axum::Router, minsheng::services::Catalog, TestDatabase) {
    let (catalog, database) = common::backend::demo_catalog_on(backend).await;
    (minsheng::http::router(catalog.clone()), catalog, database)
}

/// The union of the bounds of some geometries.
fn extent<'a>(geometries: impl Iterator<Item = &'a Geometry>) -> Rect {
    geometries
        .map(|g| g.bounding_rect().unwrap())
        .reduce(|a, b| {
            Rect::new((a.min().x.min(b.min().x), a.min().y.min(b.min().y)), (a.max().x.max(b.max().x), a.max().y.max(b.max().y)))
        })
        .unwrap()
}

/// One filter in both encodings, and what it must select.
struct Case<'a, R> {
    text: String,
    json: Value,
    keep: Box<dyn Fn(&R) -> bool + 'a>,
}

fn case<'a, R>(text: impl Into<String>, json: Value, keep: impl Fn(&R) -> bool + 'a) -> Case<'a, R> {
    Case { text: text.into(), json, keep: Box::new(keep) }
}

/// Checks each case on a collection in both encodings; returns how many selected a proper,
/// non-empty subset (so that a filter ignored or matching nothing would be noticed).
async fn check<R: Record>(app: &axum::Router, collection: &str, records: &[R], cases: Vec<Case<'_, R>>) -> usize {
    let mut proper = 0;
    for case in cases {
        let expected: Vec<String> = records.iter().filter(|r| (case.keep)(r)).map(|r| r.id().to_owned()).collect();
        let text = ids(app, collection, &format!("filter={}", encode(&case.text))).await;
        assert_eq!(text, expected, "{collection}: {}", case.text);
        let json = ids(app, collection, &format!("filter-lang=cql2-json&filter={}", encode(&case.json.to_string()))).await;
        assert_eq!(json, expected, "{collection}: {}", case.json);
        proper += usize::from(!expected.is_empty() && expected.len() < records.len());
    }
    proper
}

fn p(name: &str) -> Value {
    json!({ "property": name })
}

async fn cql2_text_and_json_select_what_brute_force_selects(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;
    let mut proper = 0;

    let stations = vec![
        case("kind = 'clinic'", json!({"op": "=", "args": [p("kind"), "clinic"]}), |s: &Station| s.kind == FacilityKind::Clinic),
        case(
            "level <> 'compound' AND NOT kind IN ('canteen', 'library')",
            json!({"op": "and", "args": [{"op": "<>", "args": [p("level"), "compound"]},
                                         {"op": "not", "args": [{"op": "in", "args": [p("kind"), ["canteen", "library"]]}]}]}),
            |s: &Station| s.level != StationLevel::Compound && !matches!(s.kind, FacilityKind::Canteen | FacilityKind::Library),
        ),
    ];
    proper += check(&app, "stations", &data.stations, stations).await;

    let buildings = extent(data.buildings.iter().map(|b| &b.geometry));
    let (w, s, dx, dy) = (buildings.min().x, buildings.min().y, buildings.width(), buildings.height());
    let [bw, bs, be, bn] = [w + 0.3 * dx, s + 0.3 * dy, w + 0.6 * dx, s + 0.65 * dy];
    let middle = Rect::new((bw, bs), (be, bn));
    let cases = vec![
        case(
            "floors BETWEEN 4 AND 7 OR (has_elevator = true AND households >= 60)",
            json!({"op": "or", "args": [{"op": "between", "args": [p("floors"), 4, 7]},
                {"op": "and", "args": [{"op": "=", "args": [p("has_elevator"), true]}, {"op": ">=", "args": [p("households"), 60]}]}]}),
            |b: &Building| (4..=7).contains(&b.floors) || (b.has_elevator && b.households >= 60),
        ),
        case(
            format!("S_INTERSECTS(geometry, BBOX({bw}, {bs}, {be}, {bn}))"),
            json!({"op": "s_intersects", "args": [p("geometry"), {"bbox": [bw, bs, be, bn]}]}),
            |b: &Building| b.geometry.intersects(&middle),
        ),
        // With an AND the R-tree narrows the candidates first; the answer must not change.
        case(
            format!("floors < 7 AND S_INTERSECTS(geometry, BBOX({bw}, {bs}, {be}, {bn})) AND compound_id IS NOT NULL"),
            json!({"op": "and", "args": [{"op": "<", "args": [p("floors"), 7]},
                {"op": "s_intersects", "args": [p("geometry"), {"bbox": [bw, bs, be, bn]}]},
                {"op": "not", "args": [{"op": "isNull", "args": [p("compound_id")]}]}]}),
            |b: &Building| b.floors < 7 && b.geometry.intersects(&middle) && b.compound_id.is_some(),
        ),
    ];
    proper += check(&app, "buildings", &data.buildings, cases).await;

    let grids = extent(data.grids.iter().map(|g| &g.geometry));
    let (gw, gs, ge, gn) = (grids.min().x, grids.min().y, grids.max().x, grids.max().y);
    let triangle: Polygon = polygon![(x: gw, y: gs), (x: ge, y: gs), (x: gw, y: gn), (x: gw, y: gs)];
    let some_grid = data.grids[data.grids.len() / 2].id.clone();
    let cases = vec![
        case(
            format!("S_INTERSECTS(geometry, POLYGON(({gw} {gs}, {ge} {gs}, {gw} {gn}, {gw} {gs}))) AND level = 'grid'"),
            json!({"op": "and", "args": [
                {"op": "s_intersects", "args": [p("geometry"), {"type": "Polygon", "coordinates": [[[gw, gs], [ge, gs], [gw, gn], [gw, gs]]]}]},
                {"op": "=", "args": [p("level"), "grid"]}]}),
            |g: &Grid| g.geometry.intersects(&triangle) && g.level == GridLevel::Grid,
        ),
        case(
            "name LIKE '%微网格' AND households > 60",
            json!({"op": "and", "args": [{"op": "like", "args": [p("name"), "%微网格"]}, {"op": ">", "args": [p("households"), 60]}]}),
            |g: &Grid| g.name.ends_with("微网格") && g.households > 60,
        ),
        case(
            format!("parent_id IS NULL OR id = '{some_grid}'"),
            json!({"op": "or", "args": [{"op": "isNull", "args": [p("parent_id")]}, {"op": "=", "args": [p("id"), some_grid]}]}),
            |g: &Grid| g.parent_id.is_none() || g.id == some_grid,
        ),
    ];
    proper += check(&app, "grids", &data.grids, cases).await;

    let cases = vec![
        case(
            "kind IN ('old', 'resettlement') AND property_company IS NULL",
            json!({"op": "and", "args": [{"op": "in", "args": [p("kind"), ["old", "resettlement"]]},
                                         {"op": "isNull", "args": [p("property_company")]}]}),
            |c: &Compound| matches!(c.kind, CompoundKind::Old | CompoundKind::Resettlement) && c.property_company.is_none(),
        ),
        // A comparison with a null value is unknown, so no match either way round.
        case(
            "property_company <> 'X' AND households NOT BETWEEN 100 AND 400",
            json!({"op": "and", "args": [{"op": "<>", "args": [p("property_company"), "X"]},
                {"op": "not", "args": [{"op": "between", "args": [p("households"), 100, 400]}]}]}),
            |c: &Compound| c.property_company.as_ref().is_some_and(|p| p != "X") && !(100..=400).contains(&c.households),
        ),
    ];
    proper += check(&app, "compounds", &data.compounds, cases).await;
    assert!(proper >= 8, "only {proper} filters selected a proper subset: the demo does not exercise them");

    // Mistakes are refused, naming what is wrong.
    let items = "/ogc/collections/stations/items";
    refused(&app, &format!("{items}?filter={}", encode("colour = 'red'")), "colour").await;
    refused(&app, &format!("{items}?filter-lang=cql2-json&filter={}", encode(r#"{"op":"=","args":[{"property":"size"},1]}"#)), "size")
        .await;
    refused(&app, &format!("{items}?filter={}", encode("kind = ")), "filter").await;
    refused(&app, &format!("{items}?filter={}", encode("S_WITHIN(geometry, BBOX(1, 2, 3, 4))")), "s_within").await;
    refused(&app, &format!("{items}?filter-lang=cql2-json&filter={}", encode("kind = 'clinic'")), "filter").await;
    refused(&app, &format!("{items}?filter-lang=ecql&filter=x"), "filter-lang").await;
    refused(&app, &format!("{items}?filter-crs=EPSG:3857&filter={}", encode("kind = 'clinic'")), "filter-crs").await;
}

async fn property_filters_sortby_and_properties_agree_with_brute_force(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let snapshot = catalog.snapshot();
    let data = &snapshot.data;

    let expected: Vec<&str> = data
        .stations
        .iter()
        .filter(|s| s.kind == FacilityKind::CommunityCentre && s.level == StationLevel::Community)
        .map(|s| s.id.as_str())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&app, "stations", "kind=community_centre&level=community").await, expected);
    let expected: Vec<&str> = data.buildings.iter().filter(|b| !b.has_elevator && b.floors == 6).map(|b| b.id.as_str()).collect();
    assert!(!expected.is_empty() && expected.len() < data.buildings.len());
    assert_eq!(ids(&app, "buildings", "has_elevator=false&floors=6").await, expected);
    // Property filters, the bbox and a filter all hold at once.
    let first = &data.compounds[0];
    let with_bbox = ids(&app, "buildings", &format!("compound_id={}&filter={}&bbox=-180,-90,180,90", first.id, encode("floors > 3"))).await;
    let expected: Vec<&str> =
        data.buildings.iter().filter(|b| b.compound_id.as_deref() == Some(&first.id) && b.floors > 3).map(|b| b.id.as_str()).collect();
    assert_eq!(with_bbox, expected);

    // sortby: floors descending, then id ascending; `+` sent encoded and bare (a space).
    let mut sorted: Vec<&Building> = data.buildings.iter().collect();
    sorted.sort_by(|a, b| b.floors.cmp(&a.floors).then(a.id.cmp(&b.id)));
    let expected: Vec<&str> = sorted.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids(&app, "buildings", "sortby=-floors,%2Bid").await, expected);
    assert_eq!(ids(&app, "buildings", "sortby=-floors,+id").await, expected);
    // Paging a sorted answer walks the same order.
    let (_, _, page) = get(&app, "/ogc/collections/buildings/items?sortby=-floors,id&limit=5&offset=5").await;
    let page_ids: Vec<&str> = page["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(page_ids, expected[5..10]);
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").unwrap()["href"].as_str().unwrap();
    assert!(next.contains("sortby=-floors,id") && next.contains("offset=10"), "{next}");
    // Nulls last: walkways by name.
    let names: Vec<Value> = features(&app, "walkways", "sortby=name").await.iter().map(|f| f["properties"]["name"].clone()).collect();
    let first_null = names.iter().position(Value::is_null).unwrap_or(names.len());
    assert!(names[first_null..].iter().all(Value::is_null) && first_null > 0, "named walkways first, in order");
    assert!(names[..first_null].windows(2).all(|w| w[0].as_str() <= w[1].as_str()));

    // properties: only those asked for; the geometry always.
    for feature in features(&app, "buildings", "properties=label,floors").await {
        let keys: Vec<&str> = feature["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 2, "{feature}");
        assert!(keys.contains(&"label") && keys.contains(&"floors"));
        assert!(feature["geometry"].is_object());
    }

    let items = "/ogc/collections/stations/items";
    refused(&app, &format!("{items}?colour=red"), "colour").await;
    refused(&app, &format!("{items}?kind=castle"), "castle").await;
    refused(&app, "/ogc/collections/buildings/items?floors=many", "floors").await;
    refused(&app, &format!("{items}?sortby=colour"), "colour").await;
    refused(&app, &format!("{items}?properties=name,colour"), "colour").await;
    refused(&app, &format!("{items}?f=html"), "f").await;
    refused(&app, &format!("{items}?crs=EPSG:3857"), "crs").await;
    refused(&app, "/ogc?lang=zh", "lang").await;
    refused(&app, "/ogc/collections?f=xml", "f").await;
    let (status, _, _) = get(&app, "/ogc/collections?f=json").await;
    assert_eq!(status, StatusCode::OK);
}

/// Every report of the store, oldest first.
async fn all_reports(catalog: &minsheng::services::Catalog) -> Vec<Report> {
    catalog.store().reports(&ReportFilter { oldest_first: true, ..ReportFilter::default() }).await.unwrap()
}

async fn reports_are_public_and_datetime_selects_by_filing_time(backend: Backend) {
    let (app, catalog, _database) = app(backend).await;
    let reports = all_reports(&catalog).await;
    assert!(reports.len() > 100);
    assert!(reports.iter().any(|r| r.reporter_name.is_some() || r.reporter_phone.is_some()), "the demo has private data to hide");

    let all = features(&app, "reports", "").await;
    let numbers: Vec<&str> = reports.iter().map(|r| r.case_number.as_str()).collect();
    assert_eq!(all.iter().map(|f| f["id"].as_str().unwrap()).collect::<Vec<_>>(), numbers);
    for (feature, report) in all.iter().zip(&reports) {
        let properties = feature["properties"].as_object().unwrap();
        for private in ["reporter_name", "reporter_phone", "external_id", "micro_grid_id", "version", "point"] {
            assert!(!properties.contains_key(private), "{private} in {feature}");
        }
        // As whole values: a reporter's name may be part of a responder's ("楼栋长 叶艳宇").
        for secret in [&report.reporter_name, &report.reporter_phone, &report.external_id].into_iter().flatten() {
            assert!(properties.values().all(|v| v.as_str() != Some(secret.as_str())), "{secret} in {feature}");
        }
        // Disputes and hazards show their point only to 50 m (services::reports::blur).
        let point = minsheng::services::reports::blur::public_point(report.category, report.lon, report.lat);
        assert_eq!(feature["geometry"], json!({"type": "Point", "coordinates": point}));
        assert_eq!(parse_iso8601(properties["created_at"].as_str().unwrap()), Ok(report.created_at));
    }

    // datetime: instants, closed and open intervals, a whole day; ends included.
    let times: Vec<i64> = reports.iter().map(|r| r.created_at).collect();
    let (a, b) = (times[times.len() / 4], times[times.len() * 3 / 4]);
    let iso = |t: i64| minsheng::model::time::to_iso8601(t);
    let day_start = parse_iso8601(&iso(a)[..10]).unwrap();
    type Keep = Box<dyn Fn(i64) -> bool>;
    let cases: Vec<(String, Keep)> = vec![
        (iso(a), Box::new(move |t| t == a)),
        (format!("{}/{}", iso(a), iso(b)), Box::new(move |t| a <= t && t <= b)),
        (format!("../{}", iso(b)), Box::new(move |t| t <= b)),
        (format!("{}/..", iso(a)), Box::new(move |t| t >= a)),
        (iso(a)[..10].to_owned(), Box::new(move |t| day_start <= t && t < day_start + 86_400)),
    ];
    for (datetime, keep) in cases {
        let expected: Vec<&str> = reports.iter().filter(|r| keep(r.created_at)).map(|r| r.case_number.as_str()).collect();
        assert!(!expected.is_empty(), "{datetime}");
        assert_eq!(ids(&app, "reports", &format!("datetime={}", encode(&datetime))).await, expected, "{datetime}");
        // Paged without a filter, the store cuts the page: the same cases, the same count.
        let (_, _, page) = get(&app, &format!("/ogc/collections/reports/items?limit=3&offset=1&datetime={}", encode(&datetime))).await;
        assert_eq!(page["numberMatched"], expected.len(), "{datetime}");
        let page_ids: Vec<&str> = page["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert_eq!(page_ids, expected.iter().skip(1).take(3).copied().collect::<Vec<_>>());
    }

    // CQL2 and property filters on reports, with datetime and a bbox.
    let lon_mid = reports.iter().map(|r| r.lon).sum::<f64>() / reports.len() as f64;
    let keep = |r: &&Report| {
        r.category == Category::Parking
            && matches!(r.state, CaseState::Dispatched | CaseState::Closed)
            && r.lon <= lon_mid
            && a <= r.created_at
            && (r.supporters > 0 || r.photo_url.is_none())
    };
    let expected: Vec<&str> = reports.iter().filter(keep).map(|r| r.case_number.as_str()).collect();
    assert!(!expected.is_empty());
    let query = format!(
        "category=parking&datetime={}/..&bbox=-180,-90,{lon_mid},90&filter={}",
        encode(&iso(a)),
        encode("state IN ('dispatched', 'closed') AND (supporters > 0 OR photo_url IS NULL)")
    );
    assert_eq!(ids(&app, "reports", &query).await, expected);
    let one = &reports[7];
    let (status, _, item) = get(&app, &format!("/ogc/collections/reports/items/{}", one.case_number)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(item["properties"], all[7]["properties"]);
    let (status, _, _) = get(&app, "/ogc/collections/reports/items/NO-SUCH-CASE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The collection states its time span; other collections take a datetime and have none to select by.
    let (_, _, collection) = get(&app, "/ogc/collections/reports").await;
    let interval = &collection["extent"]["temporal"]["interval"][0];
    assert_eq!(interval, &json!([iso(times[0]), iso(*times.iter().max().unwrap())]));
    let stations = catalog.snapshot().data.stations.len();
    assert_eq!(ids(&app, "stations", &format!("datetime={}", encode(&iso(a)))).await.len(), stations);
    for bad in ["yesterday", "2026-13-01", "2026-11-02/2026-11-01", "2026-11-01/soon"] {
        refused(&app, &format!("/ogc/collections/reports/items?datetime={}", encode(bad)), "datetime").await;
        refused(&app, &format!("/ogc/collections/stations/items?datetime={}", encode(bad)), "datetime").await;
    }
}

/// Whether a JSON value has the type a queryable's schema states.
fn admits(schema: &Value, value: &Value) -> bool {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        _ => return false,
    };
    let typed = match value {
        Value::Null => types.contains(&"null"),
        Value::String(_) => types.contains(&"string"),
        Value::Bool(_) => types.contains(&"boolean"),
        Value::Number(n) => (types.contains(&"integer") && n.is_u64()) || types.contains(&"number"),
        _ => false,
    };
    let listed = schema["enum"].as_array().is_none_or(|words| value.is_null() || words.contains(value));
    typed && listed
}

async fn queryables_describe_every_property_of_every_feature(backend: Backend) {
    let (app, _, _database) = app(backend).await;
    let (_, _, list) = get(&app, "/ogc/collections").await;
    for collection in list["collections"].as_array().unwrap() {
        let id = collection["id"].as_str().unwrap();
        let link = collection["links"].as_array().unwrap().iter().find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables");
        let href = link.unwrap_or_else(|| panic!("{id} links no queryables"))["href"].as_str().unwrap();
        let (status, content_type, schema) = get(&app, href).await;
        assert_eq!(status, StatusCode::OK, "{href}");
        assert_eq!(content_type, "application/schema+json");
        assert_eq!(schema["$id"], href);
        assert_eq!(schema["type"], "object");
        let properties = schema["properties"].as_object().unwrap();
        assert!(properties["geometry"]["format"].as_str().unwrap().starts_with("geometry-"), "{id}");
        let features = features(&app, id, "").await;
        assert!(!features.is_empty());
        for feature in &features {
            let values = feature["properties"].as_object().unwrap();
            for (name, value) in values {
                let described = properties.get(name).unwrap_or_else(|| panic!("{id}: {name} is no queryable"));
                assert!(admits(described, value), "{id}: {name} = {value} does not fit {described}");
            }
            for name in properties.keys().filter(|n| !matches!(n.as_str(), "id" | "geometry")) {
                assert!(values.contains_key(name), "{id}: queryable {name} is missing from {feature}");
            }
        }
    }
    let (status, _, _) = get(&app, "/ogc/collections/castles/queryables").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
