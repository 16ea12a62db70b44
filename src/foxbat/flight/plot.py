"""The profile plot: altitude and the ground under the aircraft, and fuel, against time."""

from __future__ import annotations

import io

import numpy as np

from foxbat.flight.trajectory import Trajectory

MARKED = {"liftoff": "take-off", "touchdown": "touchdown", "fuel_exhausted": "fuel out", "crash": "crash",
          "dead_stick_landing": "dead stick"}


def profile_png(traj: Trajectory, title: str | None = None, dpi: int = 110) -> bytes:
    """PNG bytes of the two-panel profile (matplotlib, Agg backend, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    t_min = traj["t_s"] / 60.0
    fig = Figure(figsize=(11, 6.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    ground = traj["ground_msl_m"]
    ax1.fill_between(t_min, 0, np.nan_to_num(ground), color="#b08d57", alpha=0.6, lw=0,
                     label="ground under the aircraft (DEM, sea = 0)")
    ax1.plot(t_min, traj["alt_msl_m"], color="#1f4e9c", lw=1.3, label="altitude MSL")
    for e in traj.events:
        k = e["kind"]
        tm = e["t_s"] / 60.0
        if k in MARKED:
            for ax in (ax1, ax2):
                ax.axvline(tm, color="0.4", lw=0.7, ls="--")
            ax1.annotate(MARKED[k], (tm, ax1.get_ylim()[1]), rotation=90, va="top", ha="right", fontsize=8)
        elif k == "clearance_violation":
            ax1.plot([tm], [e["alt_msl_m"]], "rv", ms=6)
    ax1.set_ylabel("altitude, m MSL")
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper center", fontsize=8)
    ax2.plot(t_min, traj["fuel_kg"], color="#b22222", lw=1.3)
    ax2.set_ylabel("fuel, kg")
    ax2.set_ylim(bottom=0)
    ax2.grid(alpha=0.3)
    start = traj.utc(traj["t_s"][0])
    ax2.set_xlabel("minutes since " + (start.strftime("%Y-%m-%d %H:%M UTC") if start else "start"))
    fuel = traj["fuel_kg"]
    head = f"{traj.aircraft.name}: {title or traj.scenario.name}"
    fig.suptitle(f"{head}\n{traj.outcome}, fuel {fuel[0]:,.0f} -> {fuel[-1]:,.0f} kg", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
