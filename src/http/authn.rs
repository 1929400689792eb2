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
                Err(e) => return Err(unauthenticated(e.to_string(), INVALID_TOKEN)),
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
