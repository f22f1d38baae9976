//! Launch benchmark: what one caprun launch costs, against the alternatives.
//!
//! Run it (see BENCHMARKS.md) with
//!
//! ```text
//! cargo bench --bench launch
//! ```
//!
//! `cargo bench` builds `caprun` itself in the release profile next to the benchmark
//! (`target/x86_64-unknown-linux-musl/release/caprun`); the benchmark takes its path from
//! `CARGO_BIN_EXE_caprun`, prints it, and runs a copy of it written with plain `write`s
//! into its temporary directory (see `fresh_copy`). Options after `--`: `--iterations N` (launches
//! per variant, default 300), `--remap-iterations N` (for 3,000 descriptors and more;
//! default 20), `--syscall-rounds N` (default 31), `--rss-samples N` (default 15).
//!
//! At start it compiles `benches/noop.c` and `benches/sleep.c` (sleeps 200 ms) with
//! `gcc -static -O2` into a temporary directory, and writes there two policy files,
//! `strict-nopid.yaml` (`strict` without its PID namespace: what the PID namespace, the
//! supervisor and init cost) and `strict-nonet.yaml`. Then,
//! in one run, every group measures its variants interleaved round-robin (the starting
//! variant rotates every round), so that drift on a noisy machine hits all variants
//! alike:
//!
//! 1. **launch**: fork + exec + `wait4` of the no-op directly, through `/usr/bin/env`,
//!    through `caprun --policy none|unprivileged|strict|default|devtools` (a config of three
//!    descriptors, passed as a file), `caprun --policy strict --explain-denials`,
//!    `caprun --policy strict-nopid.yaml` (one process: no supervisor, no init),
//!    `caprun --policy strict-nonet.yaml` (`strict` without its network namespace), through
//!    `bwrap --unshare-all` (the file systems of `strict` and `default`, their binds and
//!    symlinks read from the policies, with the no-op bound in; an empty root with only
//!    the no-op; and `--ro-bind / /`),
//!    and the raw floor: user, mount, network, IPC, UTS and cgroup namespaces unshared
//!    by the benchmark's own child, uid/gid maps written, then `execve` (the same
//!    without the network namespace; the same plus an empty tmpfs root with
//!    `pivot_root`, plus the seccomp filter; and the same plus a PID namespace, which
//!    costs a fork), and caprun's `strict` sandbox entered by the benchmark's own child
//!    (prepared once in-process: "caprun as a library", without caprun's process);
//!    wall time per launch measured by the parent,
//!    `ru_maxrss` from `wait4`, and the processes each launch creates (PIDs allocated,
//!    from the last-PID field of `/proc/loadavg`, minimum over several launches);
//!    then the **exit path**: `benches/stamp.c` writes its `CLOCK_MONOTONIC` time just
//!    before it exits, and the time from there to the parent's `wait4` returning is
//!    taken directly, through caprun (`strict`, `default`, `devtools`) and through bwrap
//!    (`strict`'s file system);
//! 2. **supervisor memory**: the supervising launchers running `sleep.c`; 100 ms after
//!    the fork the parent reads `VmRSS`/`VmHWM` of the launcher (the supervisor) and `VmRSS`
//!    of its child (init) from `/proc`;
//! 3. **descriptor remap**: `caprun --policy none` with N inherited descriptors open
//!    (`dup2` in the child before exec) and a config `[!fd 3, !fd 4, ...]` naming all
//!    of them, minus the same launch whose config names only `!fd 3`; and the planner
//!    (`caprun::plan::fdmap::plan`) timed in-process;
//! 4. **system call cost** under the `default` policy's seccomp filter against no
//!    filter, each measured in a forked child.
//!
//! Timings are printed as Markdown tables: medians (p10–p90) and ratios of medians.

use std::ffi::{c_char, CStr, CString};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The allocator caprun's binary uses (src/main.rs), so the in-process planner timing
// matches the launcher's.
#[global_allocator]
static ALLOC: caprun::runtime::Allocator = caprun::runtime::Allocator::new();

const NOOP_C: &str = include_str!("noop.c");
const SLEEP_C: &str = include_str!("sleep.c");
const STAMP_C: &str = include_str!("stamp.c");
const CAPRUN: &str = env!("CARGO_BIN_EXE_caprun");

/// Namespaces of the raw floor: what `caprun --policy strict` enters.
const RAW_NS_FLAGS: libc::c_int = libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP;

struct Options {
    iterations: usize,
    remap_iterations: usize,
    syscall_rounds: usize,
    rss_samples: usize,
}

fn options() -> Options {
    let mut o = Options {
        iterations: 300,
        remap_iterations: 20,
        syscall_rounds: 31,
        rss_samples: 15,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--iterations" => o.iterations = num("--iterations").max(1),
            "--remap-iterations" => o.remap_iterations = num("--remap-iterations").max(1),
            "--syscall-rounds" => o.syscall_rounds = num("--syscall-rounds").max(1),
            "--rss-samples" => o.rss_samples = num("--rss-samples").max(1),
            // `cargo bench` passes `--bench`; anything else is ignored too.
            _ => {}
        }
    }
    o
}

/// What the forked child does before it executes the variant's program.
#[derive(Clone, Copy)]
enum Pre {
    /// Nothing.
    Plain,
    /// Open descriptors 3..3+n (copies of /dev/null).
    Fds(usize),
    /// The raw floor: unshare the namespaces, write the id maps.
    RawNs,
    /// The raw floor without `CLONE_NEWNET`.
    RawNsNoNet,
    /// The raw floor plus an empty read-only tmpfs root (`pivot_root`), exec by descriptor.
    RawNsRoot,
    /// `RawNsRoot` plus the `default` policy's seccomp filter installed before exec.
    RawNsRootSeccomp,
    /// The raw floor plus a PID namespace: fork, the grandchild (PID 1) execs, the
    /// child waits and exits with its status.
    RawNsPid,
    /// caprun's `strict` sandbox entered by the benchmark's own child: prepared once
    /// ahead in-process (`caprun::sandbox::prepare`), then `enter()`, the seccomp filter
    /// and `execveat` (what a launcher without a process of its own could cost).
    Library,
}

/// Data the child uses, prepared before any fork (the child only makes raw calls).
struct Ctx {
    envp: Vec<*const c_char>,
    _env: Vec<CString>,
    devnull: RawFd,
    noop_fd: RawFd,
    uid_map: CString,
    gid_map: CString,
    filter: Vec<caprun::sandbox::seccomp::sock_filter>,
    /// `strict` prepared for [`Pre::Library`] (each child enters its own copy).
    library: std::cell::RefCell<Option<caprun::sandbox::Prepared>>,
}

struct Variant {
    name: String,
    pre: Pre,
    path: CString,
    argv: Vec<*const c_char>,
    _args: Vec<CString>,
    samples: Vec<Duration>,
    rss_kib: Vec<i64>,
    /// Processes (PIDs) one launch creates: the minimum over a few launches.
    pids: Option<i64>,
    failed: Option<String>,
}

impl Variant {
    fn new(name: impl Into<String>, pre: Pre, args: &[&[u8]]) -> Variant {
        let args: Vec<CString> = args
            .iter()
            .map(|a| CString::new(*a).expect("argument without NUL"))
            .collect();
        let argv = args
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        Variant {
            name: name.into(),
            pre,
            path: args[0].clone(),
            argv,
            _args: args,
            samples: Vec::new(),
            rss_kib: Vec::new(),
            pids: None,
            failed: None,
        }
    }

    fn median(&self) -> Option<Duration> {
        percentile(&self.samples, 0.5)
    }
}

fn percentile(samples: &[Duration], q: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort();
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    Some(s[i])
}

fn median_i64(v: &[i64]) -> i64 {
    let mut s = v.to_vec();
    s.sort();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Write `data` to the file at `path` with raw calls; `_exit(code)` on failure.
fn child_write(path: &CStr, data: &[u8], code: libc::c_int) {
    // SAFETY: a valid C string and a live buffer; the descriptor is closed here.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 || libc::write(fd, data.as_ptr().cast(), data.len()) != data.len() as isize {
            libc::_exit(code);
        }
        libc::close(fd);
    }
}

/// `execveat` the no-op by its descriptor with the variant's argv; `_exit(127)` if that fails.
fn exec_noop_fd(v: &Variant, ctx: &Ctx) -> ! {
    // SAFETY: execveat with NULL-terminated pointer arrays that live in `v` and `ctx`;
    // _exit if it returns.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            ctx.noop_fd,
            c"".as_ptr(),
            v.argv.as_ptr(),
            ctx.envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
        libc::_exit(127)
    }
}

/// The forked child: the variant's pre-step, then exec. Raw system calls only (but for
/// [`Pre::Library`], which runs caprun's own code).
fn child(v: &Variant, ctx: &Ctx) -> ! {
    match v.pre {
        Pre::Plain | Pre::Library => {}
        Pre::Fds(n) => {
            for fd in 3..3 + n as RawFd {
                // SAFETY: dup2 onto numbers this child owns; no memory involved.
                if unsafe { libc::dup2(ctx.devnull, fd) } < 0 {
                    // SAFETY: _exit is always safe to call.
                    unsafe { libc::_exit(121) };
                }
            }
        }
        Pre::RawNs | Pre::RawNsNoNet | Pre::RawNsRoot | Pre::RawNsRootSeccomp | Pre::RawNsPid => {
            let flags = match v.pre {
                Pre::RawNsPid => RAW_NS_FLAGS | libc::CLONE_NEWPID,
                Pre::RawNsNoNet => RAW_NS_FLAGS & !libc::CLONE_NEWNET,
                _ => RAW_NS_FLAGS,
            };
            // SAFETY: unshare with flags only.
            if unsafe { libc::unshare(flags) } != 0 {
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(122) };
            }
            child_write(c"/proc/self/setgroups", b"deny", 123);
            child_write(c"/proc/self/uid_map", ctx.uid_map.as_bytes(), 123);
            child_write(c"/proc/self/gid_map", ctx.gid_map.as_bytes(), 123);
        }
    }
    if let Pre::RawNsPid = v.pre {
        // SAFETY: fork in a single-threaded child; the grandchild falls through to the
        // execve below, this child only waits and `_exit`s.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            // SAFETY: _exit is always safe to call.
            unsafe { libc::_exit(126) };
        }
        if pid > 0 {
            let mut status = 0;
            // SAFETY: a valid out-pointer for our own child; then _exit.
            unsafe {
                libc::waitpid(pid, &mut status, 0);
                libc::_exit(if status == 0 { 0 } else { 126 });
            }
        }
    }
    if let Pre::Library = v.pre {
        // The child's own copy of the prepared sandbox; entering it may allocate (the
        // benchmark is single-threaded, so the allocator's lock is free after the fork).
        let mut prepared = ctx.library.borrow_mut();
        let Some(prepared) = prepared.as_mut() else {
            // SAFETY: _exit is always safe to call.
            unsafe { libc::_exit(120) }
        };
        if prepared.unshare().is_err() {
            // SAFETY: _exit is always safe to call.
            unsafe { libc::_exit(120) }
        }
        if prepared.needs_fork() {
            // As the launch does: PID 1 of a new namespace, clone(CLONE_NEWPID). (This
            // child waits for it; the launch's init would start the program as PID 2.)
            // SAFETY: a fork-like clone in a single-threaded child; then waitpid and _exit.
            let pid = unsafe {
                libc::syscall(
                    libc::SYS_clone,
                    (libc::CLONE_NEWPID | libc::SIGCHLD) as libc::c_ulong,
                    0usize,
                    0usize,
                    0usize,
                    0usize,
                )
            } as libc::pid_t;
            if pid != 0 {
                let mut status = 0;
                // SAFETY: a valid out-pointer for our own child; then _exit.
                unsafe {
                    if pid > 0 {
                        libc::waitpid(pid, &mut status, 0);
                    }
                    libc::_exit(if pid > 0 && status == 0 { 0 } else { 126 });
                }
            }
        }
        if prepared.setup_inside().is_err() || prepared.install_seccomp().is_err() {
            // SAFETY: _exit is always safe to call.
            unsafe { libc::_exit(120) }
        }
        exec_noop_fd(v, ctx)
    }
    if let Pre::RawNsRoot | Pre::RawNsRootSeccomp = v.pre {
        // SAFETY: mount-family calls with C-string literals and null pointers where the
        // kernel accepts them; _exit.
        unsafe {
            let ok = libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) == 0
                && libc::mount(
                    c"tmpfs".as_ptr(),
                    c"/tmp".as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"mode=0755,size=1m".as_ptr().cast(),
                ) == 0
                && libc::chdir(c"/tmp".as_ptr()) == 0
                && libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) == 0
                && libc::umount2(c".".as_ptr(), libc::MNT_DETACH) == 0
                && libc::chdir(c"/".as_ptr()) == 0
                && libc::mount(
                    std::ptr::null(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND
                        | libc::MS_REMOUNT
                        | libc::MS_RDONLY
                        | libc::MS_NOSUID
                        | libc::MS_NODEV,
                    std::ptr::null(),
                ) == 0;
            if !ok {
                libc::_exit(124);
            }
            if matches!(v.pre, Pre::RawNsRootSeccomp)
                && caprun::sandbox::seccomp::install(&ctx.filter).is_err()
            {
                libc::_exit(125);
            }
        }
        exec_noop_fd(v, ctx)
    }
    // SAFETY: execve with a C string and NULL-terminated pointer arrays that live in `v`
    // and `ctx`; _exit if it returns.
    unsafe {
        libc::execve(v.path.as_ptr(), v.argv.as_ptr(), ctx.envp.as_ptr());
        libc::_exit(127);
    }
}

/// One launch: fork, exec in the child, `wait4`. Returns the wall time, the child's
/// `ru_maxrss` (KiB) and its wait status.
fn launch(v: &Variant, ctx: &Ctx) -> (Duration, i64, libc::c_int) {
    let t0 = Instant::now();
    // SAFETY: the benchmark is single-threaded; the child only makes raw system calls
    // on data prepared before the fork, then execs or `_exit`s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child(v, ctx);
    }
    assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for the out-parameter.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid out-pointers for a child of ours.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let dt = t0.elapsed();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    (dt, ru.ru_maxrss, status)
}

/// Run `rounds` interleaved rounds (after `warmup` unrecorded ones) over `variants`.
fn run_group(variants: &mut [Variant], ctx: &Ctx, warmup: usize, rounds: usize) {
    let n = variants.len();
    for round in 0..warmup + rounds {
        for k in 0..n {
            let v = &mut variants[(round + k) % n];
            if v.failed.is_some() {
                continue;
            }
            let (dt, rss, status) = launch(v, ctx);
            if status != 0 {
                v.failed = Some(format!("wait status {status:#x}"));
                continue;
            }
            if round >= warmup {
                v.samples.push(dt);
                v.rss_kib.push(rss);
            }
        }
    }
}

/// The last PID allocated in the benchmark's PID namespace (`/proc/loadavg`, field 5).
fn last_pid() -> Option<i64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .nth(4)?
        .parse()
        .ok()
}

/// Count the processes one launch of each variant creates: PIDs allocated during the
/// launch, the minimum over `launches` launches (other processes on the machine can only
/// add to a launch's count, never take from it).
fn count_pids(variants: &mut [Variant], ctx: &Ctx, launches: usize) {
    let pid_max: i64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1 << 22);
    for v in variants.iter_mut().filter(|v| v.failed.is_none()) {
        for _ in 0..launches {
            let (Some(a), (_, _, 0), Some(b)) = (last_pid(), launch(v, ctx), last_pid()) else {
                continue;
            };
            let d = (b - a).rem_euclid(pid_max);
            v.pids = Some(v.pids.map_or(d, |p| p.min(d)));
        }
    }
}

/// `VmRSS` or `VmHWM` (KiB) of a process, from `/proc/PID/status`.
fn proc_status_kib(pid: libc::pid_t, field: &str) -> Option<i64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The first child of a process (`/proc/PID/task/PID/children`).
fn first_child(pid: libc::pid_t) -> Option<libc::pid_t> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Steady-state memory of a launcher whose program runs for a while: fork + exec, read
/// the launcher's `VmRSS` and `VmHWM` and its first child's `VmRSS` after `after`, then
/// `wait4` (whose `ru_maxrss` is the whole-life peak of the launcher and everything it
/// reaped). Returns (VmRSS, VmHWM, child VmRSS, ru_maxrss) in KiB, or None on failure.
fn steady_rss(v: &Variant, ctx: &Ctx, after: Duration) -> Option<[i64; 4]> {
    // SAFETY: as in `launch`: single-threaded, the child execs or `_exit`s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child(v, ctx);
    }
    assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
    std::thread::sleep(after);
    let rss = proc_status_kib(pid, "VmRSS:");
    let hwm = proc_status_kib(pid, "VmHWM:");
    let child_rss = first_child(pid).and_then(|c| proc_status_kib(c, "VmRSS:"));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for the out-parameter.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid out-pointers for a child of ours.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    if status != 0 {
        return None;
    }
    Some([rss?, hwm?, child_rss.unwrap_or(-1), ru.ru_maxrss])
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn sh(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|e| format!("({cmd}: {e})"))
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Raise the soft descriptor limit to the hard one; returns the new soft limit.
fn raise_nofile() -> u64 {
    // SAFETY: an all-zero rlimit is a valid value for the out-parameter.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: a valid rlimit value.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    lim.rlim_cur
}

fn open_raw(path: &CStr, flags: libc::c_int) -> RawFd {
    // SAFETY: a valid C string.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    assert!(
        fd >= 0,
        "open {path:?}: {}",
        std::io::Error::last_os_error()
    );
    fd
}

fn build_static(dir: &Path, name: &str, text: &str) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    let linked = dir.join(format!("{name}.linked"));
    std::fs::write(&src, text).expect("writing the C source");
    let st = std::process::Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&linked)
        .arg(&src)
        .status()
        .expect("running gcc (is it installed?)");
    assert!(st.success(), "gcc -static failed");
    fresh_copy(&linked, dir, name)
}

/// A copy of the executable `from` at `dir/name`, written with plain `write`s. A file
/// the linker has just written executes measurably slower than the same bytes written
/// normally (on this VM, 733 vs 816 µs for a `caprun --policy none` launch: the page
/// cache holds it differently), so every program the benchmark runs is such a copy.
fn fresh_copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let to = dir.join(name);
    let bytes = std::fs::read(from).expect("reading an executable to copy");
    std::fs::write(&to, bytes).expect("writing the copy");
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755))
        .expect("making the copy executable");
    to
}

fn seq_config(fds: impl Iterator<Item = usize>) -> String {
    let items: Vec<String> = fds.map(|fd| format!("!fd {fd}")).collect();
    format!("[{}]\n", items.join(", "))
}

/// `bwrap --unshare-all` with the file system of caprun's built-in `policy`: its binds
/// (those present here; devices with `--dev-bind`), its symlinks, and the no-op at /noop.
fn bwrap_args(bwrap: &[u8], policy: &str, noop: &[u8]) -> Vec<Vec<u8>> {
    let policy = caprun::sandbox::load(policy).expect("a built-in policy");
    let mut args: Vec<Vec<u8>> = vec![bwrap.to_vec(), b"--unshare-all".to_vec()];
    // A fresh /dev with a devpts (bwrap's own devices; the policy's are bound over them),
    // the policy's procfs and tmpfs mounts.
    if policy.pts {
        args.extend([b"--dev".to_vec(), b"/dev".to_vec()]);
    }
    if policy.proc {
        args.extend([b"--proc".to_vec(), b"/proc".to_vec()]);
    }
    for t in &policy.tmpfs {
        args.extend([b"--tmpfs".to_vec(), t.as_os_str().as_bytes().to_vec()]);
    }
    for bind in &policy.binds {
        if bind.optional && !bind.source.exists() {
            continue;
        }
        // bwrap's --dev has its own null, zero, full, random, urandom and tty.
        if policy.pts && bind.device {
            continue;
        }
        let option: &[u8] = if bind.device {
            b"--dev-bind"
        } else {
            b"--ro-bind"
        };
        args.push(option.to_vec());
        args.push(bind.source.as_os_str().as_bytes().to_vec());
        args.push(bind.target.as_os_str().as_bytes().to_vec());
    }
    for s in &policy.symlinks {
        // And its own /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr.
        if policy.pts && s.link.starts_with("/dev") {
            continue;
        }
        args.push(b"--symlink".to_vec());
        args.push(s.target.as_os_str().as_bytes().to_vec());
        args.push(s.link.as_os_str().as_bytes().to_vec());
    }
    args.extend([b"--ro-bind".to_vec(), noop.to_vec(), b"/noop".to_vec()]);
    args.push(b"/noop".to_vec());
    args
}

/// The exit path of each of `variants` (argv), interleaved round-robin: the program
/// (`benches/stamp.c`) writes its `CLOCK_MONOTONIC` time to a pipe just before it exits;
/// the sample is the time at which this process's `wait4` for the launcher returned,
/// minus that. The children's stdin is /dev/null (read-only: the probe's write to
/// descriptor 0 fails there).
fn exit_paths(
    variants: &[(String, Vec<Vec<u8>>)],
    ctx: &Ctx,
    warmup: usize,
    rounds: usize,
) -> Vec<Vec<Duration>> {
    let argvs: Vec<Vec<CString>> = variants
        .iter()
        .map(|(_, a)| {
            a.iter()
                .map(|x| CString::new(x.clone()).expect("no NUL"))
                .collect()
        })
        .collect();
    let ptrs: Vec<Vec<*const libc::c_char>> = argvs
        .iter()
        .map(|a| {
            a.iter()
                .map(|c| c.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect()
        })
        .collect();
    let null = open_raw(c"/dev/null", libc::O_RDONLY);
    let now = || {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is valid and writable.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
        t.tv_sec as i128 * 1_000_000_000 + t.tv_nsec as i128
    };
    let mut out = vec![Vec::new(); variants.len()];
    for round in 0..warmup + rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            let mut p = [0; 2];
            // SAFETY: `p` is a valid array of two ints.
            assert_eq!(unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            // SAFETY: the child makes raw calls over data prepared above, then execs.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                // SAFETY: as above.
                unsafe {
                    libc::dup2(null, 0);
                    libc::dup2(p[1], 1);
                    libc::execve(ptrs[i][0], ptrs[i].as_ptr(), ctx.envp.as_ptr());
                    libc::_exit(127);
                }
            }
            // SAFETY: closing this process's copy of the write end.
            unsafe { libc::close(p[1]) };
            let mut status = 0;
            // SAFETY: waiting for the child forked above.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            let end = now();
            let mut buf = [0u8; 64];
            // SAFETY: `buf` is valid and writable for its length.
            let n = unsafe { libc::read(p[0], buf.as_mut_ptr().cast(), buf.len()) };
            // SAFETY: closing the read end.
            unsafe { libc::close(p[0]) };
            let stamp: Option<i128> = (n > 0)
                .then(|| std::str::from_utf8(&buf[..n as usize]).ok())
                .flatten()
                .and_then(|t| t.lines().next()?.trim().parse().ok());
            if let (Some(stamp), true, true) = (stamp, status == 0, round >= warmup) {
                out[i].push(Duration::from_nanos((end - stamp).max(0) as u64));
            }
        }
    }
    // SAFETY: closing the descriptor opened above.
    unsafe { libc::close(null) };
    out
}

fn print_launch_table(variants: &[Variant], refs: &[(&str, usize)]) {
    print!("| variant | median ms | p10–p90 ms | median maxrss KiB | processes per launch |");
    for (r, _) in refs {
        print!(" ÷ {r} |");
    }
    println!();
    print!("|---|---:|---:|---:|---:|");
    for _ in refs {
        print!("---:|");
    }
    println!();
    for v in variants {
        let (Some(m), None) = (v.median(), &v.failed) else {
            println!(
                "| {} | failed: {} | | | |",
                v.name,
                v.failed.as_deref().unwrap_or("no samples")
            );
            continue;
        };
        print!(
            "| {} | {} | {}–{} | {} | {} |",
            v.name,
            ms(m),
            ms(percentile(&v.samples, 0.1).unwrap_or_default()),
            ms(percentile(&v.samples, 0.9).unwrap_or_default()),
            median_i64(&v.rss_kib),
            v.pids.map_or("–".to_string(), |p| p.to_string())
        );
        for &(_, i) in refs {
            match variants[i].median() {
                Some(r) if variants[i].failed.is_none() => {
                    print!(" {:.2} |", m.as_secs_f64() / r.as_secs_f64())
                }
                _ => print!(" – |"),
            }
        }
        println!();
    }
}

// ---------------------------------------------------------------------------------------
// System call cost under seccomp.

const SYSCALL_OPS: [&str; 4] = [
    "getppid (allowed unconditionally)",
    "fcntl(F_GETFD) (rule: arg1 != F_SETLEASE)",
    "ioctl(FIONREAD) (rule: arg1 != TIOCSTI, != TIOCLINUX)",
    "socket(AF_UNIX) + close (rule: arg0 == AF_UNIX; close unconditional)",
];

/// In a forked child: install `filter` (if any), time each operation, write the ns per
/// call to `out` as native-endian f64s, exit.
fn syscall_child(filter: Option<&[caprun::sandbox::seccomp::sock_filter]>, out: RawFd) -> ! {
    let mut pipe = [0 as RawFd; 2];
    // SAFETY: a valid two-element out-array.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        // SAFETY: _exit is always safe to call.
        unsafe { libc::_exit(2) };
    }
    // Pin to CPU 0: the two vCPUs of this kind of VM differ, and the comparison is
    // between children.
    // SAFETY: an all-zero cpu_set_t is a valid empty set; CPU_SET writes inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
    let mut results = [0f64; SYSCALL_OPS.len() + 1];
    if let Some(f) = filter {
        let t0 = Instant::now();
        if caprun::sandbox::seccomp::install(f).is_err() {
            // SAFETY: _exit is always safe to call.
            unsafe { libc::_exit(3) };
        }
        results[SYSCALL_OPS.len()] = t0.elapsed().as_nanos() as f64;
    }
    for (i, r) in results[..SYSCALL_OPS.len()].iter_mut().enumerate() {
        let calls: u32 = if i == 3 { 10_000 } else { 100_000 };
        let op = || -> bool {
            // SAFETY: plain system calls on descriptors this child owns; `n` outlives
            // the ioctl.
            unsafe {
                match i {
                    0 => libc::getppid() > 0,
                    1 => libc::fcntl(pipe[0], libc::F_GETFD) >= 0,
                    2 => {
                        let mut n: libc::c_int = 0;
                        libc::ioctl(pipe[0], libc::FIONREAD, &mut n) == 0
                    }
                    _ => {
                        let s = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
                        s >= 0 && libc::close(s) == 0
                    }
                }
            }
        };
        for _ in 0..calls / 10 {
            if !op() {
                // SAFETY: _exit is always safe to call.
                unsafe { libc::_exit(10 + i as libc::c_int) };
            }
        }
        let t0 = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(op());
        }
        *r = t0.elapsed().as_nanos() as f64 / f64::from(calls);
    }
    let bytes: Vec<u8> = results.iter().flat_map(|r| r.to_ne_bytes()).collect();
    // SAFETY: a live buffer and our own pipe descriptor.
    unsafe {
        libc::write(out, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(0);
    }
}

fn syscall_sample(
    filter: Option<&[caprun::sandbox::seccomp::sock_filter]>,
) -> [f64; SYSCALL_OPS.len() + 1] {
    let mut p = [0 as RawFd; 2];
    // SAFETY: a valid two-element out-array.
    assert_eq!(unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: single-threaded; the child installs the filter, measures and `_exit`s.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        syscall_child(filter, p[1]);
    }
    assert!(pid > 0, "fork failed");
    let mut buf = [0u8; 8 * (SYSCALL_OPS.len() + 1)];
    let mut got = 0;
    // SAFETY: our descriptors; reads into the live buffer's remaining space.
    unsafe {
        libc::close(p[1]);
        while got < buf.len() {
            let n = libc::read(p[0], buf[got..].as_mut_ptr().cast(), buf.len() - got);
            if n <= 0 {
                break;
            }
            got += n as usize;
        }
        libc::close(p[0]);
    }
    let mut status = 0;
    // SAFETY: a valid out-pointer for a child of ours.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        status == 0 && got == buf.len(),
        "syscall child failed: status {status:#x}"
    );
    let mut r = [0f64; SYSCALL_OPS.len() + 1];
    for (i, x) in r.iter_mut().enumerate() {
        *x = f64::from_ne_bytes(buf[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    }
    r
}

fn median_f64(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let o = options();
    let soft_nofile = raise_nofile();
    let dir = tempfile::tempdir().expect("temporary directory");
    let noop = build_static(dir.path(), "noop", NOOP_C);
    let noop_b = noop.as_os_str().as_bytes();
    let sleeper = build_static(dir.path(), "sleep", SLEEP_C);
    let sleeper_b = sleeper.as_os_str().as_bytes();
    // `strict` without its PID namespace: the program runs in caprun's process, with no
    // supervisor and no init (what `strict` was before it had one).
    let nopid_policy = dir.path().join("strict-nopid.yaml");
    std::fs::write(
        &nopid_policy,
        "extends: strict\nnamespaces: [user, mount, network, ipc, uts, cgroup]\nlimits: {tasks: unlimited}\n",
    )
    .expect("writing the policy");
    let nopid_policy_b = nopid_policy.as_os_str().as_bytes();
    // `strict` without its network namespace: what the other steps cost.
    let nonet_policy = dir.path().join("strict-nonet.yaml");
    std::fs::write(
        &nonet_policy,
        "extends: strict\nnamespaces: [user, mount, ipc, uts, cgroup, pid]\n",
    )
    .expect("writing the policy");
    let nonet_policy_b = nonet_policy.as_os_str().as_bytes();
    let caprun_copy = fresh_copy(Path::new(CAPRUN), dir.path(), "caprun");
    let caprun = caprun_copy.as_os_str().as_bytes();

    println!("# caprun launch benchmark");
    println!();
    println!("- date: {}", sh("date", &[]));
    println!(
        "- machine: {} cores (`nproc`), kernel {} (`uname -r`), CPU {}",
        sh("nproc", &[]),
        sh("uname", &["-r"]),
        cpu_model()
    );
    println!(
        "- caprun: {CAPRUN}, run as a copy at {}",
        caprun_copy.display()
    );
    println!(
        "- no-op: `gcc -static -O2` of benches/noop.c at {}",
        noop.display()
    );
    println!(
        "- policy without the PID namespace {}: `extends: strict`, `namespaces: [user, mount, network, ipc, uts, cgroup]`, `limits: {{tasks: unlimited}}` (a task limit for root needs the PID namespace)",
        nopid_policy.display()
    );
    println!(
        "- policy without the network namespace {}: `extends: strict`, `namespaces: [user, mount, ipc, uts, cgroup, pid]`",
        nonet_policy.display()
    );
    println!(
        "- iterations: {} per launch variant, {} per remap variant, {} syscall rounds, {} steady-state RSS samples; RLIMIT_NOFILE {}",
        o.iterations, o.remap_iterations, o.syscall_rounds, o.rss_samples, soft_nofile
    );
    println!("- load average at start: {}", sh("cat", &["/proc/loadavg"]));
    println!();

    // Everything the children use, prepared before forking.
    let policy = caprun::sandbox::load("default").expect("built-in policy `default`");
    let prog = caprun::sandbox::seccomp::compile(policy.seccomp.as_ref().expect("a filter"))
        .expect("compiling the `default` filter");
    let env = vec![CString::new("PATH=/usr/bin:/bin").expect("no NUL")];
    let noop_c = CString::new(noop_b).expect("path without NUL");
    // SAFETY: getters without preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mut ctx = Ctx {
        envp: env
            .iter()
            .map(|e| e.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect(),
        _env: env,
        devnull: -1,
        noop_fd: open_raw(&noop_c, libc::O_PATH),
        uid_map: CString::new(format!("{uid} {uid} 1\n")).expect("no NUL"),
        gid_map: CString::new(format!("{gid} {gid} 1\n")).expect("no NUL"),
        filter: prog.clone(),
        library: std::cell::RefCell::new(None),
    };
    // SAFETY: `ctx.noop_fd` stays open for the whole benchmark.
    let noop_fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(ctx.noop_fd) };
    let strict = caprun::sandbox::load("strict").expect("the built-in policy");
    let grants = caprun::sandbox::Grants {
        files: Vec::new(),
        program: Some(noop_fd),
        run_as: None,
        staging: None,
        binds: Vec::new(),
        cwd: None,
        rooted: Vec::new(),
    };
    // A host that cannot prepare `strict` (no Landlock, no user namespaces) skips the row.
    let library_skipped = match caprun::sandbox::prepare(&strict, &grants) {
        Ok(prepared) => {
            *ctx.library.borrow_mut() = Some(prepared);
            None
        }
        Err(e) => Some(e.to_string()),
    };

    // ---- 1. Launch.
    let three = dir.path().join("three.yaml");
    std::fs::write(
        &three,
        "out: !fd stdout\nerr: !fd stderr\nf: !file {path: /etc/hostname}\n",
    )
    .expect("writing the config");
    let three_b = three.as_os_str().as_bytes();
    let mut v = vec![
        Variant::new("direct exec", Pre::Plain, &[noop_b]),
        Variant::new("/usr/bin/env NOOP", Pre::Plain, &[b"/usr/bin/env", noop_b]),
    ];
    for p in ["none", "unprivileged", "strict", "default", "devtools"] {
        v.push(Variant::new(
            format!("caprun --policy {p}"),
            Pre::Plain,
            &[caprun, b"--policy", p.as_bytes(), noop_b, three_b],
        ));
    }
    v.push(Variant::new(
        "caprun --policy strict --explain-denials",
        Pre::Plain,
        &[
            caprun,
            b"--policy",
            b"strict",
            b"--explain-denials",
            noop_b,
            three_b,
        ],
    ));
    v.push(Variant::new(
        "caprun --policy strict-nopid.yaml (strict without the PID namespace)",
        Pre::Plain,
        &[caprun, b"--policy", nopid_policy_b, noop_b, three_b],
    ));
    v.push(Variant::new(
        "caprun --policy strict-nonet.yaml (strict without the network namespace)",
        Pre::Plain,
        &[caprun, b"--policy", nonet_policy_b, noop_b, three_b],
    ));
    let bwrap = find_in_path("bwrap");
    let bwrap_b = bwrap.as_ref().map(|p| p.as_os_str().as_bytes().to_vec());
    if let Some(b) = &bwrap_b {
        v.push(Variant::new(
            BWRAP_EMPTY,
            Pre::Plain,
            &[
                b,
                b"--unshare-all",
                b"--ro-bind",
                noop_b,
                b"/noop",
                b"/noop",
            ],
        ));
        // Each policy's file system as bwrap options (read from the policy itself).
        for (name, policy) in [
            (BWRAP_STRICT, "strict"),
            (BWRAP_DEFAULT, "default"),
            (BWRAP_DEVTOOLS, "devtools"),
        ] {
            let args = bwrap_args(b, policy, noop_b);
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            v.push(Variant::new(name, Pre::Plain, &args));
        }
        v.push(Variant::new(
            "bwrap --unshare-all --ro-bind / /",
            Pre::Plain,
            &[b, b"--unshare-all", b"--ro-bind", b"/", b"/", noop_b],
        ));
    }
    v.push(Variant::new(RAW, Pre::RawNs, &[noop_b]));
    v.push(Variant::new(
        "raw floor without the network namespace",
        Pre::RawNsNoNet,
        &[noop_b],
    ));
    v.push(Variant::new(
        "raw floor + empty tmpfs root (pivot_root), execveat",
        Pre::RawNsRoot,
        &[noop_b],
    ));
    v.push(Variant::new(
        "raw floor + empty root + `default` seccomp filter, execveat",
        Pre::RawNsRootSeccomp,
        &[noop_b],
    ));
    if library_skipped.is_none() {
        v.push(Variant::new(LIBRARY, Pre::Library, &[noop_b]));
    }
    const LIBRARY: &str =
        "caprun as a library: `strict` prepared in-process once, per launch enter() + seccomp + execveat";
    const RAW: &str = "raw floor: unshare user+mnt+net+ipc+uts+cgroup, maps, execve";
    const RAW_PID: &str = "raw floor + PID namespace (unshare +pid, maps, fork, execve)";
    const BWRAP_EMPTY: &str = "bwrap --unshare-all, empty root + --ro-bind NOOP /noop";
    const BWRAP_STRICT: &str =
        "bwrap --unshare-all, `strict`'s file system (empty root, /dev/null) + NOOP";
    const BWRAP_DEFAULT: &str =
        "bwrap --unshare-all, `default`'s file system (its binds and symlinks) + NOOP";
    const BWRAP_DEVTOOLS: &str =
        "bwrap --unshare-all, `devtools`' file system (--dev, --proc, its tmpfs, binds and symlinks) + NOOP";
    v.push(Variant::new(RAW_PID, Pre::RawNsPid, &[noop_b]));
    let idx = |name: &str| v.iter().position(|x| x.name == name);
    let mut refs = vec![
        ("direct", idx("direct exec").expect("variant")),
        ("env", idx("/usr/bin/env NOOP").expect("variant")),
        ("raw floor", idx(RAW).expect("variant")),
        ("raw floor + pid", idx(RAW_PID).expect("variant")),
    ];
    if let Some(b) = idx(BWRAP_STRICT) {
        refs.push(("bwrap (`strict`'s file system)", b));
    }
    if let Some(b) = idx(BWRAP_DEFAULT) {
        refs.push(("bwrap (`default`'s file system)", b));
    }
    if let Some(b) = idx(BWRAP_DEVTOOLS) {
        refs.push(("bwrap (`devtools`' file system)", b));
    }
    run_group(&mut v, &ctx, (o.iterations / 20).max(3), o.iterations);
    count_pids(&mut v, &ctx, 10);
    println!("## Launch (fork + exec + wait4 of a static no-op)");
    println!();
    print_launch_table(&v, &refs);
    if bwrap.is_none() {
        println!();
        println!("(bwrap not found in PATH: its rows were skipped)");
    }
    if let Some(why) = &library_skipped {
        println!();
        println!(
            "(caprun's `strict` cannot be prepared here, so the library row was skipped: {why})"
        );
    }
    println!();

    // ---- 2. Steady-state memory of the supervising launchers.
    let mut sv = vec![
        Variant::new(
            "caprun --policy strict (supervisor; child = init)",
            Pre::Plain,
            &[caprun, b"--policy", b"strict", sleeper_b, three_b],
        ),
        Variant::new(
            "caprun --policy strict --explain-denials (supervisor; child = program)",
            Pre::Plain,
            &[
                caprun,
                b"--policy",
                b"strict",
                b"--explain-denials",
                sleeper_b,
                three_b,
            ],
        ),
    ];
    if let Some(b) = &bwrap_b {
        sv.push(Variant::new(
            "bwrap --unshare-all, empty root (monitor; child = bwrap's init)",
            Pre::Plain,
            &[
                b,
                b"--unshare-all",
                b"--ro-bind",
                sleeper_b,
                b"/sleep",
                b"/sleep",
            ],
        ));
    }
    // ---- The exit path: from the program's last instant to the caller's wait4.
    let stamp = build_static(dir.path(), "stamp", STAMP_C);
    let stamp_b = stamp.as_os_str().as_bytes();
    let out_only = dir.path().join("out.yaml");
    std::fs::write(&out_only, "out: !fd stdout\n").expect("writing the config");
    let out_b = out_only.as_os_str().as_bytes();
    let mut exits: Vec<(String, Vec<Vec<u8>>)> =
        vec![("direct exec".into(), vec![stamp_b.to_vec()])];
    for p in ["strict", "default", "devtools"] {
        exits.push((
            format!("caprun --policy {p}"),
            [caprun, b"--policy", p.as_bytes(), stamp_b, out_b]
                .iter()
                .map(|a| a.to_vec())
                .collect(),
        ));
    }
    if let Some(b) = &bwrap_b {
        exits.push((BWRAP_STRICT.into(), bwrap_args(b, "strict", stamp_b)));
    }
    let samples = exit_paths(&exits, &ctx, (o.iterations / 20).max(3), o.iterations);
    println!("## Exit path (the program's last clock reading to the caller's wait4 returning)");
    println!();
    println!("| variant | median ms | p10–p90 ms |");
    println!("|---|---:|---:|");
    for ((name, _), s) in exits.iter().zip(&samples) {
        let ms = |q| percentile(s, q).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
        println!(
            "| {name} | {:.3} | {:.3}–{:.3} |",
            ms(0.5),
            ms(0.1),
            ms(0.9)
        );
    }
    println!();

    println!("## Supervisor memory (program sleeps 200 ms; /proc read 100 ms after the fork)");
    println!();
    println!("| launcher | VmRSS KiB (steady state) | VmHWM KiB (own peak) | child VmRSS KiB | ru_maxrss KiB (whole life, incl. reaped children) |");
    println!("|---|---:|---:|---:|---:|");
    for v in &sv {
        let mut cols: [Vec<i64>; 4] = Default::default();
        for _ in 0..o.rss_samples {
            if let Some(r) = steady_rss(v, &ctx, Duration::from_millis(100)) {
                for (c, x) in cols.iter_mut().zip(r) {
                    c.push(x);
                }
            }
        }
        if cols[0].is_empty() {
            println!("| {} | failed | | | |", v.name);
            continue;
        }
        println!(
            "| {} | {} | {} | {} | {} |",
            v.name,
            median_i64(&cols[0]),
            median_i64(&cols[1]),
            median_i64(&cols[2]),
            median_i64(&cols[3])
        );
    }
    println!();
    println!("(medians over {} launches each)", o.rss_samples);
    println!();

    // ---- 3. Descriptor remap through caprun --policy none.
    let devnull_low = open_raw(c"/dev/null", libc::O_RDONLY);
    // Park the /dev/null source at the top of the table, out of the way of 3..3+n. Only
    // now: a descriptor near the limit enlarges the table every fork copies, which would
    // tax the launch group.
    // SAFETY: duplicating our own descriptor.
    let devnull = unsafe {
        libc::fcntl(
            devnull_low,
            libc::F_DUPFD_CLOEXEC,
            (soft_nofile.min(1 << 20) as libc::c_int) - 1,
        )
    };
    assert!(devnull >= 0, "parking /dev/null");
    // SAFETY: our own descriptor, no longer needed.
    unsafe { libc::close(devnull_low) };
    ctx.devnull = devnull;
    // caprun needs the N inherited descriptors, the N of the program's table and a few
    // of its own at once (it refuses a launch the descriptor limit cannot hold).
    let max_n = (soft_nofile as usize).saturating_sub(16) / 2;
    let mut sizes: Vec<usize> = [10, 1_000, 3_000, 10_000]
        .into_iter()
        .filter(|&n| n <= max_n)
        .collect();
    if max_n < 10_000 {
        sizes.push(max_n / 1000 * 1000);
    }
    let one = dir.path().join("remap-1.yaml");
    std::fs::write(&one, seq_config(3..4)).expect("writing the config");
    let mut rv = Vec::new();
    for &n in &sizes {
        let cfg = dir.path().join(format!("remap-{n}.yaml"));
        std::fs::write(&cfg, seq_config(3..3 + n)).expect("writing the config");
        rv.push(Variant::new(
            format!("{n} open, config names 1"),
            Pre::Fds(n),
            &[
                caprun,
                b"--policy",
                b"none",
                noop_b,
                one.as_os_str().as_bytes(),
            ],
        ));
        rv.push(Variant::new(
            format!("{n} open, config names all {n}"),
            Pre::Fds(n),
            &[
                caprun,
                b"--policy",
                b"none",
                noop_b,
                cfg.as_os_str().as_bytes(),
            ],
        ));
    }
    // Each size is its own interleaved pair; small sizes are cheap and noisy relative to
    // their difference, so they get the launch group's iteration count.
    for (k, &n) in sizes.iter().enumerate() {
        let rounds = if n <= 1_000 {
            o.iterations
        } else {
            o.remap_iterations
        };
        run_group(&mut rv[2 * k..2 * k + 2], &ctx, 2, rounds);
    }
    println!("## Descriptor remap (caprun --policy none, N inherited descriptors)");
    println!();
    println!("| N | baseline ms (names 1) | names all N, ms | remap = difference, ms | µs per descriptor |");
    println!("|---:|---:|---:|---:|---:|");
    for (k, &n) in sizes.iter().enumerate() {
        let (b, a) = (&rv[2 * k], &rv[2 * k + 1]);
        match (b.median(), a.median(), &b.failed, &a.failed) {
            (Some(bm), Some(am), None, None) => {
                let d = am.as_secs_f64() - bm.as_secs_f64();
                println!(
                    "| {n} | {} | {} | {:.3} | {:.2} |",
                    ms(bm),
                    ms(am),
                    d * 1e3,
                    d * 1e6 / (n - 1) as f64
                );
            }
            _ => println!(
                "| {n} | {} | {} | failed | |",
                b.failed.as_deref().unwrap_or("ok"),
                a.failed.as_deref().unwrap_or("ok")
            ),
        }
    }
    println!();
    println!("Planner alone, in-process (`caprun::plan::fdmap::plan`, sources 3..3+N and the memfd, two controls):");
    println!();
    println!("| N | plan() median µs | µs per descriptor |");
    println!("|---:|---:|---:|");
    for n in [10usize, 1_000, 10_000] {
        let top = 3 + n as RawFd;
        let sources: Vec<RawFd> = (3..top + 1).collect();
        let controls = [top + 1, top + 2];
        let mut t = Vec::new();
        let start = Instant::now();
        while t.len() < 5 || (t.len() < 200 && start.elapsed() < Duration::from_secs(2)) {
            let t0 = Instant::now();
            let p = caprun::plan::fdmap::plan(&sources, &controls).expect("plan");
            t.push(t0.elapsed());
            std::hint::black_box(p);
        }
        let m = percentile(&t, 0.5).unwrap_or_default();
        println!(
            "| {n} | {:.1} | {:.3} |",
            m.as_secs_f64() * 1e6,
            m.as_secs_f64() * 1e6 / n as f64
        );
    }
    println!();

    // ---- 4. System call cost under the `default` filter.
    let allow_all = vec![caprun::sandbox::seccomp::sock_filter {
        code: 0x06, // BPF_RET | BPF_K
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_ALLOW,
    }];
    let kinds: [Option<&[caprun::sandbox::seccomp::sock_filter]>; 3] =
        [None, Some(allow_all.as_slice()), Some(prog.as_slice())];
    // samples[kind][op]; op SYSCALL_OPS.len() is the filter's install time.
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); SYSCALL_OPS.len() + 1]; 3];
    for round in 0..o.syscall_rounds + 1 {
        for k in 0..kinds.len() {
            let kind = (round + k) % kinds.len();
            let r = syscall_sample(kinds[kind]);
            if round == 0 {
                continue; // warm-up
            }
            for (i, x) in r.iter().enumerate() {
                samples[kind][i].push(*x);
            }
        }
    }
    println!(
        "## System call cost: no filter, a 1-instruction allow-all filter, the `default` filter ({} BPF instructions)",
        prog.len()
    );
    println!();
    println!("| call | no filter ns | allow-all ns | `default` ns | default ÷ none | default ÷ allow-all |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (i, name) in SYSCALL_OPS.iter().enumerate() {
        let a = median_f64(&mut samples[0][i]);
        let b = median_f64(&mut samples[1][i]);
        let c = median_f64(&mut samples[2][i]);
        println!(
            "| {name} | {a:.1} | {b:.1} | {c:.1} | {:.3} | {:.3} |",
            c / a,
            c / b
        );
    }
    let n = SYSCALL_OPS.len();
    println!(
        "| installing the filter (prctl(NO_NEW_PRIVS) + seccomp()), µs | – | {:.1} | {:.1} | | {:.1} |",
        median_f64(&mut samples[1][n]) / 1e3,
        median_f64(&mut samples[2][n]) / 1e3,
        median_f64(&mut samples[2][n]) / median_f64(&mut samples[1][n])
    );
    println!();
    println!(
        "(medians over {} rounds; each round one child per column, starting column rotating)",
        o.syscall_rounds
    );
}
