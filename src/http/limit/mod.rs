//! Per-client limits on anonymous writes (reports and "me too"), so that one address
//! cannot flood a grid worker's queue. Staff writes are not limited. The client's address
//! is the one `origin` trusts. Each instance counts on its own unless given Redis, which all
//! instances then share; while Redis cannot be reached, each counts on its own again.

mod shared;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;
pub use super::origin::ClientAddress;
use shared::{Decision, SharedLimit};

/// Where instances share the limit: a Redis server and the prefix of the keys they use.
#[derive(Debug, Clone)]
pub struct SharedSettings {
    client: redis::Client,
    prefix: String,
}

impl SharedSettings {
    /// Checks the URL only: the connection is made at the first submission, so that the
    /// server starts (and counts locally) while Redis is down.
    pub fn new(url: &str, prefix: &str) -> Result<SharedSettings, String> {
        let client = redis::Client::open(url).map_err(|e| format!("{url:?} is no Redis URL: {e}"))?;
        Ok(SharedSettings { client, prefix: prefix.to_owned() })
    }
}

/// Anonymous submissions per client address and minute unless configured.
pub const DEFAULT_SUBMISSIONS_PER_MINUTE: u32 = 10;

/// Forget idle clients every this many checks, so the table stays small.
const CLEANUP_EVERY: u64 = 10_000;

/// A token bucket per client address: `per_minute` submissions a minute, in a burst of
/// at most that many.
pub struct SubmissionLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Option<IpAddr>>>,
    checks: AtomicU64,
    per_minute: u32,
    shared: Option<SharedLimit>,
}

impl SubmissionLimiter {
    /// `0` turns limiting off.
    pub fn new(per_minute: u32) -> SubmissionLimiter {
        let limiter = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        SubmissionLimiter { limiter, checks: AtomicU64::new(0), per_minute, shared: None }
    }

    /// The limit shared through Redis, counted locally while Redis cannot be reached.
    pub fn shared(per_minute: u32, settings: &SharedSettings) -> SubmissionLimiter {
        let shared = SharedLimit::new(settings.client.clone(), &settings.prefix);
        SubmissionLimiter { shared: Some(shared), ..SubmissionLimiter::new(per_minute) }
    }

    /// Counts one anonymous write from `client`; an error once its share is used up.
    /// Requests without a known address (tests through the router) share one bucket.
    pub async fn check(&self, client: &ClientAddress) -> Result<(), ApiError> {
        if self.limiter.is_none() {
            return Ok(());
        }
        if let Some(shared) = &self.shared {
            match shared.check(client.0, self.per_minute).await {
                Ok(Decision::Allowed) => return Ok(()),
                Ok(Decision::Refused(wait)) => return Err(ApiError::too_many_requests(wait.as_secs_f64().ceil().max(1.0) as u64)),
                // Logged by `shared`; a submission is never refused for want of Redis.
                Err(_) => {}
            }
        }
        self.check_here(client)
    }

    /// The token bucket of this instance.
    fn check_here(&self, client: &ClientAddress) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(&client.0).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::too_many_requests(wait.as_secs().max(1))
        })
    }
}
