//! Prepared documents: the parsed form of a query text and the results of the checks that depend
//! on the text alone, kept by the exact text.
//!
//! Clients send few distinct documents with varying variables, so parsing and the admission
//! checks (lexical limits, expanded size, depth, and the cost when no variable feeds a count
//! argument) are done once per text. Only documents that pass every text-only check are kept:
//! a refused document is checked again each time it is sent, with the same answer. Nothing here
//! depends on the graph snapshot or its data, so a reload leaves it as it is (the schema and the
//! cost model never change while a server runs).
//!
//! async-graphql takes the parsed document by value and consumes it, so each request executes
//! on a clone (reference-counted names, so much cheaper than parsing); its own validation still
//! runs for each request, as it depends on the variables.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// A document that passed the text-only checks.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The parsed document.
    pub(crate) doc: ExecutableDocument,
    /// Its cost and traversals, when no variable feeds them (else they are computed for each
    /// request).
    pub(crate) fixed: Option<super::Weight>,
}

/// Estimated memory of a parsed document per byte of its text.
const BYTES_PER_TEXT_BYTE: u64 = 24;

#[derive(Debug, Clone, Copy, Default)]
struct ByText;

impl Weighter<Box<str>, Arc<Prepared>> for ByText {
    fn weight(&self, key: &Box<str>, _: &Arc<Prepared>) -> u64 {
        key.len() as u64 * (BYTES_PER_TEXT_BYTE + 1) + 256
    }
}

/// Prepared documents by query text, bounded by an estimate of their memory.
pub(crate) struct Documents {
    cache: Option<Cache<Box<str>, Arc<Prepared>, ByText>>,
}

impl Documents {
    /// A store of at most about `bytes` bytes; 0 disables it.
    pub(crate) fn new(bytes: u64) -> Self {
        let cache = (bytes > 0).then(|| {
            let estimated_items = usize::try_from(bytes / 8192).unwrap_or(1024).max(16);
            Cache::with_weighter(estimated_items, bytes, ByText)
        });
        Documents { cache }
    }

    /// The prepared form of `query`, if it is kept.
    pub(crate) fn get(&self, query: &str) -> Option<Arc<Prepared>> {
        self.cache.as_ref()?.get(query)
    }

    /// Keeps the prepared form of `query`.
    pub(crate) fn put(&self, query: &str, prepared: Arc<Prepared>) {
        if let Some(cache) = &self.cache {
            cache.insert(query.into(), prepared);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_by_exact_text() {
        let docs = Documents::new(1 << 20);
        let text = "{ stats { entities } }";
        let doc = async_graphql::parser::parse_query(text).expect("parses");
        docs.put(
            text,
            Arc::new(Prepared {
                doc,
                fixed: Some(super::super::Weight {
                    cost: 2,
                    traversals: 0,
                }),
            }),
        );
        assert_eq!(
            docs.get(text).and_then(|p| p.fixed).map(|w| w.cost),
            Some(2)
        );
        assert!(docs.get("{ stats { entities }}").is_none());
        assert!(Documents::new(0).get(text).is_none());
    }
}
