//! The native reports API: submit, read, support ("me too"), and the duplicate pre-check.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::params::Params;
use crate::crs::Crs;
use crate::model::reports::{Category, Source};
use crate::services::locate::LocateQuery;
use crate::services::reports::{intake, public_case};
use crate::services::Catalog;

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub(super) fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
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
}

/// `POST /api/reports`: 201 with the case number, routing, deadline and duplicate hints.
pub async fn submit(State(catalog): State<Catalog>, body: Bytes) -> Result<Response, ApiError> {
    let body: SubmitBody = serde_json::from_slice(&body).map_err(|e| ApiError::bad_parameter("body", e))?;
    let category: Category = body.category.parse().map_err(|e| ApiError::bad_parameter("category", e))?;
    let crs: Crs = match body.crs.as_deref() {
        Some(text) => text.parse().map_err(|e| ApiError::bad_parameter("crs", e))?,
        None => Crs::Wgs84,
    };
    let new = intake::NewReport {
        category,
        // Anonymous callers are residents; hotline and patrol sources come with staff tokens.
        source: Source::Resident,
        description: body.description,
        photo_url: body.photo_url,
        reporter_name: body.reporter_name,
        reporter_phone: body.reporter_phone,
        lon: body.lon,
        lat: body.lat,
        crs,
    };
    let submitted = intake::submit(&catalog, new, now()).await?;
    let location = format!("/api/reports/{}", submitted.report.case_number);
    let mut response = (StatusCode::CREATED, Json(submitted)).into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_str(&location).expect("case numbers are ASCII"));
    Ok(response)
}

/// `GET /api/reports/{case}`: the public view and history.
pub async fn case(State(catalog): State<Catalog>, Path(case): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let (report, history) = public_case(&catalog, &case).await?;
    Ok(Json(json!({ "report": report, "history": history })))
}

/// `POST /api/reports/{case}/support`: "me too".
pub async fn support(State(catalog): State<Catalog>, Path(case): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let supporters = intake::support(&catalog, &case, now()).await?;
    Ok(Json(json!({ "case_number": case, "supporters": supporters })))
}

/// `GET /api/reports/nearby?lon=&lat=&category=[&crs=]`: open reports a new one may duplicate.
pub async fn nearby(State(catalog): State<Catalog>, params: Params) -> Result<Json<serde_json::Value>, ApiError> {
    let category: Category = params.required("category")?;
    let query = LocateQuery {
        lon: params.required("lon")?,
        lat: params.required("lat")?,
        crs: params.optional::<Crs>("crs")?.unwrap_or_default(),
    };
    let point = query.wgs84()?;
    let reports = intake::nearby_open(&catalog, category, point, now()).await?;
    Ok(Json(json!({ "reports": reports })))
}
