//! What a launch created (`create: true` files, bound UNIX sockets), removed again if
//! the launch fails after all; and the janitor, the detached process that does it when
//! caprun execs in place (no supervisor stays to notice a failure).

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::exec::channel::{self, Message, OnFailure};
use crate::sys;

/// Files and sockets caprun created for this launch: removed again if the launch fails
/// after all (the exec, or a step of entering the sandbox). Each is its directory,
/// opened beforehand, and its name in it, so that they can be removed from wherever the
/// failure is noticed.
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
    pub(super) fn run(&self) {
        for (dir, name) in &self.entries {
            let _ = sys::fs::unlinkat(dir.as_raw_fd(), name);
        }
    }

    /// The directories' descriptors (a process that may undo keeps them open).
    pub(super) fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.entries.iter().map(|(d, _)| d.as_raw_fd())
    }
}

/// What the launch's processes announced on the channel before they ended: whether what
/// was created must be removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Announced {
    /// `Message::Exec` arrived: the exec was next.
    pub exec_next: bool,
    /// `Message::Failed` arrived.
    pub failed: bool,
}

impl Announced {
    /// Whether to undo once every process of the launch is gone: on a failure it said,
    /// and when it ended without saying anything (killed before the exec).
    pub fn must_undo(self) -> bool {
        self.failed || !self.exec_next
    }
}

/// In-place mode with something to undo: a detached process holding `undo` and the
/// channel end `ours` ([`sys::detach`]). It removes what was created when the launch says
/// it failed, or when the channel closes before the launch said the exec comes next (the
/// process died: a signal, a filter that kills). A successful exec closes the channel
/// after `Message::Exec`.
///
/// When the janitor cannot be started, the launch stops here: without it a failure
/// would leave the files behind unnoticed.
pub(super) fn spawn(undo: &Undo, ours: OwnedFd, stderr: RawFd) {
    let mut keep: Vec<RawFd> = undo.fds().collect();
    keep.push(ours.as_raw_fd());
    // SAFETY: one thread (see `Launch::run`); the janitor uses only `keep` and ends with
    // `sys::exit`.
    match unsafe { sys::detach(&mut keep) } {
        Err(e) => {
            undo.run();
            OnFailure::stderr(stderr).fail(
                b"caprun: starting the process that removes created files on failure: ",
                e,
                125,
            )
        }
        Ok(sys::Detached::Caller) => drop(ours),
        Ok(sys::Detached::Detached) => {
            let mut announced = Announced::default();
            loop {
                match channel::recv(ours.as_raw_fd(), true) {
                    Ok(Some(Message::Failed(_))) => announced.failed = true,
                    Ok(Some(Message::Exec)) => announced.exec_next = true,
                    Ok(Some(_)) | Err(Errno::EINTR) | Err(Errno::EPROTO) => {}
                    // Closed: the exec happened, or the launch ended.
                    Ok(None) | Err(_) => break,
                }
            }
            if announced.must_undo() {
                undo.run();
            }
            sys::exit(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_that_said_nothing_is_undone() {
        assert!(Announced::default().must_undo());
        assert!(Announced {
            exec_next: true,
            failed: true
        }
        .must_undo());
        assert!(!Announced {
            exec_next: true,
            failed: false
        }
        .must_undo());
    }
}
