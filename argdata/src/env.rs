//! Reading what caprun hands a program: `ARGDATA_FD`.

use std::fs::File;
use std::io::{self, Read as _};
use std::os::fd::{AsFd as _, AsRawFd as _, BorrowedFd, FromRawFd as _, OwnedFd, RawFd};
use std::os::unix::fs::FileExt as _;
use std::ptr::NonNull;

use crate::reader::{FdTable, Reader};
use crate::Error;

/// Name of the environment variable that names the argdata memfd.
pub const ARGDATA_FD: &str = "ARGDATA_FD";

/// Why [`from_env`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// `ARGDATA_FD` is not set (or was already consumed by an earlier
    /// [`from_env`]).
    #[error("{ARGDATA_FD} is not set")]
    Missing,
    /// `ARGDATA_FD` is not a non-negative decimal number.
    #[error("{ARGDATA_FD} is not a descriptor number: {0:?}")]
    NotANumber(String),
    /// `ARGDATA_FD` names a descriptor that is not open.
    #[error("{ARGDATA_FD}={0} is not an open descriptor")]
    NotOpen(RawFd),
    /// Reading or mapping the memfd failed.
    #[error("cannot read the argdata memfd: {0}")]
    Read(#[source] io::Error),
}

/// The argdata a program received, with its descriptor table.
///
/// Owns the data (mapped read-only or copied) and the descriptors of the
/// table: dropping it unmaps the data and closes every descriptor not taken
/// out with [`Received::take_fd`].
#[derive(Debug)]
pub struct Received {
    data: Data,
    fds: Fds,
}

#[derive(Debug)]
enum Data {
    Owned(Vec<u8>),
    Mapped(Mapping),
}

/// A read-only private mapping of a sealed memfd.
#[derive(Debug)]
struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len are exactly what a successful mmap returned, and
        // no slice into the mapping outlives `self` (they borrow Received).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

/// The descriptor table: slot `i` is fd index `i`.
#[derive(Debug)]
struct Fds(Vec<Option<OwnedFd>>);

impl FdTable for Fds {
    fn convert_fd(&self, index: u32) -> Option<RawFd> {
        let slot = self.0.get(usize::try_from(index).ok()?)?;
        slot.as_ref().map(|fd| fd.as_raw_fd())
    }
}

/// Read the argdata caprun handed this program.
///
/// The convention: `ARGDATA_FD=n` names a memfd holding exactly the
/// serialized argdata (sealed with `F_SEAL_SEAL|SHRINK|GROW|WRITE`), and
/// descriptors `0..n` are the descriptor table, so fd index `i` in the data
/// is process descriptor `i`, valid iff `i < n`.
///
/// This removes `ARGDATA_FD` from the environment (so a second call fails
/// with [`EnvError::Missing`] and children do not inherit it), maps the
/// memfd read-only (or reads it if it is not sealed), closes it, and takes
/// ownership of the open descriptors among `0..n` (see [`Received`]).
/// Empty data (0 bytes) reads as null.
///
/// Call it early in `main`, before starting threads: it uses
/// [`std::env::remove_var`], which is not safe to call while other threads
/// read or write the environment.
pub fn from_env() -> Result<Received, EnvError> {
    let raw = std::env::var_os(ARGDATA_FD).ok_or(EnvError::Missing)?;
    std::env::remove_var(ARGDATA_FD);
    let text = raw.to_string_lossy().into_owned();
    let n: RawFd = match text.parse() {
        Ok(n) if n >= 0 && text.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => return Err(EnvError::NotANumber(text)),
    };
    if !is_open(n) {
        return Err(EnvError::NotOpen(n));
    }
    // SAFETY: by the ARGDATA_FD convention the launcher hands descriptor n
    // to this program for us to consume; it is open (checked above), and
    // removing the variable above ensures no later from_env adopts it again.
    let file = File::from(unsafe { OwnedFd::from_raw_fd(n) });
    let fds = (0..n)
        .map(|i| {
            // SAFETY: by the same convention descriptors 0..n are the
            // descriptor table handed over with the data; we only adopt
            // those that are open, each once.
            is_open(i).then(|| unsafe { OwnedFd::from_raw_fd(i) })
        })
        .collect();
    Received::from_file(file, fds).map_err(EnvError::Read)
}

fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only queries the descriptor flags; it is harmless on
    // any integer, open or not.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

impl Received {
    /// Take argdata from an open file (typically a memfd) and a descriptor
    /// table (`fds[i]` is fd index `i`; `None` marks a missing entry).
    ///
    /// The whole file from offset 0 is the data. It is mapped read-only
    /// (`MAP_PRIVATE`) if it is sealed against writing and shrinking, and
    /// read into memory otherwise; the file is closed either way.
    pub fn from_file(file: File, fds: Vec<Option<OwnedFd>>) -> io::Result<Received> {
        Ok(Received {
            data: load(file)?,
            fds: Fds(fds),
        })
    }

    /// The serialized data.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Owned(v) => v,
            // SAFETY: the mapping is PROT_READ, len bytes long, lives as long
            // as self, and the memfd behind it is sealed against writes and
            // shrinking, so the bytes cannot change or vanish under us.
            Data::Mapped(m) => unsafe { std::slice::from_raw_parts(m.ptr.as_ptr(), m.len) },
        }
    }

    /// A reader for the root value; its [`Reader::get_fd`] returns process
    /// descriptors (index `i` is descriptor `i` while this still owns it).
    pub fn root(&self) -> Reader<'_> {
        Reader::with_fds(self.bytes(), &self.fds)
    }

    /// Number of entries in the descriptor table.
    pub fn fd_count(&self) -> usize {
        self.fds.0.len()
    }

    /// Borrow table entry `index` (the index stored in the data, which is
    /// also the descriptor number [`Reader::get_fd`] returns); [`Error::NoFd`]
    /// if there is none or it was taken.
    pub fn borrow_fd(&self, index: u32) -> Result<BorrowedFd<'_>, Error> {
        let slot = self
            .fds
            .0
            .get(usize::try_from(index).map_err(|_| Error::NoFd)?);
        slot.and_then(Option::as_ref)
            .map(|fd| fd.as_fd())
            .ok_or(Error::NoFd)
    }

    /// Borrow the descriptor an fd value refers to.
    pub fn get_fd(&self, value: &Reader<'_>) -> Result<BorrowedFd<'_>, Error> {
        let index = value.get_fd_index()?;
        self.borrow_fd(index)
    }

    /// Take ownership of table entry `index`; afterwards it is
    /// [`Error::NoFd`] for this object.
    pub fn take_fd(&mut self, index: u32) -> Result<OwnedFd, Error> {
        let slot = self
            .fds
            .0
            .get_mut(usize::try_from(index).map_err(|_| Error::NoFd)?);
        slot.and_then(Option::take).ok_or(Error::NoFd)
    }
}

fn load(file: File) -> io::Result<Data> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        let mut v = Vec::new();
        (&file).read_to_end(&mut v)?;
        return Ok(Data::Owned(v));
    }
    let len =
        usize::try_from(meta.len()).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    if len == 0 {
        // mmap of length 0 fails; empty data is null.
        return Ok(Data::Owned(Vec::new()));
    }
    // SAFETY: F_GET_SEALS only queries the seals of our own open file.
    let seals = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GET_SEALS) };
    let needed = libc::F_SEAL_SHRINK | libc::F_SEAL_WRITE;
    if seals == -1 || seals & needed != needed {
        // Not sealed: the contents could change or shrink under a mapping,
        // so take a copy instead.
        let mut v = vec![0; len];
        file.read_exact_at(&mut v, 0)?;
        return Ok(Data::Owned(v));
    }
    // SAFETY: a fresh read-only private mapping of `len` bytes of our own
    // open file at offset 0; the kernel picks the address. The file is
    // sealed against shrinking and writing, so every page stays backed and
    // unchanged while mapped.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let ptr =
        NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::Other))?;
    Ok(Data::Mapped(Mapping { ptr, len }))
}
