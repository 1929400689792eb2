//! An entity's relationship list, filtered and ordered: the graph side of `Entity.relations`
//! and the typed relationship lists' `where` and `orderBy` (their `minGrade` and `asOf` are
//! the [`RelationFilter`]'s, the edge test every walk shares).

use std::cmp::Ordering;

use super::{Matcher, Order, Position};
use crate::graph::{Direction, IncidentRelation, KnowledgeGraph, RelationFilter};

/// What a relationship list keeps and how it orders it.
#[derive(Debug, Default, Clone, Copy)]
pub struct ListSpec<'m, 'g> {
    /// The entity at the other end must match (any when `None`).
    pub other: Option<&'m Matcher<'g>>,
    /// Order by the other end (data order when empty), then by [`Tie`].
    pub orders: &'m [Order],
}

/// What tells an entity's relations to one other entity apart (validation refuses a repeated
/// `(from, type, to)`): the relation type's name, then its direction, incoming first.
pub type Tie<'t> = (&'t str, bool);

impl KnowledgeGraph {
    /// The relations at `key` of `types` in `direction` that `spec` keeps, in its order (ties
    /// by [`Tie`]) or, without one, in data order (outgoing first). O(degree × log degree),
    /// plus the other end's test.
    pub fn relation_list(
        &self,
        key: crate::graph::EntityKey,
        types: &RelationFilter,
        direction: Direction,
        spec: &ListSpec<'_, '_>,
    ) -> Vec<IncidentRelation> {
        let mut items: Vec<IncidentRelation> = self
            .incident(key, types, direction)
            .filter(|i| spec.other.is_none_or(|m| m.test(i.other)))
            .collect();
        if !spec.orders.is_empty() {
            items.sort_by(|a, b| {
                self.compare_entities(spec.orders, a.other, b.other)
                    .then_with(|| self.tie(a).cmp(&self.tie(b)))
            });
        }
        items
    }

    /// The relation's [`Tie`].
    pub fn tie(&self, i: &IncidentRelation) -> Tie<'static> {
        (self.relation(i.relation).relation_type.name(), i.outgoing)
    }

    /// A list item against a place in the list's order: its other end's position, then its tie.
    pub fn compare_item(
        &self,
        orders: &[Order],
        i: &IncidentRelation,
        position: &Position,
        tie: Tie<'_>,
    ) -> Ordering {
        self.compare_to(orders, i.other, position)
            .then_with(|| self.tie(i).cmp(&tie))
    }
}
