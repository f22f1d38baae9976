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
    /// Limits on what the sandbox as a whole may use (`limits:`).
    pub limits: Limits,
    /// Landlock mode.
    pub landlock: LandlockMode,
    /// Capability handling.
    pub capabilities: CapsMode,
    /// Host name inside the UTS namespace.
    pub hostname: Option<String>,
    /// Resource limits: resource name → (soft, hard), `RLIM_INFINITY` for unlimited.
    pub rlimits: BTreeMap<String, (u64, u64)>,
    /// The system call filter, `None` for `seccomp: off`.
    pub seccomp: Option<SeccompPolicy>,
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
            limits: Limits::default(),
            landlock: LandlockMode::Off,
            capabilities: CapsMode::Drop,
            hostname: None,
            rlimits: BTreeMap::new(),
            seccomp: None,
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
    /// `AF_INET6` (stream and datagram types), and Landlock does not handle TCP
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
}

impl Limits {
    /// The names `limits:` (and `--limit NAME=VALUE`) take.
    pub const NAMES: [&'static str; 2] = ["tasks", "tmpfs"];

    /// Set `name` (one of [`NAMES`](Self::NAMES)) to `value`; false for another name.
    pub fn set(&mut self, name: &str, value: Option<u64>) -> bool {
        match name {
            "tasks" => self.tasks = value,
            "tmpfs" => self.tmpfs = value,
            _ => return false,
        }
        true
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

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<u64> {
        match name {
            "tasks" => self.tasks,
            _ => self.tmpfs,
        }
    }
}

/// The `RLIMIT_*` resource for a policy's `rlimits:` name.
pub fn rlimit_resource(name: &str) -> Option<RlimitResource> {
    Some(match name {
        "as" => libc::RLIMIT_AS,
        "core" => libc::RLIMIT_CORE,
        "cpu" => libc::RLIMIT_CPU,
        "data" => libc::RLIMIT_DATA,
        "fsize" => libc::RLIMIT_FSIZE,
        "locks" => libc::RLIMIT_LOCKS,
        "memlock" => libc::RLIMIT_MEMLOCK,
        "msgqueue" => libc::RLIMIT_MSGQUEUE,
        "nice" => libc::RLIMIT_NICE,
        "nofile" => libc::RLIMIT_NOFILE,
        "nproc" => libc::RLIMIT_NPROC,
        "rss" => libc::RLIMIT_RSS,
        "rtprio" => libc::RLIMIT_RTPRIO,
        "rttime" => libc::RLIMIT_RTTIME,
        "sigpending" => libc::RLIMIT_SIGPENDING,
        "stack" => libc::RLIMIT_STACK,
        _ => return None,
    })
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
