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

mod limits;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use async_graphql::parser::types::OperationType;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

use crate::graph::KnowledgeGraph;
use crate::graphql::{ReeSchema, with_graph};

pub use limits::DocumentLimits;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Allowed CORS origins; `["*"]` allows any (no credentials are ever allowed).
    pub cors_origins: Vec<String>,
    /// Whether GET / serves GraphiQL.
    pub graphiql: bool,
    /// Cheap checks on the document before async-graphql validates it.
    pub document: DocumentLimits,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 64 * 1024,
            cors_origins: vec!["*".to_owned()],
            graphiql: true,
            document: DocumentLimits::default(),
        }
    }
}

/// What every handler shares: the schema, the current graph snapshot and the settings.
#[derive(Clone)]
pub struct AppState {
    schema: ReeSchema,
    graph: Arc<ArcSwap<KnowledgeGraph>>,
    config: Arc<HttpConfig>,
    sdl: Arc<str>,
}

impl AppState {
    /// State serving `graph` (swappable later through [`AppState::graph_handle`]).
    pub fn new(schema: ReeSchema, graph: Arc<KnowledgeGraph>, config: HttpConfig) -> Self {
        let sdl = schema.sdl_with_options(async_graphql::SDLExportOptions::new().sorted_fields());
        AppState { schema, graph: Arc::new(ArcSwap::new(graph)), config: Arc::new(config), sdl: sdl.into() }
    }

    /// The handle through which a reload swaps in a new snapshot atomically.
    pub fn graph_handle(&self) -> Arc<ArcSwap<KnowledgeGraph>> {
        Arc::clone(&self.graph)
    }
}

/// The router: `/graphql` (GET, POST), `/` (GraphiQL), `/schema.graphql`, `/healthz`, `/readyz`.
pub fn app(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_origins);
    let body_limit = RequestBodyLimitLayer::new(state.config.max_body_bytes);
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/", get(graphiql))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .layer(body_limit)
        .layer(cors)
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .max_age(Duration::from_secs(3600));
    if origins.iter().any(|o| o == "*") {
        base.allow_origin(AllowOrigin::any())
    } else {
        base.allow_origin(AllowOrigin::list(
            origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
    }
}

async fn graphiql(State(state): State<AppState>) -> Response {
    if state.config.graphiql {
        Html(include_str!("http/graphiql.html")).into_response()
    } else {
        (StatusCode::NOT_FOUND, "GraphiQL is disabled on this server\n").into_response()
    }
}

async fn schema_sdl(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], state.sdl.to_string()).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    let graph = state.graph.load();
    format!("ready: {} entities, {} relations\n", graph.stats().entities, graph.stats().relations)
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
}

impl Reject {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Reject { status, code, message: message.into(), allow: None }
    }

    fn into_response(self, media: MediaType) -> Response {
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code } }]
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, media.as_str())],
            body.to_string(),
        )
            .into_response();
        if let Some(allow) = self.allow {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

async fn graphql_get(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let params = match serde_urlencoded_params(query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(r) => return r.into_response(media),
    };
    execute(&state, params, media, true).await
}

async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("application/json") {
        let got = content_type.unwrap_or_else(|| "none".to_owned());
        return Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("POST /graphql needs Content-Type: application/json (got {got})"),
        )
        .into_response(media);
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", format!("the body is not valid JSON: {e}"))
                .into_response(media);
        }
    };
    if value.is_array() {
        return Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", "batched requests are not supported: send one request per POST")
            .into_response(media);
    }
    let params: Params = match serde_json::from_value(value) {
        Ok(p) => p,
        Err(e) => {
            return Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", format!("the body is not a GraphQL request: {e}"))
                .into_response(media);
        }
    };
    execute(&state, params, media, false).await
}

fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Accept must allow application/graphql-response+json or application/json\n",
    )
        .into_response()
}

/// Parses GET parameters; `variables` and `extensions` are JSON-encoded strings.
fn serde_urlencoded_params(query: &str) -> Result<Params, Reject> {
    let bad = |m: String| Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", m);
    let pairs: Vec<(String, String)> = form_pairs(query);
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let json = |name: &str| -> Result<Option<serde_json::Value>, Reject> {
        match get(name) {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| bad(format!("`{name}` is not valid JSON: {e}"))),
        }
    };
    Ok(Params {
        query: get("query"),
        operation_name: get("operationName").filter(|s| !s.is_empty()),
        variables: json("variables")?,
        extensions: json("extensions")?,
    })
}

/// Splits and percent-decodes `application/x-www-form-urlencoded` pairs.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).unwrap_or_default()
}

async fn execute(state: &AppState, params: Params, media: MediaType, is_get: bool) -> Response {
    let bad = |m: &str| Reject::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", m).into_response(media);
    let Some(query) = params.query else {
        return bad("the request has no `query`");
    };
    let variables = match params.variables {
        None | Some(serde_json::Value::Null) => async_graphql::Variables::default(),
        Some(v @ serde_json::Value::Object(_)) => async_graphql::Variables::from_json(v),
        Some(_) => return bad("`variables` must be a JSON object"),
    };
    if let Some(ext) = &params.extensions
        && !ext.is_object()
        && !ext.is_null()
    {
        return bad("`extensions` must be a JSON object");
    }
    if let Err(e) = state.config.document.check(&query) {
        return Reject::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()).into_response(media);
    }
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name.clone());
    }
    // Parse once here (async-graphql reuses the parsed document): the expanded size is
    // bounded before validation, and GET must refuse mutations before anything executes.
    let doc = match request.parsed_query() {
        Ok(doc) => doc,
        Err(e) => return parse_failure(&e, media),
    };
    if let Err(e) = state.config.document.check_parsed(doc) {
        return Reject::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()).into_response(media);
    }
    if is_get {
        let selected = match &params.operation_name {
            Some(name) => doc
                .operations
                .iter()
                .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
                .map(|(_, op)| op.node.ty),
            None => doc.operations.iter().next().map(|(_, op)| op.node.ty),
        };
        if matches!(selected, Some(OperationType::Mutation | OperationType::Subscription)) {
            let mut r = Reject::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "GET may only run queries; send mutations with POST",
            );
            r.allow = Some("POST");
            return r.into_response(media);
        }
    }
    let graph = state.graph.load_full();
    let response = state.schema.execute(with_graph(request, graph)).await;
    // No data at all means the request failed before execution (validation): 400 under the
    // new media type. Execution errors come with `data` (possibly null) and stay 200.
    let status = if media == MediaType::GraphqlResponse && response.data == async_graphql::Value::Null && response.is_err() && response.errors.iter().all(|e| e.path.is_empty()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = match serde_json::to_string(&response) {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    (status, [(header::CONTENT_TYPE, media.as_str())], body).into_response()
}

/// A document that does not parse: 400 under graphql-response+json, 200 under application/json.
fn parse_failure(e: &async_graphql::ServerError, media: MediaType) -> Response {
    let status = if media == MediaType::GraphqlResponse { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = serde_json::json!({ "errors": [{
        "message": e.message,
        "locations": e.locations.iter().map(|l| serde_json::json!({"line": l.line, "column": l.column})).collect::<Vec<_>>(),
        "extensions": { "code": "GRAPHQL_PARSE_FAILED" },
    }]});
    (status, [(header::CONTENT_TYPE, media.as_str())], body.to_string()).into_response()
}
