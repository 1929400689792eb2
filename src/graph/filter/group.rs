//! Grouped counts of matches (`entityCounts`): each match's group is packed from the filter
//! index's rows (no entity is read but one per group, to name it).

use super::{EnumField, KindSet, Matcher};
use crate::graph::{Direction, EntityKey, IncidentRelation, KnowledgeGraph, RelationFilter};
use crate::model::{
    Details, EntityKind, Grade, MineralForm, RelationType, StandardLevel, StandardStatus,
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
    /// The strongest grade among the entity's own citations; in
    /// [`KnowledgeGraph::count_relation_groups`], the relation's grade (its best citation's).
    Grade,
    /// A relation's type (relation counts only).
    RelationType,
    /// A relation's direction from the entity it is counted at (relation counts only).
    Direction,
    /// The entity at the other end of a relation (each one counts the entity once; an entity
    /// with none is counted under none). In relation counts, the relation's other end (the
    /// fields are not read).
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
    /// The relation type.
    pub relation_type: Option<RelationType>,
    /// The direction: true for outgoing.
    pub outgoing: Option<bool>,
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
            self.relation_type.map_or("~", RelationType::name),
            self.outgoing.map(|o| !o),
        )
    }
}

impl KnowledgeGraph {
    /// The values of the dimensions of `by` that the filter index's rows hold, packed: equal
    /// codes, equal [`GroupKey`]s (bar `related`). O(dimensions), no entity read.
    fn group_code(&self, key: EntityKey, by: &[GroupBy]) -> u64 {
        let row = self.filter_row(key);
        let byte = |v: Option<u8>| u64::from(v.unwrap_or(u8::MAX));
        by.iter().fold(0, |code, g| {
            let (slot, value) = match g {
                GroupBy::Kind => (0, row.kind().index() as u64),
                GroupBy::Status => (
                    1,
                    byte(
                        row.enum_value(EnumField::StandardStatus)
                            .or_else(|| row.enum_value(EnumField::BatchStatus)),
                    ),
                ),
                GroupBy::Level => (2, byte(row.enum_value(EnumField::StandardLevel))),
                GroupBy::Form => (3, byte(row.enum_value(EnumField::MineralForm))),
                GroupBy::Grade => (4, byte(row.grade().map(Grade::strength))),
                GroupBy::Related { .. } | GroupBy::RelationType | GroupBy::Direction => {
                    return code;
                }
            };
            code | value << (8 * slot)
        })
    }

    /// The group of `key` in `by`, read from its entity (`related` left out).
    fn group_key(&self, key: EntityKey, by: &[GroupBy]) -> GroupKey {
        let e = self.entity(key);
        let mut group = GroupKey::default();
        for g in by {
            match g {
                GroupBy::Kind => group.kind = Some(e.kind()),
                GroupBy::Status => {
                    group.status = match &e.details {
                        Details::Standard(d) => Some(d.status),
                        Details::StandardBatch(d) => Some(d.status),
                        _ => None,
                    }
                }
                GroupBy::Level => {
                    group.level = match &e.details {
                        Details::Standard(d) => Some(d.level),
                        _ => None,
                    }
                }
                GroupBy::Form => {
                    group.form = match &e.details {
                        Details::Mineral(d) => Some(d.form),
                        _ => None,
                    }
                }
                GroupBy::Grade => group.grade = self.filter_row(key).grade(),
                GroupBy::Related { .. } | GroupBy::RelationType | GroupBy::Direction => {}
            }
        }
        group
    }

    /// How many matches fall in each group of `by` (an entity counts once in each group of its
    /// values: once per related entity for [`GroupBy::Related`]), largest group first, ties in
    /// key order. O(candidates × related degree): the values come from the filter index's
    /// rows, and only one entity per group is read, to name its group.
    pub fn count_groups(&self, matcher: &Matcher<'_>, by: &[GroupBy]) -> Vec<(GroupKey, usize)> {
        self.tally(by, |f| {
            matcher.for_each(|k| {
                f(k);
                true
            })
        })
    }

    /// [`KnowledgeGraph::count_groups`] of these entities (e.g. a neighborhood's). O(keys ×
    /// related degree).
    pub fn count_groups_of(&self, keys: &[EntityKey], by: &[GroupBy]) -> Vec<(GroupKey, usize)> {
        self.tally(by, |f| keys.iter().for_each(|k| f(*k)))
    }

    /// Counts in groups of `by` the entities `visit` calls its argument with.
    fn tally(
        &self,
        by: &[GroupBy],
        visit: impl FnOnce(&mut dyn FnMut(EntityKey)),
    ) -> Vec<(GroupKey, usize)> {
        // Per group: an entity of it (to name it) and its count.
        let mut counts: foldhash::HashMap<(u64, Option<EntityKey>), (EntityKey, usize)> =
            foldhash::HashMap::default();
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
        visit(&mut |k| {
            let code = self.group_code(k, by);
            let mut add = |related: Option<EntityKey>| {
                counts.entry((code, related)).or_insert((k, 0)).1 += 1;
            };
            match related {
                None => add(None),
                Some((types, direction, kinds, min_grade)) => {
                    others.clear();
                    others.extend(
                        self.incident(k, &types, direction)
                            .filter(|i| {
                                kinds.contains(self.kind_of(i.other))
                                    && self.relation(i.relation).grade().at_least(min_grade)
                            })
                            .map(|i| i.other),
                    );
                    others.sort_unstable();
                    others.dedup();
                    if others.is_empty() {
                        add(None);
                    }
                    for o in &others {
                        add(Some(*o));
                    }
                }
            }
        });
        let groups = counts
            .into_iter()
            .map(|((_, related), (k, n))| {
                let key = GroupKey {
                    related,
                    ..self.group_key(k, by)
                };
                (key, n)
            })
            .collect();
        largest_first(groups)
    }

    /// How many of `items` (an entity's relations, e.g. a [`KnowledgeGraph::relation_list`])
    /// fall in each group of `by`: the relation's type, direction and grade, and the kind,
    /// status, level or form of its other end, or that entity itself ([`GroupBy::Related`]);
    /// largest group first, ties in key order. O(items); the other ends' values come from the
    /// filter index's rows.
    pub fn count_relation_groups(
        &self,
        items: &[IncidentRelation],
        by: &[GroupBy],
    ) -> Vec<(GroupKey, usize)> {
        let (by_type, by_direction, by_grade, by_other) = (
            by.contains(&GroupBy::RelationType),
            by.contains(&GroupBy::Direction),
            by.contains(&GroupBy::Grade),
            by.iter().any(|b| matches!(b, GroupBy::Related { .. })),
        );
        let entity_dims: Vec<GroupBy> = by
            .iter()
            .copied()
            .filter(|b| {
                matches!(
                    b,
                    GroupBy::Kind | GroupBy::Status | GroupBy::Level | GroupBy::Form
                )
            })
            .collect();
        type Code = (
            u64,
            Option<RelationType>,
            Option<bool>,
            Option<u8>,
            Option<EntityKey>,
        );
        let mut counts: foldhash::HashMap<Code, (EntityKey, usize)> = foldhash::HashMap::default();
        for i in items {
            let r = self.relation(i.relation);
            let code = (
                self.group_code(i.other, &entity_dims),
                by_type.then_some(r.relation_type),
                by_direction.then_some(i.outgoing),
                by_grade.then(|| r.grade().strength()),
                by_other.then_some(i.other),
            );
            counts.entry(code).or_insert((i.other, 0)).1 += 1;
        }
        let groups = counts
            .into_iter()
            .map(
                |((_, relation_type, outgoing, grade, related), (other, n))| {
                    let grade = grade.and_then(|g| Grade::BY_STRENGTH.get(usize::from(g)).copied());
                    let key = GroupKey {
                        relation_type,
                        outgoing,
                        grade,
                        related,
                        ..self.group_key(other, &entity_dims)
                    };
                    (key, n)
                },
            )
            .collect();
        largest_first(groups)
    }
}

/// Groups largest first, ties in key order.
fn largest_first(mut groups: Vec<(GroupKey, usize)>) -> Vec<(GroupKey, usize)> {
    groups.sort_unstable_by(|(a, an), (b, bn)| bn.cmp(an).then_with(|| a.rank().cmp(&b.rank())));
    groups
}
