//! What `devtools` gives a build or a test suite besides the file system: its own
//! `/proc`, `/dev/shm`, `/dev/stdout` and friends, a loopback network, a listable root,
//! and the limits on tasks and tmpfs sizes. Each is paired with a control run where the
//! same thing fails (a policy without the feature) or succeeds (the limit lifted).

#[macro_use]
mod common;

use std::process::{Command, Output, Stdio};

use common::*;

/// `caprun ARGS -- sh -c SCRIPT`, in a fresh directory granted read-write, with PATH.
fn sh(args: &[&str], script: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(caprun())
        .args(args)
        .args(["--rw", ".", "--env", "PATH=/usr/bin:/bin", "--", "sh", "-c"])
        .arg(script)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `devtools` without one feature: its whole text (`--show-policy`) with `from` replaced
/// by `to`, in a policy file.
fn devtools_without(from: &str, to: &str) -> (tempfile::TempDir, String) {
    let shown = Command::new(caprun())
        .args(["--show-policy", "devtools"])
        .output()
        .unwrap();
    let text = text(&shown.stdout);
    assert!(text.contains(from), "{from:?} not in {text}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    let path = p.to_str().unwrap().to_owned();
    (dir, path)
}

#[test]
fn proc_shows_the_sandbox_s_processes_only() {
    skip_unless_sandboxable!();
    // A host process the sandbox must not see.
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = victim.id();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let out = sh(
        &[],
        &format!(
            "ls /proc | grep -x '[0-9]*' | sort -n | tr '\\n' ' '; echo; \
             test -e /proc/{pid} && echo VISIBLE; readlink /proc/self/exe; \
             grep -c processor /proc/cpuinfo >/dev/null && echo cpuinfo; \
             head -1 /proc/meminfo | cut -d: -f1"
        ),
    );
    let _ = victim.kill();
    let _ = victim.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    // init, sh, ls (or its pipeline): small numbers of the sandbox's own namespace.
    let pids: Vec<u32> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert!(
        pids.contains(&1) && pids.iter().all(|&p| p < 100),
        "{pids:?}"
    );
    assert_eq!(
        lines.collect::<Vec<_>>(),
        ["/usr/bin/readlink", "cpuinfo", "MemTotal"],
        "{stdout}"
    );
    // Control: without `root.proc` there is no /proc at all.
    let (_d, policy) = devtools_without("  proc: true\n", "");
    let out = sh(&["--policy", &policy], "ls /proc/self");
    assert!(!out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn dev_fd_links_and_process_substitution() {
    skip_unless_sandboxable!();
    let out = Command::new(caprun())
        .args([
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "bash",
            "-c",
            "echo out > /dev/stdout; echo err > /dev/stderr; cat <(echo sub); \
             echo tee > >(cat); wait; ls /dev/fd/ >/dev/null && echo fds",
        ])
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in ["out", "sub", "tee", "fds"] {
        assert!(stdout.lines().any(|l| l == line), "{line}: {stdout}");
    }
    assert_eq!(text(&out.stderr), "err\n");
}

#[test]
fn the_root_and_dev_can_be_listed() {
    skip_unless_sandboxable!();
    let out = sh(&[], "ls / && ls /dev");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let names: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    for name in ["usr", "etc", "tmp", "proc", "null", "shm", "stdout"] {
        assert!(names.iter().any(|n| n == name), "{name}: {names:?}");
    }
    // Control: without `root.list`, listing the root is refused.
    let (_d, policy) = devtools_without("  list: true\n", "");
    let out = sh(&["--policy", &policy], "ls /");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("Permission denied"), "{out:?}");
}

#[test]
fn dev_shm_holds_posix_semaphores() {
    skip_unless_sandboxable!();
    let script = "/usr/bin/python3 -c 'import multiprocessing as m; \
                  print(sum(m.Pool(2).map(abs, [-1, -2, -3])))'";
    let out = sh(&[], script);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "6\n");
    // Control: no /dev/shm, no semaphore.
    let (_d, policy) = devtools_without("tmpfs: [/tmp, /dev/shm]", "tmpfs: [/tmp]");
    let out = sh(&["--policy", &policy], script);
    assert!(!out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn a_loopback_server_and_client_meet_inside_and_nowhere_else() {
    skip_unless_sandboxable!();
    // A host listener the sandbox must not reach.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host_port = host.local_addr().unwrap().port();
    let script = format!(
        "/usr/bin/python3 -c '
import socket, threading
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
port = s.getsockname()[1]
def serve():
    c, _ = s.accept(); c.sendall(b\"hello\"); c.close()
threading.Thread(target=serve).start()
c = socket.create_connection((\"127.0.0.1\", port)); print(c.recv(5).decode())
six = socket.socket(socket.AF_INET6); six.bind((\"::1\", 0)); print(\"v6\")
try:
    socket.create_connection((\"127.0.0.1\", {host_port}), timeout=2); print(\"HOST\")
except OSError as e: print(\"host refused\")
'"
    );
    let out = sh(&[], &script);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello\nv6\nhost refused\n");
    // Control: with `network: none` no internet socket is made at all.
    let (_d, policy) = devtools_without("network: loopback\n", "");
    let out = sh(&["--policy", &policy], &script);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("PermissionError"), "{out:?}");
    drop(host);
}

/// Fork up to 3,000 children that wait; print how many forks succeeded, then end them.
const FORK_BOMB: &str = "/usr/bin/python3 -c '
import os, signal
pids = []
try:
    for i in range(3000):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        pids.append(pid)
except OSError:
    pass
print(len(pids))
for p in pids:
    os.kill(p, signal.SIGKILL)
'";

/// How many forks succeed under `args` (the fork bomb's count).
fn forks(args: &[&str]) -> u32 {
    let out = sh(args, FORK_BOMB);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().parse().unwrap()
}

#[test]
fn the_task_limit_bounds_a_fork_bomb() {
    skip_unless_sandboxable!();
    let root = nix::unistd::Uid::effective().is_root();
    // A sandbox running as a user other than the host's root (a caller that is not
    // root, or root, whose sandbox is an unprivileged host id unless it asks for more):
    // RLIMIT_NPROC, counted in its own user namespace, exactly (init, sh and python are
    // three of the 64).
    let n = forks(&["--limit", "tasks=64"]);
    assert!((50..64).contains(&n), "{n} forks succeeded under tasks=64");
    if root {
        let n = forks(&["--uid", "65534", "--gid", "65534", "--limit", "tasks=64"]);
        assert!((50..64).contains(&n), "{n} forks succeeded under tasks=64");
        // As the host's root, whose tasks RLIMIT_NPROC does not count: the PID
        // namespace's own pid_max bounds it, at tasks + 300.
        let n = forks(&["--uid", "0", "--gid", "0", "--limit", "tasks=64"]);
        assert!((50..364).contains(&n), "{n} forks succeeded under tasks=64");
    }
    // Control: lifted, all of them start.
    assert_eq!(forks(&["--limit", "tasks=unlimited"]), 3000);
    // devtools' own limit is in force by default (and shown by --show-policy).
    let show = Command::new(caprun())
        .args(["--show-policy", "devtools"])
        .output()
        .unwrap();
    assert!(
        text(&show.stdout).contains("limits:\n  tasks: 2048\n  tmpfs: 1G\n"),
        "{}",
        text(&show.stdout)
    );
}

#[test]
fn as_root_a_kernel_without_a_pid_max_per_namespace_refuses_the_task_limit() {
    // Only a sandbox that is the host's root (asked for with --uid 0 --gid 0: root
    // without --uid runs as an unprivileged host id, see caprun(1)) escapes
    // RLIMIT_NPROC.
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: only a sandbox of the host's root needs pid_max");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    let old = |args: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        Command::new(example("old-kernel"))
            .args(["--no-pid-max", "--"])
            .arg(caprun())
            .args(args)
            .args([
                "--rw",
                ".",
                "--env",
                "PATH=/usr/bin:/bin",
                "--",
                "sh",
                "-c",
                "echo ran",
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = old(&["--uid", "0", "--gid", "0"]);
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(
        text(&out.stderr).contains("cannot limit the sandbox's tasks"),
        "{out:?}"
    );
    assert!(
        text(&out.stderr).contains("--limit tasks=unlimited"),
        "{out:?}"
    );
    // The ways out: no limit, or another user (RLIMIT_NPROC counts it), which root
    // without --uid is on the host.
    for args in [
        &["--uid", "0", "--gid", "0", "--limit", "tasks=unlimited"][..],
        &["--uid", "65534", "--gid", "65534"],
        &[],
    ] {
        let out = old(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_eq!(text(&out.stdout), "ran\n");
    }
}

#[test]
fn the_tmpfs_size_is_a_limit() {
    skip_unless_sandboxable!();
    let script = "dd if=/dev/zero of=/tmp/f bs=1M count=16 2>/dev/null; echo $?; \
                  wc -c < /tmp/f";
    let out = sh(&["--limit", "tmpfs=8M"], script);
    assert_eq!(text(&out.stdout), "1\n8388608\n", "{out:?}");
    // Control: with room enough, the file is written whole.
    let out = sh(&["--limit", "tmpfs=64M"], script);
    assert_eq!(text(&out.stdout), "0\n16777216\n", "{out:?}");
}

#[test]
fn limits_are_checked_on_the_command_line() {
    for (arg, message) in [
        ("tasks", "expected NAME=VALUE"),
        (
            "bogus=1",
            "unknown limit `bogus` (tasks, tmpfs, tmpfs-inodes, as, core, cpu,",
        ),
        ("tmpfs=lots", "not a size"),
        ("core=lots", "not a size"),
        ("nofile=8K", "not a number"),
        ("tasks=0", "0 would stop everything"),
    ] {
        let out = run(&["--limit", arg, "--", "true"], "");
        assert_eq!(out.status.code(), Some(125), "{arg}");
        assert!(text(&out.stderr).contains(message), "{arg}: {out:?}");
    }
    let out = run(
        &[
            "--policy",
            "unprivileged",
            "--limit",
            "tasks=10",
            "--",
            "true",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).contains("no user namespace"), "{out:?}");
}

#[test]
fn every_resource_limit_of_the_policy_format_is_a_command_line_limit() {
    skip_unless_sandboxable!();
    // devtools: no core files unless the job asks for them (soft 0, hard as inherited).
    let out = sh(&[], "ulimit -c; ulimit -n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "0", "{lines:?}");
    // Both the soft and the hard limit, whatever the policy says.
    let out = sh(
        &[
            "--limit",
            "core=1M",
            "--limit",
            "nofile=100",
            "--limit",
            "cpu=50",
        ],
        "grep -E '^Max (core file size|open files|cpu time)' /proc/self/limits",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let limits: Vec<Vec<String>> = text(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    // Max cpu time 50 50 seconds / Max core file size 1048576 1048576 bytes / …
    let soft_hard = |what: &str| {
        let l = limits
            .iter()
            .find(|l| l.join(" ").starts_with(what))
            .unwrap_or_else(|| panic!("{what}: {limits:?}"));
        let n = l.len();
        (l[n - 3].clone(), l[n - 2].clone())
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(soft_hard("Max core file size"), pair("1048576", "1048576"));
    assert_eq!(soft_hard("Max open files"), pair("100", "100"));
    assert_eq!(soft_hard("Max cpu time"), pair("50", "50"));
    // Lowering a hard limit is what an unprivileged job cannot undo.
    let out = sh(&["--limit", "core=0"], "ulimit -c unlimited");
    assert!(!out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn init_shows_nothing_of_caprun() {
    // PID 1 of the sandbox is caprun's init: its environment (all of caprun's, also what
    // --env leaves out), command line and descriptors (the supervisor's channel) must not
    // be the program's to read. Control: the program's own /proc entries are.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(caprun())
        .args(["--rw", ".", "--env", "PATH=/usr/bin:/bin", "--", "sh", "-c"])
        .arg(
            "cat /proc/1/environ >/dev/null 2>&1 && echo ENVIRON; \
             tr '\\0' ' ' < /proc/1/cmdline | tr -s ' '; echo; \
             for f in /proc/1/fd/*; do timeout 2 cat $f </dev/null >/dev/null 2>&1 && echo FD $f; done; \
             cat /proc/self/environ | tr '\\0' '\\n' | grep -c '^PATH='",
        )
        .env("CAPRUN_TEST_SECRET", "hunter2")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "caprun-init \n1\n", "{out:?}");
}

#[test]
fn a_file_grant_beneath_a_policy_bind_is_bound_over_the_file_there() {
    // `/usr` is bound read-only by the policy: the grant's mount point exists already
    // and cannot be created. The file granted is the one the program gets.
    skip_unless_sandboxable!();
    let out = sh(
        &["--ro", "/usr/bin/ls"],
        "/usr/bin/ls -d /usr/bin/ls && grep -c ' /usr/bin/ls ' /proc/self/mountinfo",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/usr/bin/ls\n1\n", "{out:?}");
}

/// Python that `PTRACE_ATTACH`es to each pid given, prints `PID ok` or `PID ERRNO-NAME`,
/// and detaches again.
const ATTACH: &str = r#"
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
for pid in map(int, sys.argv[1:]):
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        os.waitpid(pid, 0)
        libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        print(pid, "ok")
    else:
        print(pid, errno.errorcode[ctypes.get_errno()])
"#;

#[test]
fn ptrace_reaches_the_sandbox_s_processes_but_not_its_init() {
    skip_unless_sandboxable!();
    let script = format!("sleep 30 & printf '%s' '{ATTACH}' > a.py; python3 a.py $! 1; kill $!");
    // Control: a sibling process is traced (devtools allows ptrace), so a refusal of
    // PID 1 is not a refusal of ptrace.
    let out = sh(&[], &script);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].ends_with(" ok"), "{stdout}");
    // caprun's init is not dumpable and belongs to the parent user namespace.
    assert_eq!(lines[1], "1 EPERM", "{stdout}");
    // strict, default and unprivileged keep refusing ptrace: the unit test
    // denied_syscalls_are_not_in_builtins.
}

/// The host id root inside the sandbox stands for (`0 HOST 1` in its uid_map).
fn host_uid_of_root(uid_map: &str) -> u32 {
    let f: Vec<u32> = uid_map
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!((f[0], f[2]), (0, 1), "{uid_map}");
    f[1]
}

#[test]
fn as_root_the_sandbox_is_another_host_user_and_its_writes_in_grants_stay_root_s() {
    // Issue 23 §3: started by root without --uid, root inside stands for an
    // unprivileged id of the launch on the host; its grants are id-mapped back, so that
    // what it writes there belongs to root on disk, root's 0600 files there stay its
    // own, and `ls -l` shows root as it does on the host.
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: only caprun started by root maps its sandbox's root");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let script = "cat /proc/self/uid_map; echo new > made; mkdir dir; \
                  ln -s made link; cp -a made copy; chown 0:0 made; \
                  cat secret; echo more >> secret; stat -c '%u %g' secret /usr/bin";
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "root's\n").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let run = |args: &[&str]| {
        Command::new(caprun())
            .args(args)
            .args([
                "--rw",
                ".",
                "--env",
                "PATH=/usr/bin:/bin",
                "--",
                "sh",
                "-c",
                script,
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    let host = host_uid_of_root(lines.next().unwrap());
    assert!(host >= 0x7000_0000, "root inside is host uid {host}");
    assert_eq!(
        lines.collect::<Vec<_>>(),
        ["root's", "0 0", "0 0"],
        "{out:?}"
    );
    for name in ["made", "dir", "link", "copy", "secret"] {
        let m = std::fs::symlink_metadata(dir.path().join(name)).unwrap();
        assert_eq!((m.uid(), m.gid()), (0, 0), "{name} on disk");
    }
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "root's\nmore\n");
    // The control: --uid 0 --gid 0 asks for the host's root, mapped to itself.
    for name in ["made", "dir", "link", "copy"] {
        let p = dir.path().join(name);
        if p.is_dir() {
            std::fs::remove_dir(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    let out = run(&["--uid", "0", "--gid", "0"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        host_uid_of_root(text(&out.stdout).lines().next().unwrap()),
        0
    );
}

#[test]
fn as_root_a_grant_that_cannot_be_id_mapped_keeps_root_s_ownership_and_says_so() {
    // A file system without idmapped mounts (ramfs, in a mount namespace of the test's
    // own): the sandbox runs as the host's root, with a warning naming the grant and the
    // ways out; --uid 0 --gid 0 asks for that and silences it.
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: only caprun started by root maps its sandbox's root");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &str| {
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t ramfs none \"$1\" && {} {args} --rw \"$1\" -- cat /proc/self/uid_map",
                caprun().display()
            ))
            .arg("sh")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run("");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(host_uid_of_root(&text(&out.stdout)), 0);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot id-map {}", dir.path().display()))
            && stderr.contains("--uid 0 --gid 0"),
        "{stderr}"
    );
    let out = run("--uid 0 --gid 0");
    assert!(out.status.success(), "{out:?}");
    assert!(!text(&out.stderr).contains("id-map"), "{out:?}");
}

#[test]
fn as_root_mounts_inside_do_not_propagate_to_the_host_s_shared_mounts() {
    // A tree cloned on the host to be id-mapped would stay a peer of a shared host mount:
    // a grant bound beneath another inside the sandbox (`--rw DIR/sub` in `--ro DIR`)
    // would then show on the host, and stay after the sandbox. The clones are made
    // private. The host side is the test's own mount namespace, DIR a shared bind there;
    // the control mounts the same in that namespace directly and sees it.
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: only caprun started by root clones trees on the host");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let run = |mount_inside: &str| {
        let out = Command::new("unshare")
            .args(["-m", "--propagation", "unchanged", "sh", "-c"])
            .arg(format!(
                "mount --bind \"$1\" \"$1\" && mount --make-shared \"$1\" && {mount_inside}; \
                 grep -c \" $1/sub \" /proc/self/mountinfo"
            ))
            .arg("sh")
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        text(&out.stdout).trim().to_owned()
    };
    let caprun = format!("{} --ro \"$1\" --rw \"$1/sub\" -- true", caprun().display());
    assert_eq!(run(&caprun), "0", "the sandbox's bind showed on the host");
    // Control: a bind beneath the shared mount, made in a namespace that is its peer.
    assert_eq!(
        run("unshare -m --propagation unchanged mount --bind \"$1/sub\" \"$1/sub\""),
        "1"
    );
}

/// As root, the sandbox's root is another host id, which may not open root's files again
/// by path: a standard output or error that is such a file goes through init (a pipe of
/// the sandbox's own), so `> /dev/stdout` works, and what the program writes lands at the
/// file's offset, in order with what the caller writes before and after it.
#[test]
fn as_root_standard_output_to_root_s_file_is_relayed_in_order() {
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: only caprun started by root maps its sandbox's root");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let script = format!(
        "echo before; {} --policy devtools --env PATH=/usr/bin:/bin -- sh -c 'echo inside > /dev/stdout; echo more; ls -l /proc/self/fd/1 >&2'; echo \"after $?\"",
        caprun().display()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "before\ninside\nmore\nafter 0\n",
        "{err}"
    );
    // The program's standard output is a pipe (the relay's), not root's file.
    assert!(err.contains("pipe:["), "{err}");
}
