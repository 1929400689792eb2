//! The fields of the kinds that govern the supply chain: organizations, officials, events,
//! directives, standards and standard batches, and of the sources that report on them.
//!
//! Architecture invariant: one graph call per resolver, through `EntityBase`.

use super::lists::kind_fields;
use super::{
    Application, Directive, DirectiveFields, Entity, Event, EventFields, Location, Mineral,
    Official, OfficialFields, Organization, OrganizationFields, Relation, Source, SourceFields,
    Standard, StandardBatch, StandardBatchFields, StandardFields, SupplyChainStage, date, enums,
};
use crate::graph::Direction::{Incoming as In, Outgoing as Out};
use crate::model::RelationType as R;

kind_fields! {
    OrganizationFields {
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
    }
    lists {
        /// Officials affiliated with it (the relation's role says in what capacity).
        members: Official = AffiliatedWith, In;
        /// The organizations it is part of.
        part_of: Organization = PartOf, Out;
        /// Its parts.
        parts: Organization = PartOf, In;
        /// Standards, batches and bodies it administers.
        administers: Entity = Administers, Out;
        /// Organizations that administer it.
        administered_by: Organization = Administers, In;
        /// Directives, standards and sources it issued.
        issued: Entity = Issued, Out;
        /// Events it organized.
        organized: Event = Organized, Out;
        /// Events it took part in.
        events: Event = ParticipatedIn, Out;
        /// Where it is.
        located_in: Location = LocatedIn, Out;
        /// Sources it published.
        published: Source = PublishedBy, In;
        /// Committees whose secretariat it holds.
        secretariat_of: Organization = HoldsSecretariatOf, Out;
        /// International committees it mirrors.
        mirror_of: Organization = MirrorOf, Out;
        /// Directives that target it.
        targeted_by: Directive = Targets, In;
        /// Earlier editions it supersedes.
        supersedes: Standard = Supersedes, Out;
        /// Later editions that supersede it.
        superseded_by: Standard = Supersedes, In;
    }
}

kind_fields! {
    OfficialFields {
        /// The official's title as last reported.
        async fn title(&self) -> Option<&'a str> {
            self.details.title.as_deref()
        }
        /// Positions held: AFFILIATED_WITH relations, each with its role, dates and citations.
        async fn affiliations(&self) -> async_graphql::Result<Vec<Relation<'a>>> {
            self.base.relations_of(R::AffiliatedWith, Out)
        }
    }
    lists {
        /// Organizations the official is affiliated with.
        organizations: Organization = AffiliatedWith, Out;
        /// Directives the official issued.
        directives: Directive = Issued, Out;
        /// Events the official took part in.
        events: Event = ParticipatedIn, Out;
    }
}

kind_fields! {
    EventFields {
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
    }
    lists {
        /// Who organized it.
        organizers: Organization = Organized, In;
        /// Officials and organizations that took part.
        participants: Entity = ParticipatedIn, In;
        /// Where it took place.
        locations: Location = LocatedIn, Out;
        /// Directives, standards and batches announced or decided there.
        announcements: Entity = AnnouncedAt, In;
        /// Sources that report on it.
        reported_by: Source = ReportsOn, In;
    }
}

kind_fields! {
    DirectiveFields {
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
    }
    lists {
        /// Who issued it (officials or organizations).
        issued_by: Entity = Issued, In;
        /// Events where it was announced.
        announced_at: Event = AnnouncedAt, Out;
        /// What it targets: stages, applications, minerals, standards, organizations.
        targets: Entity = Targets, Out;
        /// What it restricts (export controls).
        restricts: Entity = Restricts, Out;
    }
}

kind_fields! {
    StandardFields {
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
    }
    lists {
        /// Minerals it concerns.
        minerals: Mineral = Concerns, Out;
        /// Applications it concerns.
        applications: Application = Concerns, Out;
        /// Supply-chain stages it concerns.
        stages: SupplyChainStage = Concerns, Out;
        /// The committees that administer it.
        administered_by: Organization = Administers, In;
        /// Who issued it.
        issued_by: Entity = Issued, In;
        /// Batches it belongs to.
        batches: StandardBatch = IncludedIn, Out;
        /// Events where it was announced or decided.
        announced_at: Event = AnnouncedAt, Out;
        /// Directives that target it.
        targeted_by: Directive = Targets, In;
    }
}

kind_fields! {
    StandardBatchFields {
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
    }
    lists {
        /// The members that are named (usually fewer than `count`).
        standards: Standard = IncludedIn, In;
        /// The subjects it is stated to cover.
        subjects: Entity = Concerns, Out;
        /// Events where it was decided.
        announced_at: Event = AnnouncedAt, Out;
        /// Committees that administer it.
        administered_by: Organization = Administers, In;
    }
}

kind_fields! {
    SourceFields {
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
    }
    lists {
        /// The organizations that published it.
        published_by: Organization = PublishedBy, Out;
        /// Entities it reports on.
        reports_on: Entity = ReportsOn, Out;
    }
}
