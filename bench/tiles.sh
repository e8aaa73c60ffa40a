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

echo "== in-process encode (criterion)"
cargo bench --locked --bench tiles

echo "== HTTP on 127.0.0.1:$PORT"
RUST_LOG=minsheng=warn target/release/minsheng serve --no-demo --watch-seconds 0 --bind 127.0.0.1:$PORT --database "$DB" &
SERVER=$!
trap 'kill $SERVER' EXIT
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.5; done

# A z16 tile in the middle of the city (the generator centres it at 104.05 E, 30.82 N).
read -r X Y < <(python3 -c "
import math; z=16; lon,lat=104.05,30.82; n=2**z
print(int((lon+180)/360*n), int((1-math.log(math.tan(math.radians(lat))+1/math.cos(math.radians(lat)))/math.pi)/2*n))")
HOT="http://127.0.0.1:$PORT/tiles/buildings/16/$X/$Y.mvt"
curl -sf -o /dev/null -w "hot tile: %{http_code}, %{size_download} bytes\n" "$HOT"
echo "-- cached: one tile, gzip, 2 threads, 32 connections, 20 s"
wrk -t2 -c32 -d20s --latency -H "Accept-Encoding: gzip" "$HOT"

cat > /tmp/minsheng-uncached.lua <<LUA
-- Walks z16 tiles over a 200 × 200 block around the centre: 40,000 distinct tiles.
counter = 0
request = function()
  counter = counter + 1
  local dx = counter % 200 - 100
  local dy = math.floor(counter / 200) % 200 - 100
  return wrk.format("GET", "/tiles/buildings/16/" .. ($X + dx) .. "/" .. ($Y + dy) .. ".mvt")
end
LUA
echo "-- uncached: distinct tiles, 1 thread (one counter), 8 connections, 20 s"
wrk -t1 -c8 -d20s --latency -s /tmp/minsheng-uncached.lua "http://127.0.0.1:$PORT"
