#!/usr/bin/env bash
# Fuzz the config parser for SECONDS (default 300) with cargo-fuzz (libFuzzer), on
# stable Rust (RUSTC_BOOTSTRAP lets cargo-fuzz use its nightly flags), for glibc
# (the sanitizer runtime does not link against musl). Not part of `cargo test`.
# Starts from the configs of the repository (tests/bad-configs, examples) and keeps its
# corpus in fuzz/corpus/config; a crash is saved in fuzz/artifacts/config and fails the
# script. Needs cargo-fuzz (`cargo install cargo-fuzz`, from outside this tree).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
corpus=corpus/config
mkdir -p "$corpus"
for f in ../tests/bad-configs/*.yaml ../examples/*/*.yaml; do
    [ -e "$f" ] && cp -n "$f" "$corpus/" 2>/dev/null || true
done
RUSTC_BOOTSTRAP=1 exec cargo fuzz run config -O \
    --target x86_64-unknown-linux-gnu \
    "$corpus" -- -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=512
