//! The accept loop: hyper's HTTP/1 connection driver around the router, with
//! the limits `axum::serve` does not have.
//!
//! - A **connection cap** (`max_connections`): when it is reached, the
//!   connection idle longest (no request in progress: a keep-alive
//!   connection, or one that has not finished sending its headers) is closed
//!   to make room; when none is idle the new connection is closed at once. A
//!   flood of idle or half-open connections therefore displaces itself, and
//!   a client that sends its request promptly (a health check, a clerk) is
//!   served; file descriptors stay well below the process limit.
//! - A **header-read timeout** (hyper's) and an **idle timeout**: a
//!   connection with no request in progress for `idle_timeout` is closed.
//! - Small per-connection buffers (32 KiB: headers are small; bodies stream).
//!
//! Body read timeouts and the total request time are layers of the router.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// Limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
}

/// One open connection as the loop sees it.
struct Conn {
    /// Requests in progress on it.
    in_flight: AtomicUsize,
    /// Milliseconds since the loop started, at the last request's start or end.
    last_active: AtomicU64,
    close: Notify,
}

/// The open connections, for eviction.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn add(&self, conn: Arc<Conn>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, conn);
        id
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ask the connection idle longest to close; false if none is idle.
    fn evict_one(&self) -> bool {
        let open = self.lock();
        let victim = open
            .values()
            .filter(|c| c.in_flight.load(Ordering::SeqCst) == 0)
            .min_by_key(|c| c.last_active.load(Ordering::SeqCst));
        match victim {
            Some(c) => {
                // Mark it busy-looking far in the future so the next
                // eviction picks another one while this one closes.
                c.last_active.store(u64::MAX, Ordering::SeqCst);
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Ends an in-flight request's count however the handler ends.
struct InFlight {
    conn: Arc<Conn>,
    epoch: Instant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn
            .last_active
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        self.conn.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serve `router` on `listener` until `shutdown` completes; then stop
/// accepting, let connections finish their requests (at most 30 s).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let registry = Arc::new(Registry::default());
    let epoch = Instant::now();
    let stopping = Arc::new(tokio::sync::watch::Sender::new(false));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(32 * 1024)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // accept: back off briefly, never spin or exit.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if !registry.evict_one() {
                    // Every connection is working on a request: refuse.
                    drop(stream);
                    continue;
                }
                // The evicted connection closes within microseconds.
                match tokio::time::timeout(
                    Duration::from_millis(200),
                    permits.clone().acquire_owned(),
                )
                .await
                {
                    Ok(Ok(p)) => p,
                    _ => {
                        drop(stream);
                        continue;
                    }
                }
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            http.clone(),
            limits,
            registry.clone(),
            epoch,
            permit,
            stopping.subscribe(),
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    // Wait for the connections to finish (each holds a permit).
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(30), permits.acquire_many(all)).await;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    http: hyper::server::conn::http1::Builder,
    limits: ConnectionLimits,
    registry: Arc<Registry>,
    epoch: Instant,
    _permit: OwnedSemaphorePermit,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let state = Arc::new(Conn {
        in_flight: AtomicUsize::new(0),
        last_active: AtomicU64::new(epoch.elapsed().as_millis() as u64),
        close: Notify::new(),
    });
    let id = registry.add(state.clone());
    let svc_state = state.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        svc_state.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight {
            conn: svc_state.clone(),
            epoch,
        };
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let resp = router.oneshot(req.map(axum::body::Body::new)).await;
            // The request counts as in progress until its response body is
            // sent (the guard lives in the body), so eviction never cuts a
            // download short.
            resp.map(|r| {
                r.map(|body| {
                    axum::body::Body::new(body.map_frame(move |f| {
                        let _in_flight = &guard;
                        f
                    }))
                })
            })
        }
    });
    let conn = http.serve_connection(TokioIo::new(stream), svc).with_upgrades();
    tokio::pin!(conn);
    let idle_ms = limits.idle_timeout.as_millis() as u64;
    let mut check = tokio::time::interval(limits.idle_timeout.min(Duration::from_secs(5)));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            () = state.close.notified(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = stopping.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = check.tick() => {
                let now = epoch.elapsed().as_millis() as u64;
                let last = state.last_active.load(Ordering::SeqCst);
                let idle = state.in_flight.load(Ordering::SeqCst) == 0
                    && (last == u64::MAX || now.saturating_sub(last) >= idle_ms);
                if closing && idle {
                    // Asked to close and still not done: drop it.
                    break;
                }
                if idle {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
    registry.remove(id);
}

/// `wanted`, or less if the process may not open enough files: a quarter
/// of the descriptors stay for the database, logs and outgoing requests.
pub fn clamp_to_file_limit(wanted: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|v| v.parse::<usize>().ok());
    match soft {
        Some(limit) if wanted > limit / 4 * 3 => {
            let cap = (limit / 4 * 3).max(16);
            tracing::warn!(wanted, cap, file_limit = limit, "max_connections lowered below the file limit");
            cap
        }
        _ => wanted,
    }
}
