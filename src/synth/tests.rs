use std::collections::{BTreeSet, HashMap};

use super::local_shape::{CORE, CORE_RELATIONS};
use super::*;
use crate::graph::{Budget, Direction, KnowledgeGraph, RelationFilter};
use crate::model::RelationType;

fn gen_files(entities: usize, seed: u64) -> Vec<DataFile> {
    generate(&SynthConfig { entities, seed })
}

#[test]
fn same_seed_gives_same_bytes_and_another_seed_does_not() {
    let a = gen_files(3_000, 7);
    let b = gen_files(3_000, 7);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.name, y.name);
        assert!(x.text == y.text, "{} differs between runs", x.name);
    }
    let c = gen_files(3_000, 8);
    let differs = a.iter().zip(&c).any(|(x, y)| x.text != y.text);
    assert!(differs, "another seed gave the same files");
}

#[test]
fn output_is_valid_and_has_the_expected_counts() {
    let files = gen_files(2_000, 1);
    let relations_written: usize = files
        .iter()
        .map(|f| f.text.matches("\n[[relation]]\n").count())
        .sum();
    let dataset = match load(&files) {
        Ok(d) => d,
        Err(e) => panic!("generated data does not load: {e}"),
    };
    assert_eq!(dataset.entities.len(), 2_000);
    assert_eq!(dataset.relations.len(), relations_written);
    let ratio = dataset.relations.len() as f64 / dataset.entities.len() as f64;
    assert!((2.0..3.5).contains(&ratio), "relations per entity {ratio}");

    let mut kinds: HashMap<EntityKind, usize> = HashMap::new();
    for e in &dataset.entities {
        *kinds.entry(e.kind()).or_default() += 1;
    }
    for kind in EntityKind::ALL {
        assert!(kinds.get(&kind).is_some_and(|n| *n > 0), "no {kind}");
    }
    assert!(kinds[&EntityKind::Standard] > kinds[&EntityKind::Organization]);
    assert!(kinds[&EntityKind::Mineral] > kinds[&EntityKind::Official]);
    let types: BTreeSet<RelationType> = dataset.relations.iter().map(|r| r.relation_type).collect();
    assert_eq!(types.len(), RelationType::ALL.len(), "unused types");

    // Names, file layout: TOML first, the corpus last.
    assert_eq!(files[0].name, "core.toml");
    assert!(files.iter().any(|f| f.name == "entities-00.toml"));
    assert!(files.iter().any(|f| f.name == "relations-00.toml"));
    assert_eq!(files.last().map(|f| f.name.as_str()), Some(CORPUS_PATH));
}

#[test]
fn written_to_a_directory_it_passes_load_dir() {
    let dir = std::env::temp_dir().join(format!("reegraph-synth-test-{}", std::process::id()));
    let files = gen_files(1_500, 3);
    for f in &files {
        let path = dir.join(&f.name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, &f.text).expect("write");
    }
    let loaded = crate::dataset::load_dir(&dir);
    std::fs::remove_dir_all(&dir).expect("cleanup");
    match loaded {
        Ok(d) => assert_eq!(d.entities.len(), 1_500),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn degrees_are_skewed() {
    let files = gen_files(10_000, 5);
    let dataset = load(&files).expect("valid");
    let mut degree: HashMap<&str, usize> = dataset
        .entities
        .iter()
        .map(|e| (e.id.as_str(), 0))
        .collect();
    for r in &dataset.relations {
        *degree.entry(r.from.as_str()).or_default() += 1;
        *degree.entry(r.to.as_str()).or_default() += 1;
    }
    let mut d: Vec<usize> = degree.into_values().collect();
    d.sort_unstable();
    let median = d[d.len() / 2];
    let max = d[d.len() - 1];
    let p99 = d[d.len() * 99 / 100];
    assert!((2..=6).contains(&median), "median degree {median}");
    assert!(max >= 20 * median, "max {max} vs median {median}");
    assert!(p99 >= 3 * median, "p99 {p99} vs median {median}");
}

/// The depth-2 neighborhood and the related standards of the magnets, as ids.
fn local_answers(entities: usize, seed: u64) -> (BTreeSet<String>, Vec<String>, usize) {
    let graph = KnowledgeGraph::new(load(&gen_files(entities, seed)).expect("valid"));
    let magnets = graph.lookup(MAGNETS).expect("magnets exist");
    let ids = |keys: &[crate::graph::EntityKey]| {
        keys.iter()
            .map(|k| graph.entity(*k).id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let sub = graph.neighborhood(
        magnets,
        2,
        &RelationFilter::all(),
        Direction::Both,
        200,
        Budget(20_000),
    );
    let related = graph
        .related(
            magnets,
            &[EntityKind::Standard],
            3,
            &RelationFilter::all(),
            20,
            graph.stats().hub_degree,
            Budget(20_000),
        )
        .expect("within budget");
    let related: Vec<String> = related
        .iter()
        .map(|r| graph.entity(r.entity).id.as_str().to_owned())
        .collect();
    let to = graph.lookup(DY_METAL_STANDARD).expect("standard exists");
    let paths = graph
        .paths(magnets, to, 4, &RelationFilter::all(), 3, Budget(20_000))
        .expect("within budget");
    (
        ids(&sub.entities).into_iter().collect(),
        related,
        paths.len(),
    )
}

#[test]
fn the_local_shape_does_not_depend_on_size_or_seed() {
    let small = local_answers(1_000, 1);
    let large = local_answers(12_000, 9);
    assert_eq!(small, large);
    assert!(small.0.len() > 20, "neighborhood {:?}", small.0);
    assert!(small.0.iter().all(|id| id.contains(":synth-")));
    assert_eq!(small.1.len(), 6, "related standards {:?}", small.1);
    assert!(small.2 >= 1);
}

#[test]
fn strings_are_escaped_for_toml() {
    let nasty = "quote \" backslash \\ tab \t newline \n cr \r bell \u{7} del \u{7f} 稀土 é";
    let mut text = String::from("k = ");
    toml_out::push_str_lit(&mut text, nasty);
    let parsed: std::collections::BTreeMap<String, String> =
        toml::from_str(&text).expect("valid TOML");
    assert_eq!(parsed["k"], nasty);
}

#[test]
fn generated_text_exercises_escapes_and_unicode() {
    let files = gen_files(10_000, 2);
    let all = files.iter().map(|f| f.text.as_str()).collect::<String>();
    assert!(all.contains("\\\""), "no escaped quote");
    assert!(all.contains("\\\\"), "no escaped backslash");
    assert!(all.contains("\\t"), "no escaped tab");
    assert!(all.contains('稀'), "no Chinese text");
}

#[test]
fn files_stay_small() {
    let files = gen_files(60_000, 4);
    for f in &files {
        assert!(
            f.text.len() < 6 << 20,
            "{} is {} bytes",
            f.name,
            f.text.len()
        );
    }
    assert!(
        files
            .iter()
            .filter(|f| f.name.starts_with("entities-"))
            .count()
            >= 6
    );
}

#[test]
fn tiny_sizes_give_the_core() {
    let files = gen_files(0, 1);
    let dataset = load(&files).expect("valid");
    assert_eq!(dataset.entities.len(), CORE.len());
    assert_eq!(dataset.relations.len(), CORE_RELATIONS.len());
}
