//! Checks on the real `data/`: it loads cleanly, hangs together, every fact is quoted from its
//! source, codes are well formed, and the counts match the seed article.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use reegraph::dataset::{self, Dataset};
use reegraph::graph::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use reegraph::model::{Citation, Details, DirectiveType, Entity, EntityKind, MineralForm};

use crate::common::{self, data_dir};

const TONGLU_MEETING: &str = "event:tc229-2025-annual-meeting";

/// `data/`, loaded afresh (the shared graph does not keep the dataset).
fn dataset() -> Dataset {
    dataset::load_dir(&data_dir()).unwrap_or_else(|e| panic!("data/ must load: {e}"))
}

fn entity<'a>(graph: &'a KnowledgeGraph, id: &str) -> &'a Entity {
    let key = graph
        .lookup(id)
        .unwrap_or_else(|| panic!("{id} is in data/"));
    graph.entity(key)
}

/// Runs of whitespace as one space, ends trimmed.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn data_loads_with_zero_problems() {
    match dataset::load_dir(&data_dir()) {
        Ok(ds) => {
            assert!(!ds.entities.is_empty());
            assert!(!ds.relations.is_empty());
        }
        Err(e) => panic!("data/ has problems:\n{e}"),
    }
}

#[test]
fn no_entity_is_an_orphan() {
    let graph = common::real_graph();
    let orphans: Vec<&str> = graph
        .keys()
        .filter(|k| graph.degree(*k) == 0)
        .map(|k| graph.entity(k).id.as_str())
        .collect();
    assert!(
        orphans.is_empty(),
        "entities without a relation: {orphans:?}"
    );
}

#[test]
fn every_entity_is_near_the_meeting_or_an_element() {
    const MAX_HOPS: usize = 4;
    let graph = common::real_graph();
    let meeting = graph
        .lookup(TONGLU_MEETING)
        .expect("the Tonglu meeting is in data/");
    let elements = graph.keys().filter(|k| {
        matches!(&graph.entity(*k).details, Details::Mineral(m) if m.form == MineralForm::Element)
    });
    let starts: Vec<EntityKey> = std::iter::once(meeting).chain(elements).collect();
    assert!(starts.len() > 1, "data/ has ELEMENT minerals");
    // One breadth-first search from all the starts at once, relations walked both ways.
    let mut distance: HashMap<EntityKey, usize> = starts.iter().map(|k| (*k, 0)).collect();
    let mut queue: VecDeque<EntityKey> = starts.into_iter().collect();
    let all = RelationFilter::all();
    while let Some(at) = queue.pop_front() {
        let d = distance[&at];
        if d == MAX_HOPS {
            continue;
        }
        for inc in graph.incident(at, &all, Direction::Both) {
            if let std::collections::hash_map::Entry::Vacant(slot) = distance.entry(inc.other) {
                slot.insert(d + 1);
                queue.push_back(inc.other);
            }
        }
    }
    let far: Vec<&str> = graph
        .keys()
        .filter(|k| !distance.contains_key(k))
        .map(|k| graph.entity(k).id.as_str())
        .collect();
    assert!(
        far.is_empty(),
        "more than {MAX_HOPS} hops from {TONGLU_MEETING} and from every element: {far:?}"
    );
}

#[test]
fn every_entity_and_relation_has_a_quoted_citation() {
    let ds = dataset();
    let quoted = |citations: &[Citation]| {
        citations
            .iter()
            .any(|c| c.quote.as_deref().is_some_and(|q| !q.trim().is_empty()))
    };
    let unquoted: Vec<&str> = ds
        .entities
        .iter()
        .filter(|e| !quoted(&e.citations))
        .map(|e| e.id.as_str())
        .collect();
    assert!(
        unquoted.is_empty(),
        "entities without a quoted citation: {unquoted:?}"
    );
    let unquoted: Vec<String> = ds
        .relations
        .iter()
        .filter(|r| !quoted(&r.citations))
        .map(|r| format!("{} {:?} {}", r.from, r.relation_type, r.to))
        .collect();
    assert!(
        unquoted.is_empty(),
        "relations without a quoted citation: {unquoted:?}"
    );
}

/// The loader checks quotes already; this checks them again, independently, against the text
/// files the cited sources name.
#[test]
fn every_quote_is_found_verbatim_in_its_source_text() {
    let ds = dataset();
    let mut texts: HashMap<&str, String> = HashMap::new();
    for e in &ds.entities {
        if let Details::Source(source) = &e.details
            && let Some(path) = &source.text
        {
            let full = data_dir().join(path);
            let text = std::fs::read_to_string(&full)
                .unwrap_or_else(|err| panic!("{}: cannot read {}: {err}", e.id, full.display()));
            texts.insert(e.id.as_str(), normalize(&text));
        }
    }
    assert!(
        texts.contains_key("source:reex-2025-tonglu"),
        "the seed article has a text"
    );
    let citations = ds
        .entities
        .iter()
        .flat_map(|e| e.citations.iter().map(move |c| (e.id.to_string(), c)))
        .chain(ds.relations.iter().flat_map(|r| {
            r.citations
                .iter()
                .map(move |c| (format!("{} {:?} {}", r.from, r.relation_type, r.to), c))
        }));
    let mut checked = 0;
    let mut missing = Vec::new();
    for (fact, citation) in citations {
        let (Some(quote), Some(text)) = (&citation.quote, texts.get(citation.source.as_str()))
        else {
            continue;
        };
        checked += 1;
        if !text.contains(&normalize(quote)) {
            missing.push(format!("{fact}: {quote:?} not in {}", citation.source));
        }
    }
    assert!(checked > 100, "only {checked} quotes checked");
    assert!(
        missing.is_empty(),
        "quotes not found verbatim:\n{}",
        missing.join("\n")
    );
}

/// A standard code: `GB/T 13560-2017`, `GB/T 18114`, `XB/T 617.2-2014`, `ISO 22444-1`,
/// `ISO 22450:2020`, `ISO/TS 22451:2021`. Returns the edition year if the code has one.
fn parse_code(code: &str) -> Result<Option<u32>, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let year = |s: &str| -> Result<u32, String> {
        let y: u32 = s
            .parse()
            .map_err(|_| format!("`{code}`: `{s}` is not a year"))?;
        if !(1950..=2030).contains(&y) || s.len() != 4 {
            return Err(format!("`{code}`: {s} is not a plausible year"));
        }
        Ok(y)
    };
    let (prefix, rest) = code
        .split_once(' ')
        .ok_or_else(|| format!("`{code}`: no space after the prefix"))?;
    match prefix {
        "GB" | "GB/T" | "XB/T" => {
            // number[.part][-year]
            let (number, edition) = match rest.split_once('-') {
                Some((n, y)) => (n, Some(year(y)?)),
                None => (rest, None),
            };
            let (main, part) = match number.split_once('.') {
                Some((m, p)) => (m, Some(p)),
                None => (number, None),
            };
            if !digits(main) || part.is_some_and(|p| !digits(p)) {
                return Err(format!("`{code}`: `{number}` is not a standard number"));
            }
            Ok(edition)
        }
        "ISO" | "ISO/TS" => {
            // number[-part][:year]
            let (number, edition) = match rest.split_once(':') {
                Some((n, y)) => (n, Some(year(y)?)),
                None => (rest, None),
            };
            let (main, part) = match number.split_once('-') {
                Some((m, p)) => (m, Some(p)),
                None => (number, None),
            };
            if !digits(main) || part.is_some_and(|p| !digits(p)) {
                return Err(format!("`{code}`: `{number}` is not an ISO number"));
            }
            Ok(edition)
        }
        other => Err(format!("`{code}`: unknown prefix `{other}`")),
    }
}

#[test]
fn the_code_checker_accepts_and_rejects_what_it_should() {
    assert_eq!(parse_code("GB/T 13560-2017"), Ok(Some(2017)));
    assert_eq!(parse_code("GB/T 18114"), Ok(None));
    assert_eq!(parse_code("XB/T 617.2-2014"), Ok(Some(2014)));
    assert_eq!(parse_code("ISO 22444-1"), Ok(None));
    assert_eq!(parse_code("ISO/TS 22451:2021"), Ok(Some(2021)));
    for bad in [
        "GBT 13560-2017",
        "GB/T13560-2017",
        "GB/T 13560-17",
        "GB/T 1356O-2017",
        "ISO 22450:20",
        "GB/T 13560-2017 ",
    ] {
        assert!(parse_code(bad).is_err(), "{bad} should be rejected");
    }
}

#[test]
fn every_standard_code_is_well_formed() {
    let ds = dataset();
    let mut problems = Vec::new();
    let mut coded = 0;
    for e in &ds.entities {
        let Details::Standard(s) = &e.details else {
            continue;
        };
        for old in &s.replaces {
            if let Err(p) = parse_code(old) {
                problems.push(format!("{} replaces: {p}", e.id));
            }
        }
        let Some(code) = &s.code else {
            continue;
        };
        coded += 1;
        let edition = match parse_code(code) {
            Ok(edition) => edition,
            Err(p) => {
                problems.push(format!("{}: {p}", e.id));
                continue;
            }
        };
        // The id is the code, lowercased, with `/`, ` ` and `:` as `-`.
        let slug: String = code
            .to_ascii_lowercase()
            .chars()
            .map(|c| if matches!(c, '/' | ' ' | ':') { '-' } else { c })
            .collect();
        if e.id.as_str() != format!("standard:{slug}") {
            problems.push(format!("{}: id does not follow its code `{code}`", e.id));
        }
        if !e.name.starts_with(code.as_str()) {
            problems.push(format!(
                "{}: name {:?} does not start with its code",
                e.id, e.name
            ));
        }
        // The edition year in the code is the year it was issued.
        if let (Some(year), Some(issued)) = (edition, s.issued)
            && !issued.to_string().starts_with(&year.to_string())
        {
            problems.push(format!("{}: code year {year}, issued {issued}", e.id));
        }
    }
    assert!(coded >= 15, "only {coded} standards have a code");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_batches_have_the_articles_counts() {
    let graph = common::real_graph();
    let count = |id: &str| match &entity(&graph, id).details {
        Details::StandardBatch(b) => b.count,
        other => panic!("{id} is not a batch: {other:?}"),
    };
    assert_eq!(count("standard-batch:tc229-2025-final-review-26"), 26);
    assert_eq!(count("standard-batch:tc229-2026-plan-proposals-30"), 30);
    assert_eq!(count("standard-batch:tc229-2025-11-13-approved-12"), 12);
    // And those are the batches of the meeting, each decided there.
    let mut counts: Vec<u32> = graph
        .keys()
        .filter_map(|k| match &graph.entity(k).details {
            Details::StandardBatch(b) => Some((k, b.count)),
            _ => None,
        })
        .filter(|(k, _)| {
            graph
                .incident(*k, &RelationFilter::all(), Direction::Outgoing)
                .any(|inc| graph.entity(inc.other).id.as_str() == TONGLU_MEETING)
        })
        .map(|(_, count)| count)
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [12, 26, 30]);
}

#[test]
fn the_meeting_had_at_least_150_attendees() {
    let graph = common::real_graph();
    let Details::Event(meeting) = &entity(&graph, TONGLU_MEETING).details else {
        panic!("{TONGLU_MEETING} is an event");
    };
    assert_eq!(meeting.attendees_at_least, Some(150));
    assert_eq!(
        meeting.start_date.map(|d| d.to_string()).as_deref(),
        Some("2025-11-12")
    );
    assert_eq!(
        meeting.end_date.map(|d| d.to_string()).as_deref(),
        Some("2025-11-13")
    );
}

#[test]
fn there_are_exactly_four_policy_directives_numbered_1_to_4() {
    let graph = common::real_graph();
    // The Tonglu directives have no formal number; the legal instruments of the sector (the
    // Rare Earth Management Regulations, Order No. 71) have one and are not in the numbered set.
    let mut ordinals: Vec<Option<u32>> = Vec::new();
    for k in graph.keys() {
        if let Details::Directive(d) = &graph.entity(k).details
            && d.directive_type == DirectiveType::PolicyDirective
        {
            if d.number.is_some() {
                assert_eq!(d.ordinal, None, "{}", graph.entity(k).id);
            } else {
                ordinals.push(d.ordinal);
            }
        }
    }
    ordinals.sort_unstable();
    assert_eq!(ordinals, [Some(1), Some(2), Some(3), Some(4)]);
    // Export controls are not part of the numbered set.
    let numbered_controls = graph
        .keys()
        .filter(|k| {
            matches!(&graph.entity(*k).details,
                Details::Directive(d) if d.directive_type == DirectiveType::ExportControl && d.ordinal.is_some())
        })
        .count();
    assert_eq!(numbered_controls, 0);
}

#[test]
fn the_seed_article_is_the_shared_reference_copy() {
    let reference =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/seed-article.txt");
    let local = data_dir().join("sources/seed-article.txt");
    let ours = std::fs::read_to_string(&local).expect("data/sources/seed-article.txt exists");
    assert!(ours.contains("Cao Yiding"));
    // The reference copy is only present in some checkouts.
    if let Ok(theirs) = std::fs::read_to_string(&reference) {
        assert!(
            ours == theirs,
            "{} differs from {}",
            local.display(),
            reference.display()
        );
    }
}

#[test]
fn kinds_in_the_graph_match_the_ids() {
    let graph = common::real_graph();
    let mut seen = HashSet::new();
    for k in graph.keys() {
        let e = graph.entity(k);
        let (prefix, _) = e.id.as_str().split_once(':').expect("a prefixed id");
        assert_eq!(prefix, e.kind().prefix(), "{}", e.id);
        seen.insert(e.kind());
    }
    assert_eq!(seen.len(), EntityKind::ALL.len(), "every kind is used");
}

/// Every web source quotes its own text: no two sources share a text file, and the research
/// notes' file is the text of the notes alone. Each web text names the page it copies.
#[test]
fn every_source_quotes_its_own_text() {
    let ds = dataset();
    let mut owners: HashMap<&str, &str> = HashMap::new();
    for e in &ds.entities {
        let Details::Source(s) = &e.details else {
            continue;
        };
        let Some(text) = &s.text else {
            continue;
        };
        if let Some(first) = owners.insert(text.as_str(), e.id.as_str()) {
            panic!("{} and {first} share the text {text}", e.id);
        }
        if let Some(url) = &s.url
            && text.starts_with("sources/web/")
        {
            let copy = std::fs::read_to_string(data_dir().join(text))
                .unwrap_or_else(|err| panic!("{text}: {err}"));
            assert!(
                copy.lines().any(|l| l == format!("URL: {url}")),
                "{text} does not name the page of {}: {url}",
                e.id
            );
            assert!(
                copy.lines().any(|l| l.starts_with("Retrieved: ")),
                "{text} does not say when it was retrieved"
            );
        }
    }
    assert_eq!(
        owners.get("sources/domain-facts.md"),
        Some(&"source:research-notes")
    );
}

/// A copy of `data/` in a fresh directory, for tests that edit it.
fn scratch_copy(name: &str) -> std::path::PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create the scratch directory");
        for entry in std::fs::read_dir(from).expect("read data/") {
            let entry = entry.expect("a directory entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("a file type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy a data file");
            }
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "reegraph-data-quality-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&data_dir(), &dir);
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read the file to edit");
    assert!(text.contains(from), "{} holds {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write the edited file");
}

/// A passage edited in a web source's own text (the research notes untouched) fails the check
/// of every citation that quotes it, naming that source.
#[test]
fn a_quote_edited_in_the_source_text_is_caught() {
    let dir = scratch_copy("edited-text");
    edit(
        &dir.join("sources/web/siliconexpert-2025-10-17-announcement-57.txt"),
        "Holmium (Ho), Erbium (Er)",
        "Holmium (Ho), Erbium",
    );
    let problems = match dataset::load_dir(&dir) {
        Ok(_) => panic!("the edited text still loads"),
        Err(e) => e.to_string(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let caught: Vec<&str> = problems
        .lines()
        .filter(|l| {
            l.contains("quote not found verbatim in the text of `source:siliconexpert-2025-10-announcement-57`")
        })
        .collect();
    // The five RESTRICTS relations of No. 57 quote that sentence.
    assert_eq!(caught.len(), 5, "{problems}");
    assert!(
        caught
            .iter()
            .all(|l| l.contains("relations-directives.toml")),
        "{problems}"
    );
}

/// A conflict must name the source of exactly one other citation of the same fact: one naming
/// a source not cited beside it is refused, at the citation's `conflict`.
#[test]
fn a_conflict_with_a_source_not_cited_beside_it_is_refused() {
    let dir = scratch_copy("conflict");
    edit(
        &dir.join("relations-organizations.toml"),
        "with = \"source:reex-iso-tc298\" }",
        "with = \"source:siliconexpert-2025-10-announcement-57\" }",
    );
    let problems = match dataset::load_dir(&dir) {
        Ok(_) => panic!("a conflict with an uncited source still loads"),
        Err(e) => e.to_string(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let caught: Vec<&str> = problems
        .lines()
        .filter(|l| l.contains("conflict names `source:siliconexpert-2025-10-announcement-57`"))
        .collect();
    assert_eq!(caught.len(), 1, "{problems}");
    assert!(
        caught[0].contains("relations-organizations.toml:"),
        "{problems}"
    );
}

/// A quote of a source that has no text of its own cannot be checked, so it is refused.
#[test]
fn a_quote_of_a_source_without_text_is_refused() {
    let dir = scratch_copy("no-text");
    edit(
        &dir.join("sources.toml"),
        "text = \"sources/web/siliconexpert-2025-10-17-announcement-57.txt\"\n",
        "",
    );
    let problems = match dataset::load_dir(&dir) {
        Ok(_) => panic!("quotes of a source without text still load"),
        Err(e) => e.to_string(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        problems.contains(
            "quote cannot be checked: `source:siliconexpert-2025-10-announcement-57` has no `text`"
        ),
        "{problems}"
    );
}
