//! `where`, `orderBy` and `groupBy`: the input types of `entities` and `entityCounts`, their
//! checks, and their translation to the graph's [`Predicate`], [`Order`] and [`GroupBy`].
//!
//! The conventions are Hasura's and Neo4j GraphQL's: one input field per attribute, each with
//! operators fitting its type (`eq`, `in`, `startsWith`, `contains`; `gt`, `gte`, `lt`, `lte`),
//! the fields of one object all holding (AND), and `AND`, `OR`, `NOT` to combine objects. A
//! kind's own attributes sit under the kind (`standard: { code: ... }`), which also restricts
//! matches to that kind. `relation` tests an entity's relations and, with `to`, the entity at
//! their other end, whose filter is checked against the kinds the relation can reach.
//!
//! Limits (LIMIT_EXCEEDED beyond them): [`MAX_RELATION_DEPTH`] nested `relation` filters,
//! [`MAX_IN`] values in an `in` list, [`MAX_TESTS`] tests and connectives in one filter. So a
//! filter's work is at most [`MAX_TESTS`] passes over the graph (see `graph::filter`).
//!
//! Architecture invariant: knows the graph's filter types and async-graphql, nothing of HTTP.

use async_graphql::{Enum, InputObject, SimpleObject};

use super::entity::{Entity, EntityBase};
use super::enums::{self, Direction, EntityKind, Grade, RelationType};
use super::{ErrorCode, error};
use crate::graph::{
    self, Comparison, DateField, EnumField, GroupBy, IntField, KindSet, KnowledgeGraph, Order,
    OrderField, Position, Predicate, RelationFilter, SortValue, TextField, TextTest, enum_bit,
};
use crate::model;

/// Most `relation` filters nested in one another.
pub const MAX_RELATION_DEPTH: usize = 3;
/// Most values in one `in` list.
pub const MAX_IN: usize = 100;
/// Most tests and connectives in one filter.
pub const MAX_TESTS: usize = 64;

/// Tests of a text attribute; all given must hold. `eq` and `in` compare exactly;
/// `startsWith` and `contains` ignore case and accents (punctuation counts: `GB/T` does not
/// start `GBT`). An entity without the attribute matches none of them.
#[derive(InputObject, Default)]
pub struct TextFilter {
    /// Exactly this text.
    eq: Option<String>,
    /// Exactly one of these texts (at most 100).
    #[graphql(name = "in")]
    in_: Option<Vec<String>>,
    /// Starts with this text, ignoring case and accents.
    starts_with: Option<String>,
    /// Contains this text, ignoring case and accents.
    contains: Option<String>,
}

/// Tests of an entity id; all given must hold. Uses the id index.
#[derive(InputObject, Default)]
pub struct IdFilter {
    /// This id.
    eq: Option<async_graphql::ID>,
    /// One of these ids (at most 100).
    #[graphql(name = "in")]
    in_: Option<Vec<async_graphql::ID>>,
}

/// Tests of a date of reduced precision (`2025`, `2025-07`, `2025-07-13`); all given must
/// hold. Dates compare at their common precision: `2018-07-13` is neither before nor after
/// `2018`, so `gte: "2018"` and `lte: "2018"` hold for it and `gt: "2018"` does not; `eq:
/// "2018"` means "in 2018". An entity without the date matches none of them.
#[derive(InputObject, Default)]
pub struct DateFilter {
    /// The same date, at the common precision.
    eq: Option<String>,
    /// After.
    gt: Option<String>,
    /// After or the same.
    gte: Option<String>,
    /// Before.
    lt: Option<String>,
    /// Before or the same.
    lte: Option<String>,
}

/// Tests of a whole number; all given must hold. An entity without the number matches none.
#[derive(InputObject, Default)]
pub struct IntFilter {
    /// Equal.
    eq: Option<u32>,
    /// One of these (at most 100).
    #[graphql(name = "in")]
    in_: Option<Vec<u32>>,
    /// Greater.
    gt: Option<u32>,
    /// Greater or equal.
    gte: Option<u32>,
    /// Less.
    lt: Option<u32>,
    /// Less or equal.
    lte: Option<u32>,
}

macro_rules! enum_filters {
    ($( $(#[$doc:meta])* $name:ident($ty:ty, $model:ty, $field:ident); )*) => {
        $(
            $(#[$doc])*
            #[derive(InputObject, Default)]
            pub struct $name {
                /// This value.
                eq: Option<$ty>,
                /// One of these values.
                #[graphql(name = "in")]
                in_: Option<Vec<$ty>>,
            }

            impl $name {
                fn predicates(&self, out: &mut Vec<Predicate>) {
                    let bit = |v: $ty| enum_bit(<$model>::from(v) as u8);
                    if let Some(v) = self.eq {
                        out.push(Predicate::Enum(EnumField::$field, bit(v)));
                    }
                    if let Some(vs) = &self.in_ {
                        let mask = vs.iter().fold(0, |m, v| m | bit(*v));
                        out.push(Predicate::Enum(EnumField::$field, mask));
                    }
                }
            }
        )*
    };
}

enum_filters! {
    /// Tests of a standard's level; all given must hold.
    StandardLevelFilter(enums::StandardLevel, model::StandardLevel, StandardLevel);
    /// Tests of a standard's status; all given must hold.
    StandardStatusFilter(enums::StandardStatus, model::StandardStatus, StandardStatus);
    /// Tests of a standard batch's status; all given must hold.
    BatchStatusFilter(enums::StandardStatus, model::StandardStatus, BatchStatus);
    /// Tests of a mineral's form; all given must hold.
    MineralFormFilter(enums::MineralForm, model::MineralForm, MineralForm);
    /// Tests of an organization's type; all given must hold.
    OrganizationTypeFilter(enums::OrganizationType, model::OrganizationType, OrganizationType);
    /// Tests of an event's type; all given must hold.
    EventTypeFilter(enums::EventType, model::EventType, EventType);
    /// Tests of a directive's type; all given must hold.
    DirectiveTypeFilter(enums::DirectiveType, model::DirectiveType, DirectiveType);
    /// Tests of an application's sector; all given must hold.
    SectorFilter(enums::Sector, model::Sector, Sector);
    /// Tests of a location's type; all given must hold.
    LocationTypeFilter(enums::LocationType, model::LocationType, LocationType);
    /// Tests of a source's type; all given must hold.
    SourceTypeFilter(enums::SourceType, model::SourceType, SourceType);
}

/// Tests of an entity's kind; all given must hold.
#[derive(InputObject, Default)]
pub struct KindFilter {
    /// This kind.
    eq: Option<EntityKind>,
    /// One of these kinds.
    #[graphql(name = "in")]
    in_: Option<Vec<EntityKind>>,
}

/// Tests of a STANDARD's attributes (and that the entity is a standard).
#[derive(InputObject, Default)]
pub struct StandardWhere {
    /// Its code, e.g. `startsWith: "GB/T"`.
    code: Option<TextFilter>,
    /// Its English title.
    title: Option<TextFilter>,
    /// Its level.
    level: Option<StandardLevelFilter>,
    /// Its status.
    status: Option<StandardStatusFilter>,
    /// When it was issued.
    issued: Option<DateFilter>,
    /// When it came into force.
    effective: Option<DateFilter>,
}

/// Tests of a STANDARD_BATCH's attributes (and that the entity is a batch).
#[derive(InputObject, Default)]
pub struct StandardBatchWhere {
    /// What happened to the batch.
    status: Option<BatchStatusFilter>,
    /// When it was decided.
    decided: Option<DateFilter>,
    /// Its plan year.
    plan_year: Option<IntFilter>,
    /// Its stated count of standards.
    count: Option<IntFilter>,
}

/// Tests of a MINERAL's attributes (and that the entity is a mineral).
#[derive(InputObject, Default)]
pub struct MineralWhere {
    /// Its form.
    form: Option<MineralFormFilter>,
    /// Its chemical symbol.
    symbol: Option<TextFilter>,
    /// Its formula.
    formula: Option<TextFilter>,
    /// Its atomic number.
    atomic_number: Option<IntFilter>,
    /// Whether it is one of the 17 rare-earth elements.
    rare_earth: Option<bool>,
}

/// Tests of an EVENT's attributes (and that the entity is an event).
#[derive(InputObject, Default)]
pub struct EventWhere {
    /// Its type.
    event_type: Option<EventTypeFilter>,
    /// Its first day.
    start_date: Option<DateFilter>,
    /// Its last day.
    end_date: Option<DateFilter>,
    /// Its stated lower bound on attendance.
    attendees_at_least: Option<IntFilter>,
}

/// Tests of a DIRECTIVE's attributes (and that the entity is a directive).
#[derive(InputObject, Default)]
pub struct DirectiveWhere {
    /// Its type.
    directive_type: Option<DirectiveTypeFilter>,
    /// Its official number.
    number: Option<TextFilter>,
    /// Its position in a numbered set.
    ordinal: Option<IntFilter>,
    /// When it was issued.
    issued: Option<DateFilter>,
    /// When it takes effect.
    effective: Option<DateFilter>,
}

/// Tests of an ORGANIZATION's attributes (and that the entity is an organization).
#[derive(InputObject, Default)]
pub struct OrganizationWhere {
    /// Its type.
    org_type: Option<OrganizationTypeFilter>,
    /// Its code, e.g. `SAC/TC 229`.
    code: Option<TextFilter>,
}

/// Tests of an APPLICATION's attributes (and that the entity is an application).
#[derive(InputObject, Default)]
pub struct ApplicationWhere {
    /// Its sector.
    sector: Option<SectorFilter>,
}

/// Tests of a SUPPLY_CHAIN_STAGE's attributes (and that the entity is a stage).
#[derive(InputObject, Default)]
pub struct SupplyChainStageWhere {
    /// Its position, 1 = most upstream.
    position: Option<IntFilter>,
}

/// Tests of a LOCATION's attributes (and that the entity is a location).
#[derive(InputObject, Default)]
pub struct LocationWhere {
    /// Its type.
    location_type: Option<LocationTypeFilter>,
    /// Its division code.
    division_code: Option<TextFilter>,
}

/// Tests of a SOURCE's attributes (and that the entity is a source).
#[derive(InputObject, Default)]
pub struct SourceWhere {
    /// Its type.
    source_type: Option<SourceTypeFilter>,
    /// Who published it, as stated.
    publisher: Option<TextFilter>,
    /// When it was published.
    published: Option<DateFilter>,
}

/// A test of an entity's relations: it has at least one relation of `type` in `direction`,
/// graded `minGrade` or better, whose other end matches `to`.
#[derive(InputObject)]
pub struct RelationWhere {
    /// The relation's type.
    #[graphql(name = "type")]
    relation_type: RelationType,
    /// OUTGOING (the entity tested is `from`), INCOMING (it is `to`) or BOTH.
    #[graphql(default_with = "Direction::Outgoing")]
    direction: Direction,
    /// The weakest grade of a relation's best citation that counts; REPORTED by default, like
    /// the typed relationship fields (UNVERIFIED counts every relation).
    #[graphql(default_with = "Grade::Reported")]
    min_grade: Grade,
    /// What the entity at the other end must match (anything when omitted). Its kind filters
    /// must name kinds the relation can reach; at most 3 `relation` filters nest.
    to: Option<Box<EntityWhere>>,
}

/// A filter on entities: every field given must hold (AND). `AND`, `OR` and `NOT` combine
/// filters; a kind's own attributes sit under the kind (`standard: { code: { startsWith:
/// "GB/T" } }`), which also keeps only that kind. A kind field naming a kind the filter cannot
/// meet (outside `kinds`, or beyond what a `relation` reaches) is BAD_USER_INPUT. At most 64
/// tests in all, 100 values per `in`, 3 nested `relation` filters (LIMIT_EXCEEDED).
#[derive(InputObject, Default)]
pub struct EntityWhere {
    /// All of these.
    #[graphql(name = "AND")]
    and: Option<Vec<EntityWhere>>,
    /// At least one of these.
    #[graphql(name = "OR")]
    or: Option<Vec<EntityWhere>>,
    /// Not this.
    #[graphql(name = "NOT")]
    not: Option<Box<EntityWhere>>,
    /// The id (uses the id index).
    id: Option<IdFilter>,
    /// The kind.
    kind: Option<KindFilter>,
    /// The display name.
    name: Option<TextFilter>,
    /// The number of relations, both directions, every grade.
    degree: Option<IntFilter>,
    /// A standard's attributes.
    standard: Option<StandardWhere>,
    /// A standard batch's attributes.
    standard_batch: Option<StandardBatchWhere>,
    /// A mineral's attributes.
    mineral: Option<MineralWhere>,
    /// An event's attributes.
    event: Option<EventWhere>,
    /// A directive's attributes.
    directive: Option<DirectiveWhere>,
    /// An organization's attributes.
    organization: Option<OrganizationWhere>,
    /// An application's attributes.
    application: Option<ApplicationWhere>,
    /// A supply-chain stage's attributes.
    supply_chain_stage: Option<SupplyChainStageWhere>,
    /// A location's attributes.
    location: Option<LocationWhere>,
    /// A source's attributes.
    source: Option<SourceWhere>,
    /// A relation to an entity matching a filter.
    relation: Option<RelationWhere>,
}

/// What orders `entities`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EntityOrderField {
    /// Kind, then id (the default).
    Kind,
    /// Name, in Unicode code point order.
    Name,
    /// The kind's code: a standard's or organization's code, a directive's number, a
    /// location's division code.
    Code,
    /// The kind's date: a standard's or directive's issue date, an event's first day, a batch's
    /// decision, a source's publication (`2018` sorts before `2018-07`).
    Date,
    /// Number of relations.
    Degree,
}

/// A sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// An order for `entities`. Entities without a value for the field come last in both
/// directions; ties go to the smaller id.
#[derive(InputObject)]
pub struct EntityOrder {
    /// What to sort by.
    field: EntityOrderField,
    /// ASC or DESC.
    #[graphql(default)]
    direction: OrderDirection,
}

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
    /// The strongest grade among the entity's own citations.
    Grade,
    /// The entity at the other end of the relation given in `related` (an entity counts once
    /// per such entity; one with none counts under `related: null`).
    Related,
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
    /// The entity at the other end of the `related` relation.
    async fn related(&self) -> Option<Entity<'a>> {
        self.key
            .related
            .map(|k| Entity::of(EntityBase::new(self.graph, k)))
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

/// Counts of the entities matching a filter, grouped.
#[derive(SimpleObject)]
pub struct EntityCounts<'a> {
    /// How many entities match.
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

fn bad(message: String) -> async_graphql::Error {
    error(ErrorCode::BadUserInput, message)
}

/// A kind as the API names it, e.g. `SUPPLY_CHAIN_STAGE`.
fn kind_name(kind: model::EntityKind) -> String {
    screaming(&format!("{kind:?}"))
}

/// `SupplyChainStage` as `SUPPLY_CHAIN_STAGE`.
fn screaming(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn kind_names(kinds: KindSet) -> String {
    kinds.iter().map(kind_name).collect::<Vec<_>>().join(", ")
}

/// Translates a `where` argument, checking it against the kinds it can meet.
struct Translate {
    tests: usize,
}

/// The predicate of `where` for entities of `kinds` (where an argument says so).
pub(crate) fn predicate(
    filter: &EntityWhere,
    kinds: KindSet,
    context: &str,
) -> async_graphql::Result<Predicate> {
    Translate { tests: 0 }.entity(filter, kinds, context, "where", 0)
}

impl Translate {
    fn count(&mut self, n: usize) -> async_graphql::Result<()> {
        self.tests += n;
        if self.tests > MAX_TESTS {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!("`where` holds more than {MAX_TESTS} tests and connectives, its maximum"),
            ));
        }
        Ok(())
    }

    fn entity(
        &mut self,
        w: &EntityWhere,
        kinds: KindSet,
        context: &str,
        path: &str,
        depth: usize,
    ) -> async_graphql::Result<Predicate> {
        let mut all = Vec::new();
        if let Some(ws) = &w.and {
            self.count(1)?;
            let parts = ws
                .iter()
                .enumerate()
                .map(|(i, w)| self.entity(w, kinds, context, &format!("{path}.AND[{i}]"), depth))
                .collect::<async_graphql::Result<Vec<_>>>()?;
            all.push(Predicate::And(parts));
        }
        if let Some(ws) = &w.or {
            self.count(1)?;
            let parts = ws
                .iter()
                .enumerate()
                .map(|(i, w)| self.entity(w, kinds, context, &format!("{path}.OR[{i}]"), depth))
                .collect::<async_graphql::Result<Vec<_>>>()?;
            all.push(Predicate::Or(parts));
        }
        if let Some(w) = &w.not {
            self.count(1)?;
            let inner = self.entity(w, kinds, context, &format!("{path}.NOT"), depth)?;
            all.push(Predicate::Not(Box::new(inner)));
        }
        if let Some(f) = &w.id {
            let mut ids = Vec::new();
            if let Some(id) = &f.eq {
                self.count(1)?;
                all.push(Predicate::Text(TextField::Id, TextTest::Eq(id.to_string())));
            }
            if let Some(list) = &f.in_ {
                self.count(1)?;
                check_in(list.len(), &format!("{path}.id.in"))?;
                ids.extend(list.iter().map(|i| i.to_string()));
                all.push(Predicate::Text(TextField::Id, TextTest::In(ids)));
            }
        }
        if let Some(f) = &w.kind {
            let mut asked = KindSet::ALL;
            if let Some(k) = f.eq {
                asked = asked.and(KindSet::one(k.into()));
            }
            if let Some(ks) = &f.in_ {
                check_in(ks.len(), &format!("{path}.kind.in"))?;
                let ks: Vec<model::EntityKind> = ks.iter().map(|k| (*k).into()).collect();
                asked = asked.and(if ks.is_empty() {
                    KindSet::NONE
                } else {
                    KindSet::of(&ks)
                });
            }
            self.count(1)?;
            if asked != KindSet::ALL && asked.and(kinds).is_empty() {
                return Err(bad(format!(
                    "`{path}.kind` asks for {}, but {context} can only be {}",
                    kind_names(asked),
                    kind_names(kinds)
                )));
            }
            all.push(Predicate::Kinds(asked));
        }
        if let Some(f) = &w.name {
            self.text(f, TextField::Name, &format!("{path}.name"), &mut all)?;
        }
        if let Some(f) = &w.degree {
            self.int(f, IntField::Degree, &format!("{path}.degree"), &mut all)?;
        }
        let mut kind_fields = Vec::new();
        let mut each_kind = |name: &str, kind: model::EntityKind, given: bool| {
            if given {
                kind_fields.push((name.to_owned(), kind));
            }
        };
        use model::EntityKind as K;
        each_kind("standard", K::Standard, w.standard.is_some());
        each_kind(
            "standardBatch",
            K::StandardBatch,
            w.standard_batch.is_some(),
        );
        each_kind("mineral", K::Mineral, w.mineral.is_some());
        each_kind("event", K::Event, w.event.is_some());
        each_kind("directive", K::Directive, w.directive.is_some());
        each_kind("organization", K::Organization, w.organization.is_some());
        each_kind("application", K::Application, w.application.is_some());
        each_kind(
            "supplyChainStage",
            K::SupplyChainStage,
            w.supply_chain_stage.is_some(),
        );
        each_kind("location", K::Location, w.location.is_some());
        each_kind("source", K::Source, w.source.is_some());
        if let [(a, _), (b, _), ..] = kind_fields.as_slice() {
            return Err(bad(format!(
                "`{path}` tests `{a}` and `{b}` together, but an entity has one kind: put them \
                 in `OR: [{{ {a}: ... }}, {{ {b}: ... }}]`"
            )));
        }
        if let Some((name, kind)) = kind_fields.first() {
            if !kinds.contains(*kind) {
                return Err(bad(format!(
                    "`{path}.{name}` filters {} entities, but {context} can only be {}",
                    kind_name(*kind),
                    kind_names(kinds)
                )));
            }
            self.count(1)?;
            all.push(Predicate::Kinds(KindSet::one(*kind)));
            self.kind_fields(w, &format!("{path}.{name}"), &mut all)?;
        }
        if let Some(r) = &w.relation {
            self.count(1)?;
            if depth >= MAX_RELATION_DEPTH {
                return Err(error(
                    ErrorCode::LimitExceeded,
                    format!(
                        "`{path}.relation` nests {} `relation` filters, above the maximum of \
                         {MAX_RELATION_DEPTH}",
                        depth + 1
                    ),
                ));
            }
            let t: model::RelationType = r.relation_type.into();
            let direction: graph::Direction = r.direction.into();
            let spec = t.spec();
            let reach = match direction {
                graph::Direction::Outgoing => KindSet::of(spec.to),
                graph::Direction::Incoming => KindSet::of(spec.from),
                graph::Direction::Both => KindSet::of(spec.to).or(KindSet::of(spec.from)),
            };
            let from_here = match direction {
                graph::Direction::Outgoing => KindSet::of(spec.from),
                graph::Direction::Incoming => KindSet::of(spec.to),
                graph::Direction::Both => reach,
            };
            if from_here.and(kinds).is_empty() {
                return Err(bad(format!(
                    "`{path}.relation`: no {} relation {} {} ({context})",
                    t.name(),
                    match direction {
                        graph::Direction::Outgoing => "starts at",
                        graph::Direction::Incoming => "ends at",
                        graph::Direction::Both => "touches",
                    },
                    kind_names(kinds)
                )));
            }
            let context = format!(
                "the other end of {} {}",
                t.name(),
                screaming(&format!("{direction:?}"))
            );
            let other = match &r.to {
                Some(to) => self.entity(
                    to,
                    reach,
                    &context,
                    &format!("{path}.relation.to"),
                    depth + 1,
                )?,
                None => Predicate::True,
            };
            all.push(Predicate::Related {
                types: RelationFilter::only([t]),
                direction,
                min_grade: r.min_grade.into(),
                other: Box::new(other),
            });
        }
        Ok(match all.len() {
            0 => Predicate::True,
            1 => all.pop().unwrap_or(Predicate::True),
            _ => Predicate::And(all),
        })
    }

    fn kind_fields(
        &mut self,
        w: &EntityWhere,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let mut enums = Vec::new();
        if let Some(s) = &w.standard {
            self.opt_text(&s.code, TextField::StandardCode, path, "code", all)?;
            self.opt_text(&s.title, TextField::StandardTitle, path, "title", all)?;
            s.level.iter().for_each(|f| f.predicates(&mut enums));
            s.status.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_date(&s.issued, DateField::StandardIssued, path, "issued", all)?;
            self.opt_date(
                &s.effective,
                DateField::StandardEffective,
                path,
                "effective",
                all,
            )?;
        }
        if let Some(s) = &w.standard_batch {
            s.status.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_date(&s.decided, DateField::BatchDecided, path, "decided", all)?;
            self.opt_int(&s.plan_year, IntField::BatchPlanYear, path, "planYear", all)?;
            self.opt_int(&s.count, IntField::BatchCount, path, "count", all)?;
        }
        if let Some(m) = &w.mineral {
            m.form.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_text(&m.symbol, TextField::MineralSymbol, path, "symbol", all)?;
            self.opt_text(&m.formula, TextField::MineralFormula, path, "formula", all)?;
            self.opt_int(
                &m.atomic_number,
                IntField::AtomicNumber,
                path,
                "atomicNumber",
                all,
            )?;
            if let Some(b) = m.rare_earth {
                self.count(1)?;
                all.push(Predicate::RareEarth(b));
            }
        }
        if let Some(e) = &w.event {
            e.event_type.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_date(&e.start_date, DateField::EventStart, path, "startDate", all)?;
            self.opt_date(&e.end_date, DateField::EventEnd, path, "endDate", all)?;
            self.opt_int(
                &e.attendees_at_least,
                IntField::EventAttendeesAtLeast,
                path,
                "attendeesAtLeast",
                all,
            )?;
        }
        if let Some(d) = &w.directive {
            d.directive_type
                .iter()
                .for_each(|f| f.predicates(&mut enums));
            self.opt_text(&d.number, TextField::DirectiveNumber, path, "number", all)?;
            self.opt_int(&d.ordinal, IntField::DirectiveOrdinal, path, "ordinal", all)?;
            self.opt_date(&d.issued, DateField::DirectiveIssued, path, "issued", all)?;
            self.opt_date(
                &d.effective,
                DateField::DirectiveEffective,
                path,
                "effective",
                all,
            )?;
        }
        if let Some(o) = &w.organization {
            o.org_type.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_text(&o.code, TextField::OrganizationCode, path, "code", all)?;
        }
        if let Some(a) = &w.application {
            a.sector.iter().for_each(|f| f.predicates(&mut enums));
        }
        if let Some(s) = &w.supply_chain_stage {
            self.opt_int(&s.position, IntField::StagePosition, path, "position", all)?;
        }
        if let Some(l) = &w.location {
            l.location_type
                .iter()
                .for_each(|f| f.predicates(&mut enums));
            self.opt_text(
                &l.division_code,
                TextField::LocationDivisionCode,
                path,
                "divisionCode",
                all,
            )?;
        }
        if let Some(s) = &w.source {
            s.source_type.iter().for_each(|f| f.predicates(&mut enums));
            self.opt_text(
                &s.publisher,
                TextField::SourcePublisher,
                path,
                "publisher",
                all,
            )?;
            self.opt_date(
                &s.published,
                DateField::SourcePublished,
                path,
                "published",
                all,
            )?;
        }
        self.count(enums.len())?;
        all.extend(enums);
        Ok(())
    }

    fn opt_text(
        &mut self,
        f: &Option<TextFilter>,
        field: TextField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        match f {
            Some(f) => self.text(f, field, &format!("{path}.{name}"), all),
            None => Ok(()),
        }
    }

    fn opt_date(
        &mut self,
        f: &Option<DateFilter>,
        field: DateField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let Some(f) = f else { return Ok(()) };
        let path = format!("{path}.{name}");
        for (op, c) in [
            (&f.eq, Comparison::Eq),
            (&f.gt, Comparison::Gt),
            (&f.gte, Comparison::Gte),
            (&f.lt, Comparison::Lt),
            (&f.lte, Comparison::Lte),
        ] {
            if let Some(text) = op {
                self.count(1)?;
                let date: model::Date = text
                    .parse()
                    .map_err(|e: model::DateError| bad(format!("`{path}`: {e}")))?;
                all.push(Predicate::Date(field, c, date));
            }
        }
        Ok(())
    }

    fn opt_int(
        &mut self,
        f: &Option<IntFilter>,
        field: IntField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        match f {
            Some(f) => self.int(f, field, &format!("{path}.{name}"), all),
            None => Ok(()),
        }
    }

    fn text(
        &mut self,
        f: &TextFilter,
        field: TextField,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        if let Some(t) = &f.eq {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::Eq(t.clone())));
        }
        if let Some(ts) = &f.in_ {
            self.count(1)?;
            check_in(ts.len(), &format!("{path}.in"))?;
            all.push(Predicate::Text(field, TextTest::In(ts.clone())));
        }
        if let Some(t) = &f.starts_with {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::starts_with(t)));
        }
        if let Some(t) = &f.contains {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::contains(t)));
        }
        Ok(())
    }

    fn int(
        &mut self,
        f: &IntFilter,
        field: IntField,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        for (op, c) in [
            (f.eq, Comparison::Eq),
            (f.gt, Comparison::Gt),
            (f.gte, Comparison::Gte),
            (f.lt, Comparison::Lt),
            (f.lte, Comparison::Lte),
        ] {
            if let Some(n) = op {
                self.count(1)?;
                all.push(Predicate::Int(field, c, u64::from(n)));
            }
        }
        if let Some(ns) = &f.in_ {
            self.count(1)?;
            check_in(ns.len(), &format!("{path}.in"))?;
            all.push(Predicate::IntIn(
                field,
                ns.iter().map(|n| u64::from(*n)).collect(),
            ));
        }
        Ok(())
    }
}

fn check_in(len: usize, path: &str) -> async_graphql::Result<()> {
    if len > MAX_IN {
        return Err(error(
            ErrorCode::LimitExceeded,
            format!("`{path}` has {len} values, above its maximum of {MAX_IN}"),
        ));
    }
    Ok(())
}

/// The graph's order for an `orderBy` (kind then id when omitted).
pub(crate) fn order(order: Option<&EntityOrder>) -> Order {
    match order {
        None => Order::default(),
        Some(o) => Order {
            field: match o.field {
                EntityOrderField::Kind => OrderField::Kind,
                EntityOrderField::Name => OrderField::Name,
                EntityOrderField::Code => OrderField::Code,
                EntityOrderField::Date => OrderField::Date,
                EntityOrderField::Degree => OrderField::Degree,
            },
            descending: o.direction == OrderDirection::Desc,
        },
    }
}

/// The `groupBy` dimensions, checked against the kinds counted and `related`.
pub(crate) fn group_by(
    fields: &[EntityGroupField],
    related: Option<&RelatedGroup>,
    kinds: KindSet,
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

/// An ordered page's cursor: `[order, value, id]` as JSON (opaque to clients).
pub(crate) fn encode_cursor(order: Order, position: &Position) -> String {
    let value = match &position.value {
        None => serde_json::Value::Null,
        Some(SortValue::Int(n)) => serde_json::Value::from(*n),
        Some(SortValue::Date(d)) => serde_json::Value::from(d.to_string()),
        Some(SortValue::Text(t)) => serde_json::Value::from(t.as_str()),
    };
    serde_json::json!([order_name(order), value, position.id]).to_string()
}

fn order_name(order: Order) -> String {
    let field = match order.field {
        OrderField::Kind => "KIND",
        OrderField::Name => "NAME",
        OrderField::Code => "CODE",
        OrderField::Date => "DATE",
        OrderField::Degree => "DEGREE",
    };
    format!("{field} {}", if order.descending { "DESC" } else { "ASC" })
}

/// The position after which an ordered page starts: BAD_USER_INPUT for a string that is not
/// a cursor of this API, or a cursor issued for another order.
pub(crate) fn decode_cursor(order: Order, after: &str) -> async_graphql::Result<Position> {
    let not_ours = || bad(format!("`after` is not a cursor from this API: {after:?}"));
    if !after.starts_with('[') {
        // An entity id: a cursor of the default order.
        return Err(bad(format!(
            "`after` is a cursor of the order KIND ASC (the default), but this page is ordered \
             by {}; start again without `after`",
            order_name(order)
        )));
    }
    let parsed: (String, serde_json::Value, String) =
        serde_json::from_str(after).map_err(|_| not_ours())?;
    let (name, value, id) = parsed;
    if name != order_name(order) {
        return Err(bad(format!(
            "`after` is a cursor of the order {name}, but this page is ordered by {}; start \
             again without `after`",
            order_name(order)
        )));
    }
    let value = match (&value, order.field) {
        (serde_json::Value::Null, _) => None,
        (serde_json::Value::Number(n), OrderField::Kind | OrderField::Degree) => {
            Some(SortValue::Int(n.as_u64().ok_or_else(not_ours)?))
        }
        (serde_json::Value::String(s), OrderField::Date) => {
            Some(SortValue::Date(s.parse().map_err(|_| not_ours())?))
        }
        (serde_json::Value::String(s), OrderField::Name | OrderField::Code) => {
            Some(SortValue::Text(s.clone()))
        }
        _ => return Err(not_ours()),
    };
    Ok(Position { value, id })
}
