//! The `Node` and `Entity` interfaces and one object type per entity kind.
//!
//! Every kind's type merges [`EntityBase`] (the fields all entities share) with its own fields
//! object, which adds typed attributes and typed relationship fields in both directions
//! (`Standard.minerals`, `Mineral.standards`, ...). The `entity_types!` macro writes the
//! per-kind plumbing once: the merged type, its `Deref` to the base (the interfaces call base
//! methods on it), and the `Entity`/`Node` enums.

mod governance;
mod lists;
mod supply_chain;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Interface, MergedObject, Object};

use super::cursor::EntityCursor;
use super::enums::{self, Direction, EntityKind, Grade, RelationType};
use super::filter::{self, EntityCounts, EntityGroupField, EntityOrder, EntityWhere};
use super::types::{Citation, Relation, RelationEdgeFields, TotalCount, citations, id_of};
use super::{ErrorCode, Limits, error};
use crate::graph::{self, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{self, Details};

/// The fields every entity has; merged into each kind's object type.
#[derive(Clone, Copy)]
pub struct EntityBase<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) key: EntityKey,
}

impl<'a> EntityBase<'a> {
    pub(crate) fn new(graph: &'a KnowledgeGraph, key: EntityKey) -> Self {
        EntityBase { graph, key }
    }

    fn record(&self) -> &'a model::Entity {
        self.graph.entity(self.key)
    }

    /// Entities linked by `relation_type` in `direction`, as the typed object `T` (a kind's
    /// object, or any `Entity`), kept and ordered by the list's arguments (`minGrade`
    /// defaults to [`TYPED_FIELD_MIN_GRADE`]); at most [`MAX_LINKED`], else LIMIT_EXCEEDED.
    fn linked<T: Listed<'a>>(
        &self,
        relation_type: model::RelationType,
        direction: graph::Direction,
        args: &lists::ListArgs,
    ) -> async_graphql::Result<Vec<T>> {
        let reach = T::reach(relation_type, direction);
        let context = format!(
            "the other end of {} {}",
            relation_type.name(),
            direction_name(direction)
        );
        let list = lists::ListFilter::new(
            self.graph,
            reach,
            &context,
            args,
            Some(TYPED_FIELD_MIN_GRADE),
        )?;
        let items = list.items(self.key, &RelationFilter::only([relation_type]), direction);
        let keys: Vec<EntityKey> = items
            .iter()
            .map(|i| i.other)
            .filter(|o| reach.contains(self.graph.entity(*o).kind()))
            .collect();
        check_linked(keys.len(), relation_type)?;
        Ok(keys
            .into_iter()
            .filter_map(|k| T::wrap(EntityBase::new(self.graph, k)))
            .collect())
    }

    /// Relations of `relation_type` in `direction`, as relation objects (with role and
    /// citations); at most [`MAX_LINKED`].
    fn relations_of(
        &self,
        relation_type: model::RelationType,
        direction: graph::Direction,
    ) -> async_graphql::Result<Vec<Relation<'a>>> {
        let relations: Vec<Relation<'a>> = self
            .graph
            .incident(self.key, &RelationFilter::only([relation_type]), direction)
            .filter(|i| {
                self.graph
                    .relation(i.relation)
                    .grade()
                    .at_least(TYPED_FIELD_MIN_GRADE)
            })
            .map(|i| Relation {
                graph: self.graph,
                key: i.relation,
            })
            .collect();
        check_linked(relations.len(), relation_type)?;
        Ok(relations)
    }
}

/// The weakest evidence a typed relationship field (`Event.organizers`, `Directive.targets`,
/// `Official.affiliations`, ...) shows: a relation is listed only if one of its citations is
/// graded REPORTED or stronger, so an UNVERIFIED inference never looks like a fact. The
/// `relations` connection lists every relation, with its grade, and filters by `minGrade`.
pub const TYPED_FIELD_MIN_GRADE: model::Grade = model::Grade::Reported;

impl<'a> EntityBase<'a> {
    /// The relations `relations` and `relationCounts` list: of `relation_types` in
    /// `direction`, kept and ordered by `args` (every grade unless `minGrade`).
    fn relation_list(
        &self,
        args: &lists::ListArgs,
        relation_types: Option<Vec<RelationType>>,
        direction: Direction,
    ) -> async_graphql::Result<(lists::ListFilter<'a>, Vec<graph::IncidentRelation>)> {
        let list = lists::ListFilter::new(
            self.graph,
            graph::KindSet::ALL,
            "the other end of a relation",
            args,
            None,
        )?;
        let items = list.items(self.key, &relation_filter(relation_types), direction.into());
        Ok((list, items))
    }
}

/// What a typed relationship list lists: one kind's object, or any `Entity`.
pub(crate) trait Listed<'a>: Sized {
    /// The kinds it can be, at the other end of `relation_type` in `direction`.
    fn reach(relation_type: model::RelationType, direction: graph::Direction) -> graph::KindSet;
    /// Wraps an entity; `None` for a kind it cannot be.
    fn wrap(base: EntityBase<'a>) -> Option<Self>;
}

impl<'a, T: KindObject<'a>> Listed<'a> for T {
    fn reach(_: model::RelationType, _: graph::Direction) -> graph::KindSet {
        graph::KindSet::one(T::KIND)
    }
    fn wrap(base: EntityBase<'a>) -> Option<Self> {
        <T as KindObject<'a>>::wrap(base)
    }
}

impl<'a> Listed<'a> for Entity<'a> {
    fn reach(relation_type: model::RelationType, direction: graph::Direction) -> graph::KindSet {
        let spec = relation_type.spec();
        match direction {
            graph::Direction::Outgoing => graph::KindSet::of(spec.to),
            graph::Direction::Incoming => graph::KindSet::of(spec.from),
            graph::Direction::Both => graph::KindSet::of(spec.to).or(graph::KindSet::of(spec.from)),
        }
    }
    fn wrap(base: EntityBase<'a>) -> Option<Self> {
        Some(Entity::of(base))
    }
}

fn direction_name(direction: graph::Direction) -> &'static str {
    match direction {
        graph::Direction::Outgoing => "OUTGOING",
        graph::Direction::Incoming => "INCOMING",
        graph::Direction::Both => "BOTH",
    }
}

/// Most entities a typed relationship field (`Standard.minerals`, ...) returns. Beyond it the
/// field is an error that points to the paginated `relations` connection, never a silent cut.
pub const MAX_LINKED: usize = 1_000;

fn check_linked(count: usize, relation_type: model::RelationType) -> async_graphql::Result<()> {
    if count > MAX_LINKED {
        return Err(error(
            ErrorCode::LimitExceeded,
            format!(
                "this field would list {count} entities, above its maximum of {MAX_LINKED}; page \
                 through them with relations(relationTypes: [{}], first, after)",
                relation_type.name()
            ),
        ));
    }
    Ok(())
}

/// A page of an entity's relations.
pub type RelationConnection<'a> =
    Connection<EntityCursor, Relation<'a>, TotalCount, RelationEdgeFields>;

#[Object]
impl<'a> EntityBase<'a> {
    /// Global, stable id, e.g. `official:cao-yiding`; its prefix names the kind.
    pub(crate) async fn id(&self) -> ID {
        id_of(self.graph, self.key)
    }

    /// The entity's kind.
    pub(crate) async fn kind(&self) -> EntityKind {
        self.record().kind().into()
    }

    /// Display name.
    pub(crate) async fn name(&self) -> &'a str {
        &self.record().name
    }

    /// Other names: abbreviations, Chinese names, codes.
    pub(crate) async fn aliases(&self) -> &'a [String] {
        &self.record().aliases
    }

    /// A short description.
    pub(crate) async fn description(&self) -> Option<&'a str> {
        self.record().description.as_deref()
    }

    /// Where the facts about this entity come from; at least one.
    pub(crate) async fn citations(&self) -> Vec<Citation<'a>> {
        citations(self.graph, &self.record().citations)
    }

    /// This entity's relations, optionally of some types and in one direction, as a Relay
    /// connection (outgoing first, then incoming, each in data order, unless `orderBy` orders
    /// them by the entity at the other end). `totalCount` counts the whole filtered list.
    /// Unlike the typed relationship fields, which list only relations graded REPORTED or
    /// better, it lists every relation, UNVERIFIED inferences included, unless `minGrade` sets
    /// the weakest grade of a relation's best citation to keep.
    #[expect(clippy::too_many_arguments, reason = "one per GraphQL argument")]
    pub(crate) async fn relations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only relations of these types (all when omitted).")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(
            default_with = "Direction::Both",
            desc = "OUTGOING (this entity is `from`), INCOMING (it is `to`) or BOTH."
        )]
        direction: Direction,
        #[graphql(default = 20, desc = "Page size, 0 to 100.")] first: i32,
        #[graphql(
            desc = "A cursor from this connection's `pageInfo.endCursor` or an edge's `cursor`: the page starts after it. Without `orderBy`, cursors belong to one data version (`stats.dataVersion`); after a reload that changed the data they are refused with STALE_CURSOR: start again without `after`. With `orderBy`, a cursor holds the order, the other end's sort values and id and the relation's type and direction: it survives a reload, and is refused (BAD_USER_INPUT) under another order."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Walk only relations with at least one citation of this grade or better."
        )]
        min_grade: Option<Grade>,
        #[graphql(
            name = "where",
            desc = "Only relations whose entity at the other end matches this filter (the `EntityWhere` of `entities`; its kind filters must name kinds the list can reach)."
        )]
        filter: Option<EntityWhere>,
        #[graphql(
            desc = "Order by the entity at the other end: one key, or a list of keys compared in turn (at most 4); entities without a value for a key come last, ties go to the smaller id, then to the relation's type and direction. Data order when omitted."
        )]
        order_by: Option<Vec<EntityOrder>>,
        #[graphql(
            desc = "Only facts valid on this date (YYYY, YYYY-MM or YYYY-MM-DD): relations outside their since/until window are left out."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<RelationConnection<'a>> {
        let limits = ctx.data::<Limits>()?;
        let first = check_range("first", first, limits.max_first)?;
        let args = lists::ListArgs {
            filter,
            order_by,
            min_grade,
            as_of,
        };
        let (list, items) = self.relation_list(&args, relation_types, direction)?;
        let total = items.len();
        let offset = list.start(&items, after.as_deref())?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            offset.saturating_add(first) < total,
            TotalCount { total_count: total },
        );
        let page = items.iter().enumerate().skip(offset).take(first);
        connection.edges.extend(page.map(|(index, inc)| {
            let spec = self.graph.relation(inc.relation).relation_type.spec();
            Edge::with_additional_fields(
                list.cursor(index, inc),
                Relation {
                    graph: self.graph,
                    key: inc.relation,
                },
                RelationEdgeFields {
                    direction: if inc.outgoing {
                        Direction::Outgoing
                    } else {
                        Direction::Incoming
                    },
                    reading: if inc.outgoing {
                        spec.label
                    } else {
                        spec.inverse_label
                    },
                },
            )
        }));
        Ok(connection)
    }

    /// Counts of this entity's relations, grouped (the aggregate of `relations`, as Hasura's
    /// `<relationship>_aggregate` or Neo4j GraphQL's `<relationship>Aggregate`): by
    /// RELATION_TYPE, DIRECTION, the relation's GRADE, or the KIND, STATUS, LEVEL or FORM of
    /// the entity at the other end, or that entity (RELATED); the other ends are not made
    /// into objects. Takes the filters of `relations`.
    #[expect(clippy::too_many_arguments, reason = "one per GraphQL argument")]
    pub(crate) async fn relation_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dimensions to group by (none: one group of every relation).")]
        group_by: Vec<EntityGroupField>,
        #[graphql(desc = "Only relations of these types (all when omitted).")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(
            default_with = "Direction::Both",
            desc = "OUTGOING (this entity is `from`), INCOMING (it is `to`) or BOTH."
        )]
        direction: Direction,
        #[graphql(
            name = "where",
            desc = "Only relations whose entity at the other end matches this filter (the `EntityWhere` of `entities`)."
        )]
        filter: Option<EntityWhere>,
        #[graphql(
            desc = "Walk only relations with at least one citation of this grade or better."
        )]
        min_grade: Option<Grade>,
        #[graphql(
            desc = "Only facts valid on this date (YYYY, YYYY-MM or YYYY-MM-DD): relations outside their since/until window are left out."
        )]
        as_of: Option<String>,
        #[graphql(
            default = 100,
            desc = "Most groups to list, 0 to 1000 (`groupCount` says how many there are)."
        )]
        first: i32,
    ) -> async_graphql::Result<EntityCounts<'a>> {
        let first = check_range("first", first, ctx.data::<Limits>()?.max_limit)?;
        let by = filter::group_by(
            &group_by,
            None,
            graph::KindSet::ALL,
            filter::Counted::Relations,
        )?;
        let args = lists::ListArgs {
            filter,
            order_by: None,
            min_grade,
            as_of,
        };
        let (_, items) = self.relation_list(&args, relation_types, direction)?;
        let groups = self.graph.count_relation_groups(&items, &by);
        Ok(filter::count_groups(self.graph, items.len(), groups, first))
    }
}

/// An argument that must lie in `0..=max`: negative is BAD_USER_INPUT, above is LIMIT_EXCEEDED.
pub(crate) fn check_range(name: &str, value: i32, max: usize) -> async_graphql::Result<usize> {
    let value = usize::try_from(value).map_err(|_| {
        error(
            ErrorCode::BadUserInput,
            format!("`{name}` must not be negative (got {value})"),
        )
    })?;
    if value > max {
        return Err(error(
            ErrorCode::LimitExceeded,
            format!("`{name}` is {value}, above its maximum of {max}"),
        ));
    }
    Ok(value)
}

pub(crate) fn relation_filter(types: Option<Vec<RelationType>>) -> RelationFilter {
    match types {
        None => RelationFilter::all(),
        Some(types) => RelationFilter::only(types.into_iter().map(model::RelationType::from)),
    }
}

/// An object type for one entity kind.
pub(crate) trait KindObject<'a>: Sized {
    /// The kind it represents.
    const KIND: model::EntityKind;
    /// Wraps an entity of that kind; `None` for any other kind.
    fn wrap(base: EntityBase<'a>) -> Option<Self>;
}

macro_rules! entity_types {
    ($( $(#[$doc:meta])* $name:ident($fields:ident, $variant:ident, $details:ty); )*) => {
        $(
            $(#[$doc])*
            #[derive(MergedObject)]
            pub struct $name<'a>(EntityBase<'a>, $fields<'a>);

            impl<'a> std::ops::Deref for $name<'a> {
                type Target = EntityBase<'a>;
                fn deref(&self) -> &EntityBase<'a> {
                    &self.0
                }
            }

            /// The kind-specific fields of the type of the same name.
            pub struct $fields<'a> {
                base: EntityBase<'a>,
                details: &'a $details,
            }

            impl<'a> KindObject<'a> for $name<'a> {
                const KIND: model::EntityKind = model::EntityKind::$variant;
                fn wrap(base: EntityBase<'a>) -> Option<Self> {
                    match &base.record().details {
                        Details::$variant(details) => Some($name(base, $fields { base, details })),
                        _ => None,
                    }
                }
            }
        )*

        /// Anything in the knowledge graph. Typed relationship fields on its types
        /// (`Event.organizers`, `Directive.targets`, `Official.affiliations`, ...) list only
        /// relations with a citation graded REPORTED or better (DERIVED and VERIFIED count);
        /// UNVERIFIED inferences appear only in `relations`, which shows each one's grade.
        #[derive(Interface)]
        #[graphql(
            field(name = "id", ty = "ID", desc = "Global, stable id, e.g. `official:cao-yiding`."),
            field(name = "kind", ty = "EntityKind", desc = "The entity's kind."),
            field(name = "name", ty = "&'a str", desc = "Display name."),
            field(name = "aliases", ty = "&'a [String]", desc = "Other names: abbreviations, Chinese names, codes."),
            field(name = "description", ty = "Option<&'a str>", desc = "A short description."),
            field(name = "citations", ty = "Vec<Citation<'a>>", desc = "Where the facts about this entity come from."),
            field(
                name = "relations",
                ty = "RelationConnection<'a>",
                desc = "This entity's relations as a Relay connection: every relation, each with its `grade`, UNVERIFIED inferences included; `minGrade` keeps only relations whose best citation is at least that grade. (Typed relationship fields such as `Event.organizers` list only relations graded REPORTED or better.)",
                arg(name = "relation_types", ty = "Option<Vec<RelationType>>", desc = "Only relations of these types (all when omitted)."),
                arg(name = "direction", ty = "Direction", default_with = "Direction::Both", desc = "OUTGOING (this entity is `from`), INCOMING (it is `to`) or BOTH."),
                arg(name = "first", ty = "i32", default = 20, desc = "Page size, 0 to 100."),
                arg(name = "after", ty = "Option<String>", desc = "A cursor from this connection's `pageInfo.endCursor` or an edge's `cursor`: the page starts after it. Without `orderBy`, cursors belong to one data version (`stats.dataVersion`); after a reload that changed the data they are refused with STALE_CURSOR: start again without `after`. With `orderBy`, a cursor holds the order, the other end's sort values and id and the relation's type and direction: it survives a reload, and is refused (BAD_USER_INPUT) under another order."),
                arg(name = "min_grade", ty = "Option<Grade>", desc = "Walk only relations with at least one citation of this grade or better."),
                arg(name = "where", ty = "Option<EntityWhere>", desc = "Only relations whose entity at the other end matches this filter (the `EntityWhere` of `entities`; its kind filters must name kinds the list can reach)."),
                arg(name = "order_by", ty = "Option<Vec<EntityOrder>>", desc = "Order by the entity at the other end: one key, or a list of keys compared in turn (at most 4); entities without a value for a key come last, ties go to the smaller id, then to the relation's type and direction. Data order when omitted."),
                arg(name = "as_of", ty = "Option<String>", desc = "Only facts valid on this date (YYYY, YYYY-MM or YYYY-MM-DD): relations outside their since/until window are left out."),
            ),
            field(
                name = "relation_counts",
                ty = "EntityCounts<'a>",
                desc = "Counts of this entity's relations, grouped (the aggregate of `relations`): by RELATION_TYPE, DIRECTION, the relation's GRADE, or the KIND, STATUS, LEVEL or FORM of the entity at the other end, or that entity (RELATED). Takes the filters of `relations`.",
                arg(name = "group_by", ty = "Vec<EntityGroupField>", desc = "The dimensions to group by (none: one group of every relation)."),
                arg(name = "relation_types", ty = "Option<Vec<RelationType>>", desc = "Only relations of these types (all when omitted)."),
                arg(name = "direction", ty = "Direction", default_with = "Direction::Both", desc = "OUTGOING (this entity is `from`), INCOMING (it is `to`) or BOTH."),
                arg(name = "where", ty = "Option<EntityWhere>", desc = "Only relations whose entity at the other end matches this filter (the `EntityWhere` of `entities`)."),
                arg(name = "min_grade", ty = "Option<Grade>", desc = "Walk only relations with at least one citation of this grade or better."),
                arg(name = "as_of", ty = "Option<String>", desc = "Only facts valid on this date (YYYY, YYYY-MM or YYYY-MM-DD): relations outside their since/until window are left out."),
                arg(name = "first", ty = "i32", default = 100, desc = "Most groups to list, 0 to 1000 (`groupCount` says how many there are)."),
            ),
        )]
        pub enum Entity<'a> {
            $( $(#[$doc])* $name($name<'a>), )*
        }

        // Only the kinds' object types are its variants: the root fields return it as a
        // `NodeValue`, which also declares `Entity implements Node` (see `node.rs`).
        /// An object with a global id (Relay).
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID", desc = "Global, stable id."))]
        pub enum Node<'a> {
            $( $(#[$doc])* $name($name<'a>), )*
        }

        impl<'a> Entity<'a> {
            /// The typed object for whatever kind the entity is.
            pub(crate) fn of(base: EntityBase<'a>) -> Entity<'a> {
                match &base.record().details {
                    $( Details::$variant(details) => Entity::$name($name(base, $fields { base, details })), )*
                }
            }

            /// The same entity as a `Node`.
            pub(crate) fn into_node(self) -> Node<'a> {
                match self {
                    $( Entity::$name(x) => Node::$name(x), )*
                }
            }
        }
    };
}

entity_types! {
    /// A government body, committee, institute, company or publisher.
    Organization(OrganizationFields, Organization, model::OrganizationDetails);
    /// A named person acting in an official capacity.
    Official(OfficialFields, Official, model::OfficialDetails);
    /// A dated occurrence: a meeting, a plenary, an announcement, an investment.
    Event(EventFields, Event, model::EventDetails);
    /// A policy directive or regulatory instrument.
    Directive(DirectiveFields, Directive, model::DirectiveDetails);
    /// A technical standard (national, industry or international).
    Standard(StandardFields, Standard, model::StandardDetails);
    /// A set of standards decided together, with a stated count, whose members are not all named.
    StandardBatch(StandardBatchFields, StandardBatch, model::StandardBatchDetails);
    /// An element, oxide, metal, alloy, concentrate or ore.
    Mineral(MineralFields, Mineral, model::MineralDetails);
    /// A use of rare-earth materials: a magnet type, a product, a sector.
    Application(ApplicationFields, Application, model::ApplicationDetails);
    /// A stage of the supply chain.
    SupplyChainStage(SupplyChainStageFields, SupplyChainStage, model::SupplyChainStageDetails);
    /// A country, province, city or county.
    Location(LocationFields, Location, model::LocationDetails);
    /// A cited document.
    Source(SourceFields, Source, model::SourceDetails);
}

/// A model date as the API shows it (its own reduced precision).
fn date(d: Option<model::Date>) -> Option<String> {
    d.map(|d| d.to_string())
}
