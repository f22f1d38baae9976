//! `exec`: the tiny final step. Rearrange the descriptors, apply the last restrictions,
//! `execveat` the program by descriptor.
//!
//! Everything here was computed beforehand ([`Launch::new`] allocates; [`Launch::run`]
//! does not need to): the descriptor plan, the argv/envp pointer arrays and the error
//! message prefix. The process is single-threaded from start to exec (asserted in debug
//! builds when the launch starts): its forks and the rearrangement rely on it.

use std::ffi::{c_char, CString};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::plan::fdmap::{self, FdPlan, Op};
use crate::sys;

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

/// Hooks run inside the final step, around the descriptor rearrangement.
pub trait Restrictions {
    /// What [`before_rearrange`](Self::before_rearrange) fails with (printed as
    /// `caprun: ERROR`).
    type Error: std::fmt::Display;
    /// Before the rearrangement (namespaces, mounts, Landlock, capabilities). When it
    /// fails, the launch stops with status 125.
    fn before_rearrange(&mut self) -> Result<(), Self::Error>;
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
    /// At the program's exit: the summary, or what was learned, written out.
    fn finish(&mut self, stderr: RawFd);
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
    // The plan's inputs, kept to replan with one more control (`supervised`).
    sources: Vec<RawFd>,
    controls: Vec<RawFd>,
    notify: Option<Notify>,
}

/// Explain/learn mode: the supervisor's session and the channel that carries the
/// seccomp listener from the program's process to it.
struct Notify {
    session: Box<dyn Supervisor>,
    // The supervisor's end.
    ours: OwnedFd,
    // The program's end: a control of the descriptor plan, at `control_regs[ctl]`.
    theirs: OwnedFd,
    ctl: usize,
}

impl Launch {
    /// Prepare a launch.
    ///
    /// `table` holds the descriptor for each slot; the argdata, if any, goes into a
    /// sealed memfd placed right after them. `truncate` lists slots to truncate at launch. `program`
    /// is the descriptor to execute and `label` names it in error messages.
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
        let plan_inputs = (sources, controls);
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
            sources: plan_inputs.0,
            controls: plan_inputs.1,
            notify: None,
        })
    }

    /// Route the program's denials to a supervisor (`--explain-denials`, `--learn`): the
    /// launch forks even without a PID namespace, caprun stays as the supervisor and
    /// runs `session`. Creates the channel for the listener (a socket pair, both ends
    /// close-on-exec; the program's end is a control of the descriptor plan so that it
    /// survives the rearrangement). The program's descriptors, argv and environment are
    /// the same as in exec-in-place mode.
    pub fn supervised(mut self, session: Box<dyn Supervisor>) -> Result<Launch, ExecError> {
        let (ours, theirs) = sys::seqpacket_pair().map_err(ExecError::Channel)?;
        let ctl = self.controls.len();
        self.controls.push(theirs.as_raw_fd());
        self.plan = fdmap::plan(&self.sources, &self.controls)?;
        self.notify = Some(Notify {
            session,
            ours,
            theirs,
            ctl,
        });
        Ok(self)
    }

    /// Run the launch: this process becomes the program, or exits with 125 (a failure
    /// before exec), 126 (the program cannot be executed) or 127 (it does not exist).
    ///
    /// With `pid_namespace` (the restrictions entered a new PID namespace), the process
    /// forks instead: see [`supervise`](Launch::supervise).
    ///
    /// The process must have one thread: the launch forks, and the rearrangement closes
    /// and replaces descriptors whatever owns them (another thread would lose them
    /// underneath). `unshare(CLONE_NEWUSER)` demands it too.
    ///
    /// # Panics
    ///
    /// In debug builds, when the process has more than one thread. (Checked here, before
    /// the sandbox is entered: after, `/proc` may be gone.)
    pub fn run<R: Restrictions>(self, restrictions: &mut R, pid_namespace: bool) -> ! {
        if cfg!(debug_assertions) {
            if let Err(threads) = single_threaded() {
                panic!(
                    "the launch must be single-threaded, and this process has {threads} threads"
                );
            }
        }
        let stderr = self.stderr_copy.as_ref().map_or(-1, |f| f.as_raw_fd());
        if let Err(e) = restrictions.before_rearrange() {
            sys::write_all(stderr, format!("caprun: {e}\n").as_bytes());
            sys::exit(125);
        }
        if pid_namespace || self.notify.is_some() {
            self.supervise(restrictions, stderr, pid_namespace)
        }
        self.finish(restrictions, stderr)
    }

    /// Supervised mode: caprun stays as the supervisor, forwarding [`FORWARDED`]
    /// signals down and answering seccomp notifications (explain/learn); its exit status
    /// is the program's (128 + N for a signal). The supervisor dies with its parent and
    /// what it forked dies with it.
    ///
    /// With `pid_namespace`, its child is PID 1 of the new namespace, a minimal init that
    /// forks the program as PID 2 (a PID 1 ignores every signal it has no handler for, so
    /// the program must not be it), forwards signals and reaps. Without, the supervisor
    /// forks the program directly (explain/learn without a PID namespace).
    fn supervise<R: Restrictions>(
        mut self,
        restrictions: &mut R,
        stderr: RawFd,
        pid_namespace: bool,
    ) -> ! {
        let mut watched = FORWARDED.to_vec();
        watched.push(libc::SIGCHLD);
        let set = sys::SigSet::of(&watched);
        let parent = sys::parent_pid();
        // Prepared before the forks: what init says when the program dies of SIGSYS.
        let mut sigsys_hint = self.prefix.clone();
        sigsys_hint.extend_from_slice(
            b"killed by SIGSYS: a system call its seccomp policy denies with `kill` \
              (rerun with --explain-denials to name it)\n",
        );
        // SIGPIPE is blocked too (not watched): caprun leaves its disposition as it found
        // it, for the program, so at SIG_DFL the supervisor's explanations written to a
        // broken stderr pipe would kill it, and the program with it. Blocked, the write
        // just fails (EPIPE; diagnostics are best effort). The program's process
        // unblocks all.
        let mut blocked = watched.clone();
        blocked.push(libc::SIGPIPE);
        if let Err(e) = sys::SigSet::of(&blocked)
            .block()
            .and_then(|()| sys::die_with_parent(libc::SIGKILL))
        {
            fail(stderr, b"caprun: supervisor: ", e, 125);
        }
        if sys::parent_pid() != parent {
            sys::exit(125); // The parent is already gone.
        }
        let notify = self.notify.take();
        // SAFETY: the launch runs on the process's only thread (see `run`), so both sides
        // of the fork may go on as before, allocating included.
        let child = match unsafe { sys::fork() } {
            Err(e) => fail(stderr, b"caprun: fork: ", e, 125),
            Ok(pid) => pid,
        };
        if child > 0 {
            // The supervisor holds nothing of the program's (caprun is single-threaded:
            // it may allocate after the fork).
            let mut keep = vec![stderr];
            let mut channel = None;
            if let Some(n) = notify {
                keep.push(n.ours.as_raw_fd());
                keep.extend(n.session.keep_fds());
                channel = Some((n.ours, n.session));
                // n.theirs is closed below: EOF on `ours` if the program never sends.
                std::mem::forget(n.theirs);
            }
            // SAFETY: the supervisor uses only `keep` from here on, and never returns: the
            // owners of everything else (the launch's) are neither used nor dropped.
            unsafe { close_all_but(&mut keep) };
            // The launcher's code stays mapped but not resident: the supervisor is small.
            sys::release_code_pages();
            supervisor_loop(child, &set, stderr, channel, &sigsys_hint)
        }
        // Back in the launch: the channel's program end is in the plan's controls (the
        // supervisor's end is closed by the rearrangement).
        self.notify = notify;
        if !pid_namespace {
            // The program dies with the supervisor (as it would with init).
            if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
                fail(stderr, b"caprun: supervisor: ", e, 125);
            }
            if let Err(e) = sys::unblock_all() {
                fail(stderr, b"caprun: signal mask: ", e, 125);
            }
            self.finish(restrictions, stderr)
        }
        if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
            fail(stderr, b"caprun: init: ", e, 125);
        }
        // SAFETY: as for the first fork: one thread.
        match unsafe { sys::fork() } {
            Err(e) => fail(stderr, b"caprun: fork: ", e, 125),
            Ok(0) => {
                if let Err(e) = sys::unblock_all() {
                    fail(stderr, b"caprun: signal mask: ", e, 125);
                }
                self.finish(restrictions, stderr)
            }
            Ok(program) => {
                // SAFETY: init uses only `stderr` from here on, and never returns: the
                // owners of everything else (the launch's) are neither used nor dropped.
                unsafe {
                    let _ = sys::close_range(0, stderr - 1);
                    let _ = sys::close_range(stderr + 1, RawFd::MAX);
                }
                sys::release_code_pages();
                supervisor_loop(program, &set, stderr, None, &sigsys_hint)
            }
        }
    }

    /// Rearrange the descriptors, apply the last restrictions and exec.
    fn finish<R: Restrictions>(self, restrictions: &mut R, stderr: RawFd) -> ! {
        let mut regs = self.plan.regs.clone();
        // SAFETY: from here the process only execs or exits: the owners of the
        // descriptors the rearrangement replaces or closes (the launch's and the
        // caller's) are never used or dropped again.
        if let Err(e) = unsafe { apply(&self.plan, &mut regs) } {
            fail(stderr, b"caprun: rearranging descriptors: ", e, 125);
        }
        // Only raw system calls from here on. After `apply`, the controls live in `regs`.
        let program = regs[self.plan.control_regs[0]];
        let stderr = if self.stderr_copy.is_some() {
            regs[self.plan.control_regs[1]]
        } else {
            -1
        };
        for &slot in &self.truncate {
            if let Err(e) = sys::truncate(slot) {
                fail(stderr, b"caprun: truncating a file: ", e, 125);
            }
        }
        match &self.notify {
            None => {
                if let Err(e) = restrictions.just_before_exec() {
                    fail(stderr, b"caprun: applying the seccomp filter: ", e, 125);
                }
            }
            Some(n) => {
                // The listener goes to the supervisor before anything else can be
                // notified; both it and the channel are close-on-exec.
                let channel = regs[self.plan.control_regs[n.ctl]];
                let listener = match restrictions.just_before_exec_with_listener() {
                    Ok(fd) => fd,
                    Err(e) => fail(stderr, b"caprun: applying the seccomp filter: ", e, 125),
                };
                if let Err(e) = sys::send_fd(channel, listener) {
                    fail(
                        stderr,
                        b"caprun: handing the seccomp listener over: ",
                        e,
                        125,
                    );
                }
            }
        }
        // SAFETY: argv_ptrs/envp_ptrs are NULL-terminated arrays of pointers into the
        // CStrings owned by `self`, alive for the call.
        let err =
            unsafe { sys::execveat(program, self.argv_ptrs.as_ptr(), self.envp_ptrs.as_ptr()) };
        let status = if err == Errno::ENOENT { 127 } else { 126 };
        fail(stderr, &self.prefix, err, status);
    }
}

/// The signals caprun's supervisor forwards to the program in PID-namespace mode.
pub const FORWARDED: [libc::c_int; 6] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

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

/// The supervisor, and the init of PID-namespace mode: forward signals to `child`
/// (through a signalfd), reap every child, answer the program's seccomp notifications
/// when `channel` (the socket the listener arrives on, and the session) is given, and
/// exit with `child`'s status once it is gone, after the session's summary or learned
/// policy — or `sigsys_hint` when, with no session, SIGSYS killed it. Raw system calls
/// only when there is no session (the init runs it after a fork).
///
/// One `poll` over the signalfd, the channel (until the listener arrives or the
/// program's process closes its end) and the listener (until every process using the
/// filter is gone: `POLLHUP`). A signalfd rather than `sigwaitinfo` so that signals and
/// notifications are waited for together, without a timeout loop.
fn supervisor_loop(
    child: libc::pid_t,
    set: &sys::SigSet,
    stderr: RawFd,
    channel: Option<(OwnedFd, Box<dyn Supervisor>)>,
    sigsys_hint: &[u8],
) -> ! {
    let (mut sock, mut session) = match channel {
        Some((s, session)) => (Some(s), Some(session)),
        None => (None, None),
    };
    let sfd = match sys::signalfd(set) {
        Ok(fd) => fd,
        Err(e) => fail(stderr, b"caprun: supervisor: ", e, 125),
    };
    let mut listener: Option<OwnedFd> = None;
    loop {
        let raw = |f: &Option<OwnedFd>| f.as_ref().map_or(-1, |f| f.as_raw_fd());
        let mut fds = [
            libc::pollfd {
                fd: sfd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: raw(&sock),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: raw(&listener),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        if let Err(e) = sys::poll(&mut fds) {
            fail(stderr, b"caprun: supervisor: ", e, 125);
        }
        // Notifications first: a program blocked in one cannot exit.
        if fds[2].revents & libc::POLLIN != 0 {
            if let (Some(l), Some(s)) = (&listener, &mut session) {
                s.handle(l.as_raw_fd(), stderr);
            }
        } else if fds[2].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            listener = None;
        }
        if fds[1].revents != 0 {
            if let Some(s) = sock.take() {
                if let Ok(Some(l)) = sys::recv_fd(s.as_raw_fd()) {
                    listener = Some(l);
                }
            }
        }
        if fds[0].revents & libc::POLLIN == 0 {
            continue;
        }
        let sig = match sys::read_signal(sfd.as_raw_fd()) {
            Ok(sig) => sig,
            Err(e) => fail(stderr, b"caprun: supervisor: ", e, 125),
        };
        if sig != libc::SIGCHLD {
            let _ = sys::kill(child, sig);
            continue;
        }
        while let Ok(Some((pid, status))) = sys::reap() {
            if pid != child {
                continue;
            }
            let mut code = sys::exit_code(status);
            match &mut session {
                Some(s) => {
                    if s.killed() {
                        code = 128 + libc::SIGSYS;
                    }
                    s.finish(stderr);
                }
                // Without a session nobody named the denied call: say how to find it.
                None if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSYS => {
                    sys::write_all(stderr, sigsys_hint);
                }
                None => {}
            }
            sys::exit(code);
        }
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

fn fail(stderr: RawFd, prefix: &[u8], err: Errno, status: i32) -> ! {
    sys::write_all(stderr, prefix);
    sys::write_all(stderr, err.desc().as_bytes());
    sys::write_all(stderr, b"\n");
    sys::exit(status)
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
        fn before_rearrange(&mut self) -> Result<(), Self::Error> {
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
            launch.run(&mut Nothing, false)
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
