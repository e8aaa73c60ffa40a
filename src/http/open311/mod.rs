//! Open311 GeoReport v2 under `/open311/v2`: discovery, services, service definitions,
//! and service requests to read and to file.
//!
//! The format comes from the path's extension, `.json` or `.xml`; a path without one is a
//! 404 (in JSON, the spec's error format), since the spec has no default format. Errors are
//! the spec's `[{"code", "description"}]` / `<errors><error>`, with the status codes the
//! rest of the API uses (see `error.rs`). A filed request answers 201 Created: the spec
//! names no success code, our native API answers 201 for the same act, and Open311 clients
//! check for any 2xx. The discovery `url` is absolute, from the request's `Origin` (see
//! `origin`), as clients join the spec's paths to it.

mod xml;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, OriginalUri, Path, RawQuery, Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use super::limit::ClientAddress;
use super::origin::Origin;
use super::photos::{is_multipart, read_form};
use super::refusals::BodyLimit;
use super::reports::{REPLAYED, idempotency_key};
use crate::model::photos::PhotoStage;
use crate::model::time::now;
use crate::services::auth::authenticate;
use crate::services::categories::Settings;
use crate::services::reports::open311::{self, Created, Discovery, Fields, RequestUpdate, Service, ServiceDefinition, ServiceRequest};
use crate::services::schemas::Iso8601;
use crate::services::{Catalog, photos};

const ROOT: &str = "/open311/v2";
/// A 2,000-character Chinese description is 18 kB once percent-encoded in a form body.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The Open311 routes, to merge into the main router. Each path is its own documented
/// handler: OpenAPI has one path per format, as the spec has.
pub fn router() -> OpenApiRouter<AppState> {
    let v2 = OpenApiRouter::new()
        .routes(routes!(discovery_json))
        .routes(routes!(discovery_xml))
        .routes(routes!(services_json))
        .routes(routes!(services_xml))
        .routes(routes!(service_definition))
        .routes(routes!(requests_json, create_json))
        .routes(routes!(requests_xml, create_xml))
        .routes(routes!(request))
        .routes(routes!(updates_json))
        .routes(routes!(updates_xml))
        // Room for photos (`media`); other bodies are held to MAX_BODY_BYTES as they are read.
        .layer(BodyLimit::with_multipart(MAX_BODY_BYTES, super::photos::MAX_UPLOAD_BYTES))
        .fallback(unknown);
    OpenApiRouter::new().nest(ROOT, v2)
}

/// The spec's error list, `[{"code", "description"}]` (`<errors><error>` in XML).
#[derive(Serialize, ToSchema)]
pub struct Open311Failure {
    /// The HTTP status, repeated.
    code: u16,
    description: String,
}

/// How an Open311 error is documented: the spec's list, in JSON or XML as the path asks.
pub(super) fn error_content() -> Value {
    let schema = json!({ "type": "array", "items": serde_json::to_value(<Open311Failure as utoipa::PartialSchema>::schema()).expect("a schema serialises") });
    json!({ "application/json; charset=utf-8": { "schema": schema }, "text/xml; charset=utf-8": { "schema": { "type": "string" } } })
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format a path's extension names, and the last segment without it.
    fn of(path: &str) -> Option<(&str, Format)> {
        let last = path.rsplit('/').next().unwrap_or(path);
        match last.rsplit_once('.') {
            Some((stem, "json")) => Some((stem, Format::Json)),
            Some((stem, "xml")) => Some((stem, Format::Xml)),
            _ => None,
        }
    }
}

/// Every route has an extension except `services/{file}` and `requests/{file}`, where a
/// missing one gets the spec's 404.
impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Format, Response> {
        let path = parts.extensions.get::<OriginalUri>().map_or(parts.uri.path(), |original| original.path());
        Format::of(path)
            .map(|(_, format)| format)
            .ok_or_else(|| failure(Format::Json, ApiError::not_found(format!("{path}: add .json or .xml to choose the format"))))
    }
}

/// The spec's document for `value`, in `format`.
fn reply<T: Serialize>(format: Format, status: StatusCode, root: &str, value: &T) -> Response {
    let (content_type, body) = match format {
        Format::Json => ("application/json; charset=utf-8", serde_json::to_vec(value).expect("Open311 documents serialise")),
        Format::Xml => {
            let value = serde_json::to_value(value).expect("Open311 documents serialise");
            ("text/xml; charset=utf-8", xml::document(root, &value))
        }
    };
    (status, [(CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}

/// An error in the spec's format, with the status the rest of the API would give it (and
/// its `Retry-After`, which the spec's body has no field for).
fn failure(format: Format, error: impl Into<ApiError>) -> Response {
    let error = error.into();
    let errors = [Open311Failure { code: error.status().as_u16(), description: error.message().to_owned() }];
    let mut response = reply(format, error.status(), "errors", &errors);
    if let Some(seconds) = error.retry_after() {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Whether `path` is an Open311 one, whose errors take the spec's format.
pub(super) fn serves(path: &str) -> bool {
    path == ROOT || path.starts_with(&format!("{ROOT}/"))
}

/// An error the HTTP layer raised at `path`, in the format the path asks for (JSON unless
/// it ends in `.xml`).
pub(super) fn error_at(path: &str, error: ApiError) -> Response {
    failure(Format::of(path).map_or(Format::Json, |(_, format)| format), error)
}

fn answer<T: Serialize>(format: Format, root: &str, result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => reply(format, StatusCode::OK, root, &value),
        Err(error) => failure(format, error),
    }
}

fn query_fields(query: Option<String>) -> Result<Fields, ApiError> {
    serde_urlencoded::from_str(query.as_deref().unwrap_or("")).map(Fields).map_err(|e| ApiError::bad_parameter("query string", e))
}

/// The discovery document: where the endpoint is, which formats and spec version.
#[utoipa::path(get, path = "/discovery.json", tag = "open311", responses((status = 200, body = Discovery, content_type = "application/json; charset=utf-8")))]
async fn discovery_json(format: Format, origin: Origin) -> Response {
    discovery(format, origin)
}

/// The discovery document in XML.
#[utoipa::path(get, path = "/discovery.xml", tag = "open311", responses((status = 200, body = String, content_type = "text/xml; charset=utf-8")))]
async fn discovery_xml(format: Format, origin: Origin) -> Response {
    discovery(format, origin)
}

fn discovery(format: Format, origin: Origin) -> Response {
    reply(format, StatusCode::OK, "discovery", &open311::discovery(&origin.url(ROOT)))
}

/// One service per report category.
#[utoipa::path(
    get, path = "/services.json", tag = "open311", params(Jurisdiction),
    responses((status = 200, body = Vec<Service>, content_type = "application/json; charset=utf-8"))
)]
async fn services_json(State(state): State<AppState>, format: Format, RawQuery(query): RawQuery) -> Response {
    services(&state, format, query).await
}

/// One service per report category, in XML.
#[utoipa::path(
    get, path = "/services.xml", tag = "open311", params(Jurisdiction),
    responses((status = 200, body = String, content_type = "text/xml; charset=utf-8"))
)]
async fn services_xml(State(state): State<AppState>, format: Format, RawQuery(query): RawQuery) -> Response {
    services(&state, format, query).await
}

/// The services as the category settings are now (an admin's change shows at once).
async fn services(state: &AppState, format: Format, query: Option<String>) -> Response {
    let checked = query_fields(query).and_then(|fields| open311::check_jurisdiction(&fields).map_err(ApiError::from));
    let result = match checked {
        Ok(()) => Settings::load(&state.catalog).await.map(|settings| open311::services(&settings)).map_err(ApiError::from),
        Err(error) => Err(error),
    };
    answer(format, "services", result)
}

/// `jurisdiction_id`, which every read may carry.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query; `Fields` reads it with the spec's rules.
struct Jurisdiction {
    /// This server's jurisdiction, if given (any other is a 404).
    jurisdiction_id: Option<String>,
}

/// A service's definition (no service has attributes). `file` is `{service_code}.json` or `.xml`.
#[utoipa::path(
    get, path = "/services/{file}", tag = "open311",
    params(("file" = String, Path, description = "`{service_code}.json` or `{service_code}.xml`", example = "parking.json"), Jurisdiction),
    responses(
        (status = 200, content(
            (ServiceDefinition = "application/json; charset=utf-8"),
            (String = "text/xml; charset=utf-8"),
        )),
        (status = 404, description = "No such service, or no format extension"),
    )
)]
async fn service_definition(format: Format, Path(file): Path<String>, RawQuery(query): RawQuery) -> Response {
    let code = Format::of(&file).map_or(file.as_str(), |(stem, _)| stem);
    let result = query_fields(query).and_then(|fields| {
        open311::check_jurisdiction(&fields)?;
        Ok(open311::service_definition(code)?)
    });
    answer(format, "service_definition", result)
}

/// The query of `GET requests`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query; `Fields` reads it with the spec's rules.
struct RequestsQuery {
    /// Case numbers, comma-separated; overrides every other filter, as the spec says.
    service_request_id: Option<String>,
    /// Service codes (report categories), comma-separated.
    service_code: Option<String>,
    /// `open` or `closed`, comma-separated.
    status: Option<String>,
    /// Filed at or after this ISO 8601 time (default: 90 days before `end_date` or now).
    #[param(value_type = Option<Iso8601>)]
    start_date: Option<String>,
    /// Filed at or before this time; at most 90 days after `start_date`.
    #[param(value_type = Option<Iso8601>)]
    end_date: Option<String>,
    jurisdiction_id: Option<String>,
}

/// Service requests, newest first, at most 1000, the last 90 days unless `start_date`/`end_date` say otherwise.
#[utoipa::path(
    get, path = "/requests.json", tag = "open311", params(RequestsQuery),
    responses((status = 200, body = Vec<ServiceRequest>, content_type = "application/json; charset=utf-8"))
)]
async fn requests_json(State(catalog): State<Catalog>, format: Format, origin: Origin, RawQuery(query): RawQuery) -> Response {
    requests(catalog, format, origin, query).await
}

/// Service requests in XML.
#[utoipa::path(
    get, path = "/requests.xml", tag = "open311", params(RequestsQuery),
    responses((status = 200, body = String, content_type = "text/xml; charset=utf-8"))
)]
async fn requests_xml(State(catalog): State<Catalog>, format: Format, origin: Origin, RawQuery(query): RawQuery) -> Response {
    requests(catalog, format, origin, query).await
}

async fn requests(catalog: Catalog, format: Format, origin: Origin, query: Option<String>) -> Response {
    let result = async { Ok(absolute_media(&origin, open311::requests_for(&catalog, &query_fields(query)?, now()).await?)) };
    answer(format, "service_requests", result.await)
}

/// `media_url` of our own photos is a path: clients need it absolute, under our public URL.
fn absolute_media<L>(origin: &Origin, mut requests: L) -> L
where
    L: AsMut<[open311::ServiceRequest]>,
{
    for request in requests.as_mut() {
        if let Some(url) = request.media_url.as_mut().filter(|url| url.starts_with('/')) {
            *url = origin.url(url);
        }
    }
    requests
}

/// One service request (a list of one, as the spec has it). `file` is `{service_request_id}.json` or `.xml`.
#[utoipa::path(
    get, path = "/requests/{file}", tag = "open311",
    params(("file" = String, Path, description = "`{service_request_id}.json` or `.xml`", example = "MS-20260101-0001.json"), Jurisdiction),
    responses(
        (status = 200, content(
            (Vec<ServiceRequest> = "application/json; charset=utf-8"),
            (String = "text/xml; charset=utf-8"),
        )),
        (status = 404, description = "No such request, or no format extension"),
    )
)]
async fn request(
    State(catalog): State<Catalog>,
    format: Format,
    origin: Origin,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let id = Format::of(&file).map_or(file.as_str(), |(stem, _)| stem);
    let result = async { Ok(absolute_media(&origin, [open311::request(&catalog, &query_fields(query)?, id).await?])) };
    answer(format, "service_requests", result.await)
}

/// `start_date`/`end_date` of `GET servicerequestupdates`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the query; `Fields` reads it.
struct UpdatesQuery {
    /// Updates at or after this time.
    #[param(value_type = Option<Iso8601>)]
    start_date: Option<String>,
    /// Updates at or before this time.
    #[param(value_type = Option<Iso8601>)]
    end_date: Option<String>,
    jurisdiction_id: Option<String>,
}

/// FixMyStreet's extension: the public updates of every case (moves, public replies,
/// reporters' comments and ratings) between `start_date` and `end_date`, oldest first, at
/// most 1000; never internal notes.
#[utoipa::path(
    get, path = "/servicerequestupdates.json", tag = "open311", params(UpdatesQuery),
    responses(
        (status = 200, body = Vec<RequestUpdate>, content_type = "application/json; charset=utf-8"),
        (status = 400, description = "A bad `start_date` or `end_date`, named"),
    )
)]
async fn updates_json(State(catalog): State<Catalog>, format: Format, RawQuery(query): RawQuery) -> Response {
    updates(catalog, format, query).await
}

/// The public updates in XML (`<service_requests_updates><request_update>`).
#[utoipa::path(
    get, path = "/servicerequestupdates.xml", tag = "open311", params(UpdatesQuery),
    responses(
        (status = 200, body = String, content_type = "text/xml; charset=utf-8"),
        (status = 400, description = "A bad `start_date` or `end_date`, named"),
    )
)]
async fn updates_xml(State(catalog): State<Catalog>, format: Format, RawQuery(query): RawQuery) -> Response {
    updates(catalog, format, query).await
}

async fn updates(catalog: Catalog, format: Format, query: Option<String>) -> Response {
    let result = async { Ok(open311::updates_for(&catalog, &query_fields(query)?).await?) };
    answer(format, "service_requests_updates", result.await)
}

/// The fields of `POST requests`, as a form or a JSON object.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the body; `Fields` reads it with the spec's rules.
struct NewRequest {
    /// A report category.
    service_code: String,
    /// Latitude, WGS84 degrees (we do not geocode addresses).
    lat: f64,
    /// Longitude, WGS84 degrees.
    long: f64,
    description: Option<String>,
    media_url: Option<String>,
    /// Kept privately as the reporter's name with `last_name`; never shown.
    first_name: Option<String>,
    last_name: Option<String>,
    /// Kept privately; never shown.
    phone: Option<String>,
    email: Option<String>,
    /// A staff token: lifts the limit on anonymous submissions.
    api_key: Option<String>,
    jurisdiction_id: Option<String>,
}

/// The fields of `POST requests` with a photo, as a multipart form.
#[derive(ToSchema)]
#[allow(dead_code)] // Documents the body; `read_form` reads it.
struct NewRequestWithMedia {
    /// The fields of the form-encoded request, each a part of its own.
    #[schema(inline)]
    fields: Option<NewRequest>,
    /// Up to 3 photos (JPEG, PNG or WebP, at most 5 MB each), re-encoded without EXIF.
    #[schema(value_type = Vec<String>, format = Binary)]
    media: Vec<String>,
}

/// Files a request: 201 with a list of one (case number and notice). A repeat with the same
/// `Idempotency-Key` within 24 hours answers with the first one's case, `Idempotent-Replayed: true`.
#[utoipa::path(
    post, path = "/requests.json", tag = "open311",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: 1–255 visible ASCII characters")),
    request_body(content(
        (NewRequest = "application/x-www-form-urlencoded"),
        (NewRequest = "application/json"),
        (NewRequestWithMedia = "multipart/form-data"),
    )),
    responses((status = 201, body = Vec<Created>, content_type = "application/json; charset=utf-8"))
)]
async fn create_json(state: State<AppState>, format: Format, client: ClientAddress, headers: HeaderMap, request: Request) -> Response {
    create(state, format, client, headers, request).await
}

/// Files a request, answering in XML.
#[utoipa::path(
    post, path = "/requests.xml", tag = "open311",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: 1–255 visible ASCII characters")),
    request_body(content(
        (NewRequest = "application/x-www-form-urlencoded"),
        (NewRequest = "application/json"),
        (NewRequestWithMedia = "multipart/form-data"),
    )),
    responses((status = 201, body = String, content_type = "text/xml; charset=utf-8"))
)]
async fn create_xml(state: State<AppState>, format: Format, client: ClientAddress, headers: HeaderMap, request: Request) -> Response {
    create(state, format, client, headers, request).await
}

/// `POST /open311/v2/requests.{json,xml}`: a form (`application/x-www-form-urlencoded`, as
/// the spec sends) or a JSON object with the same fields; 201 with a list of one.
/// `api_key` is a staff token: it lifts the per-client limit on anonymous submissions.
/// An `Idempotency-Key` header works as on `POST /api/reports`: a repeat of the same request
/// within 24 hours answers with the first one's case and `Idempotent-Replayed: true`.
async fn create(State(state): State<AppState>, format: Format, client: ClientAddress, headers: HeaderMap, request: Request) -> Response {
    let result = async {
        // A photo comes as a multipart form with a file part `media` (the FixMyStreet
        // extension); the spec's form and JSON stay within the small limit.
        let (fields, uploads) = if is_multipart(&headers) {
            let multipart = Multipart::from_request(request, &state).await.map_err(|e| ApiError::bad_parameter("body", e.body_text()))?;
            let form = read_form(multipart, "media").await?;
            (Fields(form.fields), form.uploads)
        } else {
            let body = Bytes::from_request(request, &state).await.map_err(|rejection| ApiError::from_body(rejection, MAX_BODY_BYTES))?;
            if body.len() > MAX_BODY_BYTES {
                return Err(ApiError::body_too_large(MAX_BODY_BYTES));
            }
            (body_fields(&headers, &body)?, Vec::new())
        };
        let staff = match fields.one("api_key").map_err(ApiError::from)? {
            Some(key) => Some(authenticate(&state.catalog, key).await?),
            None => None,
        };
        let now = now();
        let key = match idempotency_key(&headers)? {
            Some(key) => {
                let key = open311::idempotency(key, &fields, staff.as_ref())?;
                if let Some(replayed) = open311::replay(&state.catalog, &key, now).await? {
                    return Ok(replayed);
                }
                Some(key)
            }
            None => None,
        };
        if staff.is_none() {
            state.submissions.check(&client).await?;
        }
        let uploaded_by = staff.as_ref().map_or_else(|| "resident".to_owned(), |s| s.actor());
        let photos = photos::prepare(&state.photos, uploads, PhotoStage::Before, &uploaded_by, now).await?;
        Ok::<_, ApiError>(open311::create(&state.catalog, &fields, staff.as_ref(), key.as_ref(), now, photos).await?)
    };
    match result.await {
        Ok(created) => {
            let replayed = created.replayed;
            let mut response = reply(format, StatusCode::CREATED, "service_requests", &[created]);
            if replayed {
                response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
            }
            response
        }
        Err(error) => failure(format, error),
    }
}

fn body_fields(headers: &HeaderMap, body: &[u8]) -> Result<Fields, ApiError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media_type.as_str() {
        "application/json" => json_fields(body),
        // Clients that send no type send the spec's form.
        "application/x-www-form-urlencoded" | "" => {
            serde_urlencoded::from_bytes(body).map(Fields).map_err(|e| ApiError::bad_parameter("body", e))
        }
        other => {
            Err(ApiError::bad_parameter("Content-Type", format!("{other:?}: send application/x-www-form-urlencoded or application/json")))
        }
    }
}

/// A flat JSON object; numbers (lat, long) may come as numbers or strings.
fn json_fields(body: &[u8]) -> Result<Fields, ApiError> {
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(ApiError::bad_parameter("body", "must be a JSON object")),
        Err(e) => return Err(ApiError::bad_parameter("body", e)),
    };
    let mut pairs = Vec::with_capacity(object.len());
    for (key, value) in object {
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text,
            Value::Number(_) | Value::Bool(_) => value.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(ApiError::bad_parameter(&key, "must be a string or a number"));
            }
        };
        pairs.push((key, text));
    }
    Ok(Fields(pairs))
}

/// Anything else under `/open311/v2`: the spec's 404, in the format the path asks for.
async fn unknown(OriginalUri(uri): OriginalUri) -> Response {
    error_at(uri.path(), ApiError::not_found(format!("no Open311 resource at {}; see {ROOT}/discovery.json", uri.path())))
}
