//! The one reader of a snapshot's index section: a checksummed, bounded byte stream with the
//! few value shapes the index section uses (postcard's varints, byte strings, little-endian
//! `u32` arrays).

use std::io::Read;

use sha2::{Digest, Sha256};

use super::{SnapshotError, invalid};
use crate::graph::varint;

/// The index section of a snapshot being read, for the graph to decode as it arrives: every
/// byte read is added to the checksum, nothing beyond the section is read, and no length read
/// from it is believed beyond the bytes left (so a damaged length cannot make a huge
/// allocation). Its encoding is postcard's: lengths are LEB128 varints, and the graph stores
/// its big integer arrays as byte strings of little-endian `u32`s.
pub(in crate::graph) struct IndexSection<'s> {
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
    pub(super) fn new(source: &'s mut dyn Read, hasher: Sha256, len: u64) -> Self {
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
    pub(super) fn drain(mut self) -> (Sha256, u64, Result<(), SnapshotError>) {
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
    pub(super) fn skip(&mut self) -> Result<(), SnapshotError> {
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
        let mut failed = None;
        let value = varint::read(|| self.byte().map_err(|e| failed = Some(e)).ok());
        match (value, failed) {
            (Ok(value), _) => Ok(value),
            (Err(_), Some(e)) => Err(e),
            (Err(_), None) => Err(invalid(
                "the index section has a malformed varint".to_owned(),
            )),
        }
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
