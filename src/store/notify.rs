//! What the backends share about the notification outbox: the claim a delivery worker makes,
//! what became of a try, and how stored rows read back.

use crate::model::notify::{Area, Notice, NoticeState, StoredNotice, Subscription};
use crate::store::StoreError;

/// The messages a new case queues, made once the store has given the case its number (a
/// message names the case, and its key and its link are made from the number).
pub type NoticesFor<'a> = &'a (dyn Fn(&str) -> Vec<Notice> + Send + Sync);

/// A delivery worker taking due rows: pending, due by `now` and not leased to anyone (or
/// their lease ran out), at most `limit`, oldest first. They are leased to `worker` until
/// `lease_until`; no other worker claims them before.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub worker: &'a str,
    pub now: i64,
    pub lease_until: i64,
    pub limit: u32,
    /// Also rows for the gateway (`url` NULL); without a gateway only subscription webhooks.
    pub gateway: bool,
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        at: i64,
    },
    /// Failed: tried again at `next_attempt_at`, or `dead` (no more tries).
    Failed {
        error: String,
        next_attempt_at: i64,
        dead: bool,
    },
}

/// Which stored rows a listing shows, newest first.
#[derive(Debug, Clone, Default)]
pub struct NoticeQuery {
    pub state: Option<NoticeState>,
    pub case_number: Option<String>,
    pub limit: u32,
}

/// A stored row's columns as both backends read them (`attempts` and times as i64).
pub const NOTICE_COLUMNS: &str = "id, key, case_number, event, recipient, address, url, text, payload, state, attempts, next_attempt_at, last_error, \
     delivered_at, created_at";

fn corrupt(id: i64, reason: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptReport { case: format!("notification #{id}"), reason: reason.to_string() }
}

/// The raw columns of a stored row, in [`NOTICE_COLUMNS`] order after `id`.
pub struct NoticeColumns {
    pub id: i64,
    pub key: String,
    pub case_number: String,
    pub event: String,
    pub recipient: String,
    pub address: String,
    pub url: Option<String>,
    pub text: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

impl NoticeColumns {
    pub fn into_notice(self) -> Result<StoredNotice, StoreError> {
        let id = self.id;
        Ok(StoredNotice {
            id,
            notice: Notice {
                key: self.key,
                case_number: self.case_number,
                event: self.event.parse().map_err(|e| corrupt(id, e))?,
                recipient: self.recipient.parse().map_err(|e| corrupt(id, e))?,
                address: self.address,
                url: self.url,
                text: self.text,
                payload: serde_json::from_str(&self.payload).map_err(|e| corrupt(id, e))?,
                created_at: self.created_at,
            },
            state: self.state.parse().map_err(|e| corrupt(id, e))?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt(id, e))?,
            next_attempt_at: self.next_attempt_at,
            last_error: self.last_error,
            delivered_at: self.delivered_at,
        })
    }
}

/// A subscription's stored columns: its area as three nullable columns, categories comma-separated.
pub struct SubscriptionColumns {
    pub id: i64,
    pub compound_id: Option<String>,
    pub grid_id: Option<String>,
    pub polygon: Option<String>,
    pub categories: String,
    pub url: String,
    pub created_by: i64,
    pub created_at: i64,
}

impl SubscriptionColumns {
    pub fn into_subscription(self) -> Result<Subscription, StoreError> {
        let id = self.id;
        let area = match (self.compound_id, self.grid_id, self.polygon) {
            (Some(compound), None, None) => Area::Compound(compound),
            (None, Some(grid), None) => Area::Grid(grid),
            (None, None, Some(polygon)) => Area::Polygon(serde_json::from_str(&polygon).map_err(|e| corrupt(id, e))?),
            _ => return Err(corrupt(id, "a subscription names exactly one area")),
        };
        let categories = self.categories.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect();
        Ok(Subscription { id, area, categories, url: self.url, created_by: self.created_by, created_at: self.created_at })
    }

    /// The columns to write for a subscription (the id is the store's).
    pub fn of(subscription: &Subscription) -> SubscriptionColumns {
        let (compound_id, grid_id, polygon) = match &subscription.area {
            Area::Compound(id) => (Some(id.clone()), None, None),
            Area::Grid(id) => (None, Some(id.clone()), None),
            Area::Polygon(geometry) => (None, None, Some(geometry.to_string())),
        };
        SubscriptionColumns {
            id: subscription.id,
            compound_id,
            grid_id,
            polygon,
            categories: subscription.categories.join(","),
            url: subscription.url.clone(),
            created_by: subscription.created_by,
            created_at: subscription.created_at,
        }
    }
}
