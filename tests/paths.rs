//! The paths a program tried and was not granted (issue 26): `--explain-denials` names
//! each with the `--ro` or `--rw` that grants it, `--learn` binds what the program read,
//! and a failed command-line launch with no refused call points to
//! `--explain-denials`. Every file is a scratch file of the test's own.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A scratch directory (its canonical path: what caprun names), in `/tmp` (the sandbox
/// has its own there) or, `in_tree`, in the build's own scratch directory.
fn scratch(in_tree: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = if in_tree {
        tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let path = std::fs::canonicalize(dir.path()).unwrap();
    (dir, path)
}

/// A scratch directory (see [`scratch`]) holding the file `secret` with `contents`: the
/// directory's guard, its path and the file's.
fn with_secret(in_tree: bool, contents: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, d) = scratch(in_tree);
    let secret = d.join("secret");
    std::fs::write(&secret, contents).unwrap();
    (dir, d, secret)
}

/// caprun's line for an access the program tried and was not granted, as
/// `--explain-denials` and the failure summary print it.
fn not_granted(access: &str, path: &str, grant: &str) -> String {
    format!("caprun: not granted: {access} {path} (grant it with {grant})")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file read outside the grants, by absolute path, relative to the working directory
/// and relative to a directory descriptor through a link: each is named with `--ro`
/// and its canonical path; a path that exists nowhere is not.
#[test]
fn an_ungranted_file_read_is_named_with_ro() {
    skip_unless_sandboxable!();
    for in_tree in [false, true] {
        let (_dir, d, secret) = with_secret(in_tree, "it is here\n");
        let granted_dir = d.join("granted");
        std::fs::create_dir(&granted_dir).unwrap();
        std::os::unix::fs::symlink("../secret", granted_dir.join("link")).unwrap();

        // Control: granted, the same command reads it.
        let control = run(&["--ro", s(&secret), "--", "cat", s(&secret)], "");
        assert!(control.status.success(), "{}", stderr(&control));
        assert_eq!(stdout(&control), "it is here\n");

        let out = run(
            &[
                "--explain-denials",
                "--",
                "cat",
                s(&secret),
                s(&d.join("nowhere")),
            ],
            "",
        );
        let err = stderr(&out);
        assert!(!out.status.success(), "{err}");
        let p = s(&secret);
        assert!(
            err.contains(&format!(
                "{} [pid ",
                not_granted("read", p, &format!("--ro {p}"))
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("caprun:   --ro {p}  (read)\n")),
            "{err}"
        );
        assert!(
            err.contains("caprun: summary: 1 path the program tried is not granted"),
            "{err}"
        );
        assert!(!err.contains("nowhere ("), "{err}");

        // Relative to the working directory (a granted one), and to a descriptor
        // through a link: the same file, named by its canonical path.
        for script in [
            "cat ../secret",
            "python3 -c \"import os; os.open('link', os.O_RDONLY, dir_fd=os.open('.', os.O_RDONLY))\"",
        ] {
            let mut cmd = Command::new(caprun());
            cmd.current_dir(&granted_dir).args([
                "--ro",
                s(&granted_dir),
                "--explain-denials",
                "--",
                "sh",
                "-c",
                script,
            ]);
            let out = run_cmd(&mut cmd, "");
            let err = stderr(&out);
            assert!(!out.status.success(), "{script}: {err}");
            assert!(
                err.contains(&not_granted("read", p, &format!("--ro {p}"))),
                "{script}: {err}"
            );
            assert_eq!(err.matches(&format!("not granted: read {p} ")).count(), 1, "{err}");
        }
    }
}

/// A write beneath an ungranted directory is named with `--rw` and the directory; an
/// existing file written to, with `--rw` and the file.
#[test]
fn a_write_under_an_ungranted_directory_gets_rw() {
    skip_unless_sandboxable!();
    let (_dir, d) = scratch(false);
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let existing = d.join("log");
    std::fs::write(&existing, "").unwrap();
    let script = format!(
        "echo made > {new}; echo more >> {log}",
        new = s(&out_dir.join("new")),
        log = s(&existing)
    );

    // Control: granted, it writes both.
    let control = run(
        &[
            "--rw",
            s(&out_dir),
            "--rw",
            s(&existing),
            "--",
            "sh",
            "-c",
            &script,
        ],
        "",
    );
    assert!(control.status.success(), "{}", stderr(&control));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("new")).unwrap(),
        "made\n"
    );
    std::fs::remove_file(out_dir.join("new")).unwrap();

    let out = run(&["--explain-denials", "--", "sh", "-c", &script], "");
    let err = stderr(&out);
    let (o, l) = (s(&out_dir), s(&existing));
    assert!(
        err.contains(&not_granted("create in", o, &format!("--rw {o}"))),
        "{err}"
    );
    assert!(
        err.contains(&not_granted("write", l, &format!("--rw {l}"))),
        "{err}"
    );
    assert!(!out_dir.join("new").exists());

    // Granted read-only: writing is refused by the sandbox, and named the same way.
    let out = run(
        &[
            "--ro",
            s(&d),
            "--explain-denials",
            "--",
            "sh",
            "-c",
            &script,
        ],
        "",
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("caprun:   --rw {o}  (create in)")),
        "{err}"
    );
}

/// `--learn` binds what the program read; `--policy LEARNED` then runs the same command
/// (and the learned file is accepted by `--check-policy`), while a sibling of the
/// learned file stays out. Learning also names what the program wrote.
#[test]
fn learn_then_policy_runs_the_same_command_and_a_sibling_stays_out() {
    skip_unless_sandboxable!();
    for in_tree in [false, true] {
        let (_dir, d) = scratch(in_tree);
        let (secret, sibling) = (d.join("conf"), d.join("sibling"));
        std::fs::write(&secret, "setting\n").unwrap();
        std::fs::write(&sibling, "other\n").unwrap();
        let (_out_dir, o) = scratch(true);
        let learned = o.join("learned.yaml");

        // Control: without the learned policy the command fails.
        let before = run(&["--", "cat", s(&secret)], "");
        assert!(!before.status.success(), "{}", stderr(&before));

        let learn = run(&["--learn", s(&learned), "--", "cat", s(&secret)], "");
        let err = stderr(&learn);
        assert!(learn.status.code() != Some(125), "{err}");
        assert!(
            err.contains("caprun: learned 1 path outside the policy's binds"),
            "{err}"
        );
        let text = std::fs::read_to_string(&learned).unwrap();
        assert!(text.contains("extends: devtools\n"), "{text}");
        assert!(text.contains(&format!("    - {}", s(&secret))), "{text}");
        assert!(!text.contains(s(&sibling)), "{text}");
        let check = run(&["--check-policy", s(&learned)], "");
        assert!(check.status.success(), "{}\n{text}", stderr(&check));

        let after = run(&["--policy", s(&learned), "--", "cat", s(&secret)], "");
        assert!(after.status.success(), "{}\n{text}", stderr(&after));
        assert_eq!(stdout(&after), "setting\n");
        let other = run(&["--policy", s(&learned), "--", "cat", s(&sibling)], "");
        assert!(!other.status.success(), "{}", stdout(&other));
        assert_eq!(stdout(&other), "");
    }

    // What it wrote is named for the command line (a policy's binds are read-only).
    let (_dir, d) = scratch(true);
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let learned = d.join("learned.yaml");
    let learn = run(
        &[
            "--learn",
            s(&learned),
            "--",
            "sh",
            "-c",
            &format!("echo x > {}", s(&out_dir.join("f"))),
        ],
        "",
    );
    let err = stderr(&learn);
    assert!(
        err.contains(&format!(
            "the program also wrote where it was not granted: run it with --rw {}",
            s(&out_dir)
        )),
        "{err}"
    );
    let text = std::fs::read_to_string(&learned).unwrap();
    assert!(
        text.contains(&format!("grant it with --rw {}", s(&out_dir))),
        "{text}"
    );
}

/// A failed command-line launch with no refused call says a missing grant is the likely
/// cause and names `--explain-denials` and the working directory it knows is not
/// granted; a run that succeeds, or whose failure was a refused call, does not.
#[test]
fn a_failure_with_no_refused_call_points_to_explain_denials() {
    skip_unless_sandboxable!();
    let (_dir, d, _secret) = with_secret(false, "x");
    let mut cmd = Command::new(caprun());
    cmd.current_dir(&d).args(["--", "cat", "secret"]);
    let out = run_cmd(&mut cmd, "");
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            "caprun: the program failed and no system call was refused: a path it needs and was not granted is the likely cause"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "caprun:   the working directory {} is not granted",
            s(&d)
        )),
        "{err}"
    );
    assert!(err.contains("rerun with --explain-denials"), "{err}");
    // The quiet form names no path itself (that costs a notification per call).
    assert!(!err.contains("not granted: read"), "{err}");

    // Succeeds: nothing said.
    let mut cmd = Command::new(caprun());
    cmd.current_dir(&d)
        .args(["--ro", ".", "--", "cat", "secret"]);
    let ok = run_cmd(&mut cmd, "");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(!stderr(&ok).contains("likely cause"), "{}", stderr(&ok));

    // Fails for a refused call: the summary names the call, not a missing grant.
    let refused = run(
        &[
            "--",
            "/usr/bin/python3",
            "-c",
            "import os; os.setgroups([])",
        ],
        "",
    );
    let err = stderr(&refused);
    assert!(!refused.status.success(), "{err}");
    assert!(err.contains("setgroups"), "{err}");
    assert!(!err.contains("likely cause"), "{err}");
}

/// Without a mount namespace (policy `unprivileged`: Landlock alone) the host's paths
/// are the program's, and Landlock refuses what is not granted (`EACCES`): named the
/// same way. Looking a path up is not refused there, and not named.
#[test]
fn landlock_refusals_without_a_mount_namespace_are_named() {
    skip_unless_sandboxable!();
    let (_dir, _d, secret) = with_secret(false, "x\n");
    let p = s(&secret);
    let script = format!("test -e {p} && read line < {p} && echo \"$line\"");
    let control = run(
        &[
            "--policy",
            "unprivileged",
            "--ro",
            p,
            "--",
            "/bin/sh",
            "-c",
            &script,
        ],
        "",
    );
    if control.status.code() == Some(125) {
        let why = stderr(&control);
        assert!(
            std::env::var_os("CI").is_none(),
            "the CI machine must run policy unprivileged: {why}"
        );
        eprintln!("SKIPPED (policy unprivileged cannot run here): {why}");
        return;
    }
    assert!(control.status.success(), "{}", stderr(&control));
    assert_eq!(stdout(&control), "x\n");
    let out = run(
        &[
            "--policy",
            "unprivileged",
            "--explain-denials",
            "--",
            "/bin/sh",
            "-c",
            &script,
        ],
        "",
    );
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&not_granted("read", p, &format!("--ro {p}"))),
        "{err}"
    );
    assert!(!err.contains("look up"), "{err}");
}

/// A program launched with a config is told the `paths:` entry that grants the path;
/// with the entry added, it runs.
#[test]
fn a_config_launch_is_told_its_paths_entry() {
    skip_unless_sandboxable!();
    let (_dir, _d, secret) = with_secret(false, "x\n");
    let p = s(&secret);
    let config = format!("!exec\nargv: [cat, {p}]\n");
    let out = run(
        &[
            "--policy",
            "devtools",
            "--explain-denials",
            "/usr/bin/cat",
            "-",
        ],
        &config,
    );
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    let entry = format!("paths: [!file {p}]");
    assert!(err.contains(&not_granted("read", p, &entry)), "{err}");
    // Control: with the entry, the same program reads it.
    let granted = run(
        &["--policy", "devtools", "/usr/bin/cat", "-"],
        &format!("{config}{entry}\n"),
    );
    assert!(granted.status.success(), "{}", stderr(&granted));
    assert_eq!(stdout(&granted), "x\n");
}
