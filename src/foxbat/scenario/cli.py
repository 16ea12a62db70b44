"""``foxbat scenario``: validate, list, show and export scenarios."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))
    v = sub.add_parser("validate", help="check a scenario file; one line per problem, exit 2 if any")
    v.add_argument("file", help="scenario YAML file or built-in name")
    sub.add_parser("list", help="the built-in scenarios")
    s = sub.add_parser("show", help="a scenario's summary: sides, radars, aircraft, route, notional parts")
    s.add_argument("name", help="built-in name or file")
    e = sub.add_parser("export", help="print a built-in scenario's YAML (a starting point for your own)")
    e.add_argument("name", help="built-in name")


def run(a: argparse.Namespace) -> int:
    return {"validate": _validate, "list": _list, "show": _show, "export": _export}[a.action](a)


def _validate(a) -> int:
    from foxbat.scenario.run import load_run_scenario

    from foxbat.sim import check_scenario

    sc = load_run_scenario(a.file)  # a problem raises a one-line ScenarioError (exit 2)
    check_scenario(sc)  # every check foxbat run makes before it computes: valid means it starts
    print(f"{sc.where}: valid ({len(sc.defenders.sides)} sides, {len(sc.radars)} radars, "
          f"{len(sc.defenders.interceptors)} interceptor flights, {len(sc.flight.route.legs)} route legs)")
    return 0





def _list(a) -> int:
    from foxbat.scenario.radars import builtin_scenario_names
    from foxbat.scenario.run import load_run_scenario

    for name in builtin_scenario_names():
        sc = load_run_scenario(name)
        print(f"{name:20s} {sc.defenders.title or sc.flight.title or ''}")
    return 0


def _show(a) -> int:
    from rich.console import Console
    from rich.table import Table

    from foxbat.scenario.run import load_run_scenario

    sc = load_run_scenario(a.name)
    d = sc.defenders
    cats = tuple(sc.flight.catalogues)
    from foxbat.tables import print_table

    c = Console() if sys.stdout.isatty() else Console(width=1000, soft_wrap=True)  # pipes: no cut lines
    c.print(f"[bold]{sc.name}[/]: {d.title or ''}")
    c.print(f"epoch {d.epoch_utc:%Y-%m-%d %H:%M:%S} UTC ({d.local_tz_name} = UTC{d.local_tz_hours:+g}), "
            f"k = {d.k:.4g}, seed {d.seed}, DEM {sc.flight.dem or 'built-in'}")
    t = Table(title="radars")
    for col in ("name", "side", "type", "lat", "lon", "antenna", "range km", "provenance"):
        t.add_column(col)
    for r in sc.radars:
        ant = f"{r.antenna_msl_m:g} m MSL" if r.antenna_msl_m is not None else f"{r.antenna_agl_m:g} m AGL"
        prov = "notional" if r.notional else "sourced"
        t.add_row(r.name, r.side or "", _type_label("radar", r.type, cats), f"{r.lat:.4f}", f"{r.lon:.4f}", ant, f"{r.max_range_km:g}",
                  prov + ("" if r.operating else " (off)"))
    print_table(t, c)
    c.print(f"intruder {d.intruder.id} ({d.intruder.side}): {_type_label('aircraft', sc.flight.aircraft.type, cats)}, "
            f"{_fuel_text(sc.flight.aircraft.fuel_kg)}, RCS {d.intruder.rcs_m2.value:g} m2, "
            f"{len(sc.flight.route.legs)} route legs")
    for f in d.interceptors:
        s = f.scramble
        when = (f"at {s.at_utc:%H:%M:%S} UTC (scripted)" if s.scripted else
                f"{s.delay_s:g} s after a track meets the rule" if s.delay_s is not None else
                f"a {s.delay.dist} delay after a track meets the rule")
        base = "the nearest base with aircraft on alert" if f.base == "nearest" else f.base
        c.print(f"interceptors: {f.count} x {_type_label('aircraft', f.type, cats)} from {base} ({f.side}), "
                f"scramble {when}, radar {_type_label('radar', f.radar, cats)}")
    c.print(f"history: {len(d.history)} recorded events to compare")
    from foxbat.calibration import calibrations_by_row

    fitted = calibrations_by_row(sc.raw, sc.where, sc.name)
    if fitted:
        t = Table(title="figures fitted to the record (calibrated_to): their rows are not predictions")
        for col in ("figure", "file", "fitted to"):
            t.add_column(col)
        for cal in fitted:
            t.add_row(cal.field.removesuffix(".calibrated_to"), cal.where,
                      cal.row + (f".{cal.quantity}" if cal.quantity else ""))
        print_table(t, c)
    else:
        c.print("no figure is fitted to the record (calibrated_to): every recorded figure the scenario "
                "does not set is a prediction")
    return 0


def _type_label(kind: str, ref: str | None, catalogues: tuple) -> str:
    """A type as people read it: its name, with the file it comes from where the scenario
    names a file (the scenario is valid, so the type resolves)."""
    from foxbat.catalogues import is_type_path, resolve

    if not ref:
        return ""
    if not is_type_path(ref):
        return ref
    from pathlib import Path

    return f"{resolve(kind, ref, catalogues=catalogues).name} ({Path(ref).name})"


def _fuel_text(fuel_kg: float | None) -> str:
    """'14,000 kg fuel', or 'full internal fuel' where the scenario leaves it out."""
    return "full internal fuel" if fuel_kg is None else f"{fuel_kg:,.0f} kg fuel"


def _export(a) -> int:
    from foxbat.scenario.run import resolve_scenario_path

    p, _ = resolve_scenario_path(a.name)
    sys.stdout.write(p.read_text(encoding="utf-8"))
    return 0
