"""The run timeline: altitude and terrain, who detected whom, track spans, fuel, against local time.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.timeline import render_timeline
>>> render_timeline(read_run("runs/belenko"), "runs/belenko/timeline.png")  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import timedelta

import os
from pathlib import Path

import numpy as np

from foxbat.atomic import save_figure
from foxbat.report.figures import freeze_layout
from foxbat.report.run_folder import RunData
from foxbat.report.run_map import clock, side_clock

#: A radar looked but the target was below its horizon: a thin mid-grey bar.
LOOK_COLOUR = "#8c8c8c"
#: In the target's line of sight, not detected: the side's colour, pale.
VISIBLE_ALPHA = 0.28
#: The neutral colour of the legend's swatches (the bars themselves take the side's colour).
LEGEND_COLOUR = "#555555"


def legend_handles() -> list:
    """The detection panel's legend: each kind of bar drawn as in the panel, so no two
    swatches look alike ("visible, not detected" a pale box, "looked, not visible" a thin
    mid-grey bar, darker than the pale box)."""
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [Patch(facecolor=LEGEND_COLOUR, label="detected (scan)"),
            Patch(facecolor=to_rgba(LEGEND_COLOUR, VISIBLE_ALPHA), label="visible, not detected"),
            Line2D([], [], color=LOOK_COLOUR, linewidth=2.5, solid_capstyle="butt", label="looked, not visible"),
            Patch(facecolor="white", edgecolor=LEGEND_COLOUR, hatch="////", label="track held")]

#: Event kinds labelled on the timeline (airborne contacts show as the radar rows' bars).
_LABELLED = {"takeoff", "detection", "track_started", "track_lost", "track_reacquired", "track_gap", "scramble",
             "visual", "intercept", "airspace_entry", "landing", "overrun", "fuel_exhausted", "crash", "bingo",
             "return_to_base", "go_around"}
_LINESTYLES = ["-", "--", "-.", ":"]


def _short(ev: dict) -> str:
    k = ev["kind"]
    actor, target = ev.get("actor"), ev.get("target")
    if k == "detection":
        return f"{ev.get('radar') or actor} detects {target}"
    if k in ("track_started", "track_lost", "track_reacquired"):
        return f"{ev['side']} {k.replace('track_', 'track ')}"
    if k in ("airborne_contact", "contact_lost", "visual", "intercept"):
        return f"{actor}: {k.replace('_', ' ')} {target or ''}".strip()
    if k == "airspace_entry":
        return f"{actor} enters {target or 'airspace'}"
    if k in ("landing", "overrun"):
        return f"{actor} {k}" + (f" at {target}" if target and k == "landing" else "")
    if k == "scramble":
        return f"scramble from {actor}"
    return f"{actor} {k.replace('_', ' ')}"


def _bar_verts(t_s: np.ndarray, width_s: float, yrange: tuple[float, float]) -> np.ndarray:
    """The rectangles ``ax.broken_barh([(t, width_s) for t in t_s], yrange)`` draws, as an
    (n, 4, 2) array of vertices."""
    x0 = np.asarray(t_s, dtype=float)
    x1 = x0 + width_s
    y0, dy = yrange
    y1 = y0 + dy
    verts = np.empty((x0.size, 4, 2))
    verts[:, 0, 0] = verts[:, 1, 0] = x0
    verts[:, 2, 0] = verts[:, 3, 0] = x1
    verts[:, 0, 1] = verts[:, 3, 1] = y0
    verts[:, 1, 1] = verts[:, 2, 1] = y1
    return verts


def _bars(ax, layers: list[list[tuple[np.ndarray, tuple]]], zorders) -> None:
    """One PolyCollection per layer (``[(verts, facecolour), ...]``) at its zorder: the
    detection panel's ~4,000 bars of every radar row at once. broken_barh converts each
    bar's units one by one (0.1 s of the flagship's timeline) and a collection per row and
    kind costs its own set-up and autoscale; the rows' bars are drawn in the same order
    either way (layer by layer, row by row)."""
    from matplotlib.collections import PolyCollection

    for layer, z in zip(layers, zorders):
        if not layer:
            continue
        verts = np.concatenate([v for v, _ in layer])
        faces = np.concatenate([np.broadcast_to(c, (len(v), 4)) for v, c in layer])
        ax.add_collection(PolyCollection(verts, facecolors=faces, zorder=z))


def render_timeline(run: RunData, path: str | os.PathLike, *, width_in: float = 13.0) -> Path:
    """Draw the timeline and write it to ``path`` as a PNG (atomically); return the path."""
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    path = Path(path)
    t0, t1 = run.t_range()
    span = max(t1 - t0, 1.0)

    # detection rows: each radar against each aircraft it looked at (a side may watch its
    # own aircraft too: the Soviet radars followed Belenko's MiG)
    lk = run.looks
    pairs = []
    if len(lk):
        for radar in dict.fromkeys(lk.radar.tolist()):
            rside = str(lk.side[lk.radar == radar][0])
            for tgt in dict.fromkeys(lk.target[lk.radar == radar].tolist()):
                pairs.append((rside, radar, tgt))
        order = {s.name: i for i, s in enumerate(run.sides)}
        pairs.sort(key=lambda p: (order.get(p[0], 99), p[1], p[2]))
    track_sides = [s.name for s in run.sides if any(k[0] == s.name for k in run.tracks)]
    n_rows = len(pairs) + len(track_sides)

    fig = Figure(figsize=(width_in, 8.4 + 0.28 * n_rows), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    gs = fig.add_gridspec(3, 1, height_ratios=[3.2, max(1.2, 0.42 * n_rows + 0.4), 1.5])
    ax_alt = fig.add_subplot(gs[0])
    ax_det = fig.add_subplot(gs[1], sharex=ax_alt)
    ax_fuel = fig.add_subplot(gs[2], sharex=ax_alt)

    # --- altitude and terrain -----------------------------------------------------------------
    per_side_count: dict[str, int] = {}
    styles = {}
    for aid, tr in run.aircraft.items():
        i = per_side_count.get(tr.side, 0)
        per_side_count[tr.side] = i + 1
        styles[aid] = _LINESTYLES[i % len(_LINESTYLES)]
    for aid in run.intruders()[:1]:
        tr = run.aircraft[aid]
        terr = np.maximum(tr.terrain_m, 0.0)
        ax_alt.fill_between(tr.t_s, 0, terr, color="#8c7853", alpha=0.55, linewidth=0, zorder=1,
                            label=f"terrain under {aid}")
    for aid, tr in run.aircraft.items():
        ax_alt.plot(tr.t_s, tr.alt_msl_m, color=run.side_color(tr.side), linestyle=styles[aid],
                    linewidth=2.0 if tr.role == "intruder" else 1.5, label=f"{aid} ({tr.type})", zorder=3)
    ax_alt.axhline(run.low_level_height_m, color="#666666", linewidth=0.8, linestyle=(0, (2, 3)), zorder=2)
    ax_alt.annotate(f"{run.low_level_height_m:g} m", (t0, run.low_level_height_m), xytext=(3, 2),
                    textcoords="offset points", fontsize=7.5, color="#555555")
    ax_alt.set_ylabel("altitude MSL (m)")
    ax_alt.set_ylim(bottom=0)
    ax_alt.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "\u2009")))
    ax_alt.legend(loc="upper left", bbox_to_anchor=(1.002, 1.0), fontsize=8, frameon=False)

    # --- detection bars and track spans ----------------------------------------------------------
    labels = []
    y = 0
    period = run.scan_period_s()
    layers: list[list] = [[], [], []]  # looked, visible, detected: each row's bars
    for rside, radar, tgt in pairs:
        sel = (lk.radar == radar) & (lk.target == tgt)
        col = run.side_color(rside)
        t_vis = lk.t_s[sel & lk.visible & ~lk.detected]
        t_det = lk.t_s[sel & lk.detected]
        t_any = lk.t_s[sel]
        w = period
        layers[0].append((_bar_verts(t_any, w, (y - 0.06, 0.12)), to_rgba(LOOK_COLOUR)))
        layers[1].append((_bar_verts(t_vis, w, (y - 0.25, 0.5)), to_rgba(col, VISIBLE_ALPHA)))
        layers[2].append((_bar_verts(t_det, w, (y - 0.32, 0.64)), to_rgba(col)))
        labels.append(f"{radar} \u2192 {tgt}")
        y += 1
    _bars(ax_det, layers, zorders=(1, 2, 3))
    for side in track_sides:
        col = run.side_color(side)
        for (s, tid), tk in run.tracks.items():
            if s != side or len(tk.t_s) == 0:
                continue
            # a track's life: split where updates pause longer than a track loss would allow
            ts = tk.t_s
            gaps = np.where(np.diff(ts) > 6 * period)[0]
            starts = np.r_[ts[0], ts[gaps + 1]]
            ends = np.r_[ts[gaps], ts[-1]]
            bars = [(a, max(b - a, period)) for a, b in zip(starts, ends)]
            ax_det.broken_barh(bars, (y - 0.32, 0.64), facecolors="white", edgecolors=col, hatch="////",
                               linewidth=1.2, zorder=3)
            ax_det.annotate(tid, (starts[0], y - 0.34), fontsize=7, color=col, va="bottom", zorder=4)
        labels.append(f"{side} tracks")
        y += 1
    ax_det.set_yticks(range(len(labels)))
    ax_det.set_yticklabels(labels, fontsize=8)
    ax_det.set_ylim(len(labels) - 0.4, -0.6)
    ax_det.grid(True, axis="x", color="#999999", linewidth=0.4, alpha=0.4)
    ax_det.legend(handles=legend_handles(), loc="upper left", bbox_to_anchor=(1.002, 1.0), fontsize=7.5, frameon=False)
    if not labels:
        ax_det.text(0.5, 0.5, "no radar looks in this run", transform=ax_det.transAxes, ha="center",
                    va="center", color="#777777")

    # --- fuel -----------------------------------------------------------------------------
    for aid, tr in run.aircraft.items():
        ax_fuel.plot(tr.t_s, tr.fuel_kg, color=run.side_color(tr.side), linestyle=styles[aid], linewidth=1.6,
                     label=aid)
    ax_fuel.set_ylabel("fuel (kg)")
    ax_fuel.set_ylim(bottom=0)
    ax_fuel.legend(loc="upper left", bbox_to_anchor=(1.002, 1.0), fontsize=8, frameon=False)

    # --- time axis --------------------------------------------------------------------------
    step = 60 * next(m for m in (1, 2, 5, 10, 15, 30, 60, 120, 240) if span / (60 * m) <= 14)
    ax_fuel.xaxis.set_major_locator(MultipleLocator(step))
    ax_fuel.xaxis.set_major_formatter(FuncFormatter(lambda v, _: clock(run, v)))
    ax_fuel.set_xlabel(f"local time ({run.local_tz_name}, UTC{run.local_tz_hours:+g})")
    # each side on another clock gets its own time axis below (events are labelled in it)
    others = {run.side_tz(s.name) for s in run.sides} - {(run.local_tz_hours, run.local_tz_name)}
    for k, (hours, name) in enumerate(sorted(others)):
        names = ", ".join(s.name for s in run.sides if run.side_tz(s.name) == (hours, name))
        ax2 = ax_fuel.secondary_xaxis(-0.55 - 0.45 * k)
        ax2.xaxis.set_major_locator(MultipleLocator(step))
        ax2.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _, h=hours: (run.utc(v) + timedelta(hours=h)).strftime("%H:%M")))
        ax2.set_xlabel(f"{names} local time ({name}, UTC{hours:+g})", fontsize=8)
        ax2.tick_params(labelsize=8)
    top = ax_alt.secondary_xaxis("top")
    top.xaxis.set_major_locator(MultipleLocator(step))
    top.xaxis.set_major_formatter(FuncFormatter(lambda v, _: run.utc(v).strftime("%H:%M")))
    top.set_xlabel("UTC", fontsize=8)
    top.tick_params(labelsize=8)
    for ax in (ax_alt, ax_det):
        ax.tick_params(labelbottom=False)
    for ax in (ax_alt, ax_fuel):
        ax.grid(True, color="#999999", linewidth=0.4, alpha=0.4)

    # --- events -----------------------------------------------------------------------------
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    groups: list[list] = []
    for ev in run.events:
        if ev["kind"] not in _LABELLED:
            continue
        if groups and ev["t_s"] - groups[-1][0] <= span * 0.006:
            groups[-1][1].append(ev)
        else:
            groups.append([ev["t_s"], [ev]])
    ymax = max(float(np.nanmax(tr.alt_msl_m)) for tr in run.aircraft.values())
    ax_alt.set_xlim(t0, t1)
    ax_alt.set_ylim(0, ymax * 1.75 + 100)
    fig.suptitle(f"{run.title}: altitude, detections and fuel, {run.utc(t0):%d %b %Y}", fontsize=12)
    # the layout once, with every artist that shapes it; the labels below stay inside the axes
    engine = freeze_layout(fig)
    ax_px = ax_alt.get_window_extent().width
    px_per_s = ax_px / span
    line_px = 6.5 * fig.dpi / 72 * 1.25
    last_end = -1e9
    for ax in (ax_alt, ax_det, ax_fuel):  # a line at each event group, across each panel: one collection
        segs = [((tg, 0.0), (tg, 1.0)) for tg, _ in groups]
        ax.add_collection(LineCollection(segs, colors="#777777", linewidths=0.6, alpha=0.5, zorder=0,
                                         transform=ax.get_xaxis_transform()), autolim=False)
    for tg, evs in groups:
        lines = [f"{side_clock(run, e.get('side'), e['t_s'])} {_short(e)}" for e in evs[:3]]
        if len(evs) > 3:
            lines.append(f"+{len(evs) - 3} more")
        x_px = (tg - t0) * px_per_s + 1
        x_px = max(x_px, last_end + 1)
        last_end = x_px + line_px * len(lines)
        col = run.side_color(evs[0]["side"]) if evs[0].get("side") else "#222222"
        dx_pt = (x_px - (tg - t0) * px_per_s) * 72 / fig.dpi
        ax_alt.annotate("\n".join(lines), (tg, 1.0), xycoords=("data", "axes fraction"), xytext=(dx_pt, -6),
                        textcoords="offset points", rotation=90, fontsize=6.5, va="top", ha="right", color=col,
                        path_effects=halo, zorder=6, annotation_clip=False, rotation_mode="anchor")
        ax_alt.plot([tg], [1.0], marker="v", color=col, markersize=5, zorder=6, clip_on=False,
                    transform=ax_alt.get_xaxis_transform())
    # labels pushed right past the legends (the layout's right margin): lay the figure out with them
    legends = [ax.get_legend() for ax in (ax_alt, ax_det, ax_fuel) if ax.get_legend() is not None]
    margin_x1 = max((lg.get_window_extent().x1 for lg in legends), default=ax_alt.get_window_extent().x1)
    if ax_alt.get_window_extent().x0 + last_end > margin_x1:
        fig.set_layout_engine(engine)

    ax_alt.set_xlim(t0, t1)
    save_figure(fig, path)
    fig.clear()
    return path
