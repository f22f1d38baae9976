//! Landlock: the ABI probe, adding a rule to a ruleset and enforcing it (rulesets are
//! built with the `landlock` crate; what runs inside the sandbox's init goes through
//! here, allocation-free).
//!
//! # References
//! landlock_create_ruleset(2), landlock_add_rule(2), landlock_restrict_self(2).

use nix::errno::Errno;

use super::check_long;

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
