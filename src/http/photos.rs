//! Photos: serving them (`GET /api/photos/{id}` and its thumbnail), the handler's
//! after-photos, the multipart form reader the submissions share, and moderation.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Caller, StaffCaller};
use super::error::{ApiError, ErrorBody};
use super::reports::json_body;
use crate::model::photos::{ModerationAction, ModerationTarget};
use crate::model::time::now;
use crate::services::photos::{self, MAX_PHOTO_BYTES, MAX_PHOTOS, Served, Upload};
use crate::services::reports::moderation::{self, Moderated, ModerationRequest};
use crate::services::reports::view::PublicPhoto;

/// The largest multipart body taken: three photos at their limit and the form's text.
pub const MAX_UPLOAD_BYTES: usize = MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024;
/// A text part of a form at most (the JSON body's own limit).
const MAX_TEXT_PART_BYTES: usize = super::reports::MAX_BODY_BYTES;
/// How long anyone may keep a public photo: an hour, so that a photo hidden later leaves
/// shared caches soon. Its bytes never change (`immutable`): a new photo has a new id.
const PUBLIC_CACHE: &str = "public, max-age=3600, immutable";
const PRIVATE_CACHE: &str = "private, no-store";

/// Serving photos and moderating cases (small bodies).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(photo))
        .routes(routes!(thumb))
        .routes(routes!(moderate))
        .routes(routes!(revert_moderation))
        .routes(routes!(delete_moderation))
}

/// Routes taking photo uploads: their body limit is [`MAX_UPLOAD_BYTES`].
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(super::reports::submit)).routes(routes!(add_photos))
}

/// A multipart form: its text parts by name, and its files.
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub uploads: Vec<Upload>,
}

/// Reads a multipart body: parts named `file_part` are photos (at most [`MAX_PHOTOS`], each
/// at most [`MAX_PHOTO_BYTES`]: 400 and 413 naming the part), the others text.
pub async fn read_form(mut multipart: Multipart, file_part: &str) -> Result<Form, ApiError> {
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large(MAX_UPLOAD_BYTES)
        } else {
            ApiError::bad_parameter("body", e.body_text())
        }
    };
    let mut form = Form { fields: Vec::new(), uploads: Vec::new() };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_part {
            let number = form.uploads.len() + 1;
            if number > MAX_PHOTOS {
                return Err(ApiError::bad_parameter(
                    file_part,
                    format!("more than {MAX_PHOTOS} photos sent; at most {MAX_PHOTOS} are accepted"),
                ));
            }
            let part = match field.file_name() {
                Some(file) => format!("{file_part} {number} ({file:?})"),
                None => format!("{file_part} {number}"),
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > MAX_PHOTO_BYTES {
                    return Err(ApiError::part_too_large(&part, MAX_PHOTO_BYTES));
                }
                bytes.extend_from_slice(&chunk);
            }
            form.uploads.push(Upload { part, bytes });
        } else {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > MAX_TEXT_PART_BYTES {
                    return Err(ApiError::bad_parameter(&name, format!("longer than {MAX_TEXT_PART_BYTES} bytes")));
                }
                bytes.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(bytes).map_err(|_| ApiError::bad_parameter(&name, "is not UTF-8 text"))?;
            if form.fields.iter().any(|(seen, _)| *seen == name) {
                return Err(ApiError::bad_parameter(&name, "given more than once"));
            }
            form.fields.push((name, text));
        }
    }
    Ok(form)
}

/// Whether a request's body is a multipart form.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn photo_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found(format!("no photo {text:?}: photo ids are numbers")))
}

/// The bytes with their type and caching: public photos for a shared cache (revalidated by
/// their `ETag`), the ones only staff may see never stored.
fn served(served: Served, headers: &HeaderMap) -> Response {
    let tag = format!("\"{}\"", served.digest);
    let cache = if served.public { PUBLIC_CACHE } else { PRIVATE_CACHE };
    let head = [
        (ETAG, HeaderValue::from_str(&tag).expect("hex is a valid header")),
        (CACHE_CONTROL, HeaderValue::from_static(cache)),
        (VARY, HeaderValue::from_static("authorization")),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    let matches = headers.get_all(IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == tag
    });
    if matches {
        return (StatusCode::NOT_MODIFIED, head).into_response();
    }
    let content_type = HeaderValue::from_str(&served.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (head, [(CONTENT_TYPE, content_type)], served.bytes).into_response()
}

/// A case photo, re-encoded (no EXIF or other metadata), at most 2048 px on its long side.
/// Public while neither it nor its case's submission is hidden (`Cache-Control: public`);
/// else only for staff who may read the case (`private, no-store`), and 404 for others.
#[utoipa::path(
    get,
    path = "/api/photos/{id}",
    tag = "reports",
    params(("id" = i64, Path, description = "The photo's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg", body = Vec<u8>,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`"),
        (status = 404, description = "No such photo, or one hidden from this caller", body = ErrorBody),
    )
)]
pub async fn photo(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = photo_id(&id)?;
    Ok(served(photos::serve(&state.catalog, &state.photos, caller.as_ref(), id, false).await?, &headers))
}

/// A photo's thumbnail, at most 320 px on its long side; served like the photo.
#[utoipa::path(
    get,
    path = "/api/photos/{id}/thumb",
    tag = "reports",
    params(("id" = i64, Path, description = "The photo's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg", body = Vec<u8>,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified since the `ETag` sent in `If-None-Match`"),
        (status = 404, description = "No such photo, or one hidden from this caller", body = ErrorBody),
    )
)]
pub async fn thumb(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = photo_id(&id)?;
    Ok(served(photos::serve(&state.catalog, &state.photos, caller.as_ref(), id, true).await?, &headers))
}

/// The multipart form of the after-photos.
#[derive(ToSchema)]
#[allow(dead_code)] // Documents the form; `read_form` reads it.
pub struct PhotoForm {
    /// 1–3 photos: JPEG, PNG or WebP (by content), at most 5 MB each.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<String>,
}

/// A handler's photos of the work done (stage `after`), for a case in progress or resolved,
/// by a token that may resolve it; the page sends them just before the resolve move.
/// Answers the photos of the case the public may see.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/photos",
    tag = "staff",
    params(("case" = String, Path, description = "The case number")),
    request_body(content = PhotoForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Vec<PublicPhoto>),
        (status = 400, description = "No photo, more than 3, or a file that is not a JPEG, PNG or WebP image, named", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The token may not resolve this case", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is neither in progress nor resolved", body = ErrorBody),
        (status = 413, description = "A photo over 5 MB, named", body = ErrorBody),
    )
)]
pub async fn add_photos(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Vec<PublicPhoto>>), ApiError> {
    if !is_multipart(&headers) {
        return Err(ApiError::bad_parameter("Content-Type", "send the photos as multipart/form-data, in parts named `photo`"));
    }
    let multipart = multipart.map_err(|e| ApiError::bad_parameter("body", e.body_text()))?;
    let form = read_form(multipart, "photo").await?;
    if let Some((name, _)) = form.fields.first() {
        return Err(ApiError::bad_parameter(name, "unknown part; send only parts named `photo`"));
    }
    let added = photos::add_after(&state.catalog, &state.photos, &staff, &case, form.uploads, now()).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// What to hide or redact, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ModerationBody {
    #[schema(value_type = ModerationTarget)]
    target: String,
    /// The photo's id (`target` photo) or the history event's id (`target` reply).
    #[serde(default)]
    id: Option<i64>,
    #[schema(value_type = ModerationAction)]
    action: String,
    /// Why, for the audit trail: required, at most 500 characters.
    reason: String,
}

/// Hides or redacts a case's description, a photo or a public reply (内容审核), as a
/// supervisor (or admin) of the case's place. The original stays for staff; the audit
/// trail and the moderations list keep who and why. Public answers show the moderated form.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/moderation",
    tag = "staff",
    params(("case" = String, Path, description = "The case number")),
    request_body = ModerationBody,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Moderated),
        (status = 400, description = "A bad field (a missing reason, an unknown photo or event id), named", body = ErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not a supervisor or admin of the case's place", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "That content is moderated already", body = ErrorBody),
    )
)]
pub async fn moderate(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path(case): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Moderated>), ApiError> {
    let body: ModerationBody = json_body(body)?;
    let target: ModerationTarget = body.target.parse().map_err(|e| ApiError::bad_parameter("target", e))?;
    let action: ModerationAction = body.action.parse().map_err(|e| ApiError::bad_parameter("action", e))?;
    let request = ModerationRequest { target, id: body.id, action, reason: body.reason };
    Ok((StatusCode::CREATED, Json(moderation::moderate(&state.catalog, &staff, &case, request, now()).await?)))
}

/// Reverts a moderation in force (admins only); the audit keeps both.
#[utoipa::path(
    post,
    path = "/api/reports/{case}/moderation/{id}/revert",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), ("id" = i64, Path, description = "The moderation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Moderated),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such case, or no such moderation of it in force", body = ErrorBody),
    )
)]
pub async fn revert_moderation(
    State(state): State<AppState>,
    StaffCaller(staff): StaffCaller,
    Path((case, id)): Path<(String, String)>,
) -> Result<Json<Moderated>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found(format!("no moderation {id:?}: moderation ids are numbers")))?;
    Ok(Json(moderation::revert(&state.catalog, &staff, &case, id, now()).await?))
}

/// `DELETE` form of the revert.
#[utoipa::path(
    delete,
    path = "/api/reports/{case}/moderation/{id}",
    tag = "staff",
    params(("case" = String, Path, description = "The case number"), ("id" = i64, Path, description = "The moderation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Moderated),
        (status = 401, description = "No token, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such case, or no such moderation of it in force", body = ErrorBody),
    )
)]
pub async fn delete_moderation(
    state: State<AppState>,
    staff: StaffCaller,
    path: Path<(String, String)>,
) -> Result<Json<Moderated>, ApiError> {
    revert_moderation(state, staff, path).await
}
