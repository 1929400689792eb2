//! TOML text -> compact raw records. Each record is deserialized on its own, so one bad record
//! does not hide the problems of the others, and is made compact at once: ids are interned (the
//! entity, every relation that ends at it and every citation of it share one allocation) and
//! equal citation lists are shared, across all files and threads. Records keep only where their
//! table starts; the place of a field inside one is found again, by parsing the file anew, only
//! when a problem has to be shown there (see [`Records`]).
//!
//! Records of the plain shape data files use are read by [`fast`], which builds the parse tree
//! `toml` would build for them; `toml` reads every other record, and again any record that has
//! a problem, so every problem is `toml`'s.

pub(super) mod fast;
mod raw;

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::{Place, RawProblem};
use crate::model::{
    ApplicationDetails, Details, DirectiveDetails, EntityKind, EventDetails, LocationDetails,
    MineralDetails, OfficialDetails, OrganizationDetails, SourceDetails, StandardBatchDetails,
    StandardDetails, SupplyChainStageDetails,
};
pub(crate) use raw::{
    Field, Interner, RawCite, RawDataset, RawEntity, RawRelation, UnparsedEntity,
};
use raw::{RawCommon, RawRelationFields};

/// The fields every entity table has; the rest are its kind's details.
const COMMON_FIELDS: [&str; 5] = ["id", "name", "aliases", "description", "citations"];

/// Parses one file into `out`, adding a problem for each record that cannot be read.
///
/// A file made only of `[[table]]` records (as data files are) is parsed one record at a time,
/// so memory holds one record's parse tree, not the whole file's. Anything else (a syntax error,
/// a table or key outside the records, an unknown table) is parsed again as one document, so
/// every problem is the one the whole document has, at the same place.
pub(crate) fn parse_file(
    file: usize,
    text: &str,
    interner: &Interner,
    out: &mut RawDataset,
    problems: &mut Vec<RawProblem>,
) {
    let before = (
        out.entities.len(),
        out.relations.len(),
        out.unparsed.len(),
        problems.len(),
    );
    if parse_by_record(file, text, interner, out, problems).is_none() {
        out.entities.truncate(before.0);
        out.relations.truncate(before.1);
        out.unparsed.truncate(before.2);
        problems.truncate(before.3);
        parse_document(file, text, interner, out, problems);
    }
}

/// Where records may start: the file's start and the byte offsets of the lines that begin with
/// `[[`. Such a line may also be inside a multi-line string or array, not starting a record; the
/// text before it is then cut inside a value and does not parse, which [`parse_by_record`]
/// takes as its cue to give up.
fn record_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    // Line feeds are found with `memchr` (a one-byte pattern), faster than a search for "\n[[".
    let header = |&i: &usize| {
        text.as_bytes()
            .get(i..)
            .is_some_and(|t| t.starts_with(b"[["))
    };
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1).filter(header))
}

/// Parses `text` piece by piece, each piece from one `[[table]]` header line to the next;
/// `None` when the pieces are not exactly the whole document's records (what was added to
/// `out` is then to be discarded). The text before the first header may hold only comments.
///
/// A piece of the plain shape data files use is read by [`fast::record`]; any other piece,
/// and any record with a problem, is read by `toml`.
pub(crate) fn parse_by_record(
    file: usize,
    text: &str,
    interner: &Interner,
    out: &mut RawDataset,
    problems: &mut Vec<RawProblem>,
) -> Option<()> {
    let mut starts = record_starts(text).peekable();
    while let Some(start) = starts.next() {
        let end = starts.peek().copied().unwrap_or(text.len());
        let piece = text.get(start..end)?;
        if let Some(fast::Record {
            table,
            span,
            fields,
        }) = fast::record(piece)
            && let Some(kind) = table_kind(table)
        {
            let before = (out.unparsed.len(), problems.len());
            parse_record(
                file, table, kind, span, fields, start, interner, out, problems,
            );
            if (out.unparsed.len(), problems.len()) == before {
                continue;
            }
            // A record with a problem is read again below, so that its problems are exactly
            // the ones `toml` reports, at the same places.
            out.unparsed.truncate(before.0);
            problems.truncate(before.1);
        }
        let root = DeTable::parse(piece).ok()?.into_inner();
        let mut tables = root.into_iter();
        let Some((key, value)) = tables.next() else {
            // Only the text before the first header may be empty of records.
            if start == 0 {
                continue;
            }
            return None;
        };
        if tables.next().is_some() {
            return None;
        }
        let table = key.get_ref().as_ref();
        let kind = table_kind(table)?;
        let DeValue::Array(items) = value.into_inner() else {
            return None;
        };
        let mut items = items.into_iter();
        let item = items.next()?;
        if items.next().is_some() {
            return None;
        }
        let span = item.span();
        let DeValue::Table(fields) = item.into_inner() else {
            return None;
        };
        parse_record(
            file, table, kind, span, fields, start, interner, out, problems,
        );
    }
    Some(())
}

/// The kind of a record table's name: `Some(None)` for `relation`, `None` for no known table.
fn table_kind(table: &str) -> Option<Option<EntityKind>> {
    if table == "relation" {
        Some(None)
    } else {
        EntityKind::from_prefix(table).map(Some)
    }
}

/// Parses `text` as one document into `out`.
pub(crate) fn parse_document(
    file: usize,
    text: &str,
    interner: &Interner,
    out: &mut RawDataset,
    problems: &mut Vec<RawProblem>,
) {
    // The parsed tables come back grouped by name (`[[mineral]]` before `[[source]]`, whatever
    // their place); the entities are put back in file order at the end.
    let first_entity = out.entities.len();
    let problem = |problems: &mut Vec<RawProblem>, offset: usize, message: String| {
        problems.push(RawProblem {
            file,
            place: Place::At(offset),
            message,
            first_defined: None,
        });
    };
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            problem(
                problems,
                offset,
                format!("invalid TOML: {}", e.message().trim_end()),
            );
            return;
        }
    };
    for (key, value) in root {
        let table = key.get_ref().as_ref();
        let Some(kind) = table_kind(table) else {
            let known = EntityKind::ALL.map(EntityKind::prefix).join("]], [[");
            problem(
                problems,
                key.span().start,
                format!("unknown table `{table}`: expected [[{known}]] or [[relation]]"),
            );
            continue;
        };
        let span = value.span();
        let DeValue::Array(items) = value.into_inner() else {
            problem(
                problems,
                span.start,
                format!("`{table}` must be an array of tables: write [[{table}]]"),
            );
            continue;
        };
        for item in items {
            let span = item.span();
            let DeValue::Table(fields) = item.into_inner() else {
                problem(
                    problems,
                    span.start,
                    format!("each `{table}` entry must be a table"),
                );
                continue;
            };
            parse_record(file, table, kind, span, fields, 0, interner, out, problems);
        }
    }
    out.entities[first_entity..].sort_by_key(|e| e.record);
}

/// Reads one record (an entity when `kind` is given, else a relation) whose table `fields`
/// spans `span` of the text it was parsed from, which starts at byte `shift` of the file.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site per way of parsing a file"
)]
fn parse_record(
    file: usize,
    table: &str,
    kind: Option<EntityKind>,
    span: Range<usize>,
    fields: DeTable<'_>,
    shift: usize,
    interner: &Interner,
    out: &mut RawDataset,
    problems: &mut Vec<RawProblem>,
) {
    let record = span.start + shift;
    let parsed = match kind {
        Some(kind) => {
            let id = fields
                .iter()
                .find(|(k, _)| *k.get_ref() == "id")
                .and_then(|(_, v)| v.get_ref().as_str().map(str::to_owned));
            match parse_entity(file, kind, span.clone(), fields, interner) {
                Ok(e) => {
                    out.entities.push(RawEntity { record, ..e });
                    Ok(())
                }
                Err(errors) => {
                    if let Some(id) = id {
                        out.unparsed.push(UnparsedEntity {
                            table_kind: kind,
                            id,
                        });
                    }
                    Err(errors)
                }
            }
        }
        None => deserialize::<RawRelationFields>(span, fields).map(|f| {
            out.relations.push(RawRelation {
                file,
                record,
                relation_type: f.relation_type,
                from: interner.id(f.from.get_ref()),
                to: interner.id(f.to.get_ref()),
                role: f.role,
                since: f.since,
                until: f.until,
                citations: interner.citations(f.citations),
            });
        }),
    };
    if let Err(errors) = parsed {
        for e in errors {
            let offset = e.span().map_or(record, |s| s.start + shift);
            problems.push(RawProblem {
                file,
                place: Place::At(offset),
                message: format!("in [[{table}]]: {}", e.message().trim_end()),
                first_defined: None,
            });
        }
    }
}

fn parse_entity(
    file: usize,
    kind: EntityKind,
    span: Range<usize>,
    fields: DeTable<'_>,
    interner: &Interner,
) -> Result<RawEntity, Vec<toml::de::Error>> {
    let (common, rest): (DeTable<'_>, DeTable<'_>) = fields
        .into_iter()
        .partition(|(k, _)| COMMON_FIELDS.contains(&k.get_ref().as_ref()));
    let common = deserialize::<RawCommon>(span.clone(), common);
    let details = deserialize_details(kind, span.clone(), rest);
    match (common, details) {
        (Ok(c), Ok(details)) => Ok(RawEntity {
            file,
            record: span.start,
            table_kind: kind,
            id: interner.id(c.id.get_ref()),
            name: c.name.into_inner(),
            aliases: c.aliases,
            description: c.description,
            citations: interner.citations(c.citations),
            details,
        }),
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The tables of one file by where they start, to find the field a problem is about.
pub(crate) struct Records<'t> {
    tables: HashMap<usize, DeTable<'t>>,
}

impl<'t> Records<'t> {
    /// Parses `text` again (it parsed before, so it does again unless it changed meanwhile).
    pub(crate) fn new(text: &'t str) -> Self {
        let mut tables = HashMap::new();
        if let Ok(root) = DeTable::parse(text) {
            for (_, value) in root.into_inner() {
                if let DeValue::Array(items) = value.into_inner() {
                    for item in items {
                        let start = item.span().start;
                        if let DeValue::Table(fields) = item.into_inner() {
                            tables.insert(start, fields);
                        }
                    }
                }
            }
        }
        Records { tables }
    }

    /// The byte offset of `field` in the table that starts at `record`; the table's start
    /// when there is no such field.
    pub(crate) fn offset(&self, record: usize, field: Field) -> usize {
        let Some(table) = self.tables.get(&record) else {
            return record;
        };
        let citation = |i: usize, key: &str| {
            let DeValue::Array(items) = value(table, "citations")?.get_ref() else {
                return None;
            };
            let item = items.get(i)?;
            let DeValue::Table(fields) = item.get_ref() else {
                return Some(item.span().start);
            };
            Some(value(fields, key).map_or(item.span().start, |v| v.span().start))
        };
        match field {
            Field::Value(key) => value(table, key).map(|v| v.span().start),
            Field::CitationSource(i) => citation(i, "source"),
            Field::CitationQuote(i) => citation(i, "quote"),
            Field::CitationConflict(i) => citation(i, "conflict"),
        }
        .unwrap_or(record)
    }
}

/// The value of `key` in `table`.
fn value<'a, 't>(table: &'a DeTable<'t>, key: &str) -> Option<&'a Spanned<DeValue<'t>>> {
    table
        .iter()
        .find(|(k, _)| *k.get_ref() == key)
        .map(|(_, v)| v)
}

fn deserialize_details(
    kind: EntityKind,
    span: Range<usize>,
    rest: DeTable<'_>,
) -> Result<Details, Vec<toml::de::Error>> {
    Ok(match kind {
        EntityKind::Organization => {
            Details::Organization(deserialize::<OrganizationDetails>(span, rest)?)
        }
        EntityKind::Official => Details::Official(deserialize::<OfficialDetails>(span, rest)?),
        EntityKind::Event => Details::Event(deserialize::<EventDetails>(span, rest)?),
        EntityKind::Directive => Details::Directive(deserialize::<DirectiveDetails>(span, rest)?),
        EntityKind::Standard => Details::Standard(deserialize::<StandardDetails>(span, rest)?),
        EntityKind::StandardBatch => {
            Details::StandardBatch(deserialize::<StandardBatchDetails>(span, rest)?)
        }
        EntityKind::Mineral => Details::Mineral(deserialize::<MineralDetails>(span, rest)?),
        EntityKind::Application => {
            Details::Application(deserialize::<ApplicationDetails>(span, rest)?)
        }
        EntityKind::SupplyChainStage => {
            Details::SupplyChainStage(deserialize::<SupplyChainStageDetails>(span, rest)?)
        }
        EntityKind::Location => Details::Location(deserialize::<LocationDetails>(span, rest)?),
        EntityKind::Source => Details::Source(deserialize::<SourceDetails>(span, rest)?),
    })
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    span: Range<usize>,
    table: DeTable<'_>,
) -> Result<T, Vec<toml::de::Error>> {
    T::deserialize(ValueDeserializer::from(Spanned::new(
        span,
        DeValue::Table(table),
    )))
    .map_err(|e| vec![e])
}
