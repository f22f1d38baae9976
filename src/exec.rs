//! `exec`: the tiny final step. Rearrange the descriptors, apply the last restrictions,
//! `execveat` the program by descriptor.
//!
//! Everything here was computed beforehand ([`Launch::new`] allocates; [`Launch::run`]
//! does not need to): the descriptor plan, the argv/envp pointer arrays and the error
//! message prefix. The process is single-threaded from start to exec.

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
}

/// Hooks run inside the final step, around the descriptor rearrangement.
pub trait Restrictions {
    /// Before the rearrangement (namespaces, mounts, Landlock, capabilities). May fail
    /// with a message; the launch then stops with status 125.
    fn before_rearrange(&mut self) -> Result<(), String>;
    /// After the rearrangement, just before `execveat` (seccomp). Must not allocate.
    fn just_before_exec(&mut self) -> Result<(), Errno>;
}

/// No restrictions (`--policy none`).
pub struct Unrestricted;

impl Restrictions for Unrestricted {
    fn before_rearrange(&mut self) -> Result<(), String> {
        Ok(())
    }
    fn just_before_exec(&mut self) -> Result<(), Errno> {
        Ok(())
    }
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
        })
    }

    /// Run the launch: this process becomes the program, or exits with 125 (a failure
    /// before exec), 126 (the program cannot be executed) or 127 (it does not exist).
    ///
    /// With `pid_namespace` (the restrictions entered a new PID namespace), the process
    /// forks instead: see [`supervise`](Launch::supervise).
    pub fn run(self, restrictions: &mut dyn Restrictions, pid_namespace: bool) -> ! {
        let stderr = self.stderr_copy.as_ref().map_or(-1, |f| f.as_raw_fd());
        if let Err(msg) = restrictions.before_rearrange() {
            sys::write_all(stderr, format!("caprun: {msg}\n").as_bytes());
            sys::exit(125);
        }
        if pid_namespace {
            self.supervise(restrictions, stderr)
        }
        self.finish(restrictions, stderr)
    }

    /// PID-namespace mode. caprun stays outside as the supervisor; its child is PID 1 of
    /// the new namespace, a minimal init that forks the program as PID 2 (a PID 1
    /// ignores every signal it has no handler for, so the program must not be it).
    /// Both forward [`FORWARDED`] signals down and reap; each exits with the status of
    /// the process below it (128 + N for a signal), so caprun's status is the program's.
    /// The supervisor dies with its parent and the init with the supervisor, which
    /// tears the namespace down.
    fn supervise(self, restrictions: &mut dyn Restrictions, stderr: RawFd) -> ! {
        let mut watched = FORWARDED.to_vec();
        watched.push(libc::SIGCHLD);
        let set = sys::SigSet::of(&watched);
        let parent = sys::parent_pid();
        if let Err(e) = set
            .block()
            .and_then(|()| sys::die_with_parent(libc::SIGKILL))
        {
            fail(stderr, b"caprun: supervisor: ", e, 125);
        }
        if sys::parent_pid() != parent {
            sys::exit(125); // The parent is already gone.
        }
        // Only raw system calls over prepared data from here on, in every process.
        let init = match sys::fork() {
            Err(e) => fail(stderr, b"caprun: fork: ", e, 125),
            Ok(pid) => pid,
        };
        if init > 0 {
            // The supervisor holds nothing of the program's.
            let _ = sys::close_range(0, stderr - 1);
            let _ = sys::close_range(stderr + 1, RawFd::MAX);
            forward_and_wait(init, &set, stderr)
        }
        if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
            fail(stderr, b"caprun: init: ", e, 125);
        }
        match sys::fork() {
            Err(e) => fail(stderr, b"caprun: fork: ", e, 125),
            Ok(0) => {
                if let Err(e) = sys::unblock_all() {
                    fail(stderr, b"caprun: signal mask: ", e, 125);
                }
                self.finish(restrictions, stderr)
            }
            Ok(program) => {
                let _ = sys::close_range(0, stderr - 1);
                let _ = sys::close_range(stderr + 1, RawFd::MAX);
                forward_and_wait(program, &set, stderr)
            }
        }
    }

    /// Rearrange the descriptors, apply the last restrictions and exec.
    fn finish(self, restrictions: &mut dyn Restrictions, stderr: RawFd) -> ! {
        let mut regs = self.plan.regs.clone();
        if let Err(e) = apply(&self.plan, &mut regs) {
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
        if let Err(e) = restrictions.just_before_exec() {
            fail(stderr, b"caprun: applying the seccomp filter: ", e, 125);
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

/// Forward the signals of `set` (blocked) to `child` and reap every child; exit with
/// `child`'s status once it is gone.
fn forward_and_wait(child: libc::pid_t, set: &sys::SigSet, stderr: RawFd) -> ! {
    loop {
        let sig = match set.wait() {
            Ok(sig) => sig,
            Err(e) => fail(stderr, b"caprun: supervisor: ", e, 125),
        };
        if sig != libc::SIGCHLD {
            let _ = sys::kill(child, sig);
            continue;
        }
        // Signals coalesce: reap everything that has finished.
        while let Ok(Some((pid, status))) = sys::reap() {
            if pid == child {
                sys::exit(sys::exit_code(status));
            }
        }
    }
}

/// Replay a descriptor plan with raw system calls, then close everything at or above
/// the table except the controls. `regs` starts as `plan.regs` and ends holding where
/// each register lives.
fn apply(plan: &FdPlan, regs: &mut [RawFd]) -> Result<(), Errno> {
    for op in &plan.ops {
        match *op {
            Op::Lift(r) => regs[r] = sys::dupfd_cloexec(regs[r], plan.slots)?,
            Op::Place { reg, slot } => sys::dup2(regs[reg], slot)?,
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
                sys::close_range(next, c - 1)?;
                next = c + 1;
            }
            None => return sys::close_range(next, RawFd::MAX),
        }
    }
}

fn fail(stderr: RawFd, prefix: &[u8], err: Errno, status: i32) -> ! {
    sys::write_all(stderr, prefix);
    sys::write_all(stderr, err.desc().as_bytes());
    sys::write_all(stderr, b"\n");
    sys::exit(status)
}
