//! The worker pool heavy requests run in: as many at once as there are cores, a bounded
//! number waiting, the rest refused at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use super::Budget;
use crate::services::ServiceError;

/// Seconds a refused client is asked to wait before trying again.
pub const RETRY_AFTER_S: u64 = 2;

pub struct Pool {
    running: Arc<Semaphore>,
    /// Requests admitted (running or waiting).
    admitted: Arc<AtomicUsize>,
    capacity: usize,
    workers: usize,
    /// Requests refused busy since the pool was made.
    refused: AtomicU64,
}

/// What the pool is doing now (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub workers: usize,
    pub running: usize,
    pub waiting: usize,
    pub refused_busy: u64,
}

/// Gives an admission back and cancels the work when the request's future goes: when it
/// finished, or when the client disconnected and the server dropped the handler.
struct Admission {
    admitted: Arc<AtomicUsize>,
    budget: Budget,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.budget.cancel();
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Pool {
    /// `workers` at once, and up to `queue` more waiting for a turn. No workers and no
    /// queue refuses every request (heavy routes switched off).
    pub fn new(workers: usize, queue: usize) -> Pool {
        let capacity = workers + queue;
        let workers = workers.max(1);
        Pool {
            running: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity,
            workers,
            refused: AtomicU64::new(0),
        }
    }

    /// Workers, requests running and waiting now, and those refused so far. Running and
    /// waiting are read one after the other, so under load they may be off by one.
    pub fn status(&self) -> PoolStatus {
        let running = self.workers - self.running.available_permits().min(self.workers);
        let admitted = self.admitted.load(Ordering::Acquire);
        PoolStatus {
            workers: self.workers,
            running,
            waiting: admitted.saturating_sub(running),
            refused_busy: self.refused.load(Ordering::Relaxed),
        }
    }

    /// One worker per core.
    pub fn workers_for_this_machine() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Runs `work` on a blocking thread once a worker is free. Refused with
    /// [`ServiceError::Busy`] when the queue is full, [`ServiceError::OutOfTime`] when the
    /// budget runs out while waiting. Dropping the returned future (the client left)
    /// cancels the budget, which the work checks; its worker stays taken until it stops.
    pub async fn run<T: Send + 'static>(
        &self,
        budget: Budget,
        work: impl FnOnce(&Budget) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(ServiceError::Busy { retry_after_s: RETRY_AFTER_S });
        }
        let _admission = Admission { admitted: self.admitted.clone(), budget: budget.clone() };
        let permit = tokio::time::timeout_at(budget.deadline().into(), self.running.clone().acquire_owned())
            .await
            .map_err(|_| budget.stop_error())?
            .expect("the pool's semaphore is never closed");
        budget.check()?;
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&budget)
        });
        match task.await {
            Ok(answer) => answer,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::{Duration, Instant};

    use super::*;

    /// Polls until `condition` holds, for at most 30 s: a loaded two-core machine (a busy-spinning
    /// worker beside the test) can take seconds to schedule the tasks.
    async fn eventually(condition: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if condition() {
                return true;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        condition()
    }

    /// Work that holds its worker until its budget stops it, and says so.
    fn hold(stopped: Arc<AtomicBool>) -> impl FnOnce(&Budget) -> Result<(), ServiceError> + Send + 'static {
        move |budget: &Budget| {
            while !budget.stopped() {
                std::thread::yield_now();
            }
            stopped.store(true, Ordering::SeqCst);
            budget.check()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_is_refused_at_once() {
        let pool = Arc::new(Pool::new(1, 1));
        let stopped = Arc::new(AtomicBool::new(false));
        let running = tokio::spawn({
            let pool = pool.clone();
            let stopped = stopped.clone();
            async move { pool.run(Budget::new(Duration::from_secs(60)), hold(stopped)).await }
        });
        let waiting = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(Budget::new(Duration::from_secs(60)), |_| Ok(())).await }
        });
        assert!(eventually(|| pool.admitted.load(Ordering::SeqCst) == 2).await);
        let refused = pool.run(Budget::new(Duration::from_secs(60)), |_| Ok(())).await;
        assert!(matches!(refused, Err(ServiceError::Busy { retry_after_s: RETRY_AFTER_S })), "{refused:?}");
        let status = PoolStatus { workers: 1, running: 1, waiting: 1, refused_busy: 1 };
        assert!(eventually(|| pool.status() == status).await, "{:?}", pool.status());
        // The client of the running request leaves: its work stops and the waiting one runs.
        running.abort();
        assert!(eventually(|| stopped.load(Ordering::SeqCst)).await, "the work did not see the cancel");
        assert!(waiting.await.unwrap().is_ok());
        assert!(eventually(|| pool.admitted.load(Ordering::SeqCst) == 0).await);
        assert_eq!(pool.status(), PoolStatus { workers: 1, running: 0, waiting: 0, refused_busy: 1 });
    }

    #[tokio::test]
    async fn work_out_of_time_says_so() {
        let pool = Pool::new(1, 0);
        let answer = pool.run(Budget::new(Duration::from_millis(20)), hold(Arc::new(AtomicBool::new(false)))).await;
        assert!(matches!(answer, Err(ServiceError::OutOfTime { .. })), "{answer:?}");
    }
}
