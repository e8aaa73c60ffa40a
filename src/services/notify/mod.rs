//! Notifications through an outbox (issue 16, point 3): every write to a case that should
//! tell someone queues its messages in the same transaction ([`Outbox::for_change`] and
//! [`Outbox::for_new_case`] make them, the store writes them with the case); a delivery
//! worker ([`worker`]) POSTs them to the gateway or a subscription's webhook, retries with
//! backoff and leaves dead letters an operator can replay.

pub mod dead;
pub mod overdue;
pub mod plan;
pub mod subscriptions;
pub mod templates;
pub mod worker;

use plan::{Change, Context};
use templates::Texts;

use crate::model::Layer;
use crate::model::notify::{Notice, Subscription};
use crate::model::reports::{Report, ReportEvent};
use crate::services::reports::follow::{follow_path, follow_secret};
use crate::services::{Catalog, ServiceError};

/// What making a write's messages needs from the database, read before the write: the
/// texts in force and the subscriptions.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    texts: Texts,
    subscriptions: Vec<Subscription>,
}

impl Outbox {
    pub async fn load(catalog: &Catalog) -> Result<Outbox, ServiceError> {
        Ok(Outbox { texts: Texts::load(catalog).await?, subscriptions: catalog.store().subscriptions().await? })
    }

    fn context(&self, catalog: &Catalog, report: &Report) -> Context<'_> {
        let base = catalog.public_base();
        let follow_link = match follow_secret(catalog, &report.case_number) {
            Ok(secret) => Some(format!("{base}{}", follow_path(&secret))),
            Err(error) => {
                tracing::warn!(case = %report.case_number, %error, "no follow-up link for the message");
                None
            }
        };
        let snapshot = catalog.snapshot();
        let unit = report.duty.unit_id.as_deref().and_then(|id| snapshot.find(Layer::Units, id)).map(|i| &snapshot.data.units[i as usize]);
        Context {
            follow_link,
            case_link: format!("{base}/#case={}", report.case_number),
            unit_name: unit.map(|u| u.name.clone()),
            unit_phone: unit.and_then(|u| u.phone.clone()),
            subscriptions: &self.subscriptions,
        }
    }

    /// The messages a move (or any write through the workflow) sends.
    pub fn for_change(&self, catalog: &Catalog, before: &Report, after: &Report, event: &ReportEvent) -> Vec<Notice> {
        let change = Change { before: Some(before), after, event };
        plan::notices(&change, &self.texts, &self.context(catalog, after))
    }

    /// The messages a new case sends, once the store has numbered it `case_number`.
    pub fn for_new_case(&self, catalog: &Catalog, report: &Report, event: &ReportEvent, case_number: &str) -> Vec<Notice> {
        let mut report = report.clone();
        report.case_number = case_number.to_owned();
        let change = Change { before: None, after: &report, event };
        plan::notices(&change, &self.texts, &self.context(catalog, &report))
    }

    pub fn texts(&self) -> &Texts {
        &self.texts
    }

    /// The context of a message about `report` (for the overdue sweep).
    pub fn context_for<'a>(&'a self, catalog: &Catalog, report: &Report) -> Context<'a> {
        self.context(catalog, report)
    }
}
