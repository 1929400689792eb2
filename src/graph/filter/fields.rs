//! The attributes a filter tests: text, date, integer and enum fields, the kind each belongs
//! to, and how to read an entity's value.

use crate::model::{Date, Details, Entity, EntityKind};

/// A text attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Every entity's id.
    Id,
    /// Every entity's name.
    Name,
    /// A standard's code.
    StandardCode,
    /// A standard's title.
    StandardTitle,
    /// A mineral's chemical symbol.
    MineralSymbol,
    /// A mineral's formula.
    MineralFormula,
    /// An organization's code.
    OrganizationCode,
    /// A directive's official number.
    DirectiveNumber,
    /// A location's division code.
    LocationDivisionCode,
    /// A source's publisher.
    SourcePublisher,
}

/// A date attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    /// A standard's issue date.
    StandardIssued,
    /// A standard's entry into force.
    StandardEffective,
    /// An event's first day.
    EventStart,
    /// An event's last day.
    EventEnd,
    /// A directive's issue date.
    DirectiveIssued,
    /// A directive's entry into force.
    DirectiveEffective,
    /// When a standard batch was decided.
    BatchDecided,
    /// When a source was published.
    SourcePublished,
}

/// An integer attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntField {
    /// Every entity's number of relations, both directions.
    Degree,
    /// A mineral's atomic number.
    AtomicNumber,
    /// A directive's ordinal.
    DirectiveOrdinal,
    /// A supply-chain stage's position.
    StagePosition,
    /// A standard batch's plan year.
    BatchPlanYear,
    /// A standard batch's stated count.
    BatchCount,
    /// An event's stated lower bound on attendance.
    EventAttendeesAtLeast,
}

/// An enum attribute; its values are tested as a bit mask of variant numbers (`value as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumField {
    /// A standard's level.
    StandardLevel,
    /// A standard's status.
    StandardStatus,
    /// A standard batch's status.
    BatchStatus,
    /// A mineral's form.
    MineralForm,
    /// An organization's type.
    OrganizationType,
    /// An event's type.
    EventType,
    /// A directive's type.
    DirectiveType,
    /// An application's sector.
    Sector,
    /// A location's type.
    LocationType,
    /// A source's type.
    SourceType,
}

impl TextField {
    /// The kind it belongs to (`None`: every kind).
    pub fn kind(self) -> Option<EntityKind> {
        use EntityKind as K;
        Some(match self {
            TextField::Id | TextField::Name => return None,
            TextField::StandardCode | TextField::StandardTitle => K::Standard,
            TextField::MineralSymbol | TextField::MineralFormula => K::Mineral,
            TextField::OrganizationCode => K::Organization,
            TextField::DirectiveNumber => K::Directive,
            TextField::LocationDivisionCode => K::Location,
            TextField::SourcePublisher => K::Source,
        })
    }

    pub(super) fn value(self, e: &Entity) -> Option<&str> {
        match (self, &e.details) {
            (TextField::Id, _) => Some(e.id.as_str()),
            (TextField::Name, _) => Some(&e.name),
            (TextField::StandardCode, Details::Standard(d)) => d.code.as_deref(),
            (TextField::StandardTitle, Details::Standard(d)) => d.title.as_deref(),
            (TextField::MineralSymbol, Details::Mineral(d)) => d.symbol.as_deref(),
            (TextField::MineralFormula, Details::Mineral(d)) => d.formula.as_deref(),
            (TextField::OrganizationCode, Details::Organization(d)) => d.code.as_deref(),
            (TextField::DirectiveNumber, Details::Directive(d)) => d.number.as_deref(),
            (TextField::LocationDivisionCode, Details::Location(d)) => d.division_code.as_deref(),
            (TextField::SourcePublisher, Details::Source(d)) => d.publisher.as_deref(),
            _ => None,
        }
    }
}

impl DateField {
    /// The kind it belongs to.
    pub fn kind(self) -> EntityKind {
        use EntityKind as K;
        match self {
            DateField::StandardIssued | DateField::StandardEffective => K::Standard,
            DateField::EventStart | DateField::EventEnd => K::Event,
            DateField::DirectiveIssued | DateField::DirectiveEffective => K::Directive,
            DateField::BatchDecided => K::StandardBatch,
            DateField::SourcePublished => K::Source,
        }
    }

    pub(super) fn value(self, e: &Entity) -> Option<Date> {
        match (self, &e.details) {
            (DateField::StandardIssued, Details::Standard(d)) => d.issued,
            (DateField::StandardEffective, Details::Standard(d)) => d.effective,
            (DateField::EventStart, Details::Event(d)) => d.start_date,
            (DateField::EventEnd, Details::Event(d)) => d.end_date,
            (DateField::DirectiveIssued, Details::Directive(d)) => d.issued,
            (DateField::DirectiveEffective, Details::Directive(d)) => d.effective,
            (DateField::BatchDecided, Details::StandardBatch(d)) => d.decided,
            (DateField::SourcePublished, Details::Source(d)) => d.published,
            _ => None,
        }
    }
}

impl IntField {
    /// The kind it belongs to (`None`: every kind).
    pub fn kind(self) -> Option<EntityKind> {
        use EntityKind as K;
        Some(match self {
            IntField::Degree => return None,
            IntField::AtomicNumber => K::Mineral,
            IntField::DirectiveOrdinal => K::Directive,
            IntField::StagePosition => K::SupplyChainStage,
            IntField::BatchPlanYear | IntField::BatchCount => K::StandardBatch,
            IntField::EventAttendeesAtLeast => K::Event,
        })
    }
}

impl EnumField {
    /// The kind it belongs to.
    pub fn kind(self) -> EntityKind {
        use EntityKind as K;
        match self {
            EnumField::StandardLevel | EnumField::StandardStatus => K::Standard,
            EnumField::BatchStatus => K::StandardBatch,
            EnumField::MineralForm => K::Mineral,
            EnumField::OrganizationType => K::Organization,
            EnumField::EventType => K::Event,
            EnumField::DirectiveType => K::Directive,
            EnumField::Sector => K::Application,
            EnumField::LocationType => K::Location,
            EnumField::SourceType => K::Source,
        }
    }

    /// The variant number of the entity's value (`value as u8`), if it has one.
    pub(super) fn value(self, e: &Entity) -> Option<u8> {
        Some(match (self, &e.details) {
            (EnumField::StandardLevel, Details::Standard(d)) => d.level as u8,
            (EnumField::StandardStatus, Details::Standard(d)) => d.status as u8,
            (EnumField::BatchStatus, Details::StandardBatch(d)) => d.status as u8,
            (EnumField::MineralForm, Details::Mineral(d)) => d.form as u8,
            (EnumField::OrganizationType, Details::Organization(d)) => d.org_type as u8,
            (EnumField::EventType, Details::Event(d)) => d.event_type as u8,
            (EnumField::DirectiveType, Details::Directive(d)) => d.directive_type as u8,
            (EnumField::Sector, Details::Application(d)) => d.sector? as u8,
            (EnumField::LocationType, Details::Location(d)) => d.location_type as u8,
            (EnumField::SourceType, Details::Source(d)) => d.source_type as u8,
            _ => return None,
        })
    }
}
