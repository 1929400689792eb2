//! Data files -> raw records -> a validated [`Dataset`].
//!
//! Loading never stops at the first mistake: every problem in every file is collected, each with
//! `file:line:column`, and the dataset is returned only when there are none. The format is
//! described in `data/README.md`. This module knows the model and TOML; it knows nothing of
//! petgraph, GraphQL or HTTP.

mod parse;
mod sources;
mod validate;

pub use sources::{DirTexts, SourceTexts, TextError};

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::model::{Entity, Relation};

/// A validated dataset: entities with unique ids, relations whose endpoints exist and fit.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Every entity, in file order.
    pub entities: Vec<Entity>,
    /// Every relation, in file order.
    pub relations: Vec<Relation>,
    /// A fingerprint of the files' names and contents (FNV-1a), to tell versions apart.
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
    /// A data file (or a source text) is larger than [`DataLimits::max_file_bytes`]; refused from
    /// its metadata, before it is read.
    #[error(
        "{path} is {size} bytes, above the limit of {limit} bytes for one data file (--max-data-file-bytes)"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes (at least this much, when it grew while it was read).
        size: u64,
        /// The limit it is above.
        limit: u64,
    },
    /// A snapshot file could not be used (snapshots are the graph's: `graph::snapshot`, whose
    /// `SnapshotError` says why).
    #[error("{path}: {source}")]
    Snapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
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

/// Bounds on what loading reads from disk.
///
/// A data file's text is held whole while it is parsed (one per parsing thread), so the size of
/// one file bounds that memory; it is checked from the file's metadata before the file is
/// opened for reading, and the read itself stops one byte past the limit (a file that grows in
/// between is refused too). A directory's total is not bounded: the texts are dropped as they
/// are parsed, and what stays (the records, the graph) grows with the number of entities, which
/// a byte count of text bounds only loosely. Snapshot files are not bounded by this either:
/// their reader streams them and never believes a length beyond the bytes the file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataLimits {
    /// Largest `*.toml` data file or source text, in bytes.
    pub max_file_bytes: u64,
}

impl DataLimits {
    /// The default [`DataLimits::max_file_bytes`]: 32 MiB, about 6x the largest file `reegraph
    /// generate` writes (its files hold 10,000 entities or 20,000 relations each, ~5 MB at
    /// most) and 600x the largest file in data/.
    pub const DEFAULT_MAX_FILE_BYTES: u64 = 32 << 20;
}

impl Default for DataLimits {
    fn default() -> Self {
        DataLimits {
            max_file_bytes: Self::DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// Opens `path` for reading only if it is a regular file (symlinks followed): a FIFO, socket,
/// device or directory is refused with an error naming what it is, and is never opened for a
/// read that could block (on Unix the open itself does not wait for a FIFO's writer).
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    // Checked before opening (a FIFO's open must not happen at all) and again on the open file
    // (the name may have been replaced in between).
    not_regular(&std::fs::metadata(path)?)?;
    let file = options.open(path)?;
    not_regular(&file.metadata()?)?;
    Ok(file)
}

/// An error unless `meta` is a regular file's.
fn not_regular(meta: &std::fs::Metadata) -> std::io::Result<()> {
    let what = if meta.is_file() {
        return Ok(());
    } else if meta.is_dir() {
        "a directory"
    } else {
        "a special file (FIFO, socket or device)"
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}, not a regular file"),
    ))
}

/// The whole text of the regular file at `path` (see [`open_regular`]), refused with
/// [`LoadError::TooLarge`] when it holds more than `limits.max_file_bytes`: checked before the
/// open and on the open file from metadata, and by a read that stops one byte past the limit.
pub fn read_limited(path: &Path, limits: DataLimits) -> Result<String, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let limit = limits.max_file_bytes;
    let too_large = |size| LoadError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > limit {
        return Err(too_large(size));
    }
    let file = open_regular(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(too_large(size));
    }
    let mut text = String::with_capacity(usize::try_from(size).unwrap_or(0));
    std::io::Read::read_to_string(
        &mut std::io::Read::take(file, limit.saturating_add(1)),
        &mut text,
    )
    .map_err(io)?;
    let read = text.len() as u64;
    if read > limit {
        return Err(too_large(read));
    }
    Ok(text)
}

/// Loads every `*.toml` file directly inside `dir` (in name order) and validates the whole.
///
/// Files are read and parsed on all cores, and each file's text is dropped once it is parsed:
/// only the records stay in memory. When there are problems, the files that have them are
/// read again to turn byte offsets into lines and columns. Files are bounded by the default
/// [`DataLimits`].
pub fn load_dir(dir: &Path) -> Result<Dataset, LoadError> {
    load_dir_limited(dir, DataLimits::default())
}

/// [`load_dir`], with each data file and source text bounded by `limits`: a file above the
/// limit fails the load with [`LoadError::TooLarge`] before any file is read.
pub fn load_dir_limited(dir: &Path, limits: DataLimits) -> Result<Dataset, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            // Every `*.toml` entry is data: one that cannot be read (a dangling symlink, a
            // symlink loop, a directory, a FIFO) fails the load with its path, never vanishes.
            let meta = std::fs::metadata(&path).map_err(io(&path))?;
            not_regular(&meta).map_err(io(&path))?;
            // Refused from its size alone: a file far larger than any data file is never read.
            if meta.len() > limits.max_file_bytes {
                return Err(LoadError::TooLarge {
                    path,
                    size: meta.len(),
                    limit: limits.max_file_bytes,
                });
            }
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    paths.sort();
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let read = |i: usize| read_limited(&paths[i], limits).map(Cow::Owned);
    let texts = DirTexts {
        dir: dir.to_path_buf(),
        limits,
    };
    load(&names, read, true, &texts)
}

/// Below this many bytes of text in memory, files are parsed on the calling thread: starting
/// threads (and asking the system how many cores there are, which reads cgroup files) costs
/// more than parsing a write's few records (it was about a tenth of a write's server CPU).
const PARALLEL_PARSE_BYTES: usize = 1 << 20;

/// Parses and validates data files already in memory.
pub fn load_files(files: &[DataFile], texts: &dyn SourceTexts) -> Result<Dataset, LoadError> {
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let parallel = files.iter().map(|f| f.text.len()).sum::<usize>() >= PARALLEL_PARSE_BYTES;
    load(
        &names,
        |i| Ok(Cow::Borrowed(files[i].text.as_str())),
        parallel,
        texts,
    )
}

/// One file, parsed (its records are in the [`parse::RawDataset`] of all files).
struct ParsedFile {
    problems: Vec<RawProblem>,
    /// FNV-1a of the file's name and text.
    hash: u64,
}

/// Parses the files named `names` (`read(i)` gives file `i`'s text), validates the whole, and
/// places every problem. With `parallel`, files are parsed on as many threads as there are
/// cores.
fn load<'t>(
    names: &[String],
    read: impl Fn(usize) -> Result<Cow<'t, str>, LoadError> + Sync,
    parallel: bool,
    texts: &dyn SourceTexts,
) -> Result<Dataset, LoadError> {
    let (raw, parsed) = parse_all(names, &read, parallel);
    let mut problems = Vec::new();
    let mut fingerprint = FNV_OFFSET;
    for parsed in parsed {
        let parsed = parsed?;
        problems.extend(parsed.problems);
        fingerprint = fnv(fingerprint, &parsed.hash.to_le_bytes());
    }
    let dataset = validate::validate(raw, texts, &mut problems);
    if problems.is_empty() {
        let mut dataset = dataset;
        dataset.fingerprint = fingerprint;
        return Ok(dataset);
    }
    drop(dataset);
    // Only files with problems are read again, once each.
    let mut sources: Vec<Option<Cow<'t, str>>> = vec![None; names.len()];
    for p in &problems {
        for file in std::iter::once(p.file).chain(p.first_defined.as_ref().map(|(f, _)| *f)) {
            if sources[file].is_none() {
                sources[file] = Some(read(file)?);
            }
        }
    }
    let lines: Vec<Option<LineIndex<'_>>> = sources
        .iter()
        .zip(names)
        .map(|(text, name)| text.as_deref().map(|t| LineIndex::new(name, t)))
        .collect();
    // Fields are found by parsing a file again, once, and only when a problem is in one.
    let mut records: Vec<Option<parse::Records<'_>>> = (0..names.len()).map(|_| None).collect();
    let mut locate = |file: usize, place: Place| {
        let offset = match place {
            Place::At(offset) => offset,
            Place::In { record, field } => match &sources[file] {
                Some(text) => records[file]
                    .get_or_insert_with(|| parse::Records::new(text))
                    .offset(record, field),
                None => record,
            },
        };
        match &lines[file] {
            Some(index) => index.locate(offset),
            None => Location {
                file: names[file].clone(),
                line: 1,
                column: 1,
            },
        }
    };
    let mut problems = problems
        .into_iter()
        .map(|p| Problem {
            location: locate(p.file, p.place),
            message: match p.first_defined {
                Some((file, place)) => {
                    format!("{} (first defined at {})", p.message, locate(file, place))
                }
                None => p.message,
            },
        })
        .collect::<Vec<_>>();
    problems.sort();
    problems.dedup();
    Err(LoadError::Invalid(problems))
}

/// Reads and parses every file, with `parallel` on as many threads as there are cores (each
/// takes the next file), else on this thread, and returns the records of all files (in file
/// order) and each file's result. A thread holds one text at a time, and adds each file's
/// records to the whole as soon as they are read, so records are never held twice.
fn parse_all<'t>(
    names: &[String],
    read: &(impl Fn(usize) -> Result<Cow<'t, str>, LoadError> + Sync),
    parallel: bool,
) -> (parse::RawDataset, Vec<Result<ParsedFile, LoadError>>) {
    let next = AtomicUsize::new(0);
    let interner = parse::Interner::default();
    let all = Mutex::new(parse::RawDataset::default());
    let work = || {
        let mut done = Vec::new();
        let mut raw = parse::RawDataset::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = names.get(i) else {
                return done;
            };
            let parsed = read(i).map(|text| {
                let mut problems = Vec::new();
                parse::parse_file(i, &text, &interner, &mut raw, &mut problems);
                let hash = fnv(fnv(FNV_OFFSET, name.as_bytes()), text.as_bytes());
                ParsedFile { problems, hash }
            });
            let mut all = all.lock().unwrap_or_else(PoisonError::into_inner);
            all.entities.append(&mut raw.entities);
            all.relations.append(&mut raw.relations);
            all.unparsed.append(&mut raw.unparsed);
            drop(all);
            done.push((i, parsed));
        }
    };
    let threads = if parallel {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(names.len())
    } else {
        1
    };
    let mut results: Vec<(usize, Result<ParsedFile, LoadError>)> = if threads <= 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    results.sort_by_key(|(i, _)| *i);
    let mut all = all.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Files were added in the order they were done; each (file, table start) is one record.
    all.entities.sort_unstable_by_key(|e| (e.file, e.record));
    all.relations.sort_unstable_by_key(|r| (r.file, r.record));
    (all, results.into_iter().map(|(_, r)| r).collect())
}

/// A problem before its place is turned into a line and column.
#[derive(Debug)]
pub(crate) struct RawProblem {
    pub(crate) file: usize,
    pub(crate) place: Place,
    pub(crate) message: String,
    /// For duplicates: the file and place of the first definition.
    pub(crate) first_defined: Option<(usize, Place)>,
}

/// Where in a file a problem is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place {
    /// At this byte offset.
    At(usize),
    /// At a field of the record whose table starts at byte offset `record`.
    In { record: usize, field: parse::Field },
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

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash over `bytes`.
fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests;
