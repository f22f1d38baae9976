//! The Landlock ABIs, in one table: for each, the first Linux release that has it and
//! what it adds (access rights by their kernel names, scopes, and a phrase). Everything
//! that speaks of an ABI reads it: what a kernel cannot enforce (`landlock_rules`),
//! what a policy relies on, `--check-host`'s report, and the ABI caprun uses.
//!
//! caprun uses the running kernel's ABI only up to [`TESTED`], the newest it was tested
//! against: a newer kernel's rights are not handled blindly (rust-landlock's advice), and
//! a newer `landlock` crate does not change what caprun enforces until this table does.

use landlock::ABI;

/// One Landlock ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbiStep {
    /// Its number.
    pub abi: i32,
    /// The first Linux release with it.
    pub linux: &'static str,
    /// The file-system rights it adds (`LANDLOCK_ACCESS_FS_*`, lower case).
    pub fs: &'static [&'static str],
    /// The network rights it adds (`LANDLOCK_ACCESS_NET_*`, lower case).
    pub net: &'static [&'static str],
    /// The scopes it adds (`LANDLOCK_SCOPE_*`, lower case).
    pub scopes: &'static [&'static str],
    /// What it adds, as a phrase (`TRUNCATE`, `device ioctls`…).
    pub adds: &'static str,
    /// It adds something Landlock enforces (ABI 7 adds audit logging only).
    pub enforces: bool,
}

/// Every ABI, in order.
pub const ABIS: [AbiStep; 7] = [
    AbiStep {
        abi: 1,
        linux: "5.13",
        fs: &[
            "execute",
            "write_file",
            "read_file",
            "read_dir",
            "remove_dir",
            "remove_file",
            "make_char",
            "make_dir",
            "make_reg",
            "make_sock",
            "make_fifo",
            "make_block",
            "make_sym",
        ],
        net: &[],
        scopes: &[],
        adds: "file system access control",
        enforces: true,
    },
    AbiStep {
        abi: 2,
        linux: "5.19",
        fs: &["refer"],
        net: &[],
        scopes: &[],
        adds: "REFER (file reparenting)",
        enforces: true,
    },
    AbiStep {
        abi: 3,
        linux: "6.2",
        fs: &["truncate"],
        net: &[],
        scopes: &[],
        adds: "TRUNCATE",
        enforces: true,
    },
    AbiStep {
        abi: 4,
        linux: "6.7",
        fs: &[],
        net: &["bind_tcp", "connect_tcp"],
        scopes: &[],
        adds: "TCP bind/connect",
        enforces: true,
    },
    AbiStep {
        abi: 5,
        linux: "6.10",
        fs: &["ioctl_dev"],
        net: &[],
        scopes: &[],
        adds: "device ioctls",
        enforces: true,
    },
    AbiStep {
        abi: 6,
        linux: "6.12",
        fs: &[],
        net: &[],
        scopes: &["abstract_unix_socket", "signal"],
        adds: "abstract UNIX socket and signal scoping",
        enforces: true,
    },
    AbiStep {
        abi: 7,
        linux: "6.15",
        fs: &[],
        net: &[],
        scopes: &[],
        adds: "audit logging of denials",
        enforces: false,
    },
];

/// The newest ABI caprun was tested against, and the newest it uses.
pub const TESTED: i32 = 7;

/// The first Linux release with ABI `abi` (`None` for an ABI the table does not know).
pub const fn linux(abi: i32) -> Option<&'static str> {
    let mut i = 0;
    while i < ABIS.len() {
        if ABIS[i].abi == abi {
            return Some(ABIS[i].linux);
        }
        i += 1;
    }
    None
}

/// The ABI caprun uses on a kernel whose ABI is `running` (at most [`TESTED`]).
pub fn usable(running: i32) -> ABI {
    ABI::from(running.min(TESTED))
}

/// What an ABI `abi` cannot enforce, one phrase per later ABI (`TRUNCATE (ABI 3)`); for
/// no Landlock at all, that.
pub fn missing_at(abi: i32) -> Vec<String> {
    if abi < 1 {
        return vec!["Landlock (needs Linux 5.13 with landlock in the LSM list)".to_owned()];
    }
    ABIS.iter()
        .filter(|s| s.abi > abi && s.abi <= TESTED && s.enforces)
        .map(|s| format!("{} (ABI {})", s.adds, s.abi))
        .collect()
}

/// The rights and scopes of ABI `abi` (every step up to it, at most [`TESTED`]), by their
/// kernel names: file system, network, scopes.
pub fn rights_at(abi: i32) -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    let steps = ABIS.iter().filter(|s| s.abi <= abi.min(TESTED));
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for s in steps {
        out.0.extend(s.fs);
        out.1.extend(s.net);
        out.2.extend(s.scopes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use landlock::{Access, AccessFs, AccessNet, Scope};

    /// The table agrees with the `landlock` crate on how many rights and scopes each ABI
    /// has (the crate's own names are not used: they are Rust names, not the kernel's).
    #[test]
    fn the_table_agrees_with_the_landlock_crate() {
        for abi in 1..=TESTED {
            let (fs, net, scopes) = rights_at(abi);
            let known = ABI::from(abi);
            assert_eq!(
                fs.len(),
                AccessFs::from_all(known).iter().count(),
                "ABI {abi}"
            );
            assert_eq!(
                net.len(),
                AccessNet::from_all(known).iter().count(),
                "ABI {abi}"
            );
            assert_eq!(
                scopes.len(),
                Scope::from_all(known).iter().count(),
                "ABI {abi}"
            );
        }
        for (i, s) in ABIS.iter().enumerate() {
            assert_eq!(s.abi, i as i32 + 1);
        }
    }

    #[test]
    fn a_newer_kernel_is_used_at_the_tested_abi() {
        assert_eq!(usable(9), ABI::from(TESTED));
        assert_eq!(usable(3), ABI::V3);
        assert_eq!(linux(6), Some("6.12"));
        assert_eq!(linux(99), None);
        assert_eq!(
            missing_at(5),
            vec!["abstract UNIX socket and signal scoping (ABI 6)"]
        );
        assert_eq!(missing_at(TESTED), Vec::<String>::new());
        assert_eq!(missing_at(2).len(), 4);
    }
}
