#!/usr/bin/env bash
# Planner analytics on a generated city: 1,000,000 buildings and 1,000,000 reports (made in
# the benchmark, in memory: the figures are of the analysis, not of loading). Criterion
# medians land in target/criterion/analytics/*/new/estimates.json.
#
#   bash bench/analytics.sh
#   MINSHENG_BENCH_BUILDINGS=100000 MINSHENG_BENCH_REPORTS=200000 bash bench/analytics.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench analytics
for estimate in target/criterion/analytics/*/new/estimates.json; do
  name=$(basename "$(dirname "$(dirname "$estimate")")")
  python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print(f'{sys.argv[2]:<32} median {e[\"median\"][\"point_estimate\"]/1e6:8.2f} ms')" "$estimate" "$name"
done
