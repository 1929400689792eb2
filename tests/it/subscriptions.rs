//! Subscriptions over WebSocket (graphql-transport-ws) against a real socket on 127.0.0.1:
//! reloads (`replace_graph`) become `graphChanged` events, filtered per subscriber; the limits
//! (init deadline, subscriptions per connection, WebSockets in total, the connection cap, a
//! slow reader, admission) hold.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reegraph::graph::KnowledgeGraph;
use reegraph::http::{self, AppState, ConnectionLimits, HttpConfig};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{real_graph, schema};
use crate::reload::{copy_data, temp_dir};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const CHANGE: &str = "graphChanged { dataVersion previousDataVersion entities relations added \
                      removed changed addedCount removedCount changedCount truncated }";

/// `data/` plus `extra`, as a graph.
fn graph_with(name: &str, extra: &str) -> Arc<KnowledgeGraph> {
    let dir = temp_dir(name);
    copy_data(&dir);
    std::fs::write(dir.join("zz-extra.toml"), extra).expect("write");
    let dataset = reegraph::dataset::load_dir(&dir).unwrap_or_else(|e| panic!("loads: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    Arc::new(KnowledgeGraph::new(dataset))
}

/// `data/` plus `application:test-reload`, used by scandium: one entity added, one changed.
fn probe_graph() -> Arc<KnowledgeGraph> {
    static GRAPH: OnceLock<Arc<KnowledgeGraph>> = OnceLock::new();
    Arc::clone(GRAPH.get_or_init(|| {
        graph_with(
            "subs-probe",
            r#"[[application]]
id = "application:test-reload"
name = "Reload probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]

[[relation]]
from = "mineral:scandium"
type = "USED_IN"
to = "application:test-reload"
citations = [{ source = "source:reex-2025-tonglu", quote = "scandium", grade = "REPORTED" }]
"#,
        )
    }))
}

/// `data/` plus `application:other-probe`, related to nothing.
fn other_graph() -> Arc<KnowledgeGraph> {
    static GRAPH: OnceLock<Arc<KnowledgeGraph>> = OnceLock::new();
    Arc::clone(GRAPH.get_or_init(|| {
        graph_with(
            "subs-other",
            r#"[[application]]
id = "application:other-probe"
name = "Other probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]
"#,
        )
    }))
}

fn version(graph: &KnowledgeGraph) -> String {
    format!("{:016x}", graph.fingerprint())
}

/// A server on 127.0.0.1 serving `data/`, and its address.
pub(crate) async fn server(config: HttpConfig, limits: ConnectionLimits) -> (AppState, String) {
    let state = AppState::new(schema(), real_graph(), config);
    let address = serve_state(&state, limits).await;
    (state, address)
}

/// Serves `state` on 127.0.0.1; its address.
async fn serve_state(state: &AppState, limits: ConnectionLimits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    tokio::spawn(http::serve(
        listener,
        http::app(state.clone()),
        limits,
        std::future::pending(),
    ));
    address
}

pub(crate) async fn connect(
    address: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{address}/graphql")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("send");
}

/// The next text message as JSON (a close frame, or the end, fails the test).
pub(crate) async fn receive(socket: &mut Socket) -> Value {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(&text).expect("JSON message");
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// Connects and completes the handshake (`connection_init` → `connection_ack`).
async fn initialized(address: &str) -> Socket {
    let mut socket = connect(address).await.expect("connects");
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": {}}),
    )
    .await;
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "connection_ack"})
    );
    socket
}

pub(crate) async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    send(
        socket,
        json!({"type": "subscribe", "id": id, "payload": {"query": query}}),
    )
    .await;
}

/// Waits until `n` subscriptions listen to the feed (a subscribe message is read and started
/// by the server asynchronously; a change published before that is not for it).
async fn listening(state: &AppState, n: usize) {
    for _ in 0..2_000 {
        if state.subscriptions() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{} subscriptions listen, not {n}", state.subscriptions());
}

fn ids(list: &[&str]) -> Value {
    json!(list)
}

#[tokio::test]
async fn a_reload_delivers_one_event_with_the_version_counts_and_ids() {
    let (state, address) = server(HttpConfig::default(), ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    subscribe(&mut socket, "1", &format!("subscription {{ {CHANGE} }}")).await;
    listening(&state, 1).await;

    let base = state.graph();
    let probe = probe_graph();
    state.replace_graph(Arc::clone(&probe));
    let stats = probe.stats();
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "next", "id": "1", "payload": {"data": {"graphChanged": {
            "dataVersion": version(&probe), "previousDataVersion": version(&base),
            "entities": stats.entities, "relations": stats.relations,
            "added": ["application:test-reload"], "removed": [], "changed": ["mineral:scandium"],
            "addedCount": 1, "removedCount": 0, "changedCount": 1, "truncated": false}}}})
    );

    // Reloading the same data changes nothing and sends nothing; the way back is the next event.
    state.replace_graph(Arc::clone(&probe));
    state.replace_graph(Arc::clone(&base));
    let event = receive(&mut socket).await;
    let change = &event["payload"]["data"]["graphChanged"];
    assert_eq!(change["previousDataVersion"], json!(version(&probe)));
    assert_eq!(change["dataVersion"], json!(version(&base)));
    assert_eq!(change["removed"], ids(&["application:test-reload"]));
    assert_eq!(change["changed"], ids(&["mineral:scandium"]));

    // Completing the subscription stops it listening.
    send(&mut socket, json!({"type": "complete", "id": "1"})).await;
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "1"})
    );
    listening(&state, 0).await;
}

#[tokio::test]
async fn kind_and_id_filters_send_only_the_changes_asked_about() {
    let (state, address) = server(HttpConfig::default(), ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    let query = "subscription($kinds: [EntityKind!], $ids: [ID!]) { \
                 graphChanged(kinds: $kinds, ids: $ids) { previousDataVersion added removed changed changedCount } }";
    for (id, variables) in [
        ("apps", json!({"kinds": ["APPLICATION"]})),
        ("probe", json!({"ids": ["application:test-reload"]})),
    ] {
        send(
            &mut socket,
            json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}}),
        )
        .await;
    }
    listening(&state, 2).await;

    // base → other (touches only application:other-probe) → probe → base.
    let base = state.graph();
    state.replace_graph(other_graph());
    state.replace_graph(probe_graph());
    state.replace_graph(Arc::clone(&base));

    let mut apps = Vec::new();
    let mut probe = Vec::new();
    while apps.len() < 3 || probe.len() < 2 {
        let message = receive(&mut socket).await;
        assert_eq!(message["type"], "next", "{message}");
        let change = message["payload"]["data"]["graphChanged"].clone();
        match message["id"].as_str() {
            Some("apps") => apps.push(change),
            Some("probe") => probe.push(change),
            _ => panic!("unexpected message {message}"),
        }
    }
    let empty = ids(&[]);
    // The kind filter: applications only (scandium, a mineral, changed too, and is left out).
    assert_eq!(apps[0]["added"], ids(&["application:other-probe"]));
    assert_eq!(apps[1]["added"], ids(&["application:test-reload"]));
    assert_eq!(apps[1]["removed"], ids(&["application:other-probe"]));
    assert_eq!(apps[1]["changed"], empty);
    assert_eq!(apps[1]["changedCount"], 0);
    assert_eq!(apps[2]["removed"], ids(&["application:test-reload"]));
    // The id filter: the first swap did not touch the probe and sent it nothing, so its first
    // event is the second swap's.
    assert_eq!(
        probe[0]["previousDataVersion"],
        json!(version(&other_graph()))
    );
    assert_eq!(probe[0]["added"], ids(&["application:test-reload"]));
    assert_eq!(probe[1]["removed"], ids(&["application:test-reload"]));
}

#[tokio::test]
async fn without_connection_init_in_time_the_socket_is_closed_4408() {
    let config = HttpConfig {
        ws_init_timeout: Duration::from_millis(100),
        ..HttpConfig::default()
    };
    let (_state, address) = server(config, ConnectionLimits::default()).await;
    let mut socket = connect(&address).await.expect("connects");
    match socket.next().await {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 4408);
            assert_eq!(frame.reason.as_str(), "Connection initialisation timeout");
        }
        other => panic!("expected close 4408, got {other:?}"),
    }
}

#[tokio::test]
async fn a_subscription_beyond_the_per_connection_limit_is_refused() {
    let config = HttpConfig {
        ws_max_subscriptions: 1,
        ..HttpConfig::default()
    };
    let (state, address) = server(config, ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    subscribe(&mut socket, "1", &format!("subscription {{ {CHANGE} }}")).await;
    listening(&state, 1).await;
    subscribe(&mut socket, "2", &format!("subscription {{ {CHANGE} }}")).await;
    let refused = receive(&mut socket).await;
    assert_eq!(refused["id"], "2");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{refused}"
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "2"})
    );
    // The first one still listens.
    state.replace_graph(probe_graph());
    let event = receive(&mut socket).await;
    assert_eq!(event["id"], "1");
    assert_eq!(
        event["payload"]["data"]["graphChanged"]["added"],
        ids(&["application:test-reload"])
    );
}

/// On a current-thread runtime the server runs only while the test awaits, so three changes
/// published in a row reach a subscriber that has read none of them: with room for one, it has
/// fallen behind, gets one error and its stream ends.
#[tokio::test(flavor = "current_thread")]
async fn a_subscriber_that_falls_behind_is_dropped_with_an_error() {
    let config = HttpConfig {
        ws_event_capacity: 1,
        ..HttpConfig::default()
    };
    let (state, address) = server(config, ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    subscribe(&mut socket, "1", &format!("subscription {{ {CHANGE} }}")).await;
    listening(&state, 1).await;
    let base = state.graph();
    state.replace_graph(probe_graph());
    state.replace_graph(Arc::clone(&base));
    state.replace_graph(probe_graph());
    let dropped = receive(&mut socket).await;
    assert_eq!(dropped["id"], "1");
    assert_eq!(
        dropped["payload"]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{dropped}"
    );
    assert!(
        dropped["payload"]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("fell 2 changes behind")),
        "{dropped}"
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "1"})
    );
    listening(&state, 0).await;
}

#[tokio::test]
async fn subscribe_documents_pass_admission_and_queries_are_refused() {
    let (state, address) = server(HttpConfig::default(), ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    // Over the document size limit (32 KiB), though under the message limit (64 KiB).
    let padding = "#".repeat(40 * 1024);
    subscribe(
        &mut socket,
        "big",
        &format!("subscription {{ {CHANGE} }}\n{padding}"),
    )
    .await;
    let refused = receive(&mut socket).await;
    assert_eq!(refused["id"], "big");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{refused}"
    );
    assert!(refused["payload"]["data"].is_null(), "{refused}");
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "big"})
    );
    // Too deep for admission.
    let deep = format!(
        "subscription {{ graphChanged {{ dataVersion }} }} query Q {{ {}id{} }}",
        "entity(id: \"x\") { ... on Mineral { standards { ".repeat(8),
        " } } }".repeat(8)
    );
    subscribe(&mut socket, "deep", &deep).await;
    let refused = receive(&mut socket).await;
    assert_eq!(refused["id"], "deep");
    assert!(
        refused["payload"]["errors"][0]["extensions"]["code"].is_string(),
        "{refused}"
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "deep"})
    );
    // A query over the WebSocket: refused, pointing at HTTP.
    subscribe(&mut socket, "q", "{ stats { entities } }").await;
    let refused = receive(&mut socket).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{refused}"
    );
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "complete", "id": "q"})
    );
    // A bad argument is the resolver's error.
    subscribe(
        &mut socket,
        "bad",
        "subscription { graphChanged(ids: [\"nokind\"]) { dataVersion } }",
    )
    .await;
    let refused = receive(&mut socket).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    assert_eq!(state.subscriptions(), 0);
}

#[tokio::test]
async fn upgrades_need_the_subprotocol_and_a_free_websocket_slot() {
    let config = HttpConfig {
        ws_max_connections: 1,
        ..HttpConfig::default()
    };
    let (_state, address) = server(config, ConnectionLimits::default()).await;
    // No subprotocol: 400.
    let plain = format!("ws://{address}/graphql")
        .into_client_request()
        .expect("request");
    match tokio_tungstenite::connect_async(plain).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 400);
        }
        other => panic!("expected 400, got {:?}", other.map(|_| ())),
    }
    let _first = initialized(&address).await;
    match connect(&address).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            assert_eq!(response.headers()["retry-after"], "1");
        }
        other => panic!("expected 503, got {:?}", other.map(|_| ())),
    }
}

/// A WebSocket keeps its connection's slot under the connection cap, and is never closed to
/// make room as if it were an idle keep-alive connection.
#[tokio::test]
async fn a_websocket_counts_against_the_connection_cap_and_is_not_evicted() {
    let limits = ConnectionLimits {
        max_connections: 1,
        ..ConnectionLimits::default()
    };
    let (state, address) = server(HttpConfig::default(), limits).await;
    let mut socket = initialized(&address).await;
    let mut other = TcpStream::connect(&address).await.expect("connects");
    let mut answer = String::new();
    tokio::io::AsyncWriteExt::write_all(
        &mut other,
        b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await
    .expect("write");
    tokio::io::AsyncReadExt::read_to_string(&mut other, &mut answer)
        .await
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    // The WebSocket still works.
    subscribe(&mut socket, "1", &format!("subscription {{ {CHANGE} }}")).await;
    listening(&state, 1).await;
    state.replace_graph(probe_graph());
    assert_eq!(receive(&mut socket).await["type"], "next");
}

#[tokio::test]
async fn get_graphql_without_an_upgrade_still_runs_queries() {
    let (_state, address) = server(HttpConfig::default(), ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(&address).await.expect("connects");
    tokio::io::AsyncWriteExt::write_all(
        &mut stream,
        b"GET /graphql?query=%7Bstats%7Bentities%7D%7D HTTP/1.1\r\nhost: x\r\naccept: application/json\r\nconnection: close\r\n\r\n",
    )
    .await
    .expect("write");
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut answer)
        .await
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("{\"data\":{\"stats\":{\"entities\":"),
        "{answer}"
    );
}

/// A subscription sent as an HTTP request, GET or POST, is refused with a code that says where
/// subscriptions run, rather than async-graphql's bare "not supported on this transport".
#[tokio::test]
async fn a_subscription_in_an_http_request_is_refused_with_a_code() {
    let (_state, address) = server(HttpConfig::default(), ConnectionLimits::default()).await;
    let body = r#"{"query":"subscription { graphChanged { dataVersion } }"}"#;
    let requests = [
        "GET /graphql?query=subscription%7BgraphChanged%7BdataVersion%7D%7D HTTP/1.1\r\nhost: x\r\naccept: application/json\r\nconnection: close\r\n\r\n".to_owned(),
        format!(
            "POST /graphql HTTP/1.1\r\nhost: x\r\naccept: application/json\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    ];
    for request in requests {
        let mut stream = TcpStream::connect(&address).await.expect("connects");
        tokio::io::AsyncWriteExt::write_all(&mut stream, request.as_bytes())
            .await
            .expect("write");
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut answer)
            .await
            .expect("read");
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("\"code\":\"BAD_REQUEST\""), "{answer}");
        assert!(answer.contains("graphql-transport-ws"), "{answer}");
    }
}

#[tokio::test]
async fn a_write_delivers_its_own_change_set_as_one_event() {
    let dir = temp_dir("subs-write");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let texts = crate::store::texts();
    let (store, graph) =
        reegraph::store::Store::open(&dir.join("store.redb"), real_graph(), texts.as_ref())
            .expect("opens");
    let state = AppState::with_store(schema(), graph, HttpConfig::default(), Some((store, texts)));
    let address = serve_state(&state, ConnectionLimits::default()).await;
    let mut socket = initialized(&address).await;
    subscribe(&mut socket, "1", &format!("subscription {{ {CHANGE} }}")).await;
    listening(&state, 1).await;

    let base = state.graph();
    let writes = state.writes().expect("a store");
    let set = reegraph::store::ChangeSet {
        author: "ed".into(),
        at_ms: 0,
        reason: "probe".into(),
        base_version: Some(0),
        changes: [
            crate::store::probe_app("test-reload"),
            json!({ "addRelation": { "from": "mineral:scandium", "type": "USED_IN",
                "to": "application:test-reload", "citations": [{ "source": "source:reex-2025-tonglu",
                "quote": "scandium", "grade": "REPORTED" }] } }),
        ]
        .into_iter()
        .map(|c| {
            let (op, record) = c.as_object().and_then(|o| o.iter().next()).expect("one op");
            serde_json::from_value(json!({ "op": op, "record": record }))
                .expect("a change")
        })
        .collect(),
    };
    tokio::task::spawn_blocking(move || writes.write(set))
        .await
        .expect("runs")
        .expect("writes");
    let written = state.graph();
    let stats = written.stats();
    // The same event a reload to that graph would send (the diff of the two graphs).
    assert_eq!(
        receive(&mut socket).await,
        json!({"type": "next", "id": "1", "payload": {"data": {"graphChanged": {
            "dataVersion": version(&written), "previousDataVersion": version(&base),
            "entities": stats.entities, "relations": stats.relations,
            "added": ["application:test-reload"], "removed": [], "changed": ["mineral:scandium"],
            "addedCount": 1, "removedCount": 0, "changedCount": 1, "truncated": false}}}})
    );
    let diff = reegraph::graphql::GraphDiff::between(&base, &written);
    assert_eq!(diff.added.len() + diff.changed.len(), 2);
    let _ = std::fs::remove_dir_all(dir);
}
