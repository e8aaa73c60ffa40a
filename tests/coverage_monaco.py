"""Building-to-station walking distances, computed independently for tests/coverage_monaco.rs.

Reads JSON from stdin: {"lines": [[[lon, lat], ...], ...], "stations": [[lon, lat], ...],
"buildings": [[lon, lat], ...], "limit_m": float, "max_access_m": float}.

The same model as the service, written again from its description:
- nodes where lines share a coordinate exactly; edges are segments with haversine length
  (mean Earth radius 6,371,008.8 m);
- a point joins the network at the nearest point of the nearest segment, nearness measured
  in an equirectangular plane centred on the point; the access leg is the haversine distance
  to that point and counts in the walk; points farther than max_access_m do not join;
- the joining point splits its segment in proportion to where it lies along it.
Prints {"distances": [...]}: per building, the walk to the nearest station, or null beyond
limit_m or when it cannot join.
"""
import json
import math
import sys

import networkx as nx

# The same haversine (mean Earth radius) as the distance check beside it.
from network_monaco import R, haversine

PER_DEGREE = R * math.pi / 180


def main():
    data = json.load(sys.stdin)
    lengths = {}
    for line in data["lines"]:
        for a, b in zip(line, line[1:]):
            a, b = tuple(a), tuple(b)
            if a != b and (b, a) not in lengths:
                lengths.setdefault((a, b), haversine(a, b))
    segments = list(lengths)

    def join(point):
        """(segment index, fraction, access metres) or None."""
        kx, ky = PER_DEGREE * math.cos(math.radians(point[1])), PER_DEGREE
        best = None
        for i, ((x0, y0), (x1, y1)) in enumerate(segments):
            ax, ay = (x0 - point[0]) * kx, (y0 - point[1]) * ky
            dx, dy = (x1 - point[0]) * kx - ax, (y1 - point[1]) * ky - ay
            t = min(1.0, max(0.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
            distance = math.hypot(ax + t * dx, ay + t * dy)
            if best is None or distance < best[0]:
                best = (distance, i, t)
        _, i, t = best
        (x0, y0), (x1, y1) = segments[i]
        access = haversine(point, (x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        return None if access > data["max_access_m"] else (i, t, access)

    stations = [join(p) for p in data["stations"]]
    buildings = [join(p) for p in data["buildings"]]

    # Split every segment at the points that join it, in order along it.
    on_segment = {}
    for name, joined in [(("station", k), s) for k, s in enumerate(stations)] + [
        (("building", k), b) for k, b in enumerate(buildings)
    ]:
        if joined is not None:
            on_segment.setdefault(joined[0], []).append((joined[1], name))
    graph = nx.Graph()
    for i, (a, b) in enumerate(segments):
        length = lengths[(a, b)]
        chain = [(0.0, a)] + sorted(on_segment.get(i, [])) + [(1.0, b)]
        for (t0, u), (t1, v) in zip(chain, chain[1:]):
            if u != v:
                graph.add_edge(u, v, length=(t1 - t0) * length)
    # One super source tied to every station by its access leg.
    for k, s in enumerate(stations):
        if s is not None:
            graph.add_edge("source", ("station", k), length=s[2])
    if "source" not in graph:
        print(json.dumps({"distances": [None] * len(buildings)}))
        return
    reached = nx.single_source_dijkstra_path_length(graph, "source", cutoff=data["limit_m"], weight="length")
    distances = []
    for k, b in enumerate(buildings):
        d = None if b is None else reached.get(("building", k))
        if d is not None and d + b[2] <= data["limit_m"]:
            distances.append(d + b[2])
        else:
            distances.append(None)
    print(json.dumps({"distances": distances}))


if __name__ == "__main__":
    main()
