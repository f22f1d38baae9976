//! The mistakes a newcomer makes on the command line (issue 27 §1), and what caprun says
//! about each: what is missing, clap's own tips, the forgotten `--`, a policy typo, the
//! option a missing path came from, a config read from a terminal or drained by the
//! program's `!fd stdin`.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

use common::*;

/// caprun with `args` in `dir`, standard input empty.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    run_cmd(Command::new(caprun()).args(args).current_dir(dir), "")
}

#[test]
fn missing_arguments_are_named() {
    for (args, named) in [
        (&[][..], "<PROGRAM>"),
        (&["--dry-run"], "<PROGRAM>"),
        (&["--rw", ".", "--"], "<PROGRAM>"),
        (&["--uid", "1", "prog"], "--gid <GID>"),
        (&["--gid", "1", "prog"], "--uid <UID>"),
    ] {
        let out = run(args, "");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.starts_with("caprun: the following required arguments were not provided:\n"),
            "{args:?}: {err}"
        );
        assert!(err.contains(&format!("\n  {named}\n")), "{args:?}: {err}");
        assert!(err.ends_with("(see caprun --help)\n"), "{args:?}: {err}");
    }
    // No PROGRAM: both forms are shown.
    let err = stderr(&run(&[], ""));
    assert!(
        err.contains("tip: caprun [OPTIONS] PROGRAM [CONFIG] runs PROGRAM with a YAML config; caprun [OPTIONS] -- PROGRAM [ARGS]... runs a command"),
        "{err}"
    );
    // Nothing after `--`: said so, with the form it belongs to.
    let err = stderr(&run(&["--rw", ".", "--"], ""));
    assert!(
        err.contains("nothing follows `--`: caprun [OPTIONS] -- PROGRAM [ARGS]..."),
        "{err}"
    );
}

#[test]
fn clap_s_tips_and_possible_values_are_kept() {
    for (args, tip) in [
        (
            &["--polcy", "strict", "prog"][..],
            "a similar argument exists: '--policy'",
        ),
        // The fast parser's options around it change nothing.
        (
            &["--rw", ".", "--polcy", "strict", "--", "ls"],
            "a similar argument exists: '--policy'",
        ),
        (
            &["--completions", "tcsh"],
            "[possible values: bash, zsh, fish]",
        ),
        (
            &["--check-host", "--format", "yml"],
            "[possible values: text, json]",
        ),
        (
            &["--policy"],
            "[possible values: strict, default, unprivileged, none, devtools]",
        ),
    ] {
        let out = run(args, "");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(err.starts_with("caprun: "), "{args:?}: {err}");
        assert!(err.contains(tip), "{args:?}: {err}");
        // clap's usage block is replaced by the pointer to --help.
        assert!(!err.contains("Usage:"), "{args:?}: {err}");
        assert!(err.ends_with("(see caprun --help)\n"), "{args:?}: {err}");
    }
}

#[test]
fn a_forgotten_separator_is_hinted_at() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.py"), "import sys\nx = [\n").unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "a: [\n").unwrap();
    let tip = |words: &str| format!("put it after `--`: caprun [OPTIONS] -- {words}\n");
    // `caprun sh test`: no config named `test`.
    let out = run_in(dir.path(), &["sh", "test"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.starts_with("caprun: test: cannot read the config: "),
        "{err}"
    );
    assert!(err.contains(&tip("sh test")), "{err}");
    // `caprun sh x.py`: not YAML.
    let err = stderr(&run_in(dir.path(), &["sh", "x.py"]));
    assert!(err.contains(&tip("sh x.py")), "{err}");
    // `caprun sh` (config on stdin, which is YAML here): PROGRAM is not looked up in PATH.
    let out = run_cmd(
        Command::new(caprun()).arg("sh").current_dir(dir.path()),
        "a: 1\n",
    );
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert!(stderr(&out).contains(&tip("sh")), "{out:?}");
    assert!(
        stderr(&out).contains("tip: PROGRAM is a path, not looked up in PATH (sh is /"),
        "{out:?}"
    );
    // Controls: a program given as a path, a config named as YAML, a command that is
    // nowhere in PATH get no hint.
    for args in [
        &["/bin/sh", "test"][..],
        &["sh", "bad.yaml"],
        &["no-such-command-xyz", "test"],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code().map(|c| c >= 125), Some(true), "{out:?}");
        assert!(!stderr(&out).contains("tip:"), "{args:?}: {out:?}");
    }
}

#[test]
fn a_policy_typo_suggests_the_built_in_and_no_position() {
    let out = run(&["--policy", "stirct", "--dry-run", "/bin/true"], "");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.starts_with("caprun: stirct: cannot read policy: "),
        "{err}"
    );
    assert!(err.contains("did you mean strict?"), "{err}");
    assert!(!err.contains(":0:"), "{err}");
    // A path is not taken for a misspelt name.
    let err = stderr(&run(
        &["--policy", "./stirct", "--dry-run", "/bin/true"],
        "",
    ));
    assert!(!err.contains("did you mean"), "{err}");
    assert!(!err.contains(":0:"), "{err}");
}

#[test]
fn a_missing_path_names_its_option_and_a_missing_config_says_config() {
    for option in ["--ro", "--rw"] {
        let out = run(&[option, "/nonexistent/dir", "--", "true"], "");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert!(
            err.starts_with(&format!("caprun: {option} /nonexistent/dir: No such file")),
            "{err}"
        );
    }
    let err = stderr(&run(&["/bin/true", "/nonexistent.yaml"], ""));
    assert!(
        err.starts_with("caprun: /nonexistent.yaml: cannot read the config: No such file"),
        "{err}"
    );
}

#[test]
fn a_config_from_standard_input_passed_on_as_stdin_is_warned_of() {
    let config = "in: !fd stdin\n";
    let out = run(&["--dry-run", "/bin/true"], config);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr(&out).contains("caprun: warning: <stdin>:1:5: !fd stdin passes on the standard input the config was read from"),
        "{out:?}"
    );
    // An `!exec` document's default stdio is said as such, at no position.
    let out = run(&["--dry-run", "/bin/cat"], "!exec\nargv: [cat]\n");
    assert!(
        stderr(&out).contains(
            "caprun: warning: <stdin>: the !exec document's default stdio [!fd stdin, …] passes on"
        ),
        "{out:?}"
    );
    // Control: with stdin replaced, nothing is said.
    let out = run(
        &["--dry-run", "/bin/cat"],
        "!exec\nargv: [cat]\nstdio: [null, !fd stdout, !fd stderr]\n",
    );
    assert!(out.stderr.is_empty(), "{out:?}");
    // Control: the same config from a file leaves standard input to the program.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.yaml");
    std::fs::write(&file, config).unwrap();
    let out = run(&["--dry-run", "/bin/true", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn waiting_for_a_config_on_a_terminal_is_said() {
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut master = std::fs::File::from(pty.master);
    let slave = std::fs::File::from(pty.slave);
    let mut child = Command::new(caprun())
        .args(["--dry-run", "/bin/true"])
        .stdin(slave)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    // The notice comes before caprun reads: read it while caprun waits.
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !seen.ends_with(b"\n") {
        let n = err.read(&mut buf).unwrap();
        assert!(n > 0, "stderr closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let seen = String::from_utf8(seen).unwrap();
    assert!(
        seen.starts_with("caprun: reading the config from standard input (a terminal"),
        "{seen}"
    );
    assert!(
        seen.contains("caprun [OPTIONS] -- PROGRAM [ARGS]"),
        "{seen}"
    );
    // The config, then end of input (^D at the start of a line).
    master.write_all(b"a: 1\n\x04").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Control: from a pipe, nothing is said.
    let out = run(&["--dry-run", "/bin/true"], "a: 1\n");
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}
