//! The GraphQL API: async-graphql types that wrap graph records, and the schema.
//!
//! Object types are thin newtypes over a graph snapshot and a key; resolvers make one graph call
//! each. The snapshot travels in the request's data (`Arc<KnowledgeGraph>`), so one request sees
//! one snapshot from start to end, even across a reload. `async_graphql::Error` is used only
//! here, always with an extension `code` (see [`ErrorCode`]).
//!
//! Architecture invariant: this module knows nothing of HTTP, files or the CLI.

mod cursor;
mod empty_objects;
mod entity;
mod enums;
mod introspection;
mod limits;
mod node;
mod propagate;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, ErrorExtensions, SDLExportOptions, Schema};

use crate::graph::KnowledgeGraph;

pub use entity::Entity;
pub use query::Query;

/// The reegraph schema: async-graphql's schema, whose depth and complexity rejections
/// [`ReeSchema::execute`] words to name the limit (see `limits.rs`) and whose results it makes
/// spec-correct where async-graphql 7.2.1 is not (`propagate.rs`, `empty_objects.rs`,
/// `introspection.rs`). Cheap to clone.
#[derive(Clone)]
pub struct ReeSchema {
    inner: Schema<Query, EmptyMutation, EmptySubscription>,
    explain: limits::ExplainLimits,
    limits: Limits,
    /// Executes spec-correct results around async-graphql (see `propagate.rs`).
    spec: Arc<propagate::OutputTypes>,
}

impl ReeSchema {
    /// Executes a request (attach the graph with [`with_graph`] first).
    pub async fn execute(
        &self,
        request: impl Into<async_graphql::Request>,
    ) -> async_graphql::Response {
        let mut response = self.spec.execute(&self.inner, request.into()).await;
        self.explain.explain(&mut response.errors);
        response
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
    /// Maximum query depth (async-graphql's check, after the HTTP layer's own size checks).
    pub max_query_depth: usize,
    /// Maximum query complexity (async-graphql's check): each field costs 1 plus its children;
    /// list and traversal fields multiply their children's cost by `first`, `limit` and
    /// `maxHops` (see [`cost`]).
    pub max_complexity: usize,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        SchemaOptions {
            limits: Limits::default(),
            introspection: true,
            max_query_depth: 16,
            max_complexity: 100_000,
        }
    }
}

/// Builds the schema. The graph is not part of it: attach one per request with [`with_graph`].
pub fn build_schema(options: SchemaOptions) -> ReeSchema {
    let mut builder = Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(options.limits)
        .limit_depth(options.max_query_depth)
        .limit_complexity(options.max_complexity)
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
    // The SDL async-graphql writes always parses; an empty set of types would only turn off
    // null propagation, never wrong it.
    let spec = propagate::OutputTypes::from_sdl(&inner.sdl()).unwrap_or_default();
    ReeSchema {
        inner,
        spec: Arc::new(spec),
        explain: limits::ExplainLimits {
            max_depth: options.max_query_depth,
            max_complexity: options.max_complexity,
        },
        limits: options.limits,
    }
}

/// Attaches a graph snapshot to a request.
pub fn with_graph(
    request: async_graphql::Request,
    graph: Arc<KnowledgeGraph>,
) -> async_graphql::Request {
    request.data(graph)
}

/// The schema's SDL, as committed in `schema/reegraph.graphql`.
pub fn sdl() -> String {
    build_schema(SchemaOptions::default()).sdl_with_options(SDLExportOptions::new().sorted_fields())
}

/// The complexity weight of a count argument (`first`, `limit`, `maxHops`): list and traversal
/// fields cost their children's complexity times their counts, so the schema's complexity limit
/// refuses `first: 100` inside `first: 100` before anything runs. Negative counts weigh 1 (they
/// are refused with BAD_USER_INPUT by the resolver).
pub(crate) fn cost(count: i32) -> usize {
    usize::try_from(count).unwrap_or(1).max(1)
}

/// The `code` extension every error carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        }
    }
}

/// An error with a message for the client and an extension `code`.
pub(crate) fn error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}
