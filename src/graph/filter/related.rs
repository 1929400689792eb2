//! Relationship tests as semi-joins: the entities at the other end are found first, then
//! their neighbours along the relation are marked in a bit set.

use super::{KindSet, Predicate};
use crate::graph::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{Grade, RelationType};

/// A bit per entity.
#[derive(Debug, Clone)]
pub(super) struct KeySet(Vec<u64>);

impl KeySet {
    pub(super) fn new(n: usize) -> Self {
        KeySet(vec![0; n.div_ceil(64)])
    }
    /// Sets the bit; true if it was not set.
    pub(super) fn insert(&mut self, key: EntityKey) -> bool {
        let (word, bit) = (key.0 as usize / 64, key.0 % 64);
        let fresh = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        fresh
    }
    pub(super) fn contains(&self, key: EntityKey) -> bool {
        self.0
            .get(key.0 as usize / 64)
            .is_some_and(|w| w & (1 << (key.0 % 64)) != 0)
    }
}

impl KnowledgeGraph {
    /// The entities with a relation of `types` in `direction`, graded `min_grade` or better, to
    /// an entity satisfying `other`: found from the other side (semi-join), as a set and a
    /// sorted list.
    pub(super) fn related_set(
        &self,
        types: RelationFilter,
        direction: Direction,
        min_grade: Grade,
        other: &Predicate,
    ) -> (KeySet, Vec<EntityKey>) {
        // The kinds the other end can have, by the vocabulary.
        let mut other_kinds = KindSet::NONE;
        for t in RelationType::ALL.into_iter().filter(|t| types.allows(*t)) {
            let spec = t.spec();
            if matches!(direction, Direction::Outgoing | Direction::Both) {
                other_kinds = other_kinds.or(KindSet::of(spec.to));
            }
            if matches!(direction, Direction::Incoming | Direction::Both) {
                other_kinds = other_kinds.or(KindSet::of(spec.from));
            }
        }
        let inner = self.matcher(other, other_kinds);
        let back = match direction {
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Outgoing,
            Direction::Both => Direction::Both,
        };
        let mut set = KeySet::new(self.key_bound());
        let mut keys = Vec::new();
        // The grade joins the types in the one edge test (the adjacency's trust byte).
        let walk = types.with_min_grade(Some(min_grade));
        inner.for_each(|o| {
            for i in self.incident(o, &walk, back) {
                if set.insert(i.other) {
                    keys.push(i.other);
                }
            }
            true
        });
        keys.sort_unstable();
        (set, keys)
    }
}
