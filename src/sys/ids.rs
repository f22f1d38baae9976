//! User and group ids, namespaces, hostname and resource limits.
//!
//! Integer arguments or prebuilt data only: allocation-free.
//!
//! # References
//! geteuid(2), getegid(2), setgroups(2), user_namespaces(7) (`/proc/PID/setgroups`), setresuid(2), setresgid(2), prctl(2)
//! (`PR_SET_DUMPABLE`), unshare(2), sethostname(2), getrlimit(2), setrlimit(2).

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
/// `/proc/PID/uid_map` and `gid_map`), as a descriptor of it (for `MOUNT_ATTR_IDMAP`):
/// a child forked for it enters the namespace and waits while this process writes its
/// maps and opens `/proc/PID/ns/user`, then exits and is reaped. The caller needs
/// `CAP_SETUID` and `CAP_SETGID` over the ids it maps (root). The child makes raw
/// system calls only.
pub fn mapped_user_namespace(
    uid_map: &[u8],
    gid_map: &[u8],
) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::{AsRawFd, OwnedFd};
    let (ready_read, ready_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: the child below makes raw system calls only, then exits.
    let pid = unsafe { super::fork() }?;
    if pid == 0 {
        // SAFETY: raw system calls on integers and stack buffers; the descriptors are
        // this child's copies. It closes the ends it does not use (else its wait would
        // never end), enters the namespace, says whether it did, and waits for the
        // parent to close its end.
        unsafe {
            libc::close(ready_read.as_raw_fd());
            libc::close(go_write.as_raw_fd());
            let ok: u8 = u8::from(libc::unshare(libc::CLONE_NEWUSER) == 0);
            libc::write(ready_write.as_raw_fd(), (&ok as *const u8).cast(), 1);
            let mut byte = 0u8;
            libc::read(go_read.as_raw_fd(), (&mut byte as *mut u8).cast(), 1);
            libc::_exit(0);
        }
    }
    drop((ready_write, go_read));
    let result = (|| -> Result<OwnedFd, Errno> {
        let mut ok = [0u8; 1];
        let n = nix::unistd::read(&ready_read, &mut ok)?;
        if n != 1 || ok[0] != 1 {
            return Err(Errno::EPERM);
        }
        for (name, map) in [("uid_map", uid_map), ("gid_map", gid_map)] {
            let path = std::ffi::CString::new(format!("/proc/{pid}/{name}"))
                .expect("no NUL in a number");
            let fd = super::fs::open(&path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
            super::fs::write_whole(fd.as_raw_fd(), map)?;
        }
        let path =
            std::ffi::CString::new(format!("/proc/{pid}/ns/user")).expect("no NUL in a number");
        super::fs::open(&path, libc::O_RDONLY | libc::O_CLOEXEC, 0)
    })();
    drop(go_write);
    let mut status = 0;
    // SAFETY: waiting for the child forked above, into a valid integer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1 && Errno::last() == Errno::EINTR {}
    result
}
