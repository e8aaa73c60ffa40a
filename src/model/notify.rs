//! The notification outbox's words and rows (issue 16, point 3): who is told what about a
//! case, queued in the same transaction as the event and delivered by a worker.

use super::vocabulary::vocabulary;

vocabulary! {
    /// What a message tells; each word has its own template (`/api/notify/templates`).
    /// The first six go to the reporter, the next four to the responding unit, the last two
    /// to area subscribers.
    NotifyEvent {
        Accepted = "accepted" / "已立案" / "accepted",
        Dispatched = "dispatched" / "已派遣" / "dispatched",
        Resolved = "resolved" / "已处置" / "resolved",
        Reopened = "reopened" / "重办" / "reopened",
        Closed = "closed" / "已结案" / "closed",
        Rejected = "rejected" / "不予立案" / "rejected",
        Assigned = "assigned" / "新派单" / "assigned to the unit",
        Supervised = "supervised" / "督办" / "supervised",
        Overdue = "overdue" / "超时" / "overdue",
        Redo = "redo" / "重办派单" / "sent back to the unit to redo",
        NewCase = "new_case" / "新案件" / "new case",
        Updated = "updated" / "案件更新" / "case updated",
    }
}

vocabulary! {
    /// Who a message is for.
    Recipient {
        Reporter = "reporter" / "反映人" / "reporter",
        Unit = "unit" / "责任单位" / "responding unit",
        Subscriber = "subscriber" / "订阅者" / "subscriber",
    }
}

vocabulary! {
    /// Where a queued message is: waiting (first try or a retry), delivered, or given up on
    /// after the most attempts allowed (a dead letter, which an operator may replay).
    NoticeState {
        Pending = "pending" / "待发送" / "pending",
        Delivered = "delivered" / "已送达" / "delivered",
        Dead = "dead" / "发送失败" / "dead letter",
    }
}

/// A message to queue. `key` is unique: queuing the same key twice stores it once.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// The idempotency key the receiver sees: `<case>:v<version>:<event>:<recipient>[:<address>]`
    /// (or `<case>:overdue:<due time>:unit` for the overdue sweep).
    pub key: String,
    pub case_number: String,
    pub event: NotifyEvent,
    pub recipient: Recipient,
    /// A phone (reporter), a unit id (unit) or a subscription id (subscriber).
    pub address: String,
    /// A subscription's webhook; `None`: the gateway (`--notify-webhook`).
    pub url: Option<String>,
    /// The rendered message.
    pub text: String,
    /// The JSON body POSTed (it carries `text` and `key` too).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: i64,
}

/// A queued message with its delivery record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct StoredNotice {
    pub id: i64,
    #[serde(flatten)]
    pub notice: Notice,
    pub state: NoticeState,
    /// Failed tries so far.
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// An area a staff webhook subscription watches: exactly one of these.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Compound(String),
    Grid(String),
    /// A GeoJSON Polygon or MultiPolygon geometry, WGS84.
    Polygon(serde_json::Value),
}

/// A staff webhook subscription: new cases and updates in an area (and categories) are
/// POSTed to `url` through the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: i64,
    /// One of `{"compound": id}`, `{"grid": id}`, `{"polygon": GeoJSON geometry}`.
    #[schema(value_type = Object)]
    pub area: Area,
    /// Category words; empty: every category.
    pub categories: Vec<String>,
    pub url: String,
    /// The staff token that made it.
    pub created_by: i64,
    pub created_at: i64,
}

/// Outbox rows per state, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub delivered: u64,
    pub dead: u64,
}
