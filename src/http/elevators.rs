//! Elevator retrofit candidates (加装电梯): the ranked walk-ups, as GeoJSON and as CSV.
//! Public: building figures and counts of requests only.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::analytics::csv_attachment;
use super::cost::Bounds;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use crate::services::elevators::{self, Candidate, CandidateMap, CandidateQuestion};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(candidates)).routes(routes!(candidates_csv))
}

impl FromParams for CandidateQuestion {
    fn from_params(params: &Params) -> Result<CandidateQuestion, ApiError> {
        Ok(CandidateQuestion { limit: params.optional("limit")?, compound: params.optional("compound")? })
    }
}

async fn ranked(state: &AppState, bounds: Bounds, question: CandidateQuestion) -> Result<CandidateMap, ApiError> {
    let catalog = state.catalog.clone();
    bounds.run(state, move |_, _| elevators::candidate_map(&catalog.snapshot(), &catalog.reports(), &question)).await
}

/// Walk-ups of four floors or more without a lift, in rank order: buildings of old
/// compounds first, then by score (requests per 100 households, share of elderly, floors).
/// Footprints, with `total` the number of candidates before `limit`.
#[utoipa::path(
    get,
    path = "/api/elevators/candidates",
    tag = "elevators",
    params(CandidateQuestion),
    responses(
        (status = 200, body = CandidateMap, content_type = "application/json"),
        (status = 400, description = "A bad parameter, named", body = ErrorBody),
        (status = 404, description = "No such compound", body = ErrorBody),
    )
)]
pub async fn candidates(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CandidateQuestion>,
) -> Result<Json<CandidateMap>, ApiError> {
    Ok(Json(ranked(&state, bounds, q).await?))
}

/// The same list as CSV (UTF-8 with a byte-order mark, for Excel), one row per building.
#[utoipa::path(
    get,
    path = "/api/elevators/candidates.csv",
    tag = "elevators",
    params(CandidateQuestion),
    responses(
        (status = 200, body = String, content_type = "text/csv; charset=utf-8"),
        (status = 400, description = "A bad parameter, named", body = ErrorBody),
        (status = 404, description = "No such compound", body = ErrorBody),
    )
)]
pub async fn candidates_csv(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CandidateQuestion>,
) -> Result<Response, ApiError> {
    let map = ranked(&state, bounds, q).await?;
    let header = [
        "rank",
        "id",
        "label",
        "compound_id",
        "compound_name",
        "compound_kind",
        "floors",
        "units",
        "households",
        "elderly",
        "elderly_share",
        "requests",
        "requests_per_100_households",
        "score",
    ];
    let rows = map.features.iter().map(|f| row(&f.properties));
    csv_attachment(&header, rows, "elevator-candidates.csv")
}

fn row(c: &Candidate) -> Vec<String> {
    vec![
        c.rank.to_string(),
        c.id.clone(),
        c.label.clone(),
        c.compound_id.clone().unwrap_or_default(),
        c.compound_name.clone().unwrap_or_default(),
        c.compound_kind.map(|k| k.to_string()).unwrap_or_default(),
        c.floors.to_string(),
        c.units.to_string(),
        c.households.to_string(),
        c.elderly.to_string(),
        c.elderly_share.to_string(),
        c.requests.to_string(),
        c.requests_per_100_households.to_string(),
        c.score.to_string(),
    ]
}
