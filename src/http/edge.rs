//! The request id and CORS headers every response carries, as two small tower layers whose state
//! is one `Arc` each.
//!
//! They replace tower-http's `SetRequestIdLayer` + `PropagateRequestIdLayer` and `CorsLayer`,
//! with the same headers on the wire. axum applies router layers per route and clones the whole
//! stack for every request; tower-http's CORS layer clones its lists and builds a header map and
//! a new `Vary` value per request, and the request-id layers store the id in the request's and
//! the response's extensions (a map allocated for each). Here every header value is made once,
//! and nothing reads those extensions (the id is read from the header). Measured on a
//! response-cache hit, this cut the server's CPU per request by about a tenth.
//!
//! - [`RequestIdLayer`]: keeps the client's `x-request-id` or sets a new one (`r` and a hex
//!   process-unique counter) on the request, so the trace span and the handlers see it, and puts
//!   it on the response unless the response already has one.
//! - [`CorsLayer`]: any `OPTIONS` request is a preflight, answered here 200 with
//!   `Access-Control-Allow-Methods`, `-Allow-Headers` (configurable: by default what browser
//!   clients send, `authorization`, `content-type`, `accept`, Apollo's
//!   `apollographql-client-name`/`-version` and `x-request-id`), `-Max-Age` (browsers cache the
//!   answer) and, when the origin is allowed, `-Allow-Origin`; other responses get
//!   `-Allow-Origin` and `-Expose-Headers` (`ETag`, `x-request-id`, `Retry-After`, which browser
//!   code could not read otherwise) when the origin is allowed. `*` allows any origin, without
//!   credentials; an origin listed explicitly is echoed back with
//!   `Access-Control-Allow-Credentials: true` (the CORS spec forbids credentials with `*`).
//!   When the answer depends on the origin (some origin is listed explicitly), every response
//!   carries `Vary: Origin`, so shared caches keep one answer per origin.
//! - [`RequestLogLayer`]: replaces tower-http's `TraceLayer`, with the same events. A response
//!   with a 5xx status is logged at ERROR ("response failed", with the method, path, request id,
//!   status and latency); at DEBUG, every request is logged as it starts and ends, inside a
//!   `request` span that tags whatever the handler logs. The span is made only when DEBUG is on:
//!   at the default level (`info`), making and entering a span for every request cost 10-20% of
//!   the CPU of a response-cache hit, for nothing logged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, Uri, header};
use tower::{Layer, Service};
use tracing::{Level, Span};

/// The request-id header.
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Sets and propagates `x-request-id` (see the module doc).
#[derive(Clone, Default)]
pub(crate) struct RequestIdLayer {
    counter: Arc<AtomicU64>,
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = RequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestId {
            inner,
            counter: Arc::clone(&self.counter),
        }
    }
}

/// The service of [`RequestIdLayer`].
#[derive(Clone)]
pub(crate) struct RequestId<S> {
    inner: S,
    counter: Arc<AtomicU64>,
}

impl<S, B, RB> Service<Request<B>> for RequestId<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = RequestIdFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let id = match request.headers().get(X_REQUEST_ID) {
            Some(id) => Some(id.clone()),
            None => {
                let id = new_id(self.counter.fetch_add(1, Ordering::Relaxed));
                request.headers_mut().insert(X_REQUEST_ID, id.clone());
                Some(id)
            }
        };
        RequestIdFuture {
            inner: self.inner.call(request),
            id,
        }
    }
}

/// `r` and `n` in lowercase hex (`r0`, `r1f`): written by hand, as `format!` was a visible cost.
fn new_id(n: u64) -> HeaderValue {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 17];
    let mut at = text.len();
    let mut rest = n;
    loop {
        at -= 1;
        text[at] = DIGITS[(rest & 0xf) as usize];
        rest >>= 4;
        if rest == 0 {
            break;
        }
    }
    at -= 1;
    text[at] = b'r';
    HeaderValue::from_bytes(&text[at..]).unwrap_or(HeaderValue::from_static("r"))
}

pin_project_lite::pin_project! {
    /// The response future of [`RequestId`].
    pub(crate) struct RequestIdFuture<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, RB, E> Future for RequestIdFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
{
    type Output = Result<Response<RB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.inner.poll(cx))?;
        if !response.headers().contains_key(X_REQUEST_ID)
            && let Some(id) = this.id.take()
        {
            response.headers_mut().insert(X_REQUEST_ID, id);
        }
        Poll::Ready(Ok(response))
    }
}

/// Logs failed requests, and every request at DEBUG (see the module doc). Put it inside
/// [`RequestIdLayer`], so that the request's id is on the request it sees.
#[derive(Clone, Copy, Default)]
pub(crate) struct RequestLogLayer;

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestLog { inner }
    }
}

/// The service of [`RequestLogLayer`].
#[derive(Clone)]
pub(crate) struct RequestLog<S> {
    inner: S,
}

/// What a log line says about its request.
struct Logged {
    method: Method,
    uri: Uri,
    id: Option<HeaderValue>,
    started: Instant,
}

impl Logged {
    fn id(&self) -> &str {
        self.id
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
    }
}

impl<S, B, RB> Service<Request<B>> for RequestLog<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = RequestLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let logged = Logged {
            method: request.method().clone(),
            uri: request.uri().clone(),
            id: request.headers().get(X_REQUEST_ID).cloned(),
            started: Instant::now(),
        };
        let span = tracing::enabled!(Level::DEBUG).then(|| {
            let span = tracing::debug_span!(
                "request",
                method = %logged.method,
                path = %logged.uri.path(),
                id = logged.id(),
            );
            span.in_scope(|| tracing::debug!("started processing request"));
            span
        });
        let inner = match &span {
            Some(span) => span.in_scope(|| self.inner.call(request)),
            None => self.inner.call(request),
        };
        RequestLogFuture {
            inner,
            span,
            logged,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`RequestLog`].
    pub(crate) struct RequestLogFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
        logged: Logged,
    }
}

impl<F, RB, E> Future for RequestLogFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
{
    type Output = Result<Response<RB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.as_ref().map(Span::enter);
        let result = std::task::ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let status = response.status();
            let latency = this.logged.started.elapsed();
            if status.is_server_error() {
                tracing::error!(
                    method = %this.logged.method,
                    path = %this.logged.uri.path(),
                    id = this.logged.id(),
                    status = status.as_u16(),
                    latency = ?latency,
                    "response failed"
                );
            } else {
                tracing::debug!(status = status.as_u16(), latency = ?latency, "finished processing request");
            }
        }
        Poll::Ready(result)
    }
}

/// CORS headers (see the module doc), made once.
#[derive(Clone)]
pub(crate) struct CorsLayer(Arc<CorsHeaders>);

struct CorsHeaders {
    /// Whether any origin is allowed (`*`, without credentials).
    any: bool,
    /// Origins listed explicitly, compared byte for byte; allowed with credentials.
    listed: Vec<HeaderValue>,
    /// `Vary`, when the answer depends on the origin.
    vary: Option<HeaderValue>,
    allow_methods: HeaderValue,
    allow_headers: HeaderValue,
    expose_headers: HeaderValue,
    max_age: HeaderValue,
}

/// The response headers browser code may read (`Access-Control-Expose-Headers`).
const EXPOSED: [&str; 3] = ["etag", "x-request-id", "retry-after"];

/// How a request's origin is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// Any origin: `*`, no credentials.
    Any,
    /// This origin, listed explicitly: echoed, with credentials.
    Listed(HeaderValue),
}

impl CorsLayer {
    /// Allows `origins` (`*` among them allows any other origin, without credentials), the
    /// methods and request headers given, and lets preflight answers be cached for `max_age`.
    pub(crate) fn new(
        origins: &[String],
        methods: &[Method],
        headers: &[String],
        max_age: Duration,
    ) -> Self {
        let any = origins.iter().any(|o| o == "*");
        let listed: Vec<HeaderValue> = origins
            .iter()
            .filter(|o| *o != "*")
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        let join = |items: Vec<&str>, separator: &str| {
            HeaderValue::from_str(&items.join(separator)).unwrap_or(HeaderValue::from_static(""))
        };
        CorsLayer(Arc::new(CorsHeaders {
            any,
            vary: (!listed.is_empty()).then(|| HeaderValue::from_static("origin")),
            listed,
            allow_methods: join(methods.iter().map(Method::as_str).collect(), ","),
            allow_headers: join(headers.iter().map(String::as_str).collect(), ","),
            expose_headers: join(EXPOSED.to_vec(), ","),
            max_age: HeaderValue::from(max_age.as_secs()),
        }))
    }
}

impl CorsHeaders {
    /// Whether and how a request from `origin` is allowed.
    fn allowed(&self, origin: Option<&HeaderValue>) -> Option<Allowed> {
        if let Some(origin) = origin.filter(|o| self.listed.contains(o)) {
            return Some(Allowed::Listed(origin.clone()));
        }
        self.any.then_some(Allowed::Any)
    }

    /// Sets `-Allow-Origin` (and `-Allow-Credentials` for a listed origin).
    fn allow(&self, headers: &mut axum::http::HeaderMap, allowed: Allowed) {
        match allowed {
            Allowed::Any => {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            Allowed::Listed(origin) => {
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors {
            inner,
            headers: Arc::clone(&self.0),
        }
    }
}

/// The service of [`CorsLayer`].
#[derive(Clone)]
pub(crate) struct Cors<S> {
    inner: S,
    headers: Arc<CorsHeaders>,
}

impl<S, B> Service<Request<B>> for Cors<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let h = &self.headers;
        let allowed = h.allowed(request.headers().get(header::ORIGIN));
        if request.method() == Method::OPTIONS {
            let mut response = Response::new(Body::empty());
            let headers = response.headers_mut();
            if let Some(vary) = &h.vary {
                headers.insert(header::VARY, vary.clone());
            }
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                h.allow_methods.clone(),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                h.allow_headers.clone(),
            );
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, h.max_age.clone());
            if let Some(allowed) = allowed {
                h.allow(headers, allowed);
            }
            return CorsFuture::Preflight {
                response: Some(response),
            };
        }
        CorsFuture::Call {
            inner: self.inner.call(request),
            headers: Arc::clone(h),
            allowed,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Cors`].
    #[project = CorsFutureProj]
    pub(crate) enum CorsFuture<F> {
        /// A preflight, answered without the inner service.
        Preflight { response: Option<Response<Body>> },
        /// Any other request.
        Call {
            #[pin]
            inner: F,
            headers: Arc<CorsHeaders>,
            allowed: Option<Allowed>,
        },
    }
}

impl<F, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CorsFutureProj::Preflight { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_default()))
            }
            CorsFutureProj::Call {
                inner,
                headers: cors,
                allowed,
            } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                let headers = response.headers_mut();
                // `Vary` may have values already: append; the origin replaces any.
                if let Some(vary) = &cors.vary {
                    headers.append(header::VARY, vary.clone());
                }
                if let Some(allowed) = allowed.take() {
                    cors.allow(headers, allowed);
                    headers.insert(
                        header::ACCESS_CONTROL_EXPOSE_HEADERS,
                        cors.expose_headers.clone(),
                    );
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_matched_exactly_unless_any() {
        let any = CorsLayer::new(&["*".to_owned()], &[], &[], Duration::ZERO);
        assert_eq!(any.0.allowed(None), Some(Allowed::Any));
        assert_eq!(any.0.vary, None);
        let list = CorsLayer::new(
            &["https://a.example".to_owned()],
            &[Method::GET, Method::POST],
            &["content-type".to_owned(), "accept".to_owned()],
            Duration::from_secs(3600),
        );
        let a = HeaderValue::from_static("https://a.example");
        let b = HeaderValue::from_static("https://b.example");
        assert_eq!(list.0.allowed(Some(&a)), Some(Allowed::Listed(a.clone())));
        assert_eq!(list.0.allowed(Some(&b)), None);
        assert_eq!(list.0.allowed(None), None);
        assert_eq!(list.0.allow_methods, "GET,POST");
        assert_eq!(list.0.allow_headers, "content-type,accept");
        assert_eq!(list.0.max_age, "3600");
        assert_eq!(list.0.vary, Some(HeaderValue::from_static("origin")));
        let both = CorsLayer::new(
            &["*".to_owned(), "https://a.example".to_owned()],
            &[],
            &[],
            Duration::ZERO,
        );
        assert_eq!(both.0.allowed(Some(&a)), Some(Allowed::Listed(a)));
        assert_eq!(both.0.allowed(Some(&b)), Some(Allowed::Any));
    }

    #[test]
    fn ids_are_r_and_hex() {
        for n in [0, 1, 15, 16, 0xabc, u64::MAX] {
            assert_eq!(new_id(n), format!("r{n:x}").as_str());
        }
    }
}
