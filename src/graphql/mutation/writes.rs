//! [`Writes`]: the one writer of a server with a store. It holds the [`Store`] behind a mutex
//! (one change set at a time, in version order), the served graph's `ArcSwap` (the one the
//! transport reads each request's snapshot from) and the [`ChangeFeed`].
//!
//! A write runs on a blocking thread: validate, append to the journal (synced), apply it to the
//! served graph as a delta over its base (no rebuild), swap it in (one pointer store: a reader
//! sees all of a change set or none of it), then publish the change set's own ids to subscribers
//! (no graph diff). When the delta has grown, a fold builds a new base on a thread of its own and
//! swaps it in under the same lock. A reload (`rebase`) takes
//! the same lock, so a write never lands on a graph a reload is about to replace.
//!
//! Invariant: the graph is swapped only under the store's lock, and only after the change set
//! is durable.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwap;

use super::super::subscription::{ChangeFeed, GraphDiff};
use crate::dataset::SourceTexts;
use crate::graph::KnowledgeGraph;
use crate::store::{ChangeSet, Committed, FoldTicket, Store, StoreError, WriteError};

/// The fewest records in a delta that make a fold due by default (see [`fold_threshold`]).
pub const DEFAULT_FOLD_AFTER: usize = 8_192;

/// Records in a delta that make a fold due: `configured`, or by default the larger of
/// [`DEFAULT_FOLD_AFTER`] and a 32nd of the graph's entities. A fold costs about a build of the
/// graph (O(entities)), so a threshold that grows with the graph keeps a fold's share of each
/// write's cost flat: at 1M entities, folding every 8,192 writes cost each write about 1.7 ms of
/// CPU (builds of about 20 s in the server; see docs/writes.md, "What a write stream costs the
/// server"). A larger delta makes filtered lists slower (they visit its own entities per
/// query), which is why it is not larger.
pub fn fold_threshold(configured: Option<usize>, entities: usize) -> usize {
    configured
        .unwrap_or_else(|| DEFAULT_FOLD_AFTER.max(entities / 32))
        .max(1)
}

/// Reads the base data's source texts (a `DirTexts`, or none for a snapshot).
pub type BaseTexts = Arc<dyn SourceTexts + Send + Sync>;

/// The writer of a server with a store (see the module doc). Shared as `Arc<Writes>`.
pub struct Writes {
    store: Mutex<Store>,
    graph: Arc<ArcSwap<KnowledgeGraph>>,
    feed: Arc<ChangeFeed>,
    texts: BaseTexts,
    /// Fold once the delta holds this many records (`None`: [`fold_threshold`]'s default).
    fold_after: Option<usize>,
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
            fold_after: None,
        }
    }

    /// Folds once the delta holds `records` records (at least 1), whatever the graph's size.
    pub fn with_fold_after(mut self, records: usize) -> Self {
        self.fold_after = Some(records.max(1));
        self
    }

    /// A fold of the store's graph, if one is due.
    fn fold_due(&self, store: &mut Store) -> Option<FoldTicket> {
        let after = fold_threshold(self.fold_after, store.graph().entity_count());
        store.fold_due(after)
    }

    /// Makes the store's working records (what writes are validated against) on a thread of
    /// its own, when the store has none yet (start-up, a reload): O(entities + relations) that
    /// the first write would otherwise wait for. Call it once the writer is shared.
    ///
    /// Then, or at once when the records are there, starts a fold if one is due: one background
    /// job at a time, so that a start-up with many stored changes leaves a core to serve.
    pub fn prepare_working(self: &Arc<Self>) {
        let Some(job) = self.store().working_job() else {
            self.fold_if_due();
            return;
        };
        let writes = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("reegraph-working".to_owned())
            .spawn(move || {
                let epoch = job.epoch;
                let started = std::time::Instant::now();
                let working = job.run();
                writes.store().set_working(working, epoch);
                tracing::info!(
                    took_ms = started.elapsed().as_millis() as u64,
                    "working records made; writes validate against them"
                );
                writes.fold_if_due();
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot prepare the working records; the first write makes them");
        }
    }

    /// Starts a fold now if one is due (after start-up's replay left a large delta).
    pub fn fold_if_due(self: &Arc<Self>) {
        let ticket = self.fold_due(&mut self.store());
        if let Some(ticket) = ticket {
            self.fold(ticket);
        }
    }

    /// The store, locked.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits `set` (blocking: call it off the async workers) and swaps in the new graph;
    /// starts a fold in the background when the delta has grown past `fold_after` records.
    pub fn write(self: &Arc<Self>, set: ChangeSet) -> Result<Arc<Committed>, WriteError> {
        let mut store = self.store();
        let written = store.write(set, self.texts.as_ref())?;
        let graph = written.graph;
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
        if let Some(ticket) = self.fold_due(&mut store) {
            drop(store);
            self.fold(ticket);
        }
        Ok(written.committed)
    }

    /// Folds the ticket's graph into a new base on a thread of its own, then, under the
    /// store's lock, catches it up with the writes since and swaps it in: the same answers,
    /// the same data version (no cache is emptied, no subscriber told), base-speed reads.
    fn fold(self: &Arc<Self>, ticket: FoldTicket) {
        let writes = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("reegraph-fold".to_owned())
            .spawn(move || {
                let started = std::time::Instant::now();
                let pending = ticket.graph.pending();
                let folded =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ticket.graph.fold()));
                let mut store = writes.store();
                let Ok(folded) = folded else {
                    store.fold_failed(&ticket);
                    tracing::error!("a fold failed; reads stay on the delta");
                    return;
                };
                if let Some(graph) = store.adopt(ticket, folded) {
                    writes.graph.store(graph);
                    tracing::info!(
                        records = pending,
                        took_ms = started.elapsed().as_millis() as u64,
                        "folded the writes into a new base"
                    );
                    // The writes made meanwhile may be due a fold of their own.
                    if let Some(next) = writes.fold_due(&mut store) {
                        drop(store);
                        writes.fold(next);
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start a fold; reads stay on the delta");
        }
    }

    /// Replays the stored change sets on a new base (a reload) and hands the graph to
    /// `replace` under the store's lock; on an error nothing is replaced.
    pub fn rebase(
        self: &Arc<Self>,
        base: Arc<KnowledgeGraph>,
        replace: impl FnOnce(Arc<KnowledgeGraph>),
    ) -> Result<(), StoreError> {
        let mut store = self.store();
        let graph = store.rebase(base, self.texts.as_ref())?;
        replace(graph);
        drop(store);
        self.prepare_working();
        Ok(())
    }

    /// The base data's source texts.
    pub fn base_texts(&self) -> &dyn SourceTexts {
        self.texts.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::{DEFAULT_FOLD_AFTER, fold_threshold};

    #[test]
    fn the_fold_threshold_grows_with_the_graph_unless_configured() {
        assert_eq!(fold_threshold(None, 216), DEFAULT_FOLD_AFTER);
        assert_eq!(fold_threshold(None, 262_144), DEFAULT_FOLD_AFTER);
        assert_eq!(fold_threshold(None, 1_000_000), 31_250);
        assert_eq!(fold_threshold(Some(4), 1_000_000), 4);
        assert_eq!(fold_threshold(Some(0), 10), 1);
    }
}
