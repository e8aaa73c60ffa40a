//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) over the problem reports:
//! one service per category, service requests as public views of reports. Plain data here;
//! the http layer renders it as JSON or XML (the spec's Spark convention maps one onto the
//! other) and picks the status codes.
//!
//! Like the native views, a service request is built field by field from `Report`: the
//! reporter's name and phone never leave.

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::blur::public_point;
use super::published::Overlay;
use crate::index::Snapshot;
use crate::model::Layer;
use crate::model::photos::REDACTED_TEXT;
use crate::model::reports::{CaseState, Category, Report, Tier};
use crate::model::time::{parse_iso8601, to_iso8601};
use crate::services::categories::Settings;
use crate::services::{Catalog, ServiceError};
use crate::store::ReportFilter;

pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// The one jurisdiction served; requests naming another get a 404, as the spec asks.
pub const JURISDICTION_ID: &str = "minsheng-demo";
/// When this API last changed, for discovery.
pub const CHANGESET: &str = "2026-11-22T00:00:00+08:00";
/// The spec's default span of a listing, and the longest one may ask for.
pub const WINDOW_SECONDS: i64 = 90 * DAY;
/// The spec's "first 1000 requests".
pub const MAX_REQUESTS: u32 = 1_000;

const DAY: i64 = 24 * 3_600;

mod filing;
mod updates;

pub use filing::{Created, create, idempotency, replay};
pub use updates::{RequestUpdate, updates_for};

#[derive(Debug, thiserror::Error)]
pub enum Open311Error {
    #[error("no service with service_code {0:?}; the service codes are: {codes}", codes = Category::allowed())]
    UnknownService(String),
    #[error("jurisdiction_id {0:?} is not served here; the one jurisdiction is {JURISDICTION_ID:?}")]
    UnknownJurisdiction(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> Open311Error {
    Open311Error::Service(ServiceError::InvalidParameter { parameter, reason: reason.into() })
}

/// Decoded request parameters (query string or body), in order. Empty values count as
/// absent, as the spec's "optional arguments" say; names we do not use are ignored, since
/// clients send the spec's other optional fields (device_id, account_id, attribute[…]).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A parameter given at most once.
    pub fn one(&self, name: &'static str) -> Result<Option<&str>, Open311Error> {
        let mut values = self.values(name);
        let first = values.next();
        match values.next() {
            Some(_) => Err(invalid(name, "given more than once")),
            None => Ok(first),
        }
    }

    /// A comma-separated list, which may also be repeated.
    fn list(&self, name: &'static str) -> Vec<&str> {
        self.values(name).flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()).collect()
    }
}

/// `jurisdiction_id` may be left out or name ours.
pub fn check_jurisdiction(fields: &Fields) -> Result<(), Open311Error> {
    match fields.one("jurisdiction_id")? {
        Some(id) if id != JURISDICTION_ID => Err(Open311Error::UnknownJurisdiction(id.to_owned())),
        _ => Ok(()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Discovery {
    pub changeset: &'static str,
    pub contact: &'static str,
    pub key_service: &'static str,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoint {
    pub specification: &'static str,
    pub url: String,
    pub changeset: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[schema(value_type = Vec<String>)]
    pub formats: [&'static str; 2],
}

/// The discovery document for an endpoint served at `url`.
pub fn discovery(url: &str) -> Discovery {
    Discovery {
        changeset: CHANGESET,
        contact: "社区网格服务中心 — community grid service centre of the district; report problems with this API \
                  or at the map page",
        key_service: "Reading is open to all and reports may be filed without a key for now; staff API keys will \
                      be issued by the district office.",
        endpoints: vec![Endpoint {
            specification: SPECIFICATION,
            url: url.to_owned(),
            changeset: CHANGESET,
            kind: "production",
            formats: ["text/xml", "application/json"],
        }],
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Service {
    pub service_code: &'static str,
    pub service_name: String,
    pub description: String,
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub keywords: String,
    pub group: &'static str,
}

impl Service {
    /// A category's service, with its tier, label and deadline as the category settings say.
    pub fn new(category: Category, settings: &Settings) -> Service {
        let top = settings.top(category);
        let effective = settings.effective(category, None).expect("a top-level category needs no subcategory");
        let tier = effective.tier;
        let deadline = Duration::from_secs(effective.resolution_secs as u64);
        Service {
            service_code: category.as_str(),
            service_name: top.label_zh.clone(),
            description: format!(
                "{}。一呼四应：{}；{} — {} ({}), deadline {}",
                top.label_zh,
                tier.label_zh(),
                deadline_zh(deadline),
                top.label_en,
                tier.as_str(),
                deadline_en(deadline),
            ),
            metadata: false,
            // Each report gets its case number at once.
            kind: "realtime",
            keywords: format!("{}, {}, {}", top.label_zh, top.label_en, tier.label_zh()),
            group: tier.label_zh(),
        }
    }
}

/// Every service: one per report category.
pub fn services(settings: &Settings) -> Vec<Service> {
    Category::ALL.iter().map(|&c| Service::new(c, settings)).collect()
}

fn category(code: &str) -> Result<Category, Open311Error> {
    code.parse().map_err(|_| Open311Error::UnknownService(code.to_owned()))
}

/// A service's definition. No service has metadata, so the attributes are always empty.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDefinition {
    pub service_code: &'static str,
    #[schema(value_type = Vec<Object>, max_items = 0)]
    pub attributes: [(); 0],
}

pub fn service_definition(code: &str) -> Result<ServiceDefinition, Open311Error> {
    Ok(ServiceDefinition { service_code: category(code)?.as_str(), attributes: [] })
}

fn deadline_zh(deadline: Duration) -> String {
    match deadline.as_secs() as i64 {
        s if s % DAY == 0 => format!("派遣后 {} 天内办结", s / DAY),
        s => format!("派遣后 {} 小时内办结", s / 3_600),
    }
}

fn deadline_en(deadline: Duration) -> String {
    match deadline.as_secs() as i64 {
        s if s % DAY == 0 => format!("{} days after dispatch", s / DAY),
        s => format!("{} hours after dispatch", s / 3_600),
    }
}

/// Who acts and by when: the routed responder, and the deadline once dispatched (before
/// that, the category's time allowed).
fn service_notice(tier: Tier, responder: &str, deadline_at: Option<i64>, resolution_secs: i64) -> String {
    match deadline_at {
        Some(at) => {
            let due = to_iso8601(at);
            format!("{}：{responder} 负责，应于 {due} 前办结 (responsible: {responder}; due {due})", tier.label_zh())
        }
        None => {
            let allowed = Duration::from_secs(resolution_secs.max(0) as u64);
            format!(
                "{}：{responder} 负责，{} (responsible: {responder}; deadline {})",
                tier.label_zh(),
                deadline_zh(allowed),
                deadline_en(allowed)
            )
        }
    }
}

/// A report as an Open311 service request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceRequest {
    /// The case number.
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: String,
    pub service_name: &'static str,
    pub service_code: &'static str,
    pub description: String,
    /// The routed responder (一呼四应).
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: String,
    pub updated_datetime: String,
    /// The deadline, once the case is dispatched.
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    /// The building's id, else the compound's.
    pub address_id: Option<String>,
    /// Chinese compounds are not addressed by postcode here.
    pub zipcode: Option<String>,
    pub lat: f64,
    pub long: f64,
    pub media_url: Option<String>,
}

impl ServiceRequest {
    /// The request as the public sees it: the point blurred where the category asks for it,
    /// the description as moderation leaves it, `media_url` the first photo shown (a path
    /// the HTTP layer makes absolute), else the photo URL the reporter gave, and
    /// `status_notes` the latest public reply (公开答复) `reply` unless moderation hid it,
    /// else the state in words. Internal notes never appear.
    pub fn new(r: &Report, snapshot: &Snapshot, overlay: &Overlay, reply: Option<&(i64, String)>) -> ServiceRequest {
        let [long, lat] = public_point(r.category, r.lon, r.lat);
        let description = if overlay.description_hidden(&r.case_number) { REDACTED_TEXT.to_owned() } else { r.description.clone() };
        let media_url = overlay.public_photos(&r.case_number).first().map(|p| p.url.clone()).or_else(|| r.photo_url.clone());
        let reply = reply.filter(|(event, _)| !overlay.hidden_replies(&r.case_number).contains(event)).map(|(_, text)| text.as_str());
        let mut status_notes = format!("{} {}", r.state.label_zh(), r.state.as_str().replace('_', " "));
        if let (CaseState::Duplicate, Some(original)) = (r.state, &r.duplicate_of) {
            status_notes.push_str(&format!(" of {original}"));
        }
        if let Some(reply) = reply {
            status_notes = reply.to_owned();
        }
        let updated = [Some(r.created_at), r.dispatched_at, r.resolved_at, r.closed_at].into_iter().flatten().max();
        ServiceRequest {
            service_request_id: r.case_number.clone(),
            status: r.state.open311_status(),
            status_notes,
            service_name: r.category.label_zh(),
            service_code: r.category.as_str(),
            description,
            agency_responsible: r.routed.responder.clone(),
            service_notice: service_notice(r.routed.tier, &r.routed.responder, r.deadline_at, r.duty.resolution_secs),
            requested_datetime: to_iso8601(r.created_at),
            updated_datetime: to_iso8601(updated.unwrap_or(r.created_at)),
            expected_datetime: r.deadline_at.map(to_iso8601),
            address: address(r, snapshot),
            address_id: r.routed.building_id.clone().or_else(|| r.routed.compound_id.clone()),
            zipcode: None,
            lat,
            long,
            media_url,
        }
    }
}

/// Most specific first, as the spec asks: "杨柳苑 3栋, 某某社区".
fn address(r: &Report, snapshot: &Snapshot) -> Option<String> {
    let data = &snapshot.data;
    let building = r.routed.building_id.as_deref().and_then(|id| snapshot.find(Layer::Buildings, id));
    let compound = r.routed.compound_id.as_deref().and_then(|id| snapshot.find(Layer::Compounds, id));
    let place = building.map(|b| snapshot.building_name(b)).or_else(|| compound.map(|c| data.compounds[c as usize].name.clone()));
    let community = snapshot.find(Layer::Communities, &r.routed.community_id).map(|c| data.communities[c as usize].name.clone());
    let parts: Vec<String> = [place, community].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Service requests as `GET requests` asks for them (see [`request_filter`]).
pub async fn requests_for(catalog: &Catalog, fields: &Fields, now: i64) -> Result<Vec<ServiceRequest>, Open311Error> {
    requests(catalog, &request_filter(fields, now)?).await
}

/// The store filter for `GET requests`: `service_request_id` (overrides everything else, as
/// the spec says), else `service_code`, `status` and `start_date`/`end_date` (requested
/// time, the last 90 days by default, at most 90 days). Newest first, at most 1000.
fn request_filter(fields: &Fields, now: i64) -> Result<ReportFilter, Open311Error> {
    check_jurisdiction(fields)?;
    let limit = Some(MAX_REQUESTS);
    let ids = fields.list("service_request_id");
    if !ids.is_empty() {
        if ids.len() > MAX_REQUESTS as usize {
            return Err(invalid("service_request_id", format!("at most {MAX_REQUESTS} ids at once")));
        }
        return Ok(ReportFilter { case_numbers: ids.into_iter().map(str::to_owned).collect(), limit, ..Default::default() });
    }
    let categories = fields
        .list("service_code")
        .into_iter()
        .map(|code| code.parse::<Category>().map_err(|e| invalid("service_code", e)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut statuses = Vec::new();
    for status in fields.list("status") {
        match status {
            "open" | "closed" => statuses.push(status),
            other => return Err(invalid("status", format!("unknown value {other:?}, expected open or closed"))),
        }
    }
    let states = CaseState::ALL.iter().copied().filter(|s| statuses.contains(&s.open311_status())).collect();
    let date = |name: &'static str| -> Result<Option<i64>, Open311Error> {
        fields.one(name)?.map(|text| parse_iso8601(text).map_err(|e| invalid(name, e))).transpose()
    };
    let (created_from, created_before) = window(date("start_date")?, date("end_date")?, now)?;
    Ok(ReportFilter { categories, states, created_from: Some(created_from), created_before, limit, ..Default::default() })
}

/// Start (inclusive) and end (exclusive) in Unix seconds; `end_date` itself is included.
fn window(start: Option<i64>, end: Option<i64>, now: i64) -> Result<(i64, Option<i64>), Open311Error> {
    match (start, end) {
        (None, None) => Ok((now - WINDOW_SECONDS, None)),
        (Some(start), None) => Ok((start, Some(start + WINDOW_SECONDS))),
        (None, Some(end)) => Ok((end - WINDOW_SECONDS, Some(end + 1))),
        (Some(start), Some(end)) if end < start => Err(invalid("end_date", "is before start_date")),
        (Some(start), Some(end)) if end - start > WINDOW_SECONDS => {
            Err(invalid("end_date", "more than 90 days after start_date; the spec allows at most 90 days per query"))
        }
        (Some(start), Some(end)) => Ok((start, Some(end + 1))),
    }
}

/// Service requests a filter selects.
async fn requests(catalog: &Catalog, filter: &ReportFilter) -> Result<Vec<ServiceRequest>, Open311Error> {
    let reports = catalog.store().reports(filter).await.map_err(ServiceError::from)?;
    let cases: Vec<String> = reports.iter().map(|r| r.case_number.clone()).collect();
    let replies = catalog.store().latest_replies(&cases).await.map_err(ServiceError::from)?;
    let overlay = Overlay::load(catalog, &cases).await?;
    let snapshot = catalog.snapshot();
    Ok(reports.iter().map(|r| ServiceRequest::new(r, &snapshot, &overlay, replies.get(&r.case_number))).collect())
}

/// One service request by case number.
pub async fn request(catalog: &Catalog, fields: &Fields, case_number: &str) -> Result<ServiceRequest, Open311Error> {
    check_jurisdiction(fields)?;
    let (report, _) = catalog
        .store()
        .report(case_number)
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    let replies = catalog.store().latest_replies(std::slice::from_ref(&report.case_number)).await.map_err(ServiceError::from)?;
    let overlay = Overlay::load(catalog, std::slice::from_ref(&report.case_number)).await?;
    Ok(ServiceRequest::new(&report, &catalog.snapshot(), &overlay, replies.get(&report.case_number)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::categories::CategorySetting;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn services_cover_every_category_with_tier_and_deadline() {
        let all = services(&Settings::new(CategorySetting::builtins(0)));
        assert_eq!(all.len(), Category::ALL.len());
        let elevator = all.iter().find(|s| s.service_code == "elevator_installation").unwrap();
        assert_eq!(elevator.service_name, "加装电梯");
        assert_eq!(elevator.group, Tier::Public.label_zh());
        assert!(elevator.description.contains("公共事·议事会应") && elevator.description.contains("30 天"), "{}", elevator.description);
        assert!(!elevator.metadata);
        assert!(matches!(service_definition("dragons"), Err(Open311Error::UnknownService(_))));
    }

    #[test]
    fn the_window_defaults_to_90_days_and_refuses_longer_or_reversed_spans() {
        let now = 1_795_329_500;
        assert_eq!(window(None, None, now).unwrap(), (now - WINDOW_SECONDS, None));
        assert_eq!(window(Some(10), None, now).unwrap(), (10, Some(10 + WINDOW_SECONDS)));
        assert_eq!(window(None, Some(now), now).unwrap(), (now - WINDOW_SECONDS, Some(now + 1)));
        assert_eq!(window(Some(0), Some(WINDOW_SECONDS), now).unwrap(), (0, Some(WINDOW_SECONDS + 1)));
        assert!(window(Some(0), Some(WINDOW_SECONDS + 1), now).unwrap_err().to_string().contains("end_date"));
        assert!(window(Some(5), Some(4), now).unwrap_err().to_string().contains("before start_date"));
    }

    #[test]
    fn filters_parse_lists_and_name_bad_parameters() {
        let now = 1_795_329_500;
        let filter = request_filter(&fields(&[("service_code", "parking, pets"), ("status", "open")]), now).unwrap();
        assert_eq!(filter.categories, vec![Category::Parking, Category::Pets]);
        assert_eq!(filter.states, vec![CaseState::Received, CaseState::Accepted, CaseState::Dispatched, CaseState::InProgress]);
        assert_eq!(filter.created_from, Some(now - WINDOW_SECONDS));
        assert_eq!(filter.limit, Some(MAX_REQUESTS));
        // Ids override every other argument.
        let by_id = request_filter(&fields(&[("service_request_id", "MS1,MS2"), ("status", "bogus")]), now).unwrap();
        assert_eq!((by_id.case_numbers.len(), by_id.created_from), (2, None));
        for (pairs, named) in [
            (vec![("service_code", "dragons")], "service_code"),
            (vec![("status", "pending")], "status"),
            (vec![("start_date", "yesterday")], "start_date"),
            (vec![("end_date", "a"), ("end_date", "b")], "end_date"),
        ] {
            let error = request_filter(&fields(&pairs), now).unwrap_err().to_string();
            assert!(error.contains(named), "{pairs:?}: {error}");
        }
        assert!(matches!(request_filter(&fields(&[("jurisdiction_id", "sfgov.org")]), now), Err(Open311Error::UnknownJurisdiction(_))));
        assert!(request_filter(&fields(&[("jurisdiction_id", JURISDICTION_ID), ("jurisdiction_id", "")]), now).is_ok());
    }
}
