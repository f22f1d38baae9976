//! Seccomp: filter installation, the mode probe and user notifications.
//!
//! Allocation-free: the filter is a prebuilt slice; the notification structures live on
//! the stack.
//!
//! # References
//! seccomp(2), seccomp_unotify(2), prctl(2) (`PR_GET_SECCOMP`).

use std::os::fd::{AsRawFd, RawFd};

use nix::errno::Errno;

use super::{check, check_long};

/// `prctl(PR_GET_SECCOMP)`: the calling thread's seccomp mode (fails when the kernel
/// has no seccomp).
pub fn get_mode() -> Result<libc::c_int, Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) })
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)`: install `prog` on the calling
/// thread (no_new_privs or `CAP_SYS_ADMIN` required). Returns the call's non-negative
/// result: 0, or with `SECCOMP_FILTER_FLAG_NEW_LISTENER` the listener descriptor
/// (close-on-exec, owned by the caller). `EINVAL` if `prog` has more than 65535
/// instructions.
pub fn set_mode_filter(
    prog: &[seccompiler::sock_filter],
    flags: libc::c_ulong,
) -> Result<libc::c_long, Errno> {
    let len = u16::try_from(prog.len()).map_err(|_| Errno::EINVAL)?;
    let fprog = libc::sock_fprog {
        len,
        // seccompiler's `sock_filter` is `#[repr(C)]` with the kernel's layout.
        filter: prog.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: `fprog` points to `prog` (`len` instructions with the kernel's layout),
    // which outlives the call; the kernel only reads and copies it.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &fprog as *const libc::sock_fprog,
        )
    })
}

/// One seccomp user notification (`struct seccomp_notif`).
pub type SeccompNotif = libc::seccomp_notif;

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV)`: the next pending notification.
/// `ENOENT`: the target died before it was read (or it was interrupted): try again later.
pub fn notif_recv(listener: RawFd) -> Result<SeccompNotif, Errno> {
    // SAFETY: the kernel requires a zeroed seccomp_notif and fills it.
    unsafe {
        let mut req: libc::seccomp_notif = std::mem::zeroed();
        loop {
            let rc = libc::ioctl(
                listener,
                libc::SECCOMP_IOCTL_NOTIF_RECV as _,
                &mut req as *mut libc::seccomp_notif,
            );
            match rc {
                -1 if Errno::last() == Errno::EINTR => continue,
                -1 => return Err(Errno::last()),
                _ => return Ok(req),
            }
        }
    }
}

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND)`: answer notification `id` — fail the call
/// with `error` (a positive errno), or with `error == 0` let it run
/// (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`). `ENOENT`: the target is gone.
pub fn notif_send(listener: RawFd, id: u64, error: i32) -> Result<(), Errno> {
    let resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: -error,
        flags: if error == 0 {
            libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
        } else {
            0
        },
    };
    respond(listener, &resp)
}

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND)`: answer notification `id` as if the
/// call had returned `val`, without running it (the supervisor did its work). `ENOENT`:
/// the target is gone or no longer waits (a signal interrupted it).
pub fn notif_return(listener: RawFd, id: u64, val: i64) -> Result<(), Errno> {
    let resp = libc::seccomp_notif_resp {
        id,
        val,
        error: 0,
        flags: 0,
    };
    respond(listener, &resp)
}

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND)` with `resp`.
fn respond(listener: RawFd, resp: &libc::seccomp_notif_resp) -> Result<(), Errno> {
    // SAFETY: `resp` is a valid seccomp_notif_resp the kernel only reads.
    check(unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_SEND as _,
            resp as *const libc::seccomp_notif_resp,
        )
    })
    .map(drop)
}

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID)`: whether notification `id` is still
/// pending (its target has not died or been interrupted), so its pid still names it.
pub fn notif_id_valid(listener: RawFd, id: u64) -> bool {
    // SAFETY: the kernel reads one u64.
    unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID as _,
            &id as *const u64,
        ) == 0
    }
}

/// Kill (`SIGKILL`) the process `pid` that made the notification `id` on `listener`,
/// if that notification is still pending: the caller is then certainly `pid`. A pidfd is
/// opened first and the check made after, so the signal cannot reach another process
/// that was given the same pid in between (the pidfd names the process, not the
/// number). `check` is [`notif_id_valid`] (a test puts a pid reuse inside it). Returns
/// whether the signal was sent.
pub fn kill_notifying(
    listener: RawFd,
    id: u64,
    pid: u32,
    check: impl FnOnce(RawFd, u64) -> bool,
) -> bool {
    let Ok(pidfd) = super::pidfd_open(pid as libc::pid_t) else {
        return false;
    };
    if !check(listener, id) {
        return false;
    }
    // SAFETY: plain integers and a null siginfo.
    let sent = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    sent == 0
}

/// The NUL-terminated string at `addr` in process `pid`'s memory (`process_vm_readv`,
/// which needs the same permission as ptrace: the supervisor's own descendants), at most
/// `max` bytes without the NUL; `None` when it cannot be read or has no NUL within
/// `max`. Reads page by page, so that a string ending just before an unmapped page is
/// read whole. For reports only: the process may change the memory at any time.
/// Allocates.
pub fn read_string(pid: u32, addr: u64, max: usize) -> Option<Vec<u8>> {
    const PAGE: u64 = 4096;
    let mut out: Vec<u8> = Vec::new();
    let mut at = addr;
    while out.len() <= max {
        let chunk = (PAGE - at % PAGE) as usize;
        let mut buf = vec![0u8; chunk];
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: chunk,
        };
        let remote = libc::iovec {
            iov_base: at as usize as *mut libc::c_void,
            iov_len: chunk,
        };
        // SAFETY: `local` describes `buf`, which the kernel writes at most `chunk` bytes
        // of; `remote` is only read, in the other process, by the kernel.
        let n = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
        if n <= 0 {
            return None;
        }
        let got = &buf[..n as usize];
        if let Some(end) = got.iter().position(|&b| b == 0) {
            out.extend_from_slice(&got[..end]);
            return (out.len() <= max).then_some(out);
        }
        out.extend_from_slice(got);
        at += n as u64;
    }
    None
}

/// `ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)`
/// (Linux 6.6): the program and the supervisor hand the CPU to each other at each
/// notification instead of waking up on another one, which shortens every round trip.
/// `EINVAL` or `ENOTTY` on older kernels: nothing changes then.
pub fn notif_sync_wake_up(listener: RawFd) -> Result<(), Errno> {
    const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: libc::c_ulong = 1;
    // SAFETY: the flags are passed by value; the kernel reads nothing else.
    check(unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS as _,
            SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
        )
    })
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fork a child that waits to be killed; its pid.
    fn idle_child() -> libc::pid_t {
        // SAFETY: the child only calls pause in a loop (async-signal-safe).
        match unsafe { libc::fork() } {
            0 => loop {
                // SAFETY: no arguments.
                unsafe { libc::pause() };
            },
            pid => pid,
        }
    }

    /// The pid of a notifying process is reused between the check that its notification
    /// is pending and the signal (here inside the check, in a PID namespace of the test's
    /// own where `ns_last_pid` hands the same number to a new process): the new process
    /// survives, since the signal goes through a pidfd opened before the check. The
    /// control: the same reuse before the pidfd is opened, where `pid` does name the new
    /// process, kills it.
    #[test]
    fn a_reused_pid_is_not_killed() {
        let status = crate::sandbox::testutil::in_child(|| {
            // SAFETY: plain flags; this forked child has one thread.
            if unsafe { libc::unshare(libc::CLONE_NEWPID) } != 0 {
                // Root (CI) can always; elsewhere a visible skip.
                eprintln!("skipped: unshare(CLONE_NEWPID): {}", Errno::last());
                return if std::env::var_os("CI").is_some() {
                    3
                } else {
                    0
                };
            }
            // The namespace's PID 1 runs the test (ns_last_pid is its namespace's).
            crate::sandbox::testutil::in_child(|| {
                let reuse = |old: libc::pid_t| -> libc::pid_t {
                    super::super::kill(old, libc::SIGKILL).unwrap();
                    super::super::wait_for(old).unwrap();
                    std::fs::write("/proc/sys/kernel/ns_last_pid", format!("{}", old - 1))
                        .expect("ns_last_pid");
                    let new = idle_child();
                    assert_eq!(new, old, "the pid was not reused");
                    new
                };
                let alive = |pid: libc::pid_t| {
                    matches!(super::super::reap(0), Ok(None)) && super::super::kill(pid, 0).is_ok()
                };
                // The attack: reuse inside the check.
                let first = idle_child();
                let mut reused = 0;
                let sent = kill_notifying(-1, 0, first as u32, |_, _| {
                    reused = reuse(first);
                    true
                });
                if sent || !alive(reused) {
                    return 1;
                }
                // The control: reuse before; the pid names the new process, which dies.
                let before = reuse(reused);
                if !kill_notifying(-1, 0, before as u32, |_, _| true) {
                    return 2;
                }
                super::super::wait_for(before).unwrap();
                0
            })
        });
        assert_eq!(status, 0);
    }

    /// A string is read whole across a page boundary, and an unreadable address or a
    /// string longer than the bound gives nothing.
    #[test]
    fn strings_are_read_from_a_process() {
        let pid = std::process::id();
        let mut page = vec![b'x'; 3 * 4096];
        let base = page.as_ptr() as usize;
        // A string that starts 5 bytes before a page boundary and ends after it.
        let start = (base / 4096 + 1) * 4096 - 5;
        let off = start - base;
        page[off + 9] = 0;
        let s = read_string(pid, start as u64, 100).unwrap();
        assert_eq!(s, b"xxxxxxxxx");
        assert_eq!(read_string(pid, start as u64, 8), None);
        assert_eq!(read_string(pid, 0, 100), None);
    }
}
