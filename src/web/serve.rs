//! The accept loop: hyper's HTTP/1 connection driver around the router, with
//! the limits `axum::serve` does not have.
//!
//! - A **connection cap** (`max_connections`): when it is reached, the
//!   connection idle longest (no request in progress: a keep-alive
//!   connection, or one that has not finished sending its headers) is closed
//!   to make room; when none is idle the new connection is closed at once. A
//!   flood of idle or half-open connections therefore displaces itself, and
//!   a client that sends its request promptly (a health check, a clerk) is
//!   served; file descriptors stay well below the process limit. The new
//!   connection takes the evicted one's slot at once (the accept loop never
//!   waits for it to close); evicted connections still closing are bounded
//!   too (by the cap, and by the file limit).
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
    /// Its slot under the cap, until the connection ends or is evicted
    /// (then the slot is handed to the connection that evicted it).
    slot: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Conn {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<OwnedSemaphorePermit>> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn slot_held(&self) -> bool {
        self.slot().is_some()
    }
    fn take_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slot().take()
    }
}

/// The open connections, for eviction.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    /// Connections evicted that have not yet closed (each past the cap).
    evicted: AtomicUsize,
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

    /// Take the slot of the connection idle longest and ask it to close;
    /// `None` if none is idle, or if `max_evicted` evicted connections
    /// are still closing. The caller never waits for the evicted one: it
    /// closes on its own a moment later, and the connections it displaced
    /// stay bounded by `max_evicted`.
    fn evict_one(&self, max_evicted: usize) -> Option<OwnedSemaphorePermit> {
        if self.evicted.load(Ordering::SeqCst) >= max_evicted {
            return None;
        }
        let open = self.lock();
        // Not one already evicted (its slot taken, and marked `u64::MAX`).
        let victim = open
            .values()
            .filter(|c| c.in_flight.load(Ordering::SeqCst) == 0)
            .filter(|c| c.last_active.load(Ordering::SeqCst) != u64::MAX)
            .filter(|c| c.slot_held())
            .min_by_key(|c| c.last_active.load(Ordering::SeqCst))?;
        let slot = victim.take_slot()?;
        // Marked far in the future so no later eviction picks it again.
        victim.last_active.store(u64::MAX, Ordering::SeqCst);
        self.evicted.fetch_add(1, Ordering::SeqCst);
        victim.close.notify_one();
        Some(slot)
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
    // Evicted connections still closing hold their descriptors a moment:
    // as many as the cap, within the three quarters of the file limit
    // connections may use (a starved machine may take a while to close
    // them, and a new connection must not be refused meanwhile).
    let max_evicted = match file_limit() {
        Some(limit) => (limit / 4 * 3).saturating_sub(limits.max_connections),
        None => limits.max_connections,
    }
    .min(limits.max_connections)
    .max(16);
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
        // A free slot, or the slot of the connection idle longest: the
        // loop never waits, so a flood of connections cannot hold up
        // accepting the ones behind it.
        let slot = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => match registry.evict_one(max_evicted) {
                Some(p) => p,
                None => {
                    // Every connection is working on a request: refuse.
                    drop(stream);
                    continue;
                }
            },
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
            slot,
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
    slot: OwnedSemaphorePermit,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let state = Arc::new(Conn {
        in_flight: AtomicUsize::new(0),
        last_active: AtomicU64::new(epoch.elapsed().as_millis() as u64),
        close: Notify::new(),
        slot: Mutex::new(Some(slot)),
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
    let conn = http
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades();
    tokio::pin!(conn);
    let idle_ms = limits.idle_timeout.as_millis() as u64;
    let mut check = tokio::time::interval(limits.idle_timeout.min(Duration::from_secs(5)));
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            () = state.close.notified(), if !closing => {
                // Evicted. With no request in progress (hyper calls the
                // service, and sends the response body, only while this
                // task polls `conn`, so the count cannot change meanwhile)
                // the connection is dropped at once, an unfinished request
                // head with it, and its slot is free for the connection
                // waiting on it. A request that has just started is let
                // finish.
                if state.in_flight.load(Ordering::SeqCst) == 0 {
                    break;
                }
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
    // Our slot is freed with `state`; if it was taken, we were evicted.
    if state.take_slot().is_none() {
        registry.evicted.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many finished handshakes the kernel may hold for `accept` (capped
/// by `net.core.somaxconn`): bursts of connections from a flood queue
/// here instead of dropping a health check's SYN (retried only after 1 s).
const LISTEN_BACKLOG: u32 = 4096;

/// Bind `addr` for [`serve`] with a deep accept queue.
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// `wanted`, or less if the process may not open enough files: a quarter
/// of the descriptors stay for the database, logs and outgoing requests.
pub fn clamp_to_file_limit(wanted: usize) -> usize {
    match file_limit() {
        Some(limit) if wanted > limit / 4 * 3 => {
            let cap = (limit / 4 * 3).max(16);
            tracing::warn!(
                wanted,
                cap,
                file_limit = limit,
                "max_connections lowered below the file limit"
            );
            cap
        }
        _ => wanted,
    }
}

/// The process's soft limit of open files, where `/proc` tells it.
fn file_limit() -> Option<usize> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|v| v.parse::<usize>().ok())
}
