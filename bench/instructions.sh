#!/usr/bin/env bash
# Instructions per request of `listen --headless` (stdout to /dev/null), for
# A/B of one change on a loaded machine where wall-clock figures swing:
# callgrind counts every user-space instruction of the process, whatever
# else the machine does. A fixed load of CONNS keep-alive connections x PER
# POSTs of SIZE bytes (the body of bench/post.lua), minus a run that serves
# nothing (start-up and shutdown). Kernel time (syscalls, page copies) is not
# counted: compare CPU time for that (bench/capture.sh).
# Usage: bench/instructions.sh [binary] [size] [conns] [per-conn]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/quick/hookcatch}
SIZE=${2:-1024}
CONNS=${3:-4}
PER=${4:-250}
command -v valgrind >/dev/null || { echo "needs valgrind (Debian package)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat > "$TMP/load.py" <<'PY'
import http.client, sys, threading
port, size, conns, per = (int(a) for a in sys.argv[1:5])
head = '{"event":"incident.created","timestamp":"2024-01-15T14:32:05.000Z","monitor":{"id":"m_abc123def456","name":"API Production"},"pad":"'
tail = '"}'
body = (head + "x" * max(0, size - len(head) - len(tail)) + tail).encode() if size >= len(head) + len(tail) else b"x" * size
headers = {"Content-Type": "application/json", "X-Pingara-Secret": "bench-secret"}
def send():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for _ in range(per):
        c.request("POST", "/pingara-webhook", body, headers)
        r = c.getresponse(); r.read()
        assert r.status == 200, r.status
threads = [threading.Thread(target=send) for _ in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
PY

run() { # per-conn -> total instructions
  local port out
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  out="$TMP/cg.$1"
  rm -f "$TMP/store.db"*
  valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" listen --headless \
    --port "$port" --store "$TMP/store.db" >/dev/null 2>"$TMP/err" &
  local pid=$!
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  [ "$1" -gt 0 ] && python3 "$TMP/load.py" "$port" "$SIZE" "$CONNS" "$1"
  kill -INT "$pid"; wait "$pid" || true
  sed -n 's/^summary: //p' "$out"
}
busy=$(run "$PER")
idle=$(run 0)
echo "$BIN: $(( (busy - idle) / (CONNS * PER) )) instructions per request ($SIZE B, $CONNS connections x $PER)"
