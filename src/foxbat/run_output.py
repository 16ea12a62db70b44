"""Write a run's results as the run folder (docs/run-output.md), atomically per file."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from datetime import timedelta
from pathlib import Path

import numpy as np

from foxbat.atomic import write_text
from foxbat.sim import RunResult, _iso


def _num(v):
    """Numbers as short, stable text (same run, same bytes)."""
    fmt = _TEXT.get(type(v))
    return fmt(v) if fmt is not None else _num_any(v)


def _num_any(v):
    """:func:`_num` of a value of any type (subclasses included)."""
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _float_text(v)
    return str(v)


def _float_text(v) -> str:
    f = float(v)
    return "" if f != f else f"{f:.10g}"  # NaN: empty; infinities: "inf", "-inf"


def _int_text(v) -> str:
    return str(int(v))


def _bool_text(v) -> str:
    return "true" if v else "false"


# the exact types the run folder's cells hold, each sent straight to its branch of
# _num_any (about 240,000 cells in the flagship's CSVs: the isinstance chain cost 0.2 s)
_TEXT = {float: _float_text, np.float64: _float_text, np.float32: _float_text,
         int: _int_text, np.int64: _int_text, np.int32: _int_text,
         bool: _bool_text, np.bool_: _bool_text, str: str, type(None): lambda v: ""}


def _csv(header: list[str], rows) -> str:
    """A CSV of rows of values (each cell :func:`_num`)."""
    return _csv_text(header, ([_num(v) for v in row] for row in rows))


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return None if not math.isfinite(f) else float(f"{f:.10g}")
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def trajectory_columns(res: RunResult) -> list[list[str]]:
    """The columns of trajectories.csv, the intruder's rows then each interceptor's, each
    cell as its text (:func:`_texts`)."""
    d = res.scenario.defenders
    tr = res.intruder
    ac_type = res.intruder.aircraft.name  # the type name, also where the scenario gives a file
    cols = ("t_s", "lat_deg", "lon_deg", "alt_msl_m", "height_agl_m", "tas_mps", "gs_mps", "heading_deg",
            "climb_mps", "load_factor", "fuel_kg", "mass_kg")
    flights = [((d.intruder.id, d.intruder.side, ac_type), [tr[c] for c in cols])]
    keys = ("t_s", "lat", "lon", "alt_msl_m", "height_agl_m", "tas_mps", "ground_speed_mps", "heading_deg",
            "climb_rate_mps", "load_factor", "fuel_kg", "mass_kg")
    flights += [((f.id, f.side, f.type), [f.columns[k] for k in keys]) for f in res.interceptors]
    out: list[list] = [[] for _ in range(5 + len(cols) - 1)]
    for names, arrs in flights:
        n = len(arrs[0])
        for j, v in enumerate(names):
            out[j] += [_num(v)] * n
        out[3] += _texts(arrs[0])
        out[4] += _utc_texts(res.epoch, arrs[0])
        for j, a in enumerate(arrs[1:], start=5):
            out[j] += _texts(a)
    return out


_FLOATS = (float, np.float64)  # format(v, ".10g") of either is that of float(v)


def _texts(col) -> list[str]:
    """:func:`_num` of each value of ``col``; a float array at once (106,000 cells of the
    flagship's trajectories.csv)."""
    if isinstance(col, np.ndarray) and col.dtype.kind == "f":
        col = col.tolist()
    elif not all(type(v) in _FLOATS for v in col):
        return [_num(v) for v in col]
    return [("" if f != f else f"{f:.10g}") for f in col]


def _utc_texts(epoch, ts) -> list[str]:
    """sim._iso(epoch, t) of each t: the same text, from datetime.isoformat (a third of
    strftime's time; 10,600 times in the flagship's folder); strftime below year 1000."""
    base = epoch.replace(tzinfo=None)  # the same clock fields (the sum ignores the zone)
    out = []
    for t in ts.tolist() if isinstance(ts, np.ndarray) else ts:
        d = base + timedelta(seconds=float(t))
        out.append(d.isoformat(timespec="milliseconds") + "Z" if d.year >= 1000 else _iso(epoch, t))
    return out


def _csv_text(header: list[str], rows) -> str:
    """A CSV of rows of cells already turned into text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _look_rows(res: RunResult) -> tuple[list, list]:
    """The rows of looks.csv and of detections.csv, in their order, as text."""
    d = res.scenario.defenders
    looks, dets = [], []  # (t_s, radar, cells): sorted on the first two (stable)
    for lk in res.looks:
        nan = np.full(lk.t_s.shape, np.nan)
        f_db = _texts(lk.f_db if lk.f_db is not None else nan)
        pat = _texts(lk.pattern_db if lk.pattern_db is not None else nan)
        t = lk.t_s.tolist()
        t_txt = _texts(lk.t_s)
        pd = _texts(lk.pd)
        side, radar, target = _num(lk.side), _num(lk.radar), _num(lk.target)
        snr_finite = _texts(np.where(np.isfinite(lk.snr_db), lk.snr_db, np.nan))  # not finite: empty
        looks += [(ti, lk.radar, (tt, side, radar, target, vis, snr, p, det, f, pt))
                  for ti, tt, vis, snr, p, det, f, pt in zip(
                      t, t_txt, map(_bool_text, lk.visible.tolist()), snr_finite, pd,
                      map(_bool_text, lk.detected.tolist()), f_db, pat)]
        hit = np.flatnonzero(lk.detected)
        if hit.size:
            cols = [_texts(a[hit]) for a in (lk.range_m, lk.azimuth_deg, lk.elevation_deg, lk.snr_db, lk.lat,
                                              lk.lon, lk.alt_msl_m)]
            th = [t[i] for i in hit.tolist()]
            for i, ti, utc, rng, az, el, snr, lat, lon, alt in zip(hit.tolist(), th, _utc_texts(res.epoch, th),
                                                                  *cols):
                dets.append((ti, lk.radar, (t_txt[i], utc, side, radar, target, rng, az, el, snr, pd[i], lat, lon,
                                            alt, "false", f_db[i], pat[i])))
    for (t, side, radar_name, fa_lat, fa_lon) in res.false_alarms:
        dets.append((t, radar_name, [_num(v) for v in (t, _iso(res.epoch, t), side, radar_name, None, None, None,
                                                       None, None, None, fa_lat, fa_lon, None, True, None, None)]))
    for f in res.interceptors:
        radar = f"{f.id} radar"
        for (t, vis, snr, pd, hit, *path) in f.looks:
            f_db, pat = path if path else (None, None)
            looks.append((t, radar, [_num(v) for v in (t, f.side, radar, d.intruder.id, vis,
                                                       snr if math.isfinite(snr) else None, pd, hit, f_db, pat)]))
    looks.sort(key=lambda r: (r[0], r[1]))
    dets.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in looks], [r[2] for r in dets]


def write_run_folder(res: RunResult, out_dir: str | os.PathLike) -> list[Path]:
    """Write every file of the run folder; returns their paths."""
    from foxbat.coverage.engine import Coverage
    from foxbat.coverage.raster_io import write_float_raster

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name, text):
        p = out / name
        write_text(p, text)
        written.append(p)

    put("run.json", json.dumps(_clean(run_meta(res)), indent=1, sort_keys=False) + "\n")
    keys = ("t_utc", "t_s", "side", "kind", "actor", "target", "lat", "lon", "alt_msl_m")
    lines = []
    for e in res.events:
        ordered = {k: e.get(k) for k in keys}
        ordered.update({k: v for k, v in e.items() if k not in ordered})
        lines.append(json.dumps(_clean(ordered), separators=(",", ":")))
    put("events.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    put("trajectories.csv", _csv_text(
        ["aircraft", "side", "type", "t_s", "t_utc", "lat", "lon", "alt_msl_m", "height_agl_m", "tas_mps",
         "ground_speed_mps", "heading_deg", "climb_rate_mps", "load_factor", "fuel_kg", "mass_kg"],
        zip(*trajectory_columns(res))))
    look_rows, det_rows = _look_rows(res)
    put("detections.csv", _csv_text(["t_s", "t_utc", "side", "radar", "target", "range_m", "azimuth_deg",
                                     "elevation_deg", "snr_db", "pd", "lat", "lon", "alt_msl_m", "false_alarm", "f_db",
                                     "pattern_db"], det_rows))
    put("looks.csv", _csv_text(["t_s", "side", "radar", "target", "visible", "snr_db", "pd", "detected", "f_db",
                                "pattern_db"], look_rows))
    track_rows = []
    for side, tr in res.tracking.items():
        for rec in tr.tracks:
            for s in rec.states:
                if s.confirmed:
                    track_rows.append([side, rec.track_id, rec.target, s.t_s, _iso(res.epoch, s.t_s), s.lat_deg,
                                       s.lon_deg, s.alt_msl_m, s.vel_east_mps, s.vel_north_mps, s.vel_up_mps,
                                       s.sigma_horiz_m])
    put("tracks.csv", _csv(["side", "track_id", "target", "t_s", "t_utc", "lat", "lon", "alt_msl_m", "vel_e_mps",
                            "vel_n_mps", "vel_u_mps", "sigma_pos_m"], track_rows))
    radars = [{"name": r.name, "side": r.side, "type": r.rtype.name, "lat": r.lat_deg, "lon": r.lon_deg,
               "antenna_msl_m": r.antenna_msl_m, "max_range_m": r.max_range_m, "airborne": False} for r in res.radars]
    put("radars.json", json.dumps(_clean(radars), indent=1) + "\n")
    for side, arr in res.side_coverage.items():
        cov = Coverage(res.dem, [], res.scenario.defenders.k, arr)
        p = out / f"coverage_{side}.tif"
        write_float_raster(p, cov, [(arr, "lowest_visible_height_agl_m")],
                           {"SIDE": side, "UNITS": "metres above ground", "SOFTWARE": "foxbat run"})
        written.append(p)
    return written


def run_meta(res: RunResult) -> dict:
    sc = res.scenario
    d = sc.defenders
    notional = []
    for r in sc.radars:
        if r.notional:
            notional.append({"what": f"radars[{r.name}]", "reason": r.reason})
    if d.intruder.rcs_m2.notional:
        notional.append({"what": "intruder.rcs_m2", "reason": d.intruder.rcs_m2.reason})
    for f in d.interceptors:
        if f.notional:
            notional.append({"what": f"interceptors[{f.name}]", "reason": f.reason})
    if d.weather.notional:
        notional.append({"what": "weather", "reason": d.weather.reason})
    for s in d.sides:
        if s.airspace is not None and s.airspace.notional:
            notional.append({"what": f"sides[{s.name}].airspace", "reason": s.airspace.reason})
    for leg in sc.flight.route.legs if hasattr(sc.flight.route, "legs") else []:
        body = getattr(leg, "model_dump", lambda: {})()
        for v in body.values():
            if isinstance(v, dict) and v.get("notional"):
                notional.append({"what": f"route leg {v.get('label') or ''}".strip(), "reason": v.get("reason")})
    aircraft = [{"id": d.intruder.id, "side": d.intruder.side, "type": res.intruder.aircraft.name, "role": "intruder"}]
    aircraft += [{"id": f.id, "side": f.side, "type": f.type, "role": "interceptor"} for f in res.interceptors]
    return {
        "scenario": sc.name, "title": d.title or sc.flight.title, "epoch_utc": d.epoch_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": res.seed, "local_tz_hours": d.local_tz_hours, "local_tz_name": d.local_tz_name,
        "dem": sc.flight.dem or "builtin", "k": d.k,
        "sides": [{"name": s.name, "color": s.color, "local_tz_hours": d.side_clock(s.name)[0],
                   "local_tz_name": d.side_clock(s.name)[1]} for s in d.sides],
        "aircraft": aircraft, "notional": notional, "calibrated": _calibrated(res),
        "low_level_height_m": res.low_level_height_m,
        "warnings": res.warnings, "summary": summary(res),
    }


def _calibrated(res: RunResult) -> list[dict]:
    """Every figure of the scenario or of its catalogue types fitted to one of its history rows."""
    from foxbat.calibration import calibrations_by_row

    sc = res.scenario
    return [{"figure": c.field.removesuffix(".calibrated_to"), "file": c.where,
             "fitted_to": c.row + (f".{c.quantity}" if c.quantity else "")}
            for c in calibrations_by_row(sc.raw, sc.where, sc.name)]


def summary(res: RunResult) -> dict:
    """Who saw whom when, track spans and gaps, interception outcome, fuel at landing."""
    d = res.scenario.defenders
    out: dict = {"sides": {}, "interceptors": {}}
    for side, tr in res.tracking.items():
        first = next((e["t_s"] for e in res.events if e["kind"] == "detection" and e["side"] == side), None)
        spans = [(rec.confirmed_t_s, rec.lost_t_s if rec.lost_t_s is not None else rec.last_detection_t_s)
                 for rec in tr.tracks if rec.target == d.intruder.id]
        held = sum(b - a for a, b in spans)
        out["sides"][side] = {"first_detection_t_s": first, "track_spans_s": spans, "time_tracked_s": held,
                              "n_tracks": len(spans)}
    for f in res.interceptors:
        kinds = [e["kind"] for e in f.events]
        contact = sum(e.get("duration_s") or 0 for e in f.events if e["kind"] == "contact_lost")
        out["interceptors"][f.id] = {"contact_s": contact, "visual": "visual" in kinds,
                                     "intercept": "intercept" in kinds, "bingo": "bingo" in kinds,
                                     "fuel_end_kg": f.columns["fuel_kg"][-1] if f.columns["fuel_kg"] else None}
    stopped = res.intruder.events_named("stopped")
    out["intruder"] = {"outcome": res.intruder.outcome, "fuel_end_kg": float(res.intruder["fuel_kg"][-1]),
                       "overrun_m": stopped[0].get("overrun_m") if stopped else None,
                       "intercepted": any(v["intercept"] for v in out["interceptors"].values())}
    return out
