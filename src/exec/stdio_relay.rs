//! Standard output and error through init, for a root caller's sandbox.
//!
//! When caprun runs as root, root inside the sandbox stands for an unprivileged host id
//! (`sandbox::idmap`). A program opens its standard descriptors again by path
//! (`> /dev/stdout`, `tee /dev/stderr`, `/proc/self/fd/1`): for a file that is the host
//! root's (`caprun … > log.txt`, systemd's `StandardOutput=file:`), that new open is the
//! unprivileged id's, and the file refuses it. Such a descriptor is relayed: the program
//! gets a pipe of the sandbox's own at its number, which it may open again, and init
//! copies what comes through into the original file, at its offset, as the program's
//! writes would have gone. (Writing to a descriptor already open asks nothing of the
//! file's owner.)
//!
//! Only for a launch with a PID namespace (init does the copying), and only for
//! descriptors open for writing on a regular file that others may not write.

use std::os::fd::RawFd;

use nix::errno::Errno;

use crate::sys;

/// At most this many descriptors are relayed (standard output and error; input is
/// left as it is).
pub const MAX: usize = 2;

/// One relayed descriptor: the pipe's read end, and the original file (moved above the
/// program's table, close-on-exec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Relayed {
    /// Non-blocking; `-1` once at end of file.
    pub read: RawFd,
    /// The caller's descriptor.
    pub original: RawFd,
}

/// Which of caprun's standard descriptors a root caller's sandbox must relay: open for
/// writing, on a regular file that others may not write. `-1` pads the array.
pub fn to_relay() -> [RawFd; MAX] {
    let mut out = [-1; MAX];
    for (slot, fd) in out.iter_mut().zip([1, 2]) {
        let writable = sys::fs::access_mode(fd).is_ok_and(|m| m != libc::O_RDONLY);
        let private_file = sys::fs::file_mode(fd)
            .is_ok_and(|m| m & libc::S_IFMT == libc::S_IFREG && m & 0o002 == 0);
        if writable && private_file {
            *slot = fd;
        }
    }
    out
}

/// In init, restricted already, before the program's process is started: a pipe at each
/// of `fds` (init's own, so the program may open it again), the original moved above.
/// Raw system calls only.
pub(crate) fn install(fds: [RawFd; MAX]) -> Result<[Option<Relayed>; MAX], Errno> {
    let mut out = [None; MAX];
    for (slot, fd) in out.iter_mut().zip(fds) {
        if fd < 0 {
            continue;
        }
        let original = sys::dupfd_cloexec(fd, 3)?;
        let (read, write) = sys::net::pipe()?;
        let read = std::os::fd::IntoRawFd::into_raw_fd(read);
        sys::set_nonblocking(read)?;
        // SAFETY: `fd` is one of caprun's standard descriptors, which the launch hands to
        // the program: its original stays open at `original`, and the pipe takes its
        // number (the write end's own descriptor closes when `write` drops).
        unsafe { sys::dup2(std::os::fd::AsRawFd::as_raw_fd(&write), fd)? };
        *slot = Some(Relayed { read, original });
    }
    Ok(out)
}

/// Copy what waits on `r` into its original; at end of file, `r.read` becomes `-1`.
pub(crate) fn copy(r: &mut Relayed) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::read(r.read, buf.as_mut_ptr().cast(), buf.len()) };
        match n {
            n if n > 0 => sys::write_all(r.original, &buf[..n as usize]),
            0 => {
                // SAFETY: init owns the read end; nothing else uses it.
                unsafe { libc::close(r.read) };
                r.read = -1;
                return;
            }
            _ if Errno::last() == Errno::EINTR => {}
            _ => return, // EAGAIN: all copied for now.
        }
    }
}
