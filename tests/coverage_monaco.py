"""Building-to-station walking distances, computed independently for tests/coverage_monaco.rs.

Reads JSON from stdin: {"lines": [[[lon, lat], ...], ...], "stations": [[lon, lat], ...],
"buildings": [[lon, lat], ...], "limit_m": float, "max_access_m": float}.

The same model as the service, written again from its description (tests/walknet.py).
Prints {"distances": [...]}: per building, the walk to the nearest station, or null beyond
limit_m or when it cannot join.
"""
import json
import sys

import networkx as nx

from walknet import Network


def main():
    data = json.load(sys.stdin)
    network = Network(data["lines"], data["max_access_m"])
    stations = [network.join(p) for p in data["stations"]]
    buildings = [network.join(p) for p in data["buildings"]]
    graph = network.graph(
        [(("station", k), s) for k, s in enumerate(stations)] + [(("building", k), b) for k, b in enumerate(buildings)]
    )
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
