//! A program stopped and continued (Ctrl-Z and `fg`, `kill -STOP/-CONT`) goes on with
//! what it was doing. A timed wait that a stop interrupts is resumed by the kernel
//! through `restart_syscall`, which every built-in policy with a filter must allow:
//! the probe waits in `nanosleep`, `clock_nanosleep`, `poll` and `futex` and is stopped
//! and continued during each, under each built-in policy; then real programs (`sleep`,
//! Python's `time.sleep`, `poll` and a timed lock) the same way.
//!
//! Two ways to stop it: SIGTSTP to caprun, as a terminal's Ctrl-Z does (caprun passes it
//! on and stops with the program; SIGCONT to caprun continues both), and SIGSTOP straight
//! to the program's pid, as a debugger or `kill -STOP PID` does. The second is done only
//! where caprun does not supervise (it exec'd in place: `unprivileged`): with a
//! supervisor, a program stopped from outside still stops caprun for good (issue 24 §2,
//! the supervisor's part; `stop_from_outside_under_a_supervisor` records it).

#[macro_use]
mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use common::*;

/// The timed waits the probe makes (`waits:` in tests/probe).
const WAITS: [&str; 4] = ["nanosleep", "clock_nanosleep", "poll", "futex"];

/// How the test stops the program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    /// SIGTSTP to caprun, SIGCONT to caprun.
    Caprun,
    /// SIGSTOP to the program's pid, SIGCONT to it.
    Program,
}

/// A started job, continued and killed when dropped still running (a failed test leaves
/// no stopped caprun behind).
struct Job(Child);

impl std::ops::Deref for Job {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Job {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = kill(Pid::from_raw(self.0.id() as i32), Signal::SIGCONT);
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Start `cmd` as a shell with job control starts a job: in a process group of its own
/// (this test's is another in the same session, so the group is not orphaned and stop
/// signals are not discarded), with the stop signals at their defaults.
fn start_job(cmd: &mut Command, stdin: &str) -> Job {
    cmd.process_group(0);
    // SAFETY: between fork and exec only async-signal-safe calls (signal).
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    Job(start_cmd(cmd, stdin))
}

/// The children of `pid` (from `/proc/PID/task/*/children`).
fn children(pid: i32) -> Vec<i32> {
    let mut all = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return all;
    };
    for t in tasks.flatten() {
        if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
            all.extend(s.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
        }
    }
    all
}

/// The program caprun (pid `caprun`) runs, by its host pid: the deepest process under
/// caprun (caprun itself when it exec'd in place; else under the supervisor and the PID
/// namespace's init).
fn program_pid(caprun: i32) -> i32 {
    let mut pid = caprun;
    while let Some(&c) = children(pid).first() {
        pid = c;
    }
    pid
}

/// The state letter of `/proc/PID/stat` (`T`: stopped).
fn state(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .unwrap_or('?')
}

/// Wait (at most 10 s) until `pid` is in state `want`.
fn wait_state(pid: i32, want: char, what: &str) {
    let start = Instant::now();
    while state(pid) != want {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what}: pid {pid} is in state {} after 10 s, not {want}",
            state(pid)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Stop the running job `child` (caprun) while its program waits, and continue it.
fn stop_and_continue(child: &Child, via: Via, what: &str) {
    let caprun = Pid::from_raw(child.id() as i32);
    // Into the wait (the line comes just before the call).
    std::thread::sleep(Duration::from_millis(200));
    match via {
        Via::Caprun => {
            kill(caprun, Signal::SIGTSTP).unwrap();
            // caprun stops once the program has (at most 10 s).
            let start = Instant::now();
            let status = loop {
                match waitpid(caprun, Some(WaitPidFlag::WUNTRACED | WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) if start.elapsed() < Duration::from_secs(10) => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    other => break other.unwrap(),
                }
            };
            assert_eq!(
                status,
                WaitStatus::Stopped(caprun, Signal::SIGTSTP),
                "{what}"
            );
            wait_state(program_pid(caprun.as_raw()), 'T', what);
            kill(caprun, Signal::SIGCONT).unwrap();
        }
        Via::Program => {
            let program = Pid::from_raw(program_pid(caprun.as_raw()));
            kill(program, Signal::SIGSTOP).unwrap();
            wait_state(program.as_raw(), 'T', what);
            std::thread::sleep(Duration::from_millis(100));
            kill(program, Signal::SIGCONT).unwrap();
        }
    }
}

/// Read a line of `lines`, failing (and killing `child`) when none comes within 20 s.
fn line_within(child: &mut Child, lines: &std::sync::mpsc::Receiver<String>, what: &str) -> String {
    match lines.recv_timeout(Duration::from_secs(20)) {
        Ok(l) => l,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: no line within 20 s; stderr: {}", stderr_of(child))
        }
    }
}

/// The lines of `child`'s stdout, read on a thread of their own.
fn lines_of(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// Run the probe's waits under `policy`, stopping and continuing it during each `via`;
/// the probe's `waits` report (NAME → 0 or errno) and caprun's exit code.
fn probe_waits(policy: &str, via: Via) -> (serde_json::Value, Option<i32>) {
    let what = format!("{policy}, stopped via {via:?}");
    let mut cmd = Command::new(caprun());
    cmd.args(["--policy", policy]).arg(probe());
    let config = format!("report: !fd stdout\nwait_ms: 1000\nwaits: {WAITS:?}\n");
    let mut child = start_job(&mut cmd, &config);
    let lines = lines_of(&mut child);
    let report = line_within(&mut child, &lines, &what);
    assert!(report.starts_with("{\"argv\""), "{what}: {report}");
    for w in WAITS {
        assert_eq!(line_within(&mut child, &lines, &what), format!("wait {w}"));
        stop_and_continue(&child, via, &format!("{what}, {w}"));
    }
    let waits = line_within(&mut child, &lines, &what);
    let status = wait_bounded(&mut child, Duration::from_secs(20));
    let waits: serde_json::Value =
        serde_json::from_str(&waits).unwrap_or_else(|e| panic!("{what}: {e}: {waits}"));
    (waits["waits"].clone(), status.code())
}

/// Every wait went on after the stop, under every built-in policy with a filter (and
/// `none`, the control without one), stopped by a terminal's Ctrl-Z through caprun and,
/// where caprun execs in place, by SIGSTOP to the program itself.
#[test]
fn a_stopped_and_continued_wait_goes_on_under_every_builtin_policy() {
    skip_unless_sandboxable!();
    let mut runs = Vec::new();
    for policy in ["none", "strict", "default", "devtools", "unprivileged"] {
        runs.push((policy, Via::Caprun));
    }
    runs.push(("unprivileged", Via::Program));
    runs.push(("none", Via::Program));
    // In parallel: each run waits about 4 s.
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(policy, via)| std::thread::spawn(move || (policy, via, probe_waits(policy, via))))
        .collect();
    for h in handles {
        let (policy, via, (waits, code)) = h.join().unwrap();
        for w in WAITS {
            assert_eq!(
                waits[w], 0,
                "{policy} via {via:?}: {w} failed with errno {}",
                waits[w]
            );
        }
        assert_eq!(code, Some(0), "{policy} via {via:?}");
    }
}

/// Real programs: coreutils' `sleep` (`clock_nanosleep`) and Python waiting in
/// `time.sleep`, `poll` and a timed lock (a futex wait with a timeout), stopped and
/// continued through caprun during each wait, under the policies that run dynamically
/// linked programs.
#[test]
fn real_programs_go_on_after_a_stop() {
    skip_unless_sandboxable!();
    let python = std::path::Path::new("/usr/bin/python3");
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs /usr/bin/python3"
        );
        eprintln!("SKIPPED: no /usr/bin/python3");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("io.yaml");
    std::fs::write(&config, "[!fd stdin, !fd stdout, !fd stderr]\n").unwrap();
    // The script comes on stdin (python's argv is just its name).
    let script = "import os, select, threading, time\n\
                  print('wait sleep', flush=True); time.sleep(1)\n\
                  r, w = os.pipe(); p = select.poll(); p.register(r, select.POLLIN)\n\
                  print('wait poll', flush=True); p.poll(1000)\n\
                  l = threading.Lock(); l.acquire()\n\
                  print('wait lock', flush=True); l.acquire(timeout=1)\n\
                  print('done', flush=True)\n";
    let sleep = which("sleep");
    let mut runs: Vec<(String, Vec<String>, &str, Vec<&str>)> = Vec::new();
    for policy in ["default", "devtools", "unprivileged"] {
        let args = vec![
            "--policy".to_owned(),
            policy.to_owned(),
            python.to_str().unwrap().to_owned(),
            config.to_str().unwrap().to_owned(),
        ];
        runs.push((
            format!("python3 under {policy}"),
            args,
            script,
            vec!["wait sleep", "wait poll", "wait lock"],
        ));
        // `sleep` prints nothing: caprun's own message follows the stop, so the test
        // stops it once it has run for a while.
        let args = ["--policy", policy, "--", sleep.as_str(), "1"]
            .map(str::to_owned)
            .to_vec();
        runs.push((format!("sleep under {policy}"), args, "", vec![]));
    }
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(what, args, stdin, waits)| {
            std::thread::spawn(move || {
                let mut cmd = Command::new(caprun());
                cmd.args(&args);
                let mut child = start_job(&mut cmd, stdin);
                let lines = lines_of(&mut child);
                if waits.is_empty() {
                    // Well into the sleep: past caprun's start-up.
                    std::thread::sleep(Duration::from_millis(300));
                    stop_and_continue(&child, Via::Caprun, &what);
                }
                for w in waits {
                    assert_eq!(line_within(&mut child, &lines, &what), w, "{what}");
                    stop_and_continue(&child, Via::Caprun, &format!("{what}, {w}"));
                }
                let status = wait_bounded(&mut child, Duration::from_secs(20));
                let rest = rest_of(&lines);
                (what, status, rest, stderr_of(&mut child))
            })
        })
        .collect();
    for h in handles {
        let (what, status, rest, stderr) = h.join().unwrap();
        assert_eq!(status.code(), Some(0), "{what}: {stderr}");
        if what.starts_with("python") {
            assert!(stderr.is_empty(), "{what}: {stderr}");
            assert_eq!(rest, ["done"], "{what}: {stderr}");
        }
    }
}

/// The lines left on `lines` up to end of file (at most 10 s more).
fn rest_of(lines: &std::sync::mpsc::Receiver<String>) -> Vec<String> {
    let mut rest = Vec::new();
    while let Ok(l) = lines.recv_timeout(Duration::from_secs(10)) {
        rest.push(l);
    }
    rest
}

/// The path of a program on `PATH`.
fn which(name: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// SIGSTOP and SIGCONT straight to the program under the policies where caprun
/// supervises it (a PID namespace): the waits go on and caprun reports the program's
/// end. (Before issue 24 §2, the supervisor stopped itself with the program and
/// nothing continued it: caprun never reported the end.)
#[test]
fn stop_from_outside_under_a_supervisor() {
    skip_unless_sandboxable!();
    for policy in ["strict", "default", "devtools"] {
        let (waits, code) = probe_waits(policy, Via::Program);
        for w in WAITS {
            assert_eq!(waits[w], 0, "{policy}: {w} failed with errno {}", waits[w]);
        }
        assert_eq!(code, Some(0), "{policy}");
    }
}
