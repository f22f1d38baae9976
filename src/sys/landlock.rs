//! Landlock: the ABI probe (the rulesets themselves go through the `landlock` crate).
//!
//! # References
//! landlock_create_ruleset(2).

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
