//! The response cache and the automatic-persisted-query store.
//!
//! Responses are pure functions of (graph snapshot, request), so a successful query's response
//! is kept (from the second time its request is seen: see [`ResponseCache`]), keyed by the
//! response media type, the principal and the normalized request (query text, operation name,
//! variables with sorted keys), with what its execution read from the graph
//! ([`crate::graph::Reads`]). A kept response answers on a later data version as long as no
//! write since touched what it read ([`Cached::holds_on`]): a write to one entity leaves the
//! answers about others standing. The cache is bounded in bytes (S3-FIFO eviction,
//! `quick_cache`) and cleared when a reload swaps the snapshot. Each entry carries a strong
//! ETag, so GET responses can be revalidated with `If-None-Match`.
//!
//! Automatic persisted queries (Apollo's protocol): a client sends
//! `extensions.persistedQuery.sha256Hash`; if the server knows the hash the query text may be
//! omitted, which keeps GET URLs short. The store is bounded in bytes too.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Equivalent, Weighter};
use sha2::{Digest, Sha256};

use crate::graph::{KnowledgeGraph, Reads};

/// The parts of a request that identify its response. Borrowed, so a lookup allocates
/// nothing; an owned [`CacheKey`] is made only to insert.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyParts<'a> {
    pub(crate) graphql_response_json: bool,
    /// Whose response it is: empty for an anonymous request, else the principal's
    /// [`crate::auth::Principal::identity`]. So an answer made for one principal is never
    /// read by another (responses may depend on who asks), nor by an anonymous request.
    pub(crate) principal: &'a str,
    /// The operation name, or `None` when the request names none. `Some("")` is a different
    /// key: async-graphql refuses an empty name (no operation matches it) but runs the only
    /// operation when the name is absent, so the two must never share an answer.
    pub(crate) operation_name: Option<&'a str>,
    /// The variables serialized with sorted keys (see [`variables_text`]); empty when absent.
    pub(crate) variables: &'a str,
    pub(crate) query: &'a str,
}

impl KeyParts<'_> {
    fn hash_into<H: Hasher>(&self, state: &mut H) {
        self.graphql_response_json.hash(state);
        self.principal.hash(state);
        self.operation_name.hash(state);
        self.variables.hash(state);
        self.query.hash(state);
    }
}

impl Hash for KeyParts<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_into(state);
    }
}

/// Serializes a request's variables for a key: serde_json's maps are ordered (BTreeMap), so
/// equal variables serialize equally.
pub(crate) fn variables_text(variables: Option<&serde_json::Value>) -> String {
    variables.map_or_else(String::new, serde_json::Value::to_string)
}

/// Identifies a cacheable request: the parts of [`KeyParts`], owned, in one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey {
    graphql_response_json: bool,
    /// Whether the request named an operation (its name may be empty).
    named: bool,
    /// The principal, the operation name, the variables and the query, back to back.
    text: Box<str>,
    principal_end: usize,
    operation_end: usize,
    variables_end: usize,
}

impl CacheKey {
    pub(crate) fn new(parts: &KeyParts<'_>) -> Self {
        let operation_name = parts.operation_name.unwrap_or("");
        let mut text = String::with_capacity(
            parts.principal.len()
                + operation_name.len()
                + parts.variables.len()
                + parts.query.len(),
        );
        text.push_str(parts.principal);
        text.push_str(operation_name);
        text.push_str(parts.variables);
        text.push_str(parts.query);
        CacheKey {
            graphql_response_json: parts.graphql_response_json,
            named: parts.operation_name.is_some(),
            principal_end: parts.principal.len(),
            operation_end: parts.principal.len() + operation_name.len(),
            variables_end: parts.principal.len() + operation_name.len() + parts.variables.len(),
            text: text.into_boxed_str(),
        }
    }

    fn parts(&self) -> KeyParts<'_> {
        KeyParts {
            graphql_response_json: self.graphql_response_json,
            principal: &self.text[..self.principal_end],
            operation_name: self
                .named
                .then(|| &self.text[self.principal_end..self.operation_end]),
            variables: &self.text[self.operation_end..self.variables_end],
            query: &self.text[self.variables_end..],
        }
    }
}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash_into(state);
    }
}

impl Equivalent<CacheKey> for KeyParts<'_> {
    fn equivalent(&self, key: &CacheKey) -> bool {
        let other = key.parts();
        self.graphql_response_json == other.graphql_response_json
            && self.principal == other.principal
            && self.operation_name == other.operation_name
            && self.variables == other.variables
            && self.query == other.query
    }
}

/// A response as sent. Shared (`Arc`) between the cache and the requests it answers.
#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    /// The data version it was made on.
    fingerprint: u64,
    /// What it was made from.
    reads: Reads,
    /// A data version it holds on: its own, or a later one it was checked against since.
    held_on: AtomicU64,
    /// Computed the first time a GET response needs it (POST responses carry none).
    etag: OnceLock<HeaderValue>,
}

impl Cached {
    /// A response on the snapshot with `fingerprint`, made from `reads` (a response whose reads
    /// were not recorded holds on its own data version only: [`Reads::everything`]).
    pub(crate) fn new(fingerprint: u64, status: StatusCode, body: Bytes, reads: Reads) -> Self {
        Cached {
            status,
            body,
            fingerprint,
            reads,
            held_on: AtomicU64::new(fingerprint),
            etag: OnceLock::new(),
        }
    }

    /// Whether the response still answers its request on `graph`: no write between the
    /// version it is known to hold on and `graph`'s touched what it read. Remembers `graph`'s
    /// version when it does, so the next check walks only the writes after it.
    pub(crate) fn holds_on(&self, graph: &KnowledgeGraph) -> bool {
        let held_on = self.held_on.load(Relaxed);
        let holds = graph.still_answers(&self.reads, held_on);
        if holds {
            // Any version stored here is one the response holds on, so a race between two
            // checks leaves a correct value either way.
            self.held_on.store(graph.fingerprint(), Relaxed);
        }
        holds
    }

    /// The response's strong ETag.
    pub(crate) fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| etag(self.fingerprint, &self.body))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct ByBytes;

impl Weighter<CacheKey, Arc<Cached>> for ByBytes {
    fn weight(&self, key: &CacheKey, value: &Arc<Cached>) -> u64 {
        (key.text.len() + value.body.len() + value.reads.bytes() + 128) as u64
    }
}

impl Weighter<String, Arc<str>> for ByBytes {
    fn weight(&self, key: &String, value: &Arc<str>) -> u64 {
        (key.len() + value.len() + 64) as u64
    }
}

/// Successful responses, bounded in bytes.
///
/// A response is kept the second time its request is seen, not the first: a doorkeeper (a
/// Bloom filter of the requests seen, two bits each, emptied once it has taken in an eighth of
/// its bits' worth of requests) lets a request in only when both its bits are already set.
/// Requests that never repeat (varying variables) then cost a hash and two bit sets, not an
/// insertion and a later eviction: churning the cache with them fragments the heap, which made
/// every allocation, on misses and hits alike, slower. (A first doorkeeper kept the last hash
/// per slot: two requests sharing a slot and asked in turn pushed each other out forever, and
/// 457 of 4,000 bodies a benchmark cycled through were never kept.)
pub(crate) struct ResponseCache {
    cache: Option<Cache<CacheKey, Arc<Cached>, ByBytes>>,
    hasher: DefaultHashBuilder,
    /// The doorkeeper's bits (a power of two of words).
    seen: Box<[AtomicU64]>,
    /// Requests taken in since the bits were last emptied.
    sightings: AtomicU64,
}

impl ResponseCache {
    /// A cache of at most `bytes` bytes; 0 disables it.
    pub(crate) fn new(bytes: u64) -> Self {
        let estimated_items = usize::try_from(bytes / 2048).unwrap_or(1024).max(16);
        let cache = (bytes > 0).then(|| Cache::with_weighter(estimated_items, bytes, ByBytes));
        // Eight bits per item the cache may hold.
        let words = if cache.is_some() {
            (estimated_items.clamp(1 << 10, 1 << 20) / 8).next_power_of_two()
        } else {
            0
        };
        ResponseCache {
            cache,
            hasher: DefaultHashBuilder::default(),
            seen: (0..words).map(|_| AtomicU64::new(0)).collect(),
            sightings: AtomicU64::new(0),
        }
    }

    /// Whether responses are kept at all.
    pub(crate) fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    pub(crate) fn get(&self, key: &KeyParts<'_>) -> Option<Arc<Cached>> {
        self.cache.as_ref()?.get(key)
    }

    /// Whether the response to a request that missed should be kept: true when the same
    /// request was seen recently (see the type's documentation). Records this sighting.
    pub(crate) fn admit(&self, key: &KeyParts<'_>) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        let hash = self.hasher.hash_one(key);
        let bits = self.seen.len() as u64 * 64;
        // `bits` is a power of two: a mask keeps a position's low bits.
        let known = [hash, hash >> 32].iter().fold(true, |known, half| {
            let bit = half & (bits - 1);
            let mask = 1 << (bit % 64);
            let word = &self.seen[(bit / 64) as usize];
            word.fetch_or(mask, Relaxed) & mask != 0 && known
        });
        // Emptied at an eighth of its bits' worth of requests: a request seen once is then let
        // in by mistake about once in 20 (both its bits set by others).
        if !known && self.sightings.fetch_add(1, Relaxed) + 1 >= bits / 8 {
            self.sightings.store(0, Relaxed);
            for word in &self.seen {
                word.store(0, Relaxed);
            }
        }
        known
    }

    /// Keeps a response (when the cache is on).
    pub(crate) fn put(&self, key: CacheKey, cached: Arc<Cached>) {
        if let Some(cache) = &self.cache {
            cache.insert(key, cached);
        }
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
    use std::fmt::Write as _;
    let digest = Sha256::digest(body);
    let mut tag = String::with_capacity(36);
    let _ = write!(tag, "\"{fingerprint:016x}-");
    for byte in &digest[..8] {
        let _ = write!(tag, "{byte:02x}");
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
        let (a, b) = (variables_text(Some(&a)), variables_text(Some(&b)));
        let parts = |variables| KeyParts {
            graphql_response_json: true,
            principal: "",
            operation_name: None,
            variables,
            query: "q",
        };
        assert_eq!(CacheKey::new(&parts(&a)), CacheKey::new(&parts(&b)));
        assert_ne!(CacheKey::new(&parts(&a)), CacheKey::new(&parts("")));
    }

    #[test]
    fn an_empty_operation_name_is_not_an_absent_one() {
        let parts = |operation_name| KeyParts {
            graphql_response_json: true,
            principal: "",
            operation_name,
            variables: "",
            query: "q",
        };
        assert_ne!(CacheKey::new(&parts(None)), CacheKey::new(&parts(Some(""))));
        let cache = ResponseCache::new(1 << 20);
        cache.put(
            CacheKey::new(&parts(None)),
            Arc::new(Cached::new(
                1,
                StatusCode::OK,
                Bytes::from_static(b"x"),
                Reads::everything(),
            )),
        );
        assert!(cache.get(&parts(Some(""))).is_none());
        assert!(cache.get(&parts(None)).is_some());
    }

    /// An entry kept for one principal is found by that principal only: not by another, not
    /// by an anonymous request, and not by bytes shifted across the principal's boundary.
    #[test]
    fn an_entry_belongs_to_one_principal() {
        let parts = |principal| KeyParts {
            graphql_response_json: false,
            principal,
            operation_name: None,
            variables: "",
            query: "{ a }",
        };
        let cache = ResponseCache::new(1 << 20);
        cache.put(
            CacheKey::new(&parts("editor\nalice")),
            Arc::new(Cached::new(
                1,
                StatusCode::OK,
                Bytes::from_static(b"x"),
                Reads::everything(),
            )),
        );
        assert!(cache.get(&parts("editor\nalice")).is_some());
        assert!(cache.get(&parts("editor\nbob")).is_none());
        assert!(cache.get(&parts("reader\nalice")).is_none());
        assert!(cache.get(&parts("")).is_none());
        let shifted = KeyParts {
            principal: "editor\nalice{",
            query: " a }",
            ..parts("")
        };
        assert!(cache.get(&shifted).is_none());
    }

    #[test]
    fn lookups_by_parts_find_owned_keys_and_respect_boundaries() {
        let cache = ResponseCache::new(1 << 20);
        let parts = KeyParts {
            graphql_response_json: false,
            principal: "",
            operation_name: Some("Op"),
            variables: "{}",
            query: "{ a }",
        };
        assert!(!cache.admit(&parts), "first sighting");
        assert!(cache.admit(&parts), "second sighting");
        cache.put(
            CacheKey::new(&parts),
            Arc::new(Cached::new(
                1,
                StatusCode::OK,
                Bytes::from_static(b"x"),
                Reads::everything(),
            )),
        );
        assert!(cache.get(&parts).is_some());
        // The same bytes split differently are another request.
        let shifted = KeyParts {
            operation_name: Some("O"),
            variables: "p{}",
            ..parts
        };
        assert!(cache.get(&shifted).is_none());
        let other_media = KeyParts {
            graphql_response_json: true,
            ..parts
        };
        assert!(cache.get(&other_media).is_none());
    }

    /// Every request of a list asked in turn is kept from its second round, however their
    /// hashes fall (the first doorkeeper starved pairs that shared a slot).
    #[test]
    fn requests_asked_in_turn_are_all_let_in_the_second_time() {
        let cache = ResponseCache::new(64 << 20);
        let queries: Vec<String> = (0..4000).map(|i| format!("{{ q{i} }}")).collect();
        fn parts(query: &str) -> KeyParts<'_> {
            KeyParts {
                graphql_response_json: false,
                principal: "",
                operation_name: None,
                variables: "",
                query,
            }
        }
        let first = queries.iter().filter(|q| cache.admit(&parts(q))).count();
        assert!(
            first < 400,
            "{first} of 4000 let in on their first sighting"
        );
        let second = queries.iter().filter(|q| cache.admit(&parts(q))).count();
        assert_eq!(second, 4000);
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
