//! Reproducible builds (issue 27 §5): the same commit builds the same release binary
//! from two checkouts at different paths with different cargo homes, and the binary
//! names neither (`.cargo/remap-paths.sh`, the rustc wrapper of `.cargo/config.toml`).
//!
//! EXPENSIVE: two release builds of the caprun binary from scratch, each in its own
//! target dir (≈ 1 minute each on 2 cores). It runs only with
//! `CAPRUN_TEST_REPRODUCIBLE=1`, which `.ci/run` sets; elsewhere it is a visible skip,
//! and on CI without the variable a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Copy the tree at `from` to `to`, without build output or version control.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        let dest = to.join(&name);
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The cargo home of this build.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"))
}

/// Build the caprun binary in release mode from `checkout` with `cargo_home`, into
/// `target`; return its bytes.
fn build(checkout: &Path, cargo_home: &Path, target: &Path) -> Vec<u8> {
    let triple = std::env::var("CARGO_BUILD_TARGET")
        .unwrap_or_else(|_| "x86_64-unknown-linux-musl".to_owned());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "--offline",
            "--bin",
            "caprun",
        ])
        .current_dir(checkout)
        .env("CARGO_HOME", cargo_home)
        .env("CARGO_TARGET_DIR", target)
        // Only the tree's own settings: no wrapper or flags from the caller.
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "build in {}: {}",
        checkout.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(target.join(triple).join("release/caprun")).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_same_commit_builds_the_same_binary_from_any_path() {
    if std::env::var_os("CAPRUN_TEST_REPRODUCIBLE").is_none_or(|v| v != "1") {
        let why = "two release builds (minutes): set CAPRUN_TEST_REPRODUCIBLE=1 (.ci/run does)";
        if std::env::var_os("CI").is_some() {
            panic!("CI must run the reproducibility test: {why}");
        }
        eprintln!("SKIPPED: {why}");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let repo_root = repo("");
    let a = scratch.path().join("a/caprun");
    let b = scratch.path().join("elsewhere/b/another-clone");
    copy_tree(&repo_root, &a);
    copy_tree(&repo_root, &b);
    // A second cargo home at another path, with the same registry (offline build).
    let home = cargo_home();
    let home_b = scratch.path().join("other-cargo-home");
    std::fs::create_dir_all(&home_b).unwrap();
    for dir in ["registry", "git"] {
        if home.join(dir).exists() {
            std::os::unix::fs::symlink(home.join(dir), home_b.join(dir)).unwrap();
        }
    }
    let bin_a = build(&a, &home, &scratch.path().join("target-a"));
    let bin_b = build(&b, &home_b, &scratch.path().join("target-b"));
    // Neither checkout nor cargo home is named (they differ, so the binaries would).
    for path in [&a, &b, &home, &home_b] {
        let path = path.to_str().unwrap();
        assert!(!contains(&bin_a, path), "{path} in the first binary");
        assert!(!contains(&bin_b, path), "{path} in the second binary");
    }
    // The dependencies' panic locations are there, remapped.
    assert!(contains(&bin_a, "/cargo/registry/src/"));
    assert!(
        bin_a == bin_b,
        "the two builds differ ({} and {} bytes)",
        bin_a.len(),
        bin_b.len()
    );
}
