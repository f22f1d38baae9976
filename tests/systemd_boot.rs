//! systemd itself, end to end: the host's systemd booted in a container
//! (`systemd-nspawn --volatile=yes -D /`: the host's `/usr`, a throwaway root, its own
//! network namespace), caprun and the examples bound in read-only where the units of
//! `examples/systemd` expect them, and real units driven with `systemctl` inside:
//!
//! - a plain `ExecStart=caprun …` service: its output in the journal, its exit status in
//!   `systemctl show`;
//! - `examples/systemd/caprun-server.service` as shipped: a request on the container's
//!   loopback answered, then `systemctl stop` (`KillMode=mixed`, as the example has it)
//!   leaving no process of the sandbox behind;
//! - `caprun-server-activated.socket` and `.service` as shipped: systemd listens, the
//!   first request starts the sandboxed server, which answers it;
//! - a `Type=notify` service with `WatchdogSec=`: caprun relays the program's
//!   notifications as the main process, so the unit becomes and stays active.
//!
//! Needs root, `systemd-nspawn` (package systemd-container) and the host's systemd in
//! `/usr`. A host without them skips visibly; on CI (`CI` set) it fails, saying why.
//! Every wait is bounded, and the container is powered off (then killed) at the end.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The host's systemd, which the container boots.
const SYSTEMD: &str = "/usr/lib/systemd/systemd";

/// Why this host cannot boot the container, or `None`.
fn cannot_boot() -> Option<String> {
    if nix::unistd::geteuid().as_raw() != 0 {
        return Some("systemd-nspawn needs root".into());
    }
    if !Path::new(SYSTEMD).exists() {
        return Some(format!("no {SYSTEMD} (install the systemd package)"));
    }
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("systemd-nspawn").is_file()));
    if !found {
        return Some("systemd-nspawn is not in PATH (install systemd-container)".into());
    }
    None
}

/// Skip visibly, or fail on CI, when `why` is `Some`.
fn skip_or_fail(why: Option<String>) -> bool {
    let Some(why) = why else {
        return false;
    };
    if std::env::var_os("CI").is_some() {
        panic!("the CI machine must boot systemd in a container: {why}");
    }
    eprintln!("SKIPPED: {why}");
    true
}

/// A booted container: `systemd-nspawn` and the container's PID 1 (by its host pid).
struct Container {
    nspawn: Child,
    init: i32,
    /// The files bound in (units, configs).
    _dir: tempfile::TempDir,
}

/// The host pid of the first child of `pid` running `exe`.
fn child_running(pid: u32, exe: &Path) -> Option<i32> {
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let children = std::fs::read_to_string(task.ok()?.path().join("children")).ok()?;
        for c in children.split_whitespace() {
            if std::fs::read_link(format!("/proc/{c}/exe")).ok().as_deref() == Some(exe) {
                return c.parse().ok();
            }
        }
    }
    None
}

impl Container {
    /// Boot a container with `units` in its /etc/systemd/system, `configs` in
    /// /etc/caprun, and caprun and the server, hello and probe examples in /usr/local,
    /// all bound read-only. Waits (at most 90 s) until systemd says the system runs.
    fn boot(units: &[(&str, String)], configs: &[(&str, String)]) -> Result<Container, String> {
        let dir = tempfile::tempdir().unwrap();
        let (unit_dir, config_dir) = (dir.path().join("units"), dir.path().join("caprun"));
        for (d, files) in [(&unit_dir, units), (&config_dir, configs)] {
            std::fs::create_dir(d).unwrap();
            for (name, text) in files {
                std::fs::write(d.join(name), text).unwrap();
            }
        }
        // The host's /usr is read-only in the container, so no mount point can be made
        // in it for a single file: a /usr/local of our own, with the binaries where the
        // example units expect them, is bound over the whole directory.
        let local = dir.path().join("local");
        for (from, to) in [
            (caprun(), "bin/caprun"),
            (example("server"), "libexec/caprun/server"),
            (example("hello"), "libexec/caprun/hello"),
            (probe(), "libexec/caprun/probe"),
        ] {
            let to = local.join(to);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(from, to).unwrap();
        }
        let bind = |host: &Path, inside: &str| format!("--bind-ro={}:{inside}", host.display());
        let machine = format!("caprun-test-{}", std::process::id());
        let mut cmd = Command::new("systemd-nspawn");
        cmd.args([
            "--quiet",
            "--volatile=yes",
            "--directory=/",
            "--register=no",
            "--keep-unit",
            "--private-network",
            "--console=pipe",
            &format!("--machine={machine}"),
            // systemd 252's container filter refuses Landlock otherwise.
            "--system-call-filter=landlock_create_ruleset landlock_add_rule landlock_restrict_self",
            &bind(&local, "/usr/local"),
            &bind(&config_dir, "/etc/caprun"),
            &bind(&unit_dir, "/etc/systemd/system"),
            "--boot",
            "--",
            "systemd.firstboot=off",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut nspawn = cmd.spawn().map_err(|e| format!("systemd-nspawn: {e}"))?;
        let start = Instant::now();
        let init = loop {
            if let Some(status) = nspawn.try_wait().unwrap() {
                return Err(format!(
                    "systemd-nspawn exited with {status} before the container ran: {}",
                    stderr_of(&mut nspawn)
                ));
            }
            if let Some(pid) = child_running(nspawn.id(), Path::new(SYSTEMD)) {
                break pid;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = nspawn.kill();
                let _ = nspawn.wait();
                return Err("no systemd in the container after 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let c = Container {
            nspawn,
            init,
            _dir: dir,
        };
        loop {
            let state = c.sh("systemctl is-system-running");
            let state = String::from_utf8_lossy(&state.stdout).trim().to_owned();
            match state.as_str() {
                "running" | "degraded" => return Ok(c),
                _ if start.elapsed() > Duration::from_secs(90) => {
                    return Err(format!("the container's systemd is `{state}` after 90 s"))
                }
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Run `script` with `sh -c` inside the container (every namespace of its PID 1),
    /// for at most 30 s.
    fn sh(&self, script: &str) -> Output {
        Command::new("nsenter")
            .args([
                "-t",
                &self.init.to_string(),
                "-a",
                "--",
                "timeout",
                "30",
                "sh",
                "-c",
            ])
            .arg(script)
            .stdin(Stdio::null())
            .output()
            .expect("nsenter")
    }

    /// [`Container::sh`], which must succeed; its stdout.
    fn ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(
            out.status.success(),
            "`{script}` in the container: {}; {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `systemctl show -p PROP --value UNIT`.
    fn show(&self, unit: &str, prop: &str) -> String {
        self.ok(&format!("systemctl show -p {prop} --value {unit}"))
            .trim()
            .to_owned()
    }

    /// Wait (at most `secs`) until `script` succeeds inside.
    fn until(&self, script: &str, secs: u64) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(secs) {
            if self.sh(script).status.success() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

impl Drop for Container {
    /// Power the container off (SIGTERM to systemd-nspawn), kill it after 20 s.
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.nspawn.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let start = Instant::now();
        while self.nspawn.try_wait().ok().flatten().is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.nspawn.kill();
                let _ = self.nspawn.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// An example unit of `examples/systemd`, as shipped, with the package's paths mapped
/// to where the container has them (the host's `/usr` is read-only in the container:
/// caprun and the examples are in a `/usr/local` of the test's own, the configs in
/// `/etc/caprun`). Nothing else of the unit changes.
fn shipped(name: &str) -> (&str, String) {
    let text = std::fs::read_to_string(repo(&format!("examples/systemd/{name}"))).unwrap();
    let text = text
        .replace("/usr/bin/caprun", "/usr/local/bin/caprun")
        .replace("/usr/lib/caprun/examples/", "/usr/local/libexec/caprun/")
        .replace("/usr/share/doc/caprun/examples/server/", "/etc/caprun/")
        .replace("/usr/share/doc/caprun/examples/systemd/", "/etc/caprun/");
    (name, text)
}

/// The configs the units name, in /etc/caprun.
fn configs() -> Vec<(&'static str, String)> {
    let read = |p: &str| std::fs::read_to_string(repo(p)).unwrap();
    vec![
        ("server.yaml", read("examples/server/server.yaml")),
        (
            "server-activated.yaml",
            read("examples/systemd/server-activated.yaml"),
        ),
        ("hello.yaml", read("examples/hello/hello.yaml")),
        ("exit.yaml", "report: !fd stdout\nexit: 42\n".into()),
    ]
}

/// A request to the server on the container's loopback, from inside; its answer.
fn request(c: &Container, path: &str) -> String {
    // bash's /dev/tcp: no client needs installing.
    c.ok(&format!(
        "bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080; printf \"GET {path} HTTP/1.0\\r\\n\\r\\n\" >&3; cat <&3'"
    ))
}

/// The processes of `unit`'s control group, by their pids in the container (from each
/// process's /proc/PID/cgroup: whatever the cgroup hierarchy's layout).
fn unit_processes(c: &Container, unit: &str) -> Vec<String> {
    let out = c.sh(&format!(
        "grep -l '/{unit}$' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3"
    ));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn systemd_runs_caprun_services() {
    if skip_or_fail(cannot_boot()) {
        return;
    }
    let hello = (
        "caprun-hello.service",
        "[Service]\nType=oneshot\nExecStart=/usr/local/bin/caprun --policy strict /usr/local/libexec/caprun/hello /etc/caprun/hello.yaml\n".to_owned(),
    );
    let exit = (
        "caprun-exit.service",
        "[Service]\nExecStart=/usr/local/bin/caprun --policy strict /usr/local/libexec/caprun/probe /etc/caprun/exit.yaml\n".to_owned(),
    );
    let units = vec![
        hello,
        exit,
        shipped("caprun-server.service"),
        shipped("caprun-server-activated.service"),
        shipped("caprun-server-activated.socket"),
    ];
    let c = match Container::boot(&units, &configs()) {
        Ok(c) => c,
        Err(why) => {
            skip_or_fail(Some(format!("the container cannot start here: {why}")));
            return;
        }
    };

    // A plain service: its output in the journal, its status in `systemctl show`.
    c.ok("systemctl start caprun-hello.service");
    assert_eq!(c.show("caprun-hello.service", "ExecMainStatus"), "0");
    assert_eq!(c.show("caprun-hello.service", "Result"), "success");
    let journal = c.ok("journalctl --no-pager -o cat -u caprun-hello.service");
    assert!(journal.contains("Hello, world!"), "{journal}");
    // A program's failure is the service's: exit status 42 through caprun.
    let _ = c.sh("systemctl start caprun-exit.service");
    assert!(
        c.until(
            "test \"$(systemctl show -p ActiveState --value caprun-exit.service)\" != active",
            20
        ),
        "caprun-exit.service still active"
    );
    assert_eq!(c.show("caprun-exit.service", "ExecMainStatus"), "42");
    assert_eq!(c.show("caprun-exit.service", "Result"), "exit-code");
    let journal = c.ok("journalctl --no-pager -o cat -u caprun-exit.service");
    assert!(journal.contains("{\"argv\":[\"probe\"]"), "{journal}");

    // The shipped server unit: a request answered, then stopped with nothing left.
    c.ok("systemctl start caprun-server.service");
    assert!(
        c.until("bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'", 20),
        "the server does not listen: {}",
        c.ok("journalctl --no-pager -o cat -u caprun-server.service")
    );
    let answer = request(&c, "/one");
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");
    assert_eq!(c.show("caprun-server.service", "KillMode"), "mixed");
    let running = unit_processes(&c, "caprun-server.service");
    // caprun (supervising: `default` has a PID namespace), the namespace's init, the server.
    assert!(running.len() >= 3, "{running:?}");
    c.ok("systemctl stop caprun-server.service");
    assert_eq!(c.show("caprun-server.service", "ActiveState"), "inactive");
    for pid in &running {
        assert!(
            !c.sh(&format!("test -d /proc/{pid}")).status.success(),
            "process {pid} of the sandbox is left behind"
        );
    }

    // The shipped socket-activated pair: systemd listens; the first request starts the
    // sandboxed server, which answers it.
    c.ok("systemctl start caprun-server-activated.socket");
    assert_eq!(
        c.show("caprun-server-activated.service", "ActiveState"),
        "inactive"
    );
    let answer = request(&c, "/activated");
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer:?}");
    assert!(
        answer.contains("hello from a socket-activated sandbox"),
        "{answer:?}"
    );
    assert_eq!(
        c.show("caprun-server-activated.service", "ActiveState"),
        "active"
    );
    c.ok("systemctl stop caprun-server-activated.service caprun-server-activated.socket");
}

/// `Type=notify` with `WatchdogSec=`: the program signals readiness and pets the
/// watchdog through `NOTIFY_SOCKET`; systemd accepts them only from the main process,
/// caprun, so the unit becomes active and stays so only once caprun relays them.
#[test]
fn a_notify_service_with_a_watchdog_becomes_and_stays_active() {
    if skip_or_fail(cannot_boot()) {
        return;
    }
    let unit = (
        "caprun-notify.service",
        "[Service]\nType=notify\nWatchdogSec=3\nTimeoutStartSec=15\nExecStart=/usr/local/bin/caprun --policy devtools -- /bin/sh -c 'systemd-notify --ready; while :; do systemd-notify WATCHDOG=1; sleep 1; done'\n".to_owned(),
    );
    let c = match Container::boot(&[unit], &configs()) {
        Ok(c) => c,
        Err(why) => {
            skip_or_fail(Some(format!("the container cannot start here: {why}")));
            return;
        }
    };
    let started = c.sh("systemctl start caprun-notify.service");
    assert!(
        started.status.success(),
        "not ready: {}",
        c.ok("journalctl --no-pager -o cat -u caprun-notify.service")
    );
    // Longer than two watchdog periods.
    std::thread::sleep(Duration::from_secs(8));
    assert_eq!(c.show("caprun-notify.service", "ActiveState"), "active");
    assert_eq!(c.show("caprun-notify.service", "NRestarts"), "0");
    c.ok("systemctl stop caprun-notify.service");
}
