#!/bin/bash
# Control harness for the escape probe: sets up the inputs, runs the probe (optionally
# under a wrapper command), then tears down and shows that the granted dir is intact.
# Usage: tests/escape/control-harness.sh [WRAPPER...] -- [PROBE ARGS...]
#   PROBE=path/to/escape (default: $CARGO_TARGET_DIR or target, debug example)
#   e.g.  tests/escape/control-harness.sh
#         script -qec tests/escape/control-harness.sh /dev/null     (with a tty)
#         tests/escape/control-harness.sh unshare -Urmn --fork --  --json
set -u
H=$(mktemp -d /tmp/caprun-escape-harness.XXXXXX)
mkdir -p "$H/hostdir" "$H/granted" "$H/rw"
echo secret > "$H/secret.txt"; touch "$H/hostdir/a" "$H/hostdir/b"
echo "victim content" > "$H/granted/victim"; ln -s /etc "$H/granted/link-out"
chmod 0644 "$H/granted/victim"
ln -s secret.txt "$H/link"
ABSTRACT=caprun-escape-test-$$
sleep 100 & VICTIM=$!
python3 -c '
import socket,sys,time,os
t=socket.socket(); t.bind(("127.0.0.1",0)); t.listen(16)
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1",0))
a=socket.socket(socket.AF_UNIX); a.bind("\0"+sys.argv[2]); a.listen(16)
n=socket.socket(socket.AF_UNIX); n.bind(sys.argv[1]+"/sock"); n.listen(16)
open(sys.argv[1]+"/ports","w").write("%d %d\n"%(t.getsockname()[1], u.getsockname()[1]))
time.sleep(120)' "$H" "$ABSTRACT" & LST=$!
for i in $(seq 50); do [ -s "$H/ports" ] && break; sleep 0.1; done
read PORT UDP_PORT < "$H/ports"
BIN=${PROBE:-${CARGO_TARGET_DIR:-$(dirname "$0")/../../target}/x86_64-unknown-linux-musl/debug/examples/escape}
WRAP=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do WRAP+=("$1"); shift; done; [ $# -gt 0 ] && shift
exec 5<"$H/granted" 6<"$H/rw"
"${WRAP[@]}" "$BIN" --host-file "$H/secret.txt" --host-dir "$H/hostdir" --tcp-port "$PORT" --udp-port "$UDP_PORT" \
  --abstract "$ABSTRACT" --host-pid "$VICTIM" --host-binary /bin/true \
  --host-link "$H/link" --host-socket "$H/sock" \
  --granted-dir-fd 5 --rw-dir-fd 6 "$@"
RC=$?
echo "probe exit: $RC" >&2
kill $VICTIM $LST 2>/dev/null; wait 2>/dev/null
echo "victim after: $(cat $H/granted/victim) $(stat -c %a $H/granted/victim)" >&2
ls -A "$H/granted" "$H/rw" >&2
rm -rf "$H"
