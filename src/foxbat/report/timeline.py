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

#: The gid of the event labels above the altitude panel (the tests find them by it).
EVENT_LABEL_GID = "timeline-event-label"
#: The event labels' top edge: this many points below the altitude panel's top.
LABEL_TOP_PT = 6.0
#: Pixels kept clear between two event labels (their white halo is 1.25 pt wide) and
#: between a label and the panel's sides.
LABEL_GAP_PX = 3.0

#: Event kinds labelled on the timeline (airborne contacts show as the radar rows' bars).
_LABELLED = {"takeoff", "detection", "track_started", "track_lost", "track_reacquired", "track_gap", "scramble",
             "visual", "intercept", "airspace_entry", "landing", "overrun", "fuel_exhausted", "crash", "bingo",
             "return_to_base", "go_around"}
_LINESTYLES = ["-", "--", "-.", ":"]


def _short(ev: dict, aircraft=()) -> str:
    """An event in a few words. ``aircraft``: the run's aircraft ids (an interceptor's
    landing names the intruder it was sent after as its target, not where it lands)."""
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
        return f"{actor} {k}" + (f" at {target}" if target and k == "landing" and target not in aircraft else "")
    if k == "scramble":
        return f"scramble from {actor}"
    return f"{actor} {k.replace('_', ' ')}"


def merge_intervals(start_s, end_s, join_gap_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The union of the intervals ``[start_s[i], end_s[i]]``: sorted, disjoint intervals
    (starts, ends). Overlapping, touching and nested intervals become one; two whose gap
    is at most ``join_gap_s`` too.

    A row's bars are drawn as this union: translucent bars drawn one per scan pile up
    their alpha where they overlap (a radar looking every 2 s drawn 12 s wide), so the
    overlap would read as another kind of bar.

    >>> merge_intervals([5, 0, 1, 8], [6, 2, 1.5, 9])
    (array([0., 5., 8.]), array([2., 6., 9.]))
    """
    s = np.asarray(start_s, dtype=float).ravel()
    e = np.asarray(end_s, dtype=float).ravel()
    if s.size == 0:
        return s.copy(), e.copy()
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)  # the furthest end of every interval so far
    first = np.flatnonzero(np.r_[True, s[1:] > reach[:-1] + join_gap_s])
    last = np.r_[first[1:] - 1, s.size - 1]
    return s[first], reach[last]


def _bar_verts(x0_s, x1_s, yrange: tuple[float, float]) -> np.ndarray:
    """The rectangles from ``x0_s[i]`` to ``x1_s[i]`` over ``yrange`` (y0, height), as an
    (n, 4, 2) array of vertices."""
    x0 = np.asarray(x0_s, dtype=float)
    x1 = np.asarray(x1_s, dtype=float)
    y0, dy = yrange
    y1 = y0 + dy
    verts = np.empty((x0.size, 4, 2))
    verts[:, 0, 0] = verts[:, 1, 0] = x0
    verts[:, 2, 0] = verts[:, 3, 0] = x1
    verts[:, 0, 1] = verts[:, 3, 1] = y0
    verts[:, 1, 1] = verts[:, 2, 1] = y1
    return verts


def _row_bars(t_s: np.ndarray, width_s: float, yrange: tuple[float, float]) -> np.ndarray:
    """A row's bars of one kind: each scan at ``t_s`` drawn ``width_s`` wide, as their union
    (:func:`merge_intervals`; scans a period apart touch, give or take the 1e-7 s of the
    times written in looks.csv)."""
    a, b = merge_intervals(t_s, np.asarray(t_s, dtype=float) + width_s, join_gap_s=1e-3)
    return _bar_verts(a, b, yrange)


def _bars(ax, layers: list[list[tuple[np.ndarray, tuple]]], zorders) -> None:
    """One PolyCollection per layer (``[(verts, facecolour), ...]``) at its zorder: the
    detection panel's bars of every radar row at once. broken_barh converts each bar's
    units one by one and a collection per row and kind costs its own set-up and autoscale;
    the rows' bars are drawn in the same order either way (layer by layer, row by row)."""
    from matplotlib.collections import PolyCollection

    for layer, z in zip(layers, zorders):
        if not layer:
            continue
        verts = np.concatenate([v for v, _ in layer])
        faces = np.concatenate([np.broadcast_to(c, (len(v), 4)) for v, c in layer])
        ax.add_collection(PolyCollection(verts, facecolors=faces, zorder=z))


def _group_events(events: list[dict], window_s: float) -> list[list]:
    """Events in time order as ``[[t_s of the first, [events]], ...]``: an event within
    ``window_s`` of its group's first joins that group."""
    groups: list[list] = []
    for ev in events:
        if groups and ev["t_s"] - groups[-1][0] <= window_s:
            groups[-1][1].append(ev)
        else:
            groups.append([ev["t_s"], [ev]])
    return groups


def _event_colour(run: RunData, ev: dict) -> str:
    return run.side_color(ev["side"]) if ev.get("side") else "#222222"


def _pack_tier(want_px: np.ndarray, width_px: np.ndarray, lo_px: float, hi_px: float,
               gap_px: float) -> np.ndarray | None:
    """Left edges for columns of widths ``width_px`` in their order, each at its wanted
    place or pushed right of the one before it (``gap_px`` apart), then pulled back left
    from ``hi_px``; None when they do not fit between ``lo_px`` and ``hi_px``."""
    x = np.empty(want_px.size)
    end = lo_px - gap_px
    for i in range(want_px.size):
        x[i] = max(want_px[i], end + gap_px)
        end = x[i] + width_px[i]
    start = hi_px + gap_px
    for i in range(want_px.size - 1, -1, -1):
        x[i] = min(x[i], start - gap_px - width_px[i])
        start = x[i]
    return x if x.size == 0 or x[0] >= lo_px - 1e-9 else None


def _hang(left: np.ndarray, width: np.ndarray, length: np.ndarray, order, gap_px: float) -> np.ndarray:
    """Drops below the top for labels at ``left``: in ``order``, each at the smallest drop
    at which it overlaps none placed before it."""
    drop = np.zeros(left.size)
    done: list[int] = []
    for i in order:
        near = [j for j in done if left[j] < left[i] + width[i] + gap_px and left[i] < left[j] + width[j] + gap_px]
        d = 0.0
        for top, bottom in sorted((drop[j], drop[j] + length[j]) for j in near):  # the first gap, top down
            if d + length[i] + gap_px <= top:
                break
            d = max(d, bottom + gap_px)
        drop[i] = d
        done.append(i)
    return drop


def pack_labels(want_px, width_px, length_px, lo_px: float, hi_px: float, depth_px: float = np.inf,
                gap_px: float = LABEL_GAP_PX) -> tuple[np.ndarray, np.ndarray]:
    """Places for labels hanging side by side from the top of a strip from ``lo_px`` to
    ``hi_px``, ``depth_px`` deep, none overlapping another: (left edges, drops below the
    strip's top). Label i is ``width_px[i]`` wide and ``length_px[i]`` long and wants its
    left edge at ``want_px[i]`` (labels in that order, left to right).

    In one row when they fit: each where it wants or right of its left neighbour, those
    crowding the right end pulled back left. Otherwise staggered: every k-th label in row
    i % k (the fewest rows that fit), each row packed so, and each label of a later row
    hung just below the labels above it that it would overlap. When no number of rows
    fits the depth, the shallowest."""
    want = np.asarray(want_px, dtype=float)
    width = np.asarray(width_px, dtype=float)
    length = np.asarray(length_px, dtype=float)
    n = want.size
    best = (np.clip(want, lo_px, None), np.zeros(n), np.inf)
    for rows in range(1, max(n, 1) + 1):
        row = np.arange(n) % rows
        left = np.empty(n)
        for k in range(rows):
            placed = _pack_tier(want[row == k], width[row == k], lo_px, hi_px, gap_px)
            if placed is None:
                break
            left[row == k] = placed
        else:
            drop = _hang(left, width, length, np.argsort(row, kind="stable"), gap_px)
            bottom = float((drop + length).max()) if n else 0.0
            if bottom <= depth_px:
                return left, drop
            if bottom < best[2]:
                best = (left, drop, bottom)
    return best[0], best[1]


def _place_labels(fig, ax, notes: list) -> bool:
    """Move the event labels (rotated annotations hanging from the top of ``ax``, each
    right of its event's line) so that none overlaps another: :func:`pack_labels` on the
    labels' extents in the frozen layout. False when they do not all fit inside ``ax``."""
    if not notes:
        return True
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    bbs = [a.get_window_extent(renderer) for a in notes]
    anchor_px = np.array([ax.transData.transform((a.xy[0], 0.0))[0] for a in notes])
    x0 = np.array([b.x0 for b in bbs])
    width = np.array([b.width for b in bbs])
    length = np.array([b.height for b in bbs])
    top_px = LABEL_TOP_PT * fig.dpi / 72.0
    left, drop = pack_labels(anchor_px + LABEL_GAP_PX, width, length, box.x0 + LABEL_GAP_PX,
                             box.x1 - LABEL_GAP_PX, depth_px=box.height - top_px - LABEL_GAP_PX)
    pt_per_px = 72.0 / fig.dpi
    for a, dx_px, dy_px in zip(notes, left - x0, drop):
        a.xyann = (dx_px * pt_per_px, -LABEL_TOP_PT - dy_px * pt_per_px)
    y0 = np.array([b.y0 for b in bbs]) - drop
    return bool(left.min() >= box.x0 and (left + width).max() <= box.x1 and y0.min() >= box.y0 + LABEL_GAP_PX)


def render_timeline(run: RunData, path: str | os.PathLike, *, width_in: float = 13.0) -> Path:
    """Draw the timeline and write it to ``path`` as a PNG (atomically); return the path."""
    path = Path(path)
    fig = timeline_figure(run, width_in=width_in)
    save_figure(fig, path)
    fig.clear()
    return path


def timeline_figure(run: RunData, *, width_in: float = 13.0):
    """The timeline as a matplotlib Figure (an Agg canvas, its layout frozen), not yet drawn."""
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MultipleLocator

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
        layers[0].append((_row_bars(t_any, w, (y - 0.06, 0.12)), to_rgba(LOOK_COLOUR)))
        layers[1].append((_row_bars(t_vis, w, (y - 0.25, 0.5)), to_rgba(col, VISIBLE_ALPHA)))
        layers[2].append((_row_bars(t_det, w, (y - 0.32, 0.64)), to_rgba(col)))
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
    labelled = [ev for ev in run.events if ev["kind"] in _LABELLED]
    ymax = max(float(np.nanmax(tr.alt_msl_m)) for tr in run.aircraft.values())
    ax_alt.set_xlim(t0, t1)
    ax_alt.set_ylim(0, ymax * 1.75 + 100)
    fig.suptitle(f"{run.title}: altitude, detections and fuel, {run.utc(t0):%d %b %Y}", fontsize=12)
    # the layout once, with every artist that shapes it; the labels below stay inside the axes
    freeze_layout(fig)
    # one label per group of events close in time; where the labels do not fit in the panel
    # even staggered, coarser groups
    window_s = span * 0.006
    while True:
        groups = _group_events(labelled, window_s)
        notes = []
        for tg, evs in groups:
            lines = [f"{side_clock(run, e.get('side'), e['t_s'])} {_short(e, run.aircraft)}" for e in evs[:3]]
            if len(evs) > 3:
                lines.append(f"+{len(evs) - 3} more")
            notes.append(ax_alt.annotate(
                "\n".join(lines), (tg, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -LABEL_TOP_PT),
                textcoords="offset points", rotation=90, fontsize=6.5, va="top", ha="right",
                color=_event_colour(run, evs[0]), path_effects=halo, zorder=6, annotation_clip=False,
                rotation_mode="anchor", gid=EVENT_LABEL_GID))
        if _place_labels(fig, ax_alt, notes) or len(groups) <= 1:
            break
        for a in notes:
            a.remove()
        window_s *= 2
    for ax in (ax_alt, ax_det, ax_fuel):  # a line at each event group, across each panel: one collection
        segs = [((tg, 0.0), (tg, 1.0)) for tg, _ in groups]
        ax.add_collection(LineCollection(segs, colors="#777777", linewidths=0.6, alpha=0.5, zorder=0,
                                         transform=ax.get_xaxis_transform()), autolim=False)
    marks: dict[str, list] = {}  # a triangle at each group's time on the panel's top edge, one line per colour
    for tg, evs in groups:
        marks.setdefault(_event_colour(run, evs[0]), []).append(tg)
    for col, ts in marks.items():
        ax_alt.plot(ts, np.ones(len(ts)), linestyle="none", marker="v", color=col, markersize=5, zorder=6,
                    clip_on=False, transform=ax_alt.get_xaxis_transform())

    ax_alt.set_xlim(t0, t1)
    return fig
