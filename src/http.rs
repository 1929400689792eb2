//! The HTTP surface: an axum router serving GraphQL over HTTP, GraphiQL, the SDL and health.
//!
//! GraphQL-over-HTTP is handled here rather than by async-graphql-axum, which answers parse and
//! validation errors with 200, ignores `Accept`, executes `text/plain` bodies (a CSRF vector)
//! and runs mutations over GET. Here:
//! - POST needs `Content-Type: application/json` (else 415); GET reads the query string.
//! - `Accept` picks `application/graphql-response+json` or `application/json` (else 406); no
//!   `Accept` (or `*/*`) gets `application/json`, as the spec asks for legacy clients.
//! - Under `application/graphql-response+json`, a request that fails before execution (parse or
//!   validation errors: no `data`) is answered 400; under `application/json` it is 200.
//! - Malformed requests (bad JSON, no `query`, non-object `variables`) are 400 either way.
//! - GET may only run queries (a mutation is 405 with `Allow: POST`); a subscription runs only
//!   over a WebSocket (400 in an HTTP request).
//! - Batches are not accepted: a JSON array body is 400.
//! - `Authorization: Bearer` is checked first: 401 for a token that does not verify, 401/403
//!   for reads under `--reads-need-role`, and a resolver's UNAUTHENTICATED/FORBIDDEN is 401/403
//!   under either media type (see `authn`).
//!
//! The parts: `request` (the wire format: media types, parameters, refusals), `authn` (the
//! bearer token: 401/403, the principal), `pipeline` (the handlers' shared path: cache, cap,
//! deadline, validators), `executor` (where a request runs,
//! and running it), `cache`, `edge` (request id, CORS, log), `hosts`, `metrics`, `serve` (the
//! accept loop), `ws` (subscriptions over a WebSocket upgrade of `GET /graphql`), `playground`
//! (GraphiQL at `/`), `explore` (the explorer at `/explore`).
//!
//! Architecture invariant: no domain logic here. Queries reach the graph only through the
//! schema; HTTP reads only the graph's counts and fingerprint (readiness, metrics, cache keys,
//! a request's work bound).

mod authn;
mod bundle;
mod cache;
mod edge;
mod executor;
pub mod explore;
mod hosts;
mod metrics;
mod pipeline;
pub mod playground;
mod request;
mod serve;
mod ws;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::Semaphore;

use crate::graph::KnowledgeGraph;
use crate::graphql::mutation::BaseTexts;
use crate::graphql::{ChangeFeed, ReeSchema, Writes};
use crate::store::{Store, StoreError};

use cache::{PersistedQueries, ResponseCache};
pub use hosts::AllowedHosts;
pub use metrics::{Limit, Metrics, Outcome};
pub use serve::{ConnectionLimits, serve};

use executor::Lanes;
use pipeline::{graphql_get, graphql_post};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Allowed CORS origins; `*` allows any, without credentials; an origin listed explicitly
    /// is allowed with credentials.
    pub cors_origins: Vec<String>,
    /// Request headers a browser may send cross-origin (lowercase names).
    pub cors_allow_headers: Vec<String>,
    /// How long browsers may cache a preflight answer (`Access-Control-Max-Age`).
    pub cors_max_age: Duration,
    /// Whether GET / serves GraphiQL.
    pub graphiql: bool,
    /// Whether GET /schema.graphql publishes the SDL (off with `--no-introspection`).
    pub publish_schema: bool,
    /// Host names requests may name (`--allowed-hosts`); empty allows any.
    pub allowed_hosts: Vec<String>,
    /// Whether GET /metrics is served (`--no-metrics` turns it off).
    pub metrics: bool,
    /// Most GraphQL requests executing at once; beyond it, 503 with `Retry-After`.
    pub max_concurrent_requests: usize,
    /// How long one GraphQL request may run.
    pub request_timeout: Duration,
    /// How long a client may take to send a request body.
    pub body_read_timeout: Duration,
    /// Bytes of successful responses kept in the response cache (0 turns it off).
    pub response_cache_bytes: u64,
    /// `max-age` of `Cache-Control` on successful GET responses, in seconds.
    pub cache_max_age: u32,
    /// Bytes of automatic persisted queries kept.
    pub persisted_query_bytes: u64,
    /// How long a WebSocket client has to send `connection_init` (else closed with 4408).
    pub ws_init_timeout: Duration,
    /// Most subscriptions at once on one WebSocket; beyond it a subscribe gets an error.
    pub ws_max_subscriptions: usize,
    /// Most WebSockets open at once; beyond it an upgrade is answered 503 + `Retry-After`.
    pub ws_max_connections: usize,
    /// Graph changes kept for a subscriber that has not read them yet; one that falls further
    /// behind is dropped (its subscription ends with an error).
    pub ws_event_capacity: usize,
    /// With a store: records written over the base that make a fold due (`None`: the default
    /// of [`crate::graphql::fold_threshold`], which grows with the graph).
    pub fold_after: Option<usize>,
    /// Verifies bearer tokens (the default accepts none: every caller is anonymous).
    pub auth: Arc<crate::auth::Authenticator>,
    /// Whether reads need a principal with the reader role (`--reads-need-role`); else
    /// anonymous reads are served.
    pub reads_need_role: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 64 * 1024,
            cors_origins: vec!["*".to_owned()],
            cors_allow_headers: DEFAULT_CORS_ALLOW_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
            cors_max_age: Duration::from_secs(3600),
            graphiql: true,
            publish_schema: true,
            allowed_hosts: Vec::new(),
            metrics: true,
            max_concurrent_requests: 256,
            request_timeout: Duration::from_secs(10),
            body_read_timeout: serve::DEFAULT_READ_TIMEOUT,
            response_cache_bytes: 64 << 20,
            cache_max_age: 60,
            persisted_query_bytes: 8 << 20,
            ws_init_timeout: Duration::from_secs(3),
            ws_max_subscriptions: 16,
            ws_max_connections: 256,
            ws_event_capacity: 16,
            fold_after: None,
            auth: Arc::default(),
            reads_need_role: false,
        }
    }
}

/// The request headers browsers may send by default: what GraphQL clients send (Apollo Client's
/// identification headers among them), `authorization` for a proxy in front, and the request id.
pub const DEFAULT_CORS_ALLOW_HEADERS: [&str; 6] = [
    "authorization",
    "content-type",
    "accept",
    "apollographql-client-name",
    "apollographql-client-version",
    "x-request-id",
];

/// What every handler shares: the schema, the current graph snapshot, the settings, metrics.
/// Cloned for each request (by the extractors and the middleware), so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

struct Shared {
    schema: ReeSchema,
    graph: Arc<ArcSwap<KnowledgeGraph>>,
    config: Arc<HttpConfig>,
    sdl: Arc<str>,
    metrics: Arc<Metrics>,
    in_flight: Arc<Semaphore>,
    /// Blocking threads that may run validation and execution at once, in two lanes of one
    /// thread per core each (see [`Lane`]): a storm of large documents fills only the heavy
    /// lane, so short documents never wait in line behind it. At most two threads per core run
    /// CPU work, so the OS still gives the async workers (`/healthz`, accepts, cache hits)
    /// their share; admitted requests beyond a lane's size wait for it, under their deadline.
    executors: Lanes,
    cache: Arc<ResponseCache>,
    persisted: Arc<PersistedQueries>,
    /// `Cache-Control` of successful GET responses.
    cache_control: HeaderValue,
    /// The same for a request with credentials: `private`, so no shared cache keeps it.
    cache_control_private: HeaderValue,
    /// What each graph swap changed, for subscriptions.
    changes: Arc<ChangeFeed>,
    /// One permit per open WebSocket (`ws_max_connections`).
    websockets: Arc<Semaphore>,
    /// The writer, on a server with a store (`--store`).
    writes: Option<Arc<Writes>>,
}

impl AppState {
    /// State serving `graph` (swappable later with [`AppState::replace_graph`]).
    pub fn new(schema: ReeSchema, graph: Arc<KnowledgeGraph>, config: HttpConfig) -> Self {
        AppState::with_store(schema, graph, config, None)
    }

    /// State serving `graph` and, given a store (opened on the base data, `graph` being its
    /// result) and the base data's source texts, accepting writes.
    pub fn with_store(
        schema: ReeSchema,
        graph: Arc<KnowledgeGraph>,
        config: HttpConfig,
        store: Option<(Store, BaseTexts)>,
    ) -> Self {
        let graph = Arc::new(ArcSwap::new(graph));
        let changes = Arc::new(ChangeFeed::new(config.ws_event_capacity));
        let writes = store.map(|(store, texts)| {
            let writes = Writes::new(store, Arc::clone(&graph), Arc::clone(&changes), texts);
            let writes = Arc::new(match config.fold_after {
                Some(records) => writes.with_fold_after(records),
                None => writes,
            });
            writes.prepare_working();
            writes
        });
        let sdl = schema.sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields());
        AppState(Arc::new(Shared {
            schema,
            graph,
            in_flight: Arc::new(Semaphore::new(config.max_concurrent_requests)),
            executors: Lanes::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            ),
            cache: Arc::new(ResponseCache::new(config.response_cache_bytes)),
            persisted: Arc::new(PersistedQueries::new(config.persisted_query_bytes)),
            cache_control: HeaderValue::from_str(&format!(
                "public, max-age={}",
                config.cache_max_age
            ))
            .unwrap_or(HeaderValue::from_static("no-cache")),
            cache_control_private: HeaderValue::from_str(&format!(
                "private, max-age={}",
                config.cache_max_age
            ))
            .unwrap_or(HeaderValue::from_static("no-store")),
            changes,
            websockets: Arc::new(Semaphore::new(config.ws_max_connections)),
            writes,
            config: Arc::new(config),
            sdl: sdl.into(),
            metrics: Arc::new(Metrics::default()),
        }))
    }

    /// The snapshot being served now.
    pub fn graph(&self) -> Arc<KnowledgeGraph> {
        self.0.graph.load_full()
    }

    /// Swaps in a new snapshot atomically, forgets cached responses, then tells subscribers
    /// what changed. Requests in flight finish on the snapshot they started with.
    ///
    /// With subscribers listening and the data version moved, this computes the diff of the two
    /// graphs on the calling thread (O(entities + relations)): call it off the async workers,
    /// as the reloader does.
    pub fn replace_graph(&self, graph: Arc<KnowledgeGraph>) {
        let old = self.0.graph.swap(Arc::clone(&graph));
        self.0.cache.clear();
        self.0.changes.publish(&old, &graph);
    }

    /// Replaces the base data (a reload): with a store, its change sets are replayed on
    /// `base` under the writer's lock before the swap (an error keeps the graph served);
    /// without one, `base` is swapped in as it is. Blocking: call it off the async workers.
    pub fn replace_base(&self, base: KnowledgeGraph) -> Result<(), StoreError> {
        match &self.0.writes {
            Some(writes) => writes.rebase(Arc::new(base), |graph| self.replace_graph(graph)),
            None => {
                self.replace_graph(Arc::new(base));
                Ok(())
            }
        }
    }

    /// The writer, on a server with a store.
    pub fn writes(&self) -> Option<Arc<Writes>> {
        self.0.writes.clone()
    }

    /// How many `graphChanged` subscriptions are open now (on every WebSocket).
    pub fn subscriptions(&self) -> usize {
        self.0.changes.subscribers()
    }

    /// The metrics this state records into.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.0.metrics)
    }
}

/// The router: `/graphql` (GET, POST, and GET with a WebSocket upgrade for subscriptions), `/` (GraphiQL; its assets under `/playground/`),
/// `/explore` (the explorer; its assets under `/explore/`), `/schema.graphql`, `/healthz`,
/// `/readyz`, `/metrics`. Every response carries an `x-request-id` (the client's, or a new
/// one), which also tags the request's log lines.
pub fn app(state: AppState) -> Router {
    let config = Arc::clone(&state.0.config);
    let hosts = hosts::AllowedHosts::new(&config.allowed_hosts);
    let router = Router::new()
        .route("/graphql", get(graphql_get_or_subscribe).post(graphql_post))
        .merge(playground::routes())
        .merge(explore::routes())
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz));
    let router = if config.metrics {
        router.route("/metrics", get(metrics_text))
    } else {
        router
    };
    router
        .layer(edge::CorsLayer::new(
            &config.cors_origins,
            &[Method::GET, Method::POST],
            &config.cors_allow_headers,
            config.cors_max_age,
        ))
        .layer(edge::RequestLogLayer)
        .layer(edge::RequestIdLayer::default())
        .layer(axum::middleware::from_fn(move |request, next| {
            hosts::check(hosts.clone(), request, next)
        }))
        .with_state(state)
}

/// The router of a separate metrics listener (`--metrics-bind`): `GET /metrics` only, behind
/// the same Host check as [`app`].
pub fn metrics_app(state: AppState) -> Router {
    let hosts = hosts::AllowedHosts::new(&state.0.config.allowed_hosts);
    Router::new()
        .route("/metrics", get(metrics_text))
        .layer(axum::middleware::from_fn(move |request, next| {
            hosts::check(hosts.clone(), request, next)
        }))
        .with_state(state)
}

/// GET `/graphql`: a WebSocket upgrade for subscriptions (see `ws`), else a query over HTTP.
async fn graphql_get_or_subscribe(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Response {
    if ws::is_upgrade(request.headers()) {
        ws::upgrade(state, request).await
    } else {
        graphql_get(State(state), request).await
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut text = state
        .0
        .metrics
        .render(&state.0.graph.load(), state.0.schema.traversal_visits());
    let websockets = state
        .0
        .config
        .ws_max_connections
        .saturating_sub(state.0.websockets.available_permits());
    text.push_str(&format!(
        "# HELP reegraph_websockets WebSocket connections open.\n\
         # TYPE reegraph_websockets gauge\n\
         reegraph_websockets {websockets}\n\
         # HELP reegraph_subscriptions graphChanged subscriptions listening for changes.\n\
         # TYPE reegraph_subscriptions gauge\n\
         reegraph_subscriptions {}\n",
        state.subscriptions()
    ));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn schema_sdl(State(state): State<AppState>) -> Response {
    if !state.0.config.publish_schema {
        return (
            StatusCode::NOT_FOUND,
            "the schema is not published on this server\n",
        )
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.0.sdl.to_string(),
    )
        .into_response()
}

/// Ready while a graph is served (a failed reload keeps the previous one serving, so it stays
/// 200); the second line says how the last reload ended, for an operator who edited the data.
async fn readyz(State(state): State<AppState>) -> Response {
    let graph = state.0.graph.load();
    let stats = graph.stats();
    let last = match state.metrics().last_reload() {
        None => "last reload: none".to_owned(),
        Some(l) => format!(
            "last reload: {} at {} (unix seconds), dataVersion {:016x}, {} problems",
            if l.ok { "ok" } else { "failed" },
            l.unix_seconds,
            l.data_version,
            l.problems
        ),
    };
    format!(
        "ready: {} entities, {} relations, dataVersion {:016x}\n{last}\n",
        stats.entities,
        stats.relations,
        graph.fingerprint()
    )
    .into_response()
}
