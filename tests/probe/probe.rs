//! The probe: a program that reports what it received from caprun.
//!
//! Integration tests run it through caprun. It writes one JSON object describing its
//! argv, its whole environment, every open descriptor (number, type, close-on-exec,
//! access mode, seals, socket type and address, path where /proc is there), and the
//! argdata found through `ARGDATA_FD` (raw bytes in hex and the decoded tree as YAML).
//!
//! Keys of a top-level argdata map steer it after the report: `exit: N` exits with N,
//! `raise: N` kills itself with signal N, `pause: true` waits for a signal, `catch: true`
//! catches every catchable signal and writes `signal N` (a line) to the report
//! descriptor for each, forever. `background: MS` forks a child that waits MS
//! milliseconds, makes the `syscalls:` calls and writes `{"background":{NAME: RESULT}}`
//! (a line) to the report descriptor, while the probe itself goes on at once (the
//! calls are then made only by the child).
//!
//! `waits: [NAME, ...]` makes it, after reporting, wait `wait_ms: MS` milliseconds (1000
//! unless given) in each of these calls in turn, writing `wait NAME` (a line) to the
//! report descriptor just before each: `nanosleep`, `clock_nanosleep`, `poll` (on a pipe
//! nobody writes), `futex` (`FUTEX_WAIT` with a timeout; its `ETIMEDOUT` counts as
//! success). Then it writes `{"waits":{"NAME": RESULT}}` (a line; 0 on success, else the
//! errno) and exits with 3 if any failed. A test stops and continues the probe during
//! each wait: the kernel resumes these calls through `restart_syscall`.
//!
//! `syscalls: [NAME, ...]` makes it call each of a few system calls before reporting,
//! and report `"syscalls": {"NAME": RESULT}` (0 on success, else the errno), and exit
//! with 3 if any failed: `uname`, `sysinfo`, `getpgrp`, `times`, `socket_unix`,
//! `socket_inet` (AF_INET datagram), `ptrace` (`PTRACE_PEEKDATA` on pid 0: ESRCH, counted
//! as success, when the filter lets it through).
//!
//! `storm: N` makes it call, after reporting, `socket(AF_INET, SOCK_DGRAM, i)` and
//! `ptrace(PTRACE_PEEKDATA, i, 0, 0)` for i = 0..N (every call distinct: what
//! `--explain-denials` must summarize in bounded memory and output); `storm_seconds: S`
//! does the same, i counting up, for S seconds.
//!
//! The report goes to the descriptor under the key `report` of a top-level argdata map,
//! else to descriptor 0. When neither is writable, the probe exits with status
//! 100 + the number of open descriptors, so even an empty table is observable.
//!
//! The probe defines the C `main` itself (`no_main`): Rust's normal start-up opens
//! `/dev/null` on any of descriptors 0-2 that is closed, which would hide exactly what
//! the probe is here to see. (Every Rust program launched by caprun has that start-up; it
//! only fills numbers the table leaves empty.)
#![no_main]

use std::fmt::Write as _;
use std::os::fd::RawFd;

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn fcntl(fd: RawFd, cmd: libc::c_int) -> libc::c_int {
    // SAFETY: F_GETFD, F_GETFL and F_GET_SEALS only read descriptor state.
    unsafe { libc::fcntl(fd, cmd) }
}

fn describe(fd: RawFd) -> String {
    let mut o = format!("{{\"fd\":{fd}");
    let fdflags = fcntl(fd, libc::F_GETFD);
    let _ = write!(o, ",\"cloexec\":{}", fdflags & libc::FD_CLOEXEC != 0);
    let fl = fcntl(fd, libc::F_GETFL);
    let access = match fl & libc::O_ACCMODE {
        libc::O_RDONLY => "r",
        libc::O_WRONLY => "w",
        libc::O_RDWR => "rw",
        _ => "path",
    };
    let access = if fl & libc::O_PATH != 0 {
        "path"
    } else {
        access
    };
    let _ = write!(
        o,
        ",\"access\":\"{access}\",\"append\":{},\"nonblock\":{}",
        fl & libc::O_APPEND != 0,
        fl & libc::O_NONBLOCK != 0
    );
    // SAFETY: zeroed stat is a valid out-parameter for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is valid and writable.
    let kind = if unsafe { libc::fstat(fd, &mut st) } == 0 {
        match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => "reg",
            libc::S_IFDIR => "dir",
            libc::S_IFCHR => "chr",
            libc::S_IFBLK => "blk",
            libc::S_IFIFO => "fifo",
            libc::S_IFSOCK => "sock",
            libc::S_IFLNK => "lnk",
            _ => "other",
        }
    } else {
        "unknown"
    };
    let _ = write!(o, ",\"type\":\"{kind}\"");
    let seals = fcntl(fd, libc::F_GET_SEALS);
    if seals >= 0 {
        let _ = write!(o, ",\"seals\":{seals}");
    }
    if kind == "sock" {
        let mut ty: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `ty` and `len` are valid out-parameters of the right size.
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_TYPE,
                (&mut ty as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        let ty = match ty {
            libc::SOCK_STREAM => "stream",
            libc::SOCK_DGRAM => "dgram",
            libc::SOCK_SEQPACKET => "seqpacket",
            _ => "other",
        };
        let _ = write!(o, ",\"socket\":\"{ty}\"");
        if let Ok(addr) = nix::sys::socket::getsockname::<nix::sys::socket::SockaddrStorage>(fd) {
            let _ = write!(o, ",\"local\":{}", json_str(&addr.to_string()));
        }
        let mut listening: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: as above.
        unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ACCEPTCONN,
                (&mut listening as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        let _ = write!(o, ",\"listening\":{}", listening != 0);
    }
    if let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        let _ = write!(o, ",\"path\":{}", json_str(&target.to_string_lossy()));
    }
    o.push('}');
    o
}

fn open_fds() -> Vec<RawFd> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-parameter.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    let max = lim.rlim_cur.clamp(65_536, 1 << 20) as RawFd;
    (0..max)
        .filter(|&fd| fcntl(fd, libc::F_GETFD) != -1)
        .collect()
}

/// The calls of `storm:`: a socket and a ptrace call, both with argument `i`.
fn storm_call(i: u64) {
    // SAFETY: raw system calls with integer arguments only (ptrace's address and data
    // are null); a created socket is closed at once.
    unsafe {
        let fd = libc::syscall(libc::SYS_socket, libc::AF_INET, libc::SOCK_DGRAM, i);
        if fd >= 0 {
            libc::close(fd as i32);
        }
        libc::syscall(libc::SYS_ptrace, libc::PTRACE_PEEKDATA, i, 0, 0);
    }
}

/// Make one of the `syscalls:` calls: 0 on success, else the errno.
fn call(name: &str) -> i64 {
    // SAFETY: raw system calls on local, correctly sized buffers or with integer
    // arguments only; a created socket is closed at once.
    let ret = unsafe {
        match name {
            "uname" => {
                let mut u: libc::utsname = std::mem::zeroed();
                libc::syscall(libc::SYS_uname, &mut u as *mut libc::utsname)
            }
            "sysinfo" => {
                let mut i: libc::sysinfo = std::mem::zeroed();
                libc::syscall(libc::SYS_sysinfo, &mut i as *mut libc::sysinfo)
            }
            "getpgrp" => libc::syscall(libc::SYS_getpgrp).min(0),
            "times" => {
                let mut t: libc::tms = std::mem::zeroed();
                if libc::syscall(libc::SYS_times, &mut t as *mut libc::tms) == -1 {
                    -1
                } else {
                    0
                }
            }
            "socket_unix" | "socket_inet" => {
                let domain = if name == "socket_unix" {
                    libc::AF_UNIX
                } else {
                    libc::AF_INET
                };
                let fd = libc::syscall(libc::SYS_socket, domain, libc::SOCK_DGRAM, 0);
                if fd >= 0 {
                    libc::close(fd as i32);
                    0
                } else {
                    -1
                }
            }
            "ptrace" => {
                let r = libc::syscall(libc::SYS_ptrace, libc::PTRACE_PEEKDATA, 0, 0, 0);
                if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
                    0
                } else {
                    r.min(0)
                }
            }
            _ => return -1,
        }
    };
    if ret < 0 {
        std::io::Error::last_os_error()
            .raw_os_error()
            .map_or(-1, i64::from)
    } else {
        0
    }
}

/// `waits:`: wait `ms` milliseconds in the call `name`; 0, or the errno.
fn timed_wait(name: &str, ms: i64) -> i64 {
    let ts = libc::timespec {
        tv_sec: ms / 1000,
        tv_nsec: (ms % 1000) * 1_000_000,
    };
    let errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(-1) as i64;
    // SAFETY: (each call) plain system calls on stack data that outlives them.
    unsafe {
        match name {
            "nanosleep" => match libc::syscall(libc::SYS_nanosleep, &ts, 0usize) {
                0 => 0,
                _ => errno(),
            },
            "clock_nanosleep" => {
                match libc::syscall(
                    libc::SYS_clock_nanosleep,
                    libc::CLOCK_MONOTONIC,
                    0,
                    &ts,
                    0usize,
                ) {
                    0 => 0,
                    _ => errno(),
                }
            }
            "poll" => {
                let mut fds = [0; 2];
                if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
                    return errno();
                }
                let mut p = libc::pollfd {
                    fd: fds[0],
                    events: libc::POLLIN,
                    revents: 0,
                };
                let r = libc::syscall(libc::SYS_poll, &mut p, 1, ms as libc::c_int);
                let r = if r < 0 { errno() } else { 0 };
                libc::close(fds[0]);
                libc::close(fds[1]);
                r
            }
            "futex" => {
                let word = std::sync::atomic::AtomicU32::new(0);
                let r = libc::syscall(
                    libc::SYS_futex,
                    word.as_ptr(),
                    libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                    0u32,
                    &ts,
                );
                match (r, errno()) {
                    (0, _) => 0,
                    (_, e) if e == libc::ETIMEDOUT as i64 => 0,
                    (_, e) => e,
                }
            }
            _ => libc::ENOSYS as i64,
        }
    }
}

/// The report descriptor of `catch: true`, for the signal handler.
static CATCH_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// `catch: true`: write `signal N\n` to the report descriptor (async-signal-safe: a
/// stack buffer and one write).
extern "C" fn caught(sig: libc::c_int) {
    let mut buf = [0u8; 16];
    buf[..7].copy_from_slice(b"signal ");
    let mut n = 7;
    if sig >= 10 {
        buf[n] = b'0' + (sig / 10) as u8;
        n += 1;
    }
    buf[n] = b'0' + (sig % 10) as u8;
    buf[n + 1] = b'\n';
    n += 2;
    let fd = CATCH_FD.load(std::sync::atomic::Ordering::Relaxed);
    // SAFETY: writing a valid stack buffer; write is async-signal-safe. Nobody to tell
    // any more (the pipe is broken: the SIGPIPE of this very write would be caught and
    // reported again, forever): end.
    if unsafe { libc::write(fd, buf.as_ptr().cast(), n) } != n as isize {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(1) };
    }
}

/// The strings of an argdata sequence.
fn strings(items: &[argdata::Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            argdata::Value::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The C entry point (see the crate documentation for why not `fn main`).
#[unsafe(no_mangle)]
extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    // Look before touching anything: every descriptor as received.
    let fds = open_fds();
    let described: Vec<String> = fds.iter().map(|&fd| describe(fd)).collect();
    // From the C arguments: `std::env::args` is empty without Rust's `main` on musl (musl
    // does not pass argc/argv to `.init_array` functions, where std collects them).
    let argv: Vec<String> = (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the C runtime passes `argc` valid NUL-terminated strings in `argv`.
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            json_str(&arg.to_string_lossy())
        })
        .collect();
    let env: Vec<String> = std::env::vars_os()
        .map(|(k, v)| json_str(&format!("{}={}", k.to_string_lossy(), v.to_string_lossy())))
        .collect();

    let mut report = format!(
        "{{\"argv\":[{}],\"env\":[{}],\"fds\":[{}]",
        argv.join(","),
        env.join(","),
        described.join(",")
    );
    let mut report_fd: Option<RawFd> = None;
    let (mut exit, mut raise, mut pause, mut catch) = (0, None, false, false);
    let mut background: Option<i64> = None;
    let (mut storm, mut storm_seconds) = (0u64, 0u64);
    let mut calls: Vec<String> = Vec::new();
    let (mut waits, mut wait_ms): (Vec<String>, i64) = (Vec::new(), 1000);
    // SAFETY: getpid has no preconditions.
    let _ = write!(report, ",\"pid\":{}", unsafe { libc::getpid() });
    let argdata_fd = std::env::var("ARGDATA_FD")
        .ok()
        .and_then(|v| v.parse::<RawFd>().ok());
    if let Some(afd) = argdata_fd {
        // SAFETY: lseek on a descriptor number only queries its offset.
        let offset = unsafe { libc::lseek(afd, 0, libc::SEEK_CUR) };
        let _ = write!(report, ",\"argdata_offset\":{offset}");
        let mut bytes = Vec::new();
        let mut buf = [0u8; 65_536];
        let mut off = 0;
        loop {
            match nix::sys::uio::pread(
                // SAFETY: `afd` is open for the duration of this read (checked above).
                unsafe { std::os::fd::BorrowedFd::borrow_raw(afd) },
                &mut buf,
                off,
            ) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    bytes.extend_from_slice(&buf[..n]);
                    off += n as i64;
                }
            }
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let _ = write!(report, ",\"argdata_fd\":{afd},\"argdata_hex\":\"{hex}\"");
        match argdata::Value::parse(&bytes) {
            Ok(v) => {
                let _ = write!(report, ",\"argdata\":{}", json_str(&v.to_yaml()));
                if let argdata::Value::Map(entries) = &v {
                    for (k, val) in entries {
                        match (k, val) {
                            (argdata::Value::Str(k), argdata::Value::Fd(fd)) if k == "report" => {
                                report_fd = Some(*fd as RawFd)
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n)) if k == "exit" => {
                                exit = *n as libc::c_int
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n)) if k == "raise" => {
                                raise = Some(*n as libc::c_int)
                            }
                            (argdata::Value::Str(k), argdata::Value::Bool(b)) if k == "pause" => {
                                pause = *b
                            }
                            (argdata::Value::Str(k), argdata::Value::Bool(b)) if k == "catch" => {
                                catch = *b
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n))
                                if k == "background" =>
                            {
                                background = Some(*n as i64)
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n)) if k == "storm" => {
                                storm = *n as u64
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n))
                                if k == "storm_seconds" =>
                            {
                                storm_seconds = *n as u64
                            }
                            (argdata::Value::Str(k), argdata::Value::Int(n)) if k == "wait_ms" => {
                                wait_ms = *n as i64
                            }
                            (argdata::Value::Str(k), argdata::Value::Seq(items))
                                if k == "waits" =>
                            {
                                waits = strings(items)
                            }
                            (argdata::Value::Str(k), argdata::Value::Seq(items))
                                if k == "syscalls" =>
                            {
                                calls = strings(items)
                            }
                            _ => {}
                        }
                    }
                }
            }
            Err(e) => {
                let _ = write!(report, ",\"argdata_error\":{}", json_str(&e.to_string()));
            }
        }
    }
    let out = report_fd.unwrap_or(0);
    if let Some(ms) = background {
        // SAFETY: the probe is single-threaded; the child sleeps, calls and writes.
        if unsafe { libc::fork() } == 0 {
            std::thread::sleep(std::time::Duration::from_millis(ms as u64));
            let results: Vec<String> = calls
                .iter()
                .map(|c| format!("{}:{}", json_str(c), call(c)))
                .collect();
            let line = format!("{{\"background\":{{{}}}}}\n", results.join(","));
            // SAFETY: writing a valid buffer to a descriptor number.
            unsafe { libc::write(out, line.as_ptr().cast(), line.len()) };
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(0) };
        }
        calls.clear();
    }
    if !calls.is_empty() {
        let results: Vec<String> = calls
            .iter()
            .map(|c| format!("{}:{}", json_str(c), call(c)))
            .collect();
        let _ = write!(report, ",\"syscalls\":{{{}}}", results.join(","));
        if results.iter().any(|r| !r.ends_with(":0")) && exit == 0 {
            exit = 3;
        }
    }
    report.push_str("}\n");
    // SAFETY: writing a valid buffer to a descriptor number; failure is handled.
    let n = unsafe { libc::write(out, report.as_ptr().cast(), report.len()) };
    if n != report.len() as isize {
        return 100 + fds.len().min(100) as libc::c_int;
    }
    for i in 0..storm {
        storm_call(i);
    }
    if storm_seconds > 0 {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(storm_seconds);
        let mut i = 0u64;
        while std::time::Instant::now() < end {
            storm_call(i);
            i += 1;
        }
    }
    if !waits.is_empty() {
        let mut results = Vec::new();
        for w in &waits {
            let line = format!("wait {w}\n");
            // SAFETY: writing a valid buffer to a descriptor number.
            unsafe { libc::write(out, line.as_ptr().cast(), line.len()) };
            let r = timed_wait(w, wait_ms);
            if r != 0 && exit == 0 {
                exit = 3;
            }
            results.push(format!("{}:{r}", json_str(w)));
        }
        let line = format!("{{\"waits\":{{{}}}}}\n", results.join(","));
        // SAFETY: writing a valid buffer to a descriptor number.
        unsafe { libc::write(out, line.as_ptr().cast(), line.len()) };
    }
    if let Some(sig) = raise {
        // SAFETY: raising a signal on ourselves.
        unsafe { libc::raise(sig) };
    }
    if catch {
        CATCH_FD.store(out, std::sync::atomic::Ordering::Relaxed);
        for sig in 1..=64 {
            // SAFETY: installing an async-signal-safe handler; SIGKILL, SIGSTOP and the
            // C library's own signals are refused with EINVAL, which is fine.
            unsafe {
                libc::signal(
                    sig,
                    caught as extern "C" fn(libc::c_int) as libc::sighandler_t,
                )
            };
        }
        // Ready: a line after the report.
        // SAFETY: writing a static buffer.
        unsafe { libc::write(out, b"catching\n".as_ptr().cast(), 9) };
        loop {
            // SAFETY: pause only waits for a signal.
            unsafe { libc::pause() };
        }
    }
    if pause {
        loop {
            // SAFETY: pause only waits for a signal (one without a handler ends us).
            unsafe { libc::pause() };
        }
    }
    exit
}
