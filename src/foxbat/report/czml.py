"""CZML (Cesium) of a run: a clock, each aircraft as a time-sampled entity, radars, tracks, events.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.czml import write_czml
>>> write_czml(read_run("runs/belenko"), "runs/belenko/flight.czml")  # doctest: +SKIP

The first packet is the document (``id: "document"``, ``version: "1.0"``, a clock over
the run). Aircraft positions are ``cartographicDegrees`` samples [t, lon, lat, alt_msl_m,
...] with ``t`` in seconds since the packet's ``epoch`` (the aircraft's first time). The
heights are the run's MSL altitudes; Cesium reads them as heights above the ellipsoid
(the geoid differs by some tens of metres). A track whose altitude is unknown (2-D radars
only; empty in ``tracks.csv``) is placed on the ground (height 0, its point clamped to
the terrain) and says so in its description: no height is made up for it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from foxbat.atomic import write_text
from foxbat.report.kml import UNKNOWN_ALT_NOTE
from foxbat.report.run_folder import RunData


def _rgba(colour: str, alpha: int = 255) -> list[int]:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha]


def _iso(run: RunData, t_s: float) -> str:
    d = run.utc(t_s)
    frac = f"{d.microsecond / 1e6:.3f}"[1:] if d.microsecond else ""
    return d.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def _samples(t0, t_s, lon, lat, alt) -> list[float]:
    out: list[float] = []
    for t, x, y, z in zip(t_s, lon, lat, alt):
        out += [round(float(t - t0), 3), round(float(x), 6), round(float(y), 6), round(float(z), 1)]
    return out


def czml_packets(run: RunData, multiplier: float = 60.0) -> list[dict]:
    """The CZML document as a list of packets."""
    t0, t1 = run.t_range()
    interval = f"{_iso(run, t0)}/{_iso(run, t1)}"
    packets: list[dict] = [{
        "id": "document", "name": run.title, "version": "1.0",
        "clock": {"interval": interval, "currentTime": _iso(run, t0), "multiplier": multiplier,
                  "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"},
    }]
    for aid, tr in run.aircraft.items():
        a0 = float(tr.t_s[0])
        col = _rgba(run.side_color(tr.side))
        packets.append({
            "id": f"aircraft/{aid}", "name": aid,
            "description": f"{tr.type}, {tr.side}" + (f", {tr.role}" if tr.role else ""),
            "availability": f"{_iso(run, a0)}/{_iso(run, float(tr.t_s[-1]))}",
            "position": {"epoch": _iso(run, a0), "cartographicDegrees": _samples(a0, tr.t_s, tr.lon, tr.lat,
                                                                                  tr.alt_msl_m),
                         "interpolationAlgorithm": "LINEAR", "forwardExtrapolationType": "HOLD",
                         "backwardExtrapolationType": "NONE"},
            "path": {"material": {"solidColor": {"color": {"rgba": col}}}, "width": 3 if tr.role == "intruder" else 2,
                     "leadTime": 0, "trailTime": 3600 * 6, "resolution": 5},
            "point": {"color": {"rgba": col}, "pixelSize": 10, "outlineColor": {"rgba": [255, 255, 255, 255]},
                      "outlineWidth": 2},
            "label": {"text": aid, "font": "14px sans-serif", "fillColor": {"rgba": col},
                      "outlineColor": {"rgba": [255, 255, 255, 255]}, "outlineWidth": 3, "style": "FILL_AND_OUTLINE",
                      "pixelOffset": {"cartesian2": [12, -12]}, "horizontalOrigin": "LEFT"},
        })
    for (side, tid), tk in run.tracks.items():
        if len(tk.t_s) == 0:
            continue
        k0 = float(tk.t_s[0])
        col = _rgba(run.side_color(side), 200)
        known = all(math.isfinite(a) for a in tk.alt_msl_m)
        alts = tk.alt_msl_m if known else [0.0] * len(tk.t_s)
        point = {"color": {"rgba": [255, 255, 255, 0]}, "outlineColor": {"rgba": col}, "outlineWidth": 2,
                 "pixelSize": 9}
        if not known:
            point["heightReference"] = "CLAMP_TO_GROUND"
        packets.append({
            "id": f"track/{side}/{tid}", "name": f"{side} track {tid}",
            "description": f"target {tk.target}" + ("" if known else f"; {UNKNOWN_ALT_NOTE}"),
            "availability": f"{_iso(run, k0)}/{_iso(run, float(tk.t_s[-1]))}",
            "position": {"epoch": _iso(run, k0), "cartographicDegrees": _samples(k0, tk.t_s, tk.lon, tk.lat, alts),
                         "interpolationAlgorithm": "LINEAR"},
            "path": {"material": {"polylineDash": {"color": {"rgba": col}, "dashLength": 16}}, "width": 2,
                     "leadTime": 0, "trailTime": 3600 * 6, "resolution": 10},
            "point": point,
        })
    for r in run.radars:
        if r.airborne or r.lat is None:
            continue
        alt = r.antenna_msl_m if r.antenna_msl_m is not None else 0.0
        col = _rgba(run.side_color(r.side))
        packets.append({
            "id": f"radar/{r.name}", "name": r.name, "description": f"{r.side} {r.type}",
            "position": {"cartographicDegrees": [round(r.lon, 6), round(r.lat, 6), round(alt, 1)]},
            "point": {"color": {"rgba": [255, 255, 255, 255]}, "outlineColor": {"rgba": col}, "outlineWidth": 3,
                      "pixelSize": 9},
            "label": {"text": r.name, "font": "12px sans-serif", "fillColor": {"rgba": [30, 30, 30, 255]},
                      "outlineColor": {"rgba": [255, 255, 255, 255]}, "outlineWidth": 3,
                      "style": "FILL_AND_OUTLINE", "pixelOffset": {"cartesian2": [10, 0]},
                      "horizontalOrigin": "LEFT"},
        })
    for i, ev in enumerate(run.events):
        if ev["lat"] is None or ev["lon"] is None:
            continue
        alt = ev["alt_msl_m"] if ev["alt_msl_m"] is not None else 0.0
        col = _rgba(run.side_color(ev["side"]) if ev.get("side") else "#222222")
        point = {"color": {"rgba": col}, "pixelSize": 6, "outlineColor": {"rgba": [255, 255, 255, 255]},
                 "outlineWidth": 1}
        if ev["alt_msl_m"] is None:
            point["heightReference"] = "CLAMP_TO_GROUND"
        packets.append({
            "id": f"event/{i}", "name": ev["kind"].replace("_", " "),
            "description": "; ".join(f"{k}: {v}" for k, v in ev.items() if v is not None),
            "availability": f"{_iso(run, float(ev['t_s']))}/{_iso(run, t1)}",
            "position": {"cartographicDegrees": [round(float(ev["lon"]), 6), round(float(ev["lat"]), 6),
                                                 round(float(alt), 1)]},
            "point": point,
        })
    return packets


def write_czml(run: RunData, path: str | os.PathLike, *, multiplier: float = 60.0) -> Path:
    """Write the run as CZML to ``path`` (atomically); return the path."""
    return write_text(path, json.dumps(czml_packets(run, multiplier), separators=(",", ":"),
                                                    allow_nan=False))
