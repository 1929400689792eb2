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

#[cfg(test)]
mod tests {
    use crate::dataset::{DataFile, SourceTexts, TextError, load_files};
    use crate::graph::KnowledgeGraph;

    struct NoTexts;

    impl SourceTexts for NoTexts {
        fn read(&self, path: &str) -> Result<String, TextError> {
            Err(TextError::Missing {
                path: path.to_owned(),
            })
        }
    }

    const DATA: &str = r#"
[[source]]
id = "source:s"
name = "S"
source_type = "REPORT"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[standard]]
id = "standard:withdrawn"
name = "Withdrawn"
level = "NATIONAL"
status = "PUBLISHED"
effective = "2010"
withdrawn = "2015-06-01"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[standard]]
id = "standard:old"
name = "Old"
level = "NATIONAL"
status = "SUPERSEDED"
issued = "2012-04"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[standard]]
id = "standard:new"
name = "New"
level = "NATIONAL"
status = "PUBLISHED"
issued = "2013-10-14"
effective = "2014-03-01"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[standard]]
id = "standard:undated"
name = "Undated"
level = "NATIONAL"
status = "PUBLISHED"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[event]]
id = "event:e"
name = "E"
event_type = "MEETING"
start_date = "2020-01-01"
citations = [{ source = "source:s", grade = "REPORTED" }]

[[relation]]
from = "standard:new"
type = "SUPERSEDES"
to = "standard:old"
citations = [{ source = "source:s", grade = "REPORTED" }]
"#;

    #[test]
    fn a_standard_is_in_force_from_its_date_until_withdrawn_or_superseded() {
        let files = [DataFile {
            name: "t.toml".to_owned(),
            text: DATA.to_owned(),
        }];
        let graph = KnowledgeGraph::new(
            load_files(&files, &NoTexts).unwrap_or_else(|e| panic!("loads: {e}")),
        );
        let valid = |id: &str, date: &str| {
            let key = graph.lookup(id).unwrap_or_else(|| panic!("{id}"));
            graph.valid_on(key, date.parse().expect("a test date"))
        };
        assert!(!valid("standard:withdrawn", "2009-12-31"));
        assert!(
            valid("standard:withdrawn", "2010-01-01"),
            "effective 2010 may mean its first day"
        );
        assert!(valid("standard:withdrawn", "2015-05-31"));
        assert!(
            !valid("standard:withdrawn", "2015-06-01"),
            "withdrawn is the day it stopped"
        );
        assert!(
            valid("standard:old", "2012-04-01"),
            "issued, with no effective date"
        );
        assert!(!valid("standard:old", "2012-03-31"));
        assert!(
            valid("standard:old", "2014-02-28"),
            "its successor is not in force yet"
        );
        assert!(
            !valid("standard:old", "2014-03-01"),
            "superseded once its successor is in force"
        );
        assert!(
            !valid("standard:new", "2014-02-28"),
            "issued, but effective later"
        );
        assert!(valid("standard:new", "2014-03"));
        assert!(
            !valid("standard:undated", "2025"),
            "no date places it on the calendar"
        );
        assert!(valid("event:e", "1999"), "other kinds have no window");
    }
}
