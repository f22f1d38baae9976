//! Supervised launches: caprun stays as a supervisor outside the sandbox and the program
//! runs as PID 2 under a minimal init (PID-namespace mode), or as caprun's child
//! (`--explain-denials` without a PID namespace). The program's status and every signal
//! pass through as they would if caprun had exec'd in place; the sandbox dies with caprun,
//! and caprun's own life does not depend on whoever started it.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

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

/// The supervised modes: a PID namespace, and `--explain-denials` without one.
fn modes(dir: &std::path::Path) -> Vec<Vec<String>> {
    vec![
        vec!["--policy".into(), pid_policy(dir)],
        vec![
            "--policy".into(),
            "unprivileged".into(),
            "--explain-denials".into(),
        ],
    ]
}

fn pid_of(child: &Child) -> Pid {
    Pid::from_raw(child.id() as i32)
}

#[test]
fn the_program_is_pid_2_and_ends_caprun_as_it_ended() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    let probe = probe();
    let r = probe_report(&["--policy", &policy], "report: !fd stdout\n");
    assert_eq!(r["pid"], 2, "{r}");
    // Same table as without the supervisor.
    assert_eq!(fd_numbers(&r), vec![0, 1]);
    let out = run(
        &["--policy", &policy, probe.to_str().unwrap()],
        "report: !fd stdout\nexit: 42\n",
    );
    assert_eq!(out.status.code(), Some(42), "{out:?}");
    // A program killed by a signal: caprun is killed by the same signal, as the caller
    // would have seen without a supervisor (control: exec-in-place under `unprivileged`).
    for sig in [libc::SIGUSR1, libc::SIGKILL, libc::SIGSEGV] {
        let config = format!("report: !fd stdout\nraise: {sig}\n");
        for policy in [policy.as_str(), "unprivileged"] {
            let out = run(&["--policy", policy, probe.to_str().unwrap()], &config);
            assert_eq!(out.status.signal(), Some(sig), "{policy} {sig}: {out:?}");
            assert!(!out.status.core_dumped(), "{policy} {sig}: {out:?}");
        }
    }
    // Control: without the PID namespace the probe is not PID 2.
    let r = probe_report(&["--policy", "unprivileged"], "report: !fd stdout\n");
    assert_ne!(r["pid"], 2);
}

/// Start a probe that catches every signal under caprun with `args`; return it once
/// it is ready, with a reader of its lines.
fn start_catching(args: &[String]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    let probe = probe();
    all.push(probe.to_str().unwrap());
    let mut child = start(&all, "report: !fd stdout\ncatch: true\n");
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap(); // the report
    assert!(line.starts_with('{'), "{line}");
    line.clear();
    lines.read_line(&mut line).unwrap();
    assert_eq!(line, "catching\n");
    (child, lines)
}

/// The signals a program can catch, but SIGCHLD (caprun's own) and the stop signals
/// (tested below): each reaches the program exactly as sent. 32–34 are left out: the C
/// library of the probe keeps them for itself.
fn forwardable() -> Vec<i32> {
    (1..=64)
        .filter(|&s| {
            ![
                libc::SIGKILL,
                libc::SIGSTOP,
                libc::SIGCHLD,
                libc::SIGTSTP,
                libc::SIGTTIN,
                libc::SIGTTOU,
                32,
                33,
                34,
            ]
            .contains(&s)
        })
        .collect()
}

#[test]
fn every_catchable_signal_reaches_the_program() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for args in modes(dir.path()) {
        let (mut child, mut lines) = start_catching(&args);
        for sig in forwardable() {
            // SAFETY: sending a signal to our own child process.
            assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
            let mut line = String::new();
            lines.read_line(&mut line).unwrap();
            assert_eq!(line, format!("signal {sig}\n"), "{args:?}");
        }
        // Still running, not stopped or dead of any of them.
        assert!(child.try_wait().unwrap().is_none(), "{args:?}");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn job_control_stops_and_continues_caprun_with_the_program() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for args in modes(dir.path()) {
        // As a shell with job control starts a job: in a process group of its own (this
        // test's is another, in the same session, so the group is not orphaned and stop
        // signals are not discarded), with the stop signals at their defaults.
        let mut cmd = Command::new(caprun());
        cmd.args(&args).arg(probe()).process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls (signal).
        unsafe {
            cmd.pre_exec(|| {
                for sig in [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let mut child = start_cmd(&mut cmd, "report: !fd stdout\npause: true\n");
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        let pid = pid_of(&child);
        for stop in [Signal::SIGTSTP, Signal::SIGTTIN, Signal::SIGTTOU] {
            kill(pid, stop).unwrap();
            // caprun stops once the program has stopped, with the same signal.
            let status = waitpid(pid, Some(WaitPidFlag::WUNTRACED)).unwrap();
            assert_eq!(status, WaitStatus::Stopped(pid, stop), "{args:?}");
            kill(pid, Signal::SIGCONT).unwrap();
            let status = waitpid(pid, Some(WaitPidFlag::WCONTINUED)).unwrap();
            assert_eq!(status, WaitStatus::Continued(pid), "{args:?}");
        }
        // Both run again: a signal still reaches the program, which dies of it.
        kill(pid, Signal::SIGTERM).unwrap();
        let status = waitpid(pid, None).unwrap();
        assert_eq!(
            status,
            WaitStatus::Signaled(pid, Signal::SIGTERM, false),
            "{args:?}"
        );
        // Reaped above; this only releases the handle.
        let _ = child.try_wait();
    }
}

/// Run `caprun ARGS probe` on a new pseudo-terminal as its controlling terminal (stdin
/// and stderr the terminal, stdout a pipe), catching signals; return the child, the
/// terminal's master side and the probe's lines.
fn start_on_a_terminal(
    args: &[String],
    dir: &std::path::Path,
) -> (Child, std::fs::File, BufReader<std::process::ChildStdout>) {
    start_on_a_terminal_with(args, dir, "report: !fd stdout\ncatch: true\n", "catching\n")
}

/// `cmd` starts in a new session whose controlling terminal is its standard input (a
/// pseudo-terminal's slave side).
fn with_controlling_terminal(cmd: &mut Command) {
    // SAFETY: between fork and exec only async-signal-safe calls: a new session with the
    // terminal (stdin) as its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// As [`start_on_a_terminal`], with the probe's `config`, once it said `ready`.
fn start_on_a_terminal_with(
    args: &[String],
    dir: &std::path::Path,
    config: &str,
    ready: &str,
) -> (Child, std::fs::File, BufReader<std::process::ChildStdout>) {
    let pty = nix::pty::openpty(None, None).unwrap();
    let master = std::fs::File::from(pty.master);
    let slave = std::fs::File::from(pty.slave);
    // In a file: the terminal is caprun's stdin.
    let config_text = config;
    let config = dir.join("terminal.yaml");
    std::fs::write(&config, config_text).unwrap();
    let mut cmd = Command::new(caprun());
    cmd.args(args)
        .arg(probe())
        .arg(&config)
        .stdin(slave.try_clone().unwrap())
        .stdout(Stdio::piped())
        .stderr(slave);
    with_controlling_terminal(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    if !ready.is_empty() {
        line.clear();
        lines.read_line(&mut line).unwrap();
        assert_eq!(line, ready);
    }
    (child, master, lines)
}

#[test]
fn a_terminal_s_signals_reach_the_program_once() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for args in modes(dir.path()) {
        let (mut child, mut master, mut lines) = start_on_a_terminal(&args, dir.path());
        // ^C and ^\ go from the terminal to its whole foreground process group: caprun
        // and the program alike. The program must see each once, not once more through
        // caprun. A window change likewise.
        for (input, sig) in [(b"\x03", libc::SIGINT), (b"\x1c", libc::SIGQUIT)] {
            master.write_all(input).unwrap();
            let mut line = String::new();
            lines.read_line(&mut line).unwrap();
            assert_eq!(line, format!("signal {sig}\n"), "{args:?}");
        }
        let size = libc::winsize {
            ws_row: 40,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let master_fd = std::os::fd::AsRawFd::as_raw_fd(&master);
        // SAFETY: TIOCSWINSZ on our own terminal with a valid winsize.
        let set = unsafe { libc::ioctl(master_fd, libc::TIOCSWINSZ, &size) };
        assert_eq!(set, 0);
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        assert_eq!(line, format!("signal {}\n", libc::SIGWINCH), "{args:?}");
        // Then a signal sent to caprun alone: exactly one more line, that signal's. (A
        // duplicate of any of the terminal's would come before it.)
        kill(pid_of(&child), Signal::SIGUSR1).unwrap();
        line.clear();
        lines.read_line(&mut line).unwrap();
        assert_eq!(line, format!("signal {}\n", libc::SIGUSR1), "{args:?}");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn caprun_outlives_the_thread_that_started_it() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for args in modes(dir.path()) {
        // Started from a thread that ends at once, as a worker of a thread pool would.
        let args2 = args.clone();
        let mut child = std::thread::spawn(move || {
            let mut all: Vec<&str> = args2.iter().map(String::as_str).collect();
            let probe = probe();
            all.push(probe.to_str().unwrap());
            start(&all, "report: !fd stdout\npause: true\n")
        })
        .join()
        .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{args:?}: caprun died with the thread that started it"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn the_sandbox_dies_with_caprun() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for args in modes(dir.path()) {
        // The probe holds the write end of caprun's stdout pipe; SIGKILL to caprun must
        // take the init and the probe with it, which closes the pipe.
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        let probe = probe();
        all.push(probe.to_str().unwrap());
        let mut child = start(&all, "report: !fd stdout\npause: true\n");
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        out.read_exact(&mut first).unwrap(); // the probe is running
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            eof_within(out, Duration::from_secs(5)),
            "{args:?}: the sandboxed program outlived caprun"
        );
    }
}

/// Whether `out` reaches end of file within `limit` (every writer gone).
fn eof_within(mut out: impl Read + Send + 'static, limit: Duration) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);
        let _ = tx.send(());
    });
    rx.recv_timeout(limit).is_ok()
}

#[test]
fn processes_left_behind_end_with_the_program() {
    // The program starts a child that outlives it, holding caprun's stdout. In a PID
    // namespace the child dies as the program ends; control: without one (`none`) it
    // lives on, and the pipe stays open.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    let probe = probe();
    let config = "report: !fd stdout\nbackground: 3000\n";
    for (policy, ends) in [(policy.as_str(), true), ("none", false)] {
        let start_time = Instant::now();
        let mut child = start(&["--policy", policy, probe.to_str().unwrap()], config);
        let out = child.stdout.take().unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(
            eof_within(out, Duration::from_millis(1500)),
            ends,
            "{policy} after {:?}",
            start_time.elapsed()
        );
    }
}

#[test]
fn a_leftover_process_s_denials_get_the_policy_s_answer() {
    // --explain-denials without a PID namespace: the program's child makes a denied call
    // after the program (and caprun's summary) is done. It must get the policy's errno
    // (EPERM), as without --explain-denials, not ENOSYS from a listener nobody answers.
    skip_unless_sandboxable!();
    let probe = probe();
    let config = "report: !fd stdout\nbackground: 500\nsyscalls: [socket_inet]\n";
    for extra in [&["--explain-denials"][..], &[]] {
        let mut args = vec!["--policy", "unprivileged"];
        args.extend_from_slice(extra);
        args.push(probe.to_str().unwrap());
        let out = run(&args, config);
        assert!(out.status.success(), "{extra:?}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let background = text
            .lines()
            .find(|l| l.starts_with("{\"background\""))
            .unwrap_or_else(|| panic!("{extra:?}: no background report in {text}"));
        assert_eq!(
            background,
            format!("{{\"background\":{{\"socket_inet\":{}}}}}", libc::EPERM),
            "{extra:?}"
        );
    }
}

#[test]
fn a_seccomp_kill_is_explained() {
    // A policy whose filter kills: caprun names the cause and how to find the call, and
    // dies of SIGSYS as the program did. Control: the same program under `none` succeeds.
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
    assert_eq!(out.status.signal(), Some(libc::SIGSYS), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("killed by SIGSYS"), "{err}");
    assert!(err.contains("--explain-denials"), "{err}");
    let control = run(&["--policy", "none", probe.to_str().unwrap()], config);
    assert!(control.status.success(), "{control:?}");
}

#[test]
fn a_signal_forwarded_as_the_program_ends_leaves_its_status_whole() {
    // A signal forwarded just as the program dies reaches an init that is already gone:
    // its message is never read, which the kernel reports to caprun once (ECONNRESET)
    // before the program's status that init sent first. caprun must still end as the
    // program did. Many rounds, since it is a race.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    for round in 0..40 {
        let probe = probe();
        let mut child = start(
            &["--policy", &policy, probe.to_str().unwrap()],
            "report: !fd stdout\npause: true\n",
        );
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid = pid_of(&child);
        // SIGTERM kills the program; what follows (ignored by it) is forwarded too,
        // one message each, while init is ending.
        kill(pid, Signal::SIGTERM).unwrap();
        for sig in [Signal::SIGCONT, Signal::SIGWINCH, Signal::SIGURG] {
            for _ in 0..5 {
                let _ = kill(pid, sig);
            }
        }
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGTERM),
            "round {round}: {status:?}"
        );
    }
}

/// The pids of `pid`'s children (`/proc/PID/task/PID/children`).
fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

/// The state letter of process `pid` (`R`, `S`, `T`…).
fn state_of(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap()
}

/// A program stopped from outside (`kill -STOP` of its own pid, as a debugger would)
/// does not stop caprun: nothing would continue it, and it would never report the
/// program's end. The program, continued the same way, goes on, and caprun ends as it
/// ends. (A job-control stop, mirrored, is `job_control_stops_and_continues_…` above.)
#[test]
fn a_program_stopped_from_outside_leaves_caprun_running() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = pid_policy(dir.path());
    let mut child = start(
        &["--policy", &policy, probe().to_str().unwrap()],
        "report: !fd stdout\npause: true\n",
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    let caprun = child.id() as i32;
    let init = children_of(caprun)[0];
    let program = children_of(init)[0];
    kill(Pid::from_raw(program), Signal::SIGSTOP).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while state_of(program) != 'T' && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(state_of(program), 'T');
    // Time for the stop to reach caprun through init.
    std::thread::sleep(Duration::from_millis(300));
    assert_ne!(state_of(caprun), 'T', "caprun stopped with its program");
    kill(Pid::from_raw(program), Signal::SIGCONT).unwrap();
    kill(Pid::from_raw(program), Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM));
}

/// The sandbox lives in a process group of its own: `setpriority(PRIO_PGRP, 0, 19)`
/// from inside renices nothing outside (here a sibling of caprun in its process group,
/// as a shell's pipeline or another process of the caller's job would be). The control:
/// the same program under `--policy none` (no sandbox, caprun's group) renices it.
#[test]
fn process_group_calls_from_inside_name_nothing_outside() {
    skip_unless_sandboxable!();
    let renice = "import os; os.setpriority(os.PRIO_PGRP, 0, 19)";
    for (policy, reniced) in [("devtools", false), ("none", true)] {
        let mut sibling = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap();
        let group = sibling.id() as i32;
        let out = Command::new(caprun())
            .args(["--policy", policy, "--", "/usr/bin/python3", "-c", renice])
            .process_group(group)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{policy}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stat = std::fs::read_to_string(format!("/proc/{group}/stat")).unwrap();
        let nice: i32 = stat[stat.rfind(')').unwrap() + 2..]
            .split_whitespace()
            .nth(16)
            .unwrap()
            .parse()
            .unwrap();
        sibling.kill().unwrap();
        sibling.wait().unwrap();
        assert_eq!(
            nice == 19,
            reniced,
            "{policy}: the sibling's nice value is {nice}"
        );
    }
}

/// On a terminal, as a job of an interactive shell: the sandbox's group is the
/// foreground group while the program runs; a ^Z stops the program and then caprun,
/// which gives the terminal back (the shell has it again); `fg` continues both, and the
/// sandbox has the terminal again; ^C then ends the program, and caprun with it.
#[test]
fn a_terminal_belongs_to_the_sandbox_and_comes_back_on_stop() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pause.yaml");
    std::fs::write(&config, "report: !fd stdout\npause: true\n").unwrap();
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut master = std::fs::File::from(pty.master);
    let slave = std::fs::File::from(pty.slave);
    let mut shell = Command::new("bash");
    shell
        .args(["--norc", "--noprofile", "-i"])
        .env("PS1", "$ ")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave);
    with_controlling_terminal(&mut shell);
    let mut shell = shell.spawn().unwrap();
    let bash = shell.id() as i32;
    let master_fd = std::os::fd::AsRawFd::as_raw_fd(&master);
    // SAFETY: tcgetpgrp on our own terminal's master side.
    let foreground = || unsafe { libc::tcgetpgrp(master_fd) };
    let wait_for = |what: &str, cond: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting: {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    writeln!(
        master,
        "{} --policy {} {} {}",
        caprun().display(),
        pid_policy(dir.path()),
        probe().display(),
        config.display()
    )
    .unwrap();
    // caprun (the shell's child), init (caprun's), the program (init's).
    wait_for("the program", &|| {
        children_of(bash).first().is_some_and(|&c| {
            children_of(c)
                .first()
                .is_some_and(|&i| !children_of(i).is_empty())
        })
    });
    let caprun = children_of(bash)[0];
    let init = children_of(caprun)[0];
    let program = children_of(init)[0];
    wait_for("the sandbox in the foreground", &|| foreground() == init);
    master.write_all(b"\x1a").unwrap();
    wait_for("the shell in the foreground", &|| foreground() == bash);
    assert_eq!(state_of(program), 'T');
    assert_eq!(state_of(caprun), 'T');
    master.write_all(b"fg\n").unwrap();
    wait_for("the sandbox in the foreground again", &|| {
        foreground() == init
    });
    wait_for("the program running", &|| state_of(program) != 'T');
    assert_ne!(state_of(caprun), 'T');
    master.write_all(b"\x03").unwrap();
    wait_for("caprun's end", &|| children_of(bash).is_empty());
    assert_eq!(foreground(), bash);
    master.write_all(b"exit\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while shell.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            shell.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A job-control stop of the program that caprun mirrors, ended from outside: the
/// program is continued by its own pid (not through caprun or the shell). caprun, stopped
/// for the job, resumes with it (its waker sees init's word), and goes on to report the
/// program's end. Before, it stayed stopped with nothing to continue it.
#[test]
fn caprun_resumes_when_its_program_is_continued_from_outside() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(caprun());
    cmd.args(["--policy", &pid_policy(dir.path())])
        .arg(probe())
        .process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls (signal).
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let mut child = start_cmd(&mut cmd, "report: !fd stdout\npause: true\n");
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    let pid = pid_of(&child);
    let init = children_of(pid.as_raw())[0];
    let program = Pid::from_raw(children_of(init)[0]);
    kill(program, Signal::SIGTSTP).unwrap();
    let status = waitpid(pid, Some(WaitPidFlag::WUNTRACED)).unwrap();
    assert_eq!(status, WaitStatus::Stopped(pid, Signal::SIGTSTP));
    kill(program, Signal::SIGCONT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let flags = WaitPidFlag::WCONTINUED | WaitPidFlag::WNOHANG;
        match waitpid(pid, Some(flags)).unwrap() {
            WaitStatus::StillAlive if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => break other,
        }
    };
    if status == WaitStatus::StillAlive {
        let _ = child.kill();
    }
    assert_eq!(status, WaitStatus::Continued(pid), "caprun stayed stopped");
    assert_ne!(state_of(program.as_raw()), 'T');
    // It supervises again: a signal to caprun reaches the program, which dies of it.
    kill(pid, Signal::SIGTERM).unwrap();
    let status = waitpid(pid, None).unwrap();
    assert_eq!(status, WaitStatus::Signaled(pid, Signal::SIGTERM, false));
    let _ = child.try_wait();
}

/// While caprun is stopped for job control, a process of the sandbox that is not
/// stopped still has its denied calls answered (`--explain-denials`): the shell stops
/// itself, its background job makes a call the policy refuses (`mount`), gets its answer
/// and goes on. Before, the call waited on the stopped supervisor until the job was
/// continued.
#[test]
fn notifications_are_answered_while_caprun_is_stopped() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "(sleep 0.3; mount -t tmpfs none /mnt 2>/dev/null; echo answered > {}) & kill -TSTP $$; wait",
        out.display()
    );
    let mut cmd = Command::new(caprun());
    cmd.args(["--policy", "devtools", "--explain-denials", "--rw"])
        .arg(dir.path())
        .args(["--", "/bin/sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls (signal).
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let pid = pid_of(&child);
    let status = waitpid(pid, Some(WaitPidFlag::WUNTRACED)).unwrap();
    assert_eq!(status, WaitStatus::Stopped(pid, Signal::SIGTSTP));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !out.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let answered = std::fs::read_to_string(&out).unwrap_or_default();
    kill(pid, Signal::SIGCONT).unwrap();
    let status = loop {
        match waitpid(pid, None).unwrap() {
            WaitStatus::Continued(_) | WaitStatus::Stopped(..) => {
                let _ = kill(pid, Signal::SIGCONT);
            }
            other => break other,
        }
    };
    // Reaped above; this only releases the handle.
    let _ = child.try_wait();
    assert_eq!(
        answered, "answered\n",
        "the denied call was not answered while stopped"
    );
    assert_eq!(status, WaitStatus::Exited(pid, 0));
}
