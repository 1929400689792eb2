//! When an entity is valid: the rule `entities(asOf)` applies ([`KnowledgeGraph::valid_on`]).
//!
//! - A STANDARD is in force on a date when it has come into force (its `effective` date, else
//!   its `issued` date, may fall on or before it), it has not been withdrawn (`withdrawn`), and
//!   no standard that SUPERSEDES it has come into force (the successor's `effective`, else
//!   `issued`, else the relation's `since`). A standard with neither date is never in force as
//!   far as the data knows (no source places it on the calendar: proposed and approved drafts,
//!   undated series). Each window is [`holds_between`], reduced precision in the fact's favour.
//! - Every other kind has no validity window in the data (an EVENT's dates say when it took
//!   place, not when it was true; a directive's suspension is a SUSPENDS relation, which the
//!   traversals' `asOf` reads): it is valid on every date.
//!
//! Invariant: a test costs O(1) plus the standard's incoming relations; nothing is stored.

use super::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{Date, Details, RelationType, StandardDetails, holds_between};

/// The day a standard came into force, as far as the data says.
fn in_force_from(s: &StandardDetails) -> Option<Date> {
    s.effective.or(s.issued)
}

impl KnowledgeGraph {
    /// Whether the entity is valid on `date` (see the module doc for each kind's rule).
    /// O(the entity's incoming SUPERSEDES relations).
    pub fn valid_on(&self, key: EntityKey, date: Date) -> bool {
        let Details::Standard(s) = &self.entity(key).details else {
            return true;
        };
        let Some(start) = in_force_from(s) else {
            return false;
        };
        if !holds_between(Some(start), s.withdrawn, date) {
            return false;
        }
        let supersedes = RelationFilter::only([RelationType::Supersedes]);
        !self
            .incident(key, &supersedes, Direction::Incoming)
            .any(|i| {
                let successor = match &self.entity(i.other).details {
                    Details::Standard(n) => in_force_from(n),
                    _ => None,
                };
                successor
                    .or(self.relation(i.relation).since)
                    .is_some_and(|from| holds_between(Some(from), None, date))
            })
    }
}
