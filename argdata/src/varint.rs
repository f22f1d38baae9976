//! Length prefixes of map and sequence entries.

use crate::Error;

/// Number of bytes the length prefix for a `len`-byte entry takes.
///
/// ```
/// assert_eq!(argdata::length_prefix_len(127), 1);
/// assert_eq!(argdata::length_prefix_len(128), 2);
/// ```
pub fn length_prefix_len(len: usize) -> usize {
    let mut n = 1;
    let mut rest = len >> 7;
    while rest != 0 {
        n += 1;
        rest >>= 7;
    }
    n
}

/// Write the length prefix for a `len`-byte entry to the front of `buf`;
/// returns the number of bytes written ([`length_prefix_len`]).
///
/// The prefix is big-endian base 128 with the high bit set on the last byte:
/// 0 is `80`, 127 is `ff`, 128 is `01 80`.
///
/// # Panics
///
/// If `buf` is shorter than `length_prefix_len(len)`.
pub fn write_length_prefix(len: usize, buf: &mut [u8]) -> usize {
    let n = length_prefix_len(len);
    let out = &mut buf[..n];
    let mut rest = len;
    out[n - 1] = (rest as u8 & 0x7f) | 0x80;
    for b in out[..n - 1].iter_mut().rev() {
        rest >>= 7;
        *b = rest as u8 & 0x7f;
    }
    n
}

/// Read a length prefix from the front of `buf`: returns the length and the
/// number of prefix bytes. Like the reference reader, a leading `00` byte,
/// a prefix without a final byte (high bit set) and a value that overflows
/// `usize` are [`Error::Invalid`]. Does not check that the entry fits in the
/// rest of `buf`.
pub fn read_length_prefix(buf: &[u8]) -> Result<(usize, usize), Error> {
    // Disallow overlong encodings.
    if buf.first().is_none_or(|&b| b == 0) {
        return Err(Error::Invalid);
    }
    let mut len: usize = 0;
    for (i, &c) in buf.iter().enumerate() {
        if len >> (usize::BITS - 7) != 0 {
            return Err(Error::Invalid);
        }
        len = len << 7 | usize::from(c & 0x7f);
        if c & 0x80 != 0 {
            return Ok((len, i + 1));
        }
    }
    Err(Error::Invalid)
}

/// Split one length-prefixed entry off the front of `buf`: (entry, rest).
pub(crate) fn parse_subfield(buf: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let (len, used) = read_length_prefix(buf)?;
    let rest = &buf[used..];
    if len > rest.len() {
        return Err(Error::Invalid);
    }
    Ok(rest.split_at(len))
}
