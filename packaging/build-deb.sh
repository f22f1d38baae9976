#!/usr/bin/env bash
# Build caprun's Debian package:
#   1. the static release binaries (caprun, the hello and server examples) for the musl
#      target;
#   2. the bash, zsh and fish completion scripts, printed by that caprun from its own
#      clap definition (`caprun --completions SHELL`), under the target dir;
#   3. `cargo deb --no-build`, which packages them with the assets listed in
#      Cargo.toml's [package.metadata.deb] (man pages gzipped by cargo-deb).
# Prints the path of the .deb on its last line. Needs cargo-deb
# (`cargo install cargo-deb --locked`). Extra arguments go to `cargo deb`
# (e.g. `--output DIR`).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo=${CARGO:-cargo}
# .cargo/config.toml's build target, which cargo-deb does not read from there.
target=${CARGO_BUILD_TARGET:-x86_64-unknown-linux-musl}
target_dir=$("$cargo" metadata --format-version 1 --no-deps --offline |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
release="$target_dir/$target/release"

"$cargo" build --release --locked --target "$target" --bin caprun --example hello --example server >&2

mkdir -p "$release/completions"
"$release/caprun" --completions bash >"$release/completions/caprun.bash"
"$release/caprun" --completions zsh >"$release/completions/_caprun"
"$release/caprun" --completions fish >"$release/completions/caprun.fish"

"$cargo" deb --no-build --locked --target "$target" -p caprun "$@" | tail -n 1
