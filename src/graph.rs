//! [`KnowledgeGraph`]: the validated dataset (its records in plain vectors, its topology in one
//! compressed adjacency that petgraph's graph traits see, see `visit`), with an id index,
//! per-kind lists and a search index, and pure, synchronous queries over it (lookup, pages,
//! relations, neighborhood, paths, related, search).
//!
//! A graph is built from a [`Dataset`] ([`KnowledgeGraph::new`]) or loaded, indexes built, from a
//! snapshot ([`snapshot`], the format's one home; `--data` goes through [`snapshot::load`]).
//!
//! Architecture invariant: this module knows nothing of GraphQL or HTTP; only [`snapshot`] does IO.
//! Callers hold [`EntityKey`] and [`RelationKey`], which are also the node and edge ids
//! petgraph's algorithms see.
//! Every traversal is bounded by its arguments and by a work budget ([`Budget`]).

mod delta;
mod edge;
mod filter;
mod reads;
mod search;
pub mod snapshot;
mod traverse;
mod validity;
mod varint;
mod visit;

use std::sync::Arc;

use serde::Serialize;

use crate::dataset::Dataset;
use crate::model::{Entity, EntityId, EntityKind, Relation, RelationType};

pub use delta::{EditError, Edits};
pub use edge::RelationFilter;
use edge::trust;
pub use filter::{
    Comparison, DateField, EnumField, GroupBy, GroupKey, IntField, KindSet, ListSpec, Matcher,
    Order, OrderField, Position, Predicate, SortValue, TextField, TextTest, Tie, enum_bit,
};
pub use reads::{Reads, Recorded, recording, unfollowed};
pub use search::SearchHit;
pub use traverse::{
    Counted, Hop, Path, Related, RelatedQuery, SUBGRAPH_RELATIONS_PER_ENTITY, Subgraph,
};
pub use visit::{EntityKeys, EntityRefs, NeighborKeys, RelationRef, RelationRefs};

/// An entity's handle in one graph snapshot. Only meaningful for the graph that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityKey(u32);

/// A relation's handle in one graph snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationKey(u32);

/// Which way to walk relations, seen from the entity at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Relations that start at the entity.
    Outgoing,
    /// Relations that end at the entity.
    Incoming,
    /// Both.
    Both,
}

/// A cap on the entities one traversal may visit; reaching it stops the traversal itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(pub usize);

/// A traversal that stopped because it used up its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the traversal visited {visited} entities, its work budget; narrow relationTypes or lower maxHops"
)]
pub struct BudgetExhausted {
    /// How many entities it had visited.
    pub visited: usize,
}

/// One relation seen from an entity: which relation, and whether it points away from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentRelation {
    /// The relation.
    pub relation: RelationKey,
    /// True when the entity is the relation's `from` end.
    pub outgoing: bool,
    /// The entity at the other end.
    pub other: EntityKey,
    /// The [`Grade::strength`] of the relation's best citation (0 the strongest), read from
    /// the adjacency: [`Relation::grade`] without reading the relation.
    pub grade_strength: u8,
}

/// Counts for `stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphStats {
    /// Number of entities.
    pub entities: usize,
    /// Number of relations.
    pub relations: usize,
    /// Entities per kind, in kind order, kinds with none left out.
    pub by_kind: Vec<(EntityKind, usize)>,
    /// Degree above which an entity counts as a hub in `related`.
    pub hub_degree: usize,
}

/// The knowledge graph: an immutable snapshot, shared across requests as `Arc<KnowledgeGraph>`.
///
/// It is a [`Base`] (the records and every index, built once) and, once writes have landed on
/// it, a [`Delta`] over that base (the records written since, see `delta`): a write makes a new
/// graph sharing the base and a copy of the delta (persistent maps: O(log) per change) rather
/// than O(the graph); a fold builds a new base from both in the background (see
/// ARCHITECTURE.md, "Writes").
#[derive(Debug, Clone)]
pub struct KnowledgeGraph {
    base: Arc<Base>,
    delta: Option<Arc<delta::Delta>>,
    hub_degree: usize,
    fingerprint: u64,
    /// The last writes' changes, for answers made on earlier versions (see `reads`).
    trail: reads::Trail,
}

/// The records and indexes a graph was built or loaded with (see [`KnowledgeGraph`]).
#[derive(Debug)]
struct Base {
    /// The records, entity `k` and relation `r` (keys are indexes), in plain vectors, so a
    /// dataset's vectors become the graph's without a copy.
    entities: Vec<Entity>,
    relations: Vec<Relation>,
    /// The topology: the one graph every query and petgraph's algorithms walk.
    adjacency: Adjacency,
    /// Shares the entities' id allocations.
    ids: foldhash::HashMap<EntityId, EntityKey>,
    /// Entities of each kind, sorted by id, for stable Relay pages.
    by_kind: [Vec<EntityKey>; EntityKind::ALL.len()],
    search: search::SearchIndex,
    /// Rows of enum bytes and sorted codes for filters and counts (built, never stored).
    filter_index: filter::FilterIndex,
}

/// The topology: every entity's relations in data order, outgoing then incoming, in one flat
/// array (compressed sparse rows): walking an entity's relations reads one contiguous slice, and
/// its degree is a subtraction. Besides, each relation's endpoints (the edge list), for
/// [`KnowledgeGraph::endpoints`] and petgraph's edge references.
#[derive(Debug, Default, Serialize)]
struct Adjacency {
    /// `offsets[k]..offsets[k + 1]` are entity `k`'s entries.
    #[serde(with = "snapshot::le_u32")]
    offsets: Vec<u32>,
    /// `offsets[k]..splits[k]` are its outgoing relations, the rest incoming.
    #[serde(with = "snapshot::le_u32")]
    splits: Vec<u32>,
    #[serde(with = "snapshot::entry_columns")]
    entries: Vec<AdjacencyEntry>,
    /// Relation `r` goes from entity `ends[r].0` to entity `ends[r].1`. Not stored in snapshots:
    /// rebuilt from the entries as they are checked.
    #[serde(skip)]
    ends: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct AdjacencyEntry {
    relation: u32,
    other: u32,
    relation_type: RelationType,
    /// Derived from the relation ([`trust::of`]) when the graph is built or loaded, never
    /// stored: it sits in the entry's padding, so the grade test costs no memory access.
    trust: u8,
}

const _: () = assert!(
    size_of::<AdjacencyEntry>() == 12,
    "the trust byte sits in the entry's padding"
);

impl Adjacency {
    /// Relation `r` goes from `endpoints[r].0` to `endpoints[r].1`, entity numbers below `n`.
    fn build(n: usize, endpoints: Vec<(u32, u32)>, relations: &[Relation]) -> Self {
        let mut out_degree = vec![0u32; n];
        let mut in_degree = vec![0u32; n];
        for &(from, to) in &endpoints {
            out_degree[from as usize] += 1;
            in_degree[to as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut splits = Vec::with_capacity(n);
        let mut total = 0u32;
        for k in 0..n {
            offsets.push(total);
            splits.push(total + out_degree[k]);
            total += out_degree[k] + in_degree[k];
        }
        offsets.push(total);
        let blank = AdjacencyEntry {
            relation: 0,
            other: 0,
            relation_type: RelationType::PartOf,
            trust: 0,
        };
        let mut entries = vec![blank; total as usize];
        let mut next_out: Vec<u32> = offsets[..n].to_vec();
        let mut next_in: Vec<u32> = splits.clone();
        // Relations are in data order, so every list comes out in data order.
        for ((index, &(from, to)), r) in endpoints.iter().enumerate().zip(relations) {
            let (from, to) = (from as usize, to as usize);
            let relation_type = r.relation_type;
            let trust = trust::of(r);
            let relation = index as u32;
            entries[next_out[from] as usize] = AdjacencyEntry {
                relation,
                other: to as u32,
                relation_type,
                trust,
            };
            next_out[from] += 1;
            entries[next_in[to] as usize] = AdjacencyEntry {
                relation,
                other: from as u32,
                relation_type,
                trust,
            };
            next_in[to] += 1;
        }
        Adjacency {
            offsets,
            splits,
            entries,
            ends: endpoints,
        }
    }

    /// Fills every entry's trust byte from its relation (a snapshot does not store them).
    /// O(relations + entries).
    fn derive_trust(&mut self, relations: &[Relation]) {
        let bytes: Vec<u8> = relations.iter().map(trust::of).collect();
        for entry in &mut self.entries {
            entry.trust = bytes.get(entry.relation as usize).copied().unwrap_or(0);
        }
    }

    fn all(&self, key: EntityKey) -> &[AdjacencyEntry] {
        let k = key.0 as usize;
        &self.entries[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }

    fn outgoing(&self, key: EntityKey) -> &[AdjacencyEntry] {
        let k = key.0 as usize;
        &self.entries[self.offsets[k] as usize..self.splits[k] as usize]
    }

    fn incoming(&self, key: EntityKey) -> &[AdjacencyEntry] {
        let k = key.0 as usize;
        &self.entries[self.splits[k] as usize..self.offsets[k + 1] as usize]
    }
}

/// Graphs with at least this many entities build their search index on a second thread.
const PARALLEL_BUILD_MIN: usize = 50_000;

/// The smallest hub threshold, so that small graphs do not treat ordinary entities as hubs.
const MIN_HUB_DEGREE: usize = 16;

/// Each entity's key by its id (the map shares the entities' id allocations), and the first id
/// held by two entities, if any: a validated dataset has none; a snapshot's is refused.
fn id_map(entities: &[Entity]) -> (foldhash::HashMap<EntityId, EntityKey>, Option<&EntityId>) {
    let mut ids = foldhash::HashMap::with_capacity_and_hasher(entities.len(), Default::default());
    let mut duplicate = None;
    for (k, entity) in entities.iter().enumerate() {
        if ids.insert(entity.id.clone(), EntityKey(k as u32)).is_some() {
            duplicate = duplicate.or(Some(&entity.id));
        }
    }
    (ids, duplicate)
}

/// Four times the mean degree, at least [`MIN_HUB_DEGREE`].
fn hub_degree(entities: usize, relations: usize) -> usize {
    let mean_degree = if entities == 0 {
        0
    } else {
        (2 * relations).div_ceil(entities)
    };
    (4 * mean_degree).max(MIN_HUB_DEGREE)
}

impl KnowledgeGraph {
    /// Builds the graph from a validated dataset. O(entities + relations).
    ///
    /// # Panics
    /// Never for a [`Dataset`] from [`crate::dataset`], whose relations all have known endpoints;
    /// relations with unknown endpoints are skipped.
    pub fn new(dataset: Dataset) -> Self {
        let Dataset {
            entities,
            mut relations,
            fingerprint,
        } = dataset;
        let (ids, duplicate) = id_map(&entities);
        debug_assert!(duplicate.is_none(), "validation refuses duplicate ids");
        let mut by_kind: [Vec<EntityKey>; EntityKind::ALL.len()] = Default::default();
        for (k, entity) in entities.iter().enumerate() {
            by_kind[entity.kind().index()].push(EntityKey(k as u32));
        }
        // Relation `r` of those kept goes from `endpoints[r].0` to `endpoints[r].1`.
        let mut endpoints = Vec::with_capacity(relations.len());
        relations.retain(|relation| {
            let (Some(&from), Some(&to)) = (
                ids.get(relation.from.as_str()),
                ids.get(relation.to.as_str()),
            ) else {
                return false;
            };
            endpoints.push((from.0, to.0));
            true
        });
        // The search index and the other indexes only read the records: on large graphs they
        // are built side by side (the search index is the larger half of the work).
        let build_search = || {
            search::SearchIndex::build(
                entities
                    .iter()
                    .enumerate()
                    .map(|(k, e)| (EntityKey(k as u32), e)),
            )
        };
        let build_rest = |by_kind: &mut [Vec<EntityKey>]| {
            for keys in by_kind {
                // Ids are unique, so an unstable sort gives the same order.
                keys.sort_unstable_by(|a, b| {
                    entities[a.0 as usize].id.cmp(&entities[b.0 as usize].id)
                });
            }
            (
                Adjacency::build(entities.len(), endpoints, &relations),
                filter::FilterIndex::build(&entities),
            )
        };
        let (search, (adjacency, filter_index)) = if entities.len() < PARALLEL_BUILD_MIN {
            (build_search(), build_rest(&mut by_kind))
        } else {
            std::thread::scope(|scope| {
                let search = scope.spawn(build_search);
                let rest = build_rest(&mut by_kind);
                let search = search
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (search, rest)
            })
        };
        let dataset = Dataset {
            entities,
            relations,
            fingerprint,
        };
        KnowledgeGraph::assemble(dataset, ids, adjacency, by_kind, search, filter_index)
    }

    /// A graph from a dataset, its id map and its already built (and checked) indexes. The
    /// filter index is never stored: both callers build it beside their other work.
    fn assemble(
        dataset: Dataset,
        ids: foldhash::HashMap<EntityId, EntityKey>,
        adjacency: Adjacency,
        by_kind: [Vec<EntityKey>; EntityKind::ALL.len()],
        search: search::SearchIndex,
        filter_index: filter::FilterIndex,
    ) -> Self {
        let Dataset {
            entities,
            relations,
            fingerprint,
        } = dataset;
        KnowledgeGraph {
            hub_degree: hub_degree(entities.len(), relations.len()),
            fingerprint,
            delta: None,
            trail: reads::Trail::default(),
            base: Arc::new(Base {
                filter_index,
                entities,
                relations,
                adjacency,
                ids,
                by_kind,
                search,
            }),
        }
    }

    /// The delta over the base, if writes have landed since it was built.
    fn delta(&self) -> Option<&delta::Delta> {
        self.delta.as_deref()
    }

    /// The entity with this id, if any (and not retracted). O(1).
    pub fn lookup(&self, id: &str) -> Option<EntityKey> {
        reads::id(id);
        match self.delta() {
            None => self.base.ids.get(id).copied(),
            Some(d) => d.lookup(&self.base, id),
        }
    }

    /// The entity behind a key. O(1).
    pub fn entity(&self, key: EntityKey) -> &Entity {
        reads::entity(key);
        match self.delta() {
            Some(d) if d.entity_differs(key) => d.entity(&self.base, key),
            _ => &self.base.entities[key.0 as usize],
        }
    }

    /// The relation behind a key. O(1).
    pub fn relation(&self, key: RelationKey) -> &Relation {
        reads::relation(|| self.ends(key));
        match self.delta() {
            Some(d) if d.relation_differs(key) => d.relation(&self.base, key),
            _ => &self.base.relations[key.0 as usize],
        }
    }

    /// The keys of a relation's `from` and `to` entities. O(1).
    pub fn endpoints(&self, key: RelationKey) -> (EntityKey, EntityKey) {
        let ends = self.ends(key);
        reads::relation(|| ends);
        ends
    }

    /// [`KnowledgeGraph::endpoints`], not noted as a read.
    fn ends(&self, key: RelationKey) -> (EntityKey, EntityKey) {
        let (from, to) = match self.delta() {
            Some(d) if key.0 >= d.base_relations => d.ends(key),
            _ => self.base.adjacency.ends[key.0 as usize],
        };
        (EntityKey(from), EntityKey(to))
    }

    /// Number of relations at an entity, both directions. O(1).
    pub fn degree(&self, key: EntityKey) -> usize {
        reads::entity(key);
        let base = self.base_entries(key).len();
        match self.delta() {
            Some(d) => d.degree(key, base),
            None => base,
        }
    }

    /// Degree above which an entity counts as a hub in `related`. O(1).
    pub fn hub_degree(&self) -> usize {
        reads::hub_degree(self.hub_degree);
        self.hub_degree
    }

    /// The data version: the fingerprint of the files the base was built from, moved by every
    /// write on it. An answer that reads it holds only on this version (see `reads`).
    pub fn fingerprint(&self) -> u64 {
        reads::unfollowed();
        self.fingerprint
    }

    /// How many entities have one of `kinds` (all kinds when empty). O(kinds).
    pub fn count_of_kinds(&self, kinds: &[EntityKind]) -> usize {
        reads::kinds(kinds.iter().copied());
        EntityKind::ALL
            .into_iter()
            .filter(|k| kinds.is_empty() || kinds.contains(k))
            .map(|k| self.count_of_kind(k))
            .sum()
    }

    fn count_of_kind(&self, kind: EntityKind) -> usize {
        let base = self.base.by_kind[kind.index()].len();
        match self.delta() {
            Some(d) => d.count_of_kind(kind, base),
            None => base,
        }
    }

    /// A page of entities of the given kinds (all when empty), ordered by kind then id.
    /// O(kinds + page length), whatever the offset (plus O(log) per kind over a delta).
    pub fn entities_of_kinds(
        &self,
        kinds: &[EntityKind],
        offset: usize,
        limit: usize,
    ) -> Vec<EntityKey> {
        reads::kinds(kinds.iter().copied());
        let mut skip = offset;
        let mut out = Vec::with_capacity(limit.min(1024));
        for kind in EntityKind::ALL
            .into_iter()
            .filter(|k| kinds.is_empty() || kinds.contains(k))
        {
            if out.len() >= limit {
                break;
            }
            let len = self.count_of_kind(kind);
            if skip >= len {
                skip -= len;
                continue;
            }
            let list = &self.base.by_kind[kind.index()];
            let take = (limit - out.len()).min(len - skip);
            match self.delta() {
                None => out.extend_from_slice(&list[skip..skip + take]),
                Some(d) => d.kind_page(self, kind, list, skip, take, &mut out),
            }
            skip = 0;
        }
        out
    }

    /// The base's adjacency entries of an entity (none for an entity added since).
    fn base_entries(&self, key: EntityKey) -> &[AdjacencyEntry] {
        if (key.0 as usize) < self.base.entities.len() {
            self.base.adjacency.all(key)
        } else {
            &[]
        }
    }

    /// The relations at an entity that pass the filter (its types, grade and date: the one edge
    /// test of every traversal), in the given direction: outgoing first, each side in data
    /// order. O(degree), no allocation.
    pub fn incident(
        &self,
        key: EntityKey,
        filter: &RelationFilter,
        direction: Direction,
    ) -> Incident<'_> {
        reads::entity(key);
        let base = (key.0 as usize) < self.base.entities.len();
        let (base_out, base_in): (&[AdjacencyEntry], &[AdjacencyEntry]) = if base {
            (
                self.base.adjacency.outgoing(key),
                self.base.adjacency.incoming(key),
            )
        } else {
            (&[], &[])
        };
        let (extra_out, extra_in) = self
            .delta()
            .and_then(|d| d.extra(key))
            .map_or((&[][..], &[][..]), |x| (&x.outgoing[..], &x.incoming[..]));
        let sides = match direction {
            Direction::Outgoing => [base_out, extra_out, &[], &[]],
            Direction::Incoming => [&[], &[], base_in, extra_in],
            Direction::Both => [base_out, extra_out, base_in, extra_in],
        };
        Incident {
            base: &self.base,
            delta: self.delta(),
            filter: *filter,
            sides,
            side: 0,
            entries: sides[0].iter(),
        }
    }

    /// Entities at the other end of `relation_type` relations in one direction, optionally of
    /// one kind, in data order. O(degree).
    pub fn linked(
        &self,
        key: EntityKey,
        relation_type: RelationType,
        direction: Direction,
        kind: Option<EntityKind>,
    ) -> Vec<EntityKey> {
        self.incident(key, &RelationFilter::only([relation_type]), direction)
            .map(|i| i.other)
            .filter(|o| kind.is_none_or(|k| self.entity(*o).kind() == k))
            .collect()
    }

    /// Counts for the whole graph. O(kinds).
    pub fn stats(&self) -> GraphStats {
        reads::kinds([]);
        reads::relations();
        reads::hub_degree(self.hub_degree);
        GraphStats {
            entities: self.entity_count(),
            relations: self.relation_count(),
            by_kind: EntityKind::ALL
                .into_iter()
                .map(|k| (k, self.count_of_kind(k)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            hub_degree: self.hub_degree,
        }
    }

    /// How many entities are live. O(1).
    pub(crate) fn entity_count(&self) -> usize {
        reads::kinds([]);
        let base = self.base.entities.len();
        self.delta().map_or(base, |d| d.entity_count(base))
    }

    /// How many relations are live. O(1).
    fn relation_count(&self) -> usize {
        reads::relations();
        let base = self.base.relations.len();
        self.delta().map_or(base, |d| d.relation_count(base))
    }

    /// One past the largest entity key this graph has issued (retracted ones included): the
    /// size of a table indexed by key.
    fn key_bound(&self) -> usize {
        self.base.entities.len() + self.delta().map_or(0, |d| d.added_entities() as usize)
    }

    /// One past the largest relation key this graph has issued.
    fn relation_bound(&self) -> usize {
        self.base.relations.len() + self.delta().map_or(0, |d| d.added_relations() as usize)
    }

    /// True unless the entity is retracted.
    fn is_live(&self, key: EntityKey) -> bool {
        reads::entity(key);
        self.delta().is_none_or(|d| !d.entity_dead(key))
    }

    /// True unless the relation is retracted.
    fn is_live_relation(&self, key: RelationKey) -> bool {
        self.delta().is_none_or(|d| !d.relation_dead(key))
    }

    /// Ranked search over names, aliases and standard codes; see [`search`] for the rules.
    ///
    /// Over a delta: the base's hits without the entities the delta changed, merged with the
    /// hits over the delta's own entities (an index made on this or an earlier version without
    /// the entities changed since, and an index over those), in the same order.
    pub fn search(&self, query: &str, kinds: &[EntityKind], first: usize) -> Vec<SearchHit> {
        reads::kinds(kinds.iter().copied());
        let of_kind = |key: EntityKey| kinds.is_empty() || kinds.contains(&self.entity(key).kind());
        let Some(d) = self.delta() else {
            return self.base.search.search(query, first, of_kind);
        };
        let mut hits = self
            .base
            .search
            .search(query, first, |key| !d.entity_differs(key) && of_kind(key));
        let own = d.own_search(&self.base);
        let sealed = &own.sealed;
        hits.extend(
            sealed
                .index
                .search(query, first, |local| {
                    let key = sealed.keys[local.0 as usize];
                    own.sealed_holds(key) && of_kind(key)
                })
                .into_iter()
                .map(|hit| SearchHit {
                    entity: sealed.keys[hit.entity.0 as usize],
                    score: hit.score,
                }),
        );
        let tail = &own.tail;
        hits.extend(
            tail.index
                .search(query, first, |local| of_kind(tail.keys[local.0 as usize]))
                .into_iter()
                .map(|hit| SearchHit {
                    entity: tail.keys[hit.entity.0 as usize],
                    score: hit.score,
                }),
        );
        let name_len = |key: EntityKey| self.entity(key).name.chars().count();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| name_len(a.entity).cmp(&name_len(b.entity)))
                .then(a.entity.cmp(&b.entity))
        });
        hits.truncate(first);
        hits
    }

    /// Every live entity key, in storage order (base order, then the order of writes): the
    /// order of [`KnowledgeGraph::to_dataset`].
    pub fn keys(&self) -> impl Iterator<Item = EntityKey> + '_ {
        reads::kinds([]);
        (0..self.key_bound() as u32)
            .map(EntityKey)
            .filter(|&k| self.is_live(k))
    }

    /// Every live relation key, in storage order.
    pub fn relation_keys(&self) -> impl Iterator<Item = RelationKey> + '_ {
        reads::relations();
        (0..self.relation_bound() as u32)
            .map(RelationKey)
            .filter(|&r| self.is_live_relation(r))
    }

    /// The live records as a dataset, in key order, with this graph's fingerprint: what a fold
    /// builds the next base from. O(entities + relations).
    pub fn to_dataset(&self) -> Dataset {
        Dataset {
            entities: self.keys().map(|k| self.entity(k).clone()).collect(),
            relations: self
                .relation_keys()
                .map(|r| self.relation(r).clone())
                .collect(),
            fingerprint: self.fingerprint,
        }
    }
}

/// The relations at an entity ([`KnowledgeGraph::incident`]): the base's entries, then the
/// delta's, outgoing side first.
#[derive(Debug, Clone)]
pub struct Incident<'a> {
    /// Read directly rather than through the graph, so that a graph without a delta pays one
    /// predictable branch per entry.
    base: &'a Base,
    delta: Option<&'a delta::Delta>,
    filter: RelationFilter,
    /// Base outgoing, delta outgoing, base incoming, delta incoming.
    sides: [&'a [AdjacencyEntry]; 4],
    side: usize,
    entries: std::slice::Iter<'a, AdjacencyEntry>,
}

impl Iterator for Incident<'_> {
    type Item = IncidentRelation;

    #[inline]
    fn next(&mut self) -> Option<IncidentRelation> {
        let (base, delta) = (self.base, self.delta);
        loop {
            for entry in self.entries.by_ref() {
                let key = RelationKey(entry.relation);
                let differs = delta.is_some_and(|d| d.relation_differs(key));
                let trust = match delta {
                    Some(d) if differs => match d.trust_of(base, entry) {
                        Some(trust) => trust,
                        None => continue,
                    },
                    _ => entry.trust,
                };
                let relation = || match delta {
                    Some(d) if differs => d.relation(base, key),
                    _ => &base.relations[key.0 as usize],
                };
                if self.filter.passes(entry.relation_type, trust, relation) {
                    return Some(IncidentRelation {
                        relation: key,
                        outgoing: self.side < 2,
                        other: EntityKey(entry.other),
                        grade_strength: trust & trust::STRENGTH,
                    });
                }
            }
            self.side += 1;
            self.entries = self.sides.get(self.side)?.iter();
        }
    }
}
