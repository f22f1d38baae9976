//! The Debian package (`packaging/build-deb.sh`): built, installed with `dpkg -i`, used
//! as installed (`caprun --version`, `man -w`, the completions, the bundled hello
//! example run by the installed caprun), then removed with `dpkg -r` without leaving
//! anything of it in /usr. And the licences of what the binaries link, which the
//! package's copyright file states.
//!
//! Installing needs root, dpkg and cargo-deb: on CI (`CI` set) a missing one is a
//! failure, elsewhere a visible skip. Building the package builds the release binaries
//! once in the workspace's target dir (≈ 1 minute from scratch on the 2-core CI machine,
//! seconds when they are up to date). The other tests use the cargo-built caprun, never
//! /usr/bin/caprun, so they are unaffected by the package coming and going.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

/// Why this machine cannot build and install the package, or `None`.
fn cannot_install() -> Option<String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Some("dpkg -i needs root".into());
    }
    if !succeeds(Command::new("dpkg").arg("--version")) {
        return Some("dpkg is not installed".into());
    }
    if !succeeds(Command::new(cargo()).args(["deb", "--version"])) {
        return Some("cargo-deb is not installed (cargo install cargo-deb --locked)".into());
    }
    if !succeeds(Command::new("man").arg("--version")) {
        return Some("man is not installed (package man-db)".into());
    }
    None
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

/// The cargo running this test (or the one in PATH).
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Run `cmd`; fail with its stderr unless it succeeds.
fn check(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Run dpkg with `args`, waiting (up to two minutes) while another dpkg or apt holds
/// dpkg's lock.
fn dpkg(args: &[&str]) -> Output {
    let start = std::time::Instant::now();
    loop {
        let out = Command::new("dpkg").args(args).output().unwrap();
        let locked = String::from_utf8_lossy(&out.stderr).contains("lock");
        if out.status.success() || !locked || start.elapsed() > Duration::from_secs(120) {
            assert!(
                out.status.success(),
                "dpkg {args:?}: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            return out;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The dpkg status and version of caprun's package, when dpkg knows one (installed, or
/// left half-installed or unpacked by an interrupted dpkg).
fn package_state() -> Option<(String, String)> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}\t${Version}", "caprun"])
        .output()
        .unwrap();
    let text = stdout(&out);
    let (status, version) = text.split_once('\t')?;
    (!version.is_empty()).then(|| (status.to_owned(), version.to_owned()))
}

/// The installed version of caprun's package, if one is installed.
fn installed_version() -> Option<String> {
    package_state()
        .filter(|(status, _)| status == "install ok installed")
        .map(|(_, version)| version)
}

/// Removes the package when a check fails half-way, so a failed run leaves nothing.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = Command::new("dpkg").args(["--purge", "caprun"]).output();
        }
    }
}

/// The regular files and symbolic links in a .deb (`dpkg-deb -c`), as absolute paths.
fn files_in(deb: &Path) -> BTreeSet<String> {
    let out = check(Command::new("dpkg-deb").arg("-c").arg(deb));
    stdout(&out)
        .lines()
        .filter(|l| !l.starts_with('d'))
        .map(|l| {
            let path = l.split_whitespace().nth(5).unwrap();
            path.trim_start_matches('.').to_owned()
        })
        .collect()
}

#[test]
fn the_debian_package_installs_works_and_removes_cleanly() {
    if let Some(why) = cannot_install() {
        if std::env::var_os("CI").is_some() {
            panic!("the CI machine must build and install the Debian package: {why}");
        }
        eprintln!("SKIPPED (cannot build and install the Debian package): {why}");
        return;
    }
    // The bundled example runs in the `default` sandbox.
    skip_unless_sandboxable!();

    // One run at a time on this machine (other worktrees run this suite too): they
    // would install and remove the same package under each other.
    let lock =
        std::fs::File::create(std::env::temp_dir().join("caprun-package-test.lock")).unwrap();
    let _lock = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| e)
        .unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let built = check(
        Command::new("bash")
            .arg(repo("packaging/build-deb.sh"))
            .arg("--output")
            .arg(out_dir.path()),
    );
    let deb = PathBuf::from(stdout(&built).lines().last().unwrap());
    assert!(deb.starts_with(out_dir.path()), "{}", deb.display());
    let version = stdout(&check(
        Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Version"),
    ))
    .trim()
    .to_owned();
    assert!(version.starts_with(env!("CARGO_PKG_VERSION")), "{version}");
    // No run-time dependencies: the binaries are static.
    let depends = check(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"));
    assert_eq!(stdout(&depends).trim(), "");

    let files = files_in(&deb);
    let expected = [
        "/usr/bin/caprun",
        "/usr/lib/caprun/examples/hello",
        "/usr/share/man/man1/caprun.1.gz",
        "/usr/share/man/man5/caprun.yaml.5.gz",
        "/usr/share/man/man5/caprun-policy.5.gz",
        "/usr/share/bash-completion/completions/caprun",
        "/usr/share/zsh/vendor-completions/_caprun",
        "/usr/share/fish/vendor_completions.d/caprun.fish",
        "/usr/share/doc/caprun/copyright",
        "/usr/share/doc/caprun/README.md",
        "/usr/share/doc/caprun/examples/hello/hello.yaml",
        "/usr/share/doc/caprun/examples/server/server.yaml",
        "/usr/share/doc/caprun/examples/systemd/caprun-server.service",
        "/usr/share/doc/caprun/examples/systemd/caprun-server-activated.service",
        "/usr/share/doc/caprun/examples/systemd/caprun-server-activated.socket",
        "/usr/share/doc/caprun/examples/systemd/server-activated.yaml",
    ];
    assert_eq!(
        files,
        expected.iter().map(|s| s.to_string()).collect(),
        "the package's files"
    );

    // A package left installed by an interrupted run is this one (or an older build of
    // it): remove it, so that this is a fresh install. Any other caprun is not ours to
    // replace.
    if let Some((_, old)) = package_state() {
        let ours = old.starts_with(env!("CARGO_PKG_VERSION"));
        assert!(
            ours || std::env::var_os("CI").is_some(),
            "caprun {old} is installed on this machine; remove it (dpkg -r caprun) to run this test"
        );
        dpkg(&["--purge", "caprun"]);
    }

    let installed = Installed;
    dpkg(&["-i", deb.to_str().unwrap()]);
    assert_eq!(installed_version().as_deref(), Some(version.as_str()));
    let listed: Vec<String> = stdout(&dpkg(&["-L", "caprun"]))
        .lines()
        .filter(|l| l.starts_with("/usr/"))
        .map(str::to_owned)
        .collect();
    for file in &files {
        assert!(listed.contains(file), "dpkg -L lacks {file}");
    }

    let version_line = check(Command::new("/usr/bin/caprun").arg("--version"));
    assert_eq!(
        stdout(&version_line),
        format!("caprun {}\n", env!("CARGO_PKG_VERSION"))
    );

    // man finds the installed pages (MANPATH unset: man's configured search path), and
    // they are the manual of this tree.
    for (page, path, source) in [
        ("caprun", "/usr/share/man/man1/caprun.1.gz", "man/caprun.1"),
        (
            "caprun.yaml",
            "/usr/share/man/man5/caprun.yaml.5.gz",
            "man/caprun.yaml.5",
        ),
        (
            "caprun-policy",
            "/usr/share/man/man5/caprun-policy.5.gz",
            "man/caprun-policy.5",
        ),
    ] {
        let found = check(Command::new("man").env_remove("MANPATH").args(["-w", page]));
        assert_eq!(stdout(&found).trim(), path, "man -w {page}");
        let text = check(Command::new("gzip").args(["-dc", path]));
        assert_eq!(
            text.stdout,
            std::fs::read(repo(source)).unwrap(),
            "{path} is not {source}"
        );
    }

    // The installed completions are what the installed caprun prints.
    for (shell, path) in [
        ("bash", "/usr/share/bash-completion/completions/caprun"),
        ("zsh", "/usr/share/zsh/vendor-completions/_caprun"),
        ("fish", "/usr/share/fish/vendor_completions.d/caprun.fish"),
    ] {
        let printed = check(Command::new("/usr/bin/caprun").args(["--completions", shell]));
        assert_eq!(std::fs::read(path).unwrap(), printed.stdout, "{path}");
    }
    for (installed, source) in [
        ("/usr/share/doc/caprun/copyright", "packaging/copyright"),
        (
            "/usr/share/doc/caprun/examples/hello/hello.yaml",
            "examples/hello/hello.yaml",
        ),
    ] {
        assert_eq!(
            std::fs::read(installed).unwrap(),
            std::fs::read(repo(source)).unwrap(),
            "{installed}"
        );
    }

    // The bundled example, entirely from the package, in the default sandbox.
    let hello = check(
        Command::new("/usr/bin/caprun")
            .arg("/usr/lib/caprun/examples/hello")
            .arg("/usr/share/doc/caprun/examples/hello/hello.yaml")
            .current_dir("/"),
    );
    assert_eq!(stdout(&hello), "Hello, world!\n");

    dpkg(&["-r", "caprun"]);
    std::mem::forget(installed);
    assert_eq!(installed_version(), None);
    assert_removed(&listed);
    dpkg(&["--purge", "caprun"]);
}

/// Nothing of the package's file list (`dpkg -L`, taken while it was installed) is left:
/// no file, and no directory that no other package owns.
fn assert_removed(listed: &[String]) {
    let mut left = Vec::new();
    let mut dirs = Vec::new();
    for path in listed {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Ok(m) if m.is_dir() => dirs.push(path.as_str()),
            other => left.push(format!("{path} ({other:?})")),
        }
    }
    // Directories other packages own (/usr/bin, /usr/share/man/man1...) stay.
    let owners = Command::new("dpkg").arg("-S").args(&dirs).output().unwrap();
    let owned: BTreeMap<String, String> = stdout(&owners)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(pkgs, path)| (path.to_owned(), pkgs.to_owned()))
        .collect();
    for dir in dirs {
        match owned.get(dir) {
            Some(pkgs) => assert!(!pkgs.split(", ").any(|p| p == "caprun"), "{dir}"),
            None => left.push(format!("{dir}/ (owned by no package)")),
        }
    }
    assert!(left.is_empty(), "left behind by dpkg -r caprun: {left:#?}");
}

/// The crates linked into caprun (its run-time dependency graph for the build target,
/// without proc-macros and build scripts), with their licence expressions.
fn linked_crates() -> Vec<(String, String)> {
    let target =
        std::env::var("CARGO_BUILD_TARGET").unwrap_or_else(|_| "x86_64-unknown-linux-musl".into());
    let out = check(
        Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--offline", "--locked"])
            .args(["--filter-platform", &target])
            .current_dir(repo("")),
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages: BTreeMap<&str, &serde_json::Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &serde_json::Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let is_proc_macro = |id: &str| {
        packages[id]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"][0] == "proc-macro")
    };
    let root = packages
        .values()
        .find(|p| p["name"] == "caprun")
        .map(|p| p["id"].as_str().unwrap())
        .unwrap();
    let mut seen = BTreeSet::from([root]);
    let mut todo = vec![root];
    while let Some(id) = todo.pop() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            let pkg = dep["pkg"].as_str().unwrap();
            if normal && !is_proc_macro(pkg) && seen.insert(pkg) {
                todo.push(pkg);
            }
        }
    }
    seen.into_iter()
        .map(|id| {
            let p = packages[id];
            (
                format!(
                    "{} {}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                ),
                p["license"].as_str().unwrap_or("(none)").to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_linked_crate_is_available_under_mit_or_apache_2_0() {
    // packaging/copyright says so; a new dependency under another licence must be
    // added there.
    let crates = linked_crates();
    let names: Vec<&str> = crates.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["caprun ", "argdata ", "clap ", "nix ", "seccompiler "] {
        assert!(
            names.iter().any(|n| n.starts_with(expected)),
            "{expected}not among {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("clap_derive ")),
        "a proc-macro counted as linked: {names:?}"
    );
    let offers = |license: &str| {
        license
            .replace('/', " OR ")
            .split(" OR ")
            .any(|alternative| ["MIT", "Apache-2.0"].contains(&alternative.trim()))
            && !license.contains(" AND ")
    };
    // The check can fail.
    assert!(!offers("GPL-2.0-only") && !offers("(MIT OR Apache-2.0) AND Unicode-3.0"));
    let others: Vec<_> = crates.iter().filter(|(_, l)| !offers(l)).collect();
    assert!(
        others.is_empty(),
        "linked crates not available under MIT or Apache-2.0 (say so in packaging/copyright): {others:?}"
    );
}
