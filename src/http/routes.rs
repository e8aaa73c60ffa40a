//! Handlers: parse the request, call a service, shape the answer.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use crate::model::Layer;
use crate::services::features::{self, Bbox};
use crate::services::locate::{LocateQuery, Location, add_walks, locate as locate_point};
use crate::services::search::{self as search_names, SearchQuery, SearchResults};
use crate::services::status::{self, Health, LayerList, LayerPage};
use crate::services::{Catalog, schemas::GeoJsonFeature};

/// Health, lookup, search and the layers as GeoJSON.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(locate))
        .routes(routes!(search))
        .routes(routes!(layers))
        .routes(routes!(layer_features))
        .routes(routes!(layer_feature))
}

/// Liveness, and how many records of each layer are loaded.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = Health)))]
pub async fn health(State(catalog): State<Catalog>) -> Json<Health> {
    Json(status::health(&catalog.snapshot()))
}

impl FromParams for LocateQuery {
    fn from_params(params: &Params) -> Result<LocateQuery, ApiError> {
        Ok(LocateQuery { lon: params.required("lon")?, lat: params.required("lat")?, crs: params.optional("crs")?.unwrap_or_default() })
    }
}

/// `walk=true` adds walking distances to the stations.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Walk {
    /// Add each station's walking distance along the network (`walk_m`); default false.
    walk: Option<bool>,
}

impl FromParams for Walk {
    fn from_params(params: &Params) -> Result<Walk, ApiError> {
        Ok(Walk { walk: params.optional("walk")? })
    }
}

/// Where a point is: its building, compound, grid chain, the public contact board (遇事问谁)
/// and the nearest service stations.
#[utoipa::path(
    get,
    path = "/api/locate",
    tag = "coverage",
    params(LocateQuery, Walk),
    responses((status = 200, body = Location), (status = 400, description = "A bad or missing `lon`, `lat` or `crs`", body = ErrorBody))
)]
pub async fn locate(
    State(catalog): State<Catalog>,
    Query(query): Query<LocateQuery>,
    Query(walk): Query<Walk>,
) -> Result<Json<Value>, ApiError> {
    let point = query.wgs84()?;
    let snapshot = catalog.snapshot();
    if walk.walk.unwrap_or(false) {
        // Walking may wait for the network to be built (seconds on a big city): off the async threads.
        let answer = tokio::task::spawn_blocking(move || {
            let mut location = locate_point(&snapshot, point, query.crs);
            add_walks(&snapshot, point, &mut location);
            borrowed(location)
        })
        .await
        .expect("locating does not panic");
        return Ok(answer);
    }
    Ok(borrowed(locate_point(&snapshot, point, query.crs)))
}

/// An answer that borrows from the snapshot, serialised while the snapshot is at hand.
fn borrowed(answer: impl serde::Serialize) -> Json<Value> {
    Json(serde_json::to_value(answer).expect("answers serialise"))
}

impl FromParams for SearchQuery {
    fn from_params(params: &Params) -> Result<SearchQuery, ApiError> {
        Ok(SearchQuery { q: params.required("q")?, limit: params.optional("limit")? })
    }
}

/// Compounds, buildings and stations by name, exact matches first.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "layers",
    params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, description = "`q` missing, empty or too long; a bad `limit`", body = ErrorBody))
)]
pub async fn search(State(catalog): State<Catalog>, Query(query): Query<SearchQuery>) -> Result<Json<Value>, ApiError> {
    let snapshot = catalog.snapshot();
    Ok(borrowed(search_names::search(&snapshot, query)?))
}

/// The layers and how many records each holds.
#[utoipa::path(get, path = "/api/layers", tag = "layers", responses((status = 200, body = LayerList)))]
pub async fn layers(State(catalog): State<Catalog>) -> Json<LayerList> {
    Json(status::layers(&catalog.snapshot()))
}

/// `bbox`, `limit` and `offset` of a layer's page.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `west,south,east,north`, WGS84 degrees: only features meeting the box.
    #[param(value_type = Option<String>, example = "104.05,30.6,104.1,30.65")]
    bbox: Option<Bbox>,
    /// Features per page, 1–10000 (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<usize>,
    /// Features to skip (default 0).
    offset: Option<usize>,
}

impl FromParams for PageQuery {
    fn from_params(params: &Params) -> Result<PageQuery, ApiError> {
        Ok(PageQuery { bbox: params.optional("bbox")?, limit: params.optional("limit")?, offset: params.optional("offset")? })
    }
}

/// One page of a layer as a GeoJSON FeatureCollection.
#[utoipa::path(
    get,
    path = "/api/layers/{layer}",
    tag = "layers",
    params(("layer" = Layer, Path, description = "The layer"), PageQuery),
    responses(
        (status = 200, body = LayerPage, content_type = "application/json"),
        (status = 400, description = "A bad `bbox`, `limit` or `offset`", body = ErrorBody),
        (status = 404, description = "No such layer", body = ErrorBody),
    )
)]
pub async fn layer_features(
    State(catalog): State<Catalog>,
    Path(layer): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<LayerPage>, ApiError> {
    let layer = parse_layer(&layer)?;
    let snapshot = catalog.snapshot();
    let found = features::features(&snapshot, layer, page.bbox, page.limit.unwrap_or(features::DEFAULT_LIMIT), page.offset.unwrap_or(0))?;
    Ok(Json(found.into()))
}

/// One feature of a layer by id, as GeoJSON.
#[utoipa::path(
    get,
    path = "/api/layers/{layer}/{id}",
    tag = "layers",
    params(("layer" = Layer, Path, description = "The layer"), ("id" = String, Path, description = "The record's id")),
    responses((status = 200, body = GeoJsonFeature), (status = 404, description = "No such layer or record", body = ErrorBody))
)]
pub async fn layer_feature(
    State(catalog): State<Catalog>,
    Path((layer, id)): Path<(String, String)>,
) -> Result<Json<geojson::Feature>, ApiError> {
    let layer = parse_layer(&layer)?;
    let snapshot = catalog.snapshot();
    Ok(Json(features::feature(&snapshot, layer, &id)?))
}

fn parse_layer(text: &str) -> Result<Layer, ApiError> {
    text.parse().map_err(|reason| ApiError::not_found(format!("no layer {text:?}: {reason}")))
}

/// Any other path.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}
