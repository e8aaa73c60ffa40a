//! Other instances' commits, pushed by PostgreSQL's LISTEN/NOTIFY.
//!
//! Every write transaction calls [`notify`] before it commits: PostgreSQL delivers a
//! notification only when (and if) its transaction commits, so a listener never hears of a
//! write it cannot read yet. The payload only names what kind of data changed (for logs);
//! the watcher it wakes asks the store what changed, so a lost or merged notification
//! costs nothing but time, and the watcher's poll covers it.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};

use crate::store::{ChangeSignal, StoreError};

/// The channel every instance of one database listens on.
pub const CHANNEL: &str = "minsheng_changes";

/// Waits between attempts to listen again after the connection dropped: from the first to
/// the last, doubling, so a restarting server is not hammered and a short blip costs little.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

/// What a write changed, sent as the notification's payload.
#[derive(Debug, Clone, Copy)]
pub enum Changed {
    Layers,
    Reports,
    Tokens,
}

impl Changed {
    fn as_str(self) -> &'static str {
        match self {
            Changed::Layers => "layers",
            Changed::Reports => "reports",
            Changed::Tokens => "tokens",
        }
    }
}

/// Queues a notification in the caller's transaction: it is sent on commit, and dropped on
/// rollback.
pub async fn notify(conn: &mut PgConnection, changed: Changed) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(changed.as_str()).execute(conn).await?;
    Ok(())
}

/// Starts listening and returns the signal each notification raises. The first LISTEN is
/// made before returning (so a write committed after this call is heard); if it fails, the
/// task keeps retrying, and the caller still gets the signal: the poll covers the wait.
pub async fn start(pool: &PgPool) -> Result<Arc<ChangeSignal>, StoreError> {
    let signal = Arc::new(ChangeSignal::default());
    let first = match connect(pool).await {
        Ok(listener) => {
            tracing::info!("listening for other writers' notifications on channel {CHANNEL}");
            Some(listener)
        }
        Err(error) => {
            tracing::warn!("cannot listen on channel {CHANNEL} yet, retrying: {error}");
            None
        }
    };
    tokio::spawn(run(pool.clone(), first, signal.clone()));
    Ok(signal)
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Reconnecting is done here, explicitly, so that every reconnect raises the signal.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Relays notifications until the process ends. When the connection drops, it listens again
/// with growing waits and then raises the signal once: commits made while nobody listened
/// sent notifications that are lost.
async fn run(pool: PgPool, first: Option<PgListener>, signal: Arc<ChangeSignal>) {
    let mut listener = first;
    let mut retry = FIRST_RETRY;
    loop {
        if pool.is_closed() {
            return;
        }
        let Some(active) = listener.as_mut() else {
            tokio::time::sleep(retry).await;
            match connect(&pool).await {
                Ok(reconnected) => {
                    tracing::info!("listening again on channel {CHANNEL}");
                    listener = Some(reconnected);
                    retry = FIRST_RETRY;
                    signal.raise();
                }
                Err(error) => {
                    tracing::warn!("cannot listen on channel {CHANNEL}, retrying in {retry:?}: {error}");
                    retry = (retry * 2).min(LAST_RETRY);
                }
            }
            continue;
        };
        match active.try_recv().await {
            Ok(Some(notification)) => {
                tracing::debug!("notified: {} changed", notification.payload());
                signal.raise();
            }
            Ok(None) => {
                tracing::warn!("the listening connection dropped; listening again");
                listener = None;
            }
            Err(error) => {
                tracing::warn!("the listening connection failed, listening again: {error}");
                listener = None;
            }
        }
    }
}
