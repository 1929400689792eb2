//! Data files -> raw records -> a validated [`Dataset`].
//!
//! Loading never stops at the first mistake: every problem in every file is collected, each with
//! `file:line:column`, and the dataset is returned only when there are none. The format is
//! described in `data/README.md`. This module knows the model and TOML; it knows nothing of
//! petgraph, GraphQL or HTTP.

mod parse;
mod validate;

use std::fmt;
use std::path::{Component, Path, PathBuf};

use crate::model::{Entity, Relation};

/// A validated dataset: entities with unique ids, relations whose endpoints exist and fit.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Every entity, in file order.
    pub entities: Vec<Entity>,
    /// Every relation, in file order.
    pub relations: Vec<Relation>,
    /// A fingerprint of the files' contents (FNV-1a over names and bytes), to tell versions apart.
    pub fingerprint: u64,
}

/// One data file's name (as shown in problems) and contents.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// The name shown in problems, e.g. `data/standards.toml`.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// A place in a data file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file's name as given to the loader.
    pub file: String,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One thing wrong with the data, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where it is.
    pub location: Location,
    /// What is wrong, in words a data editor can act on.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Why a dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The data directory or a file in it could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The directory holds no `*.toml` file.
    #[error("{0} holds no *.toml data file")]
    Empty(PathBuf),
    /// The files were read but hold problems; every one is listed.
    #[error("{} problem(s) in the data:\n{}", .0.len(), ProblemList(.0))]
    Invalid(Vec<Problem>),
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Reads the texts that SOURCE entities point to (`text = "sources/..."`), for quote checks.
pub trait SourceTexts {
    /// The text at `path` (relative to the data directory), or why it cannot be had.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// Source texts read from files under a data directory; paths may not leave it.
#[derive(Debug, Clone)]
pub struct DirTexts(pub PathBuf);

impl SourceTexts for DirTexts {
    fn read(&self, path: &str) -> Result<String, String> {
        let rel = Path::new(path);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(format!(
                "text path `{path}` must be relative and stay inside the data directory"
            ));
        }
        std::fs::read_to_string(self.0.join(rel)).map_err(|e| format!("cannot read `{path}`: {e}"))
    }
}

/// Loads every `*.toml` file directly inside `dir` (in name order) and validates the whole.
pub fn load_dir(dir: &Path) -> Result<Dataset, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        files.push(DataFile {
            name: path.display().to_string(),
            text,
        });
    }
    load_files(&files, &DirTexts(dir.to_path_buf()))
}

/// Parses and validates data files already in memory.
pub fn load_files(files: &[DataFile], texts: &dyn SourceTexts) -> Result<Dataset, LoadError> {
    let mut problems = Vec::new();
    let mut raw = parse::RawDataset::default();
    for (index, file) in files.iter().enumerate() {
        parse::parse_file(index, file, &mut raw, &mut problems);
    }
    let lines = files
        .iter()
        .map(|f| LineIndex::new(&f.name, &f.text))
        .collect::<Vec<_>>();
    let dataset = validate::validate(raw, texts, &mut problems);
    if problems.is_empty() {
        let mut dataset = dataset;
        dataset.fingerprint = fingerprint(files);
        return Ok(dataset);
    }
    let mut problems = problems
        .into_iter()
        .map(|p| Problem {
            location: lines[p.file].locate(p.offset),
            message: match p.first_defined {
                Some((file, offset)) => {
                    format!(
                        "{} (first defined at {})",
                        p.message,
                        lines[file].locate(offset)
                    )
                }
                None => p.message,
            },
        })
        .collect::<Vec<_>>();
    problems.sort();
    problems.dedup();
    Err(LoadError::Invalid(problems))
}

/// A problem before its byte offset is turned into a line and column.
#[derive(Debug)]
pub(crate) struct RawProblem {
    pub(crate) file: usize,
    pub(crate) offset: usize,
    pub(crate) message: String,
    /// For duplicates: the file and offset of the first definition.
    pub(crate) first_defined: Option<(usize, usize)>,
}

/// Byte offset -> line and column, for one file.
struct LineIndex<'a> {
    name: &'a str,
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(name: &'a str, text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { name, text, starts }
    }

    fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        // A byte-order mark is no column: editors do not show it.
        let column = self.text.get(start..offset).map_or(1, |prefix| {
            let prefix = if start == 0 {
                prefix.trim_start_matches('\u{feff}')
            } else {
                prefix
            };
            prefix.chars().count() + 1
        });
        Location {
            file: self.name.to_owned(),
            line,
            column,
        }
    }
}

fn fingerprint(files: &[DataFile]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in files
        .iter()
        .flat_map(|f| f.name.bytes().chain(f.text.bytes()))
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests;
