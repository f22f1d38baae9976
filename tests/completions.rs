//! `caprun --completions SHELL`: each script comes from the clap definition (every long
//! option, the built-in policy names), is valid for its shell, and completes the policy
//! options with built-in names and files.

mod common;

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;
use common::*;

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// The script `caprun --completions shell` prints.
fn script(shell: &str) -> String {
    let out = run(&["--completions", shell], "");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "--completions {shell}: {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every long option of the clap definition, `--help` and `--version` included.
fn long_options() -> Vec<String> {
    let mut cmd = caprun::cli::Args::command();
    cmd.build();
    let longs: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(str::to_owned)
        .collect();
    for expected in ["policy", "completions", "help", "version"] {
        assert!(longs.iter().any(|l| l == expected), "{longs:?}");
    }
    longs
}

/// Whether `shell` can be run; on CI (`CI` set) a missing shell is a failure.
fn have(shell: &str) -> bool {
    if Command::new(shell).arg("-c").arg("exit 0").output().is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("the CI machine must have {shell} (.ci/run installs it)");
    }
    eprintln!("SKIPPED ({shell} is not installed)");
    false
}

/// `script` saved in `dir` as `name`.
fn save(dir: &Path, name: &str, script: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    path
}

/// Run `shell` with `args` in `dir`; return its standard output, failing on an error.
fn shell_output(shell: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(shell)
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{shell} {args:?}: {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_script_names_every_option_and_built_in_policy() {
    let longs = long_options();
    for shell in SHELLS {
        let text = script(shell);
        assert!(text.lines().count() > 10, "{shell}: {text}");
        for long in &longs {
            // fish: `complete -c caprun -l NAME`; bash and zsh spell the option.
            let spelled = match shell {
                "fish" => format!(" -l {long} "),
                _ => format!("--{long}"),
            };
            assert!(text.contains(&spelled), "{shell} script lacks --{long}");
        }
        for name in caprun::sandbox::builtins::names() {
            assert!(
                text.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|word| word == *name),
                "{shell} script lacks the policy {name}"
            );
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = run(&["--completions", "tcsh"], "");
    assert_eq!(out.status.code(), Some(125));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tcsh"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_script_passes_its_shell_s_syntax_check() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")] {
        if !have(shell) {
            continue;
        }
        let path = save(dir.path(), shell, &script(shell));
        shell_output(shell, &[check, path.to_str().unwrap()], dir.path());
        // The check can fail: the script with an unterminated quote added does not pass.
        let broken = format!("{}\necho 'unterminated\n", script(shell));
        let broken = save(dir.path(), "broken", &broken);
        let out = Command::new(shell)
            .args([check, broken.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{shell} {check} passed a broken script"
        );
    }
}

/// bash: `_caprun`'s candidates for the last of `words`.
fn bash_candidates(script: &Path, words: &[&str]) -> Vec<String> {
    let dir = script.parent().unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let code = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={}; _caprun caprun {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        quoted[words.len() - 1],
        quoted[words.len() - 2],
    );
    shell_output("bash", &["--norc", "-c", &code], dir)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_options_and_built_in_policy_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = save(dir.path(), "caprun.bash", &script("bash"));
    std::fs::write(dir.path().join("my-policy.yaml"), "extends: strict\n").unwrap();
    assert_eq!(
        bash_candidates(&path, &["caprun", "--check-p"]),
        ["--check-policy"]
    );
    let names = caprun::sandbox::builtins::names();
    for option in ["--policy", "--check-policy", "--show-policy"] {
        assert_eq!(bash_candidates(&path, &["caprun", option, ""]), names);
        assert_eq!(
            bash_candidates(&path, &["caprun", option, "st"]),
            ["strict"]
        );
        // No built-in name matches: no candidates, and `complete -o default` (the
        // script's registration) has bash complete file names instead.
        assert_eq!(bash_candidates(&path, &["caprun", option, "my"]), [""]);
    }
    let registration = shell_output(
        "bash",
        &[
            "--norc",
            "-c",
            &format!("source {}; complete -p caprun", path.display()),
        ],
        dir.path(),
    );
    assert!(registration.contains("-o default"), "{registration}");
}

#[test]
fn fish_completes_built_in_policy_names_and_files() {
    if !have("fish") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = save(dir.path(), "caprun.fish", &script("fish"));
    std::fs::write(dir.path().join("my-policy.yaml"), "extends: strict\n").unwrap();
    let candidates = |line: &str| -> Vec<String> {
        let code = format!("source {}; complete -C '{line}'", path.display());
        shell_output("fish", &["--no-config", "-c", &code], dir.path())
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    assert!(
        candidates("caprun --comp").contains(&"--completions".to_owned()),
        "{:?}",
        candidates("caprun --comp")
    );
    for option in ["--policy", "--check-policy", "--show-policy"] {
        let all = candidates(&format!("caprun {option} "));
        for name in caprun::sandbox::builtins::names() {
            assert!(all.iter().any(|c| c == name), "{option}: {all:?}");
        }
        assert!(
            all.iter().any(|c| c == "my-policy.yaml"),
            "{option}: {all:?}"
        );
        assert_eq!(
            candidates(&format!("caprun {option} my")),
            ["my-policy.yaml"]
        );
        assert_eq!(candidates(&format!("caprun {option} st")), ["strict"]);
    }
    // A file is offered only where a policy (or a path) is expected.
    assert_eq!(candidates("caprun --completions "), ["bash", "fish", "zsh"]);
}

#[test]
fn zsh_offers_built_in_policy_names_and_files() {
    // Running zsh's completion needs a terminal; the spec it would use is checked here
    // (every_script_passes_its_shell_s_syntax_check checks the script's syntax).
    let text = script("zsh");
    let names = caprun::sandbox::builtins::names().join(" ");
    for option in ["--policy", "--check-policy", "--show-policy"] {
        let spec = text
            .lines()
            .find(|l| l.contains(&format!("{option}=[")))
            .unwrap_or_else(|| panic!("no zsh spec for {option}"));
        assert!(
            spec.ends_with(&format!(
                r#":NAME|PATH:{{_alternative "policies\:built-in policy\:({names})" "files\:policy file\:_files"}}' \"#
            )),
            "{spec}"
        );
    }
}
