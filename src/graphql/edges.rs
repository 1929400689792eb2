//! The arguments that decide which relations a traversal walks (`relationTypes`, `minGrade`,
//! `asOf`), read into the graph's one edge test ([`RelationFilter`]), and the `asOf` date of
//! `entities` and `entityCounts` (a [`Predicate::ValidOn`] beside `where`).
//!
//! Invariant: every traversal reads these arguments here, so they mean the same everywhere
//! and a malformed date is refused with the same BAD_USER_INPUT error.

use super::enums::{Grade, RelationType};
use super::{ErrorCode, entity::relation_filter, error};
use crate::graph::{Predicate, RelationFilter};
use crate::model;

/// A date argument, BAD_USER_INPUT naming `argument` when it is malformed.
pub(super) fn date(
    argument: &str,
    text: Option<&str>,
) -> async_graphql::Result<Option<model::Date>> {
    text.map(|t| {
        t.parse::<model::Date>()
            .map_err(|e| error(ErrorCode::BadUserInput, format!("`{argument}`: {e}")))
    })
    .transpose()
}

/// `predicate`, and valid on `as_of` when it is given ([`Predicate::ValidOn`]).
pub(super) fn valid_on(predicate: Predicate, as_of: Option<model::Date>) -> Predicate {
    match as_of {
        None => predicate,
        Some(d) => Predicate::And(vec![predicate, Predicate::ValidOn(d)]),
    }
}

/// The edge test of a traversal's `relationTypes`, `minGrade` and `asOf`.
pub(super) fn traversal_filter(
    types: Option<Vec<RelationType>>,
    min_grade: Option<Grade>,
    as_of: Option<&str>,
) -> async_graphql::Result<RelationFilter> {
    Ok(relation_filter(types)
        .with_min_grade(min_grade.map(model::Grade::from))
        .with_as_of(date("asOf", as_of)?))
}
