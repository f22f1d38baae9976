//! Faults at the edges: nothing caprun opens or connects can block it forever (FIFOs,
//! full listen queues), and failures are clear (exit status, one line naming what and
//! where).

#[macro_use]
mod common;

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::*;
use nix::sys::socket::{
    accept4, bind, connect, getsockname, listen, socket, AddressFamily, Backlog, SockFlag,
    SockType, SockaddrIn, UnixAddr,
};

/// Long enough for any launch on a loaded machine; a launch that takes longer hangs.
const HANG: Duration = Duration::from_secs(30);

/// Run caprun with `args` and `stdin`, failing (not hanging) when it does not finish.
fn run_bounded(args: &[&str], stdin: &str) -> Output {
    let mut child = start(args, stdin);
    wait_bounded(&mut child, HANG);
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
}

/// A FIFO given as PROGRAM is refused at once (126), not opened and waited on until a
/// writer comes; a regular executable is the control.
#[test]
fn a_fifo_as_program_is_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("prog");
    mkfifo(&fifo);
    std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_bounded(&["--policy=none", fifo.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("caprun: {}: not a regular file\n", fifo.display())
    );
    let out = run_bounded(&["--policy=none", "/bin/true"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A FIFO named by `!file` is opened without waiting for the other end; the program gets
/// it in blocking mode. Reading needs no writer; writing needs a reader, and without one
/// the launch fails with a clear message (at the tag), dry run included.
#[test]
fn fifos_named_by_file_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let probe = probe();
    let probe = probe.to_str().unwrap();
    let read = format!("report: !fd stdout\nf: !file {}\n", q(&fifo));
    let r = report_of(&run_bounded(&["--policy=none", probe], &read));
    let entry = fd_entry(&r, 1);
    assert_eq!(entry["type"], "fifo", "{r}");
    assert_eq!(entry["access"], "r", "{r}");
    assert_eq!(entry["nonblock"], false, "{r}");
    let out = run_bounded(&["--policy=none", "--dry-run", probe], &read);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let write = format!(
        "report: !fd stdout\nf: !file {{path: {}, mode: write}}\n",
        q(&fifo)
    );
    for dry in [false, true] {
        let mut args = vec!["--policy=none", probe];
        if dry {
            args.insert(1, "--dry-run");
        }
        let out = run_bounded(&args, &write);
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
        assert_eq!(
            stderr(&out).lines().next().unwrap(),
            format!(
                "caprun: <stdin>:2:4: {}: a FIFO with no reader (opening it for writing would wait for one)",
                fifo.display()
            )
        );
    }
    // With a reader, the writer's end is the program's, in blocking mode.
    let reader = std::fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let r = report_of(&run_bounded(&["--policy=none", probe], &write));
    let entry = fd_entry(&r, 1);
    assert_eq!(
        (&entry["type"], &entry["access"]),
        (&"fifo".into(), &"w".into()),
        "{r}"
    );
    assert_eq!(entry["nonblock"], false, "{r}");
    drop(reader);
}

/// The command-line form's `--ro`/`--rw` and `!dir` name FIFOs without hanging either.
#[test]
fn fifos_granted_on_the_command_line_or_as_dir_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    // Read-only and read-write (a FIFO opened for both needs neither end) are granted.
    for grant in ["--ro", "--rw"] {
        let out = run_bounded(&["--dry-run", grant, f, "--", "/bin/true"], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains(f));
    }
    let out = run_bounded(
        &["--policy=none", probe().to_str().unwrap()],
        &format!("d: !dir {}\n", q(&fifo)),
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(stderr(&out).contains("Not a directory"), "{}", stderr(&out));
}

/// A UNIX listener that accepts nothing, its backlog full: `listen(0)` and one
/// connection queued (a further non-blocking connect fails with EAGAIN, checked).
fn full_unix_listener(path: &Path) -> (OwnedFd, OwnedFd) {
    let listener = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    bind(listener.as_raw_fd(), &UnixAddr::new(path).unwrap()).unwrap();
    listen(&listener, Backlog::new(0).unwrap()).unwrap();
    let nonblocking = || {
        socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap()
    };
    let queued = nonblocking();
    connect(queued.as_raw_fd(), &UnixAddr::new(path).unwrap()).unwrap();
    let extra = nonblocking();
    assert_eq!(
        connect(extra.as_raw_fd(), &UnixAddr::new(path).unwrap()),
        Err(nix::errno::Errno::EAGAIN),
        "the backlog is not full"
    );
    (listener, queued)
}

/// A connect to a UNIX listener whose backlog stays full fails after its `timeout:`
/// (125, naming the address and the tag's position); once the listener accepts, the same
/// config connects, and the program gets the socket in blocking mode.
#[test]
fn a_unix_connect_to_a_full_backlog_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.sock");
    let (listener, _queued) = full_unix_listener(&path);
    let probe = probe();
    let config = format!(
        "report: !fd stdout\ns: !socket {{connect: {}, timeout: 0.3}}\n",
        q(&path)
    );
    let out = run_bounded(&["--policy=none", probe.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "caprun: <stdin>:2:4: socket {}: connect timed out after 0.3 s: the listener's backlog stayed full",
            path.display()
        )
    );
    // Control: room in the backlog.
    let _accepted = accept4(listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC).unwrap();
    let r = report_of(&run_bounded(
        &["--policy=none", probe.to_str().unwrap()],
        &config,
    ));
    let entry = fd_entry(&r, 1);
    assert_eq!(entry["type"], "sock", "{r}");
    assert_eq!(entry["nonblock"], false, "{r}");
}

/// The same for TCP: a listener whose accept queue is full drops the SYN, and caprun
/// gives up after `timeout:` instead of the kernel's SYN retries (about two minutes).
#[test]
fn a_tcp_connect_to_a_full_accept_queue_times_out() {
    let listener = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    bind(listener.as_raw_fd(), &SockaddrIn::new(127, 0, 0, 1, 0)).unwrap();
    listen(&listener, Backlog::new(0).unwrap()).unwrap();
    let addr: SockaddrIn = getsockname(listener.as_raw_fd()).unwrap();
    // One established connection fills a queue of 0 (the kernel admits backlog + 1).
    let _queued = std::net::TcpStream::connect(addr.to_string()).unwrap();
    let probe = probe();
    let config = format!("report: !fd stdout\ns: !socket {{connect: '{addr}', timeout: 0.3}}\n");
    let out = run_bounded(&["--policy=none", probe.to_str().unwrap()], &config);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!("caprun: <stdin>:2:4: socket {addr}: connect timed out after 0.3 s")
    );
    // Control: the queue drained, the same config connects (blocking mode for the
    // program).
    let _accepted = accept4(listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC).unwrap();
    let r = report_of(&run_bounded(
        &["--policy=none", probe.to_str().unwrap()],
        &config,
    ));
    let entry = fd_entry(&r, 1);
    assert_eq!(entry["type"], "sock", "{r}");
    assert_eq!(entry["nonblock"], false, "{r}");
}

/// `!socket {bind: /path}` where a stale socket file is left (its listener is gone, as
/// after an earlier launch of the same config) replaces it; a path that is not a socket,
/// or a socket that a live listener still uses, is an error and stays as it was.
#[test]
fn binding_replaces_only_a_stale_socket_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let probe = probe();
    let probe = probe.to_str().unwrap();
    let config = format!("report: !fd stdout\ns: !socket {{bind: {}}}\n", q(&path));
    // The first launch creates the file and leaves it behind; so does the second.
    for _ in 0..2 {
        let r = report_of(&run_bounded(&["--policy=none", probe], &config));
        assert_eq!(fd_entry(&r, 1)["listening"], true, "{r}");
        assert!(path.exists());
    }
    // A live listener, even one with a full backlog, keeps its path.
    std::fs::remove_file(&path).unwrap();
    let (_live, _queued) = full_unix_listener(&path);
    let out = run_bounded(&["--policy=none", probe], &config);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "caprun: <stdin>:2:4: socket {}: a listening socket is bound there (only a stale socket file is replaced)",
            path.display()
        )
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&path)
        .unwrap()
        .file_type()
        .is_socket());
    // Not a socket: left alone.
    let file = dir.path().join("file");
    std::fs::write(&file, "data").unwrap();
    let out = run_bounded(
        &["--policy=none", probe],
        &format!("s: !socket {{bind: {}}}\n", q(&file)),
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        format!(
            "caprun: <stdin>:1:4: socket {}: the path exists and is not a socket",
            file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "data");
}

/// `LISTEN_FDS` larger than the descriptor limit allows is refused with a clear error
/// before anything proportional to it is allocated (the run has 1 GiB of address space:
/// 2³¹ names would not fit); a count within the limit is the control.
#[test]
fn listen_fds_is_bounded_by_the_descriptor_limit() {
    let run_with = |count: &str| {
        let script = format!(
            "exec 3>&-; ulimit -v 1048576; ulimit -n 1024; LISTEN_PID=$$ LISTEN_FDS={count} exec \"$0\" --policy=none --dry-run \"$1\""
        );
        let mut child = start_cmd(
            Command::new("/bin/sh")
                .args(["-c", &script])
                .arg(caprun())
                .arg(probe()),
            "s: !fd {listen: unknown}\n",
        );
        wait_bounded(&mut child, HANG);
        child.wait_with_output().unwrap()
    };
    let out = run_with("2000000000");
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        "caprun: <stdin>:1:4: !fd {listen: unknown}: LISTEN_FDS=2000000000 passes more descriptors than the limit allows (RLIMIT_NOFILE 1024: descriptors 3 to 1023)"
    );
    let out = run_with("1022");
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("LISTEN_FDS=1022 passes more"),
        "{}",
        stderr(&out)
    );
    // Within the limit: accepted (then the descriptor is looked at: 3 is not open here).
    let out = run_with("1021");
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(!stderr(&out).contains("passes more"), "{}", stderr(&out));
    let out = run_with("1");
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).lines().next().unwrap(),
        "caprun: <stdin>:1:4: !fd {listen: unknown}: descriptor 3 is not open"
    );
}

/// `caprun PROGRAM <&-`: no CONFIG and standard input closed is "no config" (125), not
/// an empty config; the same with `-`. An empty standard input is the control: an empty
/// config (null argdata), as documented.
#[test]
fn a_closed_stdin_is_no_config() {
    let with_stdin = |redirect: &str, config_arg: &str| {
        let script = format!("exec \"$0\" --policy=none \"$1\" {config_arg} {redirect}");
        let mut child = spawn(
            Command::new("/bin/sh")
                .args(["-c", &script])
                .arg(caprun())
                .arg(probe()),
        );
        wait_bounded(&mut child, HANG);
        child.wait_with_output().unwrap()
    };
    for config_arg in ["", "-"] {
        let out = with_stdin("<&-", config_arg);
        assert_eq!(
            out.status.code(),
            Some(125),
            "{config_arg:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            stderr(&out),
            "caprun: <stdin>: cannot read the config: standard input is closed (give CONFIG, or the config on standard input)\n"
        );
        assert!(out.stdout.is_empty());
    }
    // /dev/null: an empty config; the probe gets only the argdata memfd, nowhere to
    // report, and says so with 100 + one descriptor.
    let out = with_stdin("</dev/null", "");
    assert_eq!(out.status.code(), Some(101), "{}", stderr(&out));
}

/// `truncate: true` on a `!file` that an `!exec` reaches by path (`paths:`, argv) is
/// applied at launch like one passed as a descriptor, after every check; a dry run, or a
/// launch that fails, truncates nothing.
#[test]
fn truncate_applies_to_files_granted_by_path() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let (listed, in_argv) = (dir.path().join("listed.log"), dir.path().join("argv.log"));
    let probe = probe();
    let config = |extra: &str| {
        format!(
            "!exec\nargv: [probe, !file {{path: {a}, mode: write, truncate: true}}]\nstdio: [null, !fd stdout, !fd stderr]\npaths: [!file {{path: {l}, mode: write, truncate: true}}{extra}]\n",
            a = q(&in_argv),
            l = q(&listed)
        )
    };
    let reset = || {
        std::fs::write(&listed, "precious").unwrap();
        std::fs::write(&in_argv, "precious").unwrap();
    };
    let contents = || {
        (
            std::fs::read_to_string(&listed).unwrap(),
            std::fs::read_to_string(&in_argv).unwrap(),
        )
    };
    let precious = ("precious".to_string(), "precious".to_string());
    reset();
    let out = run_bounded(
        &["--policy", "strict", "--dry-run", probe.to_str().unwrap()],
        &config(""),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contents(), precious);
    let out = run_bounded(
        &["--policy", "strict", probe.to_str().unwrap()],
        &config(", !file /nonexistent/x"),
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(contents(), precious);
    let out = run_bounded(
        &["--policy", "strict", probe.to_str().unwrap()],
        &config(""),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contents(), (String::new(), String::new()));
}

/// A step of building the sandbox's root that fails ends the launch with status 125 and
/// one line naming the step and what it was done to, and never hangs: each phase of
/// `MountPlan::enter` (in the child, after the fork) is made to fail in turn by strace's
/// fault injection (`EPERM` for one system call, chosen by its order or its path). The
/// control: the same launch under strace without a fault runs the program.
#[test]
fn a_failing_step_of_the_root_s_construction_is_named_and_ends_the_launch() {
    skip_unless_sandboxable!();
    let strace = usr_bin("strace", "strace");
    let caprun = caprun();
    // strace's own output goes nowhere: stderr is caprun's alone.
    let traced = |filter: &[&str]| {
        let mut cmd = Command::new(&strace);
        cmd.args(["-f", "-qq", "-o", "/dev/null"])
            .args(filter)
            .arg(&caprun)
            .args(["--policy", "devtools", "--", "/bin/true"]);
        let mut child = start_cmd(&mut cmd, "");
        wait_bounded(&mut child, HANG);
        child.wait_with_output().unwrap()
    };
    let control = traced(&["-e", "trace=pivot_root"]);
    assert_eq!(control.status.code(), Some(0), "{}", describe(&control));

    // (strace's filter, the line caprun must print). The staging directory is /tmp
    // (the default) and devtools binds /dev/null first and has /proc and /dev/pts.
    let phases: &[(&[&str], &str)] = &[
        (
            &["-e", "trace=mount", "-e", "inject=mount:error=EPERM:when=1"],
            "caprun: make / private /: Operation not permitted\n",
        ),
        (
            &["-P", "/dev/null", "-e", "trace=open_tree"],
            "caprun: bind /dev/null: Operation not permitted\n",
        ),
        (
            &["-e", "trace=mount", "-e", "inject=mount:error=EPERM:when=2"],
            "caprun: mount tmpfs on /tmp: Operation not permitted\n",
        ),
        (
            &["-e", "trace=mkdir", "-e", "inject=mkdir:error=EPERM:when=1"],
            "caprun: mkdir /tmp/dev: Operation not permitted\n",
        ),
        (
            &["-P", "/tmp/dev/null", "-e", "trace=move_mount"],
            "caprun: bind /dev/null: Operation not permitted\n",
        ),
        (
            &["-P", "/tmp/proc", "-e", "trace=mount"],
            "caprun: mount a procfs on /tmp/proc: Operation not permitted\n",
        ),
        (
            &["-P", "/tmp/dev/pts", "-e", "trace=mount"],
            "caprun: mount a devpts on /tmp/dev/pts: Operation not permitted\n",
        ),
        (
            &[
                "-e",
                "trace=symlink",
                "-e",
                "inject=symlink:error=EPERM:when=1",
            ],
            "caprun: symlink /tmp/dev/ptmx: Operation not permitted\n",
        ),
        (
            &["-e", "trace=pivot_root"],
            "caprun: pivot_root /tmp: Operation not permitted\n",
        ),
        (
            &["-e", "trace=umount2"],
            "caprun: detach the old root .: Operation not permitted\n",
        ),
        (
            &[
                "-P",
                "/",
                "-e",
                "trace=mount",
                "-e",
                "inject=mount:error=EPERM:when=2",
            ],
            "caprun: remount / read-only /: Operation not permitted\n",
        ),
    ];
    for (filter, line) in phases {
        // Filters without an `inject=` of their own fail every call they trace.
        let mut args = filter.to_vec();
        let inject;
        if !filter.iter().any(|a| a.starts_with("inject=")) {
            let call = filter.last().unwrap().trim_start_matches("trace=");
            inject = format!("inject={call}:error=EPERM");
            args.extend(["-e", &inject]);
        }
        let out = traced(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(125), "{filter:?}: {err}");
        assert_eq!(err.matches(line).count(), 1, "{filter:?}: {err}");
        // The program never started: nothing is said of how it ran.
        assert!(!err.contains("the program failed"), "{filter:?}: {err}");
    }
}
