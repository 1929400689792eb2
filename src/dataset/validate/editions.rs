//! A standard's `replaces` against the SUPERSEDES relations: where an edition it replaces is
//! itself an entity (its `code` is the replaced code), the data must hold the SUPERSEDES relation
//! from the standard to it.
//!
//! Required, not derived: every relation in the data carries its own citations, grade and
//! `since`, which a derived relation would have to invent or borrow from the standard's
//! citations (which may quote its dates but not the replacement). The problem names the
//! relation to add. The converse is not required: a SUPERSEDES relation may name an edition
//! the standard's text does not list.
//!
//! Invariant: O(standards + relations); reads built relations, never source texts.

use std::collections::{HashMap, HashSet};

use super::Problems;
use crate::dataset::parse::{Field, RawEntity};
use crate::model::{Details, EntityId, Relation, RelationType};

/// One `replaces` code of one standard, and where it was read.
struct Claim {
    file: usize,
    record: usize,
    from: EntityId,
    code: String,
}

/// What [`check`] needs from the entities, collected before they move into the model.
pub(super) struct Editions {
    claims: Vec<Claim>,
    /// Standards by their code.
    by_code: HashMap<String, Vec<EntityId>>,
}

/// Collects every standard's code and `replaces` (`ids[i]` is entity `i`'s valid id, if any).
pub(super) fn collect(entities: &[RawEntity], ids: &[Option<EntityId>]) -> Editions {
    let mut editions = Editions {
        claims: Vec::new(),
        by_code: HashMap::new(),
    };
    for (e, id) in entities.iter().zip(ids) {
        let (Details::Standard(s), Some(id)) = (&e.details, id) else {
            continue;
        };
        if let Some(code) = &s.code {
            editions
                .by_code
                .entry(code.clone())
                .or_default()
                .push(id.clone());
        }
        editions.claims.extend(s.replaces.iter().map(|code| Claim {
            file: e.file,
            record: e.record,
            from: id.clone(),
            code: code.clone(),
        }));
    }
    editions
}

/// Reports each replaced edition that is an entity without its SUPERSEDES relation.
pub(super) fn check(editions: &Editions, relations: &[Relation], problems: &mut Problems<'_>) {
    if editions.claims.is_empty() {
        return;
    }
    let supersedes: HashSet<(&str, &str)> = relations
        .iter()
        .filter(|r| r.relation_type == RelationType::Supersedes)
        .map(|r| (r.from.as_str(), r.to.as_str()))
        .collect();
    for claim in &editions.claims {
        for old in editions.by_code.get(&claim.code).into_iter().flatten() {
            if !supersedes.contains(&(claim.from.as_str(), old.as_str())) {
                problems.field(
                    claim.file,
                    claim.record,
                    Field::Value("replaces"),
                    format!(
                        "`{}` replaces {}, which is `{old}`: add the [[relation]] from = \"{}\", type = \"SUPERSEDES\", to = \"{old}\", with its citation",
                        claim.from, claim.code, claim.from
                    ),
                );
            }
        }
    }
}
