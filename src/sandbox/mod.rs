//! `sandbox`: the restrictions a policy asks for, prepared ahead and applied in the final
//! step.
//!
//! [`prepare`] does every fallible, allocating computation while the launcher still runs
//! on the host: it compiles the seccomp program, creates the Landlock ruleset with its
//! rules (grants, program, binds), opens the bind sources, finds the kernel's last
//! capability number and checks the kernel features (user namespaces, Landlock, seccomp).
//! Then, in the single-threaded launcher:
//!
//! 1. [`Prepared::unshare`] (namespaces: unshare, uid/gid maps; the PID namespace is
//!    created with its init by the launch) then [`Prepared::setup_inside`] — before the
//!    descriptor rearrangement: hostname, the new root (the policy's binds, `root.tmpfs` mounts, the
//!    caller's [`ExtraBind`]s, symlinks, `pivot_root`), rlimits, the Landlock rules of the
//!    tmpfs mounts (they exist only now) and `restrict_self` (after the mounts: a Landlock
//!    domain forbids mount changes), the capability drop (securebits, bounding, ambient,
//!    capset, no_new_privs), and last the change into [`Grants::cwd`];
//! 2. the lead's descriptor rearrangement;
//! 3. [`Prepared::install_seccomp`] — raw system calls, no allocation — just before
//!    `execveat` (which every policy's filter allows).
//!
//! A host missing a feature the policy needs is an error naming the feature and a policy
//! that would run; nothing is downgraded silently.

pub mod append;
pub mod builtins;
pub mod idmap;
pub mod landlock_abi;
pub mod landlock_rules;
pub mod namespaces;
pub mod nesting;
pub mod notify;
pub mod policy;
pub mod privileges;
pub mod seccomp;
pub mod syscalls;

#[cfg(test)]
#[allow(unsafe_code)]
mod tests;
#[cfg(test)]
#[allow(unsafe_code)]
pub(crate) mod testutil;

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub use landlock_rules::{Access, Grant};
pub use namespaces::Identity;
pub use policy::{load, Policy, PolicyError};

use crate::sys::StepError;

/// The directory the new root's tmpfs is mounted on before `pivot_root` (only inside the
/// new mount namespace; the host's stays untouched).
pub const DEFAULT_STAGING: &str = "/tmp";

/// Any sandbox error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The policy is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The seccomp program could not be built.
    #[error(transparent)]
    Seccomp(#[from] seccomp::SeccompError),
    /// Landlock failed or is missing.
    #[error(transparent)]
    Landlock(#[from] landlock_rules::LandlockError),
    /// Namespaces or mounts failed, or user namespaces are missing.
    #[error(transparent)]
    Namespace(#[from] namespaces::NamespaceError),
    /// Dropping capabilities failed.
    #[error(transparent)]
    Privileges(#[from] privileges::DropError),
    /// A file granted append-only cannot be kept from truncation.
    #[error(transparent)]
    Append(#[from] append::AppendError),
    /// A bind source could not be opened.
    #[error("policy `{policy}`: bind source {}: {source}", path.display())]
    BindSource {
        /// The policy.
        policy: String,
        /// The host path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An [`ExtraBind`] source could not be opened (or its mount flags read).
    #[error("cannot bind {}: {source}", path.display())]
    Bind {
        /// The host path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An [`ExtraBind`] target is not an absolute path below `/`.
    #[error("cannot bind {} at {}: the target must be an absolute path other than /", path.display(), target.display())]
    BindTarget {
        /// The host path.
        path: PathBuf,
        /// The requested path inside.
        target: PathBuf,
    },
    /// Something needs a mount namespace and the policy has none.
    #[error("{what} needs a policy with a mount namespace (policy `{policy}` has none)")]
    NeedsMount {
        /// What needs it.
        what: String,
        /// The policy.
        policy: String,
    },
    /// The working directory ([`Grants::cwd`]) cannot be entered.
    #[error("cannot change into the working directory {}: {source}", path.display())]
    Cwd {
        /// The path (inside the sandbox).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A kernel feature the policy needs is missing.
    #[error("{feature} is not available (policy `{policy}` needs it; try --policy {hint})")]
    Unavailable {
        /// The feature.
        feature: &'static str,
        /// The policy.
        policy: String,
        /// A policy that would run.
        hint: &'static str,
    },
    /// caprun runs inside another sandbox whose filter refuses what the policy needs
    /// (see [`nesting`]).
    #[error("{0}")]
    Nested(String),
    /// A step of entering the sandbox failed (see [`Prepared::setup_inside`]).
    #[error("{0}")]
    Step(String),
    /// Reading a kernel parameter failed.
    #[error("cannot read {what}: {source}")]
    Probe {
        /// What was read.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

/// A host file or directory bound into the sandbox for the caller (a `!dir`/`!file` of an
/// `!exec` config, or `--rw`/`--ro`), after the policy's binds and `root.tmpfs` mounts.
///
/// It only makes the path exist inside the new root: the Landlock rights on it come from
/// the caller's [`Grants::files`]. Without a mount namespace in the policy, a bind with
/// `target == source` mounts nothing (the host path is already there) and any other is
/// an error.
#[derive(Debug, Clone)]
pub struct ExtraBind<'a> {
    /// The source, open (the descriptor the caller's Landlock rule is about): what is
    /// mounted is this file, whatever `source` names by then. `None`: [`prepare`] opens
    /// `source` itself.
    pub fd: Option<BorrowedFd<'a>>,
    /// Absolute host path (what `fd` was opened as, for messages).
    pub source: PathBuf,
    /// Absolute path inside the sandbox (usually `source`).
    pub target: PathBuf,
    /// Bound read-write; otherwise read-only. Either way nosuid and nodev (a character
    /// device without nodev), on every mount of the bound tree: submounts included, and
    /// the flags the host mounts have locked kept.
    pub writable: bool,
}

/// What the config grants, and how to run.
#[derive(Debug, Default)]
pub struct Grants<'a> {
    /// Files and directories opened by `!file`, with their modes (Landlock rules).
    pub files: Vec<Grant<'a>>,
    /// The program, opened (`O_PATH` is fine): Landlock `EXECUTE | READ_FILE` on it.
    pub program: Option<BorrowedFd<'a>>,
    /// The ids inside the user namespace (see [`Identity`]); `None`: the caller's (root: 0).
    pub run_as: Option<Identity>,
    /// Where the new root is assembled; `None`: [`DEFAULT_STAGING`].
    pub staging: Option<PathBuf>,
    /// Host paths bound into the new root, in order, after the policy's binds.
    pub binds: Vec<ExtraBind<'a>>,
    /// The working directory of the program (a path inside the sandbox), entered at the
    /// very end of [`Prepared::setup_inside`]; `None`: `/` with a mount namespace, else
    /// the caller's.
    pub cwd: Option<PathBuf>,
    /// Descriptor grants opened again, with a mount namespace, through a detached clone
    /// of their mount: every directory the program gets as a descriptor, whatever its
    /// mode, so that `..` from it stays put (the clone's root is the directory), and
    /// every file granted read-only. A read-only grant's clone is read-only, so that its
    /// metadata stays as it is too (Landlock does not mediate chmod, utime or xattrs; a
    /// read-only mount refuses them).
    pub rooted: Vec<RootedGrant<'a>>,
}

/// A descriptor grant to root in a clone of its mount (see [`Grants::rooted`]).
#[derive(Debug, Clone)]
pub struct RootedGrant<'a> {
    /// The descriptor (caprun's, before the rearrangement).
    pub fd: BorrowedFd<'a>,
    /// Its host path (what is cloned, checked against `fd`).
    pub path: PathBuf,
    /// Granted writable: the clone stays writable.
    pub writable: bool,
}

/// What cannot be enforced as the policy says (`best-effort`), for the launcher to
/// report before anything is entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shortfall {
    /// Human-readable notes on what could not be enforced.
    pub notes: Vec<String>,
}

/// Everything computed ahead; see the module documentation for the call order.
#[derive(Debug)]
pub struct Prepared {
    policy: String,
    ns: namespaces::NamespacePlan,
    landlock: Option<landlock_rules::LandlockPlan>,
    last_cap: Option<u32>,
    seccomp: Option<seccompiler::BpfProgram>,
    /// `root.tmpfs` paths inside the new root (Landlock rules added in `setup_inside`).
    tmpfs: Vec<CString>,
    /// A fresh procfs at `/proc` (a Landlock rule to read it added in `setup_inside`).
    proc: bool,
    /// `root.list`: the new root's directories may be listed (a Landlock rule added in
    /// `setup_inside`).
    list_root: bool,
    /// `root.pts`: the sandbox's own devpts (a Landlock rule added in `setup_inside`).
    pts: bool,
    cwd: Option<CString>,
    shortfall: Shortfall,
    /// Append-only files opened again without the right to truncate (`append::seal`):
    /// (caprun's descriptor, the new one).
    sealed: Vec<(RawFd, OwnedFd)>,
}

fn open_path(path: &Path) -> std::io::Result<OwnedFd> {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    crate::sys::fs::open(&c, libc::O_PATH | libc::O_CLOEXEC, 0).map_err(std::io::Error::from)
}

/// True when the kernel has seccomp filters (`PR_GET_SECCOMP` answers).
pub fn seccomp_available() -> bool {
    crate::sys::seccomp::get_mode().is_ok()
}

/// Descriptors the sandbox opens besides the launch's own, counted generously: the
/// Landlock ruleset, the new root's and a passing one or two.
const FIXED_FDS: usize = 8;

/// How many descriptors [`prepare`] and entering the sandbox of `policy` hold open at
/// most at once (for the launch's up-front descriptor check): each bind's source (opened
/// by [`prepare`], kept until it is mounted), with a mount namespace each bind's detached
/// clone as well (all are cloned before the first is attached) and each rooted
/// descriptor grant's (id-mapped clones are made ahead: see [`idmap`]), and eight more
/// (the Landlock ruleset, the new root's and passing ones).
pub fn descriptors_needed(policy: &Policy, grants: &Grants<'_>) -> usize {
    let binds = policy.binds.len() + grants.binds.len();
    if policy.has(policy::Namespace::Mount) {
        binds * 2 + grants.rooted.len() + FIXED_FDS
    } else {
        binds + FIXED_FDS
    }
}

/// Do every fallible, allocating step for `policy` and `grants`.
pub fn prepare(policy: &Policy, grants: &Grants<'_>) -> Result<Prepared, SandboxError> {
    let mut shortfall = Shortfall::default();
    // Inside another sandbox whose filter refuses namespaces: say so now, rather than
    // fail a step of the launch with a bare EPERM (one system call when it does not).
    if let Some(message) = nesting::namespaces_refused(policy) {
        return Err(SandboxError::Nested(message));
    }
    let seccomp = seccomp_filter(policy)?;
    let has_mount = policy.has(policy::Namespace::Mount);
    let resolved = policy_binds(policy)?;
    let extra = caller_binds(policy, grants, has_mount)?;
    let tmpfs = tmpfs_paths(policy, has_mount)?;
    let cwd = working_dir(grants, has_mount)?;
    let landlock = landlock_plan(policy, grants, &resolved)?;
    if let Some(l) = &landlock {
        landlock_reliance(policy, l, &mut shortfall)?;
    }
    // Files granted append-only: their descriptors lose the right to truncate.
    let sealed = append::seal(
        &policy.name,
        policy.landlock,
        landlock_rules::running_abi(),
        &grants.files,
    )?;
    shortfall.notes.extend(sealed.notes);
    let sealed = sealed.replacements;
    let (mount, root_inside) = if has_mount {
        let (plan, root_inside) = mount_plan(policy, grants, resolved, extra, &mut shortfall)?;
        (Some(plan), root_inside)
    } else {
        (None, None)
    };
    let ns = namespaces::NamespacePlan::new(policy, grants.run_as, root_inside, mount)?;
    let last_cap = capability_bound(policy)?;

    Ok(Prepared {
        policy: policy.name.clone(),
        ns,
        landlock,
        last_cap,
        seccomp,
        tmpfs,
        proc: policy.proc,
        list_root: policy.list_root && has_mount,
        pts: policy.pts && has_mount,
        cwd,
        shortfall,
        sealed,
    })
}

/// The seccomp filter of `policy` (`None`: it has none), with the inet sockets it lets
/// through added; an error when the kernel has no seccomp.
fn seccomp_filter(policy: &Policy) -> Result<Option<seccompiler::BpfProgram>, SandboxError> {
    let Some(sp) = &policy.seccomp else {
        return Ok(None);
    };
    if !seccomp_available() {
        return Err(SandboxError::Unavailable {
            feature: "seccomp",
            policy: policy.name.clone(),
            hint: "none",
        });
    }
    if policy.inet_sockets() {
        let mut sp = sp.clone();
        allow_inet_sockets(&mut sp);
        Ok(Some(seccomp_program(&sp)?))
    } else {
        Ok(Some(seccomp_program(sp)?))
    }
}

/// The policy's binds, their sources opened `O_PATH`: existence check, Landlock rules,
/// what they are (from the descriptor: the file the Landlock rule is about, and what is
/// mounted). A missing optional source is left out.
fn policy_binds(policy: &Policy) -> Result<Vec<namespaces::ResolvedBind>, SandboxError> {
    let mut resolved = Vec::new();
    for b in &policy.binds {
        let fd = match open_path(&b.source) {
            Ok(fd) => fd,
            Err(e) if b.optional && e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(source) => {
                return Err(SandboxError::BindSource {
                    policy: policy.name.clone(),
                    path: b.source.clone(),
                    source,
                })
            }
        };
        let file = std::fs::File::from(fd);
        let meta = file.metadata().map_err(|source| SandboxError::BindSource {
            policy: policy.name.clone(),
            path: b.source.clone(),
            source,
        })?;
        resolved.push(namespaces::ResolvedBind {
            fd: OwnedFd::from(file),
            source: b.source.clone(),
            target: b.target.clone(),
            is_dir: meta.is_dir(),
            device: b.device,
            writable: false,
            char_device: false,
            tree: None,
        });
    }
    Ok(resolved)
}

/// The caller's binds: must exist; mounted only with a mount namespace (`has_mount`),
/// from the descriptor the caller opened (a copy of it, kept until the mount). Without
/// one, nothing is returned and a bind elsewhere than its source is an error.
fn caller_binds(
    policy: &Policy,
    grants: &Grants<'_>,
    has_mount: bool,
) -> Result<Vec<namespaces::ResolvedBind>, SandboxError> {
    let mut extra = Vec::new();
    for b in &grants.binds {
        let target_text = b.target.to_string_lossy();
        if crate::paths::not_normal(&target_text).is_some() || b.target == Path::new("/") {
            return Err(SandboxError::BindTarget {
                path: b.source.clone(),
                target: b.target.clone(),
            });
        }
        let bind_err = |source| SandboxError::Bind {
            path: b.source.clone(),
            source,
        };
        let fd = match b.fd {
            Some(fd) => fd.try_clone_to_owned().map_err(bind_err)?,
            None => open_path(&b.source).map_err(bind_err)?,
        };
        let file = std::fs::File::from(fd);
        let meta = file.metadata().map_err(bind_err)?;
        if !has_mount {
            if b.target != b.source {
                return Err(SandboxError::NeedsMount {
                    what: format!("binding {} at {}", b.source.display(), b.target.display()),
                    policy: policy.name.clone(),
                });
            }
            continue;
        }
        extra.push(namespaces::ResolvedBind {
            fd: OwnedFd::from(file),
            source: b.source.clone(),
            target: b.target.clone(),
            is_dir: meta.is_dir(),
            device: false,
            writable: b.writable,
            char_device: std::os::unix::fs::FileTypeExt::is_char_device(&meta.file_type()),
            tree: None,
        });
    }
    // Outer binds first, so that a bind beneath another is mounted on top of it with its
    // own flags: the more specific grant wins (`--rw DIR/sub` inside `--ro DIR` stays
    // writable, `--ro DIR/sub` inside `--rw DIR` read-only). Stable: equal depths keep
    // their order.
    extra.sort_by_key(|b| b.target.components().count());
    Ok(extra)
}

/// The policy's `root.tmpfs` paths, which need a mount namespace.
fn tmpfs_paths(policy: &Policy, has_mount: bool) -> Result<Vec<CString>, SandboxError> {
    if !policy.tmpfs.is_empty() && !has_mount {
        return Err(SandboxError::NeedsMount {
            what: "root.tmpfs".into(),
            policy: policy.name.clone(),
        });
    }
    policy.tmpfs.iter().map(|p| path_cstring(p)).collect()
}

/// The working directory: checked now when it is a host path (no mount namespace).
fn working_dir(grants: &Grants<'_>, has_mount: bool) -> Result<Option<CString>, SandboxError> {
    let Some(p) = &grants.cwd else {
        return Ok(None);
    };
    if !has_mount {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(SandboxError::Cwd {
                    path: p.clone(),
                    source: std::io::Error::from_raw_os_error(libc::ENOTDIR),
                })
            }
            Err(source) => {
                return Err(SandboxError::Cwd {
                    path: p.clone(),
                    source,
                })
            }
        }
    }
    Ok(Some(path_cstring(p)?))
}

/// Landlock, on the descriptors of the grants, the program and the policy's binds.
fn landlock_plan(
    policy: &Policy,
    grants: &Grants<'_>,
    resolved: &[namespaces::ResolvedBind],
) -> Result<Option<landlock_rules::LandlockPlan>, SandboxError> {
    let bind_rules: Vec<landlock_rules::BindRule<'_>> = resolved
        .iter()
        .map(|b| landlock_rules::BindRule {
            fd: b.fd.as_fd(),
            is_dir: b.is_dir,
            device: b.device,
        })
        .collect();
    Ok(landlock_rules::build(
        &policy.name,
        policy.landlock,
        &grants.files,
        grants.program,
        &bind_rules,
        policy.inet_sockets(),
    )?)
}

/// What the namespaces leave to Landlock: a `required` policy does not run without it
/// on an older kernel (it would run weaker than its file says); `best-effort` says so in
/// `shortfall`, with what else Landlock cannot enforce.
fn landlock_reliance(
    policy: &Policy,
    landlock: &landlock_rules::LandlockPlan,
    shortfall: &mut Shortfall,
) -> Result<(), SandboxError> {
    let entered: Vec<policy::Namespace> = policy.entered_namespaces().collect();
    let relied = landlock_rules::relied_on(landlock_rules::Isolation {
        pid: entered.contains(&policy::Namespace::Pid),
        network: entered.contains(&policy::Namespace::Network),
        mount: entered.contains(&policy::Namespace::Mount),
    });
    let abi = landlock.support().abi;
    for r in relied.iter().filter(|r| abi < r.abi) {
        if policy.landlock == policy::LandlockMode::Required {
            let way_out = match (r.feature, policy.network) {
                ("abstract UNIX socket scoping", policy::Network::Host) => "run without --net",
                ("abstract UNIX socket scoping", _) => {
                    "use a policy with a network namespace (strict, default or devtools)"
                }
                ("signal scoping", _) => {
                    "use a policy with a PID namespace (strict, default or devtools)"
                }
                _ => "use a policy with a mount namespace (strict, default or devtools)",
            };
            return Err(landlock_rules::LandlockError::TooOld {
                policy: policy.name.clone(),
                missing: r,
                abi,
                way_out,
            }
            .into());
        }
        shortfall.notes.push(format!(
            "Landlock cannot enforce {} (ABI {}, Linux {}), which alone keeps the program from {}",
            r.feature, r.abi, r.linux, r.protects
        ));
    }
    if policy.landlock == policy::LandlockMode::BestEffort {
        for m in &landlock.support().missing {
            shortfall
                .notes
                .push(format!("Landlock cannot enforce: {m}"));
        }
    }
    Ok(())
}

/// The rooted descriptor grants, to open again through a clone of their mount.
fn rooted_fds(grants: &Grants<'_>) -> Result<Vec<namespaces::RootedFd>, SandboxError> {
    let mut reopen = Vec::new();
    for g in &grants.rooted {
        let ro_err = |source| SandboxError::Bind {
            path: g.path.clone(),
            source,
        };
        let flags =
            nix::fcntl::fcntl(g.fd, nix::fcntl::FcntlArg::F_GETFL).map_err(|e| ro_err(e.into()))?;
        reopen.push(namespaces::RootedFd {
            replacement: None,
            fd: g.fd.as_raw_fd(),
            path: path_cstring(&g.path)?,
            flags: flags & !(libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC),
            writable: g.writable,
            tree: None,
        });
    }
    Ok(reopen)
}

/// The new root (a policy with a mount namespace): the binds, the rooted grants, and —
/// root without `--uid` — the unprivileged host id root inside stands for, the trees it
/// is given id-mapped back (see `idmap`; a failure to map is a note in `shortfall`).
fn mount_plan(
    policy: &Policy,
    grants: &Grants<'_>,
    mut resolved: Vec<namespaces::ResolvedBind>,
    mut extra: Vec<namespaces::ResolvedBind>,
    shortfall: &mut Shortfall,
) -> Result<(namespaces::MountPlan, Option<namespaces::RootInside>), SandboxError> {
    let staging = grants
        .staging
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STAGING));
    let links: Vec<(PathBuf, PathBuf)> = policy
        .symlinks
        .iter()
        .map(|s| (s.link.clone(), s.target.clone()))
        .collect();
    let mut reopen = rooted_fds(grants)?;
    let mut root_inside = None;
    if let Some(id) = idmap::host_id(
        crate::sys::ids::geteuid(),
        grants.run_as.is_some(),
        idmap::in_initial_user_namespace(),
        policy.has(policy::Namespace::User),
    ) {
        match idmap::map_trees(id, &mut resolved, &mut extra, &mut reopen) {
            Ok(mapped) => root_inside = Some(mapped),
            Err(e) => shortfall.notes.push(idmap::fallback_note(&e)),
        }
    }
    // Policy binds beneath its tmpfs go after it (their trees, if any, made above).
    let (resolved, beneath) = beneath_tmpfs(resolved, &policy.tmpfs, |b| &b.target);
    let extra: Vec<_> = beneath.into_iter().chain(extra).collect();
    let plan = namespaces::MountPlan::new(
        &staging,
        namespaces::Root {
            binds: resolved,
            tmpfs: &policy.tmpfs,
            tmpfs_size: policy.limits.tmpfs,
            tmpfs_inodes: policy.limits.tmpfs_inodes(),
            proc: policy.proc,
            pts: policy.pts,
            extra,
            symlinks: &links,
            reopen,
        },
    )?;
    Ok((plan, root_inside))
}

/// The highest capability number, to drop the bounding set up to (`None`: the policy
/// keeps capabilities).
fn capability_bound(policy: &Policy) -> Result<Option<u32>, SandboxError> {
    match policy.capabilities {
        policy::CapsMode::Drop => Ok(Some(privileges::last_cap().map_err(|source| {
            SandboxError::Probe {
                what: "the last capability number (PR_CAPBSET_READ)",
                source,
            }
        })?)),
        policy::CapsMode::Keep => Ok(None),
    }
}

/// The seccomp program of `sp`: the one compiled ahead when `sp` is a built-in policy's
/// (see [`builtins::precompiled`]), else compiled now.
fn seccomp_program(sp: &policy::SeccompPolicy) -> Result<seccompiler::BpfProgram, SandboxError> {
    match builtins::precompiled(sp) {
        Some(program) => Ok(program.to_vec()),
        None => Ok(seccomp::compile(sp)?),
    }
}

fn path_cstring(p: &Path) -> Result<CString, SandboxError> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| namespaces::NamespaceError::Nul(p.to_path_buf()).into())
}

/// `network: true`: add `socket(AF_INET | AF_INET6, SOCK_STREAM | SOCK_DGRAM, …)` (any
/// `SOCK_NONBLOCK`/`SOCK_CLOEXEC` flags) as alternatives of the `socket` rule, and
/// `socket(AF_NETLINK, SOCK_RAW | SOCK_DGRAM, NETLINK_ROUTE)`: glibc's getaddrinfo and
/// `ip addr` read the interfaces and addresses through it (changing them needs
/// CAP_NET_ADMIN, which the sandbox lacks). A policy that allows `socket`
/// unconditionally or answers it with an errno is left as it is.
pub fn allow_inet_sockets(sp: &mut policy::SeccompPolicy) {
    use policy::{ArgCondition, CmpOp, SyscallRule};
    if sp.allow.contains("socket") || sp.errno.contains_key("socket") {
        return;
    }
    let eq = |index, mask, value: libc::c_int| ArgCondition {
        index,
        wide: false,
        mask,
        op: CmpOp::Eq,
        value: value as u64,
    };
    const SOCK_TYPE_MASK: u64 = 0xf;
    let rule = sp.rules.entry("socket").or_insert_with(|| SyscallRule {
        nr: libc::SYS_socket,
        alternatives: Vec::new(),
    });
    for family in [libc::AF_INET, libc::AF_INET6] {
        for ty in [libc::SOCK_STREAM, libc::SOCK_DGRAM] {
            rule.alternatives
                .push(vec![eq(0, None, family), eq(1, Some(SOCK_TYPE_MASK), ty)]);
        }
    }
    for ty in [libc::SOCK_RAW, libc::SOCK_DGRAM] {
        rule.alternatives.push(vec![
            eq(0, None, libc::AF_NETLINK),
            eq(1, Some(SOCK_TYPE_MASK), ty),
            eq(2, None, libc::NETLINK_ROUTE),
        ]);
    }
}

impl Prepared {
    /// Create the namespaces (see [`namespaces::NamespacePlan::unshare`]): in caprun
    /// itself, single-threaded, before any fork. With a PID namespace, the *next* child
    /// is its PID 1 and must run [`setup_inside`](Self::setup_inside).
    pub fn unshare(&mut self) -> Result<(), SandboxError> {
        Ok(self.ns.unshare()?)
    }

    /// Build the inside and restrict the calling process: hostname, the new root,
    /// rlimits, the Landlock rules of the mounts made here and `restrict_self` (after the
    /// mounts: a Landlock domain forbids mount changes), the capability drop, and last the
    /// change into [`Grants::cwd`]. Call once, after [`unshare`](Self::unshare), in the
    /// process that becomes the program (or its init). Raw system calls over what
    /// [`prepare`] computed, no allocation: it may run after a fork.
    pub fn setup_inside(&mut self) -> Result<(), StepError<'_>> {
        self.ns.setup()?;
        if let Some(l) = &mut self.landlock {
            // The tmpfs mounts exist only now, inside the new root.
            for t in &self.tmpfs {
                // Closed on drop, after the rule is added.
                let fd =
                    crate::sys::fs::open(t, libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC, 0)
                        .map_err(|e| StepError::new("open", t, e))?;
                l.allow_beneath(fd.as_raw_fd(), landlock_rules::Beneath::Scratch)
                    .map_err(|e| StepError::new("Landlock: add a rule on", t, e))?;
            }
            // The sandbox's own procfs: read. With `root.list`, the root it was given: its
            // directories listed (`ls /`), nothing more (no file becomes readable).
            let inside = [
                (self.proc, c"/proc", landlock_rules::Beneath::Read),
                (
                    self.list_root,
                    c"/",
                    landlock_rules::Beneath::ListDirectories,
                ),
                (self.pts, c"/dev/pts", landlock_rules::Beneath::Terminals),
            ];
            for (wanted, path, rights) in inside {
                if !wanted {
                    continue;
                }
                let fd = crate::sys::fs::open(
                    path,
                    libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
                    0,
                )
                .map_err(|e| StepError::new("open", path, e))?;
                l.allow_beneath(fd.as_raw_fd(), rights)
                    .map_err(|e| StepError::new("Landlock: add a rule on", path, e))?;
            }
            l.restrict_self()
                .map_err(|e| StepError::new("Landlock: restrict_self", c"", e))?;
        }
        if let Some(last) = self.last_cap {
            privileges::drop_all(last).map_err(|e| e.step())?;
        }
        if let Some(c) = &self.cwd {
            crate::sys::fs::chdir(c)
                .map_err(|e| StepError::new("cannot change into the working directory", c, e))?;
        }
        Ok(())
    }

    /// Install the seccomp filter (raw system calls, no allocation). Call last, just before
    /// `execveat`.
    pub fn install_seccomp(&self) -> Result<(), nix::errno::Errno> {
        match &self.seccomp {
            Some(prog) => seccomp::install(prog),
            None => Ok(()),
        }
    }

    /// The policy has a PID namespace: the launcher must fork after
    /// [`unshare`](Self::unshare); the child is PID 1.
    pub fn needs_fork(&self) -> bool {
        self.ns.needs_fork()
    }

    /// Descriptors to put in place of caprun's before the program starts (caprun's
    /// descriptor, the one to put at its number): the descriptor grants opened again
    /// through clones of their mounts (once the sandbox was entered), the append-only
    /// files without the right to truncate. The launch's final step places them, with the
    /// rest of the descriptor table.
    pub fn replacements(&self) -> impl Iterator<Item = (RawFd, RawFd)> + '_ {
        self.ns
            .replacements()
            .chain(self.sealed.iter().map(|(fd, new)| (*fd, new.as_raw_fd())))
    }

    /// Root inside stands for an unprivileged host id of the launch (`idmap`): files of
    /// the host's root that caprun's standard descriptors name cannot be opened again by
    /// path inside (`/dev/stdout`) unless others may write them.
    pub fn root_mapped(&self) -> bool {
        self.ns.root_mapped()
    }

    /// The compiled seccomp program, if any.
    pub fn seccomp_program(&self) -> Option<&[seccomp::sock_filter]> {
        self.seccomp.as_deref()
    }

    /// The policy name.
    pub fn policy_name(&self) -> &str {
        &self.policy
    }

    /// What cannot be enforced as the policy says (known after [`prepare`]).
    pub fn shortfall(&self) -> &Shortfall {
        &self.shortfall
    }
}

/// A policy's binds split into those mounted before its `tmpfs` mounts and those beneath
/// one of them (a learned policy's file in `/tmp`): the second are mounted after the
/// tmpfs, with the caller's binds, since a tmpfs mounted over a bind hides it.
fn beneath_tmpfs<T>(
    binds: Vec<T>,
    tmpfs: &[PathBuf],
    target: impl Fn(&T) -> &Path,
) -> (Vec<T>, Vec<T>) {
    binds
        .into_iter()
        .partition(|b| !tmpfs.iter().any(|t| target(b).starts_with(t)))
}

#[cfg(test)]
mod beneath_tmpfs_tests {
    use super::*;

    #[test]
    fn a_policy_bind_beneath_its_tmpfs_is_mounted_after_it() {
        let tmpfs = [PathBuf::from("/tmp"), PathBuf::from("/dev/shm")];
        let binds: Vec<PathBuf> = [
            "/usr",
            "/tmp/learned/f",
            "/tmpx",
            "/dev/shm/a",
            "/etc/passwd",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let (before, after) = beneath_tmpfs(binds, &tmpfs, |b| b.as_path());
        assert_eq!(before, ["/usr", "/tmpx", "/etc/passwd"].map(PathBuf::from));
        assert_eq!(after, ["/tmp/learned/f", "/dev/shm/a"].map(PathBuf::from));
    }
}
