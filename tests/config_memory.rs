//! Config memory is bounded by the config's size, whatever it holds: a config larger than
//! the documented limit (16 MiB) is refused before it is read whole (from a file or from
//! standard input), and a hostile config under the limit (one huge scalar, plain, quoted
//! or block, blank lines in a block scalar, whitespace, comments, a long flow sequence)
//! takes at most twice its size plus a fixed allowance at its peak, accepted or refused.
//! The peak is `ru_maxrss` of caprun, measured by the small `maxrss` tool (a process's
//! peak counts the image it was forked from until its exec: not this test harness's).

#[macro_use]
mod common;

use std::process::{Command, Stdio};

use common::*;

/// What caprun takes at its peak besides twice the config: its own image and the
/// parser's bounded structures (200,000 nodes at most, 8 MiB of scalars).
const ALLOWANCE: u64 = 24 << 20;

/// Run `caprun --policy none --dry-run /bin/true` on `config` (written to a file, and
/// given as `CONFIG` or on standard input); exit code, stderr, peak RSS in bytes.
fn peak(config: &[u8], stdin: bool) -> (Option<i32>, String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = Command::new(example("maxrss"));
    cmd.arg(caprun())
        .args(["--policy", "none", "--dry-run", "/bin/true"])
        .stdout(Stdio::null());
    if stdin {
        cmd.stdin(std::fs::File::open(&path).unwrap());
    } else {
        cmd.arg(&path).stdin(Stdio::null());
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let kib: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("maxrss "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no maxrss line: {err}"));
    (out.status.code(), err, kib * 1024)
}

/// Hostile configs of about 15 MiB: each stays within twice its size plus the allowance,
/// and the ones past a bound are refused at the position of the offending node.
#[test]
fn hostile_configs_stay_within_twice_their_size() {
    let n = 15 << 20;
    let a = |k: usize| "a".repeat(k);
    let shapes: Vec<(&str, String, Option<&str>)> = vec![
        (
            "plain scalar",
            format!("x: {}\n", a(n)),
            Some(":1:4: scalar is longer than 8388608 bytes"),
        ),
        (
            "quoted scalar",
            format!("x: \"{}\"\n", a(n)),
            Some(":1:4: scalar is longer than 8388608 bytes"),
        ),
        (
            "block scalar",
            format!("x: |\n{}", format!("  {}\n", a(1000)).repeat(n / 1003)),
            Some(":2:3: scalar is longer than 8388608 bytes"),
        ),
        (
            "one block-scalar line",
            format!("x: |\n  {}\n", a(n)),
            Some(":2:3: scalar is longer than 8388608 bytes"),
        ),
        (
            "blank lines in a block scalar",
            format!("x: |\n  a\n{}  b\n", "\n".repeat(n)),
            Some(":2:3: scalar is longer than 8388608 bytes"),
        ),
        (
            "spaces in a plain scalar",
            format!("x: a{}b\n", " ".repeat(n)),
            Some(":1:4: scalar is longer than 8388608 bytes"),
        ),
        ("whitespace", format!("x: 1\n{}\n", " ".repeat(n)), None),
        (
            "comments",
            format!("x: 1\n{}", format!("#{}\n", a(1000)).repeat(n / 1002)),
            None,
        ),
        (
            "flow sequence",
            format!("[{}]\n", "1,".repeat(n / 2)),
            Some(":1:400000: document has more than 200000 nodes"),
        ),
    ];
    for (name, config, refused) in shapes {
        for stdin in [false, true] {
            let (code, err, rss) = peak(config.as_bytes(), stdin);
            let bound = 2 * config.len() as u64 + ALLOWANCE;
            assert!(
                rss <= bound,
                "{name} (stdin: {stdin}): peak {} MiB for a {} MiB config (bound {} MiB); {err}",
                rss >> 20,
                config.len() >> 20,
                bound >> 20
            );
            match refused {
                Some(at) => {
                    assert_eq!(code, Some(125), "{name}: {err}");
                    assert!(err.contains(at), "{name}: {err}");
                }
                None => assert_eq!(code, Some(0), "{name}: {err}"),
            }
        }
    }
}

/// A config over 16 MiB is refused naming the limit: a file before it is read (its peak
/// is caprun's own image), standard input once reading passes the limit.
#[test]
fn a_config_over_the_limit_is_refused_before_it_is_read() {
    let config = format!("x: 1\n{}\n", " ".repeat(17 << 20));
    let (code, err, rss) = peak(config.as_bytes(), false);
    assert_eq!(code, Some(125), "{err}");
    assert!(
        err.contains(&format!(
            "{} bytes, more than the 16 MiB a config or policy may have",
            config.len()
        )),
        "{err}"
    );
    assert!(rss < 16 << 20, "peak {} MiB: the file was read", rss >> 20);
    let (code, err, rss) = peak(config.as_bytes(), true);
    assert_eq!(code, Some(125), "{err}");
    assert!(
        err.contains(
            "<stdin>: cannot read the config: more than 16777216 bytes, more than the 16 MiB a config or policy may have"
        ),
        "{err}"
    );
    assert!(rss <= 2 * (16 << 20) + ALLOWANCE, "peak {} MiB", rss >> 20);
    // Control: the same whitespace under the limit is accepted.
    let config = format!("x: 1\n{}\n", " ".repeat(15 << 20));
    let (code, err, _) = peak(config.as_bytes(), false);
    assert_eq!(code, Some(0), "{err}");
}
