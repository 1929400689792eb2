//! The raw records parsing produces, not yet cross-checked, and the interner that makes them
//! compact (equal ids and equal citation lists are one allocation, across files and threads).
//!
//! Architecture invariant: plain data and sharing; no parsing, no validation.

use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use toml::Spanned;

use crate::model::{Date, Details, EntityKind, Grade, RelationType};

/// Everything parsed from all files, not yet cross-checked.
#[derive(Debug, Default)]
pub(crate) struct RawDataset {
    pub(crate) entities: Vec<RawEntity>,
    pub(crate) relations: Vec<RawRelation>,
    /// Entities whose record has a problem but whose id could be read: they exist, so
    /// references to them must not be reported as dangling.
    pub(crate) unparsed: Vec<UnparsedEntity>,
}

/// The id of an entity whose record could not be read, and the table it is in.
#[derive(Debug)]
pub(crate) struct UnparsedEntity {
    pub(crate) table_kind: EntityKind,
    pub(crate) id: String,
}

/// Where a problem about one field of a record is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// The value of this key of the record's table, or the table itself without it.
    Value(&'static str),
    /// The `source` of the record's citation at this index.
    CitationSource(usize),
    /// The `quote` of the record's citation at this index.
    CitationQuote(usize),
    /// The `conflict` of the record's citation at this index.
    CitationConflict(usize),
}

/// A citation as read, its source id interned. Equal lists of these are shared.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RawCite {
    pub(crate) source: Arc<str>,
    pub(crate) quote: Option<String>,
    pub(crate) grade: Grade,
    pub(crate) note: Option<String>,
    /// What the source claims instead, and the source id of the citation it contradicts.
    pub(crate) conflict: Option<(String, Arc<str>)>,
}

/// An entity as read, and where its table starts.
#[derive(Debug)]
pub(crate) struct RawEntity {
    pub(crate) file: usize,
    /// The byte offset of the whole table; fields are found from it (see [`Field`]).
    pub(crate) record: usize,
    /// The kind named by the table (`[[standard]]`).
    pub(crate) table_kind: EntityKind,
    pub(crate) id: Arc<str>,
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) description: Option<String>,
    pub(crate) citations: Arc<[RawCite]>,
    pub(crate) details: Details,
}

/// A relation as read, and where its table starts.
#[derive(Debug)]
pub(crate) struct RawRelation {
    pub(crate) file: usize,
    pub(crate) record: usize,
    pub(crate) relation_type: RelationType,
    pub(crate) from: Arc<str>,
    pub(crate) to: Arc<str>,
    pub(crate) role: Option<String>,
    pub(crate) since: Option<Date>,
    pub(crate) until: Option<Date>,
    pub(crate) citations: Arc<[RawCite]>,
}

/// Ids and citation lists already read, shared by the threads that parse files. Each set is
/// split in shards, each behind its own lock, so the threads seldom wait for each other.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    hasher: foldhash::fast::RandomState,
    ids: [Mutex<foldhash::HashSet<Arc<str>>>; SHARDS],
    lists: [Mutex<foldhash::HashSet<Arc<[RawCite]>>>; SHARDS],
}

const SHARDS: usize = 16;

impl Interner {
    fn shard<K: Hash + ?Sized>(&self, key: &K) -> usize {
        // The low bits choose the shard; the set itself hashes again with its own state.
        usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0)
    }

    /// The shared copy of the id `raw`.
    pub(crate) fn id(&self, raw: &str) -> Arc<str> {
        let mut set = self.ids[self.shard(raw)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(shared) = set.get(raw) {
            return shared.clone();
        }
        let shared: Arc<str> = raw.into();
        set.insert(shared.clone());
        shared
    }

    /// The shared copy of the citation list `list`.
    pub(super) fn list(&self, list: Vec<RawCite>) -> Arc<[RawCite]> {
        let mut set = self.lists[self.shard(list.as_slice())]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(shared) = set.get(list.as_slice()) {
            return shared.clone();
        }
        let shared: Arc<[RawCite]> = list.into();
        set.insert(shared.clone());
        shared
    }

    pub(super) fn citations(&self, raw: Vec<RawCitation>) -> Arc<[RawCite]> {
        self.list(
            raw.into_iter()
                .map(|c| RawCite {
                    source: self.id(c.source.get_ref()),
                    quote: c.quote.map(Spanned::into_inner),
                    grade: c.grade,
                    note: c.note,
                    conflict: c.conflict.map(|k| (k.claim, self.id(&k.with))),
                })
                .collect(),
        )
    }
}

/// A citation as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCitation {
    pub(super) source: Spanned<String>,
    #[serde(default)]
    pub(super) quote: Option<Spanned<String>>,
    pub(super) grade: Grade,
    #[serde(default)]
    pub(super) note: Option<String>,
    #[serde(default)]
    pub(super) conflict: Option<RawConflict>,
}

/// A citation's `conflict = { claim = "...", with = "source:..." }` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConflict {
    pub(super) claim: String,
    pub(super) with: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCommon {
    pub(super) id: Spanned<String>,
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) citations: Vec<RawCitation>,
}

/// A relation as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelationFields {
    pub(super) from: Spanned<String>,
    #[serde(rename = "type")]
    pub(super) relation_type: RelationType,
    pub(super) to: Spanned<String>,
    #[serde(default)]
    pub(super) role: Option<String>,
    #[serde(default)]
    pub(super) since: Option<Date>,
    #[serde(default)]
    pub(super) until: Option<Date>,
    #[serde(default)]
    pub(super) citations: Vec<RawCitation>,
}
