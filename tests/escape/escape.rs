//! Escape-suite probe for caprun.
//!
//! `escape [OPTIONS] [ATTACK...]` tries to do things a program launched by caprun must
//! not be able to do and prints one line per attack:
//!
//! * `NAME<TAB>escaped` — the forbidden thing happened;
//! * `NAME<TAB>blocked<TAB>REASON` — it was refused (an errno name such as `EACCES`, a
//!   signal name such as `SIGSYS` when the attack's process was killed, or an upper-case
//!   word such as `EMPTY` explained in `tests/escape/README.md`);
//! * `NAME<TAB>error<TAB>MESSAGE` — the attack could not be attempted (an input was not
//!   configured, or its setup failed).
//!
//! `escape --allowed [CHECK...]` instead checks work a sandboxed program must still be
//! able to do and prints `NAME<TAB>ok`, `NAME<TAB>failed<TAB>REASON` or
//! `NAME<TAB>skipped<TAB>not configured`.
//!
//! Every attack and check runs in its own forked child process that reports over a pipe,
//! so that side effects (an unshare, a chroot, a seccomp kill) stay contained.  All
//! attacks are harmless when they succeed on a real host as root: privileged syscalls
//! are issued with arguments that the kernel rejects only *after* its permission check
//! (see the README), anything created is removed again, and the only signals sent are
//! 0 and `SIGCONT` to the harness's victim process.
//!
//! The probe is x86_64-Linux only and single-threaded except for the `thread` check.
//!
//! Launched by caprun as an argdata program, it takes its command line from the argdata
//! instead: a map whose `argv` is a sequence of strings, integers and descriptors
//! (a descriptor stands for its number), e.g.
//! `argv: [--out-fd, !fd stdout, --granted-dir-fd, !file {path: /srv}]`.

use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use libc::{c_int, c_long, c_void};
use nix::errno::Errno;
use nix::sys::signal::Signal;

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

/// Inputs given by the harness on the command line.
#[derive(Default, Debug)]
struct Config {
    json: bool,
    host_file: Option<String>,
    host_dir: Option<String>,
    host_link: Option<String>,
    host_socket: Option<String>,
    recv_socket: Option<String>,
    recv_name: Option<String>,
    tcp_port: Option<u16>,
    udp_port: Option<u16>,
    abstract_name: Option<String>,
    host_pid: Option<i32>,
    granted_dir: Option<String>,
    granted_dir_fd: Option<RawFd>,
    rw_dir: Option<String>,
    rw_dir_fd: Option<RawFd>,
    listen_fd: Option<RawFd>,
    append_fd: Option<RawFd>,
    host_binary: Option<String>,
    timeout: Duration,
}

const USAGE: &str = "\
usage: escape [--json] [INPUTS] [ATTACK...]      run attacks (all when none named)
       escape --send-dir SOCKET DIR              connect to SOCKET, send DIR (O_PATH) once
       escape --list                             print the attack names
       escape --allowed [--json] [INPUTS] [CHECK...]   run the allowed-work checks
       escape --allowed --list                   print the check names
inputs:
  --host-file PATH        a host file the sandbox must not reach (absolute)
  --host-dir PATH         a host directory the sandbox must not list
  --host-link PATH        a host symbolic link outside every grant (absolute)
  --host-socket PATH      a host UNIX socket listener outside every grant (absolute)
  --recv-socket PATH      where received-dir-chmod listens for a directory descriptor
  --recv-name NAME        the file beneath that directory it changes
  --tcp-port N            a TCP listener on 127.0.0.1 on the host
  --udp-port N            a UDP socket bound on 127.0.0.1 on the host
  --abstract NAME         a host abstract UNIX socket listener (name without the NUL)
  --host-pid PID          a host process (e.g. `sleep`) to signal/ptrace
  --host-binary PATH      a host executable (e.g. /bin/true) to exec by path
  --granted-dir PATH      the read-only granted directory (opened when no fd is given)
  --granted-dir-fd N      the read-only granted directory as an open descriptor
  --rw-dir-fd N           a writable granted directory as an open descriptor
  --rw-dir PATH           the writable granted directory (opened when no fd is given)
  --listen-fd N           a listening socket (for --allowed listen-accept)
  --append-fd N           a file granted append-only (`mode: append`), for append-fd-*
  --timeout SECS          per-attack timeout (default 10)
  --out-fd N              write the results to descriptor N (default 1)
";

// ---------------------------------------------------------------------------------------
// Outcomes and syscall helpers
// ---------------------------------------------------------------------------------------

/// What happened to one attack (or allowed-work check).
#[derive(Debug)]
enum Outcome {
    /// The forbidden thing happened (attacks) / the work succeeded (checks).
    Escaped(String),
    /// It was refused; the reason is an errno or signal name.
    Blocked(String),
    /// It could not be attempted.
    Error(String),
}

use Outcome::{Blocked, Error, Escaped};

fn ok() -> Outcome {
    Escaped(String::new())
}

fn blocked(e: Errno) -> Outcome {
    Blocked(ename(e))
}

/// Errno name, e.g. `EACCES`.
fn ename(e: Errno) -> String {
    match e {
        Errno::UnknownErrno => "UnknownErrno".to_string(),
        e => format!("{e:?}"),
    }
}

/// Escaped when the call succeeded, blocked with the errno otherwise.
fn direct<T>(r: Result<T, Errno>) -> Outcome {
    match r {
        Ok(_) => ok(),
        Err(e) => blocked(e),
    }
}

/// For syscalls called with deliberately invalid arguments that the kernel rejects only
/// after its permission check: EPERM/EACCES/ENOSYS mean the call was refused (by a
/// missing capability, an LSM or seccomp); any other result means it got past them.
fn reach(r: Result<c_long, Errno>) -> Outcome {
    match r {
        Ok(v) => Escaped(format!("returned {v}")),
        Err(e @ (Errno::EPERM | Errno::EACCES | Errno::ENOSYS)) => blocked(e),
        Err(e) => Escaped(format!("{} after the permission check", ename(e))),
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new("/invalid-path-with-nul").unwrap())
}

fn check(ret: c_long) -> Result<c_long, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

fn check_int(ret: c_int) -> Result<c_int, Errno> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// Wraps a freshly returned descriptor.
fn owned(fd: c_int) -> Result<OwnedFd, Errno> {
    let fd = check_int(fd)?;
    // SAFETY: `fd` was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Wraps a descriptor returned by a raw `syscall()`.
fn owned_long(fd: c_long) -> Result<OwnedFd, Errno> {
    let fd = check(fd)?;
    owned(fd as c_int)
}

fn openat(dirfd: RawFd, path: &str, flags: c_int, mode: libc::mode_t) -> Result<OwnedFd, Errno> {
    let p = cstr(path);
    // SAFETY: `p` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::openat(dirfd, p.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    owned(fd)
}

fn open(path: &str, flags: c_int) -> Result<OwnedFd, Errno> {
    openat(libc::AT_FDCWD, path, flags, 0)
}

fn read_some(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    check(n as c_long).map(|n| n as usize)
}

fn read_all(fd: RawFd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = read_some(fd, &mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn write_all(fd: RawFd, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        // SAFETY: `data` is valid for reads of `data.len()` bytes.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        let n = check(n as c_long)? as usize;
        data = &data[n..];
    }
    Ok(())
}

/// Lists a directory descriptor with getdents64 (no `.` and `..`).
fn list_fd(fd: RawFd) -> Result<Vec<String>, Errno> {
    let mut names = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
        let n = check(n)? as usize;
        if n == 0 {
            return Ok(names);
        }
        let mut off = 0;
        while off + 19 <= n {
            let reclen = u16::from_ne_bytes([buf[off + 16], buf[off + 17]]) as usize;
            if reclen == 0 {
                break;
            }
            let name = &buf[off + 19..(off + reclen).min(n)];
            let name = CStr::from_bytes_until_nul(name)
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name != "." && name != ".." {
                names.push(name);
            }
            off += reclen;
        }
    }
}

fn fstatat(dirfd: RawFd, path: &str, flags: c_int) -> Result<libc::stat, Errno> {
    let p = cstr(path);
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `p` is NUL-terminated and `st` is valid for writes of a `struct stat`.
    let r = unsafe { libc::fstatat(dirfd, p.as_ptr(), st.as_mut_ptr(), flags) };
    check_int(r)?;
    // SAFETY: fstatat succeeded, so it initialised `st`.
    Ok(unsafe { st.assume_init() })
}

fn waitpid(pid: libc::pid_t) -> Result<c_int, Errno> {
    let mut status = 0;
    loop {
        // SAFETY: `status` is valid for writes.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        match check_int(r) {
            Ok(_) => return Ok(status),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

fn getpid() -> libc::pid_t {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::getpid() }
}

fn signal_name(sig: c_int) -> String {
    Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

/// "../" repeated often enough to reach `/` from any reasonable directory, followed by
/// the absolute `target` without its leading slash.
fn dotdot_path(target: &str) -> String {
    format!("{}{}", "../".repeat(128), target.trim_start_matches('/'))
}

macro_rules! need {
    ($opt:expr) => {
        match &$opt {
            Some(v) => v.clone(),
            None => return Error("not configured".into()),
        }
    };
}

// ---------------------------------------------------------------------------------------
// Running attacks in forked children
// ---------------------------------------------------------------------------------------

type AttackFn = fn(&Config) -> Outcome;

fn encode(o: &Outcome) -> String {
    let (tag, text) = match o {
        Escaped(s) => ('E', s),
        Blocked(s) => ('B', s),
        Error(s) => ('X', s),
    };
    format!("{tag}{}", text.replace(['\n', '\t'], " "))
}

fn decode(s: &str) -> Option<Outcome> {
    let mut chars = s.chars();
    let tag = chars.next()?;
    let text = chars.as_str().trim_end_matches('\n').to_string();
    match tag {
        'E' => Some(Escaped(text)),
        'B' => Some(Blocked(text)),
        'X' => Some(Error(text)),
        _ => None,
    }
}

/// Runs `f` in a forked child and collects its outcome over a pipe.
fn run_isolated(f: AttackFn, cfg: &Config) -> Outcome {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let mut fds = [0 as c_int; 2];
    // SAFETY: `fds` is valid for writes of two ints.
    if let Err(e) = check_int(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }) {
        return Error(format!("pipe2: {}", ename(e)));
    }
    // SAFETY: both descriptors were just created and are owned only here.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the probe is single-threaded here, so the child may run arbitrary code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Error(format!("fork: {}", ename(Errno::last())));
    }
    if pid == 0 {
        drop(rd);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(cfg)))
            .unwrap_or_else(|_| Error("attack panicked".into()));
        let _ = write_all(wr.as_raw_fd(), encode(&outcome).as_bytes());
        // SAFETY: _exit never returns and skips atexit handlers and stdio flushing,
        // which belong to the parent.
        unsafe { libc::_exit(0) };
    }
    drop(wr);
    let deadline = Instant::now() + cfg.timeout;
    let mut report = Vec::new();
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        let mut pfd = libc::pollfd {
            fd: rd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(i32::MAX as u128) as c_int;
        // SAFETY: `pfd` is one valid pollfd.
        let r = unsafe { libc::poll(&mut pfd, 1, ms.max(1)) };
        match check_int(r) {
            Err(Errno::EINTR) | Ok(0) => continue,
            Err(e) => return Error(format!("poll: {}", ename(e))),
            Ok(_) => {}
        }
        let mut buf = [0u8; 1024];
        match read_some(rd.as_raw_fd(), &mut buf) {
            Ok(0) => break,
            Ok(n) => report.extend_from_slice(&buf[..n]),
            Err(Errno::EINTR) => continue,
            Err(e) => return Error(format!("read report: {}", ename(e))),
        }
    }
    if timed_out {
        // SAFETY: `pid` is our own child, which has not been reaped yet.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let status = loop {
        match waitpid(pid) {
            Ok(st) if libc::WIFSTOPPED(st) => {
                // A stop can only happen after ptrace-traceme; do not leave it stuck.
                // SAFETY: `pid` is our own unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            Ok(st) => break Some(st),
            Err(_) => break None,
        }
    };
    if timed_out {
        return Error(format!("timed out after {}s", cfg.timeout.as_secs()));
    }
    if let Some(o) = decode(&String::from_utf8_lossy(&report)) {
        return o;
    }
    match status {
        Some(st) if libc::WIFSIGNALED(st) => Blocked(signal_name(libc::WTERMSIG(st))),
        Some(st) if libc::WIFEXITED(st) => Error(format!(
            "attack process exited with status {} without a report",
            libc::WEXITSTATUS(st)
        )),
        _ => Error("attack process vanished without a report".into()),
    }
}

// ---------------------------------------------------------------------------------------
// Filesystem attacks
// ---------------------------------------------------------------------------------------

/// Escaped when `path` opens for reading (the first bytes are read too).
fn open_read(dirfd: RawFd, path: &str) -> Outcome {
    match openat(dirfd, path, libc::O_RDONLY | libc::O_NONBLOCK, 0) {
        Err(e) => blocked(e),
        Ok(fd) => {
            let mut buf = [0u8; 64];
            match read_some(fd.as_raw_fd(), &mut buf) {
                Ok(n) => Escaped(format!("opened and read {n} bytes")),
                Err(e) => Escaped(format!("opened (read: {})", ename(e))),
            }
        }
    }
}

/// Escaped when `path` opens as a directory and can be listed.
fn open_list(dirfd: RawFd, path: &str) -> Outcome {
    match openat(dirfd, path, libc::O_RDONLY | libc::O_DIRECTORY, 0) {
        Err(e) => blocked(e),
        Ok(fd) => match list_fd(fd.as_raw_fd()) {
            Ok(names) => Escaped(format!("listed {} entries", names.len())),
            Err(e) => Escaped(format!("opened (list: {})", ename(e))),
        },
    }
}

fn host_file_absolute(c: &Config) -> Outcome {
    let p = need!(c.host_file);
    open_read(libc::AT_FDCWD, &p)
}

fn host_file_dotdot(c: &Config) -> Outcome {
    let p = need!(c.host_file);
    if !p.starts_with('/') {
        return Error("--host-file must be absolute".into());
    }
    open_read(libc::AT_FDCWD, &dotdot_path(&p))
}

/// Top-level names that only a real host root has.
const HOST_ROOT_NAMES: &[&str] = &[
    "etc", "usr", "var", "home", "root", "boot", "bin", "sbin", "lib", "lib64", "opt", "srv",
];

fn list_root(_: &Config) -> Outcome {
    let fd = match open("/", libc::O_RDONLY | libc::O_DIRECTORY) {
        Ok(fd) => fd,
        Err(e) => return blocked(e),
    };
    match list_fd(fd.as_raw_fd()) {
        Err(e) => blocked(e),
        Ok(names) => {
            let host: Vec<&String> = names
                .iter()
                .filter(|n| HOST_ROOT_NAMES.contains(&n.as_str()))
                .collect();
            if !host.is_empty() {
                Escaped(format!("host entries visible: {host:?}"))
            } else if names.is_empty() {
                Blocked("EMPTY".into())
            } else {
                Blocked("NO-HOST-ENTRIES".into())
            }
        }
    }
}

fn list_host_dir(c: &Config) -> Outcome {
    let p = need!(c.host_dir);
    open_list(libc::AT_FDCWD, &p)
}

fn etc_passwd(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/etc/passwd")
}

fn etc_shadow(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/etc/shadow")
}

fn home_dir(_: &Config) -> Outcome {
    open_list(libc::AT_FDCWD, "/home")
}

fn root_dir(_: &Config) -> Outcome {
    open_list(libc::AT_FDCWD, "/root")
}

/// The read-only granted directory descriptor, checked to be a directory.
fn granted(c: &Config) -> Result<RawFd, Outcome> {
    let fd = c
        .granted_dir_fd
        .ok_or_else(|| Error("not configured".into()))?;
    match fstatat(fd, "", libc::AT_EMPTY_PATH) {
        Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => Ok(fd),
        Ok(_) => Err(Error(format!("granted-dir-fd {fd} is not a directory"))),
        Err(e) => Err(Error(format!("granted-dir-fd {fd}: {}", ename(e)))),
    }
}

macro_rules! granted {
    ($c:expr) => {
        match granted($c) {
            Ok(fd) => fd,
            Err(o) => return o,
        }
    };
}

/// The host file to aim at from the granted directory.
fn escape_target(c: &Config) -> String {
    c.host_file.clone().unwrap_or_else(|| "/etc/passwd".into())
}

fn granted_fd_dotdot(c: &Config) -> Outcome {
    let fd = granted!(c);
    open_read(fd, &dotdot_path(&escape_target(c)))
}

fn granted_fd_parent(c: &Config) -> Outcome {
    let fd = granted!(c);
    // A granted directory may be the root of a mount of its own (a read-only clone):
    // there `..` is the directory itself, which reaches nothing outside the grant.
    if let (Ok(parent), Ok(own)) = (fstatat(fd, "..", 0), fstatat(fd, ".", 0)) {
        if (parent.st_dev, parent.st_ino) == (own.st_dev, own.st_ino) {
            return Blocked("PARENT-IS-ITSELF".into());
        }
    }
    open_list(fd, "..")
}

fn granted_fd_absolute(c: &Config) -> Outcome {
    let fd = granted!(c);
    open_read(fd, &escape_target(c))
}

fn granted_fd_symlink(c: &Config) -> Outcome {
    let fd = granted!(c);
    match fstatat(fd, "link-out", libc::AT_SYMLINK_NOFOLLOW) {
        Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFLNK => {}
        Ok(_) => return Error("granted dir: link-out is not a symlink".into()),
        Err(e) => return Error(format!("granted dir: link-out: {}", ename(e))),
    }
    // The link points at /etc, or at the directory of --host-file (a host directory
    // outside every grant, which no policy binds): read passwd or that file through it.
    let mut buf = [0u8; 4096];
    let link = cstr("link-out");
    // SAFETY: `link` is NUL-terminated and `buf` is valid for writes of its length.
    let n = unsafe { libc::readlinkat(fd, link.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    let target = match check(n as c_long) {
        Ok(n) => String::from_utf8_lossy(&buf[..n as usize]).into_owned(),
        Err(e) => return Error(format!("granted dir: readlink link-out: {}", ename(e))),
    };
    let name = c
        .host_file
        .as_deref()
        .and_then(|h| h.rsplit_once('/'))
        .filter(|(dir, _)| dir.trim_end_matches('/') == target.trim_end_matches('/'))
        .map_or("passwd", |(_, file)| file);
    open_read(fd, &format!("link-out/{name}"))
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", getpid())
}

fn unlinkat(dirfd: RawFd, name: &str, flags: c_int) -> Result<(), Errno> {
    let p = cstr(name);
    // SAFETY: `p` is NUL-terminated.
    check_int(unsafe { libc::unlinkat(dirfd, p.as_ptr(), flags) }).map(drop)
}

fn granted_fd_create(c: &Config) -> Outcome {
    let fd = granted!(c);
    let name = unique("caprun-escape-new");
    match openat(
        fd,
        &name,
        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY,
        0o600,
    ) {
        Err(e) => blocked(e),
        Ok(_) => {
            let _ = unlinkat(fd, &name, 0);
            ok()
        }
    }
}

fn granted_fd_mkdir(c: &Config) -> Outcome {
    let fd = granted!(c);
    let name = cstr(&unique("caprun-escape-dir"));
    // SAFETY: `name` is NUL-terminated.
    match check_int(unsafe { libc::mkdirat(fd, name.as_ptr(), 0o700) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            let _ = unlinkat(fd, name.to_str().unwrap_or_default(), libc::AT_REMOVEDIR);
            ok()
        }
    }
}

fn granted_fd_symlink_create(c: &Config) -> Outcome {
    let fd = granted!(c);
    let name = unique("caprun-escape-symlink");
    let (target, linkpath) = (cstr("/etc"), cstr(&name));
    // SAFETY: both strings are NUL-terminated.
    match check_int(unsafe { libc::symlinkat(target.as_ptr(), fd, linkpath.as_ptr()) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            let _ = unlinkat(fd, &name, 0);
            ok()
        }
    }
}

/// The `victim` file of the granted directory: its mode and (if readable) content, so a
/// successful destructive attack can put it back.
fn victim(fd: RawFd) -> Result<(libc::mode_t, Option<Vec<u8>>), Outcome> {
    let st = fstatat(fd, "victim", libc::AT_SYMLINK_NOFOLLOW)
        .map_err(|e| Error(format!("granted dir: victim: {}", ename(e))))?;
    let content = openat(fd, "victim", libc::O_RDONLY, 0)
        .ok()
        .and_then(|f| read_all(f.as_raw_fd()).ok());
    Ok((st.st_mode & 0o7777, content))
}

fn restore_victim(fd: RawFd, mode: libc::mode_t, content: &Option<Vec<u8>>) {
    if let Ok(f) = openat(
        fd,
        "victim",
        libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC,
        mode,
    ) {
        if let Some(data) = content {
            let _ = write_all(f.as_raw_fd(), data);
        }
    }
}

fn granted_fd_unlink(c: &Config) -> Outcome {
    let fd = granted!(c);
    let (mode, content) = match victim(fd) {
        Ok(v) => v,
        Err(o) => return o,
    };
    match unlinkat(fd, "victim", 0) {
        Err(e) => blocked(e),
        Ok(()) => {
            restore_victim(fd, mode, &content);
            ok()
        }
    }
}

fn granted_fd_rename(c: &Config) -> Outcome {
    let fd = granted!(c);
    if let Err(o) = victim(fd) {
        return o;
    }
    let (from, to) = (cstr("victim"), cstr(&unique("victim.renamed")));
    // SAFETY: both strings are NUL-terminated.
    match check_int(unsafe { libc::renameat(fd, from.as_ptr(), fd, to.as_ptr()) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            // SAFETY: both strings are NUL-terminated.
            unsafe { libc::renameat(fd, to.as_ptr(), fd, from.as_ptr()) };
            ok()
        }
    }
}

fn granted_fd_truncate(c: &Config) -> Outcome {
    let fd = granted!(c);
    let (mode, content) = match victim(fd) {
        Ok(v) => v,
        Err(o) => return o,
    };
    match openat(fd, "victim", libc::O_WRONLY | libc::O_TRUNC, 0) {
        Err(e) => blocked(e),
        Ok(f) => {
            drop(f);
            restore_victim(fd, mode, &content);
            ok()
        }
    }
}

fn granted_fd_write(c: &Config) -> Outcome {
    let fd = granted!(c);
    if let Err(o) = victim(fd) {
        return o;
    }
    // Opening for writing is the breach; nothing is written.
    direct(openat(fd, "victim", libc::O_WRONLY | libc::O_APPEND, 0))
}

fn open_by_handle(c: &Config) -> Outcome {
    let (dirfd, _keep) = match c.granted_dir_fd {
        Some(fd) => (fd, None),
        None => match open("/", libc::O_RDONLY | libc::O_DIRECTORY) {
            Ok(fd) => (fd.as_raw_fd(), Some(fd)),
            Err(e) => return Error(format!("open /: {}", ename(e))),
        },
    };
    // struct file_handle { u32 handle_bytes; int handle_type; u8 f_handle[]; }
    let mut buf = [0u8; 8 + 128];
    buf[..4].copy_from_slice(&128u32.to_ne_bytes());
    let mut mount_id: c_int = 0;
    let empty = cstr("");
    // SAFETY: `buf` is a file_handle with room for 128 handle bytes; `empty` is
    // NUL-terminated and `mount_id` is valid for writes.
    let r = unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            dirfd,
            empty.as_ptr(),
            buf.as_mut_ptr(),
            &mut mount_id,
            libc::AT_EMPTY_PATH,
        )
    };
    // Without name_to_handle_at (a sandbox may deny it), forge a handle the way the
    // "shocker" exploit does: FILEID_INO32_GEN for inode 2 (a file system's root).
    let forged = check(r).is_err();
    if forged {
        buf = [0u8; 8 + 128];
        buf[..4].copy_from_slice(&8u32.to_ne_bytes());
        buf[4..8].copy_from_slice(&1i32.to_ne_bytes());
        buf[8..12].copy_from_slice(&2u32.to_ne_bytes());
    }
    // SAFETY: `buf` holds a file_handle (filled in by the kernel, or forged above).
    let r = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            dirfd,
            buf.as_mut_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if forged {
        // A forged handle may name nothing: any answer past the permission check
        // (ESTALE, EINVAL, success) means the call got through.
        return reach(check(r).inspect(|&fd| {
            // SAFETY: a descriptor just returned by the kernel, closed once.
            unsafe { libc::close(fd as c_int) };
        }));
    }
    direct(owned_long(r))
}

fn host_hardlink(c: &Config) -> Outcome {
    let p = need!(c.host_file);
    let link = format!("{p}.caprun-escape-link-{}", getpid());
    let (old, new) = (cstr(&p), cstr(&link));
    // SAFETY: both strings are NUL-terminated.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            old.as_ptr(),
            libc::AT_FDCWD,
            new.as_ptr(),
            0,
        )
    };
    match check_int(r) {
        Err(e) => blocked(e),
        Ok(_) => {
            let _ = unlinkat(libc::AT_FDCWD, &link, 0);
            ok()
        }
    }
}

fn host_chmod(c: &Config) -> Outcome {
    let p = need!(c.host_file);
    let st = match fstatat(libc::AT_FDCWD, &p, 0) {
        Ok(st) => st,
        Err(e) => return blocked(e),
    };
    let path = cstr(&p);
    // Re-applies the current mode: a successful chmod that changes nothing.
    // SAFETY: `path` is NUL-terminated.
    direct(check_int(unsafe {
        libc::fchmodat(libc::AT_FDCWD, path.as_ptr(), st.st_mode & 0o7777, 0)
    }))
}

// Through `..` of the writable granted directory (issue 23 §1): a directory descriptor
// reaches what lies beneath it, nothing above. Each change re-applies what is there.

/// The writable granted directory (`--rw-dir-fd`, or `--rw-dir` opened at start).
fn rw_fd(c: &Config) -> Result<RawFd, Outcome> {
    match c.rw_dir_fd {
        Some(fd) => Ok(fd),
        None => Err(Error("not configured".into())),
    }
}

macro_rules! rw_fd {
    ($c:expr) => {
        match rw_fd($c) {
            Ok(fd) => fd,
            Err(o) => return o,
        }
    };
}

/// Change into the writable directory, then up through `..` 128 times: the working
/// directory is then the host's `/` when `..` leaves the grant. Returns `target`
/// relative to it (for the calls that take a path but no directory descriptor).
fn climb_from_rw(c: &Config, target: &str) -> Result<CString, Outcome> {
    let fd = rw_fd(c)?;
    // SAFETY: fchdir takes a plain descriptor.
    check_int(unsafe { libc::fchdir(fd) }).map_err(|e| Error(format!("fchdir: {}", ename(e))))?;
    let up = cstr("..");
    for _ in 0..128 {
        // SAFETY: `up` is NUL-terminated.
        check_int(unsafe { libc::chdir(up.as_ptr()) }).map_err(blocked)?;
    }
    Ok(cstr(target.trim_start_matches('/')))
}

macro_rules! climb_from_rw {
    ($c:expr, $target:expr) => {
        match climb_from_rw($c, $target) {
            Ok(p) => p,
            Err(o) => return o,
        }
    };
}

fn rw_fd_parent(c: &Config) -> Outcome {
    let fd = rw_fd!(c);
    if let (Ok(parent), Ok(own)) = (fstatat(fd, "..", 0), fstatat(fd, ".", 0)) {
        if (parent.st_dev, parent.st_ino) == (own.st_dev, own.st_ino) {
            return Blocked("PARENT-IS-ITSELF".into());
        }
    }
    open_list(fd, "..")
}

fn rw_fd_stat_dotdot(c: &Config) -> Outcome {
    let fd = rw_fd!(c);
    match fstatat(
        fd,
        &dotdot_path(&need!(c.host_file)),
        libc::AT_SYMLINK_NOFOLLOW,
    ) {
        Ok(st) => Escaped(format!("stat: {} bytes, mode {:o}", st.st_size, st.st_mode)),
        Err(e) => blocked(e),
    }
}

fn rw_fd_readlink_dotdot(c: &Config) -> Outcome {
    let fd = rw_fd!(c);
    let path = cstr(&dotdot_path(&need!(c.host_link)));
    let mut buf = [0u8; 256];
    // SAFETY: `path` is NUL-terminated and `buf` is valid for writes of its length.
    let n = unsafe { libc::readlinkat(fd, path.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    match check(n as c_long) {
        Ok(n) => Escaped(format!(
            "read link {:?}",
            String::from_utf8_lossy(&buf[..n as usize])
        )),
        Err(e) => blocked(e),
    }
}

fn rw_fd_connect_dotdot(c: &Config) -> Outcome {
    let socket = need!(c.host_socket);
    // Landlock does not mediate connecting to a named UNIX socket (before ABI 9): only
    // what the path reaches decides.
    let path = climb_from_rw!(c, &socket);
    let bytes = path.as_bytes();
    // SAFETY: a plain socket() call.
    let s = match owned(unsafe {
        libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)
    }) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    // SAFETY: a zeroed sockaddr_un is valid; the path is copied in below.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if bytes.len() >= addr.sun_path.len() {
        return Error(format!("--host-socket {socket}: too long"));
    }
    for (d, b) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *b as libc::c_char;
    }
    // SAFETY: `addr` is a valid sockaddr_un of the given size.
    direct(check_int(unsafe {
        libc::connect(
            s.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
        )
    }))
}

fn rw_fd_chmod_dotdot(c: &Config) -> Outcome {
    let fd = rw_fd!(c);
    let path = dotdot_path(&need!(c.host_file));
    let st = match fstatat(fd, &path, 0) {
        Ok(st) => st,
        Err(e) => return blocked(e),
    };
    let p = cstr(&path);
    // Re-applies the current mode.
    // SAFETY: `p` is NUL-terminated.
    direct(check_int(unsafe {
        libc::fchmodat(fd, p.as_ptr(), st.st_mode & 0o7777, 0)
    }))
}

fn rw_fd_utimens_dotdot(c: &Config) -> Outcome {
    let fd = rw_fd!(c);
    let path = dotdot_path(&need!(c.host_file));
    let st = match fstatat(fd, &path, 0) {
        Ok(st) => st,
        Err(e) => return blocked(e),
    };
    // Explicit times, the current ones.
    let times = [
        libc::timespec {
            tv_sec: st.st_atime,
            tv_nsec: st.st_atime_nsec,
        },
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
    ];
    let p = cstr(&path);
    // SAFETY: `p` is NUL-terminated; `times` holds two timespecs.
    direct(check_int(unsafe {
        libc::utimensat(fd, p.as_ptr(), times.as_ptr(), 0)
    }))
}

fn rw_fd_setxattr_dotdot(c: &Config) -> Outcome {
    // setxattr takes no directory descriptor: through the working directory.
    let path = climb_from_rw!(c, &need!(c.host_file));
    let name = cstr("user.caprun-escape");
    // SAFETY: `path` and `name` are NUL-terminated; the value is 1 valid byte.
    let r = unsafe { libc::setxattr(path.as_ptr(), name.as_ptr(), b"1".as_ptr().cast(), 1, 0) };
    match check_int(r) {
        Err(e) => blocked(e),
        Ok(_) => {
            // SAFETY: as above.
            unsafe { libc::removexattr(path.as_ptr(), name.as_ptr()) };
            ok()
        }
    }
}

fn rw_fd_truncate_dotdot(c: &Config) -> Outcome {
    let path = climb_from_rw!(c, &need!(c.host_file));
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `path` is NUL-terminated and `st` valid for writes of a `struct stat`.
    if let Err(e) = check_int(unsafe { libc::stat(path.as_ptr(), st.as_mut_ptr()) }) {
        return blocked(e);
    }
    // SAFETY: stat succeeded.
    let size = unsafe { st.assume_init() }.st_size;
    // Truncated to the size it has: a successful truncate that changes nothing.
    // SAFETY: `path` is NUL-terminated.
    direct(check_int(unsafe { libc::truncate(path.as_ptr(), size) }))
}

/// Empty the file granted append-only (`--append-fd`) with `ftruncate`: the descriptor
/// says O_APPEND, which only positions writes; the truncation is the breach.
fn append_fd_ftruncate(c: &Config) -> Outcome {
    let fd = need!(c.append_fd);
    // SAFETY: integer arguments only.
    direct(check_int(unsafe { libc::ftruncate(fd, 0) }))
}

// A descriptor received from outside (issue 23 §3): a process outside the sandbox sends
// a host directory over a socket the program listens on in its writable grant.

/// Listen at `--recv-socket` (made connectable by anyone), accept one connection within
/// the timeout and take the directory descriptor it carries, then re-apply the current
/// mode of `--recv-name` beneath it with `fchmodat`.
fn received_dir_chmod(c: &Config) -> Outcome {
    use nix::sys::socket::{
        accept, bind, listen, recvmsg, socket, AddressFamily, Backlog, ControlMessageOwned,
        MsgFlags, SockFlag, SockType, UnixAddr,
    };
    let path = need!(c.recv_socket);
    let name = need!(c.recv_name);
    let s = match socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    ) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    let addr = match UnixAddr::new(path.as_str()) {
        Ok(a) => a,
        Err(e) => return Error(format!("--recv-socket {path}: {}", ename(e))),
    };
    if let Err(e) = bind(s.as_raw_fd(), &addr) {
        return Error(format!("bind {path}: {}", ename(e)));
    }
    let p = cstr(&path);
    // SAFETY: `p` is NUL-terminated. The sender may run as another user.
    unsafe { libc::chmod(p.as_ptr(), 0o777) };
    if let Err(e) = listen(&s, Backlog::new(1).unwrap_or(Backlog::MAXCONN)) {
        return Error(format!("listen: {}", ename(e)));
    }
    let mut pfd = libc::pollfd {
        fd: s.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let wait = c.timeout.saturating_sub(Duration::from_secs(1)).as_millis() as c_int;
    // SAFETY: one valid pollfd.
    if unsafe { libc::poll(&mut pfd, 1, wait.max(100)) } != 1 {
        let _ = unlinkat(libc::AT_FDCWD, &path, 0);
        return Error("no sender connected".into());
    }
    let _ = unlinkat(libc::AT_FDCWD, &path, 0);
    let conn = match accept(s.as_raw_fd()).and_then(owned) {
        Ok(fd) => fd,
        Err(e) => return Error(format!("accept: {}", ename(e))),
    };
    let mut byte = [0u8; 1];
    let mut iov = [std::io::IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = match recvmsg::<()>(
        conn.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    ) {
        Ok(m) => m,
        Err(e) => return Error(format!("recvmsg: {}", ename(e))),
    };
    let Some(dir) = msg
        .cmsgs()
        .ok()
        .into_iter()
        .flatten()
        .find_map(|m| match m {
            ControlMessageOwned::ScmRights(fds) => fds.first().copied(),
            _ => None,
        })
    else {
        return Error("no descriptor received".into());
    };
    // SAFETY: the descriptor was just received and is owned by nobody else.
    let dir = unsafe { OwnedFd::from_raw_fd(dir) };
    let st = match fstatat(dir.as_raw_fd(), &name, 0) {
        Ok(st) => st,
        Err(e) => return blocked(e),
    };
    let n = cstr(&name);
    // Re-applies the current mode.
    // SAFETY: `n` is NUL-terminated.
    direct(check_int(unsafe {
        libc::fchmodat(dir.as_raw_fd(), n.as_ptr(), st.st_mode & 0o7777, 0)
    }))
}

/// `--send-dir SOCKET DIR`: connect to SOCKET (retrying for 10 s while it does not
/// exist yet) and send DIR, opened `O_PATH`, with `SCM_RIGHTS`.
fn send_dir(socket_path: &str, dir: &str) -> Result<(), String> {
    use nix::sys::socket::{
        connect, sendmsg, socket, AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType,
        UnixAddr,
    };
    let addr = UnixAddr::new(socket_path).map_err(|e| format!("{socket_path}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let s = loop {
        let s = socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(|e| format!("socket: {e}"))?;
        match connect(s.as_raw_fd(), &addr) {
            Ok(()) => break s,
            Err(e) if Instant::now() > deadline => {
                return Err(format!("connect {socket_path}: {e}"))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let fd = open(dir, libc::O_PATH | libc::O_DIRECTORY).map_err(|e| format!("{dir}: {e}"))?;
    let fds = [fd.as_raw_fd()];
    let iov = [std::io::IoSlice::new(b"d")];
    sendmsg::<()>(
        s.as_raw_fd(),
        &iov,
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .map_err(|e| format!("sendmsg: {e}"))?;
    Ok(())
}

// Metadata of read-only grants (issue 14 §3): each call re-applies what is there
// (mode, times, inode flags) or takes and drops a lock or lease at once.

/// `victim` of the read-only granted directory, opened read-only, and its status.
fn victim_ro(c: &Config) -> Result<(OwnedFd, libc::stat), Outcome> {
    let fd = granted(c)?;
    victim(fd)?;
    let f = openat(fd, "victim", libc::O_RDONLY, 0)
        .map_err(|e| Error(format!("granted dir: open victim: {}", ename(e))))?;
    let st = fstatat(f.as_raw_fd(), "", libc::AT_EMPTY_PATH)
        .map_err(|e| Error(format!("granted dir: fstat victim: {}", ename(e))))?;
    Ok((f, st))
}

macro_rules! victim_ro {
    ($c:expr) => {
        match victim_ro($c) {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}

fn granted_fchmod(c: &Config) -> Outcome {
    let (f, st) = victim_ro!(c);
    // SAFETY: no pointers are passed.
    direct(check(unsafe {
        libc::syscall(libc::SYS_fchmod, f.as_raw_fd(), st.st_mode & 0o7777)
    }))
}

fn granted_fchmodat(c: &Config) -> Outcome {
    let fd = granted!(c);
    let st = match fstatat(fd, "victim", libc::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(e) => return Error(format!("granted dir: victim: {}", ename(e))),
    };
    let name = cstr("victim");
    // SAFETY: `name` is NUL-terminated.
    direct(check(unsafe {
        libc::syscall(libc::SYS_fchmodat, fd, name.as_ptr(), st.st_mode & 0o7777)
    }))
}

fn granted_utimens(c: &Config) -> Outcome {
    let (f, st) = victim_ro!(c);
    // Explicit times (the current ones): UTIME_OMIT for both would skip the permission
    // check altogether.
    let times = [
        libc::timespec {
            tv_sec: st.st_atime,
            tv_nsec: st.st_atime_nsec,
        },
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
    ];
    // SAFETY: a NULL path with a descriptor is futimens; `times` holds two timespecs.
    direct(check(unsafe {
        libc::syscall(
            libc::SYS_utimensat,
            f.as_raw_fd(),
            std::ptr::null::<libc::c_char>(),
            times.as_ptr(),
            0,
        )
    }))
}

const FS_IOC_GETFLAGS: libc::c_ulong = 0x8008_6601;
const FS_IOC_SETFLAGS: libc::c_ulong = 0x4008_6602;

fn granted_setflags(c: &Config) -> Outcome {
    let (f, _) = victim_ro!(c);
    // The kernel reads and writes an int, whatever the ioctl number says.
    let mut flags: c_int = 0;
    // SAFETY: `flags` is valid for writes of an int.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), FS_IOC_GETFLAGS as _, &mut flags) };
    match check_int(r) {
        Ok(_) => {}
        Err(e @ (Errno::EPERM | Errno::EACCES)) => return blocked(e),
        Err(e) => {
            return Error(format!(
                "FS_IOC_GETFLAGS: {} (no inode flags on this file system?)",
                ename(e)
            ))
        }
    }
    // SAFETY: `flags` is a valid int.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), FS_IOC_SETFLAGS as _, &flags) };
    match check_int(r) {
        Ok(_) => Escaped(format!("set the inode flags {flags:#x} again")),
        Err(e) => blocked(e),
    }
}

fn granted_flock_ex(c: &Config) -> Outcome {
    let (f, _) = victim_ro!(c);
    // SAFETY: no pointers are passed.
    match check_int(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            // SAFETY: as above.
            unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_UN) };
            Escaped("exclusive lock on a read-only descriptor".into())
        }
    }
}

const F_RDLCK: c_int = 0;
const F_UNLCK: c_int = 2;

fn granted_lease(c: &Config) -> Outcome {
    let (f, _) = victim_ro!(c);
    // SAFETY: no pointers are passed.
    match check_int(unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETLEASE, F_RDLCK) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            // SAFETY: as above.
            unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETLEASE, F_UNLCK) };
            Escaped("read lease on a read-only descriptor".into())
        }
    }
}

fn chmod_dev_null(_: &Config) -> Outcome {
    let st = match fstatat(libc::AT_FDCWD, "/dev/null", 0) {
        Ok(st) => st,
        Err(e) => return Error(format!("/dev/null: {}", ename(e))),
    };
    let p = cstr("/dev/null");
    // Re-applies the current mode.
    // SAFETY: `p` is NUL-terminated.
    direct(check(unsafe {
        libc::syscall(libc::SYS_chmod, p.as_ptr(), st.st_mode & 0o7777)
    }))
}

// Set-user-ID planting (issue 14 §4), in the writable granted directory: the mode asked
// for has S_ISUID (or S_ISGID); escaped when the file made has the bit. Whatever is made
// is removed again.

/// Escaped when `name` in `dirfd` has `bit`; removes it (`flags` for unlinkat).
fn planted(dirfd: RawFd, name: &str, bit: libc::mode_t, flags: c_int, how: &str) -> Outcome {
    let st = fstatat(dirfd, name, libc::AT_SYMLINK_NOFOLLOW);
    let _ = unlinkat(dirfd, name, flags);
    match st {
        Ok(st) if st.st_mode & bit != 0 => Escaped(format!("{how}: mode {:o}", st.st_mode)),
        Ok(_) => Blocked("BIT-DROPPED".into()),
        Err(e) => Error(format!("stat after {how}: {}", ename(e))),
    }
}

macro_rules! writable {
    ($c:expr) => {
        match writable_dir($c) {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}

fn setuid_create(c: &Config) -> Outcome {
    let (dirfd, _keep) = writable!(c);
    let name = unique("caprun-escape-suid");
    match openat(
        dirfd,
        &name,
        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY,
        0o4755,
    ) {
        Err(e) => blocked(e),
        Ok(f) => {
            drop(f);
            planted(dirfd, &name, libc::S_ISUID, 0, "openat O_CREAT 04755")
        }
    }
}

fn setuid_fchmod(c: &Config) -> Outcome {
    let (dirfd, _keep) = writable!(c);
    let name = unique("caprun-escape-suid");
    let f = match openat(
        dirfd,
        &name,
        libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY,
        0o755,
    ) {
        Ok(f) => f,
        // Not even a plain file can be made here: nothing can be planted either.
        Err(e) => return blocked(e),
    };
    // SAFETY: no pointers are passed.
    let r = check(unsafe { libc::syscall(libc::SYS_fchmod, f.as_raw_fd(), 0o4755) });
    drop(f);
    match r {
        Err(e) => {
            let _ = unlinkat(dirfd, &name, 0);
            blocked(e)
        }
        Ok(_) => planted(dirfd, &name, libc::S_ISUID, 0, "fchmod 04755"),
    }
}

fn setgid_mkdir(c: &Config) -> Outcome {
    let (dirfd, _keep) = writable!(c);
    let name = unique("caprun-escape-sgid");
    let p = cstr(&name);
    // SAFETY: `p` is NUL-terminated.
    if let Err(e) = check_int(unsafe { libc::mkdirat(dirfd, p.as_ptr(), 0o2755) }) {
        return blocked(e);
    }
    // Linux drops S_ISGID from mkdir's mode (a directory gets it only from its parent),
    // so a directory that passed the filter is then chmodded: the attack wants a
    // set-group-ID directory by either route.
    if let Ok(st) = fstatat(dirfd, &name, libc::AT_SYMLINK_NOFOLLOW) {
        if st.st_mode & libc::S_ISGID != 0 {
            return planted(
                dirfd,
                &name,
                libc::S_ISGID,
                libc::AT_REMOVEDIR,
                "mkdirat 02755",
            );
        }
    }
    // SAFETY: `p` is NUL-terminated.
    let r = check(unsafe { libc::syscall(libc::SYS_fchmodat, dirfd, p.as_ptr(), 0o2755) });
    match r {
        Err(e) => {
            let _ = unlinkat(dirfd, &name, libc::AT_REMOVEDIR);
            blocked(e)
        }
        Ok(_) => planted(
            dirfd,
            &name,
            libc::S_ISGID,
            libc::AT_REMOVEDIR,
            "mkdirat 02755 (bit dropped by the kernel), then fchmodat 02755",
        ),
    }
}

fn setuid_mknod(c: &Config) -> Outcome {
    let (dirfd, _keep) = writable!(c);
    let name = unique("caprun-escape-suid");
    let p = cstr(&name);
    // SAFETY: `p` is NUL-terminated.
    match check_int(unsafe { libc::mknodat(dirfd, p.as_ptr(), libc::S_IFREG | 0o4755, 0) }) {
        Err(e) => blocked(e),
        Ok(_) => planted(dirfd, &name, libc::S_ISUID, 0, "mknodat S_IFREG|04755"),
    }
}

/// `struct open_how` of openat2(2).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

fn setuid_openat2(c: &Config) -> Outcome {
    let (dirfd, _keep) = writable!(c);
    let name = unique("caprun-escape-suid");
    let p = cstr(&name);
    let how = OpenHow {
        flags: (libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC) as u64,
        mode: 0o4755,
        resolve: 0,
    };
    // SAFETY: `p` is NUL-terminated and `how` is an open_how of the size given.
    let r = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dirfd,
            p.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    match owned_long(r) {
        Err(e) => blocked(e),
        Ok(f) => {
            drop(f);
            planted(dirfd, &name, libc::S_ISUID, 0, "openat2 O_CREAT 04755")
        }
    }
}

fn proc_self_mounts(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/proc/self/mounts")
}

fn proc_1_environ(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/proc/1/environ")
}

fn proc_kallsyms(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/proc/kallsyms")
}

fn proc_kcore(_: &Config) -> Outcome {
    open_read(libc::AT_FDCWD, "/proc/kcore")
}

fn dev_mem(_: &Config) -> Outcome {
    // Opened only, never read.
    direct(open("/dev/mem", libc::O_RDONLY))
}

fn dev_block(_: &Config) -> Outcome {
    let dev = match open("/dev", libc::O_RDONLY | libc::O_DIRECTORY) {
        Ok(fd) => fd,
        Err(e) => return blocked(e),
    };
    let names = match list_fd(dev.as_raw_fd()) {
        Ok(n) => n,
        Err(e) => return blocked(e),
    };
    let mut last = None;
    for name in names {
        let Ok(st) = fstatat(dev.as_raw_fd(), &name, libc::AT_SYMLINK_NOFOLLOW) else {
            continue;
        };
        if st.st_mode & libc::S_IFMT != libc::S_IFBLK {
            continue;
        }
        // Opened read-only and never read.
        match openat(dev.as_raw_fd(), &name, libc::O_RDONLY | libc::O_NONBLOCK, 0) {
            Ok(_) => return Escaped(format!("opened /dev/{name}")),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => blocked(e),
        None => Blocked("NO-BLOCK-DEVICE".into()),
    }
}

fn dev_kmsg(_: &Config) -> Outcome {
    direct(open("/dev/kmsg", libc::O_RDONLY | libc::O_NONBLOCK))
}

fn dev_tty(_: &Config) -> Outcome {
    direct(open(
        "/dev/tty",
        libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK,
    ))
}

/// A writable directory for attacks that need one: `--rw-dir-fd`, else `/tmp`.
fn writable_dir(c: &Config) -> Result<(RawFd, Option<OwnedFd>), Outcome> {
    if let Some(fd) = c.rw_dir_fd {
        return Ok((fd, None));
    }
    match open("/tmp", libc::O_RDONLY | libc::O_DIRECTORY) {
        Ok(fd) => Ok((fd.as_raw_fd(), Some(fd))),
        Err(e) => Err(Error(format!(
            "no writable directory (give --rw-dir-fd): /tmp: {}",
            ename(e)
        ))),
    }
}

fn mknod_device(c: &Config) -> Outcome {
    let (dirfd, _keep) = match writable_dir(c) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let name = unique("caprun-escape-mknod");
    let p = cstr(&name);
    // /dev/null's numbers: a character device that is harmless even if it were opened.
    let dev = libc::makedev(1, 3);
    // SAFETY: `p` is NUL-terminated.
    match check_int(unsafe { libc::mknodat(dirfd, p.as_ptr(), libc::S_IFCHR | 0o600, dev) }) {
        Err(e) => blocked(e),
        Ok(_) => {
            let _ = unlinkat(dirfd, &name, 0);
            ok()
        }
    }
}

fn exec_host_binary(c: &Config) -> Outcome {
    let bin = need!(c.host_binary);
    let path = cstr(&bin);
    let mut fds = [0 as c_int; 2];
    // SAFETY: `fds` is valid for writes of two ints.
    if let Err(e) = check_int(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }) {
        return Error(format!("pipe2: {}", ename(e)));
    }
    // SAFETY: both descriptors were just created and are owned only here.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: single-threaded; the child only calls async-signal-safe functions.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Error(format!("fork: {}", ename(Errno::last())));
    }
    if pid == 0 {
        let argv = [path.as_ptr(), std::ptr::null()];
        let envp: [*const libc::c_char; 1] = [std::ptr::null()];
        // SAFETY: argv and envp are NULL-terminated arrays of NUL-terminated strings.
        unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
        let err = Errno::last() as i32;
        let _ = write_all(wr.as_raw_fd(), &err.to_ne_bytes());
        // SAFETY: _exit never returns.
        unsafe { libc::_exit(127) };
    }
    drop(wr);
    let mut buf = [0u8; 4];
    let n = read_some(rd.as_raw_fd(), &mut buf);
    let outcome = match n {
        // The close-on-exec write end vanished without a message: execve succeeded.
        Ok(0) => Escaped(format!("executed {bin}")),
        Ok(4) => blocked(Errno::from_raw(i32::from_ne_bytes(buf))),
        Ok(_) => Error("short report from exec child".into()),
        Err(e) => Error(format!("read exec report: {}", ename(e))),
    };
    if matches!(outcome, Escaped(_)) {
        // Whatever was executed is not allowed to linger.
        // SAFETY: `pid` is our own unreaped child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let _ = waitpid(pid);
    outcome
}

fn write_root(_: &Config) -> Outcome {
    // An unnamed O_TMPFILE in the root file system: creating it needs the same write
    // access to `/` as creating `/x`, but on the real host nothing ever appears in `/`.
    match open("/", libc::O_TMPFILE | libc::O_WRONLY) {
        Ok(fd) => match write_all(fd.as_raw_fd(), b"x") {
            Ok(()) => Escaped("wrote an O_TMPFILE in /".into()),
            Err(e) => Escaped(format!("created an O_TMPFILE in / (write: {})", ename(e))),
        },
        Err(e @ (Errno::EOPNOTSUPP | Errno::EISDIR)) => {
            Error(format!("O_TMPFILE unsupported on /: {}", ename(e)))
        }
        Err(e) => blocked(e),
    }
}

// ---------------------------------------------------------------------------------------
// Network attacks
// ---------------------------------------------------------------------------------------

fn socket(domain: c_int, ty: c_int, proto: c_int) -> Result<OwnedFd, Errno> {
    // SAFETY: socket has no memory-safety preconditions.
    owned(unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, proto) })
}

fn sockaddr_in(addr: [u8; 4], port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(addr),
        },
        sin_zero: [0; 8],
    }
}

const SIN_LEN: libc::socklen_t = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;

fn inet_socket(_: &Config) -> Outcome {
    direct(socket(libc::AF_INET, libc::SOCK_STREAM, 0))
}

fn inet6_socket(_: &Config) -> Outcome {
    direct(socket(libc::AF_INET6, libc::SOCK_STREAM, 0))
}

fn tcp_connect(c: &Config) -> Outcome {
    let port = need!(c.tcp_port);
    let s = match socket(libc::AF_INET, libc::SOCK_STREAM, 0) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    let sa = sockaddr_in([127, 0, 0, 1], port);
    // SAFETY: `sa` is a valid sockaddr_in of SIN_LEN bytes.
    let r = unsafe {
        libc::connect(
            s.as_raw_fd(),
            (&sa as *const libc::sockaddr_in).cast(),
            SIN_LEN,
        )
    };
    direct(check_int(r))
}

fn tcp_bind(_: &Config) -> Outcome {
    let s = match socket(libc::AF_INET, libc::SOCK_STREAM, 0) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    let sa = sockaddr_in([0, 0, 0, 0], 0);
    // SAFETY: `sa` is a valid sockaddr_in of SIN_LEN bytes.
    let r = unsafe {
        libc::bind(
            s.as_raw_fd(),
            (&sa as *const libc::sockaddr_in).cast(),
            SIN_LEN,
        )
    };
    if let Err(e) = check_int(r) {
        return blocked(e);
    }
    // SAFETY: listen has no memory-safety preconditions.
    direct(check_int(unsafe { libc::listen(s.as_raw_fd(), 1) }))
}

fn udp_send(c: &Config) -> Outcome {
    let port = need!(c.udp_port);
    let s = match socket(libc::AF_INET, libc::SOCK_DGRAM, 0) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    let sa = sockaddr_in([127, 0, 0, 1], port);
    // SAFETY: `sa` is a valid sockaddr_in of SIN_LEN bytes.
    let r = unsafe {
        libc::connect(
            s.as_raw_fd(),
            (&sa as *const libc::sockaddr_in).cast(),
            SIN_LEN,
        )
    };
    if let Err(e) = check_int(r) {
        return blocked(e);
    }
    let msg = b"caprun-escape";
    // SAFETY: `msg` is valid for its length.
    let r = unsafe { libc::send(s.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
    if let Err(e) = check(r as c_long) {
        return blocked(e);
    }
    // A datagram to a loopback port where nothing listens is answered at once by an ICMP
    // port unreachable, which the connected socket reports (ECONNREFUSED): that is a
    // network without the harness's listener (a sandbox's own loopback).
    let mut pfd = libc::pollfd {
        fd: s.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid pollfd.
    unsafe { libc::poll(&mut pfd, 1, 100) };
    let mut err: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `err` and `len` are valid for writes.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&mut err as *mut c_int).cast(),
            &mut len,
        )
    };
    match check_int(r) {
        Err(e) => Error(format!("getsockopt SO_ERROR: {}", ename(e))),
        Ok(_) if err != 0 => blocked(Errno::from_raw(err)),
        Ok(_) => Escaped(format!("sent to 127.0.0.1:{port}, no error")),
    }
}

fn netlink_route(_: &Config) -> Outcome {
    direct(socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW,
        libc::NETLINK_ROUTE,
    ))
}

fn packet_socket(_: &Config) -> Outcome {
    direct(socket(
        libc::AF_PACKET,
        libc::SOCK_RAW,
        (libc::ETH_P_ALL as u16).to_be() as c_int,
    ))
}

fn raw_inet_socket(_: &Config) -> Outcome {
    direct(socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP))
}

fn abstract_unix_connect(c: &Config) -> Outcome {
    let name = need!(c.abstract_name);
    // SAFETY: sockaddr_un is plain old data; all-zero is a valid value.
    let mut sa: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if name.len() + 1 > sa.sun_path.len() {
        return Error("--abstract name too long".into());
    }
    for (i, b) in name.bytes().enumerate() {
        sa.sun_path[i + 1] = b as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sa_family_t>() + 1 + name.len();
    let s = match socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    // SAFETY: `sa` is a valid sockaddr_un and `len` does not exceed its size.
    let r = unsafe {
        libc::connect(
            s.as_raw_fd(),
            (&sa as *const libc::sockaddr_un).cast(),
            len as libc::socklen_t,
        )
    };
    direct(check_int(r))
}

// ---------------------------------------------------------------------------------------
// Process attacks
// ---------------------------------------------------------------------------------------

fn kill_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: signal 0 only checks for existence and permission.
    direct(check_int(unsafe { libc::kill(pid, 0) }))
}

fn sigcont_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: SIGCONT to the harness's victim is harmless.
    direct(check_int(unsafe { libc::kill(pid, libc::SIGCONT) }))
}

fn ptrace_attach(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // PTRACE_SEIZE makes the same permission check as PTRACE_ATTACH without stopping
    // the victim.
    // SAFETY: no pointers are passed.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, pid, 0usize, 0usize) };
    match check(r) {
        Err(e) => blocked(e),
        Ok(_) => {
            // SAFETY: no pointers are passed.
            unsafe { libc::ptrace(libc::PTRACE_DETACH, pid, 0usize, 0usize) };
            ok()
        }
    }
}

fn ptrace_traceme(_: &Config) -> Outcome {
    // SAFETY: no pointers are passed.
    direct(check(unsafe {
        libc::ptrace(libc::PTRACE_TRACEME, 0, 0usize, 0usize)
    }))
}

/// The start of the first readable mapping of `pid`, if /proc shows it.
fn readable_address(pid: i32) -> Option<usize> {
    let f = open(&format!("/proc/{pid}/maps"), libc::O_RDONLY).ok()?;
    let text = String::from_utf8(read_all(f.as_raw_fd()).ok()?).ok()?;
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        let range = it.next()?;
        let perms = it.next()?;
        perms
            .starts_with('r')
            .then(|| usize::from_str_radix(range.split('-').next()?, 16).ok())
            .flatten()
    })
}

fn process_vm_readv(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    let addr = readable_address(pid).unwrap_or(0x40_0000);
    let mut buf = [0u8; 8];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes `buf`; the remote address is only read by the kernel.
    let r = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    match check(r as c_long) {
        Ok(n) => Escaped(format!("read {n} bytes at {addr:#x}")),
        // The permission check comes first; EFAULT means it passed.
        Err(Errno::EFAULT) => Escaped(format!(
            "EFAULT at guessed {addr:#x} after the permission check"
        )),
        Err(e) => blocked(e),
    }
}

fn pidfd_open(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: no pointers are passed.
    direct(owned_long(unsafe {
        libc::syscall(libc::SYS_pidfd_open, pid, 0)
    }))
}

fn proc_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    open_read(libc::AT_FDCWD, &format!("/proc/{pid}/status"))
}

fn proc_host_environ(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    open_read(libc::AT_FDCWD, &format!("/proc/{pid}/environ"))
}

// Process-targeting calls by pid (issue 14 §1). A sandbox with a PID namespace has no
// process with the victim's number (`ESRCH`); one without must refuse a pid other than
// 0. A call that sets something sets the victim's current value, read first; when that
// read is refused, the probe's own value is used, so at worst the harness's `sleep`
// victim takes the probe's value.

const PRIO_PROCESS: c_int = 0;
const PRIO_USER: c_int = 2;
const RLIMIT_NOFILE: c_int = 7;

/// `prlimit64(pid, resource, new, old)`.
fn prlimit(
    pid: i32,
    resource: c_int,
    new: Option<&libc::rlimit>,
    old: Option<&mut libc::rlimit>,
) -> Result<c_long, Errno> {
    let new = new.map_or(std::ptr::null(), |r| r as *const libc::rlimit);
    let old = old.map_or(std::ptr::null_mut(), |r| r as *mut libc::rlimit);
    // SAFETY: `new` is NULL or a valid rlimit, `old` NULL or valid for writes.
    check(unsafe { libc::syscall(libc::SYS_prlimit64, pid, resource, new, old) })
}

fn prlimit_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    let mut cur = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let read = prlimit(pid, RLIMIT_NOFILE, None, Some(&mut cur));
    if read.is_err() {
        if let Err(e) = prlimit(0, RLIMIT_NOFILE, None, Some(&mut cur)) {
            return Error(format!("prlimit64 of self: {}", ename(e)));
        }
    }
    // Setting a limit of another process is the permission check that RLIMIT_CPU = 1
    // would pass too (and kill the victim); here it sets what is already there.
    match prlimit(pid, RLIMIT_NOFILE, Some(&cur), None) {
        Ok(_) => Escaped(format!(
            "set the RLIMIT_NOFILE of {pid} to {}/{}",
            cur.rlim_cur, cur.rlim_max
        )),
        Err(e) => blocked(e),
    }
}

/// The raw `getpriority`: 20 − nice (1..=40), so no valid answer is negative.
fn getpriority(which: c_int, who: i32) -> Result<c_long, Errno> {
    // SAFETY: no pointers are passed.
    check(unsafe { libc::syscall(libc::SYS_getpriority, which, who) })
}

fn getpriority_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    match getpriority(PRIO_PROCESS, pid) {
        Ok(p) => Escaped(format!("nice of {pid} is {}", 20 - p)),
        Err(e) => blocked(e),
    }
}

fn setpriority_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    let prio = match getpriority(PRIO_PROCESS, pid).or_else(|_| getpriority(PRIO_PROCESS, 0)) {
        Ok(p) => p,
        Err(e) => return Error(format!("getpriority of self: {}", ename(e))),
    };
    // SAFETY: no pointers are passed.
    let r = unsafe { libc::syscall(libc::SYS_setpriority, PRIO_PROCESS, pid, 20 - prio) };
    direct(check(r))
}

/// The CPU mask of `pid` (0: the caller).
fn getaffinity(pid: i32) -> Result<libc::cpu_set_t, Errno> {
    // SAFETY: cpu_set_t is plain old data; all-zero is a valid value.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid for writes of its size.
    check(unsafe {
        libc::syscall(
            libc::SYS_sched_getaffinity,
            pid,
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set as *mut libc::cpu_set_t,
        )
    })?;
    Ok(set)
}

fn sched_getaffinity_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    direct(getaffinity(pid))
}

fn sched_setaffinity_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    let set = match getaffinity(pid).or_else(|_| getaffinity(0)) {
        Ok(s) => s,
        Err(e) => return Error(format!("sched_getaffinity of self: {}", ename(e))),
    };
    // SAFETY: `set` is a valid cpu_set_t of the given size.
    direct(check(unsafe {
        libc::syscall(
            libc::SYS_sched_setaffinity,
            pid,
            std::mem::size_of::<libc::cpu_set_t>(),
            &set as *const libc::cpu_set_t,
        )
    }))
}

fn sched_getparam_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // struct sched_param is one int for the kernel (musl's libc type is larger).
    let mut param: c_int = 0;
    // SAFETY: `param` is valid for writes of the kernel's struct sched_param.
    direct(check(unsafe {
        libc::syscall(libc::SYS_sched_getparam, pid, &mut param as *mut c_int)
    }))
}

fn sched_getscheduler_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: no pointers are passed.
    direct(check(unsafe {
        libc::syscall(libc::SYS_sched_getscheduler, pid)
    }))
}

fn capget_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: `hdr` and `data` match the kernel's v3 layout.
    match check(unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) }) {
        Ok(_) => Escaped(format!(
            "effective set of {pid}: {:#x}",
            u64::from(data[0].effective) | u64::from(data[1].effective) << 32
        )),
        Err(e) => blocked(e),
    }
}

fn getpgid_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: no pointers are passed.
    direct(check(unsafe { libc::syscall(libc::SYS_getpgid, pid) }))
}

fn getsid_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // SAFETY: no pointers are passed.
    direct(check(unsafe { libc::syscall(libc::SYS_getsid, pid) }))
}

fn kill_probe_host_pid(c: &Config) -> Outcome {
    let pid = need!(c.host_pid);
    // Signal 0 tells whether the pid exists: success, or EPERM (it exists but may not be
    // signalled), reveals a host process; ESRCH is the only answer that reveals nothing.
    // SAFETY: signal 0 only checks for existence and permission.
    match check_int(unsafe { libc::kill(pid, 0) }) {
        Ok(_) => Escaped(format!("{pid} exists and may be signalled")),
        Err(Errno::EPERM) => Escaped(format!("EPERM: {pid} exists")),
        Err(e) => blocked(e),
    }
}

fn prio_user(_: &Config) -> Outcome {
    // Read-only: setpriority(PRIO_USER, 0, …) would renice every process of the user
    // (every process of the host as root), and it walks exactly the processes this
    // walks (those with a pid in the caller's PID namespace). The harness runs the probe
    // at a higher nice than another process of its user (its victim): seeing a better
    // priority than the probe's own means seeing a process outside the sandbox.
    let all = match getpriority(PRIO_USER, 0) {
        Ok(p) => p,
        Err(e) => return blocked(e),
    };
    let own = match getpriority(PRIO_PROCESS, 0) {
        Ok(p) => p,
        Err(e) => return Error(format!("getpriority of self: {}", ename(e))),
    };
    if all > own {
        Escaped(format!(
            "a process of the user has nice {} (the probe's is {})",
            20 - all,
            20 - own
        ))
    } else {
        Blocked("OWN-PROCESSES-ONLY".into())
    }
}

// ---------------------------------------------------------------------------------------
// Privilege and kernel-surface attacks
// ---------------------------------------------------------------------------------------

const NOWHERE: &str = "/nonexistent-caprun-escape";

fn mount_tmpfs(_: &Config) -> Outcome {
    // A fresh directory under /tmp on a host; inside a sandbox without /tmp the target
    // is the sandbox's own (private, empty) root.
    let mut template = *b"/tmp/caprun-escape-mnt-XXXXXX\0";
    // SAFETY: `template` is a writable NUL-terminated buffer ending in XXXXXX.
    let made = !unsafe { libc::mkdtemp(template.as_mut_ptr().cast()) }.is_null();
    let target = if made {
        CStr::from_bytes_until_nul(&template).unwrap().to_owned()
    } else {
        cstr("/")
    };
    let (src, fstype, data) = (cstr("caprun-escape"), cstr("tmpfs"), cstr("size=4k"));
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // SAFETY: all strings are NUL-terminated.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            flags,
            data.as_ptr().cast(),
        )
    };
    let outcome = direct(check_int(r));
    if r == 0 {
        // SAFETY: `target` is NUL-terminated.
        unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
    }
    if made {
        // SAFETY: `target` is NUL-terminated.
        unsafe { libc::rmdir(target.as_ptr()) };
    }
    outcome
}

fn fsopen_tmpfs(_: &Config) -> Outcome {
    let fstype = cstr("tmpfs");
    // SAFETY: `fstype` is NUL-terminated.
    let fs = match owned_long(unsafe { libc::syscall(libc::SYS_fsopen, fstype.as_ptr(), 1) }) {
        Ok(fd) => fd,
        Err(e) => return blocked(e),
    };
    const FSCONFIG_CMD_CREATE: c_int = 6;
    // SAFETY: CMD_CREATE takes no key or value pointers.
    let r = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            0usize,
            0usize,
            0,
        )
    };
    if let Err(e) = check(r) {
        return blocked(e);
    }
    // The detached mount is never attached anywhere and vanishes with its descriptor.
    // SAFETY: no pointers are passed.
    direct(owned_long(unsafe {
        libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), 1, 0)
    }))
}

fn umount_root(_: &Config) -> Outcome {
    // MNT_EXPIRE on the caller's root mount fails with EINVAL once the unmount
    // permission check has passed: a real unmount would have been allowed.
    let root = cstr("/");
    // SAFETY: `root` is NUL-terminated.
    reach(check(
        unsafe { libc::umount2(root.as_ptr(), libc::MNT_EXPIRE) } as c_long,
    ))
}

fn unshare_user(_: &Config) -> Outcome {
    // SAFETY: affects only this forked attack process.
    direct(check_int(unsafe { libc::unshare(libc::CLONE_NEWUSER) }))
}

fn unshare_mount(_: &Config) -> Outcome {
    // SAFETY: affects only this forked attack process.
    direct(check_int(unsafe { libc::unshare(libc::CLONE_NEWNS) }))
}

fn setns_net(c: &Config) -> Outcome {
    // The victim's network namespace (the host's) when known, else pid 1's.
    let pid = c.host_pid.unwrap_or(1);
    let fd = match open(&format!("/proc/{pid}/ns/net"), libc::O_RDONLY) {
        Ok(fd) => fd,
        Err(e) => return blocked(e),
    };
    // SAFETY: affects only this forked attack process.
    direct(check_int(unsafe {
        libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET)
    }))
}

fn chroot(_: &Config) -> Outcome {
    let root = cstr("/");
    // SAFETY: `root` is NUL-terminated; affects only this forked attack process.
    direct(check_int(unsafe { libc::chroot(root.as_ptr()) }))
}

fn pivot_root(_: &Config) -> Outcome {
    // The mount permission check precedes the path lookup, which fails with ENOENT.
    let p = cstr(NOWHERE);
    // SAFETY: `p` is NUL-terminated.
    reach(check(unsafe {
        libc::syscall(libc::SYS_pivot_root, p.as_ptr(), p.as_ptr())
    }))
}

fn setuid_0(_: &Config) -> Outcome {
    // SAFETY: affects only this forked attack process.
    let r = unsafe { libc::setresuid(0, 0, 0) };
    let (mut ru, mut eu, mut su) = (1, 1, 1);
    // SAFETY: the three pointers are valid for writes.
    unsafe { libc::getresuid(&mut ru, &mut eu, &mut su) };
    if (ru, eu, su) == (0, 0, 0) {
        Escaped("real, effective and saved uid are 0".into())
    } else {
        match check_int(r) {
            Err(e) => blocked(e),
            Ok(_) => Blocked(format!("UID-{ru}-{eu}-{su}")),
        }
    }
}

fn setgid_0(_: &Config) -> Outcome {
    // SAFETY: affects only this forked attack process.
    let r = unsafe { libc::setresgid(0, 0, 0) };
    let (mut rg, mut eg, mut sg) = (1, 1, 1);
    // SAFETY: the three pointers are valid for writes.
    unsafe { libc::getresgid(&mut rg, &mut eg, &mut sg) };
    if (rg, eg, sg) == (0, 0, 0) {
        Escaped("real, effective and saved gid are 0".into())
    } else {
        match check_int(r) {
            Err(e) => blocked(e),
            Ok(_) => Blocked(format!("GID-{rg}-{eg}-{sg}")),
        }
    }
}

/// `struct __user_cap_header_struct` and two `__user_cap_data_struct`s (version 3).
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapHeader {
    version: u32,
    pid: c_int,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_V3: u32 = 0x2008_0522;
const CAP_SYS_ADMIN: u32 = 21;

fn capget() -> Result<[CapData; 2], Errno> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: `hdr` and `data` match the kernel's v3 layout.
    check(unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) })?;
    Ok(data)
}

fn capset(data: &[CapData; 2]) -> Result<c_long, Errno> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    // SAFETY: `hdr` and `data` match the kernel's v3 layout.
    check(unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) })
}

fn cap_raise(_: &Config) -> Outcome {
    let mut data = match capget() {
        Ok(d) => d,
        // A filter may refuse capget (its pid is in a structure it cannot see): then ask
        // for every capability blindly; only a success tells anything.
        Err(_) => {
            let all = CapData {
                effective: !0,
                permitted: !0,
                inheritable: 0,
            };
            return match capset(&[all; 2]) {
                Ok(_) => Escaped("capset of every capability succeeded".into()),
                Err(e) => blocked(e),
            };
        }
    };
    // Try to make every permitted capability effective.
    for d in &mut data {
        d.effective = d.permitted;
    }
    let _ = capset(&data);
    let data = match capget() {
        Ok(d) => d,
        Err(e) => return Error(format!("capget: {}", ename(e))),
    };
    let eff = u64::from(data[0].effective) | u64::from(data[1].effective) << 32;
    let prm = u64::from(data[0].permitted) | u64::from(data[1].permitted) << 32;
    if eff | prm != 0 {
        Escaped(format!("effective {eff:#x} permitted {prm:#x}"))
    } else {
        Blocked("NO-CAPABILITIES".into())
    }
}

fn ambient_raise(_: &Config) -> Outcome {
    // An ambient capability must be permitted and inheritable: add it to the
    // inheritable set first (allowed when it is permitted), then raise it.
    if let Ok(mut data) = capget() {
        data[0].inheritable |= 1 << CAP_SYS_ADMIN;
        let _ = capset(&data);
    }
    // SAFETY: no pointers are passed.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_RAISE,
            CAP_SYS_ADMIN as c_long,
            0,
            0,
        )
    };
    direct(check_int(r))
}

fn io_uring_setup(_: &Config) -> Outcome {
    let mut params = [0u8; 120]; // struct io_uring_params
                                 // SAFETY: `params` is a zeroed io_uring_params the kernel may write to.
    direct(owned_long(unsafe {
        libc::syscall(libc::SYS_io_uring_setup, 1, params.as_mut_ptr())
    }))
}

fn bpf(cmd: c_int, attr: &mut [u8]) -> Result<OwnedFd, Errno> {
    // SAFETY: `attr` is a zero-padded bpf_attr of the given size.
    owned_long(unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), attr.len()) })
}

fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

fn put_u64(buf: &mut [u8], off: usize, v: u64) {
    buf[off..off + 8].copy_from_slice(&v.to_ne_bytes());
}

fn bpf_map_create(_: &Config) -> Outcome {
    let mut attr = [0u8; 128];
    put_u32(&mut attr, 0, 2); // BPF_MAP_TYPE_ARRAY
    put_u32(&mut attr, 4, 4); // key_size
    put_u32(&mut attr, 8, 4); // value_size
    put_u32(&mut attr, 12, 1); // max_entries
    direct(bpf(0, &mut attr)) // BPF_MAP_CREATE
}

fn bpf_prog_load(_: &Config) -> Outcome {
    // r0 = 0; exit
    let insns: [u64; 2] = [0xb7, 0x95];
    let license = b"GPL\0";
    let mut attr = [0u8; 128];
    put_u32(&mut attr, 0, 1); // BPF_PROG_TYPE_SOCKET_FILTER
    put_u32(&mut attr, 4, insns.len() as u32);
    put_u64(&mut attr, 8, insns.as_ptr() as u64);
    put_u64(&mut attr, 16, license.as_ptr() as u64);
    direct(bpf(5, &mut attr)) // BPF_PROG_LOAD
}

fn perf_event_open(_: &Config) -> Outcome {
    let mut attr = [0u8; 136]; // PERF_ATTR_SIZE_VER8
    put_u32(&mut attr, 0, 1); // PERF_TYPE_SOFTWARE
    put_u32(&mut attr, 4, 136); // size
    put_u64(&mut attr, 8, 0); // PERF_COUNT_SW_CPU_CLOCK
    put_u64(&mut attr, 40, 1 | 1 << 5 | 1 << 6); // disabled, exclude_kernel, exclude_hv
                                                 // SAFETY: `attr` is a valid perf_event_attr of the size it declares.
    let r = unsafe { libc::syscall(libc::SYS_perf_event_open, attr.as_mut_ptr(), 0, -1, -1, 8) };
    direct(owned_long(r))
}

fn add_key(_: &Config) -> Outcome {
    let (ty, desc, payload) = (cstr("user"), cstr("caprun-escape"), b"x");
    // SAFETY: strings are NUL-terminated and `payload` is valid for its length. The key
    // lands in this attack process's own process keyring and dies with it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            ty.as_ptr(),
            desc.as_ptr(),
            payload.as_ptr(),
            payload.len(),
            -2, // KEY_SPEC_PROCESS_KEYRING
        )
    };
    direct(check(r))
}

fn keyctl(_: &Config) -> Outcome {
    // KEYCTL_JOIN_SESSION_KEYRING with NULL: a new anonymous session keyring.
    // SAFETY: a NULL name is allowed.
    direct(check(unsafe { libc::syscall(libc::SYS_keyctl, 1, 0usize) }))
}

fn userfaultfd(_: &Config) -> Outcome {
    let flags = libc::O_CLOEXEC | libc::O_NONBLOCK;
    // SAFETY: no pointers are passed.
    let r = owned_long(unsafe { libc::syscall(libc::SYS_userfaultfd, flags) });
    match r {
        Ok(_) => ok(),
        Err(_) => {
            // UFFD_USER_MODE_ONLY is what an unprivileged process would use.
            // SAFETY: no pointers are passed.
            direct(owned_long(unsafe {
                libc::syscall(libc::SYS_userfaultfd, flags | 1)
            }))
        }
    }
}

fn is_tty(fd: RawFd) -> bool {
    // SAFETY: isatty has no memory-safety preconditions.
    unsafe { libc::isatty(fd) == 1 }
}

fn tiocsti(_: &Config) -> Outcome {
    let (fd, _keep) = match open("/dev/tty", libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK) {
        Ok(fd) => (fd.as_raw_fd(), Some(fd)),
        Err(e) => match (0..3).find(|&fd| is_tty(fd)) {
            Some(fd) => (fd, None),
            None => {
                return Error(format!(
                    "no tty (/dev/tty: {}, fds 0-2 are not ttys)",
                    ename(e)
                ))
            }
        },
    };
    // A NULL character pointer: the kernel checks permission first and then fails to
    // read the character (EFAULT), so nothing is ever injected.
    // SAFETY: the kernel validates the NULL user pointer.
    let r = unsafe { libc::ioctl(fd, libc::TIOCSTI, std::ptr::null::<u8>()) };
    match check_int(r) {
        Ok(_) => Escaped("TIOCSTI accepted".into()),
        Err(Errno::EFAULT) => Escaped("EFAULT after the permission check".into()),
        Err(e) => blocked(e),
    }
}

fn init_module(_: &Config) -> Outcome {
    let params = cstr("");
    // SAFETY: a NULL image of length 0 is rejected by the kernel after the capability
    // check; `params` is NUL-terminated.
    reach(check(unsafe {
        libc::syscall(libc::SYS_init_module, 0usize, 0usize, params.as_ptr())
    }))
}

fn finit_module(_: &Config) -> Outcome {
    let params = cstr("");
    // SAFETY: descriptor -1 is rejected (EBADF) after the capability check.
    reach(check(unsafe {
        libc::syscall(libc::SYS_finit_module, -1, params.as_ptr(), 0)
    }))
}

fn reboot(_: &Config) -> Outcome {
    // Wrong magic numbers: EINVAL after the CAP_SYS_BOOT check; nothing is rebooted.
    // SAFETY: no pointers are dereferenced with invalid magic.
    reach(check(unsafe {
        libc::syscall(libc::SYS_reboot, 0, 0, 0, 0usize)
    }))
}

fn kexec_load(_: &Config) -> Outcome {
    // Too many segments: EINVAL after the permission check; nothing is loaded.
    // SAFETY: the segment pointer is never read with an invalid count.
    reach(check(unsafe {
        libc::syscall(libc::SYS_kexec_load, 0usize, usize::MAX, 0usize, 0usize)
    }))
}

fn clone_newnet(_: &Config) -> Outcome {
    let flags = (libc::CLONE_NEWNET | libc::SIGCHLD) as c_long;
    // SAFETY: a clone without CLONE_VM and with a NULL stack behaves like fork; the
    // child only calls _exit.
    let pid = unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) };
    if pid == 0 {
        // SAFETY: _exit never returns.
        unsafe { libc::_exit(0) };
    }
    match check(pid) {
        Err(e) => blocked(e),
        Ok(pid) => {
            let _ = waitpid(pid as libc::pid_t);
            ok()
        }
    }
}

fn setrlimit_raise(_: &Config) -> Outcome {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is valid for writes.
    if let Err(e) = check_int(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }) {
        return Error(format!("getrlimit: {}", ename(e)));
    }
    if lim.rlim_max < 2 {
        return Error("RLIMIT_NOFILE hard limit too small".into());
    }
    // Lower the hard limit by one (always allowed), then raise it back: the raise needs
    // CAP_SYS_RESOURCE.
    let hard = lim.rlim_max;
    let lower = libc::rlimit {
        rlim_cur: lim.rlim_cur.min(hard - 1),
        rlim_max: hard - 1,
    };
    // SAFETY: `lower` is a valid rlimit.
    if let Err(e) = check_int(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lower) }) {
        return blocked(e);
    }
    let raise = libc::rlimit {
        rlim_cur: lower.rlim_cur,
        rlim_max: hard,
    };
    // SAFETY: `raise` is a valid rlimit.
    direct(check_int(unsafe {
        libc::setrlimit(libc::RLIMIT_NOFILE, &raise)
    }))
}

fn sethostname(_: &Config) -> Outcome {
    let name = cstr("x");
    // A negative length: EINVAL after the CAP_SYS_ADMIN check; the name is unchanged.
    // SAFETY: `name` is NUL-terminated; the kernel rejects the length before reading it.
    reach(check(unsafe {
        libc::syscall(libc::SYS_sethostname, name.as_ptr(), -1)
    }))
}

fn personality(_: &Config) -> Outcome {
    // SAFETY: 0xffffffff only queries the current persona.
    let cur = unsafe { libc::personality(0xffff_ffff) };
    if cur < 0 {
        return blocked(Errno::last());
    }
    let want = cur as libc::c_ulong | libc::ADDR_NO_RANDOMIZE as libc::c_ulong;
    // SAFETY: affects only this forked attack process.
    if unsafe { libc::personality(want) } < 0 {
        return blocked(Errno::last());
    }
    // SAFETY: as above.
    let now = unsafe { libc::personality(0xffff_ffff) };
    if now as libc::c_ulong & libc::ADDR_NO_RANDOMIZE as libc::c_ulong != 0 {
        Escaped("ADDR_NO_RANDOMIZE set".into())
    } else {
        Blocked("NOT-APPLIED".into())
    }
}

fn acct(_: &Config) -> Outcome {
    let p = cstr(&format!("{NOWHERE}/acct"));
    // A nonexistent file: ENOENT after the CAP_SYS_PACCT check; accounting is untouched.
    // SAFETY: `p` is NUL-terminated.
    reach(check(unsafe { libc::syscall(libc::SYS_acct, p.as_ptr()) }))
}

fn swapon(_: &Config) -> Outcome {
    let p = cstr(NOWHERE);
    // A nonexistent file: ENOENT after the CAP_SYS_ADMIN check.
    // SAFETY: `p` is NUL-terminated.
    reach(check(unsafe {
        libc::syscall(libc::SYS_swapon, p.as_ptr(), 0)
    }))
}

fn syslog_read(_: &Config) -> Outcome {
    let mut buf = vec![0u8; 4096];
    // SAFETY: `buf` is valid for writes of its length. 3 = SYSLOG_ACTION_READ_ALL.
    let r = unsafe { libc::klogctl(3, buf.as_mut_ptr().cast(), buf.len() as c_int) };
    match check_int(r) {
        Ok(n) => Escaped(format!("read {n} bytes of the kernel log")),
        Err(e) => blocked(e),
    }
}

// ---------------------------------------------------------------------------------------
// The attack table
// ---------------------------------------------------------------------------------------

const ATTACKS: &[(&str, AttackFn)] = &[
    // filesystem
    ("host-file-absolute", host_file_absolute),
    ("host-file-dotdot", host_file_dotdot),
    ("list-root", list_root),
    ("list-host-dir", list_host_dir),
    ("etc-passwd", etc_passwd),
    ("etc-shadow", etc_shadow),
    ("home-dir", home_dir),
    ("root-dir", root_dir),
    ("granted-fd-dotdot", granted_fd_dotdot),
    ("granted-fd-parent", granted_fd_parent),
    ("granted-fd-absolute", granted_fd_absolute),
    ("granted-fd-symlink", granted_fd_symlink),
    ("granted-fd-create", granted_fd_create),
    ("granted-fd-mkdir", granted_fd_mkdir),
    ("granted-fd-symlink-create", granted_fd_symlink_create),
    ("granted-fd-unlink", granted_fd_unlink),
    ("granted-fd-rename", granted_fd_rename),
    ("granted-fd-truncate", granted_fd_truncate),
    ("rw-fd-parent", rw_fd_parent),
    ("rw-fd-stat-dotdot", rw_fd_stat_dotdot),
    ("rw-fd-readlink-dotdot", rw_fd_readlink_dotdot),
    ("rw-fd-connect-dotdot", rw_fd_connect_dotdot),
    ("rw-fd-chmod-dotdot", rw_fd_chmod_dotdot),
    ("rw-fd-utimens-dotdot", rw_fd_utimens_dotdot),
    ("rw-fd-setxattr-dotdot", rw_fd_setxattr_dotdot),
    ("rw-fd-truncate-dotdot", rw_fd_truncate_dotdot),
    ("received-dir-chmod", received_dir_chmod),
    ("append-fd-ftruncate", append_fd_ftruncate),
    ("granted-fd-write", granted_fd_write),
    ("open-by-handle", open_by_handle),
    ("host-hardlink", host_hardlink),
    ("host-chmod", host_chmod),
    ("granted-fchmod", granted_fchmod),
    ("granted-fchmodat", granted_fchmodat),
    ("granted-utimens", granted_utimens),
    ("granted-setflags", granted_setflags),
    ("granted-flock-ex", granted_flock_ex),
    ("granted-lease", granted_lease),
    ("chmod-dev-null", chmod_dev_null),
    ("proc-self-mounts", proc_self_mounts),
    ("proc-1-environ", proc_1_environ),
    ("proc-kallsyms", proc_kallsyms),
    ("proc-kcore", proc_kcore),
    ("dev-mem", dev_mem),
    ("dev-block", dev_block),
    ("dev-kmsg", dev_kmsg),
    ("dev-tty", dev_tty),
    ("mknod-device", mknod_device),
    ("exec-host-binary", exec_host_binary),
    ("write-root", write_root),
    // set-user-ID planting
    ("setuid-create", setuid_create),
    ("setuid-fchmod", setuid_fchmod),
    ("setgid-mkdir", setgid_mkdir),
    ("setuid-mknod", setuid_mknod),
    ("setuid-openat2", setuid_openat2),
    // network
    ("inet-socket", inet_socket),
    ("inet6-socket", inet6_socket),
    ("tcp-connect", tcp_connect),
    ("tcp-bind", tcp_bind),
    ("udp-send", udp_send),
    ("netlink-route", netlink_route),
    ("packet-socket", packet_socket),
    ("raw-inet-socket", raw_inet_socket),
    ("abstract-unix-connect", abstract_unix_connect),
    // processes
    ("kill-host-pid", kill_host_pid),
    ("sigcont-host-pid", sigcont_host_pid),
    ("ptrace-attach", ptrace_attach),
    ("ptrace-traceme", ptrace_traceme),
    ("process-vm-readv", process_vm_readv),
    ("pidfd-open", pidfd_open),
    ("proc-host-pid", proc_host_pid),
    ("proc-host-environ", proc_host_environ),
    ("prlimit-host-pid", prlimit_host_pid),
    ("getpriority-host-pid", getpriority_host_pid),
    ("setpriority-host-pid", setpriority_host_pid),
    ("sched-getaffinity-host-pid", sched_getaffinity_host_pid),
    ("sched-setaffinity-host-pid", sched_setaffinity_host_pid),
    ("sched-getparam-host-pid", sched_getparam_host_pid),
    ("sched-getscheduler-host-pid", sched_getscheduler_host_pid),
    ("capget-host-pid", capget_host_pid),
    ("getpgid-host-pid", getpgid_host_pid),
    ("getsid-host-pid", getsid_host_pid),
    ("kill-probe-host-pid", kill_probe_host_pid),
    ("prio-user", prio_user),
    // privilege and kernel surface
    ("mount-tmpfs", mount_tmpfs),
    ("fsopen-tmpfs", fsopen_tmpfs),
    ("umount-root", umount_root),
    ("unshare-user", unshare_user),
    ("unshare-mount", unshare_mount),
    ("setns-net", setns_net),
    ("chroot", chroot),
    ("pivot-root", pivot_root),
    ("setuid-0", setuid_0),
    ("setgid-0", setgid_0),
    ("cap-raise", cap_raise),
    ("ambient-raise", ambient_raise),
    ("io-uring-setup", io_uring_setup),
    ("bpf-map-create", bpf_map_create),
    ("bpf-prog-load", bpf_prog_load),
    ("perf-event-open", perf_event_open),
    ("add-key", add_key),
    ("keyctl", keyctl),
    ("userfaultfd", userfaultfd),
    ("tiocsti", tiocsti),
    ("init-module", init_module),
    ("finit-module", finit_module),
    ("reboot", reboot),
    ("kexec-load", kexec_load),
    ("clone-newnet", clone_newnet),
    ("setrlimit-raise", setrlimit_raise),
    ("sethostname", sethostname),
    ("personality", personality),
    ("acct", acct),
    ("swapon", swapon),
    ("syslog-read", syslog_read),
];

// ---------------------------------------------------------------------------------------
// Allowed-work checks (`--allowed`)
// ---------------------------------------------------------------------------------------

fn allowed_thread(_: &Config) -> Outcome {
    match std::thread::Builder::new().spawn(|| 6 * 7) {
        Ok(h) => match h.join() {
            Ok(42) => ok(),
            _ => Blocked("thread did not return its value".into()),
        },
        Err(e) => Blocked(format!("spawn: {e}")),
    }
}

fn allowed_alloc(_: &Config) -> Outcome {
    let mut v = vec![0u8; 64 << 20];
    for i in (0..v.len()).step_by(4096) {
        v[i] = 1;
    }
    if v.iter().step_by(4096).all(|&b| b == 1) {
        ok()
    } else {
        Blocked("memory content lost".into())
    }
}

fn allowed_clock(_: &Config) -> Outcome {
    let a = Instant::now();
    std::thread::sleep(Duration::from_millis(10));
    if a.elapsed() >= Duration::from_millis(10) {
        ok()
    } else {
        Blocked("clock did not advance".into())
    }
}

fn allowed_getrandom(_: &Config) -> Outcome {
    let mut buf = [0u8; 32];
    // SAFETY: `buf` is valid for writes of its length.
    let r = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
    match check(r as c_long) {
        Ok(32) if buf.iter().any(|&b| b != 0) => ok(),
        Ok(n) => Blocked(format!("short or zero read ({n})")),
        Err(e) => blocked(e),
    }
}

fn allowed_granted_read(c: &Config) -> Outcome {
    let Some(fd) = c.granted_dir_fd else {
        return Error("not configured".into());
    };
    let dup = match openat(fd, ".", libc::O_RDONLY | libc::O_DIRECTORY, 0) {
        Ok(d) => d,
        Err(e) => return blocked(e),
    };
    let names = match list_fd(dup.as_raw_fd()) {
        Ok(n) => n,
        Err(e) => return Blocked(format!("list: {}", ename(e))),
    };
    let mut candidates: Vec<&String> = names.iter().filter(|n| *n == "victim").collect();
    candidates.extend(names.iter().filter(|n| *n != "victim"));
    for name in candidates {
        match fstatat(fd, name, libc::AT_SYMLINK_NOFOLLOW) {
            Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFREG => {}
            _ => continue,
        }
        return match openat(fd, name, libc::O_RDONLY, 0).and_then(|f| read_all(f.as_raw_fd())) {
            Ok(data) => Escaped(format!("read {} bytes of {name}", data.len())),
            Err(e) => Blocked(format!("{name}: {}", ename(e))),
        };
    }
    Blocked(format!("no regular file among {} entries", names.len()))
}

fn allowed_rw_write(c: &Config) -> Outcome {
    let Some(fd) = c.rw_dir_fd else {
        return Error("not configured".into());
    };
    let name = unique("caprun-escape-rw");
    let data = b"caprun escape probe\n";
    let f = match openat(
        fd,
        &name,
        libc::O_CREAT | libc::O_EXCL | libc::O_RDWR,
        0o600,
    ) {
        Ok(f) => f,
        Err(e) => return Blocked(format!("create: {}", ename(e))),
    };
    let result = write_all(f.as_raw_fd(), data)
        .map_err(|e| format!("write: {}", ename(e)))
        .and_then(|()| {
            let g = openat(fd, &name, libc::O_RDONLY, 0)
                .map_err(|e| format!("reopen: {}", ename(e)))?;
            read_all(g.as_raw_fd()).map_err(|e| format!("read: {}", ename(e)))
        });
    let removed = unlinkat(fd, &name, 0);
    match (result, removed) {
        (Ok(back), Ok(())) if back == data => ok(),
        (Ok(_), Ok(())) => Blocked("read back different content".into()),
        (Ok(_), Err(e)) => Blocked(format!("unlink: {}", ename(e))),
        (Err(m), _) => Blocked(m),
    }
}

fn allowed_listen_accept(c: &Config) -> Outcome {
    let Some(fd) = c.listen_fd else {
        return Error("not configured".into());
    };
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = (c.timeout.as_millis() as c_int)
        .saturating_sub(500)
        .max(100);
    // SAFETY: `pfd` is one valid pollfd.
    match check_int(unsafe { libc::poll(&mut pfd, 1, ms) }) {
        Ok(0) => return Blocked("no connection arrived".into()),
        Err(e) => return Blocked(format!("poll: {}", ename(e))),
        Ok(_) => {}
    }
    // SAFETY: NULL address pointers are allowed.
    let conn = match owned(unsafe {
        libc::accept4(
            fd,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_CLOEXEC,
        )
    }) {
        Ok(s) => s,
        Err(e) => return blocked(e),
    };
    match write_all(conn.as_raw_fd(), b"caprun-escape\n") {
        Ok(()) => ok(),
        Err(e) => Blocked(format!("write: {}", ename(e))),
    }
}

/// A new file in `--rw-dir-fd`, created with mode 0644 and removed after `f` ran on it.
fn with_rw_file(c: &Config, f: impl FnOnce(RawFd, &str, RawFd) -> Outcome) -> Outcome {
    let Some(dirfd) = c.rw_dir_fd else {
        return Error("not configured".into());
    };
    let name = unique("caprun-escape-rw");
    let file = match openat(
        dirfd,
        &name,
        libc::O_CREAT | libc::O_EXCL | libc::O_RDWR,
        0o644,
    ) {
        Ok(file) => file,
        Err(e) => return Blocked(format!("create: {}", ename(e))),
    };
    let outcome = f(dirfd, &name, file.as_raw_fd());
    drop(file);
    match unlinkat(dirfd, &name, 0) {
        Ok(()) => outcome,
        Err(e) => Blocked(format!("unlink: {}", ename(e))),
    }
}

fn allowed_rw_chmod(c: &Config) -> Outcome {
    with_rw_file(c, |dirfd, name, _| {
        let p = cstr(name);
        // chmod by path (as `chmod 755 FILE` does), then look.
        // SAFETY: `p` is NUL-terminated.
        let r = check(unsafe { libc::syscall(libc::SYS_fchmodat, dirfd, p.as_ptr(), 0o755) });
        match (r, fstatat(dirfd, name, 0)) {
            (Err(e), _) => blocked(e),
            (Ok(_), Ok(st)) if st.st_mode & 0o7777 == 0o755 => ok(),
            (Ok(_), Ok(st)) => Blocked(format!("mode is {:o}", st.st_mode & 0o7777)),
            (Ok(_), Err(e)) => Blocked(format!("stat: {}", ename(e))),
        }
    })
}

fn allowed_rw_chown_noop(c: &Config) -> Outcome {
    with_rw_file(c, |_, _, fd| {
        // SAFETY: no pointers are passed.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        // SAFETY: no pointers are passed.
        direct(check(unsafe {
            libc::syscall(libc::SYS_fchown, fd, uid, gid)
        }))
    })
}

const CHECKS: &[(&str, AttackFn)] = &[
    ("thread", allowed_thread),
    ("alloc", allowed_alloc),
    ("clock", allowed_clock),
    ("getrandom", allowed_getrandom),
    ("granted-read", allowed_granted_read),
    ("rw-write", allowed_rw_write),
    ("rw-chmod", allowed_rw_chmod),
    ("rw-chown-noop", allowed_rw_chown_noop),
    ("listen-accept", allowed_listen_accept),
];

// ---------------------------------------------------------------------------------------
// Output and main
// ---------------------------------------------------------------------------------------

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn print_outcome(cfg: &Config, allowed: bool, name: &str, o: &Outcome) {
    let (word, text) = match (o, allowed) {
        (Escaped(d), false) => ("escaped", d),
        (Escaped(d), true) => ("ok", d),
        (Blocked(r), false) => ("blocked", r),
        (Blocked(r), true) => ("failed", r),
        (Error(m), false) => ("error", m),
        (Error(m), true) => ("skipped", m),
    };
    let mut out = out();
    let _ = if cfg.json {
        writeln!(
            out,
            "{{\"name\":{},\"result\":{},\"reason\":{}}}",
            json_str(name),
            json_str(word),
            json_str(text)
        )
    } else if matches!(o, Escaped(_)) {
        // Details of a success are only in the JSON form: the line stays NAME<TAB>WORD.
        writeln!(out, "{name}\t{word}")
    } else {
        writeln!(out, "{name}\t{word}\t{text}")
    };
    let _ = out.flush();
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{opt}: invalid number {v:?}"))
}

struct Cli {
    cfg: Config,
    list: bool,
    allowed: bool,
    names: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Cli, String> {
    let mut cfg = Config {
        timeout: Duration::from_secs(10),
        ..Config::default()
    };
    let (mut list, mut allowed, mut names) = (false, false, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |opt: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{opt} needs a value"))
        };
        match a.as_str() {
            "--json" => cfg.json = true,
            "--list" => list = true,
            "--allowed" => allowed = true,
            "--host-file" => cfg.host_file = Some(value(a)?),
            "--host-dir" => cfg.host_dir = Some(value(a)?),
            "--host-link" => cfg.host_link = Some(value(a)?),
            "--host-socket" => cfg.host_socket = Some(value(a)?),
            "--recv-socket" => cfg.recv_socket = Some(value(a)?),
            "--recv-name" => cfg.recv_name = Some(value(a)?),
            "--tcp-port" => cfg.tcp_port = Some(parse_num(a, &value(a)?)?),
            "--udp-port" => cfg.udp_port = Some(parse_num(a, &value(a)?)?),
            "--abstract" => cfg.abstract_name = Some(value(a)?),
            "--host-pid" => cfg.host_pid = Some(parse_num(a, &value(a)?)?),
            "--host-binary" => cfg.host_binary = Some(value(a)?),
            "--granted-dir" => cfg.granted_dir = Some(value(a)?),
            "--granted-dir-fd" => cfg.granted_dir_fd = Some(parse_num(a, &value(a)?)?),
            "--rw-dir-fd" => cfg.rw_dir_fd = Some(parse_num(a, &value(a)?)?),
            "--append-fd" => cfg.append_fd = Some(parse_num(a, &value(a)?)?),
            "--rw-dir" => cfg.rw_dir = Some(value(a)?),
            "--listen-fd" => cfg.listen_fd = Some(parse_num(a, &value(a)?)?),
            "--out-fd" => OUT_FD.store(
                parse_num(a, &value(a)?)?,
                std::sync::atomic::Ordering::Relaxed,
            ),
            "--timeout" => cfg.timeout = Duration::from_secs(parse_num(a, &value(a)?)?),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => names.push(s.to_string()),
        }
    }
    Ok(Cli {
        cfg,
        list,
        allowed,
        names,
    })
}

/// The command line: argv, or the argdata's `argv` when launched with `ARGDATA_FD`.
fn command_line() -> Result<Vec<String>, String> {
    if std::env::var_os("ARGDATA_FD").is_none() {
        return Ok(std::env::args().skip(1).collect());
    }
    let received = argdata::from_env().map_err(|e| format!("argdata: {e}"))?;
    let root = received.root();
    let argv = root
        .map_get("argv")
        .map_err(|e| format!("argdata: {e}"))?
        .ok_or("argdata: no `argv` sequence")?;
    let mut args = Vec::new();
    for item in argv.seq_iter().map_err(|e| format!("argdata argv: {e}"))? {
        let item = item.map_err(|e| format!("argdata argv: {e}"))?;
        let text = if let Ok(s) = item.get_str() {
            s.to_owned()
        } else if let Ok(i) = item.get_i64() {
            i.to_string()
        } else {
            item.get_fd()
                .map_err(|e| format!("argdata argv: {e}"))?
                .to_string()
        };
        args.push(text);
    }
    // The descriptors stay open for the attacks: they are the sandbox's grants.
    std::mem::forget(received);
    Ok(args)
}

/// Where results go (`--out-fd`, default standard output).
static OUT_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);

/// The results channel, borrowed (never closed).
fn out() -> std::mem::ManuallyDrop<std::fs::File> {
    let fd = OUT_FD.load(std::sync::atomic::Ordering::Relaxed);
    // SAFETY: the descriptor stays open for the whole run; ManuallyDrop never closes it.
    std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) })
}

fn main() -> ExitCode {
    let args = match command_line() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("escape: {msg}");
            return ExitCode::from(2);
        }
    };
    if let [flag, socket, dir] = &args[..] {
        if flag == "--send-dir" {
            return match send_dir(socket, dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    eprintln!("escape: --send-dir: {msg}");
                    ExitCode::from(1)
                }
            };
        }
    }
    let Cli {
        mut cfg,
        list,
        allowed,
        names,
    } = match parse_args(&args) {
        Ok(cli) => cli,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("escape: {msg}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(if msg.is_empty() { 0 } else { 2 });
        }
    };
    let table = if allowed { CHECKS } else { ATTACKS };
    if list {
        let mut out = out();
        for (name, _) in table {
            let _ = writeln!(out, "{name}");
        }
        return ExitCode::SUCCESS;
    }
    let selected: Vec<&(&str, AttackFn)> = if names.is_empty() {
        table.iter().collect()
    } else {
        let mut v = Vec::new();
        for n in &names {
            match table.iter().find(|(name, _)| name == n) {
                Some(entry) => v.push(entry),
                None => {
                    eprintln!(
                        "escape: unknown {} {n:?} (see --list)",
                        if allowed { "check" } else { "attack" }
                    );
                    return ExitCode::from(2);
                }
            }
        }
        v
    };
    // Without a descriptor, open the granted directory by path (convenient on a host).
    let _granted_keep = match (&cfg.granted_dir, cfg.granted_dir_fd) {
        (Some(path), None) => match open(path, libc::O_RDONLY | libc::O_DIRECTORY) {
            Ok(fd) => {
                cfg.granted_dir_fd = Some(fd.as_raw_fd());
                Some(fd)
            }
            Err(e) => {
                eprintln!("escape: --granted-dir {path}: {}", ename(e));
                None
            }
        },
        _ => None,
    };
    // Likewise the writable directory (an unmodified program gets paths, not fds).
    let _rw_keep = match (&cfg.rw_dir, cfg.rw_dir_fd) {
        (Some(path), None) => match open(path, libc::O_RDONLY | libc::O_DIRECTORY) {
            Ok(fd) => {
                cfg.rw_dir_fd = Some(fd.as_raw_fd());
                Some(fd)
            }
            Err(e) => {
                eprintln!("escape: --rw-dir {path}: {}", ename(e));
                None
            }
        },
        _ => None,
    };
    for (name, f) in selected {
        let outcome = run_isolated(*f, &cfg);
        print_outcome(&cfg, allowed, name, &outcome);
    }
    ExitCode::SUCCESS
}
