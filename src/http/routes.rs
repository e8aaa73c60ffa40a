//! Handlers: parse the request, call a service, shape the answer.

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;

use super::error::ApiError;
use super::params::Params;
use crate::crs::Crs;
use crate::model::Layer;
use crate::services::locate::{LocateQuery, add_walks, locate as locate_point};
use crate::services::{Catalog, features, search as search_names};

/// Health, lookup, search and the layers as GeoJSON.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .route("/healthz", get(health))
        .route("/api/locate", get(locate))
        .route("/api/search", get(search))
        .route("/api/layers", get(layers))
        .route("/api/layers/{layer}", get(layer_features))
        .route("/api/layers/{layer}/{id}", get(layer_feature))
}

/// `GET /healthz`: liveness plus what is loaded.
pub async fn health(State(catalog): State<Catalog>) -> Json<Value> {
    let snapshot = catalog.snapshot();
    let counts: serde_json::Map<String, Value> =
        Layer::ALL.iter().map(|l| (l.as_str().to_owned(), json!(snapshot.data.count(*l)))).collect();
    Json(json!({ "status": "ok", "data_version": snapshot.version, "counts": counts }))
}

/// `GET /api/locate?lon=&lat=[&crs=wgs84|gcj02|bd09][&walk=true]`
pub async fn locate(State(catalog): State<Catalog>, params: Params) -> Result<Json<Value>, ApiError> {
    let query =
        LocateQuery { lon: params.required("lon")?, lat: params.required("lat")?, crs: params.optional::<Crs>("crs")?.unwrap_or_default() };
    let point = query.wgs84()?;
    let snapshot = catalog.snapshot();
    if params.optional::<bool>("walk")?.unwrap_or(false) {
        // Walking may wait for the network to be built (seconds on a big city): off the async threads.
        let answer = tokio::task::spawn_blocking(move || {
            let mut location = locate_point(&snapshot, point, query.crs);
            add_walks(&snapshot, point, &mut location);
            serde_json::to_value(location).expect("location serialises")
        })
        .await
        .expect("locating does not panic");
        return Ok(Json(answer));
    }
    let location = locate_point(&snapshot, point, query.crs);
    Ok(Json(serde_json::to_value(location).expect("location serialises")))
}

/// `GET /api/search?q=[&limit=]`
pub async fn search(State(catalog): State<Catalog>, params: Params) -> Result<Json<Value>, ApiError> {
    let q: String = params.required("q")?;
    let limit = params.optional("limit")?.unwrap_or(search_names::DEFAULT_LIMIT);
    let snapshot = catalog.snapshot();
    let hits = search_names::search(&snapshot, &q, limit)?;
    Ok(Json(json!({ "query": q, "results": hits })))
}

/// `GET /api/layers`: the layers and how many records each holds.
pub async fn layers(State(catalog): State<Catalog>) -> Json<Value> {
    let snapshot = catalog.snapshot();
    let layers: Vec<Value> =
        Layer::ALL.iter().map(|l| json!({ "id": l.as_str(), "title": l.label_zh(), "count": snapshot.data.count(*l) })).collect();
    Json(json!({ "layers": layers }))
}

/// `GET /api/layers/{layer}?bbox=&limit=&offset=`: a GeoJSON FeatureCollection.
pub async fn layer_features(State(catalog): State<Catalog>, Path(layer): Path<String>, params: Params) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    let bbox = params.optional::<features::Bbox>("bbox")?;
    let limit = params.optional("limit")?.unwrap_or(features::DEFAULT_LIMIT);
    let offset = params.optional("offset")?.unwrap_or(0);
    let snapshot = catalog.snapshot();
    let page = features::features(&snapshot, layer, bbox, limit, offset)?;
    Ok(Json(json!({
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": page.features.len(),
        "nextOffset": page.next_offset,
        "features": page.features,
    })))
}

/// `GET /api/layers/{layer}/{id}`: one GeoJSON Feature.
pub async fn layer_feature(State(catalog): State<Catalog>, Path((layer, id)): Path<(String, String)>) -> Result<Json<Value>, ApiError> {
    let layer = parse_layer(&layer)?;
    let snapshot = catalog.snapshot();
    let feature = features::feature(&snapshot, layer, &id)?;
    Ok(Json(serde_json::to_value(feature).expect("feature serialises")))
}

fn parse_layer(text: &str) -> Result<Layer, ApiError> {
    text.parse().map_err(|reason| ApiError::not_found(format!("no layer {text:?}: {reason}")))
}

/// Any other path.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}
