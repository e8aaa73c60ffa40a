#!/usr/bin/env python3
"""The H3 cells holding points, by Uber's own library (PyPI `h3`, v4), to check ours
(`/api/heatmap`, which indexes with the Rust crate h3o).

Usage: python3 tests/h3_cells.py < input.json
Input:  {"points": [[lat, lon], ...], "resolutions": [7, 8, ...]}
Output: {"cells": {"7": ["87...", ...], ...}, "via_res12": {"7": [...], ...}}

- cells[r][i]: h3.latlng_to_cell(lat, lon, r), the cell of resolution r that contains
  point i, which is where a case (or a building's households) must count.
- via_res12[r][i]: h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 12), r), the old rule
  (the parent of the point's resolution-12 cell). H3 children do not tile their parent,
  so this differs for some points; the test checks that the demo has such points, so it
  would notice a return to the old rule.

Run by tests/h3_containment.rs with h3 4.5.0 (tests/requirements.txt).
"""

import json
import sys

import h3


def main():
    data = json.load(sys.stdin)
    points = data["points"]
    cells, via_res12 = {}, {}
    fine = [h3.latlng_to_cell(lat, lon, 12) for lat, lon in points]
    for r in data["resolutions"]:
        cells[str(r)] = [h3.latlng_to_cell(lat, lon, r) for lat, lon in points]
        via_res12[str(r)] = [h3.cell_to_parent(c, r) for c in fine]
    json.dump({"cells": cells, "via_res12": via_res12}, sys.stdout)


if __name__ == "__main__":
    main()
