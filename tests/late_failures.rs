//! A launch that would fail in its final step is refused before anything is kept: a
//! config that creates a file, truncates another and binds a UNIX socket leaves the
//! directory exactly as it was when PROGRAM is a foreign-architecture ELF, when its ELF
//! interpreter is missing, when an argument is longer than the kernel allows, or when
//! RLIMIT_NOFILE is too low, under `none` (no namespace) and `default` (its own root).
//! Each attack is paired with a control launch that succeeds and does change the
//! directory.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{q, stderr};

const POLICIES: [&str; 2] = ["none", "default"];

/// A directory with a file to truncate, and an `!exec` config that creates `new`,
/// truncates `old`, binds `sock` and passes `arg` as argv[1].
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old"), "keep me\n").unwrap();
        Scene { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config(&self, arg: &str) -> String {
        format!(
            "!exec\nargv: [prog, {arg}]\nargs:\n  report: !fd stdout\n  new: !file {{path: {}, mode: write, create: true}}\n  old: !file {{path: {}, mode: write, truncate: true}}\n  sock: !socket {{bind: {}}}\n",
            q(&self.path("new")),
            q(&self.path("old")),
            q(&self.path("sock")),
        )
    }

    /// Every entry of the directory with its content (`None` for a socket).
    fn contents(&self) -> BTreeMap<String, Option<String>> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                let content = std::fs::read_to_string(e.path()).ok();
                (name, content)
            })
            .collect()
    }

    fn unchanged(&self) -> bool {
        self.contents() == BTreeMap::from([("old".to_owned(), Some("keep me\n".to_owned()))])
    }

    /// The control's outcome: created, truncated and bound.
    fn used(&self) -> bool {
        let c = self.contents();
        c.get("new") == Some(&Some(String::new()))
            && c.get("old") == Some(&Some(String::new()))
            && c.contains_key("sock")
    }

    /// Launch `program` with the config under `policy`, through `prefix` (a command
    /// such as `prlimit`, or nothing).
    fn launch(&self, prefix: &[&str], policy: &str, program: &Path, arg: &str) -> Output {
        let config = self.path("config.yaml");
        std::fs::write(&config, self.config(arg)).unwrap();
        let caprun = common::caprun();
        let mut argv: Vec<&str> = prefix.to_vec();
        argv.extend([
            caprun.to_str().unwrap(),
            "--policy",
            policy,
            program.to_str().unwrap(),
            config.to_str().unwrap(),
        ]);
        let out = common::run_cmd(Command::new(argv[0]).args(&argv[1..]), "");
        std::fs::remove_file(config).unwrap();
        out
    }
}

/// The control: the probe runs, and the directory shows what the config asked for.
fn control(policy: &str) {
    let scene = Scene::new();
    let out = scene.launch(&[], policy, &common::probe(), "x");
    assert!(out.status.success(), "{policy}: {}", stderr(&out));
    assert!(scene.used(), "{policy}: {:?}", scene.contents());
}

/// An executable file with `content`.
fn program(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn a_foreign_architecture_program_leaves_nothing_behind() {
    skip_unless_sandboxable!();
    let bin = tempfile::tempdir().unwrap();
    // The 64-byte header of an AArch64 executable is all the kernel looks at to refuse
    // it (ENOEXEC).
    let mut ehdr = vec![0u8; 64];
    ehdr[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    ehdr[16..20].copy_from_slice(&[2, 0, 183, 0]);
    ehdr[20] = 1;
    let arm = program(bin.path(), "arm64", &ehdr);
    for policy in POLICIES {
        control(policy);
        let scene = Scene::new();
        let out = scene.launch(&[], policy, &arm, "x");
        assert_eq!(out.status.code(), Some(126), "{policy}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("AArch64"),
            "{policy}: {}",
            stderr(&out)
        );
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
    }
}

#[test]
fn a_missing_elf_interpreter_leaves_nothing_behind() {
    skip_unless_sandboxable!();
    // A copy of a dynamically linked program whose PT_INTERP names a missing file.
    let original = std::fs::read("/bin/true").unwrap();
    let interp = b"/lib64/ld-linux-x86-64.so.2\0";
    let at = original
        .windows(interp.len())
        .position(|w| w == interp)
        .expect("/bin/true is dynamically linked by /lib64/ld-linux-x86-64.so.2");
    let missing = b"/nonexistent/ld-linux.so.2\0\0";
    assert_eq!(missing.len(), interp.len());
    let mut patched = original.clone();
    patched[at..at + missing.len()].copy_from_slice(missing);
    let bin = tempfile::tempdir().unwrap();
    let dynamic = program(bin.path(), "dynamic", &patched);
    let unpatched = program(bin.path(), "true", &original);
    for policy in POLICIES {
        control(policy);
        let scene = Scene::new();
        let out = scene.launch(&[], policy, &dynamic, "x");
        assert_eq!(out.status.code(), Some(127), "{policy}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("ELF interpreter /nonexistent/ld-linux.so.2 does not exist"),
            "{policy}: {}",
            stderr(&out)
        );
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
        // The same program with its interpreter gets past the check (under `default`
        // it then runs; `none` runs it on the host).
        let scene = Scene::new();
        let out = scene.launch(&[], policy, &unpatched, "x");
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        assert!(scene.used(), "{policy}: {:?}", scene.contents());
    }
}

#[test]
fn an_argument_longer_than_the_kernel_allows_leaves_nothing_behind() {
    skip_unless_sandboxable!();
    let probe = common::probe();
    for policy in POLICIES {
        // 131,071 bytes and a NUL fit in MAX_ARG_STRLEN: the control.
        let scene = Scene::new();
        let out = scene.launch(&[], policy, &probe, &"a".repeat(131_071));
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        assert!(scene.used(), "{policy}: {:?}", scene.contents());
        // One more byte is E2BIG.
        let scene = Scene::new();
        let out = scene.launch(&[], policy, &probe, &"a".repeat(131_072));
        assert_eq!(out.status.code(), Some(126), "{policy}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("config.yaml:2:14: argv[1] is 131073 bytes long"),
            "{policy}: {err}"
        );
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
    }
}

#[test]
fn arguments_beyond_a_quarter_of_the_stack_limit_leave_nothing_behind() {
    skip_unless_sandboxable!();
    let probe = common::probe();
    // Three arguments of 100,000 bytes: within 8 MiB / 4, beyond 1 MiB / 4.
    let args = vec!["b".repeat(100_000); 3].join(", ");
    for policy in POLICIES {
        let scene = Scene::new();
        let out = scene.launch(&["prlimit", "--stack=8388608"], policy, &probe, &args);
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        assert!(scene.used(), "{policy}: {:?}", scene.contents());
        let scene = Scene::new();
        let out = scene.launch(&["prlimit", "--stack=1048576"], policy, &probe, &args);
        assert_eq!(out.status.code(), Some(126), "{policy}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("more than the kernel allows (262144 bytes"),
            "{policy}: {}",
            stderr(&out)
        );
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
    }
}

/// Every descriptor limit under the lowest one that works is refused without a trace,
/// and the two just under it by the descriptor check itself (not a failure halfway
/// through the sandbox's set-up).
#[test]
fn a_descriptor_limit_too_low_leaves_nothing_behind() {
    skip_unless_sandboxable!();
    let probe = common::probe();
    for policy in POLICIES {
        let mut refused = Vec::new();
        let lowest = (4..128)
            .find(|&n| {
                let scene = Scene::new();
                let limit = format!("--nofile={n}");
                let out = scene.launch(&["prlimit", &limit], policy, &probe, "x");
                if out.status.success() {
                    assert!(scene.used(), "{policy} {n}: {:?}", scene.contents());
                    return true;
                }
                assert!(
                    scene.unchanged(),
                    "{policy}, RLIMIT_NOFILE {n}: {} left {:?}",
                    stderr(&out),
                    scene.contents()
                );
                refused.push((n, stderr(&out)));
                false
            })
            .unwrap_or_else(|| panic!("{policy}: no limit under 128 works: {refused:?}"));
        assert!(refused.len() >= 2, "{policy}: {lowest} {refused:?}");
        for (n, err) in &refused[refused.len() - 2..] {
            assert!(
                err.contains("the descriptor limit RLIMIT_NOFILE is"),
                "{policy}, RLIMIT_NOFILE {n}: {err}"
            );
        }
    }
}

/// A policy file like `default` without its PID namespace: caprun execs in place. (Its
/// task limit goes too: as root it could not be enforced without the namespace.)
fn in_place_policy(dir: &Path) -> String {
    let p = dir.join("in-place.yaml");
    std::fs::write(
        &p,
        "extends: default\nnamespaces: [user, mount, network, ipc, uts, cgroup]\nlimits: {tasks: unlimited}\n",
    )
    .unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn a_failure_inside_the_sandbox_removes_what_was_created() {
    // Past every check, entering the sandbox fails (the working directory does not exist
    // inside it): the file and the socket caprun created are removed again, by the
    // supervisor (default: a PID namespace) or by the janitor caprun leaves behind when
    // it execs in place; the file to truncate was not truncated yet.
    skip_unless_sandboxable!();
    let policies = tempfile::tempdir().unwrap();
    for policy in ["default".to_owned(), in_place_policy(policies.path())] {
        let scene = Scene::new();
        let config = scene.path("config.yaml");
        std::fs::write(
            &config,
            scene.config("x") + "cwd: /nonexistent-inside-the-sandbox\n",
        )
        .unwrap();
        let out = common::run(
            &[
                "--policy",
                &policy,
                common::probe().to_str().unwrap(),
                config.to_str().unwrap(),
            ],
            "",
        );
        std::fs::remove_file(config).unwrap();
        assert_eq!(out.status.code(), Some(125), "{policy}: {out:?}");
        assert!(
            stderr(&out).contains("cannot change into the working directory"),
            "{policy}: {}",
            stderr(&out)
        );
        // The janitor may take a moment after caprun's exit.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !scene.unchanged() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
        // Control: the same launch without the bad working directory keeps them.
        let scene = Scene::new();
        let out = scene.launch(&[], &policy, &common::probe(), "x");
        assert!(out.status.success(), "{policy}: {}", stderr(&out));
        assert!(scene.used(), "{policy}: {:?}", scene.contents());
    }
}

#[test]
fn a_full_namespace_limit_removes_what_was_created() {
    // `unshare` keeps failing with ENOSPC (user.max_user_namespaces reached): after its
    // retries caprun names the limits, and removes what it created.
    skip_unless_sandboxable!();
    let policies = tempfile::tempdir().unwrap();
    let old_kernel = common::example("old-kernel");
    for policy in ["default".to_owned(), in_place_policy(policies.path())] {
        let scene = Scene::new();
        let out = scene.launch(
            &[old_kernel.to_str().unwrap(), "--fail", "unshare=28", "--"],
            &policy,
            &common::probe(),
            "x",
        );
        assert_eq!(out.status.code(), Some(125), "{policy}: {out:?}");
        let err = stderr(&out);
        assert!(
            err.contains("a namespace limit is reached")
                && err.contains("user.max_user_namespaces = "),
            "{policy}: {err}"
        );
        assert!(scene.unchanged(), "{policy}: {:?}", scene.contents());
    }
}
