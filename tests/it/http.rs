//! HTTP: GraphQL-over-HTTP handling through the router (`oneshot`, no socket), and a few
//! requests over a real socket on 127.0.0.1.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reegraph::http::{AppState, HttpConfig, app};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use crate::common::{real_graph, schema};

fn router() -> axum::Router {
    app(AppState::new(schema(), real_graph(), HttpConfig::default()))
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: String,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn send(request: Request<Body>) -> Reply {
    send_via(router(), request).await
}

pub(crate) async fn send_via(router: axum::Router, request: Request<Body>) -> Reply {
    let response = router
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        content_type,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn post(body: &str, content_type: Option<&str>, accept: Option<&str>) -> Request<Body> {
    let mut r = Request::post("/graphql");
    if let Some(ct) = content_type {
        r = r.header(header::CONTENT_TYPE, ct);
    }
    if let Some(a) = accept {
        r = r.header(header::ACCEPT, a);
    }
    r.body(Body::from(body.to_owned())).expect("request")
}

const GQL_RESPONSE: &str = "application/graphql-response+json";

#[tokio::test]
async fn post_json_runs_a_query() {
    let body = json!({"query": "{ stats { entities } }"}).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type.starts_with(GQL_RESPONSE));
    assert!(
        reply.json()["data"]["stats"]["entities"]
            .as_u64()
            .unwrap_or(0)
            > 100
    );
}

#[tokio::test]
async fn accept_picks_the_media_type() {
    let body = json!({"query": "{ stats { entities } }"}).to_string();
    let json_reply = send(post(
        &body,
        Some("application/json"),
        Some("application/json"),
    ))
    .await;
    assert!(json_reply.content_type.starts_with("application/json"));
    let none = send(post(&body, Some("application/json"), None)).await;
    assert!(
        none.content_type.starts_with("application/json"),
        "no Accept means application/json"
    );
    let both = send(post(
        &body,
        Some("application/json"),
        Some("application/json, application/graphql-response+json"),
    ))
    .await;
    assert!(both.content_type.starts_with(GQL_RESPONSE));
    let refused = send(post(&body, Some("application/json"), Some("text/html"))).await;
    assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn unsupported_content_types_are_415_and_never_execute() {
    let body = json!({"query": "{ stats { entities } }"}).to_string();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let reply = send(post(&body, ct, Some(GQL_RESPONSE))).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert!(
            reply.json().get("data").is_none(),
            "{ct:?} must not execute"
        );
    }
}

#[tokio::test]
async fn parse_and_validation_errors_are_400_under_graphql_response_json() {
    for query in ["{ stats { ", "{ stats { nope } }"] {
        let body = json!({ "query": query }).to_string();
        let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            reply.json().get("data").is_none(),
            "no data entry when nothing executed"
        );
        let legacy = send(post(
            &body,
            Some("application/json"),
            Some("application/json"),
        ))
        .await;
        assert_eq!(
            legacy.status,
            StatusCode::OK,
            "application/json keeps 200: {query}"
        );
    }
}

#[tokio::test]
async fn malformed_requests_are_400() {
    for body in [
        "{not json",
        "[]",
        r#"{"query": 1}"#,
        r#"{"variables": {}}"#,
        r#"{"query": "{ stats { entities } }", "variables": [1]}"#,
    ] {
        let reply = send(post(body, Some("application/json"), Some(GQL_RESPONSE))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            !reply.json()["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn execution_errors_stay_200_with_data() {
    let body = json!({"query": "{ neighborhood(id: \"mineral:nope\") { truncated } }"}).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let v = reply.json();
    assert!(v.get("data").is_some());
    assert_eq!(v["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let query = "/graphql?query=%7Bstats%7Bentities%7D%7D";
    let reply = send(
        Request::get(query)
            .header(header::ACCEPT, GQL_RESPONSE)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json()["data"]["stats"]["entities"].is_u64());

    let mutation = "/graphql?query=mutation%20%7B%20x%20%7D";
    let reply = send(
        Request::get(mutation)
            .header(header::ACCEPT, GQL_RESPONSE)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        reply
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
}

#[tokio::test]
async fn get_with_variables_and_operation_name() {
    let vars = serde_json::to_string(&json!({"id": "official:cao-yiding"})).expect("json");
    let q = "query A { stats { entities } } query B($id: ID!) { entity(id: $id) { name } }";
    let uri = format!(
        "/graphql?query={}&operationName=B&variables={}",
        urlencode(q),
        urlencode(&vars)
    );
    let reply = send(Request::get(uri).body(Body::empty()).expect("request")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["data"]["entity"]["name"], "Cao Yiding");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let big = format!(
        r#"{{"query": "{{ stats {{ entities }} }}", "pad": "{}"}}"#,
        "x".repeat(200_000)
    );
    let reply = send(post(&big, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn fragment_bombs_are_refused_before_validation() {
    let mut doc = String::from("query { stats { ...F0 } }\n");
    for i in 0..30 {
        doc.push_str(&format!(
            "fragment F{i} on GraphStats {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    doc.push_str("fragment F30 on GraphStats { entities }\n");
    let body = json!({ "query": doc }).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "LIMIT_EXCEEDED"
    );
}

#[tokio::test]
async fn deep_nesting_is_refused_without_crashing() {
    let doc = format!("{}{}", "{ a ".repeat(5_000), "}".repeat(5_000));
    let body = json!({ "query": doc }).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["errors"][0]["extensions"]["code"],
        "LIMIT_EXCEEDED"
    );
}

#[tokio::test]
async fn graphiql_sdl_and_health() {
    let page = send(Request::get("/").body(Body::empty()).expect("request")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("defense-grade-magnets"),
        "GraphiQL preloads the example queries"
    );
    let sdl = send(
        Request::get("/schema.graphql")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(sdl.body, reegraph::graphql::sdl());
    let health = send(
        Request::get("/healthz")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = send(
        Request::get("/readyz")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(ready.status, StatusCode::OK);
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let request = Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header(header::ORIGIN, "http://localhost:3000")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .expect("request");
    let reply = send(request).await;
    assert!(reply.status.is_success());
    assert_eq!(
        reply
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}

/// Serves `config` on 127.0.0.1, sends `raw` (then keeps the connection open without sending
/// more) and returns what the server answers, read until it closes the connection.
async fn raw_exchange(config: HttpConfig, raw: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app(AppState::new(schema(), real_graph(), config));
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    let response = talk(&addr.to_string(), &raw).await;
    server.abort();
    response
}

/// Writes `raw` to a new connection to `address` and reads until the server closes it (10 s
/// at most).
pub(crate) async fn talk(address: &str, raw: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(raw).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("answers in time")
    .expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

/// A body that stops arriving is answered 408 once `body_read_timeout` has passed, as a
/// GraphQL error document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_times_out() {
    let config = HttpConfig {
        body_read_timeout: std::time::Duration::from_millis(200),
        ..HttpConfig::default()
    };
    let head = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\nConnection: close\r\n\r\n{\"query\":";
    let response = raw_exchange(config, head.as_bytes().to_vec()).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("\"REQUEST_TIMEOUT\""), "{response}");
    assert!(response.contains("within 200 ms"), "{response}");
}

/// A chunked body (no `Content-Length`) is refused 413 as soon as it grows past the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_refused() {
    let config = HttpConfig {
        max_body_bytes: 1_000,
        ..HttpConfig::default()
    };
    let mut raw = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..3 {
        raw.extend_from_slice(format!("{:x}\r\n{}\r\n", 600, " ".repeat(600)).as_bytes());
    }
    let response = raw_exchange(config, raw).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("\"LIMIT_EXCEEDED\""), "{response}");
    assert!(response.contains("limit of 1000 bytes"), "{response}");
}

/// A body refused by its `Content-Length` is still read (up to a bound) before the 413, so the
/// client gets its answer rather than a reset, and the connection serves the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_read_before_its_413_and_the_connection_goes_on() {
    let config = HttpConfig {
        max_body_bytes: 1_000,
        ..HttpConfig::default()
    };
    let body = format!("{{\"query\":\"{{ __typename }}\"}}{}", " ".repeat(70_000));
    let mut raw = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(
        b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
    );
    let response = raw_exchange(config, raw).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("\"LIMIT_EXCEEDED\""), "{response}");
    assert!(
        response.contains("HTTP/1.1 200") && response.contains("\"__typename\":\"Query\""),
        "the second request on the connection was not answered: {response}"
    );
}

/// A real socket on 127.0.0.1: the server answers over TCP and keeps answering after a client
/// sends garbage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_socket_round_trip() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        axum::serve(listener, router()).await.expect("serve");
    });

    let mut garbage = tokio::net::TcpStream::connect(addr).await.expect("connect");
    garbage
        .write_all(b"\x00\x01NOT HTTP\r\n\r\n")
        .await
        .expect("write");
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        garbage.read_to_end(&mut sink),
    )
    .await;

    let body = json!({"query": "{ entity(id: \"official:cao-yiding\") { name } }"}).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: {GQL_RESPONSE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("answers in time")
    .expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Cao Yiding"), "{response}");
    server.abort();
}

#[tokio::test]
async fn beyond_the_concurrency_cap_is_a_clean_503() {
    let config = HttpConfig {
        max_concurrent_requests: 0,
        ..HttpConfig::default()
    };
    let router = app(AppState::new(schema(), real_graph(), config));
    let body = json!({"query": "{ stats { entities } }"}).to_string();
    let reply = send_via(
        router,
        post(&body, Some("application/json"), Some(GQL_RESPONSE)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let v = reply.json();
    assert_eq!(v["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("0 concurrent requests")
    );
}

#[tokio::test]
async fn metrics_count_outcomes_and_rejections() {
    let router = app(AppState::new(schema(), real_graph(), HttpConfig::default()));
    let ok =
        json!({"query": "{ related(to: \"mineral:scandium\", kinds: [STANDARD]) { distance } }"});
    let bad = json!({"query": "{ stats { nope } }"});
    for body in [ok, bad] {
        send_via(
            router.clone(),
            post(
                &body.to_string(),
                Some("application/json"),
                Some(GQL_RESPONSE),
            ),
        )
        .await;
    }
    let text = send_via(
        router,
        Request::get("/metrics")
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .body;
    assert!(
        text.contains("reegraph_requests_total{outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("reegraph_requests_total{outcome=\"rejected\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("reegraph_rejections_total{limit=\"validation\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("reegraph_request_duration_seconds_count 2"),
        "{text}"
    );
    assert!(text.contains("reegraph_graph_entities "), "{text}");
    assert!(
        text.contains("reegraph_data_version_info{version=\""),
        "{text}"
    );
}

/// Each server counts its own traversals' visits (once a process-wide count, which servers and
/// tests running side by side in one process all added to).
#[tokio::test]
async fn metrics_count_this_servers_traversal_visits() {
    // Depth 1 expands the start only: one visit each.
    let ball =
        json!({"query": "{ neighborhood(id: \"mineral:scandium\", depth: 1) { truncated } }"});
    let mut texts = Vec::new();
    for balls in [1, 2] {
        let router = app(AppState::new(schema(), real_graph(), HttpConfig::default()));
        for _ in 0..balls {
            let reply = send_via(
                router.clone(),
                post(
                    &ball.to_string(),
                    Some("application/json"),
                    Some(GQL_RESPONSE),
                ),
            )
            .await;
            assert_eq!(reply.status, StatusCode::OK);
        }
        let metrics = Request::get("/metrics").body(Body::empty());
        texts.push(send_via(router, metrics.expect("request")).await.body);
    }
    for (text, visits) in texts.iter().zip([1, 2]) {
        let line = format!("reegraph_traversal_visits_total {visits}\n");
        assert!(text.contains(&line), "{text}");
    }
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let reply = send(
        Request::get("/healthz")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(reply.headers.get("x-request-id").is_some());
    let request = Request::get("/healthz")
        .header("x-request-id", "client-42")
        .body(Body::empty());
    let reply = send(request.expect("request")).await;
    assert_eq!(
        reply
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("client-42")
    );
}

#[tokio::test]
async fn get_responses_carry_validators_and_revalidate_with_304() {
    let router = router();
    let uri = "/graphql?query=%7Bstats%7Bentities%7D%7D";
    let first = send_via(
        router.clone(),
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first.headers.get(header::ETAG).cloned().expect("an ETag");
    assert!(first.headers.get(header::CACHE_CONTROL).is_some());
    let request = Request::get(uri)
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty());
    let again = send_via(router, request.expect("request")).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers.get(header::ETAG), Some(&etag));
    for reply in [&first, &again] {
        assert_eq!(
            reply.headers.get(header::VARY).map(|v| v.as_bytes()),
            Some(&b"accept"[..]),
            "the answer follows Accept"
        );
    }
}

#[tokio::test]
async fn cached_and_fresh_answers_are_identical() {
    let router = router();
    let body = json!({
        "query": "query($id: ID!) { entity(id: $id) { name } }",
        "variables": {"id": "mineral:scandium"},
    })
    .to_string();
    let first = send_via(
        router.clone(),
        post(&body, Some("application/json"), Some(GQL_RESPONSE)),
    )
    .await;
    let second = send_via(
        router,
        post(&body, Some("application/json"), Some(GQL_RESPONSE)),
    )
    .await;
    assert_eq!((first.status, &first.body), (StatusCode::OK, &second.body));
}

#[tokio::test]
async fn automatic_persisted_queries() {
    let router = router();
    let query = "{ stats { relations } }";
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}});
    let only_hash = format!("/graphql?extensions={}", urlencode(&ext.to_string()));
    let get = || {
        Request::get(&only_hash)
            .body(Body::empty())
            .expect("request")
    };

    let miss = send_via(router.clone(), get()).await;
    assert_eq!(
        miss.json()["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let register = json!({"query": query, "extensions": ext}).to_string();
    let reply = send_via(
        router.clone(),
        post(&register, Some("application/json"), Some(GQL_RESPONSE)),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let hit = send_via(router, get()).await;
    assert_eq!(hit.status, StatusCode::OK);
    assert!(
        hit.json()["data"]["stats"]["relations"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The example queries preloaded in GraphiQL run without errors on the bundled data, over HTTP
/// (so under the cost model and every other limit a playground user meets) as directly.
#[tokio::test]
async fn graphiql_examples_run_cleanly() {
    for example in reegraph::http::playground::EXAMPLES {
        let answer = crate::common::run(example, json!({})).await;
        assert!(answer.get("errors").is_none(), "{example}\n{answer:#}");
        assert!(!answer["data"].is_null(), "{example}");
        let body = json!({ "query": example }).to_string();
        let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
        assert_eq!(reply.status, StatusCode::OK, "{example}\n{}", reply.body);
        assert!(same_json(&reply.json(), &answer), "{example}");
    }
}

#[tokio::test]
async fn costly_nesting_is_refused_with_the_limit_named() {
    let query = "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
                 relations(first: 100) { nodes { id } } } } } } } }";
    let body = json!({ "query": query }).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let v = reply.json();
    assert_eq!(v["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    let message = v["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("estimated cost") && message.contains("above the limit of 100,000"),
        "{message}"
    );
}

/// Response fields come back in the order the query selected them (GraphQL spec, 7.1.1).
#[tokio::test]
async fn response_keys_follow_the_query_order() {
    let body = json!({"query": "{ entity(id: \"official:cao-yiding\") { name id kind } stats { relations entities } }"})
        .to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    let name = reply.body.find("\"name\"").expect("name");
    let id = reply.body.find("\"id\"").expect("id");
    let kind = reply.body.find("\"kind\"").expect("kind");
    assert!(name < id && id < kind, "{}", reply.body);
    let relations = reply.body.find("\"relations\"").expect("relations");
    let entities = reply.body.find("\"entities\"").expect("entities");
    assert!(relations < entities, "{}", reply.body);
}

/// A cached answer is never served to a request that is malformed in a part the cache key
/// leaves out (found by the graphql-http audit).
#[tokio::test]
async fn malformed_extensions_are_refused_even_when_the_query_is_cached() {
    let router = router();
    let good = json!({"query": "{ __typename }"}).to_string();
    let first = send_via(router.clone(), post(&good, Some("application/json"), None)).await;
    assert_eq!(first.status, StatusCode::OK);
    let bad = json!({"query": "{ __typename }", "extensions": "nope"}).to_string();
    let second = send_via(router, post(&bad, Some("application/json"), None)).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST, "{}", second.body);
}

/// `--no-introspection`: no introspection, no field suggestions, no GraphiQL.
#[tokio::test]
async fn introspection_suggestions_and_graphiql_can_be_switched_off() {
    let schema = reegraph::graphql::build_schema(reegraph::graphql::SchemaOptions {
        introspection: false,
        ..reegraph::graphql::SchemaOptions::default()
    });
    let config = HttpConfig {
        graphiql: false,
        ..HttpConfig::default()
    };
    let router = app(AppState::new(schema, real_graph(), config));
    let page = send_via(
        router.clone(),
        Request::get("/").body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let introspect = json!({"query": "{ __schema { queryType { name } } }"}).to_string();
    let reply = send_via(
        router.clone(),
        post(&introspect, Some("application/json"), None),
    )
    .await;
    assert!(reply.json()["data"]["__schema"].is_null(), "{}", reply.body);
    let typo = json!({"query": "{ stats { entitie } }"}).to_string();
    let reply = send_via(router, post(&typo, Some("application/json"), None)).await;
    assert!(!reply.body.contains("Did you mean"), "{}", reply.body);
}

/// The magnets question with 50 answers and each path in full (every hop's relation and its
/// citations) runs over HTTP: `maxHops` bounds each path's hops rather than multiplying the
/// whole selection in the cost model (multiplied, it was estimated at 111,151 and refused), and
/// the answer is the one `schema.execute` gives.
#[tokio::test]
async fn the_magnets_question_with_full_paths_runs_over_http() {
    let query = r#"{
        related(to: "application:defense-grade-magnets", kinds: [STANDARD, MINERAL], maxHops: 3, first: 50) {
            distance specificityCost entity { id kind }
            path {
                length explanation
                entities { id name kind }
                relations { type from { id } to { id } }
                hops {
                    forward reading from { id } to { id }
                    relation { type label inverseLabel from { id } to { id } citations { grade quote source { id kind } } }
                }
            }
        }
    }"#;
    let direct = crate::common::run(query, json!({})).await;
    assert!(direct.get("errors").is_none(), "{direct:#}");
    let body = json!({ "query": query }).to_string();
    let reply = send(post(&body, Some("application/json"), Some(GQL_RESPONSE))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        same_json(&reply.json(), &direct),
        "{}\n{direct:#}",
        reply.body
    );
    assert!(
        direct["data"]["related"]
            .as_array()
            .is_some_and(|r| r.len() > 5),
        "{direct:#}"
    );
}

/// JSON equality, but floats only to 1e-12 relative: the server writes the shortest text that
/// round-trips, and serde_json (without its `float_roundtrip` feature) may read it back one unit
/// in the last place off.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}
