//! OGC API – Features under `/ogc`: Part 1 (Core, GeoJSON, OpenAPI 3), Part 2 (`crs`,
//! `bbox-crs`, `Content-Crs`: the systems of [`OutputCrs`]) and Part 3
//! (queryables, property filters, CQL2 `filter`, `sortby`, `properties`). Every layer with
//! geometry is a collection, and so is `reports`, the public view of the cases.
//!
//! Links are absolute: GDAL before 3.9.2 and QGIS resolve relative ones wrongly (a doubled
//! `/ogc/ogc/`). Their base is the request's [`Origin`] (`--public-url`, a trusted proxy's
//! headers, or the `Host`). Only JSON is served: `f=json` (or `geojson` for items) is
//! accepted, any other `f` is a 400 (the map page at `/` is the HTML view). A query
//! parameter the operation does not define is a 400 naming it (Part 1, requirement 8).

mod types;

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use super::origin::Origin;
use crate::crs::OutputCrs;
use crate::model::time::to_iso8601;
use crate::services::Catalog;
use crate::services::features::Bbox;
use crate::services::ogc::{self, Collection, ItemsQuery};
use types::{CollectionInfo, Collections, Conformance, Extent, FeatureCollection, FeatureWithLinks, Landing, Link, Queryables};
use types::{SpatialExtent, TemporalExtent};

const ROOT: &str = "/ogc";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
const SCHEMA_JSON: &str = "application/schema+json";
const TAG: &str = "ogc";

/// The conformance classes claimed: each is exercised by tests/ogc*.rs.
const CONFORMS_TO: [&str; 14] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
];

/// The OGC API routes, to merge into the main router.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        .routes(routes!(landing_slash))
        .routes(routes!(conformance))
        .routes(routes!(collections))
        .routes(routes!(collection))
        .routes(routes!(queryables))
        .routes(routes!(items))
        .routes(routes!(item))
}

/// The decoded query string, each name at most once.
fn query_pairs(raw: Option<String>) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|e| ApiError::bad_parameter("query string", e))?;
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(ApiError::bad_parameter(name, "given more than once"));
        }
    }
    Ok(pairs)
}

/// Refuses parameters outside `allowed`, and an `f` other than JSON.
fn check_query(pairs: &[(String, String)], allowed: &[&str], formats: &[&str]) -> Result<(), ApiError> {
    if let Some((name, _)) = pairs.iter().find(|(name, _)| !allowed.contains(&name.as_str())) {
        return Err(ApiError::bad_parameter(
            "query string",
            format!("unknown parameter {name:?}; this operation takes {}", allowed.join(", ")),
        ));
    }
    match pairs.iter().find(|(name, _)| name == "f") {
        Some((_, f)) if !formats.contains(&f.as_str()) => Err(ApiError::bad_parameter(
            "f",
            format!("{f:?}: only {} is served here (the map page at / is the HTML view)", formats.join(" or ")),
        )),
        _ => Ok(()),
    }
}

/// Checks a query string that may carry only `f=json`.
fn json_only(raw: Option<String>) -> Result<(), ApiError> {
    check_query(&query_pairs(raw)?, &["f"], &["json"])
}

/// `GET /ogc`: what the API is and where its parts are.
#[utoipa::path(get, path = "/ogc", tag = TAG, params(Format),
    responses((status = 200, body = Landing, content_type = "application/json"), (status = 400, description = "An unknown parameter or format")))]
async fn landing(origin: Origin, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    json_only(raw)?;
    Ok(respond(JSON, landing_page(&origin)))
}

/// `GET /ogc/`: the landing page, for clients (OWSLib) that ask with a trailing slash.
#[utoipa::path(get, path = "/ogc/", tag = TAG, params(Format),
    responses((status = 200, body = Landing, content_type = "application/json"), (status = 400, description = "An unknown parameter or format")))]
async fn landing_slash(origin: Origin, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    landing(origin, RawQuery(raw)).await
}

fn landing_page(origin: &Origin) -> Landing {
    let root = origin.url(ROOT);
    Landing {
        title: "Minsheng 民生 — OGC API – Features",
        description: "Streets, communities, grids, compounds, buildings and service stations of the residential-governance \
                      map, and the public view of residents' reports, as OGC API – Features collections (WGS84 lon/lat).",
        links: vec![
            Link::new(root.clone(), "self", JSON, "this document"),
            Link::new(origin.url("/openapi.json"), "service-desc", super::openapi::MEDIA_TYPE, "the API definition (OpenAPI 3.1)"),
            // OWSLib's `api()` (0.35) follows only a link of exactly this type; the document is
            // still 3.1, which the title says.
            Link::new(
                origin.url("/openapi.json"),
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "the same API definition (OpenAPI 3.1), for clients that look for the 3.0 media type",
            ),
            Link::new(origin.url("/docs"), "service-doc", "text/html", "the API documentation"),
            Link::new(format!("{root}/conformance"), "conformance", JSON, "conformance classes implemented"),
            Link::new(format!("{root}/collections"), "data", JSON, "the feature collections"),
        ],
    }
}

/// `GET /ogc/conformance`
#[utoipa::path(get, path = "/ogc/conformance", tag = TAG, params(Format),
    responses((status = 200, body = Conformance, content_type = "application/json"), (status = 400, description = "An unknown parameter or format")))]
async fn conformance(RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    json_only(raw)?;
    Ok(respond(JSON, Conformance { conforms_to: CONFORMS_TO.to_vec() }))
}

/// `GET /ogc/collections`: one collection per layer with geometry, and the reports.
#[utoipa::path(get, path = "/ogc/collections", tag = TAG, params(Format),
    responses((status = 200, body = Collections, content_type = "application/json"), (status = 400, description = "An unknown parameter or format")))]
async fn collections(State(catalog): State<Catalog>, origin: Origin, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    json_only(raw)?;
    let collections = Collection::all().into_iter().map(|c| describe(&catalog, &origin, c)).collect();
    let links = vec![Link::new(origin.url(&format!("{ROOT}/collections")), "self", JSON, "the feature collections")];
    Ok(respond(JSON, Collections { links, collections }))
}

/// `GET /ogc/collections/{collection}`
#[utoipa::path(get, path = "/ogc/collections/{collection}", tag = TAG, params(("collection" = String, Path, description = "Collection id: a layer with geometry, or `reports`"), Format),
    responses((status = 200, body = CollectionInfo, content_type = "application/json"), (status = 404, description = "No such collection")))]
async fn collection(
    State(catalog): State<Catalog>,
    origin: Origin,
    Path(collection): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let collection = parse_collection(&collection)?;
    json_only(raw)?;
    Ok(respond(JSON, describe(&catalog, &origin, collection)))
}

/// `GET /ogc/collections/{collection}/queryables`: the properties filters, `sortby` and
/// `properties` may name, as a JSON Schema.
#[utoipa::path(get, path = "/ogc/collections/{collection}/queryables", tag = TAG, params(("collection" = String, Path, description = "Collection id: a layer with geometry, or `reports`"), Format),
    responses((status = 200, body = Queryables, content_type = "application/schema+json"), (status = 404, description = "No such collection")))]
async fn queryables(origin: Origin, Path(collection): Path<String>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let collection = parse_collection(&collection)?;
    json_only(raw)?;
    let properties: BTreeMap<_, _> = ogc::queryables(collection).iter().map(|q| (q.name, q.schema())).collect();
    let body = Queryables {
        schema: "https://json-schema.org/draft/2020-12/schema",
        id: origin.url(&format!("{}/queryables", collection_url(collection))),
        kind: "object",
        title: collection_title(collection),
        properties,
        additional_properties: false,
    };
    Ok(respond(SCHEMA_JSON, body))
}

/// `GET /ogc/collections/{collection}/items`: one page of the features a query selects,
/// with a `next` link while more remain and a `prev` link after the first. Besides the
/// parameters listed, every queryable is a filter on its value (`?kind=clinic`).
#[utoipa::path(get, path = "/ogc/collections/{collection}/items", tag = TAG, params(("collection" = String, Path, description = "Collection id: a layer with geometry, or `reports`"), ItemsParams),
    responses((status = 200, body = FeatureCollection, content_type = "application/geo+json"),
              (status = 400, description = "An unknown parameter or queryable, or a bad value (named)"),
              (status = 404, description = "No such collection")))]
async fn items(
    State(catalog): State<Catalog>,
    origin: Origin,
    Path(collection): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let collection = parse_collection(&collection)?;
    let pairs = query_pairs(raw)?;
    if let Some((_, f)) = pairs.iter().find(|(name, _)| name == "f") {
        check_query(&[("f".into(), f.clone())], &["f"], &["json", "geojson"])?;
    }
    let query = ogc::items_query(collection, &pairs)?;
    let page = ogc::items(&catalog, collection, &query).await?;
    let page_link = |offset, rel, title| Link::new(origin.url(&page_url(collection, &pairs, &query, offset)), rel, GEOJSON, title);
    let mut links = vec![
        page_link(query.offset, "self", "this page"),
        Link::new(origin.url(&collection_url(collection)), "collection", JSON, "the collection"),
    ];
    if let Some(next) = page.next_offset {
        links.push(page_link(next, "next", "the next page"));
    }
    if query.offset > 0 {
        links.push(page_link(query.offset.saturating_sub(query.limit), "prev", "the previous page"));
    }
    let body = FeatureCollection {
        kind: "FeatureCollection",
        number_matched: page.number_matched,
        number_returned: page.features.len(),
        links,
        features: page.features,
    };
    Ok(with_crs(query.crs, respond(GEOJSON, body)))
}

/// `GET /ogc/collections/{collection}/items/{feature}`: one Feature.
#[utoipa::path(get, path = "/ogc/collections/{collection}/items/{feature}", tag = TAG,
    params(("collection" = String, Path, description = "Collection id: a layer with geometry, or `reports`"), ("feature" = String, Path, description = "Feature id (a report's case number)"), Format,
           ("crs" = Option<String>, Query, description = "The CRS of the answer's coordinates; CRS84 by default")),
    responses((status = 200, body = FeatureWithLinks, content_type = "application/geo+json"),
              (status = 404, description = "No such collection or feature")))]
async fn item(
    State(catalog): State<Catalog>,
    origin: Origin,
    Path((collection, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let collection = parse_collection(&collection)?;
    let pairs = query_pairs(raw)?;
    check_query(&pairs, &["f", "crs"], &["json", "geojson"])?;
    let crs = ogc::output_crs(pairs.iter().find(|(name, _)| name == "crs").map(|(_, v)| v.trim()), "crs")?;
    let feature = ogc::item(&catalog, collection, &id, crs).await?;
    let url = origin.url(&collection_url(collection));
    let links = vec![
        Link::new(format!("{url}/items/{}", path_segment(&id)), "self", GEOJSON, "this feature"),
        Link::new(url, "collection", JSON, "the collection"),
    ];
    Ok(with_crs(crs, respond(GEOJSON, FeatureWithLinks { feature, links })))
}

/// Part 2's `Content-Crs` header: the system of the answer's coordinates, in angle brackets.
fn with_crs(crs: OutputCrs, mut response: Response) -> Response {
    let value = header::HeaderValue::from_str(&format!("<{}>", crs.uri())).expect("CRS URIs are ASCII");
    response.headers_mut().insert("content-crs", value);
    response
}

/// A collection's metadata, with its extent computed from the data.
fn describe(catalog: &Catalog, origin: &Origin, collection: Collection) -> CollectionInfo {
    let url = origin.url(&collection_url(collection));
    let temporal = ogc::time_extent(catalog, collection).map(|(first, last)| TemporalExtent {
        interval: vec![[to_iso8601(first), to_iso8601(last)]],
        trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    });
    // An empty collection has no extent to state.
    let extent = ogc::extent(catalog, collection).map(|Bbox { west, south, east, north }| Extent {
        spatial: SpatialExtent { bbox: vec![[west, south, east, north]], crs: CRS84 },
        temporal,
    });
    CollectionInfo {
        id: collection.id(),
        title: collection_title(collection),
        description: about(collection).1,
        item_type: "feature",
        crs: OutputCrs::ALL.iter().map(|c| c.uri()).collect(),
        storage_crs: CRS84,
        links: vec![
            Link::new(url.clone(), "self", JSON, "this collection"),
            Link::new(format!("{url}/items"), "items", GEOJSON, "the features"),
            Link::new(format!("{url}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON, "the queryables"),
        ],
        extent,
    }
}

fn collection_title(collection: Collection) -> String {
    let zh = match collection {
        Collection::Layer(layer) => layer.label_zh(),
        Collection::Reports => "居民上报",
    };
    format!("{zh} {}", about(collection).0)
}

/// English title and description of a collection.
fn about(collection: Collection) -> (&'static str, &'static str) {
    use crate::model::Layer;
    let Collection::Layer(layer) = collection else {
        return (
            "Reports",
            "居民上报 residents' reports as the public sees them (no reporter name or phone): category, state, tier \
             and responder, filing time (datetime selects by it), deadline and closure.",
        );
    };
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
        Layer::CandidateSites => (
            "Candidate sites",
            "候选站址 places a new service station could go (points): a compound's public room, an idle site \
             on the street or a vacant room, with area and community; the set-covering plan draws from them.",
        ),
        Layer::Contacts | Layer::Units => unreachable!("{layer} have no geometry and are no collection"),
    }
}

fn parse_collection(id: &str) -> Result<Collection, ApiError> {
    id.parse::<Collection>().map_err(ApiError::not_found)
}

fn collection_url(collection: Collection) -> String {
    format!("{ROOT}/collections/{}", collection.id())
}

/// An items page's root-relative URL: the request's own parameters with `limit` and
/// `offset` set, in a fixed order (limit, offset, then the rest as given).
fn page_url(collection: Collection, pairs: &[(String, String)], query: &ItemsQuery, offset: usize) -> String {
    let mut url = format!("{}/items?limit={}&offset={offset}", collection_url(collection), query.limit);
    for (name, value) in pairs.iter().filter(|(name, _)| name != "limit" && name != "offset") {
        url.push_str(&format!("&{}={}", encode(name, b""), encode(value, b",:/")));
    }
    url
}

/// A feature id percent-encoded for use as one path segment (ids may hold any character).
fn path_segment(text: &str) -> String {
    encode(text, b"")
}

/// Percent-encodes all but unreserved characters and those in `keep` (commas stay
/// readable in a `bbox`, for one).
fn encode(text: &str, keep: &[u8]) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            b if keep.contains(&b) => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn respond(content_type: &'static str, body: impl serde::Serialize) -> Response {
    ([(header::CONTENT_TYPE, content_type)], Json(body)).into_response()
}

/// `f`: the only format served is JSON.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct Format {
    /// `json` (the default); anything else is a 400.
    f: Option<String>,
}

/// The parameters of an items request (documentation: they are read from the raw query so
/// that unknown ones can be refused and queryables used as filters).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ItemsParams {
    /// `json` or `geojson` (the default); anything else is a 400.
    f: Option<String>,
    /// Features per page, 1–10000 (more is clamped); 10 by default.
    #[param(minimum = 1)]
    limit: Option<usize>,
    /// Features to skip.
    offset: Option<usize>,
    /// `west,south,east,north` (or six numbers with heights), WGS84.
    bbox: Option<String>,
    /// The CRS of `bbox` (a URI of the collection's `crs` list, or a safe CURIE such as `[EPSG:3857]`); CRS84 by default.
    #[param(rename = "bbox-crs")]
    bbox_crs: Option<String>,
    /// The CRS of the answer's coordinates (see the collection's `crs` list); CRS84 by default. The answer's `Content-Crs` names it.
    crs: Option<String>,
    /// Filing time (reports only; other collections have no time): an instant, a date, or an interval `a/b`, `../b`, `a/..`.
    datetime: Option<String>,
    /// A CQL2 filter: comparison, AND/OR/NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS with a BBOX or geometry.
    filter: Option<String>,
    /// `cql2-text` (the default) or `cql2-json`.
    #[param(rename = "filter-lang")]
    filter_lang: Option<String>,
    /// The CRS of geometries in `filter`: only CRS84.
    #[param(rename = "filter-crs")]
    filter_crs: Option<String>,
    /// Sort keys: `+name,-id` (ascending unless `-`).
    sortby: Option<String>,
    /// The properties to return, comma-separated (the geometry always comes).
    properties: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_ids_as_one_path_segment_and_keeps_commas_in_queries() {
        assert_eq!(path_segment("CP0001-B01"), "CP0001-B01");
        assert_eq!(path_segment("a/b c楼"), "a%2Fb%20c%E6%A5%BC");
        assert_eq!(encode("kind = 'clinic' & x", b",:/"), "kind%20%3D%20%27clinic%27%20%26%20x");
        assert_eq!(encode("-180,-90,180,90", b",:/"), "-180,-90,180,90");
    }
}
