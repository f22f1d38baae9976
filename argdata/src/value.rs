//! The owned value tree: building, comparing, serializing and decoding.

use crate::reader::{Reader, Type};
use crate::varint::{length_prefix_len, write_length_prefix};
use crate::Error;

/// Deepest nesting of maps and sequences [`Value::parse`] decodes; deeper
/// input is [`Error::TooDeep`].
pub const MAX_PARSE_DEPTH: usize = 512;

/// An owned argdata value tree.
///
/// `Float` compares by bit pattern so that NaN round-trips compare equal
/// (and `0.0 != -0.0`).
#[derive(Debug, Clone)]
pub enum Value {
    /// Zero bytes.
    Null,
    /// Type 01.
    Binary(Vec<u8>),
    /// Type 02.
    Bool(bool),
    /// Type 03: an index into the descriptor table handed over with the data.
    Fd(u32),
    /// Type 04.
    Float(f64),
    /// Type 05: any value from `i64::MIN` to `u64::MAX` reads back; larger
    /// ones serialize (shortest form) but the reader rejects them.
    Int(i128),
    /// Type 06: entries in order; keys may be any value.
    Map(Vec<(Value, Value)>),
    /// Type 07.
    Seq(Vec<Value>),
    /// Type 08: UTF-8. Interior NUL bytes serialize verbatim (the reference
    /// accepts them too; [`Reader::get_str_c`] rejects them).
    Str(String),
    /// Type 09: nanoseconds since 1970-01-01T00:00:00Z. Values whose
    /// seconds fit in `i64` read back; others serialize but are rejected.
    Timestamp(i128),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Binary(a), Binary(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Fd(a), Fd(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Int(a), Int(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Seq(a), Seq(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

/// Length of the shortest big-endian two's complement form of `v` (0 is
/// empty).
fn int_len(v: i128) -> usize {
    if v == 0 {
        return 0;
    }
    // Bits needed excluding the sign bit, plus the sign bit.
    let magnitude_bits = if v < 0 {
        128 - (!v).leading_zeros()
    } else {
        128 - v.leading_zeros()
    };
    (magnitude_bits as usize + 1).div_ceil(8)
}

fn write_int(v: i128, out: &mut [u8]) -> usize {
    let n = int_len(v);
    out[..n].copy_from_slice(&v.to_be_bytes()[16 - n..]);
    n
}

impl Value {
    /// Number of bytes [`Value::write_to`] writes.
    pub fn serialized_len(&self) -> usize {
        match self {
            Value::Null => 0,
            Value::Binary(b) => 1 + b.len(),
            Value::Bool(b) => 1 + usize::from(*b),
            Value::Fd(_) => 5,
            Value::Float(_) => 9,
            Value::Int(v) | Value::Timestamp(v) => 1 + int_len(*v),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| entry_len(k) + entry_len(v))
                    .sum::<usize>()
            }
            Value::Seq(entries) => 1 + entries.iter().map(entry_len).sum::<usize>(),
            Value::Str(s) => 2 + s.len(),
        }
    }

    /// Serialize into the front of `buf`; returns the number of bytes
    /// written (always [`Value::serialized_len`]). Fd values are written as
    /// their index, as is.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than `self.serialized_len()`.
    pub fn write_to(&self, buf: &mut [u8]) -> usize {
        // Container lengths, computed once in pre-order so that nested
        // trees serialize in linear time.
        let mut lens = Vec::new();
        let total = self.collect_lens(&mut lens);
        assert!(
            buf.len() >= total,
            "argdata::Value::write_to: buffer of {} bytes, need {}",
            buf.len(),
            total
        );
        let mut lens = lens.into_iter();
        self.write_with(&mut buf[..total], &mut lens, total)
    }

    /// Serialize into a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut lens = Vec::new();
        let total = self.collect_lens(&mut lens);
        let mut out = vec![0; total];
        let mut lens = lens.into_iter();
        self.write_with(&mut out, &mut lens, total);
        out
    }

    /// Push the serialized length of every map and sequence node in
    /// pre-order; returns this node's length.
    fn collect_lens(&self, lens: &mut Vec<usize>) -> usize {
        match self {
            Value::Map(entries) => {
                let slot = lens.len();
                lens.push(0);
                let mut total = 1;
                for (k, v) in entries {
                    for x in [k, v] {
                        let n = x.collect_lens(lens);
                        total += length_prefix_len(n) + n;
                    }
                }
                lens[slot] = total;
                total
            }
            Value::Seq(entries) => {
                let slot = lens.len();
                lens.push(0);
                let mut total = 1;
                for x in entries {
                    let n = x.collect_lens(lens);
                    total += length_prefix_len(n) + n;
                }
                lens[slot] = total;
                total
            }
            _ => self.serialized_len(),
        }
    }

    /// Write this node (of length `len`, from `collect_lens`) to `out`.
    fn write_with(
        &self,
        out: &mut [u8],
        lens: &mut std::vec::IntoIter<usize>,
        len: usize,
    ) -> usize {
        let Some((tag, body)) = out.split_first_mut() else {
            // Only null has an empty encoding.
            return 0;
        };
        match self {
            Value::Null => return 0,
            Value::Binary(b) => {
                *tag = Type::Binary as u8;
                body[..b.len()].copy_from_slice(b);
            }
            Value::Bool(b) => {
                *tag = Type::Bool as u8;
                if *b {
                    body[0] = 1;
                }
            }
            Value::Fd(i) => {
                *tag = Type::Fd as u8;
                body[..4].copy_from_slice(&i.to_be_bytes());
            }
            Value::Float(f) => {
                *tag = Type::Float as u8;
                body[..8].copy_from_slice(&f.to_bits().to_be_bytes());
            }
            Value::Int(v) => {
                *tag = Type::Int as u8;
                write_int(*v, body);
            }
            Value::Timestamp(v) => {
                *tag = Type::Timestamp as u8;
                write_int(*v, body);
            }
            Value::Str(s) => {
                *tag = Type::Str as u8;
                body[..s.len()].copy_from_slice(s.as_bytes());
                body[s.len()] = 0;
            }
            Value::Map(entries) => {
                *tag = Type::Map as u8;
                lens.next();
                let mut pos = 0;
                for (k, v) in entries {
                    pos += write_entry(k, &mut body[pos..], lens);
                    pos += write_entry(v, &mut body[pos..], lens);
                }
            }
            Value::Seq(entries) => {
                *tag = Type::Seq as u8;
                lens.next();
                let mut pos = 0;
                for x in entries {
                    pos += write_entry(x, &mut body[pos..], lens);
                }
            }
        }
        len
    }

    /// Decode a whole tree. Fd indices are kept as indices, not checked.
    ///
    /// Accepts exactly what the reference reader's getters accept (including
    /// its non-canonical forms, such as integers with redundant leading
    /// bytes), and fails with the error the first failing getter returns.
    /// Integers are read as `i64`, or failing that as `u64`. Nesting deeper
    /// than [`MAX_PARSE_DEPTH`] is [`Error::TooDeep`].
    pub fn parse(bytes: &[u8]) -> Result<Value, Error> {
        Reader::new(bytes).to_value()
    }

    /// Render as YAML, fds as `!fd N`; see the crate documentation.
    pub fn to_yaml(&self) -> String {
        crate::yaml::to_yaml(self)
    }
}

fn entry_len(v: &Value) -> usize {
    let n = v.serialized_len();
    length_prefix_len(n) + n
}

fn write_entry(v: &Value, out: &mut [u8], lens: &mut std::vec::IntoIter<usize>) -> usize {
    let n = match v {
        Value::Map(_) | Value::Seq(_) => lens.as_slice()[0],
        _ => v.serialized_len(),
    };
    let p = write_length_prefix(n, out);
    v.write_with(&mut out[p..p + n], lens, n);
    p + n
}

impl Reader<'_> {
    /// Decode this value and everything below it into an owned [`Value`]
    /// (see [`Value::parse`]).
    pub fn to_value(self) -> Result<Value, Error> {
        self.to_value_depth(0)
    }

    fn to_value_depth(self, depth: usize) -> Result<Value, Error> {
        let Some(ty) = self.type_byte() else {
            return Ok(Value::Null);
        };
        Ok(match Type::from_byte(ty).ok_or(Error::Invalid)? {
            Type::Binary => Value::Binary(self.get_binary()?.to_vec()),
            Type::Bool => Value::Bool(self.get_bool()?),
            Type::Fd => Value::Fd(self.get_fd_index()?),
            Type::Float => Value::Float(self.get_float()?),
            Type::Int => Value::Int(self.get_i128()?),
            Type::Str => Value::Str(self.get_str()?.to_owned()),
            Type::Timestamp => Value::Timestamp(self.get_timestamp()?.as_nanos()),
            Type::Map => {
                if depth >= MAX_PARSE_DEPTH {
                    return Err(Error::TooDeep);
                }
                let mut entries = Vec::new();
                for entry in self.map_iter()? {
                    let (k, v) = entry?;
                    entries.push((k.to_value_depth(depth + 1)?, v.to_value_depth(depth + 1)?));
                }
                Value::Map(entries)
            }
            Type::Seq => {
                if depth >= MAX_PARSE_DEPTH {
                    return Err(Error::TooDeep);
                }
                let mut entries = Vec::new();
                for entry in self.seq_iter()? {
                    entries.push(entry?.to_value_depth(depth + 1)?);
                }
                Value::Seq(entries)
            }
        })
    }
}
