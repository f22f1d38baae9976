//! Capabilities, securebits and no_new_privs.
//!
//! Integer arguments or stack data only: allocation-free.
//!
//! # References
//! capget(2), capset(2), prctl(2) (`PR_SET_SECUREBITS`, `PR_CAPBSET_DROP`,
//! `PR_CAP_AMBIENT`, `PR_SET_NO_NEW_PRIVS`).

use nix::errno::Errno;

use super::{check, check_long};

/// `_LINUX_CAPABILITY_VERSION_3`.
const CAP_VERSION_3: u32 = 0x2008_0522;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

/// `struct __user_cap_data_struct`: one 32-bit half of each capability set.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapData {
    /// Effective set.
    pub effective: u32,
    /// Permitted set.
    pub permitted: u32,
    /// Inheritable set.
    pub inheritable: u32,
}

/// `capget(2)` (version 3) of the calling thread: the low and high halves of its sets.
pub fn capget() -> Result<[CapData; 2], Errno> {
    let mut hdr = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: a valid header and a writable two-element data array, as capget(2) requires
    // for version 3; both outlive the call.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut hdr as *mut CapHeader,
            data.as_mut_ptr(),
        )
    })?;
    Ok(data)
}

/// `capset(2)` (version 3) of the calling thread with `data` (low and high halves).
pub fn capset(data: &[CapData; 2]) -> Result<(), Errno> {
    let mut hdr = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    // SAFETY: a valid header and a two-element data array, as capset(2) requires for
    // version 3; the kernel only reads the data, and both outlive the call.
    check_long(unsafe {
        libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr())
    })
    .map(drop)
}

/// `prctl(PR_SET_SECUREBITS, bits)`.
pub fn set_securebits(bits: libc::c_ulong) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_SECUREBITS, bits, 0, 0, 0) }).map(drop)
}

/// `prctl(PR_CAPBSET_DROP, cap)`: remove `cap` from the bounding set.
pub fn capbset_drop(cap: u32) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) }).map(drop)
}

/// `prctl(PR_CAPBSET_READ, cap)`: whether `cap` is in the bounding set; `EINVAL` when the
/// kernel has no capability `cap`.
pub fn capbset_read(cap: u32) -> Result<bool, Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_CAPBSET_READ, cap as libc::c_ulong, 0, 0, 0) })
        .map(|r| r == 1)
}

/// `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)`: empty the ambient set.
pub fn clear_ambient() -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    })
    .map(drop)
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: execve can never grant privileges again.
pub fn set_no_new_privs() -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}
