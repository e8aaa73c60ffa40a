//! The native reports API for residents: submit, read, support ("me too"), and the
//! duplicate pre-check. Staff routes are in `staff`. Also the headers both use: the case's
//! `ETag` and `If-Match`, and `Idempotency-Key` on submissions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_MATCH, LOCATION, VARY};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::limit::ClientAddress;
use super::origin::Origin;
use super::params::{FromParams, Params, Query};
use super::photos::{is_multipart, read_form};
use crate::crs::Crs;
use crate::model::photos::PhotoStage;
use crate::model::reports::{Category, Source};
use crate::model::time::now;
use crate::services::locate::LocateQuery;
use crate::services::photos;
use crate::services::reports::idempotency::{self, Idempotency};
use crate::services::reports::intake::{NearbyList, Submitted, Supported};
use crate::services::reports::view::CaseView;
use crate::services::reports::{intake, public_case, staff};

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Filing, looking up and supporting reports (the staff queue shares the collection's path).
pub fn router() -> OpenApiRouter<super::AppState> {
    // `POST /api/reports` (which takes photos) is in `photos::upload_router`, with its larger body limit.
    OpenApiRouter::new().routes(routes!(super::staff::queue)).routes(routes!(nearby)).routes(routes!(case)).routes(routes!(support))
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
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SubmitBody {
    #[schema(value_type = Category)]
    category: String,
    /// A subcategory of `category` (its own word, as `GET /api/categories` lists its
    /// children: `fire_lane` of `parking/fire_lane`).
    #[serde(default)]
    subcategory: Option<String>,
    /// What is wrong, 1–2000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    description: String,
    /// Longitude, degrees, in `crs`.
    #[schema(minimum = -180, maximum = 180)]
    lon: f64,
    /// Latitude, degrees, in `crs`.
    #[schema(minimum = -90, maximum = 90)]
    lat: f64,
    /// `wgs84` (default), `gcj02` or `bd09`.
    #[serde(default)]
    #[schema(value_type = Option<Crs>)]
    crs: Option<String>,
    /// An http(s) URL of a photo.
    #[serde(default)]
    photo_url: Option<String>,
    /// Kept privately for staff; never shown publicly.
    #[serde(default)]
    reporter_name: Option<String>,
    /// Kept privately for staff; never shown publicly.
    #[serde(default)]
    reporter_phone: Option<String>,
    /// The consent box: tell me of progress by SMS or WeChat (needs `reporter_phone`).
    #[serde(default)]
    notify: bool,
    /// Staff only: hotline, patrol or suggestion box.
    #[serde(default)]
    #[schema(value_type = Option<Source>)]
    source: Option<String>,
}

/// `Idempotency-Key`: makes a retried submission safe.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Documents the header; `idempotency_key` reads it.
struct IdempotencyKey {
    /// 1–255 visible ASCII characters; the same request with the same key within 24 hours
    /// answers with the first one's case (`Idempotent-Replayed: true`).
    #[param(rename = "Idempotency-Key", pattern = "^[!-~]{1,255}$")]
    idempotency_key: Option<String>,
}

/// The multipart form of a report with photos.
#[derive(ToSchema)]
#[allow(dead_code)] // Documents the form; `read_form` reads it.
struct ReportForm {
    /// The JSON body as one part; or else send its fields (`category`, `description`, `lon`,
    /// `lat`, …) as parts of their own.
    #[schema(value_type = Option<SubmitBody>)]
    report: Option<String>,
    /// Up to 3 photos: JPEG, PNG or WebP (checked by content), at most 5 MB each. They are
    /// re-encoded without EXIF (no GPS) and thumbnailed.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<String>,
}

/// Files a report: 201 with the case number, routing, deadline and duplicate hints.
/// As `multipart/form-data` it may carry up to 3 photos (parts named `photo`).
/// Anonymous callers are residents and are rate-limited per address; staff may record
/// reports from other sources (hotline, patrol, suggestion box) and are named in the audit
/// trail. With an `Idempotency-Key` used by the same request in the last 24 hours, the answer
/// is that request's case, marked `Idempotent-Replayed: true`, and uses up no rate limit.
#[utoipa::path(
    post,
    path = "/api/reports",
    tag = "reports",
    params(IdempotencyKey),
    request_body(content((SubmitBody = "application/json"), (ReportForm = "multipart/form-data"))),
    security((), ("bearer" = [])),
    responses(
        (status = 201, body = Submitted, headers(("Location" = String, description = "The case's address"))),
        (status = 400, description = "A bad field, named; a file that is not a JPEG, PNG or WebP image; more than 3 photos", body = ErrorBody),
        (status = 413, description = "A photo over 5 MB, or a body over the limit", body = ErrorBody),
        (status = 422, description = "The `Idempotency-Key` was used with another request", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    origin: Origin,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let (body, uploads) = if is_multipart(&headers) {
        let multipart = Multipart::from_request(request, &state).await.map_err(|e| ApiError::bad_parameter("body", e.body_text()))?;
        let form = read_form(multipart, "photo").await?;
        (form_body(form.fields)?, form.uploads)
    } else {
        let body = Bytes::from_request(request, &state).await;
        if body.as_ref().is_ok_and(|bytes| bytes.len() > MAX_BODY_BYTES) {
            return Err(ApiError::body_too_large(MAX_BODY_BYTES));
        }
        (json_body::<SubmitBody>(body)?, Vec::new())
    };
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
            // The photos are part of the request: a retry must send the same files.
            let digests: Vec<u8> = uploads.iter().flat_map(|u| <sha2::Sha256 as sha2::Digest>::digest(&u.bytes)).collect();
            let key = Idempotency::new(key, &[b"POST /api/reports", sender.as_bytes(), &request, &digests])?;
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
    let uploaded_by = caller.as_ref().map_or_else(|| source.as_str().to_owned(), |staff| staff.actor());
    let photos = photos::prepare(&state.photos, uploads, PhotoStage::Before, &uploaded_by, now).await?;
    let new = intake::NewReport {
        category,
        subcategory: body.subcategory,
        source,
        description: body.description,
        photo_url: body.photo_url,
        reporter_name: body.reporter_name,
        reporter_phone: body.reporter_phone,
        notify: body.notify,
        lon: body.lon,
        lat: body.lat,
        crs,
        filed_by: caller.clone(),
        photos,
    };
    Ok(created(&origin, intake::submit(&state.catalog, new, key.as_ref(), now).await?))
}

/// A report's fields sent as form parts: the JSON body in a part `report`, or each field in
/// a part of its own (numbers as text).
fn form_body(fields: Vec<(String, String)>) -> Result<SubmitBody, ApiError> {
    if let Some((_, json)) = fields.iter().find(|(name, _)| name == "report") {
        if let Some((other, _)) = fields.iter().find(|(name, _)| name != "report") {
            return Err(ApiError::bad_parameter(other, "send the report either as the `report` part or as fields, not both"));
        }
        return serde_json::from_str(json).map_err(|e| ApiError::bad_parameter("report", e));
    }
    let mut object = serde_json::Map::new();
    for (name, text) in fields {
        let value = match name.as_str() {
            "lon" | "lat" => {
                let degrees: f64 =
                    text.trim().parse().map_err(|_| ApiError::bad_parameter(&name, format!("{text:?} is not a number of degrees")))?;
                serde_json::Value::from(degrees)
            }
            _ => serde_json::Value::String(text),
        };
        object.insert(name, value);
    }
    serde_json::from_value(serde_json::Value::Object(object)).map_err(|e| ApiError::bad_parameter("body", e))
}

/// 201 with the case's absolute address (behind a proxy, under its prefix); a replayed
/// answer says so.
fn created(origin: &Origin, mut submitted: intake::Submitted) -> Response {
    let location = origin.url(&format!("/api/reports/{}", submitted.report.case_number));
    submitted.follow_url = origin.url(&submitted.follow_url);
    let replayed = submitted.replayed;
    let mut response = (StatusCode::CREATED, Json(submitted)).into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_str(&location).expect("case numbers are ASCII"));
    if replayed {
        response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// A case: the public view and history; staff who may work on the case
/// get the staff view (reporter contact, full audit trail) instead. Either way with the
/// case's `ETag`, for `If-Match` on a move. The answer depends on the token, so it varies
/// by `Authorization` and is never stored by shared caches: a staff view holds private data.
#[utoipa::path(
    get,
    path = "/api/reports/{case}",
    tag = "reports",
    params(("case" = String, Path, description = "The case number")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The public view, or the staff view for staff who may work on the case",
         body = CaseView, headers(("ETag" = String, description = "The case's version, for `If-Match`"))),
        (status = 404, description = "No such case", body = ErrorBody),
    )
)]
pub async fn case(State(state): State<AppState>, Caller(caller): Caller, Path(case): Path<String>) -> Result<Response, ApiError> {
    let staff_view = match &caller {
        Some(staff) => staff::case_for(&state.catalog, staff, &case).await?,
        None => None,
    };
    let view = match staff_view {
        Some(found) => CaseView::Staff(found),
        None => CaseView::Public(public_case(&state.catalog, &case).await?),
    };
    Ok(([etag(view.version()), VARY_BY_TOKEN, PRIVATE], Json(view)).into_response())
}

/// "Me too": one more resident has this problem (rate-limited like submissions).
#[utoipa::path(
    post,
    path = "/api/reports/{case}/support",
    tag = "reports",
    params(("case" = String, Path, description = "The case number")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, body = Supported),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = ErrorBody),
    )
)]
pub async fn support(
    State(state): State<AppState>,
    Caller(caller): Caller,
    client: ClientAddress,
    Path(case): Path<String>,
) -> Result<Json<Supported>, ApiError> {
    if caller.is_none() {
        state.submissions.check(&client).await?;
    }
    Ok(Json(intake::support(&state.catalog, &case, now()).await?))
}

/// `category` and `limit` of the duplicate pre-check (the point is a [`LocateQuery`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    category: Category,
    /// Reports at most, 1–50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

impl FromParams for NearbyQuery {
    fn from_params(params: &Params) -> Result<NearbyQuery, ApiError> {
        Ok(NearbyQuery { category: params.required("category")?, limit: params.optional("limit")? })
    }
}

/// The nearest open reports of a category a new one may duplicate, and `total`, how many there are.
#[utoipa::path(
    get,
    path = "/api/reports/nearby",
    tag = "reports",
    params(NearbyQuery, LocateQuery),
    responses((status = 200, body = NearbyList), (status = 400, description = "A bad or missing parameter, named", body = ErrorBody))
)]
pub async fn nearby(
    State(state): State<AppState>,
    Query(nearby): Query<NearbyQuery>,
    Query(at): Query<LocateQuery>,
) -> Result<Json<NearbyList>, ApiError> {
    let point = at.wgs84()?;
    let limit = nearby.limit.unwrap_or(intake::DEFAULT_NEARBY);
    Ok(Json(intake::nearby_open(&state.catalog, nearby.category, point, limit, None, now()).await?))
}
