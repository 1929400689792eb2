//! The fields of the kinds that govern the supply chain: organizations, officials, events,
//! directives, standards and standard batches, and of the sources that report on them.
//!
//! Architecture invariant: one graph call per resolver, through `EntityBase`.

use async_graphql::Object;

use super::{
    Application, Directive, DirectiveFields, Entity, Event, EventFields, Location, Mineral,
    Official, OfficialFields, Organization, OrganizationFields, Relation, Source, SourceFields,
    Standard, StandardBatch, StandardBatchFields, StandardFields, SupplyChainStage, date, enums,
};
use crate::graph::Direction::{Incoming as In, Outgoing as Out};
use crate::model::RelationType as R;

#[Object]
impl<'a> OrganizationFields<'a> {
    /// What sort of organization it is (e.g. STANDARDS_COMMITTEE).
    async fn org_type(&self) -> enums::OrganizationType {
        self.details.org_type.into()
    }
    /// Its formal code, e.g. `SAC/TC 229`.
    async fn code(&self) -> Option<&'a str> {
        self.details.code.as_deref()
    }
    /// Its web site.
    async fn url(&self) -> Option<&'a str> {
        self.details.url.as_deref()
    }
    /// Officials affiliated with it (the relation's role says in what capacity).
    async fn members(&self) -> async_graphql::Result<Vec<Official<'a>>> {
        self.base.linked(R::AffiliatedWith, In)
    }
    /// The organizations it is part of.
    async fn part_of(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::PartOf, Out)
    }
    /// Its parts.
    async fn parts(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::PartOf, In)
    }
    /// Standards, batches and bodies it administers.
    async fn administers(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Administers, Out)
    }
    /// Organizations that administer it.
    async fn administered_by(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::Administers, In)
    }
    /// Directives, standards and sources it issued.
    async fn issued(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Issued, Out)
    }
    /// Events it organized.
    async fn organized(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::Organized, Out)
    }
    /// Events it took part in.
    async fn events(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::ParticipatedIn, Out)
    }
    /// Where it is.
    async fn located_in(&self) -> async_graphql::Result<Vec<Location<'a>>> {
        self.base.linked(R::LocatedIn, Out)
    }
    /// Sources it published.
    async fn published(&self) -> async_graphql::Result<Vec<Source<'a>>> {
        self.base.linked(R::PublishedBy, In)
    }
    /// Committees whose secretariat it holds.
    async fn secretariat_of(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::HoldsSecretariatOf, Out)
    }
    /// International committees it mirrors.
    async fn mirror_of(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::MirrorOf, Out)
    }
    /// Directives that target it.
    async fn targeted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Targets, In)
    }
}

#[Object]
impl<'a> OfficialFields<'a> {
    /// The official's title as last reported.
    async fn title(&self) -> Option<&'a str> {
        self.details.title.as_deref()
    }
    /// Positions held: AFFILIATED_WITH relations, each with its role, dates and citations.
    async fn affiliations(&self) -> async_graphql::Result<Vec<Relation<'a>>> {
        self.base.relations_of(R::AffiliatedWith, Out)
    }
    /// Organizations the official is affiliated with.
    async fn organizations(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::AffiliatedWith, Out)
    }
    /// Directives the official issued.
    async fn directives(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Issued, Out)
    }
    /// Events the official took part in.
    async fn events(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::ParticipatedIn, Out)
    }
}

#[Object]
impl<'a> EventFields<'a> {
    /// What sort of event (MEETING, PLENARY, ANNOUNCEMENT, INVESTMENT, APPOINTMENT).
    async fn event_type(&self) -> enums::EventType {
        self.details.event_type.into()
    }
    /// First day (ISO 8601, reduced precision allowed).
    async fn start_date(&self) -> Option<String> {
        date(self.details.start_date)
    }
    /// Last day.
    async fn end_date(&self) -> Option<String> {
        date(self.details.end_date)
    }
    /// Attendance as stated, e.g. "more than 150 experts".
    async fn attendance(&self) -> Option<&'a str> {
        self.details.attendance.as_deref()
    }
    /// The stated lower bound on attendance (150 for "150+").
    async fn attendees_at_least(&self) -> Option<u32> {
        self.details.attendees_at_least
    }
    /// Who organized it.
    async fn organizers(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::Organized, In)
    }
    /// Officials and organizations that took part.
    async fn participants(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::ParticipatedIn, In)
    }
    /// Where it took place.
    async fn locations(&self) -> async_graphql::Result<Vec<Location<'a>>> {
        self.base.linked(R::LocatedIn, Out)
    }
    /// Directives, standards and batches announced or decided there.
    async fn announcements(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::AnnouncedAt, In)
    }
    /// Sources that report on it.
    async fn reported_by(&self) -> async_graphql::Result<Vec<Source<'a>>> {
        self.base.linked(R::ReportsOn, In)
    }
}

#[Object]
impl<'a> DirectiveFields<'a> {
    /// POLICY_DIRECTIVE or EXPORT_CONTROL.
    async fn directive_type(&self) -> enums::DirectiveType {
        self.details.directive_type.into()
    }
    /// Position in a numbered set (1 to 4 for the Tonglu directives).
    async fn ordinal(&self) -> Option<u32> {
        self.details.ordinal
    }
    /// The official number, e.g. "MOFCOM/GACC Announcement No. 18 [2025]".
    async fn number(&self) -> Option<&'a str> {
        self.details.number.as_deref()
    }
    /// When it was issued.
    async fn issued(&self) -> Option<String> {
        date(self.details.issued)
    }
    /// When it takes effect.
    async fn effective(&self) -> Option<String> {
        date(self.details.effective)
    }
    /// Who issued it (officials or organizations).
    async fn issued_by(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Issued, In)
    }
    /// Events where it was announced.
    async fn announced_at(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::AnnouncedAt, Out)
    }
    /// What it targets: stages, applications, minerals, standards, organizations.
    async fn targets(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Targets, Out)
    }
    /// What it restricts (export controls).
    async fn restricts(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Restricts, Out)
    }
}

#[Object]
impl<'a> StandardFields<'a> {
    /// The code, e.g. `GB/T 13560-2017`; null when no source gives one.
    async fn code(&self) -> Option<&'a str> {
        self.details.code.as_deref()
    }
    /// The title, in English.
    async fn title(&self) -> Option<&'a str> {
        self.details.title.as_deref()
    }
    /// NATIONAL, INDUSTRY, INTERNATIONAL, ASSOCIATION, or NOT_STATED when no source says.
    async fn level(&self) -> enums::StandardLevel {
        self.details.level.into()
    }
    /// PROPOSED, FINAL_REVIEW_COMPLETED, REVIEWED, APPROVED, PUBLISHED or SUPERSEDED.
    async fn status(&self) -> enums::StandardStatus {
        self.details.status.into()
    }
    /// When it was issued.
    async fn issued(&self) -> Option<String> {
        date(self.details.issued)
    }
    /// When it came into force.
    async fn effective(&self) -> Option<String> {
        date(self.details.effective)
    }
    /// When it was withdrawn, if a source says so (a superseded edition's end is its
    /// successor's `effective` date, through SUPERSEDES).
    async fn withdrawn(&self) -> Option<String> {
        date(self.details.withdrawn)
    }
    /// Codes of earlier editions it replaces.
    async fn replaces(&self) -> &'a [String] {
        &self.details.replaces
    }
    /// Minerals it concerns.
    async fn minerals(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::Concerns, Out)
    }
    /// Applications it concerns.
    async fn applications(&self) -> async_graphql::Result<Vec<Application<'a>>> {
        self.base.linked(R::Concerns, Out)
    }
    /// Supply-chain stages it concerns.
    async fn stages(&self) -> async_graphql::Result<Vec<SupplyChainStage<'a>>> {
        self.base.linked(R::Concerns, Out)
    }
    /// The committees that administer it.
    async fn administered_by(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::Administers, In)
    }
    /// Who issued it.
    async fn issued_by(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Issued, In)
    }
    /// Batches it belongs to.
    async fn batches(&self) -> async_graphql::Result<Vec<StandardBatch<'a>>> {
        self.base.linked(R::IncludedIn, Out)
    }
    /// Events where it was announced or decided.
    async fn announced_at(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::AnnouncedAt, Out)
    }
    /// Directives that target it.
    async fn targeted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Targets, In)
    }
}

#[Object]
impl<'a> StandardBatchFields<'a> {
    /// How many standards the batch holds, as stated.
    async fn count(&self) -> u32 {
        self.details.count
    }
    /// What happened to the batch.
    async fn status(&self) -> enums::StandardStatus {
        self.details.status.into()
    }
    /// When it was decided.
    async fn decided(&self) -> Option<String> {
        date(self.details.decided)
    }
    /// The plan year it belongs to, if stated.
    async fn plan_year(&self) -> Option<u32> {
        self.details.plan_year
    }
    /// The members that are named (usually fewer than `count`).
    async fn standards(&self) -> async_graphql::Result<Vec<Standard<'a>>> {
        self.base.linked(R::IncludedIn, In)
    }
    /// The subjects it is stated to cover.
    async fn subjects(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::Concerns, Out)
    }
    /// Events where it was decided.
    async fn announced_at(&self) -> async_graphql::Result<Vec<Event<'a>>> {
        self.base.linked(R::AnnouncedAt, Out)
    }
    /// Committees that administer it.
    async fn administered_by(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::Administers, In)
    }
}

#[Object]
impl<'a> SourceFields<'a> {
    /// NEWS_ARTICLE, OFFICIAL_PAGE, STANDARD_TEXT, REPORT, REFERENCE or RESEARCH_NOTES.
    async fn source_type(&self) -> enums::SourceType {
        self.details.source_type.into()
    }
    /// Where it can be read.
    async fn url(&self) -> Option<&'a str> {
        self.details.url.as_deref()
    }
    /// Who published it, as stated.
    async fn publisher(&self) -> Option<&'a str> {
        self.details.publisher.as_deref()
    }
    /// When it was published.
    async fn published(&self) -> Option<String> {
        date(self.details.published)
    }
    /// A caution about its reliability, in the source's own words where it gives one.
    async fn caveat(&self) -> Option<&'a str> {
        self.details.caveat.as_deref()
    }
    /// The organizations that published it.
    async fn published_by(&self) -> async_graphql::Result<Vec<Organization<'a>>> {
        self.base.linked(R::PublishedBy, Out)
    }
    /// Entities it reports on.
    async fn reports_on(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::ReportsOn, Out)
    }
}
