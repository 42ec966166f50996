//! Admission control for costly work (password hashing, verifying an
//! upload): at most `running` jobs at once, at most `waiting` more queued,
//! each for at most `max_wait`; everything beyond is turned away at once
//! with [`Busy`], so a flood costs a refusal, never memory or a thread.
//!
//! A permit is an owned value: move it into the blocking task that does the
//! work, so a caller that goes away (a dropped request) cannot free the slot
//! while the work still runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One admitted job; the slot is free again when this is dropped.
pub type Permit = OwnedSemaphorePermit;

/// Refused: all slots taken and the queue full, or the wait too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("busy: too many of these requests at once")]
pub struct Busy;

/// A bounded pool of slots for one kind of work.
#[derive(Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// Decrements the waiting count however the wait ends (cancellation too).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    pub fn new(running: usize, waiting: usize, max_wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
            max_wait,
        }
    }

    /// `running` slots sized to the machine's cores (at least one).
    pub fn per_core(per_core: usize, waiting: usize, max_wait: Duration) -> Self {
        Self::new(cores() * per_core, waiting, max_wait)
    }

    /// A slot now, or after a bounded wait in a bounded queue, or [`Busy`].
    pub async fn enter(&self) -> Result<Permit, Busy> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(p);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let _queued = Waiting(&self.waiting);
        match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Busy),
        }
    }

    /// Slots free right now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

/// The number of cores this process may use (at least one).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_a_bounded_number_queues_a_bounded_number_refuses_the_rest() {
        let a = Arc::new(Admission::new(2, 1, Duration::from_millis(200)));
        let p1 = a.enter().await.unwrap();
        let _p2 = a.enter().await.unwrap();
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move { a.enter().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(a.enter().await.unwrap_err(), Busy, "queue of one is full");
        drop(p1);
        assert_eq!(waiter.await.unwrap(), Ok(()), "the queued one got the freed slot");
        // Both slots taken again by nobody? One is held by _p2; the waiter's
        // permit was dropped with its task.
        let _p3 = a.enter().await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(a.enter().await.unwrap_err(), Busy, "waited, then gave up");
        assert!(started.elapsed() >= Duration::from_millis(190));
    }
}
