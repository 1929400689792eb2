//! The loader's record-by-record parse must read exactly what the whole-document parse reads.

use super::RawProblem;
use super::parse::{Interner, RawDataset, parse_by_record, parse_document, parse_file};

/// What a parse produced, as text: records (with their places) and problems.
fn parsed(text: &str, by_record: bool) -> String {
    let interner = Interner::default();
    let mut out = RawDataset::default();
    let mut problems: Vec<RawProblem> = Vec::new();
    if by_record {
        parse_file(0, text, &interner, &mut out, &mut problems);
    } else {
        parse_document(0, text, &interner, &mut out, &mut problems);
    }
    format!("{out:#?}\n{problems:#?}")
}

/// Whether `text` is read record by record (rather than as one document).
fn by_record(text: &str) -> bool {
    let mut out = RawDataset::default();
    parse_by_record(0, text, &Interner::default(), &mut out, &mut Vec::new()).is_some()
}

fn assert_same(text: &str) {
    assert_eq!(parsed(text, true), parsed(text, false), "text:\n{text}");
}

const RECORDS: &str = r#"# A comment before the records.

[[source]]
id = "source:notes"
name = "Notes"
source_type = "RESEARCH_NOTES"
text = "notes.txt"
citations = [{ source = "source:notes", quote = "Line one.", grade = "VERIFIED" }]

[[mineral]]
id = "mineral:scandium"
name = "Scandium"
form = "ELEMENT"
atomic_number = 21
citations = [
  { source = "source:notes", grade = "VERIFIED_SECONDARY" },
]

[[relation]]
from = "source:notes"
type = "REPORTS_ON"
to = "mineral:scandium"
citations = [{ source = "source:notes", grade = "REPORTED" }]
"#;

#[test]
fn record_by_record_reads_what_the_document_reads() {
    assert!(by_record(RECORDS));
    assert_same(RECORDS);
    assert_same(&RECORDS.replace('\n', "\r\n"));
    assert_same(&format!("\u{feff}{RECORDS}"));
    assert_same(RECORDS.trim_start_matches(|c| c != '['));
    assert_same("");
    assert_same("# only a comment\n");
}

#[test]
fn bad_records_are_reported_alike() {
    // A typo, a wrong type, a missing field: problems of records, not of the document.
    assert_same(&RECORDS.replace("name = \"Scandium\"", "nme = \"Scandium\""));
    assert_same(&RECORDS.replace("atomic_number = 21", "atomic_number = \"21\""));
    assert_same(&RECORDS.replace("type = \"REPORTS_ON\"\n", ""));
    assert_same(&RECORDS.replace("[[mineral]]", "[[minerals]]"));
    assert_same(&RECORDS.replace("[[mineral]]", "[mineral]"));
}

#[test]
fn lines_that_only_look_like_headers_do_not_cut_records() {
    // `[[` at the start of a line inside a multi-line string or array starts no record.
    assert_same(&RECORDS.replace(
        "name = \"Notes\"",
        "name = \"Notes\"\ndescription = \"\"\"\n[[relation]]\nfrom = 1\n\"\"\"",
    ));
    assert_same(&RECORDS.replace(
        "name = \"Notes\"",
        "name = \"Notes\"\ndescription = '''\n[[relation]]\n'''",
    ));
    assert_same(&RECORDS.replace(
        "name = \"Notes\"",
        "name = \"Notes\"\naliases = [\n[[\"x\"]]]",
    ));
    assert_same(&RECORDS.replace("form = \"ELEMENT\"", "form = \"ELEMENT\"\nx = [\n[[1]],\n]"));
}

#[test]
fn other_document_shapes_are_read_as_documents() {
    // Keys before the first header, sub-tables, headers written otherwise, syntax errors.
    assert_same(&format!("title = \"x\"\n{RECORDS}"));
    assert_same(&RECORDS.replace(
        "citations = [{ source = \"source:notes\", grade = \"REPORTED\" }]",
        "[[relation.citations]]\nsource = \"source:notes\"\ngrade = \"REPORTED\"",
    ));
    assert_same(&RECORDS.replace("[[relation]]", "[[ relation ]]"));
    assert_same(&RECORDS.replace("[[relation]]", "[[\"relation\"]]"));
    assert_same(&format!("{RECORDS}\n[relation.extra]\nx = 1\n"));
    assert_same(&RECORDS.replace("form = \"ELEMENT\"", "form = \"ELEMENT"));
    assert_same(&RECORDS.replace("form = \"ELEMENT\"", "form = \"ELEMENT\"\nform = \"ORE\""));
    assert_same(&format!(
        "{RECORDS}\n[[relation]]\nfrom = \"a\"\nfrom = \"b\"\n"
    ));
    assert_same(&format!("{RECORDS}\n[[source.x]]\n"));
    assert_same(&format!("{RECORDS}\n[[relation]\n"));
    assert!(!by_record(&format!("title = \"x\"\n{RECORDS}")));
    assert!(!by_record(&RECORDS.replace("[[mineral]]", "[[minerals]]")));
}

#[test]
fn fixture_files_read_alike() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for case in ["valid-minimal", "invalid-many", "invalid-syntax"] {
        for entry in std::fs::read_dir(dir.join(case)).unwrap_or_else(|e| panic!("{case}: {e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{case}: {e}")).path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_same(&text);
            }
        }
    }
}

#[test]
fn generated_files_read_alike() {
    let files = crate::synth::generate(&crate::synth::SynthConfig {
        entities: 600,
        seed: 7,
    });
    for f in files.iter().filter(|f| f.name.ends_with(".toml")) {
        assert!(by_record(&f.text), "{}", f.name);
        assert_same(&f.text);
    }
}
