//! The "ceiling" of the HTTP benchmark (`scripts/bench-http/run`): a plain axum server that
//! answers `POST /graphql` with response bytes recorded beforehand from reegraph, looked up by
//! the exact request body. Same bytes on the wire, no GraphQL work: what the HTTP stack alone
//! costs on this machine.
//!
//! ```sh
//! cargo run --release --example ceiling -- --bind 127.0.0.1:9000 --responses responses.json
//! ```
//!
//! The responses file is a JSON object in one of two shapes:
//! - `{ "<request body>": "<response body>", ... }`, or
//! - `{ "responses": ["<response body>", ...], "bodies": { "<request body>": <index>, ... } }`,
//!   which lets many request bodies share one response (one copy in memory).
//!
//! A known body is answered 200 with `content-type: application/graphql-response+json;
//! charset=utf-8` (what reegraph sends under that `Accept`); an unknown one 404. Any other path
//! or method is 404 / 405 as axum answers them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;

type Table = Arc<HashMap<Bytes, Bytes>>;

const CONTENT_TYPE: &str = "application/graphql-response+json; charset=utf-8";

fn usage() -> ! {
    eprintln!("usage: ceiling --bind ADDR --responses FILE");
    std::process::exit(2)
}

fn args() -> (String, String) {
    let mut bind = None;
    let mut responses = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bind" => bind = it.next(),
            "--responses" => responses = it.next(),
            "-h" | "--help" => usage(),
            _ => {
                eprintln!("ceiling: unknown argument `{arg}`");
                usage()
            }
        }
    }
    match (bind, responses) {
        (Some(b), Some(r)) => (b, r),
        _ => usage(),
    }
}

fn load(path: &str) -> Result<HashMap<Bytes, Bytes>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let serde_json::Value::Object(mut map) = value else {
        return Err(format!("{path}: expected a JSON object"));
    };
    let mut table = HashMap::new();
    match (map.remove("responses"), map.remove("bodies")) {
        (Some(serde_json::Value::Array(responses)), Some(serde_json::Value::Object(bodies))) => {
            let responses = responses
                .into_iter()
                .map(|r| match r {
                    serde_json::Value::String(s) => Ok(Bytes::from(s)),
                    _ => Err(format!("{path}: `responses` must hold strings")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            for (body, index) in bodies {
                let response = index
                    .as_u64()
                    .and_then(|i| responses.get(usize::try_from(i).ok()?))
                    .ok_or_else(|| format!("{path}: bad response index for a body"))?;
                table.insert(Bytes::from(body), response.clone());
            }
        }
        (None, None) => {
            for (body, response) in map {
                let serde_json::Value::String(response) = response else {
                    return Err(format!("{path}: every value must be a string"));
                };
                table.insert(Bytes::from(body), Bytes::from(response));
            }
        }
        _ => return Err(format!("{path}: `responses` and `bodies` go together")),
    }
    Ok(table)
}

async fn graphql(State(table): State<Table>, body: Bytes) -> Response {
    match table.get(&body) {
        Some(response) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            response.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "unknown request body\n").into_response(),
    }
}

fn main() {
    let (bind, path) = args();
    let table = match load(&path) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("ceiling: {e}");
            std::process::exit(1)
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ceiling: cannot start the runtime: {e}");
            std::process::exit(1)
        }
    };
    let count = table.len();
    let result: std::io::Result<()> = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&bind).await?;
        eprintln!(
            "ceiling: {count} request bodies, listening on http://{}",
            listener.local_addr()?
        );
        // Like reegraph's accept loop: no Nagle delay on responses.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = Router::new()
            .route("/graphql", post(graphql))
            .with_state(table);
        axum::serve(listener, app).await
    });
    if let Err(e) = result {
        eprintln!("ceiling: {e}");
        std::process::exit(1)
    }
}
