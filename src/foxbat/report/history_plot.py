"""The simulation beside the record as a picture: one row per recorded event, the
recorded and the simulated local time joined by a line."""

from __future__ import annotations

import csv
from pathlib import Path


def _minutes(hhmm: str) -> float | None:
    if not hhmm or hhmm == "none":
        return None
    parts = [float(x) for x in hhmm.split(":")]
    while len(parts) < 3:
        parts.append(0.0)
    return parts[0] * 60 + parts[1] + parts[2] / 60


def render_history_png(history_csv: str | Path, path: str | Path, title: str = "", tz: str = "") -> Path:
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from foxbat.atomic import save_figure

    rows = list(csv.DictReader(open(history_csv, encoding="utf-8")))
    fig = Figure(figsize=(10, 0.55 * len(rows) + 1.6), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = {"agrees": "#2e8b57", "disagrees": "#c0392b", "not simulated": "#888888"}
    for i, r in enumerate(rows):
        y = len(rows) - 1 - i
        rec, sim = _minutes(r["recorded_local"]), _minutes(r["simulated_local"])
        c = colours.get(r["agreement"], "#444444")
        if rec is not None and sim is not None:
            ax.plot([rec, sim], [y, y], color=c, linewidth=2, zorder=1)
        if rec is not None:
            ax.plot(rec, y, "o", color="black", markersize=6, zorder=2)
        if sim is not None:
            ax.plot(sim, y, "D", color=c, markersize=6, zorder=3)
        label = r["what"] if len(r["what"]) < 70 else r["what"][:67] + "..."
        note = f"  [{r['agreement']}{', ' + r['difference_min'] + ' min' if r['difference_min'] else ''}]"
        ax.annotate(label + note, (0, y), xycoords=("axes fraction", "data"), xytext=(4, 7),
                    textcoords="offset points", fontsize=7.5, color=c)
    ax.set_yticks([])
    ax.set_ylim(-0.7, len(rows) - 0.2)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(t // 60) % 24:02d}:{int(t % 60):02d}" for t in ticks])
    ax.set_xlabel(f"local time ({tz})" if tz else "local time")
    ax.plot([], [], "o", color="black", label="recorded")
    ax.plot([], [], "D", color="#2e8b57", label="simulated (agrees)")
    ax.plot([], [], "D", color="#c0392b", label="simulated (disagrees)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "simulation beside the record")
    save_figure(fig, path)
    return Path(path)
