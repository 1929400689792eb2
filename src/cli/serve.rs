//! `reegraph serve`: load, bind, serve, reload on SIGHUP or file changes, shut down gracefully.
//!
//! A reload validates the whole new dataset before it swaps the snapshot pointer: in-flight
//! requests finish on the snapshot they started with, and invalid data keeps the old graph
//! serving (the problems go to the log and to `/metrics`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;

use super::ServeArgs;
use crate::dataset;
use crate::graphql::{self, Limits, SchemaOptions};
use crate::http::{self, AppState, ConnectionLimits, HttpConfig};

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let limits = dataset::DataLimits {
        max_file_bytes: args.max_data_file_bytes,
    };
    let data = super::DataArgs {
        data: args.data.clone(),
        max_data_file_bytes: args.max_data_file_bytes,
    };
    let (graph, store) = super::load_with_store(&data, args.store.as_deref())?;
    if let Some((store, _)) = &store {
        tracing::info!(version = store.version(), "store opened; writes accepted");
    }
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
    let auth = crate::auth::Authenticator::load(&args.auth_settings())?;
    if args.reads_need_role && !auth.accepts_tokens() {
        anyhow::bail!(
            "--reads-need-role needs a way to authenticate: --jwt-hs256-secret-file, \
             --jwt-public-key-file or --api-tokens-file"
        );
    }
    let read_timeout = Duration::from_millis(args.read_timeout_ms);
    let config = HttpConfig {
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins.clone(),
        cors_allow_headers: args.cors_allow_headers.clone(),
        graphiql: !args.no_introspection,
        publish_schema: !args.no_introspection,
        allowed_hosts: args.allowed_hosts.clone(),
        // With `--metrics-bind`, /metrics is served on that listener only.
        metrics: !args.no_metrics && args.metrics_bind.is_none(),
        max_concurrent_requests: args.max_concurrent_requests,
        request_timeout: Duration::from_millis(args.request_timeout_ms),
        body_read_timeout: read_timeout,
        response_cache_bytes: args.response_cache_bytes,
        cache_max_age: args.cache_max_age,
        ws_init_timeout: Duration::from_millis(args.ws_init_timeout_ms),
        ws_max_subscriptions: args.ws_max_subscriptions,
        ws_max_connections: args.ws_max_connections,
        ws_event_capacity: args.ws_event_capacity,
        fold_after: args.fold_after,
        auth: Arc::new(auth),
        reads_need_role: args.reads_need_role,
        ..HttpConfig::default()
    };
    let connections = ConnectionLimits {
        header_read_timeout: read_timeout,
        max_connections: args.max_connections,
        ..ConnectionLimits::default()
    };
    let state = AppState::with_store(schema, graph, config, store);
    let reloader = Reloader::new(args.data.clone(), &state).with_limits(limits);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(args.bind).await?;
        let address = listener.local_addr()?;
        tracing::info!(%address, "listening; GraphiQL at http://{address}/");
        let metrics = match args.metrics_bind {
            Some(bind) => {
                let listener = TcpListener::bind(bind).await?;
                let address = listener.local_addr()?;
                tracing::info!(%address, "metrics listening; GET http://{address}/metrics");
                let app = http::metrics_app(state.clone());
                Some(tokio::spawn(http::serve(
                    listener,
                    app,
                    connections,
                    shutdown_signal(),
                )))
            }
            None => None,
        };
        tokio::spawn(reload_on_signal(reloader.clone()));
        if args.watch {
            tokio::spawn(watch(reloader));
        }
        http::serve(listener, http::app(state), connections, shutdown_signal()).await;
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        tracing::info!("shut down");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Everything a reload needs: where the data is, the snapshot to swap, where to report.
///
/// Reloads run one at a time, whatever triggers them (SIGHUP, `--watch`, a caller of
/// [`Reloader::reload_now`]): a reload that starts later reads later and swaps later, so the
/// newest read of the data always wins. A read is kept only if the data files did not change
/// while it ran (a file rewritten or deleted mid-read is read again), so no half-written file is
/// served.
#[derive(Clone)]
pub struct Reloader {
    data: PathBuf,
    limits: dataset::DataLimits,
    state: AppState,
    turn: Arc<Mutex<()>>,
}

/// How long the data files must stay unchanged before `--watch` reloads them, and between the
/// reads of a reload whose files changed while it read them.
const SETTLE: Duration = Duration::from_millis(300);

/// Reads of one reload whose files keep changing under them before it gives up (the previous
/// graph keeps serving; the next change or SIGHUP tries again).
const MAX_READS: usize = 5;

impl Reloader {
    /// A reloader of `data` into the snapshot served by `state`.
    pub fn new(data: PathBuf, state: &AppState) -> Self {
        Reloader {
            data,
            limits: dataset::DataLimits::default(),
            state: state.clone(),
            turn: Arc::default(),
        }
    }

    /// The same reloader, reading the data within `limits` (the default ones otherwise).
    #[must_use]
    pub fn with_limits(mut self, limits: dataset::DataLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Loads and validates the data fully off the async threads, then swaps it in; on failure
    /// the old graph keeps serving and every problem is logged.
    ///
    /// The reload runs on a thread of its own, which ends with it: the allocator keeps a
    /// thread's freed memory for that thread, and a blocking-pool thread would sit idle with
    /// what the load used (10 s, tokio's keep-alive) before it could be returned (see
    /// [`return_freed_memory_soon`]).
    pub async fn reload(&self) {
        let this = self.clone();
        let (done, finished) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("reegraph-reload".into())
            .spawn(move || {
                let _ = this.reload_now();
                let _ = done.send(());
            });
        match spawned {
            Ok(_) => {
                let _ = finished.await;
            }
            Err(e) => tracing::error!(error = %e, "cannot start a thread for the reload"),
        }
    }

    /// The same, on the calling thread, after any reload already running. Returns whether the
    /// new data was swapped in.
    pub fn reload_now(&self) -> Result<(), dataset::LoadError> {
        let _turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        let read = self.read_settled().and_then(|base| {
            // With a store, its change sets are replayed on the new base before the swap.
            self.state
                .replace_base(base)
                .map_err(|e| dataset::LoadError::Io {
                    path: self.data.clone(),
                    source: std::io::Error::other(e.to_string()),
                })
        });
        match read {
            Ok(()) => {
                let graph = self.state.graph();
                let stats = graph.stats();
                let version = graph.fingerprint();
                drop(graph);
                // The old graph is freed by the swap, unless a request in flight still holds it.
                return_freed_memory_soon();
                self.state.metrics().record_reload(true, version, 0);
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
                let served = self.state.graph().fingerprint();
                self.state.metrics().record_reload(false, served, problems);
                tracing::error!(error = %e, "reload failed; still serving the previous graph");
                Err(e)
            }
        }
    }

    /// The data read while its files stayed unchanged (compared before and after the read).
    fn read_settled(&self) -> Result<crate::graph::KnowledgeGraph, dataset::LoadError> {
        for _ in 0..MAX_READS {
            let before = stamp(&self.data);
            let read = super::load_graph(&self.data, self.limits);
            if stamp(&self.data) == before {
                return read;
            }
            tracing::info!("data files changed while they were read: reading them again");
            std::thread::sleep(SETTLE);
        }
        Err(dataset::LoadError::Io {
            path: self.data.clone(),
            source: std::io::Error::other(format!(
                "the data files changed during each of {MAX_READS} reads"
            )),
        })
    }
}

/// How long after a swap [`return_freed_memory_soon`] waits: past mimalloc's purge delay for
/// freed memory (10 ms, times 10 for its arenas) and past the requests in flight that may
/// still hold the old graph (most take milliseconds).
const PURGE_AFTER: Duration = Duration::from_millis(300);

/// How many times [`return_freed_memory_soon`] nudges the allocator, [`PURGE_AFTER`] apart.
const PURGE_ROUNDS: usize = 3;

/// Lets the allocator return the old graph's memory to the OS soon after a swap.
///
/// The binary's allocator, mimalloc (src/main.rs), returns freed memory only after a delay, and
/// only from inside a later allocation or free in its arenas; an idle server makes none, so the
/// old graph's pages stayed resident until the next reload: the RSS of a 300K-entity snapshot
/// went from 330 MB after the first load to 578-693 MB after each of 10 reloads (the old graph
/// was freed, but its memory not returned). One large allocation, freed after the delay, is
/// such a call: freeing it purges what has expired. A thread of its own, so that the reload
/// (and the next one) does not wait. Harmless under any other allocator (one untouched
/// allocation).
fn return_freed_memory_soon() {
    let spawned = std::thread::Builder::new()
        .name("reegraph-purge".into())
        .spawn(|| {
            // mimalloc purges at most one round per delay and a few arenas per round.
            for _ in 0..PURGE_ROUNDS {
                std::thread::sleep(PURGE_AFTER);
                // Larger than mimalloc's largest size class, so it is a segment of its own
                // taken from (and given back to) an arena; never written, so it costs no RSS.
                let block: Vec<u8> = Vec::with_capacity(64 << 20);
                drop(std::hint::black_box(block));
            }
        });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "cannot start the thread that returns freed memory");
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

/// Polls the data files' names, sizes and times (symlinks followed) every second; on a change,
/// waits until they stay unchanged for [`SETTLE`] (an editor's rewrite, a copy in progress),
/// then reloads.
async fn watch(reloader: Reloader) {
    let mut last = stamp(&reloader.data);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let mut now = stamp(&reloader.data);
        if now == last {
            continue;
        }
        loop {
            tokio::time::sleep(SETTLE).await;
            let later = stamp(&reloader.data);
            if later == now {
                break;
            }
            now = later;
        }
        last = now;
        tracing::info!("data files changed: reloading");
        reloader.reload().await;
    }
}

/// What a change of the data shows in: each data file's (and source text's, in `sources/` and
/// below) name, size and modification time, symlinks followed; a file that cannot be looked at
/// shows as its error. For a snapshot, the file's.
type Stamp = Vec<(
    PathBuf,
    Result<(u64, Option<SystemTime>), std::io::ErrorKind>,
)>;

fn stamp(data: &Path) -> Stamp {
    let look = |path: &Path| {
        std::fs::metadata(path)
            .map(|meta| (meta.len(), meta.modified().ok()))
            .map_err(|e| e.kind())
    };
    let mut out = Vec::new();
    if !data.is_dir() {
        out.push((data.to_path_buf(), look(data)));
        return out;
    }
    let mut dirs = vec![(data.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            // Source texts live in `sources/` and its subdirectories; a bounded depth keeps a
            // symlinked directory loop from walking forever.
            if is_dir && depth < 4 && (depth > 0 || entry.file_name() == "sources") {
                dirs.push((path.clone(), depth + 1));
            }
            out.push((path.clone(), look(&path)));
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
