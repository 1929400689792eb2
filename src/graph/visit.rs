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

use petgraph::visit::{
    Data, EdgeCount, EdgeIndexable, EdgeRef, GraphBase, GraphProp, IntoEdgeReferences, IntoEdges,
    IntoEdgesDirected, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers,
    IntoNodeReferences, NodeCount, NodeIndexable, Visitable,
};
use petgraph::{Directed, Direction};

use super::{EntityKey, Incident, KnowledgeGraph, RelationFilter, RelationKey};
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
        self.entity_count()
    }
}

impl EdgeCount for KnowledgeGraph {
    fn edge_count(&self) -> usize {
        self.relation_count()
    }
}

impl NodeIndexable for KnowledgeGraph {
    fn node_bound(&self) -> usize {
        self.key_bound()
    }

    fn to_index(&self, a: EntityKey) -> usize {
        a.0 as usize
    }

    fn from_index(&self, i: usize) -> EntityKey {
        // Entity counts fit in u32 (snapshots and keys number them so).
        EntityKey(i as u32)
    }
}

impl EdgeIndexable for KnowledgeGraph {
    fn edge_bound(&self) -> usize {
        self.relation_bound()
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

/// Every live entity key, in storage order.
#[derive(Debug, Clone)]
pub struct EntityKeys<'a> {
    graph: &'a KnowledgeGraph,
    next: Range<u32>,
}

impl Iterator for EntityKeys<'_> {
    type Item = EntityKey;

    fn next(&mut self) -> Option<EntityKey> {
        let graph = self.graph;
        self.next
            .by_ref()
            .map(EntityKey)
            .find(|&k| graph.is_live(k))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.next.size_hint().1)
    }
}

/// The entities at the other end of one side of an entity's relations, in data order.
#[derive(Debug, Clone)]
pub struct NeighborKeys<'a>(Incident<'a>);

impl Iterator for NeighborKeys<'_> {
    type Item = EntityKey;

    fn next(&mut self) -> Option<EntityKey> {
        self.0.next().map(|i| i.other)
    }
}

/// Relations as edge references: one side of an entity's, or every relation.
#[derive(Debug, Clone)]
pub struct RelationRefs<'a> {
    source: Source<'a>,
}

#[derive(Debug, Clone)]
enum Source<'a> {
    /// One side of `at`'s relations.
    Side {
        graph: &'a KnowledgeGraph,
        incident: Incident<'a>,
        at: EntityKey,
    },
    /// Every live relation, in key order.
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
                graph,
                incident,
                at,
            } => {
                let i = incident.next()?;
                let (from, to) = if i.outgoing {
                    (*at, i.other)
                } else {
                    (i.other, *at)
                };
                Some(RelationRef {
                    relation: i.relation,
                    from,
                    to,
                    relation_type: &graph.relation(i.relation).relation_type,
                })
            }
            Source::All { graph, next } => {
                let graph = *graph;
                let key = next
                    .by_ref()
                    .map(RelationKey)
                    .find(|&r| graph.is_live_relation(r))?;
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
}

impl KnowledgeGraph {
    /// One side of an entity's relations as edge references.
    fn side(&self, a: EntityKey, direction: Direction) -> RelationRefs<'_> {
        RelationRefs {
            source: Source::Side {
                graph: self,
                incident: self.incident(a, &RelationFilter::all(), side(direction)),
                at: a,
            },
        }
    }
}

/// petgraph's direction as the graph's.
fn side(direction: Direction) -> super::Direction {
    match direction {
        Direction::Outgoing => super::Direction::Outgoing,
        Direction::Incoming => super::Direction::Incoming,
    }
}

impl<'a> IntoNeighbors for &'a KnowledgeGraph {
    type Neighbors = NeighborKeys<'a>;

    /// The entities `a`'s outgoing relations point to. O(1), then O(1) per item.
    fn neighbors(self, a: EntityKey) -> NeighborKeys<'a> {
        NeighborKeys(self.incident(a, &RelationFilter::all(), super::Direction::Outgoing))
    }
}

impl<'a> IntoNeighborsDirected for &'a KnowledgeGraph {
    type NeighborsDirected = NeighborKeys<'a>;

    fn neighbors_directed(self, a: EntityKey, direction: Direction) -> NeighborKeys<'a> {
        NeighborKeys(self.incident(a, &RelationFilter::all(), side(direction)))
    }
}

impl<'a> IntoEdgeReferences for &'a KnowledgeGraph {
    type EdgeRef = RelationRef<'a>;
    type EdgeReferences = RelationRefs<'a>;

    fn edge_references(self) -> RelationRefs<'a> {
        super::reads::relations();
        RelationRefs {
            source: Source::All {
                graph: self,
                next: 0..self.relation_bound() as u32,
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

impl<'a> IntoNodeIdentifiers for &'a KnowledgeGraph {
    type NodeIdentifiers = EntityKeys<'a>;

    fn node_identifiers(self) -> EntityKeys<'a> {
        super::reads::kinds([]);
        EntityKeys {
            graph: self,
            next: 0..self.key_bound() as u32,
        }
    }
}

/// Every live entity with its record, in storage order.
#[derive(Debug, Clone)]
pub struct EntityRefs<'a>(EntityKeys<'a>);

impl<'a> Iterator for EntityRefs<'a> {
    type Item = (EntityKey, &'a Entity);

    fn next(&mut self) -> Option<(EntityKey, &'a Entity)> {
        let key = self.0.next()?;
        Some((key, self.0.graph.entity(key)))
    }
}

impl<'a> IntoNodeReferences for &'a KnowledgeGraph {
    type NodeRef = (EntityKey, &'a Entity);
    type NodeReferences = EntityRefs<'a>;

    fn node_references(self) -> EntityRefs<'a> {
        EntityRefs(self.node_identifiers())
    }
}
