//! The outbox's command line: the delivery worker's `serve` flags, and `minsheng notify` for
//! operators (dead letters, replay).

use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::{DatabaseArg, open_catalog};
use crate::model::notify::NoticeState;
use crate::model::time::{now, to_iso8601};
use crate::services::Catalog;
use crate::services::notify::worker::{self, Settings, check_url};
use crate::store::NoticeQuery;

/// `serve`'s outbox flags.
#[derive(Args)]
pub struct NotifyArgs {
    /// The city's SMS / WeChat gateway: each queued message is POSTed here as JSON with an
    /// `Idempotency-Key` header (http:// only). Without it no delivery worker runs; messages
    /// stay queued for an instance that has one.
    #[arg(long, env = "MINSHENG_NOTIFY_WEBHOOK")]
    notify_webhook: Option<String>,
    /// Tries before a message becomes a dead letter.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    notify_max_attempts: u32,
    /// The wait before the first retry; each later one waits twice the one before, at most an hour.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    notify_backoff_seconds: u64,
    /// How long one POST may take before it counts as failed.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    notify_timeout_seconds: u64,
}

impl NotifyArgs {
    /// Checks the webhook and starts the worker if one is given.
    pub fn start(&self, catalog: &Catalog) -> anyhow::Result<()> {
        let Some(gateway) = &self.notify_webhook else { return Ok(()) };
        check_url(gateway).map_err(|reason| anyhow::anyhow!("--notify-webhook {gateway:?}: {reason}"))?;
        let settings = Settings {
            gateway: Some(gateway.clone()),
            max_attempts: self.notify_max_attempts,
            backoff: Duration::from_secs(self.notify_backoff_seconds),
            timeout: Duration::from_secs(self.notify_timeout_seconds),
            ..Settings::default()
        };
        tracing::info!(gateway, worker = %settings.worker, "notification delivery worker started");
        worker::spawn(catalog.clone(), settings);
        Ok(())
    }
}

#[derive(Subcommand)]
pub enum NotifyCommand {
    /// List dead letters (messages given up on), newest first.
    Dead {
        #[command(flatten)]
        database: DatabaseArg,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Queue dead letters again (one by number, or --all), due now.
    Replay {
        #[command(flatten)]
        database: DatabaseArg,
        /// The dead letter's number (from `notify dead`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every dead letter.
        #[arg(long)]
        all: bool,
    },
}

pub async fn run(command: NotifyCommand) -> anyhow::Result<()> {
    match command {
        NotifyCommand::Dead { database, limit } => {
            let store = crate::store::open(&database.database).await.with_context(|| format!("opening database {}", database.database))?;
            let rows = store.notices(&NoticeQuery { state: Some(NoticeState::Dead), case_number: None, limit }).await?;
            for row in &rows {
                let error = row.last_error.as_deref().unwrap_or("");
                println!(
                    "{:>6}  {}  {:<40}  {} tries, last {}  {error}",
                    row.id,
                    to_iso8601(row.notice.created_at),
                    row.notice.key,
                    row.attempts,
                    to_iso8601(row.next_attempt_at)
                );
            }
            eprintln!("{} dead letter(s)", rows.len());
        }
        NotifyCommand::Replay { database, id, all: _ } => {
            let catalog = open_catalog(&database.database).await?;
            let replayed = crate::services::notify::dead::replay(&catalog, None, id, now()).await?;
            println!("queued {} dead letter(s) again", replayed.replayed);
        }
    }
    Ok(())
}
