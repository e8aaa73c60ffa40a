#!/usr/bin/env bash
# Tile benchmarks on the generated 1,000,000-building city:
#  1. in-process uncached encode at z14/15/16 (criterion, `cargo bench --bench tiles`);
#  2. over HTTP on loopback with wrk: one hot (cached) tile, and tiles spread over the
#     city at z16 so that nearly every request renders (uncached).
# Needs data/city/city.db from bench/city.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
DB="sqlite://data/city/city.db"
[ -f data/city/city.db ] || { echo "run bench/city.sh first (it builds data/city/city.db)" >&2; exit 1; }
cargo build --release --locked
PORT=18765

if [ "${SKIP_CRITERION:-}" != 1 ]; then
echo "== in-process encode (criterion)"
cargo bench --locked --bench tiles
fi

start_server() { # $1: tile cache in MiB
  RUST_LOG=minsheng=warn target/release/minsheng serve --no-demo --watch-seconds 0 --tile-cache-mb "$1" \
    --bind 127.0.0.1:$PORT --database "$DB" &
  SERVER=$!
  until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.5; done
}
trap 'kill $SERVER 2>/dev/null' EXIT

echo "== HTTP on 127.0.0.1:$PORT, tile cache on"
start_server 256

# A z16 tile in the middle of the data, from the TileJSON centre.
read -r X Y < <(curl -sf "http://127.0.0.1:$PORT/tiles/buildings.json" | python3 -c "
import json, math, sys; lon, lat, _ = json.load(sys.stdin)['center']; z = 16; n = 2 ** z
print(int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n))")
HOT="http://127.0.0.1:$PORT/tiles/buildings/16/$X/$Y.mvt"
curl -sf -o /dev/null -w "hot tile: %{http_code}, %{size_download} bytes\n" "$HOT"
echo "-- cached: one tile, gzip, 2 threads, 32 connections, 20 s"
wrk -t2 -c32 -d20s --latency -H "Accept-Encoding: gzip" "$HOT"

kill $SERVER; wait $SERVER 2>/dev/null || true
echo "== HTTP, tile cache off (--tile-cache-mb 0): every request renders"
start_server 0
cat > /tmp/minsheng-uncached.lua <<LUA
-- Walks the z16 tiles of a 64 × 64 block (33 km) around the city centre.
counter = 0
request = function()
  counter = counter + 1
  local dx = counter % 64 - 32
  local dy = math.floor(counter / 64) % 64 - 32
  return wrk.format("GET", "/tiles/buildings/16/" .. ($X + dx) .. "/" .. ($Y + dy) .. ".mvt")
end
LUA
echo "-- uncached: z16 tiles across the city, 1 thread, 8 connections, 20 s"
wrk -t1 -c8 -d20s --latency -s /tmp/minsheng-uncached.lua "http://127.0.0.1:$PORT"
