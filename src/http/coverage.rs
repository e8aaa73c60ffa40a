//! Official routes for the 15-minute service circle: coverage summary, buildings by
//! walking distance, station isochrones and the siting plan. Public: aggregate figures
//! and public map data only.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::cost::Bounds;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use super::reports::json_body_within;
use crate::model::{DemandGroup, FacilityKind};
use crate::services::coverage::access::{self, Accessibility};
use crate::services::coverage::maps::{
    self, BuildingMap, CoverageQuestion, DemandQuestion, IsochroneBands, IsochroneMap, MapArea, ScoresArea,
};
use crate::services::coverage::plan::{self, CandidatePoint, Candidates, Goal, Objective, Plan};
use crate::services::coverage::summary::{self, Coverage};
use crate::services::coverage::{Circle, Method};
use crate::services::features::Bbox;

/// A plan's body may list up to [`plan::MAX_POINTS`] candidate points.
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;

/// Walking coverage of the service stations.
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new().routes(routes!(coverage)).routes(routes!(buildings)).routes(routes!(isochrones)).routes(routes!(accessibility))
}

/// Siting new stations, with its own, larger body limit.
pub fn plan_router() -> OpenApiRouter<super::AppState> {
    let (schemas, paths, method) = routes!(plan);
    OpenApiRouter::new().routes((schemas, paths, method.layer(super::refusals::BodyLimit::max(MAX_PLAN_BYTES))))
}

impl FromParams for CoverageQuestion {
    fn from_params(params: &Params) -> Result<CoverageQuestion, ApiError> {
        Ok(CoverageQuestion {
            kind: params.required("kind")?,
            minutes: params.optional("minutes")?,
            meters: params.optional("meters")?,
            speed_m_per_min: params.optional("speed_m_per_min")?,
            method: method(params.optional::<String>("method")?.as_deref())?,
        })
    }
}

fn method(word: Option<&str>) -> Result<Option<Method>, ApiError> {
    match word {
        None => Ok(None),
        Some("network") => Ok(Some(Method::Network)),
        Some("euclidean") => Ok(Some(Method::Euclidean)),
        Some(other) => Err(ApiError::bad_parameter("method", format!("{other:?}: expected network or euclidean"))),
    }
}

impl FromParams for DemandQuestion {
    fn from_params(params: &Params) -> Result<DemandQuestion, ApiError> {
        Ok(DemandQuestion { group: params.optional("group")? })
    }
}

impl FromParams for IsochroneBands {
    fn from_params(params: &Params) -> Result<IsochroneBands, ApiError> {
        Ok(IsochroneBands { bands: params.optional("bands")? })
    }
}

impl FromParams for ScoresArea {
    fn from_params(params: &Params) -> Result<ScoresArea, ApiError> {
        Ok(ScoresArea { bbox: params.optional("bbox")? })
    }
}

impl FromParams for MapArea {
    fn from_params(params: &Params) -> Result<MapArea, ApiError> {
        Ok(MapArea { bbox: params.optional("bbox")?, buffer_m: params.optional("buffer_m")? })
    }
}

/// Shares of buildings, households and people within the circle, and of the demand group
/// (`group`, default the kind's rule group), per street and community, and the compounds
/// left outside.
#[utoipa::path(
    get,
    path = "/api/coverage",
    tag = "coverage",
    params(CoverageQuestion, DemandQuestion),
    responses((status = 200, body = Coverage), (status = 400, description = "A bad or missing parameter, named", body = ErrorBody))
)]
pub async fn coverage(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CoverageQuestion>,
    Query(demand): Query<DemandQuestion>,
) -> Result<Json<Coverage>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let answer = bounds
        .run(&state, move |_, budget| summary::coverage_of_group(&snapshot, q.kind, q.circle()?, q.method, demand.group, budget))
        .await?;
    Ok(Json(answer))
}

/// The footprint of every building whose centre is in the box, with its walking distance to
/// the nearest station (`null` beyond twice the circle) and `covered`. At most
/// [`Limits::buildings`](crate::services::cost::Limits) buildings.
#[utoipa::path(
    get,
    path = "/api/coverage/buildings",
    tag = "coverage",
    params(CoverageQuestion, DemandQuestion, MapArea),
    responses(
        (status = 200, body = BuildingMap, content_type = "application/json"),
        (status = 400, description = "A bad parameter, named; or more buildings than a request may have", body = ErrorBody),
    )
)]
pub async fn buildings(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CoverageQuestion>,
    Query(demand): Query<DemandQuestion>,
    Query(area): Query<MapArea>,
) -> Result<Json<BuildingMap>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let map = bounds.run(&state, move |limits, budget| maps::building_map(&snapshot, &q, demand.group, &area, limits, budget)).await?;
    Ok(Json(map))
}

/// One (Multi)Polygon per station of the kind whose isochrone may reach into the box: the
/// walkways within the limit, buffered by `buffer_m`, with the households, residents,
/// elderly and children of the buildings whose walk from the station is within it. With
/// `bands`, one per station and band (largest first), nested.
#[utoipa::path(
    get,
    path = "/api/coverage/isochrones",
    tag = "coverage",
    params(CoverageQuestion, MapArea, IsochroneBands),
    responses(
        (status = 200, body = IsochroneMap, content_type = "application/json"),
        (status = 400, description = "A bad parameter, named; or more stations than a request may have", body = ErrorBody),
    )
)]
pub async fn isochrones(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CoverageQuestion>,
    Query(area): Query<MapArea>,
    Query(bands): Query<IsochroneBands>,
) -> Result<Json<IsochroneMap>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let map = bounds.run(&state, move |limits, budget| maps::isochrone_map(&snapshot, &q, &area, &bands, limits, budget)).await?;
    Ok(Json(map))
}

/// Two-step floating catchment (2SFCA): each station's capacity over the group's demand
/// within the circle (`ratio`), summed per building over the stations within reach, and
/// a demand-weighted mean per compound (`score`: places per person of the group).
/// Stations without a capacity are left out and counted. With `bbox`, the buildings in it
/// with their own scores.
#[utoipa::path(
    get,
    path = "/api/coverage/access",
    tag = "coverage",
    params(CoverageQuestion, DemandQuestion, ScoresArea),
    responses(
        (status = 200, body = Accessibility),
        (status = 400, description = "A bad parameter, named; or more buildings in the bbox than a request may have", body = ErrorBody),
    )
)]
pub async fn accessibility(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CoverageQuestion>,
    Query(demand): Query<DemandQuestion>,
    Query(area): Query<ScoresArea>,
) -> Result<Json<Accessibility>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let answer = bounds
        .run(&state, move |limits, budget| {
            access::accessibility(&snapshot, q.kind, q.circle()?, q.method, demand.group, area.corners(), limits, budget)
        })
        .await?;
    Ok(Json(answer))
}

/// The body of `POST /api/coverage/plan`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    #[schema(value_type = FacilityKind)]
    kind: String,
    #[serde(default)]
    minutes: Option<f64>,
    #[serde(default)]
    meters: Option<f64>,
    #[serde(default)]
    speed_m_per_min: Option<f64>,
    #[serde(default)]
    method: Option<Method>,
    /// New sites to choose (max_cover; required there, refused with lscp).
    #[serde(default)]
    add: Option<usize>,
    /// `"max_cover"` (default: the `add` sites that bring in the most demand) or `"lscp"`
    /// (the fewest sites that bring `target_share` of the demand into the circle).
    #[serde(default)]
    #[schema(value_type = Option<Objective>)]
    objective: Option<String>,
    /// lscp: the share of the group's demand to reach, more than 0 and at most 1 (default 0.95).
    #[serde(default)]
    target_share: Option<f64>,
    /// Whom the demand counts: households, residents, elderly or children (default the
    /// kind's rule group, as `/api/lifecircle/rules` lists it).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    group: Option<String>,
    /// `"compounds"` (default), `"buildings"`, `"candidate_sites"` (the layer), or a list of
    /// `[lon, lat]` or `{"lon", "lat", "name"}` points.
    #[serde(default)]
    #[schema(value_type = Option<CandidatesSchema>)]
    candidates: Option<Value>,
    /// `[west, south, east, north]`: only candidates in this box.
    #[serde(default)]
    #[schema(value_type = Option<Vec<f64>>, min_items = 4, max_items = 4)]
    bbox: Option<[f64; 4]>,
}

/// Where candidates for new sites come from.
#[derive(ToSchema)]
#[schema(as = Candidates)]
#[allow(dead_code)] // Only its schema is used: `candidates` reads the value.
enum CandidatesSchema {
    /// `compounds`, `buildings` or `candidate_sites`.
    Word(String),
    /// `[lon, lat]` pairs or `{"lon", "lat", "name"}` objects, WGS84.
    Points(Vec<CandidateSchema>),
}

#[derive(ToSchema)]
#[schema(as = Candidate)]
#[allow(dead_code)] // Only its schema is used.
enum CandidateSchema {
    Pair([f64; 2]),
    Point(CandidatePoint),
}

/// New sites for stations of a kind: `add` sites in the order a greedy choice picks them
/// (`max_cover`), or the fewest sites that bring `target_share` of the group's demand into
/// the circle (`lscp`, a mixed-integer programme solved within the request's time), each with the
/// households and the group's demand it adds to the circle's coverage.
#[utoipa::path(
    post,
    path = "/api/coverage/plan",
    tag = "coverage",
    request_body = PlanBody,
    responses((status = 200, body = Plan), (status = 400, description = "A bad field, named; more candidates than a request may have; or a target_share out of reach", body = ErrorBody))
)]
pub async fn plan(State(state): State<AppState>, bounds: Bounds, body: Result<Bytes, BytesRejection>) -> Result<Json<Plan>, ApiError> {
    let body: PlanBody = json_body_within(body, MAX_PLAN_BYTES)?;
    let kind: FacilityKind = body.kind.parse().map_err(|e| ApiError::bad_parameter("kind", e))?;
    let circle = Circle::new(body.minutes, body.meters, body.speed_m_per_min)?;
    let candidates = candidates(body.candidates)?;
    let objective: Objective =
        body.objective.as_deref().map(str::parse).transpose().map_err(|e| ApiError::bad_parameter("objective", e))?.unwrap_or_default();
    let group: Option<DemandGroup> = body.group.as_deref().map(str::parse).transpose().map_err(|e| ApiError::bad_parameter("group", e))?;
    let goal = Goal { objective, add: body.add, group, target_share: body.target_share };
    // The same checks as a `bbox` query parameter.
    let bbox = body
        .bbox
        .map(|[w, s, e, n]| format!("{w},{s},{e},{n}").parse::<Bbox>().map_err(|e| ApiError::bad_parameter("bbox", e)))
        .transpose()?
        .map(|b| [b.west, b.south, b.east, b.north]);
    let snapshot = state.catalog.snapshot();
    let answer = bounds
        .run(&state, move |limits, budget| plan::plan_for(&snapshot, kind, circle, body.method, &goal, &candidates, bbox, limits, budget))
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
            "candidate_sites" => Ok(Candidates::CandidateSites),
            other => Err(bad(format!("{other:?}: expected \"compounds\", \"buildings\", \"candidate_sites\" or a list of points"))),
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
        Some(other) => Err(bad(format!("expected \"compounds\", \"buildings\", \"candidate_sites\" or a list of points, got {other}"))),
    }
}
