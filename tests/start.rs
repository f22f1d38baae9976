//! caprun's own start-up: the program inherits the SIGPIPE disposition caprun was
//! started with (a shell gives the default, systemd ignores it); a closed standard
//! descriptor is `/dev/null` for caprun, as Rust's start-up would have made it; and a
//! broken stderr pipe does not kill the supervisor.

#[macro_use]
mod common;

use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};

use common::*;

/// A caprun command started with SIGPIPE at `disposition` (SIG_DFL or SIG_IGN).
fn caprun_with_sigpipe(disposition: libc::sighandler_t) -> Command {
    let mut cmd = Command::new(caprun());
    // SAFETY: the hook runs in the forked child before exec and makes one
    // async-signal-safe call.
    unsafe {
        cmd.pre_exec(move || {
            if libc::signal(libc::SIGPIPE, disposition) == libc::SIG_ERR {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

/// The SigIgn mask of the program caprun runs (`grep` reading its own status).
fn ignored_by_the_program(disposition: libc::sighandler_t) -> u64 {
    let out = run_cmd(
        caprun_with_sigpipe(disposition).args([
            "--policy",
            "none",
            "--",
            "/bin/grep",
            "SigIgn",
            "/proc/self/status",
        ]),
        "",
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text
        .trim()
        .strip_prefix("SigIgn:")
        .unwrap_or_else(|| panic!("unexpected output: {text}"))
        .trim();
    u64::from_str_radix(hex, 16).unwrap()
}

const SIGPIPE_BIT: u64 = 1 << (libc::SIGPIPE - 1);

#[test]
fn a_default_sigpipe_reaches_the_program() {
    assert_eq!(ignored_by_the_program(libc::SIG_DFL) & SIGPIPE_BIT, 0);
}

#[test]
fn a_pipeline_under_caprun_stops_its_writer_with_sigpipe() {
    // `yes` dies of SIGPIPE (status 141), silently, once `head` has gone.
    let out = run_cmd(
        caprun_with_sigpipe(libc::SIG_DFL).args([
            "--policy",
            "none",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "/bin/sh",
            "-c",
            "(yes; echo \"yes: $?\" >&2) | head -n 1",
        ]),
        "",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "y\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "yes: 141\n");
}

#[test]
fn an_ignored_sigpipe_reaches_the_program() {
    // As under systemd (IgnoreSIGPIPE=yes, the default for services).
    assert_eq!(
        ignored_by_the_program(libc::SIG_IGN) & SIGPIPE_BIT,
        SIGPIPE_BIT
    );
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE
/// (and raises SIGPIPE).
fn broken_pipe() -> Stdio {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is a valid array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

/// Run caprun (SIGPIPE at its default) with `args`, the config on stdin and stderr a
/// broken pipe.
fn run_with_broken_stderr(args: &[&str], config: &str) -> Output {
    let mut child = caprun_with_sigpipe(libc::SIG_DFL)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(broken_pipe())
        .spawn()
        .expect("spawn caprun");
    let mut input = child.stdin.take().unwrap();
    input.write_all(config.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn a_broken_stderr_pipe_does_not_kill_the_supervisor() {
    skip_unless_sandboxable!();
    let probe = probe();
    // The supervisor of --explain-denials writes an explanation and a summary.
    let out = run_with_broken_stderr(
        &[
            "--policy",
            "strict",
            "--explain-denials",
            probe.to_str().unwrap(),
        ],
        "report: !fd stdout\nsyscalls: [sysinfo]\n",
    );
    // The probe's status (3: a call failed), not the supervisor's death by SIGPIPE.
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(report_of_any(&out)["syscalls"]["sysinfo"], libc::EPERM);
    // (The init of a PID namespace needs nothing of this: as a PID 1 it does not die of
    // a signal it has no handler for.)
}

/// The probe's report, whatever its exit status.
fn report_of_any(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad report ({e}): {out:?}"))
}

#[test]
fn a_closed_stderr_is_dev_null_for_caprun() {
    // Nothing caprun opens lands on a closed standard descriptor: it finds /dev/null
    // there, as Rust's runtime start-up would have opened.
    let mut cmd = Command::new(caprun());
    cmd.args(["--policy", "none", probe().to_str().unwrap()]);
    // SAFETY: one async-signal-safe call in the forked child before exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(2);
            Ok(())
        });
    }
    let r = report_of(&run_cmd(
        &mut cmd,
        "report: !fd stdout\nerr: !fd stderr\nf: !file /etc/hostname\n",
    ));
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3]);
    assert_eq!(fd_entry(&r, 1)["path"], "/dev/null", "{r}");
    assert_eq!(fd_entry(&r, 2)["path"], "/etc/hostname", "{r}");
}
