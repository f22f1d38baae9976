//! Signals: masks as raw 64-bit sets (every signal number 1–64, the ones a C library
//! reserves for itself included: libc's `sigaddset` refuses those, and a supervisor
//! that left them unblocked would die of them), `signalfd`, dispositions, and stopping
//! or killing this process with a given signal.
//!
//! Allocation-free and async-signal-safe, like the rest of [`crate::sys`].
//!
//! # References
//! rt_sigprocmask(2), signalfd(2), rt_sigaction(2), kill(2).

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::check_long;

/// The size of the kernel's signal set, in bytes (64 signals).
const SET_SIZE: usize = 8;

/// A set of signals 1–64, built before it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigSet(u64);

impl SigSet {
    /// The empty set.
    pub const EMPTY: SigSet = SigSet(0);

    /// The set of `signals` (numbers 1–64; others are ignored).
    pub fn of(signals: &[libc::c_int]) -> SigSet {
        signals.iter().fold(SigSet::EMPTY, |s, &n| s.with(n))
    }

    /// Every signal a process can block: all but `SIGKILL` and `SIGSTOP`.
    pub fn catchable() -> SigSet {
        SigSet(!0).without(libc::SIGKILL).without(libc::SIGSTOP)
    }

    /// This set with `sig` added.
    pub fn with(self, sig: libc::c_int) -> SigSet {
        match bit(sig) {
            Some(b) => SigSet(self.0 | b),
            None => self,
        }
    }

    /// This set without `sig`.
    pub fn without(self, sig: libc::c_int) -> SigSet {
        match bit(sig) {
            Some(b) => SigSet(self.0 & !b),
            None => self,
        }
    }

    /// Whether `sig` is in the set.
    #[cfg(test)]
    pub fn contains(self, sig: libc::c_int) -> bool {
        bit(sig).is_some_and(|b| self.0 & b != 0)
    }

    /// Block these signals (add them to the mask).
    pub fn block(&self) -> Result<(), Errno> {
        sigprocmask(libc::SIG_BLOCK, self)
    }

    /// Unblock these signals (remove them from the mask).
    pub fn unblock(&self) -> Result<(), Errno> {
        sigprocmask(libc::SIG_UNBLOCK, self)
    }

    /// Make this set the whole mask.
    pub fn set_mask(&self) -> Result<(), Errno> {
        sigprocmask(libc::SIG_SETMASK, self)
    }
}

fn bit(sig: libc::c_int) -> Option<u64> {
    (1..=64).contains(&sig).then(|| 1u64 << (sig - 1))
}

fn sigprocmask(how: libc::c_int, set: &SigSet) -> Result<(), Errno> {
    // SAFETY: `set` points to 8 readable bytes, the kernel's set size; no old set wanted.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            how,
            &set.0 as *const u64,
            std::ptr::null_mut::<u64>(),
            SET_SIZE,
        )
    })
    .map(drop)
}

/// Unblock every signal (the mask survives `execve`, so a program must not inherit a
/// supervisor's).
pub fn unblock_all() -> Result<(), Errno> {
    SigSet::EMPTY.set_mask()
}

/// A close-on-exec `signalfd` for `set` (the signals must be blocked).
pub fn signalfd(set: &SigSet) -> Result<OwnedFd, Errno> {
    // SAFETY: `set` points to the kernel's 8-byte set; -1 asks for a new descriptor.
    let fd = check_long(unsafe {
        libc::syscall(
            libc::SYS_signalfd4,
            -1,
            &set.0 as *const u64,
            SET_SIZE,
            libc::SFD_CLOEXEC,
        )
    })?;
    // SAFETY: a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// What a `signalfd` says of one signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigInfo {
    /// The signal number.
    pub signo: libc::c_int,
    /// `si_code`: `SI_USER` (0) for `kill`, `SI_KERNEL` (0x80) for what the kernel sent
    /// on its own (a terminal's `^C`, `^Z`, a window change, a hang-up), …
    pub code: i32,
    /// The sender's pid in this process's PID namespace (0 when the sender is not in it).
    pub pid: u32,
}

/// `si_code` of a signal the kernel sent itself.
pub const SI_KERNEL: i32 = 0x80;

/// Read one signal from a `signalfd`.
pub fn read_signal(fd: RawFd) -> Result<SigInfo, Errno> {
    // SAFETY: a zeroed signalfd_siginfo is valid; read writes at most its size.
    unsafe {
        let mut info: libc::signalfd_siginfo = std::mem::zeroed();
        let size = std::mem::size_of::<libc::signalfd_siginfo>();
        loop {
            match libc::read(fd, (&mut info as *mut libc::signalfd_siginfo).cast(), size) {
                -1 if Errno::last() == Errno::EINTR => continue,
                -1 => return Err(Errno::last()),
                n if n as usize == size => {
                    return Ok(SigInfo {
                        signo: info.ssi_signo as libc::c_int,
                        code: info.ssi_code,
                        pid: info.ssi_pid,
                    })
                }
                _ => return Err(Errno::EIO),
            }
        }
    }
}

/// The kernel's `struct sigaction` (x86_64), as `rt_sigaction` reads and writes it.
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: libc::c_ulong,
    restorer: usize,
    mask: u64,
}

/// Whether `sig`'s disposition is the default one (`SIG_DFL`).
pub fn is_default(sig: libc::c_int) -> Result<bool, Errno> {
    let mut old = KernelSigaction {
        handler: 0,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    // SAFETY: reads the disposition into `old`, a valid kernel sigaction; sets nothing.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            std::ptr::null::<KernelSigaction>(),
            &mut old as *mut KernelSigaction,
            SET_SIZE,
        )
    })?;
    Ok(old.handler == libc::SIG_DFL)
}

/// Set `sig`'s disposition to the default one. (No handler is installed, so no
/// restorer is needed.)
pub fn set_default(sig: libc::c_int) -> Result<(), Errno> {
    let act = KernelSigaction {
        handler: libc::SIG_DFL,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    // SAFETY: a valid kernel sigaction with the default handler; the old one is not read.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &act as *const KernelSigaction,
            std::ptr::null_mut::<KernelSigaction>(),
            SET_SIZE,
        )
    })
    .map(drop)
}

/// `getpid()`.
pub fn getpid() -> libc::pid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getpid() }
}

/// Stop this process the way `sig` (a stop signal) would stop it, for a job-control
/// shell to see: `sig` is sent to self and unblocked for as long as it takes to be
/// delivered, then blocked again (it returns once the process is continued). A stop
/// signal whose disposition is not the default (ignored, or a handler) stops with
/// `SIGSTOP` instead.
pub fn stop_self(sig: libc::c_int) -> Result<(), Errno> {
    let sig = if sig == libc::SIGSTOP || !is_default(sig)? {
        libc::SIGSTOP
    } else {
        sig
    };
    super::kill(getpid(), sig)?;
    if sig != libc::SIGSTOP {
        let one = SigSet::of(&[sig]);
        one.unblock()?;
        one.block()?;
    }
    Ok(())
}

/// Die of `sig`, as the process it reports on did: the default disposition, no core
/// dump of this process (`RLIMIT_CORE` 0), unblocked, sent to self. Returns only when
/// `sig` does not terminate a process by default (`SIGCHLD`, `SIGCONT`, …).
pub fn die_of(sig: libc::c_int) {
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid rlimit; lowering a limit needs no privilege.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    // SIGKILL has no disposition to set (and cannot be blocked).
    if sig == libc::SIGKILL || set_default(sig).is_ok() {
        let _ = super::kill(getpid(), sig);
        let _ = SigSet::of(&[sig]).unblock();
    }
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(pid: libc::pid_t, pgid: libc::pid_t) -> Result<(), Errno> {
    // SAFETY: plain integers.
    super::check(unsafe { libc::setpgid(pid, pgid) }).map(drop)
}

/// This process's process group.
pub fn getpgrp() -> libc::pid_t {
    // SAFETY: no arguments; cannot fail.
    unsafe { libc::getpgrp() }
}

/// The foreground process group of the terminal `fd` (`tcgetpgrp`).
pub fn foreground_group(fd: RawFd) -> Result<libc::pid_t, Errno> {
    // SAFETY: plain integer; no memory is passed.
    let pgrp = unsafe { libc::tcgetpgrp(fd) };
    if pgrp < 0 {
        Err(Errno::last())
    } else {
        Ok(pgrp)
    }
}

/// Make `pgrp` the foreground process group of the terminal `fd` (`tcsetpgrp`). From a
/// background group this needs `SIGTTOU` blocked or ignored, as it is in caprun's
/// supervisor and init.
pub fn set_foreground_group(fd: RawFd, pgrp: libc::pid_t) -> Result<(), Errno> {
    // SAFETY: plain integers.
    super::check(unsafe { libc::tcsetpgrp(fd, pgrp) }).map(drop)
}

/// One of caprun's standard descriptors that is its controlling terminal with caprun's
/// process group in the foreground: caprun is a job in the foreground of a terminal.
pub fn foreground_terminal() -> Option<RawFd> {
    let me = getpgrp();
    (0..3).find(|&fd| foreground_group(fd) == Ok(me))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_every_number_the_kernel_has() {
        let all = SigSet::catchable();
        for sig in 1..=64 {
            let expected = sig != libc::SIGKILL && sig != libc::SIGSTOP;
            assert_eq!(all.contains(sig), expected, "{sig}");
        }
        // The C library's own real-time signals are there too (32–34 with musl).
        assert!(SigSet::of(&[32, 33, 34]).contains(33));
        assert!(!SigSet::of(&[0, 65]).contains(0));
        assert_eq!(SigSet::of(&[0, 65]), SigSet::EMPTY);
        assert!(!all.without(libc::SIGCHLD).contains(libc::SIGCHLD));
    }

    #[test]
    fn signalfd_reports_sender_and_code() {
        let code = crate::sandbox::testutil::in_child(|| {
            let set = SigSet::of(&[libc::SIGUSR1]);
            set.block().unwrap();
            let fd = signalfd(&set).unwrap();
            crate::sys::kill(getpid(), libc::SIGUSR1).unwrap();
            let info = read_signal(std::os::fd::AsRawFd::as_raw_fd(&fd)).unwrap();
            let ok = info.signo == libc::SIGUSR1 && info.code == 0 && info.pid == getpid() as u32;
            i32::from(!ok)
        });
        assert_eq!(code, 0);
    }

    #[test]
    fn dispositions_read_and_reset() {
        let code = crate::sandbox::testutil::in_child(|| {
            // SAFETY: ignoring SIGUSR2 in this forked child only.
            unsafe { libc::signal(libc::SIGUSR2, libc::SIG_IGN) };
            if is_default(libc::SIGUSR2).unwrap() {
                return 1;
            }
            set_default(libc::SIGUSR2).unwrap();
            i32::from(!is_default(libc::SIGUSR2).unwrap())
        });
        assert_eq!(code, 0);
        // die_of: the child ends by the signal itself.
        let code = crate::sandbox::testutil::in_child(|| {
            SigSet::catchable().block().unwrap();
            die_of(libc::SIGTERM);
            7
        });
        assert_eq!(code, 128 + libc::SIGTERM);
    }
}
