"""The simulation beside the record: each recorded event of the scenario's ``history``
set against the first matching simulated event, with the difference in minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path


def _local_to_t_s(res, hhmm: str) -> float:
    d = res.scenario.defenders
    parts = [int(x) for x in hhmm.split(":")]
    while len(parts) < 3:
        parts.append(0)
    local_epoch = res.epoch + timedelta(hours=d.local_tz_hours)
    day = datetime(local_epoch.year, local_epoch.month, local_epoch.day, tzinfo=local_epoch.tzinfo)
    when = day + timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
    return (when - local_epoch).total_seconds()


def _local(res, t_s: float) -> str:
    d = res.scenario.defenders
    return (res.epoch + timedelta(seconds=t_s, hours=d.local_tz_hours)).strftime("%H:%M:%S")


def compare(res) -> list[dict]:
    """One row per recorded event."""
    rows = []
    for h in res.scenario.defenders.history:
        after = _local_to_t_s(res, h.after_local) if h.after_local else -1e18
        match = None
        for e in res.events:
            if e["kind"] != h.kind or e["t_s"] < after:
                continue
            if h.side and e["side"] != h.side:
                continue
            if h.actor and e["actor"] != h.actor:
                continue
            match = e
            break
        rec_t = _local_to_t_s(res, h.time_local) if h.time_local else None
        row = {"what": h.what, "kind": h.kind, "side": h.side or "",
               "recorded_local": h.time_local or "", "simulated_local": "", "difference_min": "",
               "agreement": "not simulated", "simulated": "", "why": "", "source": h.source}
        if h.expect_none:
            row["recorded_local"] = "none"
            row["agreement"] = "agrees" if match is None else "disagrees"
            if match is not None:
                row["simulated_local"] = _local(res, match["t_s"])
                row["simulated"] = str(match["actor"])
        elif match is not None:
            row["simulated_local"] = _local(res, match["t_s"])
            detail = [str(match["actor"])]
            for key in ("radar", "duration_s", "since_last_detection_s", "overrun_m", "fuel_kg"):
                if match.get(key) is not None:
                    v = match[key]
                    detail.append(f"{key}={v:.0f}" if isinstance(v, float) else f"{key}={v}")
            alt = match.get("alt_msl_m")
            if alt is not None:
                detail.append(f"alt {alt:.0f} m")
            row["simulated"] = " ".join(detail)
            if rec_t is not None:
                diff = (match["t_s"] - rec_t) / 60.0
                row["difference_min"] = f"{diff:+.1f}"
                row["agreement"] = "agrees" if abs(diff) <= h.tolerance_min else "disagrees"
        if row["agreement"] != "agrees":
            row["why"] = h.if_differs or ""
        row["note"] = h.note or ""
        rows.append(row)
    return rows


COLUMNS = ["what", "recorded_local", "simulated_local", "difference_min", "agreement", "simulated", "why",
           "kind", "side", "note", "source"]


def write_history_csv(res, path) -> Path:
    from foxbat.atomic import write_text
    from foxbat.run_output import _csv

    rows = compare(res)
    path = Path(path)
    write_text(path, _csv(COLUMNS, ([r[c] for c in COLUMNS] for r in rows)))
    return path
