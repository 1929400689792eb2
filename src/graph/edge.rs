//! [`RelationFilter`]: the one edge test of every traversal and relationship walk (relation
//! types, the best citation's grade, the date), and the trust byte each adjacency entry carries
//! so that the grade test reads no relation.
//!
//! Invariant: the trust byte is derived from the relation's records ([`trust::of`]) whenever a
//! graph is built or loaded; it is never stored, so the snapshot format does not know it.

use crate::model::{Date, Grade, Relation, RelationType};

/// Which relations a query may follow: the one edge test every traversal and relationship
/// walk shares ([`KnowledgeGraph::incident`]). A relation passes when its type is allowed, its
/// best citation is at least the minimum grade (when one is set) and it holds on the date
/// (when one is set, [`Relation::holds_on`]). Free to copy; the type and grade tests read only
/// the adjacency entry (a bit set and the entry's trust byte, derived from the records when the
/// graph is built or loaded), and the date test reads the relation only when it has a
/// `since` or an `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationFilter {
    /// One bit per allowed type.
    types: u64,
    /// The weakest [`Grade::strength`] allowed (4, UNVERIFIED's, allows every grade).
    weakest: u8,
    /// Only relations that hold on this date.
    as_of: Option<Date>,
}

const _: () = assert!(
    RelationType::ALL.len() <= 64,
    "RelationFilter holds one bit per type"
);

impl Default for RelationFilter {
    fn default() -> Self {
        RelationFilter::all()
    }
}

impl RelationFilter {
    /// Follows every relation.
    pub fn all() -> Self {
        RelationFilter {
            types: u64::MAX,
            weakest: ALL_GRADES,
            as_of: None,
        }
    }

    /// Follows only the listed types (an empty list follows none).
    pub fn only(types: impl IntoIterator<Item = RelationType>) -> Self {
        RelationFilter {
            types: types.into_iter().fold(0, |bits, t| bits | bit(t)),
            ..RelationFilter::all()
        }
    }

    /// Also requires a citation of `min` or better (`None`: any grade).
    pub fn with_min_grade(self, min: Option<Grade>) -> Self {
        RelationFilter {
            weakest: min.map_or(ALL_GRADES, Grade::strength),
            ..self
        }
    }

    /// Also requires the relation to hold on `date` (`None`: any date).
    pub fn with_as_of(self, date: Option<Date>) -> Self {
        RelationFilter {
            as_of: date,
            ..self
        }
    }

    /// The date relations must hold on, if any.
    pub fn as_of(&self) -> Option<Date> {
        self.as_of
    }

    pub(super) fn allows(self, t: RelationType) -> bool {
        self.types & bit(t) != 0
    }

    /// The edge test: type, grade (`trust`, the entry's trust byte), then (for a dated relation
    /// only) the date, read from the relation `relation` gives.
    #[inline]
    pub(super) fn passes<'a>(
        &self,
        relation_type: RelationType,
        trust: u8,
        relation: impl FnOnce() -> &'a Relation,
    ) -> bool {
        self.allows(relation_type)
            && trust & trust::STRENGTH <= self.weakest
            && (trust & trust::DATED == 0 || self.as_of.is_none_or(|d| relation().holds_on(d)))
    }
}

/// The weakest strength there is: a filter with it tests no grade.
const ALL_GRADES: u8 = Grade::Unverified.strength();

fn bit(t: RelationType) -> u64 {
    1 << (t as u64)
}

/// An adjacency entry's trust byte: its relation's best grade and whether it is dated.
pub(super) mod trust {
    use crate::model::Relation;

    /// The low bits: the strength of the relation's best grade ([`crate::model::Grade::strength`]).
    pub(in crate::graph) const STRENGTH: u8 = 0x0f;
    /// Set when the relation has a `since` or an `until`.
    pub(in crate::graph) const DATED: u8 = 0x80;

    /// The byte of one relation.
    pub(in crate::graph) fn of(r: &Relation) -> u8 {
        let dated = if r.since.is_some() || r.until.is_some() {
            DATED
        } else {
            0
        };
        r.grade().strength() | dated
    }
}
