//! The built-in policies, resolved (`extends:` merged, syscall groups expanded) and
//! constructed directly: `policy::load(NAME)` returns these values, with no YAML parsing
//! at run time; and their seccomp programs, compiled ahead (`builtins::precompiled`
//! returns them for unmodified inputs).
//!
//! GENERATED from `policies/*.yaml` by `src/sandbox/builtins/generate.rs`, with the
//! policy parser and the seccomp compiler; do not edit. After changing a policy file or
//! the compiler, regenerate with
//!
//! ```text
//! UPDATE_BUILTIN_POLICIES=1 cargo test --lib builtin_policies_are_fresh
//! ```
//!
//! (without the variable, that test fails while this file is out of date).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::sandbox::policy::model::*;
use crate::sandbox::seccomp::{sock_filter, Precompiled};
use crate::sandbox::syscalls::{syscall_names, Name};

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
            Namespace::Pid,
        ]),
        binds: vec![
            Bind { source: PathBuf::from("/dev/null"), target: PathBuf::from("/dev/null"), optional: false, device: true },
        ],
        symlinks: vec![],
        tmpfs: vec![],
        network: Network::None,
        proc: false,
        list_root: false,
        pts: false,
        toolchain_etc: false,
        limits: Limits { tasks: Some(1024), tmpfs: None, tmpfs_inodes: None },
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            (Rlimit::Core, (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), Names::from_sorted(STRICT_EVENTS)),
                ("io".to_string(), Names::from_sorted(STRICT_IO)),
                ("memory".to_string(), Names::from_sorted(STRICT_MEMORY)),
                ("paths".to_string(), Names::from_sorted(STRICT_PATHS)),
                ("process".to_string(), Names::from_sorted(STRICT_PROCESS)),
                ("signals".to_string(), Names::from_sorted(STRICT_SIGNALS)),
                ("sockets".to_string(), Names::from_sorted(STRICT_SOCKETS)),
                ("time".to_string(), Names::from_sorted(STRICT_TIME)),
            ]),
            allow: Names::from_sorted(STRICT_ALLOW),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
                ("openat2", libc::ENOSYS as u32),
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
                    "fcntl",
                    SyscallRule {
                        nr: 72,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 },
                            ],
                        ],
                    },
                ),
                (
                    "flock",
                    SyscallRule {
                        nr: 73,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x2), op: CmpOp::Eq, value: 0x0 },
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
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 },
                            ],
                        ],
                    },
                ),
                (
                    "mkdirat",
                    SyscallRule {
                        nr: 258,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "open",
                    SyscallRule {
                        nr: 2,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "openat",
                    SyscallRule {
                        nr: 257,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
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
        host_writable_dirs: false,
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
            Namespace::Pid,
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
        network: Network::None,
        proc: false,
        list_root: false,
        pts: false,
        toolchain_etc: false,
        limits: Limits { tasks: Some(1024), tmpfs: None, tmpfs_inodes: None },
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            (Rlimit::Core, (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), Names::from_sorted(STRICT_EVENTS)),
                ("io".to_string(), Names::from_sorted(STRICT_IO)),
                ("memory".to_string(), Names::from_sorted(STRICT_MEMORY)),
                ("paths".to_string(), Names::from_sorted(STRICT_PATHS)),
                ("process".to_string(), Names::from_sorted(STRICT_PROCESS)),
                ("signals".to_string(), Names::from_sorted(STRICT_SIGNALS)),
                ("sockets".to_string(), Names::from_sorted(STRICT_SOCKETS)),
                ("time".to_string(), Names::from_sorted(STRICT_TIME)),
            ]),
            allow: Names::from_sorted(STRICT_ALLOW),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
                ("openat2", libc::ENOSYS as u32),
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
                    "fcntl",
                    SyscallRule {
                        nr: 72,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 },
                            ],
                        ],
                    },
                ),
                (
                    "flock",
                    SyscallRule {
                        nr: 73,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x2), op: CmpOp::Eq, value: 0x0 },
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
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 },
                            ],
                        ],
                    },
                ),
                (
                    "mkdirat",
                    SyscallRule {
                        nr: 258,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "open",
                    SyscallRule {
                        nr: 2,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "openat",
                    SyscallRule {
                        nr: 257,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
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
        host_writable_dirs: false,
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
        network: Network::None,
        proc: false,
        list_root: false,
        pts: false,
        toolchain_etc: false,
        limits: Limits { tasks: None, tmpfs: None, tmpfs_inodes: None },
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: None,
        rlimits: BTreeMap::from([
            (Rlimit::Core, (0, 0)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("events".to_string(), Names::from_sorted(STRICT_EVENTS)),
                ("io".to_string(), Names::from_sorted(STRICT_IO)),
                ("memory".to_string(), Names::from_sorted(STRICT_MEMORY)),
                ("paths".to_string(), Names::from_sorted(STRICT_PATHS)),
                ("process".to_string(), Names::from_sorted(STRICT_PROCESS)),
                ("signals".to_string(), Names::from_sorted(STRICT_SIGNALS)),
                ("sockets".to_string(), Names::from_sorted(STRICT_SOCKETS)),
                ("time".to_string(), Names::from_sorted(STRICT_TIME)),
            ]),
            allow: Names::from_sorted(UNPRIVILEGED_ALLOW),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
                ("openat2", libc::ENOSYS as u32),
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
                    "fcntl",
                    SyscallRule {
                        nr: 72,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 },
                            ],
                        ],
                    },
                ),
                (
                    "flock",
                    SyscallRule {
                        nr: 73,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x2), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "getpriority",
                    SyscallRule {
                        nr: 140,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 },
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
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 },
                            ],
                        ],
                    },
                ),
                (
                    "mkdirat",
                    SyscallRule {
                        nr: 258,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "open",
                    SyscallRule {
                        nr: 2,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "openat",
                    SyscallRule {
                        nr: 257,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "prlimit64",
                    SyscallRule {
                        nr: 302,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "sched_getaffinity",
                    SyscallRule {
                        nr: 204,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
            ]),
        }),
        host_writable_dirs: false,
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
        network: Network::None,
        proc: false,
        list_root: false,
        pts: false,
        toolchain_etc: false,
        limits: Limits { tasks: None, tmpfs: None, tmpfs_inodes: None },
        landlock: LandlockMode::Off,
        capabilities: CapsMode::Keep,
        hostname: None,
        rlimits: BTreeMap::from([]),
        seccomp: None,
        host_writable_dirs: true,
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
            Namespace::Pid,
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
            Bind { source: PathBuf::from("/etc/ssl/certs"), target: PathBuf::from("/etc/ssl/certs"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ssl/openssl.cnf"), target: PathBuf::from("/etc/ssl/openssl.cnf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ca-certificates"), target: PathBuf::from("/etc/ca-certificates"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/ca-certificates.conf"), target: PathBuf::from("/etc/ca-certificates.conf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/pki/tls/certs"), target: PathBuf::from("/etc/pki/tls/certs"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/pki/tls/cert.pem"), target: PathBuf::from("/etc/pki/tls/cert.pem"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/pki/tls/openssl.cnf"), target: PathBuf::from("/etc/pki/tls/openssl.cnf"), optional: true, device: false },
            Bind { source: PathBuf::from("/etc/pki/ca-trust/extracted"), target: PathBuf::from("/etc/pki/ca-trust/extracted"), optional: true, device: false },
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
            Symlink { link: PathBuf::from("/dev/fd"), target: PathBuf::from("/proc/self/fd") },
            Symlink { link: PathBuf::from("/dev/stdin"), target: PathBuf::from("/proc/self/fd/0") },
            Symlink { link: PathBuf::from("/dev/stdout"), target: PathBuf::from("/proc/self/fd/1") },
            Symlink { link: PathBuf::from("/dev/stderr"), target: PathBuf::from("/proc/self/fd/2") },
        ],
        tmpfs: vec![
            PathBuf::from("/tmp"),
            PathBuf::from("/dev/shm"),
        ],
        network: Network::Loopback,
        proc: true,
        list_root: true,
        pts: true,
        toolchain_etc: true,
        limits: Limits { tasks: Some(2048), tmpfs: Some(1073741824), tmpfs_inodes: None },
        landlock: LandlockMode::Required,
        capabilities: CapsMode::Drop,
        hostname: Some("sandbox".to_string()),
        rlimits: BTreeMap::from([
            (Rlimit::Core, (0, libc::RLIM_INFINITY)),
        ]),
        seccomp: Some(SeccompPolicy {
            default_action: Action::Errno(libc::EPERM as u32),
            groups: BTreeMap::from([
                ("debug".to_string(), Names::from_sorted(DEVTOOLS_DEBUG)),
                ("events".to_string(), Names::from_sorted(STRICT_EVENTS)),
                ("files".to_string(), Names::from_sorted(DEVTOOLS_FILES)),
                ("ids".to_string(), Names::from_sorted(DEVTOOLS_IDS)),
                ("inotify".to_string(), Names::from_sorted(DEVTOOLS_INOTIFY)),
                ("io".to_string(), Names::from_sorted(STRICT_IO)),
                ("jobs".to_string(), Names::from_sorted(DEVTOOLS_JOBS)),
                ("memory".to_string(), Names::from_sorted(STRICT_MEMORY)),
                ("owners".to_string(), Names::from_sorted(DEVTOOLS_OWNERS)),
                ("paths".to_string(), Names::from_sorted(STRICT_PATHS)),
                ("process".to_string(), Names::from_sorted(STRICT_PROCESS)),
                ("signals".to_string(), Names::from_sorted(STRICT_SIGNALS)),
                ("sockets".to_string(), Names::from_sorted(STRICT_SOCKETS)),
                ("stacking".to_string(), Names::from_sorted(DEVTOOLS_STACKING)),
                ("time".to_string(), Names::from_sorted(STRICT_TIME)),
                ("xattr-read".to_string(), Names::from_sorted(DEVTOOLS_XATTR_READ)),
                ("xattr-write".to_string(), Names::from_sorted(DEVTOOLS_XATTR_WRITE)),
            ]),
            allow: Names::from_sorted(DEVTOOLS_ALLOW),
            errno: BTreeMap::from([
                ("clone3", libc::ENOSYS as u32),
                ("openat2", libc::ENOSYS as u32),
            ]),
            rules: BTreeMap::from([
                (
                    "chmod",
                    SyscallRule {
                        nr: 90,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
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
                    "creat",
                    SyscallRule {
                        nr: 85,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "fchmod",
                    SyscallRule {
                        nr: 91,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "fchmodat",
                    SyscallRule {
                        nr: 268,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "fchmodat2",
                    SyscallRule {
                        nr: 452,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "fcntl",
                    SyscallRule {
                        nr: 72,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 },
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
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 },
                                ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 },
                            ],
                        ],
                    },
                ),
                (
                    "mkdir",
                    SyscallRule {
                        nr: 83,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "mkdirat",
                    SyscallRule {
                        nr: 258,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "mknod",
                    SyscallRule {
                        nr: 133,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "mknodat",
                    SyscallRule {
                        nr: 259,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "open",
                    SyscallRule {
                        nr: 2,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "openat",
                    SyscallRule {
                        nr: 257,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 },
                            ],
                            vec![
                                ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 },
                            ],
                        ],
                    },
                ),
                (
                    "personality",
                    SyscallRule {
                        nr: 135,
                        alternatives: vec![
                            vec![
                                ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0xffffffff },
                            ],
                            vec![
                                ArgCondition { index: 0, wide: false, mask: Some(0xfffbffff), op: CmpOp::Eq, value: 0x0 },
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
        host_writable_dirs: false,
    }
}

/// The built-in policies' seccomp programs, compiled ahead, with what each was compiled
/// from (one entry per distinct seccomp part; see [`Precompiled`]).
pub(super) static PRECOMPILED: &[Precompiled] = &[
    // `strict`
    Precompiled {
        default_action: Action::Errno(libc::EPERM as u32),
        allow: STRICT_ALLOW,
        errno: &[
            ("clone3", libc::ENOSYS as u32),
            ("openat2", libc::ENOSYS as u32),
        ],
        rules: &[
            ("clone", 56, &[&[ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 }]]),
            ("fcntl", 72, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 }]]),
            ("flock", 73, &[&[ArgCondition { index: 1, wide: false, mask: Some(0x2), op: CmpOp::Eq, value: 0x0 }]]),
            ("ioctl", 16, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 }]]),
            ("mkdirat", 258, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("open", 2, &[&[ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("openat", 257, &[&[ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("socket", 41, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x1 }]]),
        ],
        program: &[
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0xc000003e },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x80000000 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x0 },
            sock_filter { code: 0x0035, jt: 55, jf: 0, k: 0xcc },
            sock_filter { code: 0x0035, jt: 27, jf: 0, k: 0x68 },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x4a },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x29 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x10 },
            sock_filter { code: 0x0035, jt: 0, jf: 106, k: 0x2 },
            sock_filter { code: 0x0035, jt: 105, jf: 149, k: 0x3 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1d },
            sock_filter { code: 0x0035, jt: 103, jf: 126, k: 0x11 },
            sock_filter { code: 0x0035, jt: 102, jf: 104, k: 0x20 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x39 },
            sock_filter { code: 0x0035, jt: 0, jf: 170, k: 0x2a },
            sock_filter { code: 0x0035, jt: 102, jf: 99, k: 0x38 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x48 },
            sock_filter { code: 0x0035, jt: 99, jf: 97, k: 0x40 },
            sock_filter { code: 0x0035, jt: 112, jf: 106, k: 0x49 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x5a },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x4e },
            sock_filter { code: 0x0035, jt: 0, jf: 93, k: 0x4c },
            sock_filter { code: 0x0035, jt: 92, jf: 94, k: 0x4d },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x52 },
            sock_filter { code: 0x0035, jt: 90, jf: 92, k: 0x4f },
            sock_filter { code: 0x0035, jt: 89, jf: 91, k: 0x59 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x62 },
            sock_filter { code: 0x0035, jt: 0, jf: 89, k: 0x60 },
            sock_filter { code: 0x0035, jt: 88, jf: 86, k: 0x61 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x66 },
            sock_filter { code: 0x0035, jt: 86, jf: 84, k: 0x63 },
            sock_filter { code: 0x0035, jt: 85, jf: 83, k: 0x67 },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x7f },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x74 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x6d },
            sock_filter { code: 0x0035, jt: 0, jf: 79, k: 0x69 },
            sock_filter { code: 0x0035, jt: 78, jf: 80, k: 0x6b },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x6f },
            sock_filter { code: 0x0035, jt: 76, jf: 78, k: 0x6e },
            sock_filter { code: 0x0035, jt: 75, jf: 77, k: 0x73 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x78 },
            sock_filter { code: 0x0035, jt: 0, jf: 75, k: 0x76 },
            sock_filter { code: 0x0035, jt: 74, jf: 72, k: 0x77 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x7d },
            sock_filter { code: 0x0035, jt: 72, jf: 70, k: 0x79 },
            sock_filter { code: 0x0035, jt: 71, jf: 69, k: 0x7e },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x97 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x8b },
            sock_filter { code: 0x0035, jt: 0, jf: 66, k: 0x84 },
            sock_filter { code: 0x0035, jt: 65, jf: 67, k: 0x89 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x8d },
            sock_filter { code: 0x0035, jt: 63, jf: 65, k: 0x8c },
            sock_filter { code: 0x0035, jt: 62, jf: 64, k: 0x95 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xba },
            sock_filter { code: 0x0035, jt: 0, jf: 62, k: 0x9d },
            sock_filter { code: 0x0035, jt: 61, jf: 59, k: 0x9f },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xc8 },
            sock_filter { code: 0x0035, jt: 59, jf: 57, k: 0xbb },
            sock_filter { code: 0x0035, jt: 58, jf: 56, k: 0xcb },
            sock_filter { code: 0x0035, jt: 27, jf: 0, k: 0x12c },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x103 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0xe3 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xd6 },
            sock_filter { code: 0x0035, jt: 0, jf: 51, k: 0xcd },
            sock_filter { code: 0x0035, jt: 50, jf: 52, k: 0xd5 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xdc },
            sock_filter { code: 0x0035, jt: 48, jf: 50, k: 0xd9 },
            sock_filter { code: 0x0035, jt: 47, jf: 49, k: 0xdd },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xf7 },
            sock_filter { code: 0x0035, jt: 0, jf: 47, k: 0xe4 },
            sock_filter { code: 0x0035, jt: 46, jf: 44, k: 0xeb },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x101 },
            sock_filter { code: 0x0035, jt: 44, jf: 42, k: 0xf8 },
            sock_filter { code: 0x0035, jt: 78, jf: 98, k: 0x102 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x119 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x10d },
            sock_filter { code: 0x0035, jt: 0, jf: 40, k: 0x106 },
            sock_filter { code: 0x0035, jt: 39, jf: 37, k: 0x10c },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x111 },
            sock_filter { code: 0x0035, jt: 37, jf: 35, k: 0x110 },
            sock_filter { code: 0x0035, jt: 36, jf: 34, k: 0x116 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x126 },
            sock_filter { code: 0x0035, jt: 0, jf: 32, k: 0x11a },
            sock_filter { code: 0x0035, jt: 31, jf: 33, k: 0x11b },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x129 },
            sock_filter { code: 0x0035, jt: 29, jf: 31, k: 0x127 },
            sock_filter { code: 0x0035, jt: 28, jf: 30, k: 0x12b },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x149 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x13e },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x133 },
            sock_filter { code: 0x0035, jt: 0, jf: 26, k: 0x12e },
            sock_filter { code: 0x0035, jt: 25, jf: 23, k: 0x12f },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x13c },
            sock_filter { code: 0x0035, jt: 23, jf: 21, k: 0x134 },
            sock_filter { code: 0x0035, jt: 22, jf: 20, k: 0x13d },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x143 },
            sock_filter { code: 0x0035, jt: 0, jf: 18, k: 0x140 },
            sock_filter { code: 0x0035, jt: 17, jf: 19, k: 0x142 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x145 },
            sock_filter { code: 0x0035, jt: 15, jf: 17, k: 0x144 },
            sock_filter { code: 0x0035, jt: 14, jf: 16, k: 0x146 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x1b5 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x14e },
            sock_filter { code: 0x0035, jt: 0, jf: 13, k: 0x14c },
            sock_filter { code: 0x0035, jt: 12, jf: 10, k: 0x14d },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1b3 },
            sock_filter { code: 0x0035, jt: 10, jf: 8, k: 0x14f },
            sock_filter { code: 0x0035, jt: 7, jf: 8, k: 0x1b4 },
            sock_filter { code: 0x0035, jt: 3, jf: 0, k: 0x1b9 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1b7 },
            sock_filter { code: 0x0035, jt: 6, jf: 5, k: 0x1b6 },
            sock_filter { code: 0x0035, jt: 5, jf: 3, k: 0x1b8 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1c1 },
            sock_filter { code: 0x0035, jt: 3, jf: 1, k: 0x1ba },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x1c2 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50026 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x7e020080 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x400 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x2 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0xc },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 9, jf: 0, k: 0x401c5820 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 7, jf: 0, k: 0x40046602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 5, jf: 0, k: 0x40086602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 3, jf: 0, k: 0x541c },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x5412 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x28 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x1 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
        ],
    },
    // `unprivileged`
    Precompiled {
        default_action: Action::Errno(libc::EPERM as u32),
        allow: UNPRIVILEGED_ALLOW,
        errno: &[
            ("clone3", libc::ENOSYS as u32),
            ("openat2", libc::ENOSYS as u32),
        ],
        rules: &[
            ("clone", 56, &[&[ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 }]]),
            ("fcntl", 72, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 }]]),
            ("flock", 73, &[&[ArgCondition { index: 1, wide: false, mask: Some(0x2), op: CmpOp::Eq, value: 0x0 }]]),
            ("getpriority", 140, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 }]]),
            ("ioctl", 16, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 }]]),
            ("mkdirat", 258, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("open", 2, &[&[ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("openat", 257, &[&[ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("prlimit64", 302, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 }]]),
            ("sched_getaffinity", 204, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x0 }]]),
        ],
        program: &[
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0xc000003e },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x80000000 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x0 },
            sock_filter { code: 0x0035, jt: 54, jf: 0, k: 0xcd },
            sock_filter { code: 0x0035, jt: 26, jf: 0, k: 0x67 },
            sock_filter { code: 0x0035, jt: 12, jf: 0, k: 0x49 },
            sock_filter { code: 0x0035, jt: 5, jf: 0, k: 0x20 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x10 },
            sock_filter { code: 0x0035, jt: 0, jf: 104, k: 0x2 },
            sock_filter { code: 0x0035, jt: 103, jf: 155, k: 0x3 },
            sock_filter { code: 0x0035, jt: 0, jf: 133, k: 0x11 },
            sock_filter { code: 0x0035, jt: 103, jf: 101, k: 0x1d },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x38 },
            sock_filter { code: 0x0035, jt: 0, jf: 99, k: 0x29 },
            sock_filter { code: 0x0035, jt: 98, jf: 100, k: 0x2a },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x40 },
            sock_filter { code: 0x0035, jt: 96, jf: 99, k: 0x39 },
            sock_filter { code: 0x0035, jt: 105, jf: 97, k: 0x48 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x59 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x4d },
            sock_filter { code: 0x0035, jt: 0, jf: 108, k: 0x4a },
            sock_filter { code: 0x0035, jt: 93, jf: 91, k: 0x4c },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x4f },
            sock_filter { code: 0x0035, jt: 91, jf: 89, k: 0x4e },
            sock_filter { code: 0x0035, jt: 90, jf: 88, k: 0x52 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x61 },
            sock_filter { code: 0x0035, jt: 0, jf: 86, k: 0x5a },
            sock_filter { code: 0x0035, jt: 85, jf: 87, k: 0x60 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x63 },
            sock_filter { code: 0x0035, jt: 83, jf: 85, k: 0x62 },
            sock_filter { code: 0x0035, jt: 82, jf: 84, k: 0x66 },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x84 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x73 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x6b },
            sock_filter { code: 0x0035, jt: 0, jf: 80, k: 0x68 },
            sock_filter { code: 0x0035, jt: 79, jf: 77, k: 0x69 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x6e },
            sock_filter { code: 0x0035, jt: 77, jf: 75, k: 0x6d },
            sock_filter { code: 0x0035, jt: 76, jf: 74, k: 0x6f },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x77 },
            sock_filter { code: 0x0035, jt: 0, jf: 72, k: 0x74 },
            sock_filter { code: 0x0035, jt: 71, jf: 73, k: 0x76 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x79 },
            sock_filter { code: 0x0035, jt: 69, jf: 71, k: 0x78 },
            sock_filter { code: 0x0035, jt: 68, jf: 70, k: 0x7f },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x9d },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x8c },
            sock_filter { code: 0x0035, jt: 0, jf: 67, k: 0x89 },
            sock_filter { code: 0x0035, jt: 66, jf: 64, k: 0x8b },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x95 },
            sock_filter { code: 0x0035, jt: 64, jf: 85, k: 0x8d },
            sock_filter { code: 0x0035, jt: 63, jf: 61, k: 0x97 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xbb },
            sock_filter { code: 0x0035, jt: 0, jf: 59, k: 0x9f },
            sock_filter { code: 0x0035, jt: 58, jf: 60, k: 0xba },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xcb },
            sock_filter { code: 0x0035, jt: 56, jf: 58, k: 0xc8 },
            sock_filter { code: 0x0035, jt: 139, jf: 57, k: 0xcc },
            sock_filter { code: 0x0035, jt: 27, jf: 0, k: 0x12e },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x106 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0xe4 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xd9 },
            sock_filter { code: 0x0035, jt: 0, jf: 52, k: 0xd5 },
            sock_filter { code: 0x0035, jt: 51, jf: 49, k: 0xd6 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xdd },
            sock_filter { code: 0x0035, jt: 49, jf: 47, k: 0xdc },
            sock_filter { code: 0x0035, jt: 48, jf: 46, k: 0xe3 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xf8 },
            sock_filter { code: 0x0035, jt: 0, jf: 44, k: 0xeb },
            sock_filter { code: 0x0035, jt: 43, jf: 45, k: 0xf7 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x102 },
            sock_filter { code: 0x0035, jt: 106, jf: 43, k: 0x101 },
            sock_filter { code: 0x0035, jt: 42, jf: 85, k: 0x103 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x11a },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x110 },
            sock_filter { code: 0x0035, jt: 0, jf: 37, k: 0x10c },
            sock_filter { code: 0x0035, jt: 36, jf: 38, k: 0x10d },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x116 },
            sock_filter { code: 0x0035, jt: 34, jf: 36, k: 0x111 },
            sock_filter { code: 0x0035, jt: 33, jf: 35, k: 0x119 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x127 },
            sock_filter { code: 0x0035, jt: 0, jf: 33, k: 0x11b },
            sock_filter { code: 0x0035, jt: 32, jf: 30, k: 0x126 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x12b },
            sock_filter { code: 0x0035, jt: 30, jf: 28, k: 0x129 },
            sock_filter { code: 0x0035, jt: 29, jf: 27, k: 0x12c },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x14c },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x140 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x134 },
            sock_filter { code: 0x0035, jt: 0, jf: 101, k: 0x12f },
            sock_filter { code: 0x0035, jt: 22, jf: 24, k: 0x133 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x13d },
            sock_filter { code: 0x0035, jt: 20, jf: 22, k: 0x13c },
            sock_filter { code: 0x0035, jt: 19, jf: 21, k: 0x13e },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x144 },
            sock_filter { code: 0x0035, jt: 0, jf: 19, k: 0x142 },
            sock_filter { code: 0x0035, jt: 18, jf: 16, k: 0x143 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x146 },
            sock_filter { code: 0x0035, jt: 16, jf: 14, k: 0x145 },
            sock_filter { code: 0x0035, jt: 15, jf: 13, k: 0x149 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x1b6 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x14f },
            sock_filter { code: 0x0035, jt: 0, jf: 10, k: 0x14d },
            sock_filter { code: 0x0035, jt: 9, jf: 11, k: 0x14e },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1b4 },
            sock_filter { code: 0x0035, jt: 8, jf: 9, k: 0x1b3 },
            sock_filter { code: 0x0035, jt: 7, jf: 6, k: 0x1b5 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x1b9 },
            sock_filter { code: 0x0035, jt: 0, jf: 6, k: 0x1b7 },
            sock_filter { code: 0x0035, jt: 5, jf: 3, k: 0x1b8 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1c1 },
            sock_filter { code: 0x0035, jt: 3, jf: 1, k: 0x1ba },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x1c2 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50026 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x7e020080 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x400 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x2 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x6 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 0, jf: 3, k: 0x0 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0xc },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 9, jf: 0, k: 0x401c5820 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 7, jf: 0, k: 0x40046602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 5, jf: 0, k: 0x40086602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 3, jf: 0, k: 0x541c },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x5412 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x28 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
        ],
    },
    // `devtools`
    Precompiled {
        default_action: Action::Errno(libc::EPERM as u32),
        allow: DEVTOOLS_ALLOW,
        errno: &[
            ("clone3", libc::ENOSYS as u32),
            ("openat2", libc::ENOSYS as u32),
        ],
        rules: &[
            ("chmod", 90, &[&[ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("clone", 56, &[&[ArgCondition { index: 0, wide: false, mask: Some(0x7e020080), op: CmpOp::Eq, value: 0x0 }]]),
            ("creat", 85, &[&[ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("fchmod", 91, &[&[ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("fchmodat", 268, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("fchmodat2", 452, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("fcntl", 72, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x400 }]]),
            ("ioctl", 16, &[&[ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x5412 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x541c }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40086602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x40046602 }, ArgCondition { index: 1, wide: false, mask: None, op: CmpOp::Ne, value: 0x401c5820 }]]),
            ("mkdir", 83, &[&[ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("mkdirat", 258, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("mknod", 133, &[&[ArgCondition { index: 1, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("mknodat", 259, &[&[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("open", 2, &[&[ArgCondition { index: 1, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 2, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("openat", 257, &[&[ArgCondition { index: 2, wide: false, mask: Some(0x400040), op: CmpOp::Eq, value: 0x0 }], &[ArgCondition { index: 3, wide: false, mask: Some(0xc00), op: CmpOp::Eq, value: 0x0 }]]),
            ("personality", 135, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0xffffffff }], &[ArgCondition { index: 0, wide: false, mask: Some(0xfffbffff), op: CmpOp::Eq, value: 0x0 }]]),
            ("socket", 41, &[&[ArgCondition { index: 0, wide: false, mask: None, op: CmpOp::Eq, value: 0x1 }]]),
        ],
        program: &[
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0xc000003e },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x80000000 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x0 },
            sock_filter { code: 0x0035, jt: 53, jf: 0, k: 0xe3 },
            sock_filter { code: 0x0035, jt: 26, jf: 0, k: 0x85 },
            sock_filter { code: 0x0035, jt: 12, jf: 0, k: 0x49 },
            sock_filter { code: 0x0035, jt: 5, jf: 0, k: 0x20 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x10 },
            sock_filter { code: 0x0035, jt: 0, jf: 102, k: 0x2 },
            sock_filter { code: 0x0035, jt: 101, jf: 194, k: 0x3 },
            sock_filter { code: 0x0035, jt: 0, jf: 151, k: 0x11 },
            sock_filter { code: 0x0035, jt: 101, jf: 99, k: 0x1d },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x38 },
            sock_filter { code: 0x0035, jt: 0, jf: 97, k: 0x29 },
            sock_filter { code: 0x0035, jt: 96, jf: 227, k: 0x2a },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x40 },
            sock_filter { code: 0x0035, jt: 94, jf: 104, k: 0x39 },
            sock_filter { code: 0x0035, jt: 138, jf: 95, k: 0x48 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x5c },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x55 },
            sock_filter { code: 0x0035, jt: 0, jf: 90, k: 0x53 },
            sock_filter { code: 0x0035, jt: 89, jf: 154, k: 0x54 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x5a },
            sock_filter { code: 0x0035, jt: 87, jf: 104, k: 0x56 },
            sock_filter { code: 0x0035, jt: 110, jf: 89, k: 0x5b },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x74 },
            sock_filter { code: 0x0035, jt: 0, jf: 84, k: 0x67 },
            sock_filter { code: 0x0035, jt: 83, jf: 85, k: 0x68 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x7e },
            sock_filter { code: 0x0035, jt: 81, jf: 83, k: 0x75 },
            sock_filter { code: 0x0035, jt: 80, jf: 82, k: 0x7f },
            sock_filter { code: 0x0035, jt: 12, jf: 0, k: 0x97 },
            sock_filter { code: 0x0035, jt: 5, jf: 0, k: 0x8c },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x88 },
            sock_filter { code: 0x0035, jt: 0, jf: 155, k: 0x86 },
            sock_filter { code: 0x0035, jt: 194, jf: 77, k: 0x87 },
            sock_filter { code: 0x0035, jt: 0, jf: 76, k: 0x89 },
            sock_filter { code: 0x0035, jt: 75, jf: 73, k: 0x8b },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x90 },
            sock_filter { code: 0x0035, jt: 0, jf: 71, k: 0x8e },
            sock_filter { code: 0x0035, jt: 70, jf: 72, k: 0x8f },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x94 },
            sock_filter { code: 0x0035, jt: 68, jf: 70, k: 0x91 },
            sock_filter { code: 0x0035, jt: 67, jf: 69, k: 0x95 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0xba },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xa0 },
            sock_filter { code: 0x0035, jt: 0, jf: 66, k: 0x9d },
            sock_filter { code: 0x0035, jt: 65, jf: 63, k: 0x9f },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xa2 },
            sock_filter { code: 0x0035, jt: 63, jf: 61, k: 0xa1 },
            sock_filter { code: 0x0035, jt: 62, jf: 60, k: 0xa3 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xd6 },
            sock_filter { code: 0x0035, jt: 0, jf: 58, k: 0xcd },
            sock_filter { code: 0x0035, jt: 57, jf: 59, k: 0xd5 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0xdc },
            sock_filter { code: 0x0035, jt: 55, jf: 57, k: 0xd9 },
            sock_filter { code: 0x0035, jt: 54, jf: 56, k: 0xdd },
            sock_filter { code: 0x0035, jt: 26, jf: 0, k: 0x140 },
            sock_filter { code: 0x0035, jt: 12, jf: 0, k: 0x110 },
            sock_filter { code: 0x0035, jt: 5, jf: 0, k: 0x100 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0xf7 },
            sock_filter { code: 0x0035, jt: 0, jf: 51, k: 0xe4 },
            sock_filter { code: 0x0035, jt: 50, jf: 48, k: 0xec },
            sock_filter { code: 0x0035, jt: 0, jf: 47, k: 0xf8 },
            sock_filter { code: 0x0035, jt: 46, jf: 48, k: 0xfd },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x103 },
            sock_filter { code: 0x0035, jt: 0, jf: 46, k: 0x101 },
            sock_filter { code: 0x0035, jt: 115, jf: 149, k: 0x102 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x10c },
            sock_filter { code: 0x0035, jt: 41, jf: 127, k: 0x104 },
            sock_filter { code: 0x0035, jt: 40, jf: 71, k: 0x10d },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x12e },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x118 },
            sock_filter { code: 0x0035, jt: 0, jf: 39, k: 0x111 },
            sock_filter { code: 0x0035, jt: 38, jf: 36, k: 0x116 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x12b },
            sock_filter { code: 0x0035, jt: 36, jf: 34, k: 0x12a },
            sock_filter { code: 0x0035, jt: 35, jf: 33, k: 0x12c },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x134 },
            sock_filter { code: 0x0035, jt: 0, jf: 31, k: 0x12f },
            sock_filter { code: 0x0035, jt: 30, jf: 32, k: 0x132 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x138 },
            sock_filter { code: 0x0035, jt: 28, jf: 30, k: 0x135 },
            sock_filter { code: 0x0035, jt: 27, jf: 29, k: 0x13c },
            sock_filter { code: 0x0035, jt: 13, jf: 0, k: 0x1b3 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x14c },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x144 },
            sock_filter { code: 0x0035, jt: 0, jf: 25, k: 0x142 },
            sock_filter { code: 0x0035, jt: 24, jf: 22, k: 0x143 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x146 },
            sock_filter { code: 0x0035, jt: 22, jf: 20, k: 0x145 },
            sock_filter { code: 0x0035, jt: 21, jf: 19, k: 0x149 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x14f },
            sock_filter { code: 0x0035, jt: 0, jf: 17, k: 0x14d },
            sock_filter { code: 0x0035, jt: 16, jf: 18, k: 0x14e },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1a9 },
            sock_filter { code: 0x0035, jt: 14, jf: 16, k: 0x1a8 },
            sock_filter { code: 0x0035, jt: 13, jf: 15, k: 0x1b2 },
            sock_filter { code: 0x0035, jt: 6, jf: 0, k: 0x1ba },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x1b6 },
            sock_filter { code: 0x0035, jt: 0, jf: 11, k: 0x1b4 },
            sock_filter { code: 0x0035, jt: 10, jf: 9, k: 0x1b5 },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1b8 },
            sock_filter { code: 0x0035, jt: 7, jf: 9, k: 0x1b7 },
            sock_filter { code: 0x0035, jt: 6, jf: 8, k: 0x1b9 },
            sock_filter { code: 0x0035, jt: 2, jf: 0, k: 0x1c1 },
            sock_filter { code: 0x0035, jt: 0, jf: 6, k: 0x1bc },
            sock_filter { code: 0x0035, jt: 5, jf: 3, k: 0x1bf },
            sock_filter { code: 0x0035, jt: 1, jf: 0, k: 0x1c4 },
            sock_filter { code: 0x0035, jt: 3, jf: 1, k: 0x1c2 },
            sock_filter { code: 0x0035, jt: 2, jf: 38, k: 0x1c5 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50026 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x7e020080 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x400 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0xc },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 9, jf: 0, k: 0x401c5820 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 7, jf: 0, k: 0x40046602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 5, jf: 0, k: 0x40086602 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 3, jf: 0, k: 0x541c },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0015, jt: 1, jf: 0, k: 0x5412 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x18 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x20 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0x400040 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x28 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xc00 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0xffffffff },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x5 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0054, jt: 0, jf: 0, k: 0xfffbffff },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x0 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x1 },
            sock_filter { code: 0x0005, jt: 0, jf: 0, k: 0x4 },
            sock_filter { code: 0x0020, jt: 0, jf: 0, k: 0x10 },
            sock_filter { code: 0x0015, jt: 0, jf: 1, k: 0x1 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x7fff0000 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
            sock_filter { code: 0x0006, jt: 0, jf: 0, k: 0x50001 },
        ],
    },
];

static STRICT_EVENTS: &[Name] = syscall_names![
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "eventfd", "eventfd2", "pipe", "pipe2", "poll", "ppoll", "pselect6", "select", "signalfd4",
];

static STRICT_IO: &[Name] = syscall_names![
    "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64", "fallocate",
    "fdatasync", "fstat", "fstatfs", "fsync", "ftruncate", "getdents64", "lseek", "newfstatat",
    "pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "sendfile",
    "splice", "statx", "sync_file_range", "tee", "write", "writev",
];

static STRICT_MEMORY: &[Name] = syscall_names![
    "brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap", "mprotect",
    "mremap", "msync", "munlock", "munmap",
];

static STRICT_PATHS: &[Name] = syscall_names![
    "access", "chdir", "faccessat", "faccessat2", "fchdir", "getcwd", "linkat", "lstat", "readlink",
    "readlinkat", "renameat", "renameat2", "stat", "statfs", "symlinkat", "unlinkat",
];

static STRICT_PROCESS: &[Name] = syscall_names![
    "arch_prctl", "capget", "execve", "execveat", "exit", "exit_group", "fork", "futex",
    "futex_waitv", "get_robust_list", "getegid", "geteuid", "getgid", "getgroups", "getpid",
    "getppid", "getpriority", "getrandom", "getresgid", "getresuid", "getrusage", "gettid",
    "getuid", "kill", "prctl", "prlimit64", "rseq", "sched_getaffinity", "sched_yield",
    "set_robust_list", "set_tid_address", "tgkill", "tkill", "uname", "vfork", "wait4", "waitid",
];

static STRICT_SIGNALS: &[Name] = syscall_names![
    "pause", "restart_syscall", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
    "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sigaltstack",
];

static STRICT_SOCKETS: &[Name] = syscall_names![
    "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen",
    "recvfrom", "recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown",
    "socketpair",
];

static STRICT_TIME: &[Name] = syscall_names![
    "alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer", "gettimeofday",
    "nanosleep", "setitimer", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime",
];

static STRICT_ALLOW: &[Name] = syscall_names![
    "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "chdir",
    "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range", "connect",
    "copy_file_range", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir",
    "fdatasync", "fork", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv",
    "get_robust_list", "getcwd", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
    "getitimer", "getpeername", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
    "getresuid", "getrusage", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid",
    "kill", "linkat", "listen", "lseek", "lstat", "madvise", "membarrier", "memfd_create",
    "mincore", "mlock", "mmap", "mprotect", "mremap", "msync", "munlock", "munmap", "nanosleep",
    "newfstatat", "pause", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv",
    "preadv2", "prlimit64", "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readlink",
    "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "renameat", "renameat2",
    "restart_syscall", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sched_getaffinity", "sched_yield",
    "select", "sendfile", "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address",
    "setitimer", "setsockopt", "shutdown", "sigaltstack", "signalfd4", "socketpair", "splice",
    "stat", "statfs", "statx", "symlinkat", "sync_file_range", "tee", "tgkill", "time",
    "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
    "timerfd_create", "timerfd_gettime", "timerfd_settime", "tkill", "uname", "unlinkat", "vfork",
    "wait4", "waitid", "write", "writev",
];

static UNPRIVILEGED_ALLOW: &[Name] = syscall_names![
    "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "chdir", "clock_getres",
    "clock_gettime", "clock_nanosleep", "close", "close_range", "connect", "copy_file_range", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
    "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
    "faccessat2", "fadvise64", "fallocate", "fchdir", "fdatasync", "fork", "fstat", "fstatfs",
    "fsync", "ftruncate", "futex", "futex_waitv", "get_robust_list", "getcwd", "getdents64",
    "getegid", "geteuid", "getgid", "getgroups", "getitimer", "getpeername", "getpid", "getppid",
    "getrandom", "getresgid", "getresuid", "getrusage", "getsockname", "getsockopt", "gettid",
    "gettimeofday", "getuid", "kill", "linkat", "listen", "lseek", "lstat", "madvise", "membarrier",
    "memfd_create", "mincore", "mlock", "mmap", "mprotect", "mremap", "msync", "munlock", "munmap",
    "nanosleep", "newfstatat", "pause", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64",
    "preadv", "preadv2", "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readlink",
    "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "renameat", "renameat2",
    "restart_syscall", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "sched_yield", "select", "sendfile",
    "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address", "setitimer",
    "setsockopt", "shutdown", "sigaltstack", "signalfd4", "socketpair", "splice", "stat", "statfs",
    "statx", "symlinkat", "sync_file_range", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
    "timerfd_gettime", "timerfd_settime", "tkill", "uname", "unlinkat", "vfork", "wait4", "waitid",
    "write", "writev",
];

static DEVTOOLS_DEBUG: &[Name] = syscall_names![
    "process_vm_readv", "process_vm_writev", "ptrace", "restart_syscall",
];

static DEVTOOLS_FILES: &[Name] = syscall_names![
    "flock", "futimesat", "getdents", "link", "readahead", "rename", "rmdir", "symlink", "sync",
    "syncfs", "truncate", "umask", "unlink", "utime", "utimensat", "utimes",
];

static DEVTOOLS_IDS: &[Name] = syscall_names![
    "setfsgid", "setfsuid", "setgid", "setregid", "setresgid", "setresuid", "setreuid", "setuid",
];

static DEVTOOLS_INOTIFY: &[Name] = syscall_names![
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
];

static DEVTOOLS_JOBS: &[Name] = syscall_names![
    "getcpu", "getpgid", "getpgrp", "getrlimit", "getsid", "pidfd_open", "pidfd_send_signal",
    "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min", "sched_getparam",
    "sched_getscheduler", "sched_setaffinity", "setpgid", "setpriority", "setrlimit", "setsid",
    "signalfd", "sysinfo", "times",
];

static DEVTOOLS_OWNERS: &[Name] = syscall_names![
    "chown", "fchown", "fchownat", "lchown",
];

static DEVTOOLS_STACKING: &[Name] = syscall_names![
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "seccomp",
];

static DEVTOOLS_XATTR_READ: &[Name] = syscall_names![
    "fgetxattr", "flistxattr", "getxattr", "lgetxattr", "listxattr", "llistxattr",
];

static DEVTOOLS_XATTR_WRITE: &[Name] = syscall_names![
    "fremovexattr", "fsetxattr", "lremovexattr", "lsetxattr", "removexattr", "setxattr",
];

static DEVTOOLS_ALLOW: &[Name] = syscall_names![
    "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget", "chdir", "chown",
    "clock_getres", "clock_gettime", "clock_nanosleep", "close", "close_range", "connect",
    "copy_file_range", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir", "fchown",
    "fchownat", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
    "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv", "futimesat",
    "get_robust_list", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid",
    "getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
    "getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "getrusage", "getsid",
    "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getxattr",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr",
    "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr",
    "lstat", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mmap", "mprotect",
    "mremap", "msync", "munlock", "munmap", "nanosleep", "newfstatat", "pause", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_vm_readv", "process_vm_writev", "pselect6", "ptrace", "pwrite64",
    "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom",
    "recvmmsg", "recvmsg", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getparam",
    "sched_getscheduler", "sched_setaffinity", "sched_yield", "seccomp", "select", "sendfile",
    "sendmmsg", "sendmsg", "sendto", "set_robust_list", "set_tid_address", "setfsgid", "setfsuid",
    "setgid", "setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid",
    "setreuid", "setrlimit", "setsid", "setsockopt", "setuid", "setxattr", "shutdown",
    "sigaltstack", "signalfd", "signalfd4", "socketpair", "splice", "stat", "statfs", "statx",
    "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
    "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
    "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask",
    "uname", "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork", "wait4", "waitid",
    "write", "writev",
];
