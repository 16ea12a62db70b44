"""``foxbat propagation``: the one-way pattern propagation factor F against range for one
radar height, target height and frequency, as CSV (``range_km,f_db,region``) and a plot."""

from __future__ import annotations

import argparse
import math

from foxbat.errors import ParameterError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--freq-mhz", type=float, required=True, metavar="F", help="radar frequency, MHz")
    p.add_argument("--radar-height-m", type=float, required=True, metavar="H1",
                   help="antenna height above the reflecting surface, m (over the sea: MSL)")
    p.add_argument("--target-height-m", type=float, required=True, metavar="H2",
                   help="target height above the reflecting surface, m")
    p.add_argument("--range-km", required=True, metavar="A:B:N",
                   help="ground ranges: N points from A to B km (A < B, N >= 2)")
    p.add_argument("--surface", default="sea", metavar="SURFACE",
                   help="sea, fresh, wet, medium or dry (ITU-R P.527 constants; default sea)")
    p.add_argument("--sea-state", type=float, default=0.0, metavar="S",
                   help="Douglas sea state 0-8 for the roughness (default 0)")
    p.add_argument("--polarization", default="h", metavar="h|v", help="h or v (default h)")
    p.add_argument("--k", type=float, default=4.0 / 3.0, help="effective-Earth factor (default 4/3)")
    p.add_argument("--out", required=True, metavar="F.csv", help="CSV: range_km,f_db,region")
    p.add_argument("--png", default=None, metavar="F.png", help="plot of F against range")


MAX_POINTS = 10_000_000


def parse_range_km(text: str, where: str = "--range-km") -> tuple[float, float, int]:
    """'A:B:N' -> (A, B, N) with 0 <= A < B and N >= 2, else ParameterError."""
    parts = str(text).split(":")
    if len(parts) != 3:
        raise ParameterError(f"give A:B:N (from A to B km in N points), got {text!r}", where=where)
    try:
        a, b = float(parts[0]), float(parts[1])
        n_f = float(parts[2])
    except ValueError:
        raise ParameterError(f"give A:B:N with numbers, got {text!r}", where=where) from None
    if not (math.isfinite(a) and math.isfinite(b)) or a < 0:
        raise ParameterError(f"A and B must be finite and A >= 0 km, got {text!r}", where=where)
    if a >= b:
        raise ParameterError(f"A must be below B, got {text!r}", where=where)
    if not (math.isfinite(n_f) and n_f == int(n_f)) or not 2 <= n_f <= MAX_POINTS:
        raise ParameterError(f"N must be a whole number from 2 to {MAX_POINTS:,}, got {parts[2]!r}", where=where)
    return a, b, int(n_f)


def _check_inputs(args) -> None:
    from foxbat.geo import check_k
    from foxbat.propagation.roughness import check_sea_state
    from foxbat.propagation.surface import check_polarization, check_surface

    if not (math.isfinite(args.freq_mhz) and args.freq_mhz > 0):
        raise ParameterError(f"must be a number > 0, got {args.freq_mhz!r}", where="--freq-mhz")
    for opt, v in (("--radar-height-m", args.radar_height_m), ("--target-height-m", args.target_height_m)):
        if not (math.isfinite(v) and v >= 0):
            raise ParameterError(f"must be a number >= 0 (m above the surface), got {v!r}", where=opt)
    check_surface(args.surface, where="--surface")
    check_polarization(args.polarization, where="--polarization")
    check_sea_state(args.sea_state, where="--sea-state")
    check_k(args.k, where="--k")


def csv_text(range_km, f_db, region) -> str:
    from foxbat.propagation.factor import REGION_NAMES

    lines = ["range_km,f_db,region"]
    lines += [f"{r:.6f},{f:.3f},{REGION_NAMES[g]}" for r, f, g in zip(range_km, f_db, region)]
    return "\n".join(lines) + "\n"


def plot(range_km, f_db, region, title: str):
    """Figure of F (dB) against range, coloured by region, with the free-space line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from foxbat.propagation.factor import REGION_NAMES

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    colours = ("tab:blue", "tab:orange", "tab:red")
    for code, name in enumerate(REGION_NAMES):
        y = np.where(region == code, f_db, np.nan)
        if np.isfinite(y).any():
            ax.plot(range_km, y, color=colours[code], lw=1.2, label=name)
    ax.axhline(0.0, color="0.3", lw=0.8, ls="--", label="free space (F = 1)")
    low = max(float(np.nanmin(f_db)), -80.0)
    ax.set_ylim(low - 3, 10)
    ax.set_xlim(range_km[0], range_km[-1])
    ax.set_xlabel("ground range, km")
    ax.set_ylabel("one-way F, dB (20 log10 F; SNR changes by 2 x this)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def run(args: argparse.Namespace) -> int:
    from foxbat.atomic import check_outputs, save_figure, write_text

    _check_inputs(args)
    a, b, n = parse_range_km(args.range_km)
    check_outputs([("--out", args.out, "file"), ("--png", args.png, "file")])

    import numpy as np

    from foxbat.propagation import propagation_factor_db

    range_km = np.linspace(a, b, n)
    f_db, region = propagation_factor_db(range_km * 1e3, args.radar_height_m, args.target_height_m,
                                         args.freq_mhz * 1e6, surface=args.surface, sea_state=args.sea_state,
                                         polarization=args.polarization, k=args.k)
    fig = None
    if args.png is not None:  # draw before writing anything, so a failure leaves no CSV alone
        title = (f"{args.freq_mhz:g} MHz, radar {args.radar_height_m:g} m, target {args.target_height_m:g} m, "
                 f"{args.surface}, sea state {args.sea_state:g}, pol {args.polarization}, k {args.k:.4g}")
        fig = plot(range_km, f_db, region, title)
    write_text(args.out, csv_text(range_km, f_db, region))
    if fig is not None:
        save_figure(fig, args.png)
    counts = np.bincount(region.ravel(), minlength=3)
    print(f"wrote {args.out}" + (f" and {args.png}" if args.png else "")
          + f": {n} ranges, {counts[0]} interference, {counts[1]} intermediate, {counts[2]} diffraction; "
          f"F from {f_db.min():.1f} to {f_db.max():.1f} dB")
    return 0
