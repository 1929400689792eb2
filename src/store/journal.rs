//! The durable log of committed change sets: a redb table, version -> the [`Committed`] change
//! set as JSON, and beside it, written in the same commit, what each wrote ([`Resolved`]). redb (pure Rust, embedded, copy-on-write B-trees with checksummed commits)
//! commits with `Durability::Immediate`, its default: `append` returns only once the change set
//! is synced to disk, and a crash at any moment leaves the file at the last completed commit.
//!
//! Invariant: versions are 1, 2, 3, ... with no gap; a change set is appended only after it
//! validated, and never rewritten.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::change::Committed;
use crate::graph::Edits;

const CHANGE_SETS: TableDefinition<u64, &[u8]> = TableDefinition::new("change_sets");
/// Version -> [`Resolved`] as JSON: what each change set wrote, as resolved against its base.
const RESOLVED: TableDefinition<u64, &[u8]> = TableDefinition::new("resolved");

/// What a committed change set wrote (the records, the retracted ids, the source texts), as
/// resolved when it was validated, and the fingerprint of the base data it was validated on: a
/// restart on the same base applies these without validating again (validation is
/// deterministic: the same base and the same change sets before give the same records).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    /// The base data's fingerprint.
    pub base: u64,
    /// The records written and retracted.
    pub edits: Edits,
    /// The source texts it stored, by path.
    pub texts: Vec<(String, String)>,
}

/// Why the store cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// redb failed (IO, a corrupt file, a lock held by another process).
    #[error("store: {0}")]
    Db(#[from] redb::Error),
    /// A stored change set does not decode.
    #[error("store: change set {version} does not decode: {message}")]
    Decode {
        /// Its version.
        version: u64,
        /// Why.
        message: String,
    },
    /// A version is missing or out of order.
    #[error("store: change set {found} where {expected} was expected")]
    Gap {
        /// The version read.
        found: u64,
        /// The version that should have come.
        expected: u64,
    },
}

/// redb's page cache. The journal is read once, in order, at start-up (the change sets are kept
/// decoded in memory from then on) and appended to after: a small cache serves both. redb's
/// default (1 GiB) kept the pages read at start-up for good: about 85 MB of RSS with 100K stored
/// change sets.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The open journal file.
#[derive(Debug)]
pub struct Journal {
    db: Database,
}

fn fail<E: Into<redb::Error>>(e: E) -> JournalError {
    JournalError::Db(e.into())
}

impl Journal {
    /// Opens (or creates) the journal at `path`. redb locks the file: a second server on the
    /// same store fails here.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(fail)?;
        let tx = db.begin_write().map_err(fail)?;
        tx.open_table(CHANGE_SETS).map_err(fail)?;
        tx.open_table(RESOLVED).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(Journal { db })
    }

    /// Every change set, in version order.
    pub fn read_all(&self) -> Result<Vec<Committed>, JournalError> {
        let tx = self.db.begin_read().map_err(fail)?;
        let table = tx.open_table(CHANGE_SETS).map_err(fail)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(fail)? {
            let (version, bytes) = entry.map_err(fail)?;
            let version = version.value();
            let expected = all.len() as u64 + 1;
            if version != expected {
                return Err(JournalError::Gap {
                    found: version,
                    expected,
                });
            }
            let committed: Committed =
                serde_json::from_slice(bytes.value()).map_err(|e| JournalError::Decode {
                    version,
                    message: e.to_string(),
                })?;
            all.push(committed);
        }
        Ok(all)
    }

    /// What the first `n` change sets wrote, if every one is stored, decodes and was resolved
    /// on the base of fingerprint `base`; else `None` (they are validated again).
    pub fn read_resolved(&self, n: u64, base: u64) -> Result<Option<Vec<Resolved>>, JournalError> {
        Ok(usable(self.read_resolved_all()?, n, base))
    }

    /// The stored resolved change sets from version 1 on, up to the first one missing or
    /// unreadable.
    pub fn read_resolved_all(&self) -> Result<Vec<Resolved>, JournalError> {
        let tx = self.db.begin_read().map_err(fail)?;
        let table = tx.open_table(RESOLVED).map_err(fail)?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(fail)? {
            let (version, bytes) = entry.map_err(fail)?;
            if version.value() != all.len() as u64 + 1 {
                break;
            }
            match serde_json::from_slice::<Resolved>(bytes.value()) {
                Ok(resolved) => all.push(resolved),
                Err(error) => {
                    tracing::warn!(version = version.value(), %error, "a resolved change set does not decode; validating the store again");
                    break;
                }
            }
        }
        Ok(all)
    }

    /// Stores what change sets `1..` wrote on a new base (after they were validated on it), in
    /// one commit.
    pub fn rewrite_resolved(&self, resolved: &[Resolved]) -> Result<(), JournalError> {
        let tx = self.db.begin_write().map_err(fail)?;
        {
            let mut table = tx.open_table(RESOLVED).map_err(fail)?;
            for (i, r) in resolved.iter().enumerate() {
                let version = i as u64 + 1;
                table
                    .insert(version, encode(version, r)?.as_slice())
                    .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(())
    }

    /// Appends a change set and what it wrote under its version, in one commit, synced to
    /// disk before returning.
    pub fn append(&self, committed: &Committed, resolved: &Resolved) -> Result<(), JournalError> {
        let bytes = encode(committed.version, committed)?;
        let resolved = encode(committed.version, resolved)?;
        let tx = self.db.begin_write().map_err(fail)?;
        {
            let mut table = tx.open_table(CHANGE_SETS).map_err(fail)?;
            table
                .insert(committed.version, bytes.as_slice())
                .map_err(fail)?;
            let mut table = tx.open_table(RESOLVED).map_err(fail)?;
            table
                .insert(committed.version, resolved.as_slice())
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(())
    }
}

/// `all` if it holds exactly the first `n` change sets, each resolved on the base `base`.
pub fn usable(all: Vec<Resolved>, n: u64, base: u64) -> Option<Vec<Resolved>> {
    (all.len() as u64 == n && all.iter().all(|r| r.base == base)).then_some(all)
}

fn encode(version: u64, value: &impl serde::Serialize) -> Result<Vec<u8>, JournalError> {
    serde_json::to_vec(value).map_err(|e| JournalError::Decode {
        version,
        message: e.to_string(),
    })
}
