//! The GraphiQL playground at `GET /`, served entirely from the binary.
//!
//! The page's script and style are a bundle of pinned npm packages (web/graphiql, built by
//! scripts/web-build into src/http/assets/) embedded with `include_str!`, so the playground works
//! with no network beyond the server itself and a build of the crate needs neither npm nor the
//! network. They are served as a [`Bundle`]: asset URLs carry a hash of their content
//! (`/playground/graphiql.<hash>.js`) and are cached for a year as immutable, sent gzipped to
//! browsers that accept it; the page itself is revalidated on every load. The page's
//! Content-Security-Policy allows only its own origin.
//!
//! The example tabs live here as `.graphql` files (see [`EXAMPLES`]) and are written into the
//! page as a JSON data block, so the tests that run them read the very text users see.
//!
//! Architecture invariant: no domain logic and no GraphQL execution here; this module only
//! serves static text.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::bundle::{Bundle, Embedded};

/// The example queries preloaded as GraphiQL tabs, in tab order. Each is a named operation,
/// because GraphiQL names a tab after its operation.
pub const EXAMPLES: [&str; 9] = [
    include_str!("playground/standards-for-defense-magnets.graphql"),
    include_str!("playground/trusted-standards-for-defense-magnets.graphql"),
    include_str!("playground/the-four-directives.graphql"),
    include_str!("playground/loose-code-search.graphql"),
    include_str!("playground/why-scandium-meets-sac-tc-229.graphql"),
    include_str!("playground/national-scandium-standards.graphql"),
    include_str!("playground/standards-per-stage.graphql"),
    include_str!("playground/directives-targeting-magnet-manufacturing.graphql"),
    include_str!("playground/standards-in-force-2020.graphql"),
];

/// The page's Content-Security-Policy. Everything comes from the server's own origin.
/// `style-src 'unsafe-inline'` because GraphiQL's dialogs (Radix's scroll lock) insert `<style>`
/// elements at run time, and `data:` fonts and images because GraphiQL's stylesheet embeds its
/// fonts and icons as data URLs. Scripts are never inline: the examples block is JSON data,
/// which the browser does not execute.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page (with the examples filled in) and its assets, built once.
static PLAYGROUND: LazyLock<Bundle> = LazyLock::new(|| {
    let script = Embedded {
        body: include_str!("assets/graphiql.js"),
        gzip: include_bytes!("assets/graphiql.js.gz"),
    };
    let style = Embedded {
        body: include_str!("assets/graphiql.css"),
        gzip: include_bytes!("assets/graphiql.css.gz"),
    };
    Bundle::new(
        "/playground/",
        "graphiql",
        [script, style],
        include_str!("playground/index.html"),
        CONTENT_SECURITY_POLICY,
        &[("{{EXAMPLES}}", &examples_json())],
    )
});

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
    PLAYGROUND.page()
}

async fn asset(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !state.0.config.graphiql {
        return disabled();
    }
    PLAYGROUND.asset(&file, &headers, "no such playground asset\n")
}
