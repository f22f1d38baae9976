//! `exec`: the tiny final step. Rearrange the descriptors, apply the last restrictions,
//! `execveat` the program by descriptor (a `#!` script by its path: [`Launch::by_path`]).
//!
//! Everything here was computed beforehand ([`Launch::new`] allocates; [`Launch::run`]
//! does not need to): the descriptor plan, the argv/envp pointer arrays and the error
//! message prefix. The process is single-threaded from start to exec (asserted in debug
//! builds when the launch starts): its forks and the rearrangement rely on it.

use std::ffi::{c_char, CString};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::plan::fdmap::{self, FdPlan, Op};
use crate::sys::{self, signal::SigSet};

pub use crate::sys::StepError;

/// Errors while preparing the launch (nothing irreversible has happened yet).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The descriptor plan is impossible.
    #[error("descriptor table: {0}")]
    Plan(#[from] fdmap::FdPlanError),
    /// Creating the argdata memfd failed.
    #[error("argdata memfd: {0}")]
    Memfd(std::io::Error),
    /// Saving a copy of stderr failed.
    #[error("saving stderr: {0}")]
    Stderr(Errno),
    /// Creating the supervisor's channel failed.
    #[error("supervisor channel: {0}")]
    Channel(Errno),
}

/// The sandbox's steps inside the final step.
pub trait Restrictions {
    /// What [`unshare`](Self::unshare) fails with (printed as `caprun: ERROR`).
    type Error: std::fmt::Display;
    /// Create the namespaces, in caprun itself before any fork (a PID namespace then
    /// holds the next child). May allocate. When it fails, the launch stops with 125.
    fn unshare(&mut self) -> Result<(), Self::Error>;
    /// In the process that becomes the program (or its init), after
    /// [`unshare`](Self::unshare): build the inside and restrict the process (mounts,
    /// Landlock, capabilities). Must not allocate: it may run after a fork. When it fails,
    /// the launch stops with 125.
    fn setup_inside(&mut self) -> Result<(), StepError<'_>>;
    /// After the rearrangement, just before `execveat` (seccomp). Must not allocate.
    fn just_before_exec(&mut self) -> Result<(), Errno>;
    /// Instead of [`just_before_exec`](Self::just_before_exec) when denials go to the
    /// supervisor ([`Launch::supervised`]): install the notifying filter with a listener
    /// and return the listener's descriptor. Must not allocate.
    fn just_before_exec_with_listener(&mut self) -> Result<RawFd, Errno> {
        Err(Errno::ENOSYS)
    }
}

/// The supervisor's work in explain/learn mode ([`Launch::supervised`]): answering the
/// program's seccomp notifications and, when the program is gone, reporting. Called
/// only in the supervisor's process, which may allocate.
pub trait Supervisor {
    /// Descriptors the supervisor must keep open (every other one is closed after the
    /// fork).
    fn keep_fds(&self) -> Vec<RawFd>;
    /// Read and answer one pending notification on `listener`; messages go to `stderr`.
    fn handle(&mut self, listener: RawFd, stderr: RawFd);
    /// True once the supervisor killed the program for a denial (caprun then exits with
    /// 128 + SIGSYS, the status the filter itself would have caused).
    fn killed(&self) -> bool;
    /// At the program's exit (`failed`: with a status other than 0, or by a signal): the
    /// summary, or what was learned, written out. False when that failed (the learned
    /// policy could not be written): caprun then exits with 125, whatever the program's
    /// status.
    fn finish(&mut self, stderr: RawFd, failed: bool) -> bool;
}

/// How the launch runs the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// This process becomes the program.
    InPlace,
    /// This process stays as the supervisor (see [`Launch::run`]); with `pid_namespace`
    /// its child is the init of the new PID namespace, which starts the program.
    Supervised {
        /// The namespaces include a PID namespace.
        pid_namespace: bool,
    },
}

/// Files and sockets caprun created for this launch (`create: true`, a bound UNIX
/// socket): removed again if the launch fails after all (the exec, or a step of
/// entering the sandbox). Each is its directory, opened beforehand, and its name in it,
/// so that they can be removed from wherever the failure is noticed.
#[derive(Debug, Default)]
pub struct Undo {
    entries: Vec<(OwnedFd, CString)>,
}

impl Undo {
    /// Remove `name` from the directory `dir` if the launch fails.
    pub fn push(&mut self, dir: OwnedFd, name: CString) {
        self.entries.push((dir, name));
    }

    /// Nothing to undo.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Remove everything (raw system calls; errors are ignored: the launch failed
    /// already, and that is what is reported).
    fn run(&self) {
        for (dir, name) in &self.entries {
            let _ = sys::fs::unlinkat(dir.as_raw_fd(), name);
        }
    }

    fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.entries.iter().map(|(d, _)| d.as_raw_fd())
    }
}

/// The tags of the messages on a supervised launch's channel ([`sys::send_msg`]).
mod tag {
    /// Program's process → supervisor: the seccomp listener (attached).
    pub const LISTENER: u8 = b'L';
    /// Init or program's process → supervisor: the launch failed before the exec (undo).
    pub const FAILED: u8 = b'F';
    /// Init → supervisor: the program stopped, with this signal.
    pub const STOPPED: u8 = b'S';
    /// Init → supervisor: the program ended, with this raw wait status.
    pub const EXITED: u8 = b'X';
    /// Supervisor → init: send the program this signal.
    pub const SIGNAL: u8 = b'K';
    /// Supervisor → init: the supervisor was continued; continue the program if it is
    /// still stopped.
    pub const CONTINUE: u8 = b'C';
}

/// A launch, ready to run.
pub struct Launch {
    // Executed through `regs` after the rearrangement; owned here until then.
    _program: OwnedFd,
    // Kept alive so the table's descriptors stay valid until the rearrangement.
    _memfd: Option<OwnedFd>,
    stderr_copy: Option<OwnedFd>,
    plan: FdPlan,
    truncate: Vec<RawFd>,
    // Owners of the strings `argv_ptrs`/`envp_ptrs` point into.
    _argv: Vec<CString>,
    _envp: Vec<CString>,
    argv_ptrs: Vec<*const c_char>,
    envp_ptrs: Vec<*const c_char>,
    prefix: Vec<u8>,
    // The plan's inputs, kept to replan with one more control (the channel).
    sources: Vec<RawFd>,
    controls: Vec<RawFd>,
    session: Option<Box<dyn Supervisor>>,
    // The program's process hands a seccomp listener to the supervisor (a session).
    listener_wanted: bool,
    // The session does without the listener if none can be had (see `supervised`).
    listener_optional: bool,
    channel: Option<Channel>,
    undo: Undo,
    // A `#!` script is executed by this path (inside the sandbox), not by descriptor.
    by_path: Option<CString>,
}

/// The socket pair between the supervisor (or the janitor) and the launch's other
/// processes.
struct Channel {
    // The supervisor's (or the janitor's) end; `None` in the processes that do not hold
    // it.
    ours: Option<OwnedFd>,
    // The end of init and the program's process: a control of the descriptor plan (at
    // `control_regs[ctl]`), so that it survives the rearrangement; close-on-exec.
    theirs: OwnedFd,
    ctl: usize,
}

/// Where a failure past the fork is reported: stderr, and the channel (so that the
/// supervisor undoes what was created). `-1`: not there.
#[derive(Debug, Clone, Copy)]
struct Report {
    stderr: RawFd,
    channel: RawFd,
}

impl Report {
    /// Say `prefix` + the error, tell the supervisor, exit with `status`.
    fn fail(self, prefix: &[u8], err: Errno, status: i32) -> ! {
        sys::write_all(self.stderr, prefix);
        sys::write_all(self.stderr, err.desc().as_bytes());
        sys::write_all(self.stderr, b"\n");
        self.failed(status)
    }

    /// Tell the supervisor the launch failed (it undoes what was created), exit with
    /// `status`.
    fn failed(self, status: i32) -> ! {
        if self.channel >= 0 {
            let _ = sys::send_msg(self.channel, tag::FAILED, status, None);
        }
        sys::exit(status)
    }
}

impl Launch {
    /// Prepare a launch.
    ///
    /// `table` holds the descriptor for each slot; the argdata, if any, goes into a
    /// sealed memfd placed right after them. `truncate` lists slots to truncate at launch.
    /// `program` is the descriptor to execute and `label` names it in error messages.
    pub fn new(
        program: OwnedFd,
        label: &str,
        table: &[RawFd],
        argdata: Option<&[u8]>,
        truncate: Vec<RawFd>,
        argv: Vec<CString>,
        envp: Vec<CString>,
    ) -> Result<Launch, ExecError> {
        let memfd = argdata
            .map(|data| sys::sealed_memfd(c"argdata", data))
            .transpose()
            .map_err(ExecError::Memfd)?;
        // A close-on-exec copy of stderr, so that a failure after the rearrangement still
        // reaches the original stderr. Placed at 3 or above, never over stdio.
        let stderr_copy = if sys::fd_is_open(2) {
            let fd = sys::dupfd_cloexec(2, 3).map_err(ExecError::Stderr)?;
            // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
            Some(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
        } else {
            None
        };
        let mut sources = table.to_vec();
        sources.extend(memfd.as_ref().map(|m| m.as_raw_fd()));
        let mut controls = vec![program.as_raw_fd()];
        controls.extend(stderr_copy.as_ref().map(|f| f.as_raw_fd()));
        let plan = fdmap::plan(&sources, &controls)?;
        let ptrs = |v: &[CString]| {
            v.iter()
                .map(|s| s.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect::<Vec<_>>()
        };
        Ok(Launch {
            argv_ptrs: ptrs(&argv),
            envp_ptrs: ptrs(&envp),
            _argv: argv,
            _envp: envp,
            _program: program,
            _memfd: memfd,
            stderr_copy,
            plan,
            truncate,
            prefix: format!("caprun: {label}: ").into_bytes(),
            sources,
            controls,
            session: None,
            listener_wanted: false,
            listener_optional: false,
            channel: None,
            undo: Undo::default(),
            by_path: None,
        })
    }

    /// Execute `path` (a `#!` script, as seen inside the sandbox) instead of the
    /// program's descriptor: the kernel gives a script's interpreter the path it was
    /// executed by, which must be open after the exec (`resources::Script`).
    pub fn by_path(mut self, path: &std::path::Path) -> Launch {
        use std::os::unix::ffi::OsStrExt;
        self.by_path =
            Some(CString::new(path.as_os_str().as_bytes()).expect("paths contain no NUL"));
        self
    }

    /// Route the program's denials to a supervisor (`--explain-denials`, `--learn`,
    /// the command-line form's quiet summary): the launch runs [`Mode::Supervised`]
    /// whatever the namespaces, and the supervisor runs `session`. The program's
    /// descriptors, argv and environment are the same as in exec-in-place mode. With
    /// `optional`, a launch that cannot have a listener (a filter of the process that
    /// started caprun has one already) installs the policy's own filter instead.
    pub fn supervised(mut self, session: Box<dyn Supervisor>, optional: bool) -> Launch {
        self.session = Some(session);
        self.listener_wanted = true;
        self.listener_optional = optional;
        self
    }

    /// Remove what `undo` names if the launch fails from here on.
    pub fn undo(mut self, undo: Undo) -> Launch {
        self.undo = undo;
        self
    }

    /// The channel, made once: a socket pair whose far end is a control of the
    /// descriptor plan (replanned with it).
    fn open_channel(&mut self) -> Result<(), ExecError> {
        if self.channel.is_none() {
            let (ours, theirs) = sys::seqpacket_pair().map_err(ExecError::Channel)?;
            let ctl = self.controls.len();
            self.controls.push(theirs.as_raw_fd());
            self.plan = fdmap::plan(&self.sources, &self.controls)?;
            self.channel = Some(Channel {
                ours: Some(ours),
                theirs,
                ctl,
            });
        }
        Ok(())
    }

    /// Run the launch: this process becomes the program, or exits with 125 (a failure
    /// before exec), 126 (the program cannot be executed) or 127 (it does not exist).
    ///
    /// First the namespaces are created ([`Restrictions::unshare`]), here. Then:
    /// - [`Mode::InPlace`]: this process enters the sandbox, rearranges its descriptors
    ///   and execs. When something was created ([`undo`](Self::undo)), a small detached
    ///   process waits to remove it should the exec fail.
    /// - [`Mode::Supervised`]: this process stays as the supervisor, outside the sandbox
    ///   (only in the namespaces `unshare` entered, never restricted): it forwards
    ///   signals, answers seccomp notifications (explain/learn), stops when the program
    ///   stops, undoes a failed launch, and ends as the program ended (its exit status, or
    ///   killed by the same signal). Its child enters the sandbox: with a PID namespace it
    ///   is the namespace's init (PID 1), which starts the program as PID 2 (a PID 1
    ///   ignores signals it has no handler for, so the program must not be it) and ends
    ///   the namespace, every process in it, when the program ends. Without, the child is
    ///   the program. The child dies with the supervisor (`PR_SET_PDEATHSIG`); the
    ///   supervisor itself does not depend on the thread or process that started it.
    ///
    /// The process must have one thread: the launch forks, and the rearrangement closes
    /// and replaces descriptors whatever owns them (another thread would lose them
    /// underneath). `unshare(CLONE_NEWUSER)` demands it too.
    ///
    /// # Panics
    ///
    /// In debug builds, when the process has more than one thread. (Checked here, before
    /// the sandbox is entered: after, `/proc` may be gone.)
    pub fn run<R: Restrictions>(mut self, restrictions: &mut R, mode: Mode) -> ! {
        if cfg!(debug_assertions) {
            if let Err(threads) = single_threaded() {
                panic!(
                    "the launch must be single-threaded, and this process has {threads} threads"
                );
            }
        }
        let stderr = self.stderr_copy.as_ref().map_or(-1, |f| f.as_raw_fd());
        let mode = match mode {
            Mode::InPlace if self.session.is_some() => Mode::Supervised {
                pid_namespace: false,
            },
            m => m,
        };
        if let Mode::Supervised { .. } = mode {
            if let Err(e) = self.open_channel() {
                self.give_up(stderr, e);
            }
        } else if !self.undo.is_empty() {
            self.spawn_janitor(stderr);
        }
        if let Err(e) = restrictions.unshare() {
            // No process but this one yet: undo here (the janitor's channel, if any,
            // closes as this process exits; it removes nothing twice).
            self.give_up(stderr, e);
        }
        match mode {
            Mode::Supervised { pid_namespace } => {
                self.supervise(restrictions, stderr, pid_namespace)
            }
            Mode::InPlace => {
                let report = Report {
                    stderr,
                    channel: self.channel.as_ref().map_or(-1, |c| c.theirs.as_raw_fd()),
                };
                if let Err(e) = restrictions.setup_inside() {
                    e.write(stderr);
                    report.failed(125);
                }
                self.finish(restrictions, report)
            }
        }
    }

    /// A failure before any fork: say `caprun: ERROR`, remove what was created, exit 125.
    fn give_up(&self, stderr: RawFd, e: impl std::fmt::Display) -> ! {
        sys::write_all(stderr, format!("caprun: {e}\n").as_bytes());
        self.undo.run();
        sys::exit(125)
    }

    /// In-place mode with something to undo: a detached process (a grandchild in its own
    /// session, so that the program never sees it as a child) holding the undo list and
    /// one end of the channel; this process keeps the other end, close-on-exec. A failure
    /// says so on the channel; a successful exec closes it.
    fn spawn_janitor(&mut self, stderr: RawFd) {
        if let Err(e) = self.open_channel() {
            self.give_up(stderr, e);
        }
        let channel = self.channel.as_mut().expect("opened above");
        let ours = channel.ours.take().expect("a new channel has both ends");
        // What the janitor keeps, made before the fork.
        let mut keep: Vec<RawFd> = self.undo.fds().collect();
        keep.push(ours.as_raw_fd());
        // SAFETY: one thread (see `run`); the children make raw system calls only.
        match unsafe { sys::fork() } {
            Err(e) => Report {
                stderr,
                channel: -1,
            }
            .fail(b"caprun: fork: ", e, 125),
            Ok(0) => {
                let _ = sys::setsid();
                // SAFETY: as above.
                if let Ok(0) = unsafe { sys::fork() } {
                    // SAFETY: the janitor uses only `keep` and never returns.
                    unsafe { close_all_but(&mut keep) };
                    let failed = loop {
                        match sys::recv_msg(ours.as_raw_fd(), true) {
                            Ok(Some(m)) if m.tag == tag::FAILED => break true,
                            Ok(Some(_)) | Err(Errno::EINTR) => continue,
                            // Closed: the exec happened (or caprun ended on its own).
                            _ => break false,
                        }
                    };
                    if failed {
                        self.undo.run();
                    }
                }
                sys::exit(0);
            }
            Ok(pid) => {
                // The first child ends at once; its child is reparented away.
                let mut status = 0;
                // SAFETY: waiting for our own child with a valid status pointer.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                drop(ours);
            }
        }
    }

    /// Supervised mode (see [`run`](Self::run)).
    fn supervise<R: Restrictions>(
        mut self,
        restrictions: &mut R,
        stderr: RawFd,
        pid_namespace: bool,
    ) -> ! {
        // Every catchable signal is blocked, read through a signalfd and forwarded;
        // SIGPIPE too, so that explanations written to a broken stderr only fail (EPIPE).
        // The program's process unblocks all again.
        if let Err(e) = SigSet::catchable().block() {
            Report {
                stderr,
                channel: -1,
            }
            .fail(b"caprun: supervisor: ", e, 125);
        }
        let channel = self.channel.as_mut().expect("opened in run");
        let ours = channel.ours.take().expect("a new channel has both ends");
        let theirs = channel.theirs.as_raw_fd();
        let session = self.session.take();
        // Prepared before the forks: what is said when the program dies of SIGSYS.
        let mut sigsys_hint = self.prefix.clone();
        sigsys_hint.extend_from_slice(
            b"killed by SIGSYS: a system call its seccomp policy denies with `kill` \
              (rerun with --explain-denials to name it)\n",
        );
        // SAFETY: the launch runs on the process's only thread (see `run`), so both sides
        // of the fork may go on as before, allocating included.
        let child = match unsafe { sys::fork() } {
            Err(e) => {
                self.undo.run();
                Report {
                    stderr,
                    channel: -1,
                }
                .fail(b"caprun: fork: ", e, 125)
            }
            Ok(pid) => pid,
        };
        if child > 0 {
            // The supervisor holds nothing of the program's.
            let mut keep = vec![stderr, ours.as_raw_fd()];
            keep.extend(self.undo.fds());
            if let Some(s) = &session {
                keep.extend(s.keep_fds());
            }
            // Its copy of the other end is closed below: EOF once init and the program's
            // process are gone (or the program exec'd).
            // SAFETY: the supervisor uses only `keep` from here on, and never returns: the
            // owners of everything else (the launch's) are neither used nor dropped.
            unsafe { close_all_but(&mut keep) };
            // The launcher's code stays mapped but not resident: the supervisor is small.
            sys::release_code_pages();
            Supervision {
                child,
                via_init: pid_namespace,
                channel: Some(ours),
                session,
                listener: None,
                undo: self.undo,
                stderr,
                me: sys::signal::getpid() as u32,
                status: None,
                child_stopped: false,
                sigsys_hint,
            }
            .run()
        }
        // The child: init, or the program's process. It dies with the supervisor; if the
        // supervisor is already gone, its end of the channel is closed.
        drop(ours);
        let theirs_raw = theirs;
        let report = Report {
            stderr,
            channel: theirs_raw,
        };
        if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
            report.fail(b"caprun: supervisor: ", e, 125);
        }
        if sys::peer_closed(theirs_raw) {
            sys::exit(125); // The supervisor is already gone.
        }
        if pid_namespace {
            // Init stays in the sandbox's view (PID 1 of its /proc): it must not show
            // caprun's command line or environment (which holds what --env left out), and
            // not let the program read its memory or descriptors (non-dumpable: /proc/1/*
            // needs CAP_SYS_PTRACE then). The program's process, forked from it, is
            // dumpable again once it execs.
            sys::hide_process_strings(b"caprun-init");
            if let Err(e) = sys::ids::set_dumpable(false) {
                report.fail(b"caprun: init: ", e, 125);
            }
        }
        if let Err(e) = restrictions.setup_inside() {
            e.write(stderr);
            report.failed(125);
        }
        if !pid_namespace {
            if let Err(e) = sys::signal::unblock_all() {
                report.fail(b"caprun: signal mask: ", e, 125);
            }
            self.finish(restrictions, report)
        }
        // SAFETY: one thread: the init and the program's process only make raw calls.
        match unsafe { sys::fork() } {
            Err(e) => report.fail(b"caprun: fork: ", e, 125),
            Ok(0) => {
                if let Err(e) = sys::signal::unblock_all() {
                    report.fail(b"caprun: signal mask: ", e, 125);
                }
                self.finish(restrictions, report)
            }
            Ok(program) => {
                let mut keep = [stderr, theirs_raw];
                // SAFETY: init uses only `keep` from here on, and never returns: the
                // owners of everything else (the launch's) are neither used nor dropped.
                unsafe { close_all_but(&mut keep) };
                sys::release_code_pages();
                init(program, theirs_raw, report)
            }
        }
    }

    /// Rearrange the descriptors, apply the last restrictions and exec.
    fn finish<R: Restrictions>(self, restrictions: &mut R, report: Report) -> ! {
        let mut regs = self.plan.regs.clone();
        // SAFETY: from here the process only execs or exits: the owners of the
        // descriptors the rearrangement replaces or closes (the launch's and the
        // caller's) are never used or dropped again.
        if let Err(e) = unsafe { apply(&self.plan, &mut regs) } {
            report.fail(b"caprun: rearranging descriptors: ", e, 125);
        }
        // Only raw system calls from here on. After `apply`, the controls live in `regs`.
        let program = regs[self.plan.control_regs[0]];
        let stderr = if self.stderr_copy.is_some() {
            regs[self.plan.control_regs[1]]
        } else {
            -1
        };
        let channel = self
            .channel
            .as_ref()
            .map_or(-1, |c| regs[self.plan.control_regs[c.ctl]]);
        let report = Report { stderr, channel };
        for &slot in &self.truncate {
            if let Err(e) = sys::truncate(slot) {
                report.fail(b"caprun: truncating a file: ", e, 125);
            }
        }
        if self.listener_wanted {
            // The listener goes to the supervisor before anything else can be notified;
            // both it and the channel are close-on-exec.
            match restrictions.just_before_exec_with_listener() {
                Ok(listener) => {
                    if let Err(e) = sys::send_msg(channel, tag::LISTENER, 0, Some(listener)) {
                        report.fail(b"caprun: handing the seccomp listener over: ", e, 125);
                    }
                }
                // A filter of the process that started caprun has a listener already, and
                // a process may have only one: an optional session does without (the
                // policy's own filter answers); explain/learn cannot.
                Err(Errno::EBUSY) if self.listener_optional => {
                    if let Err(e) = restrictions.just_before_exec() {
                        report.fail(b"caprun: applying the seccomp filter: ", e, 125);
                    }
                }
                Err(Errno::EBUSY) => report.fail(
                    b"caprun: --explain-denials and --learn need a seccomp listener, and a filter of the process that started caprun has one already (a process may have only one): ",
                    Errno::EBUSY,
                    125,
                ),
                Err(e) => report.fail(b"caprun: applying the seccomp filter: ", e, 125),
            }
        } else if let Err(e) = restrictions.just_before_exec() {
            report.fail(b"caprun: applying the seccomp filter: ", e, 125);
        }
        // SAFETY: argv_ptrs/envp_ptrs are NULL-terminated arrays of pointers into the
        // CStrings owned by `self`, alive for the call.
        let err = match &self.by_path {
            // SAFETY: as above; `path` is owned by `self`.
            Some(path) => unsafe {
                sys::execve(path, self.argv_ptrs.as_ptr(), self.envp_ptrs.as_ptr())
            },
            // SAFETY: as above.
            None => unsafe {
                sys::execveat(program, self.argv_ptrs.as_ptr(), self.envp_ptrs.as_ptr())
            },
        };
        let status = if err == Errno::ENOENT { 127 } else { 126 };
        report.fail(&self.prefix, err, status);
    }
}

/// The init of a PID namespace: all catchable signals stay blocked (the supervisor's
/// mask); a signalfd hears `SIGCHLD` (and drains the rest: a signal sent to init from
/// inside the namespace, or from the host, is not the program's); the channel brings
/// signals to forward from the supervisor and takes the program's stops and its end.
/// Every child is reaped. When the program ends, init ends with its status, and the
/// kernel kills what is left in the namespace. Raw system calls only.
fn init(program: libc::pid_t, channel: RawFd, report: Report) -> ! {
    let sfd = match sys::signal::signalfd(&SigSet::catchable()) {
        Ok(fd) => fd,
        Err(e) => report.fail(b"caprun: init: ", e, 125),
    };
    // Whether the program is stopped, as its last reaped change of state said.
    let mut stopped = false;
    let reap = |stopped: &mut bool| {
        while let Ok(Some((pid, status))) = sys::reap(libc::WUNTRACED | libc::WCONTINUED) {
            if pid != program {
                continue;
            }
            if libc::WIFSTOPPED(status) {
                *stopped = true;
                let _ = sys::send_msg(channel, tag::STOPPED, libc::WSTOPSIG(status), None);
            } else if libc::WIFCONTINUED(status) {
                *stopped = false;
            } else {
                let _ = sys::send_msg(channel, tag::EXITED, status, None);
                sys::exit(sys::exit_code(status));
            }
        }
    };
    loop {
        let mut fds = [sys::pollin(sfd.as_raw_fd()), sys::pollin(channel)];
        if let Err(e) = sys::poll(&mut fds) {
            report.fail(b"caprun: init: ", e, 125);
        }
        if fds[1].revents != 0 {
            match sys::recv_msg(channel, false) {
                Ok(Some(m)) if m.tag == tag::SIGNAL => {
                    let _ = sys::kill(program, m.value);
                }
                Ok(Some(m)) if m.tag == tag::CONTINUE => {
                    // The program may have been continued already, with the supervisor
                    // (a shell's `fg` continues the whole process group).
                    reap(&mut stopped);
                    if stopped {
                        let _ = sys::kill(program, libc::SIGCONT);
                    }
                }
                Ok(Some(_)) | Err(Errno::EAGAIN) => {}
                // The supervisor is gone: so is this namespace (PR_SET_PDEATHSIG).
                Ok(None) | Err(_) => sys::exit(125),
            }
        }
        if fds[0].revents & libc::POLLIN == 0 {
            continue;
        }
        match sys::signal::read_signal(sfd.as_raw_fd()) {
            Ok(info) if info.signo == libc::SIGCHLD => reap(&mut stopped),
            Ok(_) => {}
            Err(e) => report.fail(b"caprun: init: ", e, 125),
        }
    }
}

/// The supervisor's state (see [`Launch::run`]).
struct Supervision {
    /// The child: init, or the program.
    child: libc::pid_t,
    /// The child is init: the program's stops and end come over the channel, and signals
    /// go there.
    via_init: bool,
    /// Until every other end is closed.
    channel: Option<OwnedFd>,
    session: Option<Box<dyn Supervisor>>,
    /// Until every process using the filter is gone (`POLLHUP`).
    listener: Option<OwnedFd>,
    undo: Undo,
    stderr: RawFd,
    /// This process's pid (a signal it sent itself is not forwarded).
    me: u32,
    /// The program's raw wait status, once init reported it.
    status: Option<libc::c_int>,
    /// The child (without init) is stopped, as its last reaped change of state said.
    child_stopped: bool,
    sigsys_hint: Vec<u8>,
}

impl Supervision {
    /// One `poll` over the signalfd, the channel and the listener. A signalfd rather
    /// than `sigwaitinfo` so that signals and notifications are waited for together,
    /// without a timeout loop.
    fn run(mut self) -> ! {
        let sfd = match sys::signal::signalfd(&SigSet::catchable()) {
            Ok(fd) => fd,
            Err(e) => self.fail(e),
        };
        loop {
            let raw = |f: &Option<OwnedFd>| f.as_ref().map_or(-1, |f| f.as_raw_fd());
            let mut fds = [
                sys::pollin(sfd.as_raw_fd()),
                sys::pollin(raw(&self.channel)),
                sys::pollin(raw(&self.listener)),
            ];
            if let Err(e) = sys::poll(&mut fds) {
                self.fail(e);
            }
            // Notifications first: a program blocked in one cannot exit.
            if fds[2].revents & libc::POLLIN != 0 {
                if let (Some(l), Some(s)) = (&self.listener, &mut self.session) {
                    s.handle(l.as_raw_fd(), self.stderr);
                }
            } else if fds[2].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                self.listener = None;
            }
            if fds[1].revents != 0 {
                self.read_channel(true);
            }
            if fds[0].revents & libc::POLLIN == 0 {
                continue;
            }
            let info = match sys::signal::read_signal(sfd.as_raw_fd()) {
                Ok(info) => info,
                Err(e) => self.fail(e),
            };
            if info.signo == libc::SIGCHLD {
                self.reap();
            } else if info.code != sys::signal::SI_KERNEL && info.pid != self.me {
                // Sent to caprun: the program's. (What the kernel sent on its own, a
                // terminal's ^C, ^Z or window change, went to the whole foreground process
                // group, the program included; a signal caprun caused itself, SIGPIPE
                // on a closed stderr, is caprun's.)
                self.forward(info.signo);
            }
        }
    }

    fn fail(&self, e: Errno) -> ! {
        Report {
            stderr: self.stderr,
            channel: -1,
        }
        .fail(b"caprun: supervisor: ", e, 125)
    }

    /// Send `sig` to the program.
    fn forward(&self, sig: libc::c_int) {
        match (&self.channel, self.via_init) {
            (Some(c), true) => {
                let _ = sys::send_msg(c.as_raw_fd(), tag::SIGNAL, sig, None);
            }
            (_, false) => {
                let _ = sys::kill(self.child, sig);
            }
            (None, true) => {}
        }
    }

    /// Handle what is on the channel: one message (`wait`), or all that is there.
    fn read_channel(&mut self, mut wait: bool) {
        loop {
            let Some(c) = &self.channel else { return };
            let msg = match sys::recv_msg(c.as_raw_fd(), wait) {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.channel = None;
                    return;
                }
                Err(Errno::EAGAIN) => return,
                // Init ended with a message of ours unread (a signal to forward that came
                // too late): the kernel says so once, and what init sent before it ended
                // (the program's status) is still queued. Take all of that.
                Err(Errno::ECONNRESET) => {
                    wait = false;
                    continue;
                }
                Err(_) => {
                    self.channel = None;
                    return;
                }
            };
            match msg.tag {
                tag::LISTENER => self.listener = msg.fd,
                tag::FAILED => self.undo.run(),
                tag::STOPPED => self.stop(msg.value),
                tag::EXITED => self.status = Some(msg.value),
                _ => {}
            }
            if wait {
                return;
            }
        }
    }

    /// The program stopped with `sig`: stop too, as a job-control shell expects of the
    /// process it started. Once continued, continue the program if it still is stopped
    /// (a pending SIGCONT that would be forwarded is lost when a stop signal follows it
    /// at once).
    fn stop(&mut self, sig: libc::c_int) {
        let _ = sys::signal::stop_self(sig);
        match (&self.channel, self.via_init) {
            (Some(c), true) => {
                let _ = sys::send_msg(c.as_raw_fd(), tag::CONTINUE, 0, None);
            }
            (_, false) => {
                // What changed meanwhile (a shell's `fg` continues the whole group).
                self.reap();
                if self.child_stopped {
                    let _ = sys::kill(self.child, libc::SIGCONT);
                }
            }
            (None, true) => {}
        }
    }

    /// Reap children; when the child is gone, end.
    fn reap(&mut self) {
        let flags = if self.via_init {
            0
        } else {
            libc::WUNTRACED | libc::WCONTINUED
        };
        while let Ok(Some((pid, status))) = sys::reap(flags) {
            if pid != self.child {
                continue;
            }
            if libc::WIFSTOPPED(status) {
                self.child_stopped = true;
                self.stop(libc::WSTOPSIG(status));
                continue;
            }
            if libc::WIFCONTINUED(status) {
                self.child_stopped = false;
                continue;
            }
            // What init said of the program, else the child's own end.
            self.read_channel(false);
            let status = self.status.unwrap_or(status);
            self.end(status)
        }
    }

    /// The program ended with the raw wait `status`: report, then end the same way.
    fn end(&mut self, status: libc::c_int) -> ! {
        let mut code = sys::exit_code(status);
        let mut signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
        match &mut self.session {
            Some(s) => {
                if s.killed() {
                    code = 128 + libc::SIGSYS;
                    signal = Some(libc::SIGSYS);
                }
                if !s.finish(self.stderr, code != 0) {
                    code = 125;
                    signal = None;
                }
            }
            // Without a session nobody named the denied call: say how to find it.
            None if signal == Some(libc::SIGSYS) => sys::write_all(self.stderr, &self.sigsys_hint),
            None => {}
        }
        if let (Some(listener), Some(session)) = (self.listener.take(), self.session.take()) {
            // Without a PID namespace, processes the program left behind may still use the
            // filter: a detached process answers them for as long as they live.
            keep_answering(listener, session, self.stderr);
        }
        if let Some(sig) = signal {
            sys::signal::die_of(sig);
        }
        sys::exit(code)
    }
}

/// After the program's end: answer notifications on `listener` with `session`, in a
/// detached child of the supervisor, until no process uses the filter any more. (With
/// a PID namespace the listener hangs up at once: the namespace is gone.)
fn keep_answering(listener: OwnedFd, mut session: Box<dyn Supervisor>, stderr: RawFd) {
    if sys::peer_closed(listener.as_raw_fd()) {
        return;
    }
    // SAFETY: the supervisor is single-threaded.
    if let Ok(0) = unsafe { sys::fork() } {
        let _ = sys::setsid();
        let mut fds = [sys::pollin(listener.as_raw_fd())];
        loop {
            fds[0].revents = 0;
            if sys::poll(&mut fds).is_err() || fds[0].revents & libc::POLLIN == 0 {
                sys::exit(0);
            }
            session.handle(listener.as_raw_fd(), stderr);
        }
    }
}

/// Close every descriptor but `keep`.
///
/// # Safety
///
/// As for [`sys::close_range`]: nothing may use or close the other descriptors
/// afterwards.
unsafe fn close_all_but(keep: &mut [RawFd]) {
    keep.sort_unstable();
    let mut next = 0;
    for &fd in keep.iter() {
        if fd >= next {
            // SAFETY: the caller's promise covers every descriptor but `keep`.
            let _ = unsafe { sys::close_range(next, fd - 1) };
            next = fd + 1;
        }
    }
    // SAFETY: as above.
    let _ = unsafe { sys::close_range(next, RawFd::MAX) };
}

/// Whether the process has one thread: `Err(N)` when `/proc/self/stat` says it has N
/// (`Ok` when that cannot be read).
fn single_threaded() -> Result<(), usize> {
    // Field 20, num_threads; the fields are counted after the command name, which is
    // in parentheses and may contain anything.
    let count = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let rest = &stat[stat.rfind(')')? + 1..];
            rest.split_whitespace().nth(20 - 3)?.parse::<usize>().ok()
        });
    match count {
        Some(n) if n > 1 => Err(n),
        _ => Ok(()),
    }
}

/// How long [`trial`] waits for the sandbox's processes to end.
pub const TRIAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Build and enter the sandbox of `restrictions` in a child process, as [`Launch::run`]
/// does, and stop where the program would be executed (`caprun --check-host`): the
/// child creates the namespaces ([`Restrictions::unshare`]); with `pid_namespace` its
/// own child, the namespace's init, goes on; then [`Restrictions::setup_inside`] and the
/// seccomp filter ([`Restrictions::just_before_exec`]), and the process exits. Nothing
/// of it reaches this process, which only waits (at most [`TRIAL_TIMEOUT`]: a filter
/// that denies `exit_group` would keep the process from ending).
///
/// Returns what went wrong as a launch would say it (without `caprun: `).
///
/// The process must have one thread (as for [`Launch::run`]; asserted in debug builds):
/// the child may allocate.
pub fn trial<R: Restrictions>(restrictions: &mut R, pid_namespace: bool) -> Result<(), String> {
    if cfg!(debug_assertions) {
        if let Err(threads) = single_threaded() {
            panic!("a trial must be single-threaded, and this process has {threads} threads");
        }
    }
    let (ours, theirs) = sys::seqpacket_pair().map_err(|e| format!("socketpair: {}", e.desc()))?;
    // SAFETY: one thread (asserted above), so the child may go on as before, allocating
    // included; it never returns from this function.
    let child = unsafe { sys::fork() }.map_err(|e| format!("fork: {}", e.desc()))?;
    if child == 0 {
        drop(ours);
        let report = Report {
            stderr: theirs.as_raw_fd(),
            channel: -1,
        };
        if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
            report.fail(b"caprun: ", e, 125);
        }
        if let Err(e) = restrictions.unshare() {
            sys::write_all(report.stderr, format!("caprun: {e}\n").as_bytes());
            sys::exit(125);
        }
        if pid_namespace {
            // SAFETY: this child has one thread, as its parent had.
            match unsafe { sys::fork() } {
                Err(e) => report.fail(b"caprun: fork: ", e, 125),
                Ok(0) => {
                    if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
                        report.fail(b"caprun: ", e, 125);
                    }
                }
                Ok(init) => match sys::wait_for(init) {
                    Ok(status) => sys::exit(sys::exit_code(status)),
                    Err(e) => report.fail(b"caprun: waitpid: ", e, 125),
                },
            }
        }
        if let Err(e) = restrictions.setup_inside() {
            e.write(report.stderr);
            sys::exit(125);
        }
        if let Err(e) = restrictions.just_before_exec() {
            report.fail(b"caprun: applying the seccomp filter: ", e, 125);
        }
        sys::exit(0);
    }
    drop(theirs);
    // What the child (or the init) says, until every copy of its end is closed.
    let mut said = Vec::new();
    let deadline = std::time::Instant::now() + TRIAL_TIMEOUT;
    let mut buf = [0u8; 4096];
    let timed_out = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let mut fds = [sys::pollin(ours.as_raw_fd())];
        match sys::poll_timeout(&mut fds, left.as_millis() as libc::c_int) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) => {
                let _ = sys::kill(child, libc::SIGKILL);
                let _ = sys::wait_for(child);
                return Err(format!("poll: {}", e.desc()));
            }
        }
        // SAFETY: `buf` is a valid, writable buffer of its length.
        match unsafe { libc::read(ours.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } {
            n if n > 0 => said.extend_from_slice(&buf[..n as usize]),
            -1 if Errno::last() == Errno::EINTR => {}
            _ => break false,
        }
    };
    if timed_out {
        // The init dies with the child (PR_SET_PDEATHSIG).
        let _ = sys::kill(child, libc::SIGKILL);
    }
    let status = sys::wait_for(child).map_err(|e| format!("waitpid: {}", e.desc()))?;
    let said = String::from_utf8_lossy(&said);
    let said = said.trim_end();
    let said = said.strip_prefix("caprun: ").unwrap_or(said);
    match (timed_out, sys::exit_code(status)) {
        (true, _) => Err(format!(
            "the sandbox was built, but its process did not end within {} s (does the seccomp filter deny exit_group?)",
            TRIAL_TIMEOUT.as_secs()
        )),
        (false, 0) if said.is_empty() => Ok(()),
        (false, _) if !said.is_empty() => Err(said.to_owned()),
        (false, code) if code > 128 => Err(format!(
            "the sandbox's process was killed by signal {} while it was built",
            code - 128
        )),
        (false, code) => Err(format!(
            "the sandbox's process ended with status {code} while it was built"
        )),
    }
}

/// Replay a descriptor plan with raw system calls, then close everything at or above
/// the table except the controls. `regs` starts as `plan.regs` and ends holding where
/// each register lives.
///
/// # Safety
///
/// Every descriptor below the table's end is replaced, and every one above it but the
/// controls closed: nothing may use or close them through their old owners afterwards.
unsafe fn apply(plan: &FdPlan, regs: &mut [RawFd]) -> Result<(), Errno> {
    for op in &plan.ops {
        match *op {
            Op::Lift(r) => regs[r] = sys::dupfd_cloexec(regs[r], plan.slots)?,
            // SAFETY: the caller's promise covers every slot of the table.
            Op::Place { reg, slot } => unsafe { sys::dup2(regs[reg], slot)? },
            Op::KeepInPlace(slot) => sys::set_cloexec(slot, false)?,
        }
    }
    // Close the gaps between the (few) controls, in increasing order.
    let mut next = plan.slots;
    loop {
        let lowest = plan
            .control_regs
            .iter()
            .map(|&r| regs[r])
            .filter(|&fd| fd >= next)
            .min();
        match lowest {
            Some(c) => {
                // SAFETY: the caller's promise covers everything above the table but the
                // controls.
                unsafe { sys::close_range(next, c - 1)? };
                next = c + 1;
            }
            // SAFETY: as above.
            None => return unsafe { sys::close_range(next, RawFd::MAX) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check `run` makes: the test harness runs this test on a thread of its own, and
    /// with another thread alive the count is at least two; a forked child has one.
    #[test]
    fn thread_count_is_checked() {
        let (stop, wait) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || wait.recv());
        assert!(matches!(single_threaded(), Err(n) if n >= 2));
        stop.send(()).unwrap();
        other.join().unwrap().unwrap();
        let child = crate::sandbox::testutil::in_child(|| match single_threaded() {
            Ok(()) => 0,
            Err(n) => n as i32,
        });
        assert_eq!(child, 0);
    }

    /// No restrictions at all.
    struct Nothing;

    impl Restrictions for Nothing {
        type Error = std::convert::Infallible;
        fn unshare(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        fn setup_inside(&mut self) -> Result<(), StepError<'_>> {
            Ok(())
        }
        fn just_before_exec(&mut self) -> Result<(), Errno> {
            Ok(())
        }
    }

    /// `/bin/true`, launched in a forked child: with `threads` threads besides the
    /// child's own. Returns the child's exit status (101: a panic).
    fn launch_true(threads: usize) -> i32 {
        crate::sandbox::testutil::in_child(|| {
            for _ in 0..threads {
                std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(60)));
            }
            let program = std::fs::File::open("/bin/true").expect("/bin/true");
            let launch = Launch::new(
                program.into(),
                "/bin/true",
                &[],
                None,
                Vec::new(),
                vec![c"true".to_owned()],
                Vec::new(),
            )
            .expect("a launch");
            launch.run(&mut Nothing, Mode::InPlace)
        })
    }

    /// A launch from a process with two threads panics before it forks or enters
    /// anything (debug builds); the same launch with one thread runs the program.
    #[cfg(debug_assertions)]
    #[test]
    fn a_multithreaded_launch_stops_at_once() {
        assert_eq!(launch_true(0), 0);
        assert_eq!(launch_true(1), 101);
    }
}
