//! Area feeds for anyone: the new cases and public updates of a compound, grid, community,
//! street, box or drawn polygon, as Atom or RSS, with an `ETag` so readers poll cheaply.
//! Also the area parameters the export shares.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LAST_MODIFIED};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::origin::Origin;
use super::params::{FromParams, Params};
use crate::model::reports::Category;
use crate::services::reports::area::{Area, AreaParams};
use crate::services::reports::feeds::xml::{self, FeedLinks};
use crate::services::reports::feeds::{self, FeedQuery};

/// Feed readers poll; a minute's staleness is fine and spares the server.
const CACHE: &str = "public, max-age=60";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(atom)).routes(routes!(rss))
}

/// The area a feed or an export covers: at most one of these (none: the whole district).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; `AreaParams::from_params` reads them.
pub struct AreaQuery {
    /// A compound (小区) id.
    compound: Option<String>,
    /// A grid (网格) id; a micro-grid's id selects the cases inside its outline.
    grid: Option<String>,
    /// A community (社区) id.
    community: Option<String>,
    /// A street office (街道) id.
    street: Option<String>,
    /// `west,south,east,north`, WGS84 degrees.
    bbox: Option<String>,
    /// A drawn area, WGS84: one ring as `lon lat, lon lat, …` (closed or not), or a GeoJSON
    /// Polygon (URL-encoded); valid, at most 500 vertices.
    polygon: Option<String>,
    /// Category words, comma-separated (`parking,elevator`); none: every category.
    #[param(value_type = Option<String>)]
    category: Option<Vec<Category>>,
}

impl FromParams for AreaParams {
    fn from_params(params: &Params) -> Result<AreaParams, ApiError> {
        Ok(AreaParams {
            compound: params.optional("compound")?,
            grid: params.optional("grid")?,
            community: params.optional("community")?,
            street: params.optional("street")?,
            bbox: params.optional("bbox")?,
            polygon: params.optional("polygon")?,
        })
    }
}

/// `limit` of a feed.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; the handler reads it from `Params`.
struct FeedLimit {
    /// Entries at most, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Area parameters and categories, checked against the district.
pub fn area_and_categories(state: &AppState, params: &Params) -> Result<(Area, Vec<Category>), ApiError> {
    let area = Area::from_params(&state.catalog.snapshot(), &AreaParams::from_params(params)?)?;
    Ok((area, params.list("category")?))
}

#[derive(Clone, Copy)]
enum Format {
    Atom,
    Rss,
}

async fn feed(state: &AppState, origin: &Origin, headers: &HeaderMap, params: &Params, format: Format) -> Result<Response, ApiError> {
    let (area, categories) = area_and_categories(state, params)?;
    let query = FeedQuery::new(area, categories, params.optional("limit")?)?;
    let feed = feeds::feed(&state.catalog, &query).await?;
    let (path, content_type) = match format {
        Format::Atom => ("/api/feeds/cases.atom", "application/atom+xml; charset=utf-8"),
        Format::Rss => ("/api/feeds/cases.rss", "application/rss+xml; charset=utf-8"),
    };
    let canonical = params.canonical();
    let query_part = if canonical.is_empty() { String::new() } else { format!("?{canonical}") };
    let links = FeedLinks {
        origin: origin.url(""),
        self_url: origin.url(&format!("{path}{query_part}")),
        canonical: format!("{path}{query_part}"),
    };
    let body = match format {
        Format::Atom => xml::atom(&feed, &links),
        Format::Rss => xml::rss(&feed, &links),
    };
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let last_modified = jiff::Timestamp::from_second(feed.updated)
        .ok()
        .and_then(|t| jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&t).ok())
        .unwrap_or_default();
    let validators = [
        (ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header")),
        (LAST_MODIFIED, HeaderValue::from_str(&last_modified).expect("an HTTP date is a valid header")),
        (CACHE_CONTROL, HeaderValue::from_static(CACHE)),
    ];
    let unchanged =
        headers.get_all(IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|tags| {
            tags.split(',').map(str::trim).any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag.as_str()))
        });
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
    Ok((validators, [(CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response())
}

/// The newest filings and public state moves of an area's cases (and categories), newest
/// first, as Atom 1.0. Each entry links the case page (`/#case=…`) and the case's JSON, and
/// carries only public fields (never the reporter, an internal note or an actor). Ids are
/// stable tag URIs. With `If-None-Match` naming the current `ETag`: 304.
#[utoipa::path(
    get,
    path = "/api/feeds/cases.atom",
    tag = "reports",
    params(AreaQuery, FeedLimit),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String,
         headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Not modified: the `If-None-Match` names the current ETag"),
        (status = 400, description = "A bad area, category or limit, named", body = ErrorBody),
    )
)]
pub async fn atom(State(state): State<AppState>, origin: Origin, headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    feed(&state, &origin, &headers, &params, Format::Atom).await
}

/// The same feed as RSS 2.0 (items with a `guid` that is the Atom entry's id).
#[utoipa::path(
    get,
    path = "/api/feeds/cases.rss",
    tag = "reports",
    params(AreaQuery, FeedLimit),
    responses(
        (status = 200, description = "The feed", content_type = "application/rss+xml", body = String,
         headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Not modified: the `If-None-Match` names the current ETag"),
        (status = 400, description = "A bad area, category or limit, named", body = ErrorBody),
    )
)]
pub async fn rss(State(state): State<AppState>, origin: Origin, headers: HeaderMap, params: Params) -> Result<Response, ApiError> {
    feed(&state, &origin, &headers, &params, Format::Rss).await
}
