//! The texts SOURCE entities point to (`text = "sources/..."`), read for the verbatim-quote
//! checks: from a data directory, or from wherever a caller keeps them ([`SourceTexts`]).
//!
//! Architecture invariant: reads only below the data directory it is given.

use std::path::{Component, Path, PathBuf};

use super::read_regular;

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
pub struct DirTexts(pub PathBuf);

impl SourceTexts for DirTexts {
    fn read(&self, path: &str) -> Result<String, TextError> {
        let rel = Path::new(path);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(TextError::OutsideDataDirectory {
                path: path.to_owned(),
            });
        }
        read_regular(&self.0.join(rel)).map_err(|source| TextError::Unreadable {
            path: path.to_owned(),
            source,
        })
    }
}
