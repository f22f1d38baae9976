//! What caprun's supervisor needs to take `flock` locks for the program (see
//! `sandbox::notify::locks`): a descriptor of another process (`pidfd_getfd`, through
//! [`super::pidfd_open`]), its open mode and mount, the lock itself, and a timer to try a
//! contended lock again.
//!
//! # References
//! pidfd_getfd(2) (Linux 5.6), flock(2), statx(2) (`STATX_MNT_ID`, Linux
//! 5.8), timerfd_create(2).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::{check, check_long};

/// `pidfd_getfd(pidfd, fd, 0)`: a duplicate (close-on-exec) of descriptor `fd` of the
/// process `pidfd` names: the same open file description. Needs ptrace access to it.
/// `ENOSYS` before Linux 5.6.
pub fn pidfd_getfd(pidfd: RawFd, fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: plain integers; the result is a new descriptor or -1.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, fd, 0) })?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `flock(fd, op)`, once (`EINTR` included: the caller adds `LOCK_NB`).
pub fn flock(fd: RawFd, op: libc::c_int) -> Result<(), Errno> {
    // SAFETY: plain integers.
    check(unsafe { libc::flock(fd, op) }).map(drop)
}

/// Whether `fd`'s open file description was opened for writing (`O_WRONLY`, `O_RDWR`).
pub fn open_for_writing(fd: RawFd) -> Result<bool, Errno> {
    Ok(matches!(
        super::fs::access_mode(fd)?,
        libc::O_WRONLY | libc::O_RDWR
    ))
}

/// The id of the mount `fd` is on (`statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID)`, as in
/// `/proc/PID/mountinfo`), or `None` when the kernel does not say (before Linux 5.8).
pub fn mount_id(fd: RawFd) -> Result<Option<u64>, Errno> {
    const STATX_MNT_ID: u32 = 0x1000;
    // SAFETY: the kernel fills the zeroed statx; the path is a valid C string.
    let mut st: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is writable for the call; the path is a NUL-terminated literal.
    check(unsafe {
        libc::statx(
            fd,
            c"".as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_STATX_SYNC_AS_STAT,
            STATX_MNT_ID,
            &mut st,
        )
    })?;
    Ok((st.stx_mask & STATX_MNT_ID != 0).then_some(st.stx_mnt_id))
}

/// A monotonic, non-blocking, close-on-exec timer (`timerfd_create`).
pub fn timer() -> Result<OwnedFd, Errno> {
    // SAFETY: plain integers; the result is a new descriptor or -1.
    let fd = check(unsafe {
        libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        )
    })?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Arm `timer` to expire once after `after` (zero: disarm), and clear an expiry that
/// was not read.
pub fn arm_timer(timer: &OwnedFd, after: std::time::Duration) -> Result<(), Errno> {
    let mut expirations = [0u8; 8];
    // SAFETY: reads at most 8 bytes into the buffer; non-blocking (EAGAIN when none).
    let _ = unsafe { libc::read(timer.as_raw_fd(), expirations.as_mut_ptr().cast(), 8) };
    let spec = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: after.as_secs() as _,
            tv_nsec: after.subsec_nanos() as _,
        },
    };
    // SAFETY: `spec` is a valid itimerspec the kernel only reads; no old value asked.
    check(unsafe { libc::timerfd_settime(timer.as_raw_fd(), 0, &spec, std::ptr::null_mut()) })
        .map(drop)
}
