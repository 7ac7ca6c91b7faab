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
python3 bench/relay_latency.py "$BIN" "$R_PORT" "$R_PORT" "$TOKEN" "$SECS" "$RATE" "$TMP" \
  latency "sender -> subscriber line" "p50 < 5 ms, p99 < 20 ms"
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
