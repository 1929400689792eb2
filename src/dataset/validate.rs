//! Raw records -> validated model, checking everything that spans records: ids, references,
//! endpoint kinds, citations and their quotes, and the SUPERSEDES relations a standard's
//! `replaces` requires (`editions.rs`).

mod citations;
mod editions;

use std::collections::{HashMap, HashSet};

use super::parse::{Field, RawDataset, RawEntity, RawRelation, UnparsedEntity};
use super::{Dataset, Place, RawProblem, SourceTexts, TextError};
use crate::model::{Details, Entity, EntityId, EntityKind, Relation, RelationType};
use citations::{CitationLists, check_citations};

struct Problems<'a>(&'a mut Vec<RawProblem>);

impl Problems<'_> {
    /// A problem about a record as a whole: shown at its table.
    fn at(&mut self, file: usize, record: usize, message: String) {
        self.push(file, Place::At(record), message);
    }

    /// A problem about one field of a record.
    fn field(&mut self, file: usize, record: usize, field: Field, message: String) {
        self.push(file, Place::In { record, field }, message);
    }

    fn push(&mut self, file: usize, place: Place, message: String) {
        self.0.push(RawProblem {
            file,
            place,
            message,
            first_defined: None,
        });
    }
}

/// What is known of an entity id once all entities are read.
struct Known {
    /// The id, shared with the entity.
    id: EntityId,
    kind: EntityKind,
    /// Where the entity comes in the output, for compact duplicate checks; `None` for entities
    /// whose record could not be read.
    index: Option<u32>,
    /// Where it was first defined: its file and the start of its table.
    first: (usize, usize),
    /// For a SOURCE with a local text: its path, a key into the texts read.
    text: Option<String>,
}

/// Entity ids, kinds and source texts, once all entities are read.
struct Index {
    /// By the address of the id's text: the parser's interner gives equal ids one allocation
    /// (see [`super::parse::Interner`]), so a reference finds its entity by hashing a number,
    /// comparing no text.
    known: foldhash::HashMap<usize, Known>,
    /// Entities whose record could not be read (their problems are already reported), by id:
    /// their ids are not shared. Empty when every record was read.
    unparsed: HashMap<String, Known>,
    /// Source texts by path, whitespace-normalized, or why they are unavailable.
    texts: HashMap<String, Result<String, TextError>>,
}

/// Checks the raw dataset as a whole; returns what is valid and records every problem.
///
/// Consumes the raw records, so their strings move into the model rather than being copied,
/// and references share their target's id. Cost: O(records), one hash lookup per reference.
pub(crate) fn validate(
    raw: RawDataset,
    texts: &dyn SourceTexts,
    problems: &mut Vec<RawProblem>,
) -> Dataset {
    let mut problems = Problems(problems);
    let mut index = Index {
        known: foldhash::HashMap::with_capacity_and_hasher(raw.entities.len(), Default::default()),
        unparsed: HashMap::new(),
        texts: HashMap::new(),
    };
    let mut lists = CitationLists::new();
    // Pass 1: ids, uniqueness, per-entity checks, source texts; then what refers to them.
    let ids = index_entities(&raw.entities, texts, &mut index, &mut problems);
    index_unparsed(&raw.unparsed, &mut index);
    report_unreadable_texts(&raw.entities, &index, &mut problems);
    // Pass 2: citations of entities, then relations; then the editions standards replace.
    let editions = editions::collect(&raw.entities, &ids);
    let entities = build_entities(raw.entities, ids, &index, &mut lists, &mut problems);
    let relations = build_relations(raw.relations, &index, &mut lists, &mut problems);
    editions::check(&editions, &relations, &mut problems);
    Dataset {
        entities,
        relations,
        fingerprint: 0,
    }
}

/// Pass 1: checks each entity's fields and id, reports duplicate ids, and indexes the first
/// entity of each id (reading its source text, once per path). Returns each record's id
/// (`None` when it is malformed).
fn index_entities(
    entities: &[RawEntity],
    texts: &dyn SourceTexts,
    index: &mut Index,
    problems: &mut Problems<'_>,
) -> Vec<Option<EntityId>> {
    let mut ids = Vec::with_capacity(entities.len());
    let mut next_index = 0u32;
    for e in entities {
        check_entity_fields(e, problems);
        let id = check_entity_id(e, problems);
        if let Some(id) = &id {
            match index.known.get(&address(&e.id)) {
                Some(first) => problems.0.push(RawProblem {
                    file: e.file,
                    place: id_place(e.record),
                    message: format!("duplicate id `{id}`"),
                    first_defined: Some((first.first.0, id_place(first.first.1))),
                }),
                None => {
                    let text = match &e.details {
                        Details::Source(s) => s.text.clone(),
                        _ => None,
                    };
                    if let Some(path) = &text
                        && !index.texts.contains_key(path)
                    {
                        let read = texts.read(path).map(|t| normalize_space(&t));
                        index.texts.insert(path.clone(), read);
                    }
                    index.known.insert(
                        address(&e.id),
                        Known {
                            id: id.clone(),
                            kind: e.table_kind,
                            index: Some(next_index),
                            first: (e.file, e.record),
                            text,
                        },
                    );
                }
            }
            next_index += 1;
        }
        ids.push(id);
    }
    ids
}

/// Entities whose record could not be read (their problems are already reported) still exist:
/// a reference to one is not dangling.
fn index_unparsed(unparsed: &[UnparsedEntity], index: &mut Index) {
    let read: HashSet<&str> = if unparsed.is_empty() {
        HashSet::new()
    } else {
        index.known.values().map(|k| k.id.as_str()).collect()
    };
    for u in unparsed {
        if let Ok((id, kind)) = EntityId::parse(&u.id)
            && kind == u.table_kind
            && !read.contains(id.as_str())
            && !index.unparsed.contains_key(id.as_str())
        {
            index.unparsed.insert(
                id.as_str().to_owned(),
                Known {
                    id,
                    kind,
                    index: None,
                    first: (0, 0),
                    text: None,
                },
            );
        }
    }
}

/// Reports unreadable source texts once, at the first source that names them.
fn report_unreadable_texts(entities: &[RawEntity], index: &Index, problems: &mut Problems<'_>) {
    let mut reported_texts = HashSet::new();
    for e in entities {
        if let Details::Source(s) = &e.details
            && let Some(path) = &s.text
            && let Some(Err(why)) = index.texts.get(path)
            && reported_texts.insert(path.clone())
        {
            problems.field(e.file, e.record, Field::Value("text"), why.to_string());
        }
    }
}

/// Pass 2 for entities: checks their citations and builds the model's entities, in the
/// allocation of the records (in-place `collect`), so records and model never take twice the
/// memory. Records without a valid id are dropped (their problem is reported).
fn build_entities(
    entities: Vec<RawEntity>,
    ids: Vec<Option<EntityId>>,
    index: &Index,
    lists: &mut CitationLists,
    problems: &mut Problems<'_>,
) -> Vec<Entity> {
    entities
        .into_iter()
        .zip(ids)
        .filter_map(|(e, id)| {
            let citations = check_citations(e.file, e.record, e.citations, index, lists, problems);
            let name = e.name;
            Some(Entity {
                id: id?,
                name: match name.trim() {
                    trimmed if trimmed.len() == name.len() => name,
                    trimmed => trimmed.to_owned(),
                },
                aliases: e.aliases,
                description: e.description,
                citations,
                details: e.details,
            })
        })
        .collect()
}

/// Pass 2 for relations: resolves endpoints, checks citations, endpoint kinds, self-loops,
/// dates and duplicates; builds the valid ones in the records' allocation.
fn build_relations(
    relations: Vec<RawRelation>,
    index: &Index,
    lists: &mut CitationLists,
    problems: &mut Problems<'_>,
) -> Vec<Relation> {
    let mut seen: foldhash::HashSet<(u32, RelationType, u32)> =
        foldhash::HashSet::with_capacity_and_hasher(relations.len(), Default::default());
    relations
        .into_iter()
        .filter_map(|f| build_relation(f, index, lists, &mut seen, problems))
        .collect()
}

/// One relation of [`build_relations`]; `seen` holds the `(from, type, to)` already built.
fn build_relation(
    f: RawRelation,
    index: &Index,
    lists: &mut CitationLists,
    seen: &mut foldhash::HashSet<(u32, RelationType, u32)>,
    problems: &mut Problems<'_>,
) -> Option<Relation> {
    let from = resolve(
        f.file,
        f.record,
        Field::Value("from"),
        &f.from,
        index,
        problems,
    );
    let to = resolve(f.file, f.record, Field::Value("to"), &f.to, index, problems);
    let citations = check_citations(f.file, f.record, f.citations, index, lists, problems);
    let (from, to) = (from?, to?);
    let (from_id, to_id) = (&from.id, &to.id);
    let t = f.relation_type;
    if !t.allows(from.kind, to.kind) {
        problems.at(f.file, f.record, wrong_endpoints(t, from.kind, to.kind));
        return None;
    }
    if from_id == to_id {
        problems.at(
            f.file,
            f.record,
            format!("relation from `{from_id}` to itself"),
        );
        return None;
    }
    if let (Some(since), Some(until)) = (f.since, f.until)
        && since > until
    {
        problems.at(
            f.file,
            f.record,
            format!("since {since} is after until {until}"),
        );
    }
    if let (Some(a), Some(b)) = (from.index, to.index)
        && !seen.insert((a, t, b))
    {
        problems.at(
            f.file,
            f.record,
            format!(
                "duplicate relation `{from_id}` {} `{to_id}`: merge their citations",
                t.name(),
            ),
        );
        return None;
    }
    Some(Relation {
        relation_type: t,
        from: from_id.clone(),
        to: to_id.clone(),
        role: f.role,
        since: f.since,
        until: f.until,
        citations,
    })
}

/// The problem of a relation whose type does not allow its endpoints' kinds.
fn wrong_endpoints(t: RelationType, from: EntityKind, to: EntityKind) -> String {
    let spec = t.spec();
    let kinds = |kinds: &[EntityKind]| {
        kinds
            .iter()
            .map(|k| kind_name(*k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{} cannot go from {} to {}: it goes from [{}] to [{}]",
        t.name(),
        kind_name(from),
        kind_name(to),
        kinds(spec.from),
        kinds(spec.to),
    )
}

fn kind_name(kind: EntityKind) -> String {
    kind.prefix().replace('-', "_").to_uppercase()
}

/// Where a problem about an entity's id is shown.
fn id_place(record: usize) -> Place {
    Place::In {
        record,
        field: Field::Value("id"),
    }
}

fn check_entity_id(e: &RawEntity, problems: &mut Problems<'_>) -> Option<EntityId> {
    match EntityId::from_shared(e.id.clone()) {
        Ok((id, kind)) if kind == e.table_kind => Some(id),
        Ok((id, kind)) => {
            problems.push(
                e.file,
                id_place(e.record),
                format!(
                    "id `{id}` has the prefix of [[{}]] but is in table [[{}]]",
                    kind.prefix(),
                    e.table_kind.prefix()
                ),
            );
            None
        }
        Err(err) => {
            problems.push(e.file, id_place(e.record), err.to_string());
            None
        }
    }
}

fn check_entity_fields(e: &RawEntity, problems: &mut Problems<'_>) {
    if e.name.trim().is_empty() {
        problems.field(
            e.file,
            e.record,
            Field::Value("name"),
            "name is empty".to_owned(),
        );
    }
    // Problems about one field are reported at its value, the others at the table.
    let start = Place::At(e.record);
    let field = |name: &'static str| Place::In {
        record: e.record,
        field: Field::Value(name),
    };
    let mut at = |place: Place, message: String| problems.push(e.file, place, message);
    match &e.details {
        Details::Event(ev) => {
            if let (Some(a), Some(b)) = (ev.start_date, ev.end_date)
                && a > b
            {
                at(start, format!("start_date {a} is after end_date {b}"));
            }
        }
        Details::Mineral(m) => {
            let element = m.form == crate::model::MineralForm::Element;
            if !element && (m.symbol.is_some() || m.atomic_number.is_some()) {
                at(
                    start,
                    "only an ELEMENT has a symbol or atomic_number (use formula)".to_owned(),
                );
            }
            if let Some(z) = m.atomic_number
                && !(1..=118).contains(&z)
            {
                at(
                    field("atomic_number"),
                    format!("atomic_number {z} is not between 1 and 118"),
                );
            }
            let mut schemes = HashSet::new();
            for c in &m.classifications {
                if !schemes.insert(c.scheme) {
                    at(
                        field("classifications"),
                        format!("classification scheme {:?} given twice", c.scheme),
                    );
                }
            }
        }
        Details::Standard(s) => {
            if let Some(code) = &s.code
                && !is_well_formed_code(code)
            {
                at(
                    field("code"),
                    format!(
                        "standard code `{code}` is not well formed: expected e.g. `GB/T 13560-2017`, `XB/T 617.2-2014` or `ISO 22444-1:2020`"
                    ),
                );
            }
        }
        _ => {}
    }
}

/// Whether `code` looks like `GB/T 13560[-2017]`, `XB/T 617.2-2014`, `ISO[/TS] 22444-1[:2020]`.
pub fn is_well_formed_code(code: &str) -> bool {
    let Some((prefix, number)) = code.split_once(' ') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let year = |s: &str| s.len() == 4 && digits(s);
    let dotted = |s: &str| s.split('.').all(digits);
    match prefix {
        "GB" | "GB/T" | "XB/T" | "YS/T" => {
            let (num, yr) = match number.rsplit_once('-') {
                Some((n, y)) => (n, Some(y)),
                None => (number, None),
            };
            dotted(num) && yr.is_none_or(year)
        }
        "ISO" | "ISO/TS" | "ISO/TR" => {
            let (num, yr) = match number.split_once(':') {
                Some((n, y)) => (n, Some(y)),
                None => (number, None),
            };
            num.split('-').all(digits) && yr.is_none_or(year)
        }
        _ => false,
    }
}

/// The entity a reference names (what is known of it, its shared id included), or a problem
/// saying why there is none. Allocates nothing when the reference is good.
fn resolve<'i>(
    file: usize,
    record: usize,
    field: Field,
    raw: &str,
    index: &'i Index,
    problems: &mut Problems<'_>,
) -> Option<&'i Known> {
    if let Some(found) = index
        .known
        .get(&address(raw))
        .or_else(|| index.unparsed.get(raw))
    {
        return Some(found);
    }
    let message = match EntityId::kind_of(raw) {
        Err(e) => e.to_string(),
        Ok(_) => format!("no entity has id `{raw}`"),
    };
    problems.field(file, record, field, message);
    None
}

/// Where the text of an id is: the key of [`Index::known`]. Only ids from one interner are
/// compared this way, and they all live until validation ends, so equal addresses are equal ids.
fn address(id: &str) -> usize {
    id.as_ptr().addr()
}

/// Collapses every run of whitespace to one space and trims the ends.
fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
