"""Sender -> subscriber latency through relays, shared by bench/relay.sh and
bench/relay_pg.sh: a headless `listen --from` subscriber of the relay on
SUB_PORT, a sender posting 1 KB JSON bodies to the relay on POST_PORT (the
same relay, or another on the same database) paced at RATE req/s on one
keep-alive connection; the time from just before each request is sent to
its line on the subscriber's stdout.

Usage: relay_latency.py BIN POST_PORT SUB_PORT TOKEN SECS RATE TMP LABEL WHAT TARGETS
"""
import http.client, json, statistics, subprocess, sys, threading, time

bin_, post_port, sub_port, token = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
secs, rate, tmp = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
label, what, targets = sys.argv[8], sys.argv[9], sys.argv[10]
sub = subprocess.Popen(
    [bin_, "listen", "--headless", "--port", "0", "--store", f"{tmp}/sub.db",
     "--from", f"http://127.0.0.1:{sub_port}/c/bench", "--token", token],
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
conn = http.client.HTTPConnection("127.0.0.1", post_port)
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
print(f"{label}  {what}, paced {rate} req/s for {secs} s, {len(lat)} requests"
      f"{f', {missing} MISSING' if missing else ''}")
print(f"{label}  p50 {q[49]:.2f} ms   p99 {q[98]:.2f} ms   max {lat[-1]:.2f} ms   targets: {targets}")
