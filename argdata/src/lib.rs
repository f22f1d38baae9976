//! The argdata binary format (CloudABI), byte-exact with the reference C
//! implementation [NuxiNL/argdata](https://github.com/NuxiNL/argdata).
//!
//! The crate has four parts:
//!
//! * [`Value`]: an owned tree you can build, compare, serialize
//!   ([`Value::serialized_len`], [`Value::write_to`], [`Value::to_bytes`]),
//!   decode ([`Value::parse`]) and render as YAML ([`Value::to_yaml`]).
//! * [`Reader`]: a zero-copy reader over `&[u8]` with the reference
//!   reader's typed getters, iterators and error classes ([`Error`]).
//! * [`from_env`] / [`Received`]: what a program launched by caprun reads
//!   (`ARGDATA_FD`, a sealed memfd, descriptors `0..n`).
//! * Length-prefix helpers ([`write_length_prefix`], [`read_length_prefix`]).
//!
//! # Format
//!
//! A value is one type byte followed by a payload; it never stores its own
//! length, and null is zero bytes. Map and sequence entries are prefixed with
//! their length in big-endian base 128, the high bit set on the *last* byte.
//!
//! # Example
//!
//! ```
//! use argdata::{Reader, Value};
//!
//! // Build and serialize.
//! let config = Value::Map(vec![
//!     (Value::Str("port".into()), Value::Int(8080)),
//!     (Value::Str("socket".into()), Value::Fd(0)),
//!     (Value::Str("names".into()), Value::Seq(vec![Value::Str("a".into()), Value::Null])),
//! ]);
//! let bytes = config.to_bytes();
//! assert_eq!(bytes.len(), config.serialized_len());
//!
//! // Read it back without copying; fd index 0 is attached as descriptor 7.
//! let table = |index: u32| (index == 0).then_some(7);
//! let root = Reader::with_fds(&bytes, &table);
//! for entry in root.map_iter()? {
//!     let (key, value) = entry?;
//!     match key.get_str()? {
//!         "port" => assert_eq!(value.get_int::<u16>()?, 8080),
//!         "socket" => assert_eq!(value.get_fd()?, 7),
//!         "names" => assert_eq!(value.seq_iter()?.count(), 2),
//!         other => panic!("unexpected key {other}"),
//!     }
//! }
//!
//! // Or decode the whole tree into an owned value.
//! assert_eq!(Value::parse(&bytes)?, config);
//! assert!(config.to_yaml().starts_with("port: 8080\n"));
//! # Ok::<(), argdata::Error>(())
//! ```

mod env;
mod reader;
mod value;
mod varint;
mod yaml;

pub use env::{from_env, EnvError, Received, ARGDATA_FD};
pub use reader::{ArgdataInt, FdTable, MapIter, MaxFds, NoFds, Reader, SeqIter, Timespec, Type};
pub use value::{Value, MAX_PARSE_DEPTH};
pub use varint::{length_prefix_len, read_length_prefix, write_length_prefix};

/// A reader error, with the reference implementation's error classes.
///
/// Each variant but [`Error::TooDeep`] corresponds to the `errno` value the
/// reference C reader returns in the same situation (see [`Error::errno`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `EINVAL`: the value has another type than asked for, or its payload
    /// is malformed (a bool payload other than empty or `01`, an fd or float
    /// of the wrong size, a string without its terminating NUL, an unknown
    /// type byte, a bad length prefix in a map or sequence, ...). Null (zero
    /// bytes) is `EINVAL` for every getter.
    #[error("invalid argdata (wrong type or malformed payload)")]
    Invalid,
    /// `ERANGE`: an integer or timestamp does not fit the requested type (or
    /// is stored in more bytes than the reference reader accepts).
    #[error("argdata value out of range")]
    OutOfRange,
    /// `EILSEQ`: a string is not valid UTF-8 (overlong forms, surrogates,
    /// code points above U+10FFFF, truncated sequences), or, for
    /// [`Reader::get_str_c`], contains an interior NUL byte.
    #[error("argdata string is not valid UTF-8 (or has an interior NUL)")]
    InvalidUtf8,
    /// `EBADF`: an fd index with no descriptor attached to it.
    #[error("argdata fd index has no descriptor attached")]
    NoFd,
    /// The tree is nested more than [`MAX_PARSE_DEPTH`] levels deep. Only
    /// [`Value::parse`] returns this (the reference has no whole-tree
    /// decoder); it protects the stack against hostile input.
    #[error("argdata nested too deeply to decode")]
    TooDeep,
}

impl Error {
    /// The `errno` value the reference implementation returns for this
    /// error (`EINVAL` for [`Error::TooDeep`]).
    pub fn errno(&self) -> i32 {
        match self {
            Error::Invalid | Error::TooDeep => libc::EINVAL,
            Error::OutOfRange => libc::ERANGE,
            Error::InvalidUtf8 => libc::EILSEQ,
            Error::NoFd => libc::EBADF,
        }
    }
}
