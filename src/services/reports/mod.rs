//! Problem reports: intake with duplicate hints, "一呼四应" routing, public views, bulk
//! import of historical cases; the staff workflow and Open311 build on these.

pub mod history;
pub mod intake;
pub mod routing;
pub mod view;

use crate::services::{Catalog, ServiceError};
use view::{PublicEvent, PublicReport};

/// A report and its public history, by case number.
pub async fn public_case(catalog: &Catalog, case_number: &str) -> Result<(PublicReport, Vec<PublicEvent>), ServiceError> {
    let (report, events) =
        catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    Ok((PublicReport::from(&report), events.iter().map(PublicEvent::from).collect()))
}
