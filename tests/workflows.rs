//! Real CI workflows through caprun's command-line form (`caprun --rw . --ro … --env … --
//! CMD`, policy `devtools`): what the README promises under "Sandbox your test suite".
//!
//! Each test runs an unmodified tool the way a CI script would (cargo through the rustup
//! proxies, a `build.rs` compiling C, clippy, rustdoc, rustc from its toolchain, a
//! python venv installing a local wheel, pytest, multiprocessing, a `#!` script as the
//! program, a server and its client on 127.0.0.1, bash, ps, git, cmake, prove, npm, tar,
//! cp -a, rsync, gdb, strace -f, AddressSanitizer's leak checker, ptys, `> /dev/stdout`
//! with a file as stdout, a core file, javac, caprun inside caprun) and asserts what the tool itself printed or wrote, not just its exit
//! status. Where the sandbox matters, a control shows it was there: the host's process
//! or port invisible, a read-only grant refusing a push, a program not found in a PATH
//! that does not name it.
//!
//! The tools are part of the test: a missing one fails the test, naming the package to
//! install (`.ci/run` installs them all), never a skip. Only a host that cannot sandbox
//! at all skips, and not under CI (`skip_unless_sandboxable!`). The tests run as root
//! (as CI does): HOME's `.cargo` and `.rustup` are the rustup installation.

#[macro_use]
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

/// Run a prepared command (or a reference to one) to its end.
fn output(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    cmd.borrow_mut().output().expect("start caprun")
}

/// A run's stdout, after checking it succeeded (else fail with all it printed).
fn succeeded(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", describe(out));
    stdout(out)
}

/// `caprun --rw . --env PATH=/usr/bin:/bin [EXTRA…] -- sh -c SCRIPT` in `cwd`; its stdout
/// once it succeeded.
fn sh_in(cwd: &Path, extra: &[&str], script: &str) -> String {
    let mut args = vec!["--rw", ".", "--env", "PATH=/usr/bin:/bin"];
    args.extend_from_slice(extra);
    args.extend(["--", "sh", "-c", script]);
    succeeded(&run_in(cwd, &args), script)
}

/// Write `files` (path, contents) beneath `dir`, creating directories.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

fn make_executable(path: &Path) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Fail, naming the package, unless the system's python3 imports `module`.
fn python_module(module: &str, package: &str) {
    usr_bin("python3", "python3");
    let out = Command::new("/usr/bin/python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3 cannot import {module}: install {package} (apt-get install {package}; .ci/run does): {}",
        text(&out.stderr)
    );
}

/// `caprun --rw . --ro ~/.cargo --ro ~/.rustup --env PATH --env HOME -- cargo ARGS` in
/// `cwd` (the README's command), from a shell whose PATH has the rustup proxies.
fn cargo(home: &Path, cwd: &Path, args: &[&str]) -> Output {
    let cargo_home = home.join(".cargo");
    let rustup_home = home.join(".rustup");
    let mut caprun_args = vec![
        "--rw",
        ".",
        "--ro",
        cargo_home.to_str().unwrap(),
        "--ro",
        rustup_home.to_str().unwrap(),
        "--env",
        "PATH",
        "--env",
        "HOME",
        "--",
        "cargo",
    ];
    caprun_args.extend_from_slice(args);
    output(
        caprun_in(cwd, &caprun_args)
            .env("PATH", cargo_path(home))
            .env("HOME", home),
    )
}

/// Where a tool that may live outside /usr (node, npm) is: its directory in the caller's
/// PATH (then /usr/bin), and the installation prefix to grant when it is not under /usr
/// (devtools binds /usr only). Fails naming the package when it is nowhere.
fn tool_dir(name: &str, package: &str) -> (PathBuf, Option<PathBuf>) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dir = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .find(|d| {
            std::fs::metadata(d.join(name))
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
        .unwrap_or_else(|| {
            panic!("{name} is not installed: install {package} (apt-get install {package}; .ci/run does)")
        });
    // The installation prefix (PREFIX/bin/node, PREFIX/lib/node_modules/npm/…) is
    // granted whole when it is not under /usr.
    let prefix = std::fs::canonicalize(&dir)
        .unwrap()
        .parent()
        .unwrap_or(Path::new("/"))
        .to_owned();
    let grant = (!prefix.starts_with("/usr")).then_some(prefix);
    (dir, grant)
}

/// node and npm: the `--ro` grants (none when both are under /usr) and the PATH the
/// sandbox needs to find them.
fn node_and_npm() -> (Vec<String>, String) {
    let mut grants = Vec::new();
    let mut path = Vec::new();
    for name in ["node", "npm"] {
        let (dir, grant) = tool_dir(name, "nodejs npm");
        if let Some(g) = grant {
            let g = g.to_str().unwrap().to_owned();
            if !grants.contains(&g) {
                grants.push(g);
            }
        }
        let dir = dir.to_str().unwrap().to_owned();
        if !path.contains(&dir) {
            path.push(dir);
        }
    }
    path.push(SYSTEM_PATH.into());
    (grants, path.join(":"))
}

// ---- Rust ----

#[test]
fn cargo_new_then_cargo_test_offline_through_the_rustup_proxies() {
    skip_unless_sandboxable!();
    let home = rustup_home();
    let dir = tempfile::tempdir().unwrap();
    let out = cargo(&home, dir.path(), &["new", "--quiet", "hello"]);
    succeeded(&out, "cargo new");
    let krate = dir.path().join("hello");
    // cargo new ran git init inside the sandbox.
    assert!(krate.join(".git/HEAD").exists(), "{out:?}");
    let main = krate.join("src/main.rs");
    let mut source = std::fs::read_to_string(&main).unwrap();
    assert!(source.contains("Hello, world!"), "{source}");
    source.push_str(
        "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn sums_in_the_sandbox() {\n        \
         assert_eq!((1..=10).sum::<i32>(), 55);\n    }\n}\n",
    );
    std::fs::write(&main, source).unwrap();

    // The README's command, verbatim.
    let out = cargo(&home, &krate, &["test", "--offline"]);
    let stdout = succeeded(&out, "cargo test --offline");
    assert!(
        stdout.contains("test tests::sums_in_the_sandbox ... ok"),
        "{stdout}"
    );
    assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
    let out = cargo(&home, &krate, &["run", "--offline", "--quiet"]);
    assert_eq!(succeeded(&out, "cargo run"), "Hello, world!\n");
    assert!(krate.join("target/debug/hello").exists());
}

/// The newest `cc` crate unpacked in the cargo registry (caprun's own build fetched it):
/// a read-only `~/.cargo` cannot unpack one.
fn cc_crate_version(home: &Path) -> String {
    let mut versions: Vec<(Vec<u64>, String)> = Vec::new();
    if let Ok(registries) = std::fs::read_dir(home.join(".cargo/registry/src")) {
        for registry in registries.flatten() {
            for krate in std::fs::read_dir(registry.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = krate.file_name().to_string_lossy().into_owned();
                if let Some(v) = name.strip_prefix("cc-") {
                    if let Ok(key) = v
                        .split('.')
                        .map(str::parse)
                        .collect::<Result<Vec<u64>, _>>()
                    {
                        versions.push((key, v.to_owned()));
                    }
                }
            }
        }
    }
    versions.sort();
    versions
        .pop()
        .unwrap_or_else(|| {
            panic!(
                "no cc crate in {}/.cargo/registry: build caprun once (`cargo build --workspace`, which fetches it)",
                home.display()
            )
        })
        .1
}

#[test]
fn a_build_script_compiles_c_with_the_cc_crate_offline() {
    skip_unless_sandboxable!();
    let home = rustup_home();
    usr_bin("cc", "gcc");
    let cc = cc_crate_version(&home);
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "Cargo.toml",
                &format!(
                    "[package]\nname = \"crc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                     [build-dependencies]\ncc = \"={cc}\"\n"
                ),
            ),
            (
                "build.rs",
                "fn main() {\n    cc::Build::new().file(\"c/crc32.c\").opt_level(2).compile(\"crc32\");\n}\n",
            ),
            (
                "c/crc32.c",
                "#include <stddef.h>\n#include <stdint.h>\n\
                 uint32_t crc32(const unsigned char *p, size_t n) {\n\
                 \x20   uint32_t c = 0xffffffffu;\n\
                 \x20   for (size_t i = 0; i < n; i++) {\n\
                 \x20       c ^= p[i];\n\
                 \x20       for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));\n\
                 \x20   }\n\
                 \x20   return ~c;\n}\n",
            ),
            (
                "src/lib.rs",
                "extern \"C\" {\n    fn crc32(p: *const u8, n: usize) -> u32;\n}\n\n\
                 pub fn checksum(data: &[u8]) -> u32 {\n    unsafe { crc32(data.as_ptr(), data.len()) }\n}\n\n\
                 #[test]\nfn the_check_value() {\n    assert_eq!(checksum(b\"123456789\"), 0xcbf4_3926);\n}\n",
            ),
        ],
    );
    let out = cargo(&home, dir.path(), &["test", "--offline"]);
    let stdout = succeeded(&out, "cargo test of a cc build script");
    assert!(stdout.contains("test the_check_value ... ok"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("Compiling cc v{cc}")), "{stderr}");
    // The C object the build script made, in the crate's own target directory.
    let archives: Vec<_> = walk(&dir.path().join("target/debug/build"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "libcrc32.a"))
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
}

/// Every file beneath `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}

#[test]
fn cargo_clippy_and_cargo_doc() {
    skip_unless_sandboxable!();
    let home = rustup_home();
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"lintme\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            (
                "src/lib.rs",
                "/// Twice `x`: the sandboxed rustdoc wrote this.\npub fn double(x: i32) -> i32 {\n    return x * 2;\n}\n",
            ),
        ],
    );
    let out = cargo(&home, dir.path(), &["clippy", "--offline"]);
    succeeded(&out, "cargo clippy");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("clippy::needless_return"), "{stderr}");
    assert!(stderr.contains("src/lib.rs:3:5"), "{stderr}");
    // Control: denied, the lint fails the run.
    let out = cargo(
        &home,
        dir.path(),
        &["clippy", "--offline", "--", "-D", "clippy::needless_return"],
    );
    assert_eq!(out.status.code(), Some(101), "{out:?}");

    let out = cargo(&home, dir.path(), &["doc", "--offline", "--no-deps"]);
    succeeded(&out, "cargo doc");
    let page = std::fs::read_to_string(dir.path().join("target/doc/lintme/fn.double.html"))
        .unwrap_or_else(|e| panic!("no page for `double` ({e}): {out:?}"));
    assert!(page.contains("the sandboxed rustdoc wrote this"), "{page}");
}

#[test]
fn rustc_from_its_toolchain_s_bin_compiles_and_runs_hello_world() {
    skip_unless_sandboxable!();
    let home = rustup_home();
    let dir = tempfile::tempdir().unwrap();
    // The toolchain the proxies choose here, as a CI script would find it.
    let sysroot = Command::new(home.join(".cargo/bin/rustc"))
        .args(["--print", "sysroot"])
        .current_dir(dir.path())
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .unwrap();
    let sysroot = PathBuf::from(succeeded(&sysroot, "rustc --print sysroot").trim());
    assert!(
        sysroot.starts_with(home.join(".rustup/toolchains")),
        "{}",
        sysroot.display()
    );
    let rustc = sysroot.join("bin/rustc");
    std::fs::write(
        dir.path().join("hello.rs"),
        "fn main() {\n    let v: Vec<u64> = (1..=20).collect();\n    println!(\"Hello from rustc: {}\", v.iter().product::<u64>());\n}\n",
    )
    .unwrap();
    let rustup = home.join(".rustup");
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--ro",
            rustup.to_str().unwrap(),
            "--env",
            "PATH",
            "--",
            rustc.to_str().unwrap(),
            "-O",
            "hello.rs",
        ],
    );
    succeeded(&out, "rustc hello.rs");
    let out = run_in(dir.path(), &["--rw", ".", "--", "./hello"]);
    assert_eq!(
        succeeded(&out, "./hello"),
        "Hello from rustc: 2432902008176640000\n"
    );
}

// ---- Python ----

#[test]
fn a_venv_installs_a_local_wheel_with_no_index() {
    skip_unless_sandboxable!();
    python_module("ensurepip", "python3-venv");
    python_module("pip", "python3-pip");
    python_module("setuptools", "python3-setuptools");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "flowsgreet/pyproject.toml",
                "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
                 [project]\nname = \"flowsgreet\"\nversion = \"0.1.0\"\n",
            ),
            (
                "flowsgreet/flowsgreet/__init__.py",
                "def greet(name):\n    return f\"hello, {name}\"\n",
            ),
        ],
    );
    let stdout = sh_in(
        dir.path(),
        &[],
        "set -e
         python3 -m pip wheel -q --no-deps --no-build-isolation --no-index -w dist ./flowsgreet
         python3 -m venv venv
         venv/bin/pip install -q --no-index dist/flowsgreet-0.1.0-py3-none-any.whl
         venv/bin/python -c 'import flowsgreet, sys; print(flowsgreet.greet(\"venv\")); print(sys.prefix)'
         venv/bin/pip list --format freeze | grep -i flowsgreet",
    );
    let venv = std::fs::canonicalize(dir.path()).unwrap().join("venv");
    assert_eq!(
        stdout,
        format!("hello, venv\n{}\nflowsgreet==0.1.0\n", venv.display())
    );
    // Installed into the venv, not the system.
    assert!(
        venv.join("lib").read_dir().unwrap().flatten().any(|py| py
            .path()
            .join("site-packages/flowsgreet/__init__.py")
            .exists()),
        "{stdout}"
    );
}

#[test]
fn pytest_runs_a_suite_and_reports_its_failure() {
    skip_unless_sandboxable!();
    python_module("pytest", "python3-pytest");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("calc.py", "def add(a, b):\n    return a + b\n"),
            (
                "tests/test_calc.py",
                "import calc, os, tempfile\n\n\
                 def test_add():\n    assert calc.add(2, 3) == 5\n\n\
                 def test_tmp_path(tmp_path):\n    (tmp_path / 'x').write_text('y')\n    assert (tmp_path / 'x').read_text() == 'y'\n\n\
                 def test_expected_to_fail():\n    assert calc.add(2, 2) == 5\n",
            ),
            ("pytest.ini", "[pytest]\npythonpath = .\n"),
        ],
    );
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "python3",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
    );
    let stdout = text(&out.stdout);
    // pytest's own verdict: one failure, found and reported, two passes.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout.contains("FAILED tests/test_calc.py::test_expected_to_fail"),
        "{stdout}"
    );
    assert!(stdout.contains("assert 4 == 5"), "{stdout}");
    assert!(stdout.contains("1 failed, 2 passed"), "{stdout}");
}

#[test]
fn a_multiprocessing_pool_uses_dev_shm() {
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "pool.py",
            "import multiprocessing as mp\n\n\
             def square(x):\n    return x * x\n\n\
             if __name__ == '__main__':\n\
             \x20   for method in ('fork', 'spawn', 'forkserver'):\n\
             \x20       with mp.get_context(method).Pool(2) as pool:\n\
             \x20           print(method, sum(pool.map(square, range(100))))\n\
             \x20   lock = mp.Lock()\n\
             \x20   with lock:\n\
             \x20       print('semaphore', mp.Value('i', 7).value)\n",
        )],
    );
    let out = run_in(
        dir.path(),
        &["--rw", ".", "--env", "PATH", "--", "python3", "pool.py"],
    );
    assert_eq!(
        succeeded(&out, "python3 pool.py"),
        "fork 328350\nspawn 328350\nforkserver 328350\nsemaphore 7\n"
    );
}

#[test]
fn a_shebang_script_is_the_program() {
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "script.py",
                "#!/usr/bin/env python3\n\
                 import os, sys\n\
                 here = os.path.dirname(os.path.abspath(__file__))\n\
                 print('args', sys.argv[1:])\n\
                 print('name', os.path.basename(sys.argv[0]))\n\
                 print(open(os.path.join(here, 'data.txt')).read().strip())\n",
            ),
            ("data.txt", "beside the script\n"),
        ],
    );
    make_executable(&dir.path().join("script.py"));
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "./script.py",
            "one",
            "two words",
        ],
    );
    assert_eq!(
        succeeded(&out, "./script.py"),
        "args ['one', 'two words']\nname script.py\nbeside the script\n"
    );
}

#[test]
fn a_server_and_its_client_meet_on_127_0_0_1() {
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    // The host holds the port the sandbox's server uses: the sandbox's loopback is its
    // own, so both bind it, and the client reaches the sandbox's server only.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    host.set_nonblocking(true).unwrap();
    let port = host.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("site/hello.txt", "served inside the sandbox\n"),
            (
                "client.py",
                "import sys, time, urllib.request\n\
                 for _ in range(200):\n\
                 \x20   try:\n\
                 \x20       print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(), end='')\n\
                 \x20       break\n\
                 \x20   except OSError:\n\
                 \x20       time.sleep(0.05)\n\
                 else:\n\
                 \x20   sys.exit('the server never answered')\n",
            ),
        ],
    );
    let stdout = sh_in(
        dir.path(),
        &[],
        &format!(
            "python3 -m http.server {port} --bind 127.0.0.1 --directory site 2>server.log &
             python3 client.py http://127.0.0.1:{port}/hello.txt; status=$?
             kill $!; wait; exit $status"
        ),
    );
    assert_eq!(stdout, "served inside the sandbox\n");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("\"GET /hello.txt HTTP/1.1\" 200"), "{log}");
    // Control: nothing reached the host's listener on the same port.
    assert_eq!(
        host.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}

// ---- Shell and system tools ----

#[test]
fn bash_process_substitution_and_dev_stdout() {
    skip_unless_sandboxable!();
    usr_bin("bash", "bash");
    usr_bin("diff", "diffutils");
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "bash",
            "-c",
            "diff <(echo a) <(echo a) && echo same; \
             diff <(echo a) <(echo b); echo \"diff=$?\"; \
             echo x > /dev/stdout; echo e > /dev/stderr",
        ],
    );
    assert_eq!(
        succeeded(&out, "bash"),
        "same\n1c1\n< a\n---\n> b\ndiff=1\nx\n"
    );
    assert_eq!(text(&out.stderr), "e\n");
}

#[test]
fn ps_lists_the_sandbox_s_processes_only() {
    skip_unless_sandboxable!();
    usr_bin("ps", "procps");
    // A host process ps must not list.
    let mut host = Command::new("sleep").arg("31.4159").spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "ps",
            "-e",
            "-o",
            "pid=,args=",
        ],
    );
    // Control: the host's ps sees it.
    let host_ps = Command::new("ps")
        .args(["-e", "-o", "args="])
        .output()
        .unwrap();
    let _ = host.kill();
    let _ = host.wait();
    assert!(
        text(&host_ps.stdout).contains("sleep 31.4159"),
        "{}",
        text(&host_ps.stdout)
    );
    let stdout = succeeded(&out, "ps");
    let lines: Vec<String> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        ["1 caprun-init", "2 ps -e -o pid=,args="],
        "{stdout}"
    );
}

#[test]
fn git_commit_then_clone_from_a_read_only_bare_repository() {
    skip_unless_sandboxable!();
    usr_bin("git", "git");
    let origin = tempfile::tempdir().unwrap();
    let stdout = sh_in(
        origin.path(),
        &[],
        "set -e
         git init -q -b main work && cd work
         printf 'hello\\n' > README
         git add README
         git -c user.name=CI -c user.email=ci@example.com commit -q -m 'first commit'
         git clone -q --bare . ../origin.git
         git log --format='%an: %s'",
    );
    assert_eq!(stdout, "CI: first commit\n");
    let bare = std::fs::canonicalize(origin.path().join("origin.git")).unwrap();
    let bare = bare.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stdout = sh_in(
        dir.path(),
        &["--ro", bare],
        &format!(
            "set -e
             git clone -q {bare} clone && cd clone
             git log --format='%an: %s'; cat README
             echo more >> README
             git -c user.name=CI -c user.email=ci@example.com commit -q -am second
             git push -q origin main 2>../push.err && echo PUSHED || echo 'push refused'"
        ),
    );
    assert_eq!(stdout, "CI: first commit\nhello\npush refused\n");
    // Control: the read-only grant is what refused the push.
    let err = std::fs::read_to_string(dir.path().join("push.err")).unwrap();
    assert!(
        err.contains("unable to create temporary object directory"),
        "{err}"
    );
}

#[test]
fn cmake_configures_builds_and_ctest_runs() {
    skip_unless_sandboxable!();
    usr_bin("cmake", "cmake");
    usr_bin("cc", "gcc");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "CMakeLists.txt",
                "cmake_minimum_required(VERSION 3.13)\nproject(flows C)\nenable_testing()\n\
                 add_executable(fib fib.c)\n\
                 add_test(NAME fib10 COMMAND fib 10)\n\
                 set_tests_properties(fib10 PROPERTIES PASS_REGULAR_EXPRESSION \"^55\\n$\")\n",
            ),
            (
                "fib.c",
                "#include <stdio.h>\n#include <stdlib.h>\n\
                 int main(int argc, char **argv) {\n\
                 \x20   long n = argc > 1 ? atol(argv[1]) : 10, a = 0, b = 1;\n\
                 \x20   for (long i = 0; i < n; i++) { long t = a + b; a = b; b = t; }\n\
                 \x20   printf(\"%ld\\n\", a);\n    return 0;\n}\n",
            ),
        ],
    );
    let stdout = sh_in(
        dir.path(),
        &[],
        "set -e
         cmake -S . -B build >/dev/null
         cmake --build build -j2 >/dev/null
         ctest --test-dir build 2>&1 | grep 'tests passed'
         ./build/fib 50",
    );
    assert_eq!(
        stdout,
        "100% tests passed, 0 tests failed out of 1\n12586269025\n"
    );
}

#[test]
fn prove_runs_a_perl_test_suite() {
    skip_unless_sandboxable!();
    usr_bin("perl", "perl");
    usr_bin("prove", "perl");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "lib/Flows.pm",
                "package Flows;\nsub words { my ($s) = @_; return scalar(split /\\s+/, $s); }\n1;\n",
            ),
            (
                "t/words.t",
                "use strict; use warnings;\nuse Test::More tests => 2;\nuse Flows;\n\
                 is(Flows::words('a b c'), 3, 'three words');\nis(Flows::words('one'), 1, 'one word');\n",
            ),
        ],
    );
    // prove is a #! script, run as the program.
    let out = run_in(
        dir.path(),
        &["--rw", ".", "--env", "PATH", "--", "prove", "-l", "-v", "t"],
    );
    let stdout = succeeded(&out, "prove");
    for line in ["ok 1 - three words", "ok 2 - one word", "Result: PASS"] {
        assert!(stdout.lines().any(|l| l == line), "{line}: {stdout}");
    }
}

#[test]
fn npm_test_of_a_package_without_dependencies() {
    skip_unless_sandboxable!();
    let (grants, path) = node_and_npm();
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "package.json",
                "{\"name\": \"flows-npm\", \"version\": \"1.0.0\", \"private\": true,\n \
                 \"scripts\": {\"test\": \"node test.js\"}}\n",
            ),
            (
                "test.js",
                "const assert = require('assert');\n\
                 const { sum } = require('./index.js');\n\
                 assert.strictEqual(sum([1, 2, 3, 4]), 10);\n\
                 console.log('sum ok:', sum([1, 2, 3, 4]));\n",
            ),
            (
                "index.js",
                "exports.sum = (xs) => xs.reduce((a, b) => a + b, 0);\n",
            ),
        ],
    );
    let env_path = format!("PATH={path}");
    let mut args = vec!["--rw", "."];
    for g in &grants {
        args.extend(["--ro", g]);
    }
    // The README's form: `caprun --rw . --env PATH --env HOME -- npm test`.
    args.extend(["--env", &env_path, "--env", "HOME", "--", "npm", "test"]);
    let out = run_in(dir.path(), &args);
    let stdout = succeeded(&out, "npm test");
    assert!(stdout.contains("> flows-npm@1.0.0 test"), "{stdout}");
    assert!(stdout.contains("> node test.js"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "sum ok: 10"), "{stdout}");
}

#[test]
fn a_node_modules_bin_script_is_found_in_the_sandbox_s_path() {
    skip_unless_sandboxable!();
    let (grants, path) = node_and_npm();
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "node_modules/flows-hello/cli.js",
            "#!/usr/bin/env node\nconsole.log(`hello, ${process.argv.slice(2).join(' ')}`);\n",
        )],
    );
    make_executable(&dir.path().join("node_modules/flows-hello/cli.js"));
    std::fs::create_dir(dir.path().join("node_modules/.bin")).unwrap();
    std::os::unix::fs::symlink(
        "../flows-hello/cli.js",
        dir.path().join("node_modules/.bin/flows-hello"),
    )
    .unwrap();
    let bin = std::fs::canonicalize(dir.path().join("node_modules/.bin")).unwrap();
    let launch = |env_path: &str| {
        let mut args = vec!["--rw", "."];
        for g in &grants {
            args.extend(["--ro", g]);
        }
        args.extend(["--env", env_path, "--", "flows-hello", "from", "npx"]);
        // caprun's own PATH does not name node_modules/.bin: the program's does.
        run_in(dir.path(), &args)
    };
    let out = launch(&format!("PATH={}:{path}", bin.display()));
    assert_eq!(succeeded(&out, "flows-hello"), "hello, from npx\n");
    // Control: a PATH without node_modules/.bin does not find it.
    let out = launch(&format!("PATH={path}"));
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert!(text(&out.stderr).contains("flows-hello"), "{out:?}");
}

/// Mode, mtime and `user.flows` (read by the host's getfattr) of `path`, as the sandbox
/// left them.
fn metadata_of(path: &Path) -> (u32, i64, Option<String>) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let xattr = Command::new("getfattr")
        .args(["--only-values", "-n", "user.flows"])
        .arg(path)
        .output()
        .unwrap();
    let xattr = xattr.status.success().then(|| text(&xattr.stdout));
    (m.mode() & 0o7777, m.mtime(), xattr)
}

/// Extract, as root in the sandbox, `pkg.tar.gz` made on the host with its files owned by
/// `uid`:`gid`; check the files run and read as packed, with their modes and mtime.
fn extract_as_root(uid: u32, gid: u32, tar_options: &str) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_tree(
        &src,
        &[
            ("pkg/bin/run", "#!/bin/sh\necho run\n"),
            ("pkg/README", "read me\n"),
        ],
    );
    for (file, mode) in [("pkg/bin/run", 0o750), ("pkg/README", 0o640)] {
        std::fs::set_permissions(src.join(file), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let tar = Command::new("tar")
        .args([
            "-czf",
            "pkg.tar.gz",
            "--numeric-owner",
            "--mtime=@1000000000",
        ])
        .arg(format!("--owner={uid}"))
        .arg(format!("--group={gid}"))
        .args(["-C", "src", "pkg"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    succeeded(&tar, "tar czf on the host");
    let list = Command::new("tar")
        .args(["-tvzf", "pkg.tar.gz", "--numeric-owner"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        text(&list.stdout).contains(&format!(" {uid}/{gid} ")),
        "{list:?}"
    );

    std::fs::create_dir(dir.path().join("out")).unwrap();
    let stdout = sh_in(
        dir.path(),
        &[],
        &format!(
            "tar xzf pkg.tar.gz {tar_options} -C out && ./out/pkg/bin/run && cat out/pkg/README"
        ),
    );
    assert_eq!(stdout, "run\nread me\n", "{uid}:{gid}");
    let out = dir.path().join("out/pkg");
    assert_eq!(metadata_of(&out.join("bin/run")).0, 0o750);
    assert_eq!(metadata_of(&out.join("README")).0, 0o640);
    assert_eq!(metadata_of(&out.join("README")).1, 1_000_000_000);
}

#[test]
fn tar_as_root_extracts_an_archive_of_another_owner() {
    skip_unless_sandboxable!();
    usr_bin("tar", "tar");
    usr_bin("gzip", "gzip");
    // GNU tar as root restores the archive's owners (--same-owner): the chown to the
    // sandbox's own ids changes nothing, which devtools allows.
    extract_as_root(0, 0, "");
    // Another owner is an id the user namespace does not map: the kernel refuses the
    // chown (EINVAL, as under bubblewrap), and `--no-same-owner` (documented in the
    // README's CI section) extracts the files as the sandbox's own.
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "sh",
            "-c",
            "echo f > f && tar --owner=1234 --group=5678 -cf a.tar f && rm f && tar xf a.tar",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr)
            .contains("Cannot change ownership to uid 1234, gid 5678: Invalid argument"),
        "{out:?}"
    );
    extract_as_root(1234, 5678, "--no-same-owner");
}

#[test]
fn cp_a_and_rsync_keep_mode_times_and_xattrs() {
    skip_unless_sandboxable!();
    usr_bin("setfattr", "attr");
    usr_bin("getfattr", "attr");
    usr_bin("rsync", "rsync");
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("tree/sub/file", "data\n")]);
    let file = dir.path().join("tree/sub/file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o604)).unwrap();
    let setup = Command::new("sh")
        .args([
            "-c",
            "touch -d @1000000000 tree/sub/file && setfattr -n user.flows -v kept tree/sub/file",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    succeeded(&setup, "setfattr on the host");
    assert_eq!(
        metadata_of(&file),
        (0o604, 1_000_000_000, Some("kept".into()))
    );

    let stdout = sh_in(
        dir.path(),
        &[],
        "set -e
         cp -a tree copy
         rsync -aX tree/ synced/
         getfattr --only-values -n user.flows copy/sub/file; echo
         getfattr --only-values -n user.flows synced/sub/file; echo",
    );
    assert_eq!(stdout, "kept\nkept\n");
    for copy in ["copy", "synced"] {
        assert_eq!(
            metadata_of(&dir.path().join(copy).join("sub/file")),
            (0o604, 1_000_000_000, Some("kept".into())),
            "{copy}"
        );
    }
}

// ---- Grants ----

#[test]
fn a_file_beneath_a_policy_bind_can_be_granted() {
    skip_unless_sandboxable!();
    usr_bin("ls", "coreutils");
    // Started in / (no working directory to grant, nothing to warn of).
    let out = run_in(
        Path::new("/"),
        &["--ro", "/usr/bin/ls", "--", "/usr/bin/ls", "/"],
    );
    let stdout = succeeded(&out, "--ro /usr/bin/ls");
    let names: Vec<&str> = stdout.lines().collect();
    for name in ["dev", "etc", "proc", "tmp", "usr"] {
        assert!(names.contains(&name), "{name}: {stdout}");
    }
    assert!(
        !names.contains(&"root") && !names.contains(&"home"),
        "{stdout}"
    );
    assert_eq!(text(&out.stderr), "");

    let certs = "/etc/ssl/certs/ca-certificates.crt";
    assert!(
        Path::new(certs).exists(),
        "{certs} is missing: install ca-certificates"
    );
    let out = run_in(
        Path::new("/"),
        &[
            "--ro", certs, "--env", "PATH", "--", "head", "-n", "1", certs,
        ],
    );
    assert_eq!(
        succeeded(&out, "--ro ca-certificates.crt"),
        "-----BEGIN CERTIFICATE-----\n"
    );
}

#[test]
fn a_working_directory_not_granted_is_warned_of_and_the_program_starts_in_root() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.txt"), "x").unwrap();
    let here = std::fs::canonicalize(dir.path()).unwrap();
    let script = "pwd; ls mine.txt 2>&1 >/dev/null | grep -c 'No such file'";
    let out = run_in(dir.path(), &["--env", "PATH", "--", "sh", "-c", script]);
    assert_eq!(succeeded(&out, "no grant"), "/\n1\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--ro ."), "{stderr}");
    assert!(stderr.contains(here.to_str().unwrap()), "{stderr}");
    // Control: granted, it starts there and is not warned of.
    let out = run_in(
        dir.path(),
        &["--ro", ".", "--env", "PATH", "--", "sh", "-c", "pwd; ls"],
    );
    assert_eq!(
        succeeded(&out, "--ro ."),
        format!("{}\nmine.txt\n", here.display())
    );
    assert_eq!(text(&out.stderr), "");
}

/// A C program with a null pointer write in `crash_here`, called from main.
const CRASH_C: &str = "#include <stdio.h>\n\
     void crash_here(int *p) { *p = 1; }\n\
     int main(void) { puts(\"starting\"); fflush(stdout); crash_here(0); return 0; }\n";

#[test]
fn gdb_prints_the_backtrace_of_a_crash() {
    skip_unless_sandboxable!();
    usr_bin("gcc", "gcc");
    usr_bin("gdb", "gdb");
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("crash.c", CRASH_C)]);
    let stdout = sh_in(
        dir.path(),
        &[],
        "gcc -g -O0 -o crash crash.c && \
         gdb -q -batch -ex run -ex bt -ex 'info proc' ./crash",
    );
    assert!(
        stdout.contains("Program received signal SIGSEGV"),
        "{stdout}"
    );
    let frames: Vec<&str> = stdout.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(frames.len(), 2, "{stdout}");
    assert!(
        frames[0].contains("crash_here (p=0x0) at crash.c:2"),
        "{stdout}"
    );
    assert!(frames[1].contains("main () at crash.c:3"), "{stdout}");
    // gdb turned address space randomization off (personality(ADDR_NO_RANDOMIZE)):
    // a PIE is loaded at 0x555555554000.
    assert!(frames[0].contains("0x00005555555"), "{stdout}");
}

#[test]
fn strace_f_follows_a_shell_s_children() {
    skip_unless_sandboxable!();
    usr_bin("strace", "strace");
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=execve,openat",
            "-e",
            "signal=none",
            "-o",
            "trace.txt",
            "sh",
            "-c",
            "cat marker.txt; true",
        ],
    );
    let trace = std::fs::read_to_string(dir.path().join("trace.txt")).unwrap_or_default();
    assert!(out.status.success(), "{}\n{trace}", text(&out.stderr));
    // The child's calls, each with its pid: strace followed the fork.
    let pids: std::collections::BTreeSet<&str> = trace
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(pids.len() >= 2, "{trace}");
    assert!(trace.contains("execve(\"/usr/bin/cat\""), "{trace}");
    assert!(
        trace.contains("openat(AT_FDCWD, \"marker.txt\", O_RDONLY) = -1 ENOENT"),
        "{trace}"
    );
}

#[test]
fn address_sanitizer_s_leak_checker_reports_a_leak() {
    skip_unless_sandboxable!();
    usr_bin("gcc", "gcc");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "leak.c",
            "#include <stdlib.h>\n#include <string.h>\n\
             int main(void) { char *p = malloc(7); strcpy(p, \"leaked\"); p = 0; return 0; }\n",
        )],
    );
    let out = run_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "sh",
            "-c",
            "gcc -g -fsanitize=address -o leak leak.c && ./leak",
        ],
    );
    let stderr = text(&out.stderr);
    // LeakSanitizer stops the world with ptrace; refused, it reports a fatal error instead.
    assert!(!stderr.contains("fatal error"), "{stderr}");
    assert!(
        stderr.contains("ERROR: LeakSanitizer: detected memory leaks"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Direct leak of 7 byte(s) in 1 object(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("leak.c:3"), "{stderr}");
    // AddressSanitizer's exit status for what it found (exitcode=1).
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

#[test]
fn dev_stdout_and_tee_dev_stderr_with_files_as_standard_descriptors() {
    skip_unless_sandboxable!();
    usr_bin("tee", "coreutils");
    let dir = tempfile::tempdir().unwrap();
    // The log files are outside every grant (`caprun … > log.txt 2> err.txt` from a CI
    // script, systemd's StandardOutput=file:), and so is the input.
    let logs = tempfile::tempdir().unwrap();
    let input = logs.path().join("in.txt");
    std::fs::write(&input, "input line\n").unwrap();
    let log = logs.path().join("log.txt");
    let err = logs.path().join("err.txt");
    let mut cmd = caprun_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "sh",
            "-c",
            "echo ok > /dev/stdout && echo warning | tee /dev/stderr > /dev/null && \
             read line < /dev/stdin && echo \"$line\" >> /proc/self/fd/1",
        ],
    );
    cmd.stdin(std::fs::File::open(&input).unwrap())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    let status = cmd.status().unwrap();
    let log = std::fs::read_to_string(&log).unwrap();
    let err = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "{status}\n{log}\n{err}");
    assert_eq!(log, "ok\ninput line\n");
    assert_eq!(err, "warning\n");
}

#[test]
fn a_crash_leaves_a_core_file_that_gdb_reads() {
    skip_unless_sandboxable!();
    usr_bin("gcc", "gcc");
    usr_bin("gdb", "gdb");
    usr_bin("bash", "bash");
    // The host's pattern decides where a core goes; the test does not change it.
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap();
    let pattern = pattern.trim_end();
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("crash.c", CRASH_C)]);
    let stdout = sh_in(
        dir.path(),
        &[],
        "gcc -g -O0 -o crash crash.c && echo \"soft $(ulimit -c)\" && \
         bash -c 'ulimit -c unlimited && echo \"raised $(ulimit -c)\" && ./crash; echo \"status $?\"' 2>&1",
    );
    let mut lines = stdout.lines();
    // devtools: no core file unless asked for, and the job may ask.
    assert_eq!(lines.next(), Some("soft 0"), "{stdout}");
    assert_eq!(lines.next(), Some("raised unlimited"), "{stdout}");
    assert!(stdout.contains("status 139"), "{stdout}");
    let plain = !pattern.starts_with('|') && !pattern.contains('/');
    if !plain {
        // A pipe: the kernel hands the core to the host's collector, outside the
        // sandbox; an absolute path: a directory the sandbox does not have. The crash is
        // still reported (a pipe reports a dump).
        eprintln!("core_pattern {pattern:?}: no core file in the working directory to check");
        if pattern.starts_with('|') {
            assert!(stdout.contains("(core dumped)"), "{stdout}");
        }
        return;
    }
    assert!(
        stdout.contains("Segmentation fault") && stdout.contains("(core dumped)"),
        "{stdout}"
    );
    // `core`, `core.PID` (core_uses_pid), `core.%e.%p`…: a file whose name starts with
    // the pattern's text before its first `%`.
    let prefix = pattern.split('%').next().unwrap();
    let core = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with(prefix) && n != "crash.c" && n != "crash")
        .unwrap_or_else(|| panic!("no core file ({pattern:?}) in {stdout}"));
    let stdout = sh_in(
        dir.path(),
        &[],
        &format!("gdb -q -batch -c {core} -ex bt ./crash"),
    );
    assert!(
        stdout.contains("Program terminated with signal SIGSEGV"),
        "{stdout}"
    );
    assert!(
        stdout.contains("crash_here (p=0x0) at crash.c:2"),
        "{stdout}"
    );
}

/// Python run inside: a pty of its own (os.openpty, pty.fork), and TIOCSTI on the
/// terminal it was given.
const PTY_PY: &str = r#"
import errno, fcntl, os, pty, termios
m, s = os.openpty()
print("openpty", os.ttyname(s).startswith("/dev/pts/"), flush=True)
pid, fd = pty.fork()
if pid == 0:
    print("child on a pty", flush=True)
    os._exit(0)
out = b""
while True:
    try:
        b = os.read(fd, 100)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
print("pty.fork read", out)
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x")
    print("TIOCSTI allowed")
except OSError as e:
    print("TIOCSTI", errno.errorcode[e.errno])
"#;

#[test]
fn ptys_of_its_own_and_dev_tty_on_a_terminal() {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    usr_bin("script", "bsdutils");
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("pty_test.py", PTY_PY)]);
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut master = std::fs::File::from(pty.master);
    let slave = std::fs::File::from(pty.slave);
    let mut cmd = caprun_in(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "sh",
            "-c",
            "echo $(ls /dev/pts) && python3 pty_test.py && script -qec 'echo in script' /dev/null | tr -d '\\r' && \
             echo to the terminal > /dev/tty && echo done",
        ],
    );
    // caprun's stdin and stderr are the terminal, its controlling terminal; stdout a pipe.
    // The terminal is one of the host's ptys, which the sandbox's /dev/pts does not list.
    cmd.stdin(slave.try_clone().unwrap())
        .stderr(slave.try_clone().unwrap());
    // SAFETY: between fork and exec only async-signal-safe calls: a new session with the
    // terminal (stdin) as its controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = output(cmd);
    // What reached the terminal (the slave is still open here: no EIO, only EAGAIN once
    // it is read).
    nix::fcntl::fcntl(
        &master,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let mut on_terminal = Vec::new();
    let _ = master.read_to_end(&mut on_terminal);
    drop(slave);
    let on_terminal = text(&on_terminal);
    let stdout = succeeded(&out, &on_terminal);
    assert_eq!(
        stdout,
        "ptmx\n\
         openpty True\n\
         pty.fork read b'child on a pty\\r\\n'\n\
         TIOCSTI EPERM\n\
         in script\n\
         done\n",
        "{on_terminal}"
    );
    assert!(on_terminal.contains("to the terminal"), "{on_terminal:?}");
}

#[test]
fn caprun_inside_caprun_says_what_the_outer_sandbox_refused() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let inner = caprun();
    let inner = inner.to_str().unwrap();
    let nested = |args: &[&str]| {
        let mut all = vec!["--rw", ".", "--ro", inner, "--", inner];
        all.extend_from_slice(args);
        run_in(dir.path(), &all)
    };
    // The default inner policy makes namespaces, which the outer filter refuses.
    let out = nested(&["--", "/usr/bin/true"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{stderr}");
    assert!(
        stderr.contains(
            "caprun: caprun runs inside another sandbox (caprun's: PID 1 is caprun-init; "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("which refused unshare (EPERM)"), "{stderr}");
    assert!(stderr.contains("--policy unprivileged"), "{stderr}");
    // Not the misreading it replaces, nor a way out that turns everything off.
    assert!(!stderr.contains("not available on this kernel"), "{stderr}");
    assert!(!stderr.contains("policy none"), "{stderr}");
    // What it suggests works: Landlock and seccomp stack on the outer sandbox's.
    let out = nested(&["--policy", "unprivileged", "--", "/usr/bin/echo", "stacked"]);
    assert_eq!(succeeded(&out, "nested unprivileged"), "stacked\n");
    // The inner sandbox restricts further: the outer grant of `.` is writable, the inner
    // one read-only.
    let out = nested(&[
        "--policy",
        "unprivileged",
        "--ro",
        ".",
        "--",
        "/usr/bin/touch",
        "inner-made",
    ]);
    assert!(!out.status.success(), "{}", text(&out.stderr));
    assert!(!dir.path().join("inner-made").exists());
    // An outer filter that refuses the Landlock calls with EPERM, as systemd-nspawn 252
    // does on a kernel that has Landlock: named as such, not as a kernel without it.
    std::fs::write(
        dir.path().join("no-landlock.yaml"),
        "extends: devtools\nseccomp:\n  deny: [landlock_create_ruleset]\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--policy",
            "no-landlock.yaml",
            "--rw",
            ".",
            "--ro",
            inner,
            "--",
            inner,
            "--policy",
            "unprivileged",
            "--",
            "/usr/bin/true",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{stderr}");
    assert!(
        stderr.contains("which refused landlock_create_ruleset (EPERM): the outer layer does not let caprun use Landlock"),
        "{stderr}"
    );
    assert!(
        stderr.contains("systemd-nspawn: --system-call-filter="),
        "{stderr}"
    );
    assert!(!stderr.contains("not available on this kernel"), "{stderr}");
    // Control: granted read-write inside too, the file is made (unprivileged's filter
    // then refuses touch's utimensat, hence no status check).
    nested(&[
        "--policy",
        "unprivileged",
        "--rw",
        ".",
        "--",
        "/usr/bin/touch",
        "inner-made",
    ]);
    assert!(dir.path().join("inner-made").exists());
}

#[test]
fn interface_listings_read_netlink_route_and_see_the_sandbox_s_network() {
    skip_unless_sandboxable!();
    usr_bin("python3", "python3");
    let dir = tempfile::tempdir().unwrap();
    // glibc's if_nameindex and getaddrinfo(AI_ADDRCONFIG) ask the kernel for the
    // interfaces through socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE).
    let script = "import socket\n\
                  print(socket.if_nameindex())\n\
                  print(socket.getaddrinfo('localhost', 80, type=socket.SOCK_STREAM, \
                  flags=socket.AI_ADDRCONFIG)[0][4])\n";
    write_tree(dir.path(), &[("ifs.py", script)]);
    let out = run_in(
        dir.path(),
        &["--rw", ".", "--env", "PATH", "--", "python3", "ifs.py"],
    );
    // Its own network namespace: loopback only.
    assert_eq!(
        succeeded(&out, "python3 ifs.py"),
        "[(1, 'lo')]\n('127.0.0.1', 80)\n"
    );
    // With --net the host's interfaces, as the host lists them.
    let host = Command::new("/usr/bin/python3")
        .args(["-c", "import socket; print(socket.if_nameindex())"])
        .output()
        .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "--net", "--rw", ".", "--env", "PATH", "--", "python3", "ifs.py",
        ],
    );
    let stdout = succeeded(&out, "python3 ifs.py --net");
    assert_eq!(stdout.lines().next(), text(&host.stdout).lines().next());
}

#[test]
fn javac_and_java_find_the_jdk_s_configuration_in_etc() {
    skip_unless_sandboxable!();
    // Debian's OpenJDK: conf/security/java.security and friends are links into
    // /etc/java-*-openjdk, which devtools finds by the links from /usr.
    usr_bin("javac", "default-jdk-headless");
    usr_bin("java", "default-jdk-headless");
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[(
            "Hello.java",
            "import java.security.MessageDigest;\n\
             public class Hello {\n\
             \x20 public static void main(String[] a) throws Exception {\n\
             \x20   // The security providers come from java.security.\n\
             \x20   byte[] d = MessageDigest.getInstance(\"SHA-256\").digest(\"x\".getBytes());\n\
             \x20   System.out.printf(\"hello %02x%02x%n\", d[0], d[1]);\n\
             \x20 }\n\
             }\n",
        )],
    );
    let stdout = sh_in(
        dir.path(),
        &[],
        "javac Hello.java && java Hello && ls /etc/shadow /etc/ssl/private 2>&1 | sed 's/.*: //'",
    );
    assert_eq!(
        stdout,
        "hello 2d71\nNo such file or directory\nNo such file or directory\n"
    );
}
