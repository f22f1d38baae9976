//! Older kernels, emulated on this one with the `old-kernel` tool (a seccomp listener
//! answers Landlock's version query with an older ABI): a policy never runs weaker than
//! its file says. Where the namespaces isolate what Landlock's newer scopes would (a PID
//! namespace for signals, a network namespace for abstract UNIX sockets), the launch goes
//! ahead; where a `required` policy relies on a scope the kernel lacks, caprun refuses
//! with 125 and names the way out; a `best-effort` policy runs and says what it lacks.

#[macro_use]
mod common;

use std::process::{Command, Output, Stdio};

use common::*;

/// `caprun ARGS probe` with the config `!fd stdout` as if the Landlock ABI were `abi`.
fn at_abi(abi: u32, args: &[&str]) -> Output {
    let probe = probe();
    let mut cmd = Command::new(example("old-kernel"));
    cmd.args(["--landlock-abi", &abi.to_string(), "--"])
        .arg(caprun())
        .args(args)
        .arg(&probe);
    run_cmd(cmd.stdin(Stdio::piped()), "!fd stdout\n")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The probe ran (and reported on its stdout).
fn ran(out: &Output) -> bool {
    out.status.success() && out.stdout.starts_with(b"{\"argv\"")
}

#[test]
fn namespaces_stand_in_for_the_scopes_of_abi_6() {
    skip_unless_sandboxable!();
    for abi in 1..=5 {
        for policy in ["strict", "default"] {
            let out = at_abi(abi, &["--policy", policy]);
            assert!(ran(&out), "ABI {abi} {policy}: {out:?}");
            // Nothing is missing that a namespace does not cover: no warning.
            assert!(
                !stderr(&out).contains("warning"),
                "ABI {abi} {policy}: {out:?}"
            );
        }
    }
}

#[test]
fn a_policy_relying_on_a_missing_scope_is_refused() {
    skip_unless_sandboxable!();
    for abi in 1..=5 {
        // No PID namespace: only signal scoping keeps the program from host processes.
        let out = at_abi(abi, &["--policy", "unprivileged"]);
        assert_eq!(out.status.code(), Some(125), "ABI {abi}: {out:?}");
        let err = stderr(&out);
        assert!(
            err.contains("relies on Landlock's signal scoping (ABI 6, Linux 6.12)")
                && err.contains(&format!("this kernel's Landlock ABI is {abi}"))
                && err.contains("use a policy with a PID namespace"),
            "{err}"
        );
        assert!(out.stdout.is_empty(), "the program ran");
        // --net: the host's network namespace, where abstract sockets are reachable.
        let out = at_abi(abi, &["--policy", "strict", "--net"]);
        assert_eq!(out.status.code(), Some(125), "ABI {abi}: {out:?}");
        let err = stderr(&out);
        assert!(
            err.contains("abstract UNIX socket scoping") && err.contains("run without --net"),
            "{err}"
        );
    }
    // Control: from ABI 6 both run.
    for args in [
        &["--policy", "unprivileged"][..],
        &["--policy", "strict", "--net"],
    ] {
        let out = at_abi(6, args);
        assert!(ran(&out), "{args:?}: {out:?}");
    }
}

#[test]
fn best_effort_runs_and_says_what_it_lacks() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    std::fs::write(&policy, "extends: unprivileged\nlandlock: best-effort\n").unwrap();
    let out = at_abi(5, &["--policy", policy.to_str().unwrap()]);
    assert!(ran(&out), "{out:?}");
    assert!(
        stderr(&out).contains("warning: policy ")
            && stderr(&out).contains("cannot enforce signal scoping"),
        "{out:?}"
    );
    // Landlock missing altogether (ABI 0): a required policy names it.
    let out = at_abi(0, &["--policy", "strict"]);
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(
        stderr(&out).contains("Landlock is not available"),
        "{out:?}"
    );
}
