"""Two-step floating catchment scores from PySAL's `access` (1.1.9), for tests/coverage_groups.rs.

Reads JSON from stdin: {"demand": [[building_id, demand], ...], "supply": [[station_id, capacity], ...],
"costs": [[building_id, station_id, metres], ...], "max_cost": float}.
Prints {"scores": {building_id: A_i}} for the buildings with any station within max_cost
(access's `two_stage_fca` keeps costs strictly below max_cost).
"""
import json
import sys

import pandas as pd
from access import fca

question = json.load(sys.stdin)
demand = pd.DataFrame(question["demand"], columns=["id", "demand"])
supply = pd.DataFrame(question["supply"], columns=["id", "capacity"]).set_index("id")
costs = pd.DataFrame(question["costs"], columns=["origin", "dest", "cost"])
scores = fca.two_stage_fca(
    demand,
    supply,
    costs,
    max_cost=question["max_cost"],
    demand_index="id",
    demand_name="demand",
    supply_index="id",
    supply_name="capacity",
    cost_origin="origin",
    cost_dest="dest",
    cost_name="cost",
)
print(json.dumps({"scores": {str(k): float(v) for k, v in scores.items()}}))
