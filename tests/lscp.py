"""The location set-covering problem by PySAL's spopt (solved by PuLP's bundled CBC), the
independent check of the lscp plan (tests/lscp.rs).

Reads {"cost": [[metres, ...], ...] (one row per demand point, one column per candidate;
unreachable pairs as a large number), "radius": metres} on stdin; prints {"sites": n}, the
fewest candidates that cover every demand point."""

import json
import sys

import numpy
import pulp
from spopt.locate import LSCP

question = json.load(sys.stdin)
cost = numpy.array(question["cost"], dtype=float)
problem = LSCP.from_cost_matrix(cost, question["radius"], name="lscp-check")
problem = problem.solve(pulp.PULP_CBC_CMD(msg=False))
assert pulp.LpStatus[problem.problem.status] == "Optimal", pulp.LpStatus[problem.problem.status]
sites = int(round(sum(v.value() for v in problem.fac_vars)))
json.dump({"sites": sites}, sys.stdout)
