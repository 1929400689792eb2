//! A validated binary snapshot of a [`Dataset`], with room for the graph's built indexes: the
//! fast start path for large graphs.
//!
//! `reegraph snapshot --data DIR --out FILE` loads and validates the text files as usual, builds
//! the graph, then writes both; `--data FILE` (serve, check, query) loads it. Reading text costs
//! a TOML parse, a string per field and a quote check per citation; a snapshot is a flat encoding
//! (postcard) in which references are entity numbers and equal citation lists are stored once.
//!
//! Layout: [`MAGIC`], the format version (u32 LE), the payload's length (u64 LE), the
//! SHA-256 of the payload, then the payload: the dataset section's length (u64 LE), the dataset
//! section, and the index section. [`read`] (or [`open`], in memory) checks the header and the
//! length and reads the dataset section; the index section stays in the file, to be streamed.
//! [`Sections::dataset_and`] then decodes the dataset section on one thread, straight into the
//! [`Dataset`] record by record, re-checking every invariant the graph relies on (ids well
//! formed, unique and of the kind their details say; every reference in range; relation types
//! between the kinds they allow; every record cited, by SOURCE entities), while a second thread
//! hashes the payload as it is read and hands the index section to the graph as it arrives
//! ([`IndexSection`]); nothing decoded is used unless the checksum matches. Quotes are not
//! compared with source texts again: that was done when the snapshot was written, and the
//! checksum shows the bytes are the ones written then. The index section's content is opaque
//! here: the graph writes it, and decodes and checks it itself
//! (`KnowledgeGraph::from_snapshot`).
//!
//! A citation's conflict travels inside its note: the note, then U+001E, the source id of the
//! citation it contradicts, U+001F and the claim ([`CONFLICT_MARK`]). The citation record keeps
//! its layout, so snapshots written before conflicts were typed still decode (their notes hold
//! no U+001E); notes and claims holding those two control characters are refused when written.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Dataset;
use crate::model::{
    Citation, Conflict, Date, Details, Entity, EntityId, EntityKind, Grade, Relation, RelationType,
};

/// The first bytes of every snapshot file.
pub const MAGIC: &[u8; 16] = b"reegraph-snap\r\n\0";
/// Bumped whenever the payload's encoding changes; older snapshots are refused, not misread.
pub const FORMAT_VERSION: u32 = 2;
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

/// The dataset section (decoded by `DatasetSeed`, record by record).
#[derive(Serialize)]
struct Payload<'a> {
    fingerprint: u64,
    #[serde(borrow)]
    entities: Vec<SnapEntity<'a>>,
    #[serde(borrow)]
    citation_lists: Vec<Vec<SnapCitation<'a>>>,
    #[serde(borrow)]
    relations: Vec<SnapRelation<'a>>,
}

#[derive(Serialize, Deserialize)]
struct SnapEntity<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(borrow)]
    aliases: Vec<&'a str>,
    #[serde(borrow)]
    description: Option<&'a str>,
    /// Index into `citation_lists`.
    citations: u32,
    details: Details,
}

#[derive(Serialize, Deserialize)]
struct SnapCitation<'a> {
    /// Index into `entities`.
    source: u32,
    #[serde(borrow)]
    quote: Option<&'a str>,
    grade: Grade,
    /// The note, with the conflict appended after [`CONFLICT_MARK`] when there is one.
    #[serde(borrow)]
    note: Option<Cow<'a, str>>,
}

/// Separates a citation's note from its conflict in [`SnapCitation::note`]; [`CLAIM_MARK`]
/// separates the conflicting source's id from the claim.
const CONFLICT_MARK: char = '\u{1e}';
/// See [`CONFLICT_MARK`].
const CLAIM_MARK: char = '\u{1f}';

/// A citation's note and conflict as one stored string (see [`CONFLICT_MARK`]).
fn stored_note(c: &Citation) -> Result<Option<Cow<'_, str>>, SnapshotError> {
    let marked = |s: &str| s.contains([CONFLICT_MARK, CLAIM_MARK]);
    if c.note.as_deref().is_some_and(marked) {
        return Err(invalid(format!(
            "a note citing `{}` holds U+001E or U+001F",
            c.source
        )));
    }
    let Some(conflict) = &c.conflict else {
        return Ok(c.note.as_deref().map(Cow::Borrowed));
    };
    if marked(&conflict.claim) {
        return Err(invalid(format!(
            "a conflict claim citing `{}` holds U+001E or U+001F",
            c.source
        )));
    }
    Ok(Some(Cow::Owned(format!(
        "{}{CONFLICT_MARK}{}{CLAIM_MARK}{}",
        c.note.as_deref().unwrap_or(""),
        conflict.with,
        conflict.claim
    ))))
}

/// Splits a stored note (see [`CONFLICT_MARK`]) into the note and, when there is one, the
/// conflicting source's id and the claim.
fn split_note(stored: &str) -> (Option<&str>, Option<(&str, &str)>) {
    match stored.split_once(CONFLICT_MARK) {
        None => (Some(stored), None),
        Some((note, conflict)) => {
            let note = (!note.is_empty()).then_some(note);
            (
                note,
                Some(conflict.split_once(CLAIM_MARK).unwrap_or((conflict, ""))),
            )
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SnapRelation<'a> {
    relation_type: RelationType,
    from: u32,
    to: u32,
    #[serde(borrow)]
    role: Option<&'a str>,
    since: Option<Date>,
    until: Option<Date>,
    citations: u32,
}

/// Encodes validated records (a [`Dataset`]'s, in order) and an index section. O(records).
pub fn to_bytes<'d>(
    entities: impl ExactSizeIterator<Item = &'d Entity> + Clone,
    relations: impl ExactSizeIterator<Item = &'d Relation>,
    fingerprint: u64,
    indexes: &[u8],
) -> Result<Vec<u8>, SnapshotError> {
    let count = |n: usize| {
        u32::try_from(n).map_err(|_| SnapshotError::Invalid(format!("{n} records is too many")))
    };
    let mut number: HashMap<&str, u32> = HashMap::with_capacity(entities.len());
    for (i, e) in entities.clone().enumerate() {
        number.insert(e.id.as_str(), count(i)?);
    }
    let lookup = |id: &EntityId| {
        number
            .get(id.as_str())
            .copied()
            .ok_or_else(|| SnapshotError::Invalid(format!("no entity has id `{id}`")))
    };
    // Lists are shared in memory (see `validate`), so sharing is found by address.
    let mut lists = CitationLists::default();
    let mut snap_entities = Vec::with_capacity(entities.len());
    for e in entities {
        snap_entities.push(SnapEntity {
            id: e.id.as_str(),
            name: &e.name,
            aliases: e.aliases.iter().map(String::as_str).collect(),
            description: e.description.as_deref(),
            citations: lists.number(&e.citations)?,
            details: e.details.clone(),
        });
    }
    let mut snap_relations = Vec::with_capacity(relations.len());
    for r in relations {
        snap_relations.push(SnapRelation {
            relation_type: r.relation_type,
            from: lookup(&r.from)?,
            to: lookup(&r.to)?,
            role: r.role.as_deref(),
            since: r.since,
            until: r.until,
            citations: lists.number(&r.citations)?,
        });
    }
    let citation_lists = lists
        .lists
        .iter()
        .map(|list| {
            list.iter()
                .map(|c| {
                    Ok(SnapCitation {
                        source: lookup(&c.source)?,
                        quote: c.quote.as_deref(),
                        grade: c.grade,
                        note: stored_note(c)?,
                    })
                })
                .collect::<Result<Vec<_>, SnapshotError>>()
        })
        .collect::<Result<Vec<_>, SnapshotError>>()?;
    let records = postcard::to_stdvec(&Payload {
        fingerprint,
        entities: snap_entities,
        citation_lists,
        relations: snap_relations,
    })?;
    let payload_len = 8 + records.len() + indexes.len();
    let mut out = Vec::with_capacity(HEADER_LEN + payload_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload_len as u64).to_le_bytes());
    let digest_at = out.len();
    out.extend_from_slice(&[0; 32]);
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    out.extend_from_slice(&records);
    drop(records);
    out.extend_from_slice(indexes);
    let digest = Sha256::digest(&out[HEADER_LEN..]);
    out[digest_at..HEADER_LEN].copy_from_slice(&digest);
    Ok(out)
}

/// Distinct citation lists, numbered in order of first use.
#[derive(Default)]
struct CitationLists<'d> {
    numbers: HashMap<*const Citation, u32>,
    lists: Vec<&'d [Citation]>,
}

impl<'d> CitationLists<'d> {
    fn number(&mut self, list: &'d Arc<[Citation]>) -> Result<u32, SnapshotError> {
        if let Some(&n) = self.numbers.get(&list.as_ptr()) {
            return Ok(n);
        }
        let n = u32::try_from(self.lists.len())
            .map_err(|_| invalid("too many citation lists".to_owned()))?;
        self.numbers.insert(list.as_ptr(), n);
        self.lists.push(list);
        Ok(n)
    }
}

/// Writes snapshot bytes (from [`to_bytes`]) to `path`, through a temporary file of its own
/// renamed into place, so that a server watching `path` never reads half a file and `path` is
/// always the old or the new complete snapshot, however many writers run at once or are killed.
///
/// Each writer's temporary file (`.NAME.XXXXXX.partial` beside `path`) has a unique name and is
/// locked (`flock`) while it is written; the lock dies with its process. Temporary files of
/// writers that died are removed by the next write to the same `path`.
pub fn write(bytes: &[u8], path: &Path) -> Result<(), super::LoadError> {
    let io = |source| super::LoadError::Io {
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

/// A snapshot whose header and length are right, read up to its index section: the dataset
/// section in memory, the index section still to stream from the source. The checksum is still
/// to compare: only [`Sections::dataset`] and [`Sections::dataset_and`] read the sections, and
/// both return [`SnapshotError::Checksum`] unless the payload is the one written.
pub struct Sections<'a> {
    /// The payload's first 8 bytes: the dataset section's length.
    head: [u8; 8],
    records: Vec<u8>,
    /// The rest of the source: the index section, as the graph wrote it.
    rest: Box<dyn Read + Send + 'a>,
    /// The payload's length, from the header (and equal to the source's when it was opened).
    expected: u64,
    /// The SHA-256 from the header.
    digest: [u8; 32],
}

impl std::fmt::Debug for Sections<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sections")
            .field("records", &self.records.len())
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

/// Checks a snapshot's header and length, and splits its payload (see [`Sections`]). O(bytes).
pub fn open(bytes: &[u8]) -> Result<Sections<'_>, SnapshotError> {
    read(bytes, bytes.len() as u64)
}

/// Reads a snapshot's header and dataset section from `source`, `len` bytes long in all, as
/// [`open`] checks them: the index section is left in `source`, to be read as it is decoded
/// (no buffer of the whole file). Sizes in the file are trusted only as far as `len` allows.
/// O(dataset section).
pub fn read<'a>(
    mut source: impl Read + Send + 'a,
    len: u64,
) -> Result<Sections<'a>, SnapshotError> {
    let mut head = Vec::with_capacity(HEADER_LEN + 8);
    (&mut source)
        .take((HEADER_LEN + 8) as u64)
        .read_to_end(&mut head)
        .map_err(SnapshotError::Io)?;
    let Some(rest) = head.strip_prefix(MAGIC.as_slice()) else {
        return Err(SnapshotError::NotASnapshot);
    };
    if rest.len() < HEADER_LEN - MAGIC.len() {
        return Err(SnapshotError::Header {
            found: MAGIC.len() + rest.len(),
        });
    }
    let (version, rest) = rest.split_at(4);
    let (length, rest) = rest.split_at(8);
    let (digest, payload_head) = rest.split_at(32);
    let found = u32::from_le_bytes(version.try_into().unwrap_or_default());
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version { found });
    }
    let expected = u64::from_le_bytes(length.try_into().unwrap_or_default());
    let digest: [u8; 32] = digest.try_into().unwrap_or_default();
    let found = len.saturating_sub(HEADER_LEN as u64);
    if expected != found {
        return Err(SnapshotError::Length { expected, found });
    }
    // From here the payload is `expected` bytes long, unless the source changes while read.
    let short = |mut payload: Vec<u8>, message: String, mut source: Box<dyn Read + Send + 'a>| {
        // A payload too short for its dataset section: a damaged file says so first.
        source
            .read_to_end(&mut payload)
            .map_err(SnapshotError::Io)?;
        let found = payload.len() as u64;
        if found != expected {
            return Err(SnapshotError::Length { expected, found });
        }
        if Sha256::digest(&payload).as_slice() != digest {
            return Err(SnapshotError::Checksum);
        }
        Err(invalid(message))
    };
    let Ok(head) = <[u8; 8]>::try_from(payload_head) else {
        let message = "no dataset section".to_owned();
        return short(payload_head.to_vec(), message, Box::new(source));
    };
    let records_len = u64::from_le_bytes(head);
    if records_len > expected.saturating_sub(8) {
        let message = format!("a dataset section of {records_len} bytes, longer than the payload");
        return short(head.to_vec(), message, Box::new(source));
    }
    // Bounded by the source's length, checked above.
    let mut records = Vec::with_capacity(usize::try_from(records_len).unwrap_or(0));
    (&mut source)
        .take(records_len)
        .read_to_end(&mut records)
        .map_err(SnapshotError::Io)?;
    if records.len() as u64 != records_len {
        return Err(SnapshotError::Length {
            expected,
            found: 8 + records.len() as u64,
        });
    }
    Ok(Sections {
        head,
        records,
        rest: Box::new(source),
        expected,
        digest,
    })
}

impl Sections<'_> {
    /// Compares the checksum while decoding and checking the dataset section (the index
    /// section is read and dropped), and frees the section. O(bytes + records).
    pub fn dataset(self) -> Result<Dataset, SnapshotError> {
        self.dataset_and(|section| section.skip())
            .map(|(dataset, ())| dataset)
    }

    /// [`Sections::dataset`], and `indexes` applied to the index section, on two threads: one
    /// hashes the dataset section, then streams the index section through `indexes` (hashing
    /// it as it arrives), while the other decodes the dataset section at once. Decoding checks
    /// everything it reads, so decoding a damaged section is harmless; both results are
    /// dropped unless the file has the length its header says (else
    /// [`SnapshotError::Length`]) and the checksum matches (else [`SnapshotError::Checksum`]).
    /// Bytes of the index section that `indexes` leaves unread are an error. The dataset
    /// section is freed once decoded and hashed. O(bytes + records).
    pub fn dataset_and<T: Send>(
        self,
        indexes: impl FnOnce(&mut IndexSection<'_>) -> Result<T, SnapshotError> + Send,
    ) -> Result<(Dataset, T), SnapshotError> {
        self.decode(Ids::Check, indexes)
    }

    /// [`Sections::dataset_and`], except that entity ids are not checked for uniqueness: the
    /// caller must check them before the dataset is used (the graph does, building its id
    /// index), so that a large load does not index every id twice.
    pub(crate) fn dataset_and_unchecked_ids<T: Send>(
        self,
        indexes: impl FnOnce(&mut IndexSection<'_>) -> Result<T, SnapshotError> + Send,
    ) -> Result<(Dataset, T), SnapshotError> {
        self.decode(Ids::CallerChecks, indexes)
    }

    fn decode<T: Send>(
        self,
        ids: Ids,
        indexes: impl FnOnce(&mut IndexSection<'_>) -> Result<T, SnapshotError> + Send,
    ) -> Result<(Dataset, T), SnapshotError> {
        let Sections {
            head,
            records,
            mut rest,
            expected,
            digest,
        } = self;
        let records = Arc::new(records);
        let index_len = expected.saturating_sub(8 + records.len() as u64);
        let (dataset, decoded) = std::thread::scope(|scope| {
            let hashed = Arc::clone(&records);
            let side = scope.spawn(move || {
                let mut hasher = Sha256::new();
                hasher.update(head);
                hasher.update(hashed.as_slice());
                drop(hashed);
                let mut section = IndexSection::new(&mut *rest, hasher, index_len);
                let decoded = indexes(&mut section);
                let unread = section.remaining();
                let (hasher, read, io) = section.drain();
                io?;
                let trailing =
                    std::io::copy(&mut rest, &mut std::io::sink()).map_err(SnapshotError::Io)?;
                let found = expected - index_len + read + trailing;
                if found != expected {
                    return Err(SnapshotError::Length { expected, found });
                }
                if hasher.finalize().as_slice() != digest {
                    return Err(SnapshotError::Checksum);
                }
                Ok(decoded.and_then(|decoded| match unread {
                    0 => Ok(decoded),
                    n => Err(invalid(format!("{n} bytes after the index section"))),
                }))
            });
            let dataset = decode_dataset(&records, ids);
            drop(records);
            let decoded = side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (dataset, decoded)
        });
        let decoded = decoded?;
        Ok((dataset?, decoded?))
    }
}

/// The index section of a snapshot being read, for the graph to decode as it arrives: every
/// byte read is added to the checksum, nothing beyond the section is read, and no length read
/// from it is believed beyond the bytes left (so a damaged length cannot make a huge
/// allocation). Its encoding is postcard's: lengths are LEB128 varints, and the graph stores
/// its big integer arrays as byte strings of little-endian `u32`s.
pub struct IndexSection<'s> {
    source: &'s mut dyn Read,
    hasher: Sha256,
    buf: Vec<u8>,
    /// `buf[pos..end]` is read and not yet consumed.
    pos: usize,
    end: usize,
    /// Bytes of the section not yet read from the source.
    left: u64,
    /// Bytes of the section read from the source so far.
    read: u64,
    /// The source ended before the section did.
    cut: bool,
}

/// How much of the index section is read from the source at a time: small enough to stay in
/// cache between the read, the checksum and the copy into place.
const CHUNK: usize = 128 * 1024;

impl<'s> IndexSection<'s> {
    fn new(source: &'s mut dyn Read, hasher: Sha256, len: u64) -> Self {
        IndexSection {
            source,
            hasher,
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            left: len,
            read: 0,
            cut: false,
        }
    }

    /// Bytes of the section not yet consumed.
    pub fn remaining(&self) -> u64 {
        self.left + (self.end - self.pos) as u64
    }

    /// Makes at least `n` (at most [`CHUNK`]) bytes available in `buf[pos..end]`.
    fn ensure(&mut self, n: usize) -> Result<(), SnapshotError> {
        while self.end - self.pos < n {
            if self.left == 0 {
                return Err(invalid("the index section ends inside a value".to_owned()));
            }
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
            }
            let want = (CHUNK - self.end).min(usize::try_from(self.left).unwrap_or(CHUNK));
            let got = loop {
                match self.source.read(&mut self.buf[self.end..self.end + want]) {
                    Ok(got) => break got,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(SnapshotError::Io(e)),
                }
            };
            if got == 0 {
                // The file is shorter than its header said when it was opened: `dataset_and`
                // reports the length.
                self.cut = true;
                return Err(invalid("the index section is cut short".to_owned()));
            }
            self.hasher.update(&self.buf[self.end..self.end + got]);
            self.end += got;
            self.left -= got as u64;
            self.read += got as u64;
        }
        Ok(())
    }

    /// Reads the rest of the section (into the checksum), and gives back the checksum, how
    /// many bytes of the section were read from the source, and any read error (a source cut
    /// short is no error here: the count tells).
    fn drain(mut self) -> (Sha256, u64, Result<(), SnapshotError>) {
        let mut io = Ok(());
        while self.left > 0 && !self.cut {
            self.pos = self.end;
            if let Err(e) = self.ensure(1) {
                if !self.cut {
                    io = Err(e);
                }
                break;
            }
        }
        (self.hasher, self.read, io)
    }

    /// Reads the rest of the section, unused.
    fn skip(&mut self) -> Result<(), SnapshotError> {
        loop {
            self.pos = self.end;
            if self.left == 0 {
                return Ok(());
            }
            self.ensure(1)?;
        }
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8, SnapshotError> {
        self.ensure(1)?;
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }

    /// A LEB128 varint (postcard's encoding of integers and lengths), at most 64 bits.
    pub fn varint(&mut self) -> Result<u64, SnapshotError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(invalid(
            "the index section has a malformed varint".to_owned(),
        ))
    }

    /// A length of things at least a byte each: at most the bytes left in the section.
    pub fn length(&mut self) -> Result<usize, SnapshotError> {
        let n = self.varint()?;
        let left = self.remaining();
        if n > left {
            return Err(invalid(format!(
                "the index section gives a length of {n} with {left} bytes left"
            )));
        }
        usize::try_from(n).map_err(|_| invalid(format!("a length of {n} is too large")))
    }

    /// The length of a byte string of little-endian `u32`s, in numbers.
    pub fn u32_count(&mut self) -> Result<usize, SnapshotError> {
        let bytes = self.length()?;
        if bytes % 4 != 0 {
            return Err(invalid(format!(
                "the index section has a u32 array of {bytes} bytes"
            )));
        }
        Ok(bytes / 4)
    }

    /// `count` little-endian `u32`s (after [`IndexSection::u32_count`]), each handed to `each`
    /// as it is read.
    pub fn u32s_each(
        &mut self,
        count: usize,
        mut each: impl FnMut(u32),
    ) -> Result<(), SnapshotError> {
        let mut bytes = count.saturating_mul(4);
        while bytes > 0 {
            self.ensure(4)?;
            let take = (self.end - self.pos).min(bytes) / 4 * 4;
            for c in self.buf[self.pos..self.pos + take].chunks_exact(4) {
                each(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
            }
            self.pos += take;
            bytes -= take;
        }
        Ok(())
    }

    /// A byte string of little-endian `u32`s, straight into its vector.
    pub fn u32s(&mut self) -> Result<Vec<u32>, SnapshotError> {
        let count = self.u32_count()?;
        let mut out = Vec::with_capacity(count);
        self.u32s_each(count, |n| out.push(n))?;
        Ok(out)
    }

    /// A byte string (or a `Vec<u8>`: postcard writes both as a length and the bytes).
    pub fn bytes(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let mut left = self.length()?;
        let mut out = Vec::with_capacity(left);
        while left > 0 {
            self.ensure(1)?;
            let take = (self.end - self.pos).min(left);
            out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            left -= take;
        }
        Ok(out)
    }

    /// A string.
    pub fn string(&mut self) -> Result<String, SnapshotError> {
        String::from_utf8(self.bytes()?)
            .map_err(|_| invalid("the index section has a string that is not UTF-8".to_owned()))
    }
}

/// Whether decoding checks that entity ids are unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    Check,
    /// The caller does ([`Sections::dataset_and_unchecked_ids`]).
    CallerChecks,
}

/// Decodes and checks a dataset section record by record, straight into the dataset: no
/// decoded copy of the whole section is held beside it.
fn decode_dataset(records: &[u8], ids: Ids) -> Result<Dataset, SnapshotError> {
    let mut problem = None;
    let mut de = postcard::Deserializer::from_bytes(records);
    let seed = DatasetSeed {
        ids,
        section_len: records.len(),
        problem: &mut problem,
    };
    let dataset = match seed.deserialize(&mut de) {
        Ok(dataset) => dataset,
        // A broken invariant stops decoding as postcard's custom error, and is kept aside.
        Err(e) => return Err(problem.unwrap_or(SnapshotError::Decode(e))),
    };
    let trailing = de.finalize()?.len();
    if trailing != 0 {
        return Err(invalid(format!(
            "{trailing} bytes after the dataset section"
        )));
    }
    Ok(dataset)
}

/// Decodes and checks a snapshot's dataset (its index section is left aside).
/// O(bytes + records).
pub fn from_bytes(bytes: &[u8]) -> Result<Dataset, SnapshotError> {
    open(bytes)?.dataset()
}

fn invalid(message: String) -> SnapshotError {
    SnapshotError::Invalid(message)
}

/// Keeps `problem` aside, and gives the error that stops decoding.
fn fail<E: de::Error>(slot: &mut Option<SnapshotError>, problem: SnapshotError) -> E {
    *slot = Some(problem);
    E::custom("inconsistent snapshot")
}

/// Room to reserve for `hint` records of type `T` (a count read from the file) in a section
/// of `section_len` bytes: never more than four bytes of memory per byte of the section, so a
/// damaged count cannot reserve much more than the file could hold. An honest count of records
/// of at least a few bytes each is reserved in full.
fn room<T>(hint: Option<usize>, section_len: usize) -> usize {
    hint.unwrap_or(0)
        .min(section_len.saturating_mul(4) / std::mem::size_of::<T>().max(1))
}

/// Decodes [`Payload`] (its fields in order) into a [`Dataset`], checking every invariant the
/// graph relies on as each record arrives: ids well formed, unique and of the kind their
/// details say; every reference in range; relation types between the kinds they allow; every
/// record cited, by SOURCE entities.
struct DatasetSeed<'p> {
    ids: Ids,
    /// The section's length in bytes.
    section_len: usize,
    /// The broken invariant, when decoding stopped for one.
    problem: &'p mut Option<SnapshotError>,
}

impl<'de> DeserializeSeed<'de> for DatasetSeed<'_> {
    type Value = Dataset;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Dataset, D::Error> {
        const FIELDS: &[&str] = &["fingerprint", "entities", "citation_lists", "relations"];
        d.deserialize_struct("Payload", FIELDS, self)
    }
}

impl<'de> Visitor<'de> for DatasetSeed<'_> {
    type Value = Dataset;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a snapshot's dataset section")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dataset, A::Error> {
        let missing = |what: &str| de::Error::custom(format!("no {what}"));
        let DatasetSeed {
            ids,
            section_len,
            problem,
        } = self;
        let fingerprint: u64 = seq.next_element()?.ok_or_else(|| missing("fingerprint"))?;
        let (mut entities, entity_lists, kinds) = seq
            .next_element_seed(EntitiesSeed {
                ids,
                section_len,
                problem: &mut *problem,
            })?
            .ok_or_else(|| missing("entities"))?;
        let lists = seq
            .next_element_seed(ListsSeed {
                section_len,
                problem: &mut *problem,
                entities: &entities,
                kinds: &kinds,
            })?
            .ok_or_else(|| missing("citation lists"))?;
        let relations = seq
            .next_element_seed(RelationsSeed {
                section_len,
                problem: &mut *problem,
                entities: &entities,
                kinds: &kinds,
                lists: &lists,
            })?
            .ok_or_else(|| missing("relations"))?;
        for (entity, &n) in entities.iter_mut().zip(&entity_lists) {
            entity.citations = citation_list(&lists, n).map_err(|e| fail(problem, e))?;
        }
        Ok(Dataset {
            entities,
            relations,
            fingerprint,
        })
    }
}

fn citation_list(lists: &[Arc<[Citation]>], n: u32) -> Result<Arc<[Citation]>, SnapshotError> {
    lists
        .get(n as usize)
        .cloned()
        .ok_or_else(|| invalid(format!("reference to citation list #{n}, beyond the last")))
}

/// Entity `n`'s id and kind.
fn entity<'e>(
    entities: &'e [Entity],
    kinds: &[EntityKind],
    n: u32,
) -> Result<(&'e EntityId, EntityKind), SnapshotError> {
    match (entities.get(n as usize), kinds.get(n as usize)) {
        (Some(e), Some(&kind)) => Ok((&e.id, kind)),
        _ => Err(invalid(format!(
            "reference to entity #{n}, beyond the last"
        ))),
    }
}

/// The entities, each with its citation list's number (the lists come later: until then each
/// entity holds an empty list) and its kind.
struct EntitiesSeed<'p> {
    ids: Ids,
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
}

type DecodedEntities = (Vec<Entity>, Vec<u32>, Vec<EntityKind>);

impl<'de> DeserializeSeed<'de> for EntitiesSeed<'_> {
    type Value = DecodedEntities;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DecodedEntities, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntitiesSeed<'_> {
    type Value = DecodedEntities;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the entities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DecodedEntities, A::Error> {
        let n = room::<Entity>(seq.size_hint(), self.section_len);
        let (mut entities, mut lists, mut kinds) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut unique = foldhash::HashSet::with_capacity_and_hasher(
            if self.ids == Ids::Check { n } else { 0 },
            Default::default(),
        );
        let pending: Arc<[Citation]> = Arc::new([]);
        while let Some(e) = seq.next_element::<SnapEntity<'de>>()? {
            let (id, kind) = EntityId::parse(e.id)
                .map_err(|err| fail(self.problem, invalid(format!("entity {}: {err}", e.id))))?;
            if kind != e.details.kind() {
                let problem = invalid(format!("entity `{id}` has the details of another kind"));
                return Err(fail(self.problem, problem));
            }
            if self.ids == Ids::Check && !unique.insert(e.id) {
                return Err(fail(self.problem, invalid(format!("duplicate id `{id}`"))));
            }
            entities.push(Entity {
                id,
                name: e.name.to_owned(),
                aliases: e.aliases.into_iter().map(str::to_owned).collect(),
                description: e.description.map(str::to_owned),
                citations: Arc::clone(&pending),
                details: e.details,
            });
            lists.push(e.citations);
            kinds.push(kind);
        }
        Ok((entities, lists, kinds))
    }
}

/// The distinct citation lists, each shared by the records that cite it.
struct ListsSeed<'p, 'e> {
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
    entities: &'e [Entity],
    kinds: &'e [EntityKind],
}

impl<'de> DeserializeSeed<'de> for ListsSeed<'_, '_> {
    type Value = Vec<Arc<[Citation]>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListsSeed<'_, '_> {
    type Value = Vec<Arc<[Citation]>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the citation lists")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut lists =
            Vec::with_capacity(room::<Arc<[Citation]>>(seq.size_hint(), self.section_len));
        while let Some(list) = seq.next_element::<Vec<SnapCitation<'de>>>()? {
            if list.is_empty() {
                return Err(fail(
                    self.problem,
                    invalid("an empty citation list".to_owned()),
                ));
            }
            let mut citations = Vec::with_capacity(list.len());
            let mut conflicts = Vec::new();
            for c in list {
                let (source, kind) = entity(self.entities, self.kinds, c.source)
                    .map_err(|e| fail(self.problem, e))?;
                if kind != EntityKind::Source {
                    let problem = invalid(format!("citation of `{source}`, not a source"));
                    return Err(fail(self.problem, problem));
                }
                let (note, conflict) = c.note.as_deref().map_or((None, None), split_note);
                if let Some((with, claim)) = conflict {
                    conflicts.push((citations.len(), with.to_owned(), claim.to_owned()));
                }
                citations.push(Citation {
                    source: source.clone(),
                    quote: c.quote.map(str::to_owned),
                    grade: c.grade,
                    note: note.map(str::to_owned),
                    conflict: None,
                });
            }
            // The contradicted citation is another of the same list, as the loader checked.
            for (i, with, claim) in conflicts {
                let other = citations
                    .iter()
                    .enumerate()
                    .find(|&(j, c)| j != i && c.source.as_str() == with)
                    .map(|(_, c)| c.source.clone())
                    .ok_or_else(|| {
                        let problem =
                            invalid(format!("a conflict names `{with}`, not cited beside it"));
                        fail(self.problem, problem)
                    })?;
                citations[i].conflict = Some(Conflict { claim, with: other });
            }
            lists.push(Arc::<[Citation]>::from(citations));
        }
        Ok(lists)
    }
}

/// The relations.
struct RelationsSeed<'p, 'e> {
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
    entities: &'e [Entity],
    kinds: &'e [EntityKind],
    lists: &'e [Arc<[Citation]>],
}

impl<'de> DeserializeSeed<'de> for RelationsSeed<'_, '_> {
    type Value = Vec<Relation>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Relation>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RelationsSeed<'_, '_> {
    type Value = Vec<Relation>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the relations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Relation>, A::Error> {
        let mut relations = Vec::with_capacity(room::<Relation>(seq.size_hint(), self.section_len));
        while let Some(r) = seq.next_element::<SnapRelation<'de>>()? {
            let endpoints = entity(self.entities, self.kinds, r.from)
                .and_then(|from| Ok((from, entity(self.entities, self.kinds, r.to)?)));
            let ((from, from_kind), (to, to_kind)) =
                endpoints.map_err(|e| fail(self.problem, e))?;
            if from == to || !r.relation_type.allows(from_kind, to_kind) {
                let problem = invalid(format!(
                    "relation `{from}` {} `{to}` is not allowed",
                    r.relation_type.name()
                ));
                return Err(fail(self.problem, problem));
            }
            relations.push(Relation {
                relation_type: r.relation_type,
                from: from.clone(),
                to: to.clone(),
                role: r.role.map(str::to_owned),
                since: r.since,
                until: r.until,
                citations: citation_list(self.lists, r.citations)
                    .map_err(|e| fail(self.problem, e))?,
            });
        }
        Ok(relations)
    }
}
