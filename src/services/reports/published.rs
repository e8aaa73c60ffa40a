//! What moderation and the photo table add to a case's views: the public sees the photos
//! still shown and a redacted description; staff see every photo (hidden ones marked) and
//! the moderations with who and why. Every public answer that shows a report's text passes
//! through [`publish`].

use std::collections::{HashMap, HashSet};

use super::view::{ModerationView, PublicEvent, PublicPhoto, PublicReport, StaffReport};
use crate::model::photos::{Moderation, ModerationAction, ModerationTarget, PhotoInfo, PhotoStage, REDACTED_TEXT};
use crate::model::reports::{Report, ReportEvent};
use crate::services::{Catalog, ServiceError};

const CASES_PER_QUERY: usize = 1_000;

/// The photos and moderations of a set of cases, read in two queries.
#[derive(Debug, Default)]
pub struct Overlay {
    photos: HashMap<String, Vec<PhotoInfo>>,
    moderations: HashMap<String, Vec<Moderation>>,
}

impl Overlay {
    pub async fn load(catalog: &Catalog, case_numbers: &[String]) -> Result<Overlay, ServiceError> {
        let mut overlay = Overlay::default();
        if case_numbers.is_empty() {
            return Ok(overlay);
        }
        let store = catalog.store();
        // In slices: a database bounds the values one statement may bind.
        for cases in case_numbers.chunks(CASES_PER_QUERY) {
            for photo in store.photos_of(cases).await? {
                if let Some(case) = photo.case_number.clone() {
                    overlay.photos.entry(case).or_default().push(photo);
                }
            }
            for moderation in store.moderations_of(cases).await? {
                overlay.moderations.entry(moderation.case_number.clone()).or_default().push(moderation);
            }
        }
        Ok(overlay)
    }

    fn in_force<'a>(&'a self, case: &str) -> impl Iterator<Item = &'a Moderation> + 'a {
        self.moderations.get(case).into_iter().flatten().filter(|m| m.in_force())
    }

    /// The description is hidden or redacted.
    pub fn description_hidden(&self, case: &str) -> bool {
        self.in_force(case).any(|m| m.target == ModerationTarget::Description)
    }

    /// The ids of the case's events whose public reply is hidden or redacted.
    pub fn hidden_replies(&self, case: &str) -> HashSet<i64> {
        self.in_force(case).filter(|m| m.target == ModerationTarget::Reply).filter_map(|m| m.target_id).collect()
    }

    /// The photos the public may see, oldest first: not hidden themselves, and not the
    /// reporter's own while their submission is hidden (a hidden description withdraws what
    /// the reporter sent; a redacted one only replaces the text).
    pub fn public_photos(&self, case: &str) -> Vec<PublicPhoto> {
        let withdrawn = self.in_force(case).any(|m| m.target == ModerationTarget::Description && m.action == ModerationAction::Hide);
        self.photos
            .get(case)
            .into_iter()
            .flatten()
            .filter(|p| !(p.hidden || (withdrawn && p.stage == PhotoStage::Before)))
            .map(PublicPhoto::from)
            .collect()
    }

    /// A public reply (or the reporter's comment) as the public sees it: the fixed notice once
    /// moderated, like a description.
    pub fn public_reply(&self, case: &str, event: &ReportEvent) -> Option<String> {
        let reply = event.reply.as_ref()?;
        let moderated = self.in_force(case).any(|m| m.target == ModerationTarget::Reply && m.target_id == Some(event.id));
        Some(if moderated { REDACTED_TEXT.to_owned() } else { reply.clone() })
    }

    /// A case's public history, its moderated replies replaced by the notice.
    pub fn public_history(&self, case: &str, events: &[ReportEvent]) -> Vec<PublicEvent> {
        events.iter().map(|e| PublicEvent { reply: self.public_reply(case, e), ..PublicEvent::from(e) }).collect()
    }

    /// The public view of a report: its shown photos, and the fixed notice for a moderated
    /// description.
    pub fn apply_public(&self, report: &mut PublicReport) {
        report.photos = self.public_photos(&report.case_number);
        if self.description_hidden(&report.case_number) {
            REDACTED_TEXT.clone_into(&mut report.description);
        }
    }

    /// The staff view: every photo (hidden ones marked), the original description, the audit.
    pub fn apply_staff(&self, report: &mut StaffReport) {
        let case = report.public.case_number.clone();
        report.public.photos = self.photos.get(&case).into_iter().flatten().map(PublicPhoto::from).collect();
        report.moderations = self.moderations.get(&case).into_iter().flatten().map(ModerationView::from).collect();
    }
}

/// A report and its history as the public sees them (moderation applied, photos listed).
pub async fn public_view(
    catalog: &Catalog,
    report: &Report,
    events: &[ReportEvent],
) -> Result<(PublicReport, Vec<PublicEvent>), ServiceError> {
    let overlay = Overlay::load(catalog, std::slice::from_ref(&report.case_number)).await?;
    let mut public = PublicReport::from(report);
    overlay.apply_public(&mut public);
    Ok((public, overlay.public_history(&report.case_number, events)))
}

/// Public reports as moderation leaves them, with their photos.
pub async fn publish<const N: usize>(catalog: &Catalog, mut reports: [PublicReport; N]) -> Result<[PublicReport; N], ServiceError> {
    publish_all(catalog, &mut reports).await?;
    Ok(reports)
}

/// [`publish`] for a list.
pub async fn publish_all(catalog: &Catalog, reports: &mut [PublicReport]) -> Result<(), ServiceError> {
    let cases: Vec<String> = reports.iter().map(|r| r.case_number.clone()).collect();
    let overlay = Overlay::load(catalog, &cases).await?;
    for report in reports {
        overlay.apply_public(report);
    }
    Ok(())
}

/// Staff reports with every photo and the moderation audit.
pub async fn for_staff(catalog: &Catalog, reports: &mut [&mut StaffReport]) -> Result<(), ServiceError> {
    let cases: Vec<String> = reports.iter().map(|r| r.public.case_number.clone()).collect();
    let overlay = Overlay::load(catalog, &cases).await?;
    for report in reports {
        overlay.apply_staff(report);
    }
    Ok(())
}
