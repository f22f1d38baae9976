//! `--explain-denials` and `--learn`: the supervisor's session and the seccomp program
//! that routes the policy's denials to it.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::exec::Supervisor;
use crate::sandbox::notify::locks::LockBroker;
use crate::sandbox::notify::paths::PathGrants;
use crate::sandbox::notify::{watched_numbers, Mode, PathTracker, Session};
use crate::sandbox::seccomp::{self, BpfProgramOwned, Denials, SeccompError};
use crate::sandbox::{self, Policy};
use crate::sys::writer::Target;

/// What happens to the calls the policy denies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Notify {
    /// The filter answers them itself (no supervisor).
    #[default]
    Off,
    /// `--explain-denials`: the supervisor answers with the policy's action and names
    /// each distinct denial.
    Explain,
    /// `--learn OUT`: the supervisor lets them run and writes to OUT a policy that
    /// allows them.
    Learn(PathBuf),
    /// The supervisor answers with the policy's action, says nothing, and names what
    /// was refused only if the program fails (the command-line form's default; nothing
    /// when the policy has no filter or cannot hand a listener over).
    Quiet,
}

/// What the session does with paths (see `sandbox::notify::paths`).
#[derive(Debug)]
pub(super) enum Paths {
    /// Nothing.
    Off,
    /// Watch the calls that take paths and report those the sandbox does not give
    /// (explain), or learn them (learn): what the sandbox gives by path, and whether
    /// the program was launched with a config (grants are named as its `paths:`).
    Track(PathGrants, bool),
    /// quiet: what caprun knows the program lacks, for the hint when it fails.
    Known(Vec<String>),
}

/// Why `--explain-denials` or `--learn` cannot be used as asked.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The policy has no seccomp filter.
    #[error("policy {policy} has no seccomp filter: nothing to explain or learn")]
    NoFilter {
        /// The policy as named.
        policy: String,
    },
    /// The listener hand-over needs a call the policy does not allow.
    #[error("policy {policy}: --explain-denials and --learn need `{call}` in the allow list")]
    NeedsCall {
        /// The policy as named.
        policy: String,
        /// The call.
        call: &'static str,
    },
    /// The notifying program cannot be compiled.
    #[error("{0}")]
    Compile(#[from] SeccompError),
    /// The host's `/` or `/proc` cannot be opened for the path report.
    #[error("--explain-denials, --learn: opening the host's {path} to name paths: {source}")]
    Host {
        /// `/` or `/proc`.
        path: &'static str,
        /// Why.
        source: nix::errno::Errno,
    },
    /// The file to learn into cannot be created.
    #[error("--learn {}: {source}", path.display())]
    Learn {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// For `notify`: the session and the notifying program (`None` when it is off). The
/// session takes `locks`, the broker of `exclusive-locks: writable`, if there is one.
pub(super) fn setup(
    notify: &Notify,
    policy_name: &str,
    policy: &Policy,
    label: &str,
    paths: Paths,
    locks: &mut Option<LockBroker>,
) -> Result<Option<(Session, BpfProgramOwned)>, NotifyError> {
    let mode = match notify {
        Notify::Off => return Ok(None),
        Notify::Explain => Mode::Explain,
        Notify::Learn(_) => Mode::Learn,
        Notify::Quiet => Mode::Quiet,
    };
    let Some(sp) = &policy.seccomp else {
        if mode == Mode::Quiet {
            return Ok(None);
        }
        return Err(NotifyError::NoFilter {
            policy: policy_name.to_string(),
        });
    };
    // The program's process hands the listener over with sendmsg after installing the
    // filter: that call must not itself wait for the supervisor.
    for call in ["sendmsg", "execveat"] {
        if !sp.allow.contains(call) {
            if mode == Mode::Quiet {
                return Ok(None);
            }
            return Err(NotifyError::NeedsCall {
                policy: policy_name.to_string(),
                call,
            });
        }
    }
    // The same filter `prepare` compiles, with denials routed to the supervisor.
    let mut sp = sp.clone();
    if policy.inet_sockets() {
        sandbox::allow_inet_sockets(&mut sp);
    }
    let sp = &sp;
    let mut prog = seccomp::compile_with(sp, Denials::Notify)?;
    let mut session = Session::new(mode, policy_name, sp, label);
    if let Some(broker) = locks.take() {
        session.broker_locks(broker);
    }
    match paths {
        Paths::Track(grants, config_form) if grants.restricted => {
            let watched = watched_numbers(sp);
            let watching = seccomp::watching(&prog, &watched)?;
            let mut tracker = PathTracker::new(
                grants,
                open_host_dir("/")?,
                open_host_dir("/proc")?,
                std::mem::replace(&mut prog, watching),
                &watched,
                mode == Mode::Learn,
            );
            if config_form {
                tracker.in_config_form();
            }
            session.track_paths(tracker);
        }
        Paths::Known(known) => session.known_missing(known),
        _ => {}
    }
    if let Notify::Learn(out) = notify {
        // Started now, outside the sandbox: the supervisor runs inside it.
        let writer = learn_writer(out).map_err(|source| NotifyError::Learn {
            path: out.clone(),
            source,
        })?;
        let extends = if sandbox::builtins::text(policy_name).is_some() {
            policy_name.to_string()
        } else {
            std::fs::canonicalize(policy_name)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| policy_name.to_string())
        };
        session.learn_into(writer, &out.display().to_string(), &extends);
        eprintln!(
            "caprun: LEARNING MODE: this is NOT a sandbox for system calls: every call outside policy {} is allowed and recorded (run only programs you trust)",
            policy_name
        );
    }
    Ok(Some((session, prog)))
}

/// The broker of `exclusive-locks: writable` (`sandbox::notify::locks`), when the policy
/// asks for one.
pub(super) fn lock_broker(policy: &Policy) -> Result<Option<LockBroker>, NotifyError> {
    use crate::sandbox::policy::Namespace;
    match &policy.seccomp {
        Some(sp) if seccomp::brokers_locks(sp) => {
            let proc = open_host_dir("/proc")?;
            LockBroker::new(proc, policy.has(Namespace::Mount))
                .map(Some)
                .map_err(|source| NotifyError::Host {
                    path: "timerfd",
                    source,
                })
        }
        _ => Ok(None),
    }
}

/// A supervisor and the program whose listener it answers.
pub(super) type Supervised = (Box<dyn Supervisor>, BpfProgramOwned);

/// A supervisor that takes the exclusive locks of `exclusive-locks: writable` and does
/// nothing else (no explain/learn session), with its program: the policy's own filter
/// but for those locks, which notify. `None` when the listener cannot be handed over
/// (the policy refuses `sendmsg` or `execveat`): then the policy's own filter refuses
/// them.
pub(super) fn locks_only(
    policy: &Policy,
    broker: LockBroker,
) -> Result<Option<Supervised>, NotifyError> {
    let Some(sp) = &policy.seccomp else {
        return Ok(None);
    };
    if !["sendmsg", "execveat"].iter().all(|c| sp.allow.contains(c)) {
        return Ok(None);
    }
    let mut sp = sp.clone();
    if policy.inet_sockets() {
        sandbox::allow_inet_sockets(&mut sp);
    }
    // A built-in's program compiled ahead, its locks made to notify (compiling costs more
    // than the launch).
    let prog = match sandbox::builtins::precompiled(&sp).and_then(seccomp::notifying_locks) {
        Some(prog) => prog,
        None => seccomp::compile_with(&sp, Denials::Locks)?,
    };
    Ok(Some((Box::new(LocksOnly { broker, sp }), prog)))
}

/// See [`locks_only`].
struct LocksOnly {
    broker: LockBroker,
    sp: crate::sandbox::policy::SeccompPolicy,
}

impl Supervisor for LocksOnly {
    fn keep_fds(&self) -> Vec<RawFd> {
        self.broker.keep_fds()
    }
    fn handle(&mut self, listener: RawFd, stderr: RawFd) {
        use crate::sys::seccomp::{notif_recv, notif_send};
        let Ok(req) = notif_recv(listener) else {
            return;
        };
        let nr = i64::from(req.data.nr);
        if seccomp::is_brokered_lock(&self.sp, nr, &req.data.args) {
            self.broker.handle(listener, &req, stderr);
        } else {
            // Nothing else notifies (`Denials::Locks`).
            let _ = notif_send(listener, req.id, libc::ENOSYS);
        }
    }
    fn timer_fd(&self) -> RawFd {
        self.broker.timer_fd()
    }
    fn timer_expired(&mut self, listener: RawFd) {
        self.broker.retry(listener);
    }
    fn killed(&self) -> bool {
        false
    }
    fn finish(&mut self, _stderr: RawFd, _failed: bool) -> bool {
        true
    }
}

/// The host's directory `path`, opened before the sandbox exists (the supervisor then
/// lives inside its mount namespace): where the path report resolves the program's
/// paths (`/`) and reads its directories (`/proc`, of the host's PID namespace, which
/// the notifications' pids belong to).
fn open_host_dir(path: &'static str) -> Result<OwnedFd, NotifyError> {
    use nix::fcntl::OFlag;
    nix::fcntl::open(
        path,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|source| NotifyError::Host { path, source })
}

/// The writer of `--learn OUT` (see `sys::writer`), by what `OUT` is (symbolic links
/// followed): caprun's own standard output or error (`/dev/stdout`: a pipe, a socket, a
/// terminal or a file) is written in place through that descriptor; another regular file
/// or a new path is replaced atomically (see [`replace_writer`]); a character device or a
/// FIFO is written in place, opened for writing once the policy is there (a FIFO's open
/// waits for its reader). A directory, a block device or another socket is refused now. Never
/// is anything but a regular file replaced.
fn learn_writer(out: &Path) -> std::io::Result<OwnedFd> {
    use nix::sys::stat::{fstat, SFlag};
    let err = std::io::Error::from_raw_os_error;
    let kind = |mode: libc::mode_t| SFlag::from_bits_truncate(mode) & SFlag::S_IFMT;
    let target = match nix::sys::stat::stat(out) {
        Err(nix::errno::Errno::ENOENT) => return replace_writer(&resolve_links(out)?),
        Err(e) => return Err(e.into()),
        Ok(st) => st,
    };
    if kind(target.st_mode) == SFlag::S_IFDIR {
        return Err(err(libc::EISDIR));
    }
    // caprun's own output, whatever it is (a pipe, a socket, a terminal, or a regular file
    // the shell redirected it to, which replacing would cut off from the program's
    // output): written through the descriptor it has, at its offset.
    use std::os::fd::AsFd;
    for own in [std::io::stdout().as_fd(), std::io::stderr().as_fd()] {
        if let Ok(st) = fstat(own) {
            if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino) {
                let dup = own.try_clone_to_owned()?;
                return Ok(crate::sys::writer::start(Target::Write(dup.as_raw_fd()))?);
            }
        }
    }
    match kind(target.st_mode) {
        SFlag::S_IFREG => replace_writer(&resolve_links(out)?),
        SFlag::S_IFCHR | SFlag::S_IFIFO => {
            let path = nix::fcntl::open(
                out,
                nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )?;
            // The file opened is the one looked at.
            let st = fstat(&path)?;
            if (st.st_dev, st.st_ino) != (target.st_dev, target.st_ino) {
                return Err(err(libc::ESTALE));
            }
            Ok(crate::sys::writer::start(Target::Open(path.as_raw_fd()))?)
        }
        _ => Err(std::io::Error::other(
            "not a regular file, a character device, a FIFO or caprun's standard output or error",
        )),
    }
}

/// `out` with its symbolic links followed to the path they name (which may not exist
/// yet): the file to replace, so that a link is written through, not replaced.
fn resolve_links(out: &Path) -> std::io::Result<PathBuf> {
    let mut path = out.to_path_buf();
    // The kernel's own limit on links in one lookup.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::from_raw_os_error(libc::ELOOP))
}

/// The writer that replaces `out` (a regular file or a new path, no symbolic link) whole:
/// `OUT`'s directory opened, a temporary file beside it created and removed again (a
/// directory caprun cannot write to fails now, before anything runs), and the writer
/// started with that directory and the temporary file's name. The supervisor, inside the
/// sandbox by then, hands it the policy; it writes the temporary file and renames it
/// over `OUT`, relative to the directory's descriptor: `OUT` is complete or untouched.
fn replace_writer(out: &Path) -> std::io::Result<OwnedFd> {
    use nix::fcntl::{openat, OFlag};
    use nix::sys::stat::{fstatat, Mode, SFlag};
    let not_a_name = || std::io::Error::other("not a file name");
    let name = out.file_name().ok_or_else(not_a_name)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = nix::fcntl::open(
        parent,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    // Only a regular file is replaced: whatever took its place since is refused.
    if let Ok(st) = fstatat(&dir, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
        if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
            return Err(std::io::Error::other("no longer a regular file"));
        }
    }
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(format!(".caprun-{}", std::process::id()));
    let probe = openat(
        &dir,
        tmp.as_os_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    )?;
    drop(probe);
    nix::unistd::unlinkat(
        &dir,
        tmp.as_os_str(),
        nix::unistd::UnlinkatFlags::NoRemoveDir,
    )?;
    let c = |s: &std::ffi::OsStr| std::ffi::CString::new(s.as_bytes()).map_err(|_| not_a_name());
    let (tmp, name) = (c(&tmp)?, c(name)?);
    Ok(crate::sys::writer::start(Target::Replace {
        dir: dir.as_raw_fd(),
        tmp: &tmp,
        name: &name,
    })?)
}

impl Supervisor for Session {
    fn keep_fds(&self) -> Vec<RawFd> {
        Session::keep_fds(self)
    }
    fn handle(&mut self, listener: RawFd, stderr: RawFd) {
        Session::handle(self, listener, stderr)
    }
    fn timer_fd(&self) -> RawFd {
        Session::timer_fd(self)
    }
    fn timer_expired(&mut self, listener: RawFd) {
        Session::timer_expired(self, listener)
    }
    fn killed(&self) -> bool {
        Session::killed(self)
    }
    fn finish(&mut self, stderr: RawFd, failed: bool) -> bool {
        Session::finish(self, stderr, failed)
    }
}
