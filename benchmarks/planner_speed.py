"""How fast `foxbat plan` is on the flagship (belenko-1976, built-in 5' DEM), and how its
time grows with the grid size and the number of radars.

    python benchmarks/planner_speed.py

Times are wall seconds of :func:`foxbat.planning.plan_route` (grid, hazard rasters, the
A* searches of the Lagrangian sweep) after a warm-up call that compiles the numba
kernels; `prepare` (the radars' coverage) is done once and not counted.
"""

from __future__ import annotations

import math
import time

from foxbat import sim
from foxbat.aircraft.performance import load_aircraft
from foxbat.planning import plan_route
from foxbat.planning.workflow import fuel_allowance_kg
from foxbat.planning.routes import resolve_endpoint
from foxbat.scenario.run import load_run_scenario


def main() -> None:
    sc = load_run_scenario("belenko-1976")
    prep = sim.prepare(sc)
    ac = load_aircraft(sc.flight.aircraft.type)
    start, goal = resolve_endpoint(sc, None, "from"), resolve_endpoint(sc, None, "to")
    d = sc.defenders
    base = dict(fuel_kg=14000.0, reserve_kg=700.0, allowance_kg=fuel_allowance_kg(ac, start, goal),
                payload_kg=sc.flight.aircraft.payload_kg, rcs_m2=d.intruder.rcs_m2.value,
                swerling=d.intruder.swerling, sea=d.sea_surface, land=d.land_surface, k=d.k)

    def timed(radars, **kw):
        t = time.perf_counter()
        plan = plan_route(prep.dem, radars, ac, (start.lat, start.lon), (goal.lat, goal.lon), **{**base, **kw})
        return time.perf_counter() - t, plan

    timed(prep.radars)  # warm-up: numba compilation (cached on disk afterwards)
    s, plan = timed(prep.radars)
    print(f"flagship, default grid (margin 200 km, stride 1): {plan.grid_shape[0]} x {plan.grid_shape[1]} cells x "
          f"{len(plan.layers_m)} layers x 16 headings = {plan.n_states:,} states, 9 radars: {s:.1f} s "
          f"({len(plan.candidates)} searches; {', '.join(f'{k} {v:.2f}' for k, v in plan.seconds.items())})")

    print("\ntime vs grid size (9 radars):")
    rows = []
    for label, kw in (("stride 3", dict(stride=3, margin_km=None)), ("stride 2", dict(stride=2, margin_km=None)),
                      ("margin 100 km", dict(margin_km=100.0)), ("margin 200 km", dict(margin_km=200.0)),
                      ("whole DEM", dict(margin_km=None))):
        s, plan = timed(prep.radars, **kw)
        rows.append((plan.n_states, plan.seconds["search"] / len(plan.candidates)))
        print(f"  {label:14s} {plan.grid_shape[0]:4d} x {plan.grid_shape[1]:4d} cells, {plan.n_states:>10,} states: "
              f"{s:6.2f} s, {len(plan.candidates)} searches, search {plan.seconds['search']:.2f} s")
    (n0, t0), (n1, t1) = rows[0], rows[-1]
    print(f"  growth: time per search ~ states^{math.log(t1 / t0) / math.log(n1 / n0):.2f} from the smallest to the "
          "largest grid (a search is O(S log S) in the states S it settles; the number of searches, 2 to 10, "
          "depends on whether the fuel constraint binds)")

    print("\ntime vs number of radars (default grid):")
    rr = []
    for n in (1, 3, 5, 9):
        s, plan = timed(prep.radars[:n])
        rr.append((n, s, plan.seconds["hazard"]))
        print(f"  {n} radars: {s:6.2f} s (hazard rasters {plan.seconds['hazard']:.2f} s, "
              f"{len(plan.candidates)} searches)")
    print("  the radars enter only through the hazard rasters (linear in radars x cells x layers); "
          "the search time does not depend on their number, only on how the hazard shapes the search")


if __name__ == "__main__":
    main()
