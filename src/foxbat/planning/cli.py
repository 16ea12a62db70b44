"""``foxbat plan``: the least visible route through a scenario's radars within fuel,
climb and turn limits, written as a scenario that ``foxbat run`` flies."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from foxbat.errors import ParameterError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="FILE", help="scenario YAML file or built-in name (e.g. belenko-1976)")
    p.add_argument("--aircraft", metavar="ID", default=None,
                   help="aircraft catalogue type, or the scenario intruder's id (default: the scenario's aircraft)")
    p.add_argument("--from", dest="from_", metavar="LAT,LON|AIRFIELD", default=None,
                   help="start: a point (in the air) or an airfield (a base, or the route's take-off runway); "
                        "default the route's take-off")
    p.add_argument("--to", metavar="LAT,LON|AIRFIELD", default=None,
                   help="goal: a point or an airfield (a base, or the route's landing runway); default the landing")
    p.add_argument("--out", metavar="route.yaml", required=True, help="the scenario with the planned route")
    p.add_argument("--compare", metavar="DIR", default=None,
                   help="also fly the direct, historical and planned routes; write DIR/compare.csv and compare.png")
    p.add_argument("--fuel-kg", type=float, default=None, help="fuel at the start (default the scenario's)")
    p.add_argument("--reserve-kg", type=float, default=None, help="fuel to arrive with (default 5%% of the fuel)")
    p.add_argument("--layers", default=None, metavar="M,M,...",
                   help="height layers above ground, m (default 30,100,250,500,1000,2000,3000,4500,6000)")
    p.add_argument("--avoid", default=None, metavar="SIDE,...", help="sides whose radars count (default all)")
    p.add_argument("--mach", type=float, default=None,
                   help="one Mach on every layer (default: each move picks economy or a Mach 0.9 dash)")
    p.add_argument("--max-turn-deg", type=float, default=90.0, help="largest heading change per move (deg)")
    p.add_argument("--stride", type=int, default=None,
                   help="use every N-th DEM cell (default: the least N that keeps the grid within 40,000 cells; "
                        "1 for every cell)")
    p.add_argument("--margin-km", type=float, default=200.0,
                   help="the grid is the box around start and goal widened by this (default 200 km)")
    p.add_argument("--seed", type=int, default=None, help="seed of the comparison runs (default the scenario's)")


def _floats(text: str, where: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ParameterError(f"give numbers separated by commas, got {text!r}", where=where) from None


def run(args: argparse.Namespace) -> int:
    from foxbat import sim
    from foxbat.planning.graph import DEFAULT_LAYERS_M
    from foxbat.planning.routes import write_scenario
    from foxbat.planning.workflow import plan_scenario
    from foxbat.scenario.run import load_run_scenario

    t0 = time.perf_counter()
    from foxbat.atomic import OutputFolder, check_outputs
    from foxbat.scenario.run import scenario_inputs

    out = Path(args.out)
    outputs = [("--out", args.out, "file"), ("--compare", args.compare, "folder")]
    check_outputs(outputs)
    sc = load_run_scenario(args.scenario)
    check_outputs(outputs, scenario_inputs(sc))
    folder = None
    if args.compare is not None:
        own = {out.name} if Path(args.compare).resolve() == out.resolve().parent else set()
        folder = OutputFolder(args.compare, "plan --compare", where="--compare", own=own)
        folder.check()
    layers = DEFAULT_LAYERS_M if args.layers is None else _floats(args.layers, "--layers")
    sides = None if args.avoid is None else [s.strip() for s in args.avoid.split(",") if s.strip()]
    prepared = sim.prepare(sc)
    sp = plan_scenario(sc, prepared, aircraft=args.aircraft, from_=args.from_, to=args.to, fuel_kg=args.fuel_kg,
                       reserve_kg=args.reserve_kg, layers_m=layers, sides=sides, mach=args.mach,
                       max_turn_deg=args.max_turn_deg, stride=args.stride, margin_km=args.margin_km)
    plan = sp.plan
    header = (f"written by foxbat plan from {sc.where}: the least visible route for {sp.aircraft.name}\n"
              f"from {sp.start.label} to {sp.goal.label}; fuel {sp.fuel_kg:,.0f} kg, reserve {sp.reserve_kg:,.0f} kg; "
              f"grid {plan.grid_shape[0]} x {plan.grid_shape[1]} cells (stride {plan.stride}) x {len(plan.layers_m)} layers; "
              f"lambda {plan.lam:.3g} per kg\nfly it: foxbat run {out}")
    write_scenario(sp.doc, out, header)
    tr = sp.trajectory
    pd_txt = ", ".join(f"{s} {p:.3f}" for s, p in plan.cumulative_pd.items())
    print(f"planned {plan.distance_m / 1000:,.0f} km in {plan.duration_s / 60:.0f} min "
          f"({len(sp.doc['route']['legs'])} legs) in {plan.seconds['total']:.1f} s; "
          f"model cumulative Pd: {pd_txt}")
    if sp.failures:
        print(f"re-planned {len(sp.failures)} time(s) after check flights that failed ("
              f"{', '.join(k.replace('_', ' ') for k in sp.failures)}); constraints: "
              + "; ".join([f"within {f.radius_m / 1000:.0f} km of {f.lat:.3f}N {f.lon:.3f}E "
                           + ("closed" if f.min_height_agl_m == float('inf')
                              else f"at least {f.min_height_agl_m:g} m AGL") for f in sp.floors]
                          + ([f"moves clear the cells they cross by {sp.clear_between_m:g} m"]
                             if sp.clear_between_m >= 0 else [])))
    print(f"check flight: {tr.outcome}, fuel left {float(tr['fuel_kg'][-1]):,.0f} kg "
          f"(reserve {sp.reserve_kg:,.0f} kg); wrote {out}")
    if args.compare is not None:
        from foxbat.planning.compare import compare, render_map, write_csv

        d = Path(args.compare)
        evals = compare(sc, prepared, sp.doc, sp.start, sp.goal, seed=args.seed)
        rows = [e["row"] for e in evals]
        with folder.writing():
            write_csv(rows, d / "compare.csv")
            render_map(evals, prepared, d / "compare.png",
                       title=f"{sc.name}: direct, historical and planned routes ({sp.aircraft.name})")
        for r in rows:
            sides_txt = "; ".join(
                f"{s.name}: Pd {r[f'{s.name}_cum_pd_model']:.3f}, tracked {r[f'{s.name}_time_tracked_min']:.1f} min"
                for s in sc.defenders.sides)
            state = (f"FAILED ({r['failure']})" if r["failed"]
                     else f"{r['outcome']}, fuel left {r['fuel_left_kg']:,.0f} kg")
            print(f"  {r['route']}: {state}; {sides_txt}")
        print(f"wrote {d / 'compare.csv'} and {d / 'compare.png'}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0
