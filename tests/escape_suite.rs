//! The escape suite: the `escape` probe attempts every attack directly on the host (the
//! control run, where each attack must succeed) and through caprun, where each must be
//! blocked: under `strict` and `default` (argdata form, and the command-line form),
//! `unprivileged` (argdata form) and `devtools` (command-line form), and under `strict`
//! on an emulated kernel older than Landlock ABI 6. An attack that does not escape in the
//! control run proves nothing, so it is listed and left out; at least 40 must remain, and
//! the attacks of issue 14 must all be among them. What a policy leaves on purpose is a
//! short list of documented exceptions per policy, each asserted to escape exactly (so a
//! change of the policy shows up here); tests/escape/README.md has the reasons.

#[macro_use]
mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::os::linux::net::SocketAddrExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use common::*;

/// The host-side targets of the attacks.
struct Targets {
    _victim_guard: KillOnDrop,
    victim_pid: u32,
    tcp: std::net::TcpListener,
    udp: std::net::UdpSocket,
    _abstract: std::os::unix::net::UnixListener,
    abstract_name: String,
    granted: tempfile::TempDir,
    rw: tempfile::TempDir,
    secret: tempfile::TempDir,
    _host_socket: std::os::unix::net::UnixListener,
}

struct KillOnDrop(Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn targets() -> Targets {
    let victim = Command::new("sleep").arg("300").spawn().expect("sleep");
    let victim_pid = victim.id();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_nonblocking(true).unwrap();
    let abstract_name = format!(
        "caprun-escape-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    );
    let addr =
        std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
    let abstract_listener = std::os::unix::net::UnixListener::bind_addr(&addr).unwrap();
    // The secret directory: a host file and a host executable outside every grant (and
    // outside every policy's binds, unlike /bin/true).
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("secret.txt"), "secret\n").unwrap();
    std::fs::copy("/bin/true", secret.path().join("true")).unwrap();
    // A symbolic link and a UNIX socket listener beside them (issue 23 §1: what `..` of
    // a writable directory descriptor reached).
    std::os::unix::fs::symlink("secret.txt", secret.path().join("link")).unwrap();
    let host_socket = std::os::unix::net::UnixListener::bind(secret.path().join("sock")).unwrap();
    let granted = tempfile::tempdir().unwrap();
    std::fs::write(granted.path().join("victim"), "victim\n").unwrap();
    // A symbolic link out of the granted directory, to the secret one.
    std::os::unix::fs::symlink(secret.path(), granted.path().join("link-out")).unwrap();
    let rw = tempfile::tempdir().unwrap();
    Targets {
        _victim_guard: KillOnDrop(victim),
        victim_pid,
        tcp,
        udp,
        _abstract: abstract_listener,
        abstract_name,
        granted,
        rw,
        secret,
        _host_socket: host_socket,
    }
}

impl Targets {
    /// Options naming the targets; `granted_fd` and `rw_fd` give the descriptor options'
    /// values.
    fn options(&self, granted_fd: &str, rw_fd: &str) -> Vec<String> {
        let port = |a: std::net::SocketAddr| a.port().to_string();
        [
            (
                "--host-file",
                self.secret.path().join("secret.txt").display().to_string(),
            ),
            ("--host-dir", self.secret.path().display().to_string()),
            (
                "--host-link",
                self.secret.path().join("link").display().to_string(),
            ),
            (
                "--host-socket",
                self.secret.path().join("sock").display().to_string(),
            ),
            ("--tcp-port", port(self.tcp.local_addr().unwrap())),
            ("--udp-port", port(self.udp.local_addr().unwrap())),
            ("--abstract", self.abstract_name.clone()),
            ("--host-pid", self.victim_pid.to_string()),
            (
                "--host-binary",
                self.secret.path().join("true").display().to_string(),
            ),
            ("--granted-dir", self.granted.path().display().to_string()),
            ("--granted-dir-fd", granted_fd.to_owned()),
            ("--rw-dir-fd", rw_fd.to_owned()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_owned(), v])
        .chain(["--json".to_owned()])
        .collect()
    }

    /// The datagrams `udp-send` delivered to the host's UDP socket since the last call.
    fn udp_received(&self) -> usize {
        let mut buf = [0u8; 64];
        let mut n = 0;
        while let Ok((len, _)) = self.udp.recv_from(&mut buf) {
            assert_eq!(&buf[..len], b"caprun-escape");
            n += 1;
        }
        n
    }
}

/// `program` at a nice value one above the test's: `prio-user` escapes when the probe
/// sees a process of its user with a better priority than its own (the victim).
fn niced(program: &Path) -> Command {
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "1"]).arg(program);
    cmd
}

/// Attack name → (result, reason).
type Outcomes = BTreeMap<String, (String, String)>;

/// Parse the probe's JSON Lines.
fn outcomes(text: &str) -> Outcomes {
    text.lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"));
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            (s("name"), (s("result"), s("reason")))
        })
        .collect()
}

/// The control run: the probe directly on the host, with the same targets.
fn control(t: &Targets) -> Outcomes {
    let granted = std::fs::File::open(t.granted.path()).unwrap();
    let rw = std::fs::File::open(t.rw.path()).unwrap();
    use std::os::fd::AsRawFd;
    // The directory descriptors are inherited by the probe (not close-on-exec).
    for f in [&granted, &rw] {
        nix::fcntl::fcntl(
            f,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
        )
        .unwrap();
    }
    let out = niced(&example("escape"))
        .args(t.options(
            &granted.as_raw_fd().to_string(),
            &rw.as_raw_fd().to_string(),
        ))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "control run: {out:?}");
    // The datagram of `udp-send` arrived: the host's socket is reachable from the host.
    assert_eq!(t.udp_received(), 1, "control run: udp-send");
    outcomes(&String::from_utf8_lossy(&out.stdout))
}

/// The argdata config giving the probe its options, the directories as descriptors
/// (`!file`, read-only and read-write).
fn argdata_config(t: &Targets) -> String {
    let mut argv: Vec<String> = vec!["--out-fd".into(), "!fd stdout".into()];
    for o in t.options("GRANTED", "RW") {
        argv.push(match o.as_str() {
            "GRANTED" => format!("!file {{path: {}}}", q(t.granted.path())),
            "RW" => format!("!file {{path: {}, mode: readwrite}}", q(t.rw.path())),
            s if s.starts_with("--") => s.to_owned(),
            s => format!("{s:?}"),
        });
    }
    format!("argv: [{}]\nerr: !fd stderr\n", argv.join(", "))
}

/// The probe through caprun, taking its options from the argdata.
fn sandboxed(t: &Targets, policy: &str, extra: &[&str]) -> Outcomes {
    let mut args = vec!["--policy", policy];
    args.extend_from_slice(extra);
    let escape = example("escape");
    args.push(escape.to_str().unwrap());
    let out = run_cmd(niced(&caprun()).args(&args), &argdata_config(t));
    assert!(
        out.status.success(),
        "caprun --policy {policy}: {:?}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    outcomes(&String::from_utf8_lossy(&out.stdout))
}

/// The probe's options for the command-line form: the directories by path (bound into
/// the sandbox by `--ro` and `--rw`).
fn cli_attack_args(t: &Targets) -> Vec<OsString> {
    let mut argv: Vec<String> = Vec::new();
    let mut opts = t.options("-", "-").into_iter();
    while let Some(o) = opts.next() {
        if o == "--json" {
            argv.push(o);
            continue;
        }
        let v = opts.next().unwrap();
        match o.as_str() {
            "--granted-dir-fd" => {}
            "--rw-dir-fd" => {
                argv.extend(["--rw-dir".to_owned(), t.rw.path().display().to_string()])
            }
            _ => argv.extend([o, v]),
        }
    }
    argv.into_iter().map(Into::into).collect()
}

/// `caprun --policy P --ro GRANTED --rw RW -- escape ARGS...`
fn through_cli(t: &Targets, policy: &str, args: &[OsString]) -> Output {
    niced(&caprun())
        .args(["--policy", policy, "--ro"])
        .arg(t.granted.path())
        .arg("--rw")
        .arg(t.rw.path())
        .arg("--")
        .arg(example("escape"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The attacks through the command-line form.
fn attacks_through_cli(t: &Targets, policy: &str) -> Outcomes {
    let out = through_cli(t, policy, &cli_attack_args(t));
    assert!(
        out.status.success(),
        "{policy}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    outcomes(&String::from_utf8_lossy(&out.stdout))
}

/// The allowed-work checks through the command-line form.
fn allowed_through_cli(t: &Targets, policy: &str, checks: &[&str]) -> Outcomes {
    let mut args: Vec<OsString> = vec![
        "--allowed".into(),
        "--json".into(),
        "--granted-dir".into(),
        t.granted.path().into(),
        "--rw-dir".into(),
        t.rw.path().into(),
    ];
    args.extend(checks.iter().map(Into::into));
    let out = through_cli(t, policy, &args);
    assert!(
        out.status.success(),
        "{policy}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    outcomes(&String::from_utf8_lossy(&out.stdout))
}

/// The attacks of issue 14 (processes by pid, metadata of read-only grants, set-user-ID
/// planting): each must escape in the control run, so that its block under caprun is
/// evidence.
const ISSUE_14: &[&str] = &[
    "prlimit-host-pid",
    "getpriority-host-pid",
    "setpriority-host-pid",
    "sched-getaffinity-host-pid",
    "sched-setaffinity-host-pid",
    "sched-getparam-host-pid",
    "sched-getscheduler-host-pid",
    "capget-host-pid",
    "getpgid-host-pid",
    "getsid-host-pid",
    "kill-probe-host-pid",
    "prio-user",
    "granted-fchmod",
    "granted-fchmodat",
    "granted-utimens",
    "granted-setflags",
    "granted-flock-ex",
    "granted-lease",
    "chmod-dev-null",
    "host-chmod",
    "setuid-create",
    "setuid-fchmod",
    "setgid-mkdir",
    "setuid-mknod",
    "setuid-openat2",
];

/// The attacks of issue 23 §1 through `..` of a writable directory descriptor: each must
/// escape in the control run.
const ISSUE_23: &[&str] = &[
    "rw-fd-parent",
    "rw-fd-stat-dotdot",
    "rw-fd-readlink-dotdot",
    "rw-fd-connect-dotdot",
    "rw-fd-chmod-dotdot",
    "rw-fd-utimens-dotdot",
    "rw-fd-setxattr-dotdot",
    "rw-fd-truncate-dotdot",
];

/// Attacks that escape in the control run (at least 40 of them, every one of issues 14
/// and 23).
fn proven_attacks(control: &Outcomes) -> Vec<String> {
    let proven: Vec<String> = control
        .iter()
        .filter(|(_, (r, _))| r == "escaped")
        .map(|(n, _)| n.clone())
        .collect();
    let unproven: Vec<String> = control
        .iter()
        .filter(|(_, (r, _))| r != "escaped")
        .map(|(n, (r, why))| format!("{n} ({r} {why})"))
        .collect();
    eprintln!(
        "{} attacks escape without caprun; not counted (they fail on this host even without a sandbox): {}",
        proven.len(),
        unproven.join(", ")
    );
    assert!(
        proven.len() >= 40,
        "only {} attacks proven in the control run",
        proven.len()
    );
    let missing: Vec<&&str> = ISSUE_14
        .iter()
        .chain(ISSUE_23)
        .filter(|a| !proven.iter().any(|p| p == **a))
        .collect();
    assert!(
        missing.is_empty(),
        "attacks of issues 14 and 23 that do not escape in the control run (so prove nothing): {missing:?}\n{control:?}"
    );
    proven
}

/// An attack that a policy leaves on purpose: it must escape (with `detail` in its
/// reason), for the reason given.
struct Exception {
    name: &'static str,
    detail: &'static str,
    why: &'static str,
}

const fn except(name: &'static str, detail: &'static str, why: &'static str) -> Exception {
    Exception { name, detail, why }
}

/// A sandbox running as root without `--uid`: root stays root (in its user namespace,
/// or on the host without one), with no capability; these attacks report uid or gid 0
/// itself.
const ROOT_STAYS_ROOT: [Exception; 2] = [
    except(
        "setuid-0",
        "uid are 0",
        "caprun started as root keeps uid 0 (no capability) without --uid",
    ),
    except(
        "setgid-0",
        "gid are 0",
        "caprun started as root keeps gid 0 (no capability) without --gid",
    ),
];

/// `unprivileged`: no namespace at all.
const UNPRIVILEGED: [Exception; 1] = [except(
    "kill-probe-host-pid",
    "EPERM",
    "no PID namespace: signals are left to Landlock's signal scoping, which refuses with \
     EPERM, so kill's answer tells that a host pid exists (caprun-policy(5))",
)];

/// `unprivileged` with `host-writable-dirs: true`: a writable directory descriptor is the
/// host's own, and Landlock does not mediate metadata reads through its `..`.
const UNROOTED: [Exception; 2] = [
    except(
        "rw-fd-stat-dotdot",
        "stat:",
        "no mount namespace to root the descriptor in: fstatat through `..` reads host \
         metadata (caprun-policy(5), host-writable-dirs)",
    ),
    except(
        "rw-fd-readlink-dotdot",
        "read link",
        "the same for readlinkat",
    ),
];

/// `devtools`: what the policy gives a build on purpose.
const DEVTOOLS: [Exception; 10] = [
    except(
        "list-root",
        "\"usr\"",
        "root.list: the root lists the names of the binds (/usr, /etc, the /bin links)",
    ),
    except(
        "etc-passwd",
        "opened",
        "/etc/passwd and /etc/group are bound read-only for user name resolution",
    ),
    except(
        "proc-self-mounts",
        "opened",
        "its own procfs: the mount table of the sandbox's own mount namespace \
         (checked in devtools_shows_its_own_mount_table_only)",
    ),
    except(
        "proc-kallsyms",
        "opened",
        "its own procfs has the kernel's global files; kallsyms shows addresses only to \
         CAP_SYSLOG in the initial user namespace (which no sandbox has), or to everyone \
         when the host's sysctls say so: what any host user reads",
    ),
    except(
        "inet-socket",
        "",
        "network: loopback: internet sockets in its own network namespace",
    ),
    except("inet6-socket", "", "the same for IPv6"),
    except(
        "tcp-bind",
        "",
        "a listener on its own loopback (tcp-connect and udp-send still reach nothing \
         of the host's)",
    ),
    except(
        "netlink-route",
        "",
        "getaddrinfo and if_nameindex read the interfaces of its own network namespace \
         (changing them needs CAP_NET_ADMIN, which it lacks)",
    ),
    except(
        "ptrace-traceme",
        "",
        "gdb, strace and LeakSanitizer trace the sandbox's own processes (ptrace-attach \
         to a host process stays blocked: its PID namespace names none, and caprun's \
         init refuses; caprun-policy(5))",
    ),
    except(
        "personality",
        "ADDR_NO_RANDOMIZE set",
        "gdb turns randomization off for the program it starts; no other persona flag",
    ),
];

/// `devtools` in the command-line form only.
const DEVTOOLS_CLI: [Exception; 2] = [
    except(
        "granted-fd-parent",
        "listed 2 entries",
        "the parent of a --ro directory under /tmp is the sandbox's own /tmp (a tmpfs the \
         policy gives), holding only the mount points of the two grants",
    ),
    except(
        "rw-fd-parent",
        "listed 2 entries",
        "the same for the --rw directory, reached by path",
    ),
];

/// Every attack proven in the control run is blocked under `policy`, except the
/// `exceptions`, which escape exactly as documented.
fn assert_outcomes(policy: &str, proven: &[String], got: &Outcomes, exceptions: &[&Exception]) {
    let mut failures = Vec::new();
    for name in proven {
        let exception = exceptions.iter().find(|e| e.name == name);
        match (got.get(name), exception) {
            (Some((r, _)), None) if r == "blocked" => {}
            (Some((r, why)), Some(e)) if r == "escaped" && why.contains(e.detail) => {}
            (Some((r, why)), Some(e)) => failures.push(format!(
                "{name}: {r} {why} (documented to escape with {:?}: {})",
                e.detail, e.why
            )),
            (Some((r, why)), None) => failures.push(format!("{name}: {r} {why}")),
            (None, _) => failures.push(format!("{name}: no result")),
        }
    }
    assert!(
        failures.is_empty(),
        "under --policy {policy}, {} attacks were not as expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn strict_and_default_block_every_proven_escape() {
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let root: Vec<&Exception> = ROOT_STAYS_ROOT.iter().collect();
    for policy in ["strict", "default"] {
        // As an unprivileged user inside the sandbox...
        let got = sandboxed(&t, policy, &["--uid", "65534", "--gid", "65534"]);
        assert_outcomes(policy, &proven, &got, &[]);
        // ...and as root mapped to root in the user namespace: uid 0 without any
        // capability. This is the run where set-user-ID planting would work.
        let got = sandboxed(&t, policy, &[]);
        assert_outcomes(policy, &proven, &got, &root);
    }
    assert_eq!(t.udp_received(), 0, "a sandbox's datagram reached the host");
}

#[test]
fn unprivileged_blocks_every_proven_escape_but_its_documented_limit() {
    // No namespaces: the file system is Landlock's alone (the host's paths exist but are
    // denied), sockets are denied, and the calls taking a pid may only name the caller;
    // signals are Landlock's, which leaves kill's ESRCH-or-EPERM answer. A writable
    // directory descriptor cannot be rooted there: refused unless a policy file accepts
    // it (`host-writable-dirs`), and then its `..` reads host metadata.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let escape = example("escape");
    let out = run_cmd(
        niced(&caprun()).args(["--policy", "unprivileged", escape.to_str().unwrap()]),
        &argdata_config(&t),
    );
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(out.stdout.is_empty(), "the probe ran: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{} is granted read-write as a descriptor",
            t.rw.path().display()
        )) && err.contains("host-writable-dirs"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let accepting = dir.path().join("accepting.yaml");
    std::fs::write(
        &accepting,
        "extends: unprivileged\nhost-writable-dirs: true\n",
    )
    .unwrap();
    let got = sandboxed(&t, accepting.to_str().unwrap(), &[]);
    let exceptions: Vec<&Exception> = ROOT_STAYS_ROOT
        .iter()
        .chain(&UNPRIVILEGED)
        .chain(&UNROOTED)
        .collect();
    assert_outcomes("unprivileged", &proven, &got, &exceptions);
}

#[test]
fn the_policy_none_blocks_nothing_the_control_run_does() {
    // `none` enforces nothing but the descriptor table: the attacks escape through
    // caprun too, so the blocks above are the policies' doing.
    skip_unless_sandboxable!();
    let t = targets();
    let got = sandboxed(&t, "none", &[]);
    for name in [
        "host-file-absolute",
        "etc-passwd",
        "inet-socket",
        "granted-fd-dotdot",
        "rw-fd-stat-dotdot",
        "rw-fd-chmod-dotdot",
        "rw-fd-connect-dotdot",
        "prlimit-host-pid",
        "kill-probe-host-pid",
        "granted-fchmod",
        "chmod-dev-null",
        "setuid-create",
    ] {
        assert_eq!(got[name].0, "escaped", "{name} under none: {:?}", got[name]);
    }
}

#[test]
fn allowed_work_still_works_under_default() {
    skip_unless_sandboxable!();
    let t = targets();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = format!(
        "argv: [--allowed, --out-fd, !fd stdout, --granted-dir-fd, !file {{path: {g}}}, --rw-dir-fd, !file {{path: {rw}, mode: readwrite}}, --listen-fd, !socket {{bind: \"127.0.0.1:{port}\"}}]\nerr: !fd stderr\n",
        g = q(t.granted.path()),
        rw = q(t.rw.path()),
    );
    let escape = example("escape");
    let child = start(&["--policy", "default", escape.to_str().unwrap()], &config);
    // The listen-accept check waits for us: connect and read its greeting.
    let mut greeting = String::new();
    for _ in 0..200 {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.read_to_string(&mut greeting).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let out = child.wait_with_output().unwrap();
    let got: BTreeMap<String, (String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            Some((
                f.next()?.to_owned(),
                (f.next()?.to_owned(), f.next().unwrap_or("").to_owned()),
            ))
        })
        .collect();
    assert_eq!(
        greeting,
        "caprun-escape\n",
        "{got:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for check in [
        "thread",
        "alloc",
        "clock",
        "getrandom",
        "granted-read",
        "rw-write",
        "listen-accept",
    ] {
        assert_eq!(
            got.get(check).map(|r| r.0.as_str()),
            Some("ok"),
            "{check}: {:?}\n{}",
            got.get(check),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // No permission bits or ownership under default, not even on a writable grant.
    for check in ["rw-chmod", "rw-chown-noop"] {
        assert_eq!(
            got.get(check).map(|r| (r.0.as_str(), r.1.as_str())),
            Some(("failed", "EPERM")),
            "{check}"
        );
    }
}

#[test]
fn a_dynamically_linked_program_starts_under_default_but_not_strict() {
    skip_unless_sandboxable!();
    let ok = run(&["--policy", "default", "/bin/true"], "");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let f = run(&["--policy", "default", "/bin/false"], "");
    assert_eq!(f.status.code(), Some(1), "{f:?}");
    // strict has no ELF interpreter inside: caprun says so before anything happens.
    let strict = run(&["--policy", "strict", "/bin/true"], "");
    assert_eq!(strict.status.code(), Some(126));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("dynamically linked (interpreter "), "{err}");
    assert!(err.contains("--policy default"), "{err}");
}

/// The allowed-work checks of the command-line form.
const CLI_CHECKS: [&str; 4] = ["granted-read", "rw-write", "rw-chmod", "rw-chown-noop"];

#[test]
fn the_escape_suite_holds_through_the_command_line_form() {
    // The same probe as an unmodified program (argv, not argdata), launched through
    // `caprun --ro GRANTED --rw RW -- escape ...`: the directories are reached by path,
    // bound into the sandbox, and every attack proven in the control run stays blocked.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let root: Vec<&Exception> = ROOT_STAYS_ROOT.iter().collect();
    for policy in ["strict", "default"] {
        let got = attacks_through_cli(&t, policy);
        assert_outcomes(policy, &proven, &got, &root);
        // The grants work: the probe reads its read-only directory and writes its
        // read-write one; but no chmod or chown there (strict's allowlist has neither).
        let allowed = allowed_through_cli(&t, policy, &CLI_CHECKS);
        let result = |c: &str| allowed.get(c).map(|(r, why)| (r.as_str(), why.as_str()));
        assert_eq!(
            result("granted-read").unwrap().0,
            "ok",
            "{policy}: {allowed:?}"
        );
        assert_eq!(result("rw-write").unwrap().0, "ok", "{policy}: {allowed:?}");
        assert_eq!(result("rw-chmod"), Some(("failed", "EPERM")), "{policy}");
        assert_eq!(
            result("rw-chown-noop"),
            Some(("failed", "EPERM")),
            "{policy}"
        );
    }
    assert_eq!(t.udp_received(), 0, "a sandbox's datagram reached the host");
}

#[test]
fn devtools_blocks_every_proven_escape_but_what_it_grants_a_build() {
    // devtools, the default of the command-line form, gives a build much more than
    // strict (a listable root with /usr and some of /etc, its own /proc and loopback
    // network, chmod): those are the documented exceptions. The rest
    // stays blocked: no host process by pid (its PID namespace), nothing of the host's
    // network (tcp-connect, udp-send), no metadata change beneath a read-only grant (its
    // bind is read-only), no exclusive lock on a read-only grant (caprun's supervisor
    // refuses it: tests/locks.rs), nothing set-user-ID.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let got = attacks_through_cli(&t, "devtools");
    let exceptions: Vec<&Exception> = ROOT_STAYS_ROOT
        .iter()
        .chain(&DEVTOOLS)
        .chain(&DEVTOOLS_CLI)
        .collect();
    assert_outcomes("devtools", &proven, &got, &exceptions);
    // udp-send saw its own loopback refuse the datagram; the host's socket got nothing.
    assert_eq!(t.udp_received(), 0, "a sandbox's datagram reached the host");
    // What a build needs works, chmod and chown (that changes nothing) included.
    let allowed = allowed_through_cli(&t, "devtools", &CLI_CHECKS);
    for check in CLI_CHECKS {
        assert_eq!(
            allowed.get(check).map(|r| r.0.as_str()),
            Some("ok"),
            "{check}: {allowed:?}"
        );
    }
}

#[test]
fn devtools_shows_its_own_mount_table_only() {
    // Why proc-self-mounts is an exception under devtools: /proc/self/mounts there is
    // the table of the sandbox's own mount namespace (what caprun mounted: its root, the
    // binds, /tmp, /proc, the grants), not the host's: every mount point it lists exists
    // inside, and a host mount point that the sandbox lacks is not in it.
    skip_unless_sandboxable!();
    let host = std::fs::read_to_string("/proc/self/mounts").unwrap();
    let host_points: Vec<&str> = host.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    let out = Command::new(caprun())
        .args(["--policy", "devtools", "--", "/bin/sh", "-c"])
        .arg(
            "while read -r src point rest; do \
               if [ -e \"$point\" ]; then echo \"inside $point\"; else echo \"absent $point\"; fi; \
             done < /proc/self/mounts; \
             for p in \"$@\"; do [ -e \"$p\" ] || echo \"host-only $p\"; done",
        )
        .arg("sh")
        .args(&host_points)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("inside "))
        .collect();
    assert!(!text.contains("absent "), "{text}");
    assert!(listed.contains(&"/") && listed.contains(&"/proc"), "{text}");
    // The control: the host has mount points the sandbox lacks, and none is listed.
    let host_only: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("host-only "))
        .collect();
    assert!(!host_only.is_empty(), "{text}");
    for p in host_only {
        assert!(!listed.contains(&p), "host mount point {p} listed: {text}");
    }
}

#[test]
fn devtools_keeps_descriptor_grants_read_only() {
    // The argdata form under devtools: the grants are descriptors, not read-only binds,
    // so only the filter and Landlock stand between the program and their metadata.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let got = sandboxed(&t, "devtools", &[]);
    let exceptions: Vec<&Exception> = ROOT_STAYS_ROOT.iter().chain(&DEVTOOLS).collect();
    assert_outcomes("devtools", &proven, &got, &exceptions);
}

#[test]
fn process_and_abstract_socket_attacks_stay_blocked_before_landlock_abi_6() {
    // Issue 14 §2: on a kernel without Landlock's signal and abstract-socket scopes
    // (emulated: `old-kernel --landlock-abi 5`), strict's PID and network namespaces
    // stand in for them; a policy that would rely on the scopes is refused (125) before
    // the program runs, and only a policy file asking for less (`best-effort`) runs, with
    // the attacks escaping: the refusal is what protects.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let attacks = [
        "kill-host-pid",
        "sigcont-host-pid",
        "kill-probe-host-pid",
        "prlimit-host-pid",
        "abstract-unix-connect",
    ];
    for a in attacks {
        assert!(proven.iter().any(|p| p == a), "{a} not proven");
    }
    let at_abi = |abi: &str, args: &[&str]| {
        let mut cmd = Command::new(example("old-kernel"));
        cmd.args(["--landlock-abi", abi, "--"])
            .arg(caprun())
            .args(args)
            .arg(example("escape"));
        run_cmd(&mut cmd, &argdata_config(&t))
    };
    let out = at_abi("5", &["--policy", "strict"]);
    assert!(out.status.success(), "{out:?}");
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    for a in attacks {
        assert_eq!(got[a].0, "blocked", "{a} at ABI 5: {:?}", got[a]);
    }
    // No PID namespace (unprivileged), or the host's network (--net): refused.
    for args in [
        &["--policy", "unprivileged"][..],
        &["--policy", "strict", "--net"],
    ] {
        let out = at_abi("5", args);
        assert_eq!(out.status.code(), Some(125), "{args:?} at ABI 5: {out:?}");
        assert!(out.stdout.is_empty(), "the probe ran: {out:?}");
    }
    // The same without the refusal: signals reach the host's victim.
    let dir = tempfile::tempdir().unwrap();
    let weaker = dir.path().join("weaker.yaml");
    std::fs::write(
        &weaker,
        "extends: unprivileged\nlandlock: best-effort\nhost-writable-dirs: true\n",
    )
    .unwrap();
    let out = at_abi("5", &["--policy", weaker.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    for a in ["kill-host-pid", "sigcont-host-pid"] {
        assert_eq!(
            got[a].0, "escaped",
            "{a} best-effort at ABI 5: {:?}",
            got[a]
        );
    }
}

#[test]
fn an_unprivileged_caller_gets_the_same_sandbox() {
    // Everything above runs as root; a user without privilege maps only their own ids
    // into the user namespace (setgroups denied) and gets the same result.
    skip_unless_sandboxable!();
    // Copies that user 65534 can reach wherever the clone is (issue 27 §0).
    let (_copies, bins) = common::reachable_copies(&[&caprun(), &probe()]);
    let as_nobody = |args: &[&str], stdin: &str| {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&bins[0])
            .args(args);
        run_cmd(&mut cmd, stdin)
    };
    let probe = &bins[1];
    for policy in ["strict", "default", "unprivileged"] {
        let out = as_nobody(
            &["--policy", policy, probe.to_str().unwrap()],
            "report: !fd stdout\n",
        );
        let r = report_of(&out);
        assert_eq!(fd_numbers(&r), vec![0, 1], "{policy}");
    }
    // --uid/--gid are for a caprun started by root: refused, not ignored.
    let out = as_nobody(
        &["--uid", "5", "--gid", "5", probe.to_str().unwrap()],
        "report: !fd stdout\n",
    );
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unprivileged_runs_work_from_a_clone_only_its_owner_can_traverse() {
    // Issue 27 §0: a clone in /root (0700) or a `mktemp -d` directory. Emulated: the
    // binaries copied into a 0700 directory, as target/ would be in such a clone.
    skip_unless_sandboxable!();
    use std::os::unix::fs::PermissionsExt;
    let private = tempfile::tempdir().unwrap();
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut originals = Vec::new();
    for bin in [caprun(), probe()] {
        let to = private.path().join(bin.file_name().unwrap());
        std::fs::copy(&bin, &to).unwrap();
        originals.push(to);
    }
    let as_nobody = |caprun: &Path, probe: &Path| {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(caprun)
            .args(["--policy", "unprivileged"])
            .arg(probe);
        run_cmd(&mut cmd, "report: !fd stdout\n")
    };
    // Control: from the private directory, user 65534 cannot even start caprun.
    let out = as_nobody(&originals[0], &originals[1]);
    assert!(
        !out.status.success(),
        "the private directory is reachable: {out:?}"
    );
    let (_copies, bins) = common::reachable_copies(&[&originals[0], &originals[1]]);
    let r = report_of(&as_nobody(&bins[0], &bins[1]));
    assert_eq!(fd_numbers(&r), vec![0, 1]);
}

#[test]
fn descriptor_grants_stay_rooted_before_landlock_abi_3() {
    // Issue 23 §1 and §5 on an emulated Debian 12 kernel (Landlock ABI 2, Linux 6.1): no
    // TRUNCATE right, so only the rooting of the writable directory descriptor keeps
    // `truncate` (and the rest) from the host's files through its `..`.
    skip_unless_sandboxable!();
    let t = targets();
    let control = control(&t);
    let proven = proven_attacks(&control);
    let at_abi = |abi: &str, policy: &str| {
        let mut cmd = Command::new(example("old-kernel"));
        cmd.args(["--landlock-abi", abi, "--"])
            .arg(caprun())
            .args(["--policy", policy])
            .arg(example("escape"));
        // Only these attacks: their names go after the options.
        let config =
            argdata_config(&t).replacen("]\nerr:", &format!(", {}]\nerr:", ISSUE_23.join(", ")), 1);
        run_cmd(&mut cmd, &config)
    };
    for abi in ["1", "2"] {
        for policy in ["strict", "devtools"] {
            let out = at_abi(abi, policy);
            assert!(out.status.success(), "{policy} at ABI {abi}: {out:?}");
            let got = outcomes(&String::from_utf8_lossy(&out.stdout));
            assert_eq!(got.len(), ISSUE_23.len(), "{got:?}");
            let wanted: Vec<String> = ISSUE_23
                .iter()
                .map(|a| a.to_string())
                .filter(|a| proven.contains(a))
                .collect();
            assert_outcomes(&format!("{policy} at ABI {abi}"), &wanted, &got, &[]);
        }
    }
    // The control: the same descriptor unrooted (no mount namespace, accepted by the
    // policy file, truncate allowed) at ABI 2: the host file is truncated through `..`.
    let dir = tempfile::tempdir().unwrap();
    let unrooted = dir.path().join("unrooted.yaml");
    std::fs::write(
        &unrooted,
        "extends: unprivileged\nlandlock: best-effort\nhost-writable-dirs: true\nseccomp:\n  allow: [truncate]\n",
    )
    .unwrap();
    let out = at_abi("2", unrooted.to_str().unwrap());
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot enforce TRUNCATE"),
        "{out:?}"
    );
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(got["rw-fd-truncate-dotdot"].0, "escaped", "{got:?}");
    assert_eq!(
        std::fs::read_to_string(t.secret.path().join("secret.txt")).unwrap(),
        "secret\n"
    );
}

#[test]
fn a_tmpfs_holds_no_more_files_than_its_size_allows() {
    // Issue 23 §5: empty files take no page, so `size=` alone let 60,000 of them into a
    // 1 MiB /tmp, each costing the host kernel memory. The inode limit derived from the
    // size (one per 4 KiB: 256 here) stops them; the control, the same launch with a
    // larger inode limit of its own, creates them all.
    skip_unless_sandboxable!();
    let create = |limits: &[&str]| {
        let mut cmd = Command::new(caprun());
        cmd.args(["--policy", "devtools"]);
        for l in limits {
            cmd.args(["--limit", l]);
        }
        let out = cmd
            .current_dir("/")
            .args(["--", "/bin/sh", "-c"])
            .arg("i=0; while [ $i -lt 2000 ] && true 2>/dev/null > /tmp/f$i; do i=$((i+1)); done; echo $i")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{limits:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .unwrap()
    };
    let bounded = create(&["tmpfs=1M"]);
    assert!(bounded < 256, "{bounded} files in a 1 MiB tmpfs");
    assert_eq!(create(&["tmpfs=1M", "tmpfs-inodes=4096"]), 2000);
}

#[test]
fn a_directory_or_o_path_standard_descriptor_is_refused() {
    // Issue 23 §2: `caprun -- prog < DIR` handed the program a host directory
    // descriptor, the same escape as an unrooted grant. The control: the probe given
    // such a standard input on the host reads host metadata through its `..`.
    skip_unless_sandboxable!();
    let t = targets();
    let escape = example("escape");
    let host_file = t.secret.path().join("secret.txt");
    let attack = |cmd: &mut Command, stdin: Stdio| {
        cmd.arg(&escape)
            .args(["--json", "--rw-dir-fd", "0", "--host-file"])
            .arg(&host_file)
            .arg("rw-fd-stat-dotdot")
            .stdin(stdin)
            .output()
            .unwrap()
    };
    let dir = || Stdio::from(std::fs::File::open(t.rw.path()).unwrap());
    let control = attack(&mut Command::new("env"), dir());
    let got = outcomes(&String::from_utf8_lossy(&control.stdout));
    assert_eq!(got["rw-fd-stat-dotdot"].0, "escaped", "{control:?}");
    for policy in ["strict", "devtools", "none"] {
        let mut cmd = Command::new(caprun());
        cmd.args(["--policy", policy, "--"]);
        let out = attack(&mut cmd, dir());
        assert_eq!(out.status.code(), Some(125), "{policy}: {out:?}");
        assert!(out.stdout.is_empty(), "the probe ran: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("descriptor 0 (standard input) is a directory"),
            "{err}"
        );
    }
    // An O_PATH descriptor, of a directory or a file, as standard output.
    for path in [t.rw.path().to_owned(), host_file.clone()] {
        let fd = nix::fcntl::open(
            &path,
            nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .unwrap();
        let out = Command::new(caprun())
            .args(["--policy", "strict", "--"])
            .arg(&escape)
            .arg("--list")
            .stdin(Stdio::null())
            .stdout(Stdio::from(fd))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{path:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("descriptor 1 (standard output) is an O_PATH descriptor"),
            "{err}"
        );
    }
    // A regular file, a pipe, a socket and a terminal pass as before.
    let pty = nix::pty::openpty(None, None).unwrap();
    let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let stdins: Vec<(&str, Stdio)> = vec![
        (
            "file",
            Stdio::from(std::fs::File::open(&host_file).unwrap()),
        ),
        ("pipe", Stdio::piped()),
        ("socket", Stdio::from(std::os::fd::OwnedFd::from(socket))),
        ("terminal", Stdio::from(pty.slave)),
    ];
    for (what, stdin) in stdins {
        let out = Command::new(caprun())
            .args(["--policy", "strict", "--"])
            .arg(&escape)
            .arg("--list")
            .stdin(stdin)
            .output()
            .unwrap();
        assert!(out.status.success(), "{what}: {out:?}");
        assert!(!out.stdout.is_empty(), "{what}: {out:?}");
    }
}

#[test]
fn check_policy_and_dry_run_name_the_risk_of_unrooted_directories() {
    // Issue 23 §1: where no mount namespace can root a directory descriptor, the policy
    // check and the dry run say what its `..` reaches; with one they say nothing.
    let risk = "a directory descriptor is the host's own";
    for (policy, unrooted) in [
        ("unprivileged", true),
        ("none", true),
        ("strict", false),
        ("devtools", false),
    ] {
        let out = run(&["--check-policy", policy], "");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.contains(risk), unrooted, "{policy}: {text}");
        let dir = tempfile::tempdir().unwrap();
        let out = run(
            &["--dry-run", "--policy", policy, "/bin/true"],
            &format!("d: !dir {}\n", q(dir.path())),
        );
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.contains(risk), unrooted, "{policy}: {text}");
        assert_eq!(text.contains("rooted: false"), unrooted, "{policy}: {text}");
    }
    let out = run(&["--check-policy", "none"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("handed over as they are"));
}

#[test]
fn a_directory_an_exec_reaches_by_path_and_as_a_descriptor_is_rooted_too() {
    // An `!exec` may name one `!dir` (an anchor and its alias) both by path (bound into
    // the sandbox) and as a descriptor (in `args`): the bind covers the path, and the
    // descriptor is rooted as any other. Without that, its `..` reached the host.
    skip_unless_sandboxable!();
    let t = targets();
    let escape = example("escape");
    let config = format!(
        "!exec\nargv: [{e}, &d !dir {{path: {rw}, mode: readwrite}}]\nstdio: [null, !fd stdout, !fd stderr]\nargs: {{argv: [--json, --rw-dir-fd, *d, --host-file, {f}, --host-link, {l}, rw-fd-parent, rw-fd-stat-dotdot, rw-fd-readlink-dotdot]}}\n",
        e = q(&escape),
        rw = q(t.rw.path()),
        f = q(&t.secret.path().join("secret.txt")),
        l = q(&t.secret.path().join("link")),
    );
    for policy in ["strict", "devtools"] {
        let out = run(&["--policy", policy, escape.to_str().unwrap()], &config);
        assert!(out.status.success(), "{policy}: {out:?}");
        let got = outcomes(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(got.len(), 3, "{policy}: {out:?}");
        for (name, (result, why)) in &got {
            assert_eq!(result, "blocked", "{policy}: {name}: {why}");
        }
    }
    // The control: the same config under `none`, where nothing roots it.
    let out = run(&["--policy", "none", escape.to_str().unwrap()], &config);
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(got["rw-fd-stat-dotdot"].0, "escaped", "{out:?}");
}

#[test]
fn a_directory_received_from_outside_lends_a_root_sandbox_no_ownership() {
    // Issue 23 §3: a process outside, running as nobody, sends the sandbox an O_PATH host
    // directory over a socket in its writable grant. Landlock refuses opening beneath it,
    // not chmod: a sandbox whose root is the host's root (uid 0 mapped to 0) owns the
    // host's root files there. Started by root without --uid, the sandbox's root stands
    // for nobody on the host (its grants id-mapped back to root): blocked. The control:
    // --uid 0 --gid 0 asks for the host's root ownership, and the attack escapes.
    skip_unless_sandboxable!();
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let t = targets();
    let escape = example("escape");
    // The sender (nobody) must reach the socket: the scratch directories are open to it.
    std::fs::set_permissions(t.rw.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let victim_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(victim_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let victim = victim_dir.path().join("root-only");
    std::fs::write(&victim, "root's\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let socket = t.rw.path().join("recv.sock");
    let attack = |cmd: &mut Command| {
        let mut sender = Command::new(&escape)
            .arg("--send-dir")
            .arg(&socket)
            .arg(victim_dir.path())
            .uid(65534)
            .gid(65534)
            .spawn()
            .unwrap();
        let out = cmd
            .arg(&escape)
            .args(["--json", "--recv-socket"])
            .arg(&socket)
            .args(["--recv-name", "root-only", "received-dir-chmod"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let _ = sender.wait();
        assert!(out.status.success(), "{out:?}");
        outcomes(&String::from_utf8_lossy(&out.stdout))["received-dir-chmod"].clone()
    };
    // The control: root on the host changes its own file's mode.
    let (r, why) = attack(&mut Command::new("env"));
    assert_eq!(r, "escaped", "control: {why}");
    let rw = t.rw.path().to_str().unwrap();
    // The control through caprun: root's ownership asked for, the documented hole.
    let (r, why) = attack(Command::new(caprun()).args([
        "--policy", "devtools", "--uid", "0", "--gid", "0", "--rw", rw, "--",
    ]));
    assert_eq!(r, "escaped", "devtools --uid 0 --gid 0: {why}");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Root without --uid (devtools: the policy that lets the program make and accept
    // connections on a named socket).
    let (r, why) = attack(Command::new(caprun()).args(["--policy", "devtools", "--rw", rw, "--"]));
    assert_eq!(
        (r.as_str(), why.as_str()),
        ("blocked", "EPERM"),
        "devtools as root"
    );
    // The way out caprun(1) names: the sandbox is nobody on the host too.
    let (r, why) = attack(Command::new(caprun()).args([
        "--policy", "devtools", "--uid", "65534", "--gid", "65534", "--rw", rw, "--",
    ]));
    assert_eq!(
        (r.as_str(), why.as_str()),
        ("blocked", "EPERM"),
        "devtools --uid 65534"
    );
    assert_eq!(
        std::fs::metadata(&victim).unwrap().permissions().mode() & 0o7777,
        0o600
    );
}

#[test]
fn a_file_granted_append_only_cannot_be_emptied() {
    // The descriptor of a `mode: append` grant is opened by caprun on the host, before
    // any Landlock domain: it carried the right to truncate, and `ftruncate(fd, 0)`
    // emptied the file under every policy. caprun opens it again through a domain that
    // denies truncation (Landlock ABI 3); below ABI 3 a `required` policy refuses it and
    // `none` runs with a warning (emulated: old-kernel --landlock-abi 2).
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("append.log");
    let config = format!(
        "argv: [--out-fd, !fd stdout, --json, --append-fd, !file {{path: {}, mode: append}}, append-fd-ftruncate]\nerr: !fd stderr\n",
        q(&log)
    );
    let escape = example("escape");
    let attack = |cmd: &mut Command| {
        std::fs::write(&log, "appended\n").unwrap();
        let out = run_cmd(cmd, &config);
        let size = std::fs::metadata(&log).unwrap().len();
        (out, size)
    };
    // The control: the same descriptor mode on the host (`3>>`), where truncation works.
    let (out, size) = attack(Command::new("sh").args([
        "-c",
        "exec \"$0\" --json --append-fd 3 append-fd-ftruncate 3>>\"$1\"",
        escape.to_str().unwrap(),
        log.to_str().unwrap(),
    ]));
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(got["append-fd-ftruncate"].0, "escaped", "control: {out:?}");
    assert_eq!(size, 0, "control");
    for policy in ["strict", "default", "devtools", "unprivileged", "none"] {
        let (out, size) = attack(
            Command::new(caprun())
                .args(["--policy", policy])
                .arg(&escape),
        );
        let got = outcomes(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(
            got["append-fd-ftruncate"],
            ("blocked".to_owned(), "EACCES".to_owned()),
            "{policy}: {out:?}"
        );
        assert_eq!(size, 9, "{policy}: the file kept its content");
    }
    // Landlock ABI 2 cannot deny it: strict (required) refuses before the program runs.
    let at_abi_2 = |policy: &str| {
        let mut cmd = Command::new(example("old-kernel"));
        cmd.args(["--landlock-abi", "2", "--", caprun().to_str().unwrap()])
            .args(["--policy", policy])
            .arg(&escape);
        attack(&mut cmd)
    };
    let (out, size) = at_abi_2("strict");
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("granted append-only") && stderr.contains("ABI 2"),
        "{stderr}"
    );
    assert_eq!(size, 9, "strict at ABI 2");
    // `none` promises nothing: it runs, says so, and the attack escapes.
    let (out, size) = at_abi_2("none");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("granted append-only"),
        "{stderr}"
    );
    let got = outcomes(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        got["append-fd-ftruncate"].0, "escaped",
        "none at ABI 2: {out:?}"
    );
    assert_eq!(size, 0, "none at ABI 2");
}

#[test]
fn uid_and_gid_apply_under_every_policy() {
    // caprun(1) names --uid/--gid as the way for root to give a sandbox another host
    // identity; under the policies without a user namespace (unprivileged, none) they
    // were ignored and the program ran as the host's root.
    skip_unless_sandboxable!();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("SKIPPED: --uid and --gid need caprun started by root");
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        return;
    }
    let ids = |policy: &str, extra: &[&str]| {
        let out = Command::new(caprun())
            .args(["--policy", policy])
            .args(extra)
            .args(["--", "/usr/bin/id"])
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{policy} {extra:?}: {out:?}");
        // `uid=N(name) gid=M(name) ...`: the numbers.
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let number = |key: &str| {
            let rest = &text[text.find(key).unwrap_or_else(|| panic!("{text}")) + key.len()..];
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        };
        format!("{} {}", number("uid="), number("gid="))
    };
    for policy in ["unprivileged", "none", "default", "devtools"] {
        assert_eq!(
            ids(policy, &["--uid", "65534", "--gid", "65533"]),
            "65534 65533",
            "{policy}"
        );
    }
    // The control: without them root stays root (inside its user namespace, or on the
    // host without one).
    for policy in ["unprivileged", "none"] {
        assert_eq!(ids(policy, &[]), "0 0", "{policy}");
    }
}
