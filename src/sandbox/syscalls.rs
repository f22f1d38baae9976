//! The x86_64 system call table: names ↔ numbers.
//!
//! Names are stored inline ([`Name`]) rather than as `&str`: a table of pointers in a
//! static-pie executable is relocated (written) at every start, page by page, before
//! `main`; inline names sit in read-only data that is only read when used.

/// A system call name stored inline: at most 23 ASCII bytes, padded with NULs (so that
/// names order as their strings do).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name([u8; 24]);

impl Name {
    /// `name`, which must be ASCII, without NUL, and at most 23 bytes long (checked when
    /// the constant is built).
    pub const fn new(name: &str) -> Name {
        let b = name.as_bytes();
        assert!(b.len() < 24, "a system call name longer than 23 bytes");
        let mut bytes = [0u8; 24];
        let mut i = 0;
        while i < b.len() {
            assert!(
                b[i].is_ascii() && b[i] != 0,
                "a system call name that is not ASCII"
            );
            bytes[i] = b[i];
            i += 1;
        }
        Name(bytes)
    }

    /// The name's bytes, without the padding.
    pub fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|&c| c == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A `&'static [Name]` from string literals: `syscall_names!["read", "write"]`.
macro_rules! syscall_names {
    ($($name:literal),* $(,)?) => {
        &[$($crate::sandbox::syscalls::Name::new($name)),*]
    };
}
pub(crate) use syscall_names;

/// x86_64 system call names and numbers, sorted by name (from seccompiler 0.5's generated
/// table for Linux 6.12, plus the calls added up to 6.15).
pub static SYSCALLS: &[(Name, i64)] = &[
    (Name::new("_sysctl"), 156),
    (Name::new("accept"), 43),
    (Name::new("accept4"), 288),
    (Name::new("access"), 21),
    (Name::new("acct"), 163),
    (Name::new("add_key"), 248),
    (Name::new("adjtimex"), 159),
    (Name::new("afs_syscall"), 183),
    (Name::new("alarm"), 37),
    (Name::new("arch_prctl"), 158),
    (Name::new("bind"), 49),
    (Name::new("bpf"), 321),
    (Name::new("brk"), 12),
    (Name::new("cachestat"), 451),
    (Name::new("capget"), 125),
    (Name::new("capset"), 126),
    (Name::new("chdir"), 80),
    (Name::new("chmod"), 90),
    (Name::new("chown"), 92),
    (Name::new("chroot"), 161),
    (Name::new("clock_adjtime"), 305),
    (Name::new("clock_getres"), 229),
    (Name::new("clock_gettime"), 228),
    (Name::new("clock_nanosleep"), 230),
    (Name::new("clock_settime"), 227),
    (Name::new("clone"), 56),
    (Name::new("clone3"), 435),
    (Name::new("close"), 3),
    (Name::new("close_range"), 436),
    (Name::new("connect"), 42),
    (Name::new("copy_file_range"), 326),
    (Name::new("creat"), 85),
    (Name::new("create_module"), 174),
    (Name::new("delete_module"), 176),
    (Name::new("dup"), 32),
    (Name::new("dup2"), 33),
    (Name::new("dup3"), 292),
    (Name::new("epoll_create"), 213),
    (Name::new("epoll_create1"), 291),
    (Name::new("epoll_ctl"), 233),
    (Name::new("epoll_ctl_old"), 214),
    (Name::new("epoll_pwait"), 281),
    (Name::new("epoll_pwait2"), 441),
    (Name::new("epoll_wait"), 232),
    (Name::new("epoll_wait_old"), 215),
    (Name::new("eventfd"), 284),
    (Name::new("eventfd2"), 290),
    (Name::new("execve"), 59),
    (Name::new("execveat"), 322),
    (Name::new("exit"), 60),
    (Name::new("exit_group"), 231),
    (Name::new("faccessat"), 269),
    (Name::new("faccessat2"), 439),
    (Name::new("fadvise64"), 221),
    (Name::new("fallocate"), 285),
    (Name::new("fanotify_init"), 300),
    (Name::new("fanotify_mark"), 301),
    (Name::new("fchdir"), 81),
    (Name::new("fchmod"), 91),
    (Name::new("fchmodat"), 268),
    (Name::new("fchmodat2"), 452),
    (Name::new("fchown"), 93),
    (Name::new("fchownat"), 260),
    (Name::new("fcntl"), 72),
    (Name::new("fdatasync"), 75),
    (Name::new("fgetxattr"), 193),
    (Name::new("finit_module"), 313),
    (Name::new("flistxattr"), 196),
    (Name::new("flock"), 73),
    (Name::new("fork"), 57),
    (Name::new("fremovexattr"), 199),
    (Name::new("fsconfig"), 431),
    (Name::new("fsetxattr"), 190),
    (Name::new("fsmount"), 432),
    (Name::new("fsopen"), 430),
    (Name::new("fspick"), 433),
    (Name::new("fstat"), 5),
    (Name::new("fstatfs"), 138),
    (Name::new("fsync"), 74),
    (Name::new("ftruncate"), 77),
    (Name::new("futex"), 202),
    (Name::new("futex_requeue"), 456),
    (Name::new("futex_wait"), 455),
    (Name::new("futex_waitv"), 449),
    (Name::new("futex_wake"), 454),
    (Name::new("futimesat"), 261),
    (Name::new("get_kernel_syms"), 177),
    (Name::new("get_mempolicy"), 239),
    (Name::new("get_robust_list"), 274),
    (Name::new("get_thread_area"), 211),
    (Name::new("getcpu"), 309),
    (Name::new("getcwd"), 79),
    (Name::new("getdents"), 78),
    (Name::new("getdents64"), 217),
    (Name::new("getegid"), 108),
    (Name::new("geteuid"), 107),
    (Name::new("getgid"), 104),
    (Name::new("getgroups"), 115),
    (Name::new("getitimer"), 36),
    (Name::new("getpeername"), 52),
    (Name::new("getpgid"), 121),
    (Name::new("getpgrp"), 111),
    (Name::new("getpid"), 39),
    (Name::new("getpmsg"), 181),
    (Name::new("getppid"), 110),
    (Name::new("getpriority"), 140),
    (Name::new("getrandom"), 318),
    (Name::new("getresgid"), 120),
    (Name::new("getresuid"), 118),
    (Name::new("getrlimit"), 97),
    (Name::new("getrusage"), 98),
    (Name::new("getsid"), 124),
    (Name::new("getsockname"), 51),
    (Name::new("getsockopt"), 55),
    (Name::new("gettid"), 186),
    (Name::new("gettimeofday"), 96),
    (Name::new("getuid"), 102),
    (Name::new("getxattr"), 191),
    (Name::new("getxattrat"), 464),
    (Name::new("init_module"), 175),
    (Name::new("inotify_add_watch"), 254),
    (Name::new("inotify_init"), 253),
    (Name::new("inotify_init1"), 294),
    (Name::new("inotify_rm_watch"), 255),
    (Name::new("io_cancel"), 210),
    (Name::new("io_destroy"), 207),
    (Name::new("io_getevents"), 208),
    (Name::new("io_pgetevents"), 333),
    (Name::new("io_setup"), 206),
    (Name::new("io_submit"), 209),
    (Name::new("io_uring_enter"), 426),
    (Name::new("io_uring_register"), 427),
    (Name::new("io_uring_setup"), 425),
    (Name::new("ioctl"), 16),
    (Name::new("ioperm"), 173),
    (Name::new("iopl"), 172),
    (Name::new("ioprio_get"), 252),
    (Name::new("ioprio_set"), 251),
    (Name::new("kcmp"), 312),
    (Name::new("kexec_file_load"), 320),
    (Name::new("kexec_load"), 246),
    (Name::new("keyctl"), 250),
    (Name::new("kill"), 62),
    (Name::new("landlock_add_rule"), 445),
    (Name::new("landlock_create_ruleset"), 444),
    (Name::new("landlock_restrict_self"), 446),
    (Name::new("lchown"), 94),
    (Name::new("lgetxattr"), 192),
    (Name::new("link"), 86),
    (Name::new("linkat"), 265),
    (Name::new("listen"), 50),
    (Name::new("listmount"), 458),
    (Name::new("listxattr"), 194),
    (Name::new("listxattrat"), 465),
    (Name::new("llistxattr"), 195),
    (Name::new("lookup_dcookie"), 212),
    (Name::new("lremovexattr"), 198),
    (Name::new("lseek"), 8),
    (Name::new("lsetxattr"), 189),
    (Name::new("lsm_get_self_attr"), 459),
    (Name::new("lsm_list_modules"), 461),
    (Name::new("lsm_set_self_attr"), 460),
    (Name::new("lstat"), 6),
    (Name::new("madvise"), 28),
    (Name::new("map_shadow_stack"), 453),
    (Name::new("mbind"), 237),
    (Name::new("membarrier"), 324),
    (Name::new("memfd_create"), 319),
    (Name::new("memfd_secret"), 447),
    (Name::new("migrate_pages"), 256),
    (Name::new("mincore"), 27),
    (Name::new("mkdir"), 83),
    (Name::new("mkdirat"), 258),
    (Name::new("mknod"), 133),
    (Name::new("mknodat"), 259),
    (Name::new("mlock"), 149),
    (Name::new("mlock2"), 325),
    (Name::new("mlockall"), 151),
    (Name::new("mmap"), 9),
    (Name::new("modify_ldt"), 154),
    (Name::new("mount"), 165),
    (Name::new("mount_setattr"), 442),
    (Name::new("move_mount"), 429),
    (Name::new("move_pages"), 279),
    (Name::new("mprotect"), 10),
    (Name::new("mq_getsetattr"), 245),
    (Name::new("mq_notify"), 244),
    (Name::new("mq_open"), 240),
    (Name::new("mq_timedreceive"), 243),
    (Name::new("mq_timedsend"), 242),
    (Name::new("mq_unlink"), 241),
    (Name::new("mremap"), 25),
    (Name::new("mseal"), 462),
    (Name::new("msgctl"), 71),
    (Name::new("msgget"), 68),
    (Name::new("msgrcv"), 70),
    (Name::new("msgsnd"), 69),
    (Name::new("msync"), 26),
    (Name::new("munlock"), 150),
    (Name::new("munlockall"), 152),
    (Name::new("munmap"), 11),
    (Name::new("name_to_handle_at"), 303),
    (Name::new("nanosleep"), 35),
    (Name::new("newfstatat"), 262),
    (Name::new("nfsservctl"), 180),
    (Name::new("open"), 2),
    (Name::new("open_by_handle_at"), 304),
    (Name::new("open_tree"), 428),
    (Name::new("open_tree_attr"), 467),
    (Name::new("openat"), 257),
    (Name::new("openat2"), 437),
    (Name::new("pause"), 34),
    (Name::new("perf_event_open"), 298),
    (Name::new("personality"), 135),
    (Name::new("pidfd_getfd"), 438),
    (Name::new("pidfd_open"), 434),
    (Name::new("pidfd_send_signal"), 424),
    (Name::new("pipe"), 22),
    (Name::new("pipe2"), 293),
    (Name::new("pivot_root"), 155),
    (Name::new("pkey_alloc"), 330),
    (Name::new("pkey_free"), 331),
    (Name::new("pkey_mprotect"), 329),
    (Name::new("poll"), 7),
    (Name::new("ppoll"), 271),
    (Name::new("prctl"), 157),
    (Name::new("pread64"), 17),
    (Name::new("preadv"), 295),
    (Name::new("preadv2"), 327),
    (Name::new("prlimit64"), 302),
    (Name::new("process_madvise"), 440),
    (Name::new("process_mrelease"), 448),
    (Name::new("process_vm_readv"), 310),
    (Name::new("process_vm_writev"), 311),
    (Name::new("pselect6"), 270),
    (Name::new("ptrace"), 101),
    (Name::new("putpmsg"), 182),
    (Name::new("pwrite64"), 18),
    (Name::new("pwritev"), 296),
    (Name::new("pwritev2"), 328),
    (Name::new("query_module"), 178),
    (Name::new("quotactl"), 179),
    (Name::new("quotactl_fd"), 443),
    (Name::new("read"), 0),
    (Name::new("readahead"), 187),
    (Name::new("readlink"), 89),
    (Name::new("readlinkat"), 267),
    (Name::new("readv"), 19),
    (Name::new("reboot"), 169),
    (Name::new("recvfrom"), 45),
    (Name::new("recvmmsg"), 299),
    (Name::new("recvmsg"), 47),
    (Name::new("remap_file_pages"), 216),
    (Name::new("removexattr"), 197),
    (Name::new("removexattrat"), 466),
    (Name::new("rename"), 82),
    (Name::new("renameat"), 264),
    (Name::new("renameat2"), 316),
    (Name::new("request_key"), 249),
    (Name::new("restart_syscall"), 219),
    (Name::new("rmdir"), 84),
    (Name::new("rseq"), 334),
    (Name::new("rt_sigaction"), 13),
    (Name::new("rt_sigpending"), 127),
    (Name::new("rt_sigprocmask"), 14),
    (Name::new("rt_sigqueueinfo"), 129),
    (Name::new("rt_sigreturn"), 15),
    (Name::new("rt_sigsuspend"), 130),
    (Name::new("rt_sigtimedwait"), 128),
    (Name::new("rt_tgsigqueueinfo"), 297),
    (Name::new("sched_get_priority_max"), 146),
    (Name::new("sched_get_priority_min"), 147),
    (Name::new("sched_getaffinity"), 204),
    (Name::new("sched_getattr"), 315),
    (Name::new("sched_getparam"), 143),
    (Name::new("sched_getscheduler"), 145),
    (Name::new("sched_rr_get_interval"), 148),
    (Name::new("sched_setaffinity"), 203),
    (Name::new("sched_setattr"), 314),
    (Name::new("sched_setparam"), 142),
    (Name::new("sched_setscheduler"), 144),
    (Name::new("sched_yield"), 24),
    (Name::new("seccomp"), 317),
    (Name::new("security"), 185),
    (Name::new("select"), 23),
    (Name::new("semctl"), 66),
    (Name::new("semget"), 64),
    (Name::new("semop"), 65),
    (Name::new("semtimedop"), 220),
    (Name::new("sendfile"), 40),
    (Name::new("sendmmsg"), 307),
    (Name::new("sendmsg"), 46),
    (Name::new("sendto"), 44),
    (Name::new("set_mempolicy"), 238),
    (Name::new("set_mempolicy_home_node"), 450),
    (Name::new("set_robust_list"), 273),
    (Name::new("set_thread_area"), 205),
    (Name::new("set_tid_address"), 218),
    (Name::new("setdomainname"), 171),
    (Name::new("setfsgid"), 123),
    (Name::new("setfsuid"), 122),
    (Name::new("setgid"), 106),
    (Name::new("setgroups"), 116),
    (Name::new("sethostname"), 170),
    (Name::new("setitimer"), 38),
    (Name::new("setns"), 308),
    (Name::new("setpgid"), 109),
    (Name::new("setpriority"), 141),
    (Name::new("setregid"), 114),
    (Name::new("setresgid"), 119),
    (Name::new("setresuid"), 117),
    (Name::new("setreuid"), 113),
    (Name::new("setrlimit"), 160),
    (Name::new("setsid"), 112),
    (Name::new("setsockopt"), 54),
    (Name::new("settimeofday"), 164),
    (Name::new("setuid"), 105),
    (Name::new("setxattr"), 188),
    (Name::new("setxattrat"), 463),
    (Name::new("shmat"), 30),
    (Name::new("shmctl"), 31),
    (Name::new("shmdt"), 67),
    (Name::new("shmget"), 29),
    (Name::new("shutdown"), 48),
    (Name::new("sigaltstack"), 131),
    (Name::new("signalfd"), 282),
    (Name::new("signalfd4"), 289),
    (Name::new("socket"), 41),
    (Name::new("socketpair"), 53),
    (Name::new("splice"), 275),
    (Name::new("stat"), 4),
    (Name::new("statfs"), 137),
    (Name::new("statmount"), 457),
    (Name::new("statx"), 332),
    (Name::new("swapoff"), 168),
    (Name::new("swapon"), 167),
    (Name::new("symlink"), 88),
    (Name::new("symlinkat"), 266),
    (Name::new("sync"), 162),
    (Name::new("sync_file_range"), 277),
    (Name::new("syncfs"), 306),
    (Name::new("sysfs"), 139),
    (Name::new("sysinfo"), 99),
    (Name::new("syslog"), 103),
    (Name::new("tee"), 276),
    (Name::new("tgkill"), 234),
    (Name::new("time"), 201),
    (Name::new("timer_create"), 222),
    (Name::new("timer_delete"), 226),
    (Name::new("timer_getoverrun"), 225),
    (Name::new("timer_gettime"), 224),
    (Name::new("timer_settime"), 223),
    (Name::new("timerfd_create"), 283),
    (Name::new("timerfd_gettime"), 287),
    (Name::new("timerfd_settime"), 286),
    (Name::new("times"), 100),
    (Name::new("tkill"), 200),
    (Name::new("truncate"), 76),
    (Name::new("tuxcall"), 184),
    (Name::new("umask"), 95),
    (Name::new("umount2"), 166),
    (Name::new("uname"), 63),
    (Name::new("unlink"), 87),
    (Name::new("unlinkat"), 263),
    (Name::new("unshare"), 272),
    (Name::new("uretprobe"), 335),
    (Name::new("uselib"), 134),
    (Name::new("userfaultfd"), 323),
    (Name::new("ustat"), 136),
    (Name::new("utime"), 132),
    (Name::new("utimensat"), 280),
    (Name::new("utimes"), 235),
    (Name::new("vfork"), 58),
    (Name::new("vhangup"), 153),
    (Name::new("vmsplice"), 278),
    (Name::new("vserver"), 236),
    (Name::new("wait4"), 61),
    (Name::new("waitid"), 247),
    (Name::new("write"), 1),
    (Name::new("writev"), 20),
];

/// The number of a system call by name.
pub fn number(name: &str) -> Option<i64> {
    lookup(name).map(|(_, nr)| nr)
}

/// A system call by name: the table's own copy of the name, and the number.
pub fn lookup(name: &str) -> Option<(&'static str, i64)> {
    SYSCALLS
        .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|i| (SYSCALLS[i].0.as_str(), SYSCALLS[i].1))
}

/// Looks up names that come in ascending order (as a `BTreeSet` of names iterates them)
/// with one forward pass over the table, instead of a binary search for each name
/// (compiling a filter looks up every allowed call).
#[derive(Debug, Default)]
pub struct InOrder {
    /// Where the next name's search starts.
    next: usize,
}

impl InOrder {
    /// A lookup starting at the beginning of the table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of `name`, like [`number`]; a name before the previous one (out of
    /// order) is searched for in the whole table.
    pub fn number(&mut self, name: &str) -> Option<i64> {
        let rest = &SYSCALLS[self.next..];
        match rest
            .iter()
            .position(|(n, _)| n.as_bytes() >= name.as_bytes())
        {
            Some(i) if rest[i].0.as_bytes() == name.as_bytes() => {
                self.next += i + 1;
                Some(rest[i].1)
            }
            _ => number(name),
        }
    }
}

/// The name of a system call by number.
pub fn name(nr: i64) -> Option<&'static str> {
    SYSCALLS
        .iter()
        .find(|(_, n)| *n == nr)
        .map(|(s, _)| s.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_is_sorted_and_matches_libc() {
        assert!(super::SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::SYSCALLS
            .windows(2)
            .all(|w| w[0].0.as_str() < w[1].0.as_str()));
        assert_eq!(super::number("clone3"), Some(libc::SYS_clone3));
        assert_eq!(super::number("execveat"), Some(libc::SYS_execveat));
        assert_eq!(super::number("socket"), Some(libc::SYS_socket));
        assert_eq!(super::number("no_such_call"), None);
        assert_eq!(super::name(libc::SYS_ioctl), Some("ioctl"));
    }

    #[test]
    fn inline_names_read_back_and_order_as_strings() {
        use super::Name;
        let long = "set_mempolicy_home_node"; // 23 bytes, the longest
        assert_eq!(Name::new(long).as_str(), long);
        assert_eq!(Name::new("read").as_bytes(), b"read");
        assert!(Name::new("read") < Name::new("readv") && Name::new("readv") < Name::new("reboot"));
        assert_eq!(format!("{:?}", Name::new("bpf")), "\"bpf\"");
        let longest = super::SYSCALLS
            .iter()
            .map(|(n, _)| n.as_bytes().len())
            .max();
        assert_eq!(longest, Some(long.len()));
    }

    #[test]
    #[should_panic(expected = "longer than 23 bytes")]
    fn a_name_too_long_is_refused() {
        let _ = super::Name::new("a_system_call_name_of_24b");
    }

    #[test]
    fn in_order_lookup_matches_number() {
        // Every name in order, then out of order and unknown names.
        let mut l = super::InOrder::new();
        for (name, nr) in super::SYSCALLS {
            let name = name.as_str();
            assert_eq!(l.number(name), Some(*nr), "{name}");
        }
        assert_eq!(l.number("read"), Some(libc::SYS_read));
        assert_eq!(l.number("no_such_call"), None);
        let mut l = super::InOrder::new();
        for name in ["accept", "no_such_call", "close", "bind", "zzz", "write"] {
            assert_eq!(l.number(name), super::number(name), "{name}");
        }
    }
}
