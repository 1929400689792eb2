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
//! - GET may only run queries (a mutation or subscription is 405 with `Allow: POST`).
//! - Batches are not accepted: a JSON array body is 400.
//!
//! Architecture invariant: no domain logic here; the graph is reached only through the schema.

mod cache;
mod edge;
mod hosts;
mod metrics;
pub mod playground;
mod serve;

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use async_graphql::Pos;
use async_graphql::parser::types::OperationType;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::graph::KnowledgeGraph;
use crate::graphql::{ReeSchema, Refusal, with_graph};

use cache::{
    CacheKey, Cached, KeyParts, PersistedQueries, PersistedQueryError, ResponseCache,
    variables_text,
};
pub use hosts::AllowedHosts;
pub use metrics::{Metrics, Outcome};
pub use serve::{ConnectionLimits, serve};

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
            body_read_timeout: Duration::from_secs(10),
            response_cache_bytes: 64 << 20,
            cache_max_age: 60,
            persisted_query_bytes: 8 << 20,
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
}

impl AppState {
    /// State serving `graph` (swappable later with [`AppState::replace_graph`]).
    pub fn new(schema: ReeSchema, graph: Arc<KnowledgeGraph>, config: HttpConfig) -> Self {
        let sdl = schema.sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields());
        AppState(Arc::new(Shared {
            schema,
            graph: Arc::new(ArcSwap::new(graph)),
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
            config: Arc::new(config),
            sdl: sdl.into(),
            metrics: Arc::new(Metrics::default()),
        }))
    }

    /// The snapshot being served now.
    pub fn graph(&self) -> Arc<KnowledgeGraph> {
        self.0.graph.load_full()
    }

    /// Swaps in a new snapshot atomically and forgets cached responses. Requests in flight
    /// finish on the snapshot they started with.
    pub fn replace_graph(&self, graph: Arc<KnowledgeGraph>) {
        self.0.graph.store(graph);
        self.0.cache.clear();
    }

    /// The metrics this state records into.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.0.metrics)
    }
}

/// The router: `/graphql` (GET, POST), `/` (GraphiQL; its assets under `/playground/`),
/// `/schema.graphql`, `/healthz`, `/readyz`, `/metrics`. Every response carries an `x-request-id` (the client's, or a new one),
/// which also tags the request's log lines.
pub fn app(state: AppState) -> Router {
    let config = Arc::clone(&state.0.config);
    let hosts = hosts::AllowedHosts::new(&config.allowed_hosts);
    let router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .merge(playground::routes())
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

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state
            .0
            .metrics
            .render(&state.0.graph.load(), state.0.schema.traversal_visits()),
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

/// The media type of the response, chosen from `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    GraphqlResponse,
    Json,
}

impl MediaType {
    fn as_str(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }

    /// The `Content-Type` value (static: no copy).
    fn header(self) -> HeaderValue {
        HeaderValue::from_static(self.as_str())
    }
}

/// Picks the response media type by `Accept`, preferring graphql-response+json when both are
/// acceptable; `None` when neither is.
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Some(MediaType::Json);
    };
    let accept = accept.to_str().ok()?;
    let mut json = false;
    let mut graphql = false;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
        });
        if refused {
            continue;
        }
        match media.as_str() {
            "application/graphql-response+json" => graphql = true,
            "application/json" => json = true,
            "*/*" | "application/*" => json = true,
            _ => {}
        }
    }
    if graphql {
        Some(MediaType::GraphqlResponse)
    } else if json {
        Some(MediaType::Json)
    } else {
        None
    }
}

/// The parameters of a GraphQL request, from a JSON body or a query string.
#[derive(Debug, Deserialize)]
struct Params {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

/// A rejection before execution, answered as a GraphQL error document.
struct Reject {
    status: StatusCode,
    code: &'static str,
    message: String,
    allow: Option<&'static str>,
    /// The limit it counts against in metrics, if any.
    limit: Option<&'static str>,
}

impl Reject {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Reject {
            status,
            code,
            message: message.into(),
            allow: None,
            limit: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    fn refused(refusal: &Refusal) -> Self {
        Reject {
            limit: refusal.limit(),
            ..Reject::new(StatusCode::BAD_REQUEST, refusal.code(), refusal.to_string())
        }
    }

    fn into_response(self, media: MediaType) -> Response {
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code } }]
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, media.header())],
            body.to_string(),
        )
            .into_response();
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    handle(&state, &parts.headers, true, || {
        get_params(parts.uri.query().unwrap_or(""))
    })
    .await
}

async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let config = &state.0.config;
    let body = match read_body(
        body,
        &parts.headers,
        config.max_body_bytes,
        config.body_read_timeout,
    )
    .await
    {
        Ok(body) => body,
        Err(reject) => {
            if let Some(limit) = reject.limit {
                state.0.metrics.reject(limit);
            }
            state.0.metrics.record(Outcome::Rejected, Duration::ZERO);
            return reject.into_response(MediaType::Json);
        }
    };
    handle(&state, &parts.headers, false, || {
        post_params(&parts.headers, &body)
    })
    .await
}

/// Reads a request body of at most `max` bytes. A body announced longer (`Content-Length`) is
/// refused before any of it is read; one that grows past `max` is refused when it does. The
/// client has `timeout` to send it, timed only when the body is not all there already (as it
/// usually is: a timer for every request was a visible cost).
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, Reject> {
    let too_large = || Reject {
        limit: Some("body_bytes"),
        ..Reject::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "LIMIT_EXCEEDED",
            format!("the request body is larger than the limit of {max} bytes"),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut collect = std::pin::pin!(Limited::new(body, max).collect());
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| Reject {
                limit: Some("body_read"),
                ..Reject::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!(
                        "the request body was not received within {} ms",
                        timeout.as_millis()
                    ),
                )
            })?,
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(Reject::bad_request(format!(
            "the request body could not be read: {e}"
        ))),
    }
}

/// The shared path of GET and POST: negotiate, read the parameters, answer from the cache,
/// or take a concurrency slot and execute under the deadline; record metrics.
async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    is_get: bool,
    params: impl FnOnce() -> Result<Params, Reject>,
) -> Response {
    let started = Instant::now();
    let Some(media) = negotiate(headers) else {
        state.0.metrics.reject("media_type");
        state.0.metrics.record(Outcome::Rejected, started.elapsed());
        return not_acceptable();
    };
    let (response, outcome) = match answer(state, headers, media, is_get, params).await {
        Ok(answered) => answered,
        Err((reject, outcome)) => {
            if let Some(limit) = reject.limit {
                state.0.metrics.reject(limit);
            }
            (reject.into_response(media), outcome)
        }
    };
    state.0.metrics.record(outcome, started.elapsed());
    response
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    is_get: bool,
    params: impl FnOnce() -> Result<Params, Reject>,
) -> Result<(Response, Outcome), (Reject, Outcome)> {
    let rejected = |r| (r, Outcome::Rejected);
    let mut params = params().map_err(rejected)?;
    // Checked before the cache, which does not key on extensions.
    if params
        .extensions
        .as_ref()
        .is_some_and(|e| !e.is_object() && !e.is_null())
    {
        return Err(rejected(Reject::bad_request(
            "`extensions` must be a JSON object",
        )));
    }
    params.query = state
        .0
        .persisted
        .resolve(params.query.take(), params.extensions.as_ref())
        .map_err(|e| rejected(persisted_query_reject(e)))?;
    let graph = state.0.graph.load_full();
    let fingerprint = graph.fingerprint();
    // The key's owned form is made only when there is a response to keep: on a miss, before
    // `params` moves into execution.
    let key = match params.query.as_deref() {
        Some(query) if state.0.cache.enabled() => {
            let variables = variables_text(params.variables.as_ref());
            let parts = KeyParts {
                fingerprint,
                graphql_response_json: media == MediaType::GraphqlResponse,
                operation_name: params.operation_name.as_deref(),
                variables: &variables,
                query,
            };
            if let Some(hit) = state.0.cache.get(&parts) {
                return Ok((respond(state, headers, media, is_get, &hit), Outcome::Ok));
            }
            state.0.cache.admit(&parts).then(|| CacheKey::new(&parts))
        }
        _ => None,
    };
    let Ok(permit) = Arc::clone(&state.0.in_flight).try_acquire_owned() else {
        let limit = state.0.config.max_concurrent_requests;
        let reject = Reject {
            limit: Some("concurrency"),
            ..Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "LIMIT_EXCEEDED",
                format!("the server is at its limit of {limit} concurrent requests; retry shortly"),
            )
        };
        return Err((reject, Outcome::Overloaded));
    };
    let deadline = state.0.config.request_timeout;
    let executed = tokio::time::timeout(
        deadline,
        execute_off_the_workers(state, permit, graph, params, media, is_get),
    )
    .await
    .map_err(|_| {
        let reject = Reject {
            limit: Some("deadline"),
            ..Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "LIMIT_EXCEEDED",
                format!(
                    "the request ran past its deadline of {} ms",
                    deadline.as_millis()
                ),
            )
        };
        (reject, Outcome::Timeout)
    })?
    .map_err(rejected)?;
    let (status, body, outcome) = executed;
    let response = if outcome == Outcome::Ok {
        let cached = Arc::new(Cached::new(fingerprint, status, body));
        if let Some(key) = key {
            state.0.cache.put(key, Arc::clone(&cached));
        }
        respond(state, headers, media, is_get, &cached)
    } else {
        (status, [(header::CONTENT_TYPE, media.header())], body).into_response()
    };
    Ok((response, outcome))
}

/// A successful response, with validators: GET responses carry an ETag and `Cache-Control`
/// and are answered 304 when `If-None-Match` matches.
fn respond(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    is_get: bool,
    cached: &Cached,
) -> Response {
    if !is_get {
        return (
            cached.status,
            [(header::CONTENT_TYPE, media.header())],
            cached.body.clone(),
        )
            .into_response();
    }
    let cache_control = state.0.cache_control.clone();
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|inm| cache::matches(inm, cached.etag()))
    {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, cached.etag().clone()),
                (header::CACHE_CONTROL, cache_control),
            ],
        )
            .into_response();
    }
    (
        cached.status,
        [
            (header::CONTENT_TYPE, media.header()),
            (header::ETAG, cached.etag().clone()),
            (header::CACHE_CONTROL, cache_control),
        ],
        cached.body.clone(),
    )
        .into_response()
}

fn persisted_query_reject(e: PersistedQueryError) -> Reject {
    match e {
        PersistedQueryError::NotFound => Reject::new(
            StatusCode::BAD_REQUEST,
            "PERSISTED_QUERY_NOT_FOUND",
            "PersistedQueryNotFound: send the query text with its sha256Hash once",
        ),
        PersistedQueryError::HashMismatch => {
            Reject::bad_request("persistedQuery.sha256Hash is not the SHA-256 of the query")
        }
        PersistedQueryError::Malformed(why) => Reject::bad_request(why),
    }
}

fn post_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, Reject> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some("application/json") {
        let got = content_type.unwrap_or_else(|| "none".to_owned());
        return Err(Reject {
            limit: Some("media_type"),
            ..Reject::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                format!("POST /graphql needs Content-Type: application/json (got {got})"),
            )
        });
    }
    // The usual body is an object that is a valid request: read it straight into `Params`.
    // Anything else (an array, which serde would read as a sequence of fields, or a body that
    // fails) takes the slower path below, which words the refusal.
    let starts_as_object = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if starts_as_object && let Ok(params) = serde_json::from_slice::<Params>(body) {
        return Ok(params);
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Reject::bad_request(format!("the body is not valid JSON: {e}")))?;
    if value.is_array() {
        return Err(Reject::bad_request(
            "batched requests are not supported: send one request per POST",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| Reject::bad_request(format!("the body is not a GraphQL request: {e}")))
}

fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Accept must allow application/graphql-response+json or application/json\n",
    )
        .into_response()
}

/// Reads GET parameters; `variables` and `extensions` are JSON-encoded strings.
fn get_params(query: &str) -> Result<Params, Reject> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| Reject::bad_request(format!("the query string is malformed: {e}")))?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let json = |name: &str| -> Result<Option<serde_json::Value>, Reject> {
        match get(name) {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| Reject::bad_request(format!("`{name}` is not valid JSON: {e}"))),
        }
    };
    Ok(Params {
        query: get("query"),
        operation_name: get("operationName").filter(|s| !s.is_empty()),
        variables: json("variables")?,
        extensions: json("extensions")?,
    })
}

/// Documents up to this many bytes wait in the light lane. What a request costs is known only
/// after parsing it, which is the work the lanes ration; its length is known for free and bounds
/// that work: parsing, validation and the cost estimate are linear in the text, and a short
/// document's execution is bounded by the cost limit like any other's. An everyday query is a
/// few hundred bytes; the maximal legal documents of a validation storm are 32 KiB.
const LIGHT_DOCUMENT_BYTES: usize = 2048;

/// The line a request waits in for an executor thread, chosen before it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// A short document (at most [`LIGHT_DOCUMENT_BYTES`]), or none (refused at once).
    Light,
    /// A long document: parsing and validating it alone may take tens of milliseconds.
    Heavy,
}

impl Lane {
    fn of(query: Option<&str>) -> Lane {
        match query {
            Some(q) if q.len() > LIGHT_DOCUMENT_BYTES => Lane::Heavy,
            _ => Lane::Light,
        }
    }
}

/// One FIFO semaphore per [`Lane`], each with `per_lane` threads.
struct Lanes {
    light: Arc<Semaphore>,
    heavy: Arc<Semaphore>,
}

impl Lanes {
    fn new(per_lane: usize) -> Lanes {
        Lanes {
            light: Arc::new(Semaphore::new(per_lane)),
            heavy: Arc::new(Semaphore::new(per_lane)),
        }
    }

    fn semaphore(&self, lane: Lane) -> &Arc<Semaphore> {
        match lane {
            Lane::Light => &self.light,
            Lane::Heavy => &self.heavy,
        }
    }
}

/// Checks, parses and executes one request; `Err` when it is refused before execution.
/// Runs [`execute`] (validation and execution, both CPU-bound: the resolvers are synchronous)
/// on tokio's blocking pool, so a heavy document never occupies an async worker that serves
/// `/healthz`, the accept loop and cache hits. The concurrency `permit` moves with the work and
/// is released only when it ends, even after the deadline has answered the client: the cap
/// bounds work actually running, and with it the blocking threads in use. (Before, execution
/// ran inline on the async workers, so at most one request per worker ever held a permit and
/// the cap could not be reached on a small machine.) The thread comes from the request's
/// [`Lane`], so a cheap query never waits behind a line of large documents.
async fn execute_off_the_workers(
    state: &AppState,
    permit: tokio::sync::OwnedSemaphorePermit,
    graph: Arc<KnowledgeGraph>,
    params: Params,
    media: MediaType,
    is_get: bool,
) -> Result<(StatusCode, Bytes, Outcome), Reject> {
    let state = state.clone();
    let lane = Lane::of(params.query.as_deref());
    let executor = Arc::clone(state.0.executors.semaphore(lane))
        .acquire_owned()
        .await
        .map_err(|_| {
            Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "LIMIT_EXCEEDED",
                "the server is shutting down",
            )
        })?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _executor = executor;
        runtime.block_on(execute(&state, graph, params, media, is_get))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "a request's execution task failed");
        Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the request could not be executed",
        )
    })?
}

async fn execute(
    state: &AppState,
    graph: Arc<KnowledgeGraph>,
    params: Params,
    media: MediaType,
    is_get: bool,
) -> Result<(StatusCode, Bytes, Outcome), Reject> {
    let query = params
        .query
        .ok_or_else(|| Reject::bad_request("the request has no `query`"))?;
    let variables = match params.variables {
        None | Some(serde_json::Value::Null) => serde_json::Value::Object(serde_json::Map::new()),
        Some(v @ serde_json::Value::Object(_)) => v,
        Some(_) => return Err(Reject::bad_request("`variables` must be a JSON object")),
    };
    let mut request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    // Admission (document limits, parse, cost) is the schema's; the answers are HTTP's.
    let admitted = match state.0.schema.admit(with_graph(request, graph)) {
        Ok(admitted) => admitted,
        Err(Refusal::Parse { message, locations }) => {
            let (status, body) = parse_failure(&message, &locations, media);
            return Ok((status, body, Outcome::Rejected));
        }
        Err(refusal) => return Err(Reject::refused(&refusal)),
    };
    if is_get
        && matches!(
            admitted.operation_type(),
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        let mut reject = Reject::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "GET may only run queries; send mutations with POST",
        );
        reject.allow = Some("POST");
        return Err(reject);
    }
    let mut response = state.0.schema.execute(admitted).await;
    // Errors without a path and no data mean the request failed before execution (validation;
    // admission refusals were answered above): the spec wants no `data` entry then, and 400
    // under the new media type.
    // Execution errors come with `data` and stay 200.
    let failed_before_execution = response.data == async_graphql::Value::Null
        && response.is_err()
        && response.errors.iter().all(|e| e.path.is_empty());
    let limited = response.errors.iter().any(|e| {
        e.extensions.as_ref().and_then(|x| x.get("code"))
            == Some(&async_graphql::Value::from("LIMIT_EXCEEDED"))
    });
    let outcome = if failed_before_execution {
        state.0.metrics.reject("validation");
        Outcome::Rejected
    } else if limited {
        state.0.metrics.reject("argument_or_budget");
        Outcome::GraphqlError
    } else if response.is_err() {
        Outcome::GraphqlError
    } else {
        Outcome::Ok
    };
    // Serialize the response itself (not through `serde_json::Value`, whose maps sort their
    // keys): fields must come back in the order the query asked for them. When nothing ran,
    // only `errors` is sent.
    #[derive(serde::Serialize)]
    struct ErrorsOnly<'r> {
        errors: &'r [async_graphql::ServerError],
    }
    if failed_before_execution && !state.0.config.publish_schema {
        // With introspection off, validation messages must not map the schema either
        // ("Unknown field \"x\" on type \"Query\"" names a type): keep where, not what.
        for error in &mut response.errors {
            error.message = "the document is not valid against this server's schema".to_owned();
        }
    }
    let body = if failed_before_execution {
        serde_json::to_vec(&ErrorsOnly {
            errors: &response.errors,
        })
    } else {
        serde_json::to_vec(&response)
    }
    .map_err(|e| {
        tracing::error!(error = %e, "cannot serialize a GraphQL response");
        Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the response could not be serialized",
        )
    })?;
    let status = if failed_before_execution && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Bytes::from(body), outcome))
}

/// A document that does not parse: 400 under graphql-response+json, 200 under application/json.
fn parse_failure(message: &str, locations: &[Pos], media: MediaType) -> (StatusCode, Bytes) {
    let status = if media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let locations: Vec<_> = locations
        .iter()
        .map(|l| serde_json::json!({"line": l.line, "column": l.column}))
        .collect();
    let body = serde_json::json!({ "errors": [{
        "message": message,
        "locations": locations,
        "extensions": { "code": "GRAPHQL_PARSE_FAILED" },
    }]});
    (status, Bytes::from(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{LIGHT_DOCUMENT_BYTES, Lane, Lanes};
    use std::sync::Arc;

    #[test]
    fn short_documents_take_the_light_lane_and_long_ones_the_heavy() {
        assert_eq!(Lane::of(Some("{ stats { entities } }")), Lane::Light);
        assert_eq!(Lane::of(None), Lane::Light);
        assert_eq!(
            Lane::of(Some(&"a".repeat(LIGHT_DOCUMENT_BYTES))),
            Lane::Light
        );
        assert_eq!(
            Lane::of(Some(&"a".repeat(LIGHT_DOCUMENT_BYTES + 1))),
            Lane::Heavy
        );
    }

    #[test]
    fn a_full_heavy_lane_leaves_the_light_lane_free() {
        let lanes = Lanes::new(2);
        let heavy = Arc::clone(lanes.semaphore(Lane::Heavy));
        let held: Vec<_> = (0..2)
            .filter_map(|_| Arc::clone(&heavy).try_acquire_owned().ok())
            .collect();
        assert_eq!(held.len(), 2);
        assert!(Arc::clone(&heavy).try_acquire_owned().is_err());
        let light = Arc::clone(lanes.semaphore(Lane::Light));
        assert!(light.try_acquire_owned().is_ok());
    }
}
