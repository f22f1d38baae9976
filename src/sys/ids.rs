//! User and group ids, namespaces, hostname and resource limits.
//!
//! Integer arguments or prebuilt data only: allocation-free.
//!
//! # References
//! geteuid(2), getegid(2), setgroups(2), user_namespaces(7) (`/proc/PID/setgroups`), setresuid(2), setresgid(2), prctl(2)
//! (`PR_SET_DUMPABLE`), unshare(2), clone(2) (`CLONE_VM`), setns(2), sethostname(2), getrlimit(2),
//! setrlimit(2).

use std::ffi::CStr;

use nix::errno::Errno;

use super::check;

/// `geteuid()`: the effective user id.
pub fn geteuid() -> libc::uid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() }
}

/// `getegid()`: the effective group id.
pub fn getegid() -> libc::gid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getegid() }
}

/// `setgroups(0, NULL)`: drop every supplementary group.
pub fn clear_groups() -> Result<(), Errno> {
    // SAFETY: a zero-length list; the kernel reads nothing through the null pointer.
    check(unsafe { libc::setgroups(0, std::ptr::null()) }).map(drop)
}

/// Whether this process may call `setgroups`: not in a user namespace whose
/// `/proc/self/setgroups` says `deny` (rootless containers, `unshare -Ur`), where the
/// supplementary groups are fixed for good. True where the file is missing (before
/// Linux 3.19, or no procfs): `setgroups` then answers for itself.
pub fn setgroups_allowed() -> bool {
    let mut buf = [0u8; 16];
    match super::fs::open(c"/proc/self/setgroups", libc::O_RDONLY | libc::O_CLOEXEC, 0) {
        // SAFETY: reading into a valid stack buffer of its length.
        Ok(fd) => match unsafe {
            libc::read(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        } {
            n if n > 0 => !buf[..n as usize].starts_with(b"deny"),
            _ => true,
        },
        Err(_) => true,
    }
}

/// `setresgid(gid, gid, gid)`: the real, effective and saved group ids.
pub fn setresgid(rgid: libc::gid_t, egid: libc::gid_t, sgid: libc::gid_t) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresgid(rgid, egid, sgid) }).map(drop)
}

/// `setresuid(uid, uid, uid)`: the real, effective and saved user ids.
pub fn setresuid(ruid: libc::uid_t, euid: libc::uid_t, suid: libc::uid_t) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresuid(ruid, euid, suid) }).map(drop)
}

/// `prctl(PR_SET_DUMPABLE, on)`: whether `/proc/self/*` stays owned by the process's ids.
pub fn set_dumpable(on: bool) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(on), 0, 0, 0) }).map(drop)
}

/// `unshare(flags)`: leave the namespaces named by the `CLONE_NEW*` flags.
pub fn unshare(flags: libc::c_int) -> Result<(), Errno> {
    // SAFETY: integer flags only (the caller is single-threaded, as CLONE_NEWUSER needs).
    check(unsafe { libc::unshare(flags) }).map(drop)
}

/// `sethostname(name)` (without the trailing NUL).
pub fn sethostname(name: &CStr) -> Result<(), Errno> {
    let bytes = name.to_bytes();
    // SAFETY: pointer and length of a byte string that outlives the call; the kernel
    // only reads it.
    check(unsafe { libc::sethostname(bytes.as_ptr().cast(), bytes.len()) }).map(drop)
}

/// The type of an `RLIMIT_*` resource number (glibc and musl differ).
#[cfg(target_env = "gnu")]
pub type RlimitResource = libc::__rlimit_resource_t;
/// The type of an `RLIMIT_*` resource number (glibc and musl differ).
#[cfg(not(target_env = "gnu"))]
pub type RlimitResource = libc::c_int;

/// `getrlimit(resource)`: the soft and hard limit.
pub fn getrlimit(resource: RlimitResource) -> Result<libc::rlimit, Errno> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit.
    check(unsafe { libc::getrlimit(resource, &mut lim) })?;
    Ok(lim)
}

/// `setrlimit(resource, limit)`.
pub fn setrlimit(resource: RlimitResource, limit: &libc::rlimit) -> Result<(), Errno> {
    // SAFETY: `limit` is a valid rlimit the kernel only reads.
    check(unsafe { libc::setrlimit(resource, limit) }).map(drop)
}

/// A new user namespace whose ids map as `uid_map` and `gid_map` say (the text of
/// `/proc/PID/uid_map` and `gid_map`), with `setgroups` denied, as a descriptor of it: for
/// `MOUNT_ATTR_IDMAP`, and for a process to enter ([`enter_user_namespace`]). The caller
/// needs `CAP_SETUID` and `CAP_SETGID` over the ids it maps (root).
///
/// The namespace is made by a child cloned into it that exits at once: `clone(CLONE_VM
/// | CLONE_VFORK | CLONE_NEWUSER)` on a small stack of its own (nothing is copied, unlike
/// a fork, and this process goes on once the child has exited). Until it is reaped the
/// child keeps its credentials, and with them the namespace: this process writes the
/// maps from outside through `/proc/PID`, opens `/proc/PID/ns/user`, and then reaps it.
pub fn mapped_user_namespace(
    uid_map: &[u8],
    gid_map: &[u8],
) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::{AsRawFd, OwnedFd};
    /// The child: `exit` (the thread only; a raw call that sets no errno: the parent's
    /// thread-local storage is shared).
    extern "C" fn child(_: *mut libc::c_void) -> libc::c_int {
        // SAFETY: a raw system call on an integer.
        unsafe { raw_syscall(libc::SYS_exit, 0, 0, 0) };
        0
    }
    const STACK: usize = 4096;
    let mut stack = vec![0u8; STACK];
    // The stack grows down from its 16-byte aligned top.
    let top = (stack.as_mut_ptr() as usize + STACK) & !15;
    // SAFETY: the child runs `child` on `stack` (alive, and not used by this process,
    // until the child has exited, which CLONE_VFORK waits for) and touches nothing else.
    let pid = unsafe {
        libc::clone(
            child,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::CLONE_NEWUSER | libc::SIGCHLD,
            std::ptr::null_mut(),
        )
    };
    if pid == -1 {
        return Err(Errno::last());
    }
    let result = (|| -> Result<OwnedFd, Errno> {
        for (name, map) in [
            ("setgroups", &b"deny"[..]),
            ("uid_map", uid_map),
            ("gid_map", gid_map),
        ] {
            let path =
                std::ffi::CString::new(format!("/proc/{pid}/{name}")).expect("no NUL in a number");
            let fd = super::fs::open(&path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
            super::fs::write_whole(fd.as_raw_fd(), map)?;
        }
        let path =
            std::ffi::CString::new(format!("/proc/{pid}/ns/user")).expect("no NUL in a number");
        super::fs::open(&path, libc::O_RDONLY | libc::O_CLOEXEC, 0)
    })();
    let mut status = 0;
    // SAFETY: reaping the child cloned above, into a valid integer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1 && Errno::last() == Errno::EINTR {}
    drop(stack);
    result
}

/// A system call with up to three integer arguments that never touches `errno` (for a
/// child sharing this process's memory and thread-local storage).
///
/// # Safety
///
/// As for the system call `nr` with these arguments.
#[inline(always)]
unsafe fn raw_syscall(nr: libc::c_long, a: usize, b: usize, c: usize) -> isize {
    let ret: isize;
    // SAFETY: the x86-64 system call convention: number in rax, arguments in rdi, rsi,
    // rdx; rcx and r11 are clobbered; the caller vouches for the call itself.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a,
            in("rsi") b,
            in("rdx") c,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Enter the user namespace `userns` (made by [`mapped_user_namespace`]): `setns`. The
/// process must be single-threaded and own its file system information; it gets every
/// capability in the namespace, its ids stay those of the host (unmapped inside until it
/// changes them).
pub fn enter_user_namespace(userns: std::os::fd::BorrowedFd<'_>) -> Result<(), Errno> {
    use std::os::fd::AsRawFd;
    // SAFETY: plain integer arguments.
    check(unsafe { libc::setns(userns.as_raw_fd(), libc::CLONE_NEWUSER) }).map(drop)
}
