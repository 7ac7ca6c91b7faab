#!/usr/bin/env bash
# Capture throughput: hookcatch (headless, durable store, stdout to /dev/null)
# against two baselines in one run on loopback: a bare hyper server that only
# reads the body (examples/bare_hyper.rs), and the least a durable catcher
# must do, commit before answering (examples/bare_durable.rs: one writer
# thread, group commit, SQLite WAL, synchronous=NORMAL). Prints req/s and
# p50/p99 for all three and hookcatch's ratios against both; then resident
# memory of hookcatch over 100,000+ requests. Each size runs ROUNDS times
# (default 3), the three servers alternating, and the ratios are of the
# medians: single runs on a small shared machine swing by 20% and more.
# Usage: [ROUNDS=3] [MEMORY=0] bench/capture.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-50}
ROUNDS=${ROUNDS:-3}
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin hookcatch --example bare_hyper --example bare_durable
BIN=target/release/hookcatch
BARE=target/release/examples/bare_hyper
DURABLE=target/release/examples/bare_durable
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; exit 1; }

# wrk prints "Requests/sec: N" and, with --latency, "50% 1.2ms" / "99% 3.4ms".
run_wrk() { # port size -> "rps p50_ms p99_ms"
  BODY_SIZE=$2 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s bench/post.lua "http://127.0.0.1:$1" > "$TMP/wrk.txt"
  python3 - "$TMP/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(\w+)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: print(f"warning: {errors.group(1)} non-2xx answers", file=sys.stderr)
print(f"{rps:.0f} {p50:.3f} {p99:.3f}")
PY
}

BARE_PORT=$(free_port); "$BARE" "127.0.0.1:$BARE_PORT" 2>/dev/null & BARE_PID=$!
DUR_PORT=$(free_port); "$DURABLE" "127.0.0.1:$DUR_PORT" "$TMP/durable.db" 2>/dev/null & DUR_PID=$!
HC_PORT=$(free_port)
"$BIN" listen --headless --port "$HC_PORT" --store "$TMP/bench.db" >/dev/null 2>"$TMP/hc.err" & HC_PID=$!
wait_port "$BARE_PORT"; wait_port "$DUR_PORT"; wait_port "$HC_PORT"

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "wrk -t1 -c$CONNS -d${SECS}s, POST /pingara-webhook, $ROUNDS rounds per size (bare hyper, bare durable, hookcatch alternating)"
printf "%-8s %-12s %10s %9s %9s\n" body server req/s p50_ms p99_ms
for size in 64 1024 102400; do
  : > "$TMP/rounds.txt"
  for _ in $(seq "$ROUNDS"); do
    read -r b_rps b_p50 b_p99 < <(run_wrk "$BARE_PORT" "$size")
    read -r d_rps d_p50 d_p99 < <(run_wrk "$DUR_PORT" "$size")
    read -r h_rps h_p50 h_p99 < <(run_wrk "$HC_PORT" "$size")
    printf "%-8s %-12s %10s %9s %9s\n" "$size" bare-hyper "$b_rps" "$b_p50" "$b_p99"
    printf "%-8s %-12s %10s %9s %9s\n" "$size" bare-durable "$d_rps" "$d_p50" "$d_p99"
    printf "%-8s %-12s %10s %9s %9s\n" "$size" hookcatch "$h_rps" "$h_p50" "$h_p99"
    echo "$b_rps $b_p99 $d_rps $d_p99 $h_rps $h_p99" >> "$TMP/rounds.txt"
  done
  python3 - "$size" "$TMP/rounds.txt" <<'PY'
import statistics, sys
size, rows = sys.argv[1], [list(map(float, l.split())) for l in open(sys.argv[2])]
b_rps, b_p99, d_rps, d_p99, h_rps, h_p99 = (statistics.median(c) for c in zip(*rows))
print(f"{size:<8} median       bare hyper {b_rps:.0f} req/s p99 {b_p99:.3f} ms | bare durable {d_rps:.0f} req/s p99 {d_p99:.3f} ms | hookcatch {h_rps:.0f} req/s p99 {h_p99:.3f} ms")
print(f"{size:<8} vs hyper     throughput {h_rps/b_rps:.2f}x   p99 {h_p99/max(b_p99, 0.001):.2f}x")
print(f"{size:<8} vs durable   throughput {h_rps/d_rps:.2f}x   p99 {h_p99/max(d_p99, 0.001):.2f}x")
if int(size) >= 100_000:
    print(f"{size:<8} targets      throughput >= 2.00x durable: {'met' if h_rps >= 2 * d_rps else 'MISSED'}; p99 <= durable's: {'met' if h_p99 <= d_p99 else 'MISSED'}")
else:
    print(f"{size:<8} targets      throughput >= 0.80x durable: {'met' if h_rps >= 0.8 * d_rps else 'MISSED'}; p99 <= 3x hyper's: {'met' if h_p99 <= 3 * b_p99 else 'MISSED'}")
PY
done
kill "$BARE_PID" "$DUR_PID"

kill -TERM "$HC_PID"; wait "$HC_PID" || true
[ "${MEMORY:-1}" = 0 ] && exit 0  # MEMORY=0: throughput only
# Memory: a fresh listener and store; RSS after each burst. Flat means no
# growth per request (the page cache is the kernel's, not ours).
MEM_PORT=$(free_port)
"$BIN" listen --headless --port "$MEM_PORT" --store "$TMP/mem.db" >/dev/null 2>>"$TMP/hc.err" & HC_PID=$!
wait_port "$MEM_PORT"
rss() { awk '/VmRSS/ {print $2}' "/proc/$HC_PID/status"; }
count() { "$BIN" list --store "$TMP/mem.db" --json --limit 1 | python3 -c 'import sys,json; l=sys.stdin.read().strip(); print(json.loads(l)["id"] if l else 0)'; }
echo "memory (1 KB bodies): requests stored -> hookcatch RSS"
echo "  $(count) -> $(rss) KiB (idle)"
while :; do
  BODY_SIZE=1024 wrk -t1 -c"$CONNS" -d3s -s bench/post.lua "http://127.0.0.1:$MEM_PORT" >/dev/null
  n=$(count)
  echo "  $n -> $(rss) KiB"
  # Two readings past 100,000 at least, so flat (or not) shows.
  [ "$n" -ge 200000 ] && break
done
kill -TERM "$HC_PID"; wait "$HC_PID" || true
