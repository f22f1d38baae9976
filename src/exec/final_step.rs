//! The final step, in the process that becomes the program: rearrange the descriptors
//! (replaying the plan of [`crate::plan::fdmap`]), truncate, install the seccomp filter
//! and exec. Raw system calls over prebuilt data only.

use std::ffi::{c_char, CString};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::exec::channel::{self, Message, OnFailure};
use crate::exec::interface::Restrictions;
use crate::plan::fdmap::{FdPlan, Op};
use crate::sys;

/// Everything the final step needs, built before anything irreversible.
pub(crate) struct FinalStep {
    // Executed through the plan's registers after the rearrangement; owned here until
    // then.
    pub _program: OwnedFd,
    // Kept alive so the table's descriptors stay valid until the rearrangement.
    pub _memfd: Option<OwnedFd>,
    pub stderr_copy: Option<OwnedFd>,
    pub plan: FdPlan,
    // Which control of the plan is which.
    pub controls: Controls,
    pub truncate: Vec<RawFd>,
    // Owners of the strings `argv_ptrs`/`envp_ptrs` point into.
    pub _argv: Vec<CString>,
    pub _envp: Vec<CString>,
    pub argv_ptrs: Vec<*const c_char>,
    pub envp_ptrs: Vec<*const c_char>,
    // `caprun: PROGRAM: `, for a failed exec.
    pub prefix: Vec<u8>,
    // The program's process hands a seccomp listener to the supervisor (a session).
    pub listener_wanted: bool,
    // The session does without the listener if none can be had.
    pub listener_optional: bool,
    // A `#!` script is executed by this path (inside the sandbox), not by descriptor.
    pub by_path: Option<CString>,
}

/// Where the launch's own descriptors (the controls of the descriptor plan, which
/// survive the rearrangement close-on-exec) sit in the plan's control list.
#[derive(Debug, Clone, Copy)]
pub(super) struct Controls {
    /// The program's descriptor, executed by `execveat`.
    pub program: usize,
    /// A close-on-exec copy of stderr, for failures after the rearrangement.
    pub stderr: Option<usize>,
    /// The channel's far end ([`crate::exec::channel`]).
    pub channel: Option<usize>,
}

/// The controls' descriptors once the plan was replayed.
#[derive(Debug, Clone, Copy)]
struct Placed {
    program: RawFd,
    stderr: RawFd,
    channel: RawFd,
}

impl Controls {
    fn placed(self, plan: &FdPlan, regs: &[RawFd]) -> Placed {
        let at = |ctl: usize| regs[plan.control_regs[ctl]];
        Placed {
            program: at(self.program),
            stderr: self.stderr.map_or(-1, at),
            channel: self.channel.map_or(-1, at),
        }
    }
}

impl FinalStep {
    /// The copy of stderr for failures before the rearrangement (`-1`: none).
    pub fn stderr_fd(&self) -> RawFd {
        self.stderr_copy.as_ref().map_or(-1, |f| f.as_raw_fd())
    }

    /// Rearrange the descriptors, apply the last restrictions and exec.
    pub fn run<R: Restrictions>(mut self, restrictions: &mut R, on_failure: OnFailure) -> ! {
        // The sandbox's replacements first, at the numbers the plan knows them by.
        let mut failed = None;
        restrictions.replacements(&mut |target, new| {
            if failed.is_none() {
                // SAFETY: from here the process only execs or exits; `target` is one of
                // the launch's descriptors, replaced by the same file opened again, and
                // its owner is never used or dropped again.
                failed = unsafe { sys::dup3_cloexec(new, target) }.err();
            }
        });
        if let Some(e) = failed {
            on_failure.fail(b"caprun: placing a descriptor opened again: ", e, 125);
        }
        // Taken, not cloned: nothing is allocated here (the process may share its
        // parent's memory: `sys::spawn_sharing_memory`).
        let mut regs = std::mem::take(&mut self.plan.regs);
        // SAFETY: from here the process only execs or exits: the owners of the
        // descriptors the rearrangement replaces or closes (the launch's and the
        // caller's) are never used or dropped again.
        if let Err(e) = unsafe { apply(&self.plan, &mut regs) } {
            on_failure.fail(b"caprun: rearranging descriptors: ", e, 125);
        }
        // Only raw system calls from here on.
        let placed = self.controls.placed(&self.plan, &regs);
        let on_failure = OnFailure {
            stderr: placed.stderr,
            channel: placed.channel,
        };
        for &slot in &self.truncate {
            if let Err(e) = sys::truncate(slot) {
                on_failure.fail(b"caprun: truncating a file: ", e, 125);
            }
        }
        self.install_filter(restrictions, placed.channel, on_failure);
        // Every call from here to the exec (and the failure report after it) is one the
        // policy was checked to allow (`sandbox::policy`, the final step's calls).
        if placed.channel >= 0 {
            if let Err(e) = channel::send(placed.channel, Message::Exec) {
                on_failure.fail(b"caprun: launch channel: ", e, 125);
            }
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
                sys::execveat(
                    placed.program,
                    self.argv_ptrs.as_ptr(),
                    self.envp_ptrs.as_ptr(),
                )
            },
        };
        let status = if err == Errno::ENOENT { 127 } else { 126 };
        on_failure.fail(&self.prefix, err, status);
    }

    /// The seccomp filter: the policy's own, or with denials going to the supervisor
    /// (its listener handed over before anything else can be notified; both it and the
    /// channel are close-on-exec).
    fn install_filter<R: Restrictions>(
        &self,
        restrictions: &mut R,
        channel: RawFd,
        on_failure: OnFailure,
    ) {
        if !self.listener_wanted {
            if let Err(e) = restrictions.just_before_exec() {
                on_failure.fail(b"caprun: applying the seccomp filter: ", e, 125);
            }
            return;
        }
        match restrictions.just_before_exec_with_listener() {
            Ok(listener) => {
                if let Err(e) = channel::send(channel, Message::Listener(listener)) {
                    on_failure.fail(b"caprun: handing the seccomp listener over: ", e, 125);
                }
            }
            // A filter of the process that started caprun has a listener already, and a
            // process may have only one: an optional session does without (the policy's
            // own filter answers); explain/learn cannot.
            Err(Errno::EBUSY) if self.listener_optional => {
                if let Err(e) = restrictions.just_before_exec() {
                    on_failure.fail(b"caprun: applying the seccomp filter: ", e, 125);
                }
            }
            Err(Errno::EBUSY) => on_failure.fail(
                b"caprun: --explain-denials and --learn need a seccomp listener, and a filter of the process that started caprun has one already (a process may have only one): ",
                Errno::EBUSY,
                125,
            ),
            Err(e) => on_failure.fail(b"caprun: applying the seccomp filter: ", e, 125),
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
