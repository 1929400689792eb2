//! One GraphQL-over-HTTP request as it arrives: the response media type chosen from `Accept`,
//! the parameters read from a JSON body or a query string, and the refusals answered before
//! any GraphQL work (as GraphQL error documents with a `code`).
//!
//! Architecture invariant: no GraphQL execution and no state here; only the request's shape.

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use async_graphql::Pos;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;

use super::Limit;
use super::cache::PersistedQueryError;
use crate::graphql::{ErrorCode, Refusal};

/// The media type of the response, chosen from `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    GraphqlResponse,
    Json,
}

impl MediaType {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }

    /// The `Content-Type` value (static: no copy).
    pub(super) fn header(self) -> HeaderValue {
        HeaderValue::from_static(self.as_str())
    }
}

/// Picks the response media type by `Accept`, preferring graphql-response+json when both are
/// acceptable; `None` when neither is.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
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
pub(super) struct Params {
    pub(super) query: Option<String>,
    #[serde(rename = "operationName")]
    pub(super) operation_name: Option<String>,
    pub(super) variables: Option<serde_json::Value>,
    #[serde(default)]
    pub(super) extensions: Option<serde_json::Value>,
}

/// A rejection before execution, answered as a GraphQL error document.
pub(super) struct Reject {
    pub(super) status: StatusCode,
    pub(super) code: ErrorCode,
    pub(super) message: String,
    pub(super) allow: Option<&'static str>,
    /// The `WWW-Authenticate` challenge of a 401 or 403 (see `authn`).
    pub(super) www_authenticate: Option<&'static str>,
    /// The limit it counts against in metrics, if any.
    pub(super) limit: Option<Limit>,
}

impl Reject {
    pub(super) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Reject {
            status,
            code,
            message: message.into(),
            allow: None,
            www_authenticate: None,
            limit: None,
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Reject::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub(super) fn refused(refusal: &Refusal) -> Self {
        Reject {
            limit: refusal.limit().map(Limit::Admission),
            ..Reject::new(StatusCode::BAD_REQUEST, refusal.code(), refusal.to_string())
        }
    }

    pub(super) fn into_response(self, media: MediaType) -> Response {
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code.as_str() } }]
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
        if let Some(challenge) = self.www_authenticate {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Reads a request body of at most `max` bytes. A body announced longer (`Content-Length`) is
/// refused without being kept (read and dropped first when it is small enough, see
/// [`DRAIN_MAX_BYTES`]); one that grows past `max` is refused when it does. The
/// client has `timeout` to send it, timed only when the body is not all there already (as it
/// usually is: a timer for every request was a visible cost).
pub(super) async fn read_body(
    body: Body,
    headers: &HeaderMap,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, Reject> {
    let too_large = || Reject {
        limit: Some(Limit::BodyBytes),
        ..Reject::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::LimitExceeded,
            format!("the request body is larger than the limit of {max} bytes"),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(announced) = announced.filter(|&n| n > max as u64) {
        if announced <= DRAIN_MAX_BYTES {
            drain(body, timeout.min(DRAIN_MAX_TIME)).await;
        }
        return Err(too_large());
    }
    let mut collect = std::pin::pin!(Limited::new(body, max).collect());
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => tokio::time::timeout(timeout, collect)
            .await
            .map_err(|_| Reject {
                limit: Some(Limit::BodyRead),
                ..Reject::new(
                    StatusCode::REQUEST_TIMEOUT,
                    ErrorCode::RequestTimeout,
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

/// Most bytes of a body refused by its `Content-Length` that are read and dropped before the
/// 413 is sent. A server that answers without reading what the client is still sending closes a
/// connection with unread data, which the kernel turns into a reset: the client may then see the
/// reset instead of the 413 (Node's fetch reported "fetch failed"). Reading a bounded amount
/// lets an ordinary oversized request get its answer, and keeps the connection for the next
/// request; a larger one is closed at once, as before.
const DRAIN_MAX_BYTES: u64 = 1 << 20;

/// Longest time spent reading and dropping a refused body (see [`DRAIN_MAX_BYTES`]).
const DRAIN_MAX_TIME: Duration = Duration::from_secs(2);

/// Reads `body` to its end and drops it, for at most `time`.
async fn drain(body: Body, time: Duration) {
    let mut body = std::pin::pin!(body);
    let _ = tokio::time::timeout(time, async {
        while let Some(Ok(_)) = body.frame().await {}
    })
    .await;
}

pub(super) fn persisted_query_reject(e: PersistedQueryError) -> Reject {
    match e {
        PersistedQueryError::NotFound => Reject::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::PersistedQueryNotFound,
            "PersistedQueryNotFound: send the query text with its sha256Hash once",
        ),
        PersistedQueryError::HashMismatch => {
            Reject::bad_request("persistedQuery.sha256Hash is not the SHA-256 of the query")
        }
        PersistedQueryError::Malformed(why) => Reject::bad_request(why),
    }
}

pub(super) fn post_params(headers: &HeaderMap, body: &[u8]) -> Result<Params, Reject> {
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
            limit: Some(Limit::MediaType),
            ..Reject::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
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

pub(super) fn not_acceptable() -> Response {
    (
        StatusCode::NOT_ACCEPTABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Accept must allow application/graphql-response+json or application/json\n",
    )
        .into_response()
}

/// Reads GET parameters; `variables` and `extensions` are JSON-encoded strings.
pub(super) fn get_params(query: &str) -> Result<Params, Reject> {
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

/// A document that does not parse: 400 under graphql-response+json, 200 under application/json.
pub(super) fn parse_failure(
    message: &str,
    locations: &[Pos],
    media: MediaType,
) -> (StatusCode, Bytes) {
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
        "extensions": { "code": ErrorCode::GraphqlParseFailed.as_str() },
    }]});
    (status, Bytes::from(body.to_string()))
}
