//! The accept loop: HTTP/1.1 connections served by hyper with a header-read timeout (which
//! `axum::serve` lacks, so a client trickling header lines cannot hold a connection forever), a
//! cap on open connections, and graceful shutdown that lets in-flight requests finish.
//!
//! At the cap, a new connection is served in place of the kept-alive connection that has been
//! idle (between requests) the longest: that one is closed gracefully (hyper closes an idle
//! connection at once, and finishes a request that slipped in first). Only when no connection
//! is idle is the new one answered 503 + `Retry-After`. Idle means a response has been produced
//! and no next request has reached the service: a connection that has not finished its first
//! request is never evicted (its header-read timeout bounds it). The per-request cost is two
//! relaxed stores and a counter increment; the scan for the oldest idle connection runs only
//! at the cap. This module knows HTTP connections, not GraphQL.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

/// The answer to a connection beyond the cap.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 39\r\nconnection: close\r\n\r\nthe server is at its connection limit\r\n";

/// How long shutdown lets open connections read requests that have already arrived before
/// idle connections are closed.
const SHUTDOWN_SETTLE: Duration = Duration::from_millis(250);

/// The default time a client has to send a request's headers ([`ConnectionLimits`]), and
/// separately its body (`HttpConfig::body_read_timeout`): one flag sets both.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection that evicted an idle one waits for its slot (an idle connection
/// closes at once; one whose next request slipped in first finishes it) before it is answered
/// 503 instead.
const EVICTION_WAIT: Duration = Duration::from_secs(1);

/// Connection-level settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most connections open at once; beyond it the oldest idle one is closed for a new one, or
    /// with none idle the new one is answered 503.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: DEFAULT_READ_TIMEOUT,
            max_connections: 1_024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    // Every connection task holds a sender: when all are dropped, every connection is closed.
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    let server = Server {
        app,
        limits,
        slots: Arc::new(Semaphore::new(limits.max_connections)),
        open: Arc::new(Open::default()),
        stopped,
        alive,
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Typically EMFILE: back off briefly rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        server.accept(stream, peer);
    }
    // Connections the kernel has already completed sit in the backlog with their requests
    // possibly sent: serve them rather than reset them. Bounded by the backlog, and each accept
    // only takes what is already there.
    while let Ok(Ok((stream, peer))) = tokio::time::timeout(Duration::ZERO, listener.accept()).await
    {
        server.accept(stream, peer);
    }
    // A request fully received but not yet read leaves its connection idle in hyper's eyes,
    // and graceful shutdown closes idle connections: give the connections a moment to read
    // what has arrived (the workers are free: execution runs on the blocking pool).
    tokio::time::sleep(SHUTDOWN_SETTLE).await;
    drop(listener);
    let _ = stop.send(true);
    drop(server);
    tokio::select! {
        _ = all_closed.recv() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace = ?limits.shutdown_grace, "shutdown grace period over; closing remaining connections");
        }
    }
}

/// What every connection task shares.
#[derive(Clone)]
struct Server {
    app: Router,
    limits: ConnectionLimits,
    slots: Arc<Semaphore>,
    open: Arc<Open>,
    /// Becomes `true` when shutdown starts.
    stopped: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
}

impl Server {
    /// Serves one accepted connection: in a free slot, or in the slot of the oldest idle
    /// connection (closed for it), or answered 503 when every connection is busy.
    fn accept(&self, stream: TcpStream, peer: SocketAddr) {
        if let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() {
            self.serve(stream, peer, slot);
            return;
        }
        let Some(evicted) = self.open.evict_oldest_idle() else {
            tracing::warn!(%peer, max = self.limits.max_connections, "connection limit reached and no connection idle; answering 503");
            tokio::spawn(over_capacity(stream));
            return;
        };
        tracing::debug!(%peer, evicted, "connection limit reached; closing the oldest idle connection");
        let server = self.clone();
        tokio::spawn(async move {
            // Slots go to waiters first come, first served: this one gets the evicted one's.
            let slot =
                tokio::time::timeout(EVICTION_WAIT, Arc::clone(&server.slots).acquire_owned())
                    .await;
            match slot {
                Ok(Ok(slot)) => server.serve(stream, peer, slot),
                _ => over_capacity(stream).await,
            }
        });
    }

    /// Serves `stream` in `slot` until it closes, is evicted, or shutdown closes it.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, slot: OwnedSemaphorePermit) {
        let _ = stream.set_nodelay(true);
        let (id, conn) = self.open.register();
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout)
            // A client that half-closes after sending its request still gets the answer.
            .half_close(true);
        let service = Tracked {
            inner: TowerToHyperService::new(self.app.clone()),
            conn: Arc::clone(&conn),
        };
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let open = Arc::clone(&self.open);
        let mut stopped = self.stopped.clone();
        let alive = self.alive.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let mut closing = false;
            let result = loop {
                tokio::select! {
                    result = connection.as_mut() => break result,
                    () = conn.evict.notified(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    _ = stopped.wait_for(|stop| *stop), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            open.remove(id);
            drop(slot);
            drop(alive);
        });
    }
}

/// Answers a connection beyond the cap with 503 and closes it. Answered rather than reset, so
/// a client learns to back off. The write is bounded (a peer that never reads cannot hold the
/// task) and the request is never read.
async fn over_capacity(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(OVER_CAPACITY).await?;
        stream.shutdown().await
    })
    .await;
}

/// The open connections, by id, for finding the oldest idle one.
#[derive(Default)]
struct Open {
    next_id: AtomicU64,
    /// Ticks when a connection goes idle, so that idle times compare without a clock.
    ticks: Arc<AtomicU64>,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

/// One open connection's state, shared by its task, its service and [`Open`].
struct Conn {
    /// [`NOT_IDLE`] while a request is in the service or before the first response; otherwise
    /// the tick at which the last response was produced.
    idle_since: AtomicU64,
    /// Set once when the connection is chosen for eviction, so it is chosen once.
    evicted: AtomicBool,
    /// Wakes the connection's task to close it gracefully.
    evict: Notify,
    ticks: Arc<AtomicU64>,
}

/// [`Conn::idle_since`] of a connection that is not idle.
const NOT_IDLE: u64 = 0;

impl Open {
    fn register(&self) -> (u64, Arc<Conn>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            idle_since: AtomicU64::new(NOT_IDLE),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            ticks: Arc::clone(&self.ticks),
        });
        self.lock().insert(id, Arc::clone(&conn));
        (id, conn)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the connection idle the longest to close, and returns its id; `None` when no
    /// connection is idle.
    fn evict_oldest_idle(&self) -> Option<u64> {
        let conns = self.lock();
        let mut idle: Vec<(u64, u64, &Arc<Conn>)> = conns
            .iter()
            .filter(|(_, c)| !c.evicted.load(Ordering::Relaxed))
            .map(|(id, c)| (c.idle_since.load(Ordering::Acquire), *id, c))
            .filter(|(since, _, _)| *since != NOT_IDLE)
            .collect();
        idle.sort_unstable_by_key(|(since, id, _)| (*since, *id));
        // The first not already taken by another eviction running at the same moment.
        let (_, id, conn) = idle
            .into_iter()
            .find(|(_, _, c)| !c.evicted.swap(true, Ordering::Relaxed))?;
        conn.evict.notify_one();
        Some(id)
    }
}

/// The connection's service: marks the connection busy while a request is in it.
struct Tracked<S> {
    inner: S,
    conn: Arc<Conn>,
}

impl<S, B> hyper::service::Service<axum::http::Request<Incoming>> for Tracked<S>
where
    S: hyper::service::Service<axum::http::Request<Incoming>, Response = axum::http::Response<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn call(&self, request: axum::http::Request<Incoming>) -> Self::Future {
        self.conn.idle_since.store(NOT_IDLE, Ordering::Release);
        TrackedFuture {
            inner: self.inner.call(request),
            idle: IdleOnDrop(Arc::clone(&self.conn)),
        }
    }
}

/// Marks its connection idle when the request's future ends (answered or dropped).
struct IdleOnDrop(Arc<Conn>);

impl Drop for IdleOnDrop {
    fn drop(&mut self) {
        let tick = self.0.ticks.fetch_add(1, Ordering::Relaxed) + 1;
        self.0.idle_since.store(tick, Ordering::Release);
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Tracked`].
    struct TrackedFuture<F> {
        #[pin]
        inner: F,
        idle: IdleOnDrop,
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().inner.poll(cx)
    }
}
