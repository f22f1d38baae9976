#!/usr/bin/env bash
# What `devtools` costs a real build: `make -j2` over 24 generated C files (each a few
# hundred lines that gcc -O2 has real work with: unrolled loops, switches, inlining),
# run unsandboxed and as `caprun --rw . --env PATH -- make -j2`, interleaved (the order
# alternates every round), with `make clean` between builds and outside the timing.
# Prints every round, the medians and the overhead in % (the issue's target: at most 3 %
# more wall time under devtools). Not part of `cargo test`: run by hand on an idle
# machine, record the figures in BENCHMARKS.md.
#
# Usage: benches/build-overhead.sh
# Environment: N rounds (default 10, at least 10 for the figures), FILES (24), PARTS per
# file (5: about 270 lines each), JOBS (2), CAPRUN (default: the release build,
# `cargo build --release --bin caprun`). Needs make and cc, and a user that can sandbox
# (root on the development VM).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CAPRUN=${CAPRUN:-${CARGO_TARGET_DIR:-$here/target}/x86_64-unknown-linux-musl/release/caprun}
N=${N:-10}
FILES=${FILES:-24}
PARTS=${PARTS:-5}
JOBS=${JOBS:-2}
[ -x "$CAPRUN" ] || { echo "build-overhead: $CAPRUN is missing: cargo build --release --bin caprun" >&2; exit 2; }
for tool in make cc; do
    command -v "$tool" >/dev/null || { echo "build-overhead: $tool is missing" >&2; exit 2; }
done
# The same tools for both builds: the system's, as the sandbox sees them.
export PATH=/usr/bin:/bin
export LC_ALL=C

work=$(mktemp -d /tmp/caprun-build-overhead.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- the project ----------------------------------------------------------------------
# unit_I.c: PARTS parts of three functions each (a hash round over a buffer, a switch
# in a loop that -O2 unrolls; an 8x8 matrix product; a sort), which unit_I() combines.
gen_unit() {
    local i=$1 j
    cat <<EOF
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}
EOF
    for j in $(seq 0 $((PARTS - 1))); do
        cat <<EOF

static uint32_t hash_${i}_${j}(const uint8_t *p, size_t n, uint32_t seed) {
    uint32_t h = seed ^ (2166136261u + ${i}u * 31u + ${j}u);
    for (size_t k = 0; k < n; k++) {
        switch ((p[k] + k + ${j}) & 7) {
        case 0: h = (h ^ p[k]) * 16777619u; break;
        case 1: h = (h << 5 | h >> 27) + p[k] * ${j}u; break;
        case 2: h ^= h >> 13; h *= 0x5bd1e995u; break;
        case 3: h += (uint32_t)p[k] << ((k + ${i}) & 15); break;
        case 4: h = ~h ^ (p[k] * 0x9e3779b9u); break;
        case 5: h -= h << 7; h ^= p[k]; break;
        case 6: h = h * 33u + p[k] + ${i}u; break;
        default: h ^= (h << 11) | p[k]; break;
        }
    }
    return h;
}

static uint32_t matrix_${i}_${j}(uint32_t seed) {
    uint32_t a[8][8], b[8][8], c[8][8];
    for (int r = 0; r < 8; r++)
        for (int s = 0; s < 8; s++) {
            a[r][s] = seed * (uint32_t)(r + 1) + (uint32_t)s + ${j}u;
            b[r][s] = (seed >> 3) ^ (uint32_t)(r * s + ${i});
        }
    for (int r = 0; r < 8; r++)
        for (int s = 0; s < 8; s++) {
            uint32_t t = 0;
            for (int u = 0; u < 8; u++)
                t += a[r][u] * b[u][s];
            c[r][s] = t;
        }
    uint32_t h = 0;
    for (int r = 0; r < 8; r++)
        for (int s = 0; s < 8; s++)
            h = h * 31u + c[r][s];
    return h;
}

static uint32_t sorted_${i}_${j}(uint32_t seed) {
    uint32_t v[64];
    for (int k = 0; k < 64; k++) {
        seed = seed * 1103515245u + 12345u + ${j}u;
        v[k] = seed >> 8;
    }
    qsort(v, 64, sizeof v[0], cmp_u32);
    uint32_t h = 0;
    for (int k = 0; k < 64; k++)
        h = (h ^ v[k]) * 16777619u;
    return h;
}
EOF
    done
    echo
    echo "uint32_t unit_${i}(uint32_t seed) {"
    echo "    uint8_t buf[256];"
    echo "    for (int k = 0; k < 256; k++) buf[k] = (uint8_t)(seed * (uint32_t)k + ${i}u);"
    echo "    uint32_t h = seed;"
    for j in $(seq 0 $((PARTS - 1))); do
        echo "    h ^= hash_${i}_${j}(buf, sizeof buf, h) + matrix_${i}_${j}(h) + sorted_${i}_${j}(h);"
    done
    echo "    return h;"
    echo "}"
}

objs=()
for i in $(seq 0 $((FILES - 1))); do
    gen_unit "$i" >"$work/unit_$i.c"
    objs+=("unit_$i.o")
done
{
    echo "#include <stdio.h>"
    echo "#include <stdint.h>"
    for i in $(seq 0 $((FILES - 1))); do echo "uint32_t unit_$i(uint32_t);"; done
    echo "int main(void) {"
    echo "    uint32_t h = 1;"
    for i in $(seq 0 $((FILES - 1))); do echo "    h = unit_$i(h);"; done
    echo "    printf(\"%08x\\n\", h);"
    echo "    return 0;"
    echo "}"
} >"$work/main.c"
cat >"$work/Makefile" <<EOF
CC = cc
CFLAGS = -O2 -Wall -Wextra
OBJS = main.o ${objs[*]}

prog: \$(OBJS)
	\$(CC) -o \$@ \$(OBJS)

%.o: %.c
	\$(CC) \$(CFLAGS) -c -o \$@ \$<

clean:
	rm -f prog \$(OBJS)
EOF
lines=$(cat "$work"/*.c | wc -l)

# --- the builds -----------------------------------------------------------------------
cd "$work"
host_build() { make -s -j"$JOBS" >/dev/null; }
sandboxed_build() { "$CAPRUN" --rw . --env PATH -- make -s -j"$JOBS" >/dev/null; }
# Wall time of one build from clean, in seconds.
timed() {
    make -s clean
    local start=$EPOCHREALTIME
    "$1"
    local end=$EPOCHREALTIME
    echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "build-overhead: $FILES C files + main.c, $lines lines, make -j$JOBS, $N rounds, caprun $CAPRUN"
echo "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(cc --version | head -1)"
# Warm-up (page cache, the compiler's own files), and the two builds must agree.
timed host_build >/dev/null
expect=$(./prog)
timed sandboxed_build >/dev/null
got=$(./prog)
[ "$got" = "$expect" ] || { echo "build-overhead: the sandboxed build's program printed $got, the host's $expect" >&2; exit 1; }

host=() sandboxed=()
printf '%5s %10s %10s\n' round host devtools
for r in $(seq 1 "$N"); do
    if [ $((r % 2)) -eq 1 ]; then
        h=$(timed host_build)
        s=$(timed sandboxed_build)
    else
        s=$(timed sandboxed_build)
        h=$(timed host_build)
    fi
    host+=("$h") sandboxed+=("$s")
    printf '%5d %9ss %9ss\n' "$r" "$h" "$s"
done
mh=$(printf '%s\n' "${host[@]}" | median)
ms=$(printf '%s\n' "${sandboxed[@]}" | median)
overhead=$(awk -v h="$mh" -v s="$ms" 'BEGIN { printf "%+.1f", (s / h - 1) * 100 }')
printf 'median %8ss %9ss\n' "$mh" "$ms"
echo "overhead under devtools: $overhead % (target: at most +3 %); load after: $(cut -d' ' -f1-3 /proc/loadavg)"
