//! What a launch asks of the sandbox ([`Restrictions`]) and of a supervising session
//! ([`Supervisor`]), and the condition every launch runs under (one thread).

use std::os::fd::RawFd;

use nix::errno::Errno;

use crate::sys::StepError;

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
    /// After [`setup_inside`](Self::setup_inside), in the process that becomes the
    /// program: each descriptor of caprun's that must be replaced, with its replacement
    /// (opened again by the sandbox: a grant through a clone of its mount, a file without
    /// the right to truncate), given to `place` as (caprun's, the new one). The final step
    /// puts each at its number before it rearranges the table. Must not allocate.
    fn replacements(&self, place: &mut dyn FnMut(RawFd, RawFd)) {
        let _ = place;
    }
    /// After the rearrangement, just before `execveat` (seccomp). Must not allocate.
    fn just_before_exec(&mut self) -> Result<(), Errno>;
    /// Instead of [`just_before_exec`](Self::just_before_exec) when denials go to the
    /// supervisor (`Launch::supervised`): install the notifying filter with a listener
    /// and return the listener's descriptor. Must not allocate.
    fn just_before_exec_with_listener(&mut self) -> Result<RawFd, Errno> {
        Err(Errno::ENOSYS)
    }
}

/// The supervisor's work in explain/learn mode (`Launch::supervised`): answering the
/// program's seccomp notifications and, when the program is gone, reporting. Called
/// only in the supervisor's process, which may allocate.
pub trait Supervisor {
    /// Descriptors the supervisor must keep open (every other one is closed after the
    /// fork).
    fn keep_fds(&self) -> Vec<RawFd>;
    /// Read and answer one pending notification on `listener`; messages go to `stderr`.
    fn handle(&mut self, listener: RawFd, stderr: RawFd);
    /// A descriptor that becomes readable when the supervisor has work of its own (a
    /// timer: locks to try again), or `-1`.
    fn timer_fd(&self) -> RawFd {
        -1
    }
    /// [`timer_fd`](Self::timer_fd) became readable.
    fn timer_expired(&mut self, listener: RawFd) {
        let _ = listener;
    }
    /// True once the supervisor killed the program for a denial (caprun then exits with
    /// 128 + SIGSYS, the status the filter itself would have caused).
    fn killed(&self) -> bool;
    /// At the program's exit (`failed`: with a status other than 0, or by a signal): the
    /// summary, or what was learned, written out. False when that failed (the learned
    /// policy could not be written): caprun then exits with 125, whatever the program's
    /// status.
    fn finish(&mut self, stderr: RawFd, failed: bool) -> bool;
}

/// Whether the process has one thread: `Err(N)` when `/proc/self/task` says it has N
/// (`Ok` when that cannot be read).
pub(crate) fn single_threaded() -> Result<(), usize> {
    // A task directory links to itself, its parent and each thread's directory: a stat
    // rather than reading /proc/self/stat, which procfs formats in full.
    let count = std::fs::metadata("/proc/self/task")
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::nlink(&m).saturating_sub(2) as usize);
    match count {
        Some(n) if n > 1 => Err(n),
        _ => Ok(()),
    }
}
