//! A web page bundled into the binary, with its script and style: what the playground (`/`) and
//! the explorer (`/explore`) share.
//!
//! Each asset is embedded with its gzipped copy (scripts/web-build writes both and checks that
//! the copy decompresses to the asset), served under a content-hashed name
//! (`<prefix><stem>.<hash>.js`) cached for a year as immutable, gzipped to browsers that accept
//! it; the page names the current assets and is revalidated on every load (`no-cache`), so a
//! new binary's assets are picked up at once.
//!
//! Architecture invariant: serves static text only; no domain logic, no GraphQL.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded asset: its text and the same text gzipped.
#[derive(Debug, Clone, Copy)]
pub(super) struct Embedded {
    /// The asset's text.
    pub(super) body: &'static str,
    /// The same text gzipped.
    pub(super) gzip: &'static [u8],
}

/// One embedded asset under its content-hashed file name.
#[derive(Debug)]
struct Asset {
    name: String,
    content_type: &'static str,
    embedded: Embedded,
}

/// A page with asset URLs filled in, and its assets; built once.
#[derive(Debug)]
pub(super) struct Bundle {
    page: String,
    csp: &'static str,
    assets: [Asset; 2],
}

impl Bundle {
    /// The page `page` with `{{SCRIPT}}` and `{{STYLE}}` replaced by the assets' URLs under
    /// `prefix` (named `stem.<hash>.js|css`), then each `(placeholder, text)` of `fill`; served
    /// with the Content-Security-Policy `csp`.
    pub(super) fn new(
        prefix: &str,
        stem: &str,
        [script, style]: [Embedded; 2],
        page: &str,
        csp: &'static str,
        fill: &[(&str, &str)],
    ) -> Self {
        let script = Asset {
            name: hashed_name(stem, script.body, "js"),
            content_type: "text/javascript; charset=utf-8",
            embedded: script,
        };
        let style = Asset {
            name: hashed_name(stem, style.body, "css"),
            content_type: "text/css; charset=utf-8",
            embedded: style,
        };
        let mut page = page
            .replace("{{SCRIPT}}", &format!("{prefix}{}", script.name))
            .replace("{{STYLE}}", &format!("{prefix}{}", style.name));
        for (placeholder, text) in fill {
            page = page.replace(placeholder, text);
        }
        Bundle {
            page,
            csp,
            assets: [script, style],
        }
    }

    /// The page, revalidated on every load (it names the current assets).
    pub(super) fn page(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
                (header::CONTENT_SECURITY_POLICY, self.csp),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            self.page.clone(),
        )
            .into_response()
    }

    /// The asset named `file`, gzipped when `headers` accept it; `missing` (a 404 body) when
    /// there is none.
    pub(super) fn asset(&self, file: &str, headers: &HeaderMap, missing: &'static str) -> Response {
        let Some(asset) = self.assets.iter().find(|a| a.name == file) else {
            return (StatusCode::NOT_FOUND, missing).into_response();
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
        if accepts_gzip(headers) {
            let gzip = [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))];
            let body = Body::from(Bytes::from_static(asset.embedded.gzip));
            (common, gzip, body).into_response()
        } else {
            (common, asset.embedded.body).into_response()
        }
    }
}

/// `stem.<first 16 hex digits of the SHA-256 of body>.ext`.
fn hashed_name(stem: &str, body: &str, ext: &str) -> String {
    let digest = sha2::Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

/// Whether an `Accept-Encoding` header accepts gzip (`gzip` or `*`, with a q-value above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
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
