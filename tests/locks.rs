//! Exclusive `flock` locks under `devtools` (issue 23 §5): granted only where the sandbox
//! can write (`exclusive-locks: writable`, taken by caprun's supervisor), so that a
//! file granted read-only, a bind of the policy (as `/usr` and `/etc` are) or a host
//! file passed on standard input cannot be locked against the host's processes. Each
//! refusal is paired with the control where the same lock is taken and really excludes
//! the host: a `--rw` file, the sandbox's `/tmp`, a descriptor open for writing.
//!
//! The program is `flock(1)` (util-linux), as scripts use it.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

const FLOCK: &str = "/usr/bin/flock";

/// Skip (visibly; on CI fail) when flock(1) is missing.
macro_rules! skip_unless_flock {
    () => {
        if !Path::new(FLOCK).exists() {
            if std::env::var_os("CI").is_some() {
                panic!("{FLOCK} (util-linux) is missing on the CI machine");
            }
            eprintln!("SKIPPED: no {FLOCK}");
            return;
        }
    };
}

/// A scratch directory: `ro.txt` (granted `--ro`), `rw.txt` (granted `--rw`), `bound/f`
/// (under a bind of the test's policy, `extends: devtools`, as `/usr` is one of devtools'),
/// and that policy.
struct Scratch {
    _dir: tempfile::TempDir,
    ro: PathBuf,
    rw: PathBuf,
    bound: PathBuf,
    policy: PathBuf,
}

fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::create_dir(p("bound")).unwrap();
    for f in ["ro.txt", "rw.txt", "bound/f"] {
        std::fs::write(p(f), "x\n").unwrap();
    }
    let policy = p("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "extends: devtools\nroot:\n  binds: [{}]\n",
            p("bound").display()
        ),
    )
    .unwrap();
    Scratch {
        ro: p("ro.txt"),
        rw: p("rw.txt"),
        bound: p("bound/f"),
        policy,
        _dir: dir,
    }
}

/// `caprun --policy POLICY --ro RO --rw RW EXTRA -- sh -c SCRIPT`, standard input and
/// output piped.
fn start_sh(s: &Scratch, extra: &[&str], script: &str) -> std::process::Child {
    Command::new(caprun())
        .arg("--policy")
        .arg(&s.policy)
        .arg("--ro")
        .arg(&s.ro)
        .arg("--rw")
        .arg(&s.rw)
        .args(extra)
        .args(["--env", "PATH=/usr/bin:/bin", "--", "sh", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Whether this (host) process can take an exclusive lock on `path` now, without
/// waiting (released at once).
fn host_can_lock(path: &Path) -> bool {
    let f = std::fs::File::open(path).unwrap();
    // SAFETY: plain integers on a descriptor this function owns.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return true;
    }
    let e = std::io::Error::last_os_error();
    assert_eq!(
        e.raw_os_error(),
        Some(libc::EWOULDBLOCK),
        "{}: {e}",
        path.display()
    );
    false
}

/// Run `script` (see [`start_sh`]); whenever it prints `held PATH`, record whether the host
/// could lock PATH then, and answer with a line (the script's `read` goes on). Returns the
/// script's other lines, the `held` lines with `host-locked`/`host-excluded` appended,
/// and its stderr.
fn converse(s: &Scratch, extra: &[&str], script: &str) -> (Vec<String>, String) {
    let mut child = start_sh(s, extra, script);
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(path) = line.strip_prefix("held ") {
            let verdict = if host_can_lock(Path::new(path)) {
                "host-locked"
            } else {
                "host-excluded"
            };
            lines.push(format!("{line} {verdict}"));
            stdin.write_all(b"\n").unwrap();
        } else {
            lines.push(line);
        }
    }
    drop(stdin);
    let err = stderr_of(&mut child);
    (lines, err)
}

/// `flock -x -n PATH` holding the lock while the host tries it, then the exit status.
fn hold(path: &Path) -> String {
    let p = path.display();
    format!("{FLOCK} -x -n {p} -c 'echo held {p}; read x'; echo ex {p} $?\n")
}

#[test]
fn exclusive_locks_on_read_only_files_are_refused_and_the_host_keeps_them() {
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let mut script = String::new();
    // Refused: a --ro file, a file under a bind of the policy, devtools' own /usr and
    // /etc binds.
    for p in [&s.ro, &s.bound] {
        script.push_str(&hold(p));
    }
    for p in ["/usr/bin/env", "/etc/passwd"] {
        script.push_str(&format!("{FLOCK} -x -n {p} true; echo ex {p} $?\n"));
    }
    // Shared locks everywhere.
    for p in [
        &s.ro,
        &s.bound,
        Path::new("/usr/bin/env"),
        Path::new("/etc/passwd"),
    ] {
        let p = p.display();
        script.push_str(&format!("{FLOCK} -s -n {p} true; echo sh {p} $?\n"));
    }
    // The control: a --rw file, excluding the host while held; the sandbox's /tmp,
    // excluding another locker inside.
    script.push_str(&hold(&s.rw));
    script.push_str(&format!(
        "{FLOCK} -x -n /tmp/t -c '{FLOCK} -x -n /tmp/t true; echo inner $?'; echo ex /tmp/t $?\n"
    ));
    let (lines, err) = converse(&s, &[], &script);
    let has = |l: &str| lines.iter().any(|x| x == l);
    let (ro, bound, rw) = (s.ro.display(), s.bound.display(), s.rw.display());
    // Refused as a file system without such locks refuses them (flock(1) exits 65), and
    // the host takes the lock meanwhile.
    for p in [
        ro.to_string(),
        bound.to_string(),
        "/usr/bin/env".into(),
        "/etc/passwd".into(),
    ] {
        assert!(has(&format!("ex {p} 65")), "{p}: {lines:?}\n{err}");
        assert!(
            !lines.iter().any(|l| l.starts_with(&format!("held {p}"))),
            "{p}: {lines:?}"
        );
        assert!(
            has(&format!("sh {p} 0")),
            "shared lock on {p}: {lines:?}\n{err}"
        );
    }
    assert!(err.contains("Operation not supported"), "{err}");
    assert!(host_can_lock(&s.ro) && host_can_lock(&s.bound));
    // Taken where the sandbox can write, and it holds the host off.
    assert!(has(&format!("held {rw} host-excluded")), "{lines:?}\n{err}");
    assert!(has(&format!("ex {rw} 0")), "{lines:?}\n{err}");
    assert!(has("inner 1"), "{lines:?}\n{err}");
    assert!(has("ex /tmp/t 0"), "{lines:?}\n{err}");
}

/// Wait until a process whose command line names `path` is inside `flock(2)` (its
/// `/proc/PID/syscall` starts with the call's number, 73).
fn wait_in_flock(path: &Path) {
    let name = path.to_str().unwrap();
    for _ in 0..3000 {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let dir = entry.path();
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            let names = cmdline.split(|&b| b == 0).any(|a| a == name.as_bytes());
            let syscall = std::fs::read_to_string(dir.join("syscall")).unwrap_or_default();
            if names && syscall.split(' ').next() == Some("73") {
                return;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("no process waits in flock on {name}");
}

#[test]
fn a_blocking_exclusive_lock_waits_for_the_host_to_release_it() {
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let host = std::fs::File::open(&s.rw).unwrap();
    // SAFETY: plain integers on a descriptor the test owns.
    assert_eq!(unsafe { libc::flock(host.as_raw_fd(), libc::LOCK_EX) }, 0);
    let (rw, ro) = (s.rw.display(), s.ro.display());
    let script = format!(
        "{FLOCK} -x -n {rw} true; echo try $?\n\
         echo waiting\n\
         {FLOCK} -x {rw} -c 'echo got'; echo blocking $?\n\
         {FLOCK} -x {ro} true; echo blocking-ro $?\n"
    );
    let mut child = start_sh(&s, &[], &script);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut next = |line: &mut String| {
        line.clear();
        out.read_line(line).unwrap();
        line.trim_end().to_owned()
    };
    // Contended: a non-blocking request fails as flock's own does.
    assert_eq!(next(&mut line), "try 1");
    assert_eq!(next(&mut line), "waiting");
    // The blocking one waits (seen inside its flock call, so that the release comes
    // after the request), and succeeds once the host lets go.
    wait_in_flock(&s.rw);
    drop(host);
    assert_eq!(next(&mut line), "got");
    assert_eq!(next(&mut line), "blocking 0");
    // A blocking request on a read-only grant is refused at once, not left waiting.
    let last = next(&mut line);
    let err = stderr_of(&mut child);
    assert_eq!(last, "blocking-ro 65", "{err}");
}

#[test]
fn a_host_file_on_standard_input_is_not_locked_exclusively() {
    // Standard input redirected from a host file: a read-only descriptor on the host's
    // mount (not one of the sandbox's). Its control: standard output appended to a host
    // file, open for writing, is locked.
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let out_file = s.rw.with_file_name("out.txt");
    let run = |script: &str| {
        Command::new(caprun())
            .args(["--policy", "devtools", "--env", "PATH=/usr/bin:/bin"])
            .args(["--", "sh", "-c", script])
            .stdin(std::fs::File::open(&s.ro).unwrap())
            .stdout(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&out_file)
                    .unwrap(),
            )
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let out = run(&format!(
        "{FLOCK} -x -n 0; echo stdin-ex $? >&2; {FLOCK} -s -n 0; echo stdin-sh $? >&2; \
         {FLOCK} -x -n 1; echo stdout-ex $? >&2"
    ));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin-ex 65"), "{err}");
    assert!(err.contains("stdin-sh 0"), "{err}");
    assert!(err.contains("stdout-ex 0"), "{err}");
}

#[test]
fn explain_denials_names_a_refused_exclusive_lock() {
    // --explain-denials owns the listener: the locks go through its session, which
    // names the refused one as a denial and still takes the granted one.
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let (ro, rw) = (s.ro.display(), s.rw.display());
    let script =
        format!("{FLOCK} -x -n {ro} true; echo ex-ro $?; {FLOCK} -x -n {rw} true; echo ex-rw $?\n");
    let (lines, err) = converse(&s, &["--explain-denials"], &script);
    assert_eq!(lines, ["ex-ro 65", "ex-rw 0"], "{err}");
    // Its descriptor number is flock(1)'s choice.
    let named = err
        .lines()
        .any(|l| l.contains("denied flock(") && l.contains(", LOCK_EX|LOCK_NB) [pid"));
    assert!(named, "{err}");
}

#[test]
fn exclusive_locks_from_a_thread_are_decided_the_same() {
    // A thread other than the process's first (cargo's, rustc's): the notification names
    // the thread; the lock is on its process's descriptor.
    skip_unless_sandboxable!();
    if !Path::new("/usr/bin/python3").exists() {
        assert!(std::env::var_os("CI").is_none(), "python3 is missing on CI");
        eprintln!("SKIPPED: no python3");
        return;
    }
    let s = scratch();
    let script = format!(
        "import fcntl, threading\n\
         def lock(path):\n\
         \x20   f = open(path)\n\
         \x20   try:\n\
         \x20       fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n\
         \x20       print(path, 'locked', flush=True)\n\
         \x20   except OSError as e:\n\
         \x20       print(path, 'errno', e.errno, flush=True)\n\
         for p in [{rw:?}, {ro:?}]:\n\
         \x20   t = threading.Thread(target=lock, args=(p,))\n\
         \x20   t.start()\n\
         \x20   t.join()\n",
        rw = s.rw.display().to_string(),
        ro = s.ro.display().to_string(),
    );
    let out = Command::new(caprun())
        .arg("--policy")
        .arg(&s.policy)
        .arg("--ro")
        .arg(&s.ro)
        .arg("--rw")
        .arg(&s.rw)
        .args(["--", "/usr/bin/python3", "-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(&format!("{} locked", s.rw.display())),
        "{text}\n{err}"
    );
    assert!(
        text.contains(&format!("{} errno {}", s.ro.display(), libc::EOPNOTSUPP)),
        "{text}\n{err}"
    );
}

#[test]
fn the_exec_form_has_a_supervisor_for_locks_alone() {
    // The exec form names no denials (no session): with a PID namespace, a supervisor
    // for the locks alone takes them in /tmp and refuses them on /usr. Without a PID
    // namespace there is no supervisor, and the filter itself refuses every exclusive
    // lock (caprun-policy(5)).
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let no_pid = s.policy.with_file_name("no-pid.yaml");
    std::fs::write(
        &no_pid,
        "extends: devtools\nnamespaces: [user, mount, network, ipc, uts, cgroup]\nroot:\n  proc: false\n",
    )
    .unwrap();
    let config = format!(
        "!exec\nargv: [sh, -c, \"{FLOCK} -x -n /tmp/a true; echo tmp=$?; {FLOCK} -x -n /usr/bin/env true; echo usr=$?\"]\nenv: {{}}\nstdio: [!fd stdin, !fd stdout, !fd stderr]\n"
    );
    let run = |policy: &Path| {
        let out = Command::new(caprun())
            .arg("--policy")
            .arg(policy)
            .args(["/usr/bin/sh", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(config.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = run(Path::new("devtools"));
    assert_eq!(out, "tmp=0\nusr=65\n", "{err}");
    let (out, err) = run(&no_pid);
    assert_eq!(out, "tmp=65\nusr=65\n", "{err}");
}

#[test]
fn before_linux_5_6_exclusive_locks_are_refused_and_said_so() {
    // Without pidfd_getfd (emulated: `old-kernel --fail pidfd_getfd=38`, ENOSYS) the
    // supervisor cannot take the program's descriptor: every exclusive lock is refused,
    // a writable one too, and caprun says why once. The control: the same run on this
    // kernel takes the writable lock.
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let run = |old: bool| {
        let mut cmd = if old {
            let mut c = Command::new(example("old-kernel"));
            c.args(["--fail", "pidfd_getfd=38", "--"]).arg(caprun());
            c
        } else {
            Command::new(caprun())
        };
        let rw = s.rw.display();
        cmd.arg("--rw")
            .arg(&s.rw)
            .args(["--", "sh", "-c"])
            .arg(format!(
                "{FLOCK} -x -n {rw} true; echo first=$?; {FLOCK} -x -n {rw} true; echo second=$?"
            ))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let now = run(false);
    assert_eq!(String::from_utf8_lossy(&now.stdout), "first=0\nsecond=0\n");
    let old = run(true);
    let err = String::from_utf8_lossy(&old.stderr);
    assert_eq!(
        String::from_utf8_lossy(&old.stdout),
        "first=65\nsecond=65\n",
        "{err}"
    );
    assert_eq!(
        err.matches("caprun: exclusive flock locks are refused")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("Linux 5.6"), "{err}");
}

#[test]
fn a_wait_given_up_leaves_the_file_unlocked() {
    // A blocking lock whose wait ends (flock -w: its alarm interrupts the call) is no
    // longer taken for the program when the file becomes free: the host locks it then.
    // (Nothing of caprun's may hold it on the program's behalf: the supervisor's
    // duplicate of the description would keep such a lock after the program closed it.)
    skip_unless_sandboxable!();
    skip_unless_flock!();
    let s = scratch();
    let host = std::fs::File::open(&s.rw).unwrap();
    // SAFETY: plain integers on a descriptor the test owns.
    assert_eq!(unsafe { libc::flock(host.as_raw_fd(), libc::LOCK_EX) }, 0);
    let rw = s.rw.display();
    let script =
        format!("exec 5<{rw}; {FLOCK} -x -w 0.2 5; echo gave-up $?; read x; echo after; read x\n");
    let mut child = start_sh(&s, &[], &script);
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "gave-up 1\n");
    // The sandbox still holds the description open (descriptor 5) when the host lets go.
    drop(host);
    stdin.write_all(b"\n").unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "after\n");
    // Whatever the supervisor's retries do meanwhile, they take nothing: the host locks
    // the file while the sandbox's description is still open.
    for _ in 0..20 {
        assert!(host_can_lock(&s.rw), "locked on behalf of a wait given up");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(stdin);
    let _ = child.wait();
}
