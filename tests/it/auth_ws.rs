//! Authentication of subscriptions (`connection_init` over a real WebSocket on 127.0.0.1),
//! the promise that no token reaches the logs, and `reegraph token create` / a malformed tokens
//! file at start-up (the binary).

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use jsonwebtoken::Algorithm;
use reegraph::http::ConnectionLimits;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::{QUERY, claims, config, exchange, fixture, jwt};
use crate::subscriptions::{Socket, connect, send, server, subscribe};

/// Sends `connection_init` with `payload`: `Ok` on `connection_ack`, else the close code and
/// reason.
async fn init(address: &str, payload: Value) -> Result<Socket, (u16, String)> {
    let mut socket = connect(address).await.expect("connects");
    send(
        &mut socket,
        json!({"type": "connection_init", "payload": payload}),
    )
    .await;
    match socket.next().await {
        Some(Ok(Message::Text(text))) => {
            let message: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(message, json!({"type": "connection_ack"}));
            Ok(socket)
        }
        Some(Ok(Message::Close(Some(frame)))) => {
            Err((u16::from(frame.code), frame.reason.as_str().to_owned()))
        }
        other => panic!("expected an ack or a close, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_init_verifies_the_token_and_closes_4403_when_refused() {
    let fixture = fixture("test-only-rsa-public.pem");
    let (state, address) = server(config(&fixture, true), ConnectionLimits::default()).await;
    let reader = format!("Bearer {}", fixture.reader_token);
    let editor_jwt = jwt(Algorithm::RS256, &claims(json!({})));
    let accepted = [
        json!({"Authorization": reader}),
        json!({"authorization": format!("Bearer {editor_jwt}")}),
        json!({"token": fixture.reader_token}),
        json!({"token": format!("Bearer {editor_jwt}")}),
        json!({"headers": {"Authorization": reader}}),
    ];
    for payload in accepted {
        let mut socket = init(&address, payload.clone()).await.unwrap_or_else(|e| {
            panic!("{payload} was refused: {e:?}");
        });
        subscribe(
            &mut socket,
            "1",
            "subscription { graphChanged { dataVersion } }",
        )
        .await;
        // The subscription runs: a reload reaches it.
        for _ in 0..400 {
            if state.subscriptions() == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(state.subscriptions(), 1, "{payload}");
        drop(socket);
        for _ in 0..400 {
            if state.subscriptions() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    let expired = jwt(Algorithm::HS256, &claims(json!({"exp": 1_000})));
    let no_role = jwt(Algorithm::HS256, &claims(json!({"roles": []})));
    let refused = [
        (json!({}), "need a bearer token with the reader role"),
        (
            json!({"Authorization": format!("Bearer {expired}")}),
            "expired at 1000",
        ),
        (json!({"Authorization": "Bearer rgt_nope"}), "not known"),
        (json!({"Authorization": 42}), "Bearer <token>"),
        (
            json!({"token": no_role}),
            "`alice` does not hold the reader role",
        ),
    ];
    for (payload, what) in refused {
        let (code, reason) = init(&address, payload.clone())
            .await
            .err()
            .unwrap_or_else(|| {
                panic!("{payload} was accepted");
            });
        assert_eq!(code, 4403, "{payload}: {reason}");
        assert!(reason.contains(what), "{payload}: {reason}");
        assert!(!reason.contains(&expired[10..]), "{reason}");
    }
}

#[tokio::test]
async fn with_public_reads_anonymous_subscribers_are_welcome_but_bad_tokens_are_not() {
    let fixture = fixture("test-only-rsa-public.pem");
    let (_state, address) = server(config(&fixture, false), ConnectionLimits::default()).await;
    let mut socket = init(&address, json!({}))
        .await
        .expect("anonymous is accepted");
    subscribe(
        &mut socket,
        "1",
        "subscription { graphChanged { dataVersion } }",
    )
    .await;
    let refused = init(&address, json!({"Authorization": "Bearer a.b.c"})).await;
    assert_eq!(refused.err().map(|e| e.0), Some(4403));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line, at every level, of requests and WebSockets with good and bad tokens: none
/// holds a token or any part of its secret.
#[tokio::test(flavor = "current_thread")]
async fn no_token_reaches_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let fixture = fixture("test-only-rsa-public.pem");
    let (_state, address) = server(config(&fixture, true), ConnectionLimits::default()).await;
    let good_jwt = jwt(Algorithm::RS256, &claims(json!({})));
    let expired = jwt(Algorithm::HS256, &claims(json!({"exp": 1_000})));
    let unknown = format!("rgt_{}", "7".repeat(64));
    let tokens = [
        fixture.editor_token.as_str(),
        fixture.reader_token.as_str(),
        good_jwt.as_str(),
        expired.as_str(),
        unknown.as_str(),
    ];
    for token in tokens {
        for get in [false, true] {
            exchange(&address, get, Some(&format!("Bearer {token}")), QUERY).await;
        }
        let _ = init(
            &address,
            json!({"Authorization": format!("Bearer {token}")}),
        )
        .await;
    }
    let logs = String::from_utf8_lossy(
        &captured
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned();
    assert!(
        logs.contains("bearer token refused"),
        "the refusals are logged: {logs}"
    );
    assert!(
        logs.contains("expired at 1000"),
        "with their reason: {logs}"
    );
    for token in tokens {
        // The signature (JWT) or the secret part (API token): what would let a reader replay it.
        // A JWT's signature is base64url, which may hold `_`: split it at its last `.` only.
        let secret = match token.rsplit_once('.') {
            Some((_, signature)) => signature,
            None => token.rsplit_once('_').map_or(token, |(_, secret)| secret),
        };
        assert!(!logs.contains(secret), "a token reached the logs:\n{logs}");
    }
}

#[test]
fn token_create_prints_the_token_once_and_a_malformed_file_stops_serve() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tokens");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_reegraph"))
        .args([
            "token",
            "create",
            "--name",
            "ci-bot",
            "--role",
            "editor,reader",
            "--file",
        ])
        .arg(&file)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(token.starts_with("rgt_") && token.len() == 68, "{token}");
    let stored = std::fs::read_to_string(&file).expect("the file");
    assert!(stored.starts_with("ci-bot editor,reader "), "{stored}");
    assert!(!stored.contains(&token[4..]), "only the hash is stored");

    std::fs::write(&file, format!("{stored}\nbroken line\n")).expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_reegraph"))
        .args(["serve", "--bind", "127.0.0.1:0", "--api-tokens-file"])
        .arg(&file)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3:", file.display())),
        "{stderr}"
    );
}
