//! Landlock: the ABI probe, adding a rule to a ruleset and enforcing it (rulesets are
//! built with the `landlock` crate; what runs inside the sandbox's init goes through
//! here, allocation-free).
//!
//! # References
//! landlock_create_ruleset(2), landlock_add_rule(2), landlock_restrict_self(2).

use nix::errno::Errno;

use super::{check, check_long};

/// `LANDLOCK_CREATE_RULESET_VERSION`.
const CREATE_RULESET_VERSION: u32 = 1;

/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`: the running
/// Landlock ABI version (`EOPNOTSUPP`/`ENOSYS` when Landlock is off or missing).
pub fn abi_version() -> Result<libc::c_long, Errno> {
    // SAFETY: the documented probe: a null attribute pointer with size 0 reads nothing.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    })
}

/// `LANDLOCK_RULE_PATH_BENEATH`.
const RULE_PATH_BENEATH: libc::c_int = 1;

/// `struct landlock_path_beneath_attr` (packed: 12 bytes).
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// `landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, {access, parent})`: allow
/// `access` (`LANDLOCK_ACCESS_FS_*` bits) beneath the file or directory `parent`.
pub fn add_path_beneath(
    ruleset: std::os::fd::RawFd,
    parent: std::os::fd::RawFd,
    access: u64,
) -> Result<(), Errno> {
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: parent,
    };
    // SAFETY: `attr` is a valid rule attribute the kernel only reads; flags must be 0.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset,
            RULE_PATH_BENEATH,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    })
    .map(drop)
}

/// `landlock_restrict_self(ruleset, 0)`: enforce the ruleset on the calling thread (which
/// must have no_new_privs set, or `CAP_SYS_ADMIN` in its namespace).
pub fn restrict_self(ruleset: std::os::fd::RawFd) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check_long(unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) }).map(drop)
}

/// `LANDLOCK_ACCESS_FS_TRUNCATE` (ABI 3).
const ACCESS_FS_TRUNCATE: u64 = 1 << 14;

/// Open the file `fd` names again, with `flags` (no `O_TRUNC`), as a descriptor that
/// cannot be truncated, whoever holds it: Landlock decides `ftruncate` by the rights of
/// the domain that opened the file (ABI 3, Linux 6.2). A child forked for it restricts
/// itself to a domain that handles only `TRUNCATE` and grants it nowhere, opens
/// `/proc/self/fd/FD` (its copy of `fd`: the same file, with this process's
/// credentials), and sends the new descriptor back over a socket pair. The child makes
/// raw system calls over data built before the fork only.
pub fn reopen_untruncatable(
    fd: std::os::fd::RawFd,
    flags: libc::c_int,
) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::AsRawFd;
    let mut buf = [0u8; 32];
    let path = super::fs::proc_fd_path(fd, &mut buf);
    let (ours, theirs) = super::seqpacket_pair()?;
    // SAFETY: the child below makes raw system calls only, then exits.
    let pid = unsafe { super::fork() }?;
    if pid == 0 {
        drop(ours);
        let handled: u64 = ACCESS_FS_TRUNCATE;
        let opened = (|| {
            // SAFETY: prctl with integer arguments.
            check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
            // SAFETY: `handled` is a valid attribute of its size; the result is checked.
            let ruleset = check_long(unsafe {
                libc::syscall(
                    libc::SYS_landlock_create_ruleset,
                    &handled as *const u64,
                    std::mem::size_of::<u64>(),
                    0u32,
                )
            })?;
            restrict_self(ruleset as std::os::fd::RawFd)?;
            // SAFETY: `path` is NUL-terminated (built before the fork); the result is
            // checked.
            check(unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) })
        })();
        // The new descriptor, or the errno of the step that failed.
        let _ = match opened {
            Ok(new) => super::send_msg(theirs.as_raw_fd(), 0, 0, Some(new)),
            Err(e) => super::send_msg(theirs.as_raw_fd(), 0, e as i32, None),
        };
        super::exit(0);
    }
    drop(theirs);
    let got = super::recv_msg(ours.as_raw_fd(), true);
    super::wait_for(pid)?;
    match got? {
        Some(super::Msg { fd: Some(new), .. }) => Ok(new),
        Some(super::Msg { value, .. }) if value != 0 => Err(Errno::from_raw(value)),
        _ => Err(Errno::EIO),
    }
}
