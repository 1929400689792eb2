//! The visual explorer at `GET /explore`, served entirely from the binary.
//!
//! A single-page app (TypeScript over Cytoscape.js, built from web/explorer by
//! scripts/web-build into src/http/assets/explorer.*) that reads the graph only through the
//! public GraphQL API, with GET requests so the HTTP cache and ETags work for it. As for the
//! playground, the assets are embedded with `include_str!`, served under content-hashed URLs
//! (`/explore/explorer.<hash>.js`) cached for a year, gzipped for browsers that accept it, and
//! the page is revalidated on every load. Its Content-Security-Policy allows only its own
//! origin. The explorer stays on when introspection and GraphiQL are off: it needs neither.
//!
//! Architecture invariant: no domain logic and no GraphQL execution here; this module only
//! serves static text.

use std::sync::LazyLock;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::playground::{accepts_gzip, hashed_name};

/// The page's Content-Security-Policy. Everything comes from the server's own origin. The one
/// inline style allowed, by its hash, is the rule Cytoscape.js inserts for its container
/// (`.__________cytoscape_container { position: relative; }`); `blob:` images are the PNG
/// export, `data:` images what Cytoscape draws with.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='; \
     img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const SCRIPT: &str = include_str!("assets/explorer.js");
const SCRIPT_GZIP: &[u8] = include_bytes!("assets/explorer.js.gz");
const STYLE: &str = include_str!("assets/explorer.css");
const STYLE_GZIP: &[u8] = include_bytes!("assets/explorer.css.gz");
const PAGE: &str = include_str!("assets/explorer.html");

/// Where the explorer's assets are served; their file names carry a content hash.
const ASSET_PREFIX: &str = "/explore/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded asset under its content-hashed file name.
struct Asset {
    name: String,
    content_type: &'static str,
    body: &'static str,
    /// The same body gzipped (scripts/web-build checks that it decompresses to `body`).
    gzip: &'static [u8],
}

/// The page (with asset URLs filled in) and its assets, built once.
struct Explorer {
    page: String,
    assets: [Asset; 2],
}

static EXPLORER: LazyLock<Explorer> = LazyLock::new(|| {
    let script = Asset {
        name: hashed_name("explorer", SCRIPT, "js"),
        content_type: "text/javascript; charset=utf-8",
        body: SCRIPT,
        gzip: SCRIPT_GZIP,
    };
    let style = Asset {
        name: hashed_name("explorer", STYLE, "css"),
        content_type: "text/css; charset=utf-8",
        body: STYLE,
        gzip: STYLE_GZIP,
    };
    let page = PAGE
        .replace("{{SCRIPT}}", &format!("{ASSET_PREFIX}{}", script.name))
        .replace("{{STYLE}}", &format!("{ASSET_PREFIX}{}", style.name));
    Explorer {
        page,
        assets: [script, style],
    }
});

/// The explorer's routes: the page at `/explore` and its assets under `/explore/`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/explore", get(page))
        .route("/explore/{file}", get(asset))
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Revalidate every time: the page names the current assets.
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        EXPLORER.page.clone(),
    )
        .into_response()
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = EXPLORER.assets.iter().find(|a| a.name == file) else {
        return (StatusCode::NOT_FOUND, "no such explorer asset\n").into_response();
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
