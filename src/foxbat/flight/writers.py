"""Trajectory outputs: CSV, GeoJSON and an events JSON, each written atomically."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from foxbat.atomic import write_bytes
from foxbat.flight import layout as L
from foxbat.flight.trajectory import COLUMNS, Trajectory

# column name -> decimals in the CSV
CSV_FORMAT = {
    "t_s": 3, "lat_deg": 6, "lon_deg": 6, "alt_msl_m": 1, "ground_msl_m": 1, "height_agl_m": 1, "tas_mps": 2,
    "gs_mps": 2, "heading_deg": 2, "climb_mps": 2, "load_factor": 3, "fuel_kg": 2, "mass_kg": 1, "mach": 4,
    "fuel_flow_kg_s": 4,
}


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 6)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.floating, np.integer)):
        return _clean(v.item())
    return v


def _utc_text(traj: Trajectory, t_s: float) -> str | None:
    u = traj.utc(t_s)
    return None if u is None else u.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4] + "Z"


def trajectory_csv(traj: Trajectory) -> str:
    """The trajectory as CSV text, one row per step."""
    buf = io.StringIO()
    names = list(CSV_FORMAT)
    head = ["t_s"] + (["utc"] if traj.epoch_utc is not None else []) + names[1:] + ["leg", "leg_label", "phase"]
    buf.write(",".join(head) + "\n")
    leg_rows = traj.data[:, L.C_LEG].astype(int)
    for i in range(len(traj)):
        row = traj.data[i]
        cells = [f"{row[COLUMNS['t_s']]:.3f}"]
        if traj.epoch_utc is not None:
            cells.append(_utc_text(traj, row[COLUMNS["t_s"]]) or "")
        for n in names[1:]:
            v = row[COLUMNS[n]]
            cells.append("" if not np.isfinite(v) else f"{v:.{CSV_FORMAT[n]}f}")
        k = leg_rows[i]
        cells.append(str(traj.route.numbers[k]))
        cells.append('"' + traj.route.labels[k].replace('"', "'") + '"')
        cells.append(L.PHASE_NAMES.get(int(row[L.C_PHASE]), "?"))
        buf.write(",".join(cells) + "\n")
    return buf.getvalue()


def summary(traj: Trajectory) -> dict[str, Any]:
    """Headline figures of a flight."""
    t = traj["t_s"]
    fuel = traj["fuel_kg"]
    kinds = np.array(traj.route.kinds)[traj.data[:, L.C_LEG].astype(int)]
    en_route = (traj["phase"] == L.PH_AIR) & (kinds != "takeoff") & (kinds != "land")
    out: dict[str, Any] = {
        "outcome": traj.outcome,
        "duration_s": float(t[-1] - t[0]),
        "fuel_start_kg": float(fuel[0]),
        "fuel_end_kg": float(fuel[-1]),
        "fuel_used_kg": traj.fuel_used_kg,
        "mean_fuel_flow_kg_h": traj.fuel_used_kg / max(t[-1] - t[0], 1e-9) * 3600.0,
        # en route only: terrain checks are suspended on take-off and landing legs
        "min_height_agl_en_route_m": float(np.nanmin(traj["height_agl_m"][en_route])) if en_route.any() else None,
        "clearance_violations": len(traj.events_named("clearance_violation")),
    }
    for kind in ("touchdown", "stopped", "fuel_exhausted", "crash"):
        ev = traj.events_named(kind)
        if ev:
            out[kind] = ev[0]
    return out


def events_document(traj: Trajectory, scenario_name: str) -> dict[str, Any]:
    from foxbat.aircraft.catalogue import notional_figures

    sc = traj.scenario
    events = []
    for e in traj.events:
        e2 = dict(e)
        u = _utc_text(traj, e["t_s"])
        if u:
            e2["utc"] = u
        events.append(e2)
    legs_notional = [{"leg": i + 1, "kind": leg.kind, "reason": leg.body.reason}
                     for i, leg in enumerate(sc.route.legs) if getattr(leg.body, "notional", False)]
    return _clean({
        "scenario": scenario_name,
        "name": sc.name,
        "title": sc.title,
        "epoch_utc": None if sc.epoch_utc is None else sc.epoch_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aircraft": traj.aircraft.name,
        "dem": traj.grid.name,
        "step_s": traj.route.step_s,
        "summary": summary(traj),
        "events": events,
        "notional": {
            "aircraft": [{"field": f, "reason": r} for f, r in notional_figures(traj.aircraft.spec)],
            "route_legs": legs_notional,
        },
    })


def trajectory_geojson(traj: Trajectory, scenario_name: str) -> dict[str, Any]:
    """The track as a LineString (lon, lat, alt MSL) and the events as Points."""
    lon = traj["lon_deg"]
    lat = traj["lat_deg"]
    alt = traj["alt_msl_m"]
    coords = [[round(float(a), 6), round(float(b), 6), round(float(c), 1)] for a, b, c in zip(lon, lat, alt)]
    feats: list[dict[str, Any]] = [{
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"kind": "track", "scenario": scenario_name, "aircraft": traj.aircraft.name,
                       "t_start_s": float(traj["t_s"][0]), "t_end_s": float(traj["t_s"][-1]),
                       **{k: v for k, v in summary(traj).items() if not isinstance(v, dict)}},
    }]
    for e in traj.events:
        props = {k: v for k, v in e.items() if k not in ("lat_deg", "lon_deg")}
        u = _utc_text(traj, e["t_s"])
        if u:
            props["utc"] = u
        feats.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [e["lon_deg"], e["lat_deg"], e["alt_msl_m"]]},
                      "properties": props})
    return _clean({"type": "FeatureCollection", "features": feats})


def write_outputs(traj: Trajectory, out_dir: Path, scenario_name: str, plot: bool = True) -> list[Path]:
    """Write trajectory.csv, trajectory.geojson, events.json and profile.png into out_dir."""
    out_dir = Path(out_dir)
    written = []
    p = out_dir / "trajectory.csv"
    write_bytes(p, trajectory_csv(traj).encode())
    written.append(p)
    p = out_dir / "trajectory.geojson"
    write_bytes(p, (json.dumps(trajectory_geojson(traj, scenario_name), separators=(",", ":")) + "\n").encode())
    written.append(p)
    p = out_dir / "events.json"
    write_bytes(p, (json.dumps(events_document(traj, scenario_name), indent=1, ensure_ascii=False) + "\n")
                       .encode())
    written.append(p)
    if plot:
        from foxbat.flight.plot import profile_png

        p = out_dir / "profile.png"
        write_bytes(p, profile_png(traj, scenario_name))
        written.append(p)
    return written
