//! `notify`: denials routed to caprun's supervisor (seccomp user notification).
//!
//! With `--explain-denials` or `--learn`, the program's filter is compiled with every
//! denial returning `SECCOMP_RET_USER_NOTIF` ([`Denials::Notify`](super::seccomp::Denials))
//! and installed with a listener that the program's process hands to the supervisor
//! before `execveat` (see `exec.rs`). The supervisor keeps a [`Session`]:
//!
//! - **explain**: each notified call is answered with the policy's own action (the errno
//!   of `default-action`, so the program sees exactly what the filter would have given
//!   it; `kill` kills the program, `log` lets the call run), one line per distinct denial
//!   goes to caprun's stderr (`caprun: policy strict denied socket(AF_INET, SOCK_STREAM,
//!   0) [pid 7]`), and a summary at exit;
//! - **learn**: each notified call runs (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`) and is
//!   recorded — for calls policies condition on arguments (`socket`, `ioctl`, `clone`,
//!   `fcntl`, `prctl`, and any call the base policy has a rule for), the argument values
//!   that matter — and at exit a policy that `extends:` the base and allows exactly what
//!   was seen is written ([`Session::learned_policy`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::policy::{render_condition, scalar, Action, SeccompPolicy};
use super::syscalls;
use crate::sys;

/// What the supervisor does with a notified (denied) call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answer with the policy's action and report the denial.
    Explain,
    /// Let the call run and record it.
    Learn,
}

/// How many distinct lines one system call may print in explain mode (every denial is
/// still counted in the summary).
const MAX_LINES_PER_CALL: usize = 20;

/// The calls whose arguments a learned policy conditions on: `(name, [(index, mask)])`.
/// A base-policy rule on another call adds the argument indices it compares.
/// The argument indices and masks one learned rule compares.
type ArgumentKeys = &'static [(u8, Option<u64>)];

const ARGUMENT_RULES: &[(&str, ArgumentKeys)] = &[
    ("socket", &[(0, None), (1, Some(0xf))]),
    ("ioctl", &[(1, None)]),
    ("clone", &[(0, None)]),
    ("fcntl", &[(1, None)]),
    ("prctl", &[(0, None)]),
    ("unshare", &[(0, None)]),
    ("personality", &[(0, None)]),
];

#[derive(Debug, Default)]
struct Learned {
    count: u64,
    /// Argument values (masked, low 32 bits) → how often, for calls with argument rules.
    values: BTreeMap<Vec<u64>, u64>,
}

/// The supervisor's record of one run.
#[derive(Debug)]
pub struct Session {
    mode: Mode,
    policy: String,
    seccomp: SeccompPolicy,
    /// explain: description → (count, lines printed for this call).
    denied: BTreeMap<String, u64>,
    lines: BTreeMap<i64, usize>,
    learned: BTreeMap<i64, Learned>,
    killed: bool,
    out: Option<OwnedFd>,
    out_name: String,
    extends: String,
    program: String,
}

impl Session {
    /// A session for a program run under `policy` (`name` as given on the command line).
    /// Learn mode: `out` is the file the learned policy is written to (opened before the
    /// sandbox is entered: the supervisor itself runs inside it), `out_name` its name in
    /// messages, and `extends` what the learned policy extends (a built-in name or an
    /// absolute path).
    pub fn new(mode: Mode, name: &str, seccomp: &SeccompPolicy, program: &str) -> Session {
        Session {
            mode,
            policy: name.to_string(),
            seccomp: seccomp.clone(),
            denied: BTreeMap::new(),
            lines: BTreeMap::new(),
            learned: BTreeMap::new(),
            killed: false,
            out: None,
            out_name: String::new(),
            extends: name.to_string(),
            program: program.to_string(),
        }
    }

    /// Learn mode: where to write the policy, and what it extends.
    pub fn learn_into(&mut self, out: OwnedFd, out_name: &str, extends: &str) {
        self.out = Some(out);
        self.out_name = out_name.to_string();
        self.extends = extends.to_string();
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Descriptors the supervisor must keep open for this session.
    pub fn keep_fds(&self) -> Vec<RawFd> {
        self.out.iter().map(|f| f.as_raw_fd()).collect()
    }

    /// True once the supervisor killed the program for a `kill` denial (caprun then exits
    /// with 128 + SIGSYS, the status the filter itself would have caused).
    pub fn killed(&self) -> bool {
        self.killed
    }

    /// Read and answer one pending notification on `listener`; messages go to `stderr`.
    pub fn handle(&mut self, listener: RawFd, stderr: RawFd) {
        let req = match sys::notif_recv(listener) {
            Ok(r) => r,
            // ENOENT: the caller died or was interrupted before we read it.
            Err(_) => return,
        };
        let nr = i64::from(req.data.nr);
        let args = req.data.args;
        match self.mode {
            Mode::Learn => {
                self.record(nr, args);
                let _ = sys::notif_send(listener, req.id, 0);
            }
            Mode::Explain => {
                let what = describe(nr, &args);
                let count = self.denied.entry(what.clone()).or_insert(0);
                *count += 1;
                let lines = self.lines.entry(nr).or_insert(0);
                if *count == 1 && *lines < MAX_LINES_PER_CALL {
                    *lines += 1;
                    let verb = match self.seccomp.default_action {
                        Action::Log => "logged",
                        Action::Kill => "denied (kill)",
                        Action::Errno(_) => "denied",
                    };
                    let msg = format!(
                        "caprun: policy {} {verb} {what} [pid {}]\n",
                        self.policy, req.pid
                    );
                    sys::write_all(stderr, msg.as_bytes());
                }
                match self.seccomp.default_action {
                    Action::Errno(e) => {
                        let _ = sys::notif_send(listener, req.id, e as i32);
                    }
                    Action::Log => {
                        let _ = sys::notif_send(listener, req.id, 0);
                    }
                    Action::Kill => {
                        // The pid names the caller only while the notification is pending.
                        if sys::notif_id_valid(listener, req.id) {
                            self.killed = true;
                            let _ = sys::kill(req.pid as libc::pid_t, libc::SIGKILL);
                        }
                    }
                }
            }
        }
    }

    fn record(&mut self, nr: i64, args: [u64; 6]) {
        let keys = self.argument_keys(nr);
        let entry = self.learned.entry(nr).or_default();
        entry.count += 1;
        if !keys.is_empty() {
            let values = keys
                .iter()
                .map(|&(i, mask)| args[usize::from(i)] & mask.unwrap_or(u64::MAX) & 0xffff_ffff)
                .collect();
            *entry.values.entry(values).or_insert(0) += 1;
        }
    }

    /// The argument indices (and masks) a learned rule for `nr` compares.
    fn argument_keys(&self, nr: i64) -> Vec<(u8, Option<u64>)> {
        let Some(name) = syscalls::name(nr) else {
            return Vec::new();
        };
        if let Some((_, keys)) = ARGUMENT_RULES.iter().find(|(n, _)| *n == name) {
            return keys.to_vec();
        }
        match self.seccomp.rules.get(name) {
            Some(rule) => {
                let idx: BTreeSet<u8> = rule
                    .alternatives
                    .iter()
                    .flatten()
                    .map(|c| c.index)
                    .collect();
                idx.into_iter().map(|i| (i, None)).collect()
            }
            None => Vec::new(),
        }
    }

    /// The explain-mode summary (empty when nothing was denied).
    pub fn summary(&self) -> String {
        if self.denied.is_empty() {
            return String::new();
        }
        let total: u64 = self.denied.values().sum();
        let mut s = format!(
            "caprun: summary: policy {} denied {total} call{} ({} distinct):\n",
            self.policy,
            if total == 1 { "" } else { "s" },
            self.denied.len()
        );
        let mut by_count: Vec<(&String, &u64)> = self.denied.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (what, n) in by_count {
            let _ = writeln!(s, "caprun:   {n:>6} × {what}");
        }
        s
    }

    /// The learned policy as YAML: `extends:` the base, plus exactly the calls observed
    /// outside it, each with a comment saying how often it was seen.
    pub fn learned_policy(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Learned by `caprun --learn` from {} under policy `{}`.",
            self.program, self.policy
        );
        s.push_str(
            "# Every entry below was observed while learning; nothing else is allowed beyond\n\
             # the extended policy. Review it before use.\n",
        );
        let _ = writeln!(s, "extends: {}", scalar(&self.extends));
        let mut allow = Vec::new();
        let mut rules = Vec::new();
        for (&nr, l) in &self.learned {
            let name = syscalls::name(nr).unwrap_or("?");
            if l.values.is_empty() {
                allow.push((name, l.count));
            } else {
                rules.push((nr, name, l));
            }
        }
        if allow.is_empty() && rules.is_empty() {
            s.push_str("# Nothing outside the extended policy was used.\n");
            return s;
        }
        s.push_str("seccomp:\n");
        if !allow.is_empty() {
            s.push_str("  allow:\n");
            for (name, n) in allow {
                let _ = writeln!(s, "    - {name:<24} # seen {}", times(n));
            }
        }
        if !rules.is_empty() {
            s.push_str("  rules:\n");
            for (nr, name, l) in rules {
                let _ = writeln!(s, "    {name}:");
                if let Some(base) = self.seccomp.rules.get(name) {
                    for alt in &base.alternatives {
                        let conds: Vec<String> =
                            alt.iter().map(|c| scalar(&render_condition(c))).collect();
                        let _ = writeln!(
                            s,
                            "      - [{}]  # from `{}`",
                            conds.join(", "),
                            self.policy
                        );
                    }
                }
                let keys = self.argument_keys(nr);
                for (values, n) in &l.values {
                    let conds: Vec<String> = keys
                        .iter()
                        .zip(values)
                        .map(|(&(i, mask), &v)| {
                            let c = match mask {
                                Some(m) => format!("arg{i} & {m:#x} == {v:#x}"),
                                None => format!("arg{i} == {v:#x}"),
                            };
                            scalar(&c)
                        })
                        .collect();
                    let decoded: Vec<String> = keys
                        .iter()
                        .zip(values)
                        .map(|(&(i, _), &v)| decode_arg(name, usize::from(i), v))
                        .collect();
                    let _ = writeln!(
                        s,
                        "      - [{}]  # {}: seen {}",
                        conds.join(", "),
                        decoded.join(", "),
                        times(*n)
                    );
                }
            }
        }
        s
    }

    /// At the program's exit: the explain summary, or the learned policy written out.
    pub fn finish(&mut self, stderr: RawFd) {
        match self.mode {
            Mode::Explain => sys::write_all(stderr, self.summary().as_bytes()),
            Mode::Learn => {
                let text = self.learned_policy();
                let calls = self.learned.len();
                let msg = match self.out.take() {
                    Some(fd) => {
                        let mut f = std::fs::File::from(fd);
                        match std::io::Write::write_all(&mut f, text.as_bytes()) {
                            Ok(()) => format!(
                                "caprun: learned {calls} system call{} outside policy {}: wrote {}\n",
                                if calls == 1 { "" } else { "s" },
                                self.policy,
                                self.out_name
                            ),
                            Err(e) => format!("caprun: writing {}: {e}\n", self.out_name),
                        }
                    }
                    None => String::new(),
                };
                sys::write_all(stderr, msg.as_bytes());
            }
        }
    }
}

fn times(n: u64) -> String {
    if n == 1 {
        "1 time".into()
    } else {
        format!("{n} times")
    }
}

// ---------------------------------------------------------------------------------------
// Decoding a call for humans.

/// How an argument is shown.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Hex,
    Ptr,
    Fd,
    Domain,
    SockType,
    CloneFlags,
    Ioctl,
    Prctl,
    Fcntl,
    OpenFlags,
    Signal,
}

fn kinds(name: &str) -> Option<&'static [Kind]> {
    use Kind::*;
    Some(match name {
        "socket" => &[Domain, SockType, Int],
        "socketpair" => &[Domain, SockType, Int, Ptr],
        "clone" => &[CloneFlags, Ptr, Ptr, Ptr, Ptr],
        "clone3" => &[Ptr, Int],
        "unshare" => &[CloneFlags],
        "setns" => &[Fd, CloneFlags],
        "ioctl" => &[Fd, Ioctl, Hex],
        "prctl" => &[Prctl, Hex, Hex, Hex, Hex],
        "fcntl" => &[Fd, Fcntl, Hex],
        "open" => &[Ptr, OpenFlags, Hex],
        "openat" => &[Fd, Ptr, OpenFlags, Hex],
        "openat2" => &[Fd, Ptr, Ptr, Int],
        "creat" => &[Ptr, Hex],
        "kill" | "tkill" => &[Int, Signal],
        "tgkill" => &[Int, Int, Signal],
        "ptrace" => &[Int, Int, Ptr, Ptr],
        "mount" => &[Ptr, Ptr, Ptr, Hex, Ptr],
        "umount2" => &[Ptr, Hex],
        "pivot_root" => &[Ptr, Ptr],
        "chroot" | "uname" | "sysinfo" | "times" | "acct" | "chdir" | "rmdir" | "unlink"
        | "mkdir" | "sethostname" | "setdomainname" => &[Ptr],
        "bpf" => &[Int, Ptr, Int],
        "perf_event_open" => &[Ptr, Int, Int, Fd, Hex],
        "personality" => &[Hex],
        "setuid" | "setgid" | "setfsuid" | "setfsgid" => &[Int],
        "setreuid" | "setregid" => &[Int, Int],
        "setresuid" | "setresgid" => &[Int, Int, Int],
        "setpgid" => &[Int, Int],
        "getpgid" | "getsid" => &[Int],
        "getrlimit" | "setrlimit" => &[Int, Ptr],
        "sched_setaffinity" | "sched_getaffinity" => &[Int, Int, Ptr],
        "keyctl" => &[Int, Hex, Hex, Hex, Hex],
        "add_key" | "request_key" => &[Ptr, Ptr, Ptr, Int],
        "io_uring_setup" => &[Int, Ptr],
        "userfaultfd" | "inotify_init1" | "epoll_create1" => &[Hex],
        "memfd_secret" => &[Hex],
        "landlock_create_ruleset" => &[Ptr, Int, Hex],
        "syslog" => &[Int, Ptr, Int],
        "getpgrp" | "setsid" | "vhangup" | "sync" | "getpid" | "munlockall" => &[],
        "init_module" => &[Ptr, Int, Ptr],
        "finit_module" => &[Fd, Ptr, Hex],
        "delete_module" => &[Ptr, Hex],
        "reboot" => &[Hex, Hex, Hex, Ptr],
        "kexec_load" => &[Ptr, Int, Ptr, Hex],
        "chmod" => &[Ptr, Hex],
        "chown" | "lchown" => &[Ptr, Int, Int],
        "fchown" => &[Fd, Int, Int],
        "fchownat" => &[Fd, Ptr, Int, Int, Hex],
        "mknod" => &[Ptr, Hex, Hex],
        "mknodat" => &[Fd, Ptr, Hex, Hex],
        _ => return None,
    })
}

/// `name(arg, …)` with the arguments decoded where they are integers or flags; pointers
/// are shown as `…` (their value says nothing and would make every call distinct).
pub fn describe(nr: i64, args: &[u64; 6]) -> String {
    let Some(name) = syscalls::name(nr) else {
        return format!("syscall {nr}(…)");
    };
    let shown: Vec<String> = match kinds(name) {
        Some(kinds) => kinds
            .iter()
            .zip(args)
            .map(|(k, &v)| decode(*k, v))
            .collect(),
        None => vec!["…".into()],
    };
    format!("{name}({})", shown.join(", "))
}

fn decode_arg(name: &str, index: usize, v: u64) -> String {
    match kinds(name).and_then(|k| k.get(index)) {
        Some(k) => decode(*k, v),
        None => format!("{v:#x}"),
    }
}

fn decode(kind: Kind, v: u64) -> String {
    let v32 = v as u32;
    match kind {
        Kind::Int => (v as i64).to_string(),
        Kind::Fd => {
            if v32 as i32 == libc::AT_FDCWD {
                "AT_FDCWD".into()
            } else {
                (v32 as i32).to_string()
            }
        }
        Kind::Hex => format!("{v:#x}"),
        Kind::Ptr => {
            if v == 0 {
                "NULL".into()
            } else {
                "…".into()
            }
        }
        Kind::Domain => named(v32, DOMAINS).unwrap_or_else(|| v32.to_string()),
        Kind::SockType => {
            let mut parts =
                vec![named(v32 & 0xf, SOCK_TYPES).unwrap_or_else(|| (v32 & 0xf).to_string())];
            parts.extend(flags(v32 & !0xf, SOCK_FLAGS));
            parts.join("|")
        }
        Kind::CloneFlags => {
            let sig = v32 & 0xff;
            let mut parts = flags(v32 & !0xff, CLONE_FLAGS);
            if sig != 0 {
                parts.push(named(sig, SIGNALS).unwrap_or_else(|| sig.to_string()));
            }
            if parts.is_empty() {
                "0".into()
            } else {
                parts.join("|")
            }
        }
        Kind::Ioctl => named(v32, IOCTLS).unwrap_or_else(|| format!("{v32:#x}")),
        Kind::Prctl => named(v32, PRCTLS).unwrap_or_else(|| v32.to_string()),
        Kind::Fcntl => named(v32, FCNTLS).unwrap_or_else(|| v32.to_string()),
        Kind::Signal => named(v32, SIGNALS).unwrap_or_else(|| v32.to_string()),
        Kind::OpenFlags => {
            let acc = match v32 as i32 & libc::O_ACCMODE {
                libc::O_RDONLY => "O_RDONLY",
                libc::O_WRONLY => "O_WRONLY",
                libc::O_RDWR => "O_RDWR",
                _ => "O_ACCMODE",
            };
            let mut parts = vec![acc.to_string()];
            parts.extend(flags(v32 & !(libc::O_ACCMODE as u32), OPEN_FLAGS));
            parts.join("|")
        }
    }
}

fn named(v: u32, table: &[(u32, &str)]) -> Option<String> {
    table
        .iter()
        .find(|(k, _)| *k == v)
        .map(|(_, n)| n.to_string())
}

/// The names of the set bits of `v` (unknown bits as one hex number).
fn flags(v: u32, table: &[(u32, &str)]) -> Vec<String> {
    let mut rest = v;
    let mut out = Vec::new();
    for &(bit, name) in table {
        if bit != 0 && rest & bit == bit {
            out.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out
}

macro_rules! table {
    ($($c:ident),* $(,)?) => { &[$((libc::$c as u32, stringify!($c))),*] };
}

const DOMAINS: &[(u32, &str)] = table![
    AF_UNIX,
    AF_INET,
    AF_INET6,
    AF_NETLINK,
    AF_PACKET,
    AF_BLUETOOTH,
    AF_ALG,
    AF_VSOCK,
    AF_KEY,
    AF_APPLETALK,
    AF_X25,
    AF_CAN,
    AF_TIPC,
    AF_XDP,
    AF_UNSPEC,
];
const SOCK_TYPES: &[(u32, &str)] =
    table![SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_RDM];
const SOCK_FLAGS: &[(u32, &str)] = table![SOCK_NONBLOCK, SOCK_CLOEXEC];
const CLONE_FLAGS: &[(u32, &str)] = table![
    CLONE_VM,
    CLONE_FS,
    CLONE_FILES,
    CLONE_SIGHAND,
    CLONE_PIDFD,
    CLONE_PTRACE,
    CLONE_VFORK,
    CLONE_PARENT,
    CLONE_THREAD,
    CLONE_NEWNS,
    CLONE_SYSVSEM,
    CLONE_SETTLS,
    CLONE_PARENT_SETTID,
    CLONE_CHILD_CLEARTID,
    CLONE_DETACHED,
    CLONE_UNTRACED,
    CLONE_CHILD_SETTID,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_IO,
];
const SIGNALS: &[(u32, &str)] = table![
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV,
    SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
    SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
];
const IOCTLS: &[(u32, &str)] = table![
    TCGETS,
    TCSETS,
    TCSETSW,
    TCSETSF,
    TCGETA,
    TCSETA,
    TCSBRK,
    TCXONC,
    TCFLSH,
    TIOCEXCL,
    TIOCNXCL,
    TIOCSCTTY,
    TIOCGPGRP,
    TIOCSPGRP,
    TIOCOUTQ,
    TIOCSTI,
    TIOCGWINSZ,
    TIOCSWINSZ,
    TIOCMGET,
    TIOCMSET,
    FIONREAD,
    TIOCLINUX,
    TIOCCONS,
    TIOCNOTTY,
    TIOCSETD,
    TIOCGETD,
    TIOCGPTN,
    TIOCSPTLCK,
    TIOCGSID,
    FIONBIO,
    FIOCLEX,
    FIONCLEX,
    FIOASYNC,
    FICLONE,
    FS_IOC_GETFLAGS,
    FS_IOC_SETFLAGS,
    SIOCGIFCONF,
    SIOCGIFFLAGS,
    SIOCGIFINDEX,
    SIOCGIFADDR,
];
const PRCTLS: &[(u32, &str)] = table![
    PR_SET_PDEATHSIG,
    PR_GET_PDEATHSIG,
    PR_GET_DUMPABLE,
    PR_SET_DUMPABLE,
    PR_SET_NAME,
    PR_GET_NAME,
    PR_SET_SECCOMP,
    PR_GET_SECCOMP,
    PR_CAPBSET_READ,
    PR_CAPBSET_DROP,
    PR_SET_SECUREBITS,
    PR_GET_SECUREBITS,
    PR_SET_NO_NEW_PRIVS,
    PR_GET_NO_NEW_PRIVS,
    PR_SET_KEEPCAPS,
    PR_GET_KEEPCAPS,
    PR_SET_CHILD_SUBREAPER,
    PR_GET_CHILD_SUBREAPER,
    PR_SET_MM,
    PR_SET_PTRACER,
    PR_CAP_AMBIENT,
    PR_SET_TIMERSLACK,
    PR_GET_TIMERSLACK,
    PR_SET_VMA,
    PR_GET_THP_DISABLE,
    PR_SET_THP_DISABLE,
    PR_SET_TSC,
    PR_GET_TSC,
];
const FCNTLS: &[(u32, &str)] = table![
    F_DUPFD,
    F_GETFD,
    F_SETFD,
    F_GETFL,
    F_SETFL,
    F_GETLK,
    F_SETLK,
    F_SETLKW,
    F_SETOWN,
    F_GETOWN,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_SETLEASE,
    F_GETLEASE,
    F_NOTIFY,
    F_DUPFD_CLOEXEC,
    F_SETPIPE_SZ,
    F_GETPIPE_SZ,
    F_ADD_SEALS,
    F_GET_SEALS,
];
const OPEN_FLAGS: &[(u32, &str)] = table![
    O_CREAT,
    O_EXCL,
    O_NOCTTY,
    O_TRUNC,
    O_APPEND,
    O_NONBLOCK,
    O_SYNC,
    O_DSYNC,
    O_DIRECT,
    O_LARGEFILE,
    O_TMPFILE,
    O_DIRECTORY,
    O_NOFOLLOW,
    O_NOATIME,
    O_CLOEXEC,
    O_PATH,
];

#[cfg(test)]
mod tests {
    use super::super::policy;
    use super::super::testutil::{FIONREAD, TIOCLINUX, TIOCSTI};
    use super::*;

    #[test]
    fn calls_are_decoded() {
        let d = |name: &str, args: [u64; 6]| describe(syscalls::number(name).unwrap(), &args);
        assert_eq!(
            d("socket", [2, 1 | 0x80000, 0, 0, 0, 0]),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"
        );
        assert_eq!(d("uname", [0x7ffd_0000, 0, 0, 0, 0, 0]), "uname(…)");
        assert_eq!(
            d("ioctl", [1, TIOCSTI, 0x10, 0, 0, 0]),
            "ioctl(1, TIOCSTI, 0x10)"
        );
        assert_eq!(
            d(
                "clone",
                [(libc::CLONE_NEWUSER | libc::SIGCHLD) as u64, 0, 0, 0, 0, 0]
            ),
            "clone(CLONE_NEWUSER|SIGCHLD, NULL, NULL, NULL, NULL)"
        );
        assert_eq!(
            d("prctl", [libc::PR_SET_SECCOMP as u64, 2, 0, 0, 0, 0]),
            "prctl(PR_SET_SECCOMP, 0x2, 0x0, 0x0, 0x0)"
        );
        assert_eq!(
            d(
                "openat",
                [
                    libc::AT_FDCWD as u32 as u64,
                    1,
                    (libc::O_WRONLY | libc::O_CREAT) as u64,
                    0o644,
                    0,
                    0
                ]
            ),
            "openat(AT_FDCWD, …, O_WRONLY|O_CREAT, 0x1a4)"
        );
        assert_eq!(
            d("ptrace", [16, 7, 0, 0, 0, 0]),
            "ptrace(16, 7, NULL, NULL)"
        );
        assert_eq!(d("io_pgetevents", [1, 2, 3, 4, 5, 6]), "io_pgetevents(…)");
    }

    fn strict() -> SeccompPolicy {
        policy::load("strict").unwrap().seccomp.unwrap()
    }

    #[test]
    fn learned_policy_parses_and_allows_exactly_what_was_seen() {
        let sp = strict();
        let mut s = Session::new(Mode::Learn, "strict", &sp, "test");
        let nr = |n: &str| syscalls::number(n).unwrap();
        s.record(nr("getpgrp"), [0; 6]);
        s.record(nr("getpgrp"), [0; 6]);
        s.record(nr("sysinfo"), [0; 6]);
        s.record(nr("socket"), [2, 1 | 0x80000, 0, 0, 0, 0]);
        s.record(nr("ioctl"), [1, TIOCSTI, 0, 0, 0, 0]);
        let text = s.learned_policy();
        let p =
            policy::parse(&text, "learned.yaml", None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let learned = p.seccomp.unwrap();
        let added: BTreeSet<&str> = learned.allow.difference(&sp.allow).collect();
        assert_eq!(added, BTreeSet::from(["getpgrp", "sysinfo"]), "{text}");
        assert!(text.contains("# seen 2 times"), "{text}");
        // socket: the base's AF_UNIX, plus exactly AF_INET stream.
        let socket = &learned.rules["socket"];
        assert_eq!(socket.alternatives.len(), 2, "{text}");
        let prog = super::super::seccomp::compile(&learned).unwrap();
        let ev = |n: &str, a: [u64; 6]| {
            super::super::seccomp::evaluate(&prog, nr(n), a)
                .unwrap()
                .ret
        };
        let allow = super::super::seccomp::RET_ALLOW;
        assert_eq!(ev("socket", [2, 1, 0, 0, 0, 0]), allow);
        assert_eq!(ev("socket", [1, 1, 0, 0, 0, 0]), allow);
        assert_ne!(ev("socket", [2, 2, 0, 0, 0, 0]), allow);
        assert_ne!(ev("socket", [10, 1, 0, 0, 0, 0]), allow);
        assert_eq!(ev("ioctl", [1, TIOCSTI, 0, 0, 0, 0]), allow);
        assert_ne!(ev("ioctl", [1, TIOCLINUX, 0, 0, 0, 0]), allow);
        assert_eq!(ev("ioctl", [1, FIONREAD, 0, 0, 0, 0]), allow);
        assert_ne!(ev("ptrace", [0; 6]), allow);
    }

    #[test]
    fn explain_summary_counts() {
        let mut s = Session::new(Mode::Explain, "strict", &strict(), "test");
        s.denied.insert("uname(…)".into(), 2);
        s.denied.insert("sysinfo(…)".into(), 1);
        let sum = s.summary();
        assert!(sum.contains("denied 3 calls (2 distinct)"), "{sum}");
        assert!(
            sum.find("uname").unwrap() < sum.find("sysinfo").unwrap(),
            "{sum}"
        );
    }
}
