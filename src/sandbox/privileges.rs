//! `privileges`: drop every capability in every set, lock the securebits, set
//! no_new_privs. Raw system calls only (`sys::caps`), no allocation (the last capability
//! number is read beforehand with [`last_cap`]).
//!
//! Order: securebits and the bounding set need `CAP_SETPCAP`, so they come first; then the
//! ambient set is cleared and `capset` zeroes effective, permitted and inheritable.
//! Inside a user namespace the process holds a full set there, so everything applies.
//! Without `CAP_SETPCAP` (an unprivileged caller with no user namespace) the bounding set
//! and securebits cannot be changed; the process has no capability to lose and
//! no_new_privs stops it gaining any, so that is reported in [`Dropped`] instead.

use nix::errno::Errno;

use crate::sys::caps::{self as sys_caps, CapData};
use crate::sys::StepError;

const CAP_SETPCAP: u32 = 8;

/// The securebits set and locked: `SECBIT_NOROOT`, `SECBIT_NO_SETUID_FIXUP`,
/// `SECBIT_NO_CAP_AMBIENT_RAISE`, each with its `_LOCKED` bit, and `SECBIT_KEEP_CAPS_LOCKED`
/// (keep-caps itself off).
pub const SECUREBITS: libc::c_ulong = (1 << 0) // NOROOT
    | (1 << 1) // NOROOT_LOCKED
    | (1 << 2) // NO_SETUID_FIXUP
    | (1 << 3) // NO_SETUID_FIXUP_LOCKED
    | (1 << 5) // KEEP_CAPS_LOCKED
    | (1 << 6) // NO_CAP_AMBIENT_RAISE
    | (1 << 7); // NO_CAP_AMBIENT_RAISE_LOCKED

/// A failed step of [`drop_all`]: which call, and the error it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DropError {
    /// `capget(2)`.
    #[error("capget failed: {}", .0.desc())]
    Capget(Errno),
    /// `prctl(PR_SET_SECUREBITS)`.
    #[error("cannot lock the securebits: {}", .0.desc())]
    Securebits(Errno),
    /// `prctl(PR_CAPBSET_DROP, cap)`.
    #[error("cannot drop capability {cap} from the bounding set: {}", errno.desc())]
    Bounding {
        /// The capability number.
        cap: u32,
        /// The error.
        errno: Errno,
    },
    /// `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)`.
    #[error("cannot clear the ambient capabilities: {}", .0.desc())]
    Ambient(Errno),
    /// `capset(2)` with zeroed sets.
    #[error("capset failed: {}", .0.desc())]
    Capset(Errno),
    /// `prctl(PR_SET_NO_NEW_PRIVS)`.
    #[error("cannot set no_new_privs: {}", .0.desc())]
    NoNewPrivs(Errno),
}

impl DropError {
    /// The failure as a [`StepError`] (written without allocating, after a fork).
    pub fn step(self) -> StepError<'static> {
        let (step, errno) = match self {
            DropError::Capget(e) => ("capget", e),
            DropError::Securebits(e) => ("cannot lock the securebits", e),
            DropError::Bounding { errno, .. } => {
                ("cannot drop a capability from the bounding set", errno)
            }
            DropError::Ambient(e) => ("cannot clear the ambient capabilities", e),
            DropError::Capset(e) => ("capset", e),
            DropError::NoNewPrivs(e) => ("cannot set no_new_privs", e),
        };
        StepError::new(step, c"", errno)
    }
}

/// What [`drop_all`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// The bounding set was emptied and the securebits locked (false: no `CAP_SETPCAP`).
    pub bounding_and_securebits: bool,
}

/// The last capability of the kernels this was written for (`CAP_CHECKPOINT_RESTORE`,
/// Linux 5.9 and later): where [`last_cap`] looks first.
pub const KNOWN_LAST_CAP: u32 = 40;

/// The highest capability number of the running kernel (what
/// `/proc/sys/kernel/cap_last_cap` says): a search with `PR_CAPBSET_READ`, which fails
/// with `EINVAL` past the last one, instead of reading `/proc`, which need not be mounted.
/// It tries [`KNOWN_LAST_CAP`] and the number after it first (three `prctl`s on kernels
/// since 5.9), then bisects what is left.
pub fn last_cap() -> std::io::Result<u32> {
    last_valid(|cap: u32| match sys_caps::capbset_read(cap) {
        Ok(_) => Ok(true),
        Err(Errno::EINVAL) => Ok(false),
        Err(e) => Err(std::io::Error::from(e)),
    })
}

/// The search of [`last_cap`] over `valid`, which must hold for 0..=N and not above.
fn last_valid(mut valid: impl FnMut(u32) -> std::io::Result<bool>) -> std::io::Result<u32> {
    // Capability 0 (CAP_CHOWN) always exists; the kernel's sets are 64 bits wide.
    let (mut lo, mut hi) = (0u32, 64u32);
    if !valid(lo)? {
        return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
    }
    // Invariant: `lo` is valid, `hi` is not.
    if valid(KNOWN_LAST_CAP)? {
        lo = KNOWN_LAST_CAP;
        if !valid(KNOWN_LAST_CAP + 1)? {
            return Ok(KNOWN_LAST_CAP);
        }
        lo += 1;
    } else {
        hi = KNOWN_LAST_CAP;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if valid(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Drop every capability from every set, lock the securebits and set no_new_privs.
/// `last_cap` comes from [`last_cap`]. No allocation.
pub fn drop_all(last_cap: u32) -> Result<Dropped, DropError> {
    let data = sys_caps::capget().map_err(DropError::Capget)?;
    let have_setpcap = data[0].effective & (1 << CAP_SETPCAP) != 0;
    if have_setpcap {
        sys_caps::set_securebits(SECUREBITS).map_err(DropError::Securebits)?;
        for cap in 0..=last_cap {
            sys_caps::capbset_drop(cap).map_err(|errno| DropError::Bounding { cap, errno })?;
        }
    }
    sys_caps::clear_ambient().map_err(DropError::Ambient)?;
    // Nothing to clear (already dropped, as inside another sandbox whose filter may
    // refuse capset): the call would change nothing.
    if data
        .iter()
        .any(|d| d.effective | d.permitted | d.inheritable != 0)
    {
        sys_caps::capset(&[CapData::default(); 2]).map_err(DropError::Capset)?;
    }
    sys_caps::set_no_new_privs().map_err(DropError::NoNewPrivs)?;
    Ok(Dropped {
        bounding_and_securebits: have_setpcap,
    })
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use super::super::testutil::in_child;
    use super::*;

    #[test]
    fn the_search_finds_every_last_capability_and_tries_the_known_one_first() {
        for last in 0..64 {
            let mut calls = 0;
            let found = last_valid(|cap| {
                calls += 1;
                Ok(cap <= last)
            });
            assert_eq!(found.unwrap(), last);
            assert!(calls <= 8, "{last}: {calls} calls");
            if last == KNOWN_LAST_CAP {
                assert_eq!(calls, 3);
            }
        }
        let no_caps = last_valid(|_| Ok(false)).unwrap_err();
        assert_eq!(no_caps.raw_os_error(), Some(libc::EINVAL));
        let failing = last_valid(|cap| {
            if cap == KNOWN_LAST_CAP {
                Err(std::io::Error::from_raw_os_error(libc::EPERM))
            } else {
                Ok(true)
            }
        });
        assert_eq!(failing.unwrap_err().raw_os_error(), Some(libc::EPERM));
    }

    #[test]
    fn last_cap_is_what_proc_says() {
        let proc: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(last_cap().unwrap(), proc);
    }

    #[test]
    fn drop_all_in_child() {
        let last = last_cap().unwrap();
        let code = in_child(|| {
            let Ok(d) = drop_all(last) else { return 10 };
            let Ok(data) = sys_caps::capget() else {
                return 11;
            };
            if data
                .iter()
                .any(|d| d.effective | d.permitted | d.inheritable != 0)
            {
                return 12;
            }
            // SAFETY: prctl with integer arguments only.
            unsafe {
                if libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 {
                    return 13;
                }
                if d.bounding_and_securebits {
                    if libc::prctl(libc::PR_CAPBSET_READ, 0, 0, 0, 0) != 0 {
                        return 14;
                    }
                    if libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0) as libc::c_ulong
                        != SECUREBITS
                    {
                        return 15;
                    }
                }
            }
            0
        });
        assert_eq!(code, 0);
    }

    /// An error names the call and says what went wrong in words, not a number.
    #[test]
    fn errors_say_what_went_wrong() {
        assert_eq!(
            DropError::Capset(Errno::EPERM).to_string(),
            "capset failed: Operation not permitted"
        );
        assert_eq!(
            DropError::Bounding {
                cap: 3,
                errno: Errno::EINVAL
            }
            .to_string(),
            "cannot drop capability 3 from the bounding set: Invalid argument"
        );
    }
}
