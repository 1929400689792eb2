//! Bounded, cycle-safe traversals: neighborhood (BFS), paths (k shortest loop-free paths) and
//! related (nearest entities of given kinds, hubs excluded as intermediates); `paths.rs` and
//! `related.rs` hold the latter two, this file their shared types and the neighborhood.
//!
//! All state is kept in hash maps sized by the work done, never by the graph's size, so a
//! query's cost follows the entities it visits. Relations are walked in both directions unless
//! a direction is given; each hop records which way it went.

use std::collections::HashSet;

mod paths;
mod related;

pub use related::RelatedQuery;

use super::{
    Budget, BudgetExhausted, Direction, EntityKey, KnowledgeGraph, RelationFilter, RelationKey,
};

/// One step of a path: the relation taken and which way it was walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    /// The relation.
    pub relation: RelationKey,
    /// The entity the hop leaves.
    pub from: EntityKey,
    /// The entity the hop reaches.
    pub to: EntityKey,
    /// True when the hop follows the relation's own direction (`from` is the relation's `from`).
    pub forward: bool,
}

/// A loop-free path: `entities[i] --hops[i]--> entities[i + 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The entities, start first; one more than the hops.
    pub entities: Vec<EntityKey>,
    /// The hops, in walking order.
    pub hops: Vec<Hop>,
}

impl Path {
    /// Number of hops.
    pub fn len(&self) -> usize {
        self.hops.len()
    }

    /// Whether the path has no hop (start = end).
    pub fn is_empty(&self) -> bool {
        self.hops.is_empty()
    }
}

/// A set of entities and the relations among them that a neighborhood query reached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subgraph {
    /// Entities in breadth-first order, the start first.
    pub entities: Vec<EntityKey>,
    /// Relations followed between included entities, each once.
    pub relations: Vec<RelationKey>,
    /// True when the limit or the work budget stopped the traversal before it was complete.
    pub truncated: bool,
    /// Entities the traversal visited (expanded), its work: what metrics count.
    pub visited: usize,
}

/// A traversal's answer and the entities it visited to find it (its work, for metrics).
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<T> {
    /// The answer.
    pub found: T,
    /// Entities visited (expanded), at most the budget.
    pub visited: usize,
}

/// An entity found by `related`, with its distance and the path that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// The entity found.
    pub entity: EntityKey,
    /// Hops from the query's entity.
    pub distance: usize,
    /// The path from the query's entity to it.
    pub path: Path,
    /// Sum of ln(1 + degree) over the path's intermediate entities: lower is more specific.
    pub specificity_cost: f64,
}

/// Counts visited entities against a budget.
struct Meter {
    budget: usize,
    visited: usize,
}

impl Meter {
    fn new(budget: Budget) -> Self {
        Meter {
            budget: budget.0,
            visited: 0,
        }
    }

    /// Counts one more visit, unless the budget is spent: a visit refused is not counted.
    fn visit(&mut self) -> Result<(), BudgetExhausted> {
        if self.visited >= self.budget {
            Err(BudgetExhausted {
                visited: self.budget,
            })
        } else {
            self.visited += 1;
            Ok(())
        }
    }
}

/// Most relations a [`KnowledgeGraph::neighborhood`] returns per entity it may return: a dense
/// ball (hubs, cliques) would otherwise answer with far more relations than entities, so that
/// neither the answer's size nor its estimate before execution is bounded by `limit`.
pub const SUBGRAPH_RELATIONS_PER_ENTITY: usize = 2;

impl KnowledgeGraph {
    /// Entities within `depth` hops of `start` (breadth first), at most `limit` of them, and the
    /// relations followed among them, at most [`SUBGRAPH_RELATIONS_PER_ENTITY`] × `limit`. Stops
    /// early, with `truncated`, at either limit or when `budget` entities have been visited.
    /// O(visited entities + their relations).
    pub fn neighborhood(
        &self,
        start: EntityKey,
        depth: usize,
        filter: &RelationFilter,
        direction: Direction,
        limit: usize,
        budget: Budget,
    ) -> Subgraph {
        let mut meter = Meter::new(budget);
        let mut sub = Subgraph::default();
        if limit == 0 {
            sub.truncated = true;
            return sub;
        }
        let relation_limit = limit.saturating_mul(SUBGRAPH_RELATIONS_PER_ENTITY);
        let mut included: HashSet<EntityKey> = HashSet::from([start]);
        let mut seen_relations: HashSet<RelationKey> = HashSet::new();
        sub.entities.push(start);
        let mut frontier = vec![start];
        'layers: for _ in 0..depth {
            let mut next = Vec::new();
            for &node in &frontier {
                if meter.visit().is_err() {
                    sub.truncated = true;
                    break 'layers;
                }
                for inc in self.incident(node, filter, direction) {
                    if !included.contains(&inc.other) {
                        if sub.entities.len() >= limit {
                            sub.truncated = true;
                            continue;
                        }
                        included.insert(inc.other);
                        sub.entities.push(inc.other);
                        next.push(inc.other);
                    }
                    if !seen_relations.contains(&inc.relation) {
                        if sub.relations.len() >= relation_limit {
                            sub.truncated = true;
                            continue;
                        }
                        seen_relations.insert(inc.relation);
                        sub.relations.push(inc.relation);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        sub.visited = meter.visited;
        sub
    }
}
