#!/usr/bin/env python3
"""Independent answers for the output coordinate systems (src/crs/output.rs), checked by
tests/crs.rs.

Usage: python3 tests/crs.py < input.json
Input:  {"world": [[lon, lat], ...],        WGS84 points for PROJ
         "china": [[lon, lat], ...],        WGS84 points for the GCJ-02 forward map
         "gcj":   [[lon, lat], ...],        GCJ-02 points for its inverse
         "mercator": [[x, y], ...]}         EPSG:3857 metres for PROJ's inverse
Output: {"proj": {"EPSG:4326": [[a, b], ...], "EPSG:4490": [...], "EPSG:3857": [...]},
         "mercator_inverse": [[lon, lat], ...],
         "gcj_forward": [[lon, lat], ...], "gcj_inverse": [[lon, lat], ...],
         "in_china": [bool, ...] (for "china"), "proj_version": "..."}

- proj: PROJ (PyPI `pyproj`) from OGC:CRS84 to each EPSG code, in the authority's own
  axis order (no always_xy), so EPSG:4326 and 4490 come back as (lat, lon). That checks
  our axis order as well as the numbers.
- gcj_*: PyPI `prcoords` (Artoria2e5's PRCoords): wgs_gcj for the forward map, with its
  own China box (identity outside); gcj_wgs_bored for the inverse, its fixed-point
  iteration run to 1e-12 degrees instead of its default 1e-5 (about a metre).
"""

import json
import sys
import warnings

import prcoords
from pyproj import Transformer
import pyproj


def main():
    data = json.load(sys.stdin)
    proj = {}
    for code in ("EPSG:4326", "EPSG:4490", "EPSG:3857"):
        t = Transformer.from_crs("OGC:CRS84", code)
        proj[code] = [list(t.transform(lon, lat)) for lon, lat in data["world"]]
    back = Transformer.from_crs("EPSG:3857", "OGC:CRS84")
    mercator_inverse = [list(back.transform(x, y)) for x, y in data["mercator"]]

    prcoords.PRC_EPS = 1e-12
    gcj_forward, in_china = [], []
    with warnings.catch_warnings():
        # prcoords warns on every point outside its China box (and returns it as-is).
        warnings.simplefilter("ignore")
        for lon, lat in data["china"]:
            g = prcoords.wgs_gcj((lat, lon))
            gcj_forward.append([g.lon, g.lat])
            in_china.append(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))
    gcj_inverse = []
    for lon, lat in data["gcj"]:
        w = prcoords.gcj_wgs_bored((lat, lon))
        gcj_inverse.append([w.lon, w.lat])

    json.dump(
        {
            "proj": proj,
            "mercator_inverse": mercator_inverse,
            "gcj_forward": gcj_forward,
            "gcj_inverse": gcj_inverse,
            "in_china": in_china,
            "proj_version": pyproj.proj_version_str,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
