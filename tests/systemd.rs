//! systemd socket activation: `!fd {listen: NAME}` takes the descriptor systemd passed
//! under NAME (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`).
//!
//! The tests with `systemd-socket-activate` (package `systemd`) skip visibly when it is
//! not installed, and fail instead when `CI` is set. The others set the variables
//! themselves and always run.

mod common;

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// `systemd-socket-activate` from `PATH`, if installed.
fn socket_activate() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("systemd-socket-activate"))
        .find(|p| p.is_file())
}

/// The path of `systemd-socket-activate`, or skip the calling test visibly; on CI (`CI`
/// set) its absence is a failure, never a skip.
macro_rules! require_socket_activate {
    () => {
        match socket_activate() {
            Some(path) => path,
            None => {
                let why = "systemd-socket-activate is not in PATH (install the systemd package)";
                if std::env::var_os("CI").is_some() {
                    panic!("the CI machine must have it: {why}");
                }
                eprintln!("SKIPPED: {why}");
                return;
            }
        }
    };
}

/// examples/systemd/server-activated.yaml with its log in `dir` and `extra` appended.
fn activated_config(dir: &std::path::Path, extra: &str) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(repo("examples/systemd/server-activated.yaml")).unwrap();
    assert!(text.contains("listen: !fd {listen: http}"), "{text}");
    let log = dir.join("server.log");
    let text = text.replace("/tmp/caprun-server.log", log.to_str().unwrap());
    let config = dir.join("server-activated.yaml");
    std::fs::write(&config, format!("{text}{extra}\n")).unwrap();
    (config, log)
}

/// `systemd-socket-activate` (at `activate`) listening on `address` as `http`, starting
/// the server example under caprun `default` with the config file `config`.
fn activated_server(activate: &Path, address: &str, config: &Path) -> std::process::Child {
    let server = example("server");
    spawn(
        Command::new(activate)
            .args(["-l", address, "--fdname=http"])
            .arg(caprun())
            .args(["--policy", "default"])
            .arg(&server)
            .arg(config),
    )
}

#[test]
fn socket_activated_server_answers_and_exits_after_max_requests() {
    let activate = require_socket_activate!();
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let (config, log) = activated_config(dir.path(), "max_requests: 2");
    let address = format!("127.0.0.1:{}", free_port());
    let mut child = activated_server(&activate, &address, &config);
    // systemd-socket-activate listens, and execs caprun on the first connection.
    let stream = connect_retrying(&mut child, || TcpStream::connect(&address));
    let answer = exchange(stream, "GET /one HTTP/1.0\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");
    assert!(
        answer.ends_with("\r\n\r\nhello from a socket-activated sandbox\n"),
        "{answer:?}"
    );
    let answer = exchange(
        TcpStream::connect(&address).unwrap(),
        "GET /two HTTP/1.0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}: {}", stderr_of(&mut child));
    let text = std::fs::read_to_string(&log).unwrap();
    let requests: Vec<&str> = text
        .lines()
        .map(|l| l.split('"').nth(1).unwrap_or(l))
        .collect();
    assert_eq!(
        requests,
        ["GET /one HTTP/1.0", "GET /two HTTP/1.0"],
        "{text}"
    );
}

#[test]
fn a_name_systemd_did_not_pass_fails_at_the_tag() {
    let activate = require_socket_activate!();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("web.yaml");
    std::fs::write(
        &config,
        "greeting: hi\nlisten: !fd {listen: web}\nlog: !fd stderr\n",
    )
    .unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let mut child = activated_server(&activate, &address, &config);
    drop(connect_retrying(&mut child, || {
        TcpStream::connect(&address)
    }));
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(125), "{stderr}");
    let want = format!(
        "caprun: {}:2:9: !fd {{listen: web}}: no descriptor named \"web\" was passed (passed: \"http\" at 3)\n  2 | listen: !fd {{listen: web}}\n    |         ^\n",
        config.display()
    );
    assert!(stderr.ends_with(&want), "{stderr}");
}

#[test]
fn only_the_named_socket_is_passed_and_listen_variables_are_cleared() {
    let activate = require_socket_activate!();
    let http = format!("127.0.0.1:{}", free_port());
    let admin = format!("127.0.0.1:{}", free_port());
    let probe = probe();
    let mut cmd = Command::new(activate);
    cmd.args(["-l", &http, "-l", &admin, "--fdname=http:admin"])
        .arg(caprun())
        .args(["--policy", "none"])
        .arg(&probe);
    let config = "report: !fd stdout\nsock: !fd {listen: admin}\nagain: !fd {listen: admin}\n";
    let out = std::thread::scope(|s| {
        let runner = s.spawn(|| run_cmd(&mut cmd, config));
        // Trigger the exec with a connection on the other socket.
        let start = std::time::Instant::now();
        while TcpStream::connect(&http).is_err() {
            assert!(start.elapsed() < Duration::from_secs(5), "no listener");
            std::thread::sleep(Duration::from_millis(20));
        }
        runner.join().unwrap()
    });
    let r = report_of(&out);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2], "{r}");
    let sock = fd_entry(&r, 1);
    assert_eq!(sock["type"], "sock", "{sock}");
    assert_eq!(sock["local"], admin.as_str(), "{sock}");
    assert_eq!(r["env"], serde_json::json!(["ARGDATA_FD=2"]));
}

/// Run `caprun --policy none probe` with a listening socket at descriptor 3 and the
/// LISTEN_* variables set by a shell that then execs caprun (so `$$` is caprun's pid),
/// `pid` being `$$` or another number.
fn run_with_passed_socket(pid: &str, config: &str) -> (std::process::Output, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let fd = listener.as_raw_fd();
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(format!(
            "LISTEN_PID={pid} LISTEN_FDS=1 LISTEN_FDNAMES=http exec \"$0\" --policy none \"$1\""
        ))
        .arg(caprun())
        .arg(probe());
    // SAFETY: the hook runs in the forked child before exec and only makes raw,
    // async-signal-safe calls on integers.
    unsafe {
        cmd.pre_exec(move || {
            if fd == 3 {
                // dup2(3, 3) would leave close-on-exec set.
                if libc::fcntl(3, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    (run_cmd(&mut cmd, config), address)
}

#[test]
fn listen_fds_for_caprun_are_taken() {
    let (out, address) =
        run_with_passed_socket("$$", "report: !fd stdout\ns: !fd {listen: http}\n");
    let r = report_of(&out);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2], "{r}");
    assert_eq!(fd_entry(&r, 1)["local"], address.as_str(), "{r}");
    assert_eq!(r["env"], serde_json::json!(["ARGDATA_FD=2"]));
}

#[test]
fn listen_pid_of_another_process_is_rejected() {
    let (out, _) = run_with_passed_socket("1", "report: !fd stdout\ns: !fd {listen: http}\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.starts_with(
            "caprun: <stdin>:2:4: !fd {listen: http}: LISTEN_PID is 1, not caprun's pid "
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            ": the descriptors were passed to another process\n  2 | s: !fd {listen: http}\n    |    ^\n"
        ),
        "{stderr}"
    );
}

#[test]
fn listen_without_socket_activation_is_an_error() {
    let out = run_cmd(
        Command::new(caprun())
            .args(["--policy", "none"])
            .arg(probe())
            .env_remove("LISTEN_PID")
            .env_remove("LISTEN_FDS")
            .env_remove("LISTEN_FDNAMES"),
        "report: !fd stdout\ns: !fd {listen: http}\n",
    );
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "caprun: <stdin>:2:4: !fd {listen: http}: no descriptors were passed (LISTEN_PID is not set; start caprun by systemd socket activation)\n  2 | s: !fd {listen: http}\n    |    ^\n"
    );
}

/// Where the Debian package installs each of its assets (`[package.metadata.deb]` in
/// Cargo.toml), a glob's files expanded: installed path → the file of the tree (or of
/// the target dir, `target/release/…`) it comes from.
fn package_assets() -> std::collections::BTreeMap<String, String> {
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    let mut installed = std::collections::BTreeMap::new();
    for line in manifest.lines().map(str::trim) {
        let Some(inner) = line
            .strip_prefix("[\"")
            .and_then(|l| l.strip_suffix("\"],"))
        else {
            continue;
        };
        let parts: Vec<&str> = inner.split("\", \"").collect();
        let [source, dest, _mode] = parts[..] else {
            continue;
        };
        let sources: Vec<String> = match source.strip_suffix("/*") {
            Some(dir) => std::fs::read_dir(repo(dir))
                .unwrap()
                .map(|e| format!("{dir}/{}", e.unwrap().file_name().to_str().unwrap()))
                .collect(),
            None => vec![source.to_owned()],
        };
        for source in sources {
            let name = source.rsplit('/').next().unwrap();
            let to = match dest.strip_suffix('/') {
                Some(dir) => format!("/{dir}/{name}"),
                None => format!("/{dest}"),
            };
            installed.insert(to, source);
        }
    }
    installed
}

/// The example units of examples/systemd: (file name, text).
fn example_units() -> Vec<(String, String)> {
    let mut units: Vec<(String, String)> = std::fs::read_dir(repo("examples/systemd"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "service" || e == "socket")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    units.sort();
    assert!(!units.is_empty());
    units
}

#[test]
fn the_example_units_name_only_installed_files_and_follow_caprun_1() {
    // Issue 27 §4: the units the package ships named /usr/local paths and a server it
    // did not install; ran the server as root inside its user namespace; and let
    // systemd's default KillMode= send SIGTERM past caprun's supervisor.
    let assets = package_assets();
    assert!(assets.contains_key("/usr/bin/caprun"), "{assets:?}");
    for (name, text) in example_units() {
        assert!(
            assets.contains_key(&format!("/usr/share/doc/caprun/examples/systemd/{name}")),
            "{name} is not shipped"
        );
        for exec in text.lines().filter_map(|l| l.strip_prefix("ExecStart=")) {
            let words: Vec<&str> = exec.split_whitespace().collect();
            assert_eq!(words[0], "/usr/bin/caprun", "{name}");
            for path in words.iter().filter(|w| w.starts_with('/')) {
                assert!(
                    assets.contains_key(*path),
                    "{name}: {path} is not installed by the package"
                );
            }
            let uid = words.iter().position(|w| *w == "--uid");
            let gid = words.iter().position(|w| *w == "--gid");
            assert!(
                uid.zip(gid)
                    .is_some_and(|(u, g)| words[u + 1] != "0" && words[g + 1] != "0"),
                "{name}: the server runs as root in its user namespace: {exec}"
            );
            assert!(
                text.contains("\nKillMode=mixed\n"),
                "{name}: no KillMode=mixed"
            );
        }
    }
}

#[test]
fn the_example_units_pass_systemd_analyze_verify() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        if std::env::var_os("CI").is_some() {
            panic!("systemd-analyze is missing on CI (package systemd)");
        }
        eprintln!("SKIPPED: systemd-analyze is not installed (package systemd)");
        return;
    };
    // The installed programs are this build's (verify checks that ExecStart= names an
    // executable); the units are otherwise as shipped.
    let dir = tempfile::tempdir().unwrap();
    let caprun = caprun();
    let server = example("server");
    let install = |text: &str| {
        text.replace("/usr/bin/caprun", caprun.to_str().unwrap())
            .replace("/usr/lib/caprun/examples/server", server.to_str().unwrap())
    };
    let verify = |units: &[(String, String)]| {
        let mut paths = Vec::new();
        for (name, text) in units {
            let path = dir.path().join(name);
            std::fs::write(&path, install(text)).unwrap();
            paths.push(path);
        }
        Command::new(analyze)
            .arg("verify")
            .args(&paths)
            .output()
            .unwrap()
    };
    let units = example_units();
    let out = verify(&units);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Control: a misspelt directive is reported (a warning, on stderr).
    let broken: Vec<(String, String)> = units
        .iter()
        .map(|(n, t)| (n.clone(), t.replace("KillMode=mixed", "KilMode=mixed")))
        .collect();
    let out = verify(&broken);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Unknown key 'KilMode'"),
        "{out:?}"
    );
}
