//! Filing a service request (`POST requests`): the spec's fields to a report, the answer,
//! and the idempotency key a client may send with it.

use serde::Serialize;

use super::{Fields, Open311Error, category, check_jurisdiction, invalid, service_notice};
use crate::crs::Crs;
use crate::model::photos::NewPhoto;
use crate::model::reports::{Category, Source};
use crate::services::auth::Staff;
use crate::services::reports::idempotency::Idempotency;
use crate::services::reports::intake::{self, NewReport, Submitted};
use crate::services::{Catalog, ServiceError};

/// The answer to `POST requests`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    /// The case number.
    pub service_request_id: String,
    /// The responder and the deadline.
    pub service_notice: String,
    /// We keep no accounts.
    pub account_id: Option<String>,
    /// Filed by an earlier request with the same idempotency key (a header, not in the body).
    #[serde(skip)]
    pub replayed: bool,
}

impl From<Submitted> for Created {
    fn from(submitted: Submitted) -> Created {
        let report = submitted.report;
        Created {
            service_notice: service_notice(report.tier, &report.responder, report.deadline_at, report.resolution_secs),
            service_request_id: report.case_number,
            account_id: None,
            replayed: submitted.replayed,
        }
    }
}

/// An `Idempotency-Key` for `POST requests`, fingerprinting who sent which fields (in name
/// order, so a client may send them in any order; `api_key` is counted as the staff member).
pub fn idempotency(key: &str, fields: &Fields, staff: Option<&Staff>) -> Result<Idempotency, Open311Error> {
    let mut pairs: Vec<&(String, String)> = fields.0.iter().filter(|(name, _)| name != "api_key").collect();
    pairs.sort();
    let request = serde_json::to_vec(&pairs).expect("pairs of strings serialise");
    let sender = staff.map_or_else(|| "anonymous".to_owned(), Staff::actor);
    Ok(Idempotency::new(key, &[b"open311 requests", sender.as_bytes(), &request])?)
}

/// The answer for a repeated `POST requests`: the case the first request with this key
/// filed; `None` for a new key.
pub async fn replay(catalog: &Catalog, key: &Idempotency, now: i64) -> Result<Option<Created>, Open311Error> {
    Ok(intake::replay(catalog, key, now).await?.map(Created::from))
}

/// Files a report from `POST requests` fields; nothing is written if anything is wrong.
///
/// Used: `service_code`, `lat` and `long` (required: we do not geocode `address_string` or
/// `address_id`), `description`, `media_url`, `first_name`/`last_name` and `phone` (stored
/// privately as the reporter's, never shown). `email` is ignored: we have nowhere to keep it
/// and store no more personal data than the case needs. `api_key` is a staff token (checked
/// by the caller, who passes the staff member): with one, the non-standard field `source`
/// (`hotline_12345`, `patrol`, `suggestion_box`) may say where the report came from;
/// without one every report is a resident's.
///
/// With an idempotency key used by the same request in the last 24 hours, the answer is the
/// case that request filed.
pub async fn create(
    catalog: &Catalog,
    fields: &Fields,
    staff: Option<&Staff>,
    key: Option<&Idempotency>,
    now: i64,
    photos: Vec<NewPhoto>,
) -> Result<Created, Open311Error> {
    check_jurisdiction(fields)?;
    let source = match (fields.one("source")?, staff) {
        (None, _) => Source::Resident,
        (Some(text), Some(_)) => text.parse().map_err(|e: String| invalid("source", e))?,
        (Some(_), None) => return Err(invalid("source", "only staff (with an api_key) may set the source")),
    };
    let code =
        fields.one("service_code")?.ok_or_else(|| invalid("service_code", format!("is required; one of: {}", Category::allowed())))?;
    let category = category(code)?;
    let (lat, long) = (fields.one("lat")?, fields.one("long")?);
    let addressed = fields.one("address_string")?.is_some() || fields.one("address_id")?.is_some();
    let no_geocoding = if addressed { "; this server does not geocode address_string or address_id" } else { "" };
    let lat = lat.ok_or_else(|| invalid("lat", format!("lat and long (WGS84) are required{no_geocoding}")))?;
    let long = long.ok_or_else(|| invalid("long", format!("lat and long (WGS84) are required{no_geocoding}")))?;
    let degrees =
        |name: &'static str, text: &str| text.parse::<f64>().map_err(|_| invalid(name, format!("{text:?} is not a number of degrees")));
    let new = NewReport {
        category,
        subcategory: fields.one("subcategory")?.map(str::to_owned),
        source,
        description: fields.one("description")?.unwrap_or_default().to_owned(),
        photo_url: fields.one("media_url")?.map(str::to_owned),
        reporter_name: reporter_name(fields.one("first_name")?, fields.one("last_name")?),
        reporter_phone: fields.one("phone")?.map(str::to_owned),
        // Open311 has no consent box.
        notify: false,
        lon: degrees("long", long)?,
        lat: degrees("lat", lat)?,
        crs: Crs::Wgs84,
        filed_by: staff.cloned(),
        photos,
    };
    Ok(intake::submit(catalog, new, key, now).await.map_err(open311_names)?.into())
}

/// Chinese names put the family name first, without a space.
fn reporter_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (first, last) {
        (Some(first), Some(last)) if !(first.is_ascii() && last.is_ascii()) => Some(format!("{last}{first}")),
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

/// Intake names its own fields; an Open311 client should read the names it sent.
fn open311_names(error: ServiceError) -> ServiceError {
    match error {
        ServiceError::InvalidParameter { parameter, reason } => {
            let parameter = match parameter {
                "photo_url" => "media_url",
                "reporter_name" => "first_name/last_name",
                "reporter_phone" => "phone",
                "lon" => "long",
                "point" => "lat/long",
                other => other,
            };
            ServiceError::InvalidParameter { parameter, reason }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reports::Tier;

    #[test]
    fn names_follow_chinese_order_and_notices_name_the_deadline() {
        assert_eq!(reporter_name(Some("秘密"), Some("王")).as_deref(), Some("王秘密"));
        assert_eq!(reporter_name(Some("John"), Some("Smith")).as_deref(), Some("John Smith"));
        assert_eq!(reporter_name(None, Some("王")).as_deref(), Some("王"));
        assert_eq!(reporter_name(None, None), None);
        let before = service_notice(Tier::Property, "某物业", None, 3 * 86_400);
        assert!(before.contains("某物业") && before.contains("3 days after dispatch"), "{before}");
        let after = service_notice(Tier::Property, "某物业", Some(1_795_329_500), 3 * 86_400);
        assert!(after.contains("2026-11-22T14:38:20+08:00"), "{after}");
    }
}
