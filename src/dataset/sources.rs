//! The texts SOURCE entities point to (`text = "sources/..."`), read for the verbatim-quote
//! checks: from a data directory, or from wherever a caller keeps them ([`SourceTexts`]).
//!
//! Architecture invariant: reads only below the data directory it is given.

use std::path::{Component, Path, PathBuf};

use super::{DataLimits, LoadError, read_limited};

/// Why a source text cannot be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The path is absolute or leaves the data directory.
    #[error("text path `{path}` must be relative and stay inside the data directory")]
    OutsideDataDirectory {
        /// The path as written.
        path: String,
    },
    /// The file cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Unreadable {
        /// The path as written.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`DataLimits::max_file_bytes`]; refused unread.
    #[error(
        "text `{path}` is {size} bytes, above the limit of {limit} bytes for one data file (--max-data-file-bytes)"
    )]
    TooLarge {
        /// The path as written.
        path: String,
        /// Its size in bytes (at least this much, when it grew while it was read).
        size: u64,
        /// The limit it is above.
        limit: u64,
    },
    /// No text has that path (for texts kept elsewhere than in files).
    #[error("no text `{path}`")]
    Missing {
        /// The path as written.
        path: String,
    },
}

/// Reads the texts that SOURCE entities point to (`text = "sources/..."`), for quote checks.
pub trait SourceTexts {
    /// The text at `path` (relative to the data directory), or why it cannot be had.
    fn read(&self, path: &str) -> Result<String, TextError>;
}

/// Source texts read from files under a data directory; paths may not leave it.
#[derive(Debug, Clone)]
pub struct DirTexts {
    /// The data directory.
    pub dir: PathBuf,
    /// Bounds on each text read.
    pub limits: DataLimits,
}

impl SourceTexts for DirTexts {
    fn read(&self, path: &str) -> Result<String, TextError> {
        let rel = Path::new(path);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(TextError::OutsideDataDirectory {
                path: path.to_owned(),
            });
        }
        let path = path.to_owned();
        read_limited(&self.dir.join(rel), self.limits).map_err(|e| match e {
            LoadError::TooLarge { size, limit, .. } => TextError::TooLarge { path, size, limit },
            LoadError::Io { source, .. } => TextError::Unreadable { path, source },
            other => TextError::Unreadable {
                path,
                source: std::io::Error::other(other.to_string()),
            },
        })
    }
}
