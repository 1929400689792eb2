//! `related`: the entities of some kinds nearest to one entity, each with the path that
//! explains it (see [`KnowledgeGraph::related`] for the hub and relevance rules).

use std::collections::HashMap;

use super::{Counted, Hop, Meter, Path, Related};
use crate::graph::{
    Budget, BudgetExhausted, Direction, EntityKey, IncidentRelation, KnowledgeGraph, RelationFilter,
};
use crate::model::{EntityKind, RelationType};

/// How the search reached an entity: its distance, and the best parent found at that distance.
struct Reached {
    distance: usize,
    /// Whether the chosen path passes through an EVENT (a meeting, an investment): a generic
    /// link, ranked after paths through materials, standards and directives.
    via_event: bool,
    /// The strength ([`crate::model::Grade::strength`], 0 the strongest) of the chosen path's
    /// weakest relation: the weakest of its relations' best citations.
    weakest: u8,
    /// The summed ln(1 + degree) of the path's intermediates: lower is more specific.
    cost: f64,
    via: Option<(EntityKey, IncidentRelation)>,
}

type ReachedMap = HashMap<EntityKey, Reached>;

impl KnowledgeGraph {
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
    ///
    /// Trust: a path is as strong as its weakest relation (each relation as strong as its best
    /// citation). Among equally near results, and among an entity's parents at the same
    /// distance, the order is: no EVENT on the path first, then the stronger weakest grade,
    /// then the lower specificity cost, then the name and the key. The best parent is chosen
    /// layer by layer, once per entity (as for events and specificity), so a path's later
    /// hops do not revisit an earlier choice. `filter` (types, minimum grade, date) decides
    /// which relations are walked at all.
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
        let mut meter = Meter::new(budget);
        let origin = Reached {
            distance: 0,
            via_event: false,
            weakest: 0,
            cost: 0.0,
            via: None,
        };
        let mut reached: ReachedMap = HashMap::from([(query.to, origin)]);
        let mut layer = vec![query.to];
        let mut results: Vec<EntityKey> = Vec::new();
        for distance in 1..=query.max_hops {
            if query.first == 0 || results.len() >= query.first {
                break;
            }
            let next = self.related_layer(query, &layer, distance, &mut reached, &mut meter)?;
            self.rank_layer(query, &next, &reached, &mut results);
            layer = next;
        }
        results.truncate(query.first);
        let found = results
            .into_iter()
            .map(|entity| self.related_result(query.to, entity, &reached))
            .collect();
        Ok(Counted {
            found,
            visited: meter.visited,
        })
    }

    /// Expands every entity of `layer` that a path may pass through (the origin, or neither a
    /// SOURCE nor above the degree limit), records in `reached` the best parent of each entity
    /// at `distance`, and returns the entities first reached at `distance`.
    fn related_layer(
        &self,
        query: &RelatedQuery<'_>,
        layer: &[EntityKey],
        distance: usize,
        reached: &mut ReachedMap,
        meter: &mut Meter,
    ) -> Result<Vec<EntityKey>, BudgetExhausted> {
        let to = query.to;
        let mut next: Vec<EntityKey> = Vec::new();
        for &node in layer {
            let passable = node == to
                || (self.entity(node).kind() != EntityKind::Source
                    && self.degree(node) <= query.max_intermediate_degree);
            if !passable {
                continue;
            }
            meter.visit()?;
            let (through, via_event, weakest) = if node == to {
                (0.0, false, 0)
            } else {
                let at = &reached[&node];
                (
                    at.cost + (1.0 + self.degree(node) as f64).ln(),
                    at.via_event || self.entity(node).kind() == EntityKind::Event,
                    at.weakest,
                )
            };
            for inc in self.incident(node, query.filter, Direction::Both) {
                // An exclusion is not a link: walking it would make the excluded mineral and
                // the standard neighbours.
                if self.relation(inc.relation).relation_type == RelationType::Excludes {
                    continue;
                }
                let weakest = weakest.max(inc.grade_strength);
                match reached.get_mut(&inc.other) {
                    Some(r)
                        if r.distance == distance
                            && (via_event, weakest, through) < (r.via_event, r.weakest, r.cost) =>
                    {
                        r.via_event = via_event;
                        r.weakest = weakest;
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
                                weakest,
                                cost: through,
                                via: Some((node, inc)),
                            },
                        );
                        next.push(inc.other);
                    }
                }
            }
        }
        Ok(next)
    }

    /// Appends to `results` the entities of `next` that answer the query, in rank order: those
    /// reached without an EVENT first, each group by its path's weakest grade (stronger
    /// first), then specificity, then name, then key.
    fn rank_layer(
        &self,
        query: &RelatedQuery<'_>,
        next: &[EntityKey],
        reached: &ReachedMap,
        results: &mut Vec<EntityKey>,
    ) {
        let to = query.to;
        // A standard whose own scope excludes the entity asked about is not returned as
        // touching it (GB/T 14635-2020's method 2 and scandium above 0.1 %).
        let excluded = |candidate: EntityKey| {
            self.linked(candidate, RelationType::Excludes, Direction::Outgoing, None)
                .contains(&to)
        };
        let kinds = query.kinds;
        let mut found: Vec<EntityKey> = next
            .iter()
            .copied()
            .filter(|k| kinds.is_empty() || kinds.contains(&self.entity(*k).kind()))
            .filter(|k| !excluded(*k))
            .collect();
        found.sort_by(|a, b| {
            reached[a]
                .weakest
                .cmp(&reached[b].weakest)
                .then_with(|| reached[a].cost.total_cmp(&reached[b].cost))
                .then_with(|| self.entity(*a).name.cmp(&self.entity(*b).name))
                .then_with(|| a.cmp(b))
        });
        let (generic, specific): (Vec<EntityKey>, Vec<EntityKey>) =
            found.into_iter().partition(|k| reached[k].via_event);
        results.extend(specific);
        results.extend(generic);
    }

    /// The result for `entity`, with its path from `to` read back through the parents.
    fn related_result(&self, to: EntityKey, entity: EntityKey, reached: &ReachedMap) -> Related {
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
