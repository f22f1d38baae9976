//! `landlock_rules`: the Landlock ruleset derived from the config's grants, the program
//! descriptor and the policy's binds. It handles every access right of the running ABI
//! (file system; TCP bind/connect from ABI 4, with no rule so they are denied; abstract
//! UNIX sockets and signals scoped from ABI 6), so everything not granted is denied.
//!
//! The ruleset and its rules are created in [`build`] (allocating, fallible, before any
//! namespace); [`LandlockPlan::restrict_self`] only enforces it, after the mounts (a
//! Landlock domain forbids mount changes).

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

use nix::errno::Errno;

use ::landlock::{
    Access as _, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, PathBeneath, Ruleset,
    RulesetAttr, RulesetCreatedAttr, Scope, ABI,
};

use super::landlock_abi;
use super::policy::LandlockMode;

/// The mode a descriptor was opened with (from the config's `!file` mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Write only (truncating).
    Write,
    /// Read and write.
    ReadWrite,
    /// Append only.
    Append,
    /// Read and execute (a toolchain directory such as `~/.cargo`, or a program).
    ReadExecute,
    /// Read, write and execute (a build directory whose products are run).
    ReadWriteExecute,
}

/// A granted file or directory, as an open descriptor.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    /// The open file or directory (any open mode, `O_PATH` included).
    pub fd: BorrowedFd<'a>,
    /// Its mode.
    pub access: Access,
    /// A directory: the rights apply beneath it.
    pub is_dir: bool,
}

/// The rights a grant gives.
///
/// Directories: read → `READ_FILE | READ_DIR`; write and read-write → also `WRITE_FILE`,
/// `TRUNCATE`, making and removing files, directories, symlinks, sockets and FIFOs, and
/// `REFER`; append → read plus `WRITE_FILE`, `MAKE_REG`, `MAKE_DIR` (create and append,
/// no removal, no truncation); read-execute → read plus `EXECUTE`. No other mode gives
/// `EXECUTE`; none gives devices or device ioctls.
/// Files: read → `READ_FILE`; write → `WRITE_FILE | TRUNCATE`; read-write → both and
/// `IOCTL_DEV`; append → `WRITE_FILE`; read-execute → `READ_FILE | EXECUTE`.
pub fn rights(access: Access, is_dir: bool, abi: ABI) -> BitFlags<AccessFs> {
    use AccessFs::*;
    let all = AccessFs::from_all(abi);
    let r = if is_dir {
        ReadFile | ReadDir
    } else {
        ReadFile.into()
    };
    let w: BitFlags<AccessFs> = if is_dir {
        WriteFile
            | Truncate
            | RemoveDir
            | RemoveFile
            | MakeDir
            | MakeReg
            | MakeSym
            | MakeSock
            | MakeFifo
            | Refer
    } else {
        WriteFile | Truncate
    };
    let set = match (access, is_dir) {
        (Access::Read, _) => r,
        (Access::Write, true) | (Access::ReadWrite, true) => r | w,
        (Access::Write, false) => w,
        (Access::ReadWrite, false) => r | w | IoctlDev,
        (Access::Append, true) => r | WriteFile | MakeReg | MakeDir,
        (Access::Append, false) => WriteFile.into(),
        (Access::ReadExecute, _) => r | Execute,
        (Access::ReadWriteExecute, true) => r | w | Execute,
        (Access::ReadWriteExecute, false) => r | w | IoctlDev | Execute,
    };
    set & all
}

/// Whether a directory granted `outer` gives something beneath it that a grant `inner`
/// there (a directory when `inner_dir`) does not: then, Landlock's rights adding up, the
/// inner grant would not stay as narrow as it says. Compared at the newest ABI caprun
/// uses ([`landlock_abi::TESTED`]).
pub fn adds_beneath(outer: Access, inner: Access, inner_dir: bool) -> bool {
    let abi = ABI::from(landlock_abi::TESTED);
    let beneath = rights(outer, true, abi);
    let applicable = if inner_dir {
        AccessFs::from_all(abi)
    } else {
        AccessFs::from_file(abi)
    };
    !(beneath & applicable & !rights(inner, inner_dir, abi)).is_empty()
}

/// Rights beneath a `root.tmpfs` mount: every file-system right of the ABI except making
/// character and block devices and device ioctls (reading, writing, executing, creating,
/// removing, renaming, truncating).
pub fn scratch_rights(abi: ABI) -> BitFlags<AccessFs> {
    AccessFs::from_all(abi) & !(AccessFs::MakeChar | AccessFs::MakeBlock | AccessFs::IoctlDev)
}

/// Rights beneath a policy bind: read and execute.
fn bind_rights(is_dir: bool, device: bool, abi: ABI) -> BitFlags<AccessFs> {
    let set = if device {
        AccessFs::ReadFile | AccessFs::WriteFile
    } else if is_dir {
        AccessFs::ReadFile | AccessFs::ReadDir | AccessFs::Execute
    } else {
        AccessFs::ReadFile | AccessFs::Execute
    };
    set & AccessFs::from_all(abi)
}

/// Landlock errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LandlockError {
    /// The kernel has no Landlock and the policy requires it.
    #[error("{why}")]
    Unavailable {
        /// Why, and what to do (see [`super::nesting::landlock_absence`]).
        why: String,
    },
    /// The policy requires Landlock, and relies on a feature of it this kernel lacks.
    #[error("policy `{policy}` relies on Landlock's {} (ABI {}, Linux {}) to keep the program from {}, and this kernel's Landlock ABI is {abi}: use Linux {} or later, {}, or a policy file with `landlock: best-effort` to run with less isolation", .missing.feature, .missing.abi, .missing.linux, .missing.protects, .missing.linux, .way_out)]
    TooOld {
        /// The policy.
        policy: String,
        /// The feature it relies on.
        missing: &'static Reliance,
        /// The running ABI.
        abi: i32,
        /// The way out on this kernel (`run without --net`, …).
        way_out: &'static str,
    },
    /// Building the ruleset or adding a rule failed.
    #[error("Landlock: cannot build the ruleset ({what}): {source}")]
    Ruleset {
        /// Which step (e.g. `rule on descriptor 5`).
        what: String,
        /// The crate's error.
        source: ::landlock::RulesetError,
    },
}

/// What the running kernel's Landlock can and cannot do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    /// The running ABI (0: none).
    pub abi: i32,
    /// What cannot be enforced at this ABI, one phrase each.
    pub missing: Vec<String>,
}

/// A Landlock feature a sandbox may rely on for isolation that its namespaces do not
/// give (see [`relied_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reliance {
    /// The feature.
    pub feature: &'static str,
    /// The first Landlock ABI that has it.
    pub abi: i32,
    /// The first Linux release with that ABI.
    pub linux: &'static str,
    /// What it keeps the program from doing here.
    pub protects: &'static str,
}

/// What the namespaces of a launch leave to Landlock: signals to host processes without
/// a PID namespace (ABI 6 scoping), host services on abstract UNIX sockets without a
/// network namespace of its own (ABI 6), truncating host files by path without a mount
/// namespace (ABI 3; a read-only bind refuses it otherwise). Pure: the same table serves
/// the launch (a `required` policy refuses to run on a kernel below one of these) and
/// `--check-host`.
pub fn relied_on(ns: Isolation) -> Vec<&'static Reliance> {
    [
        (ns.pid, &SIGNALS),
        (ns.network, &ABSTRACT_SOCKETS),
        (ns.mount, &TRUNCATE),
    ]
    .into_iter()
    .filter(|(covered, _)| !covered)
    .map(|(_, r)| r)
    .collect()
}

/// Signal scoping: what stands in for a PID namespace.
pub static SIGNALS: Reliance = Reliance {
    feature: "signal scoping",
    abi: 6,
    linux: linux_of(6),
    protects: "signalling host processes (the sandbox has no PID namespace)",
};

/// Abstract UNIX socket scoping: what stands in for a network namespace of its own.
pub static ABSTRACT_SOCKETS: Reliance = Reliance {
    feature: "abstract UNIX socket scoping",
    abi: 6,
    linux: linux_of(6),
    protects: "connecting to host services on abstract UNIX sockets such as X11 and D-Bus (the sandbox shares the host's network namespace)",
};

/// TRUNCATE: what stands in for the read-only binds of a mount namespace.
pub static TRUNCATE: Reliance = Reliance {
    feature: "TRUNCATE",
    abi: 3,
    linux: linux_of(3),
    protects: "truncating host files it may only read (the sandbox has no mount namespace)",
};

/// The running Landlock ABI (`landlock_create_ruleset(NULL, 0, VERSION)`), 0 if none.
pub fn running_abi() -> i32 {
    match crate::sys::landlock::abi_version() {
        Ok(v) => v as i32,
        Err(_) => 0,
    }
}

/// The first Linux release with `abi`, from [`landlock_abi::ABIS`].
const fn linux_of(abi: i32) -> &'static str {
    match landlock_abi::linux(abi) {
        Some(l) => l,
        None => "?",
    }
}

/// What the running kernel supports ([`landlock_abi::missing_at`]).
pub fn support() -> Support {
    let abi = running_abi();
    Support {
        abi,
        missing: landlock_abi::missing_at(abi),
    }
}

/// A ruleset ready to enforce: built (with the rules on everything opened ahead) by
/// [`build`]; the rules on the mounts made inside the sandbox are added, and the
/// ruleset enforced, with raw system calls ([`allow_beneath`](Self::allow_beneath),
/// [`restrict_self`](Self::restrict_self)) that may run after a fork.
#[derive(Debug)]
pub struct LandlockPlan {
    /// `None`: `best-effort` on a kernel without Landlock.
    ruleset: Option<OwnedFd>,
    support: Support,
    /// [`scratch_rights`] of the running ABI, as `LANDLOCK_ACCESS_FS_*` bits.
    scratch: u64,
    /// Reading files and directories, as bits.
    read: u64,
    /// Listing directories, as bits.
    list: u64,
    /// Using terminals: reading, writing, their ioctls, listing, as bits.
    terminals: u64,
}

/// The rights [`LandlockPlan::allow_beneath`] gives beneath a directory made inside the
/// sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beneath {
    /// [`scratch_rights`]: a `root.tmpfs` mount.
    Scratch,
    /// Reading files and listing directories: the sandbox's own procfs.
    Read,
    /// Listing directories only: the sandbox's root (what it holds was granted anyway;
    /// no file becomes readable through this).
    ListDirectories,
    /// Reading, writing and the ioctls of the devices beneath (the sandbox's own devpts;
    /// seccomp still refuses TIOCSTI and TIOCLINUX), and listing them.
    Terminals,
}

/// A policy bind, for its Landlock rule: read and execute beneath it (read and write on a
/// device).
#[derive(Debug, Clone, Copy)]
pub struct BindRule<'a> {
    /// The bind's source, opened `O_PATH`.
    pub fd: BorrowedFd<'a>,
    /// A directory.
    pub is_dir: bool,
    /// A device (`/dev/null`…).
    pub device: bool,
}

/// Which namespaces a sandbox enters that stand in for a Landlock feature ([`relied_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Isolation {
    /// A PID namespace (signals stay inside).
    pub pid: bool,
    /// A network namespace of its own (abstract UNIX sockets stay inside).
    pub network: bool,
    /// A mount namespace (read-only binds refuse truncation).
    pub mount: bool,
}

/// Build the ruleset: `grants` from the config, the program descriptor (gets
/// `EXECUTE | READ_FILE`), the policy's bind sources opened `O_PATH` (read and execute
/// beneath). `network`: the program may use the host network, so the TCP bind/connect
/// rights are not handled (otherwise they are, with no rule: denied). `None` when the
/// mode is `off`; a plan without a ruleset for `best-effort` on a kernel without
/// Landlock. With `required`, every right and scope of the running ABI is handled (the
/// `landlock` crate refuses otherwise).
pub fn build(
    policy_name: &str,
    mode: LandlockMode,
    grants: &[Grant<'_>],
    program: Option<BorrowedFd<'_>>,
    binds: &[BindRule<'_>],
    network: bool,
) -> Result<Option<LandlockPlan>, LandlockError> {
    if mode == LandlockMode::Off {
        return Ok(None);
    }
    let support = support();
    if support.abi < 1 {
        return match mode {
            LandlockMode::Required => Err(LandlockError::Unavailable {
                why: super::nesting::landlock_absence(
                    crate::sys::landlock::abi_version()
                        .err()
                        .unwrap_or(Errno::EOPNOTSUPP),
                    policy_name,
                    &super::nesting::Outer::probe(),
                ),
            }),
            _ => Ok(Some(LandlockPlan {
                ruleset: None,
                support,
                scratch: 0,
                read: 0,
                list: 0,
                terminals: 0,
            })),
        };
    }
    let abi = landlock_abi::usable(support.abi);
    let level = match mode {
        LandlockMode::Required => CompatLevel::HardRequirement,
        _ => CompatLevel::BestEffort,
    };
    let err = |what: &str| {
        let what = what.to_string();
        move |source| LandlockError::Ruleset { what, source }
    };
    let mut rs = Ruleset::default()
        .set_compatibility(level)
        .handle_access(AccessFs::from_all(abi))
        .map_err(err("file system rights"))?;
    if support.abi >= 4 && !network {
        rs = rs
            .handle_access(AccessNet::from_all(abi))
            .map_err(err("network rights"))?;
    }
    if support.abi >= 6 {
        rs = rs.scope(Scope::from_all(abi)).map_err(err("scopes"))?;
    }
    let mut created = rs.create().map_err(err("create"))?;
    for g in grants {
        let what = format!("rule on descriptor {}", g.fd.as_raw_fd());
        created = created
            .add_rule(PathBeneath::new(g.fd, rights(g.access, g.is_dir, abi)))
            .map_err(err(&what))?;
    }
    if let Some(fd) = program {
        created = created
            .add_rule(PathBeneath::new(
                fd,
                (AccessFs::Execute | AccessFs::ReadFile) & AccessFs::from_all(abi),
            ))
            .map_err(err("rule on the program"))?;
    }
    for b in binds {
        let what = format!("rule on bind descriptor {}", b.fd.as_raw_fd());
        created = created
            .add_rule(PathBeneath::new(b.fd, bind_rights(b.is_dir, b.device, abi)))
            .map_err(err(&what))?;
    }
    Ok(Some(LandlockPlan {
        ruleset: Option::<OwnedFd>::from(created),
        support,
        scratch: scratch_rights(abi).bits(),
        read: ((AccessFs::ReadFile | AccessFs::ReadDir) & AccessFs::from_all(abi)).bits(),
        list: (BitFlags::from(AccessFs::ReadDir) & AccessFs::from_all(abi)).bits(),
        terminals: ((AccessFs::ReadFile
            | AccessFs::WriteFile
            | AccessFs::ReadDir
            | AccessFs::IoctlDev)
            & AccessFs::from_all(abi))
        .bits(),
    }))
}

impl LandlockPlan {
    /// What the kernel supports, known before enforcing.
    pub fn support(&self) -> &Support {
        &self.support
    }

    /// Add a rule giving `rights` beneath the directory `dir` (made inside the sandbox,
    /// opened once it exists: after `pivot_root`, before
    /// [`restrict_self`](Self::restrict_self)). Does nothing without a ruleset (Landlock
    /// missing in `best-effort` mode, or already enforced). Raw system calls only.
    pub fn allow_beneath(&self, dir: RawFd, rights: Beneath) -> Result<(), Errno> {
        let Some(rs) = &self.ruleset else {
            return Ok(());
        };
        let access = match rights {
            Beneath::Scratch => self.scratch,
            Beneath::Read => self.read,
            Beneath::ListDirectories => self.list,
            Beneath::Terminals => self.terminals,
        };
        crate::sys::landlock::add_path_beneath(rs.as_raw_fd(), dir, access)
    }

    /// Enforce the ruleset on the calling thread, after setting no_new_privs (which
    /// `landlock_restrict_self` requires of a process without `CAP_SYS_ADMIN`). Closes
    /// the ruleset: a second call does nothing. Raw system calls only.
    pub fn restrict_self(&mut self) -> Result<(), Errno> {
        let Some(rs) = self.ruleset.take() else {
            return Ok(());
        };
        crate::sys::caps::set_no_new_privs()?;
        crate::sys::landlock::restrict_self(rs.as_raw_fd())
    }
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use super::super::testutil::in_child;
    use super::*;
    use std::ffi::CString;
    use std::os::fd::AsFd;

    fn open_errno(path: &str, flags: i32) -> i32 {
        let c = CString::new(path).unwrap();
        // The descriptor, if any, is closed right away.
        match crate::sys::fs::open(&c, flags | libc::O_CLOEXEC, 0o600) {
            Ok(_) => 0,
            Err(e) => e as i32,
        }
    }

    #[test]
    fn rights_by_mode() {
        let abi = ABI::V6;
        assert_eq!(rights(Access::Read, false, abi), AccessFs::ReadFile);
        assert!(!rights(Access::ReadWrite, true, abi).contains(AccessFs::Execute));
        assert!(rights(Access::Write, true, abi).contains(AccessFs::MakeReg | AccessFs::Truncate));
        assert!(!rights(Access::Append, false, abi).contains(AccessFs::Truncate));
        assert!(!rights(Access::Read, true, abi).contains(AccessFs::WriteFile));
        // Only rights of the ABI are kept.
        assert!(!rights(Access::Write, true, ABI::V1).contains(AccessFs::Truncate));
    }

    #[test]
    fn restrict_to_one_tempdir() {
        if running_abi() < 1 {
            eprintln!("SKIP: no Landlock");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("f");
        std::fs::write(&inside, b"x").unwrap();
        let dirf = std::fs::File::open(dir.path()).unwrap();
        let grants = [Grant {
            fd: dirf.as_fd(),
            access: Access::ReadWrite,
            is_dir: true,
        }];
        let mut plan = build("test", LandlockMode::Required, &grants, None, &[], false)
            .unwrap()
            .unwrap();
        let inside = inside.to_str().unwrap().to_string();
        let new = dir.path().join("g").to_str().unwrap().to_string();
        let code = in_child(|| {
            if plan.restrict_self().is_err() {
                return 10;
            }
            if open_errno("/etc/hostname", libc::O_RDONLY) != libc::EACCES {
                return 11;
            }
            if open_errno("/tmp", libc::O_RDONLY | libc::O_DIRECTORY) != libc::EACCES {
                return 12;
            }
            if open_errno(&inside, libc::O_RDWR) != 0 {
                return 13;
            }
            if open_errno(&new, libc::O_WRONLY | libc::O_CREAT) != 0 {
                return 14;
            }
            // TCP bind is handled with no rule: denied.
            // SAFETY: plain socket calls on a local address structure.
            unsafe {
                let s = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                if s < 0 {
                    return 15;
                }
                let mut a: libc::sockaddr_in = std::mem::zeroed();
                a.sin_family = libc::AF_INET as u16;
                a.sin_port = 0u16.to_be();
                let rc = libc::bind(
                    s,
                    &a as *const libc::sockaddr_in as *const libc::sockaddr,
                    std::mem::size_of::<libc::sockaddr_in>() as u32,
                );
                if running_abi() >= 4 && rc == 0 {
                    return 16;
                }
            }
            0
        });
        assert_eq!(code, 0);
    }
}
