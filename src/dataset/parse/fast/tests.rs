//! The fast reader against `toml`: whatever it reads, `toml` reads the same (table, keys,
//! values and every span); and it does read the records data files are made of.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use toml::de::{DeTable, DeValue};

use super::record;

/// What `toml` reads for `piece` as one record: its table, the table's span and its fields.
fn by_toml(piece: &str) -> Option<String> {
    let root = DeTable::parse(piece).ok()?.into_inner();
    let mut tables = root.into_iter();
    let (key, value) = tables.next()?;
    if tables.next().is_some() {
        return None;
    }
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
    Some(format!("{} {span:?} {fields:#?}", key.get_ref()))
}

fn by_fast(piece: &str) -> Option<String> {
    record(piece).map(|r| format!("{} {:?} {:#?}", r.table, r.span, r.fields))
}

/// Fails when the fast reader reads `piece` other than `toml` does; true when it read it.
fn agree(piece: &str) -> Result<bool, TestCaseError> {
    let fast = by_fast(piece);
    if fast.is_some() {
        prop_assert_eq!(&fast, &by_toml(piece), "piece:\n{}", piece);
    }
    Ok(fast.is_some())
}

fn config(cases: u32) -> Config {
    let mut config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x7061_7273);
    }
    config
}

/// Pieces of a basic string's body: plain text, every escape (decoded or declined), raw
/// control characters, and quotes that end the string early.
const STRING_PARTS: &[&str] = &[
    "a",
    "Zq",
    "0",
    " ",
    "-",
    ":",
    "é",
    "稀土",
    "'",
    "#",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    "\\\\",
    "\\\"",
    "\\n",
    "\\t",
    "\\b",
    "\\f",
    "\\r",
    "\\e",
    "\\x41",
    "\\u00e9",
    "\\u00E9",
    "\\u0000",
    "\\U0001F600",
    "\\U0001f600",
    "\\uD800",
    "\\u12",
    "\\u+0e9",
    "\\U00110000",
    "\\q",
    "\\ ",
    "\t",
    "\u{1}",
    "\u{7f}",
    "\r",
    "\n",
    "\"",
];

/// Values other than basic strings, arrays and inline tables.
const OTHER_VALUES: &[&str] = &[
    "true",
    "false",
    "truex",
    "falsey",
    "'lit'",
    "''",
    "'''ml\nx'''",
    "\"\"\"ml\nx\"\"\"",
    "\"\"\"\"\"\"",
    "\"\"",
    "21",
    "-3",
    "0x1f",
    "1.5",
    "1e3",
    "inf",
    "nan",
    "2020-01-01",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "+1",
    "t",
    "f",
    "[]",
    "[ ]",
    "{}",
    "{ }",
    "[[]]",
];

const KEYS: &[&str] = &[
    "id",
    "name",
    "from",
    "to",
    "type",
    "citations",
    "aliases",
    "source",
    "quote",
    "grade",
    "rare_earth",
    "a-b",
    "x_1",
    "A",
    "9",
    "\"quoted\"",
    "'lit'",
    "a.b",
    "a . b",
    "é",
    "",
];

const TABLES: &[&str] = &[
    "relation",
    "source",
    "mineral",
    "organization",
    "standard-batch",
    "x_1",
    "relation.x",
    "\"relation\"",
    " relation ",
    "relation ",
    "",
    "é",
];

fn basic_string(plain: bool) -> impl Strategy<Value = String> {
    let parts: Vec<&'static str> = if plain {
        // Only what the fast reader decodes.
        STRING_PARTS
            .iter()
            .copied()
            .filter(|p| {
                !matches!(
                    *p,
                    "\\e"
                        | "\\x41"
                        | "\\uD800"
                        | "\\u12"
                        | "\\u+0e9"
                        | "\\U00110000"
                        | "\\q"
                        | "\\ "
                        | "\u{1}"
                        | "\u{7f}"
                        | "\r"
                        | "\n"
                        | "\""
                )
            })
            .collect()
    } else {
        STRING_PARTS.to_vec()
    };
    prop::collection::vec(prop::sample::select(parts), 0..6)
        .prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn key(plain: bool) -> BoxedStrategy<String> {
    if plain {
        prop::sample::select(&KEYS[..15])
            .prop_map(str::to_owned)
            .boxed()
    } else {
        prop::sample::select(KEYS).prop_map(str::to_owned).boxed()
    }
}

/// A scalar: a basic string, or (unless `plain`) anything else.
fn scalar(plain: bool) -> BoxedStrategy<String> {
    let others = if plain {
        &OTHER_VALUES[..2]
    } else {
        OTHER_VALUES
    };
    prop_oneof![
        3 => basic_string(plain),
        1 => prop::sample::select(others).prop_map(str::to_owned),
    ]
    .boxed()
}

fn inline_table(plain: bool) -> BoxedStrategy<String> {
    let (seps, ends): (&[&str], &[&str]) = if plain {
        (&[", ", ",", " ,\t"], &["", " ", "\t"])
    } else {
        (
            &[", ", ",", ",\n", " , ", ""],
            &["", " ", ",", ", ", "\n", " # c\n"],
        )
    };
    let entry = (
        key(plain),
        prop::sample::select(&[" = ", "=", "\t=  "][..]),
        scalar(plain),
    )
        .prop_map(|(k, eq, v)| format!("{k}{eq}{v}"));
    (
        prop::collection::vec(entry, 0..4),
        prop::sample::select(seps),
        prop::sample::select(ends),
        prop::sample::select(ends),
    )
        .prop_map(|(entries, sep, open, close)| format!("{{{open}{}{close}}}", entries.join(sep)))
        .boxed()
}

fn array(plain: bool) -> BoxedStrategy<String> {
    let item = prop_oneof![2 => scalar(plain), 2 => inline_table(plain)];
    let (seps, ends): (&[&str], &[&str]) = if plain {
        (
            &[", ", ",", ",\n  ", "\n, "],
            &["", " ", "\n", ",", ",\n", "\n  "],
        )
    } else {
        (
            &[", ", ",", ",\n  ", " # c\n, ", ",\r\n", "", ",,"],
            &["", " ", "\n", ",", ",\n", "# c\n", ",,", "\r\n"],
        )
    };
    (
        prop::collection::vec(item, 0..4),
        prop::sample::select(seps),
        prop::sample::select(ends),
        prop::sample::select(ends),
    )
        .prop_map(|(items, sep, open, close)| format!("[{open}{}{close}]", items.join(sep)))
        .boxed()
}

fn value(plain: bool) -> BoxedStrategy<String> {
    let mut values = vec![
        (3, scalar(plain)),
        (2, array(plain)),
        (1, inline_table(plain)),
    ];
    if !plain {
        values.push((1, array(false).prop_map(|a| format!("[{a}]")).boxed()));
    }
    prop::strategy::Union::new_weighted(values).boxed()
}

/// One record's text: a header line, then key/value lines and blank lines. `plain` keeps to
/// the shape the fast reader reads (its keys may still repeat).
fn record_text(plain: bool) -> impl Strategy<Value = String> {
    let (indents, eqs, trails, ends): (&[&str], &[&str], &[&str], &[&str]) = if plain {
        (
            &["", " ", "\t"],
            &[" = ", "=", " =\t"],
            &["", " ", "\t"],
            &["\n", "\n\n"],
        )
    } else {
        (
            &["", " ", "\t", "\n"],
            &[" = ", "=", " ", " == "],
            &["", " ", " # comment", "#"],
            &["\n", "\n\n", "\r\n", ""],
        )
    };
    let tables = if plain { &TABLES[..6] } else { TABLES };
    let line = (
        prop::sample::select(indents),
        key(plain),
        prop::sample::select(eqs),
        value(plain),
        prop::sample::select(trails),
        prop::sample::select(ends),
    )
        .prop_map(|(indent, k, eq, v, trail, end)| format!("{indent}{k}{eq}{v}{trail}{end}"));
    (
        prop::sample::select(tables),
        prop::sample::select(trails),
        prop::collection::vec(line, 0..7),
    )
        .prop_map(|(table, trail, lines)| format!("[[{table}]]{trail}\n{}", lines.concat()))
}

/// Edits of a text at a place: deletions, and insertions of characters that matter to TOML.
fn mutated(text: String) -> impl Strategy<Value = String> {
    const INSERTS: &[&str] = &[
        "\"",
        "\\",
        "#",
        ",",
        "]",
        "}",
        "{",
        "[",
        "\n",
        "\r",
        " ",
        "=",
        "'",
        ".",
        "\t",
        "\u{0}",
        "é",
        "\\u",
        "\"\"",
        "\"\"\"",
        "'''",
        "\u{1}",
        "\u{7f}",
        "\u{feff}",
        "\\e",
        "\\x41",
        "\\uD800",
        "\\U00110000",
        "\\ ",
        "1",
        "true",
        "[[",
        "]]",
    ];
    let edit = (
        any::<prop::sample::Index>(),
        prop::option::of(prop::sample::select(INSERTS)),
    );
    prop::collection::vec(edit, 1..4).prop_map(move |edits| {
        let mut text = text.clone();
        for (at, insert) in edits {
            let places: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect();
            let i = places[at.index(places.len())];
            match insert {
                Some(s) => text.insert_str(i, s),
                None => {
                    if let Some(c) = text[i..].chars().next() {
                        text.replace_range(i..i + c.len_utf8(), "");
                    }
                }
            }
        }
        text
    })
}

#[test]
fn plain_records_are_read_as_toml_reads_them() {
    let read = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(config(2_000));
    runner
        .run(&record_text(true), |text| {
            if agree(&text)? {
                read.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // The plain shape is read but for duplicate keys (which `toml` rejects).
    let read = read.into_inner();
    assert!(read > 1_000, "only {read} of 2000 plain records read");
}

#[test]
fn any_record_the_fast_reader_reads_is_read_alike() {
    let mut runner = TestRunner::new(config(4_000));
    runner
        .run(&record_text(false), |text| agree(&text).map(drop))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn mutated_records_are_read_alike_or_declined() {
    let mut runner = TestRunner::new(config(4_000));
    let strategy = prop_oneof![record_text(true), record_text(false)].prop_flat_map(mutated);
    runner
        .run(&strategy, |text| agree(&text).map(drop))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn escapes_are_decoded_as_toml_decodes_them() {
    for escape in [
        "\\\\",
        "\\\"",
        "\\b",
        "\\t",
        "\\n",
        "\\f",
        "\\r",
        "\\u00e9",
        "\\U0001F600",
    ] {
        let piece = format!("[[relation]]\nfrom = \"a{escape}b\"\n");
        assert_eq!(agree(&piece).ok(), Some(true), "{piece}");
    }
    for declined in [
        "\\e",
        "\\x41",
        "\\uD800",
        "\\u12",
        "\\U00110000",
        "\\q",
        "\\ ",
    ] {
        let piece = format!("[[relation]]\nfrom = \"a{declined}b\"\n");
        assert!(record(&piece).is_none(), "{piece}");
    }
}

#[test]
fn duplicate_keys_and_other_shapes_are_declined() {
    for piece in [
        "[[relation]]\nfrom = \"a\"\nfrom = \"b\"\n",
        "[[relation]]\ncitations = [{ source = \"a\", source = \"b\" }]\n",
        "[[relation]]\ncitations = [{ source = \"a\", }]\n",
        "[[relation]]\ncitations = [{ source = \"a\",\n grade = \"b\" }]\n",
        "[[relation]]\nfrom = \"a\" # why\n",
        "# why\n[[relation]]\nfrom = \"a\"\n",
        "[[relation]]\r\nfrom = \"a\"\r\n",
        "[[relation]]\nsince = 2020\n",
        "[[relation]]\nfrom = 'a'\n",
        "[[relation]]\n\"from\" = \"a\"\n",
        "[[relation]]\nfrom.x = \"a\"\n",
        "[[relation]]\n[relation.x]\n",
        "[[ relation ]]\nfrom = \"a\"\n",
        "[[relation]]\nx = [[\"a\"]]\n",
        "[[relation]]\nx = \"\"\"a\"\"\"\n",
    ] {
        assert!(record(piece).is_none(), "{piece}");
    }
}

/// Every record of the real data and of a generated dataset is read alike, and the generated
/// records (the shape of large datasets) are nearly all read by the fast reader.
#[test]
fn data_files_are_read_alike() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().is_some_and(|e| e == "toml") {
            texts.push(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    assert!(!texts.is_empty());
    let files = crate::synth::generate(&crate::synth::SynthConfig {
        entities: 2_000,
        seed: 11,
    });
    let synth: Vec<&str> = files
        .iter()
        .filter(|f| f.name.ends_with(".toml"))
        .map(|f| f.text.as_str())
        .collect();
    for (name, set) in [
        ("data/", texts.iter().map(String::as_str).collect()),
        ("synth", synth),
    ] {
        let (mut read, mut all) = (0, 0);
        for text in set {
            let starts: Vec<usize> = super::super::record_starts(text).collect();
            for (i, &start) in starts.iter().enumerate() {
                let end = starts.get(i + 1).copied().unwrap_or(text.len());
                all += 1;
                if agree(&text[start..end]).unwrap_or_else(|e| panic!("{name}: {e}")) {
                    read += 1;
                }
            }
        }
        assert!(
            name == "data/" || read * 10 >= all * 9,
            "{name}: {read} of {all} records read fast"
        );
    }
}
