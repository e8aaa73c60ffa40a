#!/usr/bin/env python3
"""Getis-Ord Gi* by PySAL's esda, to check ours (src/services/analytics/hotspots.rs).

Usage: python3 tests/hotspots.py < input.json
Input:  {"values": [...], "neighbours": [[...], ...]}   (neighbours[i] without i itself)
Output: {"z": [...], "p": [...], "class": [...]}

Run by tests/hotspots.rs with esda 2.9.0 and libpysal 4.14.1 (.ci/run installs them).

- Weights: a libpysal W from the neighbour lists, every weight 1. G_Local(star=True,
  transform="B") then fills the diagonal with 1 (esda.getisord._infer_star_and_structure_w:
  "Want nonzero diagonal and do not have it" → fill_diagonal(w, 1)) and keeps the weights
  binary instead of row-standardising them, which is the ArcGIS Hot Spot Analysis setting.
- p: esda's p_norm is one-sided, norm.sf(|Zs|) (its docstring: "for two-sided tests, this
  value should be multiplied by 2"), so p = 2 * p_norm, the two-sided p we report.
- class: from esda's z with the ArcGIS bins |z| >= 2.576 / 1.960 / 1.645, written here
  again rather than taken from the Rust side.
- permutations=0: only the normal approximation, no random permutation p-values.
"""

import json
import sys

import numpy as np
from esda.getisord import G_Local
from libpysal.weights import W

BINS = ((2.576, "99"), (1.960, "95"), (1.645, "90"))


def arcgis_class(z):
    for threshold, confidence in BINS:
        if abs(z) >= threshold:
            return f"{'hot' if z > 0 else 'cold'}_{confidence}"
    return "not_significant"


def main():
    data = json.load(sys.stdin)
    values = np.asarray(data["values"], dtype=float)
    neighbours = {i: list(around) for i, around in enumerate(data["neighbours"])}
    # id_order pins row i of the weights to values[i]; islands are allowed (they keep
    # their self-weight), so libpysal's warning about them is noise here.
    w = W(neighbours, id_order=list(range(len(values))), silence_warnings=True)
    g = G_Local(values, w, transform="B", star=True, permutations=0)
    z = [float(v) for v in g.Zs]
    json.dump({"z": z, "p": [float(2 * v) for v in g.p_norm], "class": [arcgis_class(v) for v in z]}, sys.stdout)


if __name__ == "__main__":
    main()
