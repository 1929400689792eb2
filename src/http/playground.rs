//! The GraphiQL playground at `GET /`, served entirely from the binary.
//!
//! The page's script and style are a bundle of pinned npm packages (web/graphiql, built by
//! scripts/web-build into src/http/assets/) embedded with `include_str!`, so the playground works
//! with no network beyond the server itself and a build of the crate needs neither npm nor the
//! network. Asset URLs carry a hash of their content (`/playground/graphiql.<hash>.js`) and are
//! cached for a year as immutable, sent gzipped (from a copy made by the same script) to
//! browsers that accept it; the page itself is revalidated on every load (`no-cache`), so
//! a new binary's assets are picked up at once. The page's Content-Security-Policy allows only
//! its own origin.
//!
//! The example tabs live here as `.graphql` files (see [`EXAMPLES`]) and are written into the
//! page as a JSON data block, so the tests that run them read the very text users see.
//!
//! Architecture invariant: no domain logic and no GraphQL execution here; this module only
//! serves static text.

use std::sync::LazyLock;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

use super::AppState;

/// The example queries preloaded as GraphiQL tabs, in tab order. Each is a named operation,
/// because GraphiQL names a tab after its operation.
pub const EXAMPLES: [&str; 4] = [
    include_str!("playground/standards-for-defense-magnets.graphql"),
    include_str!("playground/the-four-directives.graphql"),
    include_str!("playground/loose-code-search.graphql"),
    include_str!("playground/why-scandium-meets-sac-tc-229.graphql"),
];

/// The page's Content-Security-Policy. Everything comes from the server's own origin.
/// `style-src 'unsafe-inline'` because GraphiQL's dialogs (Radix's scroll lock) insert `<style>`
/// elements at run time, and `data:` fonts and images because GraphiQL's stylesheet embeds its
/// fonts and icons as data URLs. Scripts are never inline: the examples block is JSON data,
/// which the browser does not execute.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("assets/graphiql.js");
const SCRIPT_GZIP: &[u8] = include_bytes!("assets/graphiql.js.gz");
const STYLE: &str = include_str!("assets/graphiql.css");
const STYLE_GZIP: &[u8] = include_bytes!("assets/graphiql.css.gz");
const PAGE: &str = include_str!("playground/index.html");

/// Where the playground's assets are served; their file names carry a content hash.
const ASSET_PREFIX: &str = "/playground/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded asset under its content-hashed file name.
struct Asset {
    name: String,
    content_type: &'static str,
    body: &'static str,
    /// The same body gzipped (scripts/web-build checks that it decompresses to `body`).
    gzip: &'static [u8],
}

/// The page (with asset URLs and examples filled in) and its assets, built once.
struct Playground {
    page: String,
    assets: [Asset; 2],
}

static PLAYGROUND: LazyLock<Playground> = LazyLock::new(|| {
    let script = Asset {
        name: hashed_name("graphiql", SCRIPT, "js"),
        content_type: "text/javascript; charset=utf-8",
        body: SCRIPT,
        gzip: SCRIPT_GZIP,
    };
    let style = Asset {
        name: hashed_name("graphiql", STYLE, "css"),
        content_type: "text/css; charset=utf-8",
        body: STYLE,
        gzip: STYLE_GZIP,
    };
    let page = PAGE
        .replace("{{SCRIPT}}", &format!("{ASSET_PREFIX}{}", script.name))
        .replace("{{STYLE}}", &format!("{ASSET_PREFIX}{}", style.name))
        .replace("{{EXAMPLES}}", &examples_json());
    Playground {
        page,
        assets: [script, style],
    }
});

/// `stem.<first 16 hex digits of the SHA-256 of body>.ext`.
pub(super) fn hashed_name(stem: &str, body: &str, ext: &str) -> String {
    let digest = sha2::Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

/// The examples as a JSON array of strings, safe inside a `<script>` element: `<` is escaped so
/// no example text can close the element.
fn examples_json() -> String {
    serde_json::Value::from(EXAMPLES.to_vec())
        .to_string()
        .replace('<', "\\u003c")
}

/// The playground's routes: the page at `/` and its assets under `/playground/`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/playground/{file}", get(asset))
}

fn disabled() -> Response {
    (
        StatusCode::NOT_FOUND,
        "GraphiQL is disabled on this server\n",
    )
        .into_response()
}

async fn page(State(state): State<AppState>) -> Response {
    if !state.0.config.graphiql {
        return disabled();
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Revalidate every time: the page names the current assets.
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        PLAYGROUND.page.clone(),
    )
        .into_response()
}

/// Whether an `Accept-Encoding` header accepts gzip (`gzip` or `*`, with a q-value above 0).
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !state.0.config.graphiql {
        return disabled();
    }
    let Some(asset) = PLAYGROUND.assets.iter().find(|a| a.name == file) else {
        return (StatusCode::NOT_FOUND, "no such playground asset\n").into_response();
    };
    let common = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::VARY, HeaderValue::from_static("accept-encoding")),
    ];
    if accepts_gzip(&headers) {
        let gzip = [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))];
        (common, gzip, Body::from(Bytes::from_static(asset.gzip))).into_response()
    } else {
        (common, asset.body).into_response()
    }
}
