//! Taking a report in: check it, route it, find likely duplicates nearby, store it.

use geo::{Distance, Haversine, Point};
use serde::Serialize;

use super::routing::{route, RoutingError};
use super::view::PublicReport;
use crate::crs::Crs;
use crate::index::envelope_around;
use crate::model::reports::{CaseState, Category, Report, ReportEvent, Source};
use crate::services::locate::LocateQuery;
use crate::services::{Catalog, ServiceError};

/// Open reports of the same category this close are offered as "is this yours?".
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// … if they were filed this recently.
pub const DUPLICATE_WINDOW_SECONDS: i64 = 14 * 24 * 3_600;

pub(super) const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub(super) const MAX_NAME_CHARS: usize = 50;
const MAX_URL_CHARS: usize = 500;

/// A report as a caller sends it.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub category: Category,
    pub source: Source,
    pub description: String,
    pub photo_url: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub crs: Crs,
}

/// What the reporter gets back.
#[derive(Debug, Serialize)]
pub struct Submitted {
    pub report: PublicReport,
    /// Open reports of the same category within 50 m from the last 14 days, nearest first.
    pub possible_duplicates: Vec<Nearby>,
}

#[derive(Debug, Serialize)]
pub struct Nearby {
    pub distance_m: f64,
    #[serde(flatten)]
    pub report: PublicReport,
}

fn invalid(parameter: &'static str, reason: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameter { parameter, reason: reason.into() }
}

fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A reporter's phone as people write it: 5–20 digits with spaces, +, - or parentheses.
pub(super) fn check_phone(phone: &str) -> Result<(), String> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c));
    if allowed && (5..=20).contains(&digits) {
        Ok(())
    } else {
        Err("must be 5–20 digits (spaces, +, -, parentheses allowed)".into())
    }
}

pub(super) fn check_photo_url(url: &str) -> Result<(), String> {
    if (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= MAX_URL_CHARS {
        Ok(())
    } else {
        Err(format!("must be an http(s) URL of at most {MAX_URL_CHARS} characters"))
    }
}

/// Checks, routes and stores a report; nothing is written if anything is wrong.
pub async fn submit(catalog: &Catalog, new: NewReport, now: i64) -> Result<Submitted, ServiceError> {
    let description = new.description.trim().to_owned();
    if description.is_empty() {
        return Err(invalid("description", "must not be empty"));
    }
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid("description", format!("longer than {MAX_DESCRIPTION_CHARS} characters")));
    }
    let reporter_name = optional_text(new.reporter_name);
    if reporter_name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(invalid("reporter_name", format!("longer than {MAX_NAME_CHARS} characters")));
    }
    let reporter_phone = optional_text(new.reporter_phone);
    if let Some(phone) = &reporter_phone {
        check_phone(phone).map_err(|reason| invalid("reporter_phone", reason))?;
    }
    let photo_url = optional_text(new.photo_url);
    if let Some(url) = &photo_url {
        check_photo_url(url).map_err(|reason| invalid("photo_url", reason))?;
    }
    let point = LocateQuery { lon: new.lon, lat: new.lat, crs: new.crs }.wgs84()?;

    let snapshot = catalog.snapshot();
    let tier = new.category.default_tier();
    let routed = route(&snapshot, point, tier).map_err(|RoutingError::OutsideDistrict { nearest }| {
        invalid(
            "point",
            format!(
                "({}, {}) is outside every grid of the district{}",
                new.lon,
                new.lat,
                nearest.map(|n| format!("; the nearest grid is {n}")).unwrap_or_default()
            ),
        )
    })?;

    let duplicates = nearby_open(catalog, new.category, point, now).await?;
    let mut report = Report {
        case_number: String::new(),
        category: new.category,
        source: new.source,
        description,
        photo_url,
        reporter_name,
        reporter_phone,
        lon: point.x(),
        lat: point.y(),
        building_id: routed.building_id,
        compound_id: routed.compound_id,
        micro_grid_id: routed.micro_grid_id,
        grid_id: routed.grid_id,
        community_id: routed.community_id,
        street_id: routed.street_id,
        tier,
        responder: routed.responder,
        responder_phone: routed.responder_phone,
        state: CaseState::Received,
        duplicate_of: None,
        supporters: 0,
        created_at: now,
        dispatched_at: None,
        deadline_at: None,
        resolved_at: None,
        closed_at: None,
        on_time: None,
        external_id: None,
    };
    let event = ReportEvent {
        at: now,
        actor: new.source.as_str().to_owned(),
        action: "submit".into(),
        from_state: None,
        to_state: Some(CaseState::Received),
        note: None,
    };
    report.case_number = catalog.store().insert_report(&report, &event).await?;
    catalog.sync_reports_after_write().await;
    Ok(Submitted { report: PublicReport::from(&report), possible_duplicates: duplicates })
}

/// Open reports of a category within the duplicate radius and window, nearest first.
pub async fn nearby_open(catalog: &Catalog, category: Category, point: Point, now: i64) -> Result<Vec<Nearby>, ServiceError> {
    let envelope = envelope_around(point, DUPLICATE_RADIUS_M);
    let bbox = [envelope.lower()[0], envelope.lower()[1], envelope.upper()[0], envelope.upper()[1]];
    let candidates = catalog.store().open_reports_near(category, bbox, now - DUPLICATE_WINDOW_SECONDS).await?;
    let mut nearby: Vec<Nearby> = candidates
        .iter()
        .map(|r| (r, Haversine.distance(point, Point::new(r.lon, r.lat))))
        .filter(|(_, metres)| *metres <= DUPLICATE_RADIUS_M)
        .map(|(r, metres)| Nearby { distance_m: (metres * 10.0).round() / 10.0, report: PublicReport::from(r) })
        .collect();
    nearby.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(nearby)
}

/// Adds the caller's support ("me too") to a report.
pub async fn support(catalog: &Catalog, case_number: &str, now: i64) -> Result<u32, ServiceError> {
    let event = ReportEvent { at: now, actor: "anonymous".into(), action: "support".into(), from_state: None, to_state: None, note: None };
    catalog.store().support_report(case_number, &event).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))
}
