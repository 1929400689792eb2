//! A snapshot's header and sections: [`read`] checks the magic, the version and the length and
//! reads the dataset section; [`Sections`] then decodes both sections on two threads, comparing
//! the checksum as the index section streams in.

use std::io::Read;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::records::{Ids, decode_dataset};
use super::{FORMAT_VERSION, HEADER_LEN, IndexSection, MAGIC, SnapshotError, invalid};
use crate::dataset::Dataset;

/// A snapshot whose header and length are right, read up to its index section: the dataset
/// section in memory, the index section still to stream from the source. The checksum is still
/// to compare: only [`Sections::dataset`] and `Sections::dataset_and` (the graph's load) read
/// the sections, and both return [`SnapshotError::Checksum`] unless the payload is the one
/// written.
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
    pub(in crate::graph) fn dataset_and<T: Send>(
        self,
        indexes: impl FnOnce(&mut IndexSection<'_>) -> Result<T, SnapshotError> + Send,
    ) -> Result<(Dataset, T), SnapshotError> {
        self.decode(Ids::Check, indexes)
    }

    /// [`Sections::dataset_and`], except that entity ids are not checked for uniqueness: the
    /// caller must check them before the dataset is used (the graph does, building its id
    /// index), so that a large load does not index every id twice.
    pub(in crate::graph) fn dataset_and_unchecked_ids<T: Send>(
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
