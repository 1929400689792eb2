//! Where a GraphQL request runs, and running it: admission on the async worker for short
//! documents, execution there for cheap ones, and the executor lanes on tokio's blocking pool
//! for the rest; then the response serialized with its status and outcome.
//!
//! Architecture invariant: knows the schema's admission and execution, not HTTP's wire format
//! (that is [`super::request`]).

use std::future::Future;
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::http::StatusCode;
use tokio::sync::Semaphore;

use super::authn::status_of;
use super::request::{MediaType, Params, Reject, parse_failure};
use super::{AppState, Limit, Outcome};
use crate::auth::Principal;
use crate::graph::{KnowledgeGraph, Recorded, recording};
use crate::graphql::{Admitted, ErrorCode, Refusal, WriteStarted, with_graph, with_writes};

/// Documents up to this many bytes are admitted (parsed, checked, costed) on the async worker
/// that received them; longer ones go to the heavy lane first. What a request costs is known
/// only after parsing it; its length is known for free and bounds that work: parsing,
/// validation and the cost estimate are linear in the text. An everyday query is a few hundred
/// bytes; the maximal legal documents of a validation storm are 32 KiB.
const LIGHT_DOCUMENT_BYTES: usize = 2048;

/// Admitted requests whose work bound ([`work_bound`]) is at most this run on the async worker
/// that admitted them, with no hop to an executor thread. One unit is a field of the estimate
/// or an entity or relation a traversal may visit; measured on data/ (release build), a unit
/// costs 0.1-0.35 µs, so an inline request holds its worker for well under a millisecond.
/// The hop costs every request two thread wake-ups and context switches: running everyday
/// queries inline cut the server CPU per unique query from 133 to 78 µs (A/B, same data and
/// request bodies; see docs/performance.md, HTTP).
const INLINE_WORK: u64 = 2_000;

/// An upper bound on the work of an admitted request: its estimated cost plus, for each
/// traversal, what one may visit: the traversal budget or the whole graph, if smaller.
fn work_bound(admitted: &Admitted, budget: usize, graph: &KnowledgeGraph) -> u64 {
    let stats = graph.stats();
    let reach = budget.min(stats.entities + stats.relations) as u64;
    admitted
        .cost()
        .saturating_add(admitted.traversals().saturating_mul(reach))
}

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
pub(super) struct Lanes {
    light: Arc<Semaphore>,
    heavy: Arc<Semaphore>,
}

impl Lanes {
    pub(super) fn new(per_lane: usize) -> Lanes {
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

/// What a GraphQL request produced.
pub(super) struct Executed {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
    /// How it went.
    pub(super) outcome: Outcome,
    /// What it read, when recorded (a query, with the response cache on): see `graph::reads`.
    pub(super) reads: Option<Recorded>,
}

/// Admits, executes and serializes one request; `Err` when it is refused before execution.
///
/// Where each step runs: a long document ([`Lane::Heavy`]) is admitted and executed on an
/// executor thread of the heavy lane; a short one is admitted here, on the async worker (its
/// parse is bounded by its length, and usually cached), and then executed here too when its
/// [`work_bound`] is small ([`INLINE_WORK`]), else on an executor thread of the light lane.
/// So a heavy document never occupies an async worker that serves `/healthz`, the accept loop
/// and cache hits, and a cheap query never waits behind a line of large documents.
///
/// The concurrency `permit` moves with the work and is released only when it ends, even after
/// the deadline has answered the client: the cap bounds work actually running, and with it
/// the executor threads in use.
pub(super) async fn execute(
    state: &AppState,
    permit: tokio::sync::OwnedSemaphorePermit,
    graph: Arc<KnowledgeGraph>,
    caller: Caller,
    params: Params,
    media: MediaType,
    is_get: bool,
) -> Result<Executed, Reject> {
    let params = (params, caller.principal, caller.started);
    if Lane::of(params.0.query.as_deref()) == Lane::Heavy {
        let state = state.clone();
        return on_executor(&state.clone(), Lane::Heavy, move || async move {
            let _permit = permit;
            match admit(&state, graph, params, media, is_get)? {
                Admission::Answered(answered) => Ok(answered),
                Admission::Admitted(admitted) => run(&state, admitted, media).await,
            }
        })
        .await;
    }
    let budget = state.0.schema.limits().traversal_budget;
    let bound = |admitted: &Admitted| work_bound(admitted, budget, &graph);
    let admitted = match admit(state, Arc::clone(&graph), params, media, is_get)? {
        Admission::Answered(answered) => return Ok(answered),
        Admission::Admitted(admitted) if bound(&admitted) <= INLINE_WORK => {
            let executed = run(state, admitted, media).await;
            drop(permit);
            return executed;
        }
        Admission::Admitted(admitted) => admitted,
    };
    let task_state = state.clone();
    on_executor(state, Lane::Light, move || async move {
        let _permit = permit;
        run(&task_state, admitted, media).await
    })
    .await
}

/// Who sends a request (if verified), and the mark its write leaves once handed to the
/// writer ([`WriteStarted`]).
pub(super) struct Caller {
    pub(super) principal: Option<Principal>,
    pub(super) started: WriteStarted,
}

/// Runs `work` on an executor thread of `lane` (tokio's blocking pool, one lane's worth of
/// threads at a time), once one is free.
async fn on_executor<W, F>(state: &AppState, lane: Lane, work: W) -> Result<Executed, Reject>
where
    W: FnOnce() -> F + Send + 'static,
    F: Future<Output = Result<Executed, Reject>>,
{
    let executor = Arc::clone(state.0.executors.semaphore(lane))
        .acquire_owned()
        .await
        .map_err(|_| {
            Reject::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::LimitExceeded,
                "the server is shutting down",
            )
        })?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _executor = executor;
        runtime.block_on(work())
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "a request's execution task failed");
        Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the request could not be executed",
        )
    })?
}

/// What admission made of a request.
#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and moved straight into execution: boxing would only add \
              an allocation"
)]
enum Admission {
    /// Answered already: the document does not parse.
    Answered(Executed),
    /// Ready to run.
    Admitted(Admitted),
}

/// Checks the request's shape and passes it through the schema's admission, with the
/// verified caller (if any) in the request's data for [`crate::graphql::require_role`].
fn admit(
    state: &AppState,
    graph: Arc<KnowledgeGraph>,
    (params, principal, started): (Params, Option<Principal>, WriteStarted),
    media: MediaType,
    is_get: bool,
) -> Result<Admission, Reject> {
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
    request = request.data(started);
    if let Some(principal) = principal {
        request = request.data(principal);
    }
    // Admission (document limits, parse, cost) is the schema's; the answers are HTTP's.
    let admitted = match state
        .0
        .schema
        .admit(with_writes(with_graph(request, graph), state.writes()))
    {
        Ok(admitted) => admitted,
        Err(Refusal::Parse { message, locations }) => {
            let (status, body) = parse_failure(&message, &locations, media);
            return Ok(Admission::Answered(Executed {
                status,
                body,
                outcome: Outcome::Rejected,
                reads: None,
            }));
        }
        Err(refusal) => return Err(Reject::refused(&refusal)),
    };
    if admitted.operation_type() == Some(OperationType::Subscription) {
        return Err(Reject::bad_request(
            "subscriptions run over a WebSocket (the graphql-transport-ws subprotocol on \
             GET /graphql), not in an HTTP request",
        ));
    }
    if is_get && admitted.operation_type() == Some(OperationType::Mutation) {
        let mut reject = Reject::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "GET may only run queries; send mutations with POST",
        );
        reject.allow = Some("POST");
        return Err(reject);
    }
    Ok(Admission::Admitted(admitted))
}

/// Executes an admitted request and serializes its response.
async fn run(state: &AppState, admitted: Admitted, media: MediaType) -> Result<Executed, Reject> {
    let write = admitted.operation_type() == Some(OperationType::Mutation);
    // A query's reads are recorded only for the response cache, which keeps no write's answer.
    let (mut response, reads) = if state.0.cache.enabled() && !write {
        let (response, reads) = recording(state.0.schema.execute(admitted)).await;
        (response, Some(reads))
    } else {
        (state.0.schema.execute(admitted).await, None)
    };
    // Errors without a path and no data mean the request failed before execution (validation;
    // admission refusals were answered above): the spec wants no `data` entry then, and 400
    // under the new media type.
    // Execution errors come with `data` and stay 200.
    let failed_before_execution = response.data == async_graphql::Value::Null
        && response.is_err()
        && response.errors.iter().all(|e| e.path.is_empty());
    let limited = response
        .errors
        .iter()
        .any(|e| ErrorCode::of(e) == Some(ErrorCode::LimitExceeded));
    let outcome = if failed_before_execution {
        state.0.metrics.reject(Limit::Validation);
        Outcome::Rejected
    } else if limited {
        state.0.metrics.reject(Limit::ArgumentOrBudget);
        Outcome::GraphqlError
    } else if response.is_err() {
        Outcome::GraphqlError
    } else if write {
        // Not `Ok`: a write's answer must never be kept by the response cache, or the same
        // mutation sent again on the same data version would be answered without running.
        Outcome::Written
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
            ErrorCode::Internal,
            "the response could not be serialized",
        )
    })?;
    let status = if let Some(status) = status_of(&response.errors) {
        status
    } else if failed_before_execution && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(Executed {
        status,
        body: Bytes::from(body),
        outcome,
        reads,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{AppState, HttpConfig, app};
    use super::{LIGHT_DOCUMENT_BYTES, Lane, Lanes};
    use crate::graph::KnowledgeGraph;
    use crate::graphql::{SchemaOptions, build_schema};
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use std::sync::Arc;
    use std::time::Duration;
    use tower::ServiceExt;

    /// POSTs `query` to a router over `state`; the status and the body.
    async fn post(state: &AppState, query: &str) -> (StatusCode, String) {
        let body = serde_json::json!({ "query": query }).to_string();
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("a valid request");
        let response = app(state.clone())
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body");
        (
            status,
            String::from_utf8_lossy(&bytes.to_bytes()).into_owned(),
        )
    }

    /// Everyday queries run on the async worker that admitted them; costly ones need an
    /// executor thread. With every executor slot taken, the first still answers and the second
    /// waits until its deadline (1.5 s: the cheap query, a debug build beside the other tests
    /// on a loaded 2-core machine, must finish well inside it).
    #[tokio::test]
    async fn cheap_queries_run_inline_and_costly_ones_wait_for_an_executor() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let dataset = crate::dataset::load_dir(&data).unwrap_or_else(|e| panic!("data/: {e}"));
        let config = HttpConfig {
            request_timeout: Duration::from_millis(1500),
            response_cache_bytes: 0,
            ..HttpConfig::default()
        };
        let state = AppState::new(
            build_schema(SchemaOptions::default()),
            Arc::new(KnowledgeGraph::new(dataset)),
            config,
        );
        let lanes = &state.0.executors;
        let held: Vec<_> = [Lane::Light, Lane::Heavy]
            .into_iter()
            .flat_map(|lane| {
                let slots = lanes.semaphore(lane).available_permits();
                let semaphore = Arc::clone(lanes.semaphore(lane));
                (0..slots).filter_map(move |_| Arc::clone(&semaphore).try_acquire_owned().ok())
            })
            .collect();
        assert!(!held.is_empty());
        let cheap = r#"{ related(to: "application:defense-grade-magnets", kinds: [STANDARD],
            maxHops: 3, first: 5) { distance entity { name } } }"#;
        let (status, body) = post(&state, cheap).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("\"distance\""), "{body}");
        let costly = r#"{ related(to: "application:defense-grade-magnets",
            kinds: [STANDARD, MINERAL], maxHops: 3, first: 50) { distance path { hops {
            relation { citations { quote source { id } } } } } } }"#;
        let (status, body) = post(&state, costly).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body.contains("deadline"), "{body}");
        drop(held);
        let (status, body) = post(&state, costly).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

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
