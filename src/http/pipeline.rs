//! The GraphQL endpoint's handlers: GET and POST read their parameters, then share one path
//! (negotiate, persisted queries, the response cache, the concurrency cap, execution under the
//! deadline, validators and metrics).
//!
//! Architecture invariant: where and how a request executes is [`super::executor`]'s; what a
//! request looks like on the wire is [`super::request`]'s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::authn::{authenticate, challenge};
use super::cache::{self, CacheKey, Cached, KeyParts, variables_text};
use super::executor::{Caller, Executed, execute};
use super::metrics::CacheOutcome;
use super::request::{
    MediaType, Params, Reject, get_params, negotiate, not_acceptable, persisted_query_reject,
    post_params, read_body,
};
use super::{AppState, Limit, Outcome};
use crate::auth::Principal;
use crate::graph::Reads;
use crate::graphql::{ErrorCode, WriteStarted};

pub(super) async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    handle(&state, &parts.headers, true, || {
        get_params(parts.uri.query().unwrap_or(""))
    })
    .await
}

pub(super) async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
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

/// The shared path of GET and POST: negotiate, authenticate, read the parameters, answer from
/// the cache (the caller's own entries only),
/// or take a concurrency slot and execute under the deadline; record metrics.
async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    is_get: bool,
    params: impl FnOnce() -> Result<Params, Reject>,
) -> Response {
    let started = Instant::now();
    let Some(media) = negotiate(headers) else {
        state.0.metrics.reject(Limit::MediaType);
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
    // First: credentials that do not verify are refused whatever the request.
    let principal = authenticate(state, headers).map_err(rejected)?;
    let identity = principal.as_ref().map(Principal::identity);
    let private = identity.is_some();
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
                graphql_response_json: media == MediaType::GraphqlResponse,
                principal: identity.as_deref().unwrap_or(""),
                operation_name: params.operation_name.as_deref(),
                variables: &variables,
                query,
            };
            match state.0.cache.get(&parts) {
                Some(hit) if hit.holds_on(&graph) => {
                    state.0.metrics.cache(CacheOutcome::Hit);
                    let response = respond(state, headers, media, is_get, private, &hit);
                    return Ok((response, Outcome::Ok));
                }
                // Made again and kept again: it was kept once, so it repeats.
                Some(_) => {
                    state.0.metrics.cache(CacheOutcome::Stale);
                    Some(CacheKey::new(&parts))
                }
                None => {
                    state.0.metrics.cache(CacheOutcome::Miss);
                    state.0.cache.admit(&parts).then(|| CacheKey::new(&parts))
                }
            }
        }
        _ => None,
    };
    let Ok(permit) = Arc::clone(&state.0.in_flight).try_acquire_owned() else {
        let reject = over_concurrency(state.0.config.max_concurrent_requests);
        return Err((reject, Outcome::Overloaded));
    };
    let deadline = state.0.config.request_timeout;
    let started = WriteStarted::default();
    let caller = Caller {
        principal,
        started: started.clone(),
    };
    let execution = execute(
        state,
        permit,
        Arc::clone(&graph),
        caller,
        params,
        media,
        is_get,
    );
    tokio::pin!(execution);
    let executed = match tokio::time::timeout(deadline, &mut execution).await {
        Ok(executed) => executed,
        // A write under way runs to its end: its outcome, not a timeout, is the answer.
        Err(_) if started.is_set() => execution.await,
        Err(_) => return Err((past_deadline(deadline), Outcome::Timeout)),
    }
    .map_err(rejected)?;
    let Executed {
        status,
        body,
        outcome,
        reads,
    } = executed;
    let response = if outcome == Outcome::Ok {
        let reads = match (&key, reads) {
            (Some(_), Some(recorded)) => graph.reads_of(recorded),
            _ => Reads::everything(),
        };
        let cached = Arc::new(Cached::new(fingerprint, status, body, reads));
        if let Some(key) = key {
            state.0.cache.put(key, Arc::clone(&cached));
        }
        respond(state, headers, media, is_get, private, &cached)
    } else {
        let mut response = (status, [(header::CONTENT_TYPE, media.header())], body).into_response();
        if let Some(challenge) = challenge(status) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    };
    Ok((response, outcome))
}

/// The refusal of a request beyond `--max-concurrent-requests` (503, with `Retry-After`).
fn over_concurrency(limit: usize) -> Reject {
    Reject {
        limit: Some(Limit::Concurrency),
        ..Reject::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::LimitExceeded,
            format!("the server is at its limit of {limit} concurrent requests; retry shortly"),
        )
    }
}

/// The answer to a request that ran past its deadline (503, with `Retry-After`).
fn past_deadline(deadline: std::time::Duration) -> Reject {
    Reject {
        limit: Some(Limit::Deadline),
        ..Reject::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::LimitExceeded,
            format!(
                "the request ran past its deadline of {} ms",
                deadline.as_millis()
            ),
        )
    }
}

/// A successful response, with validators: GET responses carry an ETag and `Cache-Control`
/// (`private` for a request with credentials) and are answered 304 when `If-None-Match`
/// matches.
fn respond(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    is_get: bool,
    private: bool,
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
    let cache_control = if private {
        state.0.cache_control_private.clone()
    } else {
        state.0.cache_control.clone()
    };
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|inm| cache::matches(inm, cached.etag()))
    {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, cached.etag().clone()),
                (header::CACHE_CONTROL, cache_control),
                (header::VARY, HeaderValue::from_static("accept")),
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
            // The media type and the status (400 or 200 for a document that does not
            // validate) follow `Accept`: shared caches must key on it.
            (header::VARY, HeaderValue::from_static("accept")),
        ],
        cached.body.clone(),
    )
        .into_response()
}
