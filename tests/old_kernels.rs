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

/// Before Linux 5.9 there is no `close_range` (`ENOSYS`): the `--learn` writer, forked
/// before the sandbox is entered, must still close everything but its socket and the
/// directory it writes in (closing one by one), or it keeps the program's descriptors
/// open (here a granted file) for as long as the program runs.
#[test]
fn the_learn_writer_holds_two_descriptors_without_close_range() {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    skip_unless_sandboxable!();
    // The writer is double-forked: it is reparented to this process, where it is found.
    // SAFETY: prctl with integer arguments.
    let subreaper = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    assert_eq!(subreaper, 0);
    let dir = tempfile::tempdir().unwrap();
    let granted = dir.path().join("granted");
    std::fs::write(&granted, "x").unwrap();
    let out = dir.path().join("learned.yaml");
    let mut cmd = Command::new(example("old-kernel"));
    cmd.args(["--fail", "close_range=38", "--"])
        .arg(caprun())
        .args(["--policy", "strict", "--learn", out.to_str().unwrap()])
        .arg(probe())
        .process_group(0);
    let config = format!(
        "report: !fd stdout\nextra: !file {{path: {}}}\npause: true\n",
        q(&granted)
    );
    let mut child = start_cmd(&mut cmd, &config);
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("{\"argv\""), "{line}");
    // Our children other than old-kernel, running caprun's binary: the writer.
    let caprun_exe = std::fs::canonicalize(caprun()).unwrap();
    let mut writers = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let children = std::fs::read_to_string(task.unwrap().path().join("children")).unwrap();
        for pid in children.split_whitespace() {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe"));
            if pid != child.id().to_string() && exe.ok().as_ref() == Some(&caprun_exe) {
                writers.push(pid.to_owned());
            }
        }
    }
    let fds: Vec<Vec<String>> = writers
        .iter()
        .map(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .unwrap()
                .map(|e| {
                    let link = std::fs::read_link(e.unwrap().path()).unwrap();
                    link.to_string_lossy().into_owned()
                })
                .collect()
        })
        .collect();
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    // (old-kernel, in the same process group, dies of the SIGINT itself.)
    wait_bounded(&mut child, std::time::Duration::from_secs(20));
    assert_eq!(
        writers.len(),
        1,
        "the writer among our children: {writers:?}"
    );
    assert_eq!(fds[0].len(), 2, "the writer holds: {:?}", fds[0]);
    assert!(
        !fds[0].iter().any(|l| l.ends_with("/granted")),
        "{:?}",
        fds[0]
    );
    // It still writes the policy once the program ended.
    let start = std::time::Instant::now();
    while !out.exists() && start.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        text.contains("extends: strict"),
        "{}",
        stderr_of(&mut child)
    );
}

/// A kernel newer than caprun was tested against (here one that claims Landlock ABI 9,
/// whose `landlock` crate rights this kernel does not have): caprun uses the ABI it was
/// tested against (`sandbox::landlock_abi::TESTED`), not whatever the kernel reports, and
/// the launch runs. (Handing the claimed ABI's rights to the kernel fails the ruleset.)
#[test]
fn a_newer_kernel_is_used_at_the_tested_abi() {
    skip_unless_sandboxable!();
    for policy in ["strict", "devtools"] {
        let out = at_abi(9, &["--policy", policy]);
        assert!(ran(&out), "{policy}: {out:?}");
        assert!(!stderr(&out).contains("warning"), "{policy}: {out:?}");
    }
}
