//! The life-circle check (生活圈体检): a compound's, community's or street's check against the
//! rules in force, every compound's score as GeoJSON and CSV, the printable report page and
//! the rules themselves. Public and read-only: aggregate figures and public map data only.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::analytics::csv_attachment;
use super::cost::Bounds;
use super::error::{ApiError, ErrorBody};
use super::params::{FromParams, Params, Query};
use crate::model::lifecircle::Rules;
use crate::model::{DemandGroup, Layer};
use crate::network::Method;
use crate::services::lifecircle::areas::check_area;
use crate::services::lifecircle::{Check, CompoundLine, Question, check_all, check_compound, report};
use crate::services::schemas::GeoJsonGeometry;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check))
        .routes(routes!(compounds))
        .routes(routes!(compounds_csv))
        .routes(routes!(rules))
        .routes(routes!(report_page))
}

/// Whom and how the check counts.
#[derive(Debug, Clone, Copy, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuestion {
    /// `households`, `residents`, `elderly` or `children`: every kind counts this group
    /// (default: each kind its own, as the rules say).
    #[param(value_type = Option<String>)]
    group: Option<DemandGroup>,
    /// `network` (default when walkways are loaded) or `euclidean`.
    #[param(value_type = Option<Method>)]
    method: Option<Method>,
}

impl FromParams for CheckQuestion {
    fn from_params(params: &Params) -> Result<CheckQuestion, ApiError> {
        let method = match params.optional::<String>("method")?.as_deref() {
            None => None,
            Some("network") => Some(Method::Network),
            Some("euclidean") => Some(Method::Euclidean),
            Some(other) => return Err(ApiError::bad_parameter("method", format!("{other:?}: expected network or euclidean"))),
        };
        Ok(CheckQuestion { group: params.optional("group")?, method })
    }
}

impl CheckQuestion {
    fn question(self) -> Question {
        Question { group: self.group, method: self.method }
    }
}

/// The area a check is about: exactly one of the three.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckArea {
    /// A compound's id.
    compound: Option<String>,
    /// A community's id: totals over its compounds.
    community: Option<String>,
    /// A street's id: totals over its communities' compounds.
    street: Option<String>,
}

impl FromParams for CheckArea {
    fn from_params(params: &Params) -> Result<CheckArea, ApiError> {
        let area = CheckArea {
            compound: params.optional("compound")?,
            community: params.optional("community")?,
            street: params.optional("street")?,
        };
        let given = [&area.compound, &area.community, &area.street].iter().filter(|a| a.is_some()).count();
        if given != 1 {
            let parameter = if given == 0 || area.compound.is_some() { "compound" } else { "community" };
            return Err(ApiError::bad_parameter(parameter, format!("give exactly one of compound, community or street (got {given})")));
        }
        Ok(area)
    }
}

/// A compound's check kind by kind (the walk within which the rules' `pass_share` of its
/// people live and the facility at the end of it, the farthest building's walk, pass or
/// fail, the people affected) and its score; for a community or street, totals over its
/// compounds and each compound's score.
#[utoipa::path(
    get,
    path = "/api/lifecircle",
    tag = "coverage",
    params(CheckArea, CheckQuestion),
    responses(
        (status = 200, body = Check),
        (status = 400, description = "A bad parameter, named; or not exactly one of compound, community, street", body = ErrorBody),
        (status = 404, description = "No such compound, community or street", body = ErrorBody),
    )
)]
pub async fn check(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(area): Query<CheckArea>,
    Query(q): Query<CheckQuestion>,
) -> Result<Json<Check>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let rules = state.rules.clone();
    let answer = bounds
        .run(&state, move |_, budget| match area {
            CheckArea { compound: Some(id), .. } => check_compound(&snapshot, &rules, &id, q.question(), budget),
            CheckArea { community: Some(id), .. } => check_area(&snapshot, &rules, Layer::Communities, &id, q.question(), budget),
            CheckArea { street: Some(id), .. } => check_area(&snapshot, &rules, Layer::Streets, &id, q.question(), budget),
            CheckArea { .. } => unreachable!("FromParams asks for exactly one area"),
        })
        .await?;
    Ok(Json(answer))
}

/// Every compound's check as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundMap {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind_of_document: &'static str,
    pub method: Method,
    pub method_note: Option<&'static str>,
    pub features: Vec<CompoundFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundFeature {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    pub id: String,
    #[schema(value_type = GeoJsonGeometry)]
    pub geometry: geojson::Geometry,
    pub properties: CompoundLine,
}

/// Every compound's outline with its score, the required kinds met and missing, and its
/// people of the group (residents when none is asked), for the choropleth.
#[utoipa::path(
    get,
    path = "/api/lifecircle/compounds",
    tag = "coverage",
    params(CheckQuestion),
    responses((status = 200, body = CompoundMap, content_type = "application/json"), (status = 400, description = "A bad parameter, named", body = ErrorBody))
)]
pub async fn compounds(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(q): Query<CheckQuestion>,
) -> Result<Json<CompoundMap>, ApiError> {
    let snapshot = state.catalog.snapshot();
    let rules = state.rules.clone();
    let map = bounds
        .run(&state, move |_, budget| {
            let (lines, method, method_note) = check_all(&snapshot, &rules, q.question(), budget)?;
            let features = lines
                .into_iter()
                .zip(&snapshot.data.compounds)
                .map(|(line, c)| CompoundFeature {
                    kind: "Feature",
                    id: line.id.clone(),
                    geometry: geojson::Geometry::new(geojson::GeometryValue::from(&c.geometry)),
                    properties: line,
                })
                .collect();
            Ok(CompoundMap { kind_of_document: "FeatureCollection", method, method_note, features })
        })
        .await?;
    Ok(Json(map))
}

/// The columns of `compounds.csv`.
const CSV_HEADER: [&str; 10] = ["id", "name", "kind", "community_id", "score", "met", "required", "missing", "missing_count", "demand"];

/// The same as `/api/lifecircle/compounds`, without outlines, as CSV (UTF-8 with a byte-order
/// mark; `missing` joined by `;`).
#[utoipa::path(
    get,
    path = "/api/lifecircle/compounds.csv",
    tag = "coverage",
    params(CheckQuestion),
    responses(
        (status = 200, description = "One row per compound after a header row", content_type = "text/csv; charset=utf-8", body = String),
        (status = 400, description = "A bad parameter, named", body = ErrorBody),
    )
)]
pub async fn compounds_csv(State(state): State<AppState>, bounds: Bounds, Query(q): Query<CheckQuestion>) -> Result<Response, ApiError> {
    let snapshot = state.catalog.snapshot();
    let rules = state.rules.clone();
    let (lines, _, _) = bounds.run(&state, move |_, budget| check_all(&snapshot, &rules, q.question(), budget)).await?;
    let rows = lines.into_iter().map(|l| {
        vec![
            l.id,
            l.name,
            l.kind.to_string(),
            l.community_id.unwrap_or_default(),
            l.score.to_string(),
            l.met.to_string(),
            l.required.to_string(),
            l.missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(";"),
            l.missing_count.to_string(),
            l.demand.to_string(),
        ]
    });
    csv_attachment(&CSV_HEADER, rows, "lifecircle-compounds.csv")
}

/// The rules in force: the share of a compound's people a kind must reach (`pass_share`),
/// and per facility kind its circle, walking limit, group, whether it is required and its
/// weight in the score (GB 50180-2018 Appendix B unless the server was started with
/// `--life-circle-rules`).
#[utoipa::path(get, path = "/api/lifecircle/rules", tag = "coverage", responses((status = 200, body = Rules)))]
pub async fn rules(State(state): State<AppState>) -> Json<Rules> {
    Json(state.rules.as_ref().clone())
}

/// The compound whose report is printed.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The compound's id.
    compound: String,
}

impl FromParams for ReportQuery {
    fn from_params(params: &Params) -> Result<ReportQuery, ApiError> {
        Ok(ReportQuery { compound: params.required("compound")? })
    }
}

/// A compound's printable check (生活圈体检报告): an HTML page with a print stylesheet, the
/// table kind by kind and a small map; it needs nothing from the network.
#[utoipa::path(
    get,
    path = "/lifecircle/report",
    tag = "coverage",
    params(ReportQuery, CheckQuestion),
    responses(
        (status = 200, description = "The report page", content_type = "text/html; charset=utf-8", body = String),
        (status = 400, description = "`compound` missing, or a bad parameter, named", body = ErrorBody),
        (status = 404, description = "No such compound", body = ErrorBody),
    )
)]
pub async fn report_page(
    State(state): State<AppState>,
    bounds: Bounds,
    Query(r): Query<ReportQuery>,
    Query(q): Query<CheckQuestion>,
) -> Result<Response, ApiError> {
    let snapshot = state.catalog.snapshot();
    let rules = state.rules.clone();
    let page = bounds
        .run(&state, move |_, budget| {
            let check = check_compound(&snapshot, &rules, &r.compound, q.question(), budget)?;
            Ok(report::render(&snapshot, &check, rules.pass_share))
        })
        .await?;
    Ok(([(CONTENT_TYPE, "text/html; charset=utf-8"), (CACHE_CONTROL, "no-cache")], page).into_response())
}
