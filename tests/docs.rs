//! The manual pages match the code: every option `caprun --help` lists is documented in
//! caprun(1), and every built-in policy in caprun-policy(5).

mod common;

use common::*;

fn man(page: &str) -> String {
    std::fs::read_to_string(format!("{}/man/{page}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The long options in `caprun --help`.
fn help_options() -> Vec<String> {
    let out = run(&["--help"], "");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let mut opts: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter_map(|w| w.strip_prefix("--"))
        .map(|w| w.split(['=', '<', '.']).next().unwrap().to_owned())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    opts.sort();
    opts.dedup();
    opts
}

#[test]
fn every_option_is_in_the_manual() {
    let page = man("caprun.1");
    let opts = help_options();
    assert!(
        opts.len() >= 8,
        "too few options parsed from --help: {opts:?}"
    );
    let missing: Vec<&String> = opts
        .iter()
        .filter(|o| !page.contains(&format!("Fl -{o}")))
        .collect();
    assert!(missing.is_empty(), "caprun(1) lacks {missing:?}");
}

#[test]
fn every_documented_option_exists() {
    // The reverse: the manual documents no option the program lacks.
    let page = man("caprun.1");
    let opts = help_options();
    for line in page.lines().filter(|l| l.starts_with(".It Fl -")) {
        let name = line["It Fl -".len() + 1..]
            .split_whitespace()
            .next()
            .unwrap();
        assert!(
            opts.iter().any(|o| o == name),
            "caprun(1) documents --{name}, which --help lacks"
        );
    }
}

#[test]
fn every_builtin_policy_is_in_the_manual() {
    let page = man("caprun-policy.5");
    for name in caprun::sandbox::builtins::names() {
        assert!(
            page.contains(&format!(".It Cm {name}\n")),
            "caprun-policy(5) lacks the built-in policy {name}"
        );
    }
}
