"""Walking distances on lines, computed independently with networkx, for tests/network_monaco.rs.

Reads JSON from stdin: {"lines": [[[lon, lat], ...], ...], "sources": [[lon, lat], ...],
"targets": [[lon, lat], ...], "limit_m": float}. Sources and targets are line vertices. Nodes are
joined where lines share a coordinate exactly; edge lengths are haversine with the mean Earth
radius (6,371,008.8 m, as the Rust geo crate uses). Prints {"distances": [...]} with null where a
target is beyond the limit or unreachable.
"""
import json
import math
import sys

import networkx as nx

R = 6_371_008.8


def haversine(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def main():
    data = json.load(sys.stdin)
    graph = nx.Graph()
    for line in data["lines"]:
        for a, b in zip(line, line[1:]):
            a, b = tuple(a), tuple(b)
            if a == b:
                continue
            length = haversine(a, b)
            # Keep the shorter of parallel segments, as a walker would.
            if not graph.has_edge(a, b) or graph[a][b]["length"] > length:
                graph.add_edge(a, b, length=length)
    sources = [tuple(s) for s in data["sources"]]
    reached = nx.multi_source_dijkstra_path_length(graph, sources, cutoff=data["limit_m"], weight="length")
    print(json.dumps({"distances": [reached.get(tuple(t)) for t in data["targets"]]}))


if __name__ == "__main__":
    main()
