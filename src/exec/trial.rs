//! `--check-host`'s trial of a sandbox: build and enter it in a child process, as a
//! launch would, and stop where the program would be executed.

use std::os::fd::AsRawFd;

use nix::errno::Errno;

use crate::exec::channel::OnFailure;
use crate::exec::interface::{single_threaded, Restrictions};
use crate::sys;

/// How long [`trial`] waits for the sandbox's processes to end.
pub const TRIAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Build and enter the sandbox of `restrictions` in a child process, as [`Launch::run`](crate::exec::Launch::run)
/// does, and stop where the program would be executed (`caprun --check-host`): the
/// child creates the namespaces ([`Restrictions::unshare`]); with `pid_namespace` its
/// own child, the namespace's init, goes on; then [`Restrictions::setup_inside`] and the
/// seccomp filter ([`Restrictions::just_before_exec`]), and the process exits. Nothing
/// of it reaches this process, which only waits (at most [`TRIAL_TIMEOUT`]: a filter
/// that denies `exit_group` would keep the process from ending).
///
/// Returns what went wrong as a launch would say it (without `caprun: `).
///
/// The process must have one thread (as for [`Launch::run`](crate::exec::Launch::run); checked, an error
/// otherwise): the child may allocate.
pub fn trial<R: Restrictions>(restrictions: &mut R, pid_namespace: bool) -> Result<(), String> {
    single_threaded().map_err(|threads| {
        format!("a trial must be single-threaded, and this process has {threads} threads")
    })?;
    let (ours, theirs) = sys::seqpacket_pair().map_err(|e| format!("socketpair: {}", e.desc()))?;
    // SAFETY: one thread (asserted above), so the child may go on as before, allocating
    // included; it never returns from this function.
    let child = unsafe { sys::fork() }.map_err(|e| format!("fork: {}", e.desc()))?;
    if child == 0 {
        drop(ours);
        let on_failure = OnFailure::stderr(theirs.as_raw_fd());
        if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
            on_failure.fail(b"caprun: ", e, 125);
        }
        if let Err(e) = restrictions.unshare() {
            sys::write_all(on_failure.stderr, format!("caprun: {e}\n").as_bytes());
            sys::exit(125);
        }
        if pid_namespace {
            // SAFETY: this child has one thread, as its parent had. Its child is PID 1 of
            // the new namespace, as a launch's init is.
            match unsafe { sys::fork_new_pid_ns() } {
                Err(e) => on_failure.fail(b"caprun: fork: ", e, 125),
                Ok(0) => {
                    if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
                        on_failure.fail(b"caprun: ", e, 125);
                    }
                }
                Ok(init) => match sys::wait_for(init) {
                    Ok(status) => sys::exit(sys::exit_code(status)),
                    Err(e) => on_failure.fail(b"caprun: waitpid: ", e, 125),
                },
            }
        }
        if let Err(e) = restrictions.setup_inside() {
            e.write(on_failure.stderr);
            sys::exit(125);
        }
        if let Err(e) = restrictions.just_before_exec() {
            on_failure.fail(b"caprun: applying the seccomp filter: ", e, 125);
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
