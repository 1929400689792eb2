//! The visual explorer through the router: the page at `/explore` and its assets come from the
//! binary, with caching and security headers; it stays on when GraphiQL is off; the playground
//! links to it. (That it works is checked in a real browser by scripts/browser/explorer.test.js.)

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reegraph::http::{AppState, HttpConfig, app};
use tower::ServiceExt;

use crate::common::{real_graph, schema};

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

async fn get(config: HttpConfig, path: &str, accept_encoding: Option<&str>) -> Reply {
    let router = app(AppState::new(schema(), real_graph(), config));
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    let response = router
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

/// The value of the first `attribute="..."` in `page` after `marker`.
fn attribute_after<'a>(page: &'a str, marker: &str, attribute: &str) -> &'a str {
    let rest = &page[page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker}: {page}"))..];
    let start = rest.find(&format!("{attribute}=\"")).expect("attribute") + attribute.len() + 2;
    let end = rest[start..].find('"').expect("closing quote");
    &rest[start..start + end]
}

#[tokio::test]
async fn the_explorer_and_its_assets_come_from_the_binary() {
    let page = get(HttpConfig::default(), "/explore", None).await;
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
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("://"), "only the page's own origin: {csp}");
    let body = page.text();
    assert!(!body.contains("://"), "the page names no other origin");

    let script = attribute_after(&body, "<script src", "src").to_owned();
    let style = attribute_after(&body, "<link rel=\"stylesheet\"", "href").to_owned();
    for (url, content_type, committed, committed_gzip) in [
        (
            &script,
            "text/javascript; charset=utf-8",
            include_str!("../../src/http/assets/explorer.js"),
            &include_bytes!("../../src/http/assets/explorer.js.gz")[..],
        ),
        (
            &style,
            "text/css; charset=utf-8",
            include_str!("../../src/http/assets/explorer.css"),
            &include_bytes!("../../src/http/assets/explorer.css.gz")[..],
        ),
    ] {
        assert!(url.starts_with("/explore/explorer."), "{url}");
        let plain = get(HttpConfig::default(), url, None).await;
        assert_eq!(plain.status, StatusCode::OK, "{url}");
        assert_eq!(plain.header(header::CONTENT_TYPE), content_type, "{url}");
        assert_eq!(
            plain.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(plain.header(header::CONTENT_ENCODING), "");
        assert!(
            plain.text() == committed,
            "{url} serves the committed bundle"
        );
        let gzipped = get(HttpConfig::default(), url, Some("gzip, br")).await;
        assert_eq!(gzipped.header(header::CONTENT_ENCODING), "gzip", "{url}");
        assert_eq!(gzipped.header(header::VARY), "accept-encoding");
        assert!(gzipped.bytes == committed_gzip, "{url}");
    }
    let stale = get(
        HttpConfig::default(),
        "/explore/explorer.0000000000000000.js",
        None,
    )
    .await;
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
}

/// The explorer needs neither introspection nor GraphiQL: it stays when they are off.
#[tokio::test]
async fn the_explorer_stays_when_graphiql_is_off() {
    let off = || HttpConfig {
        graphiql: false,
        ..HttpConfig::default()
    };
    assert_eq!(get(off(), "/", None).await.status, StatusCode::NOT_FOUND);
    let page = get(off(), "/explore", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let script = attribute_after(&page.text(), "<script src", "src").to_owned();
    assert_eq!(get(off(), &script, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_playground_links_to_the_explorer() {
    let page = get(HttpConfig::default(), "/", None).await;
    assert!(page.text().contains("href=\"/explore\""), "{}", page.text());
}
