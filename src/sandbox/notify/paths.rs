//! What a path-taking system call asks of which path, and whether the sandbox grants it:
//! the pure half of the path report (`--explain-denials`, `--learn`).
//!
//! [`asked`] reads a call's numbers (never its memory): which arguments are paths,
//! relative to which directory descriptor, and what is asked of each. [`verdict`] then
//! judges one path, resolved on the host ([`Resolved`], by [`resolve`] beneath a
//! directory caprun opened before the sandbox existed), against the sandbox's grants
//! ([`PathGrants`]): a path that exists on the host (or, to create one, whose directory
//! does) and that no grant gives what was asked is reported with the narrowest option
//! that would grant it.

use std::ffi::OsStr;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use crate::sandbox::syscalls;

/// What a call asked of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Asked {
    /// Look it up (stat, access, readlink, chdir, `O_PATH`).
    Stat,
    /// Read a file.
    Read,
    /// List a directory.
    List,
    /// Execute it.
    Exec,
    /// Write to (or change) an existing file.
    Write,
    /// Create an entry (in the directory above it).
    Create,
    /// Remove or rename an entry (in the directory above it).
    Remove,
}

impl Asked {
    /// The word reports use.
    pub fn word(self) -> &'static str {
        match self {
            Asked::Stat => "look up",
            Asked::Read => "read",
            Asked::List => "list",
            Asked::Exec => "execute",
            Asked::Write => "write",
            Asked::Create => "create in",
            Asked::Remove => "remove from",
        }
    }

    /// Whether granting it needs write access.
    pub fn writes(self) -> bool {
        matches!(self, Asked::Write | Asked::Create | Asked::Remove)
    }
}

/// The directory a path argument is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The caller's working directory (`AT_FDCWD`, or a call without a descriptor).
    Cwd,
    /// The caller's descriptor.
    Fd(i32),
}

/// One path argument of a call: where its string is in the caller's memory, what it is
/// relative to, and what is asked of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathArg {
    /// The address of the NUL-terminated string.
    pub addr: u64,
    /// What a relative path is relative to.
    pub base: Base,
    /// What the call asks.
    pub asked: Asked,
}

/// The system calls whose path arguments are watched (x86_64). Not the xattr and
/// statfs families (`ls -l` would notify for each file twice more for nothing new).
pub const WATCHED: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "execve",
    "execveat",
    "readlink",
    "readlinkat",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "unlink",
    "unlinkat",
    "rmdir",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chdir",
    "truncate",
    "chmod",
    "fchmodat",
    "utimensat",
];

const O_ACCMODE: u64 = 0o3;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const O_DIRECTORY: u64 = 0o200000;
const O_PATH: u64 = 0o10000000;
const W_OK: u64 = 2;
const X_OK: u64 = 1;
const R_OK: u64 = 4;
const AT_EMPTY_PATH: u64 = 0x1000;

/// What `open`'s `flags` ask of the path.
fn open_asks(flags: u64) -> Asked {
    if flags & O_PATH != 0 {
        Asked::Stat
    } else if flags & O_CREAT != 0 {
        Asked::Create
    } else if flags & O_ACCMODE != 0 || flags & O_TRUNC != 0 {
        Asked::Write
    } else if flags & O_DIRECTORY != 0 {
        Asked::List
    } else {
        Asked::Read
    }
}

/// What `access`'s `mode` asks.
fn access_asks(mode: u64) -> Asked {
    if mode & W_OK != 0 {
        Asked::Write
    } else if mode & X_OK != 0 {
        Asked::Exec
    } else if mode & R_OK != 0 {
        Asked::Read
    } else {
        Asked::Stat
    }
}

/// The path arguments of a call to `nr` with `args` (empty for calls that take none):
/// at most two (`rename`'s and `link`'s pairs).
pub fn asked(nr: i64, args: &[u64; 6]) -> Vec<PathArg> {
    let Some(name) = syscalls::name(nr) else {
        return Vec::new();
    };
    let at = |i: usize| Base::Fd(args[i] as i32);
    let cwd = Base::Cwd;
    let one = |addr: u64, base: Base, asked: Asked| vec![PathArg { addr, base, asked }];
    let a = args;
    let mut v = match name {
        "open" => one(a[0], cwd, open_asks(a[1])),
        "creat" => one(a[0], cwd, Asked::Create),
        "openat" => one(a[1], at(0), open_asks(a[2])),
        // The flags are in a structure in the caller's memory: reported as a read.
        "openat2" => one(a[1], at(0), Asked::Read),
        "stat" | "lstat" | "readlink" | "chdir" => one(a[0], cwd, Asked::Stat),
        "newfstatat" | "statx" | "readlinkat" => one(a[1], at(0), Asked::Stat),
        "access" => one(a[0], cwd, access_asks(a[1])),
        "faccessat" | "faccessat2" => one(a[1], at(0), access_asks(a[2])),
        "execve" => one(a[0], cwd, Asked::Exec),
        // caprun's own final step executes the program by descriptor (AT_EMPTY_PATH):
        // no path, and the process is not yet readable then.
        "execveat" if a[4] & AT_EMPTY_PATH != 0 => Vec::new(),
        "execveat" => one(a[1], at(0), Asked::Exec),
        "mkdir" | "mknod" => one(a[0], cwd, Asked::Create),
        "mkdirat" | "mknodat" => one(a[1], at(0), Asked::Create),
        "unlink" | "rmdir" => one(a[0], cwd, Asked::Remove),
        "unlinkat" => one(a[1], at(0), Asked::Remove),
        "rename" => vec![
            PathArg {
                addr: a[0],
                base: cwd,
                asked: Asked::Remove,
            },
            PathArg {
                addr: a[1],
                base: cwd,
                asked: Asked::Create,
            },
        ],
        "renameat" | "renameat2" => vec![
            PathArg {
                addr: a[1],
                base: at(0),
                asked: Asked::Remove,
            },
            PathArg {
                addr: a[3],
                base: at(2),
                asked: Asked::Create,
            },
        ],
        "link" | "symlink" => one(a[1], cwd, Asked::Create),
        "linkat" => one(a[3], at(2), Asked::Create),
        "symlinkat" => one(a[2], at(1), Asked::Create),
        "truncate" | "chmod" => one(a[0], cwd, Asked::Write),
        "fchmodat" | "utimensat" => one(a[1], at(0), Asked::Write),
        _ => Vec::new(),
    };
    // A null path (utimensat on a descriptor) names no path.
    v.retain(|p| p.addr != 0);
    v
}

/// `path` (as the program gave it) made absolute against `base` (the directory it is
/// relative to, as the supervisor read it), `.` and `..` removed lexically (`..` above
/// `/` stays at `/`). `None` for an empty path (a call on a descriptor itself).
pub fn absolute(base: &Path, path: &[u8]) -> Option<PathBuf> {
    if path.is_empty() {
        return None;
    }
    let path = Path::new(OsStr::from_bytes(path));
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::from("/");
    for c in joined.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Some(out)
}

/// What a path is on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// Anything else (a file, a device, a socket...).
    File,
}

/// A path resolved on the host: symbolic links followed (also the last component's),
/// and what it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The path with every link followed (its missing tail kept as given).
    pub canonical: PathBuf,
    /// What the canonical path is; `None`: it does not exist.
    pub kind: Option<Kind>,
}

/// The kernel's own limit on links in one lookup.
const MAX_LINKS: usize = 40;
/// The most components [`resolve`] looks at for one path (a `fstatat` each).
const MAX_STEPS: usize = 4096;

/// Resolve the absolute `path` beneath `root` (a directory caprun opened on the host
/// before entering the sandbox), following symbolic links one component at a time as
/// the kernel would, never above `root`. Only `fstatat` and `readlinkat`: nothing is
/// opened, so a FIFO or a device on the way is harmless.
pub fn resolve(root: BorrowedFd<'_>, path: &Path) -> Resolved {
    use nix::fcntl::{readlinkat, AtFlags};
    use nix::sys::stat::{fstatat, SFlag};
    let mut todo: Vec<PathBuf> = path
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(PathBuf::from(n)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect();
    let mut done = PathBuf::new();
    let mut links = 0;
    // Components looked at: each link can add a path's worth; bounded all the same.
    let mut steps = 0;
    let missing = |done: &Path, todo: &[PathBuf]| {
        let mut p = Path::new("/").join(done);
        for t in todo.iter().rev() {
            if t.as_os_str() == ".." {
                p.pop();
            } else {
                p.push(t);
            }
        }
        Resolved {
            canonical: p,
            kind: None,
        }
    };
    while let Some(next) = todo.pop() {
        steps += 1;
        if steps > MAX_STEPS {
            todo.push(next);
            return missing(&done, &todo);
        }
        if next.as_os_str() == ".." {
            done.pop();
            continue;
        }
        let candidate = done.join(&next);
        let st = match fstatat(root, &candidate, AtFlags::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(_) => {
                todo.push(next);
                return missing(&done, &todo);
            }
        };
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        if kind == SFlag::S_IFLNK {
            links += 1;
            let Ok(target) = readlinkat(root, &candidate) else {
                return missing(&done, &[next]);
            };
            if links > MAX_LINKS {
                return missing(&candidate, &todo);
            }
            let target = PathBuf::from(target);
            if target.is_absolute() {
                done = PathBuf::new();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => todo.push(PathBuf::from(n)),
                    Component::ParentDir => todo.push(PathBuf::from("..")),
                    _ => {}
                }
            }
            continue;
        }
        done = candidate;
        if kind != SFlag::S_IFDIR && !todo.is_empty() {
            // ENOTDIR: a file in the middle of the path.
            return missing(&done, &todo);
        }
    }
    let kind = match fstatat(
        root,
        if done.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &done
        },
        AtFlags::AT_SYMLINK_NOFOLLOW,
    ) {
        Ok(st) if SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR => {
            Some(Kind::Dir)
        }
        Ok(_) => Some(Kind::File),
        Err(_) => None,
    };
    Resolved {
        canonical: Path::new("/").join(done),
        kind,
    }
}

/// One place the sandbox gives the program by path: a policy's bind or tmpfs, a device,
/// a granted file or directory (everything beneath a directory), as the program sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGrant {
    /// The path inside the sandbox.
    pub path: PathBuf,
    /// Writable (a tmpfs, a device, `--rw`), not only readable.
    pub write: bool,
    /// A fresh file system of the sandbox's own (`root.tmpfs`): what the program
    /// creates there is there, nothing of the host's.
    pub fresh: bool,
}

/// What the sandbox gives by path, for [`verdict`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathGrants {
    /// Every grant.
    pub grants: Vec<PathGrant>,
    /// The symbolic links the policy creates in the new root (`/bin` → `usr/bin`).
    pub links: Vec<PathBuf>,
    /// Paths are restricted at all (a mount namespace or Landlock): without either,
    /// nothing is reported.
    pub restricted: bool,
    /// A mount namespace: an ungranted path does not exist for the program (so looking
    /// it up fails too); without one, Landlock refuses opening it but not looking it up.
    pub mount_namespace: bool,
}

impl PathGrants {
    /// Whether a grant holds `path` with write access if `write`. With a mount
    /// namespace the innermost grant decides (its mount sits on top of the others);
    /// without one, Landlock adds up the rights of every grant above the path.
    fn covers(&self, path: &Path, write: bool) -> bool {
        let mut holding = self.grants.iter().filter(|g| path.starts_with(&g.path));
        if !self.mount_namespace {
            return holding.any(|g| g.write || !write);
        }
        holding
            .max_by_key(|g| g.path.components().count())
            .is_some_and(|g| g.write || !write)
    }

    /// Whether a grant gives the host's `path` (not a fresh file system over it) with
    /// write access if `write`.
    pub fn gives_host(&self, path: &Path, write: bool) -> bool {
        let mut holding = self.grants.iter().filter(|g| path.starts_with(&g.path));
        if !self.mount_namespace {
            return holding.any(|g| g.write || !write);
        }
        holding
            .max_by_key(|g| g.path.components().count())
            .is_some_and(|g| !g.fresh && (g.write || !write))
    }

    /// Whether `path` lies in a fresh file system of the sandbox's own.
    pub fn in_fresh(&self, path: &Path) -> bool {
        self.grants
            .iter()
            .any(|g| g.fresh && path.starts_with(&g.path))
    }

    /// Whether `path` is a directory above a grant (a mount point inside the sandbox:
    /// it exists there, empty but for the way to the grant).
    fn above_a_grant(&self, path: &Path) -> bool {
        self.grants
            .iter()
            .any(|g| g.path.starts_with(path) && g.path != path)
    }

    /// Whether `path`, as named (not resolved), exists inside the sandbox as far as the
    /// grants tell: beneath a grant or a link of the policy, or on the way to a grant.
    fn present(&self, path: &Path) -> bool {
        self.covers(path, false)
            || self.links.iter().any(|l| path.starts_with(l))
            || self.above_a_grant(path)
    }
}

/// The option that would grant a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// `--ro PATH`.
    Ro,
    /// `--rw PATH`.
    Rw,
    /// A policy's bind of the path as named: a symbolic link (or a path through one)
    /// whose target is granted but which is not in the sandbox itself (`--ro` and
    /// `--rw` grant the canonical path).
    Bind,
}

/// A path the program asked for and was not granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// What was asked (a `Create` of an existing file is a `Write`, a `Read` of a
    /// directory a `List`).
    pub asked: Asked,
    /// The path to grant: the host's canonical path of the file itself or of the
    /// directory to create in or remove from; for [`Flag::Bind`] the path as named.
    pub grant: PathBuf,
    /// `grant` is a directory.
    pub is_dir: bool,
    /// The narrowest option that grants it.
    pub option: Flag,
}

/// One path as the program named it, and what it is on the host and in the sandbox.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// Absolute, as named (links not followed).
    pub named: &'a Path,
    /// Resolved on the host.
    pub host: &'a Resolved,
    /// The host's resolution of the directory above it (for a create or a removal).
    pub host_parent: Option<&'a Resolved>,
    /// Resolved inside the sandbox (its mount namespace, as the supervisor sees it),
    /// when that view is the sandbox's own: `None` without a mount namespace (the
    /// host's view is the sandbox's) or while learning (the host is readable then).
    pub inside: Option<&'a Resolved>,
    /// The same, for the directory above it.
    pub inside_parent: Option<&'a Resolved>,
}

/// Kernel interfaces and devices: the sandbox has its own or none, a policy decides
/// them, never a grant.
pub const OWN: [&str; 3] = ["/proc", "/sys", "/dev"];

/// Whether `asked` of `seen` is outside `grants`: `None` when it is granted, when
/// nothing on the host would satisfy it either (the path and, for a create, its
/// directory do not exist), or when it lies in [`OWN`] (`/proc`, `/sys`, `/dev`).
pub fn verdict(grants: &PathGrants, asked: Asked, seen: &Seen<'_>) -> Option<Missing> {
    if !grants.restricted {
        return None;
    }
    let host = seen.host;
    for own in OWN {
        if host.canonical.starts_with(own) || seen.named.starts_with(own) {
            return None;
        }
    }
    let asked = match (asked, host.kind) {
        (Asked::Create, Some(_)) => Asked::Write,
        (Asked::Read, Some(Kind::Dir)) => Asked::List,
        (a, _) => a,
    };
    let mount = grants.mount_namespace;
    // Without the view inside, a path in the sandbox's own tmpfs is the program's own
    // file (the host's are not there to be read while learning either).
    if seen.inside.is_none() && (grants.in_fresh(seen.named) || grants.in_fresh(&host.canonical)) {
        return None;
    }
    if let Asked::Create | Asked::Remove = asked {
        if asked == Asked::Remove && host.kind.is_none() {
            return None;
        }
        let dir = seen.host_parent?;
        if dir.kind != Some(Kind::Dir) {
            return None;
        }
        let granted = match seen.inside_parent {
            Some(inside) => {
                inside.kind == Some(Kind::Dir) && grants.covers(&inside.canonical, true)
            }
            None => {
                let named_dir = seen.named.parent().unwrap_or(Path::new("/"));
                (!mount || grants.present(named_dir)) && grants.covers(&dir.canonical, true)
            }
        };
        return (!granted).then(|| Missing {
            asked,
            grant: dir.canonical.clone(),
            is_dir: true,
            option: Flag::Rw,
        });
    }
    let kind = host.kind?;
    let write = asked.writes();
    let (reachable, canonical) = match seen.inside {
        Some(inside) => (inside.kind.is_some(), &inside.canonical),
        None => (!mount || grants.present(seen.named), &host.canonical),
    };
    let granted = reachable
        && match asked {
            // Landlock does not refuse a lookup.
            Asked::Stat => seen.inside.is_some() || !mount || grants.present(canonical),
            // A directory on the way to a grant lists the way.
            Asked::List => grants.covers(canonical, false) || grants.above_a_grant(canonical),
            _ => grants.covers(canonical, write),
        };
    if granted {
        return None;
    }
    let held = grants.gives_host(&host.canonical, write)
        || !write && grants.above_a_grant(&host.canonical);
    Some(if held && seen.named != host.canonical {
        // The file is granted, the way the program names it is not.
        Missing {
            asked,
            grant: seen.named.to_path_buf(),
            is_dir: kind == Kind::Dir,
            option: Flag::Bind,
        }
    } else {
        Missing {
            asked,
            grant: host.canonical.clone(),
            is_dir: kind == Kind::Dir,
            option: if write { Flag::Rw } else { Flag::Ro },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nr(name: &str) -> i64 {
        syscalls::number(name).unwrap()
    }

    #[test]
    fn calls_name_their_paths_and_what_they_ask() {
        let at = -100i64 as u64;
        let p = asked(nr("openat"), &[at, 0x1000, 0, 0, 0, 0]);
        assert_eq!(
            p,
            [PathArg {
                addr: 0x1000,
                base: Base::Fd(-100),
                asked: Asked::Read
            }]
        );
        let flags = |f: u64| asked(nr("openat"), &[3, 0x1000, f, 0, 0, 0])[0].asked;
        assert_eq!(flags(0o1), Asked::Write);
        assert_eq!(flags(0o1 | O_CREAT), Asked::Create);
        assert_eq!(flags(O_DIRECTORY), Asked::List);
        assert_eq!(flags(O_PATH | 0o2), Asked::Stat);
        assert_eq!(
            asked(nr("open"), &[0x1000, 2, 0, 0, 0, 0])[0].asked,
            Asked::Write
        );
        let r = asked(nr("renameat2"), &[3, 0x1000, 4, 0x2000, 0, 0]);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].base, r[0].asked), (Base::Fd(3), Asked::Remove));
        assert_eq!(
            (r[1].addr, r[1].base, r[1].asked),
            (0x2000, Base::Fd(4), Asked::Create)
        );
        assert_eq!(
            asked(nr("faccessat"), &[3, 0x1000, W_OK, 0, 0, 0])[0].asked,
            Asked::Write
        );
        assert_eq!(
            asked(nr("execve"), &[0x1000, 0, 0, 0, 0, 0])[0].asked,
            Asked::Exec
        );
        assert!(asked(nr("utimensat"), &[3, 0, 0, 0, 0, 0]).is_empty());
        assert!(asked(nr("execveat"), &[3, 0x1000, 0, 0, AT_EMPTY_PATH, 0]).is_empty());
        assert!(asked(nr("getpid"), &[0; 6]).is_empty());
        // Every watched call is known and names a path.
        for name in WATCHED {
            assert!(!asked(nr(name), &[2; 6]).is_empty(), "{name}");
        }
    }

    #[test]
    fn paths_are_made_absolute_lexically() {
        let cwd = Path::new("/home/u/proj");
        assert_eq!(
            absolute(cwd, b"a/../b/./c"),
            Some("/home/u/proj/b/c".into())
        );
        assert_eq!(absolute(cwd, b"/etc//x"), Some("/etc/x".into()));
        assert_eq!(absolute(cwd, b"../../../../.."), Some("/".into()));
        assert_eq!(absolute(cwd, b""), None);
    }

    #[test]
    fn resolution_follows_links_beneath_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("real/sub")).unwrap();
        std::fs::write(d.join("real/sub/f"), "x").unwrap();
        std::os::unix::fs::symlink("real", d.join("link")).unwrap();
        // An absolute link resolves beneath the root, not the host's /.
        std::os::unix::fs::symlink("/real/sub/f", d.join("abs")).unwrap();
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        let root = std::fs::File::open(d).unwrap();
        use std::os::fd::AsFd;
        let r = |p: &str| resolve(root.as_fd(), Path::new(p));
        assert_eq!(
            r("/link/sub/f"),
            Resolved {
                canonical: "/real/sub/f".into(),
                kind: Some(Kind::File)
            }
        );
        assert_eq!(r("/abs").canonical, Path::new("/real/sub/f"));
        assert_eq!(r("/link/sub").kind, Some(Kind::Dir));
        assert_eq!(
            r("/link/new/x"),
            Resolved {
                canonical: "/real/new/x".into(),
                kind: None
            }
        );
        assert_eq!(r("/real/sub/f/x").kind, None);
        assert_eq!(r("/loop").kind, None);
        assert_eq!(r("/../../real").canonical, Path::new("/real"));
        assert_eq!(r("/").kind, Some(Kind::Dir));
        // However long the path, the walk is bounded: past MAX_STEPS it is not found.
        assert_eq!(r(&"/real/..".repeat(100)).kind, Some(Kind::Dir));
        assert_eq!(r(&"/real/..".repeat(MAX_STEPS)).kind, None);
    }

    fn grants(mount_namespace: bool) -> PathGrants {
        let g = |p: &str, write| PathGrant {
            path: p.into(),
            write,
            fresh: false,
        };
        let tmp = PathGrant {
            fresh: true,
            ..g("/tmp", true)
        };
        PathGrants {
            grants: vec![g("/usr", false), tmp, g("/home/u/proj", false)],
            links: vec!["/bin".into()],
            restricted: true,
            mount_namespace,
        }
    }

    fn file(p: &str) -> Resolved {
        Resolved {
            canonical: p.into(),
            kind: Some(Kind::File),
        }
    }
    fn dir(p: &str) -> Resolved {
        Resolved {
            canonical: p.into(),
            kind: Some(Kind::Dir),
        }
    }
    fn none(p: &str) -> Resolved {
        Resolved {
            canonical: p.into(),
            kind: None,
        }
    }

    /// The verdict on `host` named as itself, judged on the grants alone (learning, or
    /// no mount namespace).
    fn judge(
        g: &PathGrants,
        a: Asked,
        host: &Resolved,
        parent: Option<&Resolved>,
    ) -> Option<Missing> {
        let seen = Seen {
            named: &host.canonical,
            host,
            host_parent: parent,
            inside: None,
            inside_parent: None,
        };
        verdict(g, a, &seen)
    }

    #[test]
    fn the_narrowest_grant_is_named() {
        let g = grants(true);
        let v = |a, h: &Resolved, p: Option<&Resolved>| judge(&g, a, h, p);
        // A file outside: the file, read-only.
        let m = v(Asked::Read, &file("/home/u/.npmrc"), None).unwrap();
        assert_eq!(
            (m.grant.as_path(), m.option, m.is_dir),
            (Path::new("/home/u/.npmrc"), Flag::Ro, false)
        );
        // Granted, or nowhere on the host either: nothing.
        assert_eq!(v(Asked::Read, &file("/usr/bin/cc"), None), None);
        assert_eq!(v(Asked::Read, &none("/opt/x"), None), None);
        // Writing a file granted read-only: the file, read-write.
        let m = v(Asked::Write, &file("/home/u/proj/out"), None).unwrap();
        assert_eq!((m.option, m.is_dir), (Flag::Rw, false));
        // Creating: the directory, read-write; an O_CREAT of an existing file writes it.
        let m = v(
            Asked::Create,
            &none("/home/u/proj/new"),
            Some(&dir("/home/u/proj")),
        )
        .unwrap();
        assert_eq!(
            (m.asked, m.grant.as_path(), m.option, m.is_dir),
            (Asked::Create, Path::new("/home/u/proj"), Flag::Rw, true)
        );
        let m = v(Asked::Create, &file("/srv/f"), Some(&dir("/srv"))).unwrap();
        assert_eq!(
            (m.asked, m.grant.as_path()),
            (Asked::Write, Path::new("/srv/f"))
        );
        assert_eq!(v(Asked::Create, &none("/tmp/x"), Some(&dir("/tmp"))), None);
        assert_eq!(v(Asked::Create, &none("/no/x"), Some(&none("/no"))), None);
        assert_eq!(
            v(Asked::Remove, &none("/srv/gone"), Some(&dir("/srv"))),
            None
        );
        // Reading a directory is listing it.
        assert_eq!(
            v(Asked::Read, &dir("/srv"), None).unwrap().asked,
            Asked::List
        );
        // On the way to a grant: exists inside, looking it up or listing it works.
        assert_eq!(v(Asked::Stat, &dir("/home/u"), None), None);
        assert_eq!(v(Asked::List, &dir("/home"), None), None);
        // Looked up outside: with a mount namespace it is missing.
        assert!(v(Asked::Stat, &file("/etc/x.conf"), None).is_some());
        // The sandbox's own /proc, /dev, /sys: never.
        assert_eq!(v(Asked::Read, &file("/proc/1/status"), None), None);
        assert_eq!(v(Asked::Write, &file("/dev/tty"), None), None);
    }

    /// A link outside the grants to a granted file (`/etc/os-release` →
    /// `/usr/lib/os-release`): the link is what is missing; a path through a link the
    /// policy makes (`/bin` → `usr/bin`) is there.
    #[test]
    fn links_outside_the_grants_are_named_as_named() {
        let g = grants(true);
        let host = file("/usr/lib/os-release");
        let seen = |named| Seen {
            named,
            host: &host,
            host_parent: None,
            inside: None,
            inside_parent: None,
        };
        let m = verdict(&g, Asked::Read, &seen(Path::new("/etc/os-release"))).unwrap();
        assert_eq!(
            (m.grant.as_path(), m.option),
            (Path::new("/etc/os-release"), Flag::Bind)
        );
        assert_eq!(
            verdict(&g, Asked::Read, &seen(Path::new("/bin/os-release"))),
            None
        );
    }

    /// Inside a mount namespace the supervisor's own view decides what exists.
    #[test]
    fn the_view_inside_decides_what_exists() {
        let g = grants(true);
        let host = file("/usr/lib/os-release");
        let inside_missing = none("/etc/os-release");
        let inside_there = file("/usr/lib/os-release");
        let seen = |inside| Seen {
            named: Path::new("/etc/os-release"),
            host: &host,
            host_parent: None,
            inside: Some(inside),
            inside_parent: None,
        };
        assert!(verdict(&g, Asked::Read, &seen(&inside_missing)).is_some());
        assert!(verdict(&g, Asked::Stat, &seen(&inside_missing)).is_some());
        assert_eq!(verdict(&g, Asked::Read, &seen(&inside_there)), None);
        assert_eq!(verdict(&g, Asked::Stat, &seen(&inside_there)), None);
        // There, but Landlock refuses writing.
        let m = verdict(&g, Asked::Write, &seen(&inside_there)).unwrap();
        assert_eq!(
            (m.grant.as_path(), m.option),
            (Path::new("/usr/lib/os-release"), Flag::Rw)
        );
    }

    /// The host's file in /tmp is not in the sandbox's own /tmp: named with `--ro` when
    /// the view inside says it is missing; while learning, /tmp is the program's own.
    #[test]
    fn a_fresh_tmpfs_does_not_give_the_hosts_files() {
        let g = grants(true);
        let host = file("/tmp/x/secret");
        let missing = none("/tmp/x/secret");
        let seen = |inside| Seen {
            named: Path::new("/tmp/x/secret"),
            host: &host,
            host_parent: None,
            inside,
            inside_parent: None,
        };
        let m = verdict(&g, Asked::Read, &seen(Some(&missing))).unwrap();
        assert_eq!(
            (m.grant.as_path(), m.option),
            (Path::new("/tmp/x/secret"), Flag::Ro)
        );
        assert_eq!(verdict(&g, Asked::Read, &seen(Some(&host))), None);
        assert_eq!(verdict(&g, Asked::Read, &seen(None)), None);
        // A read-only grant inside the writable tmpfs: its mount decides.
        let mut g = g;
        g.grants.push(PathGrant {
            path: "/tmp/x".into(),
            write: false,
            fresh: false,
        });
        let dir_inside = dir("/tmp/x");
        let m = verdict(
            &g,
            Asked::Create,
            &Seen {
                named: Path::new("/tmp/x/new"),
                host: &none("/tmp/x/new"),
                host_parent: Some(&dir_inside),
                inside: Some(&none("/tmp/x/new")),
                inside_parent: Some(&dir_inside),
            },
        )
        .unwrap();
        assert_eq!(
            (m.grant.as_path(), m.option),
            (Path::new("/tmp/x"), Flag::Rw)
        );
    }

    #[test]
    fn without_a_mount_namespace_lookups_are_not_refused() {
        let g = grants(false);
        assert_eq!(judge(&g, Asked::Stat, &file("/etc/x.conf"), None), None);
        assert!(judge(&g, Asked::Read, &file("/etc/x.conf"), None).is_some());
        let open = PathGrants {
            restricted: false,
            ..g
        };
        assert_eq!(judge(&open, Asked::Read, &file("/etc/x.conf"), None), None);
    }
}
