//! Vector tiles and TileJSON: `/tiles/{layers}/{z}/{x}/{y}.mvt`, `/tiles/{layers}.json`.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::analytics::report_query;
use super::error::ApiError;
use super::origin::Origin;
use super::params::Params;
use crate::services::tiles::{EncodedTile, STYLE_LAYERS, Style, TileCoord, parse_layers, report_tilejson, style, tilejson};

const MVT: &str = "application/vnd.mapbox-vector-tile";
/// Short, because an import changes tiles; clients revalidate cheaply with the ETag.
const TILE_CACHE_CONTROL: &str = "public, max-age=60";

/// The map style, TileJSON and vector tiles.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .route("/style.json", get(style_route))
        .route("/tiles/{source}", get(tilejson_route))
        .route("/tiles/{source}/{z}/{x}/{y}", get(tile))
}

/// `GET /tiles/{layers}/{z}/{x}/{y}.mvt`, and `GET /tiles/reports/{z}/{x}/{y}.mvt?category=&status=&since=&until=`
/// for the reports heat layer.
pub async fn tile(
    State(state): State<AppState>,
    Path((source, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let layers = if source == REPORTS { Vec::new() } else { parse_layers(&source)? };
    let y = y.strip_suffix(".mvt").ok_or_else(|| ApiError::not_found(format!("tiles end in .mvt: /tiles/{source}/{z}/{x}/{y}.mvt")))?;
    let number =
        |name: &str, text: &str| text.parse::<u32>().map_err(|_| ApiError::bad_parameter(name, format!("{text:?} is not a whole number")));
    let coord = TileCoord::new(number("z", &z)?, number("x", &x)?, number("y", y)?)
        .map_err(|reason| ApiError::bad_parameter("tile coordinate", reason))?;

    let encoded = if source == REPORTS {
        let query = report_query(&params)?;
        let (catalog, cache) = (state.catalog.clone(), state.tiles.clone());
        tokio::task::spawn_blocking(move || cache.report_tile(&catalog.reports(), &query, coord))
            .await
            .expect("tile rendering does not panic")
    } else {
        map_tile(&state, layers, coord).await
    };
    Ok(tile_response(&encoded, &headers))
}

/// The source name of the reports heat layer.
const REPORTS: &str = "reports";

async fn map_tile(state: &AppState, layers: Vec<crate::model::Layer>, coord: TileCoord) -> std::sync::Arc<EncodedTile> {
    let snapshot = state.catalog.snapshot();
    match state.tiles.cached(&snapshot, &layers, coord) {
        Some(hit) => hit,
        None => {
            // Rendering is CPU work: keep it off the threads that serve other requests.
            let cache = state.tiles.clone();
            tokio::task::spawn_blocking(move || cache.get(&snapshot, &layers, coord)).await.expect("tile rendering does not panic")
        }
    }
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

/// `GET /tiles/{layers}.json`: TileJSON 3.0.
pub async fn tilejson_route(
    State(state): State<AppState>,
    Path(source): Path<String>,
    origin: Origin,
    params: Params,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let layers_text = source
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found(format!("no such endpoint: /tiles/{source} (TileJSON is /tiles/{{layers}}.json)")))?;
    let base = origin.url(&format!("/tiles/{layers_text}"));
    if layers_text == REPORTS {
        // The filter travels on to the tile URL, so a client's tiles match its TileJSON.
        report_query(&params)?;
        return Ok(Json(report_tilejson(&state.catalog.snapshot(), &base, query.as_deref())));
    }
    let layers = parse_layers(layers_text)?;
    Ok(Json(tilejson(&state.catalog.snapshot(), &layers, &base)))
}

/// `GET /style.json`: the page's MapLibre style, its tile URLs on the request's public base.
pub async fn style_route(State(state): State<AppState>, origin: Origin) -> Json<Style> {
    let names: Vec<&str> = STYLE_LAYERS.iter().map(|l| l.as_str()).collect();
    let base = origin.url(&format!("/tiles/{}", names.join(",")));
    Json(style(&tilejson(&state.catalog.snapshot(), &STYLE_LAYERS, &base)))
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
