//! The graph's built indexes in a snapshot's index section: the compressed adjacency, the
//! per-kind id order and the search index, stored so that loading a snapshot decodes them
//! instead of building them again.
//!
//! Large integer arrays are stored as little-endian byte blobs ([`le_u32`]): postcard would
//! write each number as a varint and read it back one at a time. The section is written with
//! serde and postcard, and read back by hand ([`decode`]) as it streams from the file
//! ([`IndexSection`]), each array straight into its final vector. Everything decoded is checked
//! before the graph uses it (lengths, offsets monotonic and in range, every number below its
//! count, the adjacency agreeing with the relations' endpoints and types, term text split on
//! character boundaries): the snapshot's checksum guards against accidents, not against a
//! hostile file, and no query may panic on what a file said. Whether the per-kind order and the
//! search index are exactly the ones the records would give is not checked (that would cost the
//! build they replace): a well-formed but wrong index gives wrong answers, never a panic.

use serde::Serialize;
use serde::ser::Serializer;

use super::{IndexSection, Sections, SnapshotError, encode, open};
use crate::dataset::Dataset;
use crate::graph::filter::FilterIndex;
use crate::graph::search::SearchIndex;
use crate::graph::{self, Adjacency, AdjacencyEntry, EntityKey, KnowledgeGraph};
use crate::model::{EntityKind, RelationType};

const KINDS: usize = EntityKind::ALL.len();

/// What a snapshot stores of a graph, borrowed from it for writing.
#[derive(Serialize)]
struct StoredRef<'a> {
    adjacency: &'a Adjacency,
    #[serde(serialize_with = "by_kind_serialize")]
    by_kind: &'a [Vec<EntityKey>; KINDS],
    search: &'a SearchIndex,
}

/// The same, decoded ([`decode`]).
struct Stored {
    adjacency: Adjacency,
    by_kind: [Vec<EntityKey>; KINDS],
    search: SearchIndex,
}

impl KnowledgeGraph {
    /// Encodes the graph as a snapshot: its records and its built indexes. O(entities +
    /// relations + index size).
    /// A graph with writes over its base is folded first (the snapshot holds the live records).
    pub fn to_snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        if self.delta.is_some() {
            return self.fold().to_snapshot();
        }
        let indexes = postcard::to_stdvec(&StoredRef {
            adjacency: &self.base.adjacency,
            by_kind: &self.base.by_kind,
            search: &self.base.search,
        })?;
        encode::to_bytes(
            self.base.entities.iter(),
            self.base.relations.iter(),
            self.fingerprint,
            &indexes,
        )
    }

    /// Loads a graph from a snapshot (from [`KnowledgeGraph::to_snapshot`], read by
    /// [`super::read`] or [`super::open`]): the dataset is decoded and re-checked as
    /// [`super`] describes while, on a second thread, the index section is
    /// read, hashed and decoded; once the checksum matches, the indexes are checked as this
    /// module describes, and nothing is built again but the id index.
    /// O(bytes + entities + relations).
    pub fn from_snapshot(sections: Sections<'_>) -> Result<Self, SnapshotError> {
        // Ids are checked unique as the id index is built.
        let (dataset, stored) = sections.dataset_and_unchecked_ids(decode)?;
        KnowledgeGraph::from_stored(dataset, stored)
    }

    /// [`KnowledgeGraph::from_snapshot`] on a snapshot in memory (checked by [`super::open`]).
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Self, SnapshotError> {
        KnowledgeGraph::from_snapshot(open(bytes)?)
    }
}

/// Decodes the index section as [`StoredRef`]'s serde encoding (postcard) wrote it, as it is
/// read: each array goes straight into its final vector. Checked afterwards, in
/// [`KnowledgeGraph::from_stored`].
fn decode(section: &mut IndexSection<'_>) -> Result<Stored, SnapshotError> {
    let adjacency = Adjacency::read(section)?;
    let lists = section.length()?;
    if lists != KINDS {
        return Err(invalid(format!("{lists} per-kind lists, not {KINDS}")));
    }
    let mut by_kind: [Vec<EntityKey>; KINDS] = Default::default();
    for list in &mut by_kind {
        let count = section.u32_count()?;
        list.reserve_exact(count);
        section.u32s_each(count, |k| list.push(EntityKey(k)))?;
    }
    let search = SearchIndex::read(section)?;
    Ok(Stored {
        adjacency,
        by_kind,
        search,
    })
}

/// An inconsistency the checks of decoded indexes found: the indexes decode, but do not fit
/// the dataset (`snapshot is inconsistent: graph indexes: ...`).
pub(in crate::graph) fn inconsistent(message: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(format!("graph indexes: {}", message.into()))
}

fn invalid(message: String) -> SnapshotError {
    SnapshotError::Invalid(format!("index section: {message}"))
}

/// A `Vec<(u32, u32)>` written by [`le_u32_pairs`].
pub(in crate::graph) fn read_pairs(
    section: &mut IndexSection<'_>,
) -> Result<Vec<(u32, u32)>, SnapshotError> {
    let count = section.u32_count()?;
    if count % 2 != 0 {
        return Err(invalid("a pair array of odd length".to_owned()));
    }
    let mut pairs = Vec::with_capacity(count / 2);
    let mut first = None;
    section.u32s_each(count, |n| match first.take() {
        None => first = Some(n),
        Some(a) => pairs.push((a, n)),
    })?;
    Ok(pairs)
}

impl Adjacency {
    /// Reads an adjacency as its serde encoding wrote it: offsets, splits, then the entries as
    /// [`entry_columns`] (relations, others, types), filled into the entries column by column.
    fn read(section: &mut IndexSection<'_>) -> Result<Self, SnapshotError> {
        let offsets = section.u32s()?;
        let splits = section.u32s()?;
        let count = section.u32_count()?;
        let mut entries = Vec::with_capacity(count);
        section.u32s_each(count, |relation| {
            entries.push(AdjacencyEntry {
                relation,
                other: 0,
                relation_type: RelationType::PartOf,
                trust: 0,
            });
        })?;
        let columns_differ = || invalid("adjacency columns of different lengths".to_owned());
        if section.u32_count()? != count {
            return Err(columns_differ());
        }
        let mut slots = entries.iter_mut();
        section.u32s_each(count, |other| {
            if let Some(entry) = slots.next() {
                entry.other = other;
            }
        })?;
        if section.length()? != count {
            return Err(columns_differ());
        }
        // Each type as serde numbers its variants (all below 128: one byte each).
        let mut types = [None; 128];
        for t in RelationType::ALL {
            if let [byte] = postcard::to_stdvec(&t)?.as_slice() {
                types[usize::from(*byte & 0x7f)] = Some(t);
            }
        }
        for entry in &mut entries {
            let byte = section.byte()?;
            entry.relation_type = types
                .get(usize::from(byte))
                .copied()
                .flatten()
                .ok_or_else(|| invalid(format!("relation type #{byte} is unknown")))?;
        }
        Ok(Adjacency {
            offsets,
            splits,
            entries,
            ends: Vec::new(),
        })
    }

    /// Checks that every slice the queries take is in range, for a graph of `entities` and
    /// `relations`. O(entities + relations).
    fn check(&self, entities: usize, relations: usize) -> Result<(), SnapshotError> {
        if self.offsets.len() != entities + 1 || self.splits.len() != entities {
            return Err(inconsistent(format!(
                "adjacency has {} offsets and {} splits for {entities} entities",
                self.offsets.len(),
                self.splits.len()
            )));
        }
        if self.entries.len() != 2 * relations {
            return Err(inconsistent(format!(
                "adjacency has {} entries for {relations} relations",
                self.entries.len()
            )));
        }
        check_offsets("adjacency offsets", &self.offsets, self.entries.len())?;
        for (k, &split) in self.splits.iter().enumerate() {
            if !(self.offsets[k] <= split && split <= self.offsets[k + 1]) {
                return Err(inconsistent(format!(
                    "adjacency split {k} is outside its entity's entries"
                )));
            }
        }
        if let Some(bad) = self
            .entries
            .iter()
            .position(|e| e.relation as usize >= relations || e.other as usize >= entities)
        {
            return Err(inconsistent(format!(
                "adjacency entry {bad} is out of range"
            )));
        }
        Ok(())
    }
}

/// Checks that `offsets` starts at 0, never decreases and ends at `end`.
pub(in crate::graph) fn check_offsets(
    what: &str,
    offsets: &[u32],
    end: usize,
) -> Result<(), SnapshotError> {
    if offsets.first() != Some(&0) || offsets.last().map(|&o| o as usize) != Some(end) {
        return Err(inconsistent(format!("{what} do not run from 0 to {end}")));
    }
    if let Some(i) = offsets.windows(2).position(|w| w[0] > w[1]) {
        return Err(inconsistent(format!("{what} decrease at {i}")));
    }
    Ok(())
}

impl KnowledgeGraph {
    /// Assembles a graph from a validated dataset and decoded indexes, checking the indexes
    /// first. The relations' endpoints are read from the adjacency (no id lookups), and must
    /// agree with the relations' own ids and types. On large graphs the id index is built, and
    /// the search index checked, on a second thread beside the other checks.
    /// O(entities + relations + index size).
    fn from_stored(dataset: Dataset, stored: Stored) -> Result<Self, SnapshotError> {
        let Stored {
            adjacency,
            by_kind,
            search,
        } = stored;
        let side = || {
            search.check(dataset.entities.len())?;
            // The dataset was decoded without checking its ids for duplicates
            // (`Sections::dataset_and_unchecked_ids`): the id map finds them.
            match graph::id_map(&dataset.entities) {
                (ids, None) => Ok(ids),
                (_, Some(id)) => Err(SnapshotError::Invalid(format!("duplicate id `{id}`"))),
            }
        };
        // The filter index is rebuilt, not stored (see `graph::filter::FilterIndex`).
        let rest = || {
            (
                check_stored(&dataset, &adjacency, &by_kind),
                FilterIndex::build(&dataset.entities),
            )
        };
        let (ids, (endpoints, filter_index)) = if dataset.entities.len() < graph::PARALLEL_BUILD_MIN
        {
            (side(), rest())
        } else {
            std::thread::scope(|scope| {
                let ids = scope.spawn(side);
                let rest = rest();
                let ids = ids
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (ids, rest)
            })
        };
        let (endpoints, ids) = (endpoints?, ids?);
        let mut adjacency = Adjacency {
            ends: endpoints,
            ..adjacency
        };
        adjacency.derive_trust(&dataset.relations);
        Ok(KnowledgeGraph::assemble(
            dataset,
            ids,
            adjacency,
            by_kind,
            search,
            filter_index,
        ))
    }
}

/// Checks the adjacency and the per-kind lists against the dataset, and gives each relation's
/// endpoints as the adjacency says.
fn check_stored(
    dataset: &Dataset,
    adjacency: &Adjacency,
    by_kind: &[Vec<EntityKey>; KINDS],
) -> Result<Vec<(u32, u32)>, SnapshotError> {
    let (n, m) = (dataset.entities.len(), dataset.relations.len());
    adjacency.check(n, m)?;
    let mut seen = vec![false; n];
    for (kind, list) in EntityKind::ALL.iter().zip(by_kind) {
        for key in list {
            let k = key.0 as usize;
            if k >= n || std::mem::replace(&mut seen[k], true) {
                return Err(inconsistent(format!(
                    "the {} list holds entity #{k} twice or beyond the last",
                    kind.prefix()
                )));
            }
            if dataset.entities[k].kind() != *kind {
                return Err(inconsistent(format!(
                    "the {} list holds an entity of another kind",
                    kind.prefix()
                )));
            }
        }
    }
    if seen.iter().any(|s| !s) {
        return Err(inconsistent("an entity is in no per-kind list".to_owned()));
    }
    drop(seen);
    // Each relation is one entity's outgoing entry and one entity's incoming entry.
    const NONE: (u32, u32) = (u32::MAX, u32::MAX);
    let mut endpoints = vec![NONE; m];
    let mut incoming_seen = vec![false; m];
    for k in 0..n {
        let key = EntityKey(k as u32);
        for e in adjacency.outgoing(key) {
            let slot = &mut endpoints[e.relation as usize];
            if *slot != NONE {
                return Err(inconsistent(format!(
                    "relation #{} is outgoing twice",
                    e.relation
                )));
            }
            *slot = (key.0, e.other);
        }
    }
    for k in 0..n {
        let key = EntityKey(k as u32);
        for e in adjacency.incoming(key) {
            let r = e.relation as usize;
            if endpoints[r] != (e.other, key.0) || std::mem::replace(&mut incoming_seen[r], true) {
                return Err(inconsistent(format!(
                    "relation #{r}'s incoming entry disagrees"
                )));
            }
        }
    }
    drop(incoming_seen);
    let entities = &dataset.entities;
    for (r, (relation, &(from, to))) in dataset.relations.iter().zip(&endpoints).enumerate() {
        // Equal ids share one allocation, so these compare pointers first.
        if (from, to) == NONE
            || relation.from != entities[from as usize].id
            || relation.to != entities[to as usize].id
        {
            return Err(inconsistent(format!(
                "relation #{r}'s endpoints disagree with the adjacency"
            )));
        }
    }
    let types_agree = |entries: &[AdjacencyEntry]| {
        entries
            .iter()
            .all(|e| dataset.relations[e.relation as usize].relation_type == e.relation_type)
    };
    if !types_agree(&adjacency.entries) {
        return Err(inconsistent(
            "an adjacency entry has another relation type".to_owned(),
        ));
    }
    Ok(endpoints)
}

/// Serde helpers for `Vec<u32>` as a little-endian byte blob (read back by
/// [`IndexSection::u32s`]).
pub(in crate::graph) mod le_u32 {
    use super::Serializer;

    pub(in crate::graph) fn serialize<S: Serializer>(v: &[u32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&to_bytes(v.iter().copied()))
    }

    pub(super) fn to_bytes(v: impl ExactSizeIterator<Item = u32>) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(4 * v.len());
        for n in v {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        bytes
    }
}

/// Serde helpers for `Vec<(u32, u32)>` as one little-endian blob of pairs (read back by
/// [`read_pairs`]).
pub(in crate::graph) mod le_u32_pairs {
    use super::{Serializer, le_u32};

    pub(in crate::graph) fn serialize<S: Serializer>(
        v: &[(u32, u32)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&le_u32::to_bytes(
            v.iter()
                .flat_map(|&(a, b)| [a, b])
                .collect::<Vec<_>>()
                .into_iter(),
        ))
    }
}

/// Serde helpers for the adjacency's entries, as columns: relations and others (blobs), types.
pub(in crate::graph) mod entry_columns {
    use super::{AdjacencyEntry, RelationType, Serializer, le_u32};
    use serde::Serialize;

    /// Read back by `Adjacency::read`.
    #[derive(Serialize)]
    struct Columns {
        #[serde(with = "le_u32")]
        relation: Vec<u32>,
        #[serde(with = "le_u32")]
        other: Vec<u32>,
        relation_type: Vec<RelationType>,
    }

    pub(in crate::graph) fn serialize<S: Serializer>(
        v: &[AdjacencyEntry],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Columns {
            relation: v.iter().map(|e| e.relation).collect(),
            other: v.iter().map(|e| e.other).collect(),
            relation_type: v.iter().map(|e| e.relation_type).collect(),
        }
        .serialize(s)
    }
}

fn by_kind_serialize<S: Serializer>(
    lists: &&[Vec<EntityKey>; KINDS],
    s: S,
) -> Result<S::Ok, S::Error> {
    struct Blob<'a>(&'a [EntityKey]);
    impl Serialize for Blob<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&le_u32::to_bytes(self.0.iter().map(|k| k.0)))
        }
    }
    s.collect_seq(lists.iter().map(|l| Blob(l)))
}
