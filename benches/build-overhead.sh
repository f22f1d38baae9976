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
# file (5: about 270 lines each), JOBS (2), CAPRUN_ARGS (options added to the sandboxed
# build, e.g. `--explain-denials` to measure the path report), CAPRUN (default: the release build,
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
# A build's output goes to build.log (shown when it fails).
host_build() { make -s -j"$JOBS" >build.log 2>&1 || { cat build.log >&2; return 1; }; }
sandboxed_build() {
    "$CAPRUN" ${CAPRUN_ARGS:-} --rw . --env PATH -- make -s -j"$JOBS" >build.log 2>&1 || { cat build.log >&2; return 1; }
}
# One build from clean: its wall time and its CPU time (user + system of every process
# it ran, the sandbox's included: each waits for its children), in seconds.
timed() {
    make -s clean
    local TIMEFORMAT='%3R %3U %3S' t
    t=$({ time "$1"; } 2>&1) || return 1
    echo "$t" | awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
least() { sort -n | head -1; }
percent() { awk -v h="$1" -v s="$2" 'BEGIN { printf "%+.1f %%", (s / h - 1) * 100 }'; }

echo "build-overhead: $FILES C files + main.c, $lines lines, make -j$JOBS, $N rounds, caprun $CAPRUN"
echo "machine: $(nproc) CPUs, $(uname -r), $(cc --version | head -1)"
# Warm-up (page cache, the compiler's own files), and the two builds must agree.
timed host_build >/dev/null
expect=$(./prog)
timed sandboxed_build >/dev/null
got=$(./prog)
[ "$got" = "$expect" ] || { echo "build-overhead: the sandboxed build's program printed $got, the host's $expect" >&2; exit 1; }

host_wall=() host_cpu=() box_wall=() box_cpu=()
printf '%5s  %9s %9s  %9s %9s  %s\n' round 'host' '(CPU)' 'devtools' '(CPU)' 'load'
for r in $(seq 1 "$N"); do
    if [ $((r % 2)) -eq 1 ]; then
        read -r hw hc < <(timed host_build)
        read -r sw sc < <(timed sandboxed_build)
    else
        read -r sw sc < <(timed sandboxed_build)
        read -r hw hc < <(timed host_build)
    fi
    [ -n "$hw" ] && [ -n "$sw" ] || { echo "build-overhead: a build failed" >&2; exit 1; }
    host_wall+=("$hw") host_cpu+=("$hc") box_wall+=("$sw") box_cpu+=("$sc")
    printf '%5d  %8ss %8ss  %8ss %8ss  %s\n' "$r" "$hw" "$hc" "$sw" "$sc" "$(cut -d' ' -f1 /proc/loadavg)"
done
mhw=$(printf '%s\n' "${host_wall[@]}" | median)
msw=$(printf '%s\n' "${box_wall[@]}" | median)
mhc=$(printf '%s\n' "${host_cpu[@]}" | median)
msc=$(printf '%s\n' "${box_cpu[@]}" | median)
lhw=$(printf '%s\n' "${host_wall[@]}" | least)
lsw=$(printf '%s\n' "${box_wall[@]}" | least)
printf '%5s  %8ss %8ss  %8ss %8ss\n' median "$mhw" "$mhc" "$msw" "$msc"
printf '%5s  %8ss %9s  %8ss\n' least "$lhw" '' "$lsw"
echo "overhead under devtools, wall time: $(percent "$mhw" "$msw") (medians; target: at most +3 %), $(percent "$lhw" "$lsw") (least)"
echo "overhead under devtools, CPU time:  $(percent "$mhc" "$msc") (medians)"
# Paired: each round's devtools build against the host build next to it in time.
ratios=$(for r in "${!host_wall[@]}"; do awk -v h="${host_wall[$r]}" -v s="${box_wall[$r]}" 'BEGIN { print s / h }'; done | sort -n)
echo "overhead under devtools, paired: $(echo "$ratios" | median | awk '{ printf "%+.1f %%", ($1 - 1) * 100 }') (median of the rounds' devtools/host wall times; quartiles $(echo "$ratios" | awk '{ v[NR] = $1 } END { printf "%+.1f %% and %+.1f %%", (v[int((NR + 3) / 4)] - 1) * 100, (v[int((3 * NR + 3) / 4)] - 1) * 100 }'))"
