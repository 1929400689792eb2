//! The kind-specific fields of entities ([`Details`]), as data files write them, and the enums
//! of their attribute values.
//!
//! Architecture invariant: plain values; knows no petgraph, GraphQL or IO.

use serde::{Deserialize, Serialize};

use super::{Date, EntityKind};

/// Kind-specific fields of an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Details {
    /// See [`OrganizationDetails`].
    Organization(OrganizationDetails),
    /// See [`OfficialDetails`].
    Official(OfficialDetails),
    /// See [`EventDetails`].
    Event(EventDetails),
    /// See [`DirectiveDetails`].
    Directive(DirectiveDetails),
    /// See [`StandardDetails`].
    Standard(StandardDetails),
    /// See [`StandardBatchDetails`].
    StandardBatch(StandardBatchDetails),
    /// See [`MineralDetails`].
    Mineral(MineralDetails),
    /// See [`ApplicationDetails`].
    Application(ApplicationDetails),
    /// See [`SupplyChainStageDetails`].
    SupplyChainStage(SupplyChainStageDetails),
    /// See [`LocationDetails`].
    Location(LocationDetails),
    /// See [`SourceDetails`].
    Source(SourceDetails),
}

impl Details {
    /// The kind these details belong to.
    pub fn kind(&self) -> EntityKind {
        match self {
            Details::Organization(_) => EntityKind::Organization,
            Details::Official(_) => EntityKind::Official,
            Details::Event(_) => EntityKind::Event,
            Details::Directive(_) => EntityKind::Directive,
            Details::Standard(_) => EntityKind::Standard,
            Details::StandardBatch(_) => EntityKind::StandardBatch,
            Details::Mineral(_) => EntityKind::Mineral,
            Details::Application(_) => EntityKind::Application,
            Details::SupplyChainStage(_) => EntityKind::SupplyChainStage,
            Details::Location(_) => EntityKind::Location,
            Details::Source(_) => EntityKind::Source,
        }
    }
}

/// What sort of organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of an ORGANIZATION.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationDetails {
    /// What sort of organization it is.
    pub org_type: OrganizationType,
    /// Its formal code, e.g. `SAC/TC 229`.
    #[serde(default)]
    pub code: Option<String>,
    /// Its web site.
    #[serde(default)]
    pub url: Option<String>,
}

/// Fields of an OFFICIAL.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialDetails {
    /// The official's title as last reported; capacities per organization live on relations.
    #[serde(default)]
    pub title: Option<String>,
}

/// What sort of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of an EVENT.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventDetails {
    /// What sort of event.
    pub event_type: EventType,
    /// First day.
    #[serde(default)]
    pub start_date: Option<Date>,
    /// Last day.
    #[serde(default)]
    pub end_date: Option<Date>,
    /// Attendance as stated, e.g. "more than 150 experts".
    #[serde(default)]
    pub attendance: Option<String>,
    /// The stated lower bound on attendance (150 for "150+").
    #[serde(default)]
    pub attendees_at_least: Option<u32>,
}

/// What sort of directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DirectiveType {
    /// A policy directive given by an official.
    PolicyDirective,
    /// An export-control announcement or other regulation.
    ExportControl,
}

/// Fields of a DIRECTIVE.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DirectiveDetails {
    /// What sort of directive.
    pub directive_type: DirectiveType,
    /// Its position in a numbered set (1 to 4 for the Tonglu directives).
    #[serde(default)]
    pub ordinal: Option<u32>,
    /// The official number, e.g. "MOFCOM/GACC Announcement No. 18 [2025]".
    #[serde(default)]
    pub number: Option<String>,
    /// When it was issued.
    #[serde(default)]
    pub issued: Option<Date>,
    /// When it takes effect.
    #[serde(default)]
    pub effective: Option<Date>,
}

/// The level of a standard. New levels are appended: snapshots number the variants in
/// declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Where a standard stands. New states are appended: snapshots number the variants in
/// declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of a STANDARD.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDetails {
    /// The standard's code, e.g. `GB/T 13560-2017`; absent when no source gives it.
    #[serde(default)]
    pub code: Option<String>,
    /// Its level.
    pub level: StandardLevel,
    /// Its status.
    pub status: StandardStatus,
    /// Its title, in English.
    #[serde(default)]
    pub title: Option<String>,
    /// When it was issued.
    #[serde(default)]
    pub issued: Option<Date>,
    /// When it came into force.
    #[serde(default)]
    pub effective: Option<Date>,
    /// When it was withdrawn (abolished), if a source says so.
    #[serde(default)]
    pub withdrawn: Option<Date>,
    /// Codes of earlier editions it replaces, as its text names them. Where such an edition is
    /// itself an entity, the loader requires a SUPERSEDES relation to it as well.
    #[serde(default)]
    pub replaces: Vec<String>,
}

/// Fields of a STANDARD_BATCH.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StandardBatchDetails {
    /// How many standards the batch holds, as stated.
    pub count: u32,
    /// What happened to the batch.
    pub status: StandardStatus,
    /// When it was decided.
    #[serde(default)]
    pub decided: Option<Date>,
    /// The plan year it belongs to, if stated.
    #[serde(default)]
    pub plan_year: Option<u32>,
}

/// The physical form of a mineral entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClassificationScheme {
    /// USGS: light La–Gd; heavy Tb–Lu plus Y; Sc neither.
    Usgs,
    /// CRS 2013: light La–Sm; heavy Eu–Lu plus Sc and Y.
    Crs2013,
    /// Common Chinese usage: light La–Eu; heavy Gd–Lu plus Sc and Y.
    China,
}

/// A rare-earth group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RareEarthGroup {
    /// Light rare earth.
    Light,
    /// Heavy rare earth.
    Heavy,
    /// Neither light nor heavy in this scheme.
    Neither,
}

/// One scheme's classification of an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// The scheme.
    pub scheme: ClassificationScheme,
    /// The group the element falls in under it.
    pub group: RareEarthGroup,
}

/// Fields of a MINERAL.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MineralDetails {
    /// Element, oxide, metal, alloy, ...
    pub form: MineralForm,
    /// Chemical symbol (elements).
    #[serde(default)]
    pub symbol: Option<String>,
    /// Atomic number (elements).
    #[serde(default)]
    pub atomic_number: Option<u32>,
    /// Chemical formula, e.g. `Sc2O3`.
    #[serde(default)]
    pub formula: Option<String>,
    /// Whether it is one of the 17 rare-earth elements.
    #[serde(default)]
    pub rare_earth: bool,
    /// Light/heavy classification, one entry per scheme.
    #[serde(default)]
    pub classifications: Vec<Classification>,
}

/// The sector an application belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of an APPLICATION.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDetails {
    /// The sector it belongs to.
    #[serde(default)]
    pub sector: Option<Sector>,
}

/// Fields of a SUPPLY_CHAIN_STAGE.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SupplyChainStageDetails {
    /// Position in the chain, 1 = most upstream.
    #[serde(default)]
    pub position: Option<u32>,
}

/// What sort of place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of a LOCATION.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationDetails {
    /// What sort of place.
    pub location_type: LocationType,
    /// An official division code, e.g. `330122`.
    #[serde(default)]
    pub division_code: Option<String>,
}

/// What sort of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// Fields of a SOURCE.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDetails {
    /// What sort of document.
    pub source_type: SourceType,
    /// Where it can be read.
    #[serde(default)]
    pub url: Option<String>,
    /// Who published it, as text.
    #[serde(default)]
    pub publisher: Option<String>,
    /// When it was published.
    #[serde(default)]
    pub published: Option<Date>,
    /// A caution about its reliability, in the source's own words where it gives one.
    #[serde(default)]
    pub caveat: Option<String>,
    /// Path, relative to the data directory, of a local text against which quotes are checked.
    #[serde(default)]
    pub text: Option<String>,
}
