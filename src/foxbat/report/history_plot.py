"""The simulation beside the record as a picture: one row per recorded event, the
recorded and the simulated local time joined by a line, with each row's basis (input,
calibrated, predicted) and the judgement of its predicted figures; where figures (range,
altitude, duration ...) are written on the row."""

from __future__ import annotations

from pathlib import Path

AGREE, DISAGREE, NOT_JUDGED = "#2e8b57", "#c0392b", "#888888"


def _minutes(hhmm: str) -> float | None:
    if not hhmm or hhmm == "none":
        return None
    parts = [float(x) for x in hhmm.split(":")]
    while len(parts) < 3:
        parts.append(0.0)
    return parts[0] * 60 + parts[1] + parts[2] / 60


def _colour(agreement: str, basis: str) -> str:
    if basis != "predicted":
        return NOT_JUDGED
    return AGREE if agreement == "agrees" else DISAGREE if agreement else NOT_JUDGED


def _row_colour(r: dict) -> str:
    """Red when any predicted figure of the row misses, green when all agree, grey when none is judged."""
    from foxbat.history_compare import WHERE_COLUMNS

    judged = [r["agreement"]] + [r.get(f"{stem}_agreement", "") for stem, _ in WHERE_COLUMNS.values()]
    judged = [j for j in judged if j]
    if not judged:
        return NOT_JUDGED
    return AGREE if all(j == "agrees" for j in judged) else DISAGREE


def _where_text(r: dict) -> str:
    from foxbat.history_compare import WHERE_COLUMNS

    parts = []
    for q, (stem, unit) in WHERE_COLUMNS.items():
        if r.get(f"recorded_{q}"):
            judged = r[f"{stem}_agreement"] or r[f"{stem}_basis"]
            parts.append(f"{stem} {r[f'simulated_{q}'] or '-'} vs {r[f'recorded_{q}']} "
                         f"({r[f'{stem}_tolerance_{unit}']}) {unit}: {judged}")
    return "; ".join(parts)


def render_history_png(history_csv: str | Path, path: str | Path, title: str = "", tz: str = "") -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from foxbat.atomic import save_figure
    from foxbat.history import read_history_csv
    from foxbat.history_compare import summary_line

    rows = read_history_csv(history_csv)
    fig = Figure(figsize=(11, 0.75 * len(rows) + 1.9), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, r in enumerate(rows):
        y = len(rows) - 1 - i
        rec, sim = _minutes(r["recorded_local"]), _minutes(r["simulated_local"])
        c = _colour(r["agreement"], r["basis"])
        label_c = _row_colour(r)
        if rec is not None and sim is not None:
            ax.plot([rec, sim], [y, y], color=c, linewidth=2, zorder=1)
        if rec is not None:
            ax.plot(rec, y, "o", color="black", markersize=6, zorder=2)
        if sim is not None:
            filled = r["basis"] == "predicted"
            ax.plot(sim, y, "D", color=c, markerfacecolor=c if filled else "white", markersize=6, zorder=3)
        label = r["what"] if len(r["what"]) < 70 else r["what"][:67] + "..."
        # a row without a recorded time is judged on its where figures (the line below it)
        judged = r["agreement"] or ("not judged" if r["recorded_local"] else "see below")
        diff = f", {r['difference_min']} min (tol {r['tolerance_min']})" if r["difference_min"] else ""
        ax.annotate(f"{label}  [{r['basis']}: {judged}{diff}]", (0, y), xycoords=("axes fraction", "data"),
                    xytext=(4, 8), textcoords="offset points", fontsize=7.5, color=label_c)
        where = _where_text(r)
        if where:
            ax.annotate(where, (0, y), xycoords=("axes fraction", "data"), xytext=(4, -11),
                        textcoords="offset points", fontsize=6.5, color="#333333")
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(rows) - 0.1)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(t // 60) % 24:02d}:{int(t % 60):02d}" for t in ticks])
    ax.set_xlabel((f"local time ({tz})" if tz else "local time") + "    " + summary_line(rows))
    ax.plot([], [], "o", color="black", label="recorded")
    ax.plot([], [], "D", color=AGREE, label="predicted, agrees")
    ax.plot([], [], "D", color=DISAGREE, label="predicted, disagrees")
    ax.plot([], [], "D", color=NOT_JUDGED, markerfacecolor="white", label="input or calibrated (not judged)")
    ax.legend(loc="lower right", fontsize=7.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "simulation beside the record")
    save_figure(fig, path)
    return Path(path)
