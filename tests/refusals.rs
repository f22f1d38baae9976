//! Refusals that name their cause: a launch caprun cannot make is refused before anything
//! runs, with the limit or the setting in the way and how to get past it (exit status
//! 125), never with a bare errno from deep inside the sandbox's set-up.

#[macro_use]
mod common;

use std::os::unix::process::CommandExt;
use std::process::Command;

use common::*;

/// Start `cmd` with `RLIMIT_NOFILE` 1024 and descriptors 3 to 3 + `count` - 1 open on
/// `/dev/null`.
fn inherit_null(cmd: &mut Command, count: i32) {
    // SAFETY: between fork and exec only async-signal-safe calls (setrlimit, open, dup2,
    // close) on stack data.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: 1024,
                rlim_max: 1024,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
            for fd in 3..3 + count {
                if fd != null && libc::dup2(null, fd) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if null >= 3 + count {
                libc::close(null);
            }
            Ok(())
        });
    }
}

/// With `inherited` descriptors open beyond 0-2 and `RLIMIT_NOFILE` 1024, every launch
/// under every policy either runs or is refused up front naming the limit: what the
/// policy's sandbox opens (devtools binds dozens of paths, each opened and then cloned)
/// is counted. Swept over the range where the count matters.
#[test]
fn the_descriptor_check_counts_what_the_policy_opens() {
    skip_unless_sandboxable!();
    let probe = probe();
    for policy in ["strict", "devtools"] {
        let (mut ran, mut refused) = (0, 0);
        for inherited in (900..1021).step_by(3) {
            let mut cmd = Command::new(caprun());
            cmd.args(["--policy", policy]).arg(&probe);
            inherit_null(&mut cmd, inherited);
            let out = run_cmd(&mut cmd, "report: !fd stdout\n");
            if out.status.success() {
                ran += 1;
                continue;
            }
            refused += 1;
            let e = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(125),
                "{policy}, {inherited} inherited: {e}"
            );
            assert!(
                e.starts_with(
                    "caprun: the descriptor limit RLIMIT_NOFILE is 1024, and this launch needs "
                ) && e.contains("raise it (ulimit -n)"),
                "{policy}, {inherited} inherited: {e}"
            );
        }
        // The sweep crosses the limit: both outcomes were seen.
        assert!(
            ran > 0 && refused > 0,
            "{policy}: {ran} ran, {refused} refused"
        );
    }
}

/// A caller whose hard `ulimit -u` is below the policy's task limit is refused up front,
/// naming the setting, both numbers and `--limit tasks=N`; `--check-host` says the same;
/// with `--limit tasks=N` below the hard limit (the control) the launch runs.
#[test]
fn a_hard_task_limit_below_the_policy_s_is_named() {
    skip_unless_sandboxable!();
    let probe = probe();
    let with_hard_nproc = |args: &[&str]| {
        let mut cmd = Command::new("prlimit");
        cmd.args(["--nproc=100:100", "--"]).arg(caprun()).args(args);
        run_cmd(&mut cmd, "report: !fd stdout\n")
    };
    for policy in ["strict", "devtools"] {
        let out = with_hard_nproc(&["--policy", policy, probe.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(125), "{policy}: {}", stderr(&out));
        let e = stderr(&out);
        assert!(
            e.starts_with(&format!("caprun: policy `{policy}`: limits.tasks is "))
                && e.contains("above the hard limit 100")
                && e.contains("--limit tasks=N for an N of at most 100"),
            "{policy}: {e}"
        );
        let out = with_hard_nproc(&[
            "--policy",
            policy,
            "--limit",
            "tasks=50",
            probe.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
    }
    let out = with_hard_nproc(&["--check-host"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("strict")
            && l.contains(
                "refused: policy `strict`: limits.tasks is 1024, above the hard limit 100"
            )),
        "{text}"
    );
}

/// Inside a user namespace whose `setgroups` is denied (`unshare -Ur`, as rootless
/// containers are), the sandbox skips dropping the groups (they are fixed already) and
/// launches under every policy; `--check-host` agrees. The control shows setgroups is
/// denied there.
#[test]
fn setgroups_denied_in_the_caller_s_user_namespace() {
    skip_unless_sandboxable!();
    let unshare = |args: &[&str]| {
        let mut cmd = Command::new("unshare");
        cmd.args(["-Ur", "--"]).args(args);
        run_cmd(&mut cmd, "report: !fd stdout\n")
    };
    let control = unshare(&["cat", "/proc/self/setgroups"]);
    if !control.status.success() {
        assert!(
            std::env::var_os("CI").is_none(),
            "unshare -Ur: {}",
            stderr(&control)
        );
        eprintln!("SKIPPED: unshare -Ur fails here: {}", stderr(&control));
        return;
    }
    assert_eq!(String::from_utf8_lossy(&control.stdout), "deny\n");
    let probe = probe();
    for policy in ["strict", "default", "devtools", "unprivileged"] {
        let out = unshare(&[
            caprun().to_str().unwrap(),
            "--policy",
            policy,
            probe.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        report_of(&out);
    }
    let out = unshare(&[caprun().to_str().unwrap(), "--check-host"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("Every policy checked runs as written"),
        "{text}"
    );
}

/// A policy that `extends:` a file that cannot be read is refused at its `extends:` line,
/// with a caret under it, and no made-up `:0:0:` position.
#[test]
fn extends_of_a_missing_file_points_at_the_extends_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    std::fs::write(&policy, "# mine\nextends: ./missing.yaml\n").unwrap();
    let out = run(
        &[
            "--policy",
            policy.to_str().unwrap(),
            probe().to_str().unwrap(),
        ],
        "report: !fd stdout\n",
    );
    assert_eq!(out.status.code(), Some(125));
    let e = stderr(&out);
    let missing = dir.path().join("./missing.yaml");
    assert!(
        e.starts_with(&format!(
            "caprun: {}:2:10: extends: {}: cannot read policy: No such file or directory",
            policy.display(),
            missing.display()
        )),
        "{e}"
    );
    assert!(!e.contains(":0:0"), "{e}");
    // A missing policy named on the command line: no position either.
    let out = run(
        &[
            "--policy",
            missing.to_str().unwrap(),
            probe().to_str().unwrap(),
        ],
        "",
    );
    let e = stderr(&out);
    assert!(
        e.starts_with(&format!(
            "caprun: {}: cannot read policy: ",
            missing.display()
        )),
        "{e}"
    );
}

/// Descriptors the program gets that are the same open file cost the launch one
/// duplicate (for its Landlock rule), not one each: `count` inherited descriptors of
/// `/dev/null`, all named in the config, under `RLIMIT_NOFILE` 1024. The limit's check
/// counts what caprun holds, so with a duplicate each, 400 of them (2 × 400 open + 401 in
/// the table) could not run; with one they do (400 + 401). 700 cannot either way (the
/// control: the check still counts them).
#[test]
fn many_descriptors_of_one_file_cost_one_duplicate() {
    skip_unless_sandboxable!();
    let probe = probe();
    let launch = |count: i32| {
        let mut config = String::from("report: !fd stdout\nfds:\n");
        for fd in 3..3 + count {
            config.push_str(&format!("  - !fd {fd}\n"));
        }
        let mut cmd = Command::new(caprun());
        cmd.args(["--policy", "strict"]).arg(&probe);
        inherit_null(&mut cmd, count);
        run_cmd(&mut cmd, &config)
    };
    let out = launch(400);
    assert!(out.status.success(), "{}", stderr(&out));
    // The report's descriptor, the 400 and the argdata's: 0 to 401.
    assert!(stdout(&out).contains(r#"{"fd":401,"#), "{}", stdout(&out));
    let out = launch(700);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("caprun: the descriptor limit RLIMIT_NOFILE is 1024"),
        "{}",
        stderr(&out)
    );
}
