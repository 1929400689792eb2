//! GraphQL mirrors of the model's enums (kinds, relation types, grades, attribute values) and
//! of the graph's `Direction`, derived as remote enums, so the model stays free of GraphQL.

use async_graphql::Enum;

/// The kinds of entity in the graph.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::EntityKind")]
pub enum EntityKind {
    /// A government body, committee, institute, company or publisher.
    Organization,
    /// A named person acting in an official capacity.
    Official,
    /// A dated occurrence: a meeting, a plenary, an announcement, an investment.
    Event,
    /// A policy directive or regulatory instrument.
    Directive,
    /// A technical standard (national, industry or international).
    Standard,
    /// A set of standards decided together whose members are not all named.
    StandardBatch,
    /// An element, oxide, metal, alloy, concentrate or ore (see `Mineral.form`).
    Mineral,
    /// A use of rare-earth materials: a magnet type, a product, a sector.
    Application,
    /// A stage of the supply chain.
    SupplyChainStage,
    /// A country, province, city or county.
    Location,
    /// A cited document.
    Source,
}

/// Typed, directed relations. Each has an inverse reading (see `Query.relationTypes`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::RelationType")]
pub enum RelationType {
    /// A part of a larger organization, place, event or stage (inverse: has part).
    PartOf,
    /// An organization administers a standard, batch or organization (inverse: administered by).
    Administers,
    /// An official holds a position in an organization; the role says which (inverse: has member).
    AffiliatedWith,
    /// An official or organization issued a directive, standard or source (inverse: issued by).
    Issued,
    /// A directive, standard or batch was announced or decided at an event (inverse: announced).
    AnnouncedAt,
    /// An organization organized an event (inverse: organized by).
    Organized,
    /// An official or organization took part in an event (inverse: had participant).
    ParticipatedIn,
    /// An event, organization or place is located in a place (inverse: location of).
    LocatedIn,
    /// A directive targets a stage, application, mineral, standard or organization (inverse: targeted by).
    Targets,
    /// A standard, batch or event concerns a mineral, application or stage (inverse: subject of).
    Concerns,
    /// A standard belongs to a batch (inverse: includes).
    IncludedIn,
    /// A mineral or application is made of a mineral (inverse: component of).
    ComposedOf,
    /// A mineral is produced from another mineral (inverse: feedstock for).
    ProducedFrom,
    /// A mineral or application is used in an application (inverse: uses).
    UsedIn,
    /// A mineral is produced at a supply-chain stage (inverse: produces).
    ProducedAt,
    /// A supply-chain stage comes before another (inverse: follows).
    Precedes,
    /// A directive restricts trade in a mineral, stage technology or application (inverse: restricted by).
    Restricts,
    /// A source was published by an organization (inverse: published).
    PublishedBy,
    /// A source reports on an entity (inverse: reported by).
    ReportsOn,
    /// An organization holds the secretariat of a committee (inverse: secretariat held by).
    HoldsSecretariatOf,
    /// An organization is the national mirror body of an international committee (inverse: mirrored by).
    MirrorOf,
    /// An organization works at a supply-chain stage or in an application or mineral (inverse: has active organization).
    ActiveIn,
    /// A directive suspends another, between the relation's `since` and `until` (inverse: suspended by).
    Suspends,
    /// An organization drafted a standard (inverse: drafted by).
    Drafted,
    /// A standard's own scope excludes a mineral; `related` never returns the standard as
    /// touching it (inverse: excluded by).
    Excludes,
    /// A standard supersedes an earlier edition, from the day the later one comes into force
    /// (inverse: superseded by).
    Supersedes,
}

/// How far a cited fact can be trusted.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::model::Grade", name = "VerificationGrade")]
pub enum Grade {
    /// Read in the cited primary source.
    Verified,
    /// Read only on a secondary or mirror site.
    VerifiedSecondary,
    /// Stated by one outlet only (e.g. the seed article) and not independently verified.
    Reported,
    /// No source was found; kept only to say that it is not established.
    Unverified,
    /// Not read anywhere but computed from the facts the citation quotes (e.g. an atomic number
    /// counted from a range); the citation's note says how. Ranks between VERIFIED_SECONDARY and
    /// REPORTED.
    Derived,
}

/// Which way to walk relations, seen from the entity at hand.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::graph::Direction")]
pub enum Direction {
    /// Relations that start at the entity.
    Outgoing,
    /// Relations that end at the entity.
    Incoming,
    /// Both.
    Both,
}

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
