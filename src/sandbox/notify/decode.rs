//! A system call for humans: its name and the arguments that say something (integers
//! and flags by name; pointers as `…`).

use crate::sandbox::syscalls;

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
    LockOp,
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
        "flock" => &[Fd, LockOp],
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

/// Why a denied call is probably not the cause of a failure, when libraries routinely
/// make it and carry on without it: `socket(AF_NETLINK, …, NETLINK_ROUTE)`, glibc's
/// getaddrinfo asking for the interfaces (allowed under `--net`, where it reads the
/// host's).
pub fn probably_harmless(nr: i64, args: &[u64; 6]) -> Option<&'static str> {
    let [domain, _, protocol, ..] = *args;
    Some(match nr {
        libc::SYS_socket
            if domain as u32 == libc::AF_NETLINK as u32
                && protocol as u32 == libc::NETLINK_ROUTE as u32 =>
        {
            "glibc's getaddrinfo and interface listings ask and carry on without it"
        }
        libc::SYS_io_uring_setup => "libuv (Node.js) and liburing fall back to epoll",
        libc::SYS_get_mempolicy => "libnuma and runtimes ask for NUMA and carry on without",
        libc::SYS_pkey_alloc => "JITs (V8) ask for memory protection keys and do without",
        _ => return None,
    })
}

/// Whether a denied call asks for a namespace or a mount: refused by design (a sandbox
/// inside the sandbox; Landlock forbids mounts whatever the filter says).
pub fn makes_a_sandbox(nr: i64, args: &[u64; 6]) -> bool {
    const NEW: u64 = (libc::CLONE_NEWNS
        | libc::CLONE_NEWUSER
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWNET
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWUTS
        | libc::CLONE_NEWCGROUP) as u64;
    match nr {
        libc::SYS_unshare
        | libc::SYS_setns
        | libc::SYS_mount
        | libc::SYS_pivot_root
        | libc::SYS_chroot => true,
        libc::SYS_clone => args[0] & NEW != 0,
        _ => false,
    }
}

/// The calls whose arguments the failure summary shows: the same name asks for very
/// different things (a thread or a namespace, a UNIX or a netlink socket).
pub fn arguments_matter(name: &str) -> bool {
    matches!(name, "clone" | "socket" | "ioctl" | "prctl" | "unshare")
}

pub(super) fn decode_arg(name: &str, index: usize, v: u64) -> String {
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
        Kind::LockOp => flags(v32, LOCK_OPS).join("|"),
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
const LOCK_OPS: &[(u32, &str)] = table![LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN];

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
    use super::*;
    use crate::sandbox::testutil::TIOCSTI;

    #[test]
    fn calls_are_decoded() {
        let d = |name: &str, args: [u64; 6]| describe(syscalls::number(name).unwrap(), &args);
        assert_eq!(
            d("socket", [2, 1 | 0x80000, 0, 0, 0, 0]),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"
        );
        assert_eq!(d("uname", [0x7ffd_0000, 0, 0, 0, 0, 0]), "uname(…)");
        assert_eq!(d("flock", [3, 6, 0, 0, 0, 0]), "flock(3, LOCK_EX|LOCK_NB)");
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
}
