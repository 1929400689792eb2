//! [`KnowledgeGraph`]: the validated dataset in a petgraph, with an id index and a search index,
//! and pure, synchronous queries over it (lookup, pages, relations, neighborhood, paths,
//! related, search).
//!
//! Architecture invariant: this module knows nothing of GraphQL, HTTP or files, and does no IO.
//! petgraph's `NodeIndex` never leaves it: callers hold [`EntityKey`] and [`RelationKey`].
//! Every traversal is bounded by its arguments and by a work budget ([`Budget`]).

mod search;
mod traverse;

use std::collections::HashMap;

use petgraph::Direction as PgDirection;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::dataset::Dataset;
use crate::model::{Entity, EntityKind, Relation, RelationType};

pub use search::SearchHit;
pub use traverse::{Hop, Path, Related, Subgraph, traversal_visits};

/// An entity's handle in one graph snapshot. Only meaningful for the graph that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityKey(u32);

/// A relation's handle in one graph snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationKey(u32);

impl EntityKey {
    fn node(self) -> NodeIndex {
        NodeIndex::new(self.0 as usize)
    }
    fn of(node: NodeIndex) -> Self {
        // Node counts are bounded by u32 (the graph's index type), so this cannot truncate.
        EntityKey(node.index() as u32)
    }
}

impl RelationKey {
    fn edge(self) -> EdgeIndex {
        EdgeIndex::new(self.0 as usize)
    }
    fn of(edge: EdgeIndex) -> Self {
        RelationKey(edge.index() as u32)
    }
}

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

/// Which relation types a query may follow: all, or the listed ones.
#[derive(Debug, Clone, Default)]
pub struct RelationFilter(Option<Vec<RelationType>>);

impl RelationFilter {
    /// Follows every relation type.
    pub fn all() -> Self {
        RelationFilter(None)
    }

    /// Follows only the listed types (an empty list follows none).
    pub fn only(types: Vec<RelationType>) -> Self {
        RelationFilter(Some(types))
    }

    fn allows(&self, t: RelationType) -> bool {
        self.0.as_ref().is_none_or(|types| types.contains(&t))
    }
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
#[derive(Debug)]
pub struct KnowledgeGraph {
    graph: DiGraph<Entity, Relation, u32>,
    ids: HashMap<Box<str>, EntityKey>,
    /// Entities of each kind, sorted by id, for stable Relay pages.
    by_kind: [Vec<EntityKey>; EntityKind::ALL.len()],
    search: search::SearchIndex,
    hub_degree: usize,
    fingerprint: u64,
}

/// The smallest hub threshold, so that small graphs do not treat ordinary entities as hubs.
const MIN_HUB_DEGREE: usize = 16;

impl KnowledgeGraph {
    /// Builds the graph from a validated dataset. O(entities + relations).
    ///
    /// # Panics
    /// Never for a [`Dataset`] from [`crate::dataset`], whose relations all have known endpoints;
    /// relations with unknown endpoints are skipped.
    pub fn new(dataset: Dataset) -> Self {
        let mut graph = DiGraph::with_capacity(dataset.entities.len(), dataset.relations.len());
        let mut ids = HashMap::with_capacity(dataset.entities.len());
        let mut by_kind: [Vec<EntityKey>; EntityKind::ALL.len()] = Default::default();
        for entity in dataset.entities {
            let id: Box<str> = entity.id.as_str().into();
            let kind = entity.kind();
            let key = EntityKey::of(graph.add_node(entity));
            by_kind[kind.index()].push(key);
            ids.insert(id, key);
        }
        for relation in dataset.relations {
            let (Some(&from), Some(&to)) = (
                ids.get(relation.from.as_str()),
                ids.get(relation.to.as_str()),
            ) else {
                continue;
            };
            graph.add_edge(from.node(), to.node(), relation);
        }
        for keys in &mut by_kind {
            keys.sort_by(|a, b| graph[a.node()].id.cmp(&graph[b.node()].id));
        }
        let search =
            search::SearchIndex::build(graph.node_indices().map(|n| (EntityKey::of(n), &graph[n])));
        let mean_degree = if graph.node_count() == 0 {
            0
        } else {
            (2 * graph.edge_count()).div_ceil(graph.node_count())
        };
        KnowledgeGraph {
            graph,
            ids,
            by_kind,
            search,
            hub_degree: (4 * mean_degree).max(MIN_HUB_DEGREE),
            fingerprint: dataset.fingerprint,
        }
    }

    /// The entity with this id, if any. O(1).
    pub fn lookup(&self, id: &str) -> Option<EntityKey> {
        self.ids.get(id).copied()
    }

    /// The entity behind a key. O(1).
    pub fn entity(&self, key: EntityKey) -> &Entity {
        &self.graph[key.node()]
    }

    /// The relation behind a key. O(1).
    pub fn relation(&self, key: RelationKey) -> &Relation {
        &self.graph[key.edge()]
    }

    /// The keys of a relation's `from` and `to` entities. O(1).
    pub fn endpoints(&self, key: RelationKey) -> (EntityKey, EntityKey) {
        let (a, b) = self
            .graph
            .edge_endpoints(key.edge())
            .unwrap_or((NodeIndex::end(), NodeIndex::end()));
        (EntityKey::of(a), EntityKey::of(b))
    }

    /// Number of relations at an entity, both directions. O(degree).
    pub fn degree(&self, key: EntityKey) -> usize {
        self.graph
            .edges_directed(key.node(), PgDirection::Outgoing)
            .count()
            + self
                .graph
                .edges_directed(key.node(), PgDirection::Incoming)
                .count()
    }

    /// Whether an entity counts as a hub (degree above [`GraphStats::hub_degree`]).
    pub fn is_hub(&self, key: EntityKey) -> bool {
        self.degree(key) > self.hub_degree
    }

    /// The data fingerprint of the files this snapshot was built from.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// How many entities have one of `kinds` (all kinds when empty). O(kinds).
    pub fn count_of_kinds(&self, kinds: &[EntityKind]) -> usize {
        self.kind_lists(kinds).map(Vec::len).sum()
    }

    /// A page of entities of the given kinds (all when empty), ordered by kind then id.
    /// O(kinds + page length), whatever the offset.
    pub fn entities_of_kinds(
        &self,
        kinds: &[EntityKind],
        offset: usize,
        limit: usize,
    ) -> Vec<EntityKey> {
        let mut skip = offset;
        let mut out = Vec::with_capacity(limit.min(1024));
        for list in self.kind_lists(kinds) {
            if out.len() >= limit {
                break;
            }
            if skip >= list.len() {
                skip -= list.len();
                continue;
            }
            let take = (limit - out.len()).min(list.len() - skip);
            out.extend_from_slice(&list[skip..skip + take]);
            skip = 0;
        }
        out
    }

    fn kind_lists<'a>(
        &'a self,
        kinds: &'a [EntityKind],
    ) -> impl Iterator<Item = &'a Vec<EntityKey>> {
        EntityKind::ALL
            .into_iter()
            .filter(move |k| kinds.is_empty() || kinds.contains(k))
            .map(|k| &self.by_kind[k.index()])
    }

    /// The relations at an entity that pass the filter, in the given direction: outgoing first,
    /// each side in insertion order. O(degree).
    pub fn incident(
        &self,
        key: EntityKey,
        filter: &RelationFilter,
        direction: Direction,
    ) -> impl Iterator<Item = IncidentRelation> + '_ {
        let out = matches!(direction, Direction::Outgoing | Direction::Both);
        let inc = matches!(direction, Direction::Incoming | Direction::Both);
        let outgoing = out
            .then(|| self.graph.edges_directed(key.node(), PgDirection::Outgoing))
            .into_iter()
            .flatten()
            .map(|e| IncidentRelation {
                relation: RelationKey::of(e.id()),
                outgoing: true,
                other: EntityKey::of(e.target()),
            });
        let incoming = inc
            .then(|| self.graph.edges_directed(key.node(), PgDirection::Incoming))
            .into_iter()
            .flatten()
            .map(|e| IncidentRelation {
                relation: RelationKey::of(e.id()),
                outgoing: false,
                other: EntityKey::of(e.source()),
            });
        let filter = filter.clone();
        let mut items: Vec<IncidentRelation> = outgoing.chain(incoming).collect();
        // petgraph lists a node's edges newest first; data-file order reads better.
        items.sort_by_key(|i| (!i.outgoing, i.relation));
        items
            .into_iter()
            .filter(move |i| filter.allows(self.graph[i.relation.edge()].relation_type))
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
        self.incident(key, &RelationFilter::only(vec![relation_type]), direction)
            .map(|i| i.other)
            .filter(|o| kind.is_none_or(|k| self.entity(*o).kind() == k))
            .collect()
    }

    /// Counts for the whole graph. O(kinds).
    pub fn stats(&self) -> GraphStats {
        GraphStats {
            entities: self.graph.node_count(),
            relations: self.graph.edge_count(),
            by_kind: EntityKind::ALL
                .into_iter()
                .map(|k| (k, self.by_kind[k.index()].len()))
                .filter(|(_, n)| *n > 0)
                .collect(),
            hub_degree: self.hub_degree,
        }
    }

    /// Ranked search over names, aliases and standard codes; see [`search`] for the rules.
    pub fn search(&self, query: &str, kinds: &[EntityKind], first: usize) -> Vec<SearchHit> {
        self.search.search(query, first, |key| {
            kinds.is_empty() || kinds.contains(&self.entity(key).kind())
        })
    }

    /// Every entity key, in storage order (for tests and exports).
    pub fn keys(&self) -> impl Iterator<Item = EntityKey> + '_ {
        self.graph.node_indices().map(EntityKey::of)
    }

    /// Every relation key, in storage order.
    pub fn relation_keys(&self) -> impl Iterator<Item = RelationKey> + '_ {
        self.graph.edge_indices().map(RelationKey::of)
    }
}
