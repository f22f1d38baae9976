//! The policy model: a resolved [`Policy`] and its parts, as the parser
//! ([`super::parse`]) builds them, the generated built-ins construct them and the
//! sandbox applies them; and the tables of names the format uses (namespaces, resource
//! limits, errno values).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::sandbox::syscalls;
use crate::sys::ids::RlimitResource;

/// A namespace a policy can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Namespace {
    /// `CLONE_NEWUSER`.
    User,
    /// `CLONE_NEWNS`: a fresh empty root is built.
    Mount,
    /// `CLONE_NEWNET`.
    Network,
    /// `CLONE_NEWIPC`.
    Ipc,
    /// `CLONE_NEWUTS` (the policy's hostname is set there).
    Uts,
    /// `CLONE_NEWCGROUP`.
    Cgroup,
    /// `CLONE_NEWPID`: takes effect for the next child, so the launcher must fork.
    Pid,
}

impl Namespace {
    /// The `clone(2)`/`unshare(2)` flag.
    pub fn clone_flag(self) -> libc::c_int {
        match self {
            Namespace::User => libc::CLONE_NEWUSER,
            Namespace::Mount => libc::CLONE_NEWNS,
            Namespace::Network => libc::CLONE_NEWNET,
            Namespace::Ipc => libc::CLONE_NEWIPC,
            Namespace::Uts => libc::CLONE_NEWUTS,
            Namespace::Cgroup => libc::CLONE_NEWCGROUP,
            Namespace::Pid => libc::CLONE_NEWPID,
        }
    }

    /// Every namespace, in the order of the enum.
    pub const ALL: [Namespace; 7] = [
        Namespace::User,
        Namespace::Mount,
        Namespace::Network,
        Namespace::Ipc,
        Namespace::Uts,
        Namespace::Cgroup,
        Namespace::Pid,
    ];

    /// The policy format's name (`namespaces: [user, mount, …]`).
    pub fn name(self) -> &'static str {
        match self {
            Namespace::User => "user",
            Namespace::Mount => "mount",
            Namespace::Network => "network",
            Namespace::Ipc => "ipc",
            Namespace::Uts => "uts",
            Namespace::Cgroup => "cgroup",
            Namespace::Pid => "pid",
        }
    }

    /// The namespace the policy format calls `name`.
    pub fn from_name(name: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|ns| ns.name() == name)
    }
}

/// A read-only bind of a host path into the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Absolute host path.
    pub source: PathBuf,
    /// Absolute path inside the new root.
    pub target: PathBuf,
    /// Skip silently when `source` does not exist.
    pub optional: bool,
    /// A device node (`root.devices`): bound read-write with device access, and granted
    /// read and write by Landlock.
    pub device: bool,
}

/// The device nodes `root.devices` may name (each bound from the host's `/dev`).
pub const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// A symbolic link created in the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symlink {
    /// Absolute path of the link inside the new root.
    pub link: PathBuf,
    /// What it points to (as written).
    pub target: PathBuf,
}

/// How Landlock is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandlockMode {
    /// Refuse to run unless every access right of the running ABI is enforced.
    Required,
    /// Enforce what the kernel supports and report the rest.
    BestEffort,
    /// No Landlock.
    Off,
}

/// What happens to the capability sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapsMode {
    /// Clear every set, lock the securebits, set no_new_privs.
    Drop,
    /// Leave them alone.
    Keep,
}

/// A seccomp action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fail the call with this errno.
    Errno(u32),
    /// Kill the process.
    Kill,
    /// Allow and log.
    Log,
}

/// A comparison operator of an argument condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One argument condition: `arg{index} [& mask] op value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgCondition {
    /// Argument index, 0–5.
    pub index: u8,
    /// Compare all 64 bits (`argN.64`) instead of the low 32.
    pub wide: bool,
    /// Bits to keep before comparing (only with [`CmpOp::Eq`]).
    pub mask: Option<u64>,
    /// The operator.
    pub op: CmpOp,
    /// The value compared with.
    pub value: u64,
}

/// A conditional rule: the call is allowed when one of `alternatives` holds entirely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallRule {
    /// System call number (x86_64).
    pub nr: i64,
    /// OR of ANDs.
    pub alternatives: Vec<Vec<ArgCondition>>,
}

/// A set of system call names, iterated in ascending order: a sorted list in static
/// memory (the built-in policies: building one allocates and compares nothing) or an owned
/// set (parsed policies; a static list is copied into one when it is changed). Equality
/// is by content.
#[derive(Clone)]
pub enum Names {
    /// Strictly ascending names (see [`Names::from_sorted`]).
    Static(&'static [syscalls::Name]),
    /// Any names.
    Owned(BTreeSet<&'static str>),
}

impl Names {
    /// `list`, which must be strictly ascending: lookups binary-search it (the lists of
    /// the generated built-in policies are checked by a test).
    pub const fn from_sorted(list: &'static [syscalls::Name]) -> Names {
        Names::Static(list)
    }

    /// Whether `name` is in the set.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Names::Static(list) => list
                .binary_search_by(|n| n.as_bytes().cmp(name.as_bytes()))
                .is_ok(),
            Names::Owned(set) => set.contains(name),
        }
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        match self {
            Names::Static(list) => list.len(),
            Names::Owned(set) => set.len(),
        }
    }

    /// True when there are no names.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names in ascending order.
    pub fn iter(&self) -> NamesIter<'_> {
        match self {
            Names::Static(list) => NamesIter::Static(list.iter()),
            Names::Owned(set) => NamesIter::Owned(set.iter()),
        }
    }

    /// The names of `self` that are not in `other`, in ascending order.
    pub fn difference<'a>(&'a self, other: &'a Names) -> impl Iterator<Item = &'static str> + 'a {
        self.iter().filter(|n| !other.contains(n))
    }

    /// The same static list (so equal without comparing names).
    pub fn is_static(&self, list: &'static [syscalls::Name]) -> bool {
        matches!(self, Names::Static(l) if std::ptr::eq(*l, list))
    }

    fn owned(&mut self) -> &mut BTreeSet<&'static str> {
        if let Names::Static(list) = *self {
            *self = Names::Owned(list.iter().map(syscalls::Name::as_str).collect());
        }
        match self {
            Names::Owned(set) => set,
            Names::Static(_) => unreachable!("made owned above"),
        }
    }

    /// Add `name`; true if it was not there.
    pub fn insert(&mut self, name: &'static str) -> bool {
        !self.contains(name) && self.owned().insert(name)
    }

    /// Remove `name`; true if it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        self.contains(name) && self.owned().remove(name)
    }
}

impl Default for Names {
    fn default() -> Names {
        Names::Owned(BTreeSet::new())
    }
}

impl PartialEq for Names {
    fn eq(&self, other: &Names) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Names {}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<BTreeSet<&'static str>> for Names {
    fn from(set: BTreeSet<&'static str>) -> Names {
        Names::Owned(set)
    }
}

impl FromIterator<&'static str> for Names {
    fn from_iter<I: IntoIterator<Item = &'static str>>(names: I) -> Names {
        Names::Owned(names.into_iter().collect())
    }
}

impl Extend<&'static str> for Names {
    fn extend<I: IntoIterator<Item = &'static str>>(&mut self, names: I) {
        self.owned().extend(names);
    }
}

impl<'a> IntoIterator for &'a Names {
    type Item = &'static str;
    type IntoIter = NamesIter<'a>;
    fn into_iter(self) -> NamesIter<'a> {
        self.iter()
    }
}

/// The iterator of [`Names::iter`].
#[derive(Debug, Clone)]
pub enum NamesIter<'a> {
    /// Over a static list.
    Static(std::slice::Iter<'static, syscalls::Name>),
    /// Over an owned set.
    Owned(std::collections::btree_set::Iter<'a, &'static str>),
}

impl Iterator for NamesIter<'_> {
    type Item = &'static str;
    fn next(&mut self) -> Option<&'static str> {
        match self {
            NamesIter::Static(i) => i.next().map(syscalls::Name::as_str),
            NamesIter::Owned(i) => i.next().copied(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            NamesIter::Static(i) => i.size_hint(),
            NamesIter::Owned(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for NamesIter<'_> {}

/// The seccomp part of a policy (an allowlist). System call names are `&'static str`
/// (names of [`syscalls::SYSCALLS`], checked by the parser): building a policy copies none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeccompPolicy {
    /// What every call not listed gets.
    pub default_action: Action,
    /// Named groups, expanded to syscall names.
    pub groups: BTreeMap<String, Names>,
    /// Unconditionally allowed calls, by name.
    pub allow: Names,
    /// Calls answered with a specific errno: name → errno.
    pub errno: BTreeMap<&'static str, u32>,
    /// Conditionally allowed calls: name → rule.
    pub rules: BTreeMap<&'static str, SyscallRule>,
    /// `exclusive-locks: writable`: an allowed `flock` asking for `LOCK_EX` is decided
    /// by caprun's supervisor (granted only on a descriptor open for writing or a file on
    /// a writable mount of the sandbox's own; `sandbox::notify::locks`), or refused
    /// where there is no supervisor. False (`any`): `allow` and `rules` decide alone.
    pub exclusive_locks_writable: bool,
}

/// A resolved policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The name or path it was loaded as.
    pub name: String,
    /// Namespaces to enter.
    pub namespaces: BTreeSet<Namespace>,
    /// Read-only binds (also the Landlock read/execute grants).
    pub binds: Vec<Bind>,
    /// Symlinks in the new root.
    pub symlinks: Vec<Symlink>,
    /// Fresh writable tmpfs mounts inside the new root (`root.tmpfs`; needs a mount
    /// namespace). Landlock allows every file operation beneath them, execution included.
    pub tmpfs: Vec<PathBuf>,
    /// What network the program has (see [`Network`]).
    pub network: Network,
    /// `network: {allow: [HOST[:PORT], …]}`: the destinations the egress proxy connects
    /// the program to (`--net-allow`; then [`network`](Self::network) is
    /// [`Network::Loopback`]). Empty: no proxy.
    pub net_allow: Vec<String>,
    /// A fresh procfs at `/proc` (`root.proc: true`; needs a PID namespace and a mount
    /// namespace): the sandbox's own processes only, read-only, and Landlock lets them
    /// read it.
    pub proc: bool,
    /// The program may list the directories of its new root (`root.list: true`; needs
    /// a mount namespace): `ls /` shows what it was given. Only names: no file becomes
    /// readable through it.
    pub list_root: bool,
    /// Terminals of its own (`root.pts: true`; needs a user and a mount namespace): a new
    /// devpts instance at `/dev/pts` (`newinstance,ptmxmode=0666`, so the ptys the
    /// program makes are the sandbox's alone) with `/dev/ptmx` a link to `pts/ptmx`, read
    /// and write (terminal ioctls included) allowed beneath it; and the host's `/dev/tty`
    /// when one of caprun's standard descriptors is a terminal or caprun has no
    /// controlling terminal (see `resources::terminal_device`).
    pub pts: bool,
    /// The `/etc` entries installed toolchains under `/usr` link to, read-only
    /// (`root.toolchain-etc: true`; needs a mount namespace): found at launch by
    /// `resources::etc_links`, never a secret.
    pub toolchain_etc: bool,
    /// Limits on what the sandbox as a whole may use (`limits:`).
    pub limits: Limits,
    /// Landlock mode.
    pub landlock: LandlockMode,
    /// Capability handling.
    pub capabilities: CapsMode,
    /// Host name inside the UTS namespace.
    pub hostname: Option<String>,
    /// Resource limits: resource name → (soft, hard), `RLIM_INFINITY` for unlimited.
    pub rlimits: BTreeMap<Rlimit, (u64, u64)>,
    /// The system call filter, `None` for `seccomp: off`.
    pub seccomp: Option<SeccompPolicy>,
    /// `host-writable-dirs: true`: without a mount namespace, a directory granted
    /// writable as a descriptor may still be handed over, as the host's own descriptor
    /// (its `..` leads into the host's tree). Otherwise such a launch is refused; with a
    /// mount namespace every directory descriptor is rooted and this changes nothing.
    pub host_writable_dirs: bool,
}

impl Policy {
    /// The policy with no restriction at all (the starting point of a policy without `extends`).
    pub fn empty(name: &str) -> Policy {
        Policy {
            name: name.to_string(),
            namespaces: BTreeSet::new(),
            binds: Vec::new(),
            symlinks: Vec::new(),
            tmpfs: Vec::new(),
            network: Network::None,
            net_allow: Vec::new(),
            proc: false,
            list_root: false,
            pts: false,
            toolchain_etc: false,
            limits: Limits::default(),
            landlock: LandlockMode::Off,
            capabilities: CapsMode::Drop,
            hostname: None,
            rlimits: BTreeMap::new(),
            seccomp: None,
            host_writable_dirs: false,
        }
    }

    /// True when the policy asks for `ns`.
    pub fn has(&self, ns: Namespace) -> bool {
        self.namespaces.contains(&ns)
    }

    /// Let the program use the host network, as `network: host` does (the command line's
    /// `--net`).
    pub fn allow_network(&mut self) {
        self.network = Network::Host;
    }

    /// The namespaces actually entered: [`namespaces`](Self::namespaces) without
    /// `network` when the program uses the host's ([`Network::Host`]).
    pub fn entered_namespaces(&self) -> impl Iterator<Item = Namespace> + '_ {
        self.namespaces
            .iter()
            .copied()
            .filter(move |ns| !(self.network == Network::Host && *ns == Namespace::Network))
    }

    /// The program may make internet sockets (TCP and UDP over IPv4 and IPv6): on the
    /// host's network, or on the private loopback of its own network namespace.
    pub fn inet_sockets(&self) -> bool {
        self.network != Network::None
    }
}

/// What network a policy gives the program (`network:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// `none` (or `false`): no internet sockets at all; in its own network namespace
    /// when the policy has one.
    None,
    /// `loopback`: its own network namespace (the policy must have one) with `lo` up and
    /// nothing else, and internet sockets allowed there: a test suite's servers and
    /// clients on 127.0.0.1 and ::1 reach each other and nothing outside.
    Loopback,
    /// `host` (or `true`, the command line's `--net`): the host's network: the network
    /// namespace is not entered even if listed, seccomp allows `socket` for `AF_INET`/
    /// `AF_INET6` (stream and datagram types) and netlink route sockets, and Landlock does not handle TCP
    /// bind/connect.
    Host,
}

impl Network {
    /// The policy format's name.
    pub fn name(self) -> &'static str {
        match self {
            Network::None => "none",
            Network::Loopback => "loopback",
            Network::Host => "host",
        }
    }
}

/// Limits on the sandbox as a whole (`limits:`); `None`: no limit from caprun.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// `tasks`: how many processes and threads the sandbox may run at once: the
    /// `RLIMIT_NPROC` of the sandbox's processes, which the kernel (since 5.14) counts per
    /// user namespace, so it counts the sandbox's own tasks only. Needs a user namespace.
    pub tasks: Option<u64>,
    /// `tmpfs`: the size in bytes of every tmpfs caprun mounts (`root.tmpfs`). Pages
    /// beyond it fail with `ENOSPC`.
    pub tmpfs: Option<u64>,
    /// `tmpfs-inodes`: the files, directories and links every such tmpfs may hold
    /// (`nr_inodes=`). `None`: derived from `tmpfs`, one per [`TMPFS_BYTES_PER_INODE`]
    /// (see [`Limits::tmpfs_inodes`]), and unbounded only when `tmpfs` is too.
    pub tmpfs_inodes: Option<u64>,
}

/// How many bytes of a tmpfs's size allow one inode when `tmpfs-inodes` is not given:
/// a page. A file that holds data takes at least a page, so a tmpfs of small files runs
/// out of both at about the same point; empty files, directories and links, which take
/// no page, cannot pile up beyond that. (Each inode costs the host ≈ 1 KiB of kernel
/// memory that the size does not count: 60,000 empty files fitted in a 1 MiB tmpfs
/// before.)
pub const TMPFS_BYTES_PER_INODE: u64 = 4096;

/// A limit on the sandbox as a whole (a key of `limits:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SandboxLimit {
    /// `tasks` ([`Limits::tasks`]).
    Tasks,
    /// `tmpfs` ([`Limits::tmpfs`]).
    Tmpfs,
    /// `tmpfs-inodes` ([`Limits::tmpfs_inodes`]).
    TmpfsInodes,
}

impl SandboxLimit {
    /// Every one, in the order the policy format lists them.
    pub const ALL: [SandboxLimit; 3] = [Self::Tasks, Self::Tmpfs, Self::TmpfsInodes];

    /// Its name in `limits:` and `--limit`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tasks => "tasks",
            Self::Tmpfs => "tmpfs",
            Self::TmpfsInodes => "tmpfs-inodes",
        }
    }

    /// The limit named `name`.
    pub fn from_name(name: &str) -> Option<SandboxLimit> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }
}

impl Limits {
    /// The names `limits:` (and `--limit NAME=VALUE`) take.
    pub const NAMES: [&'static str; 3] = ["tasks", "tmpfs", "tmpfs-inodes"];

    /// Set `which` to `value`.
    pub fn set(&mut self, which: SandboxLimit, value: Option<u64>) {
        match which {
            SandboxLimit::Tasks => self.tasks = value,
            SandboxLimit::Tmpfs => self.tmpfs = value,
            SandboxLimit::TmpfsInodes => self.tmpfs_inodes = value,
        }
    }

    /// Parse a limit's value: a number, with a `K`, `M`, `G` or `T` suffix (powers of
    /// 1024) for sizes, or `unlimited`. `Ok(None)`: unlimited.
    pub fn parse_value(name: &str, text: &str) -> Result<Option<u64>, String> {
        if text == "unlimited" {
            return Ok(None);
        }
        let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            Some((i, _)) => text.split_at(i),
            None => (text, ""),
        };
        let scale: u64 = match (name, unit) {
            (_, "") => 1,
            ("tmpfs", "K" | "k") => 1 << 10,
            ("tmpfs", "M" | "m") => 1 << 20,
            ("tmpfs", "G" | "g") => 1 << 30,
            ("tmpfs", "T" | "t") => 1 << 40,
            ("tmpfs", _) => {
                return Err(format!(
                    "limit {name}: `{text}` is not a size (a number of bytes, with K, M, G or T for powers of 1024, or `unlimited`)"
                ))
            }
            _ => {
                return Err(format!(
                    "limit {name}: `{text}` is not a number or `unlimited`"
                ))
            }
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("limit {name}: `{text}` is not a number or `unlimited`"))?;
        match n.checked_mul(scale) {
            Some(0) => Err(format!(
                "limit {name}: 0 would stop everything; use at least 1"
            )),
            Some(v) => Ok(Some(v)),
            None => Err(format!("limit {name}: `{text}` is too large")),
        }
    }

    /// A limit's value as the policy format writes it.
    pub fn render_value(name: &str, value: Option<u64>) -> String {
        match value {
            None => "unlimited".into(),
            Some(v) if name == "tmpfs" => {
                for (unit, scale) in [
                    ("T", 1u64 << 40),
                    ("G", 1 << 30),
                    ("M", 1 << 20),
                    ("K", 1 << 10),
                ] {
                    if v % scale == 0 {
                        return format!("{}{unit}", v / scale);
                    }
                }
                v.to_string()
            }
            Some(v) => v.to_string(),
        }
    }

    /// The value of `which` (`tmpfs-inodes`: the one in effect, see
    /// [`tmpfs_inodes`](Self::tmpfs_inodes)).
    pub fn get(&self, which: SandboxLimit) -> Option<u64> {
        match which {
            SandboxLimit::Tasks => self.tasks,
            SandboxLimit::Tmpfs => self.tmpfs,
            SandboxLimit::TmpfsInodes => self.tmpfs_inodes(),
        }
    }

    /// The inode limit of every tmpfs caprun mounts: `tmpfs-inodes` when given, else
    /// one per [`TMPFS_BYTES_PER_INODE`] of `tmpfs` (at least one), else none.
    pub fn tmpfs_inodes(&self) -> Option<u64> {
        self.tmpfs_inodes
            .or_else(|| self.tmpfs.map(|size| (size / TMPFS_BYTES_PER_INODE).max(1)))
    }
}

/// The names a policy's `rlimits:` takes (each an `RLIMIT_*` resource), which
/// `--limit NAME=VALUE` takes too.
pub const RLIMIT_NAMES: [&str; 16] = [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// Every name `--limit NAME=VALUE` takes: [`Limits::NAMES`], then [`RLIMIT_NAMES`].
pub fn limit_names() -> impl Iterator<Item = &'static str> {
    Limits::NAMES.into_iter().chain(RLIMIT_NAMES)
}

/// Parse `--limit NAME=VALUE`'s value for resource limit `name` (one of
/// [`RLIMIT_NAMES`]): a number (0 included), with a `K`, `M`, `G` or `T` suffix for the
/// limits counted in bytes, or `unlimited`. `Ok(None)`: unlimited.
pub fn parse_rlimit_value(name: &str, text: &str) -> Result<Option<u64>, String> {
    if text == "unlimited" || text == "infinity" {
        return Ok(None);
    }
    let bytes = matches!(
        name,
        "as" | "core" | "data" | "fsize" | "memlock" | "msgqueue" | "rss" | "stack"
    );
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let scale: u64 = match (bytes, unit) {
        (_, "") => 1,
        (true, "K" | "k") => 1 << 10,
        (true, "M" | "m") => 1 << 20,
        (true, "G" | "g") => 1 << 30,
        (true, "T" | "t") => 1 << 40,
        (true, _) => {
            return Err(format!(
                "limit {name}: `{text}` is not a size (a number of bytes, with K, M, G or T for powers of 1024, or `unlimited`)"
            ))
        }
        (false, _) => {
            return Err(format!(
                "limit {name}: `{text}` is not a number or `unlimited`"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&v| v != libc::RLIM_INFINITY)
        .map(Some)
        .ok_or_else(|| format!("limit {name}: `{text}` is not a number or `unlimited`"))
}

/// A resource limit of a policy's `rlimits:` (an `RLIMIT_*` resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rlimit {
    /// `as`: `RLIMIT_AS`.
    As,
    /// `core`: `RLIMIT_CORE`.
    Core,
    /// `cpu`: `RLIMIT_CPU`.
    Cpu,
    /// `data`: `RLIMIT_DATA`.
    Data,
    /// `fsize`: `RLIMIT_FSIZE`.
    Fsize,
    /// `locks`: `RLIMIT_LOCKS`.
    Locks,
    /// `memlock`: `RLIMIT_MEMLOCK`.
    Memlock,
    /// `msgqueue`: `RLIMIT_MSGQUEUE`.
    Msgqueue,
    /// `nice`: `RLIMIT_NICE`.
    Nice,
    /// `nofile`: `RLIMIT_NOFILE`.
    Nofile,
    /// `nproc`: `RLIMIT_NPROC`.
    Nproc,
    /// `rss`: `RLIMIT_RSS`.
    Rss,
    /// `rtprio`: `RLIMIT_RTPRIO`.
    Rtprio,
    /// `rttime`: `RLIMIT_RTTIME`.
    Rttime,
    /// `sigpending`: `RLIMIT_SIGPENDING`.
    Sigpending,
    /// `stack`: `RLIMIT_STACK`.
    Stack,
}

impl Rlimit {
    /// Every one, in the order of [`RLIMIT_NAMES`].
    pub const ALL: [Rlimit; 16] = [
        Self::As,
        Self::Core,
        Self::Cpu,
        Self::Data,
        Self::Fsize,
        Self::Locks,
        Self::Memlock,
        Self::Msgqueue,
        Self::Nice,
        Self::Nofile,
        Self::Nproc,
        Self::Rss,
        Self::Rtprio,
        Self::Rttime,
        Self::Sigpending,
        Self::Stack,
    ];

    /// Its name in `rlimits:` and `--limit`.
    pub fn name(self) -> &'static str {
        RLIMIT_NAMES[self as usize]
    }

    /// The resource limit named `name`.
    pub fn from_name(name: &str) -> Option<Rlimit> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The `RLIMIT_*` resource.
    pub fn resource(self) -> RlimitResource {
        (match self {
            Self::As => libc::RLIMIT_AS,
            Self::Core => libc::RLIMIT_CORE,
            Self::Cpu => libc::RLIMIT_CPU,
            Self::Data => libc::RLIMIT_DATA,
            Self::Fsize => libc::RLIMIT_FSIZE,
            Self::Locks => libc::RLIMIT_LOCKS,
            Self::Memlock => libc::RLIMIT_MEMLOCK,
            Self::Msgqueue => libc::RLIMIT_MSGQUEUE,
            Self::Nice => libc::RLIMIT_NICE,
            Self::Nofile => libc::RLIMIT_NOFILE,
            Self::Nproc => libc::RLIMIT_NPROC,
            Self::Rss => libc::RLIMIT_RSS,
            Self::Rtprio => libc::RLIMIT_RTPRIO,
            Self::Rttime => libc::RLIMIT_RTTIME,
            Self::Sigpending => libc::RLIMIT_SIGPENDING,
            Self::Stack => libc::RLIMIT_STACK,
        }) as RlimitResource
    }
}

/// What `--limit NAME=VALUE` (and a library launch request) sets: a limit on the sandbox
/// as a whole, or a resource limit (its soft and hard limit both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// A key of `limits:`.
    Sandbox(SandboxLimit),
    /// A key of `rlimits:`.
    Resource(Rlimit),
}

impl Limit {
    /// The limit named `name`; an unknown name is an error that lists them all.
    pub fn from_name(name: &str) -> Result<Limit, String> {
        SandboxLimit::from_name(name)
            .map(Limit::Sandbox)
            .or_else(|| Rlimit::from_name(name).map(Limit::Resource))
            .ok_or_else(|| {
                format!(
                    "unknown limit `{name}` ({})",
                    limit_names().collect::<Vec<_>>().join(", ")
                )
            })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Sandbox(l) => l.name(),
            Limit::Resource(r) => r.name(),
        }
    }

    /// Parse a value for it ([`Limits::parse_value`], [`parse_rlimit_value`]).
    pub fn parse_value(self, text: &str) -> Result<Option<u64>, String> {
        match self {
            Limit::Sandbox(_) => Limits::parse_value(self.name(), text),
            Limit::Resource(_) => parse_rlimit_value(self.name(), text),
        }
    }
}

impl std::str::FromStr for Limit {
    type Err = String;
    fn from_str(name: &str) -> Result<Limit, String> {
        Limit::from_name(name)
    }
}

/// The errno number for a name such as `EPERM`.
pub fn errno_by_name(name: &str) -> Option<u32> {
    if name == "ENOTSUP" {
        return Some(libc::EOPNOTSUPP as u32);
    }
    ERRNO_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, e)| e as u32)
}

/// The policy format's name of errno `e` (`EOPNOTSUPP`, not its alias `ENOTSUP`), if it
/// has one: the inverse of [`errno_by_name`].
pub fn errno_name(e: u32) -> Option<&'static str> {
    ERRNO_NAMES
        .iter()
        .find(|&&(_, v)| v as u32 == e)
        .map(|&(n, _)| n)
}

/// The errno names a policy may use (`ENOTSUP` is accepted too, as `EOPNOTSUPP`).
const ERRNO_NAMES: &[(&str, i32)] = &[
    ("EPERM", libc::EPERM),
    ("ENOENT", libc::ENOENT),
    ("EACCES", libc::EACCES),
    ("ENOSYS", libc::ENOSYS),
    ("EINVAL", libc::EINVAL),
    ("EOPNOTSUPP", libc::EOPNOTSUPP),
    ("EAFNOSUPPORT", libc::EAFNOSUPPORT),
    ("ENOTTY", libc::ENOTTY),
    ("EBADF", libc::EBADF),
    ("EROFS", libc::EROFS),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every limit is known by one name, both ways; an unknown name is an error that
    /// lists them all (a library request cannot carry a mistyped name any more than the
    /// command line can).
    #[test]
    fn limits_are_named_one_way_and_unknown_names_are_errors() {
        for r in Rlimit::ALL {
            assert_eq!(Rlimit::from_name(r.name()), Some(r));
            assert_eq!(Limit::from_name(r.name()), Ok(Limit::Resource(r)));
        }
        for l in SandboxLimit::ALL {
            assert_eq!(Limit::from_name(l.name()), Ok(Limit::Sandbox(l)));
        }
        assert_eq!(SandboxLimit::ALL.map(SandboxLimit::name), Limits::NAMES);
        let err = "tmpfs_inodes".parse::<Limit>().unwrap_err();
        assert!(
            err.starts_with("unknown limit `tmpfs_inodes` (tasks, tmpfs, tmpfs-inodes, as, core"),
            "{err}"
        );
        let mut limits = Limits::default();
        limits.set(SandboxLimit::TmpfsInodes, Some(7));
        assert_eq!(limits.get(SandboxLimit::TmpfsInodes), Some(7));
        assert_eq!(limits.get(SandboxLimit::Tmpfs), None);
    }
}
