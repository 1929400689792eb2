//! [`Writes`]: the one writer of a server with a store. It holds the [`Store`] behind a mutex
//! (one change set at a time, in version order), the served graph's `ArcSwap` (the one the
//! transport reads each request's snapshot from) and the [`ChangeFeed`].
//!
//! A write runs on a blocking thread: validate, append to the journal (synced), build the new
//! graph, swap it in (one pointer store: a reader sees all of a change set or none of it), then
//! publish the change set's own ids to subscribers (no graph diff). A reload (`rebase`) takes
//! the same lock, so a write never lands on a graph a reload is about to replace.
//!
//! Invariant: the graph is swapped only under the store's lock, and only after the change set
//! is durable.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwap;

use super::super::subscription::{ChangeFeed, GraphDiff};
use crate::dataset::SourceTexts;
use crate::graph::KnowledgeGraph;
use crate::store::{ChangeSet, Committed, Store, StoreError, WriteError};

/// Reads the base data's source texts (a `DirTexts`, or none for a snapshot).
pub type BaseTexts = Arc<dyn SourceTexts + Send + Sync>;

/// The writer of a server with a store (see the module doc). Shared as `Arc<Writes>`.
pub struct Writes {
    store: Mutex<Store>,
    graph: Arc<ArcSwap<KnowledgeGraph>>,
    feed: Arc<ChangeFeed>,
    texts: BaseTexts,
}

impl std::fmt::Debug for Writes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writes").finish_non_exhaustive()
    }
}

impl Writes {
    /// A writer over `store`, swapping `graph` and publishing to `feed`.
    pub fn new(
        store: Store,
        graph: Arc<ArcSwap<KnowledgeGraph>>,
        feed: Arc<ChangeFeed>,
        texts: BaseTexts,
    ) -> Self {
        Writes {
            store: Mutex::new(store),
            graph,
            feed,
            texts,
        }
    }

    /// The store, locked.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits `set` (blocking: call it off the async workers) and swaps in the new graph.
    pub fn write(&self, set: ChangeSet) -> Result<Arc<Committed>, WriteError> {
        let mut store = self.store();
        let written = store.write(set, self.texts.as_ref())?;
        let graph = Arc::new(written.graph);
        let old = self.graph.swap(Arc::clone(&graph));
        let stats = graph.stats();
        let touched = written.touched;
        self.feed.send(GraphDiff {
            previous_version: old.fingerprint(),
            version: graph.fingerprint(),
            entities: stats.entities,
            relations: stats.relations,
            added: touched.added,
            removed: touched.removed,
            changed: touched.changed,
        });
        Ok(written.committed)
    }

    /// Replays the stored change sets on a new base (a reload) and hands the graph to
    /// `replace` under the store's lock; on an error nothing is replaced.
    pub fn rebase(
        &self,
        base: Arc<KnowledgeGraph>,
        replace: impl FnOnce(Arc<KnowledgeGraph>),
    ) -> Result<(), StoreError> {
        let mut store = self.store();
        let graph = store.rebase(base, self.texts.as_ref())?;
        replace(graph);
        Ok(())
    }

    /// The base data's source texts.
    pub fn base_texts(&self) -> &dyn SourceTexts {
        self.texts.as_ref()
    }
}
