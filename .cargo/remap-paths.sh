#!/bin/sh
# rustc wrapper (build.rustc-wrapper in .cargo/config.toml): runs rustc with the
# machine's paths remapped, so that the same commit builds the same binaries whatever
# the directory of the checkout and the cargo home, and no binary names the build
# machine's home directory (panic locations of dependencies embed their source paths):
#   $CARGO_HOME/registry/src        -> /cargo/registry/src
#   $CARGO_HOME/git/checkouts       -> /cargo/git/checkouts
#   the checkout (above .cargo/)    -> .  (paths relative to it, as cargo gives the
#                                          workspace's own: a backtrace stays clickable)
# Cargo runs it as `remap-paths.sh RUSTC ARGS...`.
set -eu
rustc=$1
shift
home=${CARGO_HOME:-${HOME:-}/.cargo}
# As reached (a path through a symbolic link) and as it is.
checkout=$(cd "$(dirname "$0")/.." && pwd -L)
physical=$(cd "$checkout" && pwd -P)
exec "$rustc" "$@" \
    --remap-path-prefix="$home/registry/src=/cargo/registry/src" \
    --remap-path-prefix="$home/git/checkouts=/cargo/git/checkouts" \
    --remap-path-prefix="$physical=." \
    --remap-path-prefix="$checkout=."
