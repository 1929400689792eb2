//! Subscriptions over WebSocket: `GET /graphql` with `Upgrade: websocket` and the subprotocol
//! `graphql-transport-ws` (the legacy `graphql-ws` of subscriptions-transport-ws is refused).
//!
//! async-graphql-axum's `GraphQLWebSocket` runs the protocol (async-graphql's `WebSocket`
//! state machine); this module adds what it lacks:
//! - admission: every `subscribe` goes through [`ReeSchema::subscribe`], the same document,
//!   depth and cost limits as HTTP (on the blocking pool), and anything but a subscription is
//!   refused there (queries belong to HTTP, with its cache, lanes and deadline);
//! - a `connection_init` deadline (`ws_init_timeout`; else close 4408, as the protocol says);
//! - at most `ws_max_subscriptions` subscriptions per connection (beyond: that subscribe gets
//!   one LIMIT_EXCEEDED error and `complete`), at most `ws_max_connections` WebSockets (beyond:
//!   the upgrade is answered 503 + `Retry-After`), each also holding its HTTP connection's slot
//!   (`serve::ConnectionHold`: counted against the connection cap, never evicted as idle);
//! - messages no larger than `max_body_bytes`; a peer that does not take a message within
//!   [`SEND_TIMEOUT`] is disconnected; at shutdown, close 1001;
//! - with `--cors-origins` other than `*`, a browser's `Origin` must be one of them (403).
//!
//! Auth: `connection_init`'s payload is read by [`connection_init`]: a bearer token in
//! `Authorization` (or `authorization`, or `token`; graphql-ws clients send their
//! `connectionParams` here) is verified as over HTTP, and the principal goes into the
//! connection's data, where every subscription's resolvers see it. A token that does not
//! verify, or no reader when `--reads-need-role` is set, closes the socket with 4403
//! Forbidden, as the protocol says (async-graphql would close with 1002).
//!
//! A subscriber that reads too slowly falls behind the change feed's bounded channel and is
//! dropped (see `graphql::subscription`); the connection's own buffer is one message.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::{Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, StreamExt};
use futures_util::{SinkExt, future};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use super::serve::ConnectionHold;
use super::{AppState, HttpConfig};
use crate::auth::{AuthError, Principal, Role};
use crate::graphql::{ChangeFeed, ErrorCode, ReeSchema, refusal, with_changes};

/// The one subprotocol served.
pub(super) const PROTOCOL: &str = "graphql-transport-ws";

/// How long one message may wait for the peer to take it before the connection is dropped.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a request asks to become a WebSocket.
pub(super) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
}

/// Answers an upgrade request: 400 without the subprotocol, 403 for an origin not allowed, 503
/// at the WebSocket cap, else 101 and the connection served by [`connection`].
pub(super) async fn upgrade(state: AppState, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let config = Arc::clone(&state.0.config);
    let offered = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !offered
        .split(',')
        .any(|p| p.trim().eq_ignore_ascii_case(PROTOCOL))
    {
        return plain(
            StatusCode::BAD_REQUEST,
            "subscriptions need the WebSocket subprotocol graphql-transport-ws \
             (Sec-WebSocket-Protocol)\n",
        );
    }
    if !origin_allowed(&config.cors_origins, &parts.headers) {
        return plain(
            StatusCode::FORBIDDEN,
            "this origin may not open a WebSocket here\n",
        );
    }
    // The extractor takes the first protocol it knows in the client's order: leave it only ours.
    parts.headers.insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(PROTOCOL),
    );
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(permit) = Arc::clone(&state.0.websockets).try_acquire_owned() else {
        tracing::warn!(
            max = config.ws_max_connections,
            "WebSocket limit reached; answering 503"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [
                (header::RETRY_AFTER, "1"),
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            ],
            "the server is at its WebSocket limit\n",
        )
            .into_response();
    };
    let hold = parts.extensions.remove::<ConnectionHold>();
    if let Some(hold) = &hold {
        hold.upgrade();
    }
    let max_message = config.max_body_bytes;
    upgrade
        .protocols([PROTOCOL])
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .on_upgrade(move |socket| connection(socket, state, protocol, permit, hold))
        .into_response()
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// A WebSocket from a browser page of another origin is refused unless CORS allows the origin
/// (`*` allows any). Clients that are not browsers send no `Origin`.
fn origin_allowed(allowed: &[String], headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    allowed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
}

/// The auth hook: reads `connection_init`'s payload and returns the connection's data, with
/// the verified principal if the payload carries credentials. An error refuses the connection
/// (closed 4403 by [`connection`]); its message never holds the token.
fn connection_init(payload: &serde_json::Value, config: &HttpConfig) -> Result<Data, String> {
    let principal = credentials(payload)
        .map(|c| {
            match c {
                Credentials::Bearer(text) => config.auth.verify_bearer(text),
                Credentials::Token(token) => config.auth.verify(token),
                Credentials::NotText => Err(AuthError::NotBearer),
            }
            .map_err(|e| e.to_string())
        })
        .transpose()?;
    if config.reads_need_role {
        match &principal {
            None => {
                return Err(
                    "reads on this server need a bearer token with the reader role \
                            (connection_init payload: {\"Authorization\": \"Bearer ...\"})"
                        .to_owned(),
                );
            }
            Some(p) if !p.has(Role::Reader) => {
                return Err(format!(
                    "`{}` does not hold the reader role reads need here",
                    p.subject
                ));
            }
            Some(_) => {}
        }
    }
    let mut data = Data::default();
    if let Some(principal) = principal {
        data.insert::<Principal>(principal);
    }
    Ok(data)
}

/// The credentials a `connection_init` payload carries.
enum Credentials<'a> {
    /// `Bearer <token>`, as in an `Authorization` header.
    Bearer(&'a str),
    /// A bare token (`token`), or `Bearer <token>` there too.
    Token(&'a str),
    /// A credentials field that is not a string.
    NotText,
}

/// `Authorization` / `authorization` (also inside `headers`, as some clients nest them), else
/// `token`; `None` when the payload has none.
fn credentials(payload: &serde_json::Value) -> Option<Credentials<'_>> {
    fn field(object: &serde_json::Value) -> Option<&serde_json::Value> {
        object
            .get("Authorization")
            .or_else(|| object.get("authorization"))
    }
    if let Some(value) = field(payload).or_else(|| payload.get("headers").and_then(field)) {
        return Some(
            value
                .as_str()
                .map_or(Credentials::NotText, Credentials::Bearer),
        );
    }
    let token = payload.get("token")?;
    Some(match token.as_str() {
        None => Credentials::NotText,
        Some(t)
            if t.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer ")) =>
        {
            Credentials::Bearer(t)
        }
        Some(t) => Credentials::Token(t),
    })
}

/// The close frame of a refused `connection_init`: async-graphql closes with 1002 and the
/// error's message; graphql-transport-ws says 4403 Forbidden. The message stays (cut to the
/// 123 bytes a close reason may hold).
fn forbidden(message: Message) -> Message {
    match message {
        Message::Close(Some(frame)) if frame.code == 1002 => {
            let mut reason = frame.reason.to_string();
            let mut end = reason.len().min(123);
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
            Message::Close(Some(CloseFrame {
                code: 4403,
                reason: reason.into(),
            }))
        }
        other => other,
    }
}

/// Serves one WebSocket until either side closes it, the init deadline passes, the peer stops
/// reading, or the server shuts down. `_permit` and `hold` are its places under the caps.
async fn connection(
    socket: WebSocket,
    state: AppState,
    protocol: GraphQLProtocol,
    _permit: OwnedSemaphorePermit,
    mut hold: Option<ConnectionHold>,
) {
    let config = Arc::clone(&state.0.config);
    let executor = Subscriptions {
        schema: state.0.schema.clone(),
        changes: Arc::clone(&state.0.changes),
        open: Arc::default(),
        max: config.ws_max_subscriptions,
    };
    let (mut socket_out, socket_in) = socket.split();
    // The protocol writes into a channel of one message, which this task writes out: so the
    // connection can also be closed from here (init deadline, shutdown), and holds one message.
    let (sender, mut outgoing) = mpsc::channel::<Message>(1);
    let sink = futures_util::sink::unfold(sender, |sender, message: Message| async move {
        sender.send(message).await.map(|()| sender)
    });
    let initialized = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicBool::new(false));
    let (seen, refuse, init_config) = (
        Arc::clone(&initialized),
        Arc::clone(&refused),
        Arc::clone(&config),
    );
    let serve = GraphQLWebSocket::new_with_pair(sink, socket_in, executor, protocol)
        .on_connection_init(move |payload| {
            seen.store(true, Ordering::Release);
            let data = connection_init(&payload, &init_config).map_err(|message| {
                refuse.store(true, Ordering::Release);
                async_graphql::Error::new(message)
            });
            future::ready(data)
        })
        .serve();
    let mut serve = std::pin::pin!(serve);
    let mut serving = true;
    let deadline = tokio::time::sleep(config.ws_init_timeout);
    let mut deadline = std::pin::pin!(deadline);
    let stopped = async {
        match hold.as_mut() {
            Some(hold) => hold.stopped().await,
            None => future::pending().await,
        }
    };
    let mut stopped = std::pin::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut serve, if serving => serving = false,
            message = outgoing.recv() => {
                let Some(mut message) = message else { break };
                if refused.load(Ordering::Acquire) {
                    message = forbidden(message);
                }
                match tokio::time::timeout(SEND_TIMEOUT, socket_out.send(message)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        tracing::info!("WebSocket peer stopped reading; disconnecting it");
                        break;
                    }
                }
            }
            () = &mut deadline, if !initialized.load(Ordering::Acquire) => {
                close(&mut socket_out, 4408, "Connection initialisation timeout").await;
                break;
            }
            () = &mut stopped => {
                close(&mut socket_out, 1001, "the server is shutting down").await;
                break;
            }
        }
    }
}

async fn close(
    socket: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    code: u16,
    reason: &'static str,
) {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }));
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(frame)).await;
}

/// One connection's executor: counts its subscriptions and runs each through the schema's
/// admission ([`ReeSchema::subscribe`]) on the blocking pool.
#[derive(Clone)]
struct Subscriptions {
    schema: ReeSchema,
    changes: Arc<ChangeFeed>,
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One open subscription of a connection; gives its place back when its stream is dropped.
struct OpenSubscription(Arc<AtomicUsize>);

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Executor for Subscriptions {
    /// Not used over WebSocket (every operation comes through `execute_stream`); refuses.
    async fn execute(&self, _request: async_graphql::Request) -> async_graphql::Response {
        refusal(
            ErrorCode::BadRequest,
            "only subscriptions are run over a WebSocket".to_owned(),
        )
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            let message = format!(
                "this connection has {} subscriptions open, its maximum; complete one first",
                self.max
            );
            return stream::once(future::ready(refusal(ErrorCode::LimitExceeded, message))).boxed();
        }
        let open = OpenSubscription(Arc::clone(&self.open));
        let schema = self.schema.clone();
        let request = with_changes(request, Arc::clone(&self.changes));
        let session = session.unwrap_or_default();
        // Admission parses and costs the document: CPU work, kept off the async workers.
        let admitted = tokio::task::spawn_blocking(move || schema.subscribe(request, session));
        stream::once(async move {
            match admitted.await {
                Ok(responses) => responses,
                Err(_) => stream::once(future::ready(refusal(
                    ErrorCode::Internal,
                    "the subscription could not be started".to_owned(),
                )))
                .boxed(),
            }
        })
        .flatten()
        .map(move |response| {
            let _ = &open;
            response
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_graphql::{Context, EmptyMutation, Object, Schema, Subscription};
    use futures_util::future;
    use futures_util::stream::{self, Stream, StreamExt};
    use serde_json::json;

    use super::super::HttpConfig;
    use super::connection_init;
    use crate::auth::{AuthSettings, Authenticator, Role, api_tokens};

    struct Q;
    #[Object]
    impl Q {
        async fn ok(&self) -> bool {
            true
        }
    }

    struct S;
    #[Subscription]
    impl S {
        /// The subject of the connection's principal, once; UNAUTHENTICATED without one.
        async fn me(
            &self,
            ctx: &Context<'_>,
        ) -> async_graphql::Result<impl Stream<Item = String> + use<>> {
            let principal = crate::graphql::require_role(ctx, Role::Reader)?;
            Ok(stream::once(future::ready(principal.subject.to_string())))
        }
    }

    /// The principal `connection_init` verified is in the connection's data, where a
    /// subscription's resolvers find it (as `ReeSchema::subscribe` passes it on).
    #[tokio::test]
    async fn the_principal_of_connection_init_reaches_subscription_resolvers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("tokens");
        let token = api_tokens::create(&file, "viewer", &[Role::Reader]).expect("token");
        let settings = AuthSettings {
            api_tokens_file: Some(file),
            ..AuthSettings::default()
        };
        let config = HttpConfig {
            auth: Arc::new(Authenticator::load(&settings).expect("loads")),
            ..HttpConfig::default()
        };
        let schema = Schema::new(Q, EmptyMutation, S);
        let first = |payload: serde_json::Value| {
            let data = connection_init(&payload, &config).expect("accepted");
            let schema = schema.clone();
            async move {
                let response = schema
                    .execute_stream_with_session_data("subscription { me }", Arc::new(data))
                    .next()
                    .await
                    .expect("one response");
                serde_json::to_value(response).expect("JSON")
            }
        };
        let named = first(json!({"Authorization": format!("Bearer {token}")})).await;
        assert_eq!(named["data"], json!({"me": "viewer"}), "{named}");
        let anonymous = first(json!({})).await;
        assert_eq!(
            anonymous["errors"][0]["extensions"]["code"],
            json!("UNAUTHENTICATED"),
            "{anonymous}"
        );
    }
}
