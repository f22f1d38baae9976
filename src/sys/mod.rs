//! Thin wrappers over raw system calls: the only module (with [`crate::exec`]'s final
//! step) that holds `unsafe` code.
//!
//! Every function here is async-signal-safe and allocation-free unless its documentation
//! says otherwise: it may run after a `fork` and after the descriptor table has been
//! rearranged. Callers pass prebuilt data (`&CStr`, NUL-terminated pointer arrays, byte
//! slices).
//!
//! The module is private to the library (the binary gets what it needs through
//! [`crate::runtime`]). The calls that can break Rust's ownership of descriptors
//! ([`dup2`], [`close_range`]) or that fork ([`fork`]) are `unsafe`, with the conditions
//! under which they are sound.
//!
//! By topic: this file holds descriptors, processes, signals, exec, memfds and descriptor
//! passing; [`fs`] paths and files; [`mount`] the mount family; [`ids`] user/group ids,
//! namespaces, hostname and rlimits; [`caps`] capabilities, securebits and no_new_privs;
//! [`seccomp`] filter installation and user notifications; [`landlock`] the ABI probe;
//! [`alloc`] the binary's global allocator; [`writer`] the process that writes
//! `--learn`'s policy from outside the sandbox; [`probe`] the kernel probes of
//! `--check-host`.
//!
//! # References
//! close_range(2), fcntl(2), dup2(2), execveat(2), memfd_create(2).

use std::ffi::{c_char, CStr, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;

pub mod alloc;
pub mod caps;
pub mod fs;
pub mod ids;
pub mod landlock;
pub mod lock;
pub mod mount;
pub mod net;
pub mod probe;
pub mod seccomp;
pub mod signal;
pub mod writer;

/// Convert a `-1`-on-error return into a `Result`.
fn check(ret: libc::c_int) -> Result<libc::c_int, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Convert a `-1`-on-error return of `syscall(2)` into a `Result`.
fn check_long(ret: libc::c_long) -> Result<libc::c_long, Errno> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// A failed step of a launch past the point where it may allocate (after a fork, inside
/// the sandbox): what was done, on what, and the error. [`write`](StepError::write)
/// reports it without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepError<'a> {
    /// What was done (`mount tmpfs on`, `pivot_root`, …).
    pub step: &'static str,
    /// What it was done to (empty: nothing in particular).
    pub path: &'a CStr,
    /// The error.
    pub errno: Errno,
}

impl<'a> StepError<'a> {
    /// A step that failed on `path`.
    pub fn new(step: &'static str, path: &'a CStr, errno: Errno) -> StepError<'a> {
        StepError { step, path, errno }
    }

    /// Write `caprun: STEP PATH: ERROR` and a newline to `fd`.
    pub fn write(&self, fd: RawFd) {
        write_all(fd, b"caprun: ");
        write_all(fd, self.step.as_bytes());
        if !self.path.is_empty() {
            write_all(fd, b" ");
            write_all(fd, self.path.to_bytes());
        }
        write_all(fd, b": ");
        write_all(fd, self.errno.desc().as_bytes());
        write_all(fd, b"\n");
    }
}

impl std::fmt::Display for StepError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.step)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path.to_string_lossy())?;
        }
        write!(f, ": {}", self.errno.desc())
    }
}

/// Whether `fd` is an open descriptor (`fcntl(F_GETFD)` succeeds).
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor flags; an invalid fd yields EBADF.
    fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1
}

/// Open `/dev/null` on each of descriptors 0-2 that is closed, as Rust's runtime
/// start-up does (caprun does without it: see `main.rs`), so that nothing opened later
/// lands on a standard descriptor. One `poll` when all three are open. Returns which
/// were closed.
pub fn sanitize_stdio() -> Result<[bool; 3], Errno> {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: a valid, writable array of three pollfd; a zero timeout.
    let closed = if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } == -1 {
        // poll refuses more descriptors than RLIMIT_NOFILE allows: ask one by one.
        [0, 1, 2].map(|fd| !fd_is_open(fd))
    } else {
        fds.map(|p| p.revents & libc::POLLNVAL != 0)
    };
    // In increasing order, each open takes the lowest free number: the closed one.
    for _ in closed.iter().filter(|&&c| c) {
        // SAFETY: a static NUL-terminated path; the new descriptor stays open for good.
        check(unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) })?;
    }
    Ok(closed)
}

/// The arguments of a C `main`, copied.
///
/// # Safety
///
/// `argv` must point to at least `argc` valid NUL-terminated strings (as the C runtime
/// passes them to `main`).
pub unsafe fn c_args(argc: libc::c_int, argv: *const *const libc::c_char) -> Vec<OsString> {
    let n = usize::try_from(argc).unwrap_or(0);
    // SAFETY: as above; the strings are where the kernel put them, at the top of the
    // stack, argv's then the environment's, each block contiguous.
    unsafe { remember_process_strings(argv, n) };
    (0..n)
        .map(|i| {
            // SAFETY: `i < argc`, and the caller guarantees each of them is a valid C string.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
        .collect()
}

/// Where the kernel put this process's command line and environment strings: what
/// `/proc/PID/cmdline` and `/proc/PID/environ` show (start address, length; 0: unknown).
static ARGV_AREA: [std::sync::atomic::AtomicUsize; 2] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];
static ENV_AREA: [std::sync::atomic::AtomicUsize; 2] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

/// Record the extent of the `n` strings of `argv` and of the environment's (`environ`).
///
/// # Safety
///
/// `argv` holds `n` valid C strings, as the C runtime passes them to `main`.
unsafe fn remember_process_strings(argv: *const *const libc::c_char, n: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    extern "C" {
        static environ: *const *const libc::c_char;
    }
    // The extent of a NULL-terminated-or-counted array of C strings laid out one after
    // the other: from the first string's start to the last one's NUL.
    // SAFETY: the caller's promise for `argv`; `environ` is the C runtime's
    // NULL-terminated array of valid strings at this point (nothing changed it yet).
    let extent = |list: *const *const libc::c_char, count: usize| unsafe {
        if list.is_null() || count == 0 {
            return (0, 0);
        }
        let first = *list as usize;
        let last = *list.add(count - 1);
        let end = last as usize + CStr::from_ptr(last).to_bytes_with_nul().len();
        (first, end.saturating_sub(first))
    };
    let (start, len) = extent(argv, n);
    ARGV_AREA[0].store(start, Relaxed);
    ARGV_AREA[1].store(len, Relaxed);
    // SAFETY: as above.
    let env = unsafe { environ };
    let mut count = 0;
    // SAFETY: `environ` is NULL-terminated.
    while !env.is_null() && unsafe { !(*env.add(count)).is_null() } {
        count += 1;
    }
    let (start, len) = extent(env, count);
    ENV_AREA[0].store(start, Relaxed);
    ENV_AREA[1].store(len, Relaxed);
}

/// Overwrite this process's command line with `name` (and zeros) and its environment
/// strings with zeros, where the kernel shows them (`/proc/PID/cmdline`,
/// `/proc/PID/environ`): for a process that stays in the sandbox's view (its init) and
/// holds caprun's own, which the program must not read. Nothing of the process uses
/// those strings after the start (the arguments were copied). Allocation-free.
pub fn hide_process_strings(name: &[u8]) {
    use std::sync::atomic::Ordering::Relaxed;
    for (area, fill) in [(&ARGV_AREA, name), (&ENV_AREA, &b""[..])] {
        let (start, len) = (area[0].load(Relaxed), area[1].load(Relaxed));
        if start == 0 || len == 0 {
            continue;
        }
        let p = start as *mut u8;
        for i in 0..len {
            let byte = if i + 1 < len {
                fill.get(i).copied().unwrap_or(0)
            } else {
                0
            };
            // SAFETY: [start, start + len) is the block of strings the kernel put on this
            // process's stack (recorded at start-up), writable and not used since.
            unsafe { std::ptr::write_volatile(p.add(i), byte) };
        }
    }
}

/// Whether `fd` has close-on-exec set.
#[cfg(test)]
pub fn is_cloexec(fd: RawFd) -> Result<bool, Errno> {
    // SAFETY: F_GETFD only reads the descriptor flags.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFD) })?;
    Ok(flags & libc::FD_CLOEXEC != 0)
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, min)`: a close-on-exec copy at the lowest free number ≥ `min`.
///
/// The system call itself: musl's `fcntl` follows `F_DUPFD_CLOEXEC` with an
/// `fcntl(F_SETFD)` for old kernels.
pub fn dupfd_cloexec(fd: RawFd, min: RawFd) -> Result<RawFd, Errno> {
    // SAFETY: duplicating a descriptor has no memory-safety preconditions.
    check_long(unsafe { libc::syscall(libc::SYS_fcntl, fd, libc::F_DUPFD_CLOEXEC, min) })
        .map(|fd| fd as RawFd)
}

/// `dup2(from, to)`; the copy at `to` is not close-on-exec.
///
/// # Safety
///
/// Descriptor `to` is closed and replaced: nothing that owns it (an `OwnedFd`, a `File`)
/// may use or close it afterwards, or it would act on the copy of `from` instead.
pub unsafe fn dup2(from: RawFd, to: RawFd) -> Result<(), Errno> {
    // SAFETY: dup2 takes plain integers; the caller vouches for the ownership of `to`.
    check(unsafe { libc::dup2(from, to) }).map(drop)
}

/// `dup3(from, to, O_CLOEXEC)`: as [`dup2`], the copy at `to` close-on-exec.
///
/// # Safety
///
/// As for [`dup2`].
pub unsafe fn dup3_cloexec(from: RawFd, to: RawFd) -> Result<(), Errno> {
    // SAFETY: dup3 takes plain integers; the caller vouches for the ownership of `to`.
    check(unsafe { libc::dup3(from, to, libc::O_CLOEXEC) }).map(drop)
}

/// Set or clear close-on-exec on `fd`.
pub fn set_cloexec(fd: RawFd, on: bool) -> Result<(), Errno> {
    let flags = if on { libc::FD_CLOEXEC } else { 0 };
    // SAFETY: F_SETFD only changes the descriptor flags.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) }).map(drop)
}

/// Close every descriptor in `first..=last`: `close_range(2)`, falling back to closing
/// one by one (up to the hard `RLIMIT_NOFILE`) on kernels older than 5.9.
///
/// # Safety
///
/// Nothing that owns a descriptor in the range (an `OwnedFd`, a `File`) may use or close
/// it afterwards: it would act on whatever is opened under that number next.
pub unsafe fn close_range(first: RawFd, last: RawFd) -> Result<(), Errno> {
    if first > last {
        return Ok(());
    }
    // SAFETY: close_range takes plain integers; closing descriptors is the intent.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first as u32, last as u32, 0u32) };
    if ret == 0 {
        return Ok(());
    }
    let err = Errno::last();
    if err != Errno::ENOSYS {
        return Err(err);
    }
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit.
    check(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) })?;
    let end = (lim.rlim_max.min(i32::MAX as u64) as RawFd).min(last.saturating_add(1));
    for fd in first..end {
        // SAFETY: closing a possibly-unused descriptor number; EBADF is ignored.
        unsafe { libc::close(fd) };
    }
    Ok(())
}

/// `pidfd_open(pid, 0)`: a descriptor naming process `pid` (a thread group leader), not
/// its number: a signal or a `pidfd_getfd` through it cannot reach another process that
/// was given the same pid since.
pub fn pidfd_open(pid: libc::pid_t) -> Result<OwnedFd, Errno> {
    // SAFETY: plain integers; the result is a new descriptor or -1.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the kernel returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `fork()`: `Ok(0)` in the child, the child's pid in the parent.
///
/// # Safety
///
/// The process must have a single thread, or the child may only make async-signal-safe
/// calls until it execs or exits: the child gets no copy of the other threads, so a lock
/// one of them held at the fork (the allocator's, say) would never be released in it.
pub unsafe fn fork() -> Result<libc::pid_t, Errno> {
    // SAFETY: the caller vouches for the condition above; fork itself takes no pointers.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        Err(Errno::last())
    } else {
        Ok(pid)
    }
}

/// Start `child` in a new process that shares this process's memory until it execs or
/// exits, this process suspended meanwhile: `clone(CLONE_VM | CLONE_VFORK)`, as
/// `posix_spawn` does. Nothing is copied (a fork copies the page tables, and both
/// processes then fault in copies of every page they write), and this process goes on
/// exactly when the child's exec replaced its memory (or the child ended). The child runs
/// on a stack of its own (mapped here, with a guard page, unmapped once this returns);
/// its exit signal is `SIGCHLD`. Returns the child's pid.
///
/// # Safety
///
/// The process must have a single thread (nothing else runs while the child uses its
/// memory). `child` must not return (it execs or exits) nor unwind; what it writes is
/// this process's memory, which this process must not rely on afterwards (its stack and
/// `child`'s captures included), and its errno is this process's.
pub unsafe fn spawn_sharing_memory<F: FnOnce() -> std::convert::Infallible>(
    child: F,
) -> Result<libc::pid_t, Errno> {
    /// The child's stack: the final step's deepest path (a filter's install, a failure
    /// report) needs a few KiB; pages are only touched as used.
    const STACK: usize = 256 * 1024;
    const GUARD: usize = 4096;
    extern "C" fn start<F: FnOnce() -> std::convert::Infallible>(
        arg: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: `arg` is the parent's `Option<F>`, alive (the parent is suspended) and
        // taken once, here.
        let child = unsafe { &mut *arg.cast::<Option<F>>() }.take();
        match child.map(|f| f()) {
            Some(never) => match never {},
            // SAFETY: exiting the child only.
            None => unsafe { libc::_exit(125) },
        }
    }
    // SAFETY: a fresh private anonymous mapping, checked below.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            STACK + GUARD,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        return Err(Errno::last());
    }
    let mut slot = Some(child);
    // SAFETY: the lowest page of the mapping above becomes the guard (an overflow faults
    // instead of writing below the stack).
    let mut result = check(unsafe { libc::mprotect(stack, GUARD, libc::PROT_NONE) });
    if result.is_ok() {
        // SAFETY: the child runs `start` on the top of the mapping (16-byte aligned: the
        // mapping is page-aligned) with `slot`, both alive until it execs or exits, which
        // CLONE_VFORK waits for; the caller vouches for the rest.
        result = check(unsafe {
            libc::clone(
                start::<F>,
                stack.cast::<u8>().add(STACK + GUARD).cast(),
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                (&mut slot as *mut Option<F>).cast(),
            )
        });
    }
    // SAFETY: the mapping made above; the child no longer runs on it.
    unsafe { libc::munmap(stack, STACK + GUARD) };
    result
}

/// Close every descriptor but `keep` (sorted in place).
///
/// # Safety
///
/// As for [`close_range`]: nothing may use or close the other descriptors afterwards.
pub unsafe fn close_all_but(keep: &mut [RawFd]) {
    keep.sort_unstable();
    let mut next = 0;
    for &fd in keep.iter() {
        if fd >= next {
            // SAFETY: the caller's promise covers every descriptor but `keep`.
            let _ = unsafe { close_range(next, fd - 1) };
            next = fd + 1;
        }
    }
    // SAFETY: as above.
    let _ = unsafe { close_range(next, RawFd::MAX) };
}

/// Where [`detach`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detached {
    /// In the caller, once the detached process exists.
    Caller,
    /// In the detached process: it holds only `keep`, in a session of its own, and
    /// must end with [`exit`].
    Detached,
}

/// Start a detached process: a grandchild in a session of its own (`setsid`), reparented
/// away at once, so that nobody in the launch sees it as a child or waits for it, and a
/// terminal's signals to the job do not reach it. It keeps only the descriptors `keep`.
/// The one way caprun starts its helpers that outlive a step of the launch (the janitor,
/// the supervisor's last answers to a filter, the `--learn` writer).
///
/// # Safety
///
/// As for [`fork`]; and in the detached process nothing may use or close descriptors
/// outside `keep` through their owners (see [`close_all_but`]), and it must not return
/// into code that would (it ends with [`exit`]).
pub unsafe fn detach(keep: &mut [RawFd]) -> Result<Detached, Errno> {
    // SAFETY: the caller's promise.
    match unsafe { fork() }? {
        0 => {
            let _ = setsid();
            // SAFETY: as above; the middle process only forks and exits.
            match unsafe { fork() } {
                Ok(0) => {
                    // SAFETY: the caller's promise covers every descriptor but `keep`.
                    unsafe { close_all_but(keep) };
                    Ok(Detached::Detached)
                }
                // The grandchild is reparented to the nearest subreaper (or init).
                Ok(_) => exit(0),
                Err(e) => exit(e as i32),
            }
        }
        // The middle process's status is the errno of its fork, or 0.
        middle => match exit_code(wait_for(middle)?) {
            0 => Ok(Detached::Caller),
            errno if errno < 128 => Err(Errno::from_raw(errno)),
            _ => Err(Errno::ECHILD),
        },
    }
}

/// `fork()` into a new PID namespace (`clone(CLONE_NEWPID | SIGCHLD)`): the child is
/// its PID 1. This process's later children stay in its own namespace (an
/// `unshare(CLONE_NEWPID)` would put them all in the new one). Needs `CAP_SYS_ADMIN` in
/// the current user namespace.
///
/// # Safety
///
/// As for [`fork`].
pub unsafe fn fork_new_pid_ns() -> Result<libc::pid_t, Errno> {
    // SAFETY: the caller vouches for fork's condition; without CLONE_VM and with a null
    // stack, clone behaves as fork does (the child runs on a copy of this stack).
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (libc::CLONE_NEWPID | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid == -1 {
        Err(Errno::last())
    } else {
        Ok(pid as libc::pid_t)
    }
}

/// Make `fd` non-blocking (`O_NONBLOCK`).
pub fn set_nonblocking(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: F_GETFL and F_SETFL take plain integers.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    // SAFETY: as above.
    check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) }).map(drop)
}

/// `waitpid(-1, WNOHANG | flags)`: a child's pid and raw status, if one changed state
/// (`flags` may add `WUNTRACED` and `WCONTINUED` to hear of stops and continues too).
pub fn reap(flags: libc::c_int) -> Result<Option<(libc::pid_t, libc::c_int)>, Errno> {
    let mut status = 0;
    // SAFETY: `status` is a valid out-parameter.
    match unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG | flags) } {
        -1 => Err(Errno::last()),
        0 => Ok(None),
        pid => Ok(Some((pid, status))),
    }
}

/// The shell convention for a wait status: the exit code, or 128 + the signal.
pub fn exit_code(status: libc::c_int) -> i32 {
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// `kill(pid, sig)`.
pub fn kill(pid: libc::pid_t, sig: libc::c_int) -> Result<(), Errno> {
    // SAFETY: plain integers.
    check(unsafe { libc::kill(pid, sig) }).map(drop)
}

/// `setsid()`: a new session and process group, away from the terminal's signals.
pub fn setsid() -> Result<(), Errno> {
    // SAFETY: no arguments.
    check(unsafe { libc::setsid() }).map(drop)
}

/// Ask the kernel to send `sig` to this process when the thread that forked it exits
/// (for a single-threaded parent: when the parent dies).
pub fn die_with_parent(sig: libc::c_int) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) }).map(drop)
}

/// Drop this process's resident code pages: `MADV_DONTNEED` on the executable's
/// headers and code, from `__executable_start` to `etext` (symbols every ELF linker
/// defines). A long-lived supervisor forked from the launcher then keeps only the few
/// pages it runs, which fault back in from the file as needed; that range is never
/// written (relocations live in the RELRO data after it), so nothing is lost.
pub fn release_code_pages() {
    extern "C" {
        static __executable_start: u8;
        static etext: u8;
    }
    let page = 4096usize;
    // Only the symbols' addresses are taken, never their contents.
    let (start, end) = (
        std::ptr::addr_of!(__executable_start) as usize,
        std::ptr::addr_of!(etext) as usize,
    );
    let start = start & !(page - 1);
    if end > start {
        // SAFETY: the range is this executable's own read-only headers and code; dropping
        // the pages only makes them fault in again from the file.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

/// `ftruncate(fd, 0)`.
pub fn truncate(fd: RawFd) -> Result<(), Errno> {
    // SAFETY: plain integer arguments.
    check(unsafe { libc::ftruncate(fd, 0) }).map(drop)
}

/// Write all of `buf` to `fd`, retrying on `EINTR` and short writes; errors are ignored
/// (this is the last-resort error channel).
pub fn write_all(fd: RawFd, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid slice for its whole length.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        match n {
            n if n > 0 => buf = &buf[n as usize..],
            -1 if Errno::last() == Errno::EINTR => {}
            _ => return,
        }
    }
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`. Returns only on failure.
///
/// # Safety
/// `argv` and `envp` must point to NULL-terminated arrays of pointers to NUL-terminated
/// strings that stay valid for the call.
pub unsafe fn execveat(fd: RawFd, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    let empty = c"";
    // SAFETY: the caller guarantees argv/envp; `empty` is a static NUL-terminated string.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd,
            empty.as_ptr(),
            argv,
            envp,
            libc::AT_EMPTY_PATH,
        )
    };
    Errno::last()
}

/// `execveat(AT_FDCWD, path, argv, envp, 0)`: execute by path (a `#!` script).
/// Returns only on failure.
///
/// # Safety
/// As [`execveat`].
pub unsafe fn execve(path: &CStr, argv: *const *const c_char, envp: *const *const c_char) -> Errno {
    // SAFETY: the caller guarantees argv/envp; `path` is NUL-terminated and outlives
    // the call.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            libc::AT_FDCWD,
            path.as_ptr(),
            argv,
            envp,
            0,
        )
    };
    Errno::last()
}

/// Terminate the process at once with `code` (no destructors, no atexit handlers).
pub fn exit(code: i32) -> ! {
    // SAFETY: _exit never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

/// A close-on-exec memfd holding exactly `data`, sealed against every change
/// (`F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE`).
pub fn sealed_memfd(name: &CStr, data: &[u8]) -> std::io::Result<OwnedFd> {
    // SAFETY: `name` is NUL-terminated; the flags are valid.
    let raw =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if raw == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: memfd_create returned a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, data)?;
    // The program inherits this file description: start it at offset 0 so that a plain
    // read() sees the data.
    std::io::Seek::rewind(&mut file)?;
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: F_ADD_SEALS on our own memfd.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(OwnedFd::from(file))
}

/// `socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`: the channel between the
/// supervisor and the processes of a supervised launch ([`send_msg`], [`recv_msg`]).
pub fn seqpacket_pair() -> Result<(OwnedFd, OwnedFd), Errno> {
    unix_pair(libc::SOCK_SEQPACKET)
}

/// `socketpair(AF_UNIX, kind | SOCK_CLOEXEC)`.
fn unix_pair(kind: libc::c_int) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is a valid array of two ints.
    check(unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            kind | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    })?;
    // SAFETY: socketpair returned two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Control-message space for one descriptor (`CMSG_SPACE(sizeof(int))` on x86_64).
const FD_CMSG_SPACE: usize = 24;

/// Room for one `SCM_RIGHTS` control message, aligned as `cmsghdr` requires.
#[repr(C, align(8))]
struct FdCmsg([u8; FD_CMSG_SPACE]);

/// A message header over `iov` with `control` as its control buffer: what [`send_msg`]
/// and [`recv_msg`] both pass to the kernel. The header points into both, which must
/// outlive its use.
fn msghdr(iov: &mut libc::iovec, control: Option<&mut FdCmsg>) -> libc::msghdr {
    // SAFETY: a zeroed msghdr is a valid empty header (null pointers, zero lengths).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    if let Some(control) = control {
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = FD_CMSG_SPACE as _;
    }
    msg
}

/// One message of a supervised launch's channel: a tag byte and a value, and at most one
/// descriptor.
#[derive(Debug)]
pub struct Msg {
    /// What the message says (the channel's users define the tags).
    pub tag: u8,
    /// Its value (a signal number, a wait status, …).
    pub value: i32,
    /// A descriptor that came with it.
    pub fd: Option<OwnedFd>,
}

/// Send the message `tag`, `value` over the SEQPACKET socket `sock`, with descriptor
/// `fd` attached (`SCM_RIGHTS`) when given. Stack buffers only: allocation-free, usable
/// after a fork and just before `execveat`.
pub fn send_msg(sock: RawFd, tag: u8, value: i32, fd: Option<RawFd>) -> Result<(), Errno> {
    let mut bytes = [0u8; 8];
    bytes[0] = tag;
    bytes[4..].copy_from_slice(&value.to_ne_bytes());
    let mut iov = libc::iovec {
        iov_base: bytes.as_mut_ptr().cast(),
        iov_len: bytes.len(),
    };
    let mut control = FdCmsg([0; FD_CMSG_SPACE]);
    let msg = msghdr(&mut iov, fd.map(|_| &mut control));
    // SAFETY: `msg` points to locals that outlive the sendmsg call; CMSG_FIRSTHDR/CMSG_DATA
    // stay inside `control` (its length is CMSG_SPACE(sizeof(int)) and it is 8-byte
    // aligned).
    unsafe {
        if let Some(fd) = fd {
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>(), fd);
        }
        loop {
            match libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) {
                -1 if Errno::last() == Errno::EINTR => continue,
                -1 => return Err(Errno::last()),
                _ => return Ok(()),
            }
        }
    }
}

/// Receive one message sent with [`send_msg`] (a received descriptor is close-on-exec):
/// `Ok(None)` when every peer has closed the socket. Without `wait`, `Err(EAGAIN)` when
/// no message is there.
pub fn recv_msg(sock: RawFd, wait: bool) -> Result<Option<Msg>, Errno> {
    let flags = libc::MSG_CMSG_CLOEXEC | if wait { 0 } else { libc::MSG_DONTWAIT };
    let mut bytes = [0u8; 8];
    let mut iov = libc::iovec {
        iov_base: bytes.as_mut_ptr().cast(),
        iov_len: bytes.len(),
    };
    let mut control = FdCmsg([0; FD_CMSG_SPACE]);
    let mut msg = msghdr(&mut iov, Some(&mut control));
    // SAFETY: as in `send_msg`; the kernel writes at most `msg_controllen` bytes into
    // `control`, and a received descriptor is owned by nobody else.
    unsafe {
        let n = loop {
            match libc::recvmsg(sock, &mut msg, flags) {
                -1 if Errno::last() == Errno::EINTR => continue,
                -1 => return Err(Errno::last()),
                n => break n,
            }
        };
        if n == 0 {
            return Ok(None);
        }
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        let fd = if !cmsg.is_null()
            && (*cmsg).cmsg_level == libc::SOL_SOCKET
            && (*cmsg).cmsg_type == libc::SCM_RIGHTS
        {
            let raw = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
            Some(OwnedFd::from_raw_fd(raw))
        } else {
            None
        };
        let value = i32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        Ok(Some(Msg {
            tag: bytes[0],
            value,
            fd,
        }))
    }
}

/// Whether every other end of the socket `sock` is closed (its peer process died or
/// closed it), without blocking.
pub fn peer_closed(sock: RawFd) -> bool {
    let mut fds = [pollin(sock)];
    matches!(poll_timeout(&mut fds, 0), Ok(n) if n > 0) && fds[0].revents & libc::POLLHUP != 0
}

/// Whether `fd` is readable now (`POLLIN`), without blocking.
pub fn readable(fd: RawFd) -> bool {
    let mut fds = [pollin(fd)];
    matches!(poll_timeout(&mut fds, 0), Ok(n) if n > 0) && fds[0].revents & libc::POLLIN != 0
}

/// A `pollfd` waiting for `fd` to be readable (`POLLIN`; a negative `fd` is ignored by
/// the kernel).
pub fn pollin(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// `poll(fds, -1)` (restarted on `EINTR`); negative descriptors are ignored by the kernel.
pub fn poll(fds: &mut [libc::pollfd]) -> Result<(), Errno> {
    poll_timeout(fds, -1).map(drop)
}

/// `poll(fds, timeout_ms)` (restarted on `EINTR` with the full timeout again): the
/// number of descriptors with events, 0 when the time ran out.
pub fn poll_timeout(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> Result<usize, Errno> {
    loop {
        // SAFETY: `fds` is a valid, writable slice of pollfd for its length.
        match unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) } {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            n => return Ok(n as usize),
        }
    }
}

/// `waitpid(pid, 0)` (restarted on `EINTR`): the raw wait status of the child `pid` once
/// it ended.
pub fn wait_for(pid: libc::pid_t) -> Result<libc::c_int, Errno> {
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid out-parameter.
        match unsafe { libc::waitpid(pid, &mut status, 0) } {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            _ => return Ok(status),
        }
    }
}

/// Whether a seccomp filter refuses `unshare(flags)`, without unsharing anything: the
/// call is made with an invalid bit added, which the kernel rejects with `EINVAL`
/// before it changes anything, whereas a filter answers first. `Some(errno)`: refused
/// before the kernel saw it (`EPERM`, `EACCES` or `ENOSYS`); `None` otherwise.
pub fn unshare_refused(flags: libc::c_int) -> Option<Errno> {
    // 0x1: a bit of CSIGNAL, never an unshare flag (check_unshare_flags refuses it).
    // SAFETY: unshare takes an integer; with an invalid flag it fails without effect.
    let rc = unsafe { libc::unshare(flags | 0x1) };
    match Errno::last() {
        _ if rc == 0 => None,
        // What a filter answers for a call it refuses; anything else (ENOSPC, say) is
        // left to the real call to meet and report.
        e @ (Errno::EPERM | Errno::EACCES | Errno::ENOSYS) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_memfd_holds_data_and_refuses_writes() {
        let fd = sealed_memfd(c"t", b"abc").unwrap();
        let mut f = std::fs::File::from(fd);
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        assert_eq!(s, "abc");
        assert!(std::io::Write::write_all(&mut f, b"x").is_err());
        // SAFETY: F_GET_SEALS only reads.
        let seals = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GET_SEALS) };
        assert_eq!(
            seals,
            libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE
        );
        assert!(is_cloexec(f.as_raw_fd()).unwrap());
    }

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        // Raw wait statuses: exit code in bits 8-15, terminating signal in bits 0-6.
        assert_eq!(exit_code(3 << 8), 3);
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(libc::SIGTERM), 128 + libc::SIGTERM);
    }

    #[test]
    fn fd_checks() {
        assert!(!fd_is_open(-1));
        assert!(!fd_is_open(1 << 20));
        let f = std::fs::File::open("/dev/null").unwrap();
        assert!(fd_is_open(f.as_raw_fd()));
    }
}
