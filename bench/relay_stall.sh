#!/usr/bin/env bash
# What stalled stream readers cost the relay: READERS connections ask for a
# channel's stream and never read, while one BODY_MB body waits in it; the
# relay's resident memory (VmRSS, and its peak VmHWM, from /proc) before,
# while they hang on, and after they go.
# Usage: bench/relay_stall.sh   (BIN=path/to/hookcatch to skip the build;
#        READERS=20 BODY_MB=10 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
READERS=${READERS:-20}
BODY_MB=${BODY_MB:-10}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin hookcatch
  BIN=target/release/hookcatch
fi
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" relay --port "$PORT" --store "$TMP/relay.db" --token t --max-body 16m 2>"$TMP/relay.err" & PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
echo "binary: $BIN  readers: $READERS  body: $BODY_MB MB"
python3 - "$PORT" "$PID" "$READERS" "$BODY_MB" <<'PY'
import os, socket, sys, time
port, pid, readers, body_mb = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def mem():
    status = open(f"/proc/{pid}/status").read().splitlines()
    get = lambda k: int(next(l for l in status if l.startswith(k)).split()[1]) // 1024
    return f"VmRSS {get('VmRSS:'):4d} MB  VmHWM {get('VmHWM:'):4d} MB"
def settle():
    # Until the resident size stops moving (a second apart), at most 10 s.
    last = None
    for _ in range(10):
        time.sleep(1)
        now = mem()
        if now == last:
            break
        last = now
    return last
body = os.urandom(body_mb * 1_000_000)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(f"POST /c/big/x HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
while s.recv(65536):
    pass
s.close()
print(f"stored, no reader:        {settle()}")
stuck = []
for _ in range(readers):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"GET /_hookcatch/v1/c/big/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n")
    stuck.append(c)
print(f"{readers} readers not reading: {settle()}")
for c in stuck:
    c.close()
print(f"after they left:          {settle()}")
PY
