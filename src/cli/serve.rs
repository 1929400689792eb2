//! `reegraph serve`: load, bind, serve, reload on SIGHUP or file changes, shut down gracefully.
//!
//! A reload validates the whole new dataset before it swaps the snapshot pointer: in-flight
//! requests finish on the snapshot they started with, and invalid data keeps the old graph
//! serving (the problems go to the log and to `/metrics`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;

use super::ServeArgs;
use crate::dataset;
use crate::graphql::{self, Limits, SchemaOptions};
use crate::http::{self, AppState, ConnectionLimits, HttpConfig};

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let graph = Arc::new(super::load_graph(&args.data)?);
    let stats = graph.stats();
    tracing::info!(data = %args.data.display(), entities = stats.entities, relations = stats.relations, "graph loaded");
    let schema = graphql::build_schema(SchemaOptions {
        limits: Limits {
            traversal_budget: args.traversal_budget,
            ..Limits::default()
        },
        introspection: !args.no_introspection,
        ..SchemaOptions::default()
    });
    let read_timeout = Duration::from_millis(args.read_timeout_ms);
    let config = HttpConfig {
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins.clone(),
        graphiql: !args.no_introspection,
        publish_schema: !args.no_introspection,
        allowed_hosts: args.allowed_hosts.clone(),
        metrics: !args.no_metrics,
        max_concurrent_requests: args.max_concurrent_requests,
        request_timeout: Duration::from_millis(args.request_timeout_ms),
        body_read_timeout: read_timeout,
        response_cache_bytes: args.response_cache_bytes,
        cache_max_age: args.cache_max_age,
        ..HttpConfig::default()
    };
    let connections = ConnectionLimits {
        header_read_timeout: read_timeout,
        max_connections: args.max_connections,
        ..ConnectionLimits::default()
    };
    let state = AppState::new(schema, graph, config);
    let reloader = Reloader::new(args.data.clone(), &state);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(args.bind).await?;
        let address = listener.local_addr()?;
        tracing::info!(%address, "listening; GraphiQL at http://{address}/");
        tokio::spawn(reload_on_signal(reloader.clone()));
        if args.watch {
            tokio::spawn(watch(reloader));
        }
        http::serve(listener, http::app(state), connections, shutdown_signal()).await;
        tracing::info!("shut down");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Everything a reload needs: where the data is, the snapshot to swap, where to report.
#[derive(Clone)]
pub struct Reloader {
    data: PathBuf,
    state: AppState,
}

impl Reloader {
    /// A reloader of `data` into the snapshot served by `state`.
    pub fn new(data: PathBuf, state: &AppState) -> Self {
        Reloader {
            data,
            state: state.clone(),
        }
    }

    /// Loads and validates the data fully off the async threads, then swaps it in; on failure
    /// the old graph keeps serving and every problem is logged.
    pub async fn reload(&self) {
        let this = self.clone();
        let _ = tokio::task::spawn_blocking(move || this.reload_now()).await;
    }

    /// The same, on the calling thread. Returns whether the new data was swapped in.
    pub fn reload_now(&self) -> Result<(), dataset::LoadError> {
        match super::load_graph(&self.data) {
            Ok(graph) => {
                let stats = graph.stats();
                self.state.replace_graph(Arc::new(graph));
                self.state.metrics().record_reload(true, 0);
                tracing::info!(
                    entities = stats.entities,
                    relations = stats.relations,
                    "data reloaded"
                );
                Ok(())
            }
            Err(e) => {
                let problems = match &e {
                    dataset::LoadError::Invalid(p) => p.len(),
                    _ => 1,
                };
                self.state.metrics().record_reload(false, problems);
                tracing::error!(error = %e, "reload failed; still serving the previous graph");
                Err(e)
            }
        }
    }
}

#[cfg(unix)]
async fn reload_on_signal(reloader: Reloader) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload by signal is off");
        return;
    };
    while hup.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the data");
        reloader.reload().await;
    }
}

#[cfg(not(unix))]
async fn reload_on_signal(_reloader: Reloader) {}

/// Polls the data directory's file names, sizes and times every second; reloads on change.
async fn watch(reloader: Reloader) {
    let mut last = stamp(&reloader.data);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = stamp(&reloader.data);
        if now != last {
            last = now;
            tracing::info!("data files changed: reloading");
            reloader.reload().await;
        }
    }
}

/// The names, sizes and modification times of the data files (and source texts), or of the
/// snapshot file.
fn stamp(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    if dir.is_file() {
        if let Ok(meta) = dir.metadata() {
            out.push((dir.to_path_buf(), meta.len(), meta.modified().ok()));
        }
        return out;
    }
    for d in [dir.to_path_buf(), dir.join("sources")] {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                if let Ok(meta) = e.metadata() {
                    out.push((e.path(), meta.len(), meta.modified().ok()));
                }
            }
        }
    }
    out.sort();
    out
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
