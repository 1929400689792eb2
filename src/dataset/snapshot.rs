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
//! section, and the index section. [`open`] checks the header, the length and the checksum;
//! [`Sections::dataset`] decodes the dataset section, then re-checks every invariant the graph
//! relies on (ids well formed, unique and of the kind their details say; every reference in
//! range; relation types between the kinds they allow; every record cited, by SOURCE
//! entities). Quotes are not compared with source texts again: that was done when the snapshot
//! was written, and the checksum shows the bytes are the ones written then. The index section
//! is opaque here: the graph writes it, and decodes and checks it itself
//! (`KnowledgeGraph::from_snapshot`).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Dataset;
use crate::model::{
    Citation, Date, Details, Entity, EntityId, EntityKind, Grade, Relation, RelationType,
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
    /// It decodes, but breaks an invariant of a validated dataset.
    #[error("snapshot is inconsistent: {0}")]
    Invalid(String),
}

#[derive(Serialize, Deserialize)]
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
    #[serde(borrow)]
    note: Option<&'a str>,
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
                        note: c.note.as_deref(),
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

/// Writes snapshot bytes (from [`to_bytes`]) to `path`, through a temporary file renamed into
/// place so that a server watching `path` never reads half a file.
pub fn write(bytes: &[u8], path: &Path) -> Result<(), super::LoadError> {
    let io = |source| super::LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}

/// A snapshot whose header and length are right, as its two sections, with the checksum still
/// to compare: only [`Sections::dataset`] and [`Sections::dataset_and`] read them, and both
/// return [`SnapshotError::Checksum`] unless the payload is the one written. The sections are
/// separate buffers, so the index section can be dropped once decoded, before the records are.
#[derive(Debug)]
pub struct Sections {
    /// The payload's first 8 bytes: the dataset section's length.
    head: [u8; 8],
    records: Vec<u8>,
    /// The index section, as the graph wrote it (not yet checked beyond the checksum).
    indexes: Vec<u8>,
    /// The SHA-256 from the header.
    digest: [u8; 32],
}

/// Checks a snapshot's header and length, and splits its payload (see [`Sections`]). O(bytes).
pub fn open(bytes: &[u8]) -> Result<Sections, SnapshotError> {
    match read(bytes) {
        Ok(sections) => Ok(sections),
        Err(ReadError::Snapshot(e)) => Err(e),
        // Reading from memory does not fail.
        Err(ReadError::Io(e)) => Err(invalid(e.to_string())),
    }
}

/// Why [`read`] failed.
#[derive(Debug)]
pub enum ReadError {
    /// Reading failed.
    Io(std::io::Error),
    /// The bytes are not a sound snapshot.
    Snapshot(SnapshotError),
}

impl From<SnapshotError> for ReadError {
    fn from(e: SnapshotError) -> Self {
        ReadError::Snapshot(e)
    }
}

/// Reads a snapshot as [`open`] checks one, straight into its two sections (no buffer of the
/// whole file). O(bytes).
pub fn read(mut source: impl Read) -> Result<Sections, ReadError> {
    let mut head = Vec::with_capacity(HEADER_LEN + 8);
    (&mut source)
        .take((HEADER_LEN + 8) as u64)
        .read_to_end(&mut head)
        .map_err(ReadError::Io)?;
    let Some(rest) = head.strip_prefix(MAGIC.as_slice()) else {
        return Err(SnapshotError::NotASnapshot.into());
    };
    if rest.len() < HEADER_LEN - MAGIC.len() {
        return Err(SnapshotError::Header {
            found: MAGIC.len() + rest.len(),
        }
        .into());
    }
    let (version, rest) = rest.split_at(4);
    let (length, rest) = rest.split_at(8);
    let (digest, payload_head) = rest.split_at(32);
    let found = u32::from_le_bytes(version.try_into().unwrap_or_default());
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version { found }.into());
    }
    let expected = u64::from_le_bytes(length.try_into().unwrap_or_default());
    let digest: [u8; 32] = digest.try_into().unwrap_or_default();
    let mut got = payload_head.len() as u64;
    // Sizes come from the file: buffers grow as bytes arrive rather than trusting them.
    let mut section = |n: u64, got: &mut u64| -> Result<Vec<u8>, ReadError> {
        let mut buf = Vec::with_capacity(usize::try_from(n.min(1 << 30)).unwrap_or(0));
        (&mut source)
            .take(n)
            .read_to_end(&mut buf)
            .map_err(ReadError::Io)?;
        *got += buf.len() as u64;
        Ok(buf)
    };
    let mut sections = Sections {
        head: payload_head.try_into().unwrap_or_default(),
        records: Vec::new(),
        indexes: Vec::new(),
        digest,
    };
    if payload_head.len() == 8 {
        let records_len = u64::from_le_bytes(sections.head);
        sections.records = section(records_len.min(expected.saturating_sub(8)), &mut got)?;
        sections.indexes = section(expected.saturating_sub(got), &mut got)?;
    }
    got += std::io::copy(&mut source, &mut std::io::sink()).map_err(ReadError::Io)?;
    if expected != got {
        return Err(SnapshotError::Length {
            expected,
            found: got,
        }
        .into());
    }
    // A payload too short for its dataset section's length: a damaged file says so first.
    let short = if payload_head.len() == 8 {
        let records_len = u64::from_le_bytes(sections.head);
        (records_len != sections.records.len() as u64)
            .then(|| format!("a dataset section of {records_len} bytes, longer than the payload"))
    } else {
        Some("no dataset section".to_owned())
    };
    if let Some(message) = short {
        if !Sections::intact(payload_head, &sections.records, &sections.indexes, &digest) {
            return Err(SnapshotError::Checksum.into());
        }
        return Err(invalid(message).into());
    }
    Ok(sections)
}

impl Sections {
    /// Whether the payload is the one written.
    fn intact(head: &[u8], records: &[u8], indexes: &[u8], digest: &[u8; 32]) -> bool {
        let mut hasher = Sha256::new();
        hasher.update(head);
        hasher.update(records);
        hasher.update(indexes);
        hasher.finalize().as_slice() == digest
    }

    /// Compares the checksum, then decodes and checks the dataset section, and frees it.
    /// O(bytes + records).
    pub fn dataset(self) -> Result<Dataset, SnapshotError> {
        if !Self::intact(&self.head, &self.records, &self.indexes, &self.digest) {
            return Err(SnapshotError::Checksum);
        }
        drop(self.indexes);
        decode_dataset(&self.records)
    }

    /// [`Sections::dataset`], and `indexes` applied to the index section, on two threads: one
    /// compares the checksum and then runs `indexes` (and frees the section), while the other
    /// decodes the dataset section at once. Decoding checks everything it reads, so decoding a
    /// damaged section is harmless; its result is dropped if the checksum does not match.
    /// O(bytes + records).
    pub fn dataset_and<T: Send>(
        self,
        indexes: impl FnOnce(&[u8]) -> Result<T, SnapshotError> + Send,
    ) -> Result<(Dataset, T), SnapshotError> {
        let Sections {
            head,
            records,
            indexes: index_bytes,
            digest,
        } = self;
        let records = &records;
        let (dataset, decoded) = std::thread::scope(|scope| {
            let side = scope.spawn(move || {
                Self::intact(&head, records, &index_bytes, &digest).then(|| indexes(&index_bytes))
            });
            let dataset = decode_dataset(records);
            let decoded = side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (dataset, decoded)
        });
        let decoded = decoded.ok_or(SnapshotError::Checksum)?;
        Ok((dataset?, decoded?))
    }
}

/// Decodes and checks a dataset section.
fn decode_dataset(records: &[u8]) -> Result<Dataset, SnapshotError> {
    let (decoded, trailing): (Payload<'_>, &[u8]) = postcard::take_from_bytes(records)?;
    if !trailing.is_empty() {
        return Err(invalid(format!(
            "{} bytes after the dataset section",
            trailing.len()
        )));
    }
    rebuild(decoded)
}

/// Decodes and checks a snapshot's dataset (its index section is left aside).
/// O(bytes + records).
pub fn from_bytes(bytes: &[u8]) -> Result<Dataset, SnapshotError> {
    open(bytes)?.dataset()
}

fn invalid(message: String) -> SnapshotError {
    SnapshotError::Invalid(message)
}

/// Turns a decoded payload back into a dataset, checking every invariant on the way.
fn rebuild(payload: Payload<'_>) -> Result<Dataset, SnapshotError> {
    let mut ids = Vec::with_capacity(payload.entities.len());
    let mut kinds = Vec::with_capacity(payload.entities.len());
    let mut unique =
        foldhash::HashSet::with_capacity_and_hasher(payload.entities.len(), Default::default());
    for e in &payload.entities {
        let (id, kind) =
            EntityId::parse(e.id).map_err(|err| invalid(format!("entity {}: {err}", e.id)))?;
        if kind != e.details.kind() {
            return Err(invalid(format!(
                "entity `{id}` has the details of another kind"
            )));
        }
        if !unique.insert(e.id) {
            return Err(invalid(format!("duplicate id `{id}`")));
        }
        ids.push(id);
        kinds.push(kind);
    }
    drop(unique);
    let entity = |n: u32| {
        ids.get(n as usize)
            .map(|id| (id, kinds[n as usize]))
            .ok_or_else(|| invalid(format!("reference to entity #{n}, beyond the last")))
    };
    let mut lists = Vec::with_capacity(payload.citation_lists.len());
    for list in &payload.citation_lists {
        if list.is_empty() {
            return Err(invalid("an empty citation list".to_owned()));
        }
        let mut citations = Vec::with_capacity(list.len());
        for c in list {
            let (source, kind) = entity(c.source)?;
            if kind != EntityKind::Source {
                return Err(invalid(format!("citation of `{source}`, not a source")));
            }
            citations.push(Citation {
                source: source.clone(),
                quote: c.quote.map(str::to_owned),
                grade: c.grade,
                note: c.note.map(str::to_owned),
            });
        }
        lists.push(Arc::<[Citation]>::from(citations));
    }
    let citations = |n: u32| {
        lists
            .get(n as usize)
            .cloned()
            .ok_or_else(|| invalid(format!("reference to citation list #{n}, beyond the last")))
    };
    let mut relations = Vec::with_capacity(payload.relations.len());
    for r in &payload.relations {
        let ((from, from_kind), (to, to_kind)) = (entity(r.from)?, entity(r.to)?);
        if from == to || !r.relation_type.allows(from_kind, to_kind) {
            return Err(invalid(format!(
                "relation `{from}` {} `{to}` is not allowed",
                r.relation_type.name()
            )));
        }
        relations.push(Relation {
            relation_type: r.relation_type,
            from: from.clone(),
            to: to.clone(),
            role: r.role.map(str::to_owned),
            since: r.since,
            until: r.until,
            citations: citations(r.citations)?,
        });
    }
    let mut entities = Vec::with_capacity(payload.entities.len());
    for (e, id) in payload.entities.into_iter().zip(ids) {
        entities.push(Entity {
            id,
            name: e.name.to_owned(),
            aliases: e.aliases.into_iter().map(str::to_owned).collect(),
            description: e.description.map(str::to_owned),
            citations: citations(e.citations)?,
            details: e.details,
        });
    }
    Ok(Dataset {
        entities,
        relations,
        fingerprint: payload.fingerprint,
    })
}
