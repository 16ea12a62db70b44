"""The least visible way through: a route planner that minimises the defenders'
cumulative detection probability within the aircraft's fuel, climb and turn limits.

See ``docs/planning.md``. The pieces: :mod:`.graph` (grid and moves), :mod:`.costs`
(detection hazard and fuel), :mod:`.search` (the numba A* and the Lagrangian sweep's
rules), :mod:`.planner` (putting them together), :mod:`.routes` (a plan as scenario
legs), :mod:`.compare` (direct vs historical vs planned), :mod:`.cli` (``foxbat plan``).
"""

from foxbat.planning.planner import InfeasibleRouteError, Plan, Waypoint, plan_route

__all__ = ["plan_route", "Plan", "Waypoint", "InfeasibleRouteError"]
