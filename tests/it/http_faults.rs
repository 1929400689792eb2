//! HTTP under faults (issue 12): each test reproduces one found failure over the router or a
//! real socket on 127.0.0.1 — half-closed clients, connections beyond the cap, a concurrency
//! cap that never bound, the schema published with introspection off, and an empty
//! `operationName` sharing a cache entry with an absent one. No timed assertions.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reegraph::http::{AppState, ConnectionLimits, HttpConfig, app, serve};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::common::{real_graph, schema};
use crate::http::send_via;

/// A heavy but legal traversal (tens of milliseconds): long enough that requests overlap.
const HEAVY: &str = r#"{ related(to: "application:defense-grade-magnets", kinds: [STANDARD, MINERAL], maxHops: 3, first: 50) { distance path { hops { relation { citations { quote source { id } } } } } } }"#;

/// Serves `config` with `limits` on an ephemeral 127.0.0.1 port until the returned sender
/// fires.
async fn start(
    config: HttpConfig,
    limits: ConnectionLimits,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app(AppState::new(schema(), real_graph(), config));
    tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// Reads until the peer closes, bounded so a hung server fails the test rather than blocking.
async fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    bounded(stream.read_to_end(&mut out)).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the server answers or closes within 30 s")
}

fn raw_post(body: &str) -> Vec<u8> {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_client_that_half_closes_after_sending_gets_its_answer() {
    let (address, _stop) = start(HttpConfig::default(), ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(address).await.expect("connect");
    // Heavy enough that the server sees the half-close while the request is still running.
    let body = json!({ "query": HEAVY }).to_string();
    stream.write_all(&raw_post(&body)).await.expect("write");
    stream.shutdown().await.expect("half-close");
    let response = read_all(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response:?}");
    assert!(response.contains("related"), "{response}");
}

/// A router for connection tests: `GET /ok` answers at once; `GET /hold` reports on `entered`
/// that it is running, then waits for a permit of `release`.
fn holding_router(
    release: std::sync::Arc<tokio::sync::Semaphore>,
) -> (axum::Router, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let (entered, entries) = tokio::sync::mpsc::unbounded_channel();
    let hold = move || {
        let release = std::sync::Arc::clone(&release);
        let entered = entered.clone();
        async move {
            let _ = entered.send(());
            let _permit = release.acquire().await;
            "held"
        }
    };
    let router = axum::Router::new()
        .route("/ok", axum::routing::get(|| async { "ok" }))
        .route("/hold", axum::routing::get(hold));
    (router, entries)
}

/// Serves `router` with at most `max_connections` connections on an ephemeral port.
async fn start_router(
    router: axum::Router,
    max_connections: usize,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = ConnectionLimits {
        max_connections,
        ..ConnectionLimits::default()
    };
    tokio::spawn(serve(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// Sends `GET path` on a kept-alive connection and reads exactly one response (head and a
/// `Content-Length` body), leaving the connection open.
async fn get_keep_alive(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    read_response(stream).await
}

/// Reads exactly one response from `stream`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0_u8; 1024];
    loop {
        let n = bounded(stream.read(&mut buf)).await.expect("read");
        assert!(
            n > 0,
            "closed before a whole response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .expect("a content-length");
            if got.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

/// Whether the server closed `stream` (EOF, or a reset), waiting at most the bounded time.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0_u8; 64];
    !matches!(bounded(stream.read(&mut buf)).await, Ok(n) if n > 0)
}

/// At the cap, a new connection is served in place of the connection idle the longest, which
/// is closed: it used to be answered 503 while idle kept-alive connections held every slot.
#[tokio::test]
async fn at_the_cap_the_oldest_idle_connection_makes_room() {
    let (router, _entries) = holding_router(std::sync::Arc::new(tokio::sync::Semaphore::new(0)));
    let (address, _stop) = start_router(router, 2).await;
    let mut a = TcpStream::connect(address).await.expect("connect");
    assert!(
        get_keep_alive(&mut a, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    let mut b = TcpStream::connect(address).await.expect("connect");
    assert!(
        get_keep_alive(&mut b, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Both idle, `a` the longest: a third connection is served and `a` is closed.
    let mut c = TcpStream::connect(address).await.expect("connect");
    let answer = get_keep_alive(&mut c, "/ok").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        closed_by_server(&mut a).await,
        "the oldest idle connection is closed"
    );
    // `b` is still served; now `c` is idle the longest, and a fourth connection takes its slot.
    assert!(
        get_keep_alive(&mut b, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    let mut d = TcpStream::connect(address).await.expect("connect");
    assert!(
        get_keep_alive(&mut d, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        closed_by_server(&mut c).await,
        "then the next oldest idle one"
    );
    assert!(
        get_keep_alive(&mut b, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
}

/// With every connection busy (a request in it), a connection beyond the cap is answered 503
/// with `Retry-After` and closed, not reset; the busy ones are not disturbed. An idle
/// connection beside a busy one is the one closed.
#[tokio::test]
async fn at_the_cap_with_none_idle_a_new_connection_gets_503() {
    let release = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let (router, mut entries) = holding_router(std::sync::Arc::clone(&release));
    let (address, _stop) = start_router(router, 2).await;
    let held = "GET /hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let mut a = TcpStream::connect(address).await.expect("connect");
    a.write_all(held.as_bytes()).await.expect("write");
    bounded(entries.recv()).await.expect("a is in its request");
    let mut b = TcpStream::connect(address).await.expect("connect");
    b.write_all(held.as_bytes()).await.expect("write");
    bounded(entries.recv()).await.expect("b is in its request");

    let mut c = TcpStream::connect(address).await.expect("connect");
    let _ = c
        .write_all(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let response = read_all(&mut c).await;
    assert!(response.starts_with("HTTP/1.1 503"), "{response:?}");
    assert!(
        response.to_ascii_lowercase().contains("retry-after: 1"),
        "{response}"
    );

    // The semaphore is fair: `a`, first to wait, finishes and goes idle; `b` is still busy. A
    // new connection takes `a`'s slot.
    release.add_permits(1);
    let answer = read_response(&mut a).await;
    assert!(answer.ends_with("held"), "{answer}");
    let mut d = TcpStream::connect(address).await.expect("connect");
    assert!(
        get_keep_alive(&mut d, "/ok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(closed_by_server(&mut a).await, "the idle one made room");
    release.add_permits(1);
    let answer = read_response(&mut b).await;
    assert!(
        answer.ends_with("held"),
        "the busy one is answered: {answer}"
    );
}

/// Execution used to run inline on the async workers, so no more requests than workers ever
/// held a permit at once: with cap 1 and one worker, 20 simultaneous heavy requests all
/// returned 200. Executed on the blocking pool, the permit is held while the work runs and the
/// requests beyond the cap are shed with 503 + Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_concurrency_cap_sheds_simultaneous_heavy_requests() {
    let config = HttpConfig {
        max_concurrent_requests: 1,
        response_cache_bytes: 0,
        ..HttpConfig::default()
    };
    let router = app(AppState::new(schema(), real_graph(), config));
    let body = json!({ "query": HEAVY }).to_string();
    let requests: Vec<_> = (0..20)
        .map(|_| {
            let router = router.clone();
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .expect("request");
            tokio::spawn(async move { router.oneshot(request).await.expect("router") })
        })
        .collect();
    let (mut ok, mut shed) = (0, 0);
    for request in requests {
        let response = bounded(request).await.expect("task");
        match response.status() {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(
                    response
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok()),
                    Some("1")
                );
                shed += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(ok >= 1, "{ok} answered, {shed} shed");
    assert!(shed >= 1, "{ok} answered, {shed} shed: the cap never bound");
}

#[tokio::test]
async fn no_introspection_hides_the_published_schema() {
    let config = HttpConfig {
        graphiql: false,
        publish_schema: false,
        ..HttpConfig::default()
    };
    let router = app(AppState::new(schema(), real_graph(), config));
    let response = router
        .oneshot(
            Request::get("/schema.graphql")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("router");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert!(!String::from_utf8_lossy(&body).contains("type Query"));
}

/// `operationName: ""` names no operation (async-graphql refuses it); an absent name runs the
/// only one. They used to share a cache key, so the empty name was answered with cached data.
#[tokio::test]
async fn an_empty_operation_name_never_shares_a_cached_answer() {
    let router = app(AppState::new(schema(), real_graph(), HttpConfig::default()));
    let ask = |body: String| {
        let router = router.clone();
        async move {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            send_via(router, request).await.body
        }
    };
    let query = "{ stats { entities } }";
    let fresh_empty = ask(json!({ "query": query, "operationName": "" }).to_string()).await;
    // Absent name three times: admitted on the second sighting, cached after.
    for _ in 0..3 {
        let absent = ask(json!({ "query": query }).to_string()).await;
        assert!(absent.contains("\"data\""), "{absent}");
    }
    let empty = ask(json!({ "query": query, "operationName": "" }).to_string()).await;
    assert!(fresh_empty.contains("\"errors\""), "{fresh_empty}");
    assert_eq!(empty, fresh_empty);
}

/// Requests fully written before shutdown are answered: shutdown used to close every
/// connection hyper had not read from yet (and the accept backlog), dropping them unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_answers_requests_already_received() {
    let (address, stop) = start(HttpConfig::default(), ConnectionLimits::default()).await;
    let body = json!({ "query": "{ stats { entities } }" }).to_string();
    let mut streams = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        stream.write_all(&raw_post(&body)).await.expect("write");
        streams.push(stream);
    }
    stop.send(()).expect("server running");
    let mut unanswered = 0;
    for mut stream in streams {
        let mut response = Vec::new();
        // A reset counts as unanswered, like a close without a response.
        let _ = bounded(stream.read_to_end(&mut response)).await;
        if !response.starts_with(b"HTTP/1.1 200") {
            unanswered += 1;
        }
    }
    assert_eq!(unanswered, 0, "{unanswered} of 50 requests were dropped");
}

async fn status_of(config: HttpConfig, path: &str, host: &str) -> StatusCode {
    let router = app(AppState::new(schema(), real_graph(), config));
    router
        .oneshot(
            Request::get(path)
                .header(header::HOST, host)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("router")
        .status()
}

/// DNS rebinding: a page on attacker.example resolved to this server still sends its own name
/// in `Host`. With `--allowed-hosts`, such requests are refused 421 before any route.
#[tokio::test]
async fn allowed_hosts_refuse_other_host_names() {
    let config = || HttpConfig {
        allowed_hosts: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
        ..HttpConfig::default()
    };
    assert_eq!(
        status_of(config(), "/healthz", "attacker.example:8080").await,
        StatusCode::MISDIRECTED_REQUEST
    );
    assert_eq!(
        status_of(config(), "/schema.graphql", "attacker.example").await,
        StatusCode::MISDIRECTED_REQUEST
    );
    assert_eq!(
        status_of(config(), "/healthz", "localhost:8080").await,
        StatusCode::OK
    );
    assert_eq!(
        status_of(HttpConfig::default(), "/healthz", "attacker.example").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let off = HttpConfig {
        metrics: false,
        ..HttpConfig::default()
    };
    assert_eq!(
        status_of(off, "/metrics", "127.0.0.1").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status_of(HttpConfig::default(), "/metrics", "127.0.0.1").await,
        StatusCode::OK
    );
}

/// With introspection off, a validation error used to name the schema's types
/// (`Unknown field "nope" on type "Query"`), mapping the schema one guess at a time.
#[tokio::test]
async fn no_introspection_keeps_type_names_out_of_validation_errors() {
    let config = HttpConfig {
        graphiql: false,
        publish_schema: false,
        ..HttpConfig::default()
    };
    let router = app(AppState::new(schema(), real_graph(), config));
    let body = json!({ "query": "{ nope stats { entities } }" }).to_string();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request");
    let text = send_via(router, request).await.body;
    assert!(text.contains("\"errors\""), "{text}");
    assert!(!text.contains("Query"), "{text}");
}

/// One `GET path` on a new connection to `address`; the whole response.
fn get_blocking(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).expect("read");
    out
}

/// `--metrics-bind` serves `/metrics` on a listener of its own, and then not on `--bind`.
#[test]
fn metrics_bind_moves_metrics_to_their_own_listener() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reegraph"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--metrics-bind",
            "127.0.0.1:0",
        ])
        .arg("--data")
        .arg(crate::common::fixture("valid-minimal"))
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("reegraph runs");
    let stderr = child.stderr.take().expect("stderr");
    let (mut main, mut metrics) = (None, None);
    // The log names both addresses; the loop ends when the server exits too.
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.expect("log line");
        let address = line
            .split_once("address=")
            .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_owned());
        if line.contains("metrics listening") {
            metrics = address;
        } else if line.contains("listening") {
            main = address;
        }
        if main.is_some() && metrics.is_some() {
            break;
        }
    }
    let (Some(main), Some(metrics)) = (main, metrics) else {
        let _ = child.kill();
        panic!("the server did not log both addresses");
    };
    let on_metrics = get_blocking(&metrics, "/metrics");
    let on_main = get_blocking(&main, "/metrics");
    let health = get_blocking(&main, "/healthz");
    let elsewhere = get_blocking(&metrics, "/healthz");
    let _ = child.kill();
    let _ = child.wait();
    assert!(on_metrics.starts_with("HTTP/1.1 200"), "{on_metrics}");
    assert!(on_metrics.contains("reegraph_"), "{on_metrics}");
    assert!(on_main.starts_with("HTTP/1.1 404"), "{on_main}");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(elsewhere.starts_with("HTTP/1.1 404"), "{elsewhere}");
}

/// `--metrics-bind` takes an address; with `--no-metrics` it is a contradiction, refused at
/// parse time.
#[test]
fn no_metrics_and_metrics_bind_conflict() {
    use clap::Parser;
    let alone =
        reegraph::cli::Cli::try_parse_from(["reegraph", "--metrics-bind", "127.0.0.1:9000"]);
    assert!(alone.is_ok(), "{alone:?}");
    let parsed = reegraph::cli::Cli::try_parse_from([
        "reegraph",
        "--no-metrics",
        "--metrics-bind",
        "127.0.0.1:9000",
    ]);
    assert!(parsed.is_err());
}
