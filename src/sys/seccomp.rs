//! Seccomp: filter installation, the mode probe and user notifications.
//!
//! Allocation-free: the filter is a prebuilt slice; the notification structures live on
//! the stack.
//!
//! # References
//! seccomp(2), seccomp_unotify(2), prctl(2) (`PR_GET_SECCOMP`).

use std::os::fd::RawFd;

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
    // SAFETY: `resp` is a valid seccomp_notif_resp the kernel only reads.
    check(unsafe {
        libc::ioctl(
            listener,
            libc::SECCOMP_IOCTL_NOTIF_SEND as _,
            &resp as *const libc::seccomp_notif_resp,
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
