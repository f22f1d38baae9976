//! The waker: while the supervisor is stopped for job control (it mirrors a ^Z of the
//! program so that the shell sees its job stop), none of it runs. Whatever happens in the
//! meantime must still be heard: the program continued or ended from outside (a message
//! from init), a seccomp notification of a process of the sandbox that is not stopped, a
//! service notification. The waker is a child of the supervisor, outside the sandbox (the
//! sandbox's PID namespace holds only init's descendants), that waits for any of the
//! supervisor's descriptors to be readable, says so, and continues the supervisor.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::sys;

/// A running waker.
#[derive(Debug)]
pub(crate) struct Waker {
    pid: libc::pid_t,
    /// Readable once the waker saw something and set out to continue the supervisor.
    said: OwnedFd,
}

impl Waker {
    /// Start a waker watching `watch` (negative entries are ignored), before the
    /// supervisor stops itself. `None` when it cannot be forked (the supervisor then
    /// stops without one, as it did before wakers).
    pub fn spawn(watch: [RawFd; 3]) -> Option<Waker> {
        let (said, says) = sys::seqpacket_pair().ok()?;
        let supervisor = sys::signal::getpid();
        // SAFETY: the supervisor is single-threaded; the child makes raw system calls on
        // stack data only and ends with `sys::exit`.
        match unsafe { sys::fork() } {
            Ok(0) => {
                let _ = sys::die_with_parent(libc::SIGKILL);
                let mut fds = watch.map(sys::pollin);
                let _ = sys::poll(&mut fds);
                sys::write_all(says.as_raw_fd(), b"w");
                // Again until the supervisor, continued, kills this process: a SIGCONT
                // that comes before the supervisor has stopped does nothing.
                loop {
                    let _ = sys::kill(supervisor, libc::SIGCONT);
                    let _ = sys::poll_timeout(&mut [], 10);
                }
            }
            Ok(pid) => Some(Waker { pid, said }),
            Err(_) => None,
        }
    }

    /// The waker's pid (its `SIGCONT`s are not the program's to forward).
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// End the waker, once the supervisor runs again: whether it was the waker that
    /// continued it (something is to be handled; the job stays stopped), rather than the
    /// shell or a `kill -CONT`.
    pub fn finish(self) -> bool {
        let woke = sys::readable(self.said.as_raw_fd());
        let _ = sys::kill(self.pid, libc::SIGKILL);
        let _ = sys::wait_for(self.pid);
        woke
    }
}
