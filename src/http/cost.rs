//! The bounds a request runs under: the caller's limits (higher for staff) and a time
//! budget that starts when the request arrives, with the shared worker pool.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::services::ServiceError;
use crate::services::cost::{Budget, Limits};

/// Workers waiting for a turn, beyond the running ones, unless configured.
pub const DEFAULT_QUEUE: usize = 16;

/// What this caller may ask of the heavy routes. Extracting it checks a token if one is
/// sent (an unknown one is a 401, as everywhere).
pub struct Bounds {
    pub limits: Limits,
    budget: Budget,
}

impl FromRequestParts<AppState> for Bounds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Bounds, ApiError> {
        let Caller(staff) = Caller::from_request_parts(parts, state).await?;
        let limits = if staff.is_some() { state.limits.staff() } else { state.limits };
        Ok(Bounds { limits, budget: Budget::new(limits.time) })
    }
}

impl Bounds {
    /// Runs heavy work in the pool under these limits and budget: 503 `busy` with
    /// `Retry-After` when the queue is full, 503 `timed_out` when the budget runs out, and
    /// stopped when the client leaves (this future is dropped).
    pub async fn run<T: Send + 'static>(
        self,
        state: &AppState,
        work: impl FnOnce(&Limits, &Budget) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let limits = self.limits;
        Ok(state.pool.run(self.budget, move |budget| work(&limits, budget)).await?)
    }
}
