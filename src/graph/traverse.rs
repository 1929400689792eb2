//! Bounded, cycle-safe traversals: neighborhood (BFS), paths (k shortest loop-free paths) and
//! related (nearest entities of given kinds, hubs excluded as intermediates).
//!
//! All state is kept in hash maps sized by the work done, never by the graph's size, so a
//! query's cost follows the entities it visits. Relations are walked in both directions unless
//! a direction is given; each hop records which way it went.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{
    Budget, BudgetExhausted, Direction, EntityKey, IncidentRelation, KnowledgeGraph,
    RelationFilter, RelationKey,
};
use crate::model::EntityKind;

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

/// Entities visited by every traversal since the process started (for metrics).
static VISITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Entities visited by every traversal since the process started.
pub fn traversal_visits() -> u64 {
    VISITS.load(std::sync::atomic::Ordering::Relaxed)
}

impl Drop for Meter {
    fn drop(&mut self) {
        VISITS.fetch_add(self.visited as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Meter {
    fn new(budget: Budget) -> Self {
        Meter {
            budget: budget.0,
            visited: 0,
        }
    }

    fn visit(&mut self) -> Result<(), BudgetExhausted> {
        self.visited += 1;
        if self.visited > self.budget {
            Err(BudgetExhausted {
                visited: self.budget,
            })
        } else {
            Ok(())
        }
    }
}

impl KnowledgeGraph {
    /// Entities within `depth` hops of `start` (breadth first), at most `limit` of them, and the
    /// relations followed among them. Stops early, with `truncated`, at the limit or when
    /// `budget` entities have been visited. O(visited entities + their relations).
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
                    if seen_relations.insert(inc.relation) {
                        sub.relations.push(inc.relation);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        sub
    }

    /// Up to `first` loop-free paths from `from` to `to` of at most `max_hops` hops, shortest
    /// first (ties in a stable order), walking relations in both directions.
    ///
    /// A breadth-first pass from `to` records distances (at most `max_hops - 1` deep); a
    /// depth-first enumeration from `from` then only extends a partial path when the remaining
    /// distance still fits, so dead ends are never explored. Cost: O(entities within
    /// `max_hops` of `to`) plus the paths enumerated, all counted against `budget`.
    pub fn paths(
        &self,
        from: EntityKey,
        to: EntityKey,
        max_hops: usize,
        filter: &RelationFilter,
        first: usize,
        budget: Budget,
    ) -> Result<Vec<Path>, BudgetExhausted> {
        if first == 0 {
            return Ok(Vec::new());
        }
        if from == to {
            return Ok(vec![Path {
                entities: vec![from],
                hops: Vec::new(),
            }]);
        }
        let mut meter = Meter::new(budget);
        let to_target = self.distances(to, max_hops, filter, &mut meter)?;
        let Some(&shortest) = to_target.get(&from) else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for length in shortest..=max_hops {
            let mut walk = Walk {
                graph: self,
                filter,
                to_target: &to_target,
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
        Ok(found)
    }

    /// Distances (in hops, both directions) from `origin` to every entity within `max_depth`.
    /// The enumeration in `paths` needs the distance of every entity that could lie on a path,
    /// so the whole radius is explored.
    fn distances(
        &self,
        origin: EntityKey,
        max_depth: usize,
        filter: &RelationFilter,
        meter: &mut Meter,
    ) -> Result<HashMap<EntityKey, usize>, BudgetExhausted> {
        let mut dist = HashMap::from([(origin, 0)]);
        let mut queue = VecDeque::from([origin]);
        while let Some(node) = queue.pop_front() {
            let d = dist[&node];
            if d >= max_depth {
                continue;
            }
            meter.visit()?;
            for inc in self.incident(node, filter, Direction::Both) {
                if let std::collections::hash_map::Entry::Vacant(slot) = dist.entry(inc.other) {
                    slot.insert(d + 1);
                    queue.push_back(inc.other);
                }
            }
        }
        Ok(dist)
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
        struct Reached {
            distance: usize,
            cost: f64,
            via: Option<(EntityKey, IncidentRelation)>,
        }
        let mut meter = Meter::new(budget);
        let mut reached: HashMap<EntityKey, Reached> = HashMap::from([(
            to,
            Reached {
                distance: 0,
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
                let through = if node == to {
                    0.0
                } else {
                    reached[&node].cost + (1.0 + self.degree(node) as f64).ln()
                };
                for inc in self.incident(node, filter, Direction::Both) {
                    match reached.get_mut(&inc.other) {
                        Some(r) if r.distance == distance && through < r.cost => {
                            r.cost = through;
                            r.via = Some((node, inc));
                        }
                        Some(_) => {}
                        None => {
                            reached.insert(
                                inc.other,
                                Reached {
                                    distance,
                                    cost: through,
                                    via: Some((node, inc)),
                                },
                            );
                            next.push(inc.other);
                        }
                    }
                }
            }
            let mut found: Vec<EntityKey> = next
                .iter()
                .copied()
                .filter(|k| kinds.is_empty() || kinds.contains(&self.entity(*k).kind()))
                .collect();
            found.sort_by(|a, b| {
                reached[a]
                    .cost
                    .total_cmp(&reached[b].cost)
                    .then_with(|| self.entity(*a).name.cmp(&self.entity(*b).name))
                    .then_with(|| a.cmp(b))
            });
            results.extend(found);
            layer = next;
        }
        results.truncate(first);
        Ok(results
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
            .collect())
    }
}

/// The state of one depth-first enumeration of paths of exactly `length` hops.
struct Walk<'a> {
    graph: &'a KnowledgeGraph,
    filter: &'a RelationFilter,
    to_target: &'a HashMap<EntityKey, usize>,
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
            let fits = self
                .to_target
                .get(&inc.other)
                .is_some_and(|d| *d < remaining);
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
