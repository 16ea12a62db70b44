"""KML 2.2 of a run: a time-stamped gx:Track per aircraft, radars and events as placemarks.

>>> from foxbat.report.run_folder import read_run
>>> from foxbat.report.kml import write_kml
>>> write_kml(read_run("runs/belenko"), "runs/belenko/flight.kml")  # doctest: +SKIP

Open in Google Earth: the time slider plays the flight; altitudes are absolute (MSL).
A track whose altitude is unknown (a side's 2-D radars measure no height; empty in
``tracks.csv``) is drawn clamped to the ground and says so in its description: no
height is made up for it. So are events without an altitude.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from xml.sax.saxutils import escape

from foxbat.report.run_folder import RunData

KML_NS = "http://www.opengis.net/kml/2.2"
#: What a track without a height says of itself.
UNKNOWN_ALT_NOTE = "altitude unknown (only 2-D radars, which measure no height): drawn on the ground"
GX_NS = "http://www.google.com/kml/ext/2.2"


def _abgr(colour: str, alpha: int = 255) -> str:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    r, g, b = c[0:2], c[2:4], c[4:6]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _style_id(side: str) -> str:
    return "side-" + "".join(ch if ch.isalnum() else "_" for ch in side)


def _iso(run: RunData, t_s: float) -> str:
    d = run.utc(t_s)
    frac = f"{d.microsecond / 1e6:.3f}"[1:] if d.microsecond else ""
    return d.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def _run_note(run: RunData) -> str:
    return f"foxbat run of scenario {run.scenario}, seed {run.meta.get('seed')}"


def kml_text(run: RunData) -> str:
    """The KML document as a string."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<kml xmlns="{KML_NS}" xmlns:gx="{GX_NS}">', "<Document>",
           f"<name>{escape(run.title)}</name>",
           f"<description>{escape(_run_note(run))}</description>"]
    for s in run.sides:
        sid = _style_id(s.name)
        out += [f'<Style id="{sid}">',
                f"<IconStyle><color>{_abgr(s.color)}</color><scale>1.0</scale></IconStyle>",
                f"<LineStyle><color>{_abgr(s.color)}</color><width>3</width></LineStyle>",
                f"<PolyStyle><color>{_abgr(s.color, 0x40)}</color></PolyStyle>",
                "<LabelStyle><scale>0.9</scale></LabelStyle>", "</Style>"]
    out.append("<Folder><name>Aircraft</name>")
    for aid, tr in run.aircraft.items():
        out += ["<Placemark>", f"<name>{escape(aid)}</name>",
                f"<description>{escape(f'{tr.type}, {tr.side}' + (f', {tr.role}' if tr.role else ''))}</description>",
                f"<styleUrl>#{_style_id(tr.side)}</styleUrl>",
                "<gx:Track>", "<altitudeMode>absolute</altitudeMode>"]
        out += [f"<when>{_iso(run, t)}</when>" for t in tr.t_s]
        out += [f"<gx:coord>{lon:.6f} {lat:.6f} {alt:.1f}</gx:coord>"
                for lon, lat, alt in zip(tr.lon, tr.lat, tr.alt_msl_m)]
        out += ["</gx:Track>", "</Placemark>"]
    out.append("</Folder>")
    if run.tracks:
        out.append("<Folder><name>Tracks</name>")
        for (side, tid), tk in run.tracks.items():
            known = all(math.isfinite(a) for a in tk.alt_msl_m)
            desc = f"target {tk.target}" + ("" if known else f"; {UNKNOWN_ALT_NOTE}")
            mode = "absolute" if known else "clampToGround"
            out += ["<Placemark>", f"<name>{escape(f'{side} track {tid}')}</name>",
                    f"<description>{escape(desc)}</description>",
                    f"<styleUrl>#{_style_id(side)}</styleUrl>", "<gx:Track>", f"<altitudeMode>{mode}</altitudeMode>"]
            out += [f"<when>{_iso(run, t)}</when>" for t in tk.t_s]
            out += [f"<gx:coord>{lon:.6f} {lat:.6f} {alt if known else 0.0:.1f}</gx:coord>"
                    for lon, lat, alt in zip(tk.lon, tk.lat, tk.alt_msl_m)]
            out += ["</gx:Track>", "</Placemark>"]
        out.append("</Folder>")
    out.append("<Folder><name>Radars</name>")
    for r in run.radars:
        if r.airborne or r.lat is None:
            continue
        alt = r.antenna_msl_m if r.antenna_msl_m is not None else 0.0
        rng = f", range {r.max_range_m / 1000:.0f} km" if r.max_range_m else ""
        out += ["<Placemark>", f"<name>{escape(r.name)}</name>",
                f"<description>{escape(f'{r.side} {r.type}{rng}')}</description>",
                f"<styleUrl>#{_style_id(r.side)}</styleUrl>",
                f"<Point><altitudeMode>absolute</altitudeMode><coordinates>{r.lon:.6f},{r.lat:.6f},{alt:.1f}"
                "</coordinates></Point>", "</Placemark>"]
    out.append("</Folder>")
    out.append("<Folder><name>Events</name>")
    for ev in run.events:
        if ev["lat"] is None or ev["lon"] is None:
            continue
        alt = ev["alt_msl_m"] if ev["alt_msl_m"] is not None else 0.0
        mode = "absolute" if ev["alt_msl_m"] is not None else "clampToGround"
        extra = {k: v for k, v in ev.items() if k not in ("t_utc", "lat", "lon", "alt_msl_m")}
        desc = "; ".join(f"{k}: {v}" for k, v in extra.items() if v is not None)
        style = f"<styleUrl>#{_style_id(ev['side'])}</styleUrl>" if ev.get("side") else ""
        out += ["<Placemark>", f"<name>{escape(ev['kind'].replace('_', ' '))}</name>",
                f"<description>{escape(desc)}</description>",
                f"<TimeStamp><when>{_iso(run, ev['t_s'])}</when></TimeStamp>", style,
                f"<Point><altitudeMode>{mode}</altitudeMode><coordinates>{float(ev['lon']):.6f},"
                f"{float(ev['lat']):.6f},{float(alt):.1f}</coordinates></Point>", "</Placemark>"]
    out.append("</Folder>")
    out += ["</Document>", "</kml>", ""]
    return "\n".join(x for x in out if x)


def write_kml(run: RunData, path: str | os.PathLike) -> Path:
    """Write the run as KML 2.2 to ``path`` (atomically); return the path."""
    from foxbat.atomic import write_text

    return write_text(path, kml_text(run))
