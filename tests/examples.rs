//! The bundled examples, run through caprun under the sandbox policies they are
//! written for: `hello` under `default` and `strict`, `server` under `default` with its
//! own config (examples/server/server.yaml, moved to a free port and a temporary log).

mod common;

use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;

fn hello_output(policy: &str, config: &str) -> String {
    let hello = example("hello");
    let out = run(&["--policy", policy, hello.to_str().unwrap(), config], "");
    assert!(
        out.status.success(),
        "hello under {policy}: {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hello_prints_its_greeting_under_default_and_strict() {
    skip_unless_sandboxable!();
    let config = repo("examples/hello/hello.yaml");
    for policy in ["default", "strict"] {
        assert_eq!(
            hello_output(policy, config.to_str().unwrap()),
            "Hello, world!\n",
            "{policy}"
        );
        // The words come from the config (here on stdin), not from the program.
        let hello = example("hello");
        let out = run(
            &["--policy", policy, hello.to_str().unwrap()],
            "greeting: Hi\nname: sandbox\nout: !fd stdout\n",
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "Hi, sandbox!\n");
        assert!(out.status.success());
    }
}

#[test]
fn hello_without_an_output_descriptor_prints_nothing() {
    skip_unless_sandboxable!();
    // The same program without `out`: no descriptor, so no output and a failure status.
    let hello = example("hello");
    let out = run(
        &["--policy", "default", hello.to_str().unwrap()],
        "greeting: Hello\nname: world\n",
    );
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    assert_eq!(out.status.code(), Some(1));
}

/// The server example under `default` with the config file `config`.
fn start_server(config: &Path) -> std::process::Child {
    let server = example("server");
    spawn(Command::new(caprun()).args([
        "--policy",
        "default",
        server.to_str().unwrap(),
        config.to_str().unwrap(),
    ]))
}

/// examples/server/server.yaml with its address and log path replaced, and `extra`
/// appended.
fn server_config(address: &str, log: &Path, extra: &str) -> String {
    let text = std::fs::read_to_string(repo("examples/server/server.yaml")).unwrap();
    assert!(text.contains("\"127.0.0.1:8080\"") && text.contains("/tmp/caprun-server.log"));
    let text = text
        .replace("\"127.0.0.1:8080\"", &format!("{address:?}"))
        .replace("/tmp/caprun-server.log", log.to_str().unwrap());
    format!("{text}{extra}\n")
}

#[test]
fn server_answers_on_its_socket_and_appends_to_its_log() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    // An existing log is appended to, not replaced.
    std::fs::write(&log, "earlier line\n").unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let config = dir.path().join("server.yaml");
    std::fs::write(&config, server_config(&address, &log, "max_requests: 2")).unwrap();
    let mut child = start_server(&config);

    let stream = connect_retrying(&mut child, || TcpStream::connect(&address));
    let answer = exchange(stream, "GET /first HTTP/1.0\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");
    assert!(
        answer.ends_with("\r\n\r\nhello from the sandbox\n"),
        "{answer:?}"
    );
    assert!(answer.contains("\r\nContent-Length: 23\r\n"), "{answer:?}");

    let answer = exchange(
        TcpStream::connect(&address).unwrap(),
        "GET /second HTTP/1.1\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");

    // max_requests: 2 — the server exits by itself, successfully.
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}: {}", stderr_of(&mut child));
    assert!(
        TcpStream::connect(&address).is_err(),
        "nothing listens any more"
    );

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "earlier line");
    for (line, path) in lines[1..]
        .iter()
        .zip(["/first HTTP/1.0", "/second HTTP/1.1"])
    {
        let fields: Vec<&str> = line.splitn(3, ' ').collect();
        assert!(fields[0].parse::<u64>().is_ok(), "time in {line}");
        assert!(fields[1].starts_with("127.0.0.1:"), "peer in {line}");
        assert!(
            fields[2].starts_with(&format!("\"GET {path}\" 200 ")),
            "{line}"
        );
    }
}

#[test]
fn server_on_a_unix_socket_rejects_a_bad_request() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let sock = dir.path().join("http.sock");
    let config = dir.path().join("server.yaml");
    let extra = "max_requests: 1\ngreeting: never sent";
    let text = server_config(sock.to_str().unwrap(), &log, "");
    // Replace the greeting rather than adding a duplicate key.
    let text = text.replace("greeting: hello from the sandbox\n", "") + extra + "\n";
    std::fs::write(&config, text).unwrap();
    let mut child = start_server(&config);
    let stream = connect_retrying(&mut child, || UnixStream::connect(&sock));
    let answer = exchange(stream, "hello?\r\n\r\n");
    assert!(
        answer.starts_with("HTTP/1.0 400 Bad Request\r\n"),
        "{answer:?}"
    );
    assert!(!answer.contains("never sent"), "{answer:?}");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}: {}", stderr_of(&mut child));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(text.contains(" unix \"hello?\" 400 "), "{text:?}");
}

/// The `ExecStart=` command of a shipped unit, with the paths the Debian package
/// installs mapped to this build: caprun, the server example and `config`. systemd runs
/// a system unit as root; run by another user, the test leaves out `--uid`/`--gid`
/// (which only root may give), and says so.
fn exec_start(unit: &str, config: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(repo(&format!("examples/systemd/{unit}"))).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap_or_else(|| panic!("{unit} has no ExecStart="));
    let mut argv: Vec<String> = line
        .split_whitespace()
        .map(|w| match w {
            "/usr/bin/caprun" => caprun().display().to_string(),
            "/usr/lib/caprun/examples/server" => example("server").display().to_string(),
            w if w.starts_with("/usr/share/doc/caprun/examples/") => config.display().to_string(),
            w => w.to_owned(),
        })
        .collect();
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("NOTE: not root: {unit}'s command runs without --uid/--gid");
        while let Some(i) = argv.iter().position(|w| w == "--uid" || w == "--gid") {
            argv.drain(i..i + 2);
        }
    }
    argv
}

#[test]
fn the_service_unit_s_command_serves() {
    // examples/systemd/caprun-server.service as systemd would run it (no systemd is
    // needed for the command itself): the same caprun command line, the shipped config.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let address = format!("127.0.0.1:{}", free_port());
    let config = dir.path().join("server.yaml");
    std::fs::write(&config, server_config(&address, &log, "max_requests: 1")).unwrap();
    let argv = exec_start("caprun-server.service", &config);
    assert_eq!(argv[0], caprun().display().to_string(), "{argv:?}");
    let mut child = spawn(Command::new(&argv[0]).args(&argv[1..]));
    let stream = connect_retrying(&mut child, || TcpStream::connect(&address));
    let answer = exchange(stream, "GET / HTTP/1.0\r\n\r\n");
    assert!(answer.ends_with("hello from the sandbox\n"), "{answer:?}");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}: {}", stderr_of(&mut child));
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
}
