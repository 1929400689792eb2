//! The Host-header check (`--allowed-hosts`): a defence against DNS rebinding, where a page on
//! another site resolves its own name to this server's address and reads it from the victim's
//! browser. The browser still sends the attacker's name in `Host`, so a request naming a host
//! outside the list is refused with 421 before any route runs. Knows nothing of GraphQL.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The host names a request may name, lower-case and without ports. Empty allows any.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Arc<[String]>);

impl AllowedHosts {
    /// From the operator's list (`host` or `host:port`; ports are ignored, `*` allows any).
    pub fn new(hosts: &[String]) -> Self {
        if hosts.iter().any(|h| h.trim() == "*") {
            return AllowedHosts::default();
        }
        AllowedHosts(
            hosts
                .iter()
                .map(|h| strip_port(h.trim()).to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// Whether a request with this `Host` value may proceed.
    pub fn allows(&self, host: Option<&str>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        host.map(|h| strip_port(h.trim()).to_ascii_lowercase())
            .is_some_and(|h| self.0.contains(&h))
    }
}

/// `name:port` → `name`; `[v6]:port` → `[v6]`; a bare IPv6 address is left whole.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// The middleware: 421 Misdirected Request for a host outside the list.
pub(crate) async fn check(hosts: AllowedHosts, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if hosts.allows(host) {
        next.run(request).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer for that Host\n",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_without_ports_and_case() {
        let hosts = AllowedHosts::new(&["Example.org".to_owned(), "127.0.0.1:8080".to_owned()]);
        assert!(hosts.allows(Some("example.org:443")));
        assert!(hosts.allows(Some("127.0.0.1")));
        assert!(!hosts.allows(Some("attacker.example")));
        assert!(!hosts.allows(None));
        assert!(AllowedHosts::new(&[]).allows(Some("anything")));
        assert!(AllowedHosts::new(&["*".to_owned()]).allows(None));
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("::1"), "::1");
    }
}
