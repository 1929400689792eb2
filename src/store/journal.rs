//! The durable log of committed change sets: one redb table, version -> the [`Committed`] change
//! set as JSON. redb (pure Rust, embedded, copy-on-write B-trees with checksummed commits)
//! commits with `Durability::Immediate`, its default: `append` returns only once the change set
//! is synced to disk, and a crash at any moment leaves the file at the last completed commit.
//!
//! Invariant: versions are 1, 2, 3, ... with no gap; a change set is appended only after it
//! validated, and never rewritten.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::change::Committed;

const CHANGE_SETS: TableDefinition<u64, &[u8]> = TableDefinition::new("change_sets");

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
        let db = Database::create(path).map_err(fail)?;
        let tx = db.begin_write().map_err(fail)?;
        tx.open_table(CHANGE_SETS).map_err(fail)?;
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

    /// Appends a change set under its version and syncs it to disk before returning.
    pub fn append(&self, committed: &Committed) -> Result<(), JournalError> {
        let bytes = serde_json::to_vec(committed).map_err(|e| JournalError::Decode {
            version: committed.version,
            message: e.to_string(),
        })?;
        let tx = self.db.begin_write().map_err(fail)?;
        {
            let mut table = tx.open_table(CHANGE_SETS).map_err(fail)?;
            table
                .insert(committed.version, bytes.as_slice())
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(())
    }
}
