//! `caprun --check-host`, on this kernel and on older ones emulated with `old-kernel`
//! (Landlock's version query answered with an older ABI; `fsopen` failing as it does
//! for a PID namespace's `pid_max` before Linux 6.14), and inside a sandbox where user
//! namespaces, Landlock and seccomp are denied.
//!
//! Besides the verdicts each case expects, every verdict is checked against a real
//! launch under the same conditions: "runs as written" is a launch that runs without a
//! warning, "runs with differences" one that runs with exactly those warnings, and
//! "refused" one that fails with 125 and exactly that message. The text report says
//! what the JSON says.

#[macro_use]
mod common;

use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

const BUILT_INS: [&str; 5] = ["strict", "default", "unprivileged", "none", "devtools"];

/// `caprun --check-host ARGS`, under `old-kernel OLD --` when `old` is given.
fn check_host(old: Option<&[&str]>, args: &[&str]) -> Output {
    let mut cmd = match old {
        Some(old) => {
            let mut cmd = Command::new(example("old-kernel"));
            cmd.args(old).arg("--").arg(caprun());
            cmd
        }
        None => Command::new(caprun()),
    };
    cmd.arg("--check-host")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The JSON report and the text report of `--check-host ARGS` (same conditions), after
/// checking that both exit alike and that the text says what the JSON says.
fn reports(old: Option<&[&str]>, args: &[&str]) -> (Value, Output) {
    let mut json_args = vec!["--format", "json"];
    json_args.extend_from_slice(args);
    let out = check_host(old, &json_args);
    assert!(out.stderr.is_empty(), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)));
    let shown = check_host(old, args);
    assert_eq!(shown.status.code(), out.status.code(), "{shown:?}");
    assert_text_says_what_the_json_says(&text(&shown.stdout), &report);
    // The exit status follows the verdicts.
    let all = report["all_run_as_written"].as_bool().unwrap();
    assert_eq!(
        all,
        policies(&report)
            .iter()
            .all(|p| p["verdict"] == "runs_as_written")
    );
    assert_eq!(out.status.code(), Some(if all { 0 } else { 1 }), "{out:?}");
    (report, out)
}

fn policies(report: &Value) -> Vec<Value> {
    report["policies"].as_array().unwrap().clone()
}

/// The verdict object of `name` (`with_net`: its verdict with --net).
fn verdict(report: &Value, name: &str, with_net: bool) -> Value {
    let p = policies(report)
        .into_iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report}"));
    if with_net {
        p["with_net"].clone()
    } else {
        p
    }
}

fn feature(report: &Value, id: &str) -> Value {
    report["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in {report}"))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// A feature's `used_by`, `used_by_options` and `used_for` as the text says them:
/// `strict, default and devtools`, `, for PURPOSE`.
fn used_by_phrase(f: &Value) -> String {
    let mut names = strs(&f["used_by"]);
    names.extend(strs(&f["used_by_options"]));
    let mut phrase = match names.as_slice() {
        [] => "no built-in policy".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    if let Some(purpose) = f["used_for"].as_str() {
        phrase.push_str(&format!(", for {purpose}"));
    }
    phrase
}

/// Every feature and verdict of the JSON is in the text, as the text shows it.
fn assert_text_says_what_the_json_says(text: &str, report: &Value) {
    let root = report["root"].as_bool().unwrap();
    assert!(
        text.lines().next().unwrap().contains(if root {
            "running as root"
        } else {
            "(not root)"
        }),
        "{text}"
    );
    assert!(
        text.contains(&format!("on Linux {},", report["kernel"].as_str().unwrap())),
        "{text}"
    );
    for f in report["features"].as_array().unwrap() {
        let line = format!(
            "  {}  {}: {} ({}; used by {})\n",
            if f["available"].as_bool().unwrap() {
                "yes"
            } else {
                "no "
            },
            f["name"].as_str().unwrap(),
            f["detail"].as_str().unwrap(),
            f["how"].as_str().unwrap(),
            used_by_phrase(f)
        );
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
    }
    let l = &report["landlock"];
    if l["abi"].as_i64().unwrap() >= 1 {
        for (label, key) in [
            ("file-system rights", "fs_rights"),
            ("network rights", "net_rights"),
            ("scopes", "scopes"),
        ] {
            let list = strs(&l[key]);
            let list = if list.is_empty() {
                "none at this ABI".to_owned()
            } else {
                list.join(", ")
            };
            let line = format!("       {label}: {list} (inferred from the ABI)\n");
            assert!(text.contains(&line), "{line:?} not in:\n{text}");
        }
    }
    for s in report["user_namespace_settings"].as_array().unwrap() {
        let value = s["value"].as_str().unwrap_or("(not on this kernel)");
        let shown = format!("{} = {value}", s["name"].as_str().unwrap());
        assert!(text.contains(&shown), "{shown:?} not in:\n{text}");
    }
    let policies_part = &text[text.find("\nPolicies").expect("a Policies section")..];
    for p in policies(report) {
        let name = p["name"].as_str().unwrap();
        let line = policies_part
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in:\n{text}"));
        match p["verdict"].as_str().unwrap() {
            "runs_as_written" => assert!(line.ends_with("  runs as written"), "{line}"),
            "runs_with_differences" => {
                assert!(line.ends_with("  runs with differences:"), "{line}");
                for d in strs(&p["differences"]) {
                    assert!(policies_part.contains(&format!("  {d}\n")), "{d}: {text}");
                }
            }
            "refused" => {
                let why = p["reason"].as_str().unwrap();
                assert!(line.ends_with(&format!("  refused: {why}")), "{line}");
            }
            other => panic!("verdict {other}"),
        }
        let net = &p["with_net"];
        if !net.is_null() && net["verdict"] != p["verdict"] {
            let shown = match net["verdict"].as_str().unwrap() {
                "refused" => format!("with --net: refused: {}\n", net["reason"].as_str().unwrap()),
                "runs_as_written" => "with --net: runs as written\n".to_owned(),
                _ => "with --net: runs with differences:\n".to_owned(),
            };
            assert!(policies_part.contains(&shown), "{shown:?} not in:\n{text}");
        }
    }
    let last = text.lines().last().unwrap();
    let status = if report["all_run_as_written"].as_bool().unwrap() {
        0
    } else {
        1
    };
    assert!(
        last.ends_with(&format!("(exit status {status})."),),
        "{last}"
    );
}

/// Launch the probe under `policy` with `args`, as `--check-host` judged it (under
/// `old-kernel OLD` when given).
fn launch(old: Option<&[&str]>, policy: &str, args: &[&str]) -> Output {
    let mut cmd = match old {
        Some(old) => {
            let mut cmd = Command::new(example("old-kernel"));
            cmd.args(old).arg("--").arg(caprun());
            cmd
        }
        None => Command::new(caprun()),
    };
    cmd.args(["--policy", policy]).args(args).arg(probe());
    run_cmd(&mut cmd, "!fd stdout\n")
}

/// Each verdict of `report` (made with `options`) is what the launch does.
fn assert_verdicts_predict_launches(old: Option<&[&str]>, report: &Value, options: &[&str]) {
    for p in policies(report) {
        let name = p["name"].as_str().unwrap();
        let mut cases = vec![(p.clone(), options.to_vec())];
        if !p["with_net"].is_null() {
            let mut with_net = options.to_vec();
            with_net.push("--net");
            cases.push((p["with_net"].clone(), with_net));
        }
        for (v, args) in cases {
            let out = launch(old, name, &args);
            let err = text(&out.stderr);
            match v["verdict"].as_str().unwrap() {
                "runs_as_written" => {
                    assert!(
                        out.status.success()
                            && out.stdout.starts_with(b"{\"argv\"")
                            && err.is_empty(),
                        "{name} {args:?} runs as written, says --check-host: {out:?}"
                    );
                }
                "runs_with_differences" => {
                    assert!(out.status.success(), "{name} {args:?}: {out:?}");
                    let warnings: Vec<String> = strs(&v["differences"])
                        .iter()
                        .map(|d| format!("caprun: warning: policy {name}: {d}\n"))
                        .collect();
                    assert_eq!(err, warnings.concat(), "{name} {args:?}");
                }
                _ => {
                    assert_eq!(out.status.code(), Some(125), "{name} {args:?}: {out:?}");
                    assert_eq!(
                        err,
                        format!("caprun: {}\n", v["reason"].as_str().unwrap()),
                        "{name} {args:?}: the launch says otherwise"
                    );
                    assert!(out.stdout.is_empty(), "{name} {args:?}: the program ran");
                }
            }
        }
    }
}

/// This kernel's Landlock ABI, asked directly (0: none).
fn landlock_abi() -> i64 {
    // SAFETY: the documented version query: a null attribute with size 0 reads nothing.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            1u32,
        )
    };
    abi.max(0)
}

/// This kernel's release as (major, minor).
fn release() -> (u32, u32) {
    let r = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut parts = r.trim().split(|c: char| !c.is_ascii_digit());
    let major = parts.next().unwrap().parse().unwrap();
    let minor = parts.next().unwrap().parse().unwrap();
    (major, minor)
}

fn root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// Skip, visibly, a test that needs root; CI runs the tests as root.
macro_rules! skip_unless_root {
    () => {
        if !root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the tests as root"
            );
            eprintln!("SKIPPED: only a sandbox of the host's root needs pid_max");
            return;
        }
    };
}

#[test]
fn on_this_kernel_the_report_matches_the_kernel_and_the_launches() {
    skip_unless_sandboxable!();
    let (report, _) = reports(None, &[]);
    assert_eq!(report["root"], root());
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["landlock"]["abi"], landlock_abi());
    assert!(report["options"].as_array().unwrap().is_empty());
    let names: Vec<Value> = policies(&report)
        .into_iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, BUILT_INS);
    // Issue 27 §7: a format version, and who uses a feature as lists of names.
    assert_eq!(report["format_version"], 1);
    for f in report["features"].as_array().unwrap() {
        for name in strs(&f["used_by"]) {
            assert!(BUILT_INS.contains(&name.as_str()), "{name} in {f}");
        }
        for option in strs(&f["used_by_options"]) {
            assert!(option.starts_with("--"), "{option} in {f}");
        }
        assert!(f["used_for"].is_null() || f["used_for"].is_string(), "{f}");
    }
    let users = strs(&feature(&report, "user_namespaces")["used_by"]);
    assert!(
        users.iter().any(|n| n == "strict") && !users.iter().any(|n| n == "none"),
        "{users:?}"
    );
    // The sandbox runs here (skip_unless_sandboxable): the features it needs are there,
    // and were tried, not guessed.
    for id in [
        "user_namespaces",
        "mount_namespace",
        "network_namespace",
        "pid_namespace",
        "tmpfs",
        "detached_binds",
        "pivot_root",
        "landlock",
        "seccomp",
        "seccomp_user_notification",
    ] {
        let f = feature(&report, id);
        assert_eq!(f["available"], true, "{f}");
        assert_eq!(f["how"], "probed", "{f}");
    }
    // devtools' own procfs and loopback network: there when devtools runs.
    if verdict(&report, "devtools", false)["verdict"] == "runs_as_written" {
        for id in ["procfs", "loopback"] {
            assert_eq!(feature(&report, id)["available"], true, "{report}");
        }
    }
    // A PID namespace has its own pid_max from Linux 6.14.
    assert_eq!(
        feature(&report, "pid_max")["available"],
        release() >= (6, 14)
    );
    let abi = landlock_abi();
    let scopes = strs(&report["landlock"]["scopes"]);
    assert_eq!(!scopes.is_empty(), abi >= 6, "{scopes:?}");
    assert_eq!(
        strs(&report["landlock"]["net_rights"]) == ["bind_tcp", "connect_tcp"],
        abi >= 4
    );
    // What this kernel should give (root before 6.14 lacks pid_max; before ABI 6 the
    // policies relying on scopes are refused): on the CI machine (6.18, ABI 7, root),
    // every built-in policy runs, --net too.
    if abi >= 6 && (!root() || release() >= (6, 14)) {
        for name in BUILT_INS {
            for net in [false, true] {
                let v = verdict(&report, name, net);
                assert_eq!(v["verdict"], "runs_as_written", "{name} (net: {net}): {v}");
                assert_eq!(v["built"], true, "{v}");
            }
        }
        assert_eq!(report["all_run_as_written"], true);
    }
    assert_verdicts_predict_launches(None, &report, &[]);
}

#[test]
fn at_landlock_abi_5_unprivileged_and_net_are_refused_and_the_others_run() {
    skip_unless_sandboxable!();
    let old: &[&str] = &["--landlock-abi", "5"];
    let (report, _) = reports(Some(old), &[]);
    assert_eq!(report["landlock"]["abi"], 5);
    assert_eq!(report["landlock"]["linux"], "6.10");
    assert!(strs(&report["landlock"]["scopes"]).is_empty());
    assert!(strs(&report["landlock"]["fs_rights"]).contains(&"ioctl_dev".to_owned()));
    // No PID namespace: only signal scoping keeps the program from host processes.
    let v = verdict(&report, "unprivileged", false);
    assert_eq!(v["verdict"], "refused", "{v}");
    assert_eq!(v["built"], false, "{v}");
    let why = v["reason"].as_str().unwrap();
    assert!(
        why.contains("relies on Landlock's signal scoping (ABI 6, Linux 6.12)")
            && why.contains("this kernel's Landlock ABI is 5")
            && why.contains("use a policy with a PID namespace"),
        "{why}"
    );
    for name in ["strict", "default", "devtools", "none"] {
        let v = verdict(&report, name, false);
        assert_eq!(v["verdict"], "runs_as_written", "{name}: {v}");
    }
    // --net: the host's network namespace, where only the abstract socket scope would
    // keep host services out of reach.
    for name in ["strict", "default", "devtools"] {
        let v = verdict(&report, name, true);
        assert_eq!(v["verdict"], "refused", "{name}: {v}");
        let why = v["reason"].as_str().unwrap();
        assert!(
            why.contains("abstract UNIX socket scoping") && why.contains("run without --net"),
            "{why}"
        );
    }
    assert_eq!(verdict(&report, "none", true)["verdict"], "runs_as_written");
    // old-kernel answers through a seccomp listener of its own: a second one cannot be
    // made, and the report says so rather than guessing.
    let notify = feature(&report, "seccomp_user_notification");
    assert_eq!(notify["available"], false, "{notify}");
    assert!(
        notify["detail"].as_str().unwrap().contains("EBUSY"),
        "{notify}"
    );
    assert_verdicts_predict_launches(Some(old), &report, &[]);

    // Control: at ABI 6 the same policies run.
    let (report, _) = reports(Some(&["--landlock-abi", "6"]), &[]);
    for name in BUILT_INS {
        for net in [false, true] {
            assert_eq!(verdict(&report, name, net)["verdict"], "runs_as_written");
        }
    }
}

#[test]
fn without_landlock_only_none_runs() {
    skip_unless_sandboxable!();
    let old: &[&str] = &["--landlock-abi", "0"];
    let (report, _) = reports(Some(old), &[]);
    let l = feature(&report, "landlock");
    assert_eq!(l["available"], false, "{l}");
    assert!(l["detail"].as_str().unwrap().contains("EOPNOTSUPP"), "{l}");
    for name in ["strict", "default", "unprivileged", "devtools"] {
        let v = verdict(&report, name, false);
        assert!(
            v["reason"]
                .as_str()
                .unwrap()
                .starts_with("Landlock is not available on this kernel"),
            "{name}: {v}"
        );
    }
    assert_eq!(
        verdict(&report, "none", false)["verdict"],
        "runs_as_written"
    );
    assert_verdicts_predict_launches(Some(old), &report, &[]);
}

#[test]
fn as_root_without_a_pid_max_per_namespace_the_task_limits_are_refused_with_the_way_out() {
    // Only a sandbox that is the host's root escapes RLIMIT_NPROC: root's asked for with
    // --uid 0 --gid 0 (without --uid, root inside is an unprivileged host id).
    skip_unless_sandboxable!();
    skip_unless_root!();
    let old: &[&str] = &["--no-pid-max"];
    let as_root: &[&str] = &["--uid", "0", "--gid", "0"];
    let (report, _) = reports(Some(old), as_root);
    let f = feature(&report, "pid_max");
    assert_eq!(f["available"], false, "{f}");
    assert!(f["detail"].as_str().unwrap().contains("EPERM"), "{f}");
    for name in ["strict", "default", "devtools"] {
        let v = verdict(&report, name, false);
        assert_eq!(v["verdict"], "refused", "{name}: {v}");
        // Found by building the sandbox, as a launch finds it.
        assert_eq!(v["built"], true, "{v}");
        let why = v["reason"].as_str().unwrap();
        assert!(
            why.contains("cannot limit the sandbox's tasks")
                && why.contains("--uid and --gid")
                && why.contains("--limit tasks=unlimited"),
            "{why}"
        );
    }
    // No task limit in these.
    for name in ["unprivileged", "none"] {
        assert_eq!(verdict(&report, name, false)["verdict"], "runs_as_written");
    }
    assert_verdicts_predict_launches(Some(old), &report, as_root);

    // The ways out, checked the same way; root without --uid is one.
    for options in [
        &["--uid", "0", "--gid", "0", "--limit", "tasks=unlimited"][..],
        &["--uid", "65534", "--gid", "65534"],
        &[],
    ] {
        let (report, _) = reports(Some(old), options);
        assert_eq!(report["all_run_as_written"], true, "{options:?}: {report}");
        let shown: Vec<&str> = report["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap())
            .collect();
        let shown = shown.join(" ");
        for pair in options.chunks(2) {
            assert!(shown.contains(&pair.join(" ")), "{options:?}: {shown}");
        }
        assert_verdicts_predict_launches(Some(old), &report, options);
    }
}

#[test]
fn a_policy_file_is_judged_alone_and_a_best_effort_one_runs_with_its_differences() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    std::fs::write(&policy, "extends: unprivileged\nlandlock: best-effort\n").unwrap();
    let policy = policy.to_str().unwrap();
    let old: &[&str] = &["--landlock-abi", "5"];
    let (report, _) = reports(Some(old), &["--policy", policy]);
    assert_eq!(policies(&report).len(), 1);
    let v = verdict(&report, policy, false);
    assert_eq!(v["verdict"], "runs_with_differences", "{v}");
    let differences = strs(&v["differences"]);
    assert!(
        differences
            .iter()
            .any(|d| d.contains("cannot enforce signal scoping")),
        "{differences:?}"
    );
    assert_verdicts_predict_launches(Some(old), &report, &[]);
    // Control: on this kernel (ABI 6 at least, as CI's), it runs as written.
    if landlock_abi() >= 6 {
        let (report, out) = reports(None, &["--policy", policy]);
        assert_eq!(
            verdict(&report, policy, false)["verdict"],
            "runs_as_written"
        );
        assert!(out.status.success());
    }
    // A policy that does not load is an error of the check, positioned like a launch's.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "namespaces: [user, moon]\n").unwrap();
    let out = check_host(None, &["--policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(
        text(&out.stderr).starts_with(&format!("caprun: {}:1:", bad.display())),
        "{out:?}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn inside_a_sandbox_the_probes_find_what_it_denies() {
    skip_unless_sandboxable!();
    // devtools' seccomp filter denies new namespaces but lets sandboxes that stack on it
    // through (Landlock's system calls, new filters): a caprun started inside it finds
    // exactly that.
    let dir = tempfile::tempdir().unwrap();
    let built = caprun().parent().unwrap().to_owned();
    let inside = |args: &[&str]| {
        Command::new(caprun())
            .args(["--policy", "devtools", "--ro", ".", "--ro"])
            .arg(&built)
            .arg("--")
            .arg(caprun())
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = inside(&["--check-host", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Root there is root of the sandbox's user namespace, not of the host.
    assert_eq!(report["initial_user_namespace"], false);
    let user = feature(&report, "user_namespaces");
    assert_eq!(user["available"], false, "{user}");
    assert_eq!(user["how"], "probed", "{user}");
    assert!(user["detail"].as_str().unwrap().contains("EPERM"), "{user}");
    // What needs a user namespace was not tried, and says so.
    let mount = feature(&report, "mount_namespace");
    assert_eq!(mount["available"], false, "{mount}");
    assert_eq!(mount["how"], "inferred", "{mount}");
    for id in ["landlock", "seccomp"] {
        assert_eq!(feature(&report, id)["available"], true, "{report}");
    }
    for name in ["strict", "default", "devtools"] {
        let v = verdict(&report, name, false);
        assert_eq!(v["verdict"], "refused");
        // Named as what it is: the outer sandbox refused the namespaces.
        let reason = v["reason"].as_str().unwrap();
        assert!(
            reason
                .starts_with("caprun runs inside another sandbox (caprun's: PID 1 is caprun-init"),
            "{reason}"
        );
        assert!(!reason.contains("policy none"), "{reason}");
    }
    for name in ["unprivileged", "none"] {
        assert_eq!(verdict(&report, name, false)["verdict"], "runs_as_written");
    }
    // The verdict for strict is what a launch in there says (its first line: the
    // sandbox around it may add its own account of what it refused).
    let launched = inside(&[
        "--policy",
        "strict",
        "--ro",
        ".",
        "--",
        probe().to_str().unwrap(),
    ]);
    assert_eq!(launched.status.code(), Some(125), "{launched:?}");
    let said = text(&launched.stderr);
    assert_eq!(
        said.lines().next().unwrap_or_default(),
        format!(
            "caprun: {}",
            verdict(&report, "strict", false)["reason"]
                .as_str()
                .unwrap()
        ),
        "{said}"
    );
}

#[test]
fn check_host_runs_nothing_and_takes_only_launch_options() {
    for args in [
        &["--check-host", "prog"][..],
        &["--check-host", "--", "true"],
        &["--check-host", "--dry-run"],
        &["--format", "json"],
        &["--format", "json", "--check-policy", "strict"],
        &["--check-host", "--format", "yaml"],
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(125), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
    }
    // Control: the same with a valid line.
    let out = run(
        &["--check-host", "--policy", "none", "--format", "json"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(policies(&report).len(), 1);
}
