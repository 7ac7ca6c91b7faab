#!/usr/bin/env bash
# The relay, in one run on loopback:
#  1. end-to-end latency from a sender's request to the subscriber's headless
#     line, p50 and p99, at a paced 200 req/s (targets: p50 < 5 ms, p99 < 20 ms);
#  2. capture throughput of `relay` against `listen` at 50 connections
#     (target: relay >= 0.8x listen), ROUNDS rounds each, alternating.
# Usage: bench/relay.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-50}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-200}
TOKEN=bench-token
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
# BIN=path/to/hookcatch skips the release build (a dry run of the script).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin hookcatch
  BIN=target/release/hookcatch
fi
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# 1. Latency: relay + one headless subscriber; a paced sender stamps each
#    body with its sequence number and the time it was sent; the reader of
#    the subscriber's stdout notes when each line arrives.
R_PORT=$(free_port)
"$BIN" relay --port "$R_PORT" --store "$TMP/relay.db" --token "$TOKEN" 2>"$TMP/relay.err" & RELAY_PID=$!
wait_port "$R_PORT"
python3 - "$BIN" "$R_PORT" "$TOKEN" "$SECS" "$RATE" "$TMP" <<'PY'
import http.client, json, statistics, subprocess, sys, threading, time
bin_, port, token, secs, rate, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
sub = subprocess.Popen(
    [bin_, "listen", "--headless", "--port", "0", "--store", f"{tmp}/sub.db",
     "--from", f"http://127.0.0.1:{port}/c/bench", "--token", token],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
for line in sub.stderr:
    if "relay: connected" in line:
        break
threading.Thread(target=lambda: [None for _ in sub.stderr], daemon=True).start()
sent, arrived = {}, {}
total = secs * rate
def read():
    for line in sub.stdout:
        now = time.perf_counter()
        seq = json.loads(json.loads(line)["body"])["seq"]
        arrived[seq] = now
        if len(arrived) == total:
            return
reader = threading.Thread(target=read, daemon=True)
reader.start()
conn = http.client.HTTPConnection("127.0.0.1", port)
start = time.perf_counter()
for seq in range(total):
    due = start + seq / rate
    while time.perf_counter() < due:
        time.sleep(max(0, due - time.perf_counter()))
    body = json.dumps({"seq": seq, "event": "incident.created", "pad": "x" * 900})
    sent[seq] = time.perf_counter()
    conn.request("POST", "/c/bench/pingara-webhook", body, {"Content-Type": "application/json"})
    resp = conn.getresponse(); resp.read()
reader.join(timeout=30)
sub.terminate(); sub.wait()
lat = sorted((arrived[s] - sent[s]) * 1000 for s in sent if s in arrived)
missing = total - len(lat)
q = statistics.quantiles(lat, n=100)
print(f"latency  sender -> subscriber line, paced {rate} req/s for {secs} s, {len(lat)} requests"
      f"{f', {missing} MISSING' if missing else ''}")
print(f"latency  p50 {q[49]:.2f} ms (target < 5)   p99 {q[98]:.2f} ms (target < 20)   max {lat[-1]:.2f} ms")
PY
kill -TERM "$RELAY_PID"; wait "$RELAY_PID" || true

# 2. Throughput: the same wrk load at a relay channel and at a listener.
run_wrk() { # port prefix -> rps
  BODY_SIZE=1024 PATH_PREFIX=$2 wrk -t1 -c"$CONNS" -d"${SECS}s" -s bench/post.lua "http://127.0.0.1:$1" > "$TMP/wrk.txt"
  grep -q "Non-2xx" "$TMP/wrk.txt" && echo "warning: non-2xx answers" >&2
  awk '/Requests\/sec/ {printf "%.0f\n", $2}' "$TMP/wrk.txt"
}
R_PORT=$(free_port); L_PORT=$(free_port)
"$BIN" relay --port "$R_PORT" --store "$TMP/relay2.db" --token "$TOKEN" 2>>"$TMP/relay.err" & RELAY_PID=$!
"$BIN" listen --headless --port "$L_PORT" --store "$TMP/listen.db" >/dev/null 2>"$TMP/listen.err" & LISTEN_PID=$!
wait_port "$R_PORT"; wait_port "$L_PORT"
echo "throughput  wrk -t1 -c$CONNS -d${SECS}s, 1 KB JSON bodies, $ROUNDS rounds (listen, relay alternating)"
: > "$TMP/rounds.txt"
for _ in $(seq "$ROUNDS"); do
  l=$(run_wrk "$L_PORT" ""); r=$(run_wrk "$R_PORT" "/c/bench")
  printf "throughput  listen %8s req/s   relay %8s req/s\n" "$l" "$r"
  echo "$l $r" >> "$TMP/rounds.txt"
done
python3 - "$TMP/rounds.txt" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
l, r = (statistics.median(c) for c in zip(*rows))
print(f"throughput  median listen {l:.0f} req/s, relay {r:.0f} req/s: relay/listen {r/l:.2f}x (target >= 0.80)")
PY
