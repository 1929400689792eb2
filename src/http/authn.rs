//! Who is asking, over HTTP: the `Authorization: Bearer` header verified by
//! [`crate::auth::Authenticator`] before anything else runs, and the statuses and
//! `WWW-Authenticate` challenges (RFC 6750) of the answers.
//!
//! - No header: anonymous (reads are public), or 401 when `--reads-need-role` is set.
//! - A header that does not verify (malformed, expired, not yet valid, wrong audience or
//!   issuer, bad signature, unknown API token): 401 UNAUTHENTICATED with
//!   `WWW-Authenticate: Bearer error="invalid_token"`, whatever the operation.
//! - A principal without the reader role when reads need it: 403 FORBIDDEN.
//! - A resolver's UNAUTHENTICATED or FORBIDDEN ([`crate::graphql::require_role`]) makes the
//!   response 401 or 403 as well (see [`status_of`]).
//!
//! Invariant: the token is read here and dropped; only the [`Principal`] goes on, and no
//! message or log line holds the token.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use super::AppState;
use super::request::Reject;
use crate::auth::{Principal, Role};
use crate::graphql::ErrorCode;

/// The challenge of a request with no credentials (RFC 6750 §3: no error code then).
const CHALLENGE: &str = "Bearer realm=\"reegraph\"";
/// The challenge of credentials that do not verify.
const INVALID_TOKEN: &str = "Bearer realm=\"reegraph\", error=\"invalid_token\"";
/// The challenge of a principal without the role needed.
const INSUFFICIENT_SCOPE: &str = "Bearer realm=\"reegraph\", error=\"insufficient_scope\"";

/// The request's principal: `None` for an anonymous request that may read; a [`Reject`] (401
/// or 403) for credentials that do not verify, or a caller reads are refused to.
pub(super) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Reject> {
    let config = &state.0.config;
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let principal = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(unauthenticated(
                "send one Authorization header, not several",
                INVALID_TOKEN,
            ));
        }
        (Some(value), None) => {
            let credentials = value.to_str().unwrap_or("");
            match config.auth.verify_bearer(credentials) {
                Ok(principal) => Some(principal),
                Err(e) => {
                    tracing::debug!(reason = %e, "bearer token refused");
                    return Err(unauthenticated(e.to_string(), INVALID_TOKEN));
                }
            }
        }
    };
    if config.reads_need_role {
        match &principal {
            None => {
                return Err(unauthenticated(
                    "reads on this server need a bearer token with the reader role",
                    CHALLENGE,
                ));
            }
            Some(p) if !p.has(Role::Reader) => {
                return Err(Reject {
                    www_authenticate: Some(INSUFFICIENT_SCOPE),
                    ..Reject::new(
                        StatusCode::FORBIDDEN,
                        ErrorCode::Forbidden,
                        format!(
                            "`{}` does not hold the reader role reads need here",
                            p.subject
                        ),
                    )
                });
            }
            Some(_) => {}
        }
    }
    Ok(principal)
}

fn unauthenticated(message: impl Into<String>, challenge: &'static str) -> Reject {
    Reject {
        www_authenticate: Some(challenge),
        ..Reject::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }
}

/// The status of an executed response whose errors include an auth failure of a resolver:
/// 401 for UNAUTHENTICATED, else 403 for FORBIDDEN (under either media type: like a refused
/// token, it is about the credentials, not the document).
pub(super) fn status_of(errors: &[async_graphql::ServerError]) -> Option<StatusCode> {
    let has = |code| errors.iter().any(|e| ErrorCode::of(e) == Some(code));
    if has(ErrorCode::Unauthenticated) {
        Some(StatusCode::UNAUTHORIZED)
    } else if has(ErrorCode::Forbidden) {
        Some(StatusCode::FORBIDDEN)
    } else {
        None
    }
}

/// The `WWW-Authenticate` challenge a response of `status` carries, if any.
pub(super) fn challenge(status: StatusCode) -> Option<HeaderValue> {
    match status {
        StatusCode::UNAUTHORIZED => Some(HeaderValue::from_static(CHALLENGE)),
        StatusCode::FORBIDDEN => Some(HeaderValue::from_static(INSUFFICIENT_SCOPE)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::super::{AppState, HttpConfig, app};
    use super::status_of;
    use crate::auth::{AuthSettings, Authenticator, Role, api_tokens};
    use crate::graphql::{ErrorCode, SchemaOptions, build_schema, refusal};

    async fn post(state: &AppState, token: Option<&str>, query: &str) -> StatusCode {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = serde_json::json!({ "query": query }).to_string();
        let request = request.body(Body::from(body)).expect("a valid request");
        let response = app(state.clone()).oneshot(request).await.expect("answers");
        response.status()
    }

    /// With every execution slot taken, only a cache hit can answer 200: so each answer
    /// shows whether the cache served it. An entry kept for one caller (anonymous, or a
    /// principal) never answers another.
    #[tokio::test]
    async fn the_response_cache_never_crosses_principals() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("tokens");
        let alice = api_tokens::create(&file, "alice", &[Role::Reader]).expect("token");
        let bob = api_tokens::create(&file, "bob", &[Role::Reader]).expect("token");
        let settings = AuthSettings {
            api_tokens_file: Some(file),
            ..AuthSettings::default()
        };
        let config = HttpConfig {
            auth: Arc::new(Authenticator::load(&settings).expect("loads")),
            max_concurrent_requests: 4,
            ..HttpConfig::default()
        };
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let dataset = crate::dataset::load_dir(&data).unwrap_or_else(|e| panic!("data/: {e}"));
        let graph = Arc::new(crate::graph::KnowledgeGraph::new(dataset));
        let state = AppState::new(build_schema(SchemaOptions::default()), graph, config);
        let (anonymous_query, alice_query) = ("{ stats { entities } }", "{ stats { relations } }");
        // Kept from the second sighting on.
        for _ in 0..2 {
            assert_eq!(post(&state, None, anonymous_query).await, StatusCode::OK);
            assert_eq!(
                post(&state, Some(&alice), alice_query).await,
                StatusCode::OK
            );
        }
        let held = Arc::clone(&state.0.in_flight)
            .try_acquire_many_owned(4)
            .expect("all the slots");
        assert_eq!(post(&state, None, anonymous_query).await, StatusCode::OK);
        assert_eq!(
            post(&state, Some(&alice), alice_query).await,
            StatusCode::OK
        );
        for (token, query) in [
            (Some(&alice), anonymous_query),
            (Some(&bob), anonymous_query),
            (Some(&bob), alice_query),
            (None, alice_query),
        ] {
            let status = post(&state, token.map(String::as_str), query).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{token:?} {query}");
        }
        drop(held);
    }

    #[test]
    fn a_resolvers_auth_error_picks_the_status() {
        let errors = |codes: &[ErrorCode]| {
            codes
                .iter()
                .flat_map(|&c| refusal(c, "x").errors)
                .collect::<Vec<_>>()
        };
        assert_eq!(status_of(&errors(&[])), None);
        assert_eq!(status_of(&errors(&[ErrorCode::NotFound])), None);
        assert_eq!(
            status_of(&errors(&[ErrorCode::NotFound, ErrorCode::Forbidden])),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status_of(&errors(&[ErrorCode::Forbidden, ErrorCode::Unauthenticated])),
            Some(StatusCode::UNAUTHORIZED)
        );
    }
}
