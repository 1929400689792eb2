//! The graph's built indexes in a snapshot's index section: the compressed adjacency, the
//! per-kind id order and the search index, stored so that loading a snapshot decodes them
//! instead of building them again.
//!
//! Large integer arrays are stored as little-endian byte blobs ([`le_u32`]): postcard would
//! write each number as a varint and read it back one at a time. Everything decoded is checked
//! before the graph uses it (lengths, offsets monotonic and in range, every number below its
//! count, the adjacency agreeing with the relations' endpoints and types, term text split on
//! character boundaries): the snapshot's checksum guards against accidents, not against a
//! hostile file, and no query may panic on what a file said. Whether the per-kind order and the
//! search index are exactly the ones the records would give is not checked (that would cost the
//! build they replace): a well-formed but wrong index gives wrong answers, never a panic.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::search::SearchIndex;
use super::{Adjacency, AdjacencyEntry, EntityKey, KnowledgeGraph};
use crate::dataset::Dataset;
use crate::dataset::snapshot::{self, Sections, SnapshotError};
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

/// The same, decoded (the same fields in the same order).
#[derive(Deserialize)]
pub(super) struct Stored {
    pub(super) adjacency: Adjacency,
    #[serde(deserialize_with = "by_kind_deserialize")]
    pub(super) by_kind: [Vec<EntityKey>; KINDS],
    pub(super) search: SearchIndex,
}

impl KnowledgeGraph {
    /// Encodes the graph as a snapshot: its records and its built indexes. O(entities +
    /// relations + index size).
    pub fn to_snapshot(&self) -> Result<Vec<u8>, SnapshotError> {
        let indexes = postcard::to_stdvec(&StoredRef {
            adjacency: &self.adjacency,
            by_kind: &self.by_kind,
            search: &self.search,
        })?;
        snapshot::to_bytes(
            self.entities.iter(),
            self.relations.iter(),
            self.fingerprint,
            &indexes,
        )
    }

    /// Loads a graph from a snapshot (from [`KnowledgeGraph::to_snapshot`], read by
    /// [`snapshot::read`] or [`snapshot::open`]): the dataset is decoded and re-checked as
    /// [`crate::dataset::snapshot`] describes while, on a second thread, the checksum is compared
    /// and the indexes are decoded; the indexes are then checked as this module describes, and
    /// nothing is built again. O(bytes + entities + relations).
    pub fn from_snapshot(sections: Sections) -> Result<Self, SnapshotError> {
        // The index section is freed as soon as it is decoded, the records once decoded.
        let (dataset, stored) = sections.dataset_and(decode)?;
        KnowledgeGraph::from_stored(dataset, stored)
            .map_err(|message| SnapshotError::Invalid(format!("graph indexes: {message}")))
    }

    /// [`KnowledgeGraph::from_snapshot`] on a snapshot in memory (checked by
    /// [`snapshot::open`]).
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Self, SnapshotError> {
        KnowledgeGraph::from_snapshot(snapshot::open(bytes)?)
    }
}

fn decode(section: &[u8]) -> Result<Stored, SnapshotError> {
    let (stored, trailing): (Stored, &[u8]) = postcard::take_from_bytes(section)?;
    if !trailing.is_empty() {
        return Err(SnapshotError::Invalid(format!(
            "{} bytes after the index section",
            trailing.len()
        )));
    }
    Ok(stored)
}

impl Adjacency {
    /// Checks that every slice the queries take is in range, for a graph of `entities` and
    /// `relations`. O(entities + relations).
    pub(super) fn check(&self, entities: usize, relations: usize) -> Result<(), String> {
        if self.offsets.len() != entities + 1 || self.splits.len() != entities {
            return Err(format!(
                "adjacency has {} offsets and {} splits for {entities} entities",
                self.offsets.len(),
                self.splits.len()
            ));
        }
        if self.entries.len() != 2 * relations {
            return Err(format!(
                "adjacency has {} entries for {relations} relations",
                self.entries.len()
            ));
        }
        check_offsets("adjacency offsets", &self.offsets, self.entries.len())?;
        for (k, &split) in self.splits.iter().enumerate() {
            if !(self.offsets[k] <= split && split <= self.offsets[k + 1]) {
                return Err(format!(
                    "adjacency split {k} is outside its entity's entries"
                ));
            }
        }
        if let Some(bad) = self
            .entries
            .iter()
            .position(|e| e.relation as usize >= relations || e.other as usize >= entities)
        {
            return Err(format!("adjacency entry {bad} is out of range"));
        }
        Ok(())
    }
}

/// Checks that `offsets` starts at 0, never decreases and ends at `end`.
pub(super) fn check_offsets(what: &str, offsets: &[u32], end: usize) -> Result<(), String> {
    if offsets.first() != Some(&0) || offsets.last().map(|&o| o as usize) != Some(end) {
        return Err(format!("{what} do not run from 0 to {end}"));
    }
    if let Some(i) = offsets.windows(2).position(|w| w[0] > w[1]) {
        return Err(format!("{what} decrease at {i}"));
    }
    Ok(())
}

impl KnowledgeGraph {
    /// Assembles a graph from a validated dataset and decoded indexes, checking the indexes
    /// first. The relations' endpoints are read from the adjacency (no id lookups), and must
    /// agree with the relations' own ids and types. O(entities + relations + index size).
    fn from_stored(dataset: Dataset, stored: Stored) -> Result<Self, String> {
        let Stored {
            adjacency,
            by_kind,
            search,
        } = stored;
        let (n, m) = (dataset.entities.len(), dataset.relations.len());
        adjacency.check(n, m)?;
        search.check(n)?;
        let mut seen = vec![false; n];
        for (kind, list) in EntityKind::ALL.iter().zip(&by_kind) {
            for key in list {
                let k = key.0 as usize;
                if k >= n || std::mem::replace(&mut seen[k], true) {
                    return Err(format!(
                        "the {} list holds entity #{k} twice or beyond the last",
                        kind.prefix()
                    ));
                }
                if dataset.entities[k].kind() != *kind {
                    return Err(format!(
                        "the {} list holds an entity of another kind",
                        kind.prefix()
                    ));
                }
            }
        }
        if seen.iter().any(|s| !s) {
            return Err("an entity is in no per-kind list".to_owned());
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
                    return Err(format!("relation #{} is outgoing twice", e.relation));
                }
                *slot = (key.0, e.other);
            }
        }
        for k in 0..n {
            let key = EntityKey(k as u32);
            for e in adjacency.incoming(key) {
                let r = e.relation as usize;
                if endpoints[r] != (e.other, key.0)
                    || std::mem::replace(&mut incoming_seen[r], true)
                {
                    return Err(format!("relation #{r}'s incoming entry disagrees"));
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
                return Err(format!(
                    "relation #{r}'s endpoints disagree with the adjacency"
                ));
            }
        }
        let types_agree = |entries: &[AdjacencyEntry]| {
            entries
                .iter()
                .all(|e| dataset.relations[e.relation as usize].relation_type == e.relation_type)
        };
        if !types_agree(&adjacency.entries) {
            return Err("an adjacency entry has another relation type".to_owned());
        }
        let ids = super::id_map(&dataset.entities);
        Ok(KnowledgeGraph::assemble(
            dataset, ids, &endpoints, adjacency, by_kind, search,
        ))
    }
}

/// Serde helpers for `Vec<u32>` as a little-endian byte blob.
pub(super) mod le_u32 {
    use super::{Deserializer, Serializer, U32s};
    use serde::Deserialize;

    pub(in crate::graph) fn serialize<S: Serializer>(v: &[u32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&to_bytes(v.iter().copied()))
    }

    pub(in crate::graph) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<u32>, D::Error> {
        U32s::deserialize(d).map(|U32s(v)| v)
    }

    pub(super) fn to_bytes(v: impl ExactSizeIterator<Item = u32>) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(4 * v.len());
        for n in v {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        bytes
    }
}

/// Serde helpers for `Vec<(u32, u32)>` as one little-endian blob of pairs.
pub(super) mod le_u32_pairs {
    use super::{Deserializer, Serializer, U32s, le_u32};
    use serde::Deserialize;
    use serde::de::Error;

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

    pub(in crate::graph) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(u32, u32)>, D::Error> {
        let U32s(flat) = U32s::deserialize(d)?;
        if flat.len() % 2 != 0 {
            return Err(D::Error::custom("a pair array of odd length"));
        }
        Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
    }
}

/// Serde helpers for the adjacency's entries, as columns: relations and others (blobs), types.
pub(super) mod entry_columns {
    use super::{AdjacencyEntry, Deserializer, RelationType, Serializer, le_u32};
    use serde::de::Error;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
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

    pub(in crate::graph) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<AdjacencyEntry>, D::Error> {
        let c = Columns::deserialize(d)?;
        if c.other.len() != c.relation.len() || c.relation_type.len() != c.relation.len() {
            return Err(D::Error::custom("adjacency columns of different lengths"));
        }
        Ok(c.relation
            .into_iter()
            .zip(c.other)
            .zip(c.relation_type)
            .map(|((relation, other), relation_type)| AdjacencyEntry {
                relation,
                other,
                relation_type,
            })
            .collect())
    }
}

/// A `Vec<u32>` read from a little-endian byte blob.
struct U32s(Vec<u32>);

impl<'de> Deserialize<'de> for U32s {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(U32sVisitor)
    }
}

struct U32sVisitor;

impl Visitor<'_> for U32sVisitor {
    type Value = U32s;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a little-endian u32 array")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<U32s, E> {
        if v.len() % 4 != 0 {
            return Err(E::invalid_length(v.len(), &self));
        }
        Ok(U32s(
            v.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
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

fn by_kind_deserialize<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<[Vec<EntityKey>; KINDS], D::Error> {
    let lists = Vec::<U32s>::deserialize(d)?;
    let found = lists.len();
    let lists: Vec<Vec<EntityKey>> = lists
        .into_iter()
        .map(|U32s(l)| l.into_iter().map(EntityKey).collect())
        .collect();
    lists
        .try_into()
        .map_err(|_| de::Error::custom(format!("{found} per-kind lists, not {KINDS}")))
}
