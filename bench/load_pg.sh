#!/usr/bin/env bash
# Loading the 1M-building city into the index at start, from SQLite and from PostgreSQL
# (issue 13, point 9; goal: PostgreSQL at most 1.5x SQLite). Needs the city from
# `bash bench/city.sh` under data/city; copies it into PostgreSQL with `migrate-db` unless
# the database holds it already. Prints the "reading the database" and total times per run.
#
#   bash bench/load_pg.sh
#   PG=postgres://postgres@127.0.0.1:5432/minsheng_city RUNS=3 bash bench/load_pg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SQLITE=${SQLITE:-sqlite://data/city/city.db}
PG=${PG:-postgres://postgres@127.0.0.1:5432/minsheng_city}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/minsheng}
[ -n "${BIN_BUILT:-}" ] || cargo build --release --locked

if [ "$(psql "$PG" -Atc 'SELECT COUNT(*) FROM buildings' 2>/dev/null || echo 0)" = 0 ]; then
  psql "${PG%/*}/postgres" -c "CREATE DATABASE ${PG##*/}" 2>/dev/null || true
  "$BIN" migrate-db --from "$SQLITE" --to "$PG"
fi

for db in "$SQLITE" "$PG"; do
  echo "== $db"
  for run in $(seq "$RUNS"); do
    RUST_LOG=minsheng=info "$BIN" check --database "$db" 2>&1 | grep -E "read|loaded and indexed" | sed 's/^.*INFO //'
  done
done
