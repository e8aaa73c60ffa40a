#!/usr/bin/env bash
# Walking coverage on the Monaco extract and on a generated city of 1,000,000 buildings with
# the demo generator's streets, gates and footpaths (made in memory: the figures are of the
# analysis, not of loading). The network build and snapping time is printed once per data
# set; criterion medians land in target/criterion/coverage_*/*/new/estimates.json.
#
#   bash bench/coverage.sh
#   MINSHENG_BENCH_BUILDINGS=100000 bash bench/coverage.sh   # a smaller city
#   MINSHENG_BENCH_BUILDINGS=0 bash bench/coverage.sh        # Monaco only
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench coverage 2>&1 | grep -E '^(monaco|city|coverage_.*:)' || true
for estimate in target/criterion/coverage_*/*/new/estimates.json; do
  group=$(basename "$(dirname "$(dirname "$(dirname "$estimate")")")")
  name=$(basename "$(dirname "$(dirname "$estimate")")")
  python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print(f'{sys.argv[2]:<16} {sys.argv[3]:<40} median {e[\"median\"][\"point_estimate\"]/1e6:10.2f} ms')" "$estimate" "$group" "$name"
done
