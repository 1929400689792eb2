//! What a query read and what a write changed, so that an answer can outlive the writes that
//! did not touch what it was made from (the response cache's validity, see `http::cache`).
//!
//! **Reads.** [`recording`] runs a future (a query's execution) with a recorder in a tokio
//! task-local: the graph's accessors note what they are asked for, on the task that asks, and
//! nowhere else (while no recording is under way a note is one relaxed load). What is noted:
//! - an entity, by key, whenever its record, its filter row, its degree or its relations are
//!   read ([`KnowledgeGraph::entity`], `incident`, `degree`, ...), and both ends of a relation
//!   whose record is read;
//! - an id looked up, found or not (so an answer that found nothing is stale once the id exists);
//! - a kind, when a read covers every entity of it (counts, pages, search, filtered lists);
//! - relations as a whole (counts of relations, every relation);
//! - the hub degree's value (`related`'s threshold, which moves with the mean degree);
//! - everything: reads the graph cannot follow (the data version, the store's history), or
//!   more than [`MAX_ENTITIES`] entities (a read that broad is stale after almost any write).
//!
//! **Changes.** Each graph made by a write carries a [`Trail`]: for each of the last writes
//! (at least [`TRAIL`]), the data version it was applied to and what it changed (the ids of the
//! entities it wrote or retracted and of both ends of each relation it wrote or retracted, their
//! kinds, whether relations changed). [`KnowledgeGraph::still_answers`] walks the trail back
//! from the graph to the version an answer was made on: the answer stands when no change on
//! the way touches what it read.
//!
//! Invariant: a change to an entity's record or to its relations names the entity's id, and a
//! read of either notes it: that is what makes a kept answer equal to a fresh one (tested in
//! tests/it/cache_reads.rs against fresh executions after every kind of write).
//!
//! Ids are kept as 32-bit hashes (one fixed hasher for reads and changes), 4 bytes per entity
//! an answer read: a collision only makes an answer look stale (for a write of 2 ids against
//! 8,192 read, about once in 260,000 writes).

use std::cell::RefCell;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::{Edits, EntityKey, KnowledgeGraph};
use crate::model::{EntityId, EntityKind};

/// Beyond this many distinct entities a read is kept as "everything".
const MAX_ENTITIES: usize = 8_192;

/// Beyond this many ids a change is kept as "everything" (a large batch or a replay).
const MAX_CHANGED: usize = 65_536;

/// A graph keeps at least this many of the last writes' changes (at most twice as many): an
/// answer older than that is made again. At 100 writes/s, 41 s of writes.
const TRAIL: usize = 4_096;

/// Every kind's bit.
const ALL_KINDS: u16 = (1 << EntityKind::ALL.len()) - 1;

tokio::task_local! {
    static RECORDER: RefCell<Recorded>;
}

/// Recordings under way in the process: while there are none (the response cache off, or no
/// query running), a note is one relaxed load and a branch, not a task-local lookup (which cost
/// traversals 2-21% in `benches/graph.rs`). A recording's own task sees its increment (the
/// same thread, or a hand-over that synchronizes), so no note of it is lost.
static RECORDING: AtomicUsize = AtomicUsize::new(0);

/// Counts a recording while it lives.
struct Active;

impl Active {
    fn new() -> Active {
        RECORDING.fetch_add(1, Relaxed);
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        RECORDING.fetch_sub(1, Relaxed);
    }
}

/// The hasher of ids, for reads and changes alike (fixed: the same id hashes the same in
/// every graph and every request).
fn hash(id: &str) -> u32 {
    let full = foldhash::fast::FixedState::with_seed(0x7265_6567_7261_7068).hash_one(id);
    (full >> 32) as u32
}

fn kind_bit(kind: EntityKind) -> u16 {
    1 << kind.index()
}

/// What one recording noted so far.
#[derive(Debug, Default)]
pub struct Recorded {
    keys: Vec<u32>,
    ids: Vec<u32>,
    kinds: u16,
    relations: bool,
    everything: bool,
    hub_degree: Option<usize>,
}

impl Recorded {
    /// Notes an entity key; when the list grows long, drops repeats, and past
    /// [`MAX_ENTITIES`] gives up on the details.
    fn key(&mut self, key: u32) {
        if self.keys.last() == Some(&key) {
            return;
        }
        if self.keys.len() >= 2 * MAX_ENTITIES {
            self.keys.sort_unstable();
            self.keys.dedup();
            if self.keys.len() > MAX_ENTITIES {
                self.give_up();
                return;
            }
        }
        self.keys.push(key);
    }

    fn id(&mut self, id: &str) {
        if self.ids.len() >= MAX_ENTITIES {
            self.give_up();
            return;
        }
        self.ids.push(hash(id));
    }

    fn give_up(&mut self) {
        self.everything = true;
        self.keys = Vec::new();
        self.ids = Vec::new();
    }
}

/// Runs `future` while recording what it reads from any graph (see the module doc).
pub async fn recording<F: Future>(future: F) -> (F::Output, Recorded) {
    let _active = Active::new();
    let scoped = RECORDER.scope(RefCell::new(Recorded::default()), future);
    tokio::pin!(scoped);
    let output = (&mut scoped).await;
    let recorded = scoped.as_mut().take_value().map_or_else(
        || Recorded {
            everything: true,
            ..Recorded::default()
        },
        RefCell::into_inner,
    );
    (output, recorded)
}

/// Notes a read in the current recording, if any.
#[inline]
fn note(f: impl FnOnce(&mut Recorded)) {
    if RECORDING.load(Relaxed) == 0 {
        return;
    }
    let _ = RECORDER.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut()
            && !r.everything
        {
            f(&mut r);
        }
    });
}

/// The entity's record, filter row, degree or relations were read.
#[inline]
pub(super) fn entity(key: EntityKey) {
    note(|r| r.key(key.0));
}

/// A relation's record was read: noted as both its ends (whose relations it is part of).
#[inline]
pub(super) fn relation(ends: impl FnOnce() -> (EntityKey, EntityKey)) {
    note(|r| {
        let (from, to) = ends();
        r.key(from.0);
        r.key(to.0);
    });
}

/// An id was looked up.
#[inline]
pub(super) fn id(id: &str) {
    note(|r| r.id(id));
}

/// Every entity of `kinds` was read as a set (none: every kind).
pub(super) fn kinds(kinds: impl IntoIterator<Item = EntityKind>) {
    let mut mask = 0;
    for kind in kinds {
        mask |= kind_bit(kind);
    }
    note(|r| r.kinds |= if mask == 0 { ALL_KINDS } else { mask });
}

/// The relations were read as a set (a count, or every relation).
pub(super) fn relations() {
    note(|r| r.relations = true);
}

/// The hub degree was read.
pub(super) fn hub_degree(value: usize) {
    note(|r| r.hub_degree = Some(value));
}

/// Something was read that the graph's changes cannot follow: the data version, or data held
/// outside the graph (the store's history). An answer that read it stands only on its own
/// data version.
pub fn unfollowed() {
    note(Recorded::give_up);
}

/// What an answer was made from, by id (see the module doc): made by
/// [`KnowledgeGraph::reads_of`], checked by [`KnowledgeGraph::still_answers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Sorted, distinct.
    ids: Box<[u32]>,
    kinds: u16,
    relations: bool,
    everything: bool,
    hub_degree: Option<usize>,
}

impl Reads {
    /// Reads that any change touches.
    pub fn everything() -> Self {
        Reads {
            ids: Box::new([]),
            kinds: ALL_KINDS,
            relations: true,
            everything: true,
            hub_degree: None,
        }
    }

    /// Whether any change touches them.
    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// Bytes held, for a cache's weight.
    pub fn bytes(&self) -> usize {
        size_of::<Self>() + self.ids.len() * size_of::<u32>()
    }
}

/// What one write changed (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Changed {
    /// Sorted, distinct.
    ids: Box<[u32]>,
    kinds: u16,
    relations: bool,
    everything: bool,
}

impl Changed {
    /// What `edits` change, together.
    pub(super) fn of<'e>(edits: impl IntoIterator<Item = &'e Edits>) -> Changed {
        let mut ids = Vec::new();
        let mut kinds = 0;
        let mut relations = false;
        for e in edits {
            for (_, from, to) in &e.retract_relations {
                relations = true;
                ids.extend([hash(from.as_str()), hash(to.as_str())]);
            }
            // An id's prefix is its entity's kind (validated before any edit exists).
            for id in e
                .retract_entities
                .iter()
                .chain(e.entities.iter().map(|w| &w.id))
            {
                ids.push(hash(id.as_str()));
                kinds |= EntityId::kind_of(id.as_str()).map_or(ALL_KINDS, kind_bit);
            }
            for relation in &e.relations {
                relations = true;
                ids.extend([hash(relation.from.as_str()), hash(relation.to.as_str())]);
            }
        }
        if ids.len() > MAX_CHANGED {
            return Changed {
                ids: Box::new([]),
                kinds: ALL_KINDS,
                relations: true,
                everything: true,
            };
        }
        ids.sort_unstable();
        ids.dedup();
        Changed {
            ids: ids.into_boxed_slice(),
            kinds,
            relations,
            everything: false,
        }
    }

    /// Whether this change may alter an answer made from `reads`.
    fn touches(&self, reads: &Reads) -> bool {
        self.everything
            || reads.everything
            || self.kinds & reads.kinds != 0
            || (self.relations && reads.relations)
            || self
                .ids
                .iter()
                .any(|id| reads.ids.binary_search(id).is_ok())
    }
}

/// One write in a [`Trail`]: the data version it was applied to, and what it changed.
#[derive(Debug, Clone)]
struct Link {
    before: u64,
    changed: Arc<Changed>,
}

/// The last writes' changes, oldest first (see the module doc). A persistent vector: a write's
/// copy shares every node but the O(log n) on its path.
#[derive(Debug, Clone, Default)]
pub(super) struct Trail(rpds::VectorSync<Link>);

impl Trail {
    /// This trail with one more write, applied to data version `before`.
    pub(super) fn pushed(&self, before: u64, changed: Changed) -> Trail {
        let link = Link {
            before,
            changed: Arc::new(changed),
        };
        let mut links = if self.0.len() >= 2 * TRAIL {
            self.0.iter().skip(self.0.len() - TRAIL).cloned().collect()
        } else {
            self.0.clone()
        };
        links.push_back_mut(link);
        Trail(links)
    }
}

impl KnowledgeGraph {
    /// What a recording read, by id: its entity keys are this graph's (the graph it ran on).
    pub fn reads_of(&self, recorded: Recorded) -> Reads {
        if recorded.everything {
            return Reads::everything();
        }
        let mut ids = recorded.ids;
        ids.extend(
            recorded
                .keys
                .into_iter()
                .filter(|&k| (k as usize) < self.key_bound())
                .map(|k| hash(self.entity(EntityKey(k)).id.as_str())),
        );
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > MAX_ENTITIES {
            return Reads::everything();
        }
        Reads {
            ids: ids.into_boxed_slice(),
            kinds: recorded.kinds,
            relations: recorded.relations,
            everything: false,
            hub_degree: recorded.hub_degree,
        }
    }

    /// Whether an answer made from `reads`, and known to hold on data version `held_on`, holds
    /// on this graph too: `held_on` is this graph's version or one of its trail's, and no
    /// write since touched the reads (see the module doc).
    pub fn still_answers(&self, reads: &Reads, held_on: u64) -> bool {
        if held_on == self.fingerprint {
            return true;
        }
        if reads.everything || reads.hub_degree.is_some_and(|h| h != self.hub_degree) {
            return false;
        }
        for link in self.trail.0.iter().rev() {
            if link.changed.touches(reads) {
                return false;
            }
            if link.before == held_on {
                return true;
            }
        }
        false
    }

    /// This graph with `other`'s trail, when both are the same data version: a fold (a new
    /// base for the same records) keeps the writes' trail of the graph it replaces.
    pub fn with_trail_of(mut self, other: &KnowledgeGraph) -> KnowledgeGraph {
        if self.fingerprint == other.fingerprint {
            self.trail = other.trail.clone();
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(ids: &[&str], kinds: u16, relations: bool) -> Reads {
        let mut ids: Vec<u32> = ids.iter().map(|i| hash(i)).collect();
        ids.sort_unstable();
        Reads {
            ids: ids.into_boxed_slice(),
            kinds,
            relations,
            everything: false,
            hub_degree: None,
        }
    }

    fn changed(ids: &[&str], kinds: u16, relations: bool) -> Changed {
        let mut ids: Vec<u32> = ids.iter().map(|i| hash(i)).collect();
        ids.sort_unstable();
        Changed {
            ids: ids.into_boxed_slice(),
            kinds,
            relations,
            everything: false,
        }
    }

    #[test]
    fn a_change_touches_reads_that_share_an_id_a_kind_or_the_relations() {
        let r = reads(&["mineral:a", "mineral:b"], 0, false);
        assert!(changed(&["mineral:b"], 0, false).touches(&r));
        assert!(!changed(&["mineral:c"], 0, false).touches(&r));
        let k = reads(&[], kind_bit(EntityKind::Source), false);
        assert!(changed(&["source:x"], kind_bit(EntityKind::Source), false).touches(&k));
        assert!(!changed(&["mineral:x"], kind_bit(EntityKind::Mineral), true).touches(&k));
        let rel = reads(&[], 0, true);
        assert!(changed(&["mineral:x"], 0, true).touches(&rel));
        assert!(changed(&[], 0, false).touches(&Reads::everything()));
    }

    #[test]
    fn a_recording_notes_only_inside_its_scope_and_gives_up_when_broad() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        entity(EntityKey(1));
        let ((), recorded) = rt.block_on(recording(async {
            entity(EntityKey(3));
            entity(EntityKey(3));
            id("mineral:x");
            kinds([EntityKind::Mineral]);
            hub_degree(12);
        }));
        assert_eq!(recorded.keys, [3]);
        assert_eq!(recorded.ids, [hash("mineral:x")]);
        assert_eq!(recorded.kinds, kind_bit(EntityKind::Mineral));
        assert_eq!(recorded.hub_degree, Some(12));
        assert!(!recorded.everything);
        let ((), broad) = rt.block_on(recording(async {
            for k in 0..=MAX_ENTITIES as u32 * 2 {
                entity(EntityKey(k));
            }
        }));
        assert!(broad.everything && broad.keys.is_empty());
        let ((), unfollowed_) = rt.block_on(recording(async { unfollowed() }));
        assert!(unfollowed_.everything);
    }

    #[test]
    fn a_trail_keeps_between_one_and_two_windows_of_writes() {
        let mut trail = Trail::default();
        for v in 0..(3 * TRAIL as u64) {
            trail = trail.pushed(v, Changed::default());
            assert!(trail.0.len() <= 2 * TRAIL);
        }
        assert!(trail.0.len() >= TRAIL);
        let newest = trail.0.last().expect("a link");
        assert_eq!(newest.before, 3 * TRAIL as u64 - 1);
    }
}
