#!/usr/bin/env bash
# Several instances (issue 13, point 9), on the demo district, release build:
#  (a) report submissions per second with 8 clients (wrk), on a SQLite file and on PostgreSQL,
#      with the per-client limits off; ROUNDS runs of SECONDS each, the median printed;
#  (b) the delay from a write on one instance to its visibility on another (two instances on
#      one PostgreSQL database, polling only every 60 s): median and p99 over WRITES writes.
#
#   bash bench/instances.sh
#   ROUNDS=5 SECONDS_EACH=20 WRITES=500 bash bench/instances.sh
# Needs wrk (apt-get install wrk) and the PostgreSQL server of MINSHENG_TEST_POSTGRES.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-15}
WRITES=${WRITES:-300}
SERVER_URL=${MINSHENG_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
PYTHON=python3
[ -x .venv/bin/python ] && PYTHON=.venv/bin/python
command -v wrk > /dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }

cargo build --release --locked
BIN=target/release/minsheng
WORK=$(mktemp -d)
PIDS=()
PGDB=minsheng_bench_$$
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$SERVER_URL" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql "$SERVER_URL" -qc "CREATE DATABASE $PGDB"
PG="${SERVER_URL%/*}/$PGDB"

# Submissions land in the middle of the demo district's buildings, chosen at random per request
# (all at one point would make every duplicate-hint search scan the same growing pile of cases).
$PYTHON -c '
import json
features = json.load(open("data/demo/buildings.geojson"))["features"]
print("points = {")
for f in features:
    ring = f["geometry"]["coordinates"][0][:-1]
    print("  {%.7f, %.7f}," % (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)))
print("}")' > "$WORK/submit.lua"
read -r LON LAT < <(awk -F'[{},]' '/^  \{/ {print $2, $3; exit}' "$WORK/submit.lua")

# Starts an instance on $1 at port $2 (further arguments passed on); waits until it is ready.
serve() {
  local database=$1 port=$2
  shift 2
  RUST_LOG=minsheng=warn "$BIN" serve --database "$database" --bind "127.0.0.1:$port" \
    --submissions-per-minute 0 --max-connections-per-client 0 "$@" 2>> "$WORK/serve-$port.log" &
  PIDS+=($!)
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && return 0
    sleep 0.2
  done
  echo "instance on port $port never became ready: $(tail -5 "$WORK/serve-$port.log")" >&2
  exit 1
}

cat >> "$WORK/submit.lua" <<'LUA'
request = function()
  local p = points[math.random(#points)]
  local body = string.format('{"category":"parking","description":"消防通道被占 (bench)","lon":%.7f,"lat":%.7f}', p[1], p[2])
  return wrk.format("POST", "/api/reports", {["Content-Type"] = "application/json"}, body)
end
LUA

# Median requests/s over the rounds; fails on any answer but 201.
submissions() {
  local url=$1 rates=()
  # Warm-up: the walking network is built in the background after the start, and the first
  # requests fill the caches.
  wrk -t2 -c8 -d"${WARMUP:-10}s" -s "$WORK/submit.lua" "$url/api/reports" > /dev/null
  for _ in $(seq 1 "$ROUNDS"); do
    local out
    out=$(wrk -t2 -c8 -d"${SECONDS_EACH}s" -s "$WORK/submit.lua" "$url/api/reports")
    if grep -q "Non-2xx" <<< "$out"; then echo "$out" >&2; echo "answers other than 201" >&2; exit 1; fi
    rates+=("$(awk '/Requests\/sec/ {print $2}' <<< "$out")")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f/s (rounds: ", a[int((NR+1)/2)]; for (i=1;i<=NR;i++) printf "%s%s", a[i], (i<NR?" ":")\n")}'
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(psql "$SERVER_URL" -tAc 'SHOW server_version' | cut -d' ' -f1) PostgreSQL"
echo "== (a) report submissions, 8 clients, ${ROUNDS}×${SECONDS_EACH} s, median"
serve "sqlite://$WORK/bench.db" 8401 --watch-seconds 2
echo "sqlite:     $(submissions http://127.0.0.1:8401)"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
serve "$PG" 8402 --watch-seconds 2
echo "postgresql: $(submissions http://127.0.0.1:8402)"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'

echo "== (b) write on one instance to visible on another (PostgreSQL, NOTIFY; poll every 60 s)"
serve "$PG" 8403 --watch-seconds 60
serve "$PG" 8404 --watch-seconds 60
$PYTHON bench/instances.py http://127.0.0.1:8403 http://127.0.0.1:8404 "$LON" "$LAT" "$WRITES"
