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
//! test, the marked set of a relationship test, the sorted codes ([`FilterIndex`]) for a
//! `startsWith`, `eq` or `in` on a code that selects at most a quarter of its kind, else the
//! per-kind sorted lists of the kinds the predicate can match (a `standard` test only scans
//! standards); under `And`, the smallest of its parts' lists leads and the rest are tested.
//! Enum tests, kinds and grouped counts read the index's rows of bytes, not the entities.
//! Pages over a scan of kinds in the default order (kind, then id) or by name (ascending, the
//! index's per-kind name lists) stop after the page; other orders select the page from the
//! matches without sorting them all. An order is a list of keys compared in turn.
//!
//! Over a delta (writes since the base was built, see `delta`), the indexes answer for the base
//! entities the delta left as they were ([`KnowledgeGraph::differs_from_base`] is false), and
//! the delta's own entities ([`KnowledgeGraph::delta_keys`], a few thousand at most between
//! folds) are visited beside them, each query O(the delta) more: their rows are built from their
//! records ([`FilterIndex`]'s `Row::of`), code ranges and kind scans skip the stale base keys and
//! add the delta's that qualify, and pages by kind or name merge the base lists' first matches
//! (found from a cursor by the base's records, which the lists are sorted by) with the delta's,
//! in the same order, ties by id: the answers of a graph rebuilt from the live records
//! (tested in tests/it/filter_delta.rs). Without a delta, the base's paths are unchanged.
//!
//! Text tests `startsWith` and `contains` compare folded text: Unicode NFKD, combining marks
//! dropped, lowercased (punctuation is kept, unlike search, which treats it as space: `GB/T`
//! does not start `GBT`). `eq` and `in` compare exactly. Dates compare at their common precision
//! (see [`Comparison`]).
//!
//! Architecture invariant: like the rest of `graph`, knows nothing of GraphQL; every operation
//! here is bounded by the graph's size times the predicate's size.

mod fields;
mod group;
mod index;
mod list;
mod matcher;
mod order;
mod related;
#[cfg(test)]
mod tests;
mod text;

use std::cmp::Ordering;

pub use fields::{DateField, EnumField, IntField, TextField};
pub use group::{GroupBy, GroupKey};
pub(crate) use index::FilterIndex;
pub use list::{ListSpec, Tie};
pub use matcher::Matcher;
pub use order::{Order, OrderField, Position, SortValue};
pub use text::TextTest;

use super::{Direction, RelationFilter};
use crate::model::{Date, EntityKind, Grade};

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
    /// Entities valid on this date ([`KnowledgeGraph::valid_on`](crate::graph::KnowledgeGraph::valid_on)).
    ValidOn(Date),
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

/// The mask of one enum variant, for [`Predicate::Enum`].
pub fn enum_bit(variant: u8) -> u64 {
    1u64.checked_shl(u32::from(variant)).unwrap_or(0)
}

impl Predicate {
    /// The kinds an entity can have and satisfy this (a superset). O(size).
    pub fn kinds(&self) -> KindSet {
        match self {
            Predicate::True
            | Predicate::Not(_)
            | Predicate::Related { .. }
            | Predicate::ValidOn(_) => KindSet::ALL,
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
