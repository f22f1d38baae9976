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

/// The text an mdoc source line stands for: its escapes decoded.
fn unescape(line: &str) -> String {
    line.replace("\\&", "")
        .replace("\\-", "-")
        .replace("\\(dq", "\"")
        .replace("\\(ga", "`")
        .replace("\\(aq", "'")
        .replace("\\(mu", "×")
        .replace("\\[u2026]", "…")
        .replace("\\e", "\\")
}

/// The example lines of an mdoc page: each `.Dl` line and each line of a literal
/// display (`.Bd -literal`), as the reader should see them.
fn example_lines(source: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut literal = false;
    for line in source.lines() {
        if line.starts_with(".Bd -literal") {
            literal = true;
        } else if line.starts_with(".Ed") {
            literal = false;
        } else if let Some(example) = line.strip_prefix(".Dl ") {
            lines.push(unescape(example));
        } else if literal && !line.starts_with('.') && !line.trim().is_empty() {
            lines.push(unescape(line));
        }
    }
    lines
}

/// `page` rendered by mandoc for a terminal wide enough that no example wraps, with the
/// overstrikes of bold and underline removed; `None` without mandoc.
fn rendered(page: &str) -> Option<String> {
    let path = format!("{}/man/{page}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("mandoc")
        .args(["-Tutf8", "-O", "width=400", &path])
        .output()
        .ok()?;
    assert!(out.status.success(), "mandoc {page}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    Some(plain)
}

#[test]
fn every_example_renders_as_written() {
    // Issue 27 §2: `.Dl caprun --rw . --` rendered as `--rw.` (a lone `.` is punctuation
    // to mdoc), `Pa .` as `~.`, and nested `Ql` quotes.
    for page in ["caprun.1", "caprun.yaml.5", "caprun-policy.5"] {
        let Some(text) = rendered(page) else {
            if std::env::var_os("CI").is_some() {
                panic!("mandoc is missing on CI (apt-get install mandoc)");
            }
            eprintln!("SKIPPED: mandoc is not installed");
            return;
        };
        let shown: Vec<&str> = text.lines().map(str::trim).collect();
        let examples = example_lines(&man(page));
        assert!(!examples.is_empty(), "{page}: no examples found");
        for example in examples {
            assert!(
                shown.contains(&example.trim()),
                "{page}: the example `{example}` is rendered otherwise"
            );
        }
        // Quotes open and close in turn: none nested, none left open.
        let mut open = false;
        for c in text.chars() {
            match c {
                '‘' => {
                    assert!(!open, "{page}: nested quotes in {text}");
                    open = true;
                }
                '’' => open = false,
                _ => {}
            }
        }
        // mdoc renders `Pa` without an argument as `~`: every `~` shown is written.
        let written = man(page).matches('~').count();
        assert!(
            text.matches('~').count() <= written,
            "{page}: a `~` that the source does not have"
        );
    }
}
