//! Per-client limits on anonymous writes (reports and "me too"), so that one address
//! cannot flood a grid worker's queue. Staff writes are not limited.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::ApiError;

/// Anonymous submissions per client address and minute unless configured.
pub const DEFAULT_SUBMISSIONS_PER_MINUTE: u32 = 10;

/// Forget idle clients every this many checks, so the table stays small.
const CLEANUP_EVERY: u64 = 10_000;

/// A token bucket per client address: `per_minute` submissions a minute, in a burst of
/// at most that many.
pub struct SubmissionLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Option<IpAddr>>>,
    checks: AtomicU64,
}

impl SubmissionLimiter {
    /// `0` turns limiting off.
    pub fn new(per_minute: u32) -> SubmissionLimiter {
        let limiter = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        SubmissionLimiter { limiter, checks: AtomicU64::new(0) }
    }

    /// Counts one anonymous write from `client`; an error once its share is used up.
    /// Requests without a known address (tests through the router) share one bucket.
    pub fn check(&self, client: &ClientAddress) -> Result<(), ApiError> {
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

/// The peer address of the connection, when the server was started with connect info.
/// Behind a reverse proxy every client shares the proxy's address; run the limit at the
/// proxy in that setup.
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}
