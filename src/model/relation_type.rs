//! The relation vocabulary: each type's direction, inverse name and allowed endpoint kinds.
//!
//! One table (`RelationType::spec`) is the single source of truth: the loader checks endpoints
//! against it, and the GraphQL layer documents it (enum `RelationType`, query `relationTypes`).

use serde::{Deserialize, Serialize};

use super::EntityKind::{self, *};

/// A typed, directed relation. Every type has an inverse name so it can be walked both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationType {
    /// A part of a larger organization, place, event or stage.
    PartOf,
    /// An organization administers (is responsible for) a standard, batch or organization.
    Administers,
    /// An official holds a position in an organization (the role says which).
    AffiliatedWith,
    /// An official or organization issued a directive, standard or source.
    Issued,
    /// A directive, standard or batch was announced or decided at an event.
    AnnouncedAt,
    /// An organization organized an event.
    Organized,
    /// An official or organization took part in an event.
    ParticipatedIn,
    /// An event, organization or place is located in a place.
    LocatedIn,
    /// A directive targets a stage, application, mineral, standard or organization.
    Targets,
    /// A standard, batch or event concerns a mineral, application or supply-chain stage.
    Concerns,
    /// A standard belongs to a batch.
    IncludedIn,
    /// A mineral or application is made of a mineral.
    ComposedOf,
    /// A mineral is produced from another mineral.
    ProducedFrom,
    /// A mineral or application is used in an application.
    UsedIn,
    /// A mineral is produced at a supply-chain stage.
    ProducedAt,
    /// A supply-chain stage comes before another.
    Precedes,
    /// A directive restricts trade in a mineral, a stage's technology or an application.
    Restricts,
    /// A source was published by an organization.
    PublishedBy,
    /// A source reports on an entity.
    ReportsOn,
    /// An organization holds the secretariat of a committee.
    HoldsSecretariatOf,
    /// An organization is the national mirror body of an international committee.
    MirrorOf,
    /// An organization works at a supply-chain stage or in an application or mineral.
    ActiveIn,
    /// A directive suspends another; `since` and `until` bound the suspension.
    Suspends,
    /// An organization drafted a standard (the standard's own text names its drafting units).
    Drafted,
    /// A standard's own scope excludes a mineral (the role says how far); `related` never walks
    /// it and never returns the standard as touching that mineral.
    Excludes,
    /// A standard supersedes an earlier one: the later edition replaces it from the day the
    /// later one comes into force (`entities(asOf)` reads it so).
    Supersedes,
}

/// The fixed facts about one relation type.
#[derive(Debug, Clone, Copy)]
pub struct RelationSpec {
    /// The forward reading, e.g. "administers".
    pub label: &'static str,
    /// The inverse reading, e.g. "administered by".
    pub inverse_label: &'static str,
    /// Kinds allowed at the start.
    pub from: &'static [EntityKind],
    /// Kinds allowed at the end.
    pub to: &'static [EntityKind],
}

const fn spec(
    label: &'static str,
    inverse_label: &'static str,
    from: &'static [EntityKind],
    to: &'static [EntityKind],
) -> RelationSpec {
    RelationSpec {
        label,
        inverse_label,
        from,
        to,
    }
}

const ANY_BUT_SOURCE: &[EntityKind] = &[
    Organization,
    Official,
    Event,
    Directive,
    Standard,
    StandardBatch,
    Mineral,
    Application,
    SupplyChainStage,
    Location,
];

impl RelationType {
    /// Every relation type, in declaration order.
    pub const ALL: [RelationType; 26] = [
        RelationType::PartOf,
        RelationType::Administers,
        RelationType::AffiliatedWith,
        RelationType::Issued,
        RelationType::AnnouncedAt,
        RelationType::Organized,
        RelationType::ParticipatedIn,
        RelationType::LocatedIn,
        RelationType::Targets,
        RelationType::Concerns,
        RelationType::IncludedIn,
        RelationType::ComposedOf,
        RelationType::ProducedFrom,
        RelationType::UsedIn,
        RelationType::ProducedAt,
        RelationType::Precedes,
        RelationType::Restricts,
        RelationType::PublishedBy,
        RelationType::ReportsOn,
        RelationType::HoldsSecretariatOf,
        RelationType::MirrorOf,
        RelationType::ActiveIn,
        RelationType::Suspends,
        RelationType::Drafted,
        RelationType::Excludes,
        RelationType::Supersedes,
    ];

    /// The type's readings and allowed endpoints.
    pub const fn spec(self) -> RelationSpec {
        match self {
            RelationType::PartOf => spec(
                "part of",
                "has part",
                &[Organization, Location, Event, SupplyChainStage],
                &[Organization, Location, Event, SupplyChainStage],
            ),
            RelationType::Administers => spec(
                "administers",
                "administered by",
                &[Organization],
                &[Standard, StandardBatch, Organization],
            ),
            RelationType::AffiliatedWith => spec(
                "affiliated with",
                "has member",
                &[Official],
                &[Organization],
            ),
            RelationType::Issued => spec(
                "issued",
                "issued by",
                &[Official, Organization],
                &[Directive, Standard, Source],
            ),
            RelationType::AnnouncedAt => spec(
                "announced at",
                "announced",
                &[Directive, Standard, StandardBatch],
                &[Event],
            ),
            RelationType::Organized => spec("organized", "organized by", &[Organization], &[Event]),
            RelationType::ParticipatedIn => spec(
                "participated in",
                "had participant",
                &[Official, Organization],
                &[Event],
            ),
            RelationType::LocatedIn => spec(
                "located in",
                "location of",
                &[Event, Organization, Location],
                &[Location],
            ),
            RelationType::Targets => spec(
                "targets",
                "targeted by",
                &[Directive],
                &[
                    SupplyChainStage,
                    Application,
                    Mineral,
                    Standard,
                    Organization,
                ],
            ),
            RelationType::Concerns => spec(
                "concerns",
                "subject of",
                &[Standard, StandardBatch, Event],
                &[Mineral, Application, SupplyChainStage],
            ),
            RelationType::IncludedIn => {
                spec("included in", "includes", &[Standard], &[StandardBatch])
            }
            RelationType::ComposedOf => spec(
                "composed of",
                "component of",
                &[Mineral, Application],
                &[Mineral],
            ),
            RelationType::ProducedFrom => {
                spec("produced from", "feedstock for", &[Mineral], &[Mineral])
            }
            RelationType::UsedIn => {
                spec("used in", "uses", &[Mineral, Application], &[Application])
            }
            RelationType::ProducedAt => {
                spec("produced at", "produces", &[Mineral], &[SupplyChainStage])
            }
            RelationType::Precedes => spec(
                "precedes",
                "follows",
                &[SupplyChainStage],
                &[SupplyChainStage],
            ),
            RelationType::Restricts => spec(
                "restricts",
                "restricted by",
                &[Directive],
                &[Mineral, SupplyChainStage, Application],
            ),
            RelationType::PublishedBy => {
                spec("published by", "published", &[Source], &[Organization])
            }
            RelationType::ReportsOn => spec("reports on", "reported by", &[Source], ANY_BUT_SOURCE),
            RelationType::HoldsSecretariatOf => spec(
                "holds the secretariat of",
                "secretariat held by",
                &[Organization],
                &[Organization],
            ),
            RelationType::MirrorOf => spec(
                "mirror body of",
                "mirrored by",
                &[Organization],
                &[Organization],
            ),
            RelationType::ActiveIn => spec(
                "active in",
                "has active organization",
                &[Organization],
                &[SupplyChainStage, Application, Mineral],
            ),
            RelationType::Suspends => spec("suspends", "suspended by", &[Directive], &[Directive]),
            RelationType::Drafted => spec("drafted", "drafted by", &[Organization], &[Standard]),
            RelationType::Excludes => spec("excludes", "excluded by", &[Standard], &[Mineral]),
            RelationType::Supersedes => {
                spec("supersedes", "superseded by", &[Standard], &[Standard])
            }
        }
    }

    /// Whether `from -> to` is an allowed pair of endpoint kinds for this type.
    pub fn allows(self, from: EntityKind, to: EntityKind) -> bool {
        let spec = self.spec();
        spec.from.contains(&from) && spec.to.contains(&to)
    }

    /// The name used in data files and GraphQL, e.g. `ADMINISTERS`.
    pub fn name(self) -> &'static str {
        match self {
            RelationType::PartOf => "PART_OF",
            RelationType::Administers => "ADMINISTERS",
            RelationType::AffiliatedWith => "AFFILIATED_WITH",
            RelationType::Issued => "ISSUED",
            RelationType::AnnouncedAt => "ANNOUNCED_AT",
            RelationType::Organized => "ORGANIZED",
            RelationType::ParticipatedIn => "PARTICIPATED_IN",
            RelationType::LocatedIn => "LOCATED_IN",
            RelationType::Targets => "TARGETS",
            RelationType::Concerns => "CONCERNS",
            RelationType::IncludedIn => "INCLUDED_IN",
            RelationType::ComposedOf => "COMPOSED_OF",
            RelationType::ProducedFrom => "PRODUCED_FROM",
            RelationType::UsedIn => "USED_IN",
            RelationType::ProducedAt => "PRODUCED_AT",
            RelationType::Precedes => "PRECEDES",
            RelationType::Restricts => "RESTRICTS",
            RelationType::PublishedBy => "PUBLISHED_BY",
            RelationType::ReportsOn => "REPORTS_ON",
            RelationType::HoldsSecretariatOf => "HOLDS_SECRETARIAT_OF",
            RelationType::MirrorOf => "MIRROR_OF",
            RelationType::ActiveIn => "ACTIVE_IN",
            RelationType::Suspends => "SUSPENDS",
            RelationType::Drafted => "DRAFTED",
            RelationType::Excludes => "EXCLUDES",
            RelationType::Supersedes => "SUPERSEDES",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_allows_some_pair_and_has_distinct_readings() {
        for t in RelationType::ALL {
            let s = t.spec();
            assert!(!s.from.is_empty() && !s.to.is_empty(), "{t:?}");
            assert_ne!(s.label, s.inverse_label, "{t:?}");
        }
    }

    #[test]
    fn endpoint_rules_are_enforced() {
        assert!(RelationType::Concerns.allows(Standard, Mineral));
        assert!(!RelationType::Concerns.allows(Mineral, Standard));
        assert!(!RelationType::AffiliatedWith.allows(Organization, Organization));
    }
}
