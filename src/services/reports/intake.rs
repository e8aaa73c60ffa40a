//! Taking a report in: check it, route it, find likely duplicates nearby, store it.

use geo::{Distance, Haversine, Point};
use serde::Serialize;

use super::follow;
use super::idempotency::{self, Idempotency};
use super::published;
use super::routing::{RoutingError, route};
use super::units::unit_for;
use super::view::PublicReport;
use crate::crs::Crs;
use crate::model::photos::NewPhoto;
use crate::model::reports::{Action, CaseState, Category, Duty, Report, ReportEvent, Source};
use crate::services::auth::permissions::may_act;
use crate::services::auth::{CaseScope, Staff};
use crate::services::categories::Settings;
use crate::services::locate::LocateQuery;
use crate::services::{Catalog, ServiceError};
use crate::store::{NearbyQuery, StoreError};

/// Open reports of the same category this close are offered as "is this yours?".
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
/// … if they were filed this recently.
pub const DUPLICATE_WINDOW_SECONDS: i64 = 14 * 24 * 3_600;
/// The nearest this many are listed (with the count of all), unless a caller asks for up to
/// [`MAX_NEARBY`]: a burst of reports at one point must not make every answer huge.
pub const DEFAULT_NEARBY: u32 = 10;
pub const MAX_NEARBY: u32 = 50;

pub(super) const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub(super) const MAX_NAME_CHARS: usize = 50;
const MAX_URL_CHARS: usize = 500;

/// A report as a caller sends it.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub category: Category,
    /// A subcategory's own word (`fire_lane` of `parking/fire_lane`); it must be a child of
    /// `category`.
    pub subcategory: Option<String>,
    pub source: Source,
    pub description: String,
    pub photo_url: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    /// The consent box: tell me of progress (only meaningful with a phone).
    pub notify: bool,
    pub lon: f64,
    pub lat: f64,
    pub crs: Crs,
    /// The staff member filing it, named as the submit event's actor; `None` for residents,
    /// whose event names the source. A patrol report needs a grid worker of the place.
    pub filed_by: Option<Staff>,
    /// Re-encoded photos (at most [`crate::services::photos::MAX_PHOTOS`]), stored with the case.
    pub photos: Vec<NewPhoto>,
}

/// What the reporter gets back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub report: PublicReport,
    /// The nearest [`DEFAULT_NEARBY`] open reports of the same category within 50 m from the
    /// last 14 days, nearest first.
    pub possible_duplicates: Vec<Nearby>,
    /// How many such reports there are in all.
    pub possible_duplicates_total: u64,
    /// The reporter's follow-up secret: it opens `GET /api/follow/{secret}` (their case with
    /// their contact details, comments, the rating). Shown here only; keep it.
    pub follow: String,
    /// The page's follow-up link, `…/#follow=<secret>`.
    pub follow_url: String,
    /// The case was filed by an earlier request with the same idempotency key (a header,
    /// not part of the body).
    #[serde(skip)]
    pub replayed: bool,
}

/// Open reports near a point: the nearest ones and the count of all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NearbyList {
    pub total: u64,
    pub reports: Vec<Nearby>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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
    if allowed && (5..=20).contains(&digits) { Ok(()) } else { Err("must be 5–20 digits (spaces, +, -, parentheses allowed)".into()) }
}

pub(super) fn check_photo_url(url: &str) -> Result<(), String> {
    if (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= MAX_URL_CHARS {
        Ok(())
    } else {
        Err(format!("must be an http(s) URL of at most {MAX_URL_CHARS} characters"))
    }
}

/// Checks, routes and stores a report; nothing is written if anything is wrong. With a key
/// that an earlier request (the same one) used in the last 24 hours, the answer is the case
/// that request filed, and nothing is written either.
pub async fn submit(catalog: &Catalog, new: NewReport, key: Option<&Idempotency>, now: i64) -> Result<Submitted, ServiceError> {
    if let Some(key) = key
        && let Some(replayed) = replay(catalog, key, now).await?
    {
        return Ok(replayed);
    }
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
    let subcategory = optional_text(new.subcategory);
    // The settings as they are now: the case keeps them, whatever an admin changes later.
    let settings = Settings::load(catalog).await?.effective(new.category, subcategory.as_deref())?;

    let snapshot = catalog.snapshot();
    let tier = settings.tier;
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

    let duplicates = nearby_open(catalog, new.category, point, DEFAULT_NEARBY, None, now).await?;
    if new.source == Source::Patrol {
        let Some(staff) = new.filed_by.as_ref() else {
            return Err(ServiceError::Forbidden("a patrol report is filed by a grid worker's token".into()));
        };
        let place = CaseScope {
            grid_id: Some(&routed.grid_id),
            micro_grid_id: routed.micro_grid_id.as_deref(),
            community_id: Some(&routed.community_id),
            street_id: Some(&routed.street_id),
            ..CaseScope::default()
        };
        may_act(staff, Action::Submit, &place)?;
    }
    // The unit routing suggests; the dispatcher may send the case elsewhere.
    let unit_id = unit_for(&snapshot, &routed, tier).map(|unit| unit.id.clone());
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
        routed,
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
        subcategory,
        duty: Duty { unit_id, ..settings.duty() },
        version: 1,
        notify: new.notify,
        follow_hash: None,
        rating: None,
        rated_at: None,
        unsatisfied: 0,
    };
    let event = ReportEvent {
        at: now,
        actor: new.filed_by.as_ref().map_or_else(|| new.source.as_str().to_owned(), Staff::actor),
        action: "submit".into(),
        from_state: None,
        to_state: Some(CaseState::Received),
        note: None,
        reply: None,
        rating: None,
        id: 0,
    };
    let record = key.map(|key| key.record(now));
    // The photos go in first, pending, and are linked once the case is stored: a crash in
    // between leaves unlinked rows, never an acknowledged case without its photos.
    let store = catalog.store();
    let pending = match new.photos.is_empty() {
        true => Vec::new(),
        false => store.insert_photos(None, &new.photos).await?.unwrap_or_default(),
    };
    let inserted = store.insert_report(&report, &event, record.as_ref()).await;
    match (&inserted, pending.is_empty()) {
        (Ok(case_number), false) => store.attach_photos(case_number, &pending).await?,
        (Err(_), false) => {
            if let Err(error) = store.discard_photos(&pending).await {
                tracing::warn!("cannot discard the photos of a refused submission: {error}");
            }
        }
        _ => {}
    }
    match inserted {
        Ok(case_number) => report.case_number = case_number,
        // A concurrent request with the same key filed first: answer with its case.
        Err(StoreError::KeyTaken(taken)) => {
            let key = key.expect("only a keyed insert finds its key taken");
            return replay(catalog, key, now)
                .await?
                .ok_or_else(|| ServiceError::Store(StoreError::KeyTaken(format!("{taken} (its case cannot be found)"))));
        }
        Err(other) => return Err(other.into()),
    }
    let follow = with_follow_hash(catalog, &report.case_number).await?;
    catalog.sync_reports_after_write().await;
    let [public] = published::publish(catalog, [PublicReport::from(&report)]).await?;
    Ok(Submitted {
        report: public,
        possible_duplicates: duplicates.reports,
        possible_duplicates_total: duplicates.total,
        follow_url: follow::follow_path(&follow),
        follow,
        replayed: false,
    })
}

/// The answer for a repeated submission: the case an earlier request with this key filed,
/// as it is now, and the duplicate hints around it (without itself); `None` for a new key.
pub async fn replay(catalog: &Catalog, key: &Idempotency, now: i64) -> Result<Option<Submitted>, ServiceError> {
    let Some(case) = idempotency::earlier_case(catalog, key, now).await? else { return Ok(None) };
    let (report, _) = catalog.store().report(&case).await?.ok_or_else(|| ServiceError::NoSuchCase(case.clone()))?;
    let point = Point::new(report.lon, report.lat);
    let duplicates = nearby_open(catalog, report.category, point, DEFAULT_NEARBY, Some(&case), now).await?;
    // Derived, so the same link as the first answer's; stored now if that request died
    // between filing and storing it.
    let follow = match report.follow_hash {
        Some(_) => follow::follow_secret(catalog, &case)?,
        None => with_follow_hash(catalog, &case).await?,
    };
    let [public] = published::publish(catalog, [PublicReport::from(&report)]).await?;
    Ok(Some(Submitted {
        report: public,
        possible_duplicates: duplicates.reports,
        possible_duplicates_total: duplicates.total,
        follow_url: follow::follow_path(&follow),
        follow,
        replayed: true,
    }))
}

/// The case's follow-up secret, its hash stored with the case.
async fn with_follow_hash(catalog: &Catalog, case_number: &str) -> Result<String, ServiceError> {
    let secret = follow::follow_secret(catalog, case_number)?;
    catalog.store().set_follow_hash(case_number, &follow::follow_hash(&secret)).await?;
    Ok(secret)
}

/// The nearest `limit` (1–[`MAX_NEARBY`]) open reports of a category within the duplicate
/// radius and window, nearest first, leaving out `except`, and how many there are in all.
pub async fn nearby_open(
    catalog: &Catalog,
    category: Category,
    point: Point,
    limit: u32,
    except: Option<&str>,
    now: i64,
) -> Result<NearbyList, ServiceError> {
    if !(1..=MAX_NEARBY).contains(&limit) {
        return Err(invalid("limit", format!("must be 1–{MAX_NEARBY}")));
    }
    let query = NearbyQuery {
        category,
        lon: point.x(),
        lat: point.y(),
        radius_m: DUPLICATE_RADIUS_M,
        created_from: now - DUPLICATE_WINDOW_SECONDS,
        except,
        limit,
    };
    let (reports, total) = catalog.store().open_reports_near(&query).await?;
    let mut public: Vec<PublicReport> = reports.iter().map(PublicReport::from).collect();
    published::publish_all(catalog, &mut public).await?;
    let reports = public
        .into_iter()
        .map(|public| {
            // Measured to the point the public sees: an exact distance would give a blurred
            // case's place away.
            let metres = Haversine.distance(point, Point::new(public.point[0], public.point[1]));
            Nearby { distance_m: (metres * 10.0).round() / 10.0, report: public }
        })
        .collect();
    Ok(NearbyList { total, reports })
}

/// Adds the caller's support ("me too") to a report.
pub async fn support(catalog: &Catalog, case_number: &str, now: i64) -> Result<Supported, ServiceError> {
    let event = ReportEvent {
        at: now,
        actor: "anonymous".into(),
        action: Action::Support.as_str().into(),
        from_state: None,
        to_state: None,
        note: None,
        reply: None,
        rating: None,
        id: 0,
    };
    let supporters =
        catalog.store().support_report(case_number, &event).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    Ok(Supported { case_number: case_number.to_owned(), supporters })
}

/// A case's supporters after one more.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Supported {
    pub case_number: String,
    pub supporters: u32,
}
