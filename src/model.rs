//! The domain model: entity kinds, relation types, citations, ids and dates.
//!
//! This module is the vocabulary every other layer speaks. It knows nothing of petgraph, GraphQL,
//! HTTP or files: the dataset loader builds these values, the graph stores them, the GraphQL layer
//! wraps them.

mod date;
mod details;
mod names;
mod relation_type;

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use date::{Date, DateError, DayNumber, holds_between};
pub use details::{
    ApplicationDetails, Classification, ClassificationScheme, Details, DirectiveDetails,
    DirectiveType, EventDetails, EventType, LocationDetails, LocationType, MineralDetails,
    MineralForm, OfficialDetails, OrganizationDetails, OrganizationType, RareEarthGroup, Sector,
    SourceDetails, SourceType, StandardBatchDetails, StandardDetails, StandardLevel,
    StandardStatus, SupplyChainStageDetails,
};
pub use names::variant_name;
pub use relation_type::RelationType;

/// The kinds of entity the graph holds. An id's prefix names its kind (`standard:gb-t-13560-2017`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// An element, oxide, metal, alloy, concentrate or ore.
    Mineral,
    /// A use of rare-earth materials: a magnet type, a product, a sector.
    Application,
    /// A stage of the supply chain (mining, separation, ...).
    SupplyChainStage,
    /// A country, province, city or county.
    Location,
    /// A cited document.
    Source,
}

impl EntityKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntityKind; 11] = [
        EntityKind::Organization,
        EntityKind::Official,
        EntityKind::Event,
        EntityKind::Directive,
        EntityKind::Standard,
        EntityKind::StandardBatch,
        EntityKind::Mineral,
        EntityKind::Application,
        EntityKind::SupplyChainStage,
        EntityKind::Location,
        EntityKind::Source,
    ];

    /// The id prefix of this kind, which is also the name of its table in data files.
    pub const fn prefix(self) -> &'static str {
        match self {
            EntityKind::Organization => "organization",
            EntityKind::Official => "official",
            EntityKind::Event => "event",
            EntityKind::Directive => "directive",
            EntityKind::Standard => "standard",
            EntityKind::StandardBatch => "standard-batch",
            EntityKind::Mineral => "mineral",
            EntityKind::Application => "application",
            EntityKind::SupplyChainStage => "stage",
            EntityKind::Location => "location",
            EntityKind::Source => "source",
        }
    }

    /// The kind whose prefix is `prefix`.
    pub fn from_prefix(prefix: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    /// Dense index of the kind, for per-kind tables.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// How far a cited fact can be trusted, and how it was obtained.
///
/// Declaration order is the storage order (snapshots number the variants), not the order of
/// strength: compare grades with [`Grade::strength`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Grade {
    /// Read in the cited primary source.
    Verified,
    /// Read only on a secondary or mirror site.
    VerifiedSecondary,
    /// Stated by one outlet only (e.g. the seed article) and not independently verified.
    Reported,
    /// No source was found; kept only to say that it is not established.
    Unverified,
    /// Not read anywhere but computed by the project from facts the citation quotes (e.g. an
    /// atomic number counted from the lanthanides' 57–71 range); the note says how.
    Derived,
}

impl Grade {
    /// Every grade, strongest first.
    pub const BY_STRENGTH: [Grade; 5] = [
        Grade::Verified,
        Grade::VerifiedSecondary,
        Grade::Derived,
        Grade::Reported,
        Grade::Unverified,
    ];

    /// The grade's place in [`Grade::BY_STRENGTH`]: 0 is the strongest.
    pub const fn strength(self) -> u8 {
        match self {
            Grade::Verified => 0,
            Grade::VerifiedSecondary => 1,
            Grade::Derived => 2,
            Grade::Reported => 3,
            Grade::Unverified => 4,
        }
    }

    /// Whether this grade is as strong as `floor` or stronger.
    pub const fn at_least(self, floor: Grade) -> bool {
        self.strength() <= floor.strength()
    }
}

/// Where a fact comes from: the source entity, the passage quoted, and how far it can be trusted.
///
/// The model's records (de)serialize as plain structs: the store journals the records each write
/// resolved to (`store::journal`), so that a restart on the same base replays them without
/// validating again. Data files have their own shape (`dataset`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Citation {
    /// The SOURCE entity cited.
    pub source: EntityId,
    /// A passage that appears verbatim in the source's text.
    pub quote: Option<String>,
    /// How far the fact can be trusted.
    pub grade: Grade,
    /// Why the grade is what it is, when that needs saying (e.g. what an UNVERIFIED fact rests on).
    pub note: Option<String>,
    /// Set when this source contradicts another citation of the same fact: the fact is recorded
    /// as that other citation has it, and this one stays cited, with what it claims instead.
    pub conflict: Option<Conflict>,
}

/// How a citation's source contradicts another citation of the same fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conflict {
    /// What this citation's source claims that the other does not, in a sentence.
    pub claim: String,
    /// The source of the other citation in the same list (the loader checks that exactly one
    /// other citation there has it): the one the fact follows.
    pub with: EntityId,
}

/// A global, stable, readable entity id such as `official:cao-yiding`.
///
/// Shared, not copied: the entity, every relation that ends at it and every citation of it hold
/// the same allocation, so a clone is a reference-count increment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(Arc<str>);

/// Why a string is not a valid entity id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// No `kind:` prefix.
    #[error("id `{0}` has no `kind:` prefix (e.g. `official:cao-yiding`)")]
    MissingPrefix(String),
    /// The prefix names no kind.
    #[error("id `{id}` has unknown kind prefix `{prefix}`; known prefixes: {known}")]
    UnknownKind {
        /// The whole id.
        id: String,
        /// Its prefix.
        prefix: String,
        /// The known prefixes, comma-separated.
        known: String,
    },
    /// The slug after the prefix is empty or has characters other than `a-z`, `0-9`, `-`, `.`.
    #[error(
        "id `{0}`: the part after the prefix must be non-empty lowercase ASCII letters, digits, `-` or `.`"
    )]
    BadSlug(String),
}

impl EntityId {
    /// Parses and validates an id, returning it with its kind.
    pub fn parse(raw: &str) -> Result<(EntityId, EntityKind), IdError> {
        let kind = EntityId::kind_of(raw)?;
        Ok((EntityId(raw.into()), kind))
    }

    /// Validates an id already shared (e.g. interned while reading), returning it with its
    /// kind; the id keeps the allocation.
    pub fn from_shared(raw: Arc<str>) -> Result<(EntityId, EntityKind), IdError> {
        let kind = EntityId::kind_of(&raw)?;
        Ok((EntityId(raw), kind))
    }

    /// Validates an id without allocating, returning its kind.
    pub fn kind_of(raw: &str) -> Result<EntityKind, IdError> {
        let Some((prefix, slug)) = raw.split_once(':') else {
            return Err(IdError::MissingPrefix(raw.to_owned()));
        };
        let kind = EntityKind::from_prefix(prefix).ok_or_else(|| IdError::UnknownKind {
            id: raw.to_owned(),
            prefix: prefix.to_owned(),
            known: EntityKind::ALL.map(EntityKind::prefix).join(", "),
        })?;
        let slug_ok = !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !slug_ok {
            return Err(IdError::BadSlug(raw.to_owned()));
        }
        Ok(kind)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by `EntityId` can be queried with a `&str` (the hash is the string's).
impl Borrow<str> for EntityId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// An id serializes as its text, and deserializes only if valid.
impl Serialize for EntityId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EntityId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        EntityId::parse(&raw)
            .map(|(id, _)| id)
            .map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated entity: what every kind shares, plus its kind-specific details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Global id; its prefix names the kind.
    pub id: EntityId,
    /// Display name.
    pub name: String,
    /// Other names: abbreviations, Chinese names, former names.
    pub aliases: Vec<String>,
    /// A short description.
    pub description: Option<String>,
    /// At least one citation. Equal lists are shared between records (see [`Citation`]).
    pub citations: Arc<[Citation]>,
    /// Kind-specific fields; the variant determines the kind.
    pub details: Details,
}

impl Entity {
    /// The entity's kind (from its details).
    pub fn kind(&self) -> EntityKind {
        self.details.kind()
    }
}

/// A validated, directed, typed relation between two entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// The relation's type.
    pub relation_type: RelationType,
    /// Where it starts.
    pub from: EntityId,
    /// Where it ends.
    pub to: EntityId,
    /// The capacity in which `from` relates to `to` (e.g. "division director").
    pub role: Option<String>,
    /// When the fact became true, if known.
    pub since: Option<Date>,
    /// When it stopped being true, if it did.
    pub until: Option<Date>,
    /// At least one citation. Equal lists are shared between records.
    pub citations: Arc<[Citation]>,
}

impl Relation {
    /// The grade of its best evidence: the strongest grade among its citations (UNVERIFIED for
    /// a relation without any, which the loader never builds).
    pub fn grade(&self) -> Grade {
        self.citations
            .iter()
            .map(|c| c.grade)
            .min_by_key(|g| g.strength())
            .unwrap_or(Grade::Unverified)
    }

    /// Whether the relation may hold on `date`: false only when the date is known to fall
    /// before `since` (it ends before `since` can begin) or on or after `until` (it begins on
    /// or after the last day `until` may mean). Reduced precision counts in the fact's favour:
    /// a relation `since = "2019"` holds on `2019-03` as far as the data knows.
    pub fn holds_on(&self, date: Date) -> bool {
        date::holds_between(self.since, self.until, date)
    }
}

#[cfg(test)]
mod holds_on_tests {
    use super::{Date, EntityId, Relation, RelationType};

    fn relation(since: Option<&str>, until: Option<&str>) -> Relation {
        let date = |s: &str| s.parse::<Date>().expect("a test date");
        Relation {
            relation_type: RelationType::AffiliatedWith,
            from: EntityId::parse("official:a").expect("an id").0,
            to: EntityId::parse("organization:b").expect("an id").0,
            role: None,
            since: since.map(date),
            until: until.map(date),
            citations: std::sync::Arc::from(Vec::new()),
        }
    }

    #[test]
    fn a_relation_holds_inside_its_window_and_reduced_precision_counts_in_its_favour() {
        let on = |r: &Relation, d: &str| r.holds_on(d.parse().expect("a test date"));
        let open = relation(None, None);
        assert!(on(&open, "1990"));
        let r = relation(Some("2019"), Some("2021-05-01"));
        assert!(!on(&r, "2018-12-31"));
        assert!(on(&r, "2019-01-01"), "since = 2019 may mean its first day");
        assert!(!on(&r, "2018"), "all of 2018 is before 2019 begins");
        assert!(on(&r, "2021-04-30"));
        assert!(!on(&r, "2021-05-01"), "until is the day it stopped");
        assert!(!on(&r, "2022"));
        let y = relation(Some("2019-06"), Some("2020"));
        assert!(on(&y, "2020-06"), "until = 2020 may mean its last day");
        assert!(!on(&y, "2020-12-31"));
        assert!(!on(&y, "2019-05"));
    }
}

#[cfg(test)]
mod grade_tests {
    use super::Grade;

    #[test]
    fn strength_orders_every_grade_once_and_derived_sits_below_read_facts() {
        for (i, g) in Grade::BY_STRENGTH.iter().enumerate() {
            assert_eq!(usize::from(g.strength()), i, "{g:?}");
        }
        assert!(Grade::Derived.at_least(Grade::Reported));
        assert!(!Grade::Derived.at_least(Grade::VerifiedSecondary));
        assert!(Grade::Verified.at_least(Grade::Verified));
        assert!(!Grade::Unverified.at_least(Grade::Reported));
    }

    /// Snapshots (postcard) store a variant as its declaration index: variants are appended, so
    /// a snapshot written before ASSOCIATION, NOT_STATED, REVIEWED or DERIVED existed reads the
    /// same values back.
    #[test]
    fn appended_variants_keep_the_stored_numbers_of_the_older_ones() {
        use super::{StandardLevel as L, StandardStatus as S};
        let index = |bytes: Vec<u8>| bytes[0];
        let levels = [
            L::National,
            L::Industry,
            L::International,
            L::Association,
            L::NotStated,
        ];
        for (i, l) in levels.into_iter().enumerate() {
            let stored = postcard::to_stdvec(&l).expect("encodes");
            assert_eq!(usize::from(index(stored)), i, "{l:?}");
        }
        let statuses = [
            S::Proposed,
            S::FinalReviewCompleted,
            S::Approved,
            S::Published,
            S::Superseded,
            S::Reviewed,
        ];
        for (i, s) in statuses.into_iter().enumerate() {
            let stored = postcard::to_stdvec(&s).expect("encodes");
            assert_eq!(usize::from(index(stored)), i, "{s:?}");
        }
        let derived = postcard::to_stdvec(&Grade::Derived).expect("encodes");
        assert_eq!(index(derived), 4);
    }
}
