//! Denials users can read (`--explain-denials`), learning mode (`--learn`), and policy
//! checking/showing (`--check-policy`, `--show-policy`).

#[macro_use]
mod common;

use caprun::sandbox::{policy, seccomp, syscalls};
use common::*;

/// The probe's config: report on stdout, make these calls.
fn calls(list: &str) -> String {
    format!("report: !fd stdout\nsyscalls: [{list}]\n")
}

/// Calls outside `strict`: `sysinfo`, `getpgrp`, an AF_INET socket; and two inside it.
const OUTSIDE_STRICT: &str = "uname, socket_unix, sysinfo, getpgrp, socket_inet";

fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad report ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn strict_denies_and_the_explanation_names_each_denied_call() {
    skip_unless_sandboxable!();
    let probe = probe();
    let config = calls(OUTSIDE_STRICT);
    let plain = run(&["--policy", "strict", probe.to_str().unwrap()], &config);
    let explained = run(
        &[
            "--policy",
            "strict",
            "--explain-denials",
            probe.to_str().unwrap(),
        ],
        &config,
    );
    for out in [&plain, &explained] {
        assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
        let r = report(out);
        let eperm = libc::EPERM as i64;
        assert_eq!(r["syscalls"]["uname"], 0, "{r}");
        assert_eq!(r["syscalls"]["socket_unix"], 0, "{r}");
        assert_eq!(r["syscalls"]["sysinfo"], eperm, "{r}");
        assert_eq!(r["syscalls"]["getpgrp"], eperm, "{r}");
        assert_eq!(r["syscalls"]["socket_inet"], eperm, "{r}");
    }
    // Same descriptors and environment for the program: the listener and the channel
    // did not leak into it.
    let (a, b) = (report(&plain), report(&explained));
    assert_eq!(a["fds"], b["fds"]);
    assert_eq!(a["env"], b["env"]);
    assert_eq!(a["argv"], b["argv"]);
    let err = stderr(&explained);
    for line in [
        "caprun: policy strict denied sysinfo(…) [pid ",
        "caprun: policy strict denied getpgrp() [pid ",
        "caprun: policy strict denied socket(AF_INET, SOCK_DGRAM, 0) [pid ",
        "caprun: summary: policy strict denied 3 calls (3 distinct):",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    assert!(!err.contains("uname"), "{err}");
    // Without the option: nothing of this.
    assert!(!stderr(&plain).contains("denied"), "{}", stderr(&plain));
}

#[test]
fn learned_policy_runs_the_program_and_allows_nothing_else() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let learned = dir.path().join("learned.yaml");
    let probe = probe();
    let config = calls(OUTSIDE_STRICT);
    let out = run(
        &[
            "--policy",
            "strict",
            "--learn",
            learned.to_str().unwrap(),
            probe.to_str().unwrap(),
        ],
        &config,
    );
    // While learning every call succeeds.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("NOT a sandbox"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&learned).unwrap();
    assert!(text.contains("extends: strict"), "{text}");
    assert!(text.contains("# seen 1 time"), "{text}");

    // Its allowlist is exactly strict's plus what was observed.
    let base = policy::load("strict").unwrap().seccomp.unwrap();
    let p = policy::parse(&text, learned.to_str().unwrap(), Some(dir.path())).unwrap();
    let sp = p.seccomp.unwrap();
    let added: Vec<&str> = sp.allow.difference(&base.allow).collect();
    assert_eq!(added, ["getpgrp", "sysinfo"], "{text}");
    let new_rules: Vec<&str> = sp
        .rules
        .keys()
        .copied()
        .filter(|k| sp.rules[k] != base.rules[k])
        .collect();
    assert_eq!(new_rules, ["socket"], "{text}");
    let prog = seccomp::compile(&sp).unwrap();
    let ev = |name: &str, args: [u64; 6]| {
        seccomp::evaluate(&prog, syscalls::number(name).unwrap(), args)
            .unwrap()
            .ret
    };
    let (allow, eperm) = (seccomp::RET_ALLOW, seccomp::RET_ERRNO | libc::EPERM as u32);
    assert_eq!(ev("socket", [2, 2, 0, 0, 0, 0]), allow); // AF_INET datagram: seen
    assert_eq!(ev("socket", [2, 1, 0, 0, 0, 0]), eperm); // AF_INET stream: not seen
    assert_eq!(ev("socket", [10, 2, 0, 0, 0, 0]), eperm); // AF_INET6: not seen
    for name in ["ptrace", "times", "mount", "bpf", "unshare", "setns"] {
        assert_eq!(ev(name, [0; 6]), eperm, "{name}");
    }

    // The same program under the learned policy succeeds, with nothing denied…
    let out = run(
        &[
            "--policy",
            learned.to_str().unwrap(),
            "--explain-denials",
            probe.to_str().unwrap(),
        ],
        &config,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("denied"), "{}", stderr(&out));
    let r = report(&out);
    assert_eq!(r["syscalls"]["sysinfo"], 0, "{r}");
    // …and what was not learned stays denied.
    let out = run(
        &[
            "--policy",
            learned.to_str().unwrap(),
            probe.to_str().unwrap(),
        ],
        &calls("ptrace, times"),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let r = report(&out);
    assert_eq!(r["syscalls"]["ptrace"], libc::EPERM as i64, "{r}");
    assert_eq!(r["syscalls"]["times"], libc::EPERM as i64, "{r}");
}

/// A dynamically linked real program, learned end to end under `default`.
#[test]
fn a_dynamic_program_is_learned_end_to_end() {
    skip_unless_sandboxable!();
    let python = std::path::Path::new("/usr/bin/python3");
    if !python.exists() {
        eprintln!("SKIPPED: no /usr/bin/python3");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("io.yaml");
    std::fs::write(&config, "[!fd stdin, !fd stdout, !fd stderr]\n").unwrap();
    let learned = dir.path().join("python.yaml");
    // The script comes on stdin (python's argv is just its name).
    let script = "import os\nprint(os.uname().sysname, os.cpu_count() > 0)\n";
    let go = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([python.to_str().unwrap(), config.to_str().unwrap()]);
        run(&all, script)
    };
    let out = go(&["--policy", "default", "--explain-denials"]);
    assert!(
        stderr(&out).contains("caprun: policy default denied sysinfo(…)"),
        "{}",
        stderr(&out)
    );
    let out = go(&["--policy", "default", "--learn", learned.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Linux True\n");
    let text = std::fs::read_to_string(&learned).unwrap();
    assert!(text.contains("sysinfo"), "{text}");
    assert!(!text.contains("ptrace"), "{text}");
    let out = go(&["--policy", learned.to_str().unwrap(), "--explain-denials"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Linux True\n");
    assert!(!stderr(&out).contains("denied"), "{}", stderr(&out));
}

/// Without the options nothing changes: under a policy without a PID namespace caprun
/// execs in place (the program has caprun's pid: no fork, no supervisor).
#[test]
fn the_default_path_does_not_fork() {
    skip_unless_sandboxable!();
    let child = start(
        &["--policy", "unprivileged", probe().to_str().unwrap()],
        "report: !fd stdout\n",
    );
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let r = report(&out);
    assert_eq!(r["pid"], pid, "{r}");
    // With --explain-denials the program is a child of the supervisor.
    let child = start(
        &[
            "--policy",
            "unprivileged",
            "--explain-denials",
            probe().to_str().unwrap(),
        ],
        "report: !fd stdout\n",
    );
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let r = report(&out);
    assert_ne!(r["pid"], pid, "{r}");
    assert_ne!(r["pid"], serde_json::Value::Null);
}

/// Under explain mode the supervisor passes statuses through: an exit code as it is, a
/// death by a signal as a death by the same signal (`Err`).
#[test]
fn the_supervisor_passes_statuses_through() {
    skip_unless_sandboxable!();
    let probe = probe();
    for (config, status) in [
        ("report: !fd stdout\nexit: 42\n", Ok(42)),
        ("report: !fd stdout\nraise: 10\n", Err(libc::SIGUSR1)),
    ] {
        let out = run(
            &[
                "--policy",
                "strict",
                "--explain-denials",
                probe.to_str().unwrap(),
            ],
            config,
        );
        let ended = match out.status.code() {
            Some(code) => Ok(code),
            None => Err(std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap()),
        };
        assert_eq!(ended, status, "{config}: {out:?}");
    }
}

#[test]
fn policies_are_checked_and_shown_without_running_anything() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, "extends: strict\nseccomp:\n  allow: [sysinfo]\n").unwrap();
    let out = run(&["--check-policy", good.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "extends: strict\nseccomp:\n  allow: [sysinfo, no_such]\n",
    )
    .unwrap();
    let out = run(&["--check-policy", bad.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out).lines().next().unwrap_or(""),
        format!(
            "caprun: {}:3:20: unknown system call `no_such`",
            bad.display()
        )
    );
    // --show-policy: extends resolved, groups expanded; reads back to the same policy.
    let out = run(&["--show-policy", good.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("\nextends:"), "{text}");
    assert!(!text.contains('@'), "{text}");
    let shown = policy::parse(&text, "shown.yaml", None).unwrap();
    let original = policy::load(good.to_str().unwrap()).unwrap();
    assert_eq!(
        shown.seccomp.as_ref().unwrap().allow,
        original.seccomp.as_ref().unwrap().allow
    );
    assert!(original.seccomp.unwrap().allow.contains("sysinfo"));
    // PROGRAM stays required otherwise.
    let out = run(&["--policy", "strict"], "");
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
}

/// A program whose denied calls never repeat (`socket(AF_INET, SOCK_DGRAM, i)` and
/// `ptrace(PTRACE_PEEKDATA, i, …)`, i counting up) gets a bounded explanation: a few
/// examples per call, the rest counted, the whole of stderr under 64 KiB. (The
/// supervisor's memory is bounded the same way: it keeps what it prints; the 60 s run in
/// BENCHMARKS.md measures it.)
#[test]
fn explanations_of_ever_new_denials_stay_bounded() {
    skip_unless_sandboxable!();
    const N: u64 = 20_000;
    let out = run(
        &[
            "--policy",
            "strict",
            "--explain-denials",
            probe().to_str().unwrap(),
        ],
        &format!("report: !fd stdout\nstorm: {N}\n"),
    );
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        &err[..err.len().min(4000)]
    );
    assert!(
        out.stderr.len() < 64 * 1024,
        "{} bytes of stderr:\n{}",
        out.stderr.len(),
        &err[..err.len().min(4000)]
    );
    // Every denial is counted, and each call's examples are named.
    let header = format!("caprun: summary: policy strict denied {} calls", 2 * N);
    assert!(err.contains(&header), "missing `{header}` in:\n{err}");
    for example in [
        "caprun: policy strict denied socket(AF_INET, SOCK_DGRAM, 0) [pid ",
        "caprun: policy strict denied ptrace(2, 0, NULL, NULL) [pid ",
    ] {
        assert!(err.contains(example), "missing `{example}` in:\n{err}");
    }
}

/// A policy whose filter does not let caprun's own last call through
/// (`execveat(fd, "", argv, envp, AT_EMPTY_PATH)`) is refused by `--check-policy` and at
/// launch, at the line that made it so (a launch would otherwise die of SIGSYS silently,
/// or blame the program); allowing it, or a rule that lets AT_EMPTY_PATH through, is
/// the control.
#[test]
fn a_policy_that_stops_caprun_own_execveat_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let refused = [
        ("extends: strict\nseccomp:\n  deny: [read, execveat]\n", (3, 16), "denies"),
        (
            "extends: strict\nseccomp:\n  deny: [execveat]\n  errno:\n    ENOSYS: [execveat]\n",
            (5, 14),
            "denies",
        ),
        (
            "seccomp:\n  default-action: kill\n  allow: [read, write, exit_group]\n",
            (2, 19),
            "kills",
        ),
        (
            "extends: strict\nseccomp:\n  deny: [execveat]\n  rules:\n    execveat: [\"arg4 == 0\"]\n",
            (5, 5),
            "denies",
        ),
    ];
    for (i, (text, (line, col), what)) in refused.iter().enumerate() {
        let path = dir.path().join(format!("refused{i}.yaml"));
        std::fs::write(&path, text).unwrap();
        let expected = format!(
            "caprun: {}:{line}:{col}: the seccomp filter {what} caprun's own last call, execveat(fd, \"\", argv, envp, AT_EMPTY_PATH): no program could start (allow execveat)",
            path.display()
        );
        let out = run(&["--check-policy", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(125), "{text}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().next().unwrap_or(""),
            expected,
            "{text}"
        );
        let out = run(&["--policy", path.to_str().unwrap(), "/bin/true"], "");
        assert_eq!(out.status.code(), Some(125), "{text}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().next().unwrap_or(""),
            expected,
            "{text}"
        );
    }
    let allowed = [
        "extends: strict\nseccomp:\n  deny: [execveat]\n  allow: [execveat]\n",
        "extends: strict\nseccomp:\n  deny: [execveat]\n  rules:\n    execveat: [\"arg4 & 0x1000 == 0x1000\"]\n",
        "seccomp:\n  default-action: log\n  allow: [read]\n",
    ];
    for (i, text) in allowed.iter().enumerate() {
        let path = dir.path().join(format!("allowed{i}.yaml"));
        std::fs::write(&path, text).unwrap();
        let out = run(&["--check-policy", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(0), "{text}: {}", stderr(&out));
    }
}

/// The final step makes more calls than its exec once the filter is in place: it
/// announces the exec to the supervisor (`sendmsg`), and reports a failed exec (`write`,
/// `sendmsg`) before it ends (`exit_group`). A filter that refuses one of them is refused
/// by name, at the line that made it so (a launch would otherwise die of SIGSYS without a
/// word, the files it created left behind); a `#!` script, run by its path, needs
/// `execve` as well. The control: strict itself, and the same script with execve allowed.
#[test]
fn a_policy_that_stops_the_final_step_is_refused_by_name() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for (call, why) in [
        ("sendmsg", "sendmsg(fd, msg, MSG_NOSIGNAL)"),
        ("write", "write(fd, buf, len)"),
        ("exit_group", "exit_group(status)"),
    ] {
        let path = dir.path().join(format!("{call}.yaml"));
        std::fs::write(
            &path,
            format!("extends: strict\nseccomp:\n  deny: [{call}]\n"),
        )
        .unwrap();
        let out = run(&["--check-policy", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(125), "{call}: {}", stderr(&out));
        let first = stderr(&out).lines().next().unwrap_or("").to_owned();
        assert!(
            first.starts_with(&format!(
                "caprun: {}:3:10: the seccomp filter denies {why}",
                path.display()
            )) && first.ends_with(&format!("(allow {call})")),
            "{call}: {first}"
        );
    }
    let out = run(&["--check-policy", "strict"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let script = dir.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let no_execve = dir.path().join("no-execve.yaml");
    std::fs::write(
        &no_execve,
        "extends: devtools\nseccomp:\n  deny: [execve]\n",
    )
    .unwrap();
    let with_execve = dir.path().join("with-execve.yaml");
    std::fs::write(&with_execve, "extends: devtools\n").unwrap();
    let out = run(
        &[
            "--policy",
            no_execve.to_str().unwrap(),
            "--",
            script.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "is a #! script, and the policy's seccomp filter denies execve(path, argv, envp)"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(
        &[
            "--policy",
            with_execve.to_str().unwrap(),
            "--",
            script.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
}

/// `--learn OUT` writes OUT whole or not at all. Here OUT's place is taken by a
/// directory while the program runs: caprun fails (125) saying so and leaves no
/// temporary file. A directory that does not exist fails before anything runs. The
/// control: a learning session stopped by Ctrl-C (SIGINT to the whole process group)
/// still writes OUT, and nothing else.
#[test]
fn a_learned_policy_is_written_whole_or_not_at_all() {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("learned.yaml");
    let probe = probe();
    let config = "report: !fd stdout\nsyscalls: [sysinfo]\npause: true\n";
    let learn = |out: &std::path::Path| {
        let mut cmd = std::process::Command::new(caprun());
        cmd.args(["--policy", "strict", "--learn", out.to_str().unwrap()])
            .arg(&probe)
            .process_group(0);
        let mut child = start_cmd(&mut cmd, config);
        // The report comes before the pause: the program is running.
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("\"sysinfo\":0"), "{line}");
        child
    };
    let entries = || {
        let mut v: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let child = learn(&out_path);
    std::fs::create_dir(&out_path).unwrap();
    std::fs::write(out_path.join("keep"), "").unwrap();
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains(&format!(
            "caprun: --learn {}: renaming the temporary file over it: ",
            out_path.display()
        )) && err.ends_with("; nothing was written\n"),
        "{err}"
    );
    assert_eq!(entries(), ["learned.yaml"]);
    assert!(out_path.join("keep").exists());

    let missing = dir.path().join("no/such/dir/learned.yaml");
    let out = run(
        &[
            "--policy",
            "strict",
            "--learn",
            missing.to_str().unwrap(),
            probe.to_str().unwrap(),
        ],
        config,
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "the program ran");
    assert!(
        stderr(&out).starts_with(&format!("caprun: --learn {}: ", missing.display())),
        "{}",
        stderr(&out)
    );

    let good = dir.path().join("good.yaml");
    let child = learn(&good);
    nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    // caprun ends as the program did: killed by SIGINT.
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&out.status),
        Some(libc::SIGINT),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&good).unwrap();
    assert!(text.contains("sysinfo"), "{text}");
    assert_eq!(entries(), ["good.yaml", "learned.yaml"]);
}

/// `--learn OUT` replaces only a regular file (or creates a new one): a symbolic link is
/// written through to the file it names (created if missing), a FIFO and a character
/// device are written in place, caprun's own standard output (through a link to
/// `/proc/self/fd/1` as `/dev/stdout` is, a pipe here) too; none of them is replaced. A device that refuses the write (`/dev/full`'s
/// device, as a scratch node) fails with exit status 125 and leaves nothing beside it.
#[test]
fn learn_writes_through_links_and_in_place_to_devices_and_fifos() {
    use std::os::unix::fs::FileTypeExt;
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let probe = probe();
    let config = "report: !fd stdout\nsyscalls: [sysinfo]\n";
    let learn = |out: &std::path::Path| {
        run(
            &[
                "--policy",
                "strict",
                "--learn",
                out.to_str().unwrap(),
                probe.to_str().unwrap(),
            ],
            config,
        )
    };
    let learned = |text: &str| text.contains("extends: strict") && text.contains("sysinfo");
    let names = || {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };

    // A symbolic link to a file, and one to a file that does not exist yet.
    std::fs::write(d.join("real.yaml"), "old\n").unwrap();
    std::os::unix::fs::symlink("real.yaml", d.join("link.yaml")).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink("sub/new.yaml", d.join("dangling.yaml")).unwrap();
    for (link, target) in [
        ("link.yaml", "real.yaml"),
        ("dangling.yaml", "sub/new.yaml"),
    ] {
        let out = learn(&d.join(link));
        assert!(out.status.success(), "{link}: {}", stderr(&out));
        let meta = std::fs::symlink_metadata(d.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} was replaced");
        assert!(
            learned(&std::fs::read_to_string(d.join(target)).unwrap()),
            "{link}"
        );
    }

    // A FIFO, read by a thread: written in place, still a FIFO.
    let fifo = d.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = learn(&fifo);
    assert!(out.status.success(), "fifo: {}", stderr(&out));
    assert!(learned(&reader.join().unwrap()));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    // caprun's standard output, a pipe, through a link like /dev/stdout (a scratch one:
    // a caprun without the fix would replace it): the policy follows the program's
    // report.
    let stdout = d.join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout).unwrap();
    let out = learn(&stdout);
    assert!(out.status.success(), "stdout: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("{\"argv\"") && learned(&text), "{text}");
    assert!(std::fs::symlink_metadata(&stdout)
        .unwrap()
        .file_type()
        .is_symlink());
    // The same with caprun's standard output a regular file (a shell's `> FILE`): written
    // at its offset, after the program's output, not replaced (which would cut the
    // program's output off into an unlinked file).
    let file = d.join("out.txt");
    let mut cmd = std::process::Command::new(caprun());
    cmd.args(["--policy", "strict", "--learn", stdout.to_str().unwrap()])
        .arg(&probe)
        .stdout(std::fs::File::create(&file).unwrap())
        .stderr(std::process::Stdio::piped())
        .stdin(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), config.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "file: {}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("{\"argv\"") && learned(&text), "{text}");

    // The device of /dev/full (1, 7), as a node of our own: every write fails (ENOSPC).
    let full = d.join("full");
    let node = nix::sys::stat::mknod(
        &full,
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::from_bits_truncate(0o666),
        nix::sys::stat::makedev(1, 7),
    );
    let usable = node.is_ok() && std::fs::OpenOptions::new().write(true).open(&full).is_ok();
    if !usable {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must make a device node: {node:?}"
        );
        eprintln!(
            "SKIPPED (the device part): no usable device node in {}",
            d.display()
        );
        return;
    }
    let before = names();
    let out = learn(&full);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "caprun: --learn {}: writing to it: No space left on device",
            full.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::symlink_metadata(&full)
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(names(), before, "something was left behind");
}
