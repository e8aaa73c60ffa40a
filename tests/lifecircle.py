"""Every building's nearest facility of each kind, and the walk to it, computed independently
for tests/lifecircle.rs with networkx.

Reads JSON from stdin: {"lines": [[[lon, lat], ...], ...], "kinds": {kind: [[lon, lat], ...]},
"buildings": [[lon, lat], ...], "limit_m": {kind: float}, "max_access_m": float}.

The walking model is the service's, written again from its description (as in
tests/coverage_monaco.py): nodes where lines share a coordinate exactly, haversine edges, a
point joins at the nearest point of the nearest segment (nearness in an equirectangular plane
centred on the point) with its haversine access leg, splitting that segment. Each kind's
facilities hang off one super source by their access legs; networkx's Dijkstra from it gives
each building its walk and, as the second node of its path, the facility it walks to.

Prints {"kinds": {kind: [[walk, facility index] or null, ...]}}: null beyond the kind's limit
or when the building cannot join the network.
"""
import json
import math
import sys

import networkx as nx

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

    facilities = {kind: [join(p) for p in points] for kind, points in data["kinds"].items()}
    buildings = [join(p) for p in data["buildings"]]

    on_segment = {}
    named = [(("building", k), b) for k, b in enumerate(buildings)]
    for kind, joined in facilities.items():
        named += [(("facility", kind, k), f) for k, f in enumerate(joined)]
    for name, joined in named:
        if joined is not None:
            on_segment.setdefault(joined[0], []).append((joined[1], name))
    graph = nx.Graph()
    for i, (a, b) in enumerate(segments):
        length = lengths[(a, b)]
        chain = [(0.0, a)] + sorted(on_segment.get(i, [])) + [(1.0, b)]
        for (t0, u), (t1, v) in zip(chain, chain[1:]):
            if u != v:
                graph.add_edge(u, v, length=(t1 - t0) * length)

    answer = {}
    for kind, joined in facilities.items():
        limit = data["limit_m"][kind]
        source = ("source", kind)
        for k, f in enumerate(joined):
            if f is not None:
                graph.add_edge(source, ("facility", kind, k), length=f[2])
        walks = [None] * len(buildings)
        if source in graph:
            reached, paths = nx.single_source_dijkstra(graph, source, cutoff=limit, weight="length")
            for k, b in enumerate(buildings):
                node = ("building", k)
                if b is not None and node in reached and reached[node] + b[2] <= limit:
                    walks[k] = [reached[node] + b[2], paths[node][1][2]]
            graph.remove_node(source)
        answer[kind] = walks
    print(json.dumps({"kinds": answer}))


if __name__ == "__main__":
    main()
