//! `sandbox`: the restrictions a policy asks for, prepared ahead and applied in the final
//! step.
//!
//! [`prepare`] does every fallible, allocating computation while the launcher still runs
//! on the host: it compiles the seccomp program, creates the Landlock ruleset with its
//! rules (grants, program, binds), opens the bind sources, reads `cap_last_cap` and checks
//! the kernel features (user namespaces, Landlock, seccomp). Then, in the single-threaded
//! launcher:
//!
//! 1. [`Prepared::enter`] — before the descriptor rearrangement: namespaces (unshare,
//!    uid/gid maps), hostname, the new root (mounts, `pivot_root`), rlimits, Landlock
//!    `restrict_self` (after the mounts: a Landlock domain forbids mount changes), then the
//!    capability drop (securebits, bounding, ambient, capset, no_new_privs);
//! 2. the lead's descriptor rearrangement;
//! 3. [`Prepared::install_seccomp`] — raw system calls, no allocation — just before
//!    `execveat` (which every policy's filter allows).
//!
//! A host missing a feature the policy needs is an error naming the feature and a policy
//! that would run; nothing is downgraded silently.

pub mod caps;
pub mod landlock_rules;
pub mod namespaces;
pub mod policy;
pub mod seccomp;
pub mod syscalls;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub use landlock_rules::{Access, Grant};
pub use namespaces::Identity;
pub use policy::{load, Policy, PolicyError};

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
    Caps(#[from] caps::CapsError),
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
    /// Reading a kernel parameter failed.
    #[error("cannot read {what}: {source}")]
    Probe {
        /// What was read.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
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
}

/// What was enforced, for the launcher to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Landlock's result (`None`: off).
    pub landlock: Option<landlock_rules::Enforced>,
    /// The capability drop's result (`None`: kept).
    pub caps: Option<caps::Dropped>,
    /// Human-readable notes on what could not be enforced (best-effort).
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
    report: Report,
}

fn open_path(path: &Path) -> std::io::Result<OwnedFd> {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: a valid C string; the result is checked before being owned.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// True when the kernel has seccomp filters (`PR_GET_SECCOMP` answers).
pub fn seccomp_available() -> bool {
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 }
}

/// Do every fallible, allocating step for `policy` and `grants`.
pub fn prepare(policy: &Policy, grants: &Grants<'_>) -> Result<Prepared, SandboxError> {
    let mut report = Report::default();

    // Seccomp.
    let seccomp = match &policy.seccomp {
        Some(sp) => {
            if !seccomp_available() {
                return Err(SandboxError::Unavailable {
                    feature: "seccomp",
                    policy: policy.name.clone(),
                    hint: "none",
                });
            }
            Some(seccomp::compile(sp)?)
        }
        None => None,
    };

    // Bind sources, opened O_PATH: existence check, Landlock rules, mount flags.
    let mut bind_fds = Vec::new();
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
        let meta = std::fs::metadata(&b.source).map_err(|source| SandboxError::BindSource {
            policy: policy.name.clone(),
            path: b.source.clone(),
            source,
        })?;
        let locked =
            namespaces::locked_flags(&b.source).map_err(|source| SandboxError::BindSource {
                policy: policy.name.clone(),
                path: b.source.clone(),
                source,
            })?;
        resolved.push(namespaces::ResolvedBind {
            source: b.source.clone(),
            target: b.target.clone(),
            is_dir: meta.is_dir(),
            locked_flags: locked,
            device: b.device,
        });
        bind_fds.push((fd, meta.is_dir(), b.device));
    }

    // Namespaces and the new root (checks user namespace availability).
    let mount = if policy.has(policy::Namespace::Mount) {
        let staging = grants
            .staging
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STAGING));
        let links: Vec<(PathBuf, PathBuf)> = policy
            .symlinks
            .iter()
            .map(|s| (s.link.clone(), s.target.clone()))
            .collect();
        Some(namespaces::MountPlan::new(&staging, &resolved, &links)?)
    } else {
        None
    };
    let ns = namespaces::NamespacePlan::new(policy, grants.run_as, mount)?;

    // Landlock.
    let binds: Vec<(BorrowedFd<'_>, bool, bool)> = bind_fds
        .iter()
        .map(|(fd, d, dev)| (fd.as_fd(), *d, *dev))
        .collect();
    let landlock = landlock_rules::build(
        &policy.name,
        policy.landlock,
        &grants.files,
        grants.program,
        &binds,
    )?;
    if let Some(l) = &landlock {
        for m in &l.support().missing {
            report.notes.push(format!("Landlock cannot enforce: {m}"));
        }
    }

    // Capabilities.
    let last_cap = match policy.capabilities {
        policy::CapsMode::Drop => Some(caps::last_cap().map_err(|source| SandboxError::Probe {
            what: "/proc/sys/kernel/cap_last_cap",
            source,
        })?),
        policy::CapsMode::Keep => None,
    };

    Ok(Prepared {
        policy: policy.name.clone(),
        ns,
        landlock,
        last_cap,
        seccomp,
        report,
    })
}

impl Prepared {
    /// Enter the sandbox: namespaces, hostname, the new root, rlimits, Landlock, capability
    /// drop. Call once, in the single-threaded launcher, before the descriptor
    /// rearrangement. Allocates only for the [`Report`] and to describe an error; use
    /// [`report`](Self::report) afterwards to tell the user what could not be enforced.
    pub fn enter(&mut self) -> Result<(), SandboxError> {
        self.ns.enter()?;
        if let Some(l) = &mut self.landlock {
            self.report.landlock = Some(l.restrict_self()?);
        }
        if let Some(last) = self.last_cap {
            self.report.caps = Some(caps::drop_all(last)?);
        }
        Ok(())
    }

    /// Install the seccomp filter (raw system calls, no allocation). Call last, just before
    /// `execveat`. Returns the errno on failure.
    pub fn install_seccomp(&self) -> Result<(), i32> {
        match &self.seccomp {
            Some(prog) => seccomp::install(prog),
            None => Ok(()),
        }
    }

    /// A PID namespace was entered: the launcher must fork; the child is PID 1.
    pub fn needs_fork(&self) -> bool {
        self.ns.needs_fork()
    }

    /// The compiled seccomp program, if any.
    pub fn seccomp_program(&self) -> Option<&[seccomp::sock_filter]> {
        self.seccomp.as_deref()
    }

    /// The policy name.
    pub fn policy_name(&self) -> &str {
        &self.policy
    }

    /// What was enforced (complete after [`enter`](Self::enter)).
    pub fn report(&self) -> &Report {
        &self.report
    }
}
