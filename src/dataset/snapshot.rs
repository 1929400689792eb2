//! A validated binary snapshot of a [`Dataset`]: the fast start path for large graphs.
//!
//! `reegraph snapshot --data DIR --out FILE` loads and validates the text files as usual, then
//! writes the result; `--data FILE` (serve, check, query) loads it. Reading text costs a TOML
//! parse, a string per field and a quote check per citation; a snapshot is a flat encoding
//! (postcard) in which references are entity numbers and equal citation lists are stored once.
//!
//! Layout: [`MAGIC`], the format version (u32 LE), the payload's length (u64 LE), the
//! SHA-256 of the payload, then the payload. Reading checks all four before decoding, then
//! re-checks every invariant the graph relies on (ids well formed, unique and of the kind their
//! details say; every reference in range; relation types between the kinds they allow; every
//! record cited, by SOURCE entities). Quotes are not compared with source texts again: that
//! was done when the snapshot was written, and the checksum shows the bytes are the ones
//! written then.

use std::collections::{HashMap, HashSet};
use std::io::Write;
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
pub const FORMAT_VERSION: u32 = 1;
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

/// Encodes a validated dataset. O(records).
pub fn to_bytes(dataset: &Dataset) -> Result<Vec<u8>, SnapshotError> {
    let count = |n: usize| {
        u32::try_from(n).map_err(|_| SnapshotError::Invalid(format!("{n} records is too many")))
    };
    let mut number: HashMap<&str, u32> = HashMap::with_capacity(dataset.entities.len());
    for (i, e) in dataset.entities.iter().enumerate() {
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
    let mut entities = Vec::with_capacity(dataset.entities.len());
    for e in &dataset.entities {
        entities.push(SnapEntity {
            id: e.id.as_str(),
            name: &e.name,
            aliases: e.aliases.iter().map(String::as_str).collect(),
            description: e.description.as_deref(),
            citations: lists.number(&e.citations)?,
            details: e.details.clone(),
        });
    }
    let mut relations = Vec::with_capacity(dataset.relations.len());
    for r in &dataset.relations {
        relations.push(SnapRelation {
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
    let payload = postcard::to_stdvec(&Payload {
        fingerprint: dataset.fingerprint,
        entities,
        citation_lists,
        relations,
    })?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
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

/// Writes a snapshot of `dataset` to `path`, through a temporary file renamed into place so
/// that a server watching `path` never reads half a file.
pub fn write(dataset: &Dataset, path: &Path) -> Result<(), super::LoadError> {
    let bytes = to_bytes(dataset).map_err(|source| super::LoadError::Snapshot {
        path: path.to_path_buf(),
        source,
    })?;
    let io = |source| super::LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut temp = path.as_os_str().to_owned();
    temp.push(".partial");
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}

/// Decodes and checks a snapshot. O(bytes + records).
pub fn from_bytes(bytes: &[u8]) -> Result<Dataset, SnapshotError> {
    let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return Err(SnapshotError::NotASnapshot);
    };
    if rest.len() < HEADER_LEN - MAGIC.len() {
        return Err(SnapshotError::Length {
            expected: 0,
            found: rest.len() as u64,
        });
    }
    let (version, rest) = rest.split_at(4);
    let (length, rest) = rest.split_at(8);
    let (digest, payload) = rest.split_at(32);
    let found = u32::from_le_bytes(version.try_into().unwrap_or_default());
    if found != FORMAT_VERSION {
        return Err(SnapshotError::Version { found });
    }
    let expected = u64::from_le_bytes(length.try_into().unwrap_or_default());
    if expected != payload.len() as u64 {
        return Err(SnapshotError::Length {
            expected,
            found: payload.len() as u64,
        });
    }
    if Sha256::digest(payload).as_slice() != digest {
        return Err(SnapshotError::Checksum);
    }
    let (decoded, trailing): (Payload<'_>, &[u8]) = postcard::take_from_bytes(payload)?;
    if !trailing.is_empty() {
        return Err(invalid(format!(
            "{} bytes after the payload",
            trailing.len()
        )));
    }
    rebuild(decoded)
}

fn invalid(message: String) -> SnapshotError {
    SnapshotError::Invalid(message)
}

/// Turns a decoded payload back into a dataset, checking every invariant on the way.
fn rebuild(payload: Payload<'_>) -> Result<Dataset, SnapshotError> {
    let mut ids = Vec::with_capacity(payload.entities.len());
    let mut kinds = Vec::with_capacity(payload.entities.len());
    let mut unique = HashSet::with_capacity(payload.entities.len());
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
