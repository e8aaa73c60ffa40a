//! The native reports API for residents: submit, read, support ("me too"), and the
//! duplicate pre-check. Staff routes are in `staff`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::auth::Caller;
use super::error::ApiError;
use super::limit::ClientAddress;
use super::params::Params;
use super::AppState;
use crate::crs::Crs;
use crate::model::reports::{Category, Source};
use crate::model::time::now;
use crate::services::locate::LocateQuery;
use crate::services::reports::{intake, public_case, staff};

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Reads a JSON body of at most [`MAX_BODY_BYTES`], naming what is wrong with it.
pub fn json_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    json_body_within(body, MAX_BODY_BYTES)
}

/// [`json_body`] for a route that allows bodies up to `limit` bytes.
pub fn json_body_within<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| ApiError::from_body(rejection, limit))?;
    serde_json::from_slice(&body).map_err(|e| ApiError::bad_parameter("body", e))
}

/// The JSON a resident sends. Vocabulary fields are strings here so that a bad value gets
/// an error naming the field and the allowed words.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    category: String,
    description: String,
    lon: f64,
    lat: f64,
    #[serde(default)]
    crs: Option<String>,
    #[serde(default)]
    photo_url: Option<String>,
    #[serde(default)]
    reporter_name: Option<String>,
    #[serde(default)]
    reporter_phone: Option<String>,
    /// Staff only: hotline, patrol or suggestion box.
    #[serde(default)]
    source: Option<String>,
}

/// `POST /api/reports`: 201 with the case number, routing, deadline and duplicate hints.
/// Anonymous callers are residents and are rate-limited per address; staff may record
/// reports from other sources (hotline, patrol, suggestion box).
pub async fn submit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: SubmitBody = json_body(body)?;
    let category: Category = body.category.parse().map_err(|e| ApiError::bad_parameter("category", e))?;
    let crs: Crs = match body.crs.as_deref() {
        Some(text) => text.parse().map_err(|e| ApiError::bad_parameter("crs", e))?,
        None => Crs::Wgs84,
    };
    let source = match (&caller, body.source.as_deref()) {
        (_, None) => Source::Resident,
        (Some(_), Some(text)) => text.parse().map_err(|e| ApiError::bad_parameter("source", e))?,
        (None, Some(_)) => {
            return Err(ApiError::bad_parameter("source", "only staff (with a token) may set the source"));
        }
    };
    if caller.is_none() {
        state.submissions.check(&client)?;
    }
    let new = intake::NewReport {
        category,
        source,
        description: body.description,
        photo_url: body.photo_url,
        reporter_name: body.reporter_name,
        reporter_phone: body.reporter_phone,
        lon: body.lon,
        lat: body.lat,
        crs,
    };
    let submitted = intake::submit(&state.catalog, new, now()).await?;
    let location = format!("/api/reports/{}", submitted.report.case_number);
    let mut response = (StatusCode::CREATED, Json(submitted)).into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_str(&location).expect("case numbers are ASCII"));
    Ok(response)
}

/// `GET /api/reports/{case}`: the public view and history; staff who may work on the case
/// get the staff view (reporter contact, full audit trail) instead.
pub async fn case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(case): Path<String>,
) -> Result<Response, ApiError> {
    if let Some(staff) = &caller
        && let Some(found) = staff::case_for(&state.catalog, staff, &case).await?
    {
        return Ok(Json(found).into_response());
    }
    let (report, history) = public_case(&state.catalog, &case).await?;
    Ok(Json(json!({ "report": report, "history": history })).into_response())
}

/// `POST /api/reports/{case}/support`: "me too" (rate-limited like submissions).
pub async fn support(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    Path(case): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if caller.is_none() {
        state.submissions.check(&client)?;
    }
    let supporters = intake::support(&state.catalog, &case, now()).await?;
    Ok(Json(json!({ "case_number": case, "supporters": supporters })))
}

/// `GET /api/reports/nearby?lon=&lat=&category=[&crs=]`: open reports a new one may duplicate.
pub async fn nearby(State(state): State<AppState>, params: Params) -> Result<Json<serde_json::Value>, ApiError> {
    let category: Category = params.required("category")?;
    let query = LocateQuery {
        lon: params.required("lon")?,
        lat: params.required("lat")?,
        crs: params.optional::<Crs>("crs")?.unwrap_or_default(),
    };
    let point = query.wgs84()?;
    let reports = intake::nearby_open(&state.catalog, category, point, now()).await?;
    Ok(Json(json!({ "reports": reports })))
}

