//! The accept loop: HTTP/1.1 connections served by hyper with a header-read timeout (which
//! `axum::serve` lacks, so a client trickling header lines cannot hold a connection forever), a
//! cap on open connections, and graceful shutdown that lets in-flight requests finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// The answer to a connection beyond the cap.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 39\r\nconnection: close\r\n\r\nthe server is at its connection limit\r\n";

/// How long shutdown lets open connections read requests that have already arrived before
/// idle connections are closed.
const SHUTDOWN_SETTLE: Duration = Duration::from_millis(250);

/// The default time a client has to send a request's headers ([`ConnectionLimits`]), and
/// separately its body (`HttpConfig::body_read_timeout`): one flag sets both.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection-level settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most connections open at once; further ones are closed on accept.
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
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
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
        open(stream, peer, &app, limits, &slots, &graceful);
    }
    // Connections the kernel has already completed sit in the backlog with their requests
    // possibly sent: serve them rather than reset them. Bounded by the backlog, and each accept
    // only takes what is already there.
    while let Ok(Ok((stream, peer))) = tokio::time::timeout(Duration::ZERO, listener.accept()).await
    {
        open(stream, peer, &app, limits, &slots, &graceful);
    }
    // A request fully received but not yet read leaves its connection idle in hyper's eyes,
    // and graceful shutdown closes idle connections: give the connections a moment to read
    // what has arrived (the workers are free: execution runs on the blocking pool).
    tokio::time::sleep(SHUTDOWN_SETTLE).await;
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace = ?limits.shutdown_grace, "shutdown grace period over; closing remaining connections");
        }
    }
}

/// Starts serving one accepted connection, or answers 503 when all slots are taken.
fn open(
    stream: TcpStream,
    peer: SocketAddr,
    app: &Router,
    limits: ConnectionLimits,
    slots: &Arc<Semaphore>,
    graceful: &GracefulShutdown,
) {
    let Ok(slot) = Arc::clone(slots).try_acquire_owned() else {
        tracing::warn!(%peer, max = limits.max_connections, "connection limit reached; answering 503");
        // Answered rather than reset, so a client learns to back off. The write is bounded
        // (a peer that never reads cannot hold the task) and the request is never read.
        tokio::spawn(async move {
            let mut stream = stream;
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                stream.write_all(OVER_CAPACITY).await?;
                stream.shutdown().await
            })
            .await;
        });
        return;
    };
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // A client that half-closes after sending its request still gets the answer.
        .half_close(true);
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
        drop(slot);
    });
}
