//! The threads that render and sign documents: one per core, at a lower
//! scheduling priority (nice [`NICE`]) than everything else in the process.
//!
//! Issuing a document is ~1.5 ms of one core (render, font subset, two
//! ECDSA signatures, the timestamp, the DSS), then a short serial step: the
//! database writer's handful of statements, each a hop to sqlx's connection
//! thread and back. On tokio's blocking pool 16 concurrent approvals were 16
//! runnable threads on 2 cores, and every hop of the writer waited behind
//! them for a time slice: the writer's lock was held ~3.8 ms per document
//! and approvals queued 36 ms for it (`eseal_approval_phase_seconds`,
//! `scripts/load-bench.sh`). Here at most one job per core runs, and at a
//! lower priority, so the scheduler gives the writer, the async threads and
//! HTTP the core the moment they wake; jobs beyond that wait in the queue
//! (bounded upstream: each is a request holding a connection slot).

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

/// How much lower the pool's threads run than the rest of the process.
pub const NICE: i32 = 10;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The job's thread went away before answering (it panicked).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the work was interrupted: {0}")]
pub struct Interrupted(pub String);

/// The pool's queue, started on first use.
fn pool() -> &'static mpsc::Sender<Job> {
    static POOL: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..crate::admission::cores() {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("eseal-cpu-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only to take the next job.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a CPU pool thread");
            }
        }
        tx
    })
}

fn lower_priority() {
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), NICE) {
        tracing::warn!(error = %e, "CPU pool thread keeps normal priority");
    }
}

/// Run `f` on the pool and wait for it without blocking the async thread.
/// A panic in `f` is caught on the pool's thread and answered as
/// [`Interrupted`]; the thread lives on.
pub async fn run<T, F>(f: F) -> Result<T, Interrupted>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|p| Interrupted(panic_text(&p)));
        let _ = tx.send(out);
    });
    pool()
        .send(job)
        .map_err(|_| Interrupted("CPU pool stopped".into()))?;
    rx.await
        .map_err(|_| Interrupted("CPU pool dropped the job".into()))?
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn runs_jobs_at_lower_priority_and_survives_a_panic() {
        let nice = run(|| rustix::process::getpriority_process(None).unwrap())
            .await
            .unwrap();
        let ours = rustix::process::getpriority_process(None).unwrap();
        assert_eq!(nice, ours + NICE, "pool threads run {NICE} lower");
        let e = run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert!(e.0.contains("boom"), "{e}");
        // The pool still works after the panic.
        assert_eq!(run(|| 6 * 7).await.unwrap(), 42);
    }
}
