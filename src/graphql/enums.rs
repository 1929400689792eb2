//! GraphQL mirrors of the model's attribute enums (derived as remote enums, so the model
//! stays free of GraphQL).

use async_graphql::Enum;

/// What sort of organization.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::OrganizationType")]
pub enum OrganizationType {
    /// A ministry, administration or regulator.
    GovernmentAgency,
    /// A national or international standardization technical committee.
    StandardsCommittee,
    /// A research or standards institute.
    ResearchInstitute,
    /// A company.
    Company,
    /// A news or analysis publisher.
    Media,
    /// A country acting as a party (e.g. China, the United States).
    State,
    /// Anything else.
    Other,
}

/// What sort of event.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::EventType")]
pub enum EventType {
    /// A meeting or conference.
    Meeting,
    /// A plenary of an international committee.
    Plenary,
    /// A policy or regulatory announcement.
    Announcement,
    /// An investment or acquisition.
    Investment,
    /// An election or appointment.
    Appointment,
}

/// What sort of directive.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::DirectiveType")]
pub enum DirectiveType {
    /// A policy directive given by an official.
    PolicyDirective,
    /// An export-control announcement or other regulation.
    ExportControl,
}

/// The level of a standard.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::StandardLevel")]
pub enum StandardLevel {
    /// A Chinese national standard (GB, GB/T).
    National,
    /// A Chinese industry standard (e.g. XB/T, rare earths).
    Industry,
    /// An ISO standard or technical specification.
    International,
    /// A Chinese association (group) standard, 团体标准, coded T/… (e.g. a standard of the China
    /// Nonferrous Metals Industry Association, 中国有色金属工业协会).
    Association,
    /// No source states the level (e.g. one of a batch named as national, industry and
    /// association standards together); the description says what is known.
    NotStated,
}

/// Where a standard stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::StandardStatus")]
pub enum StandardStatus {
    /// A project proposal validated for a future plan year.
    Proposed,
    /// The draft has completed its final committee review.
    FinalReviewCompleted,
    /// Approved, not yet published.
    Approved,
    /// Published.
    Published,
    /// Replaced by a newer edition.
    Superseded,
    /// Examined (审定) or pre-examined (预审) at a standards meeting, the source not saying which;
    /// nothing later (approval, issue) is known.
    Reviewed,
}

/// The physical form of a mineral entity.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::MineralForm")]
pub enum MineralForm {
    /// A chemical element.
    Element,
    /// An oxide.
    Oxide,
    /// A metal.
    Metal,
    /// An alloy (including sputtering targets and magnet alloys).
    Alloy,
    /// A concentrate.
    Concentrate,
    /// An ore.
    Ore,
    /// Another compound or salt.
    Compound,
}

/// A scheme for splitting rare earths into light and heavy.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::ClassificationScheme")]
pub enum ClassificationScheme {
    /// USGS: light La–Gd; heavy Tb–Lu plus Y; Sc neither.
    Usgs,
    /// CRS 2013: light La–Sm; heavy Eu–Lu plus Sc and Y.
    Crs2013,
    /// Common Chinese usage: light La–Eu; heavy Gd–Lu plus Sc and Y.
    China,
}

/// A rare-earth group.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::RareEarthGroup")]
pub enum RareEarthGroup {
    /// Light rare earth.
    Light,
    /// Heavy rare earth.
    Heavy,
    /// Neither light nor heavy in this scheme.
    Neither,
}

/// The sector an application belongs to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::Sector")]
pub enum Sector {
    /// Weapons systems and military platforms.
    Defense,
    /// Aircraft, rockets and space.
    Aerospace,
    /// Vehicles, including electric vehicles.
    Transport,
    /// Power generation and storage.
    Energy,
    /// Electronics and displays.
    Electronics,
    /// Manufacturing processes and industrial materials.
    Manufacturing,
    /// Environmental and carbon accounting.
    Sustainability,
    /// Digital operations and traceability.
    Digital,
}

/// What sort of place.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::LocationType")]
pub enum LocationType {
    /// A sovereign country.
    Country,
    /// A province or state.
    Province,
    /// A city or prefecture.
    City,
    /// A county.
    County,
}

/// What sort of document.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::SourceType")]
pub enum SourceType {
    /// A news article.
    NewsArticle,
    /// An official web page or portal entry.
    OfficialPage,
    /// The text or catalogue entry of a standard.
    StandardText,
    /// A research paper or report.
    Report,
    /// A reference page or catalogue.
    Reference,
    /// The project's own research notes.
    ResearchNotes,
}
