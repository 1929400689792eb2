//! The citation checks of validation: each source resolves to a SOURCE entity, each quote is
//! found verbatim in its source's text; equal citation lists are built and checked once.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Index, Problems, address, normalize_space, resolve};
use crate::dataset::parse::{Field, RawCite};
use crate::model::{Citation, Conflict, EntityKind};

/// Citation lists already built, by the list read (equal lists read are one allocation, see
/// [`crate::dataset::parse::Interner`]), each with whether it was free of problems: equal lists are
/// shared, and checked once.
pub(super) type CitationLists = HashMap<ByAddress, (Arc<[Citation]>, bool)>;

/// A citation list read, compared by address: the interner made equal lists one.
pub(super) struct ByAddress(Arc<[RawCite]>);

impl PartialEq for ByAddress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ByAddress {}

impl std::hash::Hash for ByAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0).cast::<u8>(), state);
    }
}

/// Checks a record's citations and returns them as a shared list: a list equal to one already
/// built is checked once and shared, so a million records citing the same passage cost one
/// list. A list that had a problem is checked again wherever it recurs, so each place is
/// reported.
pub(super) fn check_citations(
    file: usize,
    record: usize,
    raw: Arc<[RawCite]>,
    index: &Index,
    lists: &mut CitationLists,
    problems: &mut Problems<'_>,
) -> Arc<[Citation]> {
    if raw.is_empty() {
        problems.at(
            file,
            record,
            "no citation: every fact needs at least one".to_owned(),
        );
    }
    let raw = ByAddress(raw);
    if let Some((shared, true)) = lists.get(&raw) {
        return shared.clone();
    }
    let mut quoted = Vec::with_capacity(raw.0.len());
    let mut list = Vec::with_capacity(raw.0.len());
    let mut sources_ok = true;
    for (i, c) in raw.0.iter().enumerate() {
        let source = Field::CitationSource(i);
        let Some(known) = resolve(file, record, source, &c.source, index, problems) else {
            sources_ok = false;
            continue;
        };
        let source_id = &known.id;
        if known.kind != EntityKind::Source {
            problems.field(
                file,
                record,
                source,
                format!(
                    "citation source `{source_id}` is of kind {}, not a source",
                    known.kind.prefix()
                ),
            );
            sources_ok = false;
            continue;
        }
        // A source whose own record could not be read has no known text; its problems are
        // already reported, so its quotes are not blamed again.
        quoted.push((i, known.text.as_ref(), known.index.is_some()));
        let conflict = match &c.conflict {
            None => None,
            Some((claim, with)) => {
                let conflict = check_conflict(i, claim, with, &raw.0, index);
                if let Err(message) = &conflict {
                    problems.field(file, record, Field::CitationConflict(i), message.clone());
                    sources_ok = false;
                }
                conflict.ok()
            }
        };
        list.push(Citation {
            source: source_id.clone(),
            quote: c.quote.clone(),
            grade: c.grade,
            note: c.note.clone(),
            conflict,
        });
    }
    let quotes_ok = check_quotes(file, record, &list, quoted, index, problems);
    let shared: Arc<[Citation]> = list.into();
    lists.insert(raw, (shared.clone(), sources_ok && quotes_ok));
    shared
}

/// Checks each quote of a citation list against its source's text: not empty, checkable (the
/// source has a text, unless its own record could not be read), and found verbatim. `quoted`
/// holds, for each citation in `list`, its position in the record, its source's text path and
/// whether the source's record was read. Returns whether every quote passed.
fn check_quotes(
    file: usize,
    record: usize,
    list: &[Citation],
    quoted: Vec<(usize, Option<&String>, bool)>,
    index: &Index,
    problems: &mut Problems<'_>,
) -> bool {
    let mut quotes_ok = true;
    for (c, (i, text, readable)) in list.iter().zip(quoted) {
        let Some(quote) = &c.quote else {
            continue;
        };
        let at = Field::CitationQuote(i);
        let q = normalize_space(quote);
        if q.is_empty() {
            problems.field(file, record, at, "quote is empty".to_owned());
            quotes_ok = false;
        } else if text.is_none() && readable {
            // An unchecked quote would pass for the source's words: a source without its own
            // text cannot be quoted (cite the notes that summarize it instead).
            problems.field(
                file,
                record,
                at,
                format!(
                    "quote cannot be checked: `{}` has no `text` holding the passages it is quoted for",
                    c.source
                ),
            );
            quotes_ok = false;
        } else if let Some(Ok(text)) = text.and_then(|path| index.texts.get(path))
            && !text.contains(&q)
        {
            problems.field(
                file,
                record,
                at,
                format!(
                    "quote not found verbatim in the text of `{}`: \"{q}\"",
                    c.source
                ),
            );
            quotes_ok = false;
        }
    }
    quotes_ok
}

/// The conflict of citation `i` of `list`: its claim must say something, and `with` must be the
/// source of exactly one other citation of the same list (the one the fact follows), so the API
/// can show both claims side by side.
fn check_conflict(
    i: usize,
    claim: &str,
    with: &Arc<str>,
    list: &[RawCite],
    index: &Index,
) -> Result<Conflict, String> {
    if claim.trim().is_empty() {
        return Err("conflict claim is empty: say what this source claims instead".to_owned());
    }
    let others = list
        .iter()
        .enumerate()
        .filter(|&(j, c)| j != i && *c.source == **with)
        .count();
    if others != 1 {
        return Err(format!(
            "conflict names `{with}`, which must be the source of exactly one other citation of this fact (found {others})"
        ));
    }
    let known = index
        .known
        .get(&address(with))
        .or_else(|| index.unparsed.get(&**with))
        .ok_or_else(|| format!("no entity has id `{with}`"))?;
    Ok(Conflict {
        claim: claim.to_owned(),
        with: known.id.clone(),
    })
}
