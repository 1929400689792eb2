use super::*;

fn date(s: &str) -> Date {
    s.parse().expect("a date")
}

#[test]
fn dates_compare_at_their_common_precision() {
    assert_eq!(
        compare_dates(date("2018"), date("2018-07-13")),
        Ordering::Equal
    );
    assert_eq!(
        compare_dates(date("2018-06"), date("2018-07-13")),
        Ordering::Less
    );
    assert_eq!(
        compare_dates(date("2019"), date("2018-07-13")),
        Ordering::Greater
    );
    assert_eq!(
        compare_dates(date("2018-07-14"), date("2018-07-13")),
        Ordering::Greater
    );
    assert!(!Comparison::Gt.holds(compare_dates(date("2018-07"), date("2018"))));
    assert!(Comparison::Gte.holds(compare_dates(date("2018-07"), date("2018"))));
}

#[test]
fn folded_tests_ignore_case_and_accents_and_keep_punctuation() {
    assert!(TextTest::starts_with("gb/t").holds("GB/T 13560-2017"));
    assert!(!TextTest::starts_with("gbt").holds("GB/T 13560-2017"));
    assert!(TextTest::contains("13560").holds("GB/T 13560-2017"));
    assert!(TextTest::contains("sanchez").holds("José Sánchez"));
    assert!(TextTest::starts_with("JOSÉ").holds("jose sanchez"));
    assert!(TextTest::contains("").holds("x"));
    assert!(!TextTest::contains("é").holds("abc"));
    assert!(TextTest::Eq("Sc".into()).holds("Sc"));
    assert!(!TextTest::Eq("sc".into()).holds("Sc"));
    assert!(TextTest::In(vec!["a".into(), "Sc".into()]).holds("Sc"));
}

#[test]
fn kind_sets_read_empty_lists_as_every_kind() {
    assert_eq!(KindSet::of(&[]), KindSet::ALL);
    let s = KindSet::of(&[EntityKind::Standard, EntityKind::Mineral]);
    assert_eq!(s.iter().count(), 2);
    assert!(s.and(KindSet::one(EntityKind::Event)).is_empty());
}

/// A synthetic graph of 3,000 entities.
fn synthetic() -> crate::graph::KnowledgeGraph {
    let files = crate::synth::generate(&crate::synth::SynthConfig {
        entities: 3_000,
        seed: 7,
    });
    crate::graph::KnowledgeGraph::new(crate::synth::load(&files).expect("valid"))
}

#[test]
fn a_selective_code_test_leads_with_the_sorted_index_and_counts_what_a_scan_counts() {
    let graph = synthetic();
    let standards = KindSet::one(EntityKind::Standard);
    let tests = [
        TextTest::starts_with("gb/t 1"),
        TextTest::starts_with("GB/T 1"),
        TextTest::starts_with("no such code"),
        TextTest::Eq("not a code".into()),
    ];
    for test in tests {
        let m = graph.matcher(
            &Predicate::Text(TextField::StandardCode, test.clone()),
            standards,
        );
        assert!(
            matches!(m.candidates, matcher::Candidates::Keys(_)),
            "{test:?} leads with the index"
        );
        let naive = graph
            .keys()
            .filter(|k| {
                TextField::StandardCode
                    .value(graph.entity(*k))
                    .is_some_and(|v| test.holds(v))
            })
            .count();
        assert_eq!(graph.count_matching(&m), naive, "{test:?}");
    }
    // An unselective prefix is left to the scan, which stops after a page.
    let m = graph.matcher(
        &Predicate::Text(TextField::StandardCode, TextTest::starts_with("")),
        standards,
    );
    assert!(matches!(m.candidates, matcher::Candidates::Scan(_)));
}
