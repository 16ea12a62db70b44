"""The record beside the simulation, judged: for each history row and each figure it
records (time, range, bearing, altitude, duration, fuel) the simulated value, its basis and,
for predictions only, whether it agrees.

Basis of a figure:

- ``input``: the scenario sets it (the intruder's take-off is the epoch; a scripted scramble
  time; "no detection" by a side whose radars are all switched off);
- ``calibrated``: a scenario or catalogue figure was fitted to it (``calibrated_to``, see
  foxbat.calibration);
- ``predicted``: everything else. Only these are judged ``agrees`` / ``disagrees`` (or
  ``not simulated`` when the simulation has no such event, which counts as a miss).

Everything here works on plain inputs (rows, events, a :class:`Context`) so that it can be
tested on synthetic results; :func:`foxbat.history.compare` builds them from a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from foxbat.calibration import ALL

INPUT, CALIBRATED, PREDICTED = "input", "calibrated", "predicted"
AGREES, DISAGREES, NOT_SIMULATED = "agrees", "disagrees", "not simulated"

# quantity -> (column stem, unit) of the where figures, in column order
WHERE_COLUMNS = {"range_km": ("range", "km"), "bearing_deg": ("bearing", "deg"), "alt_m": ("alt", "m"),
                 "duration_s": ("duration", "s"), "fuel_kg": ("fuel", "kg")}


@dataclass
class Context:
    """What the comparison needs to know about the run besides its events."""

    epoch: datetime
    local_tz_hours: float = 0.0
    calibrated: dict[str, set[str]] = field(default_factory=dict)   # row id -> quantities (or ALL)
    intruder_id: str | None = None
    starts_with_takeoff: bool = False           # the epoch is the intruder's brake release
    scripted_scramble: dict[str, bool] = field(default_factory=dict)  # flight name -> at_utc given
    flight_sides: dict[str, str] = field(default_factory=dict)       # flight name -> side
    silent_sides: set[str] = field(default_factory=set)              # sides whose radars are all off
    places: dict[str, tuple[float, float]] = field(default_factory=dict)  # radar name -> (lat, lon)


def local_to_t_s(ctx: Context, hhmm: str) -> float:
    """Seconds since the epoch of a local clock time on the epoch's local day."""
    parts = [int(x) for x in hhmm.split(":")]
    while len(parts) < 3:
        parts.append(0)
    local_epoch = ctx.epoch + timedelta(hours=ctx.local_tz_hours)
    day = datetime(local_epoch.year, local_epoch.month, local_epoch.day, tzinfo=local_epoch.tzinfo)
    when = day + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
    return (when - local_epoch).total_seconds()


def local_clock(ctx: Context, t_s: float) -> str:
    return (ctx.epoch + timedelta(seconds=t_s, hours=ctx.local_tz_hours)).strftime("%H:%M:%S")


def judge(difference: float, below: float, above: float) -> str:
    """``agrees`` when -below <= difference <= above (both edges agree)."""
    eps = 1e-9 * max(1.0, abs(below), abs(above))
    return AGREES if -below - eps <= difference <= above + eps else DISAGREES


def match_event(h, events: list[dict], ctx: Context) -> dict | None:
    """The first simulated event of the row's kind (side, actor) at or after ``after_local``."""
    after = local_to_t_s(ctx, h.after_local) if h.after_local else -1e18
    for e in events:
        if e["kind"] != h.kind or e["t_s"] < after:
            continue
        if h.side and e.get("side") != h.side:
            continue
        if h.actor and e.get("actor") != h.actor:
            continue
        return e
    return None


def basis(h, quantity: str, ctx: Context, match: dict | None) -> str:
    """input / calibrated / predicted of one recorded figure of a row ('none' for expect_none)."""
    if quantity == "time" and h.kind == "takeoff" and ctx.starts_with_takeoff and h.actor == ctx.intruder_id:
        return INPUT
    if quantity == "time" and h.kind == "scramble":
        flights = [match["actor"]] if match is not None else [
            f for f, s in ctx.flight_sides.items() if (h.side is None or s == h.side) and (h.actor in (None, f))]
        if flights and all(ctx.scripted_scramble.get(f, False) for f in flights):
            return INPUT
    if quantity == "none" and h.kind == "detection" and h.side in ctx.silent_sides:
        return INPUT
    fitted = ctx.calibrated.get(h.id, set())
    if ALL in fitted or quantity in fitted:
        return CALIBRATED
    return PREDICTED


def _place(p, ctx: Context) -> tuple[float, float] | None:
    if p.radar is not None:
        return ctx.places.get(p.radar)
    return (p.lat, p.lon)


def _range_bearing(place: tuple[float, float], e: dict) -> tuple[float, float]:
    from pyproj import Geod

    az, _, dist = Geod(ellps="WGS84").inv(place[1], place[0], e["lon"], e["lat"])
    return dist / 1000.0, az % 360.0


def _simulated(h, q: str, match: dict, events: list[dict], matches: dict, ctx: Context) -> float | None:
    if q == "alt_m":
        return match.get("alt_msl_m")
    if q == "fuel_kg":
        return match.get("fuel_kg")
    if q in ("range_km", "bearing_deg"):
        rec = getattr(h, q)
        place = _place(rec.from_, ctx)
        if place is None or match.get("lat") is None:
            return None
        rng, brg = _range_bearing(place, match)
        return rng if q == "range_km" else brg
    if q == "duration_s":
        d = h.duration_s
        if d.since is not None:
            if d.since == "epoch":
                return match["t_s"]
            other = matches.get(d.since)
            return None if other is None else match["t_s"] - other["t_s"]
        for e in events:
            if e["kind"] == d.event and e.get("actor") == match.get("actor") and e["t_s"] >= match["t_s"]:
                return float(e["duration_s"]) if e.get("duration_s") is not None else e["t_s"] - match["t_s"]
        return None
    raise ValueError(q)


def _fmt(v: float | None, q: str) -> str:
    if v is None:
        return ""
    if q == "range_km" and abs(v) < 10:
        return f"{v:.3f}"
    return f"{v:.0f}"


def compare_rows(history: list, events: list[dict], ctx: Context) -> list[dict]:
    """One dict per history row: the columns of history.csv (foxbat.history.COLUMNS)."""
    matches = {h.id: (None if h.expect_none else match_event(h, events, ctx)) for h in history}
    rows = []
    for h in history:
        match = match_event(h, events, ctx) if h.expect_none else matches[h.id]
        row = {"id": h.id, "what": h.what, "kind": h.kind, "side": h.side or "", "source": h.source,
               "note": h.note or "", "recorded_local": "", "simulated_local": "", "difference_min": "",
               "tolerance_min": "", "basis": "", "agreement": "", "simulated": "", "why": ""}
        reasons = []
        bases = []
        if h.expect_none:
            b = basis(h, "none", ctx, match)
            bases.append(b)
            row["recorded_local"] = "none"
            if match is not None:
                row["simulated_local"] = local_clock(ctx, match["t_s"])
                row["simulated"] = str(match["actor"])
            if b == PREDICTED:
                row["agreement"] = AGREES if match is None else DISAGREES
        if h.time_local is not None:
            b = basis(h, "time", ctx, match)
            bases.append(b)
            rec_t = local_to_t_s(ctx, h.time_local)
            row["recorded_local"] = h.time_local
            row["tolerance_min"] = h.tolerance_min.text()
            reasons.append(f"time: {h.tolerance_min.reason} {h.tolerance_min.source}")
            if match is not None:
                diff = (match["t_s"] - rec_t) / 60.0
                row["simulated_local"] = local_clock(ctx, match["t_s"])
                row["difference_min"] = f"{diff:+.1f}"
                if b == PREDICTED:
                    row["agreement"] = judge(diff, h.tolerance_min.below, h.tolerance_min.above)
            elif b == PREDICTED:
                row["agreement"] = NOT_SIMULATED
        for q, (stem, unit) in WHERE_COLUMNS.items():
            rec = getattr(h, q)
            for col in (f"recorded_{q}", f"simulated_{q}", f"{stem}_tolerance_{unit}", f"{stem}_basis",
                        f"{stem}_agreement"):
                row[col] = ""
            if rec is None:
                continue
            b = basis(h, q, ctx, match)
            bases.append(b)
            row[f"recorded_{q}"] = f"{rec.value:g}"
            row[f"{stem}_tolerance_{unit}"] = rec.text()
            row[f"{stem}_basis"] = b
            reasons.append(f"{stem}: {rec.reason} {rec.source}")
            sim = _simulated(h, q, match, events, matches, ctx) if match is not None else None
            row[f"simulated_{q}"] = _fmt(sim, q)
            if b != PREDICTED:
                continue
            if sim is None:
                row[f"{stem}_agreement"] = NOT_SIMULATED
                continue
            diff = sim - rec.value
            if q == "bearing_deg":
                diff = (diff + 180.0) % 360.0 - 180.0
            row[f"{stem}_agreement"] = judge(diff, rec.below, rec.above)
        row["basis"] = bases[0] if bases else ""
        row["tolerance_reasons"] = "; ".join(reasons)
        if match is not None and not h.expect_none:
            row["simulated"] = _detail(match)
        judged = [row["agreement"]] + [row[f"{s}_agreement"] for s, _ in WHERE_COLUMNS.values()]
        if any(j in (DISAGREES, NOT_SIMULATED) for j in judged) or (match is None and not h.expect_none):
            row["why"] = h.if_differs or ""
        rows.append(row)
    return rows


def _detail(match: dict) -> str:
    detail = [str(match["actor"])]
    for key in ("radar", "duration_s", "since_last_detection_s", "overrun_m", "fuel_kg"):
        if match.get(key) is not None:
            v = match[key]
            detail.append(f"{key}={v:.0f}" if isinstance(v, float) else f"{key}={v}")
    if match.get("alt_msl_m") is not None:
        detail.append(f"alt {match['alt_msl_m']:.0f} m")
    return " ".join(detail)


def judgements(rows: list[dict]) -> list[tuple[str, str, str]]:
    """(row id, figure, agreement) of every judged (predicted) figure of the compared rows."""
    out = []
    for r in rows:
        if r["agreement"]:
            out.append((r["id"], "none" if r["recorded_local"] == "none" else "time", r["agreement"]))
        for q, (stem, _) in WHERE_COLUMNS.items():
            if r.get(f"{stem}_agreement"):
                out.append((r["id"], q, r[f"{stem}_agreement"]))
    return out


def summary_line(rows: list[dict]) -> str:
    """'predicted: k of n within tolerance (... input, ... calibrated figures not judged)'."""
    judged = judgements(rows)
    k = sum(1 for *_, a in judged if a == AGREES)
    counts = {INPUT: 0, CALIBRATED: 0}
    for r in rows:
        figs = [r["basis"]] if r["recorded_local"] else []   # the time's (or the non-event's) basis
        figs += [r[f"{s}_basis"] for s, _ in WHERE_COLUMNS.values() if r.get(f"{s}_basis")]
        for b in figs:
            if b in counts:
                counts[b] += 1
    return (f"predicted: {k} of {len(judged)} within tolerance "
            f"({counts[INPUT]} input and {counts[CALIBRATED]} calibrated figures are not judged)")
