#!/usr/bin/env bash
# Context switches per captured request: how many times hookcatch's threads
# (voluntary and involuntary, summed over /proc/<pid>/task/*/status) gave up
# the CPU per request stored, under `wrk -t1 -c50` POSTing 1 KB bodies to
# `listen --headless` (durable store, stdout to /dev/null). Hand-offs
# between listener, writer and output are what this counts: one wake-up of
# each subscriber per commit, not per request.
# Usage: bench/switches.sh BINARY [BINARY...]   (ROUNDS=3 SECS=5 by default)
# Each binary runs ROUNDS times, alternating, so they share the machine's mood.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
switches() { # pid -> total context switches of all its threads
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/ctxt_switches/ { n += $2 } END { print n }'
}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores; wrk -t1 -c50 -d${SECS}s, 1 KB bodies"
printf "%-40s %10s %10s %14s\n" binary requests req/s switches/req
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    port=$(free_port)
    rm -f "$TMP"/s.db*
    "$bin" listen --headless --port "$port" --store "$TMP/s.db" >/dev/null 2>"$TMP/err" &
    pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
    before=$(switches "$pid")
    BODY_SIZE=1024 wrk -t1 -c50 -d"${SECS}s" -s bench/post.lua "http://127.0.0.1:$port" > "$TMP/wrk.txt"
    after=$(switches "$pid")
    kill -INT "$pid"; wait "$pid" || true
    requests=$(awk '/requests in/ { print $1 }' "$TMP/wrk.txt")
    rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$TMP/wrk.txt")
    python3 -c "print(f'{\"$bin\"[-40:]:<40} {$requests:>10} {$rps:>10} {($after - $before) / $requests:>14.3f}')"
  done
done
