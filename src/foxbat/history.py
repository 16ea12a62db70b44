"""The simulation beside the record: each recorded event of the scenario's ``history`` set
against the first matching simulated event. This module reads a run into the comparison's
inputs and writes ``history.csv``; the judging (input / calibrated / predicted, tolerances,
where columns) is :mod:`foxbat.history_compare`."""

from __future__ import annotations

from pathlib import Path

from foxbat.history_compare import WHERE_COLUMNS, Context, compare_rows, summary_line


def context(res) -> Context:
    """The comparison's view of a run: epoch, zone, calibrations, what the scenario sets."""
    from foxbat.calibration import calibrated_quantities

    sc = res.scenario
    d = sc.defenders
    legs = sc.flight.route.legs
    silent = {s.name for s in d.sides
              if not any(r.operating for r in sc.radars if r.side == s.name)}
    return Context(
        epoch=res.epoch, local_tz_hours=d.local_tz_hours,
        calibrated=calibrated_quantities(sc.raw, sc.where, sc.name),
        intruder_id=d.intruder.id, starts_with_takeoff=bool(legs) and legs[0].kind == "takeoff",
        scripted_scramble={f.name: f.scramble.at_utc is not None for f in d.interceptors},
        flight_sides={f.name: f.side for f in d.interceptors},
        silent_sides=silent,
        places={r.name: (r.lat, r.lon) for r in sc.radars})


def compare(res) -> list[dict]:
    """One row per recorded event (the columns of :data:`COLUMNS`)."""
    return compare_rows(res.scenario.defenders.history, res.events, context(res))


def _where_columns() -> list[str]:
    out = []
    for q, (stem, unit) in WHERE_COLUMNS.items():
        out += [f"recorded_{q}", f"simulated_{q}", f"{stem}_tolerance_{unit}", f"{stem}_basis", f"{stem}_agreement"]
    return out


COLUMNS = (["id", "what", "basis", "recorded_local", "simulated_local", "difference_min", "tolerance_min",
            "agreement"] + _where_columns()
           + ["simulated", "why", "kind", "side", "note", "source", "tolerance_reasons"])


def write_history_csv(res, path) -> Path:
    from foxbat.atomic import write_text
    from foxbat.run_output import _csv

    rows = compare(res)
    path = Path(path)
    write_text(path, _csv(COLUMNS, ([r[c] for c in COLUMNS] for r in rows)))
    return path


def read_history_csv(path) -> list[dict]:
    """The rows of a written history.csv."""
    import csv

    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


__all__ = ["COLUMNS", "compare", "context", "read_history_csv", "summary_line", "write_history_csv"]
