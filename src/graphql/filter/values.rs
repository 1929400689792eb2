//! Tests of one value: text, id, date, whole number, enum and kind filters.

use async_graphql::InputObject;

use crate::graph::{EnumField, Predicate, enum_bit};
use crate::graphql::enums::{self, EntityKind};
use crate::model;

/// Tests of a text attribute; all given must hold. `eq` and `in` compare exactly;
/// `startsWith` and `contains` ignore case and accents (punctuation counts: `GB/T` does not
/// start `GBT`). An entity without the attribute matches none of them.
#[derive(InputObject, Default)]
pub struct TextFilter {
    /// Exactly this text.
    pub(super) eq: Option<String>,
    /// Exactly one of these texts (at most 100).
    #[graphql(name = "in")]
    pub(super) in_: Option<Vec<String>>,
    /// Starts with this text, ignoring case and accents.
    pub(super) starts_with: Option<String>,
    /// Contains this text, ignoring case and accents.
    pub(super) contains: Option<String>,
}

/// Tests of an entity id; all given must hold. Uses the id index.
#[derive(InputObject, Default)]
pub struct IdFilter {
    /// This id.
    pub(super) eq: Option<async_graphql::ID>,
    /// One of these ids (at most 100).
    #[graphql(name = "in")]
    pub(super) in_: Option<Vec<async_graphql::ID>>,
}

/// Tests of a date of reduced precision (`2025`, `2025-07`, `2025-07-13`); all given must
/// hold. Dates compare at their common precision: `2018-07-13` is neither before nor after
/// `2018`, so `gte: "2018"` and `lte: "2018"` hold for it and `gt: "2018"` does not; `eq:
/// "2018"` means "in 2018". An entity without the date matches none of them.
#[derive(InputObject, Default)]
pub struct DateFilter {
    /// The same date, at the common precision.
    pub(super) eq: Option<String>,
    /// After.
    pub(super) gt: Option<String>,
    /// After or the same.
    pub(super) gte: Option<String>,
    /// Before.
    pub(super) lt: Option<String>,
    /// Before or the same.
    pub(super) lte: Option<String>,
}

/// Tests of a whole number; all given must hold. An entity without the number matches none.
#[derive(InputObject, Default)]
pub struct IntFilter {
    /// Equal.
    pub(super) eq: Option<u32>,
    /// One of these (at most 100).
    #[graphql(name = "in")]
    pub(super) in_: Option<Vec<u32>>,
    /// Greater.
    pub(super) gt: Option<u32>,
    /// Greater or equal.
    pub(super) gte: Option<u32>,
    /// Less.
    pub(super) lt: Option<u32>,
    /// Less or equal.
    pub(super) lte: Option<u32>,
}

macro_rules! enum_filters {
    ($( $(#[$doc:meta])* $name:ident($ty:ty, $model:ty, $field:ident); )*) => {
        $(
            $(#[$doc])*
            #[derive(InputObject, Default)]
            pub struct $name {
                /// This value.
                pub(super) eq: Option<$ty>,
                /// One of these values.
                #[graphql(name = "in")]
                pub(super) in_: Option<Vec<$ty>>,
            }

            impl $name {
                pub(super) fn predicates(&self, out: &mut Vec<Predicate>) {
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
    pub(super) eq: Option<EntityKind>,
    /// One of these kinds.
    #[graphql(name = "in")]
    pub(super) in_: Option<Vec<EntityKind>>,
}
