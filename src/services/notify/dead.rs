//! What operators do with the outbox: read it (dead letters above all) and queue dead letters
//! again once the receiver is fixed. Admins only: rows carry reporters' phones.

use serde::Serialize;

use crate::model::notify::{NoticeState, StoredNotice};
use crate::model::reports::Role;
use crate::services::auth::Staff;
use crate::services::{Catalog, ServiceError};
use crate::store::NoticeQuery;

/// Rows a listing shows at most.
pub const MAX_LIST: u32 = 1_000;

/// Outbox rows in a state (dead letters by default), newest first.
pub async fn list(
    catalog: &Catalog,
    staff: &Staff,
    state: NoticeState,
    case_number: Option<String>,
    limit: u32,
) -> Result<Vec<StoredNotice>, ServiceError> {
    staff.require(&[Role::Admin], "read the notification outbox")?;
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(ServiceError::InvalidParameter { parameter: "limit", reason: format!("must be 1–{MAX_LIST}") });
    }
    Ok(catalog.store().notices(&NoticeQuery { state: Some(state), case_number, limit }).await?)
}

/// How many dead letters went back to the queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Replayed {
    pub replayed: u64,
}

/// Queues a dead letter again (or every one, with `None`), due now, its tries counted afresh.
/// A row that is not a dead letter is refused (a delivered message is not sent twice).
pub async fn replay(catalog: &Catalog, staff: Option<&Staff>, id: Option<i64>, now: i64) -> Result<Replayed, ServiceError> {
    // The command line (no staff) is the operator on the server itself.
    if let Some(staff) = staff {
        staff.require(&[Role::Admin], "replay dead letters")?;
    }
    let replayed = catalog.store().replay_notices(id, now).await?;
    if let Some(id) = id
        && replayed == 0
    {
        return Err(ServiceError::Conflict(format!("notification #{id} is not a dead letter; /api/notify/dead lists them")));
    }
    Ok(Replayed { replayed })
}
