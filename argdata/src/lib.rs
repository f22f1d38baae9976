//! The argdata binary format. (Stub: API contract for the rest of the workspace;
//! the argdata issue fills in every body.)

/// An owned argdata value tree.
///
/// `Float` compares by bit pattern so that NaN round-trips compare equal.
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
    /// Type 05: any value from `i64::MIN` to `u64::MAX` (and beyond, up to i128).
    Int(i128),
    /// Type 06: entries in order; keys may be any value.
    Map(Vec<(Value, Value)>),
    /// Type 07.
    Seq(Vec<Value>),
    /// Type 08: UTF-8 without interior NUL bytes.
    Str(String),
    /// Type 09: nanoseconds since 1970-01-01T00:00:00Z.
    Timestamp(i128),
}

impl PartialEq for Value {
    fn eq(&self, _other: &Self) -> bool {
        todo!()
    }
}

impl Value {
    /// Number of bytes [`Value::write_to`] writes.
    pub fn serialized_len(&self) -> usize {
        todo!()
    }
    /// Serialize into the front of `buf` (at least `serialized_len()` long); returns bytes written.
    pub fn write_to(&self, _buf: &mut [u8]) -> usize {
        todo!()
    }
    /// Serialize into a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        todo!()
    }
    /// Decode a whole tree (fd indices are kept as indices, not checked).
    pub fn parse(_bytes: &[u8]) -> Result<Value, Error> {
        todo!()
    }
    /// Render as YAML, fds as `!fd N`.
    pub fn to_yaml(&self) -> String {
        todo!()
    }
}

/// A reader error, with the reference implementation's error classes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Wrong type or malformed payload (EINVAL).
    #[error("invalid argdata")]
    Invalid,
}
