#!/usr/bin/env python3
"""The flagship (belenko-1976) at its low-level heights: for each ground radar, the
ground range (km) at which it first and last detects the flight, and the same on the
low-level part of it (target at most 1.5 x the low-level height above the surface),
its detections, the events by kind and the history table's rows, printed as Markdown.

    PYTHONPATH=src python tools/flagship_ranges.py [--heights 250,30] [--seed N] [--scenario NAME]

It uses only ``foxbat.sim.run`` and ``foxbat.history.compare``, so the same file run
against an older checkout (``PYTHONPATH=/path/to/old/src``) gives the "before" table.
"""

from __future__ import annotations

import argparse

import numpy as np


def radar_rows(res, low_m: float) -> list[tuple]:
    """(radar, side, detections, first km, last km, low-level detections, their first
    km, last km) per ground radar; ranges are WGS84 ground ranges from the radar to the
    target at the detecting scan; "low level" is every scan with the target at most
    1.5 x the low-level height above the terrain (or sea)."""
    from foxbat.geo import wgs84_geod

    geod = wgs84_geod()
    where = {r.name: r for r in res.radars}
    rows = []
    for lk in res.looks:
        r = where[lk.radar]
        ground = np.maximum(np.nan_to_num(res.dem.elevation_m(lk.lat, lk.lon), nan=0.0), 0.0)
        low = (lk.alt_msl_m - ground) <= 1.5 * low_m
        row = [lk.radar, lk.side]
        for sel in (lk.detected, lk.detected & low):
            hit = np.nonzero(sel)[0]
            if hit.size == 0:
                row += [0, None, None]
                continue
            _, _, d = geod.inv(np.full(hit.size, r.lon_deg), np.full(hit.size, r.lat_deg), lk.lon[hit], lk.lat[hit])
            d = np.asarray(d) / 1000.0
            row += [int(hit.size), float(d[0]), float(d[-1])]
        rows.append(tuple(row))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heights", default="250,30", help="low-level heights AGL, m (default 250,30)")
    ap.add_argument("--seed", type=int, default=None, help="seed (default the scenario's)")
    ap.add_argument("--scenario", default="belenko-1976")
    ap.add_argument("--no-history", action="store_true", help="skip the history table")
    a = ap.parse_args()
    from foxbat import sim
    from foxbat.history import compare
    from foxbat.scenario.run import load_run_scenario

    sc = load_run_scenario(a.scenario)
    prepared = sim.prepare(sc)
    for h in [float(x) for x in a.heights.split(",")]:
        res = sim.run(sc, seed=a.seed, low_level_m=h, prepared=prepared)
        print(f"\n### low level {h:g} m AGL (seed {res.seed})\n")
        print("| radar | side | detections | first, km | last, km | at low level | first, km | last, km |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        fmt = lambda v: "-" if v is None else f"{v:.0f}"  # noqa: E731
        for name, side, n, first, last, n_low, first_low, last_low in radar_rows(res, h):
            print(f"| {name} | {side} | {n} | {fmt(first)} | {fmt(last)} | {n_low} | {fmt(first_low)} | "
                  f"{fmt(last_low)} |")
        kinds = {}
        for e in res.events:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        print("\nevents: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        if not a.no_history:
            print("\n| recorded event | basis | recorded | simulated | difference, min | agreement | simulated by |")
            print("|---|---|---|---|---:|---|---|")
            for row in compare(res):
                print(f"| {row['what']} | {row.get('basis', '')} | {row['recorded_local']} | {row['simulated_local']} | "
                      f"{row['difference_min']} | {row['agreement']} | {row['simulated']} |")


if __name__ == "__main__":
    main()
