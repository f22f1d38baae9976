//! A process that writes one file atomically on behalf of a process that cannot: the
//! supervisor of `--learn` runs inside the sandbox (its mount namespace, its Landlock
//! domain), where it can neither create a file beside `OUT` nor rename one over it.
//!
//! [`start`] forks the writer before the sandbox is entered. It holds nothing but its end
//! of a socket and one descriptor of its [`Target`], and waits. [`commit`] sends it the
//! content. A regular file (or a new one) is replaced atomically: the writer writes a
//! temporary file in the directory, `fsync`s it and renames it over the target
//! (`openat`/`renameat` relative to the directory descriptor, never by path), removing
//! the temporary file if any step fails. Anything else (a character device, a FIFO, a
//! pipe or socket that is caprun's own output) is written in place, never replaced. The
//! writer answers which step failed and why. When the socket closes before the whole
//! content arrived (caprun failed or was killed), it writes nothing and exits.
//!
//! The writer is a detached process ([`super::detach`]: forked twice, the middle process
//! exiting at once and reaped here), so that it is nobody's child in caprun and nothing
//! waits for it, and it makes only raw, async-signal-safe system calls with stack
//! buffers. It leaves the process group and
//! the session (`setsid`): a terminal's Ctrl-C, which the supervisor forwards to the
//! program, must not stop the writer before the supervisor hands it the policy.
//!
//! The protocol, on a `SOCK_STREAM` pair: the content's length as 8 bytes (native
//! endianness), then the content; the answer is 8 bytes, the failed [`Step`] and its
//! errno as two `u32` (`0, 0`: written).

use std::ffi::CStr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

/// Where the writer puts the content.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Replace `name` in the directory `dir` atomically, through the temporary file `tmp`
    /// (in the same directory; it must not exist).
    Replace {
        /// The directory, open (`O_PATH` is fine).
        dir: RawFd,
        /// The temporary file's name.
        tmp: &'a CStr,
        /// The target's name.
        name: &'a CStr,
    },
    /// Write in place to this descriptor, open for writing.
    Write(RawFd),
    /// Open this `O_PATH` descriptor for writing (through `/proc/self/fd`) once the
    /// content is there, and write in place: a FIFO's open waits for a reader, as a
    /// shell's redirection does.
    Open(RawFd),
}

/// What the writer was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Creating the temporary file.
    Create,
    /// Writing it.
    Write,
    /// `fsync`ing it.
    Sync,
    /// Renaming it over the target.
    Rename,
    /// Opening the target (not a regular file) for writing in place.
    OpenInPlace,
    /// Writing to the target in place.
    WriteInPlace,
}

impl Step {
    const ALL: [Step; 6] = [
        Step::Create,
        Step::Write,
        Step::Sync,
        Step::Rename,
        Step::OpenInPlace,
        Step::WriteInPlace,
    ];

    fn code(self) -> u32 {
        self as u32 + 1
    }

    fn from_code(code: u32) -> Option<Step> {
        Step::ALL.get((code as usize).checked_sub(1)?).copied()
    }
}

/// Why [`commit`] did not write the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitError {
    /// The writer failed at this step (it removed its temporary file).
    Failed(Step, Errno),
    /// Sending the content or reading the answer failed: the writer is gone.
    Gone(Errno),
}

/// Start the writer of `target`. Returns the caller's end of the socket, close-on-exec,
/// for [`commit`]. Call it before entering the sandbox.
pub fn start(target: Target<'_>) -> Result<OwnedFd, Errno> {
    let (ours, theirs) = super::unix_pair(libc::SOCK_STREAM)?;
    // Nothing but the socket and the target's descriptor.
    let held = match target {
        Target::Replace { dir, .. } => dir,
        Target::Write(fd) | Target::Open(fd) => fd,
    };
    let mut keep = [theirs.as_raw_fd(), held];
    // SAFETY: the writer makes only raw, async-signal-safe system calls on stack data,
    // uses only `keep`, and exits without returning (nothing it inherited is dropped or
    // used through its owner), which is sound whatever threads the process has.
    match unsafe { super::detach(&mut keep) }? {
        super::Detached::Detached => writer(theirs.as_raw_fd(), target),
        super::Detached::Caller => {
            drop(theirs);
            Ok(ours)
        }
    }
}

/// Hand `content` to the writer behind `sock` (from [`start`]) and wait for its answer.
pub fn commit(sock: OwnedFd, content: &[u8]) -> Result<(), CommitError> {
    let fd = sock.as_raw_fd();
    let len = (content.len() as u64).to_ne_bytes();
    write_all(fd, &len)
        .and_then(|()| write_all(fd, content))
        .map_err(CommitError::Gone)?;
    let mut answer = [0u8; 8];
    match read_full(fd, &mut answer) {
        Ok(8) => {}
        Ok(_) => return Err(CommitError::Gone(Errno::EPIPE)),
        Err(e) => return Err(CommitError::Gone(e)),
    }
    let step = u32::from_ne_bytes(answer[..4].try_into().expect("4 bytes"));
    let errno = u32::from_ne_bytes(answer[4..].try_into().expect("4 bytes"));
    match Step::from_code(step) {
        None => Ok(()),
        Some(step) => Err(CommitError::Failed(step, Errno::from_raw(errno as i32))),
    }
}

/// Write all of `buf`, retrying on `EINTR` and short writes (`MSG_NOSIGNAL`: a closed
/// peer is `EPIPE`, not a signal).
fn write_all(fd: RawFd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of its length.
        let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        match n {
            -1 if Errno::last() == Errno::EINTR => {}
            -1 => return Err(Errno::last()),
            n => buf = &buf[n as usize..],
        }
    }
    Ok(())
}

/// Read until `buf` is full or end of file; the number of bytes read.
fn read_full(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: the rest of `buf` is valid for writes of its length.
        let n = unsafe { libc::read(fd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        match n {
            -1 if Errno::last() == Errno::EINTR => {}
            -1 => return Err(Errno::last()),
            0 => break,
            n => got += n as usize,
        }
    }
    Ok(got)
}

/// Write all of `buf` to a file.
fn write_file(fd: RawFd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        // SAFETY: `buf` is valid for reads of its length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        match n {
            -1 if Errno::last() == Errno::EINTR => {}
            -1 => return Err(Errno::last()),
            n => buf = &buf[n as usize..],
        }
    }
    Ok(())
}

/// The writer process: see the module documentation. Never returns.
fn writer(sock: RawFd, target: Target<'_>) -> ! {
    // SAFETY: (the whole block) raw system calls on descriptor numbers this process owns
    // from now on, on stack buffers and on the caller's NUL-terminated names, which the
    // fork copied.
    unsafe {
        // A file-size limit makes write fail (EFBIG) instead of killing the writer, and
        // a FIFO whose reader went away EPIPE instead of SIGPIPE. (`sys::detach` left it
        // the socket and the target's descriptor only, in a session of its own.)
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        let answer = |step: u32, errno: u32| -> ! {
            let mut msg = [0u8; 8];
            msg[..4].copy_from_slice(&step.to_ne_bytes());
            msg[4..].copy_from_slice(&errno.to_ne_bytes());
            let _ = write_all(sock, &msg);
            libc::_exit(0)
        };
        let mut len = [0u8; 8];
        if read_full(sock, &mut len) != Ok(8) {
            libc::_exit(0); // Nothing to write: caprun is gone.
        }
        let left = u64::from_ne_bytes(len);
        let (dir, tmp, name) = match target {
            Target::Replace { dir, tmp, name } => (dir, tmp, name),
            Target::Write(fd) | Target::Open(fd) => {
                let file = match target {
                    Target::Open(_) => {
                        let mut buf = [0u8; 32];
                        let path = super::fs::proc_fd_path(fd, &mut buf);
                        let flags = libc::O_WRONLY | libc::O_NOCTTY | libc::O_CLOEXEC;
                        match libc::open(path.as_ptr(), flags) {
                            -1 => answer(Step::OpenInPlace.code(), Errno::last() as u32),
                            file => file,
                        }
                    }
                    _ => fd,
                };
                match copy(sock, file, left) {
                    Ok(()) => answer(0, 0),
                    // Cut short: caprun is gone; what was written stays (a stream has
                    // no undo).
                    Err(CopyError::Gone) => libc::_exit(0),
                    Err(CopyError::Write(e)) => answer(Step::WriteInPlace.code(), e as u32),
                }
            }
        };
        let file = libc::openat(
            dir,
            tmp.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
            0o666,
        );
        if file == -1 {
            answer(Step::Create.code(), Errno::last() as u32);
        }
        let fail = |step: Step, e: Errno| -> ! {
            libc::unlinkat(dir, tmp.as_ptr(), 0);
            answer(step.code(), e as u32)
        };
        match copy(sock, file, left) {
            Ok(()) => {}
            // The content was cut short: caprun is gone; leave nothing behind.
            Err(CopyError::Gone) => {
                libc::unlinkat(dir, tmp.as_ptr(), 0);
                libc::_exit(0)
            }
            Err(CopyError::Write(e)) => fail(Step::Write, e),
        }
        if libc::fsync(file) == -1 {
            fail(Step::Sync, Errno::last());
        }
        libc::close(file);
        if libc::renameat(dir, tmp.as_ptr(), dir, name.as_ptr()) == -1 {
            fail(Step::Rename, Errno::last());
        }
        answer(0, 0)
    }
}

/// Why [`copy`] stopped.
enum CopyError {
    /// The socket ended first: caprun is gone.
    Gone,
    /// Writing failed.
    Write(Errno),
}

/// Copy `left` bytes from `sock` to `file` through a stack buffer.
fn copy(sock: RawFd, file: RawFd, mut left: u64) -> Result<(), CopyError> {
    let mut buf = [0u8; 16 * 1024];
    while left > 0 {
        let want = (left as usize).min(buf.len());
        match read_full(sock, &mut buf[..want]) {
            Ok(n) if n == want => {}
            _ => return Err(CopyError::Gone),
        }
        write_file(file, &buf[..want]).map_err(CopyError::Write)?;
        left -= want as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_fd(path: &std::path::Path) -> OwnedFd {
        std::fs::File::open(path).unwrap().into()
    }

    /// Written whole through the temporary file, which is gone afterwards; a failed
    /// rename (a directory in the way) removes the temporary file and says which step
    /// failed; a writer whose caller goes away writes nothing.
    #[test]
    fn the_file_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir_fd(dir.path());
        let names = || std::fs::read_dir(dir.path()).unwrap().count();
        let replace = |tmp, name| Target::Replace {
            dir: d.as_raw_fd(),
            tmp,
            name,
        };
        let sock = start(replace(c".out.tmp", c"out")).unwrap();
        assert_eq!(names(), 0, "nothing before the content arrives");
        let content = "x".repeat(100_000);
        commit(sock, content.as_bytes()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out")).unwrap(),
            content
        );
        assert_eq!(names(), 1);

        std::fs::create_dir(dir.path().join("taken")).unwrap();
        std::fs::write(dir.path().join("taken/inside"), "").unwrap();
        let sock = start(replace(c".taken.tmp", c"taken")).unwrap();
        let e = commit(sock, b"policy").unwrap_err();
        assert!(
            matches!(
                e,
                CommitError::Failed(Step::Rename, Errno::EISDIR | Errno::ENOTEMPTY)
            ),
            "{e:?}"
        );
        assert_eq!(names(), 2, "the temporary file is removed");

        // Cut short: the temporary file appears, and goes when the socket closes.
        let sock = start(replace(c".gone.tmp", c"gone")).unwrap();
        write_all(sock.as_raw_fd(), &100u64.to_ne_bytes()).unwrap();
        write_all(sock.as_raw_fd(), b"0123456789").unwrap();
        let tmp = dir.path().join(".gone.tmp");
        let wait_for = |exists: bool| {
            let start = std::time::Instant::now();
            while tmp.exists() != exists && start.elapsed().as_secs() < 10 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            assert_eq!(tmp.exists(), exists);
        };
        wait_for(true);
        drop(sock);
        wait_for(false);
        assert!(!dir.path().join("gone").exists());
        assert_eq!(names(), 2);
    }
}
