//! `--net-allow HOST[:PORT]` end to end: the program keeps its own network namespace and
//! reaches the allowed destinations through caprun's egress proxy, and nothing else.
//!
//! Traffic goes to loopback addresses only: a static-file server this test starts on
//! 127.0.0.2 (the host's loopback, which is not the sandbox's: inside, 127.0.0.1 is the
//! sandbox's own). The refusal of private, link-local and metadata ranges is tested on
//! the decision function with injected resolutions (`egress::allow`'s unit tests), never
//! here, so that a wrong proxy could not send anything off the machine.
//!
//! The tools (curl, git, python3's pip) are part of the test: a missing one fails,
//! naming the package (`.ci/run` installs them).

#[macro_use]
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::*;

/// A static-file server on 127.0.0.2 (a free port) serving `root`: `GET` only, a path
/// ending in `/` serves its `index.html`, one request per connection.
fn serve(root: &Path) -> SocketAddr {
    serve_on("127.0.0.2", root)
}

/// [`serve`] on the loopback address `ip`.
fn serve_on(ip: &str, root: &Path) -> SocketAddr {
    let l = TcpListener::bind((ip, 0)).expect("bind a host loopback address");
    let addr = l.local_addr().unwrap();
    let root = root.to_owned();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(c, &root));
        }
    });
    addr
}

fn answer(mut c: std::net::TcpStream, root: &Path) {
    let _ = c.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match c.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/");
    let mut file = root.join(path.trim_start_matches('/'));
    if path.ends_with('/') {
        file = file.join("index.html");
    }
    let safe = !path.split('/').any(|s| s == "..");
    match std::fs::read(&file) {
        Ok(body) if safe && head.starts_with("GET ") => {
            let _ = c.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    if file.extension().is_some_and(|e| e == "html") {
                        "text/html"
                    } else {
                        "application/octet-stream"
                    },
                    body.len()
                )
                .as_bytes(),
            );
            let _ = c.write_all(&body);
        }
        _ => {
            let _ = c.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    }
}

/// A port on 127.0.0.2 nothing listens on (bound and released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.2:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An allow list naming only a port of 127.0.0.2 that nothing listens on: the control
/// run of a tool test, which must not reach the test's server.
fn allow_elsewhere() -> String {
    format!("127.0.0.2:{}", closed_port())
}

/// Check that `out`, a run whose allow list leaves `addr` out, failed and that caprun
/// named `addr` as refused.
fn assert_refused(out: &Output, addr: SocketAddr) {
    assert!(!out.status.success(), "{}", describe(out));
    assert!(
        stderr(out).contains(&format!(
            "caprun: refused egress to {addr}: not in --net-allow"
        )),
        "{}",
        describe(out)
    );
}

/// caprun's `refused egress …` lines on `out`'s stderr, in order.
fn refusals(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.contains("refused egress"))
        .map(str::to_owned)
        .collect()
}

/// A directory with `index.html` saying `body`, served; the server's address.
fn site(body: &str) -> (tempfile::TempDir, SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), body).unwrap();
    let addr = serve(dir.path());
    (dir, addr)
}

/// curl through the proxy reaches the allowed address and port, by plain HTTP
/// forwarding and by CONNECT (`--proxytunnel`, as TLS goes), and the proxy variables are
/// set in the program's environment. The control: without --net-allow, the same curl
/// reaches nothing (the sandbox's network is its own loopback).
#[test]
fn curl_reaches_the_allowed_destination_through_the_proxy() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_dir, addr) = site("hello through the proxy\n");
    let allow = addr.to_string();
    let url = format!("http://{addr}/");
    let tmp = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--proxytunnel"][..]] {
        let mut args = vec!["--net-allow", &allow, "--", "curl", "-sSf"];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = run_in(tmp.path(), &args);
        assert!(out.status.success(), "{extra:?}: {}", describe(&out));
        assert_eq!(text(&out.stdout), "hello through the proxy\n");
    }
    let out = run_in(tmp.path(), &["--", "curl", "-sSf", &url]);
    assert_eq!(out.status.code(), Some(7), "{}", describe(&out));

    let out = run_in(tmp.path(), &["--net-allow", &allow, "--", "env"]);
    let env = text(&out.stdout);
    for var in [
        "HTTP_PROXY=http://127.0.0.1:3128",
        "HTTPS_PROXY=http://127.0.0.1:3128",
        "ALL_PROXY=http://127.0.0.1:3128",
        "http_proxy=http://127.0.0.1:3128",
        "https_proxy=http://127.0.0.1:3128",
        "all_proxy=http://127.0.0.1:3128",
        "NO_PROXY=localhost,127.0.0.1,::1",
        "no_proxy=localhost,127.0.0.1,::1",
    ] {
        assert!(
            env.lines().any(|l| l == var),
            "{var} missing: {}",
            describe(&out)
        );
    }
    // The program holds no descriptor of the proxy's (or its report channel's): the
    // same as without --net-allow.
    let fds = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["--", "ls", "/proc/self/fd"]);
        let out = run_in(tmp.path(), &args);
        assert!(out.status.success(), "{}", describe(&out));
        text(&out.stdout)
    };
    assert_eq!(fds(&["--net-allow", &allow]), fds(&[]));
    assert_eq!(fds(&[]), "0\n1\n2\n3\n");
    // Without --net-allow nothing changes: no proxy, no variable.
    let out = run_in(tmp.path(), &["--", "env"]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!text(&out.stdout).contains("_PROXY="), "{}", describe(&out));
}

/// Another port of the same address, another loopback address and a name nobody
/// allowed are refused: 403 to the tool, and one line each on caprun's stderr naming
/// the destination and why. The control: the allowed destination in the same run works.
#[test]
fn destinations_not_allowed_are_refused_and_named() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_dir, addr) = site("allowed\n");
    let other = format!("127.0.0.2:{}", closed_port());
    let tmp = tempfile::tempdir().unwrap();
    let script = format!(
        "curl -sSf http://{addr}/; \
         curl -sSf http://{other}/ 2>&1; echo \"port: $?\"; \
         curl -sSf http://127.0.0.3:{port}/ 2>&1; echo \"address: $?\"; \
         curl -sSf -p http://registry.invalid/ 2>&1; echo \"name: $?\"; \
         curl -sSf http://{other}/ >/dev/null 2>&1; echo \"again: $?\"; exit 3",
        port = addr.port()
    );
    let out = run_in(
        tmp.path(),
        &["--net-allow", &addr.to_string(), "--", "sh", "-c", &script],
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("allowed\n"), "{}", describe(&out));
    for what in ["port: 22", "address: 22", "again: 22"] {
        assert!(stdout.contains(what), "{what}: {}", describe(&out));
    }
    // A refused CONNECT: curl says 22 (-f) or 56 (the tunnel failed), by version.
    assert!(
        stdout.contains("name: 22") || stdout.contains("name: 56"),
        "{}",
        describe(&out)
    );
    assert!(stdout.contains("returned error: 403"), "{}", describe(&out));
    let refused = refusals(&out);
    assert_eq!(
        refused,
        [
            format!("caprun: refused egress to {other}: not in --net-allow"),
            format!(
                "caprun: refused egress to 127.0.0.3:{}: not in --net-allow",
                addr.port()
            ),
            "caprun: refused egress to registry.invalid:80: not in --net-allow".to_owned(),
        ],
        "each refused destination once, in the failure summary: {}",
        describe(&out)
    );
    // The command-line form's summary comes only when the program fails; with
    // --explain-denials each refusal is named as it happens, and the program's success
    // changes nothing.
    let quiet_success = run_in(
        tmp.path(),
        &[
            "--net-allow",
            &addr.to_string(),
            "--",
            "sh",
            "-c",
            &format!("curl -sf http://{other}/; true"),
        ],
    );
    assert!(
        quiet_success.status.success(),
        "{}",
        describe(&quiet_success)
    );
    assert!(
        !text(&quiet_success.stderr).contains("refused egress"),
        "{}",
        describe(&quiet_success)
    );
    let explain = run_in(
        tmp.path(),
        &[
            "--explain-denials",
            "--net-allow",
            &addr.to_string(),
            "--",
            "sh",
            "-c",
            &format!("curl -sf http://{other}/; curl -sf http://{other}/; true"),
        ],
    );
    assert!(explain.status.success(), "{}", describe(&explain));
    assert_eq!(
        text(&explain.stderr)
            .matches(&format!(
                "caprun: refused egress to {other}: not in --net-allow\n"
            ))
            .count(),
        1,
        "{}",
        describe(&explain)
    );
}

/// SOCKS5 on the proxy's address (`socks5h://`: the proxy resolves names; `socks5://`
/// with an address): the allowed destination is reached, another port and a name nobody
/// allowed are refused (curl: "connection not allowed by ruleset") and named once each
/// on caprun's stderr, as for CONNECT. The control: the allowed destination in the same
/// run works, by both schemes.
#[test]
fn socks5_reaches_what_is_allowed_and_refusals_are_named() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_dir, addr) = site("allowed\n");
    let other = format!("127.0.0.2:{}", closed_port());
    let tmp = tempfile::tempdir().unwrap();
    let script = format!(
        "curl -sSf -x socks5h://127.0.0.1:3128 http://{addr}/; \
         curl -sSf -x socks5h://127.0.0.1:3128 http://{other}/ 2>&1; echo \"port: $?\"; \
         curl -sSf -x socks5h://127.0.0.1:3128 http://registry.invalid/ 2>&1; echo \"name: $?\"; \
         curl -sSf -x socks5://127.0.0.1:3128 http://{addr}/; exit 3"
    );
    let out = run_in(
        tmp.path(),
        &["--net-allow", &addr.to_string(), "--", "sh", "-c", &script],
    );
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("allowed\n"), "{}", describe(&out));
    assert!(stdout.ends_with("allowed\n"), "{}", describe(&out));
    // curl says 97 (CURLE_PROXY, 7.73 and later) or 7 (older) for a refused SOCKS request.
    for what in ["port", "name"] {
        assert!(
            stdout.contains(&format!("{what}: 97")) || stdout.contains(&format!("{what}: 7\n")),
            "{what}: {}",
            describe(&out)
        );
    }
    let refused = refusals(&out);
    assert_eq!(
        refused,
        [
            format!("caprun: refused egress to {other}: not in --net-allow"),
            "caprun: refused egress to registry.invalid:80: not in --net-allow".to_owned(),
        ],
        "{}",
        describe(&out)
    );
}

/// `--learn` with `--net-allow`: a destination outside the list is let through and
/// recorded, and the learned policy's allow list (the given entries and those used)
/// lets a later run reach it, and still not a third. The control: without learning the
/// same destination is refused.
#[test]
fn learning_records_the_destinations_used() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_a, known) = site("known\n");
    let (_b, new) = site("new\n");
    let (_c, third) = site("third\n");
    let tmp = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(tmp.path()).unwrap();
    let learned = d.join("learned.yaml");
    let fetch = |url: &SocketAddr| format!("curl -sSf http://{url}/");
    let out = run_in(
        &d,
        &[
            "--learn",
            learned.to_str().unwrap(),
            "--net-allow",
            &known.to_string(),
            "--",
            "sh",
            "-c",
            &format!("{} && {}", fetch(&known), fetch(&new)),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "known\nnew\n");
    let policy = std::fs::read_to_string(&learned).unwrap();
    assert!(
        policy.contains(&format!(
            "network:\n  allow:\n    - \"{known}\"\n    - \"{new}\"\n"
        )),
        "{policy}"
    );
    let under = |what: &SocketAddr| {
        run_in(
            &d,
            &[
                "--policy",
                learned.to_str().unwrap(),
                "--",
                "sh",
                "-c",
                &fetch(what),
            ],
        )
    };
    let out = under(&new);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "new\n");
    let out = under(&third);
    assert_eq!(out.status.code(), Some(22), "{}", describe(&out));
    let out = run_in(
        &d,
        &[
            "--net-allow",
            &known.to_string(),
            "--",
            "sh",
            "-c",
            &fetch(&new),
        ],
    );
    assert_eq!(out.status.code(), Some(22), "control: {}", describe(&out));
}

/// A program that ignores the proxy variables reaches nothing: its connection goes to
/// the sandbox's own loopback. The control: the same command with `--net` (the host's
/// network) reaches the server, so the attack could succeed.
#[test]
fn a_program_ignoring_the_proxy_reaches_nothing() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_dir, addr) = site("direct\n");
    let url = format!("http://{addr}/");
    let tmp = tempfile::tempdir().unwrap();
    let direct = ["curl", "-sSf", "--noproxy", "*", url.as_str()];
    let allow = addr.to_string();
    let mut args = vec!["--net-allow", allow.as_str(), "--"];
    args.extend_from_slice(&direct);
    let out = run_in(tmp.path(), &args);
    assert_eq!(out.status.code(), Some(7), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("Failed to connect"),
        "{}",
        describe(&out)
    );
    let mut control = vec!["--net", "--"];
    control.extend_from_slice(&direct);
    let out = run_in(tmp.path(), &control);
    assert!(out.status.success(), "control: {}", describe(&out));
    assert_eq!(text(&out.stdout), "direct\n");
}

/// The option's errors: `--net` with `--net-allow`, the sandbox's own loopback as an
/// entry (with the way out), a malformed entry, a policy with the host's network.
#[test]
fn conflicting_or_unusable_allow_lists_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--net", "--net-allow", "127.0.0.2:80"],
            "cannot be used with",
        ),
        (
            &["--net-allow", "localhost:8080"],
            "the sandbox's own loopback",
        ),
        (&["--net-allow", "127.0.0.1:8080"], "such as 127.0.0.2:PORT"),
        (&["--net-allow", "pypi.org:https"], "is not a port"),
        (
            &["--policy", "none", "--net-allow", "pypi.org"],
            "no network namespace",
        ),
    ];
    for (opts, expected) in cases {
        let mut args = opts.to_vec();
        args.extend(["--", "true"]);
        let out = run_in(tmp.path(), &args);
        assert_eq!(out.status.code(), Some(125), "{opts:?}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(expected),
            "{opts:?}: {}",
            describe(&out)
        );
    }
}

/// `--dry-run` shows the allow list (and the proxy's variables); the policy key
/// `network: {allow: […]}` is parsed, checked and shown by `--show-policy`, and a launch
/// under it uses the proxy.
#[test]
fn the_allow_list_is_shown_and_a_policy_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        tmp.path(),
        &["--dry-run", "--net-allow", "*.example.org", "--", "true"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stdout).contains("#   caprun --policy devtools --net-allow '*.example.org' "),
        "{}",
        describe(&out)
    );
    let probe_out = Command::new(caprun())
        .args([
            "--dry-run",
            "--net-allow",
            "pypi.org",
            probe().to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"!fd stdout\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let report = text(&probe_out.stdout);
    assert!(
        report.contains("net-allow: [\"pypi.org\"]"),
        "{}",
        describe(&probe_out)
    );
    assert!(
        report.contains("HTTPS_PROXY=http://127.0.0.1:3128"),
        "{}",
        describe(&probe_out)
    );

    let policy = tmp.path().join("ci.yaml");
    std::fs::write(
        &policy,
        "extends: devtools\nnetwork: {allow: [\"pypi.org\", \"*.crates.io:443\"]}\n",
    )
    .unwrap();
    let out = run_in(tmp.path(), &["--show-policy", policy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stdout).contains("network: {allow: [pypi.org, \"*.crates.io:443\"]}")
            || text(&out.stdout).contains("network: {allow: [pypi.org, '*.crates.io:443']}"),
        "{}",
        describe(&out)
    );
    let out = run_in(
        tmp.path(),
        &["--policy", policy.to_str().unwrap(), "--net", "--", "true"],
    );
    assert_eq!(out.status.code(), Some(125), "{}", describe(&out));
    assert!(
        text(&out.stderr)
            .contains("network: {allow: […]} lets it reach only the destinations named"),
        "{}",
        describe(&out)
    );
    std::fs::write(
        &policy,
        "extends: devtools\nnetwork: {allow: [localhost]}\n",
    )
    .unwrap();
    let out = run_in(tmp.path(), &["--check-policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(125), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("ci.yaml:2:"),
        "{}",
        describe(&out)
    );
    assert!(
        text(&out.stderr).contains("own loopback"),
        "{}",
        describe(&out)
    );
}

/// The policy key alone turns the proxy on.
#[test]
fn a_policy_allow_list_is_used() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let (_dir, addr) = site("by policy\n");
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("ci.yaml");
    std::fs::write(
        &policy,
        format!("extends: devtools\nnetwork: {{allow: [\"{addr}\"]}}\n"),
    )
    .unwrap();
    let url = format!("http://{addr}/");
    let out = run_in(
        tmp.path(),
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--",
            "curl",
            "-sSf",
            &url,
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "by policy\n");
}

/// The pids of the processes whose command line is `caprun-egress` (the proxy's).
fn proxies() -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, r)| r.starts_with('Z'));
        if cmdline.starts_with(b"caprun-egress") && !zombie {
            out.push(pid);
        }
    }
    out
}

/// The proxy runs while the program runs, outside the sandbox, and is gone (killed with
/// its supervisor) once caprun ends, also when caprun is killed.
#[test]
fn the_proxy_ends_with_the_sandbox() {
    skip_unless_sandboxable!();
    let tmp = tempfile::tempdir().unwrap();
    for kill in [false, true] {
        let before = proxies();
        let mut child = Command::new(caprun())
            .args(["--net-allow", "127.0.0.2:9", "--", "sleep", "3"])
            .current_dir(tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let ours = loop {
            let new: Vec<u32> = proxies()
                .into_iter()
                .filter(|p| !before.contains(p))
                .collect();
            if !new.is_empty() || start.elapsed() > Duration::from_secs(5) {
                break new;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(ours.len(), 1, "one proxy while the program runs: {ours:?}");
        if kill {
            child.kill().unwrap();
        }
        let status = wait_bounded(&mut child, Duration::from_secs(20));
        assert!(
            kill || status.success(),
            "{status}: {}",
            stderr_of(&mut child)
        );
        let start = std::time::Instant::now();
        while proxies().contains(&ours[0]) && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !proxies().contains(&ours[0]),
            "the proxy outlived caprun (kill: {kill})"
        );
    }
}

/// `git clone` over HTTP (the dumb protocol: static files) through the proxy, the
/// tool's own output checked; the same clone from a port not allowed is refused.
#[test]
fn git_clones_over_http_through_the_proxy() {
    skip_unless_sandboxable!();
    usr_bin("git", "git");
    let served = tempfile::tempdir().unwrap();
    let work = served.path().join("work");
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("/usr/bin/git")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
    };
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("README"), "fetched through caprun's proxy\n").unwrap();
    git(&work, &["add", "README"]);
    git(
        &work,
        &[
            "-c",
            "user.name=CI",
            "-c",
            "user.email=ci@example.com",
            "commit",
            "-q",
            "-m",
            "first",
        ],
    );
    git(
        served.path(),
        &["clone", "-q", "--bare", "work", "repo.git"],
    );
    git(&served.path().join("repo.git"), &["update-server-info"]);
    let addr = serve(served.path());
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "--rw", ".", "--net-allow", &addr.to_string(), "--", "sh", "-c",
            &format!("git clone -q http://{addr}/repo.git clone && git -C clone log --format='%an: %s' && cat clone/README"),
        ],
    );
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        text(&out.stdout),
        "CI: first\nfetched through caprun's proxy\n"
    );
    let out = run_in(
        tmp.path(),
        &[
            "--rw",
            ".",
            "--net-allow",
            &allow_elsewhere(),
            "--",
            "git",
            "clone",
            "-q",
            &format!("http://{addr}/repo.git"),
            "refused",
        ],
    );
    assert_refused(&out, addr);
    assert!(text(&out.stderr).contains("403"), "{}", describe(&out));
}

/// `pip download` from a PyPI simple index (static files) through the proxy, with
/// /usr/bin/python3's pip: the wheel arrives; the same from an index not allowed fails
/// with the refusal named.
#[test]
fn pip_downloads_from_an_allowed_index() {
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    let pip = Command::new("/usr/bin/python3")
        .args(["-m", "pip", "--version"])
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip is not installed: install python3-pip (.ci/run does)"
    );
    let served = tempfile::tempdir().unwrap();
    let wheel = "caprun_egress_demo-0.1-py3-none-any.whl";
    let build = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(format!(
            "import zipfile\n\
             z = zipfile.ZipFile('{wheel}', 'w')\n\
             z.writestr('caprun_egress_demo/__init__.py', 'x = 1\\n')\n\
             d = 'caprun_egress_demo-0.1.dist-info/'\n\
             z.writestr(d + 'METADATA', 'Metadata-Version: 2.1\\nName: caprun-egress-demo\\nVersion: 0.1\\n')\n\
             z.writestr(d + 'WHEEL', 'Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n\
             z.writestr(d + 'RECORD', '')\n\
             z.close()\n"
        ))
        .current_dir(served.path())
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", describe(&build));
    let index = served.path().join("simple/caprun-egress-demo");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join("index.html"),
        format!("<html><body><a href=\"../../{wheel}\">{wheel}</a></body></html>\n"),
    )
    .unwrap();
    let addr = serve(served.path());
    let tmp = tempfile::tempdir().unwrap();
    let download = |allow: &str| {
        run_in(
            tmp.path(),
            &[
                "--rw",
                ".",
                "--env",
                "HOME=/tmp",
                "--net-allow",
                allow,
                "--",
                "/usr/bin/python3",
                "-m",
                "pip",
                "download",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--no-deps",
                "-d",
                "out",
                "--index-url",
                &format!("http://{addr}/simple/"),
                "caprun-egress-demo",
            ],
        )
    };
    let out = download(&addr.to_string());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(text(&out.stdout).contains("Saved "), "{}", describe(&out));
    assert!(
        tmp.path().join("out").join(wheel).exists(),
        "{}",
        describe(&out)
    );
    assert_refused(&download(&allow_elsewhere()), addr);
}

/// HTTPS through `CONNECT`: curl verifies a TLS server on 127.0.0.2 with a test CA (a
/// self-signed certificate for that address) through the proxy, end to end encrypted;
/// the proxy sees only the tunnel. The control: the same request without the CA fails
/// verification, so the certificate check was real.
#[test]
fn https_goes_through_connect_with_a_test_ca() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    usr_bin("openssl", "openssl");
    usr_bin("python3", "python3");
    let dir = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(dir.path()).unwrap();
    let out = Command::new("/usr/bin/openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=caprun egress test",
            "-addext",
            "subjectAltName=IP:127.0.0.2",
        ])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let mut server = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(
            "import socket, ssl, sys\n\
             ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
             ctx.load_cert_chain('cert.pem', 'key.pem')\n\
             s = socket.socket(); s.bind(('127.0.0.2', 0)); s.listen(8)\n\
             print(s.getsockname()[1], flush=True)\n\
             while True:\n\
             \x20   c, _ = s.accept()\n\
             \x20   try:\n\
             \x20       t = ctx.wrap_socket(c, server_side=True)\n\
             \x20       data = b''\n\
             \x20       while b'\\r\\n\\r\\n' not in data:\n\
             \x20           chunk = t.recv(4096)\n\
             \x20           if not chunk: break\n\
             \x20           data += chunk\n\
             \x20       body = b'hello over TLS\\n'\n\
             \x20       t.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n' % len(body) + body)\n\
             \x20       t.close()\n\
             \x20   except Exception as e:\n\
             \x20       print(e, file=sys.stderr)\n",
        )
        .current_dir(&d)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(server.stdout.as_mut().unwrap());
        lines.read_line(&mut port).unwrap();
    }
    let port = port.trim().to_owned();
    assert!(
        port.parse::<u16>().is_ok(),
        "the TLS server did not start: {port:?}"
    );
    let url = format!("https://127.0.0.2:{port}/");
    let cert = d.join("cert.pem");
    let allow = format!("127.0.0.2:{port}");
    let tmp = tempfile::tempdir().unwrap();
    let run = |ca: bool| {
        let mut args = vec![
            "--ro",
            cert.to_str().unwrap(),
            "--net-allow",
            &allow,
            "--",
            "curl",
            "-sSf",
        ];
        if ca {
            args.extend(["--cacert", cert.to_str().unwrap()]);
        }
        args.push(&url);
        run_in(tmp.path(), &args)
    };
    let out = run(true);
    let control = run(false);
    let _ = server.kill();
    let _ = server.wait();
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(text(&out.stdout), "hello over TLS\n");
    assert_eq!(
        control.status.code(),
        Some(60),
        "certificate check: {}",
        describe(&control)
    );
}

/// `cargo fetch` from a sparse registry (static files: `config.json`, the index entry and
/// the `.crate`) on 127.0.0.2 through the proxy: the crate is downloaded and unpacked in
/// CARGO_HOME; the same fetch with the registry's port not allowed fails, the refusal
/// named.
#[test]
fn cargo_fetches_from_a_sparse_registry() {
    skip_unless_sandboxable!();
    let home = rustup_home();
    let served = tempfile::tempdir().unwrap();
    let s = std::fs::canonicalize(served.path()).unwrap();
    let addr = serve(&s);
    // The crate, packed as cargo packs one.
    let src = s.join("src/egressdemo-0.1.0");
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::write(
        src.join("Cargo.toml"),
        "[package]\nname = \"egressdemo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        src.join("src/lib.rs"),
        "pub const FETCHED: &str = \"through the proxy\";\n",
    )
    .unwrap();
    let dl = s.join("api/v1/crates/egressdemo/0.1.0");
    std::fs::create_dir_all(&dl).unwrap();
    let tar = Command::new("tar")
        .args([
            "czf",
            dl.join("download").to_str().unwrap(),
            "-C",
            s.join("src").to_str().unwrap(),
            "egressdemo-0.1.0",
        ])
        .output()
        .unwrap();
    assert!(tar.status.success(), "{}", describe(&tar));
    let sum = Command::new("sha256sum")
        .arg(dl.join("download"))
        .output()
        .unwrap();
    let cksum = text(&sum.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    std::fs::create_dir_all(s.join("index/eg/re")).unwrap();
    std::fs::write(
        s.join("index/config.json"),
        format!("{{\"dl\": \"http://{addr}/api/v1/crates\"}}\n"),
    )
    .unwrap();
    std::fs::write(
        s.join("index/eg/re/egressdemo"),
        format!("{{\"name\":\"egressdemo\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"{cksum}\",\"features\":{{}},\"yanked\":false}}\n"),
    )
    .unwrap();
    // The project, with its own CARGO_HOME.
    let tmp = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(tmp.path()).unwrap();
    std::fs::create_dir_all(d.join("app/src")).unwrap();
    std::fs::create_dir_all(d.join("app/.cargo")).unwrap();
    std::fs::write(
        d.join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\negressdemo = { version = \"0.1\", registry = \"local\" }\n",
    )
    .unwrap();
    std::fs::write(d.join("app/src/lib.rs"), "").unwrap();
    std::fs::write(
        d.join("app/.cargo/config.toml"),
        format!("[registries.local]\nindex = \"sparse+http://{addr}/index/\"\n"),
    )
    .unwrap();
    let app = d.join("app");
    let cargo_home = d.join("cargo-home");
    let fetch = |allow: &str| {
        let path = format!("PATH={}", cargo_path(&home));
        let ch = format!("CARGO_HOME={}", cargo_home.display());
        let dot_cargo = home.join(".cargo");
        let rustup = home.join(".rustup");
        Command::new(caprun())
            .args([
                "--rw",
                d.to_str().unwrap(),
                "--ro",
                dot_cargo.to_str().unwrap(),
                "--ro",
                rustup.to_str().unwrap(),
                "--env",
                &path,
                "--env",
                "HOME",
                "--env",
                &ch,
                "--net-allow",
                allow,
                "--",
                "cargo",
                "fetch",
            ])
            .current_dir(&app)
            .env("HOME", &home)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert_refused(&fetch(&allow_elsewhere()), addr);
    let out = fetch(&addr.to_string());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("Downloaded egressdemo v0.1.0"),
        "{}",
        describe(&out)
    );
    let unpacked = std::fs::read_dir(cargo_home.join("registry/src"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("egressdemo-0.1.0/src/lib.rs"))
        .find(|p| p.exists())
        .expect("the crate unpacked in CARGO_HOME");
    assert!(std::fs::read_to_string(unpacked)
        .unwrap()
        .contains("through the proxy"));
}

/// `npm install --registry` from a registry of static files on 127.0.0.2 (the packument
/// and the tarball) through the proxy: the package lands in node_modules; with the
/// registry's port not allowed, npm fails and the refusal is named.
#[test]
fn npm_installs_from_an_allowed_registry() {
    skip_unless_sandboxable!();
    usr_bin("node", "nodejs");
    usr_bin("npm", "npm");
    let served = tempfile::tempdir().unwrap();
    let s = std::fs::canonicalize(served.path()).unwrap();
    let addr = serve(&s);
    let pkg = s.join("src/package");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        "{\"name\": \"egressdemo\", \"version\": \"0.1.0\", \"main\": \"index.js\"}\n",
    )
    .unwrap();
    std::fs::write(
        pkg.join("index.js"),
        "module.exports = 'through the proxy';\n",
    )
    .unwrap();
    std::fs::create_dir_all(s.join("tarballs")).unwrap();
    let tgz = s.join("tarballs/egressdemo-0.1.0.tgz");
    let tar = Command::new("tar")
        .args([
            "czf",
            tgz.to_str().unwrap(),
            "-C",
            s.join("src").to_str().unwrap(),
            "package",
        ])
        .output()
        .unwrap();
    assert!(tar.status.success(), "{}", describe(&tar));
    let hash = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], 'rb').read()).digest()).decode())",
            tgz.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(hash.status.success(), "{}", describe(&hash));
    let integrity = format!("sha512-{}", text(&hash.stdout).trim());
    std::fs::write(
        s.join("egressdemo"),
        format!(
            "{{\"name\": \"egressdemo\", \"dist-tags\": {{\"latest\": \"0.1.0\"}}, \"versions\": {{\"0.1.0\": {{\"name\": \"egressdemo\", \"version\": \"0.1.0\", \"dist\": {{\"tarball\": \"http://{addr}/tarballs/egressdemo-0.1.0.tgz\", \"integrity\": \"{integrity}\"}}}}}}}}\n"
        ),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = std::fs::canonicalize(tmp.path()).unwrap();
    std::fs::write(
        d.join("package.json"),
        "{\"name\": \"app\", \"version\": \"1.0.0\"}\n",
    )
    .unwrap();
    let install = |allow: &str| {
        let home = format!("HOME={}", d.display());
        run_in(
            &d,
            &[
                "--rw",
                ".",
                "--env",
                &home,
                "--env",
                "PATH=/usr/bin:/bin",
                "--net-allow",
                allow,
                "--",
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--no-update-notifier",
                "--cache",
                d.join("npm-cache").to_str().unwrap(),
                "--registry",
                &format!("http://{addr}/"),
                "egressdemo",
            ],
        )
    };
    assert_refused(&install(&allow_elsewhere()), addr);
    let out = install(&addr.to_string());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        text(&out.stdout).contains("added 1 package"),
        "{}",
        describe(&out)
    );
    let got = std::fs::read_to_string(d.join("node_modules/egressdemo/index.js")).unwrap();
    assert!(got.contains("through the proxy"), "{got}");
}

/// The proxy is no bridge to the host's own loopback: a program that asks it explicitly
/// for a service on the host's 127.0.0.1 (or `localhost`) is refused, whatever else is
/// allowed. The control: the service answers on the host.
#[test]
fn the_host_s_loopback_is_not_reachable_through_the_proxy() {
    skip_unless_sandboxable!();
    usr_bin("curl", "curl");
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("index.html"), "secret\n").unwrap();
    let host_service = serve_on("127.0.0.1", secret.path());
    let control = exchange(
        std::net::TcpStream::connect(host_service).unwrap(),
        "GET / HTTP/1.0\r\n\r\n",
    );
    assert!(control.ends_with("secret\n"), "control: {control}");
    let (_dir, addr) = site("allowed\n");
    let tmp = tempfile::tempdir().unwrap();
    let port = host_service.port();
    let script = format!(
        "for u in http://127.0.0.1:{port}/ http://localhost:{port}/ http://[::ffff:127.0.0.1]:{port}/; do \
           curl -sf --noproxy '' -x http://127.0.0.1:3128 \"$u\"; echo \"plain: $?\"; \
           curl -sf --noproxy '' -p -x http://127.0.0.1:3128 \"$u\"; echo \"connect: $?\"; \
         done"
    );
    let out = run_in(
        tmp.path(),
        &[
            "--explain-denials",
            "--net-allow",
            &addr.to_string(),
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("secret"), "{}", describe(&out));
    assert_eq!(stdout.matches("plain: 22").count(), 3, "{}", describe(&out));
    assert_eq!(
        stdout.matches("connect: 22").count() + stdout.matches("connect: 56").count(),
        3,
        "{}",
        describe(&out)
    );
    assert!(
        text(&out.stderr).contains(&format!(
            "caprun: refused egress to 127.0.0.1:{port}: not in --net-allow"
        )),
        "{}",
        describe(&out)
    );
}
