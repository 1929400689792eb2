//! Filters, orderings and grouped counts over the entities: the graph side of `entities(where,
//! orderBy)` and `entityCounts`.
//!
//! A [`Predicate`] is a tree of typed tests (text, date, integer and enum attributes of a kind,
//! ids, names, degree), `And`/`Or`/`Not`, and relationship tests ("has a CONCERNS relation to an
//! entity matching ..."). [`KnowledgeGraph::matcher`] prepares one for a graph: each
//! relationship test is evaluated once, inside out, as a semi-join (the entities matching its
//! inner predicate are found first, then their neighbours along the relation are marked in a
//! bit set), so testing an entity afterwards is O(size of the predicate), whatever the nesting.
//! A preparation costs at most O(entities + relations) per relationship test.
//!
//! Candidates come from the cheapest index that covers the predicate: the id index for an id
//! test, the marked set of a relationship test, else the per-kind sorted lists of the kinds the
//! predicate can match (a `standard` test only scans standards). Pages in the default order
//! (kind, then id) stop after the page; other orders select the page from the matches without
//! sorting them all.
//!
//! Text tests `startsWith` and `contains` compare folded text: Unicode NFKD, combining marks
//! dropped, lowercased (punctuation is kept, unlike search, which treats it as space: `GB/T`
//! does not start `GBT`). `eq` and `in` compare exactly. Dates compare at their common precision
//! (see [`Comparison`]).
//!
//! Architecture invariant: like the rest of `graph`, knows nothing of GraphQL; every operation
//! here is bounded by the graph's size times the predicate's size.

use std::cmp::Ordering;
use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{
    Date, Details, Entity, EntityKind, Grade, MineralForm, RelationType, StandardLevel,
    StandardStatus,
};

/// A set of entity kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindSet(u16);

const _: () = assert!(
    EntityKind::ALL.len() <= 16,
    "KindSet holds one bit per kind"
);

impl KindSet {
    /// Every kind.
    pub const ALL: KindSet = KindSet((1 << EntityKind::ALL.len()) - 1);
    /// No kind.
    pub const NONE: KindSet = KindSet(0);

    /// The listed kinds; every kind when the list is empty (as `kinds` arguments read).
    pub fn of(kinds: &[EntityKind]) -> Self {
        if kinds.is_empty() {
            return KindSet::ALL;
        }
        KindSet(kinds.iter().fold(0, |bits, k| bits | (1 << k.index())))
    }

    /// One kind.
    pub fn one(kind: EntityKind) -> Self {
        KindSet(1 << kind.index())
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: EntityKind) -> bool {
        self.0 & (1 << kind.index()) != 0
    }

    /// Kinds in both.
    pub fn and(self, other: KindSet) -> KindSet {
        KindSet(self.0 & other.0)
    }

    /// Kinds in either.
    pub fn or(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    /// Whether it holds no kind.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Its kinds, in kind order.
    pub fn iter(self) -> impl Iterator<Item = EntityKind> {
        EntityKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

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

/// A comparison of ordered values. Dates compare at their common precision: `2018` is neither
/// before nor after `2018-07`, so `gte: "2018"` and `lte: "2018"` both hold for `2018-07-13`,
/// `gt: "2018"` does not, and `eq: "2018"` means "in 2018".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Equal.
    Eq,
    /// Greater.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less.
    Lt,
    /// Less or equal.
    Lte,
}

impl Comparison {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Eq => ordering == Ordering::Equal,
            Comparison::Gt => ordering == Ordering::Greater,
            Comparison::Gte => ordering != Ordering::Less,
            Comparison::Lt => ordering == Ordering::Less,
            Comparison::Lte => ordering != Ordering::Greater,
        }
    }
}

/// A test of a text value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextTest {
    /// Exactly this text.
    Eq(String),
    /// Exactly one of these texts.
    In(Vec<String>),
    /// Starts with this text, folded (build with [`TextTest::starts_with`]).
    StartsWith(String),
    /// Contains this text, folded (build with [`TextTest::contains`]).
    Contains(String),
}

impl TextTest {
    /// Starts with `text`, ignoring case and accents.
    pub fn starts_with(text: &str) -> Self {
        TextTest::StartsWith(fold(text))
    }

    /// Contains `text`, ignoring case and accents.
    pub fn contains(text: &str) -> Self {
        TextTest::Contains(fold(text))
    }

    fn holds(&self, value: &str) -> bool {
        match self {
            TextTest::Eq(t) => value == t,
            TextTest::In(ts) => ts.iter().any(|t| t == value),
            TextTest::StartsWith(t) => folded_starts_with(value, t),
            TextTest::Contains(t) => folded_contains(value, t),
        }
    }
}

/// What an entity must satisfy. A test of a kind's attribute is false for entities of other
/// kinds, and false when the attribute is absent (even under `Not`'s negation, `Not` of it is
/// true).
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Every entity.
    True,
    /// All of them.
    And(Vec<Predicate>),
    /// Any of them (none: no entity).
    Or(Vec<Predicate>),
    /// Not this.
    Not(Box<Predicate>),
    /// Entities of these kinds.
    Kinds(KindSet),
    /// A text attribute.
    Text(TextField, TextTest),
    /// A date attribute compared with a date.
    Date(DateField, Comparison, Date),
    /// An integer attribute compared with a number.
    Int(IntField, Comparison, u64),
    /// An integer attribute, one of these numbers.
    IntIn(IntField, Vec<u64>),
    /// An enum attribute whose variant number's bit is set in the mask.
    Enum(EnumField, u64),
    /// Whether a mineral is one of the 17 rare-earth elements.
    RareEarth(bool),
    /// At least one relation of `types`, in `direction`, with a citation of `min_grade` or
    /// better, to an entity that satisfies `other`.
    Related {
        /// The relation types.
        types: RelationFilter,
        /// Seen from the entity tested.
        direction: Direction,
        /// The weakest grade of a relation's best citation that counts.
        min_grade: Grade,
        /// What the entity at the other end must satisfy.
        other: Box<Predicate>,
    },
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

    fn value(self, e: &Entity) -> Option<&str> {
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

    fn value(self, e: &Entity) -> Option<Date> {
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
    fn value(self, e: &Entity) -> Option<u8> {
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

/// The mask of one enum variant, for [`Predicate::Enum`].
pub fn enum_bit(variant: u8) -> u64 {
    1u64.checked_shl(u32::from(variant)).unwrap_or(0)
}

impl Predicate {
    /// The kinds an entity can have and satisfy this (a superset). O(size).
    pub fn kinds(&self) -> KindSet {
        match self {
            Predicate::True | Predicate::Not(_) | Predicate::Related { .. } => KindSet::ALL,
            Predicate::And(ps) => ps.iter().fold(KindSet::ALL, |k, p| k.and(p.kinds())),
            Predicate::Or(ps) => ps.iter().fold(KindSet::NONE, |k, p| k.or(p.kinds())),
            Predicate::Kinds(k) => *k,
            Predicate::Text(f, _) => f.kind().map_or(KindSet::ALL, KindSet::one),
            Predicate::Date(f, _, _) => KindSet::one(f.kind()),
            Predicate::Int(f, _, _) | Predicate::IntIn(f, _) => {
                f.kind().map_or(KindSet::ALL, KindSet::one)
            }
            Predicate::Enum(f, _) => KindSet::one(f.kind()),
            Predicate::RareEarth(_) => KindSet::one(EntityKind::Mineral),
        }
    }

    /// How many tests, connectives and relationship tests it holds.
    pub fn size(&self) -> usize {
        1 + match self {
            Predicate::And(ps) | Predicate::Or(ps) => ps.iter().map(Predicate::size).sum(),
            Predicate::Not(p) => p.size(),
            Predicate::Related { other, .. } => other.size(),
            _ => 0,
        }
    }
}

/// Text folded for `startsWith` and `contains`: NFKD, combining marks dropped, lowercased.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn folded_starts_with(value: &str, folded: &str) -> bool {
    if value.is_ascii() {
        // ASCII folds to its lowercase, byte for byte: no allocation on the common path.
        return folded.is_ascii()
            && value.len() >= folded.len()
            && value.as_bytes()[..folded.len()].eq_ignore_ascii_case(folded.as_bytes());
    }
    fold(value).starts_with(folded)
}

fn folded_contains(value: &str, folded: &str) -> bool {
    if value.is_ascii() {
        if !folded.is_ascii() {
            return false;
        }
        let needle = folded.as_bytes();
        return needle.is_empty()
            || value
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle));
    }
    fold(value).contains(folded)
}

/// Dates compared at their common precision (see [`Comparison`]).
pub fn compare_dates(a: Date, b: Date) -> Ordering {
    a.year()
        .cmp(&b.year())
        .then_with(|| match (a.month(), b.month()) {
            (Some(am), Some(bm)) => am.cmp(&bm).then_with(|| match (a.day(), b.day()) {
                (Some(ad), Some(bd)) => ad.cmp(&bd),
                _ => Ordering::Equal,
            }),
            _ => Ordering::Equal,
        })
}

/// A bit per entity.
#[derive(Debug, Clone)]
struct KeySet(Vec<u64>);

impl KeySet {
    fn new(n: usize) -> Self {
        KeySet(vec![0; n.div_ceil(64)])
    }
    /// Sets the bit; true if it was not set.
    fn insert(&mut self, key: EntityKey) -> bool {
        let (word, bit) = (key.0 as usize / 64, key.0 % 64);
        let fresh = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        fresh
    }
    fn contains(&self, key: EntityKey) -> bool {
        self.0
            .get(key.0 as usize / 64)
            .is_some_and(|w| w & (1 << (key.0 % 64)) != 0)
    }
}

/// A predicate prepared for one graph: relationship tests are sets already.
#[derive(Debug)]
enum Prepared {
    True,
    False,
    And(Vec<Prepared>),
    Or(Vec<Prepared>),
    Not(Box<Prepared>),
    Kinds(KindSet),
    Text(TextField, TextTest),
    Date(DateField, Comparison, Date),
    Int(IntField, Comparison, u64),
    IntIn(IntField, Vec<u64>),
    Enum(EnumField, u64),
    RareEarth(bool),
    /// The entities with a qualifying relation.
    Related(KeySet),
}

/// Where matches come from: a small sorted list of keys, or a scan of kinds.
#[derive(Debug, Clone)]
enum Candidates {
    Keys(Vec<EntityKey>),
    Scan(KindSet),
}

/// A predicate prepared for a graph (see [`KnowledgeGraph::matcher`]), with the kinds asked for.
#[derive(Debug)]
pub struct Matcher<'g> {
    graph: &'g KnowledgeGraph,
    prepared: Prepared,
    kinds: KindSet,
    candidates: Candidates,
}

/// What orders a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderField {
    /// Kind, then id: the default, the order of the per-kind lists.
    Kind,
    /// Name (Unicode code point order).
    Name,
    /// The kind's code: a standard's or organization's code, a directive's number, a
    /// location's division code.
    Code,
    /// The kind's date: a standard's or directive's issue date, an event's first day, a batch's
    /// decision, a source's publication (reduced precision: `2018` before `2018-07`).
    Date,
    /// Number of relations.
    Degree,
}

/// An order: a field and a direction; entities without a value come last either way, and ties
/// go to the smaller id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// The field.
    pub field: OrderField,
    /// Largest first.
    pub descending: bool,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            field: OrderField::Kind,
            descending: false,
        }
    }
}

/// A value an order sorts by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    /// A number (kind index, degree).
    Int(u64),
    /// A date.
    Date(Date),
    /// A text.
    Text(String),
}

/// A place in an order: after the entity with this sort value (`None`: no value) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Its sort value.
    pub value: Option<SortValue>,
    /// Its id (which need not exist in this graph).
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortRef<'a> {
    Int(u64),
    Date(Date),
    Text(&'a str),
}

impl SortValue {
    fn as_ref(&self) -> SortRef<'_> {
        match self {
            SortValue::Int(n) => SortRef::Int(*n),
            SortValue::Date(d) => SortRef::Date(*d),
            SortValue::Text(t) => SortRef::Text(t),
        }
    }
}

impl SortRef<'_> {
    fn to_owned(self) -> SortValue {
        match self {
            SortRef::Int(n) => SortValue::Int(n),
            SortRef::Date(d) => SortValue::Date(d),
            SortRef::Text(t) => SortValue::Text(t.to_owned()),
        }
    }
}

/// A dimension of [`KnowledgeGraph::count_groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The kind.
    Kind,
    /// A standard's or batch's status.
    Status,
    /// A standard's level.
    Level,
    /// A mineral's form.
    Form,
    /// The strongest grade among the entity's own citations.
    Grade,
    /// The entity at the other end of a relation (each one counts the entity once; an entity
    /// with none is counted under none).
    Related {
        /// The relation types.
        types: RelationFilter,
        /// Seen from the entity counted.
        direction: Direction,
        /// Only other ends of these kinds.
        kinds: KindSet,
        /// The weakest grade of a relation's best citation that counts.
        min_grade: Grade,
    },
}

/// A group's key: the values of the dimensions asked for, `None` for the others and for
/// entities without that value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GroupKey {
    /// The kind.
    pub kind: Option<EntityKind>,
    /// The status.
    pub status: Option<StandardStatus>,
    /// The level.
    pub level: Option<StandardLevel>,
    /// The form.
    pub form: Option<MineralForm>,
    /// The grade.
    pub grade: Option<Grade>,
    /// The related entity.
    pub related: Option<EntityKey>,
}

impl GroupKey {
    /// A total order for stable output: kind, status, level, form, grade (strongest first),
    /// related entity; absent values last.
    fn rank(&self) -> impl Ord {
        (
            self.kind.map(EntityKind::index).unwrap_or(usize::MAX),
            self.status.map_or(u8::MAX, |s| s as u8),
            self.level.map_or(u8::MAX, |l| l as u8),
            self.form.map_or(u8::MAX, |f| f as u8),
            self.grade.map_or(u8::MAX, Grade::strength),
            self.related.map_or(u32::MAX, |k| k.0),
        )
    }
}

/// The strongest grade among an entity's own citations.
fn entity_grade(e: &Entity) -> Option<Grade> {
    e.citations
        .iter()
        .map(|c| c.grade)
        .min_by_key(|g| g.strength())
}

impl KnowledgeGraph {
    /// Prepares `predicate` for entities of `kinds`: evaluates its relationship tests (each
    /// O(entities + relations) at most, usually far less: see the module doc) and chooses
    /// where its matches come from.
    pub fn matcher(&self, predicate: &Predicate, kinds: KindSet) -> Matcher<'_> {
        let (prepared, candidates) = self.prepare(predicate, kinds);
        let candidates = match candidates {
            Candidates::Keys(keys) => Candidates::Keys(
                keys.into_iter()
                    .filter(|k| kinds.contains(self.entity(*k).kind()))
                    .collect(),
            ),
            Candidates::Scan(k) => Candidates::Scan(k.and(kinds)),
        };
        Matcher {
            graph: self,
            prepared,
            kinds,
            candidates,
        }
    }

    fn prepare(&self, predicate: &Predicate, kinds: KindSet) -> (Prepared, Candidates) {
        let scan = |k: KindSet| Candidates::Scan(k.and(kinds));
        match predicate {
            Predicate::True => (Prepared::True, scan(KindSet::ALL)),
            Predicate::And(ps) => {
                let mut best: Option<Candidates> = None;
                let mut parts = Vec::with_capacity(ps.len());
                let mut scan_kinds = kinds;
                for p in ps {
                    let (prepared, candidates) = self.prepare(p, kinds);
                    parts.push(prepared);
                    match candidates {
                        Candidates::Keys(keys) => {
                            if !matches!(&best, Some(Candidates::Keys(b)) if b.len() <= keys.len())
                            {
                                best = Some(Candidates::Keys(keys));
                            }
                        }
                        Candidates::Scan(k) => scan_kinds = scan_kinds.and(k),
                    }
                }
                let candidates = match best {
                    Some(Candidates::Keys(keys)) if keys.len() < self.count_in(scan_kinds) => {
                        Candidates::Keys(keys)
                    }
                    _ => Candidates::Scan(scan_kinds),
                };
                (Prepared::And(parts), candidates)
            }
            Predicate::Or(ps) => {
                let mut parts = Vec::with_capacity(ps.len());
                let mut keys = Some(Vec::new());
                let mut scan_kinds = KindSet::NONE;
                for p in ps {
                    let (prepared, candidates) = self.prepare(p, kinds);
                    parts.push(prepared);
                    match candidates {
                        Candidates::Keys(k) => {
                            for key in &k {
                                scan_kinds = scan_kinds.or(KindSet::one(self.entity(*key).kind()));
                            }
                            if let Some(all) = &mut keys {
                                all.extend(k);
                            }
                        }
                        Candidates::Scan(k) => {
                            scan_kinds = scan_kinds.or(k);
                            keys = None;
                        }
                    }
                }
                let candidates = match keys {
                    Some(mut all) => {
                        all.sort_unstable();
                        all.dedup();
                        Candidates::Keys(all)
                    }
                    None => scan(scan_kinds),
                };
                if parts.is_empty() {
                    return (Prepared::False, Candidates::Keys(Vec::new()));
                }
                (Prepared::Or(parts), candidates)
            }
            Predicate::Not(p) => {
                let (prepared, _) = self.prepare(p, KindSet::ALL);
                (Prepared::Not(Box::new(prepared)), scan(KindSet::ALL))
            }
            Predicate::Text(TextField::Id, test @ (TextTest::Eq(_) | TextTest::In(_))) => {
                let ids: &[String] = match test {
                    TextTest::Eq(id) => std::slice::from_ref(id),
                    TextTest::In(ids) => ids,
                    _ => &[],
                };
                let mut keys: Vec<EntityKey> = ids.iter().filter_map(|i| self.lookup(i)).collect();
                keys.sort_unstable();
                keys.dedup();
                (
                    Prepared::Text(TextField::Id, test.clone()),
                    Candidates::Keys(keys),
                )
            }
            Predicate::Related {
                types,
                direction,
                min_grade,
                other,
            } => {
                let (set, keys) = self.related_set(*types, *direction, *min_grade, other);
                let candidates = Candidates::Keys(keys);
                (Prepared::Related(set), candidates)
            }
            Predicate::Kinds(k) => (Prepared::Kinds(*k), scan(*k)),
            Predicate::Text(f, t) => (Prepared::Text(*f, t.clone()), scan(predicate.kinds())),
            Predicate::Date(f, c, d) => (Prepared::Date(*f, *c, *d), scan(predicate.kinds())),
            Predicate::Int(f, c, n) => (Prepared::Int(*f, *c, *n), scan(predicate.kinds())),
            Predicate::IntIn(f, ns) => (Prepared::IntIn(*f, ns.clone()), scan(predicate.kinds())),
            Predicate::Enum(f, mask) => (Prepared::Enum(*f, *mask), scan(predicate.kinds())),
            Predicate::RareEarth(b) => (Prepared::RareEarth(*b), scan(predicate.kinds())),
        }
    }

    /// The entities with a relation of `types` in `direction`, graded `min_grade` or better, to
    /// an entity satisfying `other`: found from the other side (semi-join), as a set and a
    /// sorted list.
    fn related_set(
        &self,
        types: RelationFilter,
        direction: Direction,
        min_grade: Grade,
        other: &Predicate,
    ) -> (KeySet, Vec<EntityKey>) {
        // The kinds the other end can have, by the vocabulary.
        let mut other_kinds = KindSet::NONE;
        for t in RelationType::ALL.into_iter().filter(|t| types.allows(*t)) {
            let spec = t.spec();
            if matches!(direction, Direction::Outgoing | Direction::Both) {
                other_kinds = other_kinds.or(KindSet::of(spec.to));
            }
            if matches!(direction, Direction::Incoming | Direction::Both) {
                other_kinds = other_kinds.or(KindSet::of(spec.from));
            }
        }
        let inner = self.matcher(other, other_kinds);
        let back = match direction {
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Outgoing,
            Direction::Both => Direction::Both,
        };
        let mut set = KeySet::new(self.entities.len());
        let mut keys = Vec::new();
        inner.for_each(|o| {
            for i in self.incident(o, &types, back) {
                if self.relation(i.relation).grade().at_least(min_grade) && set.insert(i.other) {
                    keys.push(i.other);
                }
            }
            true
        });
        keys.sort_unstable();
        (set, keys)
    }

    fn count_in(&self, kinds: KindSet) -> usize {
        kinds.iter().map(|k| self.by_kind[k.index()].len()).sum()
    }

    /// How many entities match. O(kinds) without a predicate, else O(candidates).
    pub fn count_matching(&self, matcher: &Matcher<'_>) -> usize {
        if let (Prepared::True, Candidates::Scan(kinds)) = (&matcher.prepared, &matcher.candidates)
        {
            return self.count_in(*kinds);
        }
        let mut n = 0;
        matcher.for_each(|_| {
            n += 1;
            true
        });
        n
    }

    /// The first `first` matches after `after` in `order`, and whether more follow.
    /// In the default order, O(page) over the per-kind lists when most candidates match (it
    /// stops after the page), O(candidates) at worst; in another order O(candidates) (the page
    /// is selected, not the matches sorted).
    pub fn page_matching(
        &self,
        matcher: &Matcher<'_>,
        order: Order,
        after: Option<&Position>,
        first: usize,
    ) -> (Vec<EntityKey>, bool) {
        let after = after.map(|p| (p.value.as_ref().map(SortValue::as_ref), p.id.as_str()));
        let is_after = |k: EntityKey| {
            after.is_none_or(|(value, id)| {
                self.compare_at(
                    order,
                    (self.sort_value(order, k), self.entity(k).id.as_str()),
                    (value, id),
                ) == Ordering::Greater
            })
        };
        let want = first.saturating_add(1);
        let mut page = Vec::with_capacity(want.min(1024));
        if order.field == OrderField::Kind && !order.descending {
            match &matcher.candidates {
                Candidates::Scan(kinds) => {
                    for kind in kinds.iter() {
                        let list = &self.by_kind[kind.index()];
                        let start = list.partition_point(|k| !is_after(*k));
                        for &k in &list[start..] {
                            if page.len() >= want {
                                break;
                            }
                            if matcher.test(k) {
                                page.push(k);
                            }
                        }
                    }
                }
                Candidates::Keys(keys) => {
                    let mut keys: Vec<EntityKey> = keys
                        .iter()
                        .copied()
                        .filter(|k| is_after(*k) && matcher.test(*k))
                        .collect();
                    keys.sort_unstable_by(|a, b| self.compare_keys(order, *a, *b));
                    keys.truncate(want);
                    page = keys;
                }
            }
        } else {
            let mut all = Vec::new();
            matcher.for_each(|k| {
                if is_after(k) {
                    all.push(k);
                }
                true
            });
            if all.len() > want {
                all.select_nth_unstable_by(want, |a, b| self.compare_keys(order, *a, *b));
                all.truncate(want);
            }
            all.sort_unstable_by(|a, b| self.compare_keys(order, *a, *b));
            page = all;
        }
        let more = page.len() > first;
        page.truncate(first);
        (page, more)
    }

    /// The position of `key` in `order`, for a cursor.
    pub fn position(&self, order: Order, key: EntityKey) -> Position {
        Position {
            value: self.sort_value(order, key).map(SortRef::to_owned),
            id: self.entity(key).id.as_str().to_owned(),
        }
    }

    fn sort_value(&self, order: Order, key: EntityKey) -> Option<SortRef<'_>> {
        let e = self.entity(key);
        match order.field {
            OrderField::Kind => Some(SortRef::Int(e.kind().index() as u64)),
            OrderField::Name => Some(SortRef::Text(&e.name)),
            OrderField::Degree => Some(SortRef::Int(self.degree(key) as u64)),
            OrderField::Code => match &e.details {
                Details::Standard(d) => d.code.as_deref(),
                Details::Organization(d) => d.code.as_deref(),
                Details::Directive(d) => d.number.as_deref(),
                Details::Location(d) => d.division_code.as_deref(),
                _ => None,
            }
            .map(SortRef::Text),
            OrderField::Date => match &e.details {
                Details::Standard(d) => d.issued,
                Details::Event(d) => d.start_date,
                Details::Directive(d) => d.issued,
                Details::StandardBatch(d) => d.decided,
                Details::Source(d) => d.published,
                _ => None,
            }
            .map(SortRef::Date),
        }
    }

    fn compare_at(
        &self,
        order: Order,
        (a, a_id): (Option<SortRef<'_>>, &str),
        (b, b_id): (Option<SortRef<'_>>, &str),
    ) -> Ordering {
        let by_value = match (a, b) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) if order.descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
        };
        by_value.then_with(|| a_id.cmp(b_id))
    }

    fn compare_keys(&self, order: Order, a: EntityKey, b: EntityKey) -> Ordering {
        self.compare_at(
            order,
            (self.sort_value(order, a), self.entity(a).id.as_str()),
            (self.sort_value(order, b), self.entity(b).id.as_str()),
        )
    }

    /// How many matches fall in each group of `by` (an entity counts once in each group of its
    /// values: once per related entity for [`GroupBy::Related`]), largest group first, ties in
    /// key order. O(candidates × related degree); no entity object is made.
    pub fn count_groups(&self, matcher: &Matcher<'_>, by: &[GroupBy]) -> Vec<(GroupKey, usize)> {
        let mut counts: HashMap<GroupKey, usize> = HashMap::new();
        let related = by.iter().find_map(|g| match g {
            GroupBy::Related {
                types,
                direction,
                kinds,
                min_grade,
            } => Some((*types, *direction, *kinds, *min_grade)),
            _ => None,
        });
        let mut others = Vec::new();
        matcher.for_each(|k| {
            let e = self.entity(k);
            let mut key = GroupKey::default();
            for g in by {
                match g {
                    GroupBy::Kind => key.kind = Some(e.kind()),
                    GroupBy::Status => {
                        key.status = match &e.details {
                            Details::Standard(d) => Some(d.status),
                            Details::StandardBatch(d) => Some(d.status),
                            _ => None,
                        }
                    }
                    GroupBy::Level => {
                        key.level = match &e.details {
                            Details::Standard(d) => Some(d.level),
                            _ => None,
                        }
                    }
                    GroupBy::Form => {
                        key.form = match &e.details {
                            Details::Mineral(d) => Some(d.form),
                            _ => None,
                        }
                    }
                    GroupBy::Grade => key.grade = entity_grade(e),
                    GroupBy::Related { .. } => {}
                }
            }
            match related {
                None => *counts.entry(key).or_default() += 1,
                Some((types, direction, kinds, min_grade)) => {
                    others.clear();
                    others.extend(
                        self.incident(k, &types, direction)
                            .filter(|i| {
                                kinds.contains(self.entity(i.other).kind())
                                    && self.relation(i.relation).grade().at_least(min_grade)
                            })
                            .map(|i| i.other),
                    );
                    others.sort_unstable();
                    others.dedup();
                    if others.is_empty() {
                        *counts.entry(key).or_default() += 1;
                    }
                    for o in &others {
                        let key = GroupKey {
                            related: Some(*o),
                            ..key
                        };
                        *counts.entry(key).or_default() += 1;
                    }
                }
            }
            true
        });
        let mut groups: Vec<(GroupKey, usize)> = counts.into_iter().collect();
        groups
            .sort_unstable_by(|(a, an), (b, bn)| bn.cmp(an).then_with(|| a.rank().cmp(&b.rank())));
        groups
    }
}

impl Matcher<'_> {
    /// Whether `key` matches (its kind among those asked for, and the predicate). O(predicate).
    pub fn test(&self, key: EntityKey) -> bool {
        self.kinds.contains(self.graph.entity(key).kind()) && self.eval(&self.prepared, key)
    }

    /// Calls `f` on every match, in candidate order (kind then id for a scan, key order for a
    /// list), until it returns false.
    fn for_each(&self, mut f: impl FnMut(EntityKey) -> bool) {
        match &self.candidates {
            Candidates::Keys(keys) => {
                for &k in keys {
                    if self.test(k) && !f(k) {
                        return;
                    }
                }
            }
            Candidates::Scan(kinds) => {
                for kind in kinds.iter() {
                    for &k in &self.graph.by_kind[kind.index()] {
                        if self.eval(&self.prepared, k) && !f(k) {
                            return;
                        }
                    }
                }
            }
        }
    }

    fn eval(&self, p: &Prepared, key: EntityKey) -> bool {
        let e = self.graph.entity(key);
        match p {
            Prepared::True => true,
            Prepared::False => false,
            Prepared::And(ps) => ps.iter().all(|p| self.eval(p, key)),
            Prepared::Or(ps) => ps.iter().any(|p| self.eval(p, key)),
            Prepared::Not(p) => !self.eval(p, key),
            Prepared::Kinds(k) => k.contains(e.kind()),
            Prepared::Text(f, t) => f.value(e).is_some_and(|v| t.holds(v)),
            Prepared::Date(f, c, d) => f.value(e).is_some_and(|v| c.holds(compare_dates(v, *d))),
            Prepared::Int(f, c, n) => self.int(*f, key).is_some_and(|v| c.holds(v.cmp(n))),
            Prepared::IntIn(f, ns) => self.int(*f, key).is_some_and(|v| ns.contains(&v)),
            Prepared::Enum(f, mask) => f.value(e).is_some_and(|v| enum_bit(v) & mask != 0),
            Prepared::RareEarth(b) => {
                matches!(&e.details, Details::Mineral(d) if d.rare_earth == *b)
            }
            Prepared::Related(set) => set.contains(key),
        }
    }

    fn int(&self, f: IntField, key: EntityKey) -> Option<u64> {
        let e = self.graph.entity(key);
        match (f, &e.details) {
            (IntField::Degree, _) => Some(self.graph.degree(key) as u64),
            (IntField::AtomicNumber, Details::Mineral(d)) => d.atomic_number.map(u64::from),
            (IntField::DirectiveOrdinal, Details::Directive(d)) => d.ordinal.map(u64::from),
            (IntField::StagePosition, Details::SupplyChainStage(d)) => d.position.map(u64::from),
            (IntField::BatchPlanYear, Details::StandardBatch(d)) => d.plan_year.map(u64::from),
            (IntField::BatchCount, Details::StandardBatch(d)) => Some(u64::from(d.count)),
            (IntField::EventAttendeesAtLeast, Details::Event(d)) => {
                d.attendees_at_least.map(u64::from)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().expect("a date")
    }

    #[test]
    fn dates_compare_at_their_common_precision() {
        assert_eq!(
            compare_dates(date("2018"), date("2018-07-13")),
            Ordering::Equal
        );
        assert_eq!(
            compare_dates(date("2018-06"), date("2018-07-13")),
            Ordering::Less
        );
        assert_eq!(
            compare_dates(date("2019"), date("2018-07-13")),
            Ordering::Greater
        );
        assert_eq!(
            compare_dates(date("2018-07-14"), date("2018-07-13")),
            Ordering::Greater
        );
        assert!(!Comparison::Gt.holds(compare_dates(date("2018-07"), date("2018"))));
        assert!(Comparison::Gte.holds(compare_dates(date("2018-07"), date("2018"))));
    }

    #[test]
    fn folded_tests_ignore_case_and_accents_and_keep_punctuation() {
        assert!(TextTest::starts_with("gb/t").holds("GB/T 13560-2017"));
        assert!(!TextTest::starts_with("gbt").holds("GB/T 13560-2017"));
        assert!(TextTest::contains("13560").holds("GB/T 13560-2017"));
        assert!(TextTest::contains("sanchez").holds("José Sánchez"));
        assert!(TextTest::starts_with("JOSÉ").holds("jose sanchez"));
        assert!(TextTest::contains("").holds("x"));
        assert!(!TextTest::contains("é").holds("abc"));
        assert!(TextTest::Eq("Sc".into()).holds("Sc"));
        assert!(!TextTest::Eq("sc".into()).holds("Sc"));
        assert!(TextTest::In(vec!["a".into(), "Sc".into()]).holds("Sc"));
    }

    #[test]
    fn kind_sets_read_empty_lists_as_every_kind() {
        assert_eq!(KindSet::of(&[]), KindSet::ALL);
        let s = KindSet::of(&[EntityKind::Standard, EntityKind::Mineral]);
        assert_eq!(s.iter().count(), 2);
        assert!(s.and(KindSet::one(EntityKind::Event)).is_empty());
    }
}
