//! The Debian package (`packaging/build-deb.sh`): built, installed with `dpkg -i`, used
//! as installed (`caprun --version`, `man -w`, the completions, the bundled hello
//! example run by the installed caprun), then removed with `dpkg -r` without leaving
//! anything of it in /usr. And the licences of what the binaries link, which the
//! package's copyright file states.
//!
//! Installing changes the machine, so it runs only when asked: `CAPRUN_TEST_PACKAGE=1`
//! (which `.ci/run` sets). It needs root, dpkg and cargo-deb: on CI (`CI` set) a missing
//! one, or the variable, is a failure, elsewhere a visible skip. Building the package builds the release binaries
//! once in the workspace's target dir (≈ 1 minute from scratch on the 2-core CI machine,
//! seconds when they are up to date). The other tests use the cargo-built caprun, never
//! /usr/bin/caprun, so they are unaffected by the package coming and going.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

/// The variable that lets the suite install the package on this machine.
const OPT_IN: &str = "CAPRUN_TEST_PACKAGE";

/// Why this machine cannot build and install the package, or `None`.
fn cannot_install() -> Option<String> {
    if std::env::var_os(OPT_IN).is_none_or(|v| v != "1") {
        return Some(format!(
            "installing the package on this machine is opt-in: set {OPT_IN}=1 (.ci/run does)"
        ));
    }
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
    let recommends = check(
        Command::new("dpkg-deb")
            .arg("-f")
            .arg(&deb)
            .arg("Recommends"),
    );
    assert_eq!(stdout(&recommends).trim(), "bash-completion");

    let files = files_in(&deb);
    let expected = [
        "/usr/bin/caprun",
        "/etc/apparmor.d/caprun",
        "/usr/lib/caprun/examples/hello",
        "/usr/lib/caprun/examples/server",
        "/usr/share/man/man1/caprun.1.gz",
        "/usr/share/man/man5/caprun.yaml.5.gz",
        "/usr/share/man/man5/caprun-policy.5.gz",
        "/usr/share/bash-completion/completions/caprun",
        "/usr/share/zsh/vendor-completions/_caprun",
        "/usr/share/fish/vendor_completions.d/caprun.fish",
        "/usr/share/doc/caprun/copyright",
        "/usr/share/doc/caprun/changelog.Debian.gz",
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
    let all_listed: Vec<String> = stdout(&dpkg(&["-L", "caprun"]))
        .lines()
        .map(str::to_owned)
        .collect();
    for file in &files {
        assert!(all_listed.contains(file), "dpkg -L lacks {file}");
    }
    // What `dpkg -r` removes; the AppArmor profile in /etc is a conffile, which only
    // `--purge` removes.
    let listed: Vec<String> = all_listed
        .into_iter()
        .filter(|l| l.starts_with("/usr/"))
        .collect();
    let conffiles = stdout(&check(Command::new("dpkg-query").args([
        "-W",
        "-f",
        "${Conffiles}",
        "caprun",
    ])));
    assert!(conffiles.contains("/etc/apparmor.d/caprun "), "{conffiles}");

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
        ("/etc/apparmor.d/caprun", "packaging/apparmor/caprun"),
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
    assert!(!Path::new("/etc/apparmor.d/caprun").exists());
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

#[test]
fn without_the_opt_in_the_package_test_installs_nothing() {
    // Issue 27 §5: the suite run as root with cargo-deb at hand no longer installs and
    // removes the package on the host unless asked. The test runs itself without the
    // variable (and without CI, which would make the refusal a failure): it says why it
    // skips, and builds nothing (no cargo-deb, no dpkg).
    if std::env::var_os("CAPRUN_PACKAGE_TEST_CHILD").is_some() {
        return;
    }
    let out = check(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "the_debian_package_installs_works_and_removes_cleanly",
                "--exact",
                "--nocapture",
            ])
            .env_remove(OPT_IN)
            .env_remove("CI")
            .env("CAPRUN_PACKAGE_TEST_CHILD", "1")
            .env("PATH", "/nonexistent"),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "SKIPPED (cannot build and install the Debian package): installing the package on this machine is opt-in: set {OPT_IN}=1"
        )),
        "{err}"
    );
}

#[test]
fn the_debian_changelog_is_valid_and_names_this_version() {
    let Ok(out) = Command::new("dpkg-parsechangelog")
        .arg("-l")
        .arg(repo("packaging/changelog"))
        .output()
    else {
        if std::env::var_os("CI").is_some() {
            panic!("dpkg-parsechangelog is missing on CI (package dpkg-dev)");
        }
        eprintln!("SKIPPED: dpkg-parsechangelog is not installed (package dpkg-dev)");
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let fields = stdout(&out);
    assert!(
        fields.contains(&format!("\nVersion: {}-1\n", env!("CARGO_PKG_VERSION"))),
        "{fields}"
    );
    // The same maintainer as the package's control file.
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    let maintainer = fields
        .lines()
        .find_map(|l| l.strip_prefix("Maintainer: "))
        .unwrap();
    assert!(
        manifest.contains(&format!("maintainer = \"{maintainer}\"")),
        "{maintainer}"
    );
}

#[test]
fn the_apparmor_profile_parses_and_allows_user_namespaces_to_caprun() {
    // Issue 27 §5: Ubuntu 23.10+ lets only profiles with a `userns` rule create user
    // namespaces when kernel.apparmor_restrict_unprivileged_userns = 1.
    let profile = std::fs::read_to_string(repo("packaging/apparmor/caprun")).unwrap();
    let rules: Vec<&str> = profile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        rules.contains(&"profile caprun /usr/bin/caprun flags=(unconfined) {"),
        "{profile}"
    );
    assert!(rules.contains(&"userns,"), "{profile}");
    // Where the package installs caprun and the profile.
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    assert!(manifest.contains(r#"["target/release/caprun", "usr/bin/", "755"]"#));
    assert!(manifest.contains(r#"["packaging/apparmor/caprun", "etc/apparmor.d/caprun", "644"]"#));

    let parser = ["/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(parser) = parser else {
        if std::env::var_os("CI").is_some() {
            panic!("apparmor_parser is missing on CI (package apparmor)");
        }
        eprintln!("SKIPPED: apparmor_parser is not installed (package apparmor)");
        return;
    };
    let version = stdout(&check(Command::new(parser).arg("--version")));
    let major: u32 = version
        .split_whitespace()
        .find_map(|w| w.split('.').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no version in {version}"));
    // AppArmor before 4.0 knows neither the 4.0 ABI nor the `userns` rule (Debian 12
    // has 3.0): the rest of the profile is checked, and the note says what was not.
    let dir = tempfile::tempdir().unwrap();
    let checked = dir.path().join("caprun");
    let text = if major >= 4 {
        profile.clone()
    } else {
        eprintln!(
            "NOTE: apparmor_parser {} predates AppArmor 4.0: the profile is parsed without its `abi <abi/4.0>,` line and `userns,` rule",
            version.lines().next().unwrap_or("").trim()
        );
        profile
            .lines()
            .filter(|l| !matches!(l.trim(), "abi <abi/4.0>," | "userns,"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    std::fs::write(&checked, &text).unwrap();
    // -Q: parse and compile, load nothing into the kernel; -K: no cache.
    let out = Command::new(parser)
        .args(["-Q", "-K"])
        .arg(&checked)
        .output()
        .unwrap();
    assert!(out.status.success(), "apparmor_parser: {out:?}");
    // Control: a syntax error (the profile's block left open) fails the same command.
    let open = &text[..text.rfind('}').unwrap()];
    std::fs::write(&checked, open).unwrap();
    let out = Command::new(parser)
        .args(["-Q", "-K"])
        .arg(&checked)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken profile parsed: {out:?}");
}

#[test]
fn both_crates_ship_their_licence_texts_and_the_project_files_exist() {
    // Issue 27 §5: the licence Cargo.toml declares (MIT OR Apache-2.0) travels with each
    // crate as published (`cargo package --list`), the same texts as the package's
    // copyright file.
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    // (A DEP-5 licence text marks a blank line with ` .`.)
    let copyright =
        words(&std::fs::read_to_string(repo("packaging/copyright")).unwrap()).replace(" . ", " ");
    let mit = std::fs::read_to_string(repo("LICENSE-MIT")).unwrap();
    let permission = mit
        .split_once("Permission is hereby granted")
        .map(|(_, rest)| format!("Permission is hereby granted{rest}"))
        .unwrap();
    assert!(
        copyright.contains(&words(&permission)),
        "LICENSE-MIT is not the Expat text of packaging/copyright"
    );
    let apache = std::fs::read_to_string(repo("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License\n                           Version 2.0, January 2004"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert_eq!(
            std::fs::read(repo(file)).unwrap(),
            std::fs::read(repo(&format!("argdata/{file}"))).unwrap(),
            "argdata/{file}"
        );
    }
    for krate in ["caprun", "argdata"] {
        let listed = stdout(&check(
            Command::new(cargo())
                .args([
                    "package",
                    "--list",
                    "--offline",
                    "--allow-dirty",
                    "-p",
                    krate,
                ])
                .current_dir(repo("")),
        ));
        for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(listed.lines().any(|l| l == file), "{krate} lacks {file}");
        }
    }
    // SECURITY.md's disclosure address is the package maintainer's.
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    let address = manifest
        .lines()
        .find_map(|l| l.strip_prefix("maintainer = \""))
        .and_then(|m| m.split_once('<'))
        .and_then(|(_, a)| a.split_once('>'))
        .map(|(a, _)| a)
        .unwrap();
    let security = std::fs::read_to_string(repo("SECURITY.md")).unwrap();
    assert!(security.contains(address), "{address} not in SECURITY.md");
    for (file, heading) in [
        ("SECURITY.md", "## What caprun defends against"),
        ("CONTRIBUTING.md", "## The escape suite"),
        ("CHANGELOG.md", "## [Unreleased]"),
    ] {
        let text = std::fs::read_to_string(repo(file)).unwrap();
        assert!(text.contains(heading), "{file} lacks {heading}");
    }
}
