//! Snapshot files: read from `--data` ([`load`], [`load_dataset`], which also take a directory
//! of text files), and written through a temporary file renamed into place ([`write`]).

use std::io::Write;
use std::path::Path;

use super::{Sections, SnapshotError, read};
use crate::dataset::{self, DataLimits, Dataset, LoadError};
use crate::graph::KnowledgeGraph;

/// The graph of `path`: built from a directory's text files (each bounded by `limits`), or
/// loaded from a snapshot file with its stored indexes (nothing built again but the id index;
/// not bounded by `limits`, see [`DataLimits`]). Errors name the file.
pub fn load(path: &Path, limits: DataLimits) -> Result<KnowledgeGraph, LoadError> {
    if path.is_dir() {
        return dataset::load_dir_limited(path, limits).map(KnowledgeGraph::new);
    }
    from_file(path, KnowledgeGraph::from_snapshot)
}

/// The dataset of `path`: a directory's text files (each bounded by `limits`), or a snapshot
/// file's dataset section (its index section is read, for the checksum, and dropped). Errors
/// name the file.
pub fn load_dataset(path: &Path, limits: DataLimits) -> Result<Dataset, LoadError> {
    if path.is_dir() {
        return dataset::load_dir_limited(path, limits);
    }
    from_file(path, Sections::dataset)
}

/// Opens the snapshot file at `path` (a regular file, see [`dataset::open_regular`]) and hands
/// its checked sections to `decode`, streaming the index section from the file.
fn from_file<T>(
    path: &Path,
    decode: impl FnOnce(Sections<'static>) -> Result<T, SnapshotError>,
) -> Result<T, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = dataset::open_regular(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let result = read(std::io::BufReader::new(file), len).and_then(decode);
    result.map_err(|e| match e {
        SnapshotError::Io(e) => io(e),
        e => LoadError::Snapshot {
            path: path.to_path_buf(),
            source: Box::new(e),
        },
    })
}

/// Writes snapshot bytes (from [`KnowledgeGraph::to_snapshot`]) to `path`, through a temporary file of its own
/// renamed into place, so that a server watching `path` never reads half a file and `path` is
/// always the old or the new complete snapshot, however many writers run at once or are killed.
///
/// Each writer's temporary file (`.NAME.XXXXXX.partial` beside `path`) has a unique name and is
/// locked (`flock`) while it is written; the lock dies with its process. Temporary files of
/// writers that died are removed by the next write to the same `path`.
pub fn write(bytes: &[u8], path: &Path) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (dir, prefix) = temp_place(path).map_err(io)?;
    remove_dead_temps(dir, &prefix);
    let mut temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(io)?;
    temp.as_file().lock().map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    // The rename is durable once the directory is synced (not possible everywhere: best effort).
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

const TEMP_SUFFIX: &str = ".partial";

/// How long a temporary file must be unmodified before a later writer may remove it (besides
/// being unlocked): a writer creates its file, then locks it, and must not lose it in between.
const TEMP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The directory of `path` and the name prefix of its writers' temporary files.
fn temp_place(path: &Path) -> std::io::Result<(&Path, String)> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the snapshot path names no file",
        )
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Ok((dir, format!(".{}.", name.to_string_lossy())))
}

/// Removes the temporary files of writers to the same snapshot that died: those no process
/// holds locked, unmodified for [`TEMP_GRACE`]. Best effort: a file it cannot inspect is left.
fn remove_dead_temps(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let old_enough = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= TEMP_GRACE);
        if !old_enough {
            continue;
        }
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}
