//! Test helpers: run a closure in a forked child and get its exit code; ioctl numbers as
//! seccomp sees them.

// ioctl request numbers as the 64-bit argument values seccomp sees (the libc constants are
// `c_ulong` with glibc and `c_int` with musl).
#[allow(clippy::unnecessary_cast)]
pub(crate) const FIONREAD: u64 = libc::FIONREAD as u64;
#[allow(clippy::unnecessary_cast)]
pub(crate) const TIOCLINUX: u64 = libc::TIOCLINUX as u64;
#[allow(clippy::unnecessary_cast)]
pub(crate) const TIOCSTI: u64 = libc::TIOCSTI as u64;

/// Fork; in the child run `f` (its return value is the exit code; a panic gives 101) and
/// `_exit` without unwinding into the test harness; in the parent wait and return the exit
/// code, or 128 + the signal number. The child inherits only the calling thread: `f` must
/// not rely on other threads (the test harness's), and should use raw system calls.
pub(crate) fn in_child<F: FnOnce() -> i32>(f: F) -> i32 {
    // SAFETY: fork has no preconditions; the child only runs `f` and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        // SAFETY: _exit never returns and skips the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child with a valid status pointer.
    let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(rc, pid, "waitpid: {}", std::io::Error::last_os_error());
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    }
}

/// Enter `prepared` in this process as a launch does: create the namespaces here; with a
/// PID namespace, fork, the parent waiting and `_exit`ing with the child's status (as
/// [`in_child`] reports it), the child (PID 1 of the namespace) going on; then build the
/// inside. For a closure run by [`in_child`]: its code is the child's.
pub(crate) fn enter(prepared: &mut super::Prepared) -> Result<(), super::SandboxError> {
    prepared.unshare()?;
    if prepared.needs_fork() {
        // SAFETY: the caller runs in a single-threaded forked child (see `in_child`).
        let pid = unsafe { crate::sys::fork_new_pid_ns() }.unwrap_or(-1);
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid > 0 {
            let mut status = 0;
            // SAFETY: waiting for our own child with a valid status pointer, then _exit.
            unsafe {
                libc::waitpid(pid, &mut status, 0);
                let code = if libc::WIFEXITED(status) {
                    libc::WEXITSTATUS(status)
                } else {
                    128 + libc::WTERMSIG(status)
                };
                libc::_exit(code);
            }
        }
    }
    prepared
        .setup_inside()
        .map_err(|e| super::SandboxError::Step(e.to_string()))
}
