#!/usr/bin/env bash
# The relay on PostgreSQL against the relay on SQLite, in one run on loopback:
#  1. capture throughput and p99 of `relay --store postgres://...` against
#     `relay --store FILE`, 1 KB POSTs at 50 connections, ROUNDS rounds each,
#     alternating (target: PostgreSQL >= 0.5x SQLite's throughput);
#  2. cross-relay latency: two relays on one database, a sender posting to
#     relay A at a paced 200 req/s, the time until each line is printed by a
#     headless subscriber of relay B, p50 and p99 (target: p99 < 50 ms).
# PostgreSQL is a throwaway cluster made with the server binaries of
# Debian's `postgresql` package, with its defaults (fsync and synchronous
# commit on: an answered request is on disk), on a unix socket.
# Usage: bench/relay_pg.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CONNS=${2:-50}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-200}
TOKEN=bench-token
need=()
command -v wrk >/dev/null || need+=(wrk)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
  echo "installing ${need[*]} (Debian packages)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# BIN=path/to/hookcatch skips the release build.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin hookcatch
  BIN=target/release/hookcatch
fi
TMP=$(mktemp -d /tmp/hookcatch-bench-pg.XXXXXX)
# initdb refuses root: the cluster belongs to the postgres user then.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$TMP"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$TMP/data" -A trust -U postgres -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/pg.log" -w \
  -o "-k $TMP -p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
"$PGBIN/psql" -X -q -h "$TMP" -p "$PG_PORT" -U postgres -c "CREATE DATABASE bench" -c "CREATE DATABASE team"
PG="postgres:///bench?host=$TMP&port=$PG_PORT&user=postgres"
CROSS="postgres:///team?host=$TMP&port=$PG_PORT&user=postgres"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)  PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"

# 1. Throughput and p99: the same wrk load at a relay on each store.
run_wrk() { # port -> "rps p99ms"
  BODY_SIZE=1024 PATH_PREFIX=/c/bench wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s bench/post.lua "http://127.0.0.1:$1" > "$TMP/wrk.txt"
  grep -q "Non-2xx" "$TMP/wrk.txt" && echo "warning: non-2xx answers: $(grep Non-2xx "$TMP/wrk.txt")" >&2
  python3 - "$TMP/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", text).groups()
ms = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
print(f"{rps:.0f} {ms:.2f}")
PY
}
S_PORT=$(free_port); P_PORT=$(free_port)
"$BIN" relay --port "$S_PORT" --store "$TMP/relay.db" --token "$TOKEN" 2>"$TMP/sqlite.err" & S_PID=$!
"$BIN" relay --port "$P_PORT" --store "$PG" --token "$TOKEN" 2>"$TMP/pg.err" & P_PID=$!
wait_port "$S_PORT"; wait_port "$P_PORT"
echo "throughput  wrk -t1 -c$CONNS -d${SECS}s --latency, 1 KB JSON bodies, $ROUNDS rounds (SQLite, PostgreSQL alternating)"
: > "$TMP/rounds.txt"
for _ in $(seq "$ROUNDS"); do
  s=$(run_wrk "$S_PORT"); p=$(run_wrk "$P_PORT")
  read -r s_rps s_p99 <<<"$s"; read -r p_rps p_p99 <<<"$p"
  printf "throughput  sqlite %8s req/s p99 %7s ms   postgres %8s req/s p99 %7s ms\n" "$s_rps" "$s_p99" "$p_rps" "$p_p99"
  echo "$s_rps $s_p99 $p_rps $p_p99" >> "$TMP/rounds.txt"
done
python3 - "$TMP/rounds.txt" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
s, s99, p, p99 = (statistics.median(c) for c in zip(*rows))
print(f"throughput  median sqlite {s:.0f} req/s (p99 {s99:.2f} ms), postgres {p:.0f} req/s (p99 {p99:.2f} ms):"
      f" postgres/sqlite {p/s:.2f}x (target >= 0.50)")
PY
kill -TERM "$S_PID" "$P_PID"; wait "$S_PID" "$P_PID" 2>/dev/null || true

# 2. Cross-relay latency: post to A, the line at a subscriber of B.
A_PORT=$(free_port); B_PORT=$(free_port)
"$BIN" relay --port "$A_PORT" --store "$CROSS" --token "$TOKEN" 2>"$TMP/a.err" & A_PID=$!
"$BIN" relay --port "$B_PORT" --store "$CROSS" --token "$TOKEN" 2>"$TMP/b.err" & B_PID=$!
wait_port "$A_PORT"; wait_port "$B_PORT"
python3 bench/relay_latency.py "$BIN" "$A_PORT" "$B_PORT" "$TOKEN" "$SECS" "$RATE" "$TMP" \
  cross-relay "post to A -> line at a subscriber of B" "p99 < 50 ms"
