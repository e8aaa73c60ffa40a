//! Problem reports: intake with duplicate hints and idempotency keys, "一呼四应" routing,
//! public and staff views, the GB/T 30428 workflow, staff reads, Open311 GeoReport v2 and
//! the bulk import of historical cases.

pub mod area;
pub mod blur;
pub mod export;
pub mod feeds;
pub mod follow;
pub mod history;
pub mod idempotency;
pub mod intake;
pub mod moderation;
pub mod open311;
pub mod oversight;
pub mod published;
pub mod rating;
pub mod routing;
pub mod staff;
pub mod units;
pub mod view;
pub mod workflow;

use crate::services::{Catalog, ServiceError};
use view::PublicCase;

/// A report and its public history, by case number, as moderation leaves it.
pub async fn public_case(catalog: &Catalog, case_number: &str) -> Result<PublicCase, ServiceError> {
    let (report, events) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    let (public, history) = published::public_view(catalog, &report, &events).await?;
    Ok(PublicCase { report: public, history, version: report.version })
}
