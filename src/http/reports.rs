//! The native reports API for residents: submit, read, support ("me too"), and the
//! duplicate pre-check. Staff routes are in `staff`. Also the headers both use: the case's
//! `ETag` and `If-Match`, and `Idempotency-Key` on submissions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_MATCH, LOCATION, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::limit::ClientAddress;
use super::origin::Origin;
use super::params::Params;
use crate::crs::Crs;
use crate::model::reports::{Category, Source};
use crate::model::time::now;
use crate::services::locate::LocateQuery;
use crate::services::reports::idempotency::{self, Idempotency};
use crate::services::reports::{intake, public_case, staff};

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Filing, looking up and supporting reports (the staff queue shares the collection's path).
pub fn router() -> OpenApiRouter<super::AppState> {
    OpenApiRouter::new()
        .route("/api/reports", post(submit).get(super::staff::queue))
        .route("/api/reports/nearby", get(nearby))
        .route("/api/reports/{case}", get(case))
        .route("/api/reports/{case}/support", post(support))
}

/// Reads a JSON body of at most [`MAX_BODY_BYTES`], naming what is wrong with it.
pub fn json_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    json_body_within(body, MAX_BODY_BYTES)
}

/// [`json_body`] for a route that allows bodies up to `limit` bytes.
pub fn json_body_within<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| ApiError::from_body(rejection, limit))?;
    serde_json::from_slice(&body).map_err(|e| ApiError::bad_parameter("body", e))
}

/// Says that an answer repeats the one to an earlier request with the same idempotency key.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A case's entity tag: its version, `"v7"`.
const VARY_BY_TOKEN: (HeaderName, HeaderValue) = (VARY, HeaderValue::from_static("authorization"));
const PRIVATE: (HeaderName, HeaderValue) = (CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));

pub fn etag(version: u32) -> (HeaderName, HeaderValue) {
    (ETAG, HeaderValue::from_str(&format!("\"v{version}\"")).expect("digits are a valid header"))
}

/// The versions of a case an `If-Match` header accepts; `None` without one or for `*`. A
/// weak tag or one that is not ours matches no version (RFC 9110 compares strongly).
pub fn if_match(headers: &HeaderMap) -> Result<Option<Vec<u32>>, ApiError> {
    let mut versions = Vec::new();
    let mut given = false;
    for value in headers.get_all(IF_MATCH) {
        given = true;
        let text = value.to_str().map_err(|_| ApiError::bad_parameter("If-Match", "must be visible ASCII"))?;
        for tag in text.split(',').map(str::trim) {
            if tag == "*" {
                return Ok(None);
            }
            let (weak, opaque) = tag.strip_prefix("W/").map_or((false, tag), |rest| (true, rest));
            let Some(inner) = opaque.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
                return Err(ApiError::bad_parameter(
                    "If-Match",
                    format!("{tag:?} is not an entity tag; send the case's ETag, such as \"v3\""),
                ));
            };
            if let (false, Some(version)) = (weak, inner.strip_prefix('v').and_then(|digits| digits.parse().ok())) {
                versions.push(version);
            }
        }
    }
    Ok(given.then_some(versions))
}

/// The `Idempotency-Key` header's text, if sent (once).
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let mut values = headers.get_all(idempotency::HEADER).into_iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(ApiError::bad_parameter(idempotency::HEADER, "given more than once"));
    }
    let reason = || format!("must be 1–{} visible ASCII characters", idempotency::MAX_KEY_CHARS);
    value.to_str().map(Some).map_err(|_| ApiError::bad_parameter(idempotency::HEADER, reason()))
}

/// The JSON a resident sends. Vocabulary fields are strings here so that a bad value gets
/// an error naming the field and the allowed words. Serialised (in field order) to
/// fingerprint a keyed submission, so a retry may order its keys differently.
#[derive(Deserialize, Serialize)]
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
/// reports from other sources (hotline, patrol, suggestion box) and are named in the audit
/// trail. With an `Idempotency-Key` used by the same request in the last 24 hours, the answer
/// is that request's case, marked `Idempotent-Replayed: true`, and uses up no rate limit.
pub async fn submit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    origin: Origin,
    headers: HeaderMap,
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
    let now = now();
    let key = match idempotency_key(&headers)? {
        Some(key) => {
            let sender = caller.as_ref().map_or_else(|| "anonymous".to_owned(), |staff| staff.actor());
            let request = serde_json::to_vec(&body).expect("the body serialises");
            let key = Idempotency::new(key, &[b"POST /api/reports", sender.as_bytes(), &request])?;
            if let Some(replayed) = intake::replay(&state.catalog, &key, now).await? {
                return Ok(created(&origin, replayed));
            }
            Some(key)
        }
        None => None,
    };
    if caller.is_none() {
        state.submissions.check(&client).await?;
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
        filed_by: caller.as_ref().map(|staff| staff.actor()),
    };
    Ok(created(&origin, intake::submit(&state.catalog, new, key.as_ref(), now).await?))
}

/// 201 with the case's absolute address (behind a proxy, under its prefix); a replayed
/// answer says so.
fn created(origin: &Origin, submitted: intake::Submitted) -> Response {
    let location = origin.url(&format!("/api/reports/{}", submitted.report.case_number));
    let replayed = submitted.replayed;
    let mut response = (StatusCode::CREATED, Json(submitted)).into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_str(&location).expect("case numbers are ASCII"));
    if replayed {
        response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// `GET /api/reports/{case}`: the public view and history; staff who may work on the case
/// get the staff view (reporter contact, full audit trail) instead. Either way with the
/// case's `ETag`, for `If-Match` on a move. The answer depends on the token, so it varies
/// by `Authorization` and is never stored by shared caches: a staff view holds private data.
pub async fn case(State(state): State<AppState>, Caller(caller): Caller, Path(case): Path<String>) -> Result<Response, ApiError> {
    if let Some(staff) = &caller
        && let Some(found) = staff::case_for(&state.catalog, staff, &case).await?
    {
        return Ok(([etag(found.report.version), VARY_BY_TOKEN, PRIVATE], Json(found)).into_response());
    }
    let found = public_case(&state.catalog, &case).await?;
    Ok(([etag(found.version), VARY_BY_TOKEN, PRIVATE], Json(found)).into_response())
}

/// `POST /api/reports/{case}/support`: "me too" (rate-limited like submissions).
pub async fn support(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    Path(case): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if caller.is_none() {
        state.submissions.check(&client).await?;
    }
    let supporters = intake::support(&state.catalog, &case, now()).await?;
    Ok(Json(json!({ "case_number": case, "supporters": supporters })))
}

/// `GET /api/reports/nearby?lon=&lat=&category=[&crs=][&limit=10]`: the nearest open reports
/// a new one may duplicate (`limit` 1–50), and `total`, how many there are.
pub async fn nearby(State(state): State<AppState>, params: Params) -> Result<Json<intake::NearbyList>, ApiError> {
    let category: Category = params.required("category")?;
    let query =
        LocateQuery { lon: params.required("lon")?, lat: params.required("lat")?, crs: params.optional::<Crs>("crs")?.unwrap_or_default() };
    let limit = params.optional("limit")?.unwrap_or(intake::DEFAULT_NEARBY);
    let point = query.wgs84()?;
    Ok(Json(intake::nearby_open(&state.catalog, category, point, limit, None, now()).await?))
}
