//! Writes end to end over a real socket on 127.0.0.1: a mutation needs an editor's bearer token
//! (401 without one, 403 with a reader's), records the token's subject as its author, counts
//! as a write (`outcome="written"`, which the response cache never keeps), and the same
//! mutation sent again runs again.

use reegraph::http::{AppState, ConnectionLimits};
use reegraph::store::Store;
use serde_json::{Value, json};

use crate::auth::{config, fixture};
use crate::common::{real_graph, schema};
use crate::store::{probe_app, texts};

/// POSTs `query` with `variables` and `authorization`; the status and the JSON body.
pub(crate) async fn post(
    address: &str,
    authorization: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let auth = authorization.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         {auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let raw = crate::http::talk(address, request.as_bytes()).await;
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, serde_json::from_str(body).expect("a JSON body"))
}

/// A server on 127.0.0.1 over data/ with a fresh store (in the returned directory): its state
/// and its address.
pub(crate) async fn serve_with_store(
    config: reegraph::http::HttpConfig,
) -> (tempfile::TempDir, AppState, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, graph) = Store::open(
        &dir.path().join("store.redb"),
        real_graph(),
        texts().as_ref(),
    )
    .expect("opens");
    let state = AppState::with_store(schema(), graph, config, Some((store, texts())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(reegraph::http::serve(
        listener,
        reegraph::http::app(state.clone()),
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    (dir, state, address)
}

const APPLY: &str = "mutation($changes: [ChangeInput!]!) {
  applyChanges(reason: \"over HTTP\", changes: $changes) { version author } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn a_mutation_over_http_needs_an_editor_token_and_counts_as_a_write() {
    let fixture = fixture("test-only-ec-public.pem");
    let (_dir, _state, address) = serve_with_store(config(&fixture, false)).await;
    let changes = json!({ "changes": [probe_app("over-http")] });

    let (status, body) = post(&address, None, APPLY, changes.clone()).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"), "{body}");
    let (status, body) = post(
        &address,
        Some(&fixture.reader_token),
        APPLY,
        changes.clone(),
    )
    .await;
    assert_eq!((status, code(&body)), (403, "FORBIDDEN"), "{body}");

    let (status, body) = post(
        &address,
        Some(&fixture.editor_token),
        APPLY,
        changes.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["applyChanges"],
        json!({ "version": 1, "author": "bot" })
    );
    let (_, body) = post(
        &address,
        None,
        "{ entity(id: \"application:over-http\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["entity"]["name"], "Probe over-http", "{body}");

    // The same mutation again runs again: the entity exists now, so it is refused, not
    // answered with the first write's cached success.
    let (status, body) = post(&address, Some(&fixture.editor_token), APPLY, changes).await;
    assert_eq!((status, code(&body)), (200, "VALIDATION_FAILED"), "{body}");

    let metrics = crate::http::talk(
        &address,
        format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(
        metrics.contains("reegraph_requests_total{outcome=\"written\"} 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_write_that_outlives_the_request_deadline_answers_its_outcome_not_a_timeout() {
    let fixture = fixture("test-only-ec-public.pem");
    let (_dir, state, address) = serve_with_store(reegraph::http::HttpConfig {
        request_timeout: std::time::Duration::from_millis(300),
        ..config(&fixture, false)
    })
    .await;
    // The writer is busy (its lock held) for longer than the request deadline: the write
    // waits for it, and once handed to the writer it is seen through.
    let writes = state.writes().expect("a store");
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let _store = writes.store();
        held_tx.send(()).expect("told");
        std::thread::sleep(std::time::Duration::from_millis(900));
    });
    held_rx.recv().expect("held");
    let changes = json!({ "changes": [probe_app("late")] });
    let (status, body) = post(&address, Some(&fixture.editor_token), APPLY, changes).await;
    holder.join().expect("joins");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["applyChanges"]["version"], 1, "{body}");
    // And it is there for readers.
    let (_, body) = post(
        &address,
        None,
        "{ entity(id: \"application:late\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["entity"]["name"], "Probe late", "{body}");
}
