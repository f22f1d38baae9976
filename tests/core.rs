//! The core contract: exactly the referenced descriptors, renumbered by first
//! appearance, the argdata in a sealed memfd, nothing else.

mod common;

use std::os::unix::process::CommandExt;
use std::process::Command;

use common::*;

const ALL_SEALS: i64 =
    (libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE) as i64;

#[test]
fn nested_config_gets_the_exact_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "x").unwrap();
    let config = format!(
        "report: !fd stdout\n\
         files:\n  - !file {{path: {f}}}\n  - !file {{path: {d}}}\n\
         again: !fd 1\n\
         nested: {{deep: [!fd stderr, !fd 2, !fd stdout]}}\n",
        f = q(&file),
        d = q(dir.path()),
    );
    let r = probe_report(&["--policy=none"], &config);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3, 4], "{r}");
    let e0 = fd_entry(&r, 0);
    assert_eq!(
        (e0["type"].as_str(), e0["access"].as_str()),
        (Some("fifo"), Some("w"))
    );
    let e1 = fd_entry(&r, 1);
    assert_eq!(e1["type"], "reg");
    assert_eq!(e1["access"], "r");
    assert_eq!(e1["path"], file.to_str().unwrap());
    let e2 = fd_entry(&r, 2);
    assert_eq!(e2["type"], "dir");
    assert_eq!(e2["path"], dir.path().to_str().unwrap());
    assert_eq!(fd_entry(&r, 3)["type"], "fifo"); // stderr pipe
    let memfd = fd_entry(&r, 4);
    assert_eq!(memfd["seals"], ALL_SEALS);
    assert!(memfd["path"].as_str().unwrap().starts_with("/memfd:"));
    for f in r["fds"].as_array().unwrap() {
        assert_eq!(f["cloexec"], false, "{f}");
    }
    assert_eq!(r["env"], serde_json::json!(["ARGDATA_FD=4"]));
    assert_eq!(r["argv"], serde_json::json!(["probe"]));
    assert_eq!(r["argdata_fd"], 4);
    assert_eq!(
        r["argdata_offset"], 0,
        "a plain read() must see the argdata"
    );
    let yaml = r["argdata"].as_str().unwrap();
    // The tree with descriptors renumbered: stdout 0, files 1 and 2, stderr 3.
    let expected = argdata::Value::Map(vec![
        (str_("report"), argdata::Value::Fd(0)),
        (
            str_("files"),
            argdata::Value::Seq(vec![argdata::Value::Fd(1), argdata::Value::Fd(2)]),
        ),
        (str_("again"), argdata::Value::Fd(0)),
        (
            str_("nested"),
            argdata::Value::Map(vec![(
                str_("deep"),
                argdata::Value::Seq(vec![
                    argdata::Value::Fd(3),
                    argdata::Value::Fd(3),
                    argdata::Value::Fd(0),
                ]),
            )]),
        ),
    ]);
    assert_eq!(r["argdata_hex"], hex(&expected.to_bytes()), "{yaml}");
}

fn str_(s: &str) -> argdata::Value {
    argdata::Value::Str(s.into())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn argdata_is_byte_exact() {
    // Hand-encoded: map{ "report": fd 0, "n": 128, "f": 1.5 }.
    let r = probe_report(&["--policy=none"], "report: !fd stdout\nn: 128\nf: 1.5\n");
    let expected = concat!(
        "06",
        "88",
        "087265706f727400",
        "85",
        "0300000000",
        "83",
        "086e00",
        "83",
        "050080",
        "83",
        "086600",
        "89",
        "043ff8000000000000",
    );
    assert_eq!(r["argdata_hex"], expected);
}

#[test]
fn stdout_only_lands_at_zero() {
    let r = probe_report(&["--policy=none"], "!fd stdout\n");
    assert_eq!(fd_numbers(&r), vec![0, 1]);
    assert_eq!(fd_entry(&r, 0)["access"], "w");
    assert_eq!(fd_entry(&r, 1)["seals"], ALL_SEALS);
    assert_eq!(r["argdata_hex"], "0300000000");
    assert_eq!(r["env"], serde_json::json!(["ARGDATA_FD=1"]));
}

#[test]
fn cloudabi_run_tag_form_and_config_file_argument() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(
        &cfg,
        "%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nreport: !fd stdout\nself: !executable\n",
    )
    .unwrap();
    let out = run(
        &[
            "--policy=none",
            probe().to_str().unwrap(),
            cfg.to_str().unwrap(),
        ],
        "",
    );
    let r = report_of(&out);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2]);
    let exe = fd_entry(&r, 1);
    assert_eq!(exe["type"], "reg");
    assert_eq!(exe["path"], probe().to_str().unwrap());
}

#[test]
fn empty_config_gives_no_descriptor_but_the_argdata() {
    // No descriptor to report on: the probe exits 100 + number of open descriptors.
    let out = run(&["--policy=none", probe().to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(101), "{out:?}");
    let out = run(
        &["--policy=none", probe().to_str().unwrap(), "-"],
        "# just a comment\n",
    );
    assert_eq!(out.status.code(), Some(101), "{out:?}");
}

/// Launch caprun with `count` extra descriptors open at 1000 and above.
fn with_extra_fds(count: i32, cloexec: bool) -> serde_json::Value {
    let mut cmd = Command::new(caprun());
    cmd.arg("--policy=none");
    cmd.arg(probe());
    // SAFETY: the hook runs in the forked child before exec and uses only
    // async-signal-safe raw system calls on integers.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: 4096,
                rlim_max: 4096,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let op = if cloexec {
                libc::F_DUPFD_CLOEXEC
            } else {
                libc::F_DUPFD
            };
            for i in 0..count {
                if libc::fcntl(1, op, 1000 + 2 * i) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    report_of(&run_cmd(&mut cmd, "out: !fd stdout\nin: !fd 0\n"))
}

#[test]
fn a_thousand_extra_descriptors_do_not_reach_the_program() {
    for cloexec in [false, true] {
        let r = with_extra_fds(1000, cloexec);
        // stdout → 0, stdin → 1, argdata at 2: nothing else.
        assert_eq!(fd_numbers(&r), vec![0, 1, 2], "cloexec={cloexec}");
        assert_eq!(fd_entry(&r, 0)["access"], "w");
    }
}

#[test]
fn inherited_high_descriptor_is_moved_down() {
    let mut cmd = Command::new(caprun());
    cmd.arg("--policy=none");
    cmd.arg(probe());
    // SAFETY: raw, async-signal-safe calls in the forked child.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 4096,
                rlim_max: 4096,
            };
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            if libc::dup2(1, 3000) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let r = report_of(&run_cmd(&mut cmd, "report: !fd 3000\n"));
    assert_eq!(fd_numbers(&r), vec![0, 1]);
    assert_eq!(fd_entry(&r, 0)["type"], "fifo");
}

#[test]
fn sockets_are_bound_listening_and_connected() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("s.sock");
    let abstract_name = format!("caprun-test-{}", std::process::id());
    let config = format!(
        "report: !fd stdout\n\
         tcp: !socket {{bind: \"127.0.0.1:0\"}}\n\
         udp: !socket {{bind: \"[::1]:0\", type: dgram}}\n\
         unix: !socket {{bind: {s}, type: seqpacket, backlog: 5}}\n\
         abs: !socket {{bind: \"@{abstract_name}\"}}\n\
         peer: !socket {{connect: \"127.0.0.1:{port}\"}}\n",
        s = q(&sock)
    );
    let r = probe_report(&["--policy=none"], &config);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3, 4, 5, 6]);
    let tcp = fd_entry(&r, 1);
    assert_eq!(
        (tcp["socket"].as_str(), tcp["listening"].as_bool()),
        (Some("stream"), Some(true))
    );
    assert!(tcp["local"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(!tcp["local"].as_str().unwrap().ends_with(":0"));
    let udp = fd_entry(&r, 2);
    assert_eq!(
        (udp["socket"].as_str(), udp["listening"].as_bool()),
        (Some("dgram"), Some(false))
    );
    let unix = fd_entry(&r, 3);
    assert_eq!(
        (unix["socket"].as_str(), unix["listening"].as_bool()),
        (Some("seqpacket"), Some(true))
    );
    assert_eq!(fd_entry(&r, 4)["listening"], true);
    let peer = fd_entry(&r, 5);
    assert_eq!(
        (peer["socket"].as_str(), peer["listening"].as_bool()),
        (Some("stream"), Some(false))
    );
    listener
        .accept()
        .expect("the probe's socket connected to us");
}

#[test]
fn dry_run_prints_the_table_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let created = dir.path().join("new.log");
    let config = format!(
        "out: !fd stdout\nlog: !file {{path: {p}, mode: append, create: true}}\nsrv: !socket {{bind: \"127.0.0.1:0\"}}\n",
        p = q(&created)
    );
    let out = run(
        &["--policy=none", "--dry-run", probe().to_str().unwrap()],
        &config,
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0: {kind: inherited, fd: 1}"), "{text}");
    assert!(
        text.contains(&format!(
            "1: {{kind: file, path: {}, mode: append, created: true}}",
            q(&created)
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "2: {kind: socket, type: stream, bind: \"127.0.0.1:0\", address: \"127.0.0.1:"
        ),
        "{text}"
    );
    assert!(!text.contains("address: \"127.0.0.1:0\""), "{text}");
    assert!(text.contains("3: {kind: argdata, bytes: "), "{text}");
    assert!(text.contains("env: [\"ARGDATA_FD=3\"]"), "{text}");
    assert!(text.contains("out: !fd 0"), "{text}");
    assert!(text.contains("log: !fd 1"), "{text}");
    // Nothing ran, and the dry run removes what it created.
    assert!(!text.contains("\"fds\""));
    assert!(!created.exists());
}

#[test]
fn exit_statuses() {
    let missing = run(&["--policy=none", "/nonexistent/program"], "");
    assert_eq!(missing.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("caprun: /nonexistent/program: "));
    let not_exec = run(&["--policy=none", "/etc/hostname"], "");
    assert_eq!(not_exec.status.code(), Some(126), "{not_exec:?}");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // A `#!` script runs by path (with no descriptors: the config passes none); one
    // whose interpreter is missing is "not found".
    std::fs::write(&script, "#!/bin/sh\nexit 7\n").unwrap();
    let out = run(&["--policy=none", script.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    std::fs::write(&script, "#!/nonexistent/sh\necho ran\n").unwrap();
    let out = run(&["--policy=none", script.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("its #! interpreter /nonexistent/sh does not exist"));
    assert!(out.stdout.is_empty());
    let usage = run(&[], "");
    assert_eq!(usage.status.code(), Some(125));
    let usage = run(&["--policy=none", "--no-such-option", "x"], "");
    assert_eq!(usage.status.code(), Some(125));
    // clap's message (with its tip), then where to read more.
    let err = String::from_utf8_lossy(&usage.stderr);
    assert!(
        err.starts_with("caprun: unexpected argument '--no-such-option' found\n"),
        "{err}"
    );
    assert!(err.ends_with("\n(see caprun --help)\n"), "{err}");
    // The program's own status is the status: caprun replaced itself.
    let f = run(&["--policy=none", "/bin/false"], "");
    assert_eq!(f.status.code(), Some(1));
    let help = run(&["--policy=none", "--help"], "");
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--dry-run"));
}

#[test]
fn exec_failure_after_the_rearrangement_reaches_the_original_stderr() {
    // An x86-64 executable's ELF header, as the early checks want it, but without
    // program headers (e_phentsize 0): the kernel refuses it (ENOEXEC).
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus");
    let mut ehdr = vec![0u8; 64];
    ehdr[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    ehdr[16..21].copy_from_slice(&[2, 0, 62, 0, 1]);
    std::fs::write(&bogus, ehdr).unwrap();
    std::fs::set_permissions(&bogus, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // The config does not reference stderr: the message must still arrive.
    let out = run(&["--policy=none", bogus.to_str().unwrap()], "!fd stdout\n");
    assert_eq!(out.status.code(), Some(126), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("caprun: {}: ", bogus.display())),
        "{err}"
    );
    assert!(err.to_lowercase().contains("exec format"), "{err}");
}

#[test]
fn truncation_and_creation_happen_only_on_a_real_launch() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("keep.txt");
    std::fs::write(&keep, "precious").unwrap();
    let new = dir.path().join("new.txt");
    let bad = format!(
        "a: !file {{path: {k}, mode: write, truncate: true}}\nb: !file {{path: {n}, mode: write, create: true}}\nc: !file {{path: \"/nonexistent/x\"}}\n",
        k = q(&keep),
        n = q(&new)
    );
    let out = run(&["--policy=none", probe().to_str().unwrap()], &bad);
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "precious");
    assert!(!new.exists(), "a failed launch left a created file behind");

    let good = format!(
        "report: !fd stdout\na: !file {{path: {k}, mode: write, truncate: true}}\nb: !file {{path: {n}, mode: write, create: true}}\n",
        k = q(&keep),
        n = q(&new)
    );
    let r = probe_report(&["--policy=none"], &good);
    assert_eq!(fd_numbers(&r), vec![0, 1, 2, 3]);
    assert_eq!(fd_entry(&r, 1)["access"], "w");
    assert_eq!(std::fs::read_to_string(&keep).unwrap(), "");
    assert!(new.exists());
}

#[test]
fn resource_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    let cases: &[(&str, &str)] = &[
        (
            "report: !fd stdout\nx: !file {path: /nonexistent/file}\n",
            ":2:4: /nonexistent/file: No such file",
        ),
        (
            "report: !fd stdout\nx: !fd 900\n",
            ":2:4: descriptor 900 is not open",
        ),
        (
            "report: !fd stdout\nx: !socket {connect: \"no-such-host.invalid:80\"}\n",
            ":2:4: socket no-such-host.invalid:80: cannot resolve",
        ),
        (
            "report: !fd stdout\nx: !socket {connect: \"/nonexistent/sock\"}\n",
            ":2:4: socket /nonexistent/sock: ",
        ),
    ];
    for (config, expected) in cases {
        std::fs::write(&cfg, config).unwrap();
        let out = run(
            &[
                "--policy=none",
                probe().to_str().unwrap(),
                cfg.to_str().unwrap(),
            ],
            "",
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{config}: {err}");
        assert!(out.stdout.is_empty(), "{config}: the program ran");
        let want = format!("caprun: {}{expected}", cfg.display());
        assert!(err.starts_with(&want), "{config}:\n got {err}\nwant {want}");
        // One line of message, then the config line with a caret under the column.
        assert_caret(&err, config, 2, 4);
    }
}

/// `err` is one message line, then line `line` of `source` and a caret at `col`.
fn assert_caret(err: &str, source: &str, line: usize, col: usize) {
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    let src = source.lines().nth(line - 1).unwrap_or(""); // "" at the end of input
    assert_eq!(lines[1], format!("  {line} | {src}"), "{err}");
    let caret = lines[2].split_once(" | ").unwrap().1;
    assert_eq!(caret.chars().count(), col, "caret column in {err}");
    assert!(caret.ends_with('^'), "{err}");
}

#[test]
fn bad_config_corpus_fails_with_positions_and_runs_nothing() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad-configs");
    let mut n = 0;
    for entry in std::fs::read_dir(corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no expect line", path.display()));
        let out = run(
            &[
                "--policy=none",
                probe().to_str().unwrap(),
                path.to_str().unwrap(),
            ],
            "",
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{}: {err}", path.display());
        assert!(out.stdout.is_empty(), "{}: the program ran", path.display());
        let (pos, msg) = expect.split_once(": ").unwrap();
        let want = format!("caprun: {}:{pos}: ", path.display());
        assert!(
            err.starts_with(&want),
            "{}:\n got {err}\nwant {want}…",
            path.display()
        );
        assert!(err.contains(msg), "{}: {err} lacks {msg}", path.display());
        let (line, col) = pos.split_once(':').unwrap();
        assert_caret(&err, &text, line.parse().unwrap(), col.parse().unwrap());
        n += 1;
    }
    assert!(n >= 12, "only {n} bad configs");
}
