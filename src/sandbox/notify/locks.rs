//! `locks`: exclusive `flock` locks decided by caprun's supervisor (`exclusive-locks:
//! writable` in a policy's seccomp part).
//!
//! An exclusive lock on a file holds up every other process that locks it, on the host
//! too; Landlock does not mediate locks, and seccomp cannot see a descriptor's open mode.
//! So the filter hands `flock(fd, op)` with `LOCK_EX` to the supervisor, which takes a
//! duplicate of the program's descriptor (`pidfd_getfd`: the same open file description,
//! where flock locks live), and grants the lock only where the sandbox can write:
//!
//! - the open file description was opened for writing (the program can change the file,
//!   whatever holding it up adds is nothing more), or
//! - with a mount namespace, the file is on a writable mount of the sandbox's own: a
//!   mount listed in the program's `/proc/PID/mountinfo` (the host's mounts, where
//!   descriptors inherited from the host live, are not) without `ro`: `/tmp`, `/dev/shm`,
//!   a writable grant. The policy's binds, read-only grants and the root are read-only
//!   mounts.
//!
//! A granted lock is taken by the supervisor itself, non-blocking, on its duplicate (the
//! program then holds it: the open file description is the same), and the call answered
//! with 0; the decision and the lock concern the very description locked, whatever the
//! program does meanwhile with its descriptor numbers. A blocking request on a contended
//! file stays pending and is tried again on a timer (1 ms, doubling up to 50 ms) without
//! holding up the supervisor; a signal that interrupts the program's wait ends it (the
//! kernel then restarts the call or returns `EINTR`, as for a real `flock`). A refused
//! lock is answered `EOPNOTSUPP` ([`LOCK_REFUSED`]), the answer of a file system without
//! such locks. Without `pidfd_getfd` (before Linux 5.6) every exclusive lock is refused,
//! and the supervisor says so once.

use std::collections::HashMap;
use std::io::Read as _;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use nix::errno::Errno;

use crate::sandbox::seccomp::LOCK_REFUSED;
use crate::sys;
use crate::sys::seccomp::{notif_id_valid, notif_return, notif_send, SeccompNotif};

/// The first wait before a contended lock is tried again.
const FIRST_RETRY: Duration = Duration::from_millis(1);
/// The longest.
const LAST_RETRY: Duration = Duration::from_millis(50);
/// Blocking locks waiting at once, at most (each holds a descriptor in the supervisor);
/// beyond, a blocking request on a contended file fails with `ENOLCK`, as the kernel's
/// own flock does when it has no room for another lock.
const MAX_PENDING: usize = 256;

/// A blocking lock waiting for the file to be free.
#[derive(Debug)]
struct Pending {
    /// The notification, answered once the lock is taken.
    id: u64,
    /// The supervisor's duplicate of the program's descriptor.
    file: OwnedFd,
    /// The operation asked (without `LOCK_NB`).
    op: libc::c_int,
}

/// What became of one exclusive lock asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Taken for the program, or failed as `flock` itself failed (`EWOULDBLOCK` for a
    /// non-blocking request on a contended file, `EBADF`, ...).
    Answered,
    /// Refused: the file is not writable for the sandbox.
    Refused,
    /// Waiting for the file to be free.
    Waiting,
    /// The program no longer waits for it (it died or a signal interrupted it).
    Gone,
}

/// The supervisor's part of `exclusive-locks: writable`.
#[derive(Debug)]
pub struct LockBroker {
    /// The host's `/proc`, opened before the sandbox existed (the notifications' pids
    /// are of the host's PID namespace).
    host_proc: OwnedFd,
    /// The policy has a mount namespace: its writable mounts are places the sandbox may
    /// write (without one, every mount is the host's, and only descriptors open for
    /// writing count).
    mount_namespace: bool,
    timer: OwnedFd,
    pending: Vec<Pending>,
    retry: Duration,
    /// Mount id → a writable mount of the sandbox's own (the sandbox cannot mount or
    /// unmount, so a verdict stays true).
    mounts: HashMap<u64, bool>,
    /// `pidfd_getfd` is missing (said once).
    said_unsupported: bool,
}

impl LockBroker {
    /// A broker that reads the program's mounts in `host_proc` (the host's `/proc`).
    pub fn new(host_proc: OwnedFd, mount_namespace: bool) -> Result<LockBroker, Errno> {
        Ok(LockBroker {
            host_proc,
            mount_namespace,
            timer: sys::lock::timer()?,
            pending: Vec::new(),
            retry: FIRST_RETRY,
            mounts: HashMap::new(),
            said_unsupported: false,
        })
    }

    /// Descriptors the supervisor must keep open.
    pub fn keep_fds(&self) -> Vec<RawFd> {
        vec![self.host_proc.as_raw_fd(), self.timer.as_raw_fd()]
    }

    /// The timer that says pending locks are to be tried again ([`retry`](Self::retry)).
    pub fn timer_fd(&self) -> RawFd {
        self.timer.as_raw_fd()
    }

    /// Answer `req`, an exclusive `flock` (see the module documentation); a refusal for
    /// want of `pidfd_getfd` is said once on `stderr`.
    pub fn handle(&mut self, listener: RawFd, req: &SeccompNotif, stderr: RawFd) -> Outcome {
        let fd = req.data.args[0] as u32 as RawFd;
        let op = req.data.args[1] as u32 as libc::c_int;
        let file = match self.take(listener, req, fd) {
            Ok(file) => file,
            Err(_) if !notif_id_valid(listener, req.id) => return Outcome::Gone,
            // No such descriptor: what flock itself says.
            Err(Errno::EBADF) => {
                let _ = notif_send(listener, req.id, libc::EBADF);
                return Outcome::Answered;
            }
            // Never left waiting: refused, and said once.
            Err(e) => {
                if !self.said_unsupported {
                    self.said_unsupported = true;
                    let why = if e == Errno::ENOSYS {
                        "pidfd_getfd: ENOSYS; Linux 5.6 has it".to_string()
                    } else {
                        e.to_string()
                    };
                    sys::write_all(
                        stderr,
                        format!(
                            "caprun: exclusive flock locks are refused: the supervisor cannot take the program's descriptor ({why})\n"
                        )
                        .as_bytes(),
                    );
                }
                return refuse(listener, req.id);
            }
        };
        match self.writable(listener, req, file.as_raw_fd()) {
            None => return Outcome::Gone,
            Some(false) => return refuse(listener, req.id),
            Some(true) => {}
        }
        let pending = Pending {
            id: req.id,
            file,
            op: op & !libc::LOCK_NB,
        };
        match attempt(listener, &pending) {
            Some(o) => o,
            None if op & libc::LOCK_NB != 0 => {
                let _ = notif_send(listener, req.id, libc::EWOULDBLOCK);
                Outcome::Answered
            }
            None if self.pending.len() >= MAX_PENDING => {
                let _ = notif_send(listener, req.id, libc::ENOLCK);
                Outcome::Answered
            }
            None => {
                self.pending.push(pending);
                if self.pending.len() == 1 {
                    self.retry = FIRST_RETRY;
                    let _ = sys::lock::arm_timer(&self.timer, self.retry);
                }
                Outcome::Waiting
            }
        }
    }

    /// The timer expired: try the pending locks again.
    pub fn retry(&mut self, listener: RawFd) {
        self.pending
            .retain(|p| notif_id_valid(listener, p.id) && attempt(listener, p).is_none());
        if self.pending.is_empty() {
            let _ = sys::lock::arm_timer(&self.timer, Duration::ZERO);
        } else {
            self.retry = (self.retry * 2).min(LAST_RETRY);
            let _ = sys::lock::arm_timer(&self.timer, self.retry);
        }
    }

    /// The program's descriptor `fd`, duplicated from the process that made `req`
    /// (`ESRCH`: that process no longer waits).
    fn take(&self, listener: RawFd, req: &SeccompNotif, fd: RawFd) -> Result<OwnedFd, Errno> {
        let pid = req.pid as libc::pid_t;
        // A thread other than the leader (a plain pidfd_open refuses those: EINVAL, or
        // ENOENT since Linux 6.9): its process, whose descriptor table it shares.
        let pidfd = match sys::pidfd_open(pid) {
            Err(Errno::ESRCH) => return Err(Errno::ESRCH),
            Err(_) => sys::pidfd_open(self.thread_group(pid)?)?,
            Ok(pidfd) => pidfd,
        };
        // Checked after the pidfd was opened: the pid still named the caller then.
        if !notif_id_valid(listener, req.id) {
            return Err(Errno::ESRCH);
        }
        sys::lock::pidfd_getfd(pidfd.as_raw_fd(), fd)
    }

    /// The thread group (process) of thread `tid`, from its `/proc/TID/status`.
    fn thread_group(&self, tid: libc::pid_t) -> Result<libc::pid_t, Errno> {
        let status = self.read_proc(tid, c"status").ok_or(Errno::ESRCH)?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("Tgid:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or(Errno::ESRCH)
    }

    /// `/proc/PID/NAME` of the host's procfs, as text.
    fn read_proc(&self, pid: libc::pid_t, name: &std::ffi::CStr) -> Option<String> {
        let path = format!("{pid}/{}", name.to_str().ok()?);
        let path = std::ffi::CString::new(path).ok()?;
        let fd = sys::fs::openat(
            self.host_proc.as_raw_fd(),
            &path,
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
        .ok()?;
        let mut text = String::new();
        std::fs::File::from(fd).read_to_string(&mut text).ok()?;
        Some(text)
    }

    /// Whether the sandbox may write the file `file` is open on (see the module
    /// documentation), for `req`; `None` when its caller no longer waits.
    fn writable(&mut self, listener: RawFd, req: &SeccompNotif, file: RawFd) -> Option<bool> {
        if sys::lock::open_for_writing(file).unwrap_or(false) {
            return Some(true);
        }
        if !self.mount_namespace {
            return Some(false);
        }
        let Ok(Some(mount)) = sys::lock::mount_id(file) else {
            return Some(false);
        };
        if let Some(&known) = self.mounts.get(&mount) {
            return Some(known);
        }
        let mountinfo = self.read_proc(req.pid as libc::pid_t, c"mountinfo");
        // The pid named the caller all along, so the mount table read was the sandbox's.
        if !notif_id_valid(listener, req.id) {
            return None;
        }
        let Some(mountinfo) = mountinfo else {
            return Some(false);
        };
        let verdict = writable_mount(&mountinfo, mount);
        self.mounts.insert(mount, verdict);
        Some(verdict)
    }
}

/// Whether mount `id` is in `mountinfo` (a `/proc/PID/mountinfo`) and writable: neither
/// its own options nor its file system's say `ro`.
fn writable_mount(mountinfo: &str, id: u64) -> bool {
    mountinfo.lines().any(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            return false;
        };
        let rw = |opts: Option<&&str>| opts.is_some_and(|o| o.split(',').any(|o| o == "rw"));
        fields.first().and_then(|f| f.parse::<u64>().ok()) == Some(id)
            && rw(fields.get(5))
            && rw(fields.get(sep + 3))
    })
}

/// Answer `id` with [`LOCK_REFUSED`].
fn refuse(listener: RawFd, id: u64) -> Outcome {
    let _ = notif_send(listener, id, LOCK_REFUSED as i32);
    Outcome::Refused
}

/// Try `p`'s lock without blocking: `None` while the file is locked by another; else the
/// call is answered (with 0 once the lock is taken, or with `flock`'s error).
fn attempt(listener: RawFd, p: &Pending) -> Option<Outcome> {
    match sys::lock::flock(p.file.as_raw_fd(), p.op | libc::LOCK_NB) {
        Ok(()) => {
            if notif_return(listener, p.id, 0).is_err() {
                // Nobody waits for it any more (a signal interrupted the call): as the
                // kernel's own interrupted flock, the description is left unlocked.
                let _ = sys::lock::flock(p.file.as_raw_fd(), libc::LOCK_UN);
                return Some(Outcome::Gone);
            }
            Some(Outcome::Answered)
        }
        Err(Errno::EWOULDBLOCK) => None,
        Err(e) => {
            let _ = notif_send(listener, p.id, e as i32);
            Some(Outcome::Answered)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
21 1 0:19 / / ro,nosuid,nodev - tmpfs none ro,size=4k
22 21 8:1 /usr /usr ro,nosuid,relatime - ext4 /dev/sda1 rw
23 21 0:20 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=1048576k
24 21 8:1 /home/u/p /home/u/p rw,relatime shared:1 - ext4 /dev/sda1 rw
25 21 8:2 / /mnt rw,relatime - ext4 /dev/sdb1 ro
";

    /// A mount is writable only when listed, with `rw` both in its own options and in its
    /// file system's.
    #[test]
    fn writable_mounts_are_listed_and_rw_twice() {
        assert!(!writable_mount(MOUNTINFO, 21), "a read-only root");
        assert!(!writable_mount(MOUNTINFO, 22), "a read-only bind");
        assert!(writable_mount(MOUNTINFO, 23), "a tmpfs");
        assert!(
            writable_mount(MOUNTINFO, 24),
            "a writable grant (optional fields)"
        );
        assert!(!writable_mount(MOUNTINFO, 25), "a read-only file system");
        assert!(
            !writable_mount(MOUNTINFO, 99),
            "the host's mount, not listed"
        );
        assert!(!writable_mount("", 23));
    }
}
