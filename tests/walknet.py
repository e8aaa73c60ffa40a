"""The service's walking model, written again from its description, for the networkx checks
(tests/coverage_monaco.py, tests/lifecircle.py):
- nodes where lines share a coordinate exactly; edges are segments with haversine length
  (mean Earth radius 6,371,008.8 m);
- a point joins the network at the nearest point of the nearest segment, nearness measured
  in an equirectangular plane centred on the point; the access leg is the haversine distance
  to that point and counts in the walk; points farther than max_access_m do not join;
- the joining point splits its segment in proportion to where it lies along it.
"""
import math

import networkx as nx

# The same haversine (mean Earth radius) as the distance check beside it.
from network_monaco import R, haversine

PER_DEGREE = R * math.pi / 180


class Network:
    def __init__(self, lines, max_access_m):
        self.lengths = {}
        for line in lines:
            for a, b in zip(line, line[1:]):
                a, b = tuple(a), tuple(b)
                if a != b and (b, a) not in self.lengths:
                    self.lengths.setdefault((a, b), haversine(a, b))
        self.segments = list(self.lengths)
        self.max_access_m = max_access_m

    def join(self, point):
        """(segment index, fraction along it, access metres), or None beyond max_access_m."""
        kx, ky = PER_DEGREE * math.cos(math.radians(point[1])), PER_DEGREE
        best = None
        for i, ((x0, y0), (x1, y1)) in enumerate(self.segments):
            ax, ay = (x0 - point[0]) * kx, (y0 - point[1]) * ky
            dx, dy = (x1 - point[0]) * kx - ax, (y1 - point[1]) * ky - ay
            t = min(1.0, max(0.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
            distance = math.hypot(ax + t * dx, ay + t * dy)
            if best is None or distance < best[0]:
                best = (distance, i, t)
        _, i, t = best
        (x0, y0), (x1, y1) = self.segments[i]
        access = haversine(point, (x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        return None if access > self.max_access_m else (i, t, access)

    def graph(self, named):
        """The network as an nx.Graph (edge weight `length`), every segment split at the
        points that join it, in order along it; `named` is [(node name, join(point))]."""
        on_segment = {}
        for name, joined in named:
            if joined is not None:
                on_segment.setdefault(joined[0], []).append((joined[1], name))
        graph = nx.Graph()
        for i, (a, b) in enumerate(self.segments):
            length = self.lengths[(a, b)]
            chain = [(0.0, a)] + sorted(on_segment.get(i, [])) + [(1.0, b)]
            for (t0, u), (t1, v) in zip(chain, chain[1:]):
                if u != v:
                    graph.add_edge(u, v, length=(t1 - t0) * length)
        return graph
