"""Reading a run folder (docs/run-output.md) into a small typed structure for the reports.

>>> from foxbat.report.run_folder import read_run
>>> run = read_run("runs/belenko")  # doctest: +SKIP
>>> run.aircraft["068"].alt_msl_m.max()  # doctest: +SKIP

Every report reads the folder through :func:`read_run` only. A missing or malformed
file raises :class:`foxbat.errors.InputFileError` naming the file (and the line and
column where it can). The coverage rasters are optional: a side without one is simply
drawn without coverage.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from foxbat.errors import InputFileError

#: Files every run folder must hold (the coverage rasters are optional).
REQUIRED_FILES = ("run.json", "trajectories.csv", "events.jsonl", "detections.csv", "looks.csv",
                  "tracks.csv", "radars.json")
#: Colours for sides that run.json gives none.
_FALLBACK_COLOURS = ["#c0392b", "#2c6fbb", "#27ae60", "#8e44ad", "#d35400", "#16a085"]

_F, _S, _B = "f", "s", "b"
_TRAJ_COLS = {"aircraft": _S, "side": _S, "type": _S, "t_s": _F, "lat": _F, "lon": _F, "alt_msl_m": _F,
              "height_agl_m": _F, "tas_mps": _F, "ground_speed_mps": _F, "heading_deg": _F,
              "climb_rate_mps": _F, "load_factor": _F, "fuel_kg": _F, "mass_kg": _F}
_DET_COLS = {"t_s": _F, "side": _S, "radar": _S, "target": _S, "range_m": _F, "azimuth_deg": _F,
             "elevation_deg": _F, "snr_db": _F, "pd": _F, "lat": _F, "lon": _F, "alt_msl_m": _F,
             "false_alarm": _B}
_LOOK_COLS = {"t_s": _F, "side": _S, "radar": _S, "target": _S, "visible": _B, "snr_db": _F, "pd": _F,
              "detected": _B}
_TRACK_COLS = {"side": _S, "track_id": _S, "target": _S, "t_s": _F, "lat": _F, "lon": _F, "alt_msl_m": _F,
               "vel_e_mps": _F, "vel_n_mps": _F, "vel_u_mps": _F, "sigma_pos_m": _F}
_EVENT_KEYS = ("t_utc", "t_s", "side", "kind", "actor", "target", "lat", "lon", "alt_msl_m")


@dataclass
class Side:
    name: str
    color: str
    tz_hours: float | None = None  # the side's clock (hours from UTC); None: the run's
    tz_name: str | None = None


@dataclass
class Trajectory:
    """One aircraft's states, one per time step (arrays of equal length, sorted by t_s)."""

    aircraft: str
    side: str
    type: str
    role: str | None
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_msl_m: np.ndarray
    height_agl_m: np.ndarray
    tas_mps: np.ndarray
    ground_speed_mps: np.ndarray
    heading_deg: np.ndarray
    climb_rate_mps: np.ndarray
    load_factor: np.ndarray
    fuel_kg: np.ndarray
    mass_kg: np.ndarray

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def terrain_m(self) -> np.ndarray:
        """Terrain height under the aircraft (m MSL): altitude minus height above ground."""
        return self.alt_msl_m - self.height_agl_m

    def position_at(self, t_s):
        """(lat, lon, alt_msl_m) interpolated at t_s; NaN outside the flown time span."""
        t = np.asarray(t_s, float)
        out = []
        for a in (self.lat, self.lon, self.alt_msl_m):
            v = np.interp(t, self.t_s, a, left=np.nan, right=np.nan)
            out.append(v)
        return tuple(out)


@dataclass
class Table:
    """Columns of a CSV file as numpy arrays (float, str or bool), all of one length."""

    columns: dict[str, np.ndarray]

    def __getattr__(self, name):
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        cols = self.columns
        return len(next(iter(cols.values()))) if cols else 0

    def where(self, mask) -> "Table":
        return Table({k: v[mask] for k, v in self.columns.items()})


@dataclass
class Track:
    """One side's track: its state at every update."""

    side: str
    track_id: str
    target: str
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt_msl_m: np.ndarray
    vel_e_mps: np.ndarray
    vel_n_mps: np.ndarray
    vel_u_mps: np.ndarray
    sigma_pos_m: np.ndarray


@dataclass
class Radar:
    name: str
    side: str
    type: str
    lat: float | None
    lon: float | None
    antenna_msl_m: float | None
    max_range_m: float | None
    airborne: bool


@dataclass
class SideCoverage:
    """A side's ground-radar coverage: lowest visible height above ground (m, NaN: not reached)."""

    side: str
    lowest_agl_m: np.ndarray
    transform: object  # affine.Affine
    crs: object  # rasterio CRS
    path: Path

    def covered(self, height_agl_m: float) -> np.ndarray:
        """True where a target at height_agl_m above ground is in some radar's line of sight."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.lowest_agl_m) & (self.lowest_agl_m <= height_agl_m)


@dataclass
class RunData:
    """Everything a run folder holds, read and checked."""

    path: Path
    meta: dict
    epoch: datetime
    sides: list[Side]
    aircraft: dict[str, Trajectory]
    events: list[dict]
    detections: Table
    looks: Table
    tracks: dict[tuple[str, str], Track]
    radars: list[Radar]
    coverage: dict[str, SideCoverage] = field(default_factory=dict)

    # --- run.json fields ---------------------------------------------------------------
    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.meta.get("scenario") or self.path.name)

    @property
    def scenario(self) -> str:
        return str(self.meta.get("scenario") or "")

    @property
    def local_tz_hours(self) -> float:
        return float(self.meta.get("local_tz_hours") or 0.0)

    @property
    def local_tz_name(self) -> str:
        name = self.meta.get("local_tz_name")
        if name:
            return str(name)
        h = self.local_tz_hours
        return "UTC" if h == 0 else f"UTC{h:+g}"

    @property
    def low_level_height_m(self) -> float:
        v = self.meta.get("low_level_height_m")
        return float(v) if v is not None else 100.0

    def side_color(self, side: str) -> str:
        for s in self.sides:
            if s.name == side:
                return s.color
        return "#555555"

    def role(self, aircraft: str) -> str | None:
        return self.aircraft[aircraft].role if aircraft in self.aircraft else None

    # --- time --------------------------------------------------------------------------
    def t_range(self) -> tuple[float, float]:
        """First and last trajectory time (s since the epoch)."""
        t0 = min(float(tr.t_s[0]) for tr in self.aircraft.values())
        t1 = max(float(tr.t_s[-1]) for tr in self.aircraft.values())
        return t0, t1

    def utc(self, t_s: float) -> datetime:
        return self.epoch + timedelta(seconds=float(t_s))

    def local(self, t_s: float) -> datetime:
        return self.utc(t_s) + timedelta(hours=self.local_tz_hours)

    def side_tz(self, side: str | None) -> tuple[float, str]:
        """(hours from UTC, name) of a side's clock; the run's for an unknown side or None."""
        s = next((x for x in self.sides if x.name == side), None)
        if s is None or s.tz_hours is None:
            return self.local_tz_hours, self.local_tz_name
        return s.tz_hours, s.tz_name or ("UTC" if s.tz_hours == 0 else f"UTC{s.tz_hours:+g}")

    def side_local(self, side: str | None, t_s: float) -> datetime:
        """``t_s`` on ``side``'s own clock."""
        return self.utc(t_s) + timedelta(hours=self.side_tz(side)[0])

    def intruders(self) -> list[str]:
        """Aircraft with role 'intruder' (all aircraft when none has that role)."""
        ids = [a for a, tr in self.aircraft.items() if tr.role == "intruder"]
        return ids or list(self.aircraft)

    # --- detection state -----------------------------------------------------------------
    def scan_period_s(self, side: str | None = None) -> float:
        """The longest typical revisit time (median gap between looks) of a side's radars."""
        lk = self.looks
        if len(lk) == 0:
            return 10.0
        best = 0.0
        for radar in np.unique(lk.radar if side is None else lk.radar[lk.side == side]):
            sel = lk.radar == radar
            for tgt in np.unique(lk.target[sel]):
                t = np.unique(lk.t_s[sel & (lk.target == tgt)])
                if len(t) > 1:
                    best = max(best, float(np.median(np.diff(t))))
        return best if best > 0 else 10.0

    def detected_by(self, side: str, target: str, t_s, hold_s: float | None = None) -> np.ndarray:
        """True at each time of ``t_s`` at which ``side`` detected ``target`` within the last
        ``hold_s`` seconds (default 1.5 scan periods of that side) per looks.csv."""
        t = np.atleast_1d(np.asarray(t_s, float))
        lk = self.looks
        if len(lk) == 0:
            return np.zeros(t.shape, bool)
        if hold_s is None:
            hold_s = 1.5 * self.scan_period_s(side)
        det = np.sort(lk.t_s[(lk.side == side) & (lk.target == target) & lk.detected])
        if len(det) == 0:
            return np.zeros(t.shape, bool)
        i = np.searchsorted(det, t, side="right") - 1
        ok = i >= 0
        last = det[np.clip(i, 0, None)]
        return ok & (t - last < hold_s)

    def detection_spans(self, side: str, target: str, hold_s: float | None = None) -> list[tuple[float, float]]:
        """Spans [t0, t1] during which ``side`` held ``target`` detected (see detected_by)."""
        lk = self.looks
        if len(lk) == 0:
            return []
        if hold_s is None:
            hold_s = 1.5 * self.scan_period_s(side)
        det = np.unique(lk.t_s[(lk.side == side) & (lk.target == target) & lk.detected])
        spans: list[tuple[float, float]] = []
        for t in det:
            if spans and t - spans[-1][1] < hold_s:
                spans[-1] = (spans[-1][0], float(t))
            else:
                spans.append((float(t), float(t)))
        return [(a, b + hold_s / 1.5) for a, b in spans]

    def bounds(self, margin_frac: float = 0.08, min_margin_deg: float = 0.3):
        """(west, south, east, north) of all aircraft paths plus a margin (degrees)."""
        lon = np.concatenate([tr.lon for tr in self.aircraft.values()])
        lat = np.concatenate([tr.lat for tr in self.aircraft.values()])
        w, e = float(np.nanmin(lon)), float(np.nanmax(lon))
        s, n = float(np.nanmin(lat)), float(np.nanmax(lat))
        mx = max((e - w) * margin_frac, min_margin_deg)
        my = max((n - s) * margin_frac, min_margin_deg)
        return w - mx, s - my, e + mx, n + my


# --- reading --------------------------------------------------------------------------------

def read_run(run_dir: str | os.PathLike, *, coverage: bool = True) -> RunData:
    """Read and check a run folder; InputFileError names the file at fault."""
    d = Path(run_dir)
    if not d.exists():
        raise InputFileError("no such run folder; give the --out folder of `foxbat run`", where=str(d))
    if not d.is_dir():
        raise InputFileError("is not a folder; give the --out folder of `foxbat run`", where=str(d))
    for name in REQUIRED_FILES:
        p = d / name
        if not p.is_file():
            raise InputFileError("missing from the run folder (foxbat run writes it; see docs/run-output.md)",
                                 where=str(p))
    meta = _read_json(d / "run.json")
    if not isinstance(meta, dict):
        raise InputFileError("must hold a JSON object", where=str(d / "run.json"))
    epoch = _parse_epoch(meta, d / "run.json")
    sides = _read_sides(meta, d / "run.json")
    aircraft = _read_trajectories(d / "trajectories.csv", meta)
    events = _read_events(d / "events.jsonl")
    detections = _read_csv(d / "detections.csv", _DET_COLS)
    looks = _read_csv(d / "looks.csv", _LOOK_COLS)
    tracks = _read_tracks(d / "tracks.csv")
    radars = _read_radars(d / "radars.json")
    known = {s.name for s in sides}
    extra = sorted({tr.side for tr in aircraft.values()} | {r.side for r in radars}) 
    for name in extra:
        if name not in known:
            sides.append(Side(name, _FALLBACK_COLOURS[len(sides) % len(_FALLBACK_COLOURS)]))
            known.add(name)
    cov = _read_coverage(d, [s.name for s in sides]) if coverage else {}
    return RunData(d, meta, epoch, sides, aircraft, events, detections, looks, tracks, radars, cov)


def _read_json(p: Path):
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputFileError(f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}", where=str(p)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputFileError(f"cannot be read: {e}", where=str(p)) from None


def _parse_time(s, p: Path, fld: str) -> datetime:
    if not isinstance(s, str):
        raise InputFileError(f"must be an ISO 8601 UTC time like 1976-09-06T03:50:00Z, got {s!r}",
                             where=str(p), field=fld)
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise InputFileError(f"must be an ISO 8601 UTC time like 1976-09-06T03:50:00Z, got {s!r}",
                             where=str(p), field=fld) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _parse_epoch(meta: dict, p: Path) -> datetime:
    if "epoch_utc" not in meta:
        raise InputFileError("missing; the scenario epoch in UTC is needed", where=str(p), field="epoch_utc")
    epoch = _parse_time(meta["epoch_utc"], p, "epoch_utc")
    tz = meta.get("local_tz_hours", 0)
    if tz is not None and (not isinstance(tz, (int, float)) or not -14 <= tz <= 14):
        raise InputFileError(f"must be a number of hours within -14..14, got {tz!r}", where=str(p),
                             field="local_tz_hours")
    llh = meta.get("low_level_height_m")
    if llh is not None and (not isinstance(llh, (int, float)) or not math.isfinite(llh) or llh < 0):
        raise InputFileError(f"must be a height >= 0 m, got {llh!r}", where=str(p), field="low_level_height_m")
    return epoch


def _read_sides(meta: dict, p: Path) -> list[Side]:
    raw = meta.get("sides") or []
    if not isinstance(raw, list):
        raise InputFileError("must be a list of {name, color}", where=str(p), field="sides")
    out = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str):
            raise InputFileError("each side needs a name", where=str(p), field=f"sides[{i}]")
        col = s.get("color")
        if not (isinstance(col, str) and col.startswith("#") and len(col) in (4, 7)):
            col = _FALLBACK_COLOURS[i % len(_FALLBACK_COLOURS)]
        tz = s.get("local_tz_hours")
        if tz is not None and (not isinstance(tz, (int, float)) or not math.isfinite(tz) or abs(tz) > 14):
            raise InputFileError(f"must be hours from UTC in [-14, 14], got {tz!r}", where=str(p),
                                 field=f"sides[{i}].local_tz_hours")
        name = s.get("local_tz_name")
        out.append(Side(s["name"], col, None if tz is None else float(tz), str(name) if name else None))
    return out


def _read_csv(p: Path, cols: dict[str, str]) -> Table:
    try:
        with open(p, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputFileError("is empty; expected a header line " + ",".join(cols), where=str(p))
            header = [h.strip() for h in header]
            missing = [c for c in cols if c not in header]
            if missing:
                raise InputFileError(f"header lacks column(s) {', '.join(missing)} (see docs/run-output.md)",
                                     where=str(p))
            idx = {c: header.index(c) for c in cols}
            data: dict[str, list] = {c: [] for c in cols}
            for lineno, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) < len(header):
                    raise InputFileError(f"has {len(row)} fields, the header {len(header)}",
                                         where=f"{p} line {lineno}")
                for c, kind in cols.items():
                    v = row[idx[c]].strip()
                    if kind == _F:
                        if v == "":
                            data[c].append(math.nan)
                        else:
                            try:
                                data[c].append(float(v))
                            except ValueError:
                                raise InputFileError(f"not a number: {v!r}", where=f"{p} line {lineno}",
                                                     field=c) from None
                    elif kind == _B:
                        lv = v.lower()
                        if lv in ("1", "true", "yes"):
                            data[c].append(True)
                        elif lv in ("0", "false", "no", ""):
                            data[c].append(False)
                        else:
                            raise InputFileError(f"must be 0/1 or true/false, got {v!r}",
                                                 where=f"{p} line {lineno}", field=c)
                    else:
                        data[c].append(v)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputFileError(f"cannot be read: {e}", where=str(p)) from None
    out = {}
    for c, kind in cols.items():
        if kind == _F:
            out[c] = np.asarray(data[c], float)
        elif kind == _B:
            out[c] = np.asarray(data[c], bool)
        else:
            out[c] = np.asarray(data[c], dtype=object) if not data[c] else np.asarray(data[c], str)
            if not data[c]:
                out[c] = np.asarray([], dtype=str)
    return Table(out)


def _read_trajectories(p: Path, meta: dict) -> dict[str, Trajectory]:
    tab = _read_csv(p, _TRAJ_COLS)
    if len(tab) == 0:
        raise InputFileError("holds no trajectory rows", where=str(p))
    roles = {}
    for a in meta.get("aircraft") or []:
        if isinstance(a, dict) and "id" in a:
            roles[str(a["id"])] = a.get("role")
    order = [str(a.get("id")) for a in meta.get("aircraft") or [] if isinstance(a, dict)]
    ids = list(dict.fromkeys(tab.aircraft.tolist()))
    ids.sort(key=lambda a: order.index(a) if a in order else len(order))
    out = {}
    for a in ids:
        sel = tab.aircraft == a
        sub = tab.where(sel)
        o = np.argsort(sub.t_s, kind="stable")
        sub = sub.where(o)
        for c in ("t_s", "lat", "lon", "alt_msl_m"):
            if not np.all(np.isfinite(sub.columns[c])):
                raise InputFileError(f"aircraft {a!r} has empty or non-finite values", where=str(p), field=c)
        if np.any(np.abs(sub.lat) > 90) or np.any(np.abs(sub.lon) > 360):
            raise InputFileError(f"aircraft {a!r} has latitudes/longitudes out of range", where=str(p),
                                 field="lat/lon")
        out[a] = Trajectory(a, str(sub.side[0]), str(sub.type[0]), roles.get(a),
                            **{c: sub.columns[c] for c in _TRAJ_COLS if _TRAJ_COLS[c] == _F})
    return out


def _read_events(p: Path) -> list[dict]:
    events = []
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputFileError(f"cannot be read: {e}", where=str(p)) from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputFileError(f"not valid JSON: {err.msg}", where=f"{p} line {lineno}") from None
        if not isinstance(e, dict):
            raise InputFileError("each line must be a JSON object", where=f"{p} line {lineno}")
        missing = [k for k in _EVENT_KEYS if k not in e]
        if missing:
            raise InputFileError(f"lacks key(s) {', '.join(missing)}", where=f"{p} line {lineno}")
        if not isinstance(e["t_s"], (int, float)) or not math.isfinite(e["t_s"]):
            raise InputFileError(f"must be a number of seconds, got {e['t_s']!r}", where=f"{p} line {lineno}",
                                 field="t_s")
        for k in ("lat", "lon", "alt_msl_m"):
            if e[k] is not None and not isinstance(e[k], (int, float)):
                raise InputFileError(f"must be a number or null, got {e[k]!r}", where=f"{p} line {lineno}",
                                     field=k)
        events.append(e)
    events.sort(key=lambda e: e["t_s"])  # stable: keeps the file's order within a time
    return events


def _read_tracks(p: Path) -> dict[tuple[str, str], Track]:
    tab = _read_csv(p, _TRACK_COLS)
    out: dict[tuple[str, str], Track] = {}
    if len(tab) == 0:
        return out
    keys = list(dict.fromkeys(zip(tab.side.tolist(), tab.track_id.tolist())))
    for side, tid in keys:
        sub = tab.where((tab.side == side) & (tab.track_id == tid))
        sub = sub.where(np.argsort(sub.t_s, kind="stable"))
        out[(side, tid)] = Track(side, tid, str(sub.target[0]),
                                 **{c: sub.columns[c] for c in _TRACK_COLS if _TRACK_COLS[c] == _F})
    return out


def _read_radars(p: Path) -> list[Radar]:
    raw = _read_json(p)
    if not isinstance(raw, list):
        raise InputFileError("must hold a JSON list of radars", where=str(p))
    out = []
    for i, r in enumerate(raw):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str) or not isinstance(r.get("side"), str):
            raise InputFileError("each radar needs a name and a side", where=str(p), field=f"[{i}]")
        airborne = bool(r.get("airborne", False))
        vals = {}
        for k in ("lat", "lon", "antenna_msl_m", "max_range_m"):
            v = r.get(k)
            if v is not None and (not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise InputFileError(f"must be a number, got {v!r}", where=str(p), field=f"[{i}].{k}")
            vals[k] = None if v is None else float(v)
        if not airborne and (vals["lat"] is None or vals["lon"] is None):
            raise InputFileError("a ground radar needs lat and lon", where=str(p), field=f"[{i}] {r['name']}")
        out.append(Radar(r["name"], r["side"], str(r.get("type") or ""), vals["lat"], vals["lon"],
                         vals["antenna_msl_m"], vals["max_range_m"], airborne))
    return out


def _read_coverage(d: Path, side_names: list[str]) -> dict[str, SideCoverage]:
    import rasterio
    from rasterio.errors import RasterioIOError

    out = {}
    files = sorted(d.glob("coverage_*.tif"))
    by_name = {f.name[len("coverage_"):-len(".tif")]: f for f in files}
    for side in side_names + [s for s in by_name if s not in side_names]:
        f = by_name.get(side)
        if f is None:
            continue
        try:
            with rasterio.open(f) as ds:
                a = ds.read(1).astype(np.float32)
                nd = ds.nodata
                if nd is not None and np.isfinite(nd):
                    a[a == nd] = np.nan
                if ds.crs is None:
                    raise InputFileError("the raster has no coordinate reference system", where=str(f))
                out[side] = SideCoverage(side, a, ds.transform, ds.crs, f)
        except RasterioIOError as e:
            raise InputFileError(f"not a readable GeoTIFF: {e}", where=str(f)) from None
    return out
