//! Bounded, cycle-safe traversals: neighborhood (BFS), paths (k shortest loop-free paths) and
//! related (nearest entities of given kinds, hubs excluded as intermediates).
//!
//! All state is kept in hash maps sized by the work done, never by the graph's size, so a
//! query's cost follows the entities it visits. Relations are walked in both directions unless
//! a direction is given; each hop records which way it went.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::{
    Budget, BudgetExhausted, Direction, EntityKey, IncidentRelation, KnowledgeGraph,
    RelationFilter, RelationKey,
};
use crate::model::{EntityKind, RelationType};

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

    /// Up to `first` loop-free paths from `from` to `to` of at most `max_hops` hops, shortest
    /// first, walking relations in both directions. Paths of equal length come in depth-first
    /// order from `from`, each entity's relations taken as [`KnowledgeGraph::incident`] lists
    /// them (outgoing then incoming, each side in data order).
    ///
    /// Bidirectional search: a breadth-first ball grows around each end, one whole layer at a
    /// time, always on the side whose frontier has the smaller summed degree (neither ball
    /// expands the other end: a path ends at `to` and never returns to `from`), until the balls
    /// meet (their radii then add up to the shortest distance `d`) or their radii add up to
    /// `max_hops` without meeting (no path; nothing more is explored). A depth-first enumeration
    /// from `from` then lists the paths of each length `L = d, d + 1, ..., max_hops` in turn,
    /// until `first` are found, extending a partial path only when a lower bound on the
    /// remaining distance to `to` still fits: the exact distance inside the ball around `to`,
    /// its radius plus one outside it. Before a longer length the balls grow again (cheaper side
    /// first) until their radii add up to `L`, so that the enumeration's unpruned first hops stay
    /// within the layers already measured around `from`; they stop early when the bound is
    /// already exact, or when the ball around `from` is complete (the enumeration cannot leave
    /// it). A valid lower bound only cuts partial
    /// paths that cannot end at `to` in time, so the answer is exactly that of an unpruned
    /// enumeration.
    ///
    /// Cost: O(b^(d/2)) entities expanded by the search, with `b` the branching factor near the
    /// two ends (a one-sided search would expand O(b^(max_hops - 1)) around `to`), plus the
    /// enumeration: the partial paths from `from` of fewer hops than the ball around `from`'s
    /// radius, and those whose bound fits inside the ball around `to`. Memory is O(entities
    /// reached), never O(graph). Every entity expanded by either ball or by the enumeration
    /// counts against `budget`. Limits: the enumeration counts partial paths, not entities, so
    /// many parallel routes near `from` cost more than the entities on them; each length is
    /// enumerated afresh (a longer length repeats the work of the shorter ones); and a hub near
    /// both ends still costs its degree however the sides are chosen.
    pub fn paths(
        &self,
        from: EntityKey,
        to: EntityKey,
        max_hops: usize,
        filter: &RelationFilter,
        first: usize,
        budget: Budget,
    ) -> Result<Vec<Path>, BudgetExhausted> {
        self.paths_counted(from, to, max_hops, filter, first, budget)
            .map(|counted| counted.found)
    }

    /// [`KnowledgeGraph::paths`], and how many entities it visited.
    pub fn paths_counted(
        &self,
        from: EntityKey,
        to: EntityKey,
        max_hops: usize,
        filter: &RelationFilter,
        first: usize,
        budget: Budget,
    ) -> Result<Counted<Vec<Path>>, BudgetExhausted> {
        let none = |found| Ok(Counted { found, visited: 0 });
        if first == 0 {
            return none(Vec::new());
        }
        if from == to {
            return none(vec![Path {
                entities: vec![from],
                hops: Vec::new(),
            }]);
        }
        let mut meter = Meter::new(budget);
        let mut source = Ball::new(self, from, to);
        let mut target = Ball::new(self, to, from);
        let Some(shortest) = self.meet(&mut source, &mut target, max_hops, filter, &mut meter)?
        else {
            return Ok(Counted {
                found: Vec::new(),
                visited: meter.visited,
            });
        };
        let mut found = Vec::new();
        for length in shortest..=max_hops {
            // Past the shortest length, grow the balls until their radii add up to it, unless
            // the bound is already exact for every entity that could lie on such a path (the
            // ball around `to` reaches `length - 1`, or is complete) or the enumeration cannot
            // leave the ball around `from` (complete: every entity it can reach is measured).
            while source.radius + target.radius < length
                && target.radius + 1 < length
                && !target.complete()
                && !source.complete()
            {
                if target.frontier_degree <= source.frontier_degree {
                    target.grow(self, filter, &mut meter)?;
                } else {
                    source.grow(self, filter, &mut meter)?;
                }
            }
            let mut walk = Walk {
                graph: self,
                filter,
                to_target: &target,
                target: to,
                length,
                first,
                entities: vec![from],
                hops: Vec::new(),
                on_path: HashSet::from([from]),
                found: &mut found,
                meter: &mut meter,
            };
            walk.extend(from)?;
            if found.len() >= first {
                break;
            }
        }
        Ok(Counted {
            found,
            visited: meter.visited,
        })
    }

    /// Grows `source` and `target` (the one whose frontier has the smaller summed degree first)
    /// until they share an entity, and returns the distance between their origins; `None` when
    /// it exceeds `max_hops`, or when one ball is complete without meeting the other.
    fn meet(
        &self,
        source: &mut Ball,
        target: &mut Ball,
        max_hops: usize,
        filter: &RelationFilter,
        meter: &mut Meter,
    ) -> Result<Option<usize>, BudgetExhausted> {
        loop {
            // Balls that have not met are disjoint: the distance exceeds the summed radii.
            if source.radius + target.radius >= max_hops || source.complete() || target.complete() {
                return Ok(None);
            }
            let (grown, other) = if target.frontier_degree <= source.frontier_degree {
                (&mut *target, &*source)
            } else {
                (&mut *source, &*target)
            };
            grown.grow(self, filter, meter)?;
            // Only the new layer can touch the other ball; when it does, the radii add up to
            // the distance, and the minimum below is that sum.
            let met = grown
                .frontier
                .iter()
                .filter_map(|k| other.dist.get(k))
                .min()
                .map(|d| grown.radius + d);
            if met.is_some() {
                return Ok(met);
            }
        }
    }

    /// Entities of `kinds` within `max_hops` of `to`, nearest first, each with the path that
    /// explains it.
    ///
    /// The hub rule: an entity whose degree exceeds `max_intermediate_degree` (by default the
    /// graph's hub threshold, see [`super::GraphStats::hub_degree`]) may be found, but a path
    /// never passes *through* it, and SOURCE entities (provenance, not domain links) are never
    /// intermediates either. Otherwise a country or a broad organization would make everything
    /// related to everything. Among equally near candidates, the path whose intermediates have
    /// the lowest summed ln(1 + degree) wins (the most specific explanation), then the name.
    ///
    /// Relevance: among equally near results, those whose path passes through an EVENT (a
    /// meeting, a funding award: a generic link) come after every result reached through
    /// materials, standards, stages and directives, so `first` cuts them first. EXCLUDES
    /// relations are never walked, and a candidate that EXCLUDES the query's entity is not
    /// returned.
    /// Cost: O(entities visited), counted against `budget`.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is a documented query knob"
    )]
    pub fn related(
        &self,
        to: EntityKey,
        kinds: &[EntityKind],
        max_hops: usize,
        filter: &RelationFilter,
        first: usize,
        max_intermediate_degree: usize,
        budget: Budget,
    ) -> Result<Vec<Related>, BudgetExhausted> {
        let query = RelatedQuery {
            to,
            kinds,
            max_hops,
            filter,
            first,
            max_intermediate_degree,
        };
        self.related_counted(&query, budget)
            .map(|counted| counted.found)
    }

    /// [`KnowledgeGraph::related`] (its arguments but the budget in `query`), and how many
    /// entities it visited.
    pub fn related_counted(
        &self,
        query: &RelatedQuery<'_>,
        budget: Budget,
    ) -> Result<Counted<Vec<Related>>, BudgetExhausted> {
        let &RelatedQuery {
            to,
            kinds,
            max_hops,
            filter,
            first,
            max_intermediate_degree,
        } = query;
        struct Reached {
            distance: usize,
            /// Whether the chosen path passes through an EVENT (a meeting, an investment): a
            /// generic link, ranked after paths through materials, standards and directives.
            via_event: bool,
            cost: f64,
            via: Option<(EntityKey, IncidentRelation)>,
        }
        let mut meter = Meter::new(budget);
        let mut reached: HashMap<EntityKey, Reached> = HashMap::from([(
            to,
            Reached {
                distance: 0,
                via_event: false,
                cost: 0.0,
                via: None,
            },
        )]);
        let mut layer = vec![to];
        let mut results: Vec<EntityKey> = Vec::new();
        for distance in 1..=max_hops {
            if first == 0 || results.len() >= first {
                break;
            }
            let mut next: Vec<EntityKey> = Vec::new();
            for &node in &layer {
                let passable = node == to
                    || (self.entity(node).kind() != EntityKind::Source
                        && self.degree(node) <= max_intermediate_degree);
                if !passable {
                    continue;
                }
                meter.visit()?;
                let (through, via_event) = if node == to {
                    (0.0, false)
                } else {
                    (
                        reached[&node].cost + (1.0 + self.degree(node) as f64).ln(),
                        reached[&node].via_event || self.entity(node).kind() == EntityKind::Event,
                    )
                };
                for inc in self.incident(node, filter, Direction::Both) {
                    // An exclusion is not a link: walking it would make the excluded mineral
                    // and the standard neighbours.
                    if self.relation(inc.relation).relation_type == RelationType::Excludes {
                        continue;
                    }
                    match reached.get_mut(&inc.other) {
                        Some(r)
                            if r.distance == distance
                                && (via_event, through) < (r.via_event, r.cost) =>
                        {
                            r.via_event = via_event;
                            r.cost = through;
                            r.via = Some((node, inc));
                        }
                        Some(_) => {}
                        None => {
                            reached.insert(
                                inc.other,
                                Reached {
                                    distance,
                                    via_event,
                                    cost: through,
                                    via: Some((node, inc)),
                                },
                            );
                            next.push(inc.other);
                        }
                    }
                }
            }
            // A standard whose own scope excludes the entity asked about is not returned as
            // touching it (GB/T 14635-2020's method 2 and scandium above 0.1 %).
            let excluded = |candidate: EntityKey| {
                self.linked(candidate, RelationType::Excludes, Direction::Outgoing, None)
                    .contains(&to)
            };
            let mut found: Vec<EntityKey> = next
                .iter()
                .copied()
                .filter(|k| kinds.is_empty() || kinds.contains(&self.entity(*k).kind()))
                .filter(|k| !excluded(*k))
                .collect();
            found.sort_by(|a, b| {
                reached[a]
                    .cost
                    .total_cmp(&reached[b].cost)
                    .then_with(|| self.entity(*a).name.cmp(&self.entity(*b).name))
                    .then_with(|| a.cmp(b))
            });
            let (generic, specific): (Vec<EntityKey>, Vec<EntityKey>) =
                found.into_iter().partition(|k| reached[k].via_event);
            results.extend(specific);
            results.extend(generic);
            layer = next;
        }
        results.truncate(first);
        let found = results
            .into_iter()
            .map(|entity| {
                let mut hops = Vec::new();
                let mut at = entity;
                while let Some((prev, inc)) = reached[&at].via {
                    hops.push(Hop {
                        relation: inc.relation,
                        from: prev,
                        to: at,
                        forward: inc.outgoing,
                    });
                    at = prev;
                }
                hops.reverse();
                let mut entities = vec![to];
                entities.extend(hops.iter().map(|h| h.to));
                Related {
                    entity,
                    distance: reached[&entity].distance,
                    specificity_cost: reached[&entity].cost,
                    path: Path { entities, hops },
                }
            })
            .collect();
        Ok(Counted {
            found,
            visited: meter.visited,
        })
    }
}

/// The arguments of [`KnowledgeGraph::related`] but the budget, as in its documentation.
#[derive(Debug, Clone, Copy)]
pub struct RelatedQuery<'a> {
    /// The entity the results relate to.
    pub to: EntityKey,
    /// The kinds of entity to find (all when empty).
    pub kinds: &'a [EntityKind],
    /// Most hops from `to`.
    pub max_hops: usize,
    /// The relation types to walk.
    pub filter: &'a RelationFilter,
    /// Most results.
    pub first: usize,
    /// Paths never pass through an entity of a higher degree.
    pub max_intermediate_degree: usize,
}

/// A breadth-first ball around one end of a `paths` query, grown one whole layer at a time.
struct Ball {
    /// The other end of the query: reached but never expanded, since a path ends at `to` and
    /// never comes back to `from`. Distances that avoid it are still valid lower bounds for the
    /// rest of a path, and tighter.
    sink: EntityKey,
    /// The exact distance (both directions) of every entity within `radius` of the origin.
    dist: HashMap<EntityKey, usize>,
    /// The entities at distance `radius`: the next layer to expand.
    frontier: Vec<EntityKey>,
    /// Summed degree of the frontier: about the relations expanding it would walk.
    frontier_degree: usize,
    radius: usize,
}

impl Ball {
    fn new(graph: &KnowledgeGraph, origin: EntityKey, sink: EntityKey) -> Self {
        Ball {
            sink,
            dist: HashMap::from([(origin, 0)]),
            frontier: vec![origin],
            frontier_degree: graph.degree(origin),
            radius: 0,
        }
    }

    /// Whether the ball holds every entity its origin reaches without passing the sink (its
    /// last layer added nothing).
    fn complete(&self) -> bool {
        self.frontier.is_empty()
    }

    /// A lower bound on the distance between `key` and the origin: exact inside the ball, one
    /// more than the radius outside it, and unreachable (`usize::MAX`) outside a complete ball.
    fn lower_bound(&self, key: EntityKey) -> usize {
        match self.dist.get(&key) {
            Some(d) => *d,
            None if self.complete() => usize::MAX,
            None => self.radius + 1,
        }
    }

    /// Expands the frontier but the sink (each entity expanded counts against `meter`), adding
    /// the next layer.
    fn grow(
        &mut self,
        graph: &KnowledgeGraph,
        filter: &RelationFilter,
        meter: &mut Meter,
    ) -> Result<(), BudgetExhausted> {
        let mut next = Vec::new();
        let mut next_degree = 0;
        for &node in &self.frontier {
            if node == self.sink {
                continue;
            }
            meter.visit()?;
            for inc in graph.incident(node, filter, Direction::Both) {
                if let Entry::Vacant(slot) = self.dist.entry(inc.other) {
                    slot.insert(self.radius + 1);
                    next.push(inc.other);
                    if inc.other != self.sink {
                        next_degree += graph.degree(inc.other);
                    }
                }
            }
        }
        self.radius += 1;
        self.frontier = next;
        self.frontier_degree = next_degree;
        Ok(())
    }
}

/// The state of one depth-first enumeration of paths of exactly `length` hops.
struct Walk<'a> {
    graph: &'a KnowledgeGraph,
    filter: &'a RelationFilter,
    /// The ball around `target`, for lower bounds on the remaining distance.
    to_target: &'a Ball,
    target: EntityKey,
    length: usize,
    first: usize,
    entities: Vec<EntityKey>,
    hops: Vec<Hop>,
    on_path: HashSet<EntityKey>,
    found: &'a mut Vec<Path>,
    meter: &'a mut Meter,
}

impl Walk<'_> {
    fn extend(&mut self, node: EntityKey) -> Result<(), BudgetExhausted> {
        if self.found.len() >= self.first {
            return Ok(());
        }
        let taken = self.hops.len();
        if node == self.target {
            if taken == self.length {
                self.found.push(Path {
                    entities: self.entities.clone(),
                    hops: self.hops.clone(),
                });
            }
            return Ok(());
        }
        self.meter.visit()?;
        let remaining = self.length - taken;
        let graph = self.graph;
        for inc in graph.incident(node, self.filter, Direction::Both) {
            let fits = self.to_target.lower_bound(inc.other) < remaining;
            if !fits || self.on_path.contains(&inc.other) {
                continue;
            }
            self.on_path.insert(inc.other);
            self.entities.push(inc.other);
            self.hops.push(Hop {
                relation: inc.relation,
                from: node,
                to: inc.other,
                forward: inc.outgoing,
            });
            let result = self.extend(inc.other);
            self.hops.pop();
            self.entities.pop();
            self.on_path.remove(&inc.other);
            result?;
            if self.found.len() >= self.first {
                break;
            }
        }
        Ok(())
    }
}
