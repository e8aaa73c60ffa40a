//! Vector tiles and TileJSON: `/tiles/{source}/{z}/{x}/{y}.mvt`, `/tiles/{source}.json`, and the
//! map style `/style.json`. A source name resolves to a [`TileSource`] once; the handlers then
//! treat every source alike.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::analytics::report_query;
use super::error::ApiError;
use super::origin::Origin;
use super::params::Params;
use crate::services::tiles::{EncodedTile, MapLayers, ReportHeat, STYLE_LAYERS, SourceName, Style, TileCoord, TileJson, TileSource, style};

const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Short, because an import changes tiles; clients revalidate cheaply with the ETag.
const TILE_CACHE_CONTROL: &str = "public, max-age=60";

/// The map style, TileJSON and vector tiles.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(style_route)).routes(routes!(tilejson_route)).routes(routes!(tile))
}

/// Binds a source name to the current data; `query` is the request's query string, which the
/// report source filters by.
fn bind(state: &AppState, name: SourceName, params: &Params, query: Option<String>) -> Result<Arc<dyn TileSource>, ApiError> {
    Ok(match name {
        SourceName::Reports => Arc::new(ReportHeat::new(state.catalog.clone(), report_query(params)?, query)),
        SourceName::Layers(layers) => Arc::new(MapLayers::new(state.catalog.snapshot(), layers)),
    })
}

/// A vector tile (Mapbox Vector Tile 2.1) of a source.
///
/// The source is a comma list of map layers (`grids,compounds,buildings,stations`) or
/// `reports`, the problem reports for heat maps, which takes the planner's filter. Tiles are
/// gzipped when the client accepts it, and carry a strong ETag per encoding.
#[utoipa::path(
    get,
    path = "/tiles/{source}/{z}/{x}/{y}",
    operation_id = "tile",
    tag = "tiles",
    params(
        ("source" = String, Path, description = "Map layers as a comma list (each once), or `reports`", example = "grids,compounds,buildings,stations"),
        ("z" = u32, Path, maximum = 22, description = "Zoom, 0 to 22", example = 16),
        ("x" = u32, Path, description = "Column, 0 to 2^z − 1, from the antimeridian eastwards", example = 51709),
        ("y" = String, Path, description = "Row, 0 to 2^z − 1 from the north, followed by `.mvt`", example = "26865.mvt"),
        ("category" = Option<String>, Query, description = "`reports` only: categories, a comma list"),
        ("status" = Option<String>, Query, description = "`reports` only: `open` or `closed`, or case states, a comma list"),
        ("since" = Option<String>, Query, description = "`reports` only: filed at or after this ISO 8601 time"),
        ("until" = Option<String>, Query, description = "`reports` only: filed at or before this ISO 8601 time"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag this tile had: 304 while it still has it"),
    ),
    responses(
        (status = 200, description = "The tile", content_type = "application/vnd.mapbox-vector-tile", headers(
            ("ETag" = String, description = "Names this version of this tile in this encoding"),
            ("Cache-Control" = String),
            ("Content-Encoding" = String, description = "`gzip` when the client accepts it"),
        )),
        (status = 204, description = "The tile holds no feature", headers(("Cache-Control" = String))),
        (status = 304, description = "The tile is unchanged since the ETag in `If-None-Match`", headers(("ETag" = String))),
        (status = 400, description = "A coordinate outside the pyramid, a layer without tiles or given twice, or a bad filter"),
        (status = 404, description = "No such layer, or the path does not end in `.mvt`"),
    )
)]
pub async fn tile(
    State(state): State<AppState>,
    Path((source, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    params: Params,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let name: SourceName = source.parse()?;
    let y = y.strip_suffix(".mvt").ok_or_else(|| ApiError::not_found(format!("tiles end in .mvt: /tiles/{source}/{z}/{x}/{y}.mvt")))?;
    let number =
        |name: &str, text: &str| text.parse::<u32>().map_err(|_| ApiError::bad_parameter(name, format!("{text:?} is not a whole number")));
    let coord = TileCoord::new(number("z", &z)?, number("x", &x)?, number("y", y)?)
        .map_err(|reason| ApiError::bad_parameter("tile coordinate", reason))?;
    let source = bind(&state, name, &params, query)?;
    let encoded = match source.cached(&state.tiles, coord) {
        Some(hit) => hit,
        None => {
            // Rendering is CPU work: keep it off the threads that serve other requests.
            let cache = state.tiles.clone();
            tokio::task::spawn_blocking(move || source.tile(&cache, coord)).await.expect("tile rendering does not panic")
        }
    };
    Ok(tile_response(&encoded, &headers))
}

fn tile_response(encoded: &EncodedTile, headers: &HeaderMap) -> Response {
    let mut response_headers = HeaderMap::new();
    response_headers.insert(CACHE_CONTROL, HeaderValue::from_static(TILE_CACHE_CONTROL));
    response_headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    if encoded.is_empty() {
        return (StatusCode::NO_CONTENT, response_headers).into_response();
    }
    let gzip = accepts_gzip(headers);
    // Each encoding is its own representation, so it gets its own strong ETag.
    let etag = if gzip { encoded.etag.replacen('"', "\"gz-", 1) } else { encoded.etag.clone() };
    response_headers.insert(ETAG, HeaderValue::from_str(&etag).expect("ETags are ASCII"));
    if headers.get_all(IF_NONE_MATCH).iter().any(|v| matches_etag(v, &etag)) {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    response_headers.insert(CONTENT_TYPE, HeaderValue::from_static(MVT));
    let body = if gzip {
        response_headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        encoded.gzip.clone()
    } else {
        encoded.raw.clone()
    };
    (StatusCode::OK, response_headers, body).into_response()
}

/// The TileJSON 3.0 of a tile source.
///
/// `/tiles/{layers}.json` for map layers, `/tiles/reports.json` for the problem reports; the
/// reports' filter (`category`, `status`, `since`, `until`) is carried on to the tile URL.
#[utoipa::path(
    get,
    path = "/tiles/{source}",
    operation_id = "tilejson",
    tag = "tiles",
    params(
        ("source" = String, Path, description = "Map layers as a comma list (each once), or `reports`, followed by `.json`", example = "grids,compounds,buildings,stations.json"),
        ("category" = Option<String>, Query, description = "`reports` only: categories, a comma list"),
        ("status" = Option<String>, Query, description = "`reports` only: `open` or `closed`, or case states, a comma list"),
        ("since" = Option<String>, Query, description = "`reports` only: filed at or after this ISO 8601 time"),
        ("until" = Option<String>, Query, description = "`reports` only: filed at or before this ISO 8601 time"),
    ),
    responses(
        (status = 200, description = "The source's TileJSON, its tile URLs absolute on the request's public base", body = TileJson),
        (status = 400, description = "A layer without tiles or given twice, or a bad filter"),
        (status = 404, description = "No such layer, or the path does not end in `.json`"),
    )
)]
pub async fn tilejson_route(
    State(state): State<AppState>,
    Path(source): Path<String>,
    origin: Origin,
    params: Params,
    RawQuery(query): RawQuery,
) -> Result<Json<TileJson>, ApiError> {
    let name = source
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found(format!("no such endpoint: /tiles/{source} (TileJSON is /tiles/{{layers}}.json)")))?;
    let source = bind(&state, name.parse()?, &params, query)?;
    Ok(Json(source.tilejson(&origin.url(&format!("/tiles/{name}")))))
}

/// The page's MapLibre style (style spec v8), for other map clients to draw our layers as the
/// page does: one vector source (the TileJSON of the page's layers), the layers and their
/// palettes, with a legend in `metadata`.
#[utoipa::path(
    get,
    path = "/style.json",
    operation_id = "style",
    tag = "tiles",
    responses((status = 200, description = "The style, its tile URLs absolute on the request's public base", body = Style))
)]
pub async fn style_route(State(state): State<AppState>, origin: Origin) -> Json<Style> {
    let names: Vec<&str> = STYLE_LAYERS.iter().map(|l| l.as_str()).collect();
    let base = origin.url(&format!("/tiles/{}", names.join(",")));
    Json(style(&MapLayers::new(state.catalog.snapshot(), STYLE_LAYERS.to_vec()).tilejson(&base)))
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|part| {
            let mut pieces = part.split(';');
            let name = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|p| p.trim().replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

fn matches_etag(header: &HeaderValue, etag: &str) -> bool {
    header.to_str().is_ok_and(|v| {
        v.split(',').any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate == etag || candidate.strip_prefix("W/") == Some(etag)
        })
    })
}
