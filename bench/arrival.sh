#!/usr/bin/env bash
# From arrival to the headless line: senders paced at RATE req/s in all
# (default 1,000: THREADS keep-alive connections, each paced at RATE/THREADS)
# post 1 KB JSON bodies stamped with a sequence number to
# `hookcatch listen --headless`; a reader of its stdout notes when each
# request's line appears. Latency is from just before the request is sent to
# its line, so it includes the sender's own write (an upper bound on
# arrival -> line). The sender's answer time (arrival -> commit -> answer) is
# printed beside it for scale, and the same paced load against
# examples/bare_durable gives the floor of commit-before-answer.
# Target (bench/RESULTS.md): arrival -> headless line p99 under 10 ms.
# Usage: [RATE=1000] [THREADS=4] bench/arrival.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
RATE=${RATE:-1000}
THREADS=${THREADS:-4}
# BIN=path/to/hookcatch DURABLE=path/to/bare_durable skip the release build.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin hookcatch --example bare_durable
  BIN=target/release/hookcatch
  DURABLE=target/release/examples/bare_durable
fi
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
D_PORT=$(free_port)
"$DURABLE" "127.0.0.1:$D_PORT" "$TMP/durable.db" 2>/dev/null & D_PID=$!
wait_port "$D_PORT"
python3 - "$BIN" "$D_PORT" "$SECS" "$RATE" "$THREADS" "$TMP" <<'PY'
import http.client, json, re, statistics, subprocess, sys, threading, time
bin_, d_port, secs, rate, threads, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
total = secs * rate

def paced(port, on_sent):
    """THREADS connections, together RATE req/s; returns answer times (ms)."""
    answered = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    def run(k):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        for seq in range(k, total, threads):
            due = start + seq / rate
            while (now := time.perf_counter()) < due:
                time.sleep(due - now)
            body = json.dumps({"seq": seq, "event": "incident.created", "pad": "x" * 960})
            t0 = time.perf_counter()
            on_sent(seq, t0)
            conn.request("POST", "/pingara-webhook", body, {"Content-Type": "application/json"})
            conn.getresponse().read()
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            answered.extend(mine)
    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    return sorted(answered)

def q(values):
    c = statistics.quantiles(values, n=100)
    return c[49], c[98]

floor = paced(d_port, lambda seq, t: None)

hc = subprocess.Popen(
    [bin_, "listen", "--headless", "--port", "0", "--store", f"{tmp}/hc.db"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
port = None
for line in hc.stderr:
    found = re.search(r"listening on http://[^\s]+:(\d+)", line)
    if found:
        port = int(found.group(1))
        break
threading.Thread(target=lambda: [None for _ in hc.stderr], daemon=True).start()
sent, arrived = {}, {}
def read():
    for line in hc.stdout:
        now = time.perf_counter()
        seq = json.loads(json.loads(line)["body"])["seq"]
        arrived[seq] = now
        if len(arrived) == total:
            return
reader = threading.Thread(target=read, daemon=True)
reader.start()
answers = paced(port, lambda seq, t: sent.__setitem__(seq, t))
reader.join(timeout=30)
hc.terminate(); hc.wait()
lines = sorted((arrived[s] - sent[s]) * 1000 for s in sent if s in arrived)
missing = total - len(lines)
print(f"paced {rate} req/s over {threads} keep-alive connections for {secs} s: {total} requests of 1 KB JSON"
      f"{f', {missing} lines MISSING' if missing else ''}")
print(f"bare durable  answer          p50 {q(floor)[0]:6.2f} ms   p99 {q(floor)[1]:6.2f} ms")
print(f"hookcatch     answer          p50 {q(answers)[0]:6.2f} ms   p99 {q(answers)[1]:6.2f} ms   ({q(answers)[1] / max(q(floor)[1], 0.001):.2f}x bare durable's p99)")
p50, p99 = q(lines)
print(f"hookcatch     headless line   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   max {lines[-1]:.2f} ms"
      f"   target p99 < 10 ms: {'met' if p99 < 10 else 'MISSED'}")
PY
kill "$D_PID"
