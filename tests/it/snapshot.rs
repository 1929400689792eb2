//! Binary snapshots: a round trip keeps every record, and a damaged or foreign file is refused
//! with a specific error, never misread.

use std::sync::Arc;

use reegraph::dataset::{self, DataLimits, Dataset, LoadError};
use reegraph::graph::snapshot::{self, FORMAT_VERSION, MAGIC, SnapshotError};
use reegraph::graph::{Direction, KnowledgeGraph, RelationFilter};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::{data_dir, run_on};

/// Magic, version, payload length, SHA-256.
const HEADER_LEN: usize = 16 + 4 + 8 + 32;

fn real_dataset() -> Dataset {
    dataset::load_dir(&data_dir()).expect("data/ loads")
}

fn encode(dataset: &Dataset) -> Result<Vec<u8>, SnapshotError> {
    snapshot::to_bytes(
        dataset.entities.iter(),
        dataset.relations.iter(),
        dataset.fingerprint,
        &[],
    )
}

#[test]
fn a_round_trip_keeps_every_record_and_the_fingerprint() {
    let original = real_dataset();
    let bytes = KnowledgeGraph::new(real_dataset())
        .to_snapshot()
        .expect("encodes");
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
    let bytes = KnowledgeGraph::new(real_dataset())
        .to_snapshot()
        .expect("encodes");
    snapshot::write(&bytes, &path).expect("writes");
    let from_snapshot = Arc::new(snapshot::load(&path, DataLimits::default()).expect("loads"));
    let from_text = Arc::new(KnowledgeGraph::new(real_dataset()));
    let query = r#"query($id: ID!, $to: ID!) {
        entity(id: $id) { id name citations { source { id } quote grade }
          ... on Application { name } }
        related(to: $id, kinds: [STANDARD], maxHops: 3, first: 20) {
          entity { id } path { explanation hops { relation { type since
            citations { source { id } quote grade note } } } } }
        neighborhood(id: $id, depth: 2) { truncated entities { id } relations { type from { id } to { id } } }
        paths(from: $id, to: $to, maxHops: 4, first: 10) { explanation hops { reading from { id } to { id } } }
        search(query: "magnet", first: 25) { score entity { id } }
        stats { entities relations hubDegree dataVersion byKind { kind count } } }"#;
    let vars = json!({
        "id": "application:defense-grade-magnets",
        "to": "standard:gb-t-13560-2017",
    });
    let a = run_on(from_snapshot.clone(), query, vars.clone()).await;
    let b = run_on(from_text.clone(), query, vars).await;
    assert!(a.get("errors").is_none(), "{a:#}");
    assert_eq!(a, b);
    assert!(!path.with_extension("snap.partial").exists());
    assert_graphs_agree(&from_snapshot, &from_text);
}

/// Every entity, relation, adjacency list, page and search by name agrees.
fn assert_graphs_agree(a: &KnowledgeGraph, b: &KnowledgeGraph) {
    assert_eq!(a.stats(), b.stats());
    assert_eq!(a.fingerprint(), b.fingerprint());
    let (keys, relations): (Vec<_>, Vec<_>) = (a.keys().collect(), a.relation_keys().collect());
    assert_eq!(keys, b.keys().collect::<Vec<_>>());
    assert_eq!(relations, b.relation_keys().collect::<Vec<_>>());
    for &r in &relations {
        assert_eq!(a.relation(r), b.relation(r));
        assert_eq!(a.endpoints(r), b.endpoints(r));
    }
    for &k in &keys {
        let entity = a.entity(k);
        assert_eq!(entity, b.entity(k));
        assert_eq!(a.lookup(entity.id.as_str()), Some(k));
        assert_eq!(a.degree(k), b.degree(k));
        for direction in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
            let all = RelationFilter::all();
            assert_eq!(
                a.incident(k, &all, direction).collect::<Vec<_>>(),
                b.incident(k, &all, direction).collect::<Vec<_>>()
            );
        }
        for query in
            std::iter::once(entity.name.as_str()).chain(entity.aliases.iter().map(String::as_str))
        {
            assert_eq!(
                a.search(query, &[], 10),
                b.search(query, &[], 10),
                "{query}"
            );
        }
    }
    for offset in [0, 7, 100] {
        assert_eq!(
            a.entities_of_kinds(&[], offset, 50),
            b.entities_of_kinds(&[], offset, 50)
        );
    }
    for query in [
        "nd",
        "稀土",
        "gbt13560",
        "neodymum",
        "xyzzy",
        "magnet alloy",
    ] {
        assert_eq!(
            a.search(query, &[], 20),
            b.search(query, &[], 20),
            "{query}"
        );
    }
}

/// The index section's byte range in snapshot `bytes`.
fn index_section(bytes: &[u8]) -> std::ops::Range<usize> {
    let mut records_len = [0; 8];
    records_len.copy_from_slice(&bytes[HEADER_LEN..HEADER_LEN + 8]);
    let start = HEADER_LEN + 8 + usize::try_from(u64::from_le_bytes(records_len)).expect("fits");
    start..bytes.len()
}

/// Recomputes the checksum after a change, as a hostile writer would.
fn reseal(bytes: &mut [u8]) {
    let digest = Sha256::digest(&bytes[HEADER_LEN..]);
    bytes[HEADER_LEN - 32..HEADER_LEN].copy_from_slice(&digest);
}

fn graph_bytes() -> Vec<u8> {
    KnowledgeGraph::new(real_dataset())
        .to_snapshot()
        .expect("encodes")
}

#[test]
fn a_tampered_index_with_a_valid_checksum_is_refused() {
    let mut bytes = graph_bytes();
    // The index section opens with the adjacency's offsets: a varint length, then entity 0's
    // offset, which must be 0.
    let mut at = index_section(&bytes).start;
    while bytes[at] >= 0x80 {
        at += 1;
    }
    bytes[at + 1..at + 5].copy_from_slice(&5u32.to_le_bytes());
    reseal(&mut bytes);
    let err = KnowledgeGraph::from_snapshot_bytes(&bytes).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Invalid(_)), "{err}");
    assert!(
        err.to_string().contains("graph indexes: adjacency offsets"),
        "{err}"
    );
}

#[test]
fn no_tampered_index_byte_makes_loading_or_querying_panic() {
    let clean = graph_bytes();
    let section = index_section(&clean);
    let (mut refused, mut loaded) = (0, 0);
    // About 150 bytes spread over the index section, each changed in turn (checksum
    // recomputed).
    let step = section.len() / 150 + 1;
    for at in section.step_by(step) {
        for flip in [0x01, 0xff] {
            let mut bytes = clean.clone();
            bytes[at] ^= flip;
            reseal(&mut bytes);
            match KnowledgeGraph::from_snapshot_bytes(&bytes) {
                Err(SnapshotError::Invalid(_) | SnapshotError::Decode(_)) => refused += 1,
                Err(other) => panic!("byte {at}: unexpected error {other}"),
                Ok(graph) => {
                    loaded += 1;
                    exercise(&graph);
                }
            }
        }
    }
    assert!(
        refused > 0 && loaded > 0,
        "{refused} refused, {loaded} loaded"
    );
}

/// Runs searches, pages and neighborhoods over the whole graph (they must not panic).
fn exercise(graph: &KnowledgeGraph) {
    for query in ["nd", "magnet", "稀土", "gbt13560", "neodymum", "standrd"] {
        let _ = graph.search(query, &[], 20);
    }
    let _ = graph.entities_of_kinds(&[], 0, 1000);
    for k in graph.keys() {
        let _ = graph
            .incident(k, &RelationFilter::all(), Direction::Both)
            .count();
    }
}

#[test]
fn a_snapshot_of_the_previous_format_is_refused_with_the_version_error() {
    let mut bytes = graph_bytes();
    bytes[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&1u32.to_le_bytes());
    let err = KnowledgeGraph::from_snapshot_bytes(&bytes).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Version { found: 1 }), "{err}");
    assert!(
        err.to_string()
            .contains("write it again with `reegraph snapshot`"),
        "{err}"
    );
}

fn valid_bytes() -> Vec<u8> {
    graph_bytes()
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
    let err = snapshot::from_bytes(&bytes[..10]).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::NotASnapshot), "{err}");
    let cut = MAGIC.len() + 20;
    let err = snapshot::from_bytes(&bytes[..cut]).expect_err("must be refused");
    assert!(
        matches!(err, SnapshotError::Header { found } if found == cut),
        "{err}"
    );
    assert!(err.to_string().contains("header"), "{err}");
    let err = snapshot::from_bytes(&bytes[..bytes.len() - 1]).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Length { .. }), "{err}");
}

#[test]
fn a_changed_byte_fails_the_checksum() {
    let mut bytes = valid_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    let err = snapshot::from_bytes(&bytes).expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Checksum), "{err}");
}

/// The graph load compares the checksum beside decoding: a damaged byte anywhere (the record
/// count, the dataset section, the index section, the section length) is the checksum error,
/// whatever decoding the damaged bytes would have said.
#[test]
fn a_changed_byte_fails_the_checksum_when_loading_a_graph() {
    let bytes = graph_bytes();
    let indexes = index_section(&bytes);
    for at in [
        HEADER_LEN + 3,
        HEADER_LEN + 8,
        HEADER_LEN + 40,
        indexes.start,
        indexes.start + 9,
        bytes.len() - 1,
    ] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x55;
        let err = KnowledgeGraph::from_snapshot_bytes(&damaged).expect_err("must be refused");
        assert!(matches!(err, SnapshotError::Checksum), "byte {at}: {err}");
    }
}

#[test]
fn a_dataset_that_breaks_an_invariant_does_not_encode() {
    let mut ds = real_dataset();
    let mut relation = ds.relations[0].clone();
    relation.to = reegraph::model::EntityId::parse("mineral:unobtainium")
        .expect("well formed")
        .0;
    ds.relations.push(relation);
    let err = encode(&ds).expect_err("must be refused");
    assert!(err.to_string().contains("mineral:unobtainium"), "{err}");
}

#[test]
fn a_load_names_the_file_in_its_errors() {
    let dir = tempdir("errors");
    let path = dir.join("broken.snap");
    let mut bytes = valid_bytes();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, &bytes).expect("writes");
    let err = snapshot::load_dataset(&path, DataLimits::default()).expect_err("must be refused");
    assert!(matches!(err, LoadError::Snapshot { .. }), "{err}");
    assert!(err.to_string().contains("broken.snap"), "{err}");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reegraph-snapshot-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Loads a graph from `bytes` as read from a source that claims to be `len` bytes long (a file
/// that changes while it is read).
fn load_streamed(bytes: &[u8], len: usize) -> Result<KnowledgeGraph, SnapshotError> {
    KnowledgeGraph::from_snapshot(snapshot::read(bytes, len as u64)?)
}

#[test]
fn a_file_cut_short_inside_an_index_array_is_the_length_error() {
    let bytes = graph_bytes();
    let indexes = index_section(&bytes);
    // Inside the adjacency's offsets, then inside the search index near the end.
    for cut in [indexes.start + 20, indexes.end - 10] {
        let err = load_streamed(&bytes[..cut], bytes.len()).expect_err("must be refused");
        let (expected, found) = ((bytes.len() - HEADER_LEN) as u64, (cut - HEADER_LEN) as u64);
        assert!(
            matches!(err, SnapshotError::Length { expected: e, found: f } if e == expected && f == found),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn a_file_longer_than_its_header_says_is_the_length_error() {
    let mut bytes = graph_bytes();
    let expected = (bytes.len() - HEADER_LEN) as u64;
    bytes.extend_from_slice(b"trailing");
    // Seen when opened, and when it grows while read.
    let err = KnowledgeGraph::from_snapshot_bytes(&bytes).expect_err("must be refused");
    assert!(
        matches!(err, SnapshotError::Length { expected: e, found } if e == expected && found == expected + 8),
        "{err}"
    );
    let err = load_streamed(&bytes, bytes.len() - 8).expect_err("must be refused");
    assert!(
        matches!(err, SnapshotError::Length { found, .. } if found == expected + 8),
        "{err}"
    );
}

#[test]
fn a_load_refuses_a_file_longer_than_its_header_says() {
    let dir = tempdir("longer");
    let path = dir.join("longer.snap");
    let mut bytes = graph_bytes();
    bytes.push(0);
    std::fs::write(&path, &bytes).expect("writes");
    let err = snapshot::load(&path, DataLimits::default()).expect_err("must be refused");
    assert!(
        matches!(
            &err,
            LoadError::Snapshot { source, .. }
                if matches!(source.downcast_ref(), Some(SnapshotError::Length { .. }))
        ),
        "{err}"
    );
}

/// A source that fails after `ok` bytes.
struct Failing<'a> {
    bytes: &'a [u8],
    ok: usize,
}

impl std::io::Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ok == 0 {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.ok).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn a_read_error_inside_the_index_section_is_reported_as_one() {
    let bytes = graph_bytes();
    let ok = index_section(&bytes).start + 100;
    let source = Failing { bytes: &bytes, ok };
    let err = snapshot::read(source, bytes.len() as u64)
        .and_then(KnowledgeGraph::from_snapshot)
        .expect_err("must fail");
    assert!(matches!(err, SnapshotError::Io(_)), "{err}");
    assert!(err.to_string().contains("disk on fire"), "{err}");
}

/// Replaces the index section of `bytes`, fixing the payload length and the checksum (as a
/// hostile writer would).
fn with_index_section(bytes: &[u8], section: &[u8]) -> Vec<u8> {
    let start = index_section(bytes).start;
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(section);
    let payload = (out.len() - HEADER_LEN) as u64;
    out[MAGIC.len() + 4..MAGIC.len() + 12].copy_from_slice(&payload.to_le_bytes());
    reseal(&mut out);
    out
}

#[test]
fn bytes_after_the_index_section_are_refused() {
    let bytes = graph_bytes();
    let mut section = bytes[index_section(&bytes)].to_vec();
    section.extend_from_slice(&[0; 5]);
    let err = KnowledgeGraph::from_snapshot_bytes(&with_index_section(&bytes, &section))
        .expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Invalid(_)), "{err}");
    assert!(
        err.to_string().contains("5 bytes after the index section"),
        "{err}"
    );
}

#[test]
fn an_index_array_longer_than_the_section_is_refused_before_any_allocation() {
    let bytes = graph_bytes();
    let mut section = bytes[index_section(&bytes)].to_vec();
    // The first array's length, as a varint of 2^40 bytes (far more than the file holds).
    let mut at = 0;
    while section[at] >= 0x80 {
        at += 1;
    }
    let huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
    section.splice(..=at, huge);
    let err = KnowledgeGraph::from_snapshot_bytes(&with_index_section(&bytes, &section))
        .expect_err("must be refused");
    assert!(matches!(err, SnapshotError::Invalid(_)), "{err}");
    assert!(
        err.to_string().contains("a length of 1099511627776"),
        "{err}"
    );
}

#[test]
fn a_snapshot_loads_the_same_through_a_file_and_from_memory() {
    let dir = tempdir("same");
    let path = dir.join("graph.snap");
    let bytes = graph_bytes();
    snapshot::write(&bytes, &path).expect("writes");
    let from_file = snapshot::load(&path, DataLimits::default()).expect("loads");
    let from_memory = KnowledgeGraph::from_snapshot_bytes(&bytes).expect("loads");
    assert_graphs_agree(&from_file, &from_memory);
    let from_text = KnowledgeGraph::new(real_dataset());
    assert_graphs_agree(&from_memory, &from_text);
}

#[test]
fn a_duplicate_id_is_refused_by_the_dataset_and_by_the_graph() {
    let mut bytes = graph_bytes();
    let dataset = real_dataset();
    // Two ids of one kind and one length: the second is overwritten with the first.
    let (a, b) = dataset
        .entities
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            dataset.entities[i + 1..]
                .iter()
                .find(|b| b.kind() == a.kind() && b.id.as_str().len() == a.id.as_str().len())
                .map(|b| (a.id.as_str().to_owned(), b.id.as_str().to_owned()))
        })
        .expect("two ids of one kind and length");
    // Each id is encoded as its length, then its bytes; the entity's own comes first.
    let mut needle = vec![u8::try_from(b.len()).expect("short id")];
    needle.extend_from_slice(b.as_bytes());
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .expect("the id is in the file");
    bytes[at + 1..at + needle.len()].copy_from_slice(a.as_bytes());
    reseal(&mut bytes);
    for err in [
        snapshot::from_bytes(&bytes).expect_err("must be refused"),
        KnowledgeGraph::from_snapshot_bytes(&bytes).expect_err("must be refused"),
    ] {
        assert!(matches!(err, SnapshotError::Invalid(_)), "{err}");
        assert!(
            err.to_string().contains(&format!("duplicate id `{a}`")),
            "{err}"
        );
    }
}

/// Two writers to one target at once, many times over: the target is always one of the two
/// complete snapshots, and no temporary file is left. (With one shared `FILE.partial`, the
/// writers truncated and interleaved each other's bytes.)
#[test]
fn concurrent_writers_never_publish_a_mixed_snapshot() {
    let dir = tempdir("writers");
    let path = dir.join("graph.snap");
    let _ = std::fs::remove_file(&path);
    let big = valid_bytes();
    // A smaller valid snapshot: the same entities, no relations.
    let ds = real_dataset();
    let small = snapshot::to_bytes(ds.entities.iter(), [].iter(), 7, &[]).expect("encodes");
    assert_ne!(big.len(), small.len());
    std::thread::scope(|scope| {
        for bytes in [&big, &small] {
            let path = &path;
            scope.spawn(move || {
                for _ in 0..40 {
                    snapshot::write(bytes, path).expect("writes");
                }
            });
        }
        for _ in 0..40 {
            if let Ok(read) = std::fs::read(&path) {
                assert!(
                    read == big || read == small,
                    "a mixed file of {} bytes",
                    read.len()
                );
            }
        }
    });
    let read = std::fs::read(&path).expect("the target exists");
    assert!(
        read == big || read == small,
        "a mixed file of {} bytes",
        read.len()
    );
    let strays: Vec<_> = std::fs::read_dir(&dir)
        .expect("lists")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "graph.snap")
        .collect();
    assert!(strays.is_empty(), "temporary files left: {strays:?}");
}

/// The temporary file of a writer that died (unlocked, not modified for a while) is removed by
/// the next write; one that a live writer holds locked is left alone.
#[test]
fn the_next_write_removes_dead_writers_temporary_files_only() {
    let dir = tempdir("stale");
    let path = dir.join("graph.snap");
    let dead = dir.join(".graph.snap.dead01.partial");
    let live = dir.join(".graph.snap.live01.partial");
    let other = dir.join(".other.snap.dead02.partial");
    for p in [&dead, &live, &other] {
        std::fs::write(p, b"half a snapshot").expect("writes");
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for p in [&dead, &live, &other] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .and_then(|f| f.set_modified(old))
            .expect("ages the file");
    }
    let held = std::fs::File::options()
        .write(true)
        .open(&live)
        .expect("opens");
    held.lock().expect("locks");
    snapshot::write(&valid_bytes(), &path).expect("writes");
    assert!(!dead.exists(), "a dead writer's file is removed");
    assert!(live.exists(), "a live writer's file is kept");
    assert!(
        other.exists(),
        "another target's file is not ours to remove"
    );
    drop(held);
    assert_eq!(std::fs::read(&path).expect("reads"), valid_bytes());
}

/// A snapshot written by format version 3 (`reegraph generate --entities 60 --seed 7`, then
/// `reegraph snapshot`): it still loads, and the graph it gives writes the very same bytes
/// again.
#[test]
fn a_committed_snapshot_loads_and_is_written_again_byte_for_byte() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshot/synth-60-v3.snap");
    let bytes = std::fs::read(&path).expect("the fixture");
    let graph = KnowledgeGraph::from_snapshot_bytes(&bytes).expect("loads");
    let stats = graph.stats();
    assert_eq!((stats.entities, stats.relations), (60, 105));
    let again = graph.to_snapshot().expect("encodes");
    assert_eq!(again.len(), bytes.len());
    let first_difference = again.iter().zip(&bytes).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "the bytes written again differ");
}
