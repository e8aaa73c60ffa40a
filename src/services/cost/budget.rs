//! A request's time budget and cancel flag, checked by the work's loops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::services::ServiceError;

/// Until when a request's work may run, and whether its client is still waiting. Clones
/// share the flag: the HTTP side cancels, the blocking work checks.
#[derive(Debug, Clone)]
pub struct Budget {
    cancelled: Arc<AtomicBool>,
    deadline: Instant,
    time: Duration,
}

impl Budget {
    /// A budget of `time` from now.
    pub fn new(time: Duration) -> Budget {
        Budget { cancelled: Arc::new(AtomicBool::new(false)), deadline: Instant::now() + time, time }
    }

    /// A budget that only a cancel ends: for benchmarks and tools that run one request.
    pub fn unlimited() -> Budget {
        Budget::new(Duration::from_secs(365 * 86_400))
    }

    /// Asks the work to stop (the client went away).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the work should stop: cancelled, or out of time.
    pub fn stopped(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    /// `Ok` while the work may go on; else the error that says why it stopped.
    pub fn check(&self) -> Result<(), ServiceError> {
        if self.stopped() { Err(self.stop_error()) } else { Ok(()) }
    }

    /// Why the work stopped (call once [`Budget::stopped`] said so).
    pub fn stop_error(&self) -> ServiceError {
        if self.cancelled.load(Ordering::Relaxed) {
            ServiceError::Cancelled
        } else {
            ServiceError::OutOfTime { seconds: self.time.as_secs_f64() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_is_seen_by_every_clone() {
        let budget = Budget::new(Duration::from_secs(60));
        let work = budget.clone();
        assert!(work.check().is_ok());
        budget.cancel();
        assert!(matches!(work.check(), Err(ServiceError::Cancelled)));
    }

    #[test]
    fn a_spent_budget_says_how_long_it_was() {
        let budget = Budget::new(Duration::ZERO);
        assert!(budget.stopped());
        let message = budget.check().unwrap_err().to_string();
        assert!(message.contains("0 s"), "{message}");
    }
}
