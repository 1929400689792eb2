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

mod counts;
mod kinds;
mod order;
mod translate;
mod values;

use async_graphql::InputObject;

pub(crate) use counts::{Counted, count_groups, group_by};
pub use counts::{EntityCounts, EntityGroupField, RelatedGroup};
pub use kinds::{
    ApplicationWhere, DirectiveWhere, EventWhere, LocationWhere, MineralWhere, OrganizationWhere,
    SourceWhere, StandardBatchWhere, StandardWhere, SupplyChainStageWhere,
};
pub use order::EntityOrder;
pub(crate) use order::{
    decode_cursor, decode_list_cursor, encode_cursor, encode_list_cursor, order,
};
pub(crate) use translate::predicate;
pub use values::{IdFilter, IntFilter, KindFilter, TextFilter};

use super::enums::{Direction, Grade, RelationType};
use super::{ErrorCode, error};
use crate::graph::KindSet;
use crate::model;

/// Most `relation` filters nested in one another.
pub const MAX_RELATION_DEPTH: usize = 3;
/// Most values in one `in` list.
pub const MAX_IN: usize = 100;
/// Most tests and connectives in one filter.
pub const MAX_TESTS: usize = 64;

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
