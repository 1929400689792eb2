//! Raw records -> validated model, checking everything that spans records: ids, references,
//! endpoint kinds, citations and their quotes.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::parse::{RawCitation, RawDataset, RawEntity};
use super::{Dataset, RawProblem, SourceTexts};
use crate::model::{Citation, Details, Entity, EntityId, EntityKind, Relation, RelationType};

struct Problems<'a>(&'a mut Vec<RawProblem>);

impl Problems<'_> {
    fn at(&mut self, file: usize, offset: usize, message: String) {
        self.0.push(RawProblem {
            file,
            offset,
            message,
            first_defined: None,
        });
    }
}

/// What is known of an entity id once all entities are read.
struct Known<'a> {
    kind: EntityKind,
    /// The local text of a SOURCE, whitespace-normalized, or why it is unavailable.
    text: Option<&'a Result<String, String>>,
}

/// Checks the raw dataset as a whole; returns what is valid and records every problem.
pub(crate) fn validate(
    raw: RawDataset,
    texts: &dyn SourceTexts,
    problems: &mut Vec<RawProblem>,
) -> Dataset {
    let mut problems = Problems(problems);

    // Pass 1: ids, uniqueness, per-entity checks. Source texts are read once each.
    let mut ids: HashMap<String, (usize, usize)> = HashMap::new();
    let mut parsed_ids = Vec::with_capacity(raw.entities.len());
    let mut source_texts: HashMap<String, Result<String, String>> = HashMap::new();
    for e in &raw.entities {
        let id = check_entity_id(e, &mut problems);
        if let Some(id) = &id {
            match ids.get(id.as_str()) {
                Some(&first) => problems.0.push(RawProblem {
                    file: e.file,
                    offset: e.id.span().start,
                    message: format!("duplicate id `{id}`"),
                    first_defined: Some(first),
                }),
                None => {
                    ids.insert(id.as_str().to_owned(), (e.file, e.id.span().start));
                }
            }
        }
        check_entity_fields(e, &mut problems);
        if let Details::Source(s) = &e.details
            && let Some(path) = &s.text
            && !source_texts.contains_key(path)
        {
            source_texts.insert(path.clone(), texts.read(path).map(|t| normalize_space(&t)));
        }
        parsed_ids.push(id);
    }
    let id_strings: Vec<Option<String>> = parsed_ids
        .iter()
        .map(|id| id.as_ref().map(|i| i.as_str().to_owned()))
        .collect();
    let mut known: HashMap<&str, Known<'_>> = HashMap::new();
    for (e, id) in raw.entities.iter().zip(&id_strings) {
        if let Some(id) = id {
            let text = match &e.details {
                Details::Source(s) => s.text.as_ref().and_then(|p| source_texts.get(p)),
                _ => None,
            };
            known.entry(id.as_str()).or_insert(Known {
                kind: e.table_kind,
                text,
            });
        }
    }
    // Entities whose record could not be read (their problems are already reported) still exist:
    // a reference to one is not dangling.
    for u in &raw.unparsed {
        if let Ok((_, kind)) = EntityId::parse(u.id.get_ref())
            && kind == u.table_kind
        {
            known
                .entry(u.id.get_ref().as_str())
                .or_insert(Known { kind, text: None });
        }
    }
    // Report unreadable source texts once, at the source that names them.
    let mut reported_texts = HashSet::new();
    for e in &raw.entities {
        if let Details::Source(s) = &e.details
            && let Some(path) = &s.text
            && let Some(Err(why)) = source_texts.get(path)
            && reported_texts.insert(path.clone())
        {
            problems.at(e.file, e.field_offset("text"), why.clone());
        }
    }

    // Pass 2: citations of entities, then relations.
    let mut entities = Vec::with_capacity(raw.entities.len());
    for (e, id) in raw.entities.iter().zip(parsed_ids) {
        let citations = check_citations(e.file, e.span.start, &e.citations, &known, &mut problems);
        if let Some(id) = id {
            entities.push(Entity {
                id,
                name: e.name.get_ref().trim().to_owned(),
                aliases: e.aliases.clone(),
                description: e.description.clone(),
                citations,
                details: e.details.clone(),
            });
        }
    }

    let mut relations = Vec::with_capacity(raw.relations.len());
    let mut seen: HashSet<(String, RelationType, String)> = HashSet::new();
    for r in &raw.relations {
        let f = &r.fields;
        let from = resolve(r.file, &f.from, &known, &mut problems);
        let to = resolve(r.file, &f.to, &known, &mut problems);
        let citations = check_citations(r.file, r.span.start, &f.citations, &known, &mut problems);
        let (Some((from, from_kind)), Some((to, to_kind))) = (from, to) else {
            continue;
        };
        let t = f.relation_type;
        if !t.allows(from_kind, to_kind) {
            let spec = t.spec();
            problems.at(
                r.file,
                r.span.start,
                format!(
                    "{} cannot go from {} to {}: it goes from [{}] to [{}]",
                    t.name(),
                    kind_name(from_kind),
                    kind_name(to_kind),
                    spec.from
                        .iter()
                        .map(|k| kind_name(*k))
                        .collect::<Vec<_>>()
                        .join(", "),
                    spec.to
                        .iter()
                        .map(|k| kind_name(*k))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            );
            continue;
        }
        if from == to {
            problems.at(
                r.file,
                r.span.start,
                format!("relation from `{from}` to itself"),
            );
            continue;
        }
        if let (Some(since), Some(until)) = (f.since, f.until)
            && since > until
        {
            problems.at(
                r.file,
                r.span.start,
                format!("since {since} is after until {until}"),
            );
        }
        if !seen.insert((from.as_str().to_owned(), t, to.as_str().to_owned())) {
            problems.at(
                r.file,
                r.span.start,
                format!(
                    "duplicate relation `{from}` {} `{to}`: merge their citations",
                    t.name()
                ),
            );
            continue;
        }
        relations.push(Relation {
            relation_type: t,
            from,
            to,
            role: f.role.clone(),
            since: f.since,
            until: f.until,
            citations,
        });
    }
    Dataset {
        entities,
        relations,
        fingerprint: 0,
    }
}

fn kind_name(kind: EntityKind) -> String {
    kind.prefix().replace('-', "_").to_uppercase()
}

fn check_entity_id(e: &RawEntity, problems: &mut Problems<'_>) -> Option<EntityId> {
    match EntityId::parse(e.id.get_ref()) {
        Ok((id, kind)) if kind == e.table_kind => Some(id),
        Ok((id, kind)) => {
            problems.at(
                e.file,
                e.id.span().start,
                format!(
                    "id `{id}` has the prefix of [[{}]] but is in table [[{}]]",
                    kind.prefix(),
                    e.table_kind.prefix()
                ),
            );
            None
        }
        Err(err) => {
            problems.at(e.file, e.id.span().start, err.to_string());
            None
        }
    }
}

fn check_entity_fields(e: &RawEntity, problems: &mut Problems<'_>) {
    if e.name.get_ref().trim().is_empty() {
        problems.at(e.file, e.name.span().start, "name is empty".to_owned());
    }
    // Problems about one field are reported at its value, the others at the table.
    let start = e.span.start;
    let mut at = |offset: usize, message: String| problems.at(e.file, offset, message);
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
                    e.field_offset("atomic_number"),
                    format!("atomic_number {z} is not between 1 and 118"),
                );
            }
            let mut schemes = HashSet::new();
            for c in &m.classifications {
                if !schemes.insert(c.scheme) {
                    at(
                        e.field_offset("classifications"),
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
                    e.field_offset("code"),
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

fn resolve(
    file: usize,
    id: &Spanned<String>,
    known: &HashMap<&str, Known<'_>>,
    problems: &mut Problems<'_>,
) -> Option<(EntityId, EntityKind)> {
    match EntityId::parse(id.get_ref()) {
        Err(e) => {
            problems.at(file, id.span().start, e.to_string());
            None
        }
        Ok((parsed, _)) => match known.get(parsed.as_str()) {
            Some(k) => Some((parsed, k.kind)),
            None => {
                problems.at(
                    file,
                    id.span().start,
                    format!("no entity has id `{parsed}`"),
                );
                None
            }
        },
    }
}

fn check_citations(
    file: usize,
    record: usize,
    raw: &[RawCitation],
    known: &HashMap<&str, Known<'_>>,
    problems: &mut Problems<'_>,
) -> Vec<Citation> {
    if raw.is_empty() {
        problems.at(
            file,
            record,
            "no citation: every fact needs at least one".to_owned(),
        );
    }
    let mut out = Vec::with_capacity(raw.len());
    for c in raw {
        let Some((source, kind)) = resolve(file, &c.source, known, problems) else {
            continue;
        };
        if kind != EntityKind::Source {
            problems.at(
                file,
                c.source.span().start,
                format!(
                    "citation source `{source}` is of kind {}, not a source",
                    kind.prefix()
                ),
            );
            continue;
        }
        if let Some(quote) = &c.quote {
            let q = normalize_space(quote.get_ref());
            if q.is_empty() {
                problems.at(file, quote.span().start, "quote is empty".to_owned());
            } else if let Some(Some(Ok(text))) = known.get(source.as_str()).map(|k| k.text)
                && !text.contains(&q)
            {
                problems.at(
                    file,
                    quote.span().start,
                    format!("quote not found verbatim in the text of `{source}`: \"{q}\""),
                );
            }
        }
        out.push(Citation {
            source,
            quote: c.quote.as_ref().map(|q| q.get_ref().clone()),
            grade: c.grade,
            note: c.note.clone(),
        });
    }
    out
}

/// Collapses every run of whitespace to one space and trims the ends.
fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
