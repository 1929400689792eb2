//! The GraphiQL playground through the router: the page and its assets come from the binary,
//! with the caching and security headers a browser needs, and the example tabs are named and
//! show what the README promises. (That GraphiQL actually renders and runs them offline is
//! checked in a real browser by scripts/browser.)

use async_graphql::parser::parse_query;
use async_graphql::parser::types::DocumentOperations;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reegraph::http::playground::EXAMPLES;
use reegraph::http::{AppState, HttpConfig, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{real_graph, schema};

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
    body: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn get(config: HttpConfig, path: &str) -> Reply {
    get_encoded(config, path, None).await
}

async fn get_encoded(config: HttpConfig, path: &str, accept_encoding: Option<&str>) -> Reply {
    let router = app(AppState::new(schema(), real_graph(), config));
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    let request = request.body(Body::empty()).expect("request");
    let response = router
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// The value of the first `attribute="..."` in `page` that follows `marker`.
fn attribute_after<'a>(page: &'a str, marker: &str, attribute: &str) -> &'a str {
    let rest = &page[page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker}: {page}"))..];
    let start = rest.find(&format!("{attribute}=\"")).expect("attribute") + attribute.len() + 2;
    let end = rest[start..].find('"').expect("closing quote");
    &rest[start..start + end]
}

#[tokio::test]
async fn the_page_and_its_assets_come_from_the_binary() {
    let page = get(HttpConfig::default(), "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header(header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(page.header(header::CACHE_CONTROL), "no-cache");
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("://"), "only the page's own origin: {csp}");
    assert!(
        !page.body.contains("://"),
        "the page names no other origin: {}",
        page.body
    );

    let script = attribute_after(&page.body, "<script src", "src");
    let style = attribute_after(&page.body, "<link rel=\"stylesheet\"", "href");
    for (url, content_type, committed) in [
        (
            script,
            "text/javascript; charset=utf-8",
            include_str!("../../src/http/assets/graphiql.js"),
        ),
        (
            style,
            "text/css; charset=utf-8",
            include_str!("../../src/http/assets/graphiql.css"),
        ),
    ] {
        assert!(url.starts_with("/playground/graphiql."), "{url}");
        let asset = get(HttpConfig::default(), url).await;
        assert_eq!(asset.status, StatusCode::OK, "{url}");
        assert_eq!(asset.header(header::CONTENT_TYPE), content_type, "{url}");
        assert_eq!(
            asset.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert_eq!(asset.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(asset.body == committed, "{url} serves the committed bundle");
    }
    assert_ne!(script, style);

    // A URL with any other hash (an older bundle) is not answered with today's content.
    let stale = get(
        HttpConfig::default(),
        "/playground/graphiql.0000000000000000.js",
    )
    .await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
}

/// Browsers that accept gzip get the gzipped copy (a third of the bytes); others, or a gzip
/// refused with `q=0`, the plain file. Either way caches are told the answer varies.
#[tokio::test]
async fn assets_are_sent_gzipped_to_who_accepts_it() {
    let page = get(HttpConfig::default(), "/").await;
    let script = attribute_after(&page.body, "<script src", "src").to_owned();
    let committed_gzip: &[u8] = include_bytes!("../../src/http/assets/graphiql.js.gz");
    for accepted in ["gzip, deflate, br, zstd", "br;q=1.0, GZIP;q=0.5", "*"] {
        let reply = get_encoded(HttpConfig::default(), &script, Some(accepted)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header(header::CONTENT_ENCODING), "gzip", "{accepted}");
        assert_eq!(reply.header(header::VARY), "accept-encoding");
        assert!(reply.bytes == committed_gzip, "{accepted}");
    }
    for refused in ["br", "gzip;q=0", "identity"] {
        let reply = get_encoded(HttpConfig::default(), &script, Some(refused)).await;
        assert_eq!(reply.header(header::CONTENT_ENCODING), "", "{refused}");
        assert_eq!(reply.header(header::VARY), "accept-encoding");
        assert!(
            reply.body == include_str!("../../src/http/assets/graphiql.js"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn switching_graphiql_off_also_hides_its_assets() {
    let page = get(HttpConfig::default(), "/").await;
    let script = attribute_after(&page.body, "<script src", "src").to_owned();
    let off = || HttpConfig {
        graphiql: false,
        ..HttpConfig::default()
    };
    assert_eq!(get(off(), "/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(off(), &script).await.status, StatusCode::NOT_FOUND);
}

/// The page carries exactly [`EXAMPLES`], as a JSON data block the bundle reads.
#[tokio::test]
async fn the_page_carries_the_examples() {
    let page = get(HttpConfig::default(), "/").await;
    let marker = "<script type=\"application/json\" id=\"reegraph-examples\">";
    let start = page.body.find(marker).expect("examples block") + marker.len();
    let end = start + page.body[start..].find("</script>").expect("end of block");
    let examples: Value = serde_json::from_str(&page.body[start..end]).expect("JSON");
    assert_eq!(examples, json!(EXAMPLES));
}

/// GraphiQL names a tab after its operation: every example is one named operation, and no two
/// share a name.
#[test]
fn every_example_tab_has_its_own_name() {
    let mut names = Vec::new();
    for example in EXAMPLES {
        let document = parse_query(example).unwrap_or_else(|e| panic!("{e}\n{example}"));
        let DocumentOperations::Multiple(operations) = document.operations else {
            panic!("an unnamed operation: GraphiQL would call its tab <untitled>\n{example}");
        };
        assert_eq!(operations.len(), 1, "{example}");
        names.extend(operations.keys().map(ToString::to_string));
    }
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.iter().any(|n| n == "TheFourDirectives"), "{names:?}");
}

/// The tab "the four directives" shows the four directives of the Tonglu meeting, in order,
/// each with where and when it was announced (an earlier version listed the first four
/// directives of any kind, of which only two were Tonglu's).
#[tokio::test]
async fn the_four_directives_tab_shows_the_four_tonglu_directives() {
    let example = EXAMPLES
        .iter()
        .find(|e| e.contains("query TheFourDirectives"))
        .expect("the four directives tab");
    let answer = crate::common::run(example, json!({})).await;
    assert!(answer.get("errors").is_none(), "{answer:#}");
    let directives = answer["data"]["entity"]["directives"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer:#}"));
    let ordinals: Vec<i64> = directives
        .iter()
        .filter_map(|d| d["ordinal"].as_i64())
        .collect();
    assert_eq!(ordinals, [1, 2, 3, 4], "{answer:#}");
    for directive in directives {
        let places = directive["announcedAt"].to_string();
        assert!(places.contains("Tonglu County"), "{directive:#}");
        assert!(places.contains("2025-11-12"), "{directive:#}");
    }
}
