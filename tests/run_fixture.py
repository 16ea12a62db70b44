"""A synthetic run folder, as `foxbat run` writes it (docs/run-output.md), for the report tests.

Two aircraft over the built-in DEM: an intruder ("068", USSR, MiG-25P) flying a straight
line from Chuguyevka 44.08N 133.87E toward Hakodate 41.77N 140.82E in 60 min at 1 s steps,
and an interceptor ("F-4EJ 1", Japan) from Chitose 42.79N 141.67E from t = 1800 s. One
ground radar per side (coverage rasters computed by foxbat.coverage on the built-in DEM)
plus the interceptor's airborne radar. Looks, detections, tracks and events are derived
from the trajectories and the coverage, so they agree with each other.

>>> from run_fixture import make_run_folder
>>> run_dir = make_run_folder(tmp_path)  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

EPOCH = datetime(1976, 9, 6, 3, 50, tzinfo=timezone.utc)
DURATION_S = 3600
START = (44.08, 133.87)
END = (41.77, 140.82)
CHITOSE = (42.79, 141.67)
# each side on its own clock: Vladivostok time for the USSR, the run's JST for Japan
SIDES = [{"name": "USSR", "color": "#c0392b", "local_tz_hours": 10, "local_tz_name": "VLAT"},
         {"name": "Japan", "color": "#2c6fbb"}]
RADARS = [
    {"name": "Chuguyevka P-35", "side": "USSR", "type": "P-35", "lat": 43.95, "lon": 134.05,
     "antenna_msl_m": 520.0, "max_range_m": 300_000.0, "airborne": False},
    {"name": "Okushiri", "side": "Japan", "type": "J/FPS-2", "lat": 42.16, "lon": 139.4456,
     "antenna_msl_m": 600.0, "max_range_m": 400_000.0, "airborne": False},
    {"name": "F-4EJ 1 APQ-120", "side": "Japan", "type": "AN/APQ-120", "lat": None, "lon": None,
     "antenna_msl_m": None, "max_range_m": 60_000.0, "airborne": True},
]
SCAN_S = 10
TRAJ_HEADER = ("aircraft,side,type,t_s,t_utc,lat,lon,alt_msl_m,height_agl_m,tas_mps,ground_speed_mps,"
               "heading_deg,climb_rate_mps,load_factor,fuel_kg,mass_kg").split(",")
DET_HEADER = ("t_s,t_utc,side,radar,target,range_m,azimuth_deg,elevation_deg,snr_db,pd,lat,lon,"
              "alt_msl_m,false_alarm,f_db,pattern_db").split(",")
LOOK_HEADER = "t_s,side,radar,target,visible,snr_db,pd,detected,f_db,pattern_db".split(",")
TRACK_HEADER = ("side,track_id,target,t_s,t_utc,lat,lon,alt_msl_m,vel_e_mps,vel_n_mps,vel_u_mps,"
                "sigma_pos_m").split(",")
EVENT_KINDS = ("takeoff", "detection", "track_started", "track_lost", "track_reacquired", "scramble",
               "airborne_contact", "contact_lost", "visual", "intercept", "airspace_entry", "landing",
               "overrun", "fuel_exhausted", "crash", "bingo", "return_to_base", "lock_on", "go_around")

_COV_CACHE: dict = {}


def t_utc(t_s: float) -> str:
    return (EPOCH + timedelta(seconds=float(t_s))).strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _line(p0, p1, frac):
    """Points at fractions of the geodesic p0 -> p1 (lat, lon); returns lat, lon, azimuth."""
    g = _geod()
    az, _, dist = g.inv(p0[1], p0[0], p1[1], p1[0])
    frac = np.asarray(frac, float)
    lon, lat, baz = g.fwd(np.full(frac.shape, p0[1]), np.full(frac.shape, p0[0]),
                          np.full(frac.shape, az), frac * dist)
    return np.asarray(lat), np.asarray(lon), (np.asarray(baz) + 180.0) % 360.0


def _coverages(dem):
    from foxbat.coverage import RadarSite, compute_coverage

    if "cov" not in _COV_CACHE:
        out = {}
        for r in RADARS:
            if r["airborne"]:
                continue
            site = RadarSite(r["lat"], r["lon"], antenna_msl_m=r["antenna_msl_m"],
                             max_range_m=r["max_range_m"], name=r["name"])
            out[r["side"]] = compute_coverage(dem, [site])
        _COV_CACHE["cov"] = out
    return _COV_CACHE["cov"]


def _trajectory(dem, aircraft, side, typ, t, lat, lon, alt, fuel, mass_empty):
    ground = np.maximum(np.nan_to_num(dem.elevation_m(lat, lon), nan=0.0), 0.0)
    alt = np.maximum(alt, ground)
    g = _geod()
    az, _, d = g.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    d = np.append(d, d[-1] if len(d) else 0.0)
    az = np.append(az, az[-1] if len(az) else 0.0) % 360.0
    dt = np.gradient(t) if len(t) > 1 else np.ones_like(t)
    gs = d / np.maximum(dt, 1e-9)
    climb = np.gradient(alt, t) if len(t) > 1 else np.zeros_like(t)
    rows = []
    for i in range(len(t)):
        rows.append({"aircraft": aircraft, "side": side, "type": typ, "t_s": f"{t[i]:.0f}",
                     "t_utc": t_utc(t[i]), "lat": f"{lat[i]:.6f}", "lon": f"{lon[i]:.6f}",
                     "alt_msl_m": f"{alt[i]:.1f}", "height_agl_m": f"{alt[i] - ground[i]:.1f}",
                     "tas_mps": f"{gs[i]:.1f}", "ground_speed_mps": f"{gs[i]:.1f}",
                     "heading_deg": f"{az[i]:.1f}", "climb_rate_mps": f"{climb[i]:.2f}",
                     "load_factor": "1.00", "fuel_kg": f"{fuel[i]:.1f}",
                     "mass_kg": f"{mass_empty + fuel[i]:.1f}"})
    return rows, alt


def make_run_folder(out_dir, *, seed: int = 0, with_coverage: bool = True) -> Path:
    """Write a complete synthetic run folder into ``out_dir`` and return its path."""
    from foxbat.coverage.raster_io import write_coverage_tif
    from foxbat.terrain import open_dem

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    dem = open_dem()

    # --- trajectories -------------------------------------------------------------
    t1 = np.arange(0, DURATION_S + 1, 1.0)
    lat1, lon1, _ = _line(START, END, t1 / DURATION_S)
    prof_t = [0, 60, 300, 420, 540, 1140, 1260, 1500, 1740, 3300, 3540, 3600]
    prof_a = [305, 800, 5000, 5000, 250, 250, 6000, 6000, 300, 300, 120, 34]
    alt1 = np.interp(t1, prof_t, prof_a)
    fuel1 = np.interp(t1, [0, 60, 3600], [14000, 13400, 250])
    rows1, alt1 = _trajectory(dem, "068", "USSR", "MiG-25P", t1, lat1, lon1, alt1, fuel1, 20000)

    t2 = np.arange(1800, DURATION_S + 1, 1.0)
    mid = (42.35, 140.35)
    f = (t2 - 1800) / (DURATION_S - 1800)
    la_a, lo_a, _ = _line(CHITOSE, mid, np.clip(f / 0.6, 0, 1))
    la_b, lo_b, _ = _line(mid, END, np.clip((f - 0.6) / 0.4, 0, 1))
    lat2 = np.where(f <= 0.6, la_a, la_b)
    lon2 = np.where(f <= 0.6, lo_a, lo_b)
    alt2 = np.interp(t2, [1800, 1830, 2100, 2700, 3300, 3600], [27, 300, 9000, 9000, 3000, 2500])
    fuel2 = np.interp(t2, [1800, 3600], [5500, 1800])
    rows2, alt2 = _trajectory(dem, "F-4EJ 1", "Japan", "F-4EJ", t2, lat2, lon2, alt2, fuel2, 13700)
    _write_csv(out / "trajectories.csv", TRAJ_HEADER, rows1 + rows2)
    tracks_of = {"068": (t1, lat1, lon1, alt1), "F-4EJ 1": (t2, lat2, lon2, alt2)}

    # --- looks and detections -----------------------------------------------------
    covs = _coverages(dem)
    g = _geod()
    looks, dets = [], []
    for r in RADARS:
        for target, (tt, la, lo, al) in tracks_of.items():
            if r["airborne"] and target != "068":
                continue
            for ts in range(0, DURATION_S + 1, SCAN_S):
                if ts < tt[0] or ts > tt[-1]:
                    continue
                i = int(ts - tt[0])
                if r["airborne"]:
                    if ts < 1800:
                        continue
                    j = int(ts - t2[0])
                    rlat, rlon, ralt = lat2[j], lon2[j], alt2[j]
                else:
                    rlat, rlon, ralt = r["lat"], r["lon"], r["antenna_msl_m"]
                az, _, rng_m = g.inv(rlon, rlat, lo[i], la[i])
                if rng_m > r["max_range_m"]:
                    continue
                if r["airborne"]:
                    visible = al[i] > 150 or rng_m < 25_000
                else:
                    cov = covs[r["side"]]
                    row, col = dem.rowcol_float(la[i], lo[i])
                    rr, cc = int(round(float(row))), int(round(float(col)))
                    low = float(cov.lowest_msl_m()[rr, cc])
                    visible = math.isfinite(low) and al[i] >= low
                snr = 13.0 + 40.0 * math.log10(r["max_range_m"] / max(rng_m, 1000.0)) / 2.0
                pd = float(np.clip(1.0 - (rng_m / r["max_range_m"]) ** 3, 0.05, 0.98)) if visible else 0.0
                detected = visible and rng.random() < pd
                looks.append({"t_s": ts, "side": r["side"], "radar": r["name"], "target": target,
                              "visible": int(visible), "snr_db": f"{snr:.2f}" if visible else "",
                              "pd": f"{pd:.4f}", "detected": int(detected)})
                if detected:
                    elev = math.degrees(math.atan2(al[i] - ralt, rng_m))
                    dets.append({"t_s": ts, "t_utc": t_utc(ts), "side": r["side"], "radar": r["name"],
                                 "target": target, "range_m": f"{rng_m:.0f}", "azimuth_deg": f"{az % 360:.2f}",
                                 "elevation_deg": f"{elev:.3f}", "snr_db": f"{snr:.2f}", "pd": f"{pd:.4f}",
                                 "lat": f"{la[i]:.6f}", "lon": f"{lo[i]:.6f}", "alt_msl_m": f"{al[i]:.1f}",
                                 "false_alarm": 0})
    # a false alarm: measured position, no target
    dets.append({"t_s": 2500, "t_utc": t_utc(2500), "side": "Japan", "radar": "Okushiri", "target": "",
                 "range_m": "210000", "azimuth_deg": "250.00", "elevation_deg": "0.100", "snr_db": "12.10",
                 "pd": "", "lat": "41.600000", "lon": "137.200000", "alt_msl_m": "3000.0",
                 "false_alarm": 1})
    looks.sort(key=lambda d: (d["t_s"], d["side"], d["radar"], d["target"]))
    dets.sort(key=lambda d: (d["t_s"], d["side"], d["radar"], d["target"]))
    _write_csv(out / "looks.csv", LOOK_HEADER, looks)
    _write_csv(out / "detections.csv", DET_HEADER, dets)

    # --- tracks and events from the detections ------------------------------------
    events: list[dict] = []

    def ev(t, side, kind, actor=None, target=None, pos=None, **extra):
        lat, lon, alt = pos if pos is not None else (None, None, None)
        e = {"t_utc": t_utc(t), "t_s": float(t), "side": side, "kind": kind, "actor": actor, "target": target,
             "lat": None if lat is None else round(float(lat), 6),
             "lon": None if lon is None else round(float(lon), 6),
             "alt_msl_m": None if alt is None else round(float(alt), 1)}
        e.update(extra)
        events.append(e)

    def pos_of(target, t):
        tt, la, lo, al = tracks_of[target]
        i = int(np.clip(t - tt[0], 0, len(tt) - 1))
        return la[i], lo[i], al[i]

    # detection events: first detection per radar/target, and again after a gap > 60 s
    last: dict = {}
    for d in dets:
        if d["false_alarm"]:
            continue
        key = (d["radar"], d["target"])
        if key not in last or d["t_s"] - last[key] > 60:
            ev(d["t_s"], d["side"], "detection", d["radar"], d["target"], pos_of(d["target"], d["t_s"]),
               radar=d["radar"], snr_db=float(d["snr_db"]), pd=float(d["pd"]))
        last[key] = d["t_s"]

    track_rows = []
    for side in ("USSR", "Japan"):
        times = sorted({d["t_s"] for d in dets if d["side"] == side and d["target"] == "068"
                        and not d["false_alarm"] and not d["radar"].startswith("F-4EJ")})
        n_tracks, active, prev_t, lost_at = 0, False, None, None
        tid = None
        for ts in times:
            if active and ts - prev_t > 60:
                ev(prev_t + 60, side, "track_lost", side, "068", pos_of("068", prev_t),
                   track_id=tid, since_last_detection_s=60.0)
                active, lost_at = False, prev_t + 60
            if not active:
                if tid is not None and ts - lost_at < 900:
                    ev(ts, side, "track_reacquired", side, "068", pos_of("068", ts), track_id=tid)
                else:
                    n_tracks += 1
                    tid = f"{side[0]}{n_tracks:03d}"
                    ev(ts, side, "track_started", side, "068", pos_of("068", ts), track_id=tid)
                active = True
            la, lo, al = pos_of("068", ts)
            tt = tracks_of["068"][0]
            i = int(ts - tt[0])

            sp = 250.0
            track_rows.append({"side": side, "track_id": tid, "target": "068", "t_s": ts, "t_utc": t_utc(ts),
                               "lat": f"{la + rng.normal(0, 0.004):.6f}", "lon": f"{lo + rng.normal(0, 0.005):.6f}",
                               # USSR: 2-D radars only, so its tracks carry no altitude (empty)
                               "alt_msl_m": "" if side == "USSR" else f"{al + rng.normal(0, 150):.1f}",
                               "vel_e_mps": f"{sp * math.sin(math.radians(112)):.1f}",
                               "vel_n_mps": f"{sp * math.cos(math.radians(112)):.1f}",
                               "vel_u_mps": "" if side == "USSR" else "0.0",
                               "sigma_pos_m": f"{500 + rng.uniform(0, 300):.0f}"})
            prev_t = ts
        if active and prev_t + 60 <= DURATION_S:
            ev(prev_t + 60, side, "track_lost", side, "068", pos_of("068", prev_t),
               track_id=tid, since_last_detection_s=60.0)
    track_rows.sort(key=lambda r: (r["side"], r["track_id"], r["t_s"]))
    _write_csv(out / "tracks.csv", TRACK_HEADER, track_rows)

    # the scripted events: at least one of every kind
    ev(0, "USSR", "takeoff", "068", None, pos_of("068", 0))
    ev(1800, "Japan", "scramble", "Chitose", "068", (CHITOSE[0], CHITOSE[1], 27.0))
    ev(1800, "Japan", "takeoff", "F-4EJ 1", None, pos_of("F-4EJ 1", 1800))
    ev(1950, "USSR", "airspace_entry", "068", "Japan", pos_of("068", 1950))
    ev(2100, "Japan", "airborne_contact", "F-4EJ 1", "068", pos_of("068", 2100), radar="F-4EJ 1 APQ-120",
       duration_s=30.0)
    ev(2130, "Japan", "contact_lost", "F-4EJ 1", "068", pos_of("068", 2130), radar="F-4EJ 1 APQ-120")
    ev(3000, "Japan", "bingo", "F-4EJ 1", None, pos_of("F-4EJ 1", 3000), fuel_kg=2400.0)
    ev(3100, "Japan", "return_to_base", "F-4EJ 1", None, pos_of("F-4EJ 1", 3100))
    ev(3400, "Japan", "visual", "F-4EJ 1", "068", pos_of("068", 3400))
    ev(3450, "Japan", "intercept", "F-4EJ 1", "068", pos_of("068", 3450))
    ev(3580, "USSR", "fuel_exhausted", "068", None, pos_of("068", 3580), fuel_kg=0.0)
    ev(3600, "USSR", "landing", "068", "Hakodate", pos_of("068", 3600), roll_m=2240.0)
    ev(3600, "USSR", "overrun", "068", "Hakodate", pos_of("068", 3600), roll_m=2240.0, overrun_m=240.0)
    ev(3600, "Japan", "crash", "F-4EJ 1", None, pos_of("F-4EJ 1", 3600))
    order = {k: i for i, k in enumerate(EVENT_KINDS)}
    events.sort(key=lambda e: (e["t_s"], order[e["kind"]], str(e["actor"])))
    _atomic_text(out / "events.jsonl", "".join(json.dumps(e) + "\n" for e in events))

    # --- radars, run.json, coverage -----------------------------------------------
    _atomic_text(out / "radars.json", json.dumps(RADARS, indent=1))
    run = {"scenario": "test-belenko", "title": "Synthetic Belenko run (test fixture)",
           "epoch_utc": "1976-09-06T03:50:00Z", "seed": seed, "local_tz_hours": 9, "local_tz_name": "JST",
           "dem": "builtin", "k": 4 / 3, "sides": SIDES,
           "aircraft": [{"id": "068", "side": "USSR", "type": "MiG-25P", "role": "intruder"},
                        {"id": "F-4EJ 1", "side": "Japan", "type": "F-4EJ", "role": "interceptor"}],
           "notional": [{"what": "radars[Okushiri].type", "reason": "1976 radar set not found"}],
           "low_level_height_m": 250, "summary": {"landed": True}}
    _atomic_text(out / "run.json", json.dumps(run, indent=1))
    if with_coverage:
        for side, cov in covs.items():
            write_coverage_tif(out / f"coverage_{side}.tif", cov)
    return out


def _write_csv(path: Path, header, rows) -> None:
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    _atomic_text(path, buf.getvalue())


def _atomic_text(path: Path, text: str) -> None:
    import os

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
