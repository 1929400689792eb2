//! `entityCounts`, `Entity.relationCounts`, `Subgraph.counts` and `groupBy`: the group
//! inputs, their checks, and the groups as GraphQL objects.

use async_graphql::{Enum, InputObject, SimpleObject};

use super::{bad, kind_name, kind_names};
use crate::graph::{self, GroupBy, KindSet, KnowledgeGraph, RelationFilter};
use crate::graphql::entity::{Entity, EntityBase};
use crate::graphql::enums::{self, Direction, EntityKind, Grade, RelationType};
use crate::model;

/// A dimension of `entityCounts`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EntityGroupField {
    /// The kind.
    Kind,
    /// A standard's or batch's status.
    Status,
    /// A standard's level.
    Level,
    /// A mineral's form.
    Form,
    /// The strongest grade among the entity's own citations; in `relationCounts`, the
    /// relation's grade (its best citation's).
    Grade,
    /// The entity at the other end of the relation given in `related` (an entity counts once
    /// per such entity; one with none counts under `related: null`); in `relationCounts`, the
    /// relation's other end.
    Related,
    /// The relation's type (`relationCounts` only).
    RelationType,
    /// The relation's direction from the entity (`relationCounts` only).
    Direction,
}

/// What a count counts: entities (`entityCounts`, `Subgraph.counts`) or an entity's relations
/// (`relationCounts`, whose kind, status, level and form are those of the other end).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Counted {
    Entities,
    Relations,
}

/// The relation whose other end `RELATED` groups by.
#[derive(InputObject)]
pub struct RelatedGroup {
    /// The relation's type.
    #[graphql(name = "type")]
    relation_type: RelationType,
    /// OUTGOING (the entity counted is `from`), INCOMING or BOTH.
    #[graphql(default_with = "Direction::Outgoing")]
    direction: Direction,
    /// Only other ends of these kinds (all when omitted).
    kinds: Option<Vec<EntityKind>>,
    /// The weakest grade of a relation's best citation that counts (REPORTED by default).
    #[graphql(default_with = "Grade::Reported")]
    min_grade: Grade,
}

/// The values of one group; a dimension not asked for, or without a value, is null.
pub struct EntityCountKey<'a> {
    graph: &'a KnowledgeGraph,
    key: graph::GroupKey,
}

/// The values of one group of `entityCounts`; a dimension not asked for, or without a value, is
/// null.
#[async_graphql::Object]
impl<'a> EntityCountKey<'a> {
    /// The kind.
    async fn kind(&self) -> Option<EntityKind> {
        self.key.kind.map(Into::into)
    }
    /// A standard's or batch's status.
    async fn status(&self) -> Option<enums::StandardStatus> {
        self.key.status.map(Into::into)
    }
    /// A standard's level.
    async fn level(&self) -> Option<enums::StandardLevel> {
        self.key.level.map(Into::into)
    }
    /// A mineral's form.
    async fn form(&self) -> Option<enums::MineralForm> {
        self.key.form.map(Into::into)
    }
    /// The strongest grade among the entity's own citations.
    async fn grade(&self) -> Option<Grade> {
        self.key.grade.map(Into::into)
    }
    /// The entity at the other end of the `related` relation (of the relation counted, in
    /// `relationCounts`).
    async fn related(&self) -> Option<Entity<'a>> {
        self.key
            .related
            .map(|k| Entity::of(EntityBase::new(self.graph, k)))
    }
    /// The relation's type (`relationCounts`).
    async fn relation_type(&self) -> Option<RelationType> {
        self.key.relation_type.map(Into::into)
    }
    /// The relation's direction from the entity (`relationCounts`).
    async fn direction(&self) -> Option<Direction> {
        self.key.outgoing.map(|o| {
            if o {
                Direction::Outgoing
            } else {
                Direction::Incoming
            }
        })
    }
}

/// One group of `entityCounts`.
#[derive(SimpleObject)]
pub struct EntityCountGroup<'a> {
    /// Its values.
    pub key: EntityCountKey<'a>,
    /// How many matching entities it holds.
    pub count: usize,
}

/// Counts of the entities matching a filter (or of an entity's relations, in
/// `relationCounts`), grouped.
#[derive(SimpleObject)]
pub struct EntityCounts<'a> {
    /// How many entities match (relations, in `relationCounts`).
    pub total: usize,
    /// How many groups there are (`groups` lists the first `first`).
    pub group_count: usize,
    /// The groups, largest first, ties in the order of their values.
    pub groups: Vec<EntityCountGroup<'a>>,
}

/// Turns group results into their GraphQL objects.
pub(crate) fn count_groups<'a>(
    graph: &'a KnowledgeGraph,
    total: usize,
    groups: Vec<(graph::GroupKey, usize)>,
    first: usize,
) -> EntityCounts<'a> {
    EntityCounts {
        total,
        group_count: groups.len(),
        groups: groups
            .into_iter()
            .take(first)
            .map(|(key, count)| EntityCountGroup {
                key: EntityCountKey { graph, key },
                count,
            })
            .collect(),
    }
}

/// The `groupBy` dimensions, checked against what is counted, the kinds counted (the other
/// ends', for relations) and `related`.
pub(crate) fn group_by(
    fields: &[EntityGroupField],
    related: Option<&RelatedGroup>,
    kinds: KindSet,
    counted: Counted,
) -> async_graphql::Result<Vec<GroupBy>> {
    use model::EntityKind as K;
    let applies = |field: &str, needs: &[K]| {
        if needs.iter().any(|k| kinds.contains(*k)) {
            Ok(())
        } else {
            Err(bad(format!(
                "`groupBy: {field}` groups {}, but the entities counted can only be {}",
                needs
                    .iter()
                    .map(|k| kind_name(*k))
                    .collect::<Vec<_>>()
                    .join(" and "),
                kind_names(kinds)
            )))
        }
    };
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        out.push(match f {
            EntityGroupField::Kind => GroupBy::Kind,
            EntityGroupField::Status => {
                applies("STATUS", &[K::Standard, K::StandardBatch])?;
                GroupBy::Status
            }
            EntityGroupField::Level => {
                applies("LEVEL", &[K::Standard])?;
                GroupBy::Level
            }
            EntityGroupField::Form => {
                applies("FORM", &[K::Mineral])?;
                GroupBy::Form
            }
            EntityGroupField::Grade => GroupBy::Grade,
            EntityGroupField::RelationType | EntityGroupField::Direction
                if counted == Counted::Entities =>
            {
                return Err(bad(format!(
                    "`groupBy: {}` groups relations, and this field counts entities; count an \
                     entity's relations with `relationCounts`",
                    if *f == EntityGroupField::RelationType {
                        "RELATION_TYPE"
                    } else {
                        "DIRECTION"
                    }
                )));
            }
            EntityGroupField::RelationType => GroupBy::RelationType,
            EntityGroupField::Direction => GroupBy::Direction,
            // In relation counts, the relation's other end.
            EntityGroupField::Related if counted == Counted::Relations => GroupBy::Related {
                types: RelationFilter::all(),
                direction: graph::Direction::Both,
                kinds: KindSet::ALL,
                min_grade: model::Grade::Unverified,
            },
            EntityGroupField::Related => {
                let Some(r) = related else {
                    return Err(bad(
                        "`groupBy: RELATED` needs `related: { type: ..., direction: ... }`".into(),
                    ));
                };
                let kinds: Vec<model::EntityKind> =
                    r.kinds.iter().flatten().map(|k| (*k).into()).collect();
                GroupBy::Related {
                    types: RelationFilter::only([r.relation_type.into()]),
                    direction: r.direction.into(),
                    kinds: KindSet::of(&kinds),
                    min_grade: r.min_grade.into(),
                }
            }
        });
    }
    if related.is_some() && !fields.contains(&EntityGroupField::Related) {
        return Err(bad("`related` is given but `groupBy` has no RELATED".into()));
    }
    Ok(out)
}
