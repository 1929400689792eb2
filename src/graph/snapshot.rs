//! Snapshots: a validated [`Dataset`] and the graph's built indexes in one binary file, the fast
//! start path for large graphs. This module is the format's one home: its header, its two
//! sections, its one streaming reader, its files.
//!
//! `reegraph snapshot --data DIR --out FILE` loads and validates the text files as usual, builds
//! the graph, then writes both (`KnowledgeGraph::to_snapshot`, [`write()`]); `--data FILE`
//! (serve, check, query) loads it ([`load`], [`load_dataset`]). Reading text costs a TOML
//! parse, a string per field and a quote check per citation; a snapshot is a flat encoding
//! (postcard) in which references are entity numbers and equal citation lists are stored once.
//!
//! Layout: [`MAGIC`], the format version (u32 LE), the payload's length (u64 LE), the SHA-256 of
//! the payload, then the payload: the dataset section's length (u64 LE), the dataset section
//! (`records.rs` defines and reads its records, `encode.rs` writes them), and the index section
//! (`indexes.rs`). [`read`] (or [`open`], in memory) checks the header and the length and reads
//! the dataset section (`header.rs`); the index section stays in the file, to be streamed. A load then decodes the
//! dataset section on one thread, straight into the [`Dataset`] record by record, re-checking
//! every invariant the graph relies on (ids well formed, unique and of the kind their details
//! say; every reference in range; relation types between the kinds they allow; every record
//! cited, by SOURCE entities), while a second thread hashes the payload as it is read and decodes
//! the index section as it arrives (`IndexSection`, `reader.rs`); nothing decoded is used unless
//! the checksum matches. Quotes are not compared with source texts again: that was done when the
//! snapshot was written, and the checksum shows the bytes are the ones written then.
//!
//! A citation's conflict travels inside its note: the note, then U+001E, the source id of the
//! citation it contradicts, U+001F and the claim (`records.rs`). The citation record keeps its
//! layout, so snapshots written before conflicts were typed still decode (their notes hold no
//! U+001E); notes and claims holding those two control characters are refused when written.
//!
//! The load path goes one way: file ([`load`]) → header and sections → dataset and indexes →
//! [`KnowledgeGraph`](crate::graph::KnowledgeGraph). The dataset module knows nothing of snapshots; this is the only module of
//! the graph that does IO.

mod encode;
mod file;
mod header;
mod indexes;
mod reader;
mod records;

pub use encode::to_bytes;
pub use file::{load, load_dataset, write};
pub use header::{Sections, open, read};
pub(in crate::graph) use indexes::{
    check_offsets, entry_columns, inconsistent, le_u32, le_u32_pairs, read_pairs,
};
pub(in crate::graph) use reader::IndexSection;

use crate::dataset::Dataset;

/// The first bytes of every snapshot file.
pub const MAGIC: &[u8; 16] = b"reegraph-snap\r\n\0";
/// Bumped whenever the payload's encoding changes; older snapshots are refused, not misread.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = MAGIC.len() + 4 + 8 + 32;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file does not start with [`MAGIC`].
    #[error("not a reegraph snapshot (it does not start with the snapshot header)")]
    NotASnapshot,
    /// Written by a different format version.
    #[error(
        "snapshot format version {found}, but this build reads version {FORMAT_VERSION}: write it again with `reegraph snapshot`"
    )]
    Version {
        /// The version in the file.
        found: u32,
    },
    /// Cut short inside its header.
    #[error("snapshot is truncated: its header is {found} bytes long, not {HEADER_LEN}")]
    Header {
        /// Header bytes present.
        found: usize,
    },
    /// Shorter or longer than its header says.
    #[error(
        "snapshot is truncated or has trailing bytes: the header says {expected} payload bytes, the file has {found}"
    )]
    Length {
        /// Payload bytes the header announces.
        expected: u64,
        /// Payload bytes present.
        found: u64,
    },
    /// The payload is not the one written.
    #[error("snapshot checksum mismatch: the file was changed or damaged after it was written")]
    Checksum,
    /// The payload does not decode.
    #[error("snapshot payload does not decode: {0}")]
    Decode(#[from] postcard::Error),
    /// The file could not be read to its end.
    #[error("snapshot could not be read: {0}")]
    Io(#[source] std::io::Error),
    /// It decodes, but breaks an invariant of a validated dataset.
    #[error("snapshot is inconsistent: {0}")]
    Invalid(String),
}

/// Decodes and checks a snapshot's dataset (its index section is left aside).
/// O(bytes + records).
pub fn from_bytes(bytes: &[u8]) -> Result<Dataset, SnapshotError> {
    open(bytes)?.dataset()
}

fn invalid(message: String) -> SnapshotError {
    SnapshotError::Invalid(message)
}
