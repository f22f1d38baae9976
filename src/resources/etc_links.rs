//! The `/etc` entries installed toolchains under `/usr` link to (`root.toolchain-etc`):
//! OpenJDK's `conf/` files are links into `/etc/java-17-openjdk`, `/usr/lib/ssl/certs`
//! into `/etc/ssl/certs`, `/usr/bin/java` into `/etc/alternatives`. Found systematically,
//! by a walk of `/usr` for symbolic links whose target (following `/etc/alternatives`
//! and other chains) lies in `/etc`, and never a secret ([`is_secret`]).
//!
//! The walk costs ≈ 0.25 s on a machine with 140,000 files under `/usr` (warm cache),
//! too much for every launch: its result is cached in `$XDG_CACHE_HOME/caprun` (else
//! `~/.cache/caprun`, the home directory taken from the password database when `HOME`
//! is not set, else for root `/var/cache/caprun`), valid while `/usr` and the package databases (dpkg, rpm, pacman,
//! apk) are unchanged: installing or removing a package changes its database, and
//! toolchains unpacked by hand do not link into `/etc`.

use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// What changes when a package is installed or removed: `/usr` itself and the package
/// managers' databases. Their modification times make the cache's key.
const STAMPS: &[&str] = &[
    "/usr",
    "/var/lib/dpkg/status",
    "/var/lib/rpm",
    "/usr/lib/sysimage/rpm",
    "/var/lib/pacman/local",
    "/lib/apk/db/installed",
];

/// Directories walked at most this deep below `/usr` (OpenJDK's deepest link is 8).
const MAX_DEPTH: usize = 12;
/// Symbolic links followed at most this many times from one link (as the kernel's 40).
const MAX_HOPS: usize = 40;
/// A directory of `/etc` is bound whole when it holds at most this many entries and no
/// secret; otherwise each linked file is bound by itself.
const MAX_DIR_ENTRIES: usize = 2000;

/// Whether `path` (beneath `/etc`) is or names a secret: the shadow files, private keys
/// (`ssl/private`, `pki/*/private`, `*.key`), ssh host keys, Kerberos keytabs, sudoers
/// and `/etc/environment` (proxy settings may hold passwords).
pub fn is_secret(path: &Path) -> bool {
    let names: Vec<&OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    names.iter().any(|n| {
        let s = n.to_string_lossy();
        matches!(
            s.as_ref(),
            "shadow" | "gshadow" | "shadow-" | "gshadow-" | "private" | "keytab"
        ) || s.starts_with("ssh_host_")
            || s.ends_with(".keytab")
            || s.ends_with(".key")
            || s == "environment"
            || s == "sudoers"
            || s == "sudoers.d"
    })
}

/// The `/etc` paths to bind read-only: for every link from `/usr` into `/etc`, the
/// directory of `/etc` it lies in (`/etc/java-17-openjdk`) when that directory holds
/// no secret, else the linked entry itself; never a secret, and only what exists.
/// Sorted, without paths beneath another of them.
pub fn toolchain_etc_paths() -> Vec<PathBuf> {
    let targets = cached_targets();
    let mut out: Vec<PathBuf> = Vec::new();
    // Each directory of /etc looked through once: whether it may be bound whole.
    let mut whole: std::collections::BTreeMap<PathBuf, bool> = Default::default();
    for t in targets {
        let top = t.components().take(3).collect::<PathBuf>();
        if out.last() == Some(&top) || is_secret(&t) {
            continue;
        }
        let bind_whole = top != t
            && *whole
                .entry(top.clone())
                .or_insert_with(|| top.is_dir() && !holds_secret(&top));
        if bind_whole {
            out.push(top);
        } else if std::fs::symlink_metadata(&t).is_ok() {
            out.push(t);
        }
    }
    out.sort();
    out.dedup();
    let mut minimal: Vec<PathBuf> = Vec::new();
    for p in out {
        if !minimal.iter().any(|m| p.starts_with(m)) {
            minimal.push(p);
        }
    }
    minimal
}

/// Whether directory `dir` holds a secret (or more than [`MAX_DIR_ENTRIES`] entries,
/// which counts as one: it is not looked through).
fn holds_secret(dir: &Path) -> bool {
    let mut seen = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            return true;
        };
        for e in entries.flatten() {
            seen += 1;
            let p = e.path();
            if seen > MAX_DIR_ENTRIES || is_secret(&p) {
                return true;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    false
}

/// The `/etc` targets of the links from `/usr`: from the cache when its key matches,
/// else walked (and the cache written, best effort).
fn cached_targets() -> Vec<PathBuf> {
    let key = cache_key();
    let file = cache_file();
    if let Some(f) = &file {
        // Only a cache of this user's own (a root caprun with another user's HOME does
        // not take that user's word), and only paths beneath /etc from it.
        let own = std::fs::metadata(f).is_ok_and(|m| m.uid() == crate::sys::ids::geteuid());
        if let Some(text) = own.then(|| std::fs::read(f).ok()).flatten() {
            if let Some(targets) = parse_cache(&text, &key) {
                return targets;
            }
        }
    }
    let targets = walk(Path::new("/usr"));
    if let Some(f) = &file {
        let _ = write_cache(f, &key, &targets);
    }
    targets
}

/// The paths of a cache file's `text` when its first line is `key`: only those beneath
/// `/etc` without `..` (the file is a cache, not a grant).
fn parse_cache(text: &[u8], key: &str) -> Option<Vec<PathBuf>> {
    let mut lines = text.split(|&b| b == b'\n');
    (lines.next() == Some(key.as_bytes())).then(|| {
        lines
            .filter(|l| l.starts_with(b"/etc/") && !l.windows(2).any(|w| w == b".."))
            .map(|l| PathBuf::from(OsStr::from_bytes(l)))
            .collect()
    })
}

/// The cache's key: a version and the modification times of [`STAMPS`] that exist.
fn cache_key() -> String {
    let mut key = String::from("caprun-etc-links 1");
    for s in STAMPS {
        if let Ok(m) = std::fs::metadata(s) {
            key.push_str(&format!(" {s}={}.{}", m.mtime(), m.mtime_nsec()));
        }
    }
    key
}

/// Where the cache is: see [`cache_dir`], from this process's environment and user.
fn cache_file() -> Option<PathBuf> {
    let euid = crate::sys::ids::geteuid();
    let dir = cache_dir(
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
        euid,
        || {
            nix::unistd::User::from_uid(euid.into())
                .ok()
                .flatten()
                .map(|u| u.dir)
        },
    )?;
    Some(dir.join("usr-etc-links"))
}

/// The cache's directory: `$XDG_CACHE_HOME/caprun`, else `$HOME/.cache/caprun`, else
/// (no `HOME`: a systemd service, `env -i`) `.cache/caprun` in the user's home
/// directory from the password database (`passwd_home`), else, for root,
/// `/var/cache/caprun`. Only absolute paths count, and not `/` as a home (a service
/// user's). `None`: every launch walks.
fn cache_dir(
    xdg: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
    euid: u32,
    passwd_home: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    let usable = |p: &Path| p.is_absolute() && p != Path::new("/");
    if let Some(x) = xdg.map(PathBuf::from).filter(|p| usable(p)) {
        return Some(x.join("caprun"));
    }
    let home = match home {
        Some(h) => Some(PathBuf::from(h)),
        None => passwd_home(),
    };
    match home.filter(|h| usable(h)) {
        Some(h) => Some(h.join(".cache").join("caprun")),
        None if euid == 0 => Some(PathBuf::from("/var/cache/caprun")),
        None => None,
    }
}

/// Write the cache whole or not at all (a temporary file renamed into place).
fn write_cache(file: &Path, key: &str, targets: &[PathBuf]) -> std::io::Result<()> {
    let dir = file.parent().expect("a file in a directory");
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile_in(dir)?;
    let mut body = Vec::from(key.as_bytes());
    for t in targets {
        body.push(b'\n');
        body.extend_from_slice(t.as_os_str().as_bytes());
    }
    body.push(b'\n');
    tmp.1.write_all(&body)?;
    std::fs::rename(&tmp.0, file)
}

/// A new file in `dir` named after this process (no other writes it).
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".usr-etc-links.{}", std::process::id()));
    let f = std::fs::File::create(&path)?;
    Ok((path, f))
}

/// Every `/etc` path a symbolic link beneath `root` leads to, hop by hop (a link into
/// `/etc/alternatives` and on into `/etc/X11/…` gives both), at most `MAX_DEPTH`
/// directories deep. Sorted and deduplicated.
pub fn walk(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(ty) = e.file_type() else { continue };
            if ty.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((e.path(), depth + 1));
                }
            } else if ty.is_symlink() {
                follow(&e.path(), &mut found);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Follow the link at `link` hop by hop, recording each hop that lies beneath `/etc`.
fn follow(link: &Path, found: &mut Vec<PathBuf>) {
    let mut at = link.to_path_buf();
    for _ in 0..MAX_HOPS {
        let Ok(target) = std::fs::read_link(&at) else {
            return;
        };
        let next = normalize(&at.parent().unwrap_or(Path::new("/")).join(target));
        if next.starts_with("/etc") && next != Path::new("/etc") {
            found.push(next.clone());
        }
        at = next;
    }
}

/// `p` with `.` and `..` resolved lexically (the links' own targets, not the host's
/// other links: each hop is followed by itself).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised() {
        for s in [
            "/etc/shadow",
            "/etc/gshadow-",
            "/etc/ssl/private",
            "/etc/ssl/private/host.pem",
            "/etc/pki/tls/private/x",
            "/etc/ssh/ssh_host_ed25519_key",
            "/etc/krb5.keytab",
            "/etc/sudoers",
        ] {
            assert!(is_secret(Path::new(s)), "{s}");
        }
        for s in [
            "/etc/java-17-openjdk/security/java.security",
            "/etc/ssl/certs/java/cacerts",
            "/etc/alternatives/java",
        ] {
            assert!(!is_secret(Path::new(s)), "{s}");
        }
    }

    #[test]
    fn the_cache_has_a_place_without_home_too() {
        use super::cache_dir;
        let some = |s: &str| Some(std::ffi::OsString::from(s));
        let none = || None;
        let at = |p: &str| Some(PathBuf::from(p));
        assert_eq!(
            cache_dir(some("/x"), some("/h"), 1000, none),
            at("/x/caprun")
        );
        assert_eq!(
            cache_dir(some("rel"), some("/h"), 1000, none),
            at("/h/.cache/caprun")
        );
        assert_eq!(
            cache_dir(None, some("/h"), 1000, none),
            at("/h/.cache/caprun")
        );
        // No HOME (a service, `env -i`): the password database's home.
        assert_eq!(
            cache_dir(None, None, 1000, || at("/home/u")),
            at("/home/u/.cache/caprun")
        );
        // A home of `/` (a service user's) or none: root's system cache, nothing else.
        assert_eq!(
            cache_dir(None, None, 0, || at("/")),
            at("/var/cache/caprun")
        );
        assert_eq!(cache_dir(None, some("/"), 0, none), at("/var/cache/caprun"));
        assert_eq!(cache_dir(None, None, 1000, none), None);
    }

    #[test]
    fn the_cache_is_taken_for_its_key_and_only_for_paths_in_etc() {
        let text = b"k 1\n/etc/java-x/a\n/root/.ssh\n/etc/../root\n\n/etc/maven\n";
        assert_eq!(
            parse_cache(text, "k 1").unwrap(),
            [PathBuf::from("/etc/java-x/a"), PathBuf::from("/etc/maven")]
        );
        assert!(parse_cache(text, "k 2").is_none());
    }

    #[test]
    fn the_walk_follows_chains_into_etc() {
        let dir = tempfile::tempdir().unwrap();
        let usr = dir.path().join("usr");
        std::fs::create_dir_all(usr.join("lib/jvm/jdk/conf/security")).unwrap();
        std::os::unix::fs::symlink(
            "/etc/java-x/security/java.security",
            usr.join("lib/jvm/jdk/conf/security/java.security"),
        )
        .unwrap();
        std::os::unix::fs::symlink("../lib/jvm/jdk", usr.join("lib/default-jdk")).unwrap();
        std::os::unix::fs::symlink("/etc/alternatives/java", usr.join("lib/java")).unwrap();
        let found = walk(&usr);
        assert!(found.contains(&PathBuf::from("/etc/java-x/security/java.security")));
        assert!(found.contains(&PathBuf::from("/etc/alternatives/java")));
        // A link within /usr leads nowhere in /etc.
        assert!(found.iter().all(|p| p.starts_with("/etc")), "{found:?}");
    }
}
