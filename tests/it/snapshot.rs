//! Binary snapshots: a round trip keeps every record, and a damaged or foreign file is refused
//! with a specific error, never misread.

use std::sync::Arc;

use reegraph::dataset::snapshot::{self, FORMAT_VERSION, MAGIC, SnapshotError};
use reegraph::dataset::{self, Dataset, LoadError};
use reegraph::graph::KnowledgeGraph;
use serde_json::json;

use crate::common::{data_dir, run_on};

fn real_dataset() -> Dataset {
    dataset::load_dir(&data_dir()).expect("data/ loads")
}

#[test]
fn a_round_trip_keeps_every_record_and_the_fingerprint() {
    let original = real_dataset();
    let bytes = snapshot::to_bytes(&original).expect("encodes");
    let restored = snapshot::from_bytes(&bytes).expect("decodes");
    assert_eq!(restored.entities, original.entities);
    assert_eq!(restored.relations, original.relations);
    assert_eq!(restored.fingerprint, original.fingerprint);
    // Equal citation lists stay shared after the round trip.
    let distinct = |ds: &Dataset| {
        let mut ptrs: Vec<_> = ds
            .entities
            .iter()
            .map(|e| e.citations.as_ptr())
            .chain(ds.relations.iter().map(|r| r.citations.as_ptr()))
            .collect();
        ptrs.sort();
        ptrs.dedup();
        ptrs.len()
    };
    assert_eq!(distinct(&restored), distinct(&original));
}

#[tokio::test]
async fn a_graph_from_a_snapshot_answers_like_one_from_text() {
    let dir = tempdir("answers");
    let path = dir.join("graph.snap");
    snapshot::write(&real_dataset(), &path).expect("writes");
    let from_snapshot = Arc::new(KnowledgeGraph::new(
        dataset::load_path(&path).expect("loads"),
    ));
    let from_text = Arc::new(KnowledgeGraph::new(real_dataset()));
    let query = r#"query($id: ID!) {
        entity(id: $id) { id name citations { source { id } quote grade }
          ... on Application { name } }
        related(to: $id, kinds: [STANDARD], maxHops: 3, first: 20) {
          entity { id } path { explanation hops { relation { type since
            citations { source { id } quote grade note } } } } } }"#;
    let vars = json!({ "id": "application:defense-grade-magnets" });
    let a = run_on(from_snapshot, query, vars.clone()).await;
    let b = run_on(from_text, query, vars).await;
    assert!(a.get("errors").is_none(), "{a:#}");
    assert_eq!(a, b);
    assert!(!path.with_extension("snap.partial").exists());
}

fn valid_bytes() -> Vec<u8> {
    snapshot::to_bytes(&real_dataset()).expect("encodes")
}

#[test]
fn a_file_that_is_not_a_snapshot_is_refused() {
    let err =
        snapshot::from_bytes(b"[[mineral]]\nid = \"mineral:x\"\n").expect_err("must be refused");
    assert!(matches!(err, SnapshotError::NotASnapshot), "{err}");
}

#[test]
fn another_format_version_is_refused() {
    let mut bytes = valid_bytes();
    bytes[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = snapshot::from_bytes(&bytes).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Version { found } if found == FORMAT_VERSION + 1));
    assert!(err.to_string().contains("reegraph snapshot"), "{err}");
}

#[test]
fn a_truncated_snapshot_is_refused() {
    let bytes = valid_bytes();
    for cut in [10, MAGIC.len() + 20, bytes.len() - 1] {
        let err = snapshot::from_bytes(&bytes[..cut]).expect_err("must be refused");
        assert!(
            matches!(
                err,
                SnapshotError::Length { .. } | SnapshotError::NotASnapshot
            ),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn a_changed_byte_fails_the_checksum() {
    let mut bytes = valid_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    let err = snapshot::from_bytes(&bytes).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Checksum), "{err}");
}

#[test]
fn a_dataset_that_breaks_an_invariant_does_not_encode() {
    let mut ds = real_dataset();
    let mut relation = ds.relations[0].clone();
    relation.to = reegraph::model::EntityId::parse("mineral:unobtainium")
        .expect("well formed")
        .0;
    ds.relations.push(relation);
    let err = snapshot::to_bytes(&ds).expect_err("must be refused");
    assert!(err.to_string().contains("mineral:unobtainium"), "{err}");
}

#[test]
fn load_path_names_the_file_in_its_errors() {
    let dir = tempdir("errors");
    let path = dir.join("broken.snap");
    let mut bytes = valid_bytes();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, &bytes).expect("writes");
    let err = dataset::load_path(&path).expect_err("must be refused");
    assert!(matches!(err, LoadError::Snapshot { .. }), "{err}");
    assert!(err.to_string().contains("broken.snap"), "{err}");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reegraph-snapshot-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
