//! petgraph's graph traits on [`KnowledgeGraph`], so that petgraph's walkers and algorithms run
//! on the graph's own topology (the compressed adjacency every query walks), with no copy into
//! a petgraph type: `Bfs`, `Dfs`, `DfsPostOrder`, `Topo`, `EdgeFiltered`/`NodeFiltered`,
//! `Reversed`, `algo::dijkstra`, `astar`, `bellman_ford`, `has_path_connecting`,
//! `tarjan_scc`, `kosaraju_scc`, `connected_components`, `is_cyclic_directed`, `toposort`, ...
//!
//! The graph is directed: node ids are [`EntityKey`]s, edge ids [`RelationKey`]s, node weights
//! the [`Entity`] records and edge weights the [`RelationType`]s. `neighbors(k)` and `edges(k)`
//! follow outgoing relations, `*_directed(k, Incoming)` incoming ones (edge references keep the
//! relation's own direction: `source()` is always its `from`); each side lists relations in
//! data order, as [`KnowledgeGraph::incident`] does. Visit maps are hash sets, sized by the work
//! done rather than by the graph (the graph's invariant; `EntityKey` is no petgraph
//! `IndexType`, which its bit sets would need).
//!
//! Architecture invariant: this module only adapts; no query logic lives here.

use std::collections::HashSet;
use std::ops::Range;
use std::slice;

use petgraph::visit::{
    Data, EdgeCount, EdgeIndexable, EdgeRef, GraphBase, GraphProp, IntoEdgeReferences, IntoEdges,
    IntoEdgesDirected, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers,
    IntoNodeReferences, NodeCompactIndexable, NodeCount, NodeIndexable, Visitable,
};
use petgraph::{Directed, Direction};

use super::{AdjacencyEntry, EntityKey, KnowledgeGraph, RelationKey};
use crate::model::{Entity, RelationType};

impl GraphBase for KnowledgeGraph {
    type NodeId = EntityKey;
    type EdgeId = RelationKey;
}

impl GraphProp for KnowledgeGraph {
    type EdgeType = Directed;
}

impl Data for KnowledgeGraph {
    type NodeWeight = Entity;
    type EdgeWeight = RelationType;
}

impl NodeCount for KnowledgeGraph {
    fn node_count(&self) -> usize {
        self.entities.len()
    }
}

impl EdgeCount for KnowledgeGraph {
    fn edge_count(&self) -> usize {
        self.relations.len()
    }
}

impl NodeIndexable for KnowledgeGraph {
    fn node_bound(&self) -> usize {
        self.entities.len()
    }

    fn to_index(&self, a: EntityKey) -> usize {
        a.0 as usize
    }

    fn from_index(&self, i: usize) -> EntityKey {
        // Entity counts fit in u32 (snapshots and keys number them so).
        EntityKey(i as u32)
    }
}

impl NodeCompactIndexable for KnowledgeGraph {}

impl EdgeIndexable for KnowledgeGraph {
    fn edge_bound(&self) -> usize {
        self.relations.len()
    }

    fn to_index(&self, a: RelationKey) -> usize {
        a.0 as usize
    }

    fn from_index(&self, i: usize) -> RelationKey {
        RelationKey(i as u32)
    }
}

impl Visitable for KnowledgeGraph {
    type Map = HashSet<EntityKey>;

    fn visit_map(&self) -> HashSet<EntityKey> {
        HashSet::new()
    }

    fn reset_map(&self, map: &mut HashSet<EntityKey>) {
        map.clear();
    }
}

/// A relation as petgraph sees an edge: its key, its endpoints in its own direction, its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationRef<'a> {
    relation: RelationKey,
    from: EntityKey,
    to: EntityKey,
    relation_type: &'a RelationType,
}

impl<'a> EdgeRef for RelationRef<'a> {
    type NodeId = EntityKey;
    type EdgeId = RelationKey;
    type Weight = RelationType;

    fn source(&self) -> EntityKey {
        self.from
    }

    fn target(&self) -> EntityKey {
        self.to
    }

    fn weight(&self) -> &'a RelationType {
        self.relation_type
    }

    fn id(&self) -> RelationKey {
        self.relation
    }
}

/// Every entity key, in storage order.
#[derive(Debug, Clone)]
pub struct EntityKeys(Range<u32>);

impl Iterator for EntityKeys {
    type Item = EntityKey;

    fn next(&mut self) -> Option<EntityKey> {
        self.0.next().map(EntityKey)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// The entities at the other end of one side of an entity's relations, in data order.
#[derive(Debug, Clone)]
pub struct NeighborKeys<'a>(slice::Iter<'a, AdjacencyEntry>);

impl Iterator for NeighborKeys<'_> {
    type Item = EntityKey;

    fn next(&mut self) -> Option<EntityKey> {
        self.0.next().map(|e| EntityKey(e.other))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// Relations as edge references: one side of an entity's, or every relation.
#[derive(Debug, Clone)]
pub struct RelationRefs<'a> {
    source: Source<'a>,
}

#[derive(Debug, Clone)]
enum Source<'a> {
    /// One side of `at`'s relations; `outgoing` says which.
    Side {
        entries: slice::Iter<'a, AdjacencyEntry>,
        at: EntityKey,
        outgoing: bool,
    },
    /// Every relation, in key order.
    All {
        graph: &'a KnowledgeGraph,
        next: Range<u32>,
    },
}

impl<'a> Iterator for RelationRefs<'a> {
    type Item = RelationRef<'a>;

    fn next(&mut self) -> Option<RelationRef<'a>> {
        match &mut self.source {
            Source::Side {
                entries,
                at,
                outgoing,
            } => {
                let e = entries.next()?;
                let other = EntityKey(e.other);
                let (from, to) = if *outgoing {
                    (*at, other)
                } else {
                    (other, *at)
                };
                Some(RelationRef {
                    relation: RelationKey(e.relation),
                    from,
                    to,
                    relation_type: &e.relation_type,
                })
            }
            Source::All { graph, next } => {
                let key = RelationKey(next.next()?);
                let (from, to) = graph.endpoints(key);
                Some(RelationRef {
                    relation: key,
                    from,
                    to,
                    relation_type: &graph.relation(key).relation_type,
                })
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.source {
            Source::Side { entries, .. } => entries.size_hint(),
            Source::All { next, .. } => next.size_hint(),
        }
    }
}

impl KnowledgeGraph {
    /// One side of an entity's relations as edge references.
    fn side(&self, a: EntityKey, direction: Direction) -> RelationRefs<'_> {
        let (entries, outgoing) = match direction {
            Direction::Outgoing => (self.adjacency.outgoing(a), true),
            Direction::Incoming => (self.adjacency.incoming(a), false),
        };
        RelationRefs {
            source: Source::Side {
                entries: entries.iter(),
                at: a,
                outgoing,
            },
        }
    }
}

impl<'a> IntoNeighbors for &'a KnowledgeGraph {
    type Neighbors = NeighborKeys<'a>;

    /// The entities `a`'s outgoing relations point to. O(1), then O(1) per item.
    fn neighbors(self, a: EntityKey) -> NeighborKeys<'a> {
        NeighborKeys(self.adjacency.outgoing(a).iter())
    }
}

impl<'a> IntoNeighborsDirected for &'a KnowledgeGraph {
    type NeighborsDirected = NeighborKeys<'a>;

    fn neighbors_directed(self, a: EntityKey, direction: Direction) -> NeighborKeys<'a> {
        NeighborKeys(
            match direction {
                Direction::Outgoing => self.adjacency.outgoing(a),
                Direction::Incoming => self.adjacency.incoming(a),
            }
            .iter(),
        )
    }
}

impl<'a> IntoEdgeReferences for &'a KnowledgeGraph {
    type EdgeRef = RelationRef<'a>;
    type EdgeReferences = RelationRefs<'a>;

    fn edge_references(self) -> RelationRefs<'a> {
        RelationRefs {
            source: Source::All {
                graph: self,
                next: 0..self.relations.len() as u32,
            },
        }
    }
}

impl<'a> IntoEdges for &'a KnowledgeGraph {
    type Edges = RelationRefs<'a>;

    fn edges(self, a: EntityKey) -> RelationRefs<'a> {
        self.side(a, Direction::Outgoing)
    }
}

impl<'a> IntoEdgesDirected for &'a KnowledgeGraph {
    type EdgesDirected = RelationRefs<'a>;

    fn edges_directed(self, a: EntityKey, direction: Direction) -> RelationRefs<'a> {
        self.side(a, direction)
    }
}

impl IntoNodeIdentifiers for &KnowledgeGraph {
    type NodeIdentifiers = EntityKeys;

    fn node_identifiers(self) -> EntityKeys {
        EntityKeys(0..self.entities.len() as u32)
    }
}

/// Every entity with its record, in storage order.
#[derive(Debug, Clone)]
pub struct EntityRefs<'a>(std::iter::Enumerate<slice::Iter<'a, Entity>>);

impl<'a> Iterator for EntityRefs<'a> {
    type Item = (EntityKey, &'a Entity);

    fn next(&mut self) -> Option<(EntityKey, &'a Entity)> {
        self.0.next().map(|(k, e)| (EntityKey(k as u32), e))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<'a> IntoNodeReferences for &'a KnowledgeGraph {
    type NodeRef = (EntityKey, &'a Entity);
    type NodeReferences = EntityRefs<'a>;

    fn node_references(self) -> EntityRefs<'a> {
        EntityRefs(self.entities.iter().enumerate())
    }
}
