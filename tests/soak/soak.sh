#!/usr/bin/env bash
# Soak and concurrency runs of caprun (issue 16 §7), and the bounded --explain-denials
# run (§1). Not part of `cargo test`: run by hand, record the figures in BENCHMARKS.md.
#
# Usage: tests/soak/soak.sh [sequential] [concurrent] [explain]   (default: all three)
#
#   sequential  N launches of `hello` per built-in policy, one after the other: before/after
#               counts of what a launch could leak on the host (descriptors, zombies,
#               mounts, namespaces, memfds, temporary files, leftover processes) and the
#               mean latency of the first and the last 100 launches.
#   concurrent  C launches of the probe at once, mixed (every policy; argdata,
#               --dry-run and --explain-denials forms): every one must exit 0 with its
#               own output (exactly its descriptors).
#   explain     the probe calls socket(AF_INET, SOCK_DGRAM, i) and
#               ptrace(PTRACE_PEEKDATA, i, ...) with i counting up for S seconds under
#               --policy strict --explain-denials: the supervisor's peak RSS (sampled)
#               and the bytes of stderr.
#
# Environment: N (default 2000), C (200), S (60); CAPRUN, PROBE and HELLO (default: the
# release builds, `cargo build --release --bin caprun --example probe --example hello`).
# Must run as a user that can sandbox (root on the development VM). The host counts are
# system-wide: other processes on the machine move them too; the run prints both ends.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}/x86_64-unknown-linux-musl/release
CAPRUN=${CAPRUN:-$target/caprun}
PROBE=${PROBE:-$target/examples/probe}
HELLO=${HELLO:-$target/examples/hello}
N=${N:-2000}
C=${C:-200}
S=${S:-60}
POLICIES=(strict default unprivileged devtools none)
for bin in "$CAPRUN" "$PROBE" "$HELLO"; do
    [ -x "$bin" ] || { echo "soak: $bin is missing: cargo build --release --bin caprun --example probe --example hello" >&2; exit 2; }
done
work=$(mktemp -d /tmp/caprun-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- host counts ------------------------------------------------------------------

count_fds() { # open file handles system-wide (first field of file-nr)
    read -r n _ < /proc/sys/fs/file-nr; echo "$n"
}
count_zombies() {
    local n=0 s
    for s in /proc/[0-9]*/stat; do
        # The state follows the command name, which is in parentheses.
        [[ $(cat "$s" 2>/dev/null) =~ \)\ Z\  ]] && n=$((n + 1))
    done
    echo "$n"
}
count_mounts() { wc -l < /proc/self/mountinfo; }
count_namespaces() { # distinct namespaces any process is in
    find /proc/[0-9]*/ns -type l -printf '%l\n' 2>/dev/null | sort -u | wc -l
}
count_memfds() { # descriptors of any process that are memfds
    find /proc/[0-9]*/fd -type l -lname '/memfd:*' 2>/dev/null | wc -l
}
count_tmp() { # entries in the temporary directories (the soak's own excepted)
    find /tmp /dev/shm "${TMPDIR:-/tmp}" -mindepth 1 -maxdepth 1 ! -path "$work" 2>/dev/null | sort -u | wc -l
}
count_own_fds() { # descriptors open in this shell
    local fds=(/proc/$$/fd/*); echo "${#fds[@]}"
}
count_leftovers() { # caprun and probe processes still running
    pgrep -c -f "^($CAPRUN|$PROBE|$HELLO)( |$)" || true
}
snapshot() {
    echo "fds=$(count_fds) shell_fds=$(count_own_fds) zombies=$(count_zombies) mounts=$(count_mounts)" \
        "namespaces=$(count_namespaces) memfds=$(count_memfds) tmp=$(count_tmp)" \
        "leftover_processes=$(count_leftovers)"
}

# --- one launch -------------------------------------------------------------------

printf 'greeting: Hello\nname: soak\nout: !fd stdout\n' > "$work/hello.yaml"
printf 'report: !fd stdout\ndata: {name: soak, list: [1, 2, 3]}\n' > "$work/probe.yaml"
# Launch `hello` under policy $1 (extra options after it): it must print exactly its
# greeting. (hello rather than the probe, which scans 65,536 descriptor numbers and
# would dominate the latency.) The output goes to a file, read back by the shell
# itself: no subshell per launch.
launch() {
    local policy=$1; shift
    "$CAPRUN" --policy "$policy" "$@" "$HELLO" "$work/hello.yaml" > "$work/out" 2> "$work/err" || {
        echo "soak: launch under $policy $* failed ($?): $(<"$work/err")" >&2; return 1; }
    [[ $(<"$work/out") == 'Hello, soak!' ]] || {
        echo "soak: unexpected output under $policy: $(<"$work/out")" >&2; return 1; }
}

sequential() {
    local window=$((N / 2 < 100 ? N / 2 : 100))
    echo "== sequential: $N launches per policy ($(date -u))"
    echo "latency: wall time of one launch from this shell (fork, exec of caprun, the"
    echo "launch, hello's greeting), mean of the first and of the last $window launches"
    local policy i t0 first last
    echo "before: $(snapshot)"
    for policy in "${POLICIES[@]}"; do
        first=0 last=0
        for ((i = 0; i < N; i++)); do
            t0=${EPOCHREALTIME/./}
            launch "$policy"
            t0=$((${EPOCHREALTIME/./} - t0))
            ((i < window)) && first=$((first + t0))
            ((i >= N - window)) && last=$((last + t0))
        done
        printf '%-13s %6d launches, mean latency first %d: %6.3f ms, last %d: %6.3f ms\n' \
            "$policy" "$N" "$window" "$(awk "BEGIN {print $first / $window / 1000}")" \
            "$window" "$(awk "BEGIN {print $last / $window / 1000}")"
    done
    echo "after:  $(snapshot)"
}

concurrent() {
    echo "== concurrent: $C mixed launches at once ($(date -u))"
    echo "before: $(snapshot)"
    local i policy pids=() forms=("" "--dry-run" "--explain-denials")
    for ((i = 0; i < C; i++)); do
        policy=${POLICIES[i % ${#POLICIES[@]}]}
        form=${forms[(i / ${#POLICIES[@]}) % 3]}
        # `none` has no filter: nothing to explain.
        [[ $policy == none && $form == --explain-denials ]] && form=
        (
            out=$("$CAPRUN" --policy "$policy" $form "$PROBE" "$work/probe.yaml" 2> "$work/err.$i") || {
                echo "launch $i ($policy $form) failed: $(cat "$work/err.$i")"; exit 1; }
            case $form in
                --dry-run) [[ $out == *'argdata:'* ]] ;;
                *) [[ $out == *'"fds":[{"fd":0,'* ]] ;;
            esac || { echo "launch $i ($policy $form): unexpected output: $out"; exit 1; }
        ) > "$work/result.$i" &
        pids+=($!)
    done
    local failed=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { failed=$((failed + 1)); cat "$work/result.$i" >&2; }
    done
    echo "$((C - failed)) of $C launches correct"
    echo "after:  $(snapshot)"
    ((failed == 0))
}

explain() {
    echo "== explain: ever-new denials for $S s under strict --explain-denials ($(date -u))"
    "$CAPRUN" --policy strict --explain-denials "$PROBE" \
        <<< "report: !fd stdout
storm_seconds: $S
" > /dev/null 2> "$work/explain.err" &
    local pid=$! peak=0 rss
    while kill -0 "$pid" 2> /dev/null; do
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
        [[ -n $rss ]] && ((rss > peak)) && peak=$rss
        sleep 0.2
    done
    wait "$pid"
    echo "supervisor peak RSS (sampled every 0.2 s): $peak KiB"
    echo "stderr: $(wc -c < "$work/explain.err") bytes, $(wc -l < "$work/explain.err") lines"
    grep 'summary' "$work/explain.err"
}

runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(sequential concurrent explain)
echo "caprun: $CAPRUN ($(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
for run in "${runs[@]}"; do
    "$run"
done
