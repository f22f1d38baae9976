//! The built-in policies, resolved (`extends:` merged, syscall groups expanded) and
//! constructed directly: `policy::load(NAME)` returns these values, with no YAML parsing
//! at run time.
//!
//! GENERATED from `policies/*.yaml` by `src/sandbox/builtin_policies_gen.rs`, with the
//! policy parser; do not edit. After changing a policy file, regenerate with
//!
//! ```text
//! UPDATE_BUILTIN_POLICIES=1 cargo test --lib builtin_policies_are_fresh
//! ```
//!
//! (without the variable, that test fails while this file is out of date).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::policy::*;

/// The built-in policy `name`, or `None` when there is no such built-in.
pub(super) fn policy(name: &str) -> Option<Policy> {
    Some(match name {
        "strict" => strict(),
        "default" => default(),
        "unprivileged" => unprivileged(),
        "none" => none(),
        "devtools" => devtools(),
        _ => return None,
    })
}

/// The built-in policy `strict` (`policies/strict.yaml`).
fn strict() -> Policy {
    Policy {
        name: "strict".to_string(),
        namespaces: BTreeSet::from([
            Namespace::User,
            Namespace::Mount,
            Namespace::Network,
            Namespace::Ipc,
            Namespace::Uts,
            Namespace::Cgroup,
        ]),
        binds: vec![
            Bind { source: PathBuf::from("/dev/null"), target: PathBuf::from("/dev/null"), optional: false, device: true },
        ],
        symlinks: vec![],
        tmpfs: vec![],
        network: false,
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            ("core".to_string(), (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), names(&[
                    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
                    "epoll_wait", "eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll",
                    "pselect6", "select", "signalfd4",
                ])),
                ("io".to_string(), names(&[
                    "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64",
                    "fallocate", "fcntl", "fdatasync", "flock", "fstat", "fstatfs", "fsync",
                    "ftruncate", "getdents64", "lseek", "newfstatat", "pread64", "preadv",
                    "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "sendfile",
                    "splice", "statx", "sync_file_range", "tee", "write", "writev",
                ])),
                ("memory".to_string(), names(&[
                    "brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap",
                    "mprotect", "mremap", "msync", "munlock", "munmap",
                ])),
                ("paths".to_string(), names(&[
                    "access", "chdir", "faccessat", "faccessat2", "fchdir", "fchmod", "fchmodat",
                    "getcwd", "linkat", "lstat", "mkdirat", "open", "openat", "openat2", "readlink",
                    "readlinkat", "renameat", "renameat2", "stat", "statfs", "symlinkat",
                    "unlinkat", "utimensat",
                ])),
                ("process".to_string(), names(&[
                    "arch_prctl", "capget", "execve", "execveat", "exit", "exit_group", "fork",
                    "futex", "futex_waitv", "get_robust_list", "getegid", "geteuid", "getgid",
                    "getgroups", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
                    "getresuid", "getrusage", "gettid", "getuid", "kill", "prctl", "prlimit64",
                    "rseq", "sched_getaffinity", "sched_yield", "set_robust_list",
                    "set_tid_address", "tgkill", "tkill", "uname", "vfork", "wait4", "waitid",
                ])),
                ("signals".to_string(), names(&[
                    "pause", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
                    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
                ])),
                ("sockets".to_string(), names(&[
                    "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
                    "getsockopt", "listen", "recvfrom", "recvmmsg", "recvmsg", "sendmmsg",
                    "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair",
                ])),
                ("time".to_string(), names(&[
                    "alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer",
                    "gettimeofday", "nanosleep", "setitimer", "time", "timer_create",
                    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
                    "timerfd_create", "timerfd_gettime", "timerfd_settime",
                ])),
            ]),
            allow: names(&[
                "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget",
                "chdir", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
                "connect", "copy_file_range", "dup", "dup2", "dup3", "epoll_create",
                "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
                "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
                "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fcntl",
                "fdatasync", "flock", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
                "futex_waitv", "get_robust_list", "getcwd", "getdents64", "getegid", "geteuid",
                "getgid", "getgroups", "getitimer", "getpeername", "getpid", "getppid",
                "getpriority", "getrandom", "getresgid", "getresuid", "getrusage", "getsockname",
                "getsockopt", "gettid", "gettimeofday", "getuid", "kill", "linkat", "listen",
                "lseek", "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mkdirat",
                "mlock", "mmap", "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep",
                "newfstatat", "open", "openat", "openat2", "pause", "pipe", "pipe2", "poll",
                "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "pselect6",
                "pwrite64", "pwritev", "pwritev2", "read", "readlink", "readlinkat", "readv",
                "recvfrom", "recvmmsg", "recvmsg", "renameat", "renameat2", "rseq", "rt_sigaction",
                "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
                "rt_sigsuspend", "rt_sigtimedwait", "sched_getaffinity", "sched_yield", "select",
                "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address",
                "setitimer", "setsockopt", "shutdown", "sigaltstack", "signalfd4", "socketpair",
                "splice", "stat", "statfs", "statx", "symlinkat", "sync_file_range", "tee",
                "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
                "timerfd_settime", "tkill", "uname", "unlinkat", "utimensat", "vfork", "wait4",
                "waitid", "write", "writev",
            ]),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
            ]),
            rules: BTreeMap::from([
                (
                    "clone",
                    SyscallRule {
                        nr: 56,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "ioctl",
                    SyscallRule {
                        nr: 16,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c },
                            ],
                        ],
                    },
                ),
                (
                    "socket",
                    SyscallRule {
                        nr: 41,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x1 },
                            ],
                        ],
                    },
                ),
            ]),
        }),
    }
}

/// The built-in policy `default` (`policies/default.yaml`).
fn default() -> Policy {
    Policy {
        name: "default".to_string(),
        namespaces: BTreeSet::from([
            Namespace::User,
            Namespace::Mount,
            Namespace::Network,
            Namespace::Ipc,
            Namespace::Uts,
            Namespace::Cgroup,
        ]),
        binds: vec![
            Bind { source: PathBuf::from("/dev/null"), target: PathBuf::from("/dev/null"), optional: false, device: true },
            Bind { source: PathBuf::from("/usr/lib"), target: PathBuf::from("/usr/lib"), optional: false, device: false },
            Bind { source: PathBuf::from("/usr/lib64"), target: PathBuf::from("/usr/lib64"), optional: true, device: false },
            Bind { source: PathBuf::from("/lib32"), target: PathBuf::from("/lib32"), optional: true, device: false },
            Bind { source: PathBuf::from("/usr/lib32"), target: PathBuf::from("/usr/lib32"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ld.so.cache"), target: PathBuf::from("/etc/ld.so.cache"), optional: true, device: false },
        ],
        symlinks: vec![
            Symlink { link: PathBuf::from("/lib"), target: PathBuf::from("usr/lib") },
            Symlink { link: PathBuf::from("/lib64"), target: PathBuf::from("usr/lib64") },
        ],
        tmpfs: vec![],
        network: false,
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            ("core".to_string(), (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), names(&[
                    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
                    "epoll_wait", "eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll",
                    "pselect6", "select", "signalfd4",
                ])),
                ("io".to_string(), names(&[
                    "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64",
                    "fallocate", "fcntl", "fdatasync", "flock", "fstat", "fstatfs", "fsync",
                    "ftruncate", "getdents64", "lseek", "newfstatat", "pread64", "preadv",
                    "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "sendfile",
                    "splice", "statx", "sync_file_range", "tee", "write", "writev",
                ])),
                ("memory".to_string(), names(&[
                    "brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap",
                    "mprotect", "mremap", "msync", "munlock", "munmap",
                ])),
                ("paths".to_string(), names(&[
                    "access", "chdir", "faccessat", "faccessat2", "fchdir", "fchmod", "fchmodat",
                    "getcwd", "linkat", "lstat", "mkdirat", "open", "openat", "openat2", "readlink",
                    "readlinkat", "renameat", "renameat2", "stat", "statfs", "symlinkat",
                    "unlinkat", "utimensat",
                ])),
                ("process".to_string(), names(&[
                    "arch_prctl", "capget", "execve", "execveat", "exit", "exit_group", "fork",
                    "futex", "futex_waitv", "get_robust_list", "getegid", "geteuid", "getgid",
                    "getgroups", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
                    "getresuid", "getrusage", "gettid", "getuid", "kill", "prctl", "prlimit64",
                    "rseq", "sched_getaffinity", "sched_yield", "set_robust_list",
                    "set_tid_address", "tgkill", "tkill", "uname", "vfork", "wait4", "waitid",
                ])),
                ("signals".to_string(), names(&[
                    "pause", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
                    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
                ])),
                ("sockets".to_string(), names(&[
                    "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
                    "getsockopt", "listen", "recvfrom", "recvmmsg", "recvmsg", "sendmmsg",
                    "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair",
                ])),
                ("time".to_string(), names(&[
                    "alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer",
                    "gettimeofday", "nanosleep", "setitimer", "time", "timer_create",
                    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
                    "timerfd_create", "timerfd_gettime", "timerfd_settime",
                ])),
            ]),
            allow: names(&[
                "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget",
                "chdir", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
                "connect", "copy_file_range", "dup", "dup2", "dup3", "epoll_create",
                "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
                "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
                "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fcntl",
                "fdatasync", "flock", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
                "futex_waitv", "get_robust_list", "getcwd", "getdents64", "getegid", "geteuid",
                "getgid", "getgroups", "getitimer", "getpeername", "getpid", "getppid",
                "getpriority", "getrandom", "getresgid", "getresuid", "getrusage", "getsockname",
                "getsockopt", "gettid", "gettimeofday", "getuid", "kill", "linkat", "listen",
                "lseek", "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mkdirat",
                "mlock", "mmap", "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep",
                "newfstatat", "open", "openat", "openat2", "pause", "pipe", "pipe2", "poll",
                "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "pselect6",
                "pwrite64", "pwritev", "pwritev2", "read", "readlink", "readlinkat", "readv",
                "recvfrom", "recvmmsg", "recvmsg", "renameat", "renameat2", "rseq", "rt_sigaction",
                "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
                "rt_sigsuspend", "rt_sigtimedwait", "sched_getaffinity", "sched_yield", "select",
                "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address",
                "setitimer", "setsockopt", "shutdown", "sigaltstack", "signalfd4", "socketpair",
                "splice", "stat", "statfs", "statx", "symlinkat", "sync_file_range", "tee",
                "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
                "timerfd_settime", "tkill", "uname", "unlinkat", "utimensat", "vfork", "wait4",
                "waitid", "write", "writev",
            ]),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
            ]),
            rules: BTreeMap::from([
                (
                    "clone",
                    SyscallRule {
                        nr: 56,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "ioctl",
                    SyscallRule {
                        nr: 16,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c },
                            ],
                        ],
                    },
                ),
                (
                    "socket",
                    SyscallRule {
                        nr: 41,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x1 },
                            ],
                        ],
                    },
                ),
            ]),
        }),
    }
}

/// The built-in policy `unprivileged` (`policies/unprivileged.yaml`).
fn unprivileged() -> Policy {
    Policy {
        name: "unprivileged".to_string(),
        namespaces: BTreeSet::from([]),
        binds: vec![
            Bind { source: PathBuf::from("/dev/null"), target: PathBuf::from("/dev/null"), optional: false, device: true },
            Bind { source: PathBuf::from("/usr/lib"), target: PathBuf::from("/usr/lib"), optional: false, device: false },
            Bind { source: PathBuf::from("/usr/lib64"), target: PathBuf::from("/usr/lib64"), optional: true, device: false },
            Bind { source: PathBuf::from("/lib32"), target: PathBuf::from("/lib32"), optional: true, device: false },
            Bind { source: PathBuf::from("/usr/lib32"), target: PathBuf::from("/usr/lib32"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ld.so.cache"), target: PathBuf::from("/etc/ld.so.cache"), optional: true, device: false },
        ],
        symlinks: vec![
            Symlink { link: PathBuf::from("/lib"), target: PathBuf::from("usr/lib") },
            Symlink { link: PathBuf::from("/lib64"), target: PathBuf::from("usr/lib64") },
        ],
        tmpfs: vec![],
        network: false,
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: None,
        rlimits: BTreeMap::from([
            ("core".to_string(), (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), names(&[
                    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
                    "epoll_wait", "eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll",
                    "pselect6", "select", "signalfd4",
                ])),
                ("io".to_string(), names(&[
                    "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64",
                    "fallocate", "fcntl", "fdatasync", "flock", "fstat", "fstatfs", "fsync",
                    "ftruncate", "getdents64", "lseek", "newfstatat", "pread64", "preadv",
                    "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "sendfile",
                    "splice", "statx", "sync_file_range", "tee", "write", "writev",
                ])),
                ("memory".to_string(), names(&[
                    "brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap",
                    "mprotect", "mremap", "msync", "munlock", "munmap",
                ])),
                ("paths".to_string(), names(&[
                    "access", "chdir", "faccessat", "faccessat2", "fchdir", "fchmod", "fchmodat",
                    "getcwd", "linkat", "lstat", "mkdirat", "open", "openat", "openat2", "readlink",
                    "readlinkat", "renameat", "renameat2", "stat", "statfs", "symlinkat",
                    "unlinkat", "utimensat",
                ])),
                ("process".to_string(), names(&[
                    "arch_prctl", "capget", "execve", "execveat", "exit", "exit_group", "fork",
                    "futex", "futex_waitv", "get_robust_list", "getegid", "geteuid", "getgid",
                    "getgroups", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
                    "getresuid", "getrusage", "gettid", "getuid", "kill", "prctl", "prlimit64",
                    "rseq", "sched_getaffinity", "sched_yield", "set_robust_list",
                    "set_tid_address", "tgkill", "tkill", "uname", "vfork", "wait4", "waitid",
                ])),
                ("signals".to_string(), names(&[
                    "pause", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
                    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
                ])),
                ("sockets".to_string(), names(&[
                    "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
                    "getsockopt", "listen", "recvfrom", "recvmmsg", "recvmsg", "sendmmsg",
                    "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair",
                ])),
                ("time".to_string(), names(&[
                    "alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer",
                    "gettimeofday", "nanosleep", "setitimer", "time", "timer_create",
                    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
                    "timerfd_create", "timerfd_gettime", "timerfd_settime",
                ])),
            ]),
            allow: names(&[
                "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget",
                "chdir", "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range",
                "connect", "copy_file_range", "dup", "dup2", "dup3", "epoll_create",
                "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
                "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
                "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fcntl",
                "fdatasync", "flock", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
                "futex_waitv", "get_robust_list", "getcwd", "getdents64", "getegid", "geteuid",
                "getgid", "getgroups", "getitimer", "getpeername", "getpid", "getppid",
                "getpriority", "getrandom", "getresgid", "getresuid", "getrusage", "getsockname",
                "getsockopt", "gettid", "gettimeofday", "getuid", "kill", "linkat", "listen",
                "lseek", "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mkdirat",
                "mlock", "mmap", "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep",
                "newfstatat", "open", "openat", "openat2", "pause", "pipe", "pipe2", "poll",
                "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "pselect6",
                "pwrite64", "pwritev", "pwritev2", "read", "readlink", "readlinkat", "readv",
                "recvfrom", "recvmmsg", "recvmsg", "renameat", "renameat2", "rseq", "rt_sigaction",
                "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
                "rt_sigsuspend", "rt_sigtimedwait", "sched_getaffinity", "sched_yield", "select",
                "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address",
                "setitimer", "setsockopt", "shutdown", "sigaltstack", "signalfd4", "socketpair",
                "splice", "stat", "statfs", "statx", "symlinkat", "sync_file_range", "tee",
                "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
                "timerfd_settime", "tkill", "uname", "unlinkat", "utimensat", "vfork", "wait4",
                "waitid", "write", "writev",
            ]),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
            ]),
            rules: BTreeMap::from([
                (
                    "clone",
                    SyscallRule {
                        nr: 56,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "ioctl",
                    SyscallRule {
                        nr: 16,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c },
                            ],
                        ],
                    },
                ),
            ]),
        }),
    }
}

/// The built-in policy `none` (`policies/none.yaml`).
fn none() -> Policy {
    Policy {
        name: "none".to_string(),
        namespaces: BTreeSet::from([]),
        binds: vec![],
        symlinks: vec![],
        tmpfs: vec![],
        network: false,
        landlock: LandlockMode::Off,
        capabilities: CapsMode::Keep,
        hostname: None,
        rlimits: BTreeMap::from([]),
        seccomp: None,
    }
}

/// The built-in policy `devtools` (`policies/devtools.yaml`).
fn devtools() -> Policy {
    Policy {
        name: "devtools".to_string(),
        namespaces: BTreeSet::from([
            Namespace::User,
            Namespace::Mount,
            Namespace::Network,
            Namespace::Ipc,
            Namespace::Uts,
            Namespace::Cgroup,
        ]),
        binds: vec![
            Bind { source: PathBuf::from("/dev/null"), target: PathBuf::from("/dev/null"), optional: false, device: true },
            Bind { source: PathBuf::from("/usr"), target: PathBuf::from("/usr"), optional: false, device: false },
            Bind { source: PathBuf::from("/etc/passwd"), target: PathBuf::from("/etc/passwd"), optional: false, device: false },
            Bind { source: PathBuf::from("/etc/group"), target: PathBuf::from("/etc/group"), optional: false, device: false },
            Bind { source: PathBuf::from("/etc/alternatives"), target: PathBuf::from("/etc/alternatives"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ld.so.cache"), target: PathBuf::from("/etc/ld.so.cache"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ld.so.conf"), target: PathBuf::from("/etc/ld.so.conf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ld.so.conf.d"), target: PathBuf::from("/etc/ld.so.conf.d"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/nsswitch.conf"), target: PathBuf::from("/etc/nsswitch.conf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/hosts"), target: PathBuf::from("/etc/hosts"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/localtime"), target: PathBuf::from("/etc/localtime"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ssl"), target: PathBuf::from("/etc/ssl"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ca-certificates"), target: PathBuf::from("/etc/ca-certificates"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/resolv.conf"), target: PathBuf::from("/etc/resolv.conf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/mime.types"), target: PathBuf::from("/etc/mime.types"), optional: true, device: false },
            Bind { source: PathBuf::from("/dev/zero"), target: PathBuf::from("/dev/zero"), optional: false, device: true },
            Bind { source: PathBuf::from("/dev/full"), target: PathBuf::from("/dev/full"), optional: false, device: true },
            Bind { source: PathBuf::from("/dev/random"), target: PathBuf::from("/dev/random"), optional: false, device: true },
            Bind { source: PathBuf::from("/dev/urandom"), target: PathBuf::from("/dev/urandom"), optional: false, device: true },
        ],
        symlinks: vec![
            Symlink { link: PathBuf::from("/bin"), target: PathBuf::from("usr/bin") },
            Symlink { link: PathBuf::from("/sbin"), target: PathBuf::from("usr/sbin") },
            Symlink { link: PathBuf::from("/lib"), target: PathBuf::from("usr/lib") },
            Symlink { link: PathBuf::from("/lib64"), target: PathBuf::from("usr/lib64") },
        ],
        tmpfs: vec![
            PathBuf::from("/tmp"),
        ],
        network: false,
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            ("core".to_string(), (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), names(&[
                    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
                    "epoll_wait", "eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll",
                    "pselect6", "select", "signalfd4",
                ])),
                ("files".to_string(), names(&[
                    "chmod", "creat", "fchmodat2", "futimesat", "getdents", "link", "mkdir",
                    "mknod", "mknodat", "readahead", "rename", "rmdir", "symlink", "sync", "syncfs",
                    "truncate", "umask", "unlink", "utime", "utimes",
                ])),
                ("ids".to_string(), names(&[
                    "setfsgid", "setfsuid", "setgid", "setregid", "setresgid", "setresuid",
                    "setreuid", "setuid",
                ])),
                ("inotify".to_string(), names(&[
                    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
                ])),
                ("io".to_string(), names(&[
                    "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64",
                    "fallocate", "fcntl", "fdatasync", "flock", "fstat", "fstatfs", "fsync",
                    "ftruncate", "getdents64", "lseek", "newfstatat", "pread64", "preadv",
                    "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "sendfile",
                    "splice", "statx", "sync_file_range", "tee", "write", "writev",
                ])),
                ("jobs".to_string(), names(&[
                    "getcpu", "getpgid", "getpgrp", "getrlimit", "getsid", "pidfd_open",
                    "pidfd_send_signal", "rt_tgsigqueueinfo", "sched_get_priority_max",
                    "sched_get_priority_min", "sched_getparam", "sched_getscheduler",
                    "sched_setaffinity", "setpgid", "setpriority", "setrlimit", "setsid",
                    "signalfd", "sysinfo", "times",
                ])),
                ("memory".to_string(), names(&[
                    "brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap",
                    "mprotect", "mremap", "msync", "munlock", "munmap",
                ])),
                ("paths".to_string(), names(&[
                    "access", "chdir", "faccessat", "faccessat2", "fchdir", "fchmod", "fchmodat",
                    "getcwd", "linkat", "lstat", "mkdirat", "open", "openat", "openat2", "readlink",
                    "readlinkat", "renameat", "renameat2", "stat", "statfs", "symlinkat",
                    "unlinkat", "utimensat",
                ])),
                ("process".to_string(), names(&[
                    "arch_prctl", "capget", "execve", "execveat", "exit", "exit_group", "fork",
                    "futex", "futex_waitv", "get_robust_list", "getegid", "geteuid", "getgid",
                    "getgroups", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
                    "getresuid", "getrusage", "gettid", "getuid", "kill", "prctl", "prlimit64",
                    "rseq", "sched_getaffinity", "sched_yield", "set_robust_list",
                    "set_tid_address", "tgkill", "tkill", "uname", "vfork", "wait4", "waitid",
                ])),
                ("signals".to_string(), names(&[
                    "pause", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
                    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
                ])),
                ("sockets".to_string(), names(&[
                    "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
                    "getsockopt", "listen", "recvfrom", "recvmmsg", "recvmsg", "sendmmsg",
                    "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair",
                ])),
                ("time".to_string(), names(&[
                    "alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer",
                    "gettimeofday", "nanosleep", "setitimer", "time", "timer_create",
                    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
                    "timerfd_create", "timerfd_gettime", "timerfd_settime",
                ])),
                ("xattr-read".to_string(), names(&[
                    "fgetxattr", "flistxattr", "getxattr", "lgetxattr", "listxattr", "llistxattr",
                ])),
            ]),
            allow: names(&[
                "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget",
                "chdir", "chmod", "clock_getres", "clock_gettime", "clock_nanosleep", "close",
                "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
                "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
                "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
                "faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat",
                "fchmodat2", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
                "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv", "futimesat",
                "get_robust_list", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
                "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp",
                "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresuid",
                "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
                "gettimeofday", "getuid", "getxattr", "inotify_add_watch", "inotify_init",
                "inotify_init1", "inotify_rm_watch", "kill", "lgetxattr", "link", "linkat",
                "listen", "listxattr", "llistxattr", "lseek", "lstat", "madvise", "membarrier",
                "memfd_create", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mmap",
                "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep", "newfstatat",
                "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
                "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
                "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
                "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "rename", "renameat",
                "renameat2", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
                "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
                "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
                "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_setaffinity",
                "sched_yield", "select", "sendfile", "sendmmsg", "sendmsg", "sendto",
                "set_robust_list", "set_tid_address", "setfsgid", "setfsuid", "setgid", "setitimer",
                "setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid",
                "setrlimit", "setsid", "setsockopt", "setuid", "shutdown", "sigaltstack",
                "signalfd", "signalfd4", "socketpair", "splice", "stat", "statfs", "statx",
                "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
                "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
                "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
                "unlinkat", "utime", "utimensat", "utimes", "vfork", "wait4", "waitid", "write",
                "writev",
            ]),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
            ]),
            rules: BTreeMap::from([
                (
                    "clone",
                    SyscallRule {
                        nr: 56,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "ioctl",
                    SyscallRule {
                        nr: 16,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c },
                            ],
                        ],
                    },
                ),
                (
                    "socket",
                    SyscallRule {
                        nr: 41,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x1 },
                            ],
                        ],
                    },
                ),
            ]),
        }),
    }
}

/// A set of system call names.
fn names(list: &[&'static str]) -> BTreeSet<&'static str> {
    list.iter().copied().collect()
}
