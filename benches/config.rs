//! Config-parsing benchmark: time and peak memory of `caprun --dry-run` over configs of
//! growing size and several shapes, so that growth is visible (BENCHMARKS.md, "Config
//! parsing").
//!
//! ```text
//! cargo bench --bench config [-- --caprun PATH] [--runs N]
//! ```
//!
//! For each shape and size (1 KB to 1 MB) it writes a config into a temporary directory
//! and runs `caprun --policy none --dry-run PROGRAM CONFIG` as a child `--runs` times
//! (default 5), PROGRAM being caprun's own (static) binary. It prints a Markdown table:
//! the exit status (0 accepted, 125 refused), the median wall time and the largest peak
//! RSS (`ru_maxrss` from `wait4`). `--caprun` measures another build (an older one, to
//! compare). Shapes:
//!
//! - **flat**: `kNNN: "value NNN"` lines;
//! - **nested**: maps of sequences of maps, 4 levels;
//! - **anchored**: `- &aNNN !!str x` lines (a tag after an anchor on every line);
//! - **anchored-fd**: `- &aNNN !fd 1` lines (resources);
//! - **flow-ints**: one flow sequence of single-digit integers;
//! - **aliased**: a 1,000-byte anchored scalar and a sequence aliasing it;
//! - **alias-bomb**: one anchored scalar of a quarter of the size aliased 10,000 times
//!   through four levels of sequences (refused).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SIZES: [usize; 4] = [1 << 10, 16 << 10, 128 << 10, 1 << 20];

/// A config of about `size` bytes of the given shape.
fn config(shape: &str, size: usize) -> String {
    let mut s = String::new();
    let mut i = 0usize;
    match shape {
        "flat" => {
            while s.len() < size {
                s.push_str(&format!("k{i}: \"value {i}\"\n"));
                i += 1;
            }
        }
        "nested" => {
            while s.len() < size {
                s.push_str(&format!(
                    "g{i}:\n  - name: n{i}\n    items:\n      - {{a: 1, b: [x, y]}}\n      - {{a: 2, b: [z]}}\n"
                ));
                i += 1;
            }
        }
        "anchored" => {
            while s.len() < size {
                s.push_str(&format!("- &a{i} !!str x\n"));
                i += 1;
            }
        }
        "anchored-fd" => {
            while s.len() < size {
                s.push_str(&format!("- &a{i} !fd 1\n"));
                i += 1;
            }
        }
        "flow-ints" => {
            s.push('[');
            while s.len() < size {
                s.push_str(&format!("{},", i % 10));
                i += 1;
            }
            s.push_str("0]\n");
        }
        "aliased" => {
            s.push_str(&format!("a: &a \"{}\"\nb: [", "x".repeat(1000)));
            while s.len() < size {
                s.push_str("*a, ");
            }
            s.push_str("*a]\n");
        }
        "alias-bomb" => {
            let list = |name: &str| vec![format!("*{name}"); 10].join(", ");
            s = format!(
                "a: &a \"{}\"\nb: &b [{}]\nc: &c [{}]\nd: &d [{}]\ne: [{}]\n",
                "x".repeat(size / 4),
                list("a"),
                list("b"),
                list("c"),
                list("d")
            );
        }
        _ => unreachable!(),
    }
    s
}

/// Run caprun once on `config`: exit status, wall time, peak RSS in KiB.
// The child is reaped by `wait4` (for its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run(caprun: &Path, config: &Path) -> (i32, Duration, i64) {
    let start = Instant::now();
    let child = Command::new(caprun)
        .args(["--policy", "none", "--dry-run"])
        .arg(caprun)
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn caprun");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid pointers to `status` and `usage`.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    (code, elapsed, usage.ru_maxrss)
}

fn main() {
    let mut caprun = std::path::PathBuf::from(env!("CARGO_BIN_EXE_caprun"));
    let mut runs = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--caprun" => caprun = args.next().expect("--caprun PATH").into(),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            _ => {} // cargo bench passes --bench
        }
    }
    println!("caprun: {}, {runs} runs per config", caprun.display());
    let dir = tempfile::tempdir().unwrap();
    println!("\n| shape | size | status | median time | peak RSS |");
    println!("|---|---:|---:|---:|---:|");
    for shape in [
        "flat",
        "nested",
        "anchored",
        "anchored-fd",
        "flow-ints",
        "aliased",
        "alias-bomb",
    ] {
        for size in SIZES {
            let text = config(shape, size);
            let path = dir.path().join(format!("{shape}-{size}.yaml"));
            std::fs::write(&path, &text).unwrap();
            let mut times = Vec::new();
            let mut rss = 0;
            let mut code = 0;
            for _ in 0..runs {
                let (c, t, r) = run(&caprun, &path);
                code = c;
                times.push(t);
                rss = rss.max(r);
            }
            times.sort();
            let median = times[times.len() / 2];
            println!(
                "| {shape} | {} KB | {code} | {:.1} ms | {:.1} MB |",
                text.len() / 1000,
                median.as_secs_f64() * 1e3,
                rss as f64 / 1024.0
            );
        }
    }
}
