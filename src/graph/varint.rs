//! The one LEB128 varint codec: postcard's encoding of integers and lengths, which snapshots'
//! index sections use, and the encoding of the numbers in the search index's key records.
//! Seven bits a byte, low bits first, the high bit set on every byte but the last.
//!
//! Knows nothing of where the bytes come from: a reader hands it one byte at a time.

/// Appends `n` to `out`.
pub(super) fn push(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n & 0x7f) as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Malformed {
    /// The bytes ended inside it.
    Cut,
    /// More than 64 bits, or more than ten bytes.
    TooLong,
}

/// Reads one varint of at most 64 bits, taking its bytes from `next` (`None` when they end).
#[inline]
pub(super) fn read(mut next: impl FnMut() -> Option<u8>) -> Result<u64, Malformed> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = next().ok_or(Malformed::Cut)?;
        let bits = u64::from(byte & 0x7f);
        if shift == 63 && bits > 1 {
            break;
        }
        value |= bits << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Malformed::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<u64, Malformed> {
        let mut bytes = bytes.iter().copied();
        read(|| bytes.next())
    }

    #[test]
    fn round_trips() {
        for v in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            push(&mut buf, v);
            assert_eq!(decode(&buf), Ok(v), "{v}");
        }
    }

    #[test]
    fn agrees_with_postcard() {
        for v in [0u64, 5, 127, 128, 255, 1 << 20, u64::MAX] {
            let mut ours = Vec::new();
            push(&mut ours, v);
            assert_eq!(postcard::to_stdvec(&v).expect("encodes"), ours, "{v}");
        }
    }

    #[test]
    fn refuses_cut_and_overlong_varints() {
        assert_eq!(decode(&[0x80]), Err(Malformed::Cut));
        assert_eq!(decode(&[]), Err(Malformed::Cut));
        assert_eq!(decode(&[0xff; 10]), Err(Malformed::TooLong));
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
            Err(Malformed::TooLong)
        );
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Ok(u64::MAX)
        );
    }
}
