//! The response cache and the automatic-persisted-query store.
//!
//! Responses are pure functions of (graph snapshot, request), so a successful response is kept,
//! keyed by the snapshot's data fingerprint, the response media type and the normalized request
//! (query text, operation name, variables with sorted keys). The cache is bounded in bytes
//! (S3-FIFO eviction, `quick_cache`) and cleared when a reload swaps the snapshot. Each entry
//! carries a strong ETag, so GET responses can be revalidated with `If-None-Match`.
//!
//! Automatic persisted queries (Apollo's protocol): a client sends
//! `extensions.persistedQuery.sha256Hash`; if the server knows the hash the query text may be
//! omitted, which keeps GET URLs short. The store is bounded in bytes too.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

/// Identifies a cacheable request on one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    fingerprint: u64,
    graphql_response_json: bool,
    request: Arc<str>,
}

impl CacheKey {
    pub(crate) fn new(
        fingerprint: u64,
        graphql_response_json: bool,
        query: &str,
        operation_name: Option<&str>,
        variables: Option<&serde_json::Value>,
    ) -> Self {
        // serde_json's maps are ordered (BTreeMap), so equal variables serialize equally.
        let variables = variables.map_or_else(String::new, serde_json::Value::to_string);
        let request = format!(
            "{}\u{0}{}\u{0}{}",
            operation_name.unwrap_or(""),
            variables,
            query
        );
        CacheKey {
            fingerprint,
            graphql_response_json,
            request: request.into(),
        }
    }
}

/// A response as sent.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) etag: HeaderValue,
}

#[derive(Debug, Clone, Copy, Default)]
struct ByBytes;

impl Weighter<CacheKey, Cached> for ByBytes {
    fn weight(&self, key: &CacheKey, value: &Cached) -> u64 {
        (key.request.len() + value.body.len() + 96) as u64
    }
}

impl Weighter<String, Arc<str>> for ByBytes {
    fn weight(&self, key: &String, value: &Arc<str>) -> u64 {
        (key.len() + value.len() + 64) as u64
    }
}

/// Successful responses, bounded in bytes.
pub(crate) struct ResponseCache {
    cache: Option<Cache<CacheKey, Cached, ByBytes>>,
}

impl ResponseCache {
    /// A cache of at most `bytes` bytes; 0 disables it.
    pub(crate) fn new(bytes: u64) -> Self {
        let cache = (bytes > 0).then(|| {
            let estimated_items = usize::try_from(bytes / 2048).unwrap_or(1024).max(16);
            Cache::with_weighter(estimated_items, bytes, ByBytes)
        });
        ResponseCache { cache }
    }

    pub(crate) fn get(&self, key: &CacheKey) -> Option<Cached> {
        self.cache.as_ref()?.get(key)
    }

    /// Stores a response, returning it with its ETag.
    pub(crate) fn put(&self, key: CacheKey, status: StatusCode, body: Bytes) -> Cached {
        let cached = Cached {
            status,
            etag: etag(key.fingerprint, &body),
            body,
        };
        if let Some(cache) = &self.cache {
            cache.insert(key, cached.clone());
        }
        cached
    }

    /// Forgets everything (after a reload).
    pub(crate) fn clear(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
    }
}

/// A strong ETag: the snapshot fingerprint and a hash of the body.
pub(crate) fn etag(fingerprint: u64, body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let mut tag = format!("\"{fingerprint:016x}-");
    for byte in &digest[..8] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag.push('"');
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Whether an `If-None-Match` header value matches `etag`.
pub(crate) fn matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = if_none_match.to_str() else {
        return false;
    };
    let Ok(tag) = etag.to_str() else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
}

/// Why a persisted-query request cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PersistedQueryError {
    /// The hash is unknown and no query was sent: the client should resend with the query.
    NotFound,
    /// The query's SHA-256 is not the hash sent with it.
    HashMismatch,
    /// The extension is malformed or of an unsupported version.
    Malformed(&'static str),
}

/// Queries by SHA-256, bounded in bytes.
pub(crate) struct PersistedQueries {
    store: Cache<String, Arc<str>, ByBytes>,
}

impl PersistedQueries {
    pub(crate) fn new(bytes: u64) -> Self {
        let estimated_items = usize::try_from(bytes / 1024).unwrap_or(1024).max(16);
        PersistedQueries {
            store: Cache::with_weighter(estimated_items, bytes.max(1), ByBytes),
        }
    }

    /// Resolves the query text of a request: the sent text (registering it under its hash when
    /// the extension is present), or the registered text for the hash.
    pub(crate) fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&serde_json::Value>,
    ) -> Result<Option<String>, PersistedQueryError> {
        let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Ok(query);
        };
        if pq.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(PersistedQueryError::Malformed(
                "persistedQuery.version must be 1",
            ));
        }
        let Some(hash) = pq.get("sha256Hash").and_then(serde_json::Value::as_str) else {
            return Err(PersistedQueryError::Malformed(
                "persistedQuery.sha256Hash must be a string",
            ));
        };
        let hash = hash.to_ascii_lowercase();
        match query {
            Some(query) => {
                if hex_sha256(&query) != hash {
                    return Err(PersistedQueryError::HashMismatch);
                }
                self.store.insert(hash, Arc::from(query.as_str()));
                Ok(Some(query))
            }
            None => match self.store.get(&hash) {
                Some(query) => Ok(Some(query.to_string())),
                None => Err(PersistedQueryError::NotFound),
            },
        }
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisted_queries_round_trip() {
        let store = PersistedQueries::new(1 << 20);
        let query = "{ stats { entities } }".to_owned();
        let hash = hex_sha256(&query);
        let ext = serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        assert_eq!(
            store.resolve(None, Some(&ext)),
            Err(PersistedQueryError::NotFound)
        );
        assert_eq!(
            store.resolve(Some(query.clone()), Some(&ext)),
            Ok(Some(query.clone()))
        );
        assert_eq!(store.resolve(None, Some(&ext)), Ok(Some(query)));
        assert_eq!(
            store.resolve(Some("{ other }".to_owned()), Some(&ext)),
            Err(PersistedQueryError::HashMismatch)
        );
    }

    #[test]
    fn keys_ignore_variable_order() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":2}"#).expect("json");
        let b: serde_json::Value = serde_json::from_str(r#"{"b":2,"a":1}"#).expect("json");
        assert_eq!(
            CacheKey::new(1, true, "q", None, Some(&a)),
            CacheKey::new(1, true, "q", None, Some(&b))
        );
        assert_ne!(
            CacheKey::new(1, true, "q", None, Some(&a)),
            CacheKey::new(2, true, "q", None, Some(&a))
        );
    }

    #[test]
    fn etags_match_lists_and_weak_forms() {
        let tag = etag(7, b"body");
        let raw = tag.to_str().expect("ascii").to_owned();
        assert!(matches(&HeaderValue::from_str(&raw).expect("hv"), &tag));
        assert!(matches(
            &HeaderValue::from_str(&format!("\"x\", W/{raw}")).expect("hv"),
            &tag
        ));
        assert!(!matches(&HeaderValue::from_static("\"nope\""), &tag));
    }
}
