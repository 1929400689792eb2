//! The visual explorer at `GET /explore`, served entirely from the binary.
//!
//! A single-page app (TypeScript over Cytoscape.js, built from web/explorer by
//! scripts/web-build into src/http/assets/explorer.*) that reads the graph only through the
//! public GraphQL API, with GET requests so the HTTP cache and ETags work for it. As for the
//! playground, the assets are embedded and served as a [`Bundle`] (content-hashed URLs such as
//! `/explore/explorer.<hash>.js`, cached for a year, gzipped for browsers that accept it; the
//! page revalidated on every load). Its Content-Security-Policy allows only its own
//! origin. The explorer stays on when introspection and GraphiQL are off: it needs neither.
//!
//! Architecture invariant: no domain logic and no GraphQL execution here; this module only
//! serves static text.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::AppState;
use super::bundle::{Bundle, Embedded};

/// The page's Content-Security-Policy. Everything comes from the server's own origin. The one
/// inline style allowed, by its hash, is the rule Cytoscape.js inserts for its container
/// (`.__________cytoscape_container { position: relative; }`); `blob:` images are the PNG
/// export, `data:` images what Cytoscape draws with.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='; \
     img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page and its assets, built once.
static EXPLORER: LazyLock<Bundle> = LazyLock::new(|| {
    let script = Embedded {
        body: include_str!("assets/explorer.js"),
        gzip: include_bytes!("assets/explorer.js.gz"),
    };
    let style = Embedded {
        body: include_str!("assets/explorer.css"),
        gzip: include_bytes!("assets/explorer.css.gz"),
    };
    Bundle::new(
        "/explore/",
        "explorer",
        [script, style],
        include_str!("assets/explorer.html"),
        CONTENT_SECURITY_POLICY,
        &[],
    )
});

/// The explorer's routes: the page at `/explore` and its assets under `/explore/`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/explore", get(page))
        .route("/explore/{file}", get(asset))
}

async fn page() -> Response {
    EXPLORER.page()
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    EXPLORER.asset(&file, &headers, "no such explorer asset\n")
}
