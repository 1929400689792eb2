//! Each kind's own attributes in a filter (`standard: { code: ... }`).

use async_graphql::InputObject;

use super::values::*;

/// Tests of a STANDARD's attributes (and that the entity is a standard).
#[derive(InputObject, Default)]
pub struct StandardWhere {
    /// Its code, e.g. `startsWith: "GB/T"`.
    pub(super) code: Option<TextFilter>,
    /// Its English title.
    pub(super) title: Option<TextFilter>,
    /// Its level.
    pub(super) level: Option<StandardLevelFilter>,
    /// Its status.
    pub(super) status: Option<StandardStatusFilter>,
    /// When it was issued.
    pub(super) issued: Option<DateFilter>,
    /// When it came into force.
    pub(super) effective: Option<DateFilter>,
}

/// Tests of a STANDARD_BATCH's attributes (and that the entity is a batch).
#[derive(InputObject, Default)]
pub struct StandardBatchWhere {
    /// What happened to the batch.
    pub(super) status: Option<BatchStatusFilter>,
    /// When it was decided.
    pub(super) decided: Option<DateFilter>,
    /// Its plan year.
    pub(super) plan_year: Option<IntFilter>,
    /// Its stated count of standards.
    pub(super) count: Option<IntFilter>,
}

/// Tests of a MINERAL's attributes (and that the entity is a mineral).
#[derive(InputObject, Default)]
pub struct MineralWhere {
    /// Its form.
    pub(super) form: Option<MineralFormFilter>,
    /// Its chemical symbol.
    pub(super) symbol: Option<TextFilter>,
    /// Its formula.
    pub(super) formula: Option<TextFilter>,
    /// Its atomic number.
    pub(super) atomic_number: Option<IntFilter>,
    /// Whether it is one of the 17 rare-earth elements.
    pub(super) rare_earth: Option<bool>,
}

/// Tests of an EVENT's attributes (and that the entity is an event).
#[derive(InputObject, Default)]
pub struct EventWhere {
    /// Its type.
    pub(super) event_type: Option<EventTypeFilter>,
    /// Its first day.
    pub(super) start_date: Option<DateFilter>,
    /// Its last day.
    pub(super) end_date: Option<DateFilter>,
    /// Its stated lower bound on attendance.
    pub(super) attendees_at_least: Option<IntFilter>,
}

/// Tests of a DIRECTIVE's attributes (and that the entity is a directive).
#[derive(InputObject, Default)]
pub struct DirectiveWhere {
    /// Its type.
    pub(super) directive_type: Option<DirectiveTypeFilter>,
    /// Its official number.
    pub(super) number: Option<TextFilter>,
    /// Its position in a numbered set.
    pub(super) ordinal: Option<IntFilter>,
    /// When it was issued.
    pub(super) issued: Option<DateFilter>,
    /// When it takes effect.
    pub(super) effective: Option<DateFilter>,
}

/// Tests of an ORGANIZATION's attributes (and that the entity is an organization).
#[derive(InputObject, Default)]
pub struct OrganizationWhere {
    /// Its type.
    pub(super) org_type: Option<OrganizationTypeFilter>,
    /// Its code, e.g. `SAC/TC 229`.
    pub(super) code: Option<TextFilter>,
}

/// Tests of an APPLICATION's attributes (and that the entity is an application).
#[derive(InputObject, Default)]
pub struct ApplicationWhere {
    /// Its sector.
    pub(super) sector: Option<SectorFilter>,
}

/// Tests of a SUPPLY_CHAIN_STAGE's attributes (and that the entity is a stage).
#[derive(InputObject, Default)]
pub struct SupplyChainStageWhere {
    /// Its position, 1 = most upstream.
    pub(super) position: Option<IntFilter>,
}

/// Tests of a LOCATION's attributes (and that the entity is a location).
#[derive(InputObject, Default)]
pub struct LocationWhere {
    /// Its type.
    pub(super) location_type: Option<LocationTypeFilter>,
    /// Its division code.
    pub(super) division_code: Option<TextFilter>,
}

/// Tests of a SOURCE's attributes (and that the entity is a source).
#[derive(InputObject, Default)]
pub struct SourceWhere {
    /// Its type.
    pub(super) source_type: Option<SourceTypeFilter>,
    /// Who published it, as stated.
    pub(super) publisher: Option<TextFilter>,
    /// When it was published.
    pub(super) published: Option<DateFilter>,
}
