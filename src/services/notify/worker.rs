//! The delivery worker: leases due outbox rows, POSTs each as JSON with its
//! `Idempotency-Key`, and records the outcome. A 2xx answer is delivered; anything else
//! (another status, a refused connection, a timeout) is tried again after an exponential
//! backoff, and after `max_attempts` tries the row is a dead letter.
//!
//! Exactly one worker delivers a row: the lease ([`crate::store::Claim`]) keeps other
//! workers (of this instance or another on the same database) off it until it runs out, and
//! every POST of a batch ends (by its timeout) well before. A worker killed mid-POST leaves
//! the row pending: once its lease runs out another worker sends it again under the same
//! key, which is what the key is for.

use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::overdue;
use crate::model::notify::StoredNotice;
use crate::model::time::now;
use crate::services::{Catalog, ServiceError};
use crate::store::{Claim, Outcome};

/// How the worker delivers; see `minsheng serve --help` for the flags behind each.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The city's SMS / WeChat gateway (`--notify-webhook`); `None`: only subscription
    /// webhooks are delivered, gateway rows wait.
    pub gateway: Option<String>,
    /// Tries before a row is a dead letter (`--notify-max-attempts`).
    pub max_attempts: u32,
    /// The first retry waits this long, each later one twice the one before
    /// (`--notify-backoff-seconds`), up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// One POST's limit; a lease is several of these, so a batch always ends inside it.
    pub timeout: Duration,
    /// Pause when nothing is due.
    pub poll: Duration,
    /// Rows leased at once.
    pub batch: u32,
    /// Between sweeps for overdue cases.
    pub sweep_every: Duration,
    /// This worker's name in the leases.
    pub worker: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            gateway: None,
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3_600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            batch: 20,
            sweep_every: Duration::from_secs(60),
            worker: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()),
        }
    }
}

impl Settings {
    /// How long a claim holds rows: three POST timeouts (at least 5 s), as a batch's POSTs
    /// run at once and each ends by its timeout.
    pub fn lease(&self) -> Duration {
        (self.timeout * 3).max(Duration::from_secs(5))
    }

    /// The wait before try `attempts + 1`, after `attempts` failed ones (1 or more).
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(30));
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Checks a webhook URL: absolute `http://` with a host (this build speaks no TLS: an
/// `https://` gateway is reached through a local TLS-terminating proxy).
pub fn check_url(url: &str) -> Result<hyper::Uri, String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http"), Some(_)) => Ok(uri),
        (Some("https"), _) => {
            Err("https is not supported by the delivery worker; give an http:// URL (a local TLS proxy may forward)".into())
        }
        _ => Err("must be an absolute http:// URL".into()),
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Starts the worker (and the overdue sweep) as a task of the runtime.
pub fn spawn(catalog: Catalog, settings: Settings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        let mut last_sweep: Option<tokio::time::Instant> = None;
        loop {
            if last_sweep.is_none_or(|at| at.elapsed() >= settings.sweep_every) {
                last_sweep = Some(tokio::time::Instant::now());
                if let Err(error) = overdue::sweep(&catalog, now()).await {
                    tracing::warn!(%error, "overdue sweep failed");
                }
            }
            match deliver_due(&catalog, &client, &settings).await {
                Ok(0) => tokio::time::sleep(settings.poll).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "outbox delivery failed");
                    tokio::time::sleep(settings.poll).await;
                }
            }
        }
    })
}

/// Leases one batch of due rows and delivers them at once; returns how many it tried.
pub async fn deliver_due(catalog: &Catalog, client: &HttpClient, settings: &Settings) -> Result<usize, ServiceError> {
    let at = now();
    let claim = Claim {
        worker: &settings.worker,
        now: at,
        lease_until: at + settings.lease().as_secs() as i64,
        limit: settings.batch,
        gateway: settings.gateway.is_some(),
    };
    let rows = catalog.store().claim_notices(&claim).await?;
    let tries = rows.iter().map(|row| async move {
        let result = post(client, settings, row).await;
        let outcome = match result {
            Ok(()) => Outcome::Delivered { at: now() },
            Err(error) => {
                let attempts = row.attempts + 1;
                let dead = attempts >= settings.max_attempts;
                let next_attempt_at = now() + settings.backoff_after(attempts).as_secs() as i64;
                if dead {
                    tracing::warn!(key = %row.notice.key, %error, attempts, "notification is a dead letter");
                } else {
                    tracing::info!(key = %row.notice.key, %error, attempts, "notification not delivered; will retry");
                }
                Outcome::Failed { error, next_attempt_at, dead }
            }
        };
        if !catalog.store().finish_notice(row.id, &settings.worker, &outcome).await? {
            tracing::warn!(key = %row.notice.key, "lost the lease on a notification before recording its outcome");
        }
        Ok::<(), ServiceError>(())
    });
    for result in futures_util::future::join_all(tries).await {
        result?;
    }
    Ok(rows.len())
}

/// One POST of a row's JSON body to its webhook, or the gateway's; `Err` says why it failed.
async fn post(client: &HttpClient, settings: &Settings, row: &StoredNotice) -> Result<(), String> {
    let url = row.notice.url.as_deref().or(settings.gateway.as_deref()).ok_or("no webhook to deliver to")?;
    let uri = check_url(url)?;
    let request = Request::post(uri)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", &row.notice.key)
        .header("X-Minsheng-Attempt", (row.attempts + 1).to_string())
        .body(Full::new(Bytes::from(row.notice.payload.to_string())))
        .map_err(|e| format!("bad request: {e}"))?;
    let exchange = async {
        let response = client.request(request).await.map_err(|e| format!("{e}: {}", source_chain(&e)))?;
        let status = response.status();
        let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        if status.is_success() {
            Ok(())
        } else {
            let text = String::from_utf8_lossy(&body);
            Err(format!("HTTP {status}: {}", text.chars().take(200).collect::<String>()))
        }
    };
    tokio::time::timeout(settings.timeout, exchange).await.map_err(|_| format!("no answer within {:?}", settings.timeout))?
}

fn source_chain(error: &dyn std::error::Error) -> String {
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    causes.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let settings = Settings { backoff: Duration::from_secs(2), max_backoff: Duration::from_secs(60), ..Settings::default() };
        let waits: Vec<u64> = (1..=7).map(|n| settings.backoff_after(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        assert!(settings.lease() > settings.timeout);
    }

    #[test]
    fn only_absolute_http_urls_are_webhooks() {
        assert!(check_url("http://127.0.0.1:18120/hook").is_ok());
        assert!(check_url("https://gateway.example/sms").unwrap_err().contains("https"));
        assert!(check_url("/relative").is_err());
        assert!(check_url("ftp://x/").is_err());
    }
}
