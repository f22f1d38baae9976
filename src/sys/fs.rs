//! Paths and files: open, mkdir, symlink, chdir, write.
//!
//! Allocation-free: paths are prebuilt `&CStr`s.
//!
//! # References
//! open(2), mkdir(2), symlink(2), chdir(2), write(2).

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

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

/// Write all of `buf` to `fd` in one `write` (a procfs or sysfs file takes its value
/// whole): a short write is `EIO`.
pub fn write_whole(fd: RawFd, buf: &[u8]) -> Result<(), Errno> {
    match write(fd, buf)? {
        n if n == buf.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// `open(path, O_WRONLY)` and [`write_whole`] `data` (`/proc/self/uid_map` and the like).
pub fn write_file(path: &CStr, data: &[u8]) -> Result<(), Errno> {
    let f = open(path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
    write_whole(f.as_raw_fd(), data)
}

/// `unlinkat(dir, name, 0)`: remove the file `name` in the directory `dir` (any open
/// descriptor of it, `O_PATH` included).
pub fn unlinkat(dir: RawFd, name: &CStr) -> Result<(), Errno> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    check(unsafe { libc::unlinkat(dir, name.as_ptr(), 0) }).map(drop)
}

/// A file's identity: its device and inode numbers.
pub type FileId = (u64, u64);

/// The [`FileId`] of the open file `fd` (`fstat`; any descriptor, `O_PATH` included).
pub fn file_id(fd: RawFd) -> Result<FileId, Errno> {
    // SAFETY: a zeroed stat is a valid out-parameter that fstat fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    #[allow(clippy::unnecessary_cast)]
    Ok((st.st_dev as u64, st.st_ino as u64))
}

/// The access mode `fd` was opened with (`O_RDONLY`, `O_WRONLY` or `O_RDWR`).
pub fn access_mode(fd: RawFd) -> Result<libc::c_int, Errno> {
    // SAFETY: F_GETFL takes no pointer.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    Ok(flags & libc::O_ACCMODE)
}

/// The `st_mode` of the file `fd` names (`fstat`).
pub fn file_mode(fd: RawFd) -> Result<libc::mode_t, Errno> {
    // SAFETY: a zeroed stat is a valid out-parameter that fstat fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st.st_mode)
}

/// What an open descriptor `fd` is when it could reach a file tree beyond itself: `Some("a
/// directory")` (`..` and relative paths lead on from it), `Some("an O_PATH
/// descriptor")` (opened again through `/proc/self/fd`, or used as a directory, it
/// reaches what its file reaches), else `None` (regular files, pipes, sockets,
/// terminals, and a descriptor that is not open).
pub fn fd_reaches_a_tree(fd: RawFd) -> Option<&'static str> {
    // SAFETY: F_GETFL only reads the open file's status flags; an invalid fd yields EBADF.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags == -1 {
        return None;
    }
    if flags & libc::O_PATH != 0 {
        return Some("an O_PATH descriptor");
    }
    match file_mode(fd) {
        Ok(mode) if mode & libc::S_IFMT == libc::S_IFDIR => Some("a directory"),
        _ => None,
    }
}

/// `openat(dir, path, flags)`: a new descriptor (closed when the `OwnedFd` drops).
pub fn openat(dir: RawFd, path: &CStr, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call; no file is created.
    let fd = check(unsafe { libc::openat(dir, path.as_ptr(), flags) })?;
    // SAFETY: openat returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Open the file `fd` names again, through `/proc/self/fd/FD` (an `O_PATH` descriptor,
/// or the root of a detached mount, becomes an ordinary open file on the same mount),
/// with `flags`. The path is built on the stack: allocation-free.
pub fn reopen(fd: RawFd, flags: libc::c_int) -> Result<OwnedFd, Errno> {
    let mut buf = [0u8; 32];
    open(proc_fd_path(fd, &mut buf), flags | libc::O_CLOEXEC, 0)
}

/// `/proc/self/fd/N` for `fd`, in `buf` (no allocation).
pub fn proc_fd_path(fd: RawFd, buf: &mut [u8; 32]) -> &CStr {
    const PREFIX: &[u8] = b"/proc/self/fd/";
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let (mut n, mut len) = (fd.unsigned_abs(), 0);
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[PREFIX.len() + i] = digits[len - 1 - i];
    }
    buf[PREFIX.len() + len] = 0;
    // SAFETY: the bytes end with the NUL written just above, and none before it is NUL
    // (the prefix and ASCII digits). Unchecked: nothing that could panic after the fork.
    unsafe { CStr::from_bytes_with_nul_unchecked(&buf[..=PREFIX.len() + len]) }
}

/// An inherited descriptor's file, when it is a regular file or a character device
/// (what the program could open again by `/proc/self/fd/N`): `Some((identity, flags))`,
/// its [`FileId`], and the status flags it was opened with. `None` for anything else
/// (pipes, sockets, directories).
pub fn inherited_file(fd: RawFd) -> Result<Option<(FileId, libc::c_int)>, Errno> {
    // SAFETY: a zeroed stat is a valid out-parameter that fstat fills.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid and writable for the call.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    let kind = st.st_mode & libc::S_IFMT;
    if kind != libc::S_IFREG && kind != libc::S_IFCHR {
        return Ok(None);
    }
    // SAFETY: F_GETFL only reads the open file's status flags.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    #[allow(clippy::unnecessary_cast)]
    Ok(Some(((st.st_dev as u64, st.st_ino as u64), flags)))
}

/// A duplicate of `fd` (close-on-exec, at 3 or above: [`super::dupfd_cloexec`]), owned
/// by the caller.
pub fn duplicate(fd: RawFd) -> Result<OwnedFd, Errno> {
    let dup = super::dupfd_cloexec(fd, 3)?;
    // SAFETY: `dup` was just created and is owned here alone.
    Ok(unsafe { OwnedFd::from_raw_fd(dup) })
}

#[cfg(test)]
mod tests {
    use super::proc_fd_path;

    #[test]
    fn proc_fd_paths() {
        let mut buf = [0u8; 32];
        assert_eq!(proc_fd_path(0, &mut buf), c"/proc/self/fd/0");
        assert_eq!(proc_fd_path(1234, &mut buf), c"/proc/self/fd/1234");
        assert_eq!(
            proc_fd_path(i32::MAX, &mut buf),
            c"/proc/self/fd/2147483647"
        );
    }
}
