//! CORS through the router: what a browser frontend needs (Authorization and Apollo Client's
//! headers allowed, ETag/x-request-id/Retry-After readable, credentials for listed origins only,
//! preflight answers cached), one test per rule.

use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use reegraph::http::{AppState, HttpConfig, app};
use tower::ServiceExt;

use crate::common::{real_graph, schema};

const FRONTEND: &str = "https://app.example";

async fn headers(config: HttpConfig, request: Request<Body>) -> HeaderMap {
    let router = app(AppState::new(schema(), real_graph(), config));
    let response = router.oneshot(request).await.expect("answers");
    response.headers().clone()
}

fn preflight(origin: &str, requested: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, requested)
        .body(Body::empty())
        .expect("request")
}

fn get_from(origin: &str) -> Request<Body> {
    Request::get("/graphql?query=%7B__typename%7D")
        .header(header::ORIGIN, origin)
        .body(Body::empty())
        .expect("request")
}

fn value(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether a `Vary` value names the origin (a GraphQL GET also varies on `Accept`).
fn varies_on_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::VARY)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"origin"))
}

fn listed() -> HttpConfig {
    HttpConfig {
        cors_origins: vec![FRONTEND.to_owned()],
        ..HttpConfig::default()
    }
}

/// By default a preflight allows what browser GraphQL clients send: `authorization`,
/// `content-type`, `accept`, Apollo Client's identification headers and `x-request-id`.
#[tokio::test]
async fn preflight_allows_the_headers_frontends_send() {
    let h = headers(
        HttpConfig::default(),
        preflight(
            FRONTEND,
            "authorization,content-type,apollographql-client-name",
        ),
    )
    .await;
    let allowed: Vec<&str> = value(&h, header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap_or("")
        .split(',')
        .collect();
    for needed in [
        "authorization",
        "content-type",
        "accept",
        "apollographql-client-name",
        "apollographql-client-version",
        "x-request-id",
    ] {
        assert!(allowed.contains(&needed), "{needed} in {allowed:?}");
    }
    assert_eq!(value(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(
        value(&h, header::ACCESS_CONTROL_ALLOW_METHODS),
        Some("GET,POST")
    );
}

/// The allowed request headers are configurable.
#[tokio::test]
async fn allowed_headers_are_configurable() {
    let config = HttpConfig {
        cors_allow_headers: vec!["content-type".to_owned(), "x-tenant".to_owned()],
        ..HttpConfig::default()
    };
    let h = headers(config, preflight(FRONTEND, "x-tenant")).await;
    assert_eq!(
        value(&h, header::ACCESS_CONTROL_ALLOW_HEADERS),
        Some("content-type,x-tenant")
    );
}

/// Browsers cache the preflight answer.
#[tokio::test]
async fn preflight_answers_are_cached() {
    let h = headers(HttpConfig::default(), preflight(FRONTEND, "content-type")).await;
    assert_eq!(value(&h, header::ACCESS_CONTROL_MAX_AGE), Some("3600"));
}

/// Browser code can read `ETag`, `x-request-id` and `Retry-After`.
#[tokio::test]
async fn etag_request_id_and_retry_after_are_exposed() {
    let h = headers(HttpConfig::default(), get_from(FRONTEND)).await;
    assert!(h.contains_key(header::ETAG), "{h:?}");
    let exposed: Vec<String> = value(&h, header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .unwrap_or("")
        .split(',')
        .map(str::to_ascii_lowercase)
        .collect();
    for needed in ["etag", "x-request-id", "retry-after"] {
        assert!(
            exposed.iter().any(|e| e == needed),
            "{needed} in {exposed:?}"
        );
    }
}

/// With `*`, no credentials, and the answer does not depend on the origin.
#[tokio::test]
async fn any_origin_gets_no_credentials() {
    for request in [preflight(FRONTEND, "content-type"), get_from(FRONTEND)] {
        let h = headers(HttpConfig::default(), request).await;
        assert_eq!(value(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
        assert!(
            !h.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            "{h:?}"
        );
        assert!(!varies_on_origin(&h), "{h:?}");
    }
}

/// An origin listed explicitly is echoed with credentials, on the preflight and the request,
/// with `Vary: Origin`; another origin gets no CORS grant, and `Vary: Origin` too.
#[tokio::test]
async fn listed_origins_get_credentials_and_vary() {
    for request in [preflight(FRONTEND, "authorization"), get_from(FRONTEND)] {
        let h = headers(listed(), request).await;
        assert_eq!(
            value(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some(FRONTEND)
        );
        assert_eq!(
            value(&h, header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            Some("true")
        );
        assert!(varies_on_origin(&h), "{h:?}");
    }
    for request in [
        preflight("https://evil.example", "authorization"),
        get_from("https://evil.example"),
    ] {
        let h = headers(listed(), request).await;
        assert!(
            !h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            "{h:?}"
        );
        assert!(
            !h.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            "{h:?}"
        );
        assert!(
            !h.contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS),
            "{h:?}"
        );
        assert!(varies_on_origin(&h), "{h:?}");
    }
}

/// `*` beside listed origins: the listed ones get credentials, any other gets `*` without.
#[tokio::test]
async fn any_beside_listed_origins_keeps_credentials_to_the_listed() {
    let config = || HttpConfig {
        cors_origins: vec!["*".to_owned(), FRONTEND.to_owned()],
        ..HttpConfig::default()
    };
    let h = headers(config(), get_from(FRONTEND)).await;
    assert_eq!(
        value(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(FRONTEND)
    );
    assert_eq!(
        value(&h, header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        Some("true")
    );
    let h = headers(config(), get_from("https://other.example")).await;
    assert_eq!(value(&h, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert!(
        !h.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        "{h:?}"
    );
    assert!(varies_on_origin(&h), "{h:?}");
}

/// `reegraph serve`'s CORS defaults are HttpConfig's.
#[test]
fn the_command_line_takes_its_defaults_from_http_config() {
    use clap::Parser;
    let cli = reegraph::cli::Cli::parse_from(["reegraph"]);
    let defaults = HttpConfig::default();
    assert_eq!(cli.serve.cors_origins, defaults.cors_origins);
    assert_eq!(cli.serve.cors_allow_headers, defaults.cors_allow_headers);
    assert_eq!(cli.serve.max_body_bytes, defaults.max_body_bytes);
    let cli = reegraph::cli::Cli::parse_from([
        "reegraph",
        "--cors-allow-headers",
        "Content-Type,X-Tenant",
    ]);
    assert_eq!(cli.serve.cors_allow_headers, ["content-type", "x-tenant"]);
    assert!(
        reegraph::cli::Cli::try_parse_from(["reegraph", "--cors-allow-headers", "bad header"])
            .is_err()
    );
}
