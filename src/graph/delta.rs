//! The write path over an immutable base (issue 16): [`Edits`] (the records a committed change
//! set writes, resolved) and the [`Delta`] they build beside a graph's [`Base`], so a write costs
//! about O(log of the delta) instead of a rebuild.
//!
//! A delta holds the current records of the base entities and relations a write changed, the
//! entities and relations it added (keys past the base's, in write order), which keys are
//! retracted, and each touched entity's extra adjacency (added relations, outgoing and
//! incoming, in write order) and degree change; bit sets over the base keys say which base
//! records differ, so a reader pays one bit test where the base may be stale. Indexes over sets of
//! entities (kind lists, search, filters) skip the base entities a delta changed and visit the
//! delta's own entities beside the base's answer ([`KnowledgeGraph::delta_keys`]).
//!
//! Each write clones the delta and applies the edits to the copy: graphs already handed to readers
//! never change. The clone is cheap: the maps are persistent (`rpds` hash tries, a change copies
//! the O(log n) nodes on its path), the bit sets (an eighth of a byte per base record) are shared
//! until a write sets a bit not yet set, and each kind's sorted list of added entities is shared
//! until a write adds or retracts one of that kind (then copied: 4 bytes per entry). With the
//! hashbrown maps copied whole, a write's CPU grew with the delta, from 0.45 ms to 1 ms over
//! 30,000 writes at 1M entities (examples/write_latency); now it stays about 0.25-0.28 ms (with
//! a write's validation on one thread as well, see docs/writes.md).
//!
//! A fold ([`KnowledgeGraph::fold`]) builds a new base from the live records when the delta has
//! grown, off the writer's path.
//!
//! Invariant: a graph with a delta answers every query as [`KnowledgeGraph::new`] would on
//! [`KnowledgeGraph::to_dataset`] (the live records, base order then write order), keys aside
//! (tested in tests/it/store_delta.rs against that very rebuild).

use std::sync::{Arc, OnceLock};

use fixedbitset::FixedBitSet;

use super::reads::Changed;
use super::search::SearchIndex;
use super::{AdjacencyEntry, Base, EntityKey, KnowledgeGraph, RelationKey, hub_degree, trust};
use crate::model::{Entity, EntityId, EntityKind, Relation, RelationType};

/// The records a committed change set writes, resolved against the graph it was validated on:
/// applied in this order (as `store::Working::commit` does), relation retractions, entity
/// retractions, entity writes, relation writes.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Edits {
    /// Relations retracted: (type, from, to).
    pub retract_relations: Vec<(RelationType, EntityId, EntityId)>,
    /// Entities retracted, by id.
    pub retract_entities: Vec<EntityId>,
    /// Entities written whole: one with a live entity's id replaces it, else it is added.
    pub entities: Vec<Entity>,
    /// Relations written whole, likewise by (type, from, to).
    pub relations: Vec<Relation>,
}

impl Edits {
    /// How many records they write or retract.
    pub fn len(&self) -> usize {
        self.retract_relations.len()
            + self.retract_entities.len()
            + self.entities.len()
            + self.relations.len()
    }

    /// True when they write nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why edits could not be applied: they name something the graph does not hold. The store only
/// applies edits validated against the same records, so this is a bug, reported rather than
/// panicking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// No live entity has this id.
    #[error("no entity {0} to apply the edit to")]
    NoEntity(String),
    /// No live relation has these ends and type.
    #[error("no relation {0} to apply the edit to")]
    NoRelation(String),
}

/// An entity's relations added over the base, each side in write order.
#[derive(Debug, Clone, Default)]
pub(super) struct Extra {
    pub(super) outgoing: Vec<AdjacencyEntry>,
    pub(super) incoming: Vec<AdjacencyEntry>,
}

/// A persistent hash map: a clone shares every node, and a change copies only the nodes on its
/// path (O(log n)), so a write's copy of the delta does not copy its records.
type Map<K, V> = rpds::HashTrieMapSync<K, V, foldhash::fast::RandomState>;

/// What writes changed over a base (see the module doc).
#[derive(Debug, Clone)]
pub(super) struct Delta {
    /// The base's entity and relation counts: keys from these on are the delta's own.
    pub(super) base_entities: u32,
    pub(super) base_relations: u32,
    /// Current records of changed base entities and of added entities (retracted ones keep
    /// their last record, so no key ever issued dangles).
    entities: Map<u32, Arc<Entity>>,
    added_entities: u32,
    /// Base entities whose record changed or which are retracted (bit per base key).
    ///
    /// The bit sets are behind `Arc`s, copied only by a write that sets a bit not yet set: a
    /// write that only adds records shares them. (Copied on every write they cost about 1 MB of
    /// fresh memory per write at 1M entities and 2.6M relations.)
    differs: Arc<FixedBitSet>,
    /// Retracted entities, every key.
    dead: Arc<FixedBitSet>,
    /// Live added entities' ids.
    ids: Map<EntityId, u32>,
    relations: Map<u32, Arc<Relation>>,
    /// Added relations' endpoints.
    ends: Map<u32, (u32, u32)>,
    added_relations: u32,
    relation_differs: Arc<FixedBitSet>,
    relation_dead: Arc<FixedBitSet>,
    /// Added relations at each entity.
    /// Behind `Arc`s, so that a write's copy of the delta shares the lists it does not touch.
    extra: Map<u32, Arc<Extra>>,
    /// Degree changes, by entity.
    degree: Map<u32, i64>,
    /// Base entities with an entry in `extra` or `degree` (bit per base key): a traversal tests
    /// this bit before it looks in those maps, so entities the delta did not touch cost no
    /// lookup (a lookup in the persistent maps chases a few pointers).
    adjacency_differs: Arc<FixedBitSet>,
    /// Live entities per kind and live relations, against the base's.
    kinds: [i64; EntityKind::ALL.len()],
    relation_count: i64,
    /// Per kind: live added entities sorted by id; positions in the base's kind list of the
    /// retracted base entities, sorted.
    /// Each behind an `Arc`: a write copies only the lists of the kinds it changes.
    added_by_kind: [Arc<Vec<u32>>; EntityKind::ALL.len()],
    removed_by_kind: [Arc<Vec<u32>>; EntityKind::ALL.len()],
    /// Records written or retracted since the base: when to fold.
    records: usize,
    /// Set while many edits are applied at once (start-up's replay): added entities are
    /// appended to their kind's list, which is sorted once at the end, rather than each
    /// inserted in place (O(the list) each).
    bulk: bool,
    /// The search over the delta's own entities, made by the first search on this version of
    /// the delta (see [`OwnSearch`]).
    search: OnceLock<Arc<OwnSearch>>,
    /// The last full index over the own entities, made on an earlier version, and the own keys
    /// written or retracted since it was made (unsorted, repeats allowed; not kept without a
    /// full index, nor past [`Delta::tail_limit`] of them). A write keeps both, so the next
    /// search indexes only what changed.
    sealed: Option<Arc<SealedSearch>>,
    touched: Vec<u32>,
    /// [`Delta::own_keys`], made by the first query on this version of the delta that needs it.
    own: OnceLock<Arc<[EntityKey]>>,
}

/// A search index over some of the delta's own entities: local keys are positions in `keys`.
#[derive(Debug)]
pub(super) struct SealedSearch {
    pub(super) keys: Vec<EntityKey>,
    pub(super) index: SearchIndex,
}

/// The search over one version of the delta's own entities: a full index made on this or an
/// earlier version (`sealed`), whose entries for the keys in `stale` (written or retracted
/// since) no longer count, and an index over the live ones of those (`tail`).
///
/// Every write makes a new version, and indexing all the own entities again on each (7 ms at
/// 8,192 of them) made the first search after each write slow; the tail is a few hundred at
/// most, and the full index is made again once it outgrows [`Delta::tail_limit`].
#[derive(Debug)]
pub(super) struct OwnSearch {
    pub(super) sealed: Arc<SealedSearch>,
    /// Sorted, no repeats.
    pub(super) stale: Vec<u32>,
    pub(super) tail: SealedSearch,
}

impl OwnSearch {
    /// Whether the sealed index's entry for `key` still holds.
    pub(super) fn sealed_holds(&self, key: EntityKey) -> bool {
        self.stale.binary_search(&key.0).is_err()
    }
}

/// Sets bit `i`, copying the shared bit set only when the bit is not set yet.
fn set_bit(bits: &mut Arc<FixedBitSet>, i: u32) {
    let i = i as usize;
    if !bits.contains(i) {
        Arc::make_mut(bits).grow_and_insert(i);
    }
}

impl Delta {
    fn new(base: &Base) -> Self {
        let n = base.entities.len();
        let r = base.relations.len();
        Delta {
            base_entities: n as u32,
            base_relations: r as u32,
            entities: Map::default(),
            added_entities: 0,
            differs: Arc::new(FixedBitSet::with_capacity(n)),
            dead: Arc::new(FixedBitSet::with_capacity(n)),
            ids: Map::default(),
            relations: Map::default(),
            ends: Map::default(),
            added_relations: 0,
            relation_differs: Arc::new(FixedBitSet::with_capacity(r)),
            relation_dead: Arc::new(FixedBitSet::with_capacity(r)),
            adjacency_differs: Arc::new(FixedBitSet::with_capacity(n)),
            extra: Map::default(),
            degree: Map::default(),
            kinds: [0; EntityKind::ALL.len()],
            relation_count: 0,
            added_by_kind: Default::default(),
            removed_by_kind: Default::default(),
            records: 0,
            bulk: false,
            search: OnceLock::new(),
            own: OnceLock::new(),
            sealed: None,
            touched: Vec::new(),
        }
    }

    /// How many own keys may change after a full search index before it is made again: about
    /// `sqrt(2n)` for `n` own entities, which balances a tail index per version (O(tail))
    /// against a full one every `limit` writes (O(n) / limit).
    fn tail_limit(&self) -> usize {
        let n = self.sealed.as_ref().map_or(0, |s| s.keys.len());
        (2 * n).isqrt().max(64)
    }

    /// Notes that the own entity `key` was written or retracted (for the search's tail).
    fn touch(&mut self, key: EntityKey) {
        if self.sealed.is_none() {
            return;
        }
        if self.touched.len() >= self.tail_limit() {
            // The next search makes a full index anyway.
            self.sealed = None;
            self.touched = Vec::new();
            return;
        }
        self.touched.push(key.0);
    }

    /// A new version's start: the search made on this one (if any) becomes the one the next
    /// search builds on, and the per-version caches are emptied.
    fn next_version(&mut self) {
        if let Some(built) = self.search.take() {
            self.sealed = Some(Arc::clone(&built.sealed));
            self.touched = built.stale.clone();
        }
        self.own = OnceLock::new();
    }

    pub(super) fn added_entities(&self) -> u32 {
        self.added_entities
    }

    pub(super) fn added_relations(&self) -> u32 {
        self.added_relations
    }

    /// True when the record behind `key` is the delta's, not the base's.
    #[inline]
    pub(super) fn entity_differs(&self, key: EntityKey) -> bool {
        key.0 >= self.base_entities || self.differs.contains(key.0 as usize)
    }

    #[inline]
    pub(super) fn relation_differs(&self, key: RelationKey) -> bool {
        key.0 >= self.base_relations || self.relation_differs.contains(key.0 as usize)
    }

    pub(super) fn entity_dead(&self, key: EntityKey) -> bool {
        self.dead.contains(key.0 as usize)
    }

    pub(super) fn relation_dead(&self, key: RelationKey) -> bool {
        self.relation_dead.contains(key.0 as usize)
    }

    pub(super) fn lookup(&self, base: &Base, id: &str) -> Option<EntityKey> {
        if let Some(&k) = self.ids.get(id) {
            return Some(EntityKey(k));
        }
        let key = *base.ids.get(id)?;
        (!self.entity_dead(key)).then_some(key)
    }

    pub(super) fn entity<'a>(&'a self, base: &'a Base, key: EntityKey) -> &'a Entity {
        match self.entities.get(&key.0) {
            Some(e) => e,
            None => &base.entities[key.0 as usize],
        }
    }

    pub(super) fn relation<'a>(&'a self, base: &'a Base, key: RelationKey) -> &'a Relation {
        match self.relations.get(&key.0) {
            Some(r) => r,
            None => &base.relations[key.0 as usize],
        }
    }

    pub(super) fn ends(&self, key: RelationKey) -> (u32, u32) {
        self.ends.get(&key.0).copied().unwrap_or((0, 0))
    }

    /// A base entry's trust byte now, or `None` when its relation is retracted.
    pub(super) fn trust_of(&self, base: &Base, entry: &AdjacencyEntry) -> Option<u8> {
        let key = RelationKey(entry.relation);
        if self.relation_dead(key) {
            return None;
        }
        if key.0 >= self.base_relations {
            // Added entries are kept current as their relations change.
            return Some(entry.trust);
        }
        Some(trust::of(self.relation(base, key)))
    }

    /// True when `key` may have added relations or a degree change (false for a base entity
    /// the delta's relations never touched).
    #[inline]
    fn adjacency_differs(&self, key: EntityKey) -> bool {
        key.0 >= self.base_entities || self.adjacency_differs.contains(key.0 as usize)
    }

    pub(super) fn extra(&self, key: EntityKey) -> Option<&Extra> {
        if self.extra.is_empty() || !self.adjacency_differs(key) {
            return None;
        }
        self.extra.get(&key.0).map(|x| &**x)
    }

    pub(super) fn degree(&self, key: EntityKey, base: usize) -> usize {
        if !self.adjacency_differs(key) {
            return base;
        }
        let change = self.degree.get(&key.0).copied().unwrap_or(0);
        (base as i64 + change).max(0) as usize
    }

    pub(super) fn count_of_kind(&self, kind: EntityKind, base: usize) -> usize {
        (base as i64 + self.kinds[kind.index()]).max(0) as usize
    }

    pub(super) fn entity_count(&self, base: usize) -> usize {
        (base as i64 + self.kinds.iter().sum::<i64>()).max(0) as usize
    }

    pub(super) fn relation_count(&self, base: usize) -> usize {
        (base as i64 + self.relation_count).max(0) as usize
    }

    /// Records written since the base.
    pub(super) fn records(&self) -> usize {
        self.records
    }

    /// Live entities whose record is the delta's (changed base entities and added ones), in key
    /// order: what indexes over the base do not answer for.
    pub(super) fn own_keys(&self) -> Arc<[EntityKey]> {
        let keys = self.own.get_or_init(|| {
            // In key order without a sort: the changed base entities are the bits of `differs`
            // (a retracted one is dead), and added keys are issued in increasing order after
            // the base's. O(base / 64 + own) per version.
            let added = self.base_entities..self.base_entities + self.added_entities;
            self.differs
                .difference(&self.dead)
                .map(|k| EntityKey(k as u32))
                .chain(added.map(EntityKey).filter(|&k| !self.entity_dead(k)))
                .collect()
        });
        Arc::clone(keys)
    }

    /// The search over the delta's own entities, made on first use: a tail over what changed
    /// since the last full index when that is small, else a full index.
    pub(super) fn own_search(&self, base: &Base) -> Arc<OwnSearch> {
        let built = self.search.get_or_init(|| {
            let view = self.view(base);
            let index = |keys: Vec<EntityKey>| SealedSearch {
                index: SearchIndex::build(
                    keys.iter()
                        .enumerate()
                        .map(|(i, &k)| (EntityKey(i as u32), view.entity(k))),
                ),
                keys,
            };
            match &self.sealed {
                Some(sealed) if self.touched.len() <= self.tail_limit() => {
                    let mut stale = self.touched.clone();
                    stale.sort_unstable();
                    stale.dedup();
                    let live = stale
                        .iter()
                        .map(|&k| EntityKey(k))
                        .filter(|&k| !self.entity_dead(k))
                        .collect();
                    Arc::new(OwnSearch {
                        sealed: Arc::clone(sealed),
                        stale,
                        tail: index(live),
                    })
                }
                _ => Arc::new(OwnSearch {
                    sealed: Arc::new(index(self.own_keys().to_vec())),
                    stale: Vec::new(),
                    tail: index(Vec::new()),
                }),
            }
        });
        Arc::clone(built)
    }

    /// `take` entities of `kind` from position `skip` of the merged kind list (the base's list
    /// without its retracted entities, with the added ones, by id), appended to `out`.
    pub(super) fn kind_page(
        &self,
        graph: &KnowledgeGraph,
        kind: EntityKind,
        list: &[EntityKey],
        skip: usize,
        take: usize,
        out: &mut Vec<EntityKey>,
    ) {
        let removed = &self.removed_by_kind[kind.index()];
        let added = &self.added_by_kind[kind.index()];
        let id = |k: u32| graph.entity(EntityKey(k)).id.as_str();
        // Merged entries before base position `b`: live base entries before it and added
        // entries with a smaller id than its entity's. Monotone in `b`.
        let before = |b: usize| {
            let live = b - removed.partition_point(|&p| (p as usize) < b);
            let added_before = match list.get(b) {
                Some(k) => added.partition_point(|&a| id(a) < id(k.0)),
                None => added.len(),
            };
            live + added_before
        };
        // The last base position with at most `skip` merged entries before it.
        let (mut lo, mut hi) = (0usize, list.len());
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if before(mid) <= skip {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let mut b = lo;
        let (mut a, mut to_skip) = if before(b) > skip {
            // Only at the start: the page begins among the added entities before the base's
            // first (the merged list's first `before(0)` entries are all added ones).
            (skip, 0)
        } else {
            let a = match list.get(b) {
                Some(k) => added.partition_point(|&x| id(x) < id(k.0)),
                None => added.len(),
            };
            (a, skip - before(b))
        };
        let mut r = removed.partition_point(|&p| (p as usize) < b);
        let goal = out.len() + take;
        while out.len() < goal {
            // Skip retracted base entries.
            while r < removed.len() && removed[r] as usize == b {
                b += 1;
                r += 1;
            }
            let next = match (list.get(b), added.get(a)) {
                (Some(&k), Some(&x)) if id(x) < id(k.0) => {
                    a += 1;
                    EntityKey(x)
                }
                (Some(&k), _) => {
                    b += 1;
                    k
                }
                (None, Some(&x)) => {
                    a += 1;
                    EntityKey(x)
                }
                (None, None) => break,
            };
            if to_skip > 0 {
                to_skip -= 1;
            } else {
                out.push(next);
            }
        }
    }

    /// Sorts each kind's added entities by id, after a bulk apply.
    fn sort_added(&mut self, base: &Base) {
        let mut lists = std::mem::take(&mut self.added_by_kind);
        let view = View { base, delta: self };
        for list in &mut lists {
            Arc::make_mut(list).sort_unstable_by(|a, b| {
                view.entity(EntityKey(*a))
                    .id
                    .cmp(&view.entity(EntityKey(*b)).id)
            });
        }
        self.added_by_kind = lists;
        self.bulk = false;
    }

    /// Applies `edits`, in place (on a copy the caller owns).
    fn apply(&mut self, base: &Base, edits: &Edits) -> Result<(), EditError> {
        for (relation_type, from, to) in &edits.retract_relations {
            let key = self
                .find_relation(base, *relation_type, from.as_str(), to.as_str())
                .ok_or_else(|| EditError::NoRelation(format!("{relation_type:?}:{from}->{to}")))?;
            self.retract_relation(base, key);
        }
        for id in &edits.retract_entities {
            let key = self
                .lookup(base, id.as_str())
                .ok_or_else(|| EditError::NoEntity(id.to_string()))?;
            self.retract_entity(base, key);
        }
        for entity in &edits.entities {
            self.write_entity(base, entity.clone());
        }
        for relation in &edits.relations {
            self.write_relation(base, relation.clone())?;
        }
        self.records += edits.len();
        Ok(())
    }

    fn view<'a>(&'a self, base: &'a Base) -> View<'a> {
        View { base, delta: self }
    }

    fn find_relation(
        &self,
        base: &Base,
        relation_type: RelationType,
        from: &str,
        to: &str,
    ) -> Option<RelationKey> {
        let from = self.lookup(base, from)?;
        let to = self.lookup(base, to)?;
        let view = self.view(base);
        view.outgoing(from)
            .find(|e| e.relation_type == relation_type && e.other == to.0)
            .map(|e| RelationKey(e.relation))
    }

    fn retract_relation(&mut self, base: &Base, key: RelationKey) {
        let (from, to) = self.view(base).ends(key);
        if key.0 < self.base_relations {
            set_bit(&mut self.relation_differs, key.0);
        } else {
            for (at, outgoing) in [(from, true), (to, false)] {
                if let Some(x) = self.extra.get_mut(&at).map(Arc::make_mut) {
                    let side = if outgoing {
                        &mut x.outgoing
                    } else {
                        &mut x.incoming
                    };
                    side.retain(|e| e.relation != key.0);
                }
            }
        }
        set_bit(&mut self.relation_dead, key.0);
        self.change_degree(from, -1);
        self.change_degree(to, -1);
        self.relation_count -= 1;
    }

    fn retract_entity(&mut self, base: &Base, key: EntityKey) {
        let kind = self.view(base).entity(key).kind();
        let id = self.view(base).entity(key).id.clone();
        if key.0 < self.base_entities {
            set_bit(&mut self.differs, key.0);
            let list = &base.by_kind[kind.index()];
            let position = list.partition_point(|k| base.entities[k.0 as usize].id < id);
            let removed = Arc::make_mut(&mut self.removed_by_kind[kind.index()]);
            let at = removed.partition_point(|&p| (p as usize) < position);
            removed.insert(at, position as u32);
        } else {
            Arc::make_mut(&mut self.added_by_kind[kind.index()]).retain(|&k| k != key.0);
            self.ids.remove_mut(&id);
        }
        set_bit(&mut self.dead, key.0);
        self.kinds[kind.index()] -= 1;
        self.touch(key);
    }

    fn write_entity(&mut self, base: &Base, entity: Entity) {
        match self.lookup(base, entity.id.as_str()) {
            Some(key) => {
                if key.0 < self.base_entities {
                    set_bit(&mut self.differs, key.0);
                }
                self.entities.insert_mut(key.0, Arc::new(entity));
                self.touch(key);
            }
            None => {
                let key = self.base_entities + self.added_entities;
                self.added_entities += 1;
                let kind = entity.kind();
                self.ids.insert_mut(entity.id.clone(), key);
                if self.bulk {
                    // Sorted once at the end ([`Delta::sort_added`]).
                    Arc::make_mut(&mut self.added_by_kind[kind.index()]).push(key);
                } else {
                    let at = self.added_by_kind[kind.index()].partition_point(|&k| {
                        self.entities
                            .get(&k)
                            .is_some_and(|e| e.id.as_str() < entity.id.as_str())
                    });
                    Arc::make_mut(&mut self.added_by_kind[kind.index()]).insert(at, key);
                }
                self.entities.insert_mut(key, Arc::new(entity));
                self.kinds[kind.index()] += 1;
                self.touch(EntityKey(key));
            }
        }
    }

    /// Adds `entry` to the added adjacency of `at`, on the outgoing or the incoming side.
    fn push_extra(&mut self, at: u32, outgoing: bool, entry: AdjacencyEntry) {
        if at < self.base_entities {
            set_bit(&mut self.adjacency_differs, at);
        }
        // Shared with earlier versions of the delta (or new): copied once here, not per side.
        let mut extra: Arc<Extra> = self.extra.get(&at).cloned().unwrap_or_default();
        let x = Arc::make_mut(&mut extra);
        if outgoing {
            x.outgoing.push(entry);
        } else {
            x.incoming.push(entry);
        }
        self.extra.insert_mut(at, extra);
    }

    fn change_degree(&mut self, at: u32, by: i64) {
        if at < self.base_entities {
            set_bit(&mut self.adjacency_differs, at);
        }
        let now = self.degree.get(&at).copied().unwrap_or(0) + by;
        self.degree.insert_mut(at, now);
    }

    fn write_relation(&mut self, base: &Base, relation: Relation) -> Result<(), EditError> {
        let trust = trust::of(&relation);
        if let Some(key) = self.find_relation(
            base,
            relation.relation_type,
            relation.from.as_str(),
            relation.to.as_str(),
        ) {
            if key.0 < self.base_relations {
                set_bit(&mut self.relation_differs, key.0);
            } else {
                let (from, to) = self.view(base).ends(key);
                for (at, outgoing) in [(from, true), (to, false)] {
                    if let Some(x) = self.extra.get_mut(&at).map(Arc::make_mut) {
                        let side = if outgoing {
                            &mut x.outgoing
                        } else {
                            &mut x.incoming
                        };
                        for e in side.iter_mut().filter(|e| e.relation == key.0) {
                            e.trust = trust;
                        }
                    }
                }
            }
            self.relations.insert_mut(key.0, Arc::new(relation));
            return Ok(());
        }
        let missing = |id: &EntityId| EditError::NoEntity(id.to_string());
        let from = self
            .lookup(base, relation.from.as_str())
            .ok_or_else(|| missing(&relation.from))?;
        let to = self
            .lookup(base, relation.to.as_str())
            .ok_or_else(|| missing(&relation.to))?;
        let key = self.base_relations + self.added_relations;
        self.added_relations += 1;
        let entry = |other: EntityKey| AdjacencyEntry {
            relation: key,
            other: other.0,
            relation_type: relation.relation_type,
            trust,
        };
        self.push_extra(from.0, true, entry(to));
        self.push_extra(to.0, false, entry(from));
        self.ends.insert_mut(key, (from.0, to.0));
        self.change_degree(from.0, 1);
        self.change_degree(to.0, 1);
        self.relation_count += 1;
        self.relations.insert_mut(key, Arc::new(relation));
        Ok(())
    }
}

/// A base and a delta being built, read together (the delta's own lookups while it applies).
struct View<'a> {
    base: &'a Base,
    delta: &'a Delta,
}

impl<'a> View<'a> {
    fn entity(&self, key: EntityKey) -> &'a Entity {
        if self.delta.entity_differs(key) {
            self.delta.entity(self.base, key)
        } else {
            &self.base.entities[key.0 as usize]
        }
    }

    fn ends(&self, key: RelationKey) -> (u32, u32) {
        if key.0 >= self.delta.base_relations {
            self.delta.ends(key)
        } else {
            self.base.adjacency.ends[key.0 as usize]
        }
    }

    /// An entity's live outgoing entries: the base's, then the added ones.
    fn outgoing(&self, key: EntityKey) -> impl Iterator<Item = &'a AdjacencyEntry> + 'a {
        let delta = self.delta;
        let base: &'a [AdjacencyEntry] = if key.0 < delta.base_entities {
            self.base.adjacency.outgoing(key)
        } else {
            &[]
        };
        let extra: &'a [AdjacencyEntry] = delta.extra(key).map_or(&[][..], |x| &x.outgoing[..]);
        base.iter()
            .chain(extra)
            .filter(move |e| !delta.relation_dead(RelationKey(e.relation)))
    }
}

impl KnowledgeGraph {
    /// This graph with `edits` applied (validated against this graph's records by the store),
    /// as data version `fingerprint`. The base is shared and the delta copied (cheaply, see the
    /// module doc).
    pub fn apply(&self, edits: &Edits, fingerprint: u64) -> Result<KnowledgeGraph, EditError> {
        self.apply_all(std::iter::once(edits), fingerprint)
    }

    /// This graph with each of `edits` applied in turn (start-up's replay): one copy of the
    /// delta for all of them.
    pub fn apply_all<'e>(
        &self,
        edits: impl IntoIterator<Item = &'e Edits>,
        fingerprint: u64,
    ) -> Result<KnowledgeGraph, EditError> {
        let mut delta = match self.delta() {
            Some(d) => d.clone(),
            None => Delta::new(&self.base),
        };
        delta.next_version();
        let edits: Vec<&Edits> = edits.into_iter().collect();
        delta.bulk = edits.len() > 1;
        for e in &edits {
            delta.apply(&self.base, e)?;
        }
        if delta.bulk {
            delta.sort_added(&self.base);
        }
        let entities = delta.entity_count(self.base.entities.len());
        let relations = delta.relation_count(self.base.relations.len());
        Ok(KnowledgeGraph {
            base: Arc::clone(&self.base),
            delta: Some(Arc::new(delta)),
            hub_degree: hub_degree(entities, relations),
            trail: self.trail.pushed(self.fingerprint, Changed::of(edits)),
            fingerprint,
        })
    }

    /// How many records have been written over the base since it was built: a fold is due
    /// when this grows (see [`KnowledgeGraph::fold`]).
    pub fn pending(&self) -> usize {
        self.delta().map_or(0, Delta::records)
    }

    /// A new graph with a base built from this one's live records and no delta: the same
    /// answers, read at base speed. O(entities + relations) and as costly as a build: run it
    /// off the writer's path.
    pub fn fold(&self) -> KnowledgeGraph {
        KnowledgeGraph::new(self.to_dataset())
    }

    /// The live entities whose record the base's indexes do not hold (changed since the base,
    /// or added), in key order; none without a delta. Indexes over sets of entities answer for
    /// the base without the entities [`KnowledgeGraph::differs_from_base`] names, then visit
    /// these.
    pub(super) fn delta_keys(&self) -> Arc<[EntityKey]> {
        self.delta().map_or_else(|| Arc::from([]), Delta::own_keys)
    }

    /// True when a base index's entry for `key` is stale: the entity changed since the base,
    /// or is retracted.
    #[inline]
    pub(super) fn differs_from_base(&self, key: EntityKey) -> bool {
        self.delta().is_some_and(|d| d.entity_differs(key))
    }
}
