"""``foxbat fly``: fly a scenario's route with the aircraft's performance and fuel."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foxbat.errors import FoxbatError, ParameterError, ScenarioError


def add_arguments(p: argparse.ArgumentParser) -> None:
    from foxbat.scenario.flight import DEFAULT_FLIGHT

    p.add_argument("scenario", nargs="?", default=DEFAULT_FLIGHT, metavar="FILE.yaml",
                   help=f"scenario file with 'aircraft' and 'route' sections, or builtin:NAME "
                        f"(default {DEFAULT_FLIGHT})")
    p.add_argument("--out", default="foxbat-out/flight", metavar="DIR",
                   help="output folder: trajectory.csv, trajectory.geojson, events.json, profile.png "
                        "(default foxbat-out/flight)")
    p.add_argument("--dem", help="elevation GeoTIFF; wins over the scenario's 'dem' (default: the built-in DEM)")
    p.add_argument("--step", type=float, metavar="S", help="integration step in seconds (default: the scenario's, 1 s)")
    p.add_argument("--no-plot", action="store_true", help="skip profile.png")


def _placed(exc, shown: str, scenario: str):
    """A route error about the scenario file, naming the line of its field."""
    from foxbat.scenario.flight import BUILTIN_PREFIX, builtin_flight_path
    from foxbat.scenario.run import _with_line

    if exc.where != shown or not exc.field:
        return exc
    text = str(scenario)
    p = builtin_flight_path(text[len(BUILTIN_PREFIX):]) if text.startswith(BUILTIN_PREFIX) else Path(text)
    try:
        return _with_line(exc, p.read_text(encoding="utf-8"))
    except OSError:
        return exc


def run(args: argparse.Namespace) -> int:
    import math

    from foxbat.flight.trajectory import fly
    from foxbat.flight.writers import summary, write_outputs
    from foxbat.scenario.flight import load_flight_scenario
    from foxbat.terrain import open_dem

    from foxbat.atomic import OutputFolder, check_outputs

    out = Path(args.out)
    check_outputs([("--out", args.out, "folder")])
    if args.step is not None and not (math.isfinite(args.step) and 0.05 <= args.step <= 10):
        # the scenario's route.step_s has the same bounds: 1e-6 s exhausted the memory
        raise ParameterError(f"must be a step in seconds, 0.05 <= S <= 10, got {args.step:g}", where="--step")
    sc, shown = load_flight_scenario(args.scenario)
    dem_path = args.dem if args.dem is not None else sc.dem
    inputs = [("--dem" if args.dem is not None else f"{shown}: dem {dem_path}", dem_path)]
    if not str(args.scenario).startswith("builtin:"):
        inputs.append((f"scenario {shown}", args.scenario))
    check_outputs([("--out", args.out, "folder")], inputs)
    folder = OutputFolder(out, "fly")
    folder.check()
    if args.step is not None:
        sc.route.step_s = args.step
    # --dem (relative to the current folder) wins; else the scenario's dem: (relative to the scenario)
    dem = open_dem(args.dem) if args.dem is not None else open_dem(sc.dem, where=shown, field="dem")
    try:
        traj = fly(sc, dem=dem, where=shown)
    except FoxbatError as exc:
        raise _placed(exc, shown, args.scenario) from None
    with folder.writing():  # an old profile.png goes with the rest of the previous run
        write_outputs(traj, out, shown, plot=not args.no_plot)

    s = summary(traj)
    line = (f"{traj.aircraft.name} {traj.outcome} after {s['duration_s'] / 60:.1f} min; fuel "
            f"{s['fuel_start_kg']:,.0f} -> {s['fuel_end_kg']:,.0f} kg")
    if "stopped" in s:
        line += f"; roll {s['stopped']['roll_m']:,.0f} m, overrun {max(s['stopped']['overrun_m'], 0):,.0f} m"
    print(f"{line}; wrote {out}/", file=sys.stdout)
    n_viol = s["clearance_violations"]
    if n_viol and traj.outcome != "crashed":
        worst = min(traj.events_named("clearance_violation"), key=lambda e: e["margin_m"])
        print(f"foxbat fly: warning: {n_viol} terrain-clearance violation(s); worst {worst['margin_m']:.0f} m "
              f"below the set height at {worst['lat_deg']:.4f}N {worst['lon_deg']:.4f}E (see events.json)",
              file=sys.stderr)
    if traj.outcome == "crashed":
        c = traj.events_named("crash")[0]
        fuel_out = traj.events_named("fuel_exhausted")
        why = "after fuel exhaustion" if fuel_out and fuel_out[0]["t_s"] <= c["t_s"] else "into terrain"
        if c.get("short_of_runway"):
            why = "short of the runway"
        raise ScenarioError(
            f"the route cannot be flown: the {traj.aircraft.name} crashes {why} at {c['lat_deg']:.4f}N "
            f"{c['lon_deg']:.4f}E, t = {c['t_s']:.0f} s, on leg {c['leg']} ({c['leg_label']}); outputs for "
            f"inspection in {out}/", where=shown)
    if traj.outcome == "route_end" and traj.events_named("fuel_exhausted") and not traj.events_named("liftoff"):
        raise ScenarioError(f"the {traj.aircraft.name} runs out of fuel before lift-off "
                            f"({s['fuel_start_kg']:,.0f} kg at the start); give more aircraft.fuel_kg; outputs for "
                            f"inspection in {out}/", where=shown, field="aircraft.fuel_kg")
    if traj.outcome == "left_dem":
        e = traj.events_named("left_dem")[0]
        raise ScenarioError(f"the aircraft leaves the DEM at {e['lat_deg']:.4f}N {e['lon_deg']:.4f}E on leg "
                            f"{e['leg']} ({e['leg_label']}); outputs for inspection in {out}/", where=shown)
    return 0
