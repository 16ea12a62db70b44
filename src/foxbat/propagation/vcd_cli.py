"""``foxbat vcd``: the vertical coverage diagram (Blake chart) of a radar type at an
antenna height for a target RCS, as a PNG and the same envelope as CSV."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from foxbat.errors import ParameterError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", required=True, metavar="TYPE", help="radar catalogue type (e.g. P-37)")
    p.add_argument("--antenna-m", type=float, required=True, metavar="H",
                   help="antenna height above the reflecting surface, m")
    p.add_argument("--rcs", type=float, required=True, metavar="M2", help="target radar cross-section, m²")
    p.add_argument("--pd", type=float, default=0.5, help="probability of detection on one look (default 0.5)")
    p.add_argument("--swerling", type=int, default=1, help="Swerling case 0, 1 or 3 (default 1)")
    p.add_argument("--surface", default="sea", help="sea, fresh, wet, medium or dry (default sea)")
    p.add_argument("--sea-state", type=float, default=0.0, help="Douglas sea state 0-8 (default 0)")
    p.add_argument("--polarization", default="h", help="h or v (default h)")
    p.add_argument("--k", type=float, default=4.0 / 3.0, help="effective-Earth factor (default 4/3)")
    p.add_argument("--max-height-km", type=float, default=30.0,
                   help="top of the chart's height axis, km (default 30; the CSV has every angle)")
    p.add_argument("--out", required=True, metavar="vcd.png", help="the chart (PNG)")
    p.add_argument("--csv", default=None, metavar="vcd.csv",
                   help="the envelope per elevation angle (default: --out with .csv)")


def run(args: argparse.Namespace) -> int:
    from foxbat.atomic import check_outputs, save_figure, write_text
    from foxbat.geo import check_k
    from foxbat.propagation.roughness import check_sea_state
    from foxbat.propagation.surface import check_polarization, check_surface
    from foxbat.radar.catalogue import get_radar_type

    rt = get_radar_type(args.type, where="--type", field=None)
    if not (math.isfinite(args.antenna_m) and args.antenna_m >= 0):
        raise ParameterError(f"must be a number >= 0 m, got {args.antenna_m!r}", where="--antenna-m")
    if not (math.isfinite(args.rcs) and args.rcs > 0):
        raise ParameterError(f"must be a number > 0 m², got {args.rcs!r}", where="--rcs")
    if not (math.isfinite(args.pd) and rt.pfa.value < args.pd < 1):
        raise ParameterError(f"must be between the type's Pfa ({rt.pfa.value:g}) and 1, got {args.pd!r}",
                             where="--pd")
    if args.swerling not in (0, 1, 3):
        raise ParameterError(f"must be 0, 1 or 3, got {args.swerling!r}", where="--swerling")
    check_surface(args.surface, where="--surface")
    check_polarization(args.polarization, where="--polarization")
    check_sea_state(args.sea_state, where="--sea-state")
    check_k(args.k, where="--k")
    if not (math.isfinite(args.max_height_km) and args.max_height_km > 0):
        raise ParameterError(f"must be a number > 0 km, got {args.max_height_km!r}", where="--max-height-km")
    csv_path = args.csv if args.csv is not None else str(Path(args.out).with_suffix(".csv"))
    check_outputs([("--out", args.out, "file"), ("--csv", csv_path, "file")])

    from foxbat.propagation.vcd import csv_text, plot, vertical_coverage

    vc = vertical_coverage(rt, args.antenna_m, args.rcs, pd=args.pd, swerling=args.swerling, surface=args.surface,
                           sea_state=args.sea_state, polarization=args.polarization, k=args.k)
    title = (f"{rt.name}: {rt.frequency_hz.value / 1e6:g} MHz, antenna {args.antenna_m:g} m, RCS {args.rcs:g} m², "
             f"Pd {args.pd:g} (Swerling {args.swerling}); free-space range {vc.free_space_range_km:.0f} km; "
             f"{args.surface}, sea state {args.sea_state:g}, pol {args.polarization}")
    fig = plot(vc, title, args.max_height_km)
    write_text(csv_path, csv_text(vc))
    save_figure(fig, args.out)
    import numpy as np

    low = vc.elevation_deg <= 0.5
    r_low = np.nanmax(vc.range_km[low]) if np.isfinite(vc.range_km[low]).any() else float("nan")
    print(f"wrote {args.out} and {csv_path}: free-space detection range {vc.free_space_range_km:.0f} km; "
          f"longest detection range within 0.5° of the horizon {r_low:.0f} km")
    return 0
