"""A plan as an ordinary scenario route: where it starts and ends (an airfield or a
point), its legs, and the scenario file that ``foxbat run`` flies.

Legs: ``takeoff`` from the start airfield's runway (or ``start`` in the air at a
point), then one leg per straight stretch of the plan at one layer and speed:
``follow_terrain`` at the layer's height above ground for layers up to
:data:`FOLLOW_TERRAIN_MAX_M`, ``fly_to`` at the layer's height above the highest
ground of the stretch (an altitude MSL) above that; then ``land`` on the goal
airfield's runway (or a last ``fly_to`` to a point).
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from foxbat.errors import ParameterError
from foxbat.sensing.geometry import bearing_to, destination

FOLLOW_TERRAIN_MAX_M = 1000.0
"""Layers up to this height above ground are flown as ``follow_terrain`` legs."""

PLANNED_REASON = "planned by foxbat plan: least visible route within fuel (grid model, see docs/planning.md)"


@dataclass
class Endpoint:
    """Where a planned route starts or ends."""

    lat: float  # the point the search starts from / aims at
    lon: float
    label: str
    leg: dict | None  # the takeoff or land leg body (raw scenario dict), None for a point
    point: tuple[float, float] | None = None  # the exact point of a LAT,LON endpoint


def _route_legs(raw: dict) -> list[dict]:
    route = raw.get("route") or {}
    return route["legs"] if isinstance(route, dict) else list(route)


def _runway_of_base(b) -> dict:
    if b.runway is None:
        raise ParameterError(f"base {b.name} has no runway (heading and length) in the scenario; "
                             "give LAT,LON instead", where="--from/--to")
    lat, lon = destination(b.lat, b.lon, (b.runway.heading_deg + 180.0) % 360.0, b.runway.length_m / 2.0)
    return {"name": f"{b.name} RWY {round(b.runway.heading_deg / 10) % 36 or 36:02d}", "lat": round(lat, 6),
            "lon": round(lon, 6), "heading_deg": b.runway.heading_deg, "length_m": b.runway.length_m,
            "elevation_m": b.elevation_m, "notional": True,
            "reason": f"threshold placed half the runway before the base point of {b.name}"}


def _point(text: str) -> tuple[float, float] | None:
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise ParameterError(f"latitude must be within -90..90 and longitude -180..360, got {text}",
                             where="--from/--to")
    return lat, lon


def resolve_endpoint(sc, text: str | None, which: str) -> Endpoint:
    """``which`` is "from" or "to". ``text``: None (the scenario route's take-off or
    landing), LAT,LON, a base name, or the name of the route's take-off/landing runway
    (case-insensitive; a word of it such as the airfield's name will do)."""
    opt = f"--{which}"
    legs = _route_legs(sc.raw)
    kind = "takeoff" if which == "from" else "land"
    own = next((leg[kind] for leg in legs if kind in leg), None)
    if text is None:
        if own is not None:
            return _airfield(own, kind, own["runway"].get("name") or own.get("label") or kind)
        first = legs[0] if which == "from" else legs[-1]
        body = next(iter(first.values()))
        if "lat" in body and "lon" in body:
            return Endpoint(float(body["lat"]), float(body["lon"]), "route " + ("start" if which == "from" else "end"),
                            None, (float(body["lat"]), float(body["lon"])))
        raise ParameterError(f"the scenario's route has no {kind} leg to default to; give {opt}", where=opt)
    pt = _point(text)
    if pt is not None:
        return Endpoint(pt[0], pt[1], f"{pt[0]:.4f},{pt[1]:.4f}", None, pt)
    key = text.strip().lower()
    for b in sc.defenders.bases:
        if b.name.lower() == key:
            rw = _runway_of_base(b)
            body = {"runway": rw} if kind == "takeoff" else {"runway": rw, "touchdown_from_threshold_m": 300.0}
            return _airfield(body, kind, b.name)
    for leg in legs:
        for k in ("takeoff", "land"):
            body = leg.get(k)
            if body is None:
                continue
            name = str(body["runway"].get("name") or "").lower()
            if name and (name == key or key in name.split() or name.startswith(key)):
                b2 = copy.deepcopy(body)
                if k != kind:  # the other end's runway: keep the runway only
                    b2 = {"runway": b2["runway"]}
                return _airfield(b2, kind, body["runway"].get("name"))
    bases = ", ".join(b.name for b in sc.defenders.bases) or "none"
    raise ParameterError(f"{text!r} is neither LAT,LON nor an airfield of the scenario (bases: {bases}; "
                         "or the route's take-off/landing runway)", where=opt)


def _airfield(body: dict, kind: str, label: str) -> Endpoint:
    rw = body["runway"]
    hdg = float(rw["heading_deg"])
    if kind == "takeoff":
        lat, lon = destination(float(rw["lat"]), float(rw["lon"]), hdg, float(rw["length_m"]))
    else:  # aim at the final approach fix
        fa_km = float(body.get("final_approach_km", 10.0))
        lat, lon = destination(float(rw["lat"]), float(rw["lon"]), (hdg + 180.0) % 360.0, fa_km * 1000.0)
    return Endpoint(lat, lon, str(label), copy.deepcopy(body))


def _speed(mach: float) -> dict:
    return {"mach": round(float(mach), 3)}


def plan_legs(plan, start: Endpoint, goal: Endpoint, dem) -> list[dict]:
    """The plan's legs, take-off (or start) to landing (or the goal point)."""
    wps = plan.waypoints
    legs: list[dict] = []
    if start.leg is not None:
        body = copy.deepcopy(start.leg)
        body.setdefault("label", f"take-off {start.label}")
        legs.append({"takeoff": body})
    else:
        nxt = wps[1] if len(wps) > 1 else wps[0]
        hdg, _ = bearing_to(start.lat, start.lon, nxt.lat, nxt.lon)
        legs.append({"start": {"label": f"start {start.label}", "lat": start.lat, "lon": start.lon,
                               "heading_deg": round(hdg, 1), "height_agl_m": wps[0].height_agl_m,
                               "speed": _speed(wps[0].mach), "notional": True, "reason": PLANNED_REASON}})
    # stretches: consecutive moves with one heading, layer and speed
    stretches: list[list] = []
    for a, b in zip(wps[:-1], wps[1:]):
        key = (b.heading, b.layer, b.mach)
        if stretches and stretches[-1][0] == key:
            stretches[-1][2].append(b)
        else:
            stretches.append([key, a, [b]])
    last = len(stretches) - 1
    for i, (_key, a, bs) in enumerate(stretches):
        b = bs[-1]
        if i == last and goal.leg is not None:
            break  # the land leg flies from the last stretch's start to the approach
        label = f"planned {i + 1}: {b.height_agl_m:g} m AGL, Mach {b.mach:g} ({b.speed})"
        if b.height_agl_m <= FOLLOW_TERRAIN_MAX_M:
            legs.append({"follow_terrain": {"label": label, "lat": round(b.lat, 5), "lon": round(b.lon, 5),
                                            "height_agl_m": b.height_agl_m, "speed": _speed(b.mach),
                                            "notional": True, "reason": PLANNED_REASON}})
        else:
            n = 20
            la = np.linspace(a.lat, b.lat, n)
            lo = np.linspace(a.lon, b.lon, n)
            top = float(np.nanmax(np.maximum(np.nan_to_num(dem.elevation_m(la, lo), nan=0.0), 0.0)))
            legs.append({"fly_to": {"label": label, "lat": round(b.lat, 5), "lon": round(b.lon, 5),
                                    "alt_msl_m": float(round(top + b.height_agl_m)), "speed": _speed(b.mach),
                                    "notional": True, "reason": PLANNED_REASON}})
    if goal.leg is not None:
        body = copy.deepcopy(goal.leg)
        body.setdefault("label", f"landing {goal.label}")
        legs.append({"land": body})
    else:
        b = wps[-1]
        p = goal.point or (b.lat, b.lon)
        legs.append({"follow_terrain": {"label": f"to {goal.label}", "lat": p[0], "lon": p[1],
                                        "height_agl_m": b.height_agl_m, "speed": _speed(b.mach),
                                        "notional": True, "reason": PLANNED_REASON}})
    return legs


def direct_legs(start: Endpoint, goal: Endpoint, alt_msl_m: float, mach: float) -> list[dict]:
    """The straight route: take-off, a great circle at one altitude and Mach, landing."""
    legs: list[dict] = []
    if start.leg is not None:
        legs.append({"takeoff": copy.deepcopy(start.leg)})
    else:
        hdg, _ = bearing_to(start.lat, start.lon, goal.lat, goal.lon)
        legs.append({"start": {"lat": start.lat, "lon": start.lon, "heading_deg": round(hdg, 1),
                               "alt_msl_m": alt_msl_m, "speed": _speed(mach)}})
    reason = "the direct comparison route: great circle at one altitude (docs/planning.md)"
    legs.append({"fly_to": {"label": f"direct, {alt_msl_m:g} m", "lat": goal.lat, "lon": goal.lon,
                            "alt_msl_m": alt_msl_m, "speed": _speed(mach), "notional": True, "reason": reason}})
    if goal.leg is not None:
        legs.append({"land": copy.deepcopy(goal.leg)})
    return legs


def scenario_with_route(raw: dict, legs: list[dict], *, name_suffix: str, aircraft_type: str | None = None,
                        fuel_kg: float | None = None, title: str | None = None) -> dict:
    """The scenario's YAML dict with its route replaced (the record of the historical
    flight, ``history``, is dropped: it describes another route)."""
    out = copy.deepcopy(raw)
    route = out.get("route")
    settings = {k: v for k, v in route.items() if k != "legs"} if isinstance(route, dict) else {}
    out["route"] = {**settings, "legs": legs}
    out.pop("history", None)
    if out.get("name"):
        out["name"] = f"{out['name']}-{name_suffix}"
    if title:
        out["title"] = title
    if aircraft_type is not None:
        out["aircraft"]["type"] = aircraft_type
    if fuel_kg is not None:
        out["aircraft"]["fuel_kg"] = float(fuel_kg)
    return out


def write_scenario(doc: dict, path: str | os.PathLike, header: str = "") -> Path:
    """Write a scenario dict as YAML, atomically (temporary file, then rename)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise ParameterError(f"folder {path.parent} does not exist", where="--out")
    text = "".join(f"# {line}\n" for line in header.splitlines()) + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=110)
    from foxbat.atomic import write_text

    write_text(path, text)
    return path


def total_distance_m(lat, lon) -> float:
    from foxbat.geo import wgs84_geod

    lat = np.asarray(lat, float)
    lon = np.asarray(lon, float)
    if lat.size < 2:
        return 0.0
    _, _, d = wgs84_geod().inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return float(np.sum(d))


