//! Grouped counts of matches (`entityCounts`).

use std::collections::HashMap;

use super::{KindSet, Matcher};
use crate::graph::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{
    Details, Entity, EntityKind, Grade, MineralForm, StandardLevel, StandardStatus,
};

/// A dimension of [`KnowledgeGraph::count_groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The kind.
    Kind,
    /// A standard's or batch's status.
    Status,
    /// A standard's level.
    Level,
    /// A mineral's form.
    Form,
    /// The strongest grade among the entity's own citations.
    Grade,
    /// The entity at the other end of a relation (each one counts the entity once; an entity
    /// with none is counted under none).
    Related {
        /// The relation types.
        types: RelationFilter,
        /// Seen from the entity counted.
        direction: Direction,
        /// Only other ends of these kinds.
        kinds: KindSet,
        /// The weakest grade of a relation's best citation that counts.
        min_grade: Grade,
    },
}

/// A group's key: the values of the dimensions asked for, `None` for the others and for
/// entities without that value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GroupKey {
    /// The kind.
    pub kind: Option<EntityKind>,
    /// The status.
    pub status: Option<StandardStatus>,
    /// The level.
    pub level: Option<StandardLevel>,
    /// The form.
    pub form: Option<MineralForm>,
    /// The grade.
    pub grade: Option<Grade>,
    /// The related entity.
    pub related: Option<EntityKey>,
}

impl GroupKey {
    /// A total order for stable output: kind, status, level, form, grade (strongest first),
    /// related entity; absent values last.
    fn rank(&self) -> impl Ord {
        (
            self.kind.map(EntityKind::index).unwrap_or(usize::MAX),
            self.status.map_or(u8::MAX, |s| s as u8),
            self.level.map_or(u8::MAX, |l| l as u8),
            self.form.map_or(u8::MAX, |f| f as u8),
            self.grade.map_or(u8::MAX, Grade::strength),
            self.related.map_or(u32::MAX, |k| k.0),
        )
    }
}

/// The strongest grade among an entity's own citations.
fn entity_grade(e: &Entity) -> Option<Grade> {
    e.citations
        .iter()
        .map(|c| c.grade)
        .min_by_key(|g| g.strength())
}

impl KnowledgeGraph {
    /// How many matches fall in each group of `by` (an entity counts once in each group of its
    /// values: once per related entity for [`GroupBy::Related`]), largest group first, ties in
    /// key order. O(candidates × related degree); no entity object is made.
    pub fn count_groups(&self, matcher: &Matcher<'_>, by: &[GroupBy]) -> Vec<(GroupKey, usize)> {
        let mut counts: HashMap<GroupKey, usize> = HashMap::new();
        let related = by.iter().find_map(|g| match g {
            GroupBy::Related {
                types,
                direction,
                kinds,
                min_grade,
            } => Some((*types, *direction, *kinds, *min_grade)),
            _ => None,
        });
        let mut others = Vec::new();
        matcher.for_each(|k| {
            let e = self.entity(k);
            let mut key = GroupKey::default();
            for g in by {
                match g {
                    GroupBy::Kind => key.kind = Some(e.kind()),
                    GroupBy::Status => {
                        key.status = match &e.details {
                            Details::Standard(d) => Some(d.status),
                            Details::StandardBatch(d) => Some(d.status),
                            _ => None,
                        }
                    }
                    GroupBy::Level => {
                        key.level = match &e.details {
                            Details::Standard(d) => Some(d.level),
                            _ => None,
                        }
                    }
                    GroupBy::Form => {
                        key.form = match &e.details {
                            Details::Mineral(d) => Some(d.form),
                            _ => None,
                        }
                    }
                    GroupBy::Grade => key.grade = entity_grade(e),
                    GroupBy::Related { .. } => {}
                }
            }
            match related {
                None => *counts.entry(key).or_default() += 1,
                Some((types, direction, kinds, min_grade)) => {
                    others.clear();
                    others.extend(
                        self.incident(k, &types, direction)
                            .filter(|i| {
                                kinds.contains(self.entity(i.other).kind())
                                    && self.relation(i.relation).grade().at_least(min_grade)
                            })
                            .map(|i| i.other),
                    );
                    others.sort_unstable();
                    others.dedup();
                    if others.is_empty() {
                        *counts.entry(key).or_default() += 1;
                    }
                    for o in &others {
                        let key = GroupKey {
                            related: Some(*o),
                            ..key
                        };
                        *counts.entry(key).or_default() += 1;
                    }
                }
            }
            true
        });
        let mut groups: Vec<(GroupKey, usize)> = counts.into_iter().collect();
        groups
            .sort_unstable_by(|(a, an), (b, bn)| bn.cmp(an).then_with(|| a.rank().cmp(&b.rank())));
        groups
    }
}
