//! Official routes for the 15-minute service circle: coverage summary, buildings by
//! walking distance, station isochrones and the siting plan. Public: aggregate figures
//! and public map data only.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::routing::{get, post};
use geo::Geometry;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::cost::Bounds;
use super::error::ApiError;
use super::params::Params;
use super::reports::json_body_within;
use crate::model::FacilityKind;
use crate::services::coverage::isochrones::{self, buffer_width};
use crate::services::coverage::plan::{self, CandidatePoint, Candidates};
use crate::services::coverage::summary;
use crate::services::coverage::{Circle, Method};
use crate::services::features::Bbox;

/// A plan's body may list up to [`plan::MAX_POINTS`] candidate points.
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;

/// `kind`, the circle (`minutes` or `meters`, `speed_m_per_min`) and `method`, which every
/// coverage route takes.
struct Question {
    kind: FacilityKind,
    circle: Circle,
    method: Option<Method>,
}

/// Walking coverage of the service stations.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .route("/api/coverage", get(coverage))
        .route("/api/coverage/buildings", get(buildings))
        .route("/api/coverage/isochrones", get(isochrones))
}

/// Siting new stations, with its own, larger body limit.
pub fn plan_router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().route("/api/coverage/plan", post(plan).layer(super::refusals::BodyLimit::max(MAX_PLAN_BYTES)))
}

fn question(params: &Params) -> Result<Question, ApiError> {
    let kind: FacilityKind = params.required("kind")?;
    let circle = Circle::new(params.optional("minutes")?, params.optional("meters")?, params.optional("speed_m_per_min")?)?;
    let method = match params.optional::<String>("method")?.as_deref() {
        None => None,
        Some("network") => Some(Method::Network),
        Some("euclidean") => Some(Method::Euclidean),
        Some(other) => return Err(ApiError::bad_parameter("method", format!("{other:?}: expected network or euclidean"))),
    };
    Ok(Question { kind, circle, method })
}

/// `GET /api/coverage?kind=&minutes=|meters=&speed_m_per_min=&method=`: shares covered,
/// per street and community, and the compounds left outside.
pub async fn coverage(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Json<Value>, ApiError> {
    let q = question(&params)?;
    let snapshot = state.catalog.snapshot();
    let answer = bounds
        .run(&state, move |_, budget| {
            let coverage = summary::coverage(&snapshot, q.kind, q.circle, q.method, budget)?;
            Ok(serde_json::to_value(coverage).expect("coverage serialises"))
        })
        .await?;
    Ok(Json(answer))
}

/// `GET /api/coverage/buildings?…&bbox=`: the footprint of every building whose centre is in
/// the box, with its walking distance to the nearest station (`null` beyond twice the
/// circle) and `covered`. At most [`Limits::buildings`](crate::services::cost::Limits) buildings.
pub async fn buildings(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Json<Value>, ApiError> {
    let q = question(&params)?;
    let bbox = bbox(&params)?;
    let snapshot = state.catalog.snapshot();
    let body = bounds
        .run(&state, move |limits, budget| {
            let (method, note, rows) = summary::building_coverage(&snapshot, q.kind, q.circle, q.method, bbox, limits, budget)?;
            let features: Vec<Value> = rows
                .iter()
                .map(|row| {
                    let b = &snapshot.data.buildings[row.building as usize];
                    json!({
                        "type": "Feature",
                        "id": b.id,
                        "geometry": geometry(&b.geometry),
                        "properties": {
                            "id": b.id,
                            "name": snapshot.building_name(row.building),
                            "compound_id": b.compound_id,
                            "households": b.households,
                            "population": b.population,
                            "distance_m": row.distance_m.map(|m| (m * 10.0).round() / 10.0),
                            "covered": row.covered,
                        },
                    })
                })
                .collect();
            Ok(json!({
                "type": "FeatureCollection",
                "kind": q.kind,
                "limit_m": q.circle.limit_m,
                "minutes": q.circle.minutes,
                "search_m": q.circle.limit_m * summary::SEARCH_FACTOR,
                "method": method,
                "method_note": note,
                "features": features,
            }))
        })
        .await?;
    Ok(Json(body))
}

/// `GET /api/coverage/isochrones?…&buffer_m=50&bbox=`: one (Multi)Polygon per station of the
/// kind whose isochrone may reach into the box: the walkways within the limit, buffered.
pub async fn isochrones(State(state): State<AppState>, bounds: Bounds, params: Params) -> Result<Json<Value>, ApiError> {
    let q = question(&params)?;
    let buffer_m = buffer_width(params.optional("buffer_m")?)?;
    let bbox = bbox(&params)?;
    let snapshot = state.catalog.snapshot();
    let body = bounds
        .run(&state, move |limits, budget| {
            let (method, note, shapes) = isochrones::isochrones(&snapshot, q.kind, q.circle, q.method, buffer_m, bbox, limits, budget)?;
            let features: Vec<Value> = shapes
                .iter()
                .map(|iso| {
                    let s = &snapshot.data.stations[iso.station as usize];
                    json!({
                        "type": "Feature",
                        "id": s.id,
                        "geometry": geometry(&Geometry::MultiPolygon(iso.area.clone())),
                        "properties": {
                            "station_id": s.id,
                            "name": s.name,
                            "kind": s.kind,
                            "limit_m": q.circle.limit_m,
                            "reached_m": iso.reached_m.round(),
                            "off_network": iso.off_network,
                        },
                    })
                })
                .collect();
            Ok(json!({
                "type": "FeatureCollection",
                "kind": q.kind,
                "limit_m": q.circle.limit_m,
                "minutes": q.circle.minutes,
                "buffer_m": buffer_m,
                "method": method,
                "method_note": note,
                "features": features,
            }))
        })
        .await?;
    Ok(Json(body))
}

fn bbox(params: &Params) -> Result<Option<[f64; 4]>, ApiError> {
    Ok(params.optional::<Bbox>("bbox")?.map(|b| [b.west, b.south, b.east, b.north]))
}

/// The body of `POST /api/coverage/plan`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    kind: String,
    #[serde(default)]
    minutes: Option<f64>,
    #[serde(default)]
    meters: Option<f64>,
    #[serde(default)]
    speed_m_per_min: Option<f64>,
    #[serde(default)]
    method: Option<Method>,
    add: usize,
    /// `"compounds"` (default), `"buildings"`, or a list of `[lon, lat]` or
    /// `{"lon", "lat", "name"}` points.
    #[serde(default)]
    candidates: Option<Value>,
    /// `[west, south, east, north]`: only candidates in this box.
    #[serde(default)]
    bbox: Option<[f64; 4]>,
}

/// `POST /api/coverage/plan {kind, minutes|meters, add, candidates}`: k new sites in the
/// order chosen, each with the households it adds.
pub async fn plan(State(state): State<AppState>, bounds: Bounds, body: Result<Bytes, BytesRejection>) -> Result<Json<Value>, ApiError> {
    let body: PlanBody = json_body_within(body, MAX_PLAN_BYTES)?;
    let kind: FacilityKind = body.kind.parse().map_err(|e| ApiError::bad_parameter("kind", e))?;
    let circle = Circle::new(body.minutes, body.meters, body.speed_m_per_min)?;
    let candidates = candidates(body.candidates)?;
    // The same checks as a `bbox` query parameter.
    let bbox = body
        .bbox
        .map(|[w, s, e, n]| format!("{w},{s},{e},{n}").parse::<Bbox>().map_err(|e| ApiError::bad_parameter("bbox", e)))
        .transpose()?
        .map(|b| [b.west, b.south, b.east, b.north]);
    let snapshot = state.catalog.snapshot();
    let answer = bounds
        .run(&state, move |limits, budget| {
            let plan = plan::plan(&snapshot, kind, circle, body.method, body.add, &candidates, bbox, limits, budget)?;
            Ok(serde_json::to_value(plan).expect("a plan serialises"))
        })
        .await?;
    Ok(Json(answer))
}

fn candidates(value: Option<Value>) -> Result<Candidates, ApiError> {
    let bad = |reason: String| ApiError::bad_parameter("candidates", reason);
    match value {
        None | Some(Value::Null) => Ok(Candidates::Compounds),
        Some(Value::String(word)) => match word.as_str() {
            "compounds" => Ok(Candidates::Compounds),
            "buildings" => Ok(Candidates::Buildings),
            other => Err(bad(format!("{other:?}: expected \"compounds\", \"buildings\" or a list of points"))),
        },
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Array(pair) => match pair.as_slice() {
                    [lon, lat] => match (lon.as_f64(), lat.as_f64()) {
                        (Some(lon), Some(lat)) => Ok(CandidatePoint { lon, lat, name: None }),
                        _ => Err(bad(format!("point {i}: [lon, lat] must be numbers"))),
                    },
                    _ => Err(bad(format!("point {i}: expected [lon, lat]"))),
                },
                object @ Value::Object(_) => serde_json::from_value(object).map_err(|e| bad(format!("point {i}: {e}"))),
                other => Err(bad(format!("point {i}: expected [lon, lat] or {{\"lon\", \"lat\"}}, got {other}"))),
            })
            .collect::<Result<_, _>>()
            .map(Candidates::Points),
        Some(other) => Err(bad(format!("expected \"compounds\", \"buildings\" or a list of points, got {other}"))),
    }
}

fn geometry(geometry: &Geometry) -> Value {
    serde_json::to_value(geojson::Geometry::new(geojson::GeometryValue::from(geometry))).expect("geometry serialises")
}
