//! Unmodified programs: `!exec` configs and the command-line form under `devtools`.
//! Every claim is paired with a control run that shows the same action succeeding
//! without caprun (or the sandbox denying exactly what it should).

#[macro_use]
mod common;

use std::io::{BufRead, Read};
use std::process::{Command, Stdio};

use common::*;

/// Run caprun's command-line form in `dir`; stdin empty.
fn cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(caprun())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_shell_pipeline_over_a_granted_directory() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [("a.txt", "b\na\n"), ("c.txt", "c\n")] {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let out = cli(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH",
            "--",
            "sh",
            "-c",
            "cat *.txt | sort | tr a-z A-Z > out.txt && wc -l < out.txt",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "3");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "A\nB\nC\n"
    );
}

#[test]
fn read_only_grants_refuse_writes() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "x").unwrap();
    let script = "cat a.txt && echo y > new.txt";
    let out = cli(
        dir.path(),
        &["--ro", ".", "--env", "PATH", "--", "sh", "-c", script],
    );
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "x");
    assert!(!dir.path().join("new.txt").exists());
    // Control: read-write, the same script succeeds.
    let out = cli(
        dir.path(),
        &["--rw", ".", "--env", "PATH", "--", "sh", "-c", script],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("new.txt").exists());
}

#[test]
fn python_writes_its_directory_but_cannot_read_home_or_shadow() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("secret"), "s3cret").unwrap();
    let script = r#"
import os, sys
open("written.txt", "w").write("from python")
for path in [os.environ["HOME"] + "/secret", "/etc/shadow"]:
    try:
        open(path).read()
        print("READ", path)
    except OSError as e:
        print("DENIED", path, e.errno)
"#;
    let home_env = format!("HOME={}", home.path().display());
    let args = [
        "--rw",
        ".",
        "--env",
        &home_env,
        "--",
        "/usr/bin/python3",
        "-c",
        script,
    ];
    // Control: the same script directly reads both.
    let control = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .env("HOME", home.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        text(&control.stdout).matches("READ").count(),
        2,
        "{control:?}"
    );
    let out = cli(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("READ"), "{stdout}");
    assert_eq!(stdout.matches("DENIED").count(), 2, "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("written.txt")).unwrap(),
        "from python"
    );
}

#[test]
fn a_c_build_with_the_toolchain_s_subprocesses() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.c"),
        "#include <stdio.h>\nint main(void) { puts(\"built in the sandbox\"); return 0; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Makefile"),
        "hello: main.c\n\tcc -O1 -o hello main.c\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["--rw", ".", "--env", "PATH", "--", "make"]);
    assert!(
        out.status.success(),
        "stdout {} stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let run = Command::new(dir.path().join("hello")).output().unwrap();
    assert_eq!(text(&run.stdout), "built in the sandbox\n");
}

#[test]
fn a_server_takes_its_listening_socket_as_a_number() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    // Port 0: the kernel picks a free port when caprun binds, and the server prints it
    // (a port chosen beforehand could be taken by a concurrent test in between).
    let config = "!exec\nargv: [python3, -c, \"import socket,sys; s=socket.socket(fileno=int(sys.argv[2])); print(s.getsockname()[1], flush=True); c,_=s.accept(); c.sendall(b'served from fd ' + sys.argv[2].encode()); c.close()\", --listen-fd, !socket {bind: \"127.0.0.1:0\"}]\n";
    let cfg = dir.path().join("server.yaml");
    std::fs::write(&cfg, config).unwrap();
    let mut child = Command::new(caprun())
        .args([
            "--policy",
            "devtools",
            "/usr/bin/python3",
            cfg.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = match line.trim().parse() {
        Ok(p) => p,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no port from the server: {line:?}; stderr: {}",
                stderr_of(&mut child)
            );
        }
    };
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A lost connection fails the test instead of hanging it.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = child.wait().unwrap();
    let err = stderr_of(&mut child);
    assert!(status.success(), "{err}");
    // stdio are 0-2, so the socket is descriptor 3, and the network namespace did not
    // matter: the socket was bound on the host.
    assert_eq!(reply, "served from fd 3");
}

#[test]
fn dry_run_prints_a_config_that_runs_the_same() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "data\n").unwrap();
    let out = cli(
        dir.path(),
        &[
            "--dry-run",
            "--ro",
            ".",
            "--env",
            "PATH",
            "--env",
            "GREETING=hi there",
            "--",
            "sh",
            "-c",
            "echo $GREETING; cat in.txt",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = text(&out.stdout);
    assert!(
        config.contains("!exec\nargv: [\"sh\", \"-c\", \"echo $GREETING; cat in.txt\"]"),
        "{config}"
    );
    assert!(config.contains("\"GREETING\": \"hi there\""), "{config}");
    let cfg = dir.path().join("saved.yaml");
    std::fs::write(&cfg, &config).unwrap();
    let sh = which("sh");
    let out = Command::new(caprun())
        .args([
            "--policy",
            "devtools",
            sh.to_str().unwrap(),
            cfg.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hi there\ndata\n");
}

#[test]
fn the_environment_is_only_what_is_named() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(caprun())
        .args(["--env", "A=1", "--env", "KEEP", "--", "/usr/bin/env"])
        .env("KEEP", "kept")
        .env("DROP", "dropped")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "A=1\nKEEP=kept\n");
}

fn which(name: &str) -> std::path::PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap()
}

#[test]
fn the_terminal_exists_when_a_standard_descriptor_is_one_or_when_granted() {
    skip_unless_sandboxable!();
    // `script` gives caprun a controlling terminal (util-linux, essential on Debian).
    // `redirect`: caprun's standard descriptors are not the terminal (it keeps it as its
    // controlling terminal all the same).
    let run_in_tty = |grant: bool, redirect: bool| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let cmd = format!(
            "{} {} --env PATH -- sh -c 'echo tty-ok > /dev/tty' {}",
            caprun().display(),
            if grant { "--rw /dev/tty" } else { "" },
            if redirect {
                format!("< /dev/null > {} 2>&1", log.display())
            } else {
                String::new()
            }
        );
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("script (util-linux) is needed for this test");
        text(&out.stdout) + &std::fs::read_to_string(&log).unwrap_or_default()
    };
    assert!(run_in_tty(true, true).contains("tty-ok"));
    // devtools binds /dev/tty when a standard descriptor is a terminal (less, prompts).
    assert!(run_in_tty(false, false).contains("tty-ok"));
    // Not otherwise: a job whose output goes to a file does not reach the terminal.
    let denied = run_in_tty(false, true);
    assert!(!denied.contains("tty-ok"), "{denied}");
    assert!(denied.contains("/dev/tty"), "{denied}");
    // Without a controlling terminal (a CI runner) /dev/tty is there and reaches no
    // terminal, as outside (ENXIO, not a read-only file system), until the program makes
    // a pty of the sandbox's its own: then it reaches that one.
    let out = Command::new("setsid")
        .args(["-w"])
        .arg(caprun())
        .args([
            "--env",
            "PATH",
            "--",
            "sh",
            "-c",
            "echo x > /dev/tty; script -qec 'echo via-own-pty > /dev/tty' /dev/null",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("setsid (util-linux) is needed for this test");
    assert!(
        text(&out.stderr).contains("cannot create /dev/tty: No such device or address"),
        "{out:?}"
    );
    assert!(text(&out.stdout).contains("via-own-pty"), "{out:?}");
}

#[test]
fn net_reaches_the_host_network_only_when_given() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let _ = std::io::Write::write_all(&mut stream.unwrap(), b"hi");
        }
    });
    let script = format!(
        "import socket\ntry:\n    print(socket.create_connection(('127.0.0.1', {port}), timeout=5).recv(2))\nexcept OSError as e:\n    print('DENIED', e.errno)\n"
    );
    let connect = |extra: &[&str]| {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["--", "/usr/bin/python3", "-c", &script]);
        text(&cli(dir.path(), &args).stdout)
    };
    assert!(connect(&[]).starts_with("DENIED"), "without --net");
    assert_eq!(connect(&["--net"]), "b'hi'\n");
    // The filter routed to the supervisor for --explain-denials allows the same.
    assert_eq!(connect(&["--net", "--explain-denials"]), "b'hi'\n");
}

#[test]
fn at_paths_inside_the_sandbox_are_absolute_and_normal() {
    // `at: /../proc/self/cwd/escaped` would walk out of the root being built, onto the
    // host (where caprun's working directory is): refused at its position, nothing made.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("f"), "inside\n").unwrap();
    let config = |at: &str| {
        format!(
            "!exec\nargv: [cat, {}]\nenv: {{}}\npaths: [!dir {{path: {}, at: {at}}}]\n",
            q(&std::path::Path::new(at.trim_matches('"')).join("f")),
            q(&data)
        )
    };
    for bad in [
        "\"/../proc/self/cwd/escaped\"",
        "\"/srv/./data\"",
        "\"/srv//data\"",
    ] {
        let out = Command::new(caprun())
            .args(["--policy", "devtools", "/usr/bin/cat", "-"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                std::io::Write::write_all(c.stdin.as_mut().unwrap(), config(bad).as_bytes())?;
                drop(c.stdin.take());
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{bad}: {out:?}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("caprun: <stdin>:4:") && err.contains("at: `"),
            "{err}"
        );
        assert!(!dir.path().join("escaped").exists());
    }
    // Control: a normal `at:` binds the directory there.
    let out = run(
        &["--policy", "devtools", "/usr/bin/cat"],
        &config("/srv/data"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "inside\n");
}

#[test]
fn the_more_specific_grant_wins() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let script = "echo a > sub/x && echo sub-written; echo b > y && echo top-written";
    let grant = |outer: &str, inner: &str, policy: &str| {
        Command::new(caprun())
            .args(["--policy", policy, outer])
            .arg(dir.path())
            .arg(inner)
            .arg(&sub)
            .args([
                "--env",
                "PATH=/usr/bin:/bin",
                "--",
                "/usr/bin/sh",
                "-c",
                script,
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // With a mount namespace the inner bind sits on the outer one, with its own flags.
    let out = grant("--ro", "--rw", "devtools");
    assert_eq!(text(&out.stdout), "sub-written\n", "{out:?}");
    let out = grant("--rw", "--ro", "devtools");
    assert_eq!(text(&out.stdout), "top-written\n", "{out:?}");
    // Without one (unprivileged) Landlock's rights add up: the inner read-only grant
    // cannot hold beneath a read-write one, so that is refused; the other way round is
    // what Landlock does by itself.
    let out = grant("--rw", "--ro", "unprivileged");
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(
        text(&out.stderr).contains("is granted read-only beneath")
            && text(&out.stderr).contains("which is granted read-write"),
        "{out:?}"
    );
    let out = grant("--ro", "--rw", "unprivileged");
    assert_eq!(text(&out.stdout), "sub-written\n", "{out:?}");
}

#[test]
fn a_failing_program_hears_what_the_sandbox_refused_it() {
    // The command-line form: when the program fails, caprun names the system calls the
    // policy refused it (most failures in a sandbox are such refusals, seen by the
    // program as EPERM), with the arguments that say what was asked. Quiet otherwise: a program that succeeds, or fails without a
    // refusal, gets nothing added.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let sh = |script: &str| {
        cli(
            dir.path(),
            &[
                "--ro",
                ".",
                "--env",
                "PATH=/usr/bin:/bin",
                "--",
                "/usr/bin/sh",
                "-c",
                script,
            ],
        )
    };
    let out = sh("unshare -U true; exit 3");
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("caprun: the program failed, and policy devtools refused it these system calls:\ncaprun:        1 × unshare(CLONE_NEWUSER)\n")
            && err.contains("--explain-denials"),
        "{err}"
    );
    let out = sh("unshare -U true; exit 0");
    assert!(!text(&out.stderr).contains("caprun:"), "{out:?}");
    // A failure with no refused call: a missing grant is the likely cause (issue 26).
    let out = sh("exit 3");
    let err = text(&out.stderr);
    assert!(
        !err.contains("refused it these system calls")
            && err.contains("no system call was refused: a path it needs and was not granted is the likely cause"),
        "{err}"
    );
}

#[test]
fn a_working_directory_not_granted_is_warned_of() {
    // The program starts in `/` then: relative paths break, so caprun says so and names
    // the fix. Control: with `--ro .` it starts where the caller is, without a warning.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_path = data.path().to_str().unwrap();
    let out = cli(
        dir.path(),
        &[
            "--ro",
            data_path,
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "pwd",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/\n");
    let here = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        text(&out.stderr),
        format!(
            "caprun: warning: the working directory {} is not granted: pwd starts in / (grant it with --ro . or --rw ., which exposes all of it, or use --cwd DIR to start in a directory inside a grant)\n",
            here.display()
        )
    );
    let out = cli(
        dir.path(),
        &["--ro", ".", "--env", "PATH=/usr/bin:/bin", "--", "pwd"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}\n", here.display()));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn cwd_starts_the_program_inside_a_grant_and_nowhere_else() {
    // Issue 27 §3: with only a file granted, `--cwd .` starts the program beside it,
    // seeing that file and nothing else of the directory (`--ro .` would expose all of
    // it); a directory inside a grant is taken as is; one outside every grant is refused
    // before anything runs.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "granted\n").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "not granted\n").unwrap();
    std::fs::create_dir_all(dir.path().join("tree/sub")).unwrap();
    let here = std::fs::canonicalize(dir.path()).unwrap();
    let script = "pwd; cat input.txt; cat secret.txt 2>/dev/null || echo no-secret";
    let sh = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--env", "PATH=/usr/bin:/bin", "--", "sh", "-c", script]);
        cli(dir.path(), &all)
    };
    // Control: without --cwd the program starts in /, where input.txt is not.
    let out = sh(&["--ro", "input.txt"]);
    assert!(text(&out.stdout).starts_with("/\n"), "{out:?}");
    assert!(
        text(&out.stderr).contains("or use --cwd . to start there seeing only the granted files)"),
        "{out:?}"
    );
    let out = sh(&["--ro", "input.txt", "--cwd", "."]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{}\ngranted\nno-secret\n", here.display())
    );
    assert_eq!(text(&out.stderr), "");
    // Inside a granted directory.
    let out = cli(
        dir.path(),
        &[
            "--ro",
            "tree",
            "--cwd",
            "tree/sub",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "pwd",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{}/tree/sub\n", here.display()));
    // --dry-run shows it in the config it prints.
    let out = cli(
        dir.path(),
        &[
            "--dry-run",
            "--ro",
            "tree",
            "--cwd",
            "tree/sub",
            "--",
            "pwd",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("\ncwd: \"{}/tree/sub\"\n", here.display())),
        "{}",
        text(&out.stdout)
    );
    // Refused: outside every grant, not a directory, missing, or without `--`.
    for (args, says) in [
        (
            &["--ro", "tree", "--cwd", "."][..],
            "lies inside no directory granted",
        ),
        (
            &["--ro", "input.txt", "--cwd", "tree"],
            "lies inside no directory granted",
        ),
        (
            &["--ro", ".", "--cwd", "input.txt"],
            "--cwd input.txt: not a directory",
        ),
        (
            &["--ro", ".", "--cwd", "nowhere"],
            "--cwd nowhere: No such file",
        ),
    ] {
        let mut all = args.to_vec();
        all.extend(["--", "touch", "ran"]);
        let out = cli(dir.path(), &all);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {out:?}");
        assert!(text(&out.stderr).contains(says), "{args:?}: {out:?}");
        assert!(
            !dir.path().join("ran").exists(),
            "{args:?}: the program ran"
        );
    }
    let out = cli(dir.path(), &["--cwd", ".", "/bin/true"]);
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(
        text(&out.stderr).contains("--cwd belong to the command-line form"),
        "{out:?}"
    );
}

#[test]
fn program_is_looked_up_in_the_path_the_program_gets() {
    // `--env PATH=…` is the PATH a shell in the sandbox would search: PROGRAM is found
    // there, not only in caprun's own PATH. Control: caprun's PATH does not have it.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(which("echo"), bin.join("only-here")).unwrap();
    let path = format!("PATH={}:/usr/bin", bin.display());
    let out = cli(
        dir.path(),
        &["--ro", ".", "--env", &path, "--", "only-here", "found"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "found\n");
    let out = cli(
        dir.path(),
        &[
            "--ro",
            ".",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "only-here",
        ],
    );
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        text(&out.stderr),
        "caprun: only-here: not found in PATH=/usr/bin:/bin\n"
    );
}

/// An executable file `name` in `dir` with `text`.
fn script(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn a_script_program_runs_by_path_with_its_interpreter_from_inside() {
    // A `#!` PROGRAM runs as from a shell: the interpreter gets the script's path and
    // the arguments, and `#!/usr/bin/env python3` finds python3 in the sandbox's PATH.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let here = std::fs::canonicalize(dir.path()).unwrap();
    script(dir.path(), "s.sh", "#!/bin/sh\necho \"$0 $*\"; pwd\n");
    script(
        dir.path(),
        "p.py",
        "#!/usr/bin/env python3\nimport sys\nprint(sys.argv[1:], sys.executable)\n",
    );
    let out = cli(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "./s.sh",
            "a",
            "b c",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{0}/s.sh a b c\n{0}\n", here.display())
    );
    let out = cli(
        dir.path(),
        &[
            "--rw",
            ".",
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "./p.py",
            "x",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "['x'] /usr/bin/python3\n");
}

#[test]
fn a_script_outside_the_grants_is_granted_read_only() {
    // Like an ELF PROGRAM (readable through its descriptor), a script is the program's
    // to read: granted read-only when no grant holds it, and written so in the config
    // the command line stands for. Control: the script's directory stays out of reach.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    let tools_dir = std::fs::canonicalize(tools.path()).unwrap();
    std::fs::write(tools_dir.join("secret"), "s").unwrap();
    let s = script(
        &tools_dir,
        "t.sh",
        &format!(
            "#!/bin/sh\necho run; echo x >> \"$0\" || echo read-only; test -e {}/secret || echo hidden\n",
            tools_dir.display()
        ),
    );
    let s = s.to_str().unwrap();
    let out = cli(
        dir.path(),
        &["--ro", ".", "--env", "PATH=/usr/bin:/bin", "--", s],
    );
    assert!(out.status.code().is_some(), "{out:?}");
    assert_eq!(text(&out.stdout), "run\nread-only\nhidden\n", "{out:?}");
    let out = cli(
        dir.path(),
        &[
            "--ro",
            ".",
            "--env",
            "PATH=/usr/bin:/bin",
            "--dry-run",
            "--",
            s,
        ],
    );
    assert!(
        text(&out.stdout).contains(&format!("  - !file {{path: \"{s}\", mode: read}}\n")),
        "{out:?}"
    );
}

#[test]
fn a_script_s_missing_interpreter_is_named() {
    // Exit 127, as a shell says "not found": the interpreter does not exist, or the
    // policy does not give it. Control: the same script under devtools runs.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    script(dir.path(), "none.sh", "#!/no/such/interp -x\n");
    script(dir.path(), "sh.sh", "#!/bin/sh\necho ran\n");
    let out = cli(dir.path(), &["--ro", ".", "--", "./none.sh"]);
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "caprun: ./none.sh: its #! interpreter /no/such/interp does not exist: No such file or directory (os error 2)\n"
    );
    let out = cli(
        dir.path(),
        &["--policy", "strict", "--ro", ".", "--", "./sh.sh"],
    );
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("caprun: ./sh.sh: its #! interpreter /bin/sh is not inside the sandbox of policy strict: grant it (--ro /usr/bin/"),
        "{err}"
    );
    let out = cli(dir.path(), &["--ro", ".", "--", "./sh.sh"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "ran\n");
    // DOS line endings: the kernel would look for `/bin/sh\r`; caprun says why.
    script(dir.path(), "dos.sh", "#!/bin/sh\r\necho ran\r\n");
    let out = cli(dir.path(), &["--ro", ".", "--", "./dos.sh"]);
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        "caprun: ./dos.sh: its #! interpreter /bin/sh ends in a carriage return: the script has DOS line endings (CR LF), and the kernel looks for a file of that name; convert it (dos2unix)\n"
    );
}

#[test]
fn an_inherited_file_opens_again_by_path_but_nothing_beside_it() {
    // Without a mount namespace (unprivileged) Landlock alone decides what a path
    // reaches: the log caprun's stdout was opened on is reachable again through
    // /proc/self/fd/1 with its mode, the file next to it is not.
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("log.txt");
    let sibling = logs.path().join("sibling.txt");
    std::fs::write(&sibling, "secret\n").unwrap();
    let script = format!(
        "echo reopened >> /proc/self/fd/1; read l < {}; echo \"read $?\" >> /dev/stdout",
        sibling.display()
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["--policy", "unprivileged"];
        args.extend_from_slice(extra);
        args.extend(["--", "/usr/bin/sh", "-c", &script]);
        let status = Command::new(caprun())
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        (status, std::fs::read_to_string(&log).unwrap())
    };
    let (status, out) = run(&[]);
    assert!(status.success(), "{out}");
    assert_eq!(out, "reopened\nread 2\n");
    // Control: granted, the sibling is read.
    let logs_dir = logs.path().to_str().unwrap().to_owned();
    let (_, out) = run(&["--ro", &logs_dir]);
    assert_eq!(out, "reopened\nread 0\n");
}
