//! The zero-copy reader.

use std::ffi::CStr;
use std::fmt;
use std::os::fd::RawFd;

use crate::varint::parse_subfield;
use crate::Error;

/// The type byte of an argdata value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Type {
    /// `01`: raw bytes.
    Binary = 1,
    /// `02`: a boolean.
    Bool = 2,
    /// `03`: a file descriptor (an index into the descriptor table).
    Fd = 3,
    /// `04`: an IEEE-754 double.
    Float = 4,
    /// `05`: an integer.
    Int = 5,
    /// `06`: a map.
    Map = 6,
    /// `07`: a sequence.
    Seq = 7,
    /// `08`: a UTF-8 string.
    Str = 8,
    /// `09`: a timestamp.
    Timestamp = 9,
}

impl Type {
    /// The type for a type byte, if it is one of the nine known ones.
    pub fn from_byte(byte: u8) -> Option<Type> {
        Some(match byte {
            1 => Type::Binary,
            2 => Type::Bool,
            3 => Type::Fd,
            4 => Type::Float,
            5 => Type::Int,
            6 => Type::Map,
            7 => Type::Seq,
            8 => Type::Str,
            9 => Type::Timestamp,
            _ => return None,
        })
    }
}

/// How a reader turns the fd indices stored in the data into descriptors,
/// like the reference's `convert_fd` callback of `argdata_from_buffer`.
///
/// Any `Fn(u32) -> Option<RawFd>` closure is an `FdTable`; so are [`NoFds`]
/// and [`MaxFds`].
pub trait FdTable {
    /// The descriptor attached to fd index `index`, or `None` if there is
    /// none (the getter then fails with [`Error::NoFd`]).
    fn convert_fd(&self, index: u32) -> Option<RawFd>;
}

impl<F: Fn(u32) -> Option<RawFd>> FdTable for F {
    fn convert_fd(&self, index: u32) -> Option<RawFd> {
        self(index)
    }
}

/// No descriptors attached: every fd is [`Error::NoFd`] (the reference's
/// `convert_fd = NULL`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFds;

impl FdTable for NoFds {
    fn convert_fd(&self, _index: u32) -> Option<RawFd> {
        None
    }
}

/// Index `i` is process descriptor `i` if `i` is below the bound (the
/// caprun convention, where descriptors `0..n` are the table).
#[derive(Debug, Clone, Copy)]
pub struct MaxFds(pub u32);

impl FdTable for MaxFds {
    fn convert_fd(&self, index: u32) -> Option<RawFd> {
        if index < self.0 {
            RawFd::try_from(index).ok()
        } else {
            None
        }
    }
}

/// A timestamp as the reference reader returns it (a `struct timespec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timespec {
    /// Whole seconds since 1970-01-01T00:00:00Z (floor division).
    pub sec: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nsec: u32,
}

impl Timespec {
    /// Nanoseconds since the epoch.
    pub fn as_nanos(&self) -> i128 {
        i128::from(self.sec) * 1_000_000_000 + i128::from(self.nsec)
    }
}

/// A zero-copy view of one serialized argdata value.
///
/// Cheap to copy. Getters check the type byte and payload exactly like the
/// reference C reader and return the same error classes.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    fds: &'a dyn FdTable,
}

impl fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("bytes", &self.buf)
            .finish_non_exhaustive()
    }
}

/// Integer types [`Reader::get_int`] can return.
///
/// Signed types are read through `i64` and unsigned ones through `u64`, then
/// range-checked, like the reference's `argdata_get_int` macro.
pub trait ArgdataInt: Sized {
    /// Read the integer, or fail with [`Error::Invalid`] (not an int) or
    /// [`Error::OutOfRange`].
    fn read(reader: &Reader<'_>) -> Result<Self, Error>;
}

macro_rules! argdata_int {
    ($via:ident, $($t:ty),*) => {$(
        impl ArgdataInt for $t {
            fn read(reader: &Reader<'_>) -> Result<Self, Error> {
                <$t>::try_from(reader.$via()?).map_err(|_| Error::OutOfRange)
            }
        }
    )*};
}
argdata_int!(get_i64, i8, i16, i32, i64, isize);
argdata_int!(get_u64, u8, u16, u32, u64, usize);

impl<'a> Reader<'a> {
    /// A reader over `buf` with no descriptors attached.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, fds: &NoFds }
    }

    /// A reader over `buf` that resolves fd indices through `fds`.
    pub fn with_fds(buf: &'a [u8], fds: &'a dyn FdTable) -> Reader<'a> {
        Reader { buf, fds }
    }

    /// The serialized bytes of this value (type byte and payload).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether this is null (zero bytes).
    pub fn is_null(&self) -> bool {
        self.buf.is_empty()
    }

    /// The type byte, or `None` for null.
    pub fn type_byte(&self) -> Option<u8> {
        self.buf.first().copied()
    }

    /// The type, or `None` for null or an unknown type byte.
    pub fn kind(&self) -> Option<Type> {
        self.type_byte().and_then(Type::from_byte)
    }

    /// The payload if the type byte is `ty`, else [`Error::Invalid`].
    fn payload(&self, ty: Type) -> Result<&'a [u8], Error> {
        match self.buf.split_first() {
            Some((&b, rest)) if b == ty as u8 => Ok(rest),
            _ => Err(Error::Invalid),
        }
    }

    /// A binary value's bytes.
    pub fn get_binary(&self) -> Result<&'a [u8], Error> {
        self.payload(Type::Binary)
    }

    /// A bool: the payload must be empty (false) or exactly `01` (true).
    pub fn get_bool(&self) -> Result<bool, Error> {
        match self.payload(Type::Bool)? {
            [] => Ok(false),
            [1] => Ok(true),
            _ => Err(Error::Invalid),
        }
    }

    /// The fd index stored in an fd value (4 payload bytes), unresolved.
    pub fn get_fd_index(&self) -> Result<u32, Error> {
        let p: [u8; 4] = self
            .payload(Type::Fd)?
            .try_into()
            .map_err(|_| Error::Invalid)?;
        Ok(u32::from_be_bytes(p))
    }

    /// The descriptor an fd value refers to, resolved through the reader's
    /// [`FdTable`]; [`Error::NoFd`] if none is attached to the index.
    pub fn get_fd(&self) -> Result<RawFd, Error> {
        let index = self.get_fd_index()?;
        self.fds.convert_fd(index).ok_or(Error::NoFd)
    }

    /// A float (exactly 8 payload bytes).
    pub fn get_float(&self) -> Result<f64, Error> {
        let p: [u8; 8] = self
            .payload(Type::Float)?
            .try_into()
            .map_err(|_| Error::Invalid)?;
        Ok(f64::from_be_bytes(p))
    }

    /// A signed integer. Like the reference, a payload longer than 8 bytes
    /// is [`Error::OutOfRange`] even if its value would fit.
    pub fn get_i64(&self) -> Result<i64, Error> {
        let p = self.payload(Type::Int)?;
        if p.len() > 8 {
            return Err(Error::OutOfRange);
        }
        Ok(sign_extend(p) as i64)
    }

    /// An unsigned integer. Negative values and payloads longer than 8 bytes
    /// (9 if the first is `00`) are [`Error::OutOfRange`].
    pub fn get_u64(&self) -> Result<u64, Error> {
        let p = self.payload(Type::Int)?;
        match p.first() {
            None => return Ok(0),
            Some(&b) if b & 0x80 != 0 => return Err(Error::OutOfRange),
            Some(&b) if p.len() > 8 && (p.len() != 9 || b != 0) => return Err(Error::OutOfRange),
            _ => {}
        }
        Ok(p.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
    }

    /// An integer of any primitive type, range-checked.
    ///
    /// ```
    /// let bytes = argdata::Value::Int(300).to_bytes();
    /// let r = argdata::Reader::new(&bytes);
    /// assert_eq!(r.get_int::<u16>(), Ok(300));
    /// assert_eq!(r.get_int::<u8>(), Err(argdata::Error::OutOfRange));
    /// ```
    pub fn get_int<T: ArgdataInt>(&self) -> Result<T, Error> {
        T::read(self)
    }

    /// An integer in either range the reference accepts (`i64` or `u64`).
    pub(crate) fn get_i128(&self) -> Result<i128, Error> {
        match self.get_i64() {
            Ok(v) => Ok(i128::from(v)),
            Err(_) => self.get_u64().map(i128::from),
        }
    }

    /// A string without its terminating NUL. It may contain interior NUL
    /// bytes (like the reference's `argdata_get_str`). A missing terminator
    /// is [`Error::Invalid`], bad UTF-8 [`Error::InvalidUtf8`].
    pub fn get_str(&self) -> Result<&'a str, Error> {
        match self.payload(Type::Str)?.split_last() {
            Some((0, s)) => std::str::from_utf8(s).map_err(|_| Error::InvalidUtf8),
            _ => Err(Error::Invalid),
        }
    }

    /// A string that has no interior NUL (the reference's
    /// `argdata_get_str_c`); an interior NUL is [`Error::InvalidUtf8`].
    pub fn get_str_c(&self) -> Result<&'a str, Error> {
        let s = self.get_str()?;
        if s.as_bytes().contains(&0) {
            return Err(Error::InvalidUtf8);
        }
        Ok(s)
    }

    /// Like [`Reader::get_str_c`], as a C string including its terminator.
    pub fn get_cstr(&self) -> Result<&'a CStr, Error> {
        self.get_str_c()?;
        let p = self.payload(Type::Str)?;
        CStr::from_bytes_with_nul(p).map_err(|_| Error::InvalidUtf8)
    }

    /// A timestamp. More than 12 payload bytes, or seconds outside `i64`,
    /// are [`Error::OutOfRange`].
    pub fn get_timestamp(&self) -> Result<Timespec, Error> {
        let p = self.payload(Type::Timestamp)?;
        if p.len() > 12 {
            return Err(Error::OutOfRange);
        }
        let nanos = sign_extend(p);
        let sec = i64::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| Error::OutOfRange)?;
        let nsec = nanos.rem_euclid(1_000_000_000) as u32;
        Ok(Timespec { sec, nsec })
    }

    /// Iterate over a map's entries; [`Error::Invalid`] if not a map.
    ///
    /// The iterator yields `Err` at the first malformed entry (the entries
    /// before it were already yielded) and then stops.
    pub fn map_iter(&self) -> Result<MapIter<'a>, Error> {
        Ok(MapIter {
            rest: self.payload(Type::Map)?,
            fds: self.fds,
        })
    }

    /// Iterate over a sequence's entries; [`Error::Invalid`] if not a
    /// sequence.
    ///
    /// The iterator yields `Err` at the first malformed entry (the entries
    /// before it were already yielded) and then stops.
    pub fn seq_iter(&self) -> Result<SeqIter<'a>, Error> {
        Ok(SeqIter {
            rest: self.payload(Type::Seq)?,
            fds: self.fds,
        })
    }

    /// Look up the first map entry whose key is the string `key`.
    /// Malformed entries end the search with their error; entries whose
    /// key is not a valid string are skipped.
    pub fn map_get(&self, key: &str) -> Result<Option<Reader<'a>>, Error> {
        for entry in self.map_iter()? {
            let (k, v) = entry?;
            if k.get_str() == Ok(key) {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

/// Big-endian two's complement, sign-extended (at most 16 bytes).
fn sign_extend(p: &[u8]) -> i128 {
    debug_assert!(p.len() <= 16);
    let init: i128 = if p.first().is_some_and(|&b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    p.iter().fold(init, |acc, &b| acc << 8 | i128::from(b))
}

/// Iterator over a map's `(key, value)` entries, see [`Reader::map_iter`].
#[derive(Clone)]
pub struct MapIter<'a> {
    rest: &'a [u8],
    fds: &'a dyn FdTable,
}

impl fmt::Debug for MapIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapIter")
            .field("rest", &self.rest)
            .finish_non_exhaustive()
    }
}

impl<'a> Iterator for MapIter<'a> {
    type Item = Result<(Reader<'a>, Reader<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = parse_subfield(self.rest).and_then(|(key, rest)| {
            let (value, rest) = parse_subfield(rest)?;
            Ok((key, value, rest))
        });
        match entry {
            Ok((key, value, rest)) => {
                self.rest = rest;
                let fds = self.fds;
                Some(Ok((Reader { buf: key, fds }, Reader { buf: value, fds })))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for MapIter<'_> {}

/// Iterator over a sequence's entries, see [`Reader::seq_iter`].
#[derive(Clone)]
pub struct SeqIter<'a> {
    rest: &'a [u8],
    fds: &'a dyn FdTable,
}

impl fmt::Debug for SeqIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeqIter")
            .field("rest", &self.rest)
            .finish_non_exhaustive()
    }
}

impl<'a> Iterator for SeqIter<'a> {
    type Item = Result<Reader<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match parse_subfield(self.rest) {
            Ok((entry, rest)) => {
                self.rest = rest;
                Some(Ok(Reader {
                    buf: entry,
                    fds: self.fds,
                }))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for SeqIter<'_> {}
