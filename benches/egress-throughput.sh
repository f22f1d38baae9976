#!/bin/sh
# Throughput of a large download through caprun's egress proxy (--net-allow) against the
# same download straight from the host's network (--net), both under caprun's devtools
# policy, on loopback only: a server this script starts on 127.0.0.2 sends a sparse file
# with sendfile(2); curl downloads it to /dev/null. Interleaved runs, median of each.
# Usage: benches/egress-throughput.sh [CAPRUN] [SIZE_MIB] [RUNS]  (figures: BENCHMARKS.md)
set -eu
caprun=${1:-target/x86_64-unknown-linux-musl/release/caprun}
size=${2:-2048}
runs=${3:-5}
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
truncate -s "${size}M" "$dir/big"
python3 - "$dir/big" >"$dir/port" <<'PY' &
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
url="http://127.0.0.2:$(cat "$dir/port")/big"
one() {
    "$caprun" "$@" -- curl -sSf -o /dev/null -w '%{speed_download}\n' "$url"
}
: >"$dir/direct"
: >"$dir/proxy"
i=0
while [ "$i" -lt "$runs" ]; do
    one --net >>"$dir/direct"
    one --net-allow "127.0.0.2:$(cat "$dir/port")" >>"$dir/proxy"
    i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=$(median "$dir/direct")
p=$(median "$dir/proxy")
echo "direct (--net):      $(echo "$d" | awk '{printf "%.0f MiB/s", $1/1048576}')  runs: $(tr '\n' ' ' <"$dir/direct")"
echo "proxy (--net-allow): $(echo "$p" | awk '{printf "%.0f MiB/s", $1/1048576}')  runs: $(tr '\n' ' ' <"$dir/proxy")"
echo "ratio proxy/direct:  $(awk -v p="$p" -v d="$d" 'BEGIN {printf "%.2f", p/d}')"
