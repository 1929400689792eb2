//! `paths`: the k shortest loop-free paths between two entities, found by a search grown from
//! both ends and an enumeration pruned by the distances it found.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::{Counted, Hop, Meter, Path};
use crate::graph::{Budget, BudgetExhausted, Direction, EntityKey, KnowledgeGraph, RelationFilter};

impl KnowledgeGraph {
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
