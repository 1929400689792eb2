//! The dataset section, written: validated records with entity numbers for references and each
//! distinct citation list once (the records of `records.rs`), then the header around the payload
//! ([`to_bytes`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::records::{CLAIM_MARK, CONFLICT_MARK, SnapCitation, SnapEntity, SnapRelation};
use super::{FORMAT_VERSION, HEADER_LEN, MAGIC, SnapshotError, invalid};
use crate::model::{Citation, Entity, EntityId, Relation};

/// The dataset section (decoded by `records::DatasetSeed`, record by record).
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

/// Encodes validated records (a [`Dataset`](crate::dataset::Dataset)'s, in order) and an index section. O(records).
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
    Ok(frame(records, indexes))
}

/// The snapshot around the dataset section `records` and the index section `indexes`: the
/// header (magic, version, payload length, SHA-256), then the payload. O(bytes).
fn frame(records: Vec<u8>, indexes: &[u8]) -> Vec<u8> {
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
    out
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
