//! Admission: the one pipeline every GraphQL request goes through before it runs, whoever sends
//! it (HTTP, `reegraph query`, tests, library callers of [`ReeSchema::execute`]):
//!
//! 1. document limits, lexical (bytes, tokens, bracket nesting), before parsing: the parser is
//!    recursive, and these are linear and cheap ([`limits`]);
//! 2. parse (once per query text: [`documents`] keeps the parsed form and the text-only results);
//! 3. document limits on the parsed form: fields once fragments are expanded (the fragment-bomb
//!    guard: one memoized pass), selection depth, aliases, directives;
//! 4. the cost estimate of the operation that runs, against the cost limit ([`cost`]), and its
//!    number of traversals (each may visit up to the traversal budget, whatever the size of its
//!    answer), before validation: async-graphql's own complexity and depth limits are not used;
//! 5. async-graphql's validation and execution (in [`ReeSchema::execute`]).
//!
//! Steps 1-4 are [`ReeSchema::admit`]: synchronous, taking and returning owned values, so a
//! caller may run it (and execution) wherever it likes, e.g. on a blocking thread. A refusal is
//! a [`Refusal`] naming the limit; as a GraphQL response it has no `data` and one error with the
//! `LIMIT_EXCEEDED` code (or `GRAPHQL_PARSE_FAILED`).
//!
//! Architecture invariant: knows nothing of HTTP (status codes, media types, caches of
//! responses) or the graph.

mod cost;
mod documents;
mod limits;

use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Pos, ServerError};

pub use cost::{CostModel, Estimate, Multiplier};
use documents::{Documents, Prepared};
pub use limits::{DocumentError, DocumentLimits};

use super::ErrorCode;

/// The admission limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Cheap checks on the document (size, nesting, expanded fields, depth, ...).
    pub document: DocumentLimits,
    /// Highest estimated cost of an operation (see [`CostModel`]).
    pub max_cost: u64,
    /// The assumed length of a list nothing else bounds (citations, typed relationship lists).
    pub list_estimate: u64,
    /// Most traversals (`neighborhood`, `paths`, `related`) one operation runs, fragments and
    /// aliases counted: each may visit up to the traversal budget, whatever its answer's size.
    pub max_traversals: u64,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        AdmissionLimits {
            document: DocumentLimits::default(),
            max_cost: 100_000,
            list_estimate: 10,
            max_traversals: 10,
        }
    }
}

/// Estimated bytes of parsed documents kept by query text (see [`documents`]).
const DOCUMENT_CACHE_BYTES: u64 = 16 << 20;

/// The admission limit a refusal names (its label in metrics: [`Limit::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The document's size in bytes.
    DocumentBytes,
    /// Its number of tokens.
    Tokens,
    /// Its bracket nesting.
    Nesting,
    /// Its fields once fragments are expanded.
    ExpandedFields,
    /// Its selection depth.
    Depth,
    /// Its aliases.
    Aliases,
    /// Its directives.
    Directives,
    /// The traversals of the operation.
    Traversals,
    /// The operation's estimated cost.
    Cost,
}

impl Limit {
    /// Every limit, in the order metrics list them.
    pub const ALL: [Limit; 9] = [
        Limit::DocumentBytes,
        Limit::Tokens,
        Limit::Nesting,
        Limit::ExpandedFields,
        Limit::Depth,
        Limit::Aliases,
        Limit::Directives,
        Limit::Traversals,
        Limit::Cost,
    ];

    /// The limit's name in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Limit::DocumentBytes => "document_bytes",
            Limit::Tokens => "tokens",
            Limit::Nesting => "nesting",
            Limit::ExpandedFields => "expanded_fields",
            Limit::Depth => "depth",
            Limit::Aliases => "aliases",
            Limit::Directives => "directives",
            Limit::Traversals => "traversals",
            Limit::Cost => "cost",
        }
    }
}

/// Why a request was refused before it ran.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The document broke a document limit.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The document does not parse.
    #[error("{message}")]
    Parse {
        /// The parser's message.
        message: String,
        /// Where.
        locations: Vec<Pos>,
    },
    /// The estimated cost is above the limit.
    #[error(
        "the query's estimated cost is {}, above the limit of {}{}: every field costs 1, a \
         page or list costs its selection times its first or limit, and a list without them \
         counts as {list_estimate}",
        thousands(*cost), thousands(*max),
        advice.as_ref().map(|a| format!("; {a}")).unwrap_or_default()
    )]
    Cost {
        /// The estimate.
        cost: u64,
        /// The limit.
        max: u64,
        /// What to cut, e.g. "reduce `first` on `entities` from 50 to 5 (10×)".
        advice: Option<String>,
        /// The assumed length of an unbounded list.
        list_estimate: u64,
    },
    /// The operation runs more traversals than allowed.
    #[error(
        "the query runs {got} traversals (neighborhood, paths, related), above the limit of {max}"
    )]
    Traversals {
        /// How many.
        got: u64,
        /// The limit.
        max: u64,
    },
}

impl Refusal {
    /// The error `code` sent to clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::Parse { .. } => ErrorCode::GraphqlParseFailed,
            Refusal::Document(e) => e.code(),
            Refusal::Cost { .. } | Refusal::Traversals { .. } => ErrorCode::LimitExceeded,
        }
    }

    /// The limit it broke; `None` for a document that does not parse.
    pub fn limit(&self) -> Option<Limit> {
        match self {
            Refusal::Parse { .. } => None,
            Refusal::Document(e) => Some(e.limit()),
            Refusal::Cost { .. } => Some(Limit::Cost),
            Refusal::Traversals { .. } => Some(Limit::Traversals),
        }
    }

    /// The refusal as a GraphQL error, with its `code`.
    pub fn to_server_error(&self) -> ServerError {
        let locations = match self {
            Refusal::Parse { locations, .. } => locations.clone(),
            _ => Vec::new(),
        };
        let mut error = ServerError::new(self.to_string(), locations.first().copied());
        error.locations = locations;
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", self.code().as_str());
        error.extensions = Some(extensions);
        error
    }
}

impl From<Refusal> for async_graphql::Response {
    /// A response with no `data` and the refusal as its one error.
    fn from(refusal: Refusal) -> Self {
        async_graphql::Response::from_errors(vec![refusal.to_server_error()])
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A request that passed admission: its document is parsed and attached, ready to execute.
/// Owned and `Send`: it may be executed on any thread.
pub struct Admitted {
    pub(crate) request: async_graphql::Request,
    operation: Option<OperationType>,
    weight: Weight,
}

/// What an admitted operation may cost: its estimate and its number of traversals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Weight {
    pub(crate) cost: u64,
    pub(crate) traversals: u64,
}

impl Admitted {
    /// The type of the operation that will run: the one `operationName` names, else the first
    /// (`None` when no operation has that name: then execution fails).
    pub fn operation_type(&self) -> Option<OperationType> {
        self.operation
    }

    /// Its estimated cost.
    pub fn cost(&self) -> u64 {
        self.weight.cost
    }

    /// How many traversals (`neighborhood`, `paths`, `related`) it runs, fragments and aliases
    /// counted. Each may visit up to the traversal budget (or the whole graph, if smaller),
    /// whatever its answer's size, so [`cost`](Self::cost) alone does not bound its work.
    pub fn traversals(&self) -> u64 {
        self.weight.traversals
    }
}

/// What [`ReeSchema::execute`](super::ReeSchema::execute) takes: a request still to be admitted,
/// or one admitted already (by [`ReeSchema::admit`](super::ReeSchema::admit)).
pub enum Submission {
    /// A request that goes through admission first.
    Request(async_graphql::Request),
    /// A request that passed it.
    Admitted(Admitted),
}

impl From<async_graphql::Request> for Submission {
    fn from(request: async_graphql::Request) -> Self {
        Submission::Request(request)
    }
}

impl From<Admitted> for Submission {
    fn from(admitted: Admitted) -> Self {
        Submission::Admitted(admitted)
    }
}

impl From<&str> for Submission {
    fn from(query: &str) -> Self {
        Submission::Request(async_graphql::Request::new(query))
    }
}

impl From<String> for Submission {
    fn from(query: String) -> Self {
        Submission::Request(async_graphql::Request::new(query))
    }
}

/// The admission state a schema holds: limits, the cost model, prepared documents.
pub(crate) struct Admission {
    limits: AdmissionLimits,
    cost: CostModel,
    documents: Documents,
}

impl Admission {
    /// Admission for the schema whose SDL is `sdl`.
    pub(crate) fn new(limits: AdmissionLimits, sdl: &str) -> Self {
        Admission {
            cost: CostModel::from_sdl(sdl, limits.list_estimate),
            limits,
            documents: Documents::new(DOCUMENT_CACHE_BYTES),
        }
    }

    pub(crate) fn limits(&self) -> &AdmissionLimits {
        &self.limits
    }

    pub(crate) fn cost_model(&self) -> &CostModel {
        &self.cost
    }

    /// Steps 1-4 of the module doc.
    pub(crate) fn admit(&self, mut request: async_graphql::Request) -> Result<Admitted, Refusal> {
        let prepared = match self.documents.get(&request.query) {
            Some(prepared) => prepared,
            None => self.prepare(&request)?,
        };
        let weight = match prepared.fixed {
            Some(weight) => weight,
            None => {
                let single = prepared.doc.operations.iter().count() == 1;
                let operation = request.operation_name.as_deref().filter(|_| !single);
                let estimate = self
                    .cost
                    .estimate(&prepared.doc, operation, &request.variables);
                self.check_cost(estimate)?
            }
        };
        let doc = &prepared.doc;
        let operation = match &request.operation_name {
            Some(name) => doc
                .operations
                .iter()
                .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
                .map(|(_, op)| op.node.ty),
            // Without a name, the first (a document of several then fails to execute).
            None => doc.operations.iter().next().map(|(_, op)| op.node.ty),
        };
        // async-graphql consumes the document: it executes a clone (names are shared, so this
        // is much cheaper than parsing).
        request.set_parsed_query(prepared.doc.clone());
        Ok(Admitted {
            request,
            operation,
            weight,
        })
    }

    /// Checks and parses a text not seen before; keeps it when every text-only check passes.
    fn prepare(&self, request: &async_graphql::Request) -> Result<Arc<Prepared>, Refusal> {
        let limits = &self.limits.document;
        limits.check(&request.query)?;
        let doc = async_graphql::parser::parse_query(&request.query).map_err(|e| {
            let e = ServerError::from(e);
            Refusal::Parse {
                message: e.message,
                locations: e.locations,
            }
        })?;
        limits.check_parsed(&doc)?;
        // A document of one operation runs that one whatever `operationName` says (or fails):
        // its estimate, when no variable feeds it, is the same for every request of this text.
        let single = doc.operations.iter().count() == 1;
        let operation = if single {
            None
        } else {
            request.operation_name.as_deref()
        };
        let estimate = self.cost.estimate(&doc, operation, &request.variables);
        let fixed = single && !estimate.read_variables;
        let checked = self.check_cost(estimate);
        if fixed {
            // Refused for its text alone: not kept, refused again (with the same answer).
            let weight = checked?;
            let prepared = Arc::new(Prepared {
                doc,
                fixed: Some(weight),
            });
            self.documents.put(&request.query, Arc::clone(&prepared));
            return Ok(prepared);
        }
        let prepared = Arc::new(Prepared { doc, fixed: None });
        self.documents.put(&request.query, Arc::clone(&prepared));
        checked?;
        Ok(prepared)
    }

    fn check_cost(&self, estimate: Estimate) -> Result<Weight, Refusal> {
        if estimate.traversals > self.limits.max_traversals {
            return Err(Refusal::Traversals {
                got: estimate.traversals,
                max: self.limits.max_traversals,
            });
        }
        let max = self.limits.max_cost;
        if estimate.cost <= max {
            return Ok(Weight {
                cost: estimate.cost,
                traversals: estimate.traversals,
            });
        }
        Err(Refusal::Cost {
            cost: estimate.cost,
            max,
            advice: estimate.advice(max),
            list_estimate: self.limits.list_estimate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Admission takes and returns owned values, and execution is a `Send` future: a caller
    /// may run either on another thread (a blocking pool, say).
    #[test]
    fn admitted_requests_and_execution_can_move_between_threads() {
        fn sendable<T: Send + 'static>(_: &T) {}
        let schema = crate::graphql::build_schema(crate::graphql::SchemaOptions::default());
        let admitted = schema
            .admit(async_graphql::Request::new("{ stats { entities } }"))
            .map_err(|r| r.to_string())
            .expect("admitted");
        sendable(&admitted);
        let execution = {
            let schema = schema.clone();
            async move { schema.execute(admitted).await }
        };
        sendable(&execution);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(812_051), "812,051");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
