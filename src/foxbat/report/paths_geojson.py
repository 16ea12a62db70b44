"""GeoJSON (RFC 7946, WGS84 lon/lat) of a run: flown paths, tracks and events.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.paths_geojson import write_paths_geojson
>>> write_paths_geojson(read_run("runs/belenko"), "runs/belenko/paths.geojson")  # doctest: +SKIP

Positions are [lon, lat, alt_msl_m]. Each aircraft is a LineString (properties: kind
"aircraft", aircraft, side, type, role, t_start_utc, t_end_utc and, per vertex, ``t_s``),
each track a LineString (kind "track"), each event with a position a Point (kind "event",
plus the event's own fields). A track whose altitude is unknown (2-D radars only) has
[lon, lat] positions and the property ``altitude: "unknown"``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from foxbat.atomic import write_text
from foxbat.report.run_folder import RunData


def _coords(lon, lat, alt=None):
    """[lon, lat, alt] positions, or [lon, lat] without ``alt``."""
    if alt is None:
        return [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lon, lat)
                if math.isfinite(x) and math.isfinite(y)]
    return [[round(float(x), 6), round(float(y), 6), round(float(z), 1)] for x, y, z in zip(lon, lat, alt)
            if math.isfinite(x) and math.isfinite(y)]


def _iso(run: RunData, t_s: float) -> str:
    return run.utc(t_s).strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def paths_geojson(run: RunData) -> dict:
    """The FeatureCollection as a dict."""
    feats = []
    for aid, tr in run.aircraft.items():
        feats.append({"type": "Feature",
                      "geometry": {"type": "LineString", "coordinates": _coords(tr.lon, tr.lat, tr.alt_msl_m)},
                      "properties": {"kind": "aircraft", "aircraft": aid, "side": tr.side, "type": tr.type,
                                     "role": tr.role, "color": run.side_color(tr.side),
                                     "t_start_utc": _iso(run, tr.t_s[0]), "t_end_utc": _iso(run, tr.t_s[-1]),
                                     "t_s": [round(float(t), 3) for t in tr.t_s]}})
    for (side, tid), tk in run.tracks.items():
        known = all(math.isfinite(a) for a in tk.alt_msl_m)
        coords = _coords(tk.lon, tk.lat, tk.alt_msl_m if known else None)
        geom = ({"type": "LineString", "coordinates": coords} if len(coords) > 1
                else {"type": "Point", "coordinates": coords[0]} if coords else None)
        feats.append({"type": "Feature", "geometry": geom,
                      "properties": {"kind": "track", "side": side, "track_id": tid, "target": tk.target,
                                     "color": run.side_color(side), "altitude": "known" if known else "unknown",
                                     "t_start_utc": _iso(run, tk.t_s[0]),
                                     "t_end_utc": _iso(run, tk.t_s[-1]),
                                     "t_s": [round(float(t), 3) for t in tk.t_s]}})
    for ev in run.events:
        if ev["lat"] is None or ev["lon"] is None:
            continue
        pos = [round(float(ev["lon"]), 6), round(float(ev["lat"]), 6)]
        if ev["alt_msl_m"] is not None:
            pos.append(round(float(ev["alt_msl_m"]), 1))
        props = {"kind": "event", "event": ev["kind"]}
        props.update({k: v for k, v in ev.items() if k not in ("lat", "lon", "alt_msl_m", "kind")})
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": pos}, "properties": props})
    return {"type": "FeatureCollection", "name": run.title, "features": feats}


def write_paths_geojson(run: RunData, path: str | os.PathLike) -> Path:
    """Write the paths, tracks and events as GeoJSON to ``path`` (atomically); return the path."""
    return write_text(path, json.dumps(paths_geojson(run), separators=(",", ":"), allow_nan=False))
