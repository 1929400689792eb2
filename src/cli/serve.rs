//! `reegraph serve`: load, bind, serve, reload on SIGHUP or file changes, shut down gracefully.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use tokio::net::TcpListener;

use super::ServeArgs;
use crate::dataset;
use crate::graph::KnowledgeGraph;
use crate::graphql::{self, Limits, SchemaOptions};
use crate::http::{self, AppState, HttpConfig};

pub(super) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let dataset = dataset::load_dir(&args.data)?;
    let graph = Arc::new(KnowledgeGraph::new(dataset));
    let stats = graph.stats();
    tracing::info!(data = %args.data.display(), entities = stats.entities, relations = stats.relations, "graph loaded");
    let schema = graphql::build_schema(SchemaOptions {
        limits: Limits { traversal_budget: args.traversal_budget, ..Limits::default() },
        introspection: !args.no_introspection,
        ..SchemaOptions::default()
    });
    let config = HttpConfig {
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins.clone(),
        graphiql: !args.no_introspection,
        ..HttpConfig::default()
    };
    let state = AppState::new(schema, graph, config);
    let handle = state.graph_handle();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(args.bind).await?;
        tracing::info!(address = %listener.local_addr()?, "listening; GraphiQL at http://{}/", listener.local_addr()?);
        tokio::spawn(reload_on_signal(args.data.clone(), Arc::clone(&handle)));
        if args.watch {
            tokio::spawn(watch(args.data.clone(), handle));
        }
        axum::serve(listener, http::app(state)).with_graceful_shutdown(shutdown_signal()).await?;
        tracing::info!("shut down");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Loads and validates the data fully, then swaps it in; on failure the old graph keeps serving.
pub(crate) fn reload(data: &Path, handle: &ArcSwap<KnowledgeGraph>) -> bool {
    match dataset::load_dir(data) {
        Ok(ds) => {
            let graph = KnowledgeGraph::new(ds);
            let stats = graph.stats();
            handle.store(Arc::new(graph));
            tracing::info!(entities = stats.entities, relations = stats.relations, "data reloaded");
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "reload failed; still serving the previous graph");
            false
        }
    }
}

#[cfg(unix)]
async fn reload_on_signal(data: PathBuf, handle: Arc<ArcSwap<KnowledgeGraph>>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload by signal is off");
        return;
    };
    while hup.recv().await.is_some() {
        let (data, handle) = (data.clone(), Arc::clone(&handle));
        let _ = tokio::task::spawn_blocking(move || reload(&data, &handle)).await;
    }
}

#[cfg(not(unix))]
async fn reload_on_signal(_data: PathBuf, _handle: Arc<ArcSwap<KnowledgeGraph>>) {}

/// Polls the data directory's file times every second; reloads when they change.
async fn watch(data: PathBuf, handle: Arc<ArcSwap<KnowledgeGraph>>) {
    let mut last = stamp(&data);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = stamp(&data);
        if now != last {
            last = now;
            let (data, handle) = (data.clone(), Arc::clone(&handle));
            let _ = tokio::task::spawn_blocking(move || reload(&data, &handle)).await;
        }
    }
}

/// The names, sizes and modification times of the data files (and source texts).
fn stamp(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
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
