//! User and group ids, namespaces, hostname and resource limits.
//!
//! Integer arguments or prebuilt data only: allocation-free.
//!
//! # References
//! geteuid(2), getegid(2), setgroups(2), setresuid(2), setresgid(2), prctl(2)
//! (`PR_SET_DUMPABLE`), unshare(2), sethostname(2), setrlimit(2).

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

/// `setrlimit(resource, limit)`.
pub fn setrlimit(resource: RlimitResource, limit: &libc::rlimit) -> Result<(), Errno> {
    // SAFETY: `limit` is a valid rlimit the kernel only reads.
    check(unsafe { libc::setrlimit(resource, limit) }).map(drop)
}

/// `getrlimit(resource)`: the calling process's soft and hard limits.
pub fn getrlimit(resource: RlimitResource) -> Result<libc::rlimit, Errno> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit the kernel fills.
    check(unsafe { libc::getrlimit(resource, &mut lim) })?;
    Ok(lim)
}
