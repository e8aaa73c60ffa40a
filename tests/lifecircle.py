"""The life-circle check's walks and its pass rule, computed independently for
tests/lifecircle_walks.rs with networkx.

Reads JSON from stdin: {"lines": [[[lon, lat], ...], ...], "kinds": {kind: {"facilities":
[[lon, lat], ...], "limit_m": float, "group": "households"|"residents"|"elderly"|"children"}},
"buildings": [{"at": [lon, lat], "households": int, "population": int, "elderly": int|null,
"children": int|null}, ...], "compounds": [[building index, ...], ...], "pass_share": float,
"max_access_m": float}.

The walking model is the service's, written again from its description (tests/walknet.py).
Each kind's facilities hang off one super source by their access legs; networkx's Dijkstra
from it, cut off at twice the kind's limit, gives each building its walk and, as the second
node of its path, the facility it walks to.

Then the rule as the README states it: a building's people of the kind's group are its own
count (for the elderly and children without one, its residents times 18.7 % or 6.5 %); a
compound passes a kind when the buildings within the limit hold at least pass_share of its
people (up to one part in a billion), counting buildings instead when it has nobody of the
group; its walk is the least walk within which that share lives, its facility the one the
building at that walk walks to, and its farthest walk the longest of all.

Prints {"kinds": {kind: [[walk, facility index] or null per building]}, "compounds": {kind:
[{"walk", "facility", "farthest", "pass", "demand", "affected", "margin"} per compound]}}:
walks null beyond twice the limit; "margin" is how far the walk lies from the next different
walk of the compound either side (a nearer tie makes the facility a matter of order).
"""
import json
import math
import sys

import networkx as nx

from walknet import Network

SHARES = {"elderly": 0.187, "children": 0.065}
SLACK = 1e-9


def people(building, group):
    if group == "households":
        return float(building["households"])
    if group == "residents":
        return float(building["population"])
    own = building[group]
    return float(own) if own is not None else building["population"] * SHARES[group]


def compound_result(walks, members, buildings, group, limit, share):
    demand = sum(people(buildings[b], group) for b in members)
    weigh = (lambda b: people(buildings[b], group)) if demand > 0 else (lambda b: 1.0)
    distance = {b: (walks[b][0] if walks[b] is not None else math.inf) for b in members}
    total = sum(weigh(b) for b in members)
    within = sum(weigh(b) for b in members if distance[b] <= limit)
    affected = sum(people(buildings[b], group) for b in members if distance[b] > limit)
    # The walk: go through the buildings nearest first until the share is reached.
    order = sorted(members, key=lambda b: distance[b])
    reached, at = 0.0, None
    for b in order:
        reached += weigh(b)
        if weigh(b) > 0 and reached >= (share - SLACK) * total:
            at = b
            break
    walk = distance[at]
    margin = min((abs(walk - distance[b]) for b in members if distance[b] != walk), default=math.inf)
    farthest = max(distance.values())
    return {
        "walk": walk if math.isfinite(walk) else None,
        "facility": walks[at][1] if walks[at] is not None else None,
        "farthest": farthest if math.isfinite(farthest) else None,
        "pass": within >= (share - SLACK) * total,
        "demand": demand,
        "affected": affected,
        "margin": margin if math.isfinite(margin) else 1e9,
    }


def main():
    data = json.load(sys.stdin)
    network = Network(data["lines"], data["max_access_m"])
    facilities = {kind: [network.join(p) for p in rule["facilities"]] for kind, rule in data["kinds"].items()}
    buildings = [network.join(b["at"]) for b in data["buildings"]]
    named = [(("building", k), b) for k, b in enumerate(buildings)]
    for kind, joined in facilities.items():
        named += [(("facility", kind, k), f) for k, f in enumerate(joined)]
    graph = network.graph(named)

    walks_by_kind, compounds_by_kind = {}, {}
    for kind, joined in facilities.items():
        rule = data["kinds"][kind]
        search = 2 * rule["limit_m"]
        source = ("source", kind)
        for k, f in enumerate(joined):
            if f is not None:
                graph.add_edge(source, ("facility", kind, k), length=f[2])
        walks = [None] * len(buildings)
        if source in graph:
            reached, paths = nx.single_source_dijkstra(graph, source, cutoff=search, weight="length")
            for k, b in enumerate(buildings):
                node = ("building", k)
                if b is not None and node in reached and reached[node] + b[2] <= search:
                    walks[k] = [reached[node] + b[2], paths[node][1][2]]
            graph.remove_node(source)
        walks_by_kind[kind] = walks
        compounds_by_kind[kind] = [
            compound_result(walks, members, data["buildings"], rule["group"], rule["limit_m"], data["pass_share"])
            if members
            else None
            for members in data["compounds"]
        ]
    print(json.dumps({"kinds": walks_by_kind, "compounds": compounds_by_kind}))


if __name__ == "__main__":
    main()
