//! The GraphQL API: async-graphql types that wrap graph records, and the schema.
//!
//! Object types are thin newtypes over a graph snapshot and a key; resolvers make one graph call
//! each. The snapshot travels in the request's data (`Arc<KnowledgeGraph>`), so one request sees
//! one snapshot from start to end, even across a reload. `async_graphql::Error` is used only
//! here, always with an extension `code` (see [`ErrorCode`]).
//!
//! Architecture invariant: this module knows nothing of HTTP, files or the CLI.

pub mod admission;
mod cursor;
mod edges;
mod empty_objects;
mod entity;
mod enums;
mod filter;
mod introspection;
pub mod mutation;
mod node;
mod propagate;
mod query;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensions, SDLExportOptions, Schema};

use crate::graph::KnowledgeGraph;

pub use admission::{
    AdmissionLimits, Admitted, CostModel, DocumentError, DocumentLimits, Refusal, Submission,
};
pub use entity::Entity;
pub use mutation::{DEFAULT_FOLD_AFTER, Mutation, WriteStarted, Writes, fold_threshold};
pub use query::Query;
pub use subscription::{ChangeFeed, GraphChange, GraphDiff, MAX_EVENT_IDS, Subscription};

/// The reegraph schema: async-graphql's schema behind the admission pipeline (see
/// [`admission`]), whose results it makes spec-correct where async-graphql 7.2.1 is not
/// (`propagate.rs`, `empty_objects.rs`, `introspection.rs`). Cheap to clone.
#[derive(Clone)]
pub struct ReeSchema {
    inner: Schema<Query, Mutation, Subscription>,
    admission: Arc<admission::Admission>,
    limits: Limits,
    /// Executes spec-correct results around async-graphql (see `propagate.rs`).
    spec: Arc<propagate::OutputTypes>,
    /// Entities visited by this schema's traversals (shared with its resolvers as schema data).
    visits: Arc<query::TraversalVisits>,
}

impl ReeSchema {
    /// Entities visited by the traversals this schema (and its clones) executed: the work its
    /// queries did, for metrics.
    pub fn traversal_visits(&self) -> u64 {
        self.visits.get()
    }

    /// The one entry point: admits a request (document limits, parse, cost; see [`admission`])
    /// unless it was admitted already, then validates and executes it (attach the graph with
    /// [`with_graph`] first) and makes the result spec-correct (`propagate.rs`). A refusal is a
    /// response with no `data` and one error.
    pub async fn execute(&self, request: impl Into<Submission>) -> async_graphql::Response {
        let request = match request.into() {
            Submission::Admitted(admitted) => admitted.request,
            Submission::Request(request) => match self.admission.admit(request) {
                Ok(admitted) => admitted.request,
                Err(refusal) => return refusal.into(),
            },
        };
        let mut response = self.spec.execute(&self.inner, request).await;
        tag_validation_errors(&mut response);
        response
    }

    /// Runs a subscription: admitted exactly as [`ReeSchema::execute`] admits (document limits,
    /// parse, cost), then validated and executed as a stream of responses. Any other operation
    /// is refused (BAD_REQUEST; queries go over HTTP, where the cache, lanes and deadline are).
    /// Attach the [`ChangeFeed`] first ([`with_changes`]). A refusal is a stream of one
    /// response with no `data` and one error.
    pub fn subscribe(
        &self,
        request: async_graphql::Request,
        session: Arc<async_graphql::Data>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let admitted = match self.admission.admit(request) {
            Ok(admitted) => admitted,
            Err(refusal) => return stream::once(async move { refusal.into() }).boxed(),
        };
        if admitted.operation_type() != Some(OperationType::Subscription) {
            let refusal = refusal(
                ErrorCode::BadRequest,
                "only subscriptions are run over a WebSocket; send queries with POST or GET \
                 /graphql",
            );
            return stream::once(async move { refusal }).boxed();
        }
        self.inner
            .execute_stream_with_session_data(admitted.request, session)
            .map(|mut response| {
                tag_validation_errors(&mut response);
                response
            })
            .boxed()
    }

    /// Admission alone (steps 1-4 of [`admission`]): for callers that look at the operation
    /// before running it, or run it elsewhere; pass the result to [`ReeSchema::execute`].
    pub fn admit(&self, request: async_graphql::Request) -> Result<Admitted, Refusal> {
        self.admission.admit(request)
    }

    /// The admission limits.
    pub fn admission_limits(&self) -> AdmissionLimits {
        *self.admission.limits()
    }

    /// The cost model admission uses.
    pub fn cost_model(&self) -> &CostModel {
        self.admission.cost_model()
    }

    /// The argument and work limits its resolvers enforce.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The schema's SDL.
    pub fn sdl_with_options(&self, options: SDLExportOptions) -> String {
        self.inner.sdl_with_options(options)
    }
}

/// Hard maximums on query arguments and traversal work. Exceeding an argument maximum is an
/// error (LIMIT_EXCEEDED), never a silent clamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum `first` on lists and connections.
    pub max_first: usize,
    /// Maximum `depth` of `neighborhood`.
    pub max_depth: usize,
    /// Maximum `limit` of `neighborhood`.
    pub max_limit: usize,
    /// Maximum `maxHops` of `paths` and `related`.
    pub max_hops: usize,
    /// Maximum number of ids in `nodes`.
    pub max_ids: usize,
    /// Entities one traversal may visit before it stops (LIMIT_EXCEEDED, or `truncated`).
    pub traversal_budget: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_first: 100,
            max_depth: 4,
            max_limit: 1_000,
            max_hops: 6,
            max_ids: 100,
            traversal_budget: 20_000,
        }
    }
}

/// Schema-wide settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaOptions {
    /// Argument and work limits.
    pub limits: Limits,
    /// Whether introspection is enabled (field suggestions are off whenever it is not).
    pub introspection: bool,
    /// Document limits, selection depth and the cost limit, checked before validation.
    pub admission: AdmissionLimits,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        SchemaOptions {
            limits: Limits::default(),
            introspection: true,
            admission: AdmissionLimits::default(),
        }
    }
}

/// Builds the schema. The graph is not part of it: attach one per request with [`with_graph`].
pub fn build_schema(options: SchemaOptions) -> ReeSchema {
    // No async-graphql depth or complexity limit: admission checks both before validation.
    let visits = Arc::new(query::TraversalVisits::default());
    let mut builder = Schema::build(Query, Mutation, Subscription)
        .data(options.limits)
        .data(Arc::clone(&visits))
        // Types async-graphql generates or defines, which carry no description of their own.
        .override_output_type_description::<query::EntityConnection<'static>>(
            "A page of entities (Relay connection), ordered by kind then id. `totalCount` counts \
             all of them; a cursor points after its entity, so it survives a data reload.",
        )
        .override_output_type_description::<entity::RelationConnection<'static>>(
            "A page of an entity's relations (Relay connection). `totalCount` counts all of them; \
             cursors belong to one data version (`stats.dataVersion`) and are refused with \
             STALE_CURSOR after a reload that changed the data.",
        )
        .override_output_type_description::<async_graphql::ID>(
            "A global, stable entity id: `kind:slug`, e.g. `mineral:dysprosium`.",
        );
    if !options.introspection {
        builder = builder.disable_introspection().disable_suggestions();
    }
    let inner = builder.finish();
    let sdl = inner.sdl_with_options(SDLExportOptions::new().sorted_fields());
    // The SDL async-graphql writes always parses; an empty set of types would only turn off
    // null propagation, never wrong it.
    let spec = propagate::OutputTypes::from_sdl(&sdl).unwrap_or_default();
    ReeSchema {
        admission: Arc::new(admission::Admission::new(options.admission, &sdl)),
        spec: Arc::new(spec),
        inner,
        limits: options.limits,
        visits,
    }
}

/// Attaches a graph snapshot to a request.
pub fn with_graph(
    request: async_graphql::Request,
    graph: Arc<KnowledgeGraph>,
) -> async_graphql::Request {
    request.data(graph)
}

/// Attaches the feed of graph changes a subscription listens to.
pub fn with_changes(
    request: async_graphql::Request,
    feed: Arc<ChangeFeed>,
) -> async_graphql::Request {
    request.data(feed)
}

/// Attaches the writer of a server with a store (without one, mutations answer
/// WRITES_DISABLED).
pub fn with_writes(
    request: async_graphql::Request,
    writes: Option<Arc<Writes>>,
) -> async_graphql::Request {
    match writes {
        Some(writes) => request.data(writes),
        None => request,
    }
}

/// The schema's SDL, as committed in `schema/reegraph.graphql`.
pub fn sdl() -> String {
    build_schema(SchemaOptions::default()).sdl_with_options(SDLExportOptions::new().sorted_fields())
}

/// The `code` extension every error carries: those of resolvers, of admission, and those a
/// transport answers before a request reaches the schema (so every code a client can see is
/// here, and HTTP names none of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// An id that names no entity.
    NotFound,
    /// An argument that is malformed or out of range.
    BadUserInput,
    /// An argument above its hard maximum, or a traversal over its work budget.
    LimitExceeded,
    /// A connection cursor issued for another version of the data (see `cursor.rs`).
    StaleCursor,
    /// A fault of the server, not the request.
    Internal,
    /// A document that does not parse.
    GraphqlParseFailed,
    /// A document that parses but does not validate against the schema (an unknown field, a
    /// wrong argument type, a missing variable): async-graphql's validation errors, tagged.
    GraphqlValidationFailed,
    /// A request that is not a GraphQL request (malformed body, parameters or variables).
    BadRequest,
    /// A request body in a media type other than JSON.
    UnsupportedMediaType,
    /// A mutation sent with GET.
    MethodNotAllowed,
    /// A request body the client did not finish sending in time.
    RequestTimeout,
    /// An automatic persisted query's hash without its text, for a text not kept.
    PersistedQueryNotFound,
    /// A request without valid credentials for what it asks (HTTP 401).
    Unauthenticated,
    /// Valid credentials without the role the request needs (HTTP 403).
    Forbidden,
    /// A change set that does not validate (`extensions.problems` lists every problem).
    ValidationFailed,
    /// A write based on a graph version that is no longer the current one.
    Conflict,
    /// A write (or a read of the store) on a server started without `--store`.
    WritesDisabled,
}

impl ErrorCode {
    /// The code as sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::StaleCursor => "STALE_CURSOR",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::ValidationFailed => "VALIDATION_FAILED",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::WritesDisabled => "WRITES_DISABLED",
        }
    }

    /// The code a GraphQL error carries in its extensions, if it is one of these.
    pub fn of(error: &async_graphql::ServerError) -> Option<ErrorCode> {
        const ALL: [ErrorCode; 17] = [
            ErrorCode::NotFound,
            ErrorCode::BadUserInput,
            ErrorCode::LimitExceeded,
            ErrorCode::StaleCursor,
            ErrorCode::Internal,
            ErrorCode::GraphqlParseFailed,
            ErrorCode::GraphqlValidationFailed,
            ErrorCode::BadRequest,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::MethodNotAllowed,
            ErrorCode::RequestTimeout,
            ErrorCode::PersistedQueryNotFound,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::ValidationFailed,
            ErrorCode::Conflict,
            ErrorCode::WritesDisabled,
        ];
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => {
                ALL.into_iter().find(|c| c.as_str() == code.as_str())
            }
            _ => None,
        }
    }
}

/// Gives async-graphql's validation errors their code: a response with errors, no `data` and
/// no error `path` failed before execution (admission's refusals carry their codes already),
/// and each of its errors without a code gets GRAPHQL_VALIDATION_FAILED, as Apollo's servers
/// send, so clients can tell a wrong document from a failed field.
fn tag_validation_errors(response: &mut async_graphql::Response) {
    let before_execution = response.data == async_graphql::Value::Null
        && response.is_err()
        && response.errors.iter().all(|e| e.path.is_empty());
    if !before_execution {
        return;
    }
    for e in &mut response.errors {
        let extensions = e.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::GraphqlValidationFailed.as_str());
        }
    }
}

/// A response with no `data` and one error with this `code`: a refusal before execution.
pub fn refusal(code: ErrorCode, message: impl Into<String>) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![
        error(code, message).into_server_error(async_graphql::Pos::default()),
    ])
}

/// The request's verified caller if it holds `role`: else UNAUTHENTICATED (no principal in the
/// request's data) or FORBIDDEN (a principal without the role).
pub fn require_role<'c>(
    ctx: &async_graphql::Context<'c>,
    role: crate::auth::Role,
) -> async_graphql::Result<&'c crate::auth::Principal> {
    match ctx.data_opt::<crate::auth::Principal>() {
        None => Err(error(
            ErrorCode::Unauthenticated,
            format!(
                "this operation needs a bearer token with the {} role",
                role.as_str()
            ),
        )),
        Some(p) if p.has(role) => Ok(p),
        Some(p) => Err(error(
            ErrorCode::Forbidden,
            format!(
                "`{}` does not hold the {} role this operation needs",
                p.subject,
                role.as_str()
            ),
        )),
    }
}

/// An error with a message for the client and an extension `code`.
pub(crate) fn error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}
