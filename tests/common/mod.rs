//! Helpers shared by the integration tests: locate the binaries, run caprun, read the
//! probe's report.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The caprun binary under test.
pub fn caprun() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_caprun"))
}

/// An example program of the workspace (built by `cargo test` beside caprun).
pub fn example(name: &str) -> PathBuf {
    let p = caprun().parent().unwrap().join("examples").join(name);
    assert!(
        p.exists(),
        "{} is not built: run `cargo test --workspace` (it builds the examples) or `cargo build --examples` first",
        p.display()
    );
    p
}

/// The probe.
pub fn probe() -> PathBuf {
    example("probe")
}

/// Copies of `binaries` in a fresh directory that every user can reach, for runs as
/// another user (`setpriv --reuid 65534`): the originals under `target/` may sit in a
/// clone that only its owner can traverse (`/root/caprun`, a `mktemp -d` directory).
/// The directory is made under the first of `$TMPDIR`, /tmp and /dev/shm whose every
/// ancestor lets others through; it goes away with the returned guard.
pub fn reachable_copies(binaries: &[&Path]) -> (tempfile::TempDir, Vec<PathBuf>) {
    use std::os::unix::fs::PermissionsExt;
    let traversable = |dir: &Path| {
        dir.ancestors().all(|d| {
            std::fs::metadata(d).is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o001 != 0)
        })
    };
    let base = [std::env::temp_dir(), "/tmp".into(), "/dev/shm".into()]
        .into_iter()
        .find(|d| traversable(d))
        .expect("no temporary directory that other users can traverse");
    let dir = tempfile::Builder::new()
        .prefix("caprun-copies.")
        .tempdir_in(base)
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let copies = binaries
        .iter()
        .map(|b| {
            let copy = dir.path().join(b.file_name().unwrap());
            std::fs::copy(b, &copy).unwrap();
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
            copy
        })
        .collect();
    (dir, copies)
}

/// Run caprun with `args`, feeding `stdin` on its standard input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    run_cmd(Command::new(caprun()).args(args), stdin)
}

/// Run a prepared command with piped stdio, feeding `stdin`.
pub fn run_cmd(cmd: &mut Command, stdin: &str) -> Output {
    start_cmd(cmd, stdin).wait_with_output().unwrap()
}

/// Start caprun with `args` and piped stdio, `stdin` written and closed; the caller
/// talks to the running child.
pub fn start(args: &[&str], stdin: &str) -> std::process::Child {
    start_cmd(Command::new(caprun()).args(args), stdin)
}

/// [`start`] for a prepared command.
pub fn start_cmd(cmd: &mut Command, stdin: &str) -> std::process::Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn caprun");
    let mut input = child.stdin.take().unwrap();
    // The program may never read its stdin: ignore a broken pipe.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child
}

/// Run the probe through caprun with `config` on stdin; return the parsed report
/// (written by the probe to its descriptor 0 or `report`, which must be stdout).
pub fn probe_report(extra_args: &[&str], config: &str) -> serde_json::Value {
    let probe = probe();
    let mut args: Vec<&str> = extra_args.to_vec();
    args.push(probe.to_str().unwrap());
    let out = run(&args, config);
    report_of(&out)
}

/// Parse the probe's JSON report from a finished run's stdout.
pub fn report_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad report ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The descriptor numbers in a report.
pub fn fd_numbers(report: &serde_json::Value) -> Vec<i64> {
    report["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fd"].as_i64().unwrap())
        .collect()
}

/// The report entry for descriptor `fd`.
pub fn fd_entry(report: &serde_json::Value, fd: i64) -> serde_json::Value {
    report["fds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fd"].as_i64() == Some(fd))
        .cloned()
        .unwrap_or_else(|| panic!("fd {fd} not in {report}"))
}

/// A path as a YAML double-quoted string.
pub fn q(p: &Path) -> String {
    format!("{:?}", p.to_str().unwrap())
}

/// Why this host cannot run the sandbox (`strict` needs user namespaces and Landlock),
/// or `None`. Asks caprun itself, so the reason is the one a user would see.
pub fn sandbox_unavailable() -> Option<String> {
    let out = run(
        &["--policy", "strict", probe().to_str().unwrap()],
        "!fd stdout\n",
    );
    if out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stderr).trim().to_owned())
}

/// Skip the calling test, visibly, when the host cannot sandbox; on CI (`CI` set) a
/// missing feature is a failure, never a skip.
#[macro_export]
macro_rules! skip_unless_sandboxable {
    () => {
        if let Some(why) = common::sandbox_unavailable() {
            if std::env::var_os("CI").is_some() {
                panic!("the CI machine must run the sandbox: {why}");
            }
            eprintln!("SKIPPED (host cannot sandbox): {why}");
            return;
        }
    };
}

// Helpers for programs that keep running (servers): tests/examples.rs, tests/systemd.rs.

/// A file of the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound and released again).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `cmd` with stdin closed and stdout and stderr piped.
pub fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Wait up to `limit` for `child`; kill it and fail when it is still running then.
pub fn wait_bounded(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: {}", stderr_of(child));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The rest of a child's (piped) stderr; call it once the child has exited.
pub fn stderr_of(child: &mut std::process::Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut s);
    }
    s
}

/// Connect with `connect`, retrying for up to 5 seconds while the server is not up yet;
/// fail early, with its stderr, when `child` exits first.
pub fn connect_retrying<S>(
    child: &mut std::process::Child,
    mut connect: impl FnMut() -> std::io::Result<S>,
) -> S {
    let start = std::time::Instant::now();
    loop {
        match connect() {
            Ok(s) => return s,
            Err(e) if start.elapsed() > std::time::Duration::from_secs(5) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("cannot connect: {e}; stderr: {}", stderr_of(child));
            }
            Err(_) => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("exited with {status} first: {}", stderr_of(child));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

/// Send `request` and read the whole answer (the server closes the connection).
pub fn exchange<S: std::io::Read + Write>(mut stream: S, request: &str) -> String {
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

// Helpers for running tools through caprun as a CI script does: tests/egress.rs,
// tests/workflows.rs and the tests that read a run's output.

/// The PATH of the shell a CI script runs caprun from (`--env PATH` copies it).
pub const SYSTEM_PATH: &str = "/usr/bin:/bin";

/// Bytes a program printed, as text (invalid UTF-8 replaced).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A finished run's stdout, as text.
pub fn stdout(out: &Output) -> String {
    text(&out.stdout)
}

/// A finished run's stderr, as text.
pub fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

/// A finished run's status and all it printed, for a failed assertion's message.
pub fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// `caprun ARGS` started in `cwd`, with PATH as a CI shell has it ([`SYSTEM_PATH`]) and
/// stdin empty; the caller adds to the command (its environment) and runs it.
pub fn caprun_in(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(caprun());
    cmd.args(args)
        .current_dir(cwd)
        .env("PATH", SYSTEM_PATH)
        .stdin(Stdio::null());
    cmd
}

/// [`caprun_in`] run to its end.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    caprun_in(cwd, args).output().expect("start caprun")
}

/// `/usr/bin/NAME`, where devtools shows it (it binds /usr): the tool must be installed,
/// else the test fails naming the package.
pub fn usr_bin(name: &str, package: &str) -> PathBuf {
    let p = Path::new("/usr/bin").join(name);
    assert!(
        p.exists(),
        "{} is missing: install {package} (apt-get install {package}; .ci/run does)",
        p.display()
    );
    p
}

/// HOME and its rustup installation (`~/.cargo/bin/cargo` and `rustc`, the proxies, and
/// `~/.rustup`): the test fails unless it is there.
pub fn rustup_home() -> PathBuf {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    for p in [".cargo/bin/cargo", ".cargo/bin/rustc", ".rustup/toolchains"] {
        assert!(
            home.join(p).exists(),
            "{} is missing: install rustup (https://rustup.rs) for this user",
            home.join(p).display()
        );
    }
    home
}

/// The PATH of a shell with rustup in `home`: its proxies first, then [`SYSTEM_PATH`].
pub fn cargo_path(home: &Path) -> String {
    format!("{}/.cargo/bin:{SYSTEM_PATH}", home.display())
}
