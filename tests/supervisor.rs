//! PID-namespace mode: caprun stays as a supervisor, the program runs as PID 2 under a
//! minimal init; statuses and signals pass through, and everything dies with caprun's
//! parent.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A policy file: `default` plus a PID namespace.
fn pid_policy(dir: &std::path::Path) -> String {
    let p = dir.join("pid.yaml");
    std::fs::write(
        &p,
        "extends: default\nnamespaces: [user, mount, network, ipc, uts, cgroup, pid]\n",
    )
    .unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn the_program_is_pid_2_and_its_status_is_the_status() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    let probe = probe();
    let r = probe_report(&["--policy", &policy], "report: !fd stdout\n");
    assert_eq!(r["pid"], 2, "{r}");
    // Same table as without the supervisor.
    assert_eq!(fd_numbers(&r), vec![0, 1]);
    for (config, status) in [
        ("report: !fd stdout\nexit: 42\n", 42),
        ("report: !fd stdout\nraise: 10\n", 128 + libc::SIGUSR1),
        ("report: !fd stdout\nraise: 9\n", 128 + libc::SIGKILL),
    ] {
        let out = run(&["--policy", &policy, probe.to_str().unwrap()], config);
        assert_eq!(out.status.code(), Some(status), "{config}: {out:?}");
    }
    // Control: without the PID namespace the probe is not PID 2.
    let r = probe_report(&["--policy", "default"], "report: !fd stdout\n");
    assert_ne!(r["pid"], 2);
}

/// Start a pausing probe under the supervisor; return the child once it has reported.
fn start_paused(policy: &str) -> std::process::Child {
    let mut child = start(
        &["--policy", policy, probe().to_str().unwrap()],
        "report: !fd stdout\npause: true\n",
    );
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("\"pid\":2"), "{line}");
    child
}

#[test]
fn signals_are_forwarded_to_the_program() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    for sig in caprun::exec::FORWARDED {
        let mut child = start_paused(&policy);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::try_from(sig).unwrap(),
        )
        .unwrap();
        let status = child.wait().unwrap();
        // The probe has no handler: the forwarded signal kills it, and caprun reports
        // 128 + N. (Had caprun died of it instead, the status would be a signal.)
        assert_eq!(status.code(), Some(128 + sig), "signal {sig}: {status:?}");
    }
}

#[test]
fn the_sandbox_dies_with_caprun_s_parent() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    // A shell starts caprun in the background; the probe holds the write end of a pipe
    // (its stdout). Killing the shell must take caprun, the init and the probe with it,
    // which closes the pipe.
    let script = format!(
        "printf 'report: !fd stdout\\npause: true\\n' | {} --policy {} {} & wait",
        caprun().display(),
        policy,
        probe().display()
    );
    let mut shell = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = shell.stdout.take().unwrap();
    let mut first = [0u8; 1];
    out.read_exact(&mut first).unwrap(); // the probe is running
    shell.kill().unwrap();
    shell.wait().unwrap();
    // EOF arrives only when every holder of the pipe is gone.
    let start = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);
        let _ = tx.send(());
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_ok(),
        "the sandboxed program outlived caprun's parent ({:?})",
        start.elapsed()
    );
}

#[test]
fn a_seccomp_kill_is_explained_by_init() {
    // A policy whose filter kills: the init names the cause and how to find the call;
    // the status is 128 + SIGSYS. Control: the same program under `default` succeeds.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("kill.yaml");
    std::fs::write(
        &policy,
        "extends: default\nnamespaces: [user, mount, network, ipc, uts, cgroup, pid]\nseccomp:\n  default-action: kill\n",
    )
    .unwrap();
    let config = "report: !fd stdout\nsyscalls: [sysinfo]\n";
    let probe = probe();
    let out = run(
        &[
            "--policy",
            policy.to_str().unwrap(),
            probe.to_str().unwrap(),
        ],
        config,
    );
    assert_eq!(out.status.code(), Some(128 + libc::SIGSYS), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("killed by SIGSYS"), "{err}");
    assert!(err.contains("--explain-denials"), "{err}");
    let control = run(&["--policy", "none", probe.to_str().unwrap()], config);
    assert!(control.status.success(), "{control:?}");
}
