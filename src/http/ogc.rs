//! OGC API – Features – Part 1 (Core, GeoJSON) under `/ogc`: every layer with geometry is a
//! collection, and items come from the same query path as `/api/layers`.
//!
//! Links are absolute: GDAL before 3.9.2 and QGIS resolve relative ones wrongly (a doubled
//! `/ogc/ogc/`). Their base is the request's [`Origin`] (`--public-url`, a trusted proxy's
//! headers, or the `Host`). A `limit` above 10,000 is clamped to it, as the standard asks
//! (17-069r4, permission 6); `limit=0` or a non-integer is a 400. `f` and other parameters
//! the standard leaves optional (`datetime`: the data has no time) are ignored.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::error::ApiError;
use super::origin::Origin;
use super::params::Params;
use crate::index::Snapshot;
use crate::model::Layer;
use crate::services::Catalog;
use crate::services::features::{self, Bbox};

const ROOT: &str = "/ogc";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
/// The page size when the request names none, as the standard's example definition has it.
const DEFAULT_LIMIT: usize = 10;
const CONFORMS_TO: [&str; 2] =
    ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"];

/// The OGC API routes, to merge into the main router.
pub fn router() -> utoipa_axum::router::OpenApiRouter<super::AppState> {
    Router::new()
        .route("/ogc", get(landing))
        // Clients such as OWSLib ask for the landing page with a trailing slash.
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{collection}", get(collection))
        .route("/ogc/collections/{collection}/items", get(items))
        .route("/ogc/collections/{collection}/items/{feature}", get(item))
        .into()
}

/// `GET /ogc`: what the API is and where its parts are.
async fn landing(origin: Origin) -> Response {
    let root = origin.url(ROOT);
    respond(
        JSON,
        json!({
            "title": "Minsheng 民生 — OGC API – Features",
            "description": "Streets, communities, grids, compounds, buildings and service stations of the \
                            residential-governance map, as OGC API – Features collections (WGS84 lon/lat).",
            "links": [
                link(root.clone(), "self", JSON, "this document"),
                link(format!("{root}/conformance"), "conformance", JSON, "conformance classes implemented"),
                link(format!("{root}/collections"), "data", JSON, "the feature collections"),
            ],
        }),
    )
}

/// `GET /ogc/conformance`
async fn conformance() -> Response {
    respond(JSON, json!({ "conformsTo": CONFORMS_TO }))
}

/// `GET /ogc/collections`: one collection per layer with geometry.
async fn collections(State(catalog): State<Catalog>, origin: Origin) -> Response {
    let snapshot = catalog.snapshot();
    let collections: Vec<Value> = Layer::ALL.iter().filter(|l| l.has_geometry()).map(|&l| describe(&snapshot, &origin, l)).collect();
    respond(
        JSON,
        json!({
            "links": [link(origin.url(&format!("{ROOT}/collections")), "self", JSON, "the feature collections")],
            "collections": collections,
        }),
    )
}

/// `GET /ogc/collections/{collection}`
async fn collection(State(catalog): State<Catalog>, origin: Origin, Path(collection): Path<String>) -> Result<Response, ApiError> {
    let layer = parse_collection(&collection)?;
    Ok(respond(JSON, describe(&catalog.snapshot(), &origin, layer)))
}

/// `GET /ogc/collections/{collection}/items?bbox=&limit=10&offset=0`: one page of features
/// with a `next` link while more remain and a `prev` link after the first.
async fn items(
    State(catalog): State<Catalog>,
    origin: Origin,
    Path(collection): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let layer = parse_collection(&collection)?;
    let bbox = params.optional::<OgcBbox>("bbox")?.map(|b| b.0);
    let limit = params.optional::<usize>("limit")?.unwrap_or(DEFAULT_LIMIT).min(features::MAX_LIMIT);
    let offset = params.optional("offset")?.unwrap_or(0);
    let snapshot = catalog.snapshot();
    let page = features::features(&snapshot, layer, bbox, limit, offset)?;
    let page_link = |offset, rel, title| link(origin.url(&page_url(layer, bbox, limit, offset)), rel, GEOJSON, title);
    let mut links =
        vec![page_link(offset, "self", "this page"), link(origin.url(&collection_url(layer)), "collection", JSON, "the collection")];
    if let Some(next) = page.next_offset {
        links.push(page_link(next, "next", "the next page"));
    }
    if offset > 0 {
        links.push(page_link(offset.saturating_sub(limit), "prev", "the previous page"));
    }
    Ok(respond(
        GEOJSON,
        json!({
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": page.features.len(),
            "links": links,
            "features": page.features,
        }),
    ))
}

/// `GET /ogc/collections/{collection}/items/{feature}`: one Feature.
async fn item(
    State(catalog): State<Catalog>,
    origin: Origin,
    Path((collection, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let layer = parse_collection(&collection)?;
    let feature = features::feature(&catalog.snapshot(), layer, &id)?;
    let mut body = serde_json::to_value(feature).expect("feature serialises");
    let collection = origin.url(&collection_url(layer));
    body["links"] = json!([
        link(format!("{collection}/items/{}", path_segment(&id)), "self", GEOJSON, "this feature"),
        link(collection.clone(), "collection", JSON, "the collection"),
    ]);
    Ok(respond(GEOJSON, body))
}

/// A collection's metadata, with its extent computed from the data.
fn describe(snapshot: &Snapshot, origin: &Origin, layer: Layer) -> Value {
    let (english, description) = about(layer);
    let url = origin.url(&collection_url(layer));
    let mut collection = json!({
        "id": layer.as_str(),
        "title": format!("{} {english}", layer.label_zh()),
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(url.clone(), "self", JSON, "this collection"),
            link(format!("{url}/items"), "items", GEOJSON, "the features"),
        ],
    });
    // An empty layer has no extent to state.
    if let Some(b) = features::extent(snapshot, layer) {
        collection["extent"] = json!({ "spatial": { "bbox": [[b.west, b.south, b.east, b.north]], "crs": CRS84 } });
    }
    collection
}

/// English title and description of a collection.
fn about(layer: Layer) -> (&'static str, &'static str) {
    match layer {
        Layer::Streets => ("Street offices", "街道 street offices: the top of the administrative chain."),
        Layer::Communities => ("Communities", "社区 communities, each inside one street."),
        Layer::Grids => (
            "Grids",
            "网格 grids (about 300–500 households) and 微网格 micro-grids (50–80 households); a micro-grid's \
             parent_id is its grid.",
        ),
        Layer::Compounds => (
            "Residential compounds",
            "小区 gated residential compounds: kind (resettlement, old, super-large, commodity), property \
             company and households.",
        ),
        Layer::Buildings => (
            "Buildings",
            "楼栋 residential buildings: floors, units, households, population and elevator; each in a grid, \
             usually in a compound.",
        ),
        Layer::Stations => (
            "Service stations",
            "服务站点 service stations and facilities of the 1+N+X matrix (points), with kind, level and \
             opening hours.",
        ),
        Layer::Walkways => (
            "Walking network",
            "步行路网 streets, footpaths and compound gates people walk (lines), used for walking-distance \
             coverage of service stations.",
        ),
        Layer::Contacts => unreachable!("contacts have no geometry and are no collection"),
    }
}

fn parse_collection(id: &str) -> Result<Layer, ApiError> {
    id.parse::<Layer>().ok().filter(|l| l.has_geometry()).ok_or_else(|| {
        let known: Vec<&str> = Layer::ALL.iter().filter(|l| l.has_geometry()).map(|l| l.as_str()).collect();
        ApiError::not_found(format!("no collection {id:?}; collections are: {}", known.join(", ")))
    })
}

fn collection_url(layer: Layer) -> String {
    format!("{ROOT}/collections/{}", layer.as_str())
}

/// An items page's root-relative URL. `f64`'s `Display` never uses exponents, so the box needs no escaping.
fn page_url(layer: Layer, bbox: Option<Bbox>, limit: usize, offset: usize) -> String {
    let mut url = format!("{}/items?limit={limit}&offset={offset}", collection_url(layer));
    if let Some(b) = bbox {
        url.push_str(&format!("&bbox={},{},{},{}", b.west, b.south, b.east, b.north));
    }
    url
}

fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": media_type, "title": title })
}

/// A feature id percent-encoded for use as one path segment (ids may hold any character).
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn respond(content_type: &'static str, body: Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], Json(body)).into_response()
}

/// `bbox` as OGC API sends it: four numbers, or six with heights, which a 2D map ignores.
#[derive(Debug)]
struct OgcBbox(Bbox);

impl std::str::FromStr for OgcBbox {
    type Err = String;

    fn from_str(text: &str) -> Result<OgcBbox, String> {
        let parts: Vec<&str> = text.split(',').collect();
        if let [west, south, low, east, north, high] = parts[..] {
            for height in [low, high] {
                height.trim().parse::<f64>().map_err(|_| format!("{height:?} is not a number"))?;
            }
            return format!("{west},{south},{east},{north}").parse().map(OgcBbox);
        }
        text.parse().map(OgcBbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_number_boxes_drop_heights() {
        let parsed: OgcBbox = "104,30.5,-10,104.1,30.9,50".parse().unwrap();
        assert_eq!(parsed.0, "104,30.5,104.1,30.9".parse().unwrap());
        assert!("104,30.5,x,104.1,30.9,50".parse::<OgcBbox>().is_err());
        assert!("104,30.5,104.1".parse::<OgcBbox>().unwrap_err().contains("4 numbers"));
    }

    #[test]
    fn encodes_ids_as_one_path_segment() {
        assert_eq!(path_segment("CP0001-B01"), "CP0001-B01");
        assert_eq!(path_segment("a/b c楼"), "a%2Fb%20c%E6%A5%BC");
    }
}
