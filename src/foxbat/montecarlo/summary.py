"""What a Monte Carlo results table says: probability of escape with its 95% Wilson
interval, its sensitivity to each uncertain parameter, first detection time per side.

Writes, beside ``results.parquet``: ``results.summary.json``, ``results.sensitivity.png``
and ``results.first_detection.png`` (each atomically: temporary file, then rename).

Sensitivity, per parameter:

- escape rate in quantile bins of the parameter (up to 5 bins; one bin per value for a
  ``choice``), each with its Wilson interval;
- Spearman's rank correlation of the parameter with escape (0/1);
- the partial rank correlation coefficient (PRCC): the correlation of the parameter's
  ranks with escape's ranks once the (linear) effect of every other parameter's ranks is
  removed from both. With few runs or a rare outcome these are noisy: read the intervals.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

Z95 = 1.959963984540054
MIN_EXTRA_RUNS = 10  # PRCC needs at least (parameters + this) runs; fewer give NaN
ESCAPE_DEFINITION = ("escaped: the intruder landed (roll-out finished, an overrun included) and no interceptor "
                     "made an intercept; intercepted: an interceptor held it within weapons range (in sight where "
                     "its weapons need it), whatever the flight did next; otherwise the flight's own end (crashed, "
                     "left_dem, max_duration, route_end); error: the sampled values made the scenario invalid")


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """Proportion k/n and its Wilson score interval (default 95%)."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # exact ends at k = 0 and k = n (rounding leaves 1e-17 there, which a plot's error bar refuses)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return p, lo, hi


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, method="average")


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def prcc(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Partial rank correlation of each column of X with y (NaN where undefined)."""
    n, p = X.shape
    out = np.full(p, np.nan)
    if n < p + MIN_EXTRA_RUNS or np.ptp(y) == 0:
        return out
    R = np.column_stack([_ranks(X[:, j]) for j in range(p)]) if p else np.zeros((n, 0))
    ry = _ranks(y)
    live = [j for j in range(p) if np.ptp(R[:, j]) > 0]
    for j in live:
        others = [c for c in live if c != j]
        A = np.column_stack([np.ones(n)] + [R[:, c] for c in others])
        rx = R[:, j] - A @ np.linalg.lstsq(A, R[:, j], rcond=None)[0]
        rr = ry - A @ np.linalg.lstsq(A, ry, rcond=None)[0]
        out[j] = _corr(rx, rr)
    return out


def _bins(x: np.ndarray, esc: np.ndarray, discrete: bool, n_bins: int = 5) -> list[dict]:
    out = []
    if discrete:
        for v in sorted(set(x.tolist()), key=lambda v: (isinstance(v, str), v)):
            m = x == v
            k, n = int(esc[m].sum()), int(m.sum())
            p, lo, hi = wilson(k, n)
            out.append({"value": v, "n": n, "escaped": k, "p": p, "ci95": [lo, hi]})
        return out
    xf = x.astype(float)
    edges = np.unique(np.quantile(xf, np.linspace(0, 1, n_bins + 1)))
    if edges.size < 2:
        edges = np.array([xf.min(), xf.max()])
    idx = np.clip(np.searchsorted(edges, xf, side="right") - 1, 0, edges.size - 2)
    for b in range(edges.size - 1):
        m = idx == b
        if not m.any():
            continue
        k, n = int(esc[m].sum()), int(m.sum())
        p, lo, hi = wilson(k, n)
        out.append({"low": float(edges[b]), "high": float(edges[b + 1]), "n": n, "escaped": k, "p": p,
                    "ci95": [lo, hi]})
    return out


def _stats(v: np.ndarray) -> dict:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0}
    q = np.quantile(v, [0.05, 0.5, 0.95])
    return {"n": int(v.size), "mean": float(v.mean()), "min": float(v.min()), "p5": float(q[0]),
            "p50": float(q[1]), "p95": float(q[2]), "max": float(v.max())}


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if not math.isfinite(f) else float(f"{f:.10g}")
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def summary_paths(out: str | os.PathLike) -> dict[str, Path]:
    p = Path(out)
    stem = p.name[: -len(".parquet")] if p.name.endswith(".parquet") else p.name
    return {"json": p.with_name(f"{stem}.summary.json"), "sensitivity": p.with_name(f"{stem}.sensitivity.png"),
            "first_detection": p.with_name(f"{stem}.first_detection.png"),
            "history": p.with_name(f"{stem}.history.png")}


def read_results_meta(path: str | os.PathLike) -> dict:
    """The study metadata of a results table; InputFileError naming the file when it is
    missing, not Parquet, or not a foxbat montecarlo table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from foxbat.errors import InputFileError
    from foxbat.montecarlo.runner import META_KEY

    p = Path(path)
    if not p.exists():
        raise InputFileError("no such file; give a results table written by foxbat montecarlo --out",
                             where=str(path))
    if not p.is_file():
        raise InputFileError("is not a file; give a results table (.parquet)", where=str(path))
    try:
        schema = pq.read_schema(p)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(f"not a Parquet file ({str(exc).splitlines()[0]}); give a results table written by "
                             "foxbat montecarlo --out", where=str(path)) from None
    key = META_KEY.decode()
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise InputFileError(f"a Parquet file without the '{key}' metadata: not a foxbat montecarlo results table",
                             where=str(path))
    try:
        return json.loads(raw)
    except ValueError:
        raise InputFileError(f"its '{key}' metadata is not valid JSON", where=str(path)) from None


def summarise(out: str | os.PathLike) -> dict:
    """Read the results table and compute the summary (no files written)."""
    import pyarrow.parquet as pq

    from foxbat.montecarlo.runner import META_KEY

    table = pq.read_table(out)
    meta = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    cols = table.to_pydict()
    n_all = len(cols.get("run", []))
    outcome = np.array(cols.get("outcome", []), dtype=object)
    ok = outcome != "error"
    esc = np.array(cols.get("escaped", []), dtype=bool)[ok] if n_all else np.zeros(0, bool)
    n = int(ok.sum())
    k = int(esc.sum())
    p, lo, hi = wilson(k, n)
    counts: dict[str, int] = {}
    for o in outcome:
        counts[str(o)] = counts.get(str(o), 0) + 1
    sides = {}
    for s in meta.get("sides", []):
        t = np.array(cols.get(f"first_detection_t_s.{s}", []), float)[ok]
        det = np.array(cols.get(f"detected.{s}", []), bool)[ok]
        held = np.array(cols.get(f"time_tracked_s.{s}", []), float)[ok]
        sides[s] = {"detected": int(det.sum()), "detected_fraction": float(det.mean()) if n else None,
                    "first_detection_t_s": _stats(t), "time_tracked_s": _stats(held)}
    params = meta.get("uncertain", [])
    numeric = [q for q in params if not (q.get("dist") == "choice" and any(isinstance(v, str) for v in q["values"]))]
    X = np.column_stack([np.array(cols[q["column"]], float)[ok] for q in numeric]) if numeric and n else None
    pr = prcc(X, esc.astype(float)) if X is not None else np.array([])
    sens = []
    for q in params:
        x = np.array(cols[q["column"]], dtype=object)[ok]
        is_num = q in numeric
        xv = x.astype(float) if is_num else x
        j = numeric.index(q) if is_num else None
        sens.append({
            "param": q["param"], "column": q["column"], "dist": q["dist"],
            "affects_coverage": q.get("affects_coverage", False),
            "spearman": _corr(_ranks(xv), _ranks(esc.astype(float))) if is_num and n else math.nan,
            "prcc": float(pr[j]) if j is not None and pr.size else math.nan,
            "bins": _bins(xv, esc, discrete=q["dist"] == "choice") if n else []})
    history = history_agreement(cols, meta, ok, numeric)
    return _clean({"scenario": meta.get("scenario"), "seed": meta.get("seed"), "runs": n_all, "runs_ok": n,
                   "runs_error": n_all - n, "outcomes": dict(sorted(counts.items())),
                   "escape": {"escaped": k, "n": n, "p": p, "ci95": [lo, hi], "method": "Wilson score interval, 95%"},
                   "definition": ESCAPE_DEFINITION, "sides": sides, "sensitivity": sens,
                   "sensitivity_method": "escape rate by parameter quantile bin (Wilson 95%), Spearman rank "
                                         "correlation and partial rank correlation (PRCC) with escape",
                   "history": history, "history_method": HISTORY_METHOD,
                   "first_detection_t_s": {s: [float(v) for v in np.array(cols.get(f"first_detection_t_s.{s}", []),
                                                                          float)[ok]] for s in sides}})


HISTORY_METHOD = ("per recorded figure (history row and figure: time, range, altitude ...): among the runs in "
                  "which it is a prediction (not set by the scenario, not fitted to the record), the fraction that "
                  "agrees with the record within the row's tolerance (Wilson 95%); 'not simulated' counts as a "
                  "miss. Drivers: the partial rank correlation (PRCC) of each numeric uncertain input with "
                  "agreement (0/1), largest first; text inputs (a choice of names) by their agreement rate per value")
JUDGED = ("agrees", "disagrees", "not simulated")


def history_agreement(cols: dict, meta: dict, ok: np.ndarray, numeric: list[dict]) -> list[dict]:
    """Per recorded figure: how often it is judged, P(agrees) with its Wilson interval, and the
    inputs that drive agreement (PRCC; per-value rates for text inputs)."""
    out = []
    for col in meta.get("history", []):
        v = np.array(cols.get(col, []), dtype=object)[ok]
        judged = np.isin(v, JUDGED)
        n = int(judged.sum())
        k = int((v[judged] == "agrees").sum())
        p, lo, hi = wilson(k, n)
        bases = sorted({str(b) for b in v[~judged] if b})
        entry = {"column": col, "row": col.split(".")[1], "figure": col.split(".")[2], "n_predicted": n,
                 "agrees": k, "p": p, "ci95": [lo, hi], "not_judged_as": bases,
                 "not_simulated": int((v == "not simulated").sum())}
        drivers = []
        if n and numeric:
            y = (v[judged] == "agrees").astype(float)
            X = np.column_stack([np.array(cols[q["column"]], float)[ok][judged] for q in numeric])
            pr = prcc(X, y)
            drivers = sorted(({"column": q["column"], "prcc": float(r)} for q, r in zip(numeric, pr)
                              if math.isfinite(r)), key=lambda d: -abs(d["prcc"]))
        entry["drivers"] = drivers
        texts = []
        for q in meta.get("uncertain", []):
            if q in numeric or not n:
                continue
            x = np.array(cols[q["column"]], dtype=object)[ok][judged]
            y = v[judged] == "agrees"
            texts.append({"column": q["column"], "bins": _bins(x, y, discrete=True)})
        entry["text_inputs"] = texts
        out.append(entry)
    return out


def plot_history(s: dict, path: Path) -> None:
    """P(agrees) per predicted figure with its interval, and the PRCC of each input with it."""
    from matplotlib.figure import Figure

    hist = [h for h in s.get("history", []) if h["n_predicted"]]
    fig = Figure(figsize=(12, 1.2 + 0.42 * max(1, len(hist))), layout="constrained")
    fig.suptitle(f"{s['scenario']}: the record against {s['runs_ok']} runs: how often each predicted figure "
                 "agrees, and what drives it", fontsize=10)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[1, 1.5])
    labels = [f"{h['row']} {h['figure']}" for h in hist]
    y = np.arange(len(hist))
    p = np.array([h["p"] for h in hist], float)
    lo = np.array([h["ci95"][0] for h in hist], float)
    hi = np.array([h["ci95"][1] for h in hist], float)
    ax.barh(y, p, color="#dde6f3", edgecolor="#9ab")
    ax.errorbar(p, y, xerr=[np.maximum(p - lo, 0), np.maximum(hi - p, 0)], fmt="o", color="#2c6fbb", capsize=3, ms=4)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("P(agrees with the record), Wilson 95%")
    cols = [q["column"] for q in s["sensitivity"] if q.get("prcc") is not None or q["dist"] != "choice"]
    M = np.full((len(hist), len(cols)), np.nan)
    for i, h in enumerate(hist):
        for d in h["drivers"]:
            if d["column"] in cols:
                M[i, cols.index(d["column"])] = d["prcc"]
    im = ax2.imshow(np.nan_to_num(M), cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax2.set_xticks(np.arange(len(cols)), [c if len(c) <= 22 else "…" + c[-21:] for c in cols], rotation=60,
                   ha="right", fontsize=7)
    ax2.set_yticks(y, labels, fontsize=7)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            if math.isfinite(M[i, j]) and abs(M[i, j]) >= 0.2:
                ax2.text(j, i, f"{M[i, j]:+.1f}", ha="center", va="center", fontsize=6)
    ax2.set_title("PRCC of each input with agreement (blank: undefined)", fontsize=8)
    fig.colorbar(im, ax=ax2, shrink=0.8)
    _save(fig, path)


def _save(fig, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def plot_sensitivity(s: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    sens = s["sensitivity"]
    n_panels = len(sens) + 1
    ncols = 3 if n_panels > 4 else 2
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.2 * nrows), layout="constrained")
    e = s["escape"]
    pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    fig.suptitle(f"{s['scenario']}: P(escape) = {pct(e['p'])} [{pct(e['ci95'][0])}, {pct(e['ci95'][1])}] "
                 f"(Wilson 95%), {e['n']} runs", fontsize=11)
    ax = fig.add_subplot(nrows, ncols, 1)
    names = [q["column"] for q in sens]
    vals = [np.nan if q["prcc"] is None else q["prcc"] for q in sens]
    y = np.arange(len(names))
    ax.barh(y, np.nan_to_num(vals), color=["#2c6fbb" if (v or 0) >= 0 else "#c0392b" for v in vals])
    ax.set_yticks(y, [n if len(n) <= 28 else "…" + n[-27:] for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("partial rank correlation with escape")
    ax.set_title("sensitivity (PRCC)", fontsize=9)
    for i, q in enumerate(sens, start=2):
        ax = fig.add_subplot(nrows, ncols, i)
        bins = q["bins"]
        if not bins:
            ax.set_axis_off()
            continue
        if "value" in bins[0]:
            xs = np.arange(len(bins))
            labels = [b["value"] if isinstance(b["value"], str) else f"{b['value']:g}" for b in bins]
            ax.set_xticks(xs, labels, fontsize=7)
        else:
            xs = np.array([(b["low"] + b["high"]) / 2 for b in bins])
            widths = np.array([b["high"] - b["low"] for b in bins])
            ax.bar(xs, [b["p"] for b in bins], width=widths * 0.95, color="#dde6f3", edgecolor="#9ab")
        p = np.array([b["p"] for b in bins], float)
        lo = np.array([b["ci95"][0] for b in bins], float)
        hi = np.array([b["ci95"][1] for b in bins], float)
        ax.errorbar(xs, p, yerr=[np.maximum(p - lo, 0), np.maximum(hi - p, 0)], fmt="o", color="#2c6fbb", capsize=3,
                    ms=4)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("P(escape)", fontsize=8)
        title = q["column"] if len(q["column"]) <= 40 else "…" + q["column"][-39:]
        rho = "n/a" if q["prcc"] is None else f"{q['prcc']:+.2f}"
        ax.set_title(f"{title}\nPRCC {rho}" + (" (coverage recomputed)" if q.get("affects_coverage") else ""),
                     fontsize=8)
        ax.tick_params(labelsize=7)
    _save(fig, path)


def plot_first_detection(s: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    sides = list(s["sides"])
    fig = Figure(figsize=(7.5, 2.6 * max(1, len(sides))), layout="constrained")
    fig.suptitle(f"{s['scenario']}: first detection of the intruder, per side ({s['runs_ok']} runs)", fontsize=10)
    for i, side in enumerate(sides, start=1):
        ax = fig.add_subplot(max(1, len(sides)), 1, i)
        t = np.array(s["first_detection_t_s"][side], float)
        det = t[np.isfinite(t)] / 60.0
        never = int((~np.isfinite(t)).sum())
        if det.size:
            ax.hist(det, bins=min(40, max(5, int(math.sqrt(det.size)) * 2)), color="#2c6fbb", alpha=0.85)
        ax.set_title(f"{side}: detected in {det.size} of {t.size} runs, never in {never}", fontsize=9)
        ax.set_xlabel("minutes after take-off (scenario epoch)")
        ax.set_ylabel("runs")
    _save(fig, path)


def write_summary(out: str | os.PathLike) -> tuple[dict, dict[str, Path]]:
    """Compute the summary of ``out`` and write the JSON and the two PNGs beside it."""
    paths = summary_paths(out)
    s = summarise(out)
    data: dict[str, Any] = {k: v for k, v in s.items() if k != "first_detection_t_s"}
    data["files"] = {k: p.name for k, p in paths.items()}
    _atomic_text(paths["json"], json.dumps(data, indent=1) + "\n")
    plot_sensitivity(s, paths["sensitivity"])
    plot_first_detection(s, paths["first_detection"])
    plot_history(s, paths["history"])
    return data, paths
