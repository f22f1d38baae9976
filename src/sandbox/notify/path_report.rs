//! The path report of `--explain-denials` and `--learn`: the paths the program tried
//! that the sandbox does not grant, each with what was asked and the option that would
//! grant it.
//!
//! The notifying filter also returns `SECCOMP_RET_USER_NOTIF` for the calls that take
//! paths ([`paths::WATCHED`], see `seccomp::watching`). For each, the supervisor asks
//! the policy's own compiled filter what it would have returned ([`PathTracker::allowed`]):
//! an allowed call is recorded here and then runs as the kernel does it
//! (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`), a denied one is answered as every denial is.
//! The path string is read from the program's memory and its directory from
//! `/proc/PID/cwd` or `/proc/PID/fd/N` (a procfs opened before the sandbox existed),
//! for the report only: nothing is decided on it, and a program that changes it under
//! the supervisor only misleads its own report.
//!
//! Whether the call then failed is not known (the kernel answers the program, not the
//! supervisor): a path is reported when it exists on the host (or, for a create, its
//! directory does), resolved by caprun beneath the host's root opened before the
//! sandbox, and no grant of the sandbox gives what was asked ([`paths::verdict`]).
//! What is kept and printed is bounded whatever the program does.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use super::hint::{shell_word, shown};
use super::paths::{self, Asked, Base, Flag, PathGrants};
use crate::sandbox::policy::{scalar, SeccompPolicy};
use crate::sandbox::seccomp::{self, BpfProgramOwned};
use crate::sandbox::syscalls;
use crate::sys::seccomp::{notif_id_valid, notif_sync_wake_up, read_string, SeccompNotif};

/// The longest path read from the program's memory (`PATH_MAX` without its NUL).
const MAX_PATH: usize = 4095;
/// The (path, asked) pairs remembered as examined, in bytes (paths and the set's own
/// [`ENTRY_OVERHEAD`]): beyond, new paths are counted as not examined (each examination
/// costs a few `fstatat`).
const MAX_SEEN_BYTES: usize = 4 << 20;
/// What one remembered (path, asked) pair costs beyond the path's bytes.
const ENTRY_OVERHEAD: usize = 96;
/// Distinct paths kept as not granted: beyond, they are counted.
const MAX_MISSING: usize = 1024;
/// Lines printed while the program runs.
const MAX_LIVE_LINES: usize = 32;
/// Paths the explain summary names.
const SUMMARY_PATHS: usize = 48;

/// One path to grant, with everything asked of it.
#[derive(Debug, Clone)]
struct Entry {
    asked: BTreeSet<Asked>,
    count: u64,
    is_dir: bool,
    option: Flag,
}

impl Entry {
    fn flag(&self) -> Flag {
        self.option
    }

    fn words(&self) -> String {
        let words: Vec<&str> = self.asked.iter().map(|a| a.word()).collect();
        words.join(", ")
    }
}

/// The supervisor's record of the paths a program tried (see the module documentation).
#[derive(Debug)]
pub struct PathTracker {
    grants: PathGrants,
    host_root: OwnedFd,
    host_proc: OwnedFd,
    /// The filter without the watch: what the policy says of a watched call.
    plain: BpfProgramOwned,
    watched: BTreeSet<i64>,
    seen: HashSet<(PathBuf, Asked)>,
    seen_bytes: usize,
    missing: BTreeMap<PathBuf, Entry>,
    /// Paths not granted beyond [`MAX_MISSING`].
    dropped: u64,
    /// Path arguments that could not be read (memory, or the directory).
    unread: u64,
    /// New paths not examined beyond [`MAX_SEEN_BYTES`].
    unexamined: u64,
    /// Paths not granted that the host refuses caprun's caller as well.
    host_refuses: u64,
    /// [`first_notification`](Self::first_notification) ran.
    sync_wake_asked: bool,
    live_lines: usize,
    /// Learning: the host is readable, so only the grants tell what the sandbox has.
    learning: bool,
    /// The program was launched with a config, not the command line: grants are named
    /// as its `paths:` entries.
    config_form: bool,
    /// The sandbox's root as the supervisor sees it (it lives in the sandbox's mount
    /// namespace), opened at the first path: the view inside.
    inside_root: Option<OwnedFd>,
}

impl PathTracker {
    /// A tracker judging paths against `grants`, resolving them beneath `host_root` (the
    /// host's `/`) and reading the program's directories in `host_proc` (the host's
    /// `/proc`: the PID namespace's own would not know the notifications' pids), both
    /// opened before the sandbox existed. `plain` is the notifying filter without the
    /// watch, `watched` the numbers it adds ([`watched_numbers`]); `learning`: the
    /// learning run, whose program may read the host (see `paths::Seen::inside`).
    pub fn new(
        grants: PathGrants,
        host_root: OwnedFd,
        host_proc: OwnedFd,
        plain: BpfProgramOwned,
        watched: &[u32],
        learning: bool,
    ) -> PathTracker {
        PathTracker {
            grants,
            host_root,
            host_proc,
            plain,
            watched: watched.iter().map(|&n| i64::from(n)).collect(),
            seen: HashSet::new(),
            seen_bytes: 0,
            missing: BTreeMap::new(),
            dropped: 0,
            unread: 0,
            unexamined: 0,
            host_refuses: 0,
            sync_wake_asked: false,
            live_lines: 0,
            learning,
            config_form: false,
            inside_root: None,
        }
    }

    /// Name grants as a config's `paths:` entries (`!file`, `!dir`), for a program
    /// launched with a config.
    pub fn in_config_form(&mut self) {
        self.config_form = true;
    }

    /// The descriptors the supervisor keeps for it.
    pub fn keep_fds(&self) -> Vec<RawFd> {
        vec![self.host_root.as_raw_fd(), self.host_proc.as_raw_fd()]
    }

    /// Once, at the first watched call: ask the kernel for synchronous wake-ups on
    /// `listener` (every path call is a round trip; best effort, Linux 6.6).
    pub fn first_notification(&mut self, listener: RawFd) {
        if !self.sync_wake_asked {
            self.sync_wake_asked = true;
            let _ = notif_sync_wake_up(listener);
        }
    }

    /// Whether calls to `nr` are watched.
    pub fn watches(&self, nr: i64) -> bool {
        self.watched.contains(&nr)
    }

    /// Whether the policy allows this call (its own filter says `SECCOMP_RET_ALLOW`).
    pub fn allowed(&self, nr: i64, args: [u64; 6]) -> bool {
        seccomp::evaluate(&self.plain, nr, args).map(|e| e.ret) == Some(seccomp::RET_ALLOW)
    }

    /// Record the paths of the pending notification `req` on `listener`; returns the
    /// lines to print now (`live`: explain mode), often none.
    pub fn record(&mut self, listener: RawFd, req: &SeccompNotif, live: bool) -> String {
        let nr = i64::from(req.data.nr);
        let mut out = String::new();
        for arg in paths::asked(nr, &req.data.args) {
            let Some(text) = read_string(req.pid, arg.addr, MAX_PATH) else {
                self.unread += 1;
                continue;
            };
            if text.is_empty() {
                // A call on the descriptor itself (`AT_EMPTY_PATH`): no path.
                continue;
            }
            let base = if text.first() == Some(&b'/') {
                Some(PathBuf::from("/"))
            } else {
                self.base(req.pid, arg.base)
            };
            // The pid named the caller while the memory and its directory were read.
            if !notif_id_valid(listener, req.id) {
                return out;
            }
            let Some(base) = base else {
                self.unread += 1;
                continue;
            };
            let Some(path) = paths::absolute(&base, &text) else {
                continue;
            };
            if let Some(line) = self.examine(path, arg.asked, req.pid) {
                if live {
                    out.push_str(&self.live(line));
                }
            }
        }
        out
    }

    /// The directory a relative path of process `pid` is relative to.
    fn base(&self, pid: u32, base: Base) -> Option<PathBuf> {
        let link = match base {
            Base::Fd(libc::AT_FDCWD) | Base::Cwd => format!("{pid}/cwd"),
            Base::Fd(fd) if fd >= 0 => format!("{pid}/fd/{fd}"),
            Base::Fd(_) => return None,
        };
        let target = nix::fcntl::readlinkat(&self.host_proc, link.as_str()).ok()?;
        let target = PathBuf::from(target);
        // "(unreachable)/…", "pipe:[…]": not a directory the report can name.
        target.is_absolute().then_some(target)
    }

    /// Judge `path` (absolute, as the program named it) once per thing asked: a line
    /// for a path newly found not granted.
    fn examine(&mut self, path: PathBuf, asked: Asked, pid: u32) -> Option<String> {
        // The sandbox's own: never a grant to add (see `paths::verdict`), and not worth
        // a lookup.
        if paths::OWN.iter().any(|own| path.starts_with(own)) {
            return None;
        }
        let key = (path, asked);
        if self.seen.contains(&key) {
            return None;
        }
        // Each entry costs its bytes and about a hundred more (the set's own).
        let cost = key.0.as_os_str().len() + ENTRY_OVERHEAD;
        if self.seen_bytes + cost > MAX_SEEN_BYTES {
            self.unexamined += 1;
            return None;
        }
        self.seen_bytes += cost;
        let (path, asked) = key;
        let root = self.host_root.as_fd();
        let host = paths::resolve(root, &path);
        let writes_entry = matches!(asked, Asked::Create | Asked::Remove);
        let parent_of = |r: &paths::Resolved| r.canonical.parent().map(Path::to_owned);
        let host_parent = writes_entry
            .then(|| parent_of(&host).map(|p| paths::resolve(root, &p)))
            .flatten();
        // The view inside is the sandbox's own but while learning (the host is readable
        // then), where it still is in the sandbox's fresh tmpfs mounts.
        let inside_view = self.grants.mount_namespace
            && (!self.learning
                || self.grants.in_fresh(&path)
                || self.grants.in_fresh(&host.canonical));
        if inside_view && self.inside_root.is_none() {
            self.inside_root = open_root();
        }
        let inside_root = self.inside_root.as_ref().filter(|_| inside_view);
        let inside = inside_root.map(|r| paths::resolve(r.as_fd(), &path));
        let inside_parent = match (inside_root, &inside) {
            (Some(r), Some(i)) if writes_entry => {
                parent_of(i).map(|p| paths::resolve(r.as_fd(), &p))
            }
            _ => None,
        };
        let seen = paths::Seen {
            named: &path,
            host: &host,
            host_parent: host_parent.as_ref(),
            inside: inside.as_ref(),
            inside_parent: inside_parent.as_ref(),
        };
        let verdict = paths::verdict(&self.grants, asked, &seen);
        self.seen.insert((path, asked));
        let m = verdict?;
        // A grant gives only what the host allows caprun's caller: a path the host
        // refuses too is counted, not named.
        if m.option != Flag::Bind && !host_allows(root, &m.grant, m.asked, m.is_dir) {
            self.host_refuses += 1;
            return None;
        }
        let new_path = !self.missing.contains_key(&m.grant);
        if new_path && self.missing.len() >= MAX_MISSING {
            self.dropped += 1;
            return None;
        }
        let e = self.missing.entry(m.grant.clone()).or_insert(Entry {
            asked: BTreeSet::new(),
            count: 0,
            is_dir: m.is_dir,
            option: m.option,
        });
        e.count += 1;
        // Writing wins over reading or binding.
        if m.option == Flag::Rw {
            e.option = Flag::Rw;
        }
        let new_ask = e.asked.insert(m.asked);
        let grant = grant_text(e.option, &m.grant, e.is_dir, self.config_form);
        new_ask.then(|| {
            format!(
                "caprun: not granted: {} {} (grant it with {grant}) [pid {pid}]\n",
                m.asked.word(),
                shown(&m.grant),
            )
        })
    }

    /// `line`, or nothing once [`MAX_LIVE_LINES`] were printed.
    fn live(&mut self, line: String) -> String {
        self.live_lines += 1;
        match self.live_lines {
            n if n <= MAX_LIVE_LINES => line,
            n if n == MAX_LIVE_LINES + 1 => {
                "caprun: further paths not granted are listed in the summary only\n".into()
            }
            _ => String::new(),
        }
    }

    /// The explain summary of the paths (empty when every path tried was granted or
    /// nowhere on the host).
    pub fn summary(&self) -> String {
        let mut s = String::new();
        if self.host_refuses > 0 {
            let _ = writeln!(
                s,
                "caprun: summary: {} path{} the program tried {} not granted and refused to you on the host as well (no grant would give {}: not named)",
                self.host_refuses,
                if self.host_refuses == 1 { "" } else { "s" },
                if self.host_refuses == 1 { "is" } else { "are" },
                if self.host_refuses == 1 { "it" } else { "them" },
            );
        }
        if self.missing.is_empty() {
            if self.unread > 0 {
                let _ = writeln!(
                    s,
                    "caprun: summary: {} path{} the program tried could not be read (its memory or directory was out of reach)",
                    self.unread,
                    if self.unread == 1 { "" } else { "s" }
                );
            }
            return s;
        }
        let n = self.missing.len() as u64 + self.dropped;
        let _ = writeln!(
            s,
            "caprun: summary: {n} path{} the program tried {} not granted (each exists on the host):",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" }
        );
        let mut entries: Vec<(&PathBuf, &Entry)> = self.missing.iter().collect();
        entries.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        for (path, e) in entries.iter().take(SUMMARY_PATHS) {
            let _ = writeln!(
                s,
                "caprun:   {}  ({})",
                grant_text(e.option, path, e.is_dir, self.config_form),
                e.words()
            );
        }
        let more = entries.len().saturating_sub(SUMMARY_PATHS) as u64 + self.dropped;
        if more > 0 {
            let _ = writeln!(s, "caprun:   and {more} other paths");
        }
        if self.unexamined > 0 || self.unread > 0 {
            let _ = writeln!(
                s,
                "caprun:   ({} more path{} not examined or not readable)",
                self.unexamined + self.unread,
                if self.unexamined + self.unread == 1 {
                    ""
                } else {
                    "s"
                }
            );
        }
        s.push_str(if self.config_form {
            "caprun: grant what the program needs with these entries of the config (or binds in a policy) and run it again\n"
        } else {
            "caprun: grant what the program needs with these options (or binds in a policy) and run it again\n"
        });
        s
    }

    /// Learn mode: the `root: binds:` a learned policy adds (paths read outside the
    /// base policy: files as files, directories only where listed), with the paths
    /// that needed writing as comments (a policy's binds are read-only); empty when
    /// nothing outside the base was used.
    pub fn learned_binds(&self) -> String {
        let binds = self.binds();
        let mut comments = String::new();
        for (path, e) in &self.missing {
            if e.flag() == Flag::Rw {
                let _ = writeln!(
                    comments,
                    "# written ({}): {} — binds are read-only: grant it with --rw {}",
                    e.words(),
                    shown(path),
                    shell_word(path)
                );
            } else if e.is_dir && !e.asked.contains(&Asked::List) {
                let _ = writeln!(
                    comments,
                    "# looked up, not listed: {} (a directory; bind it to give all it holds)",
                    shown(path)
                );
            } else if path.to_str().is_none() {
                let _ = writeln!(comments, "# not UTF-8, not bound: {}", shown(path));
            }
        }
        if binds.is_empty() && comments.is_empty() {
            return String::new();
        }
        let mut s = String::from(
            "# Paths the program used outside the extended policy (each seen while learning;\n\
             # the host was readable then): bound read-only, files as files.\n",
        );
        s.push_str(&comments);
        if self.dropped > 0 || self.unexamined > 0 {
            let _ = writeln!(
                s,
                "# ({} more paths were not kept: the record is bounded)",
                self.dropped + self.unexamined
            );
        }
        if !binds.is_empty() {
            s.push_str("root:\n  binds:\n");
            for (path, e) in binds {
                let _ = writeln!(
                    s,
                    "    - {:<40} # {}",
                    scalar(&path.to_string_lossy()),
                    e.words()
                );
            }
        }
        s
    }

    /// Learn mode: the paths that needed writing, for the message at the end.
    pub fn written(&self) -> Vec<&Path> {
        self.missing
            .iter()
            .filter(|(_, e)| e.flag() == Flag::Rw)
            .map(|(p, _)| p.as_path())
            .collect()
    }

    /// How many paths a learned policy binds (see [`learned_binds`](Self::learned_binds)).
    pub fn bound(&self) -> usize {
        self.binds().len()
    }

    /// What a learned policy binds: the paths only read (files, and directories that
    /// were listed), but those in a directory bound too.
    fn binds(&self) -> Vec<(&PathBuf, &Entry)> {
        let mut binds: Vec<(&PathBuf, &Entry)> = self
            .missing
            .iter()
            .filter(|(p, e)| {
                e.flag() != Flag::Rw
                    && (!e.is_dir || e.asked.contains(&Asked::List))
                    && p.to_str().is_some()
            })
            .collect();
        let dirs: Vec<&PathBuf> = binds
            .iter()
            .filter(|(_, e)| e.is_dir)
            .map(|(p, _)| *p)
            .collect();
        binds.retain(|(p, _)| !dirs.iter().any(|d| p.starts_with(d) && p != d));
        binds
    }
}

/// What grants `path` (a directory if `is_dir`) as `flag` asks: an option of the
/// command line (`--ro P`), or an entry of a config's `paths:` (`config_form`).
fn grant_text(flag: Flag, path: &Path, is_dir: bool, config_form: bool) -> String {
    let tag = if is_dir { "!dir" } else { "!file" };
    let yaml = scalar(&path.to_string_lossy());
    match (flag, config_form) {
        (Flag::Bind, _) => format!("a policy bind (root: binds:) of {}", shell_word(path)),
        (Flag::Ro, false) => format!("--ro {}", shell_word(path)),
        (Flag::Rw, false) => format!("--rw {}", shell_word(path)),
        (Flag::Ro, true) => format!("paths: [{tag} {yaml}]"),
        (Flag::Rw, true) => format!("paths: [{tag} {{path: {yaml}, mode: readwrite}}]"),
    }
}

/// Whether the host lets this process (caprun's caller's credentials, in the user
/// namespace the supervisor lives in: capabilities there do not reach the host's files)
/// do `asked` on `grant` (the file, or the directory to create in), beneath `root`.
fn host_allows(root: BorrowedFd<'_>, grant: &Path, asked: Asked, is_dir: bool) -> bool {
    use nix::unistd::{faccessat, AccessFlags};
    let mode = match asked {
        Asked::Write | Asked::Create | Asked::Remove => AccessFlags::W_OK,
        Asked::Exec if !is_dir => AccessFlags::X_OK,
        Asked::Stat => AccessFlags::F_OK,
        Asked::Read | Asked::List | Asked::Exec => AccessFlags::R_OK,
    };
    let rel = grant.strip_prefix("/").unwrap_or(grant);
    let rel = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    faccessat(root, rel, mode, nix::fcntl::AtFlags::AT_EACCESS).is_ok()
}

/// `/` as this process sees it.
fn open_root() -> Option<OwnedFd> {
    use nix::fcntl::OFlag;
    nix::fcntl::open(
        "/",
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .ok()
}

/// The numbers of [`paths::WATCHED`] (x86_64) that the policy `sp` has no errno
/// override for (an override answers the call itself, watched or not).
pub fn watched_numbers(sp: &SeccompPolicy) -> Vec<u32> {
    paths::WATCHED
        .iter()
        .filter(|n| !sp.errno.contains_key(**n))
        .filter_map(|n| syscalls::number(n))
        .map(|n| n as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::notify::paths::PathGrant;
    use crate::sandbox::policy;

    fn tracker(root: &Path, learning: bool) -> PathTracker {
        let sp = policy::load("devtools").unwrap().seccomp.unwrap();
        let plain = seccomp::compile_with(&sp, seccomp::Denials::Notify).unwrap();
        let open = |p: &Path| OwnedFd::from(std::fs::File::open(p).unwrap());
        let grants = PathGrants {
            grants: vec![PathGrant {
                path: "/granted".into(),
                write: false,
                fresh: false,
            }],
            links: Vec::new(),
            restricted: true,
            mount_namespace: true,
        };
        PathTracker::new(
            grants,
            open(root),
            open(Path::new("/proc")),
            plain,
            &watched_numbers(&sp),
            learning,
        )
    }

    /// A host with many files the program reads, none granted: what is kept, printed
    /// and summed up stays bounded, and every file is judged once.
    #[test]
    fn the_path_report_is_bounded_whatever_the_program_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("granted")).unwrap();
        std::fs::write(dir.path().join("granted/ok"), "").unwrap();
        for i in 0..MAX_MISSING + 50 {
            std::fs::write(dir.path().join(format!("f{i}")), "").unwrap();
        }
        let mut t = tracker(dir.path(), true);
        let mut printed = 0;
        for round in 0..2 {
            for i in 0..MAX_MISSING + 50 {
                let line = t.examine(PathBuf::from(format!("/f{i}")), Asked::Read, 7);
                printed += t.live(line.unwrap_or_default()).len();
            }
            // Missing on the host too, and granted: never reported.
            assert_eq!(t.examine("/nowhere".into(), Asked::Read, 7), None);
            assert_eq!(t.examine("/granted/ok".into(), Asked::Read, 7), None);
            assert_eq!(t.missing.len(), MAX_MISSING, "round {round}");
        }
        assert_eq!(t.dropped, 50);
        let summary = t.summary();
        assert!(printed < 8 * 1024, "{printed}");
        assert!(summary.len() < 16 * 1024, "{}", summary.len());
        assert!(
            summary.starts_with(&format!(
                "caprun: summary: {} paths the program tried are not granted",
                MAX_MISSING + 50
            )),
            "{summary}"
        );
        assert!(summary.contains("caprun:   --ro /f"), "{summary}");
        // A config's launch is told its `paths:` entries.
        t.in_config_form();
        let summary = t.summary();
        assert!(summary.contains("caprun:   paths: [!file /f"), "{summary}");
        assert_eq!(
            grant_text(Flag::Rw, Path::new("/a b"), true, true),
            "paths: [!dir {path: \"/a b\", mode: readwrite}]"
        );
        // The learned policy binds each file once, the dropped ones counted.
        let binds = t.learned_binds();
        assert_eq!(binds.matches("\n    - /f").count(), MAX_MISSING, "{binds}");
        assert!(binds.contains("(50 more paths were not kept"), "{binds}");
    }

    /// Learning binds files as files, a listed directory whole (not the files in it
    /// again), and leaves what was written to the command line.
    #[test]
    fn learning_binds_files_listed_directories_and_names_writes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("conf/sub")).unwrap();
        std::fs::write(d.join("conf/sub/a"), "").unwrap();
        std::fs::write(d.join("conf/b"), "").unwrap();
        std::fs::create_dir(d.join("out")).unwrap();
        std::fs::create_dir(d.join("looked")).unwrap();
        let mut t = tracker(d, true);
        t.examine("/conf/b".into(), Asked::Read, 7);
        t.examine("/conf/sub".into(), Asked::List, 7);
        t.examine("/conf/sub/a".into(), Asked::Read, 7);
        t.examine("/out/new".into(), Asked::Create, 7);
        t.examine("/looked".into(), Asked::Stat, 7);
        let binds = t.learned_binds();
        let text = format!("extends: strict\n{binds}");
        let p =
            policy::parse(&text, "learned.yaml", None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let targets: Vec<&Path> = p.binds.iter().map(|b| b.target.as_path()).collect();
        assert!(
            targets.ends_with(&[Path::new("/conf/b"), Path::new("/conf/sub")]),
            "{text}"
        );
        assert!(!text.contains("- /conf/sub/a"), "{text}");
        assert!(text.contains("grant it with --rw /out"), "{text}");
        assert!(text.contains("looked up, not listed: /looked"), "{text}");
        assert_eq!(t.written(), [Path::new("/out")]);
        assert_eq!(t.bound(), 2);
    }

    /// What the host refuses caprun's caller is not a grant to add: checked with the
    /// caller's own credentials (here a child switched to `nobody`).
    #[test]
    fn the_host_refusing_the_caller_too_is_not_a_grant() {
        use std::os::unix::fs::PermissionsExt;
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED (needs root to switch to another user): the_host_refusing_the_caller_too_is_not_a_grant");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (name, mode) in [("private", 0o600), ("public", 0o644)] {
            std::fs::write(d.join(name), "").unwrap();
            std::fs::set_permissions(d.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let root = OwnedFd::from(std::fs::File::open(d).unwrap());
        let code = crate::sandbox::testutil::in_child(|| {
            let nobody = nix::unistd::Uid::from_raw(65534);
            if nix::unistd::setresuid(nobody, nobody, nobody).is_err() {
                return 2;
            }
            let allows = |p: &str, a| host_allows(root.as_fd(), Path::new(p), a, false);
            let ok = allows("/public", Asked::Read)
                && !allows("/private", Asked::Read)
                && !allows("/public", Asked::Write)
                && !allows("/", Asked::Create);
            if ok {
                0
            } else {
                1
            }
        });
        assert_eq!(code, 0);
        // caprun's caller here (root) is refused nothing of it.
        assert!(host_allows(
            root.as_fd(),
            Path::new("/private"),
            Asked::Write,
            false
        ));
    }
}
