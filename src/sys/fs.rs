//! Paths and files: open, mkdir, symlink, chdir, write.
//!
//! Allocation-free: paths are prebuilt `&CStr`s.
//!
//! # References
//! open(2), mkdir(2), symlink(2), chdir(2), write(2).

use std::ffi::CStr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::check;

/// `open(path, flags, mode)`: a new descriptor (closed when the `OwnedFd` drops).
///
/// The system call itself (`openat(AT_FDCWD, …)`): musl's `open` follows every
/// `O_CLOEXEC` open with an `fcntl(F_SETFD)` for kernels older than 2.6.23.
pub fn open(path: &CStr, flags: libc::c_int, mode: libc::mode_t) -> Result<OwnedFd, Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call; `mode` is only read when
    // `flags` ask for a creation.
    let fd = super::check_long(unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            flags,
            libc::c_uint::from(mode),
        )
    })?;
    // SAFETY: openat returned a new descriptor (an int) that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `mkdir(path, mode)`.
pub fn mkdir(path: &CStr, mode: libc::mode_t) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    check(unsafe { libc::mkdir(path.as_ptr(), mode) }).map(drop)
}

/// `symlink(target, link)`: create `link` pointing at `target`.
pub fn symlink(target: &CStr, link: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated and outlive the call.
    check(unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) }).map(drop)
}

/// `chdir(path)`.
pub fn chdir(path: &CStr) -> Result<(), Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    check(unsafe { libc::chdir(path.as_ptr()) }).map(drop)
}

/// One `write(fd, buf)` (no retry): the number of bytes written.
pub fn write(fd: RawFd, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is a valid slice for its whole length; the kernel only reads it.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(Errno::last())
    } else {
        Ok(n as usize)
    }
}

/// `unlinkat(dir, name, 0)`: remove the file `name` in the directory `dir` (any open
/// descriptor of it, `O_PATH` included).
pub fn unlinkat(dir: RawFd, name: &CStr) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    check(unsafe { libc::unlinkat(dir, name.as_ptr(), 0) }).map(drop)
}

/// The device and inode numbers of the open file `fd` (`fstat`; any descriptor,
/// `O_PATH` included): what identifies a file.
pub fn file_id(fd: RawFd) -> Result<(u64, u64), Errno> {
    // SAFETY: a zeroed stat is a valid out-parameter that fstat fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    #[allow(clippy::unnecessary_cast)]
    Ok((st.st_dev as u64, st.st_ino as u64))
}

/// `openat(dir, path, flags)`: a new descriptor (closed when the `OwnedFd` drops).
pub fn openat(dir: RawFd, path: &CStr, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call; no file is created.
    let fd = check(unsafe { libc::openat(dir, path.as_ptr(), flags) })?;
    // SAFETY: openat returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
