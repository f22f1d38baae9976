#!/bin/sh
# Throughput of a large download through caprun's egress proxy (--net-allow) against the
# same download straight from the host's network (--net), both under caprun's devtools
# policy, on loopback only: a server this script starts on 127.0.0.2 sends a sparse file
# with sendfile(2); curl downloads it to /dev/null. The floor: the same download under
# --net through benches/splice-relay.c on the host's 127.0.0.1 (the same two loopback
# hops as the proxy's, with the least a relay in user space does; built with $CC, or cc,
# and left out when no compiler is found). Interleaved runs after one warm-up run,
# median of each; the ratios, and the load average before and after. With ONE_CPU=N
# every process of the bench (server, relay, caprun and all it starts) runs on CPU N
# alone: throughput is then bytes per CPU-second, and the ratios are the paths' costs.
# Usage: [ONE_CPU=N] benches/egress-throughput.sh [CAPRUN] [SIZE_MIB] [RUNS]
# (figures: BENCHMARKS.md)
set -eu
caprun=$(realpath "${1:-target/x86_64-unknown-linux-musl/release/caprun}")
size=${2:-2048}
runs=${3:-5}
here=$(dirname "$0")
dir=$(mktemp -d)
server=
relay=
trap 'kill $server $relay 2>/dev/null; rm -rf "$dir"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
pin=
if [ -n "${ONE_CPU:-}" ]; then
    pin="taskset -c $ONE_CPU"
    echo "every process on CPU $ONE_CPU"
fi
truncate -s "${size}M" "$dir/big"
$pin python3 - "$dir/big" >"$dir/port" <<'PY' &
import socket, sys, threading
path = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.2", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    with c, open(path, "rb") as f:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return
            data += chunk
        size = f.seek(0, 2)
        f.seek(0)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
        c.sendfile(f)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
server=$!
while [ ! -s "$dir/port" ]; do sleep 0.05; done
port=$(cat "$dir/port")
url="http://127.0.0.2:$port/big"
if ${CC:-cc} -O2 -pthread -o "$dir/splice-relay" "$here/splice-relay.c" 2>"$dir/cc.log"; then
    $pin "$dir/splice-relay" 127.0.0.2 "$port" >"$dir/relay-port" &
    relay=$!
    while [ ! -s "$dir/relay-port" ]; do sleep 0.05; done
else
    echo "floor left out: benches/splice-relay.c does not build ($(head -1 "$dir/cc.log"))"
fi
cd "$dir"
one() {
    u=$1
    shift
    $pin "$caprun" --ro "$dir" --cwd "$dir" "$@" -- curl -sSf -o /dev/null -w '%{speed_download}\n' "$u"
}
one "$url" --net >/dev/null # warm-up: the first download of a run is slower
: >"$dir/direct"
: >"$dir/proxy"
: >"$dir/floor"
i=0
while [ "$i" -lt "$runs" ]; do
    one "$url" --net >>"$dir/direct"
    one "$url" --net-allow "127.0.0.2:$port" >>"$dir/proxy"
    if [ -n "$relay" ]; then
        one "http://127.0.0.1:$(cat "$dir/relay-port")/big" --net >>"$dir/floor"
    fi
    i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f MiB/s", b/1048576}'; }
runs() { awk '{printf "%.0f ", $1/1048576}' "$1"; }
d=$(median "$dir/direct")
p=$(median "$dir/proxy")
echo "direct (--net):            $(mib "$d")  runs (MiB/s): $(runs "$dir/direct")"
echo "proxy (--net-allow):       $(mib "$p")  runs (MiB/s): $(runs "$dir/proxy")"
if [ -n "$relay" ]; then
    f=$(median "$dir/floor")
    echo "floor (splice-relay.c):    $(mib "$f")  runs (MiB/s): $(runs "$dir/floor")"
fi
echo "ratio proxy/direct:        $(awk -v p="$p" -v d="$d" 'BEGIN {printf "%.2f", p/d}')"
if [ -n "$relay" ]; then
    echo "ratio floor/direct:        $(awk -v p="$f" -v d="$d" 'BEGIN {printf "%.2f", p/d}')"
    echo "ratio proxy/floor:         $(awk -v p="$p" -v d="$f" 'BEGIN {printf "%.2f", p/d}')"
fi
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
