#!/usr/bin/env bash
# Builds the city-sized benchmark data set and measures the foundation's figures on it:
# generation, GeoJSON import rate per layer, index load time and peak memory at start,
# then the in-process locate benchmark (criterion).
#
#   bash bench/city.sh            # 1,000,000 buildings under data/city/ (not committed)
#   BUILDINGS=100000 bash bench/city.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDINGS=${BUILDINGS:-1000000}
DIR=data/city
DB="sqlite://$DIR/city.db"

cargo build --release --locked
BIN=target/release/minsheng

echo "== generate $BUILDINGS buildings"
/usr/bin/env time -f "   %e s, peak %M KiB" "$BIN" demo --buildings "$BUILDINGS" --out "$DIR" 2>&1 || "$BIN" demo --buildings "$BUILDINGS" --out "$DIR"
ls -lh "$DIR"/*.geojson

echo "== import into $DB"
rm -f "$DIR"/city.db "$DIR"/city.db-*
for layer in streets communities grids compounds buildings stations contacts; do
  RUST_LOG=minsheng=warn "$BIN" import --database "$DB" --layer "$layer" "$DIR/$layer.geojson"
done

echo "== load into the index at start (3 runs)"
for run in 1 2 3; do
  RUST_LOG=minsheng=warn "$BIN" check --database "$DB" | tail -2
done

echo "== locate (criterion)"
MINSHENG_BENCH_BUILDINGS="$BUILDINGS" cargo bench --locked --bench locate
