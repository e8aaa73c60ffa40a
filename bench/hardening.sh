#!/usr/bin/env bash
# Request bounds on a generated city (issue 12): makes a city of 200,000 buildings with
# 200,000 cases (plus a burst of 3,000 at one point), starts the release server on it and
# sends the worst request of each public endpoint, one at a time and then 16 at once,
# recording status, time, answer size and the server's extra peak memory
# (bench/hardening.py prints the table).
#
#   bash bench/hardening.sh                       # 200,000 buildings under data/hardening/
#   BUILDINGS=20000 CASES=20000 bash bench/hardening.sh
#   KEEP=1 bash bench/hardening.sh                # reuse the database made by an earlier run
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDINGS=${BUILDINGS:-200000}
CASES=${CASES:-200000}
DIR=data/hardening
DB="sqlite://$DIR/city.db"
PORT=${PORT:-8391}

cargo build --release --locked
BIN=target/release/minsheng
mkdir -p "$DIR"

FRESH=
if [ -z "${KEEP:-}" ] || [ ! -f "$DIR/city.db" ]; then
  FRESH=1
  echo "== generate $BUILDINGS buildings"
  "$BIN" demo --buildings "$BUILDINGS" --out "$DIR"
  rm -f "$DIR"/city.db "$DIR"/city.db-*
  echo "== import layers into $DB"
  for layer in streets communities grids compounds buildings stations contacts walkways; do
    RUST_LOG=minsheng=warn "$BIN" import --database "$DB" --layer "$layer" "$DIR/$layer.geojson"
  done
fi
ADMIN=$("$BIN" token create --database "$DB" --role admin --label "bench admin" 2>/dev/null)

# The anonymous submission limit is off so that the burst of requests is not throttled:
# this measures cost, not the rate limit.
# Its address space is capped (MEMORY_GIB, default 8) so that a runaway request ends the server,
# not the machine.
(ulimit -v $((${MEMORY_GIB:-8} * 1024 * 1024)); exec "$BIN" serve --database "$DB" --no-demo --bind "127.0.0.1:$PORT" \
  --submissions-per-minute 0 2> "$DIR/serve.log") &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
  sleep 0.5
done
URL="http://127.0.0.1:$PORT"
if [ -n "$FRESH" ]; then
  echo "== $CASES cases and a burst of 3,000 at one point"
  python3 bench/hardening.py seed "$URL" "$ADMIN" "$DIR/buildings.geojson" "$CASES" > "$DIR/burst.json"
fi
echo "== the worst requests (release build)"
python3 bench/hardening.py measure "$URL" "$SERVER" "$ADMIN" "$(cat "$DIR/burst.json")"
