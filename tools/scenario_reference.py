#!/usr/bin/env python3
"""Write docs/scenario-reference.md from the scenario schema (pydantic models), so the
reference can never drift from what the loader accepts. tests/test_docs.py checks it is
current: run this after changing a model.

    python tools/scenario_reference.py [--check]
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

OUT = Path(__file__).resolve().parents[1] / "docs" / "scenario-reference.md"

INTRO = """# Scenario reference

Every field of a foxbat scenario file (YAML), generated from the schema by
`tools/scenario_reference.py`. Units are in the field names (`_m` metres, `_km`
kilometres, `_s` seconds, `_deg` degrees, `_mps` metres per second, `_kg` kilograms,
`_m2` square metres); heights say whether they are above mean sea level (`_msl_`) or
above ground (`_agl_`). Times are ISO 8601 in UTC. Every figure in a built-in scenario
carries `source:` or `notional: true` with a `reason:`; your own files may too.

Every number must be finite (`.nan` and `.inf` are refused) and within the range in the
`allowed` column; texts and lists have the lengths given there. `foxbat scenario validate
FILE` makes every check `foxbat run` makes before it computes (the same functions: the
DEM, the sites and antennas on it, the route flyable), so a valid file is one the run
starts; an error names the file, the line of the field and the field. `foxbat scenario export belenko-1976 > mine.yaml` gives a complete example,
and `docs/tutorial.md` writes one from scratch.
"""


# meanings of fields that are the same wherever they appear (used when a model gives none)
COMMON = {
    "lat": "latitude, deg N (WGS84)", "lon": "longitude, deg E (WGS84)", "heading_deg": "true heading, deg",
    "alt_msl_m": "altitude above mean sea level, m", "height_agl_m": "height above ground, m",
    "source": "citation", "notional": "true where the figure is not sourced", "reason": "why a notional figure was chosen",
    "label": "a name for the leg in events and plots", "speed": "Mach, true airspeed or ground speed",
    "afterburner": "afterburner lit on this leg", "name": "name", "title": "a one-line title for reports",
    "epoch_utc": "t_s = 0, UTC", "dem": "GeoTIFF path or builtin:NAME; empty: the built-in DEM",
    "aircraft": "the aircraft flying the route", "route": "the legs it flies", "legs": "the legs, in order",
    "callsign": "label in events", "max_duration_s": "stop the flight after this long, s",
    "gate_probability": "chi-square gate probability (3 degrees of freedom)",
    "note": "context for the reader", "type": "catalogue type",
    "mach": "Mach number", "tas_kmh": "true airspeed, km/h", "tas_mps": "true airspeed, m/s",
    "tas_kt": "true airspeed, knots", "gs_kmh": "ground speed, km/h", "gs_mps": "ground speed, m/s",
    "length_m": "length, m", "to_alt_msl_m": "target altitude, m MSL", "to_height_agl_m": "target height, m AGL",
    "rate_mps": "vertical rate, m/s, or max (the aircraft's limit)", "climb_rate_mps": "climb rate, m/s, or max",
    "elevation_m": "elevation, m MSL", "radius_m": "radius, m", "turns": "number of full turns",
    "duration_s": "duration, s", "direction": "turn direction", "load_factor": "load factor in turns, g",
    "angle_deg": "flight-path angle, deg", "toward": "direction to fly: a lat/lon point",
    "runway": "runway: threshold lat/lon, heading, length, elevation", "fuel_kg": "fuel at the start, kg",
    "payload_kg": "mass besides the empty aircraft and fuel, kg", "step_s": "integration step, s",
    "look_ahead_s": "terrain-following look-ahead, s", "clearance_tolerance": "fraction of the set height a dip may lose before it is logged",
    "afterburner_s": "seconds of afterburner on the take-off roll and climb",
    "touchdown_from_threshold_m": "touchdown point past the threshold, m", "glide_slope_deg": "approach slope, deg",
    "final_approach_km": "length of the straight final, km", "drag_chute": "deploy the drag chute on the roll",
}


def _meaning(fname: str, f) -> str:
    if f.description:
        return f.description
    if fname in COMMON:
        return COMMON[fname]
    for t in _walk(f.annotation):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return f"a `{fname}` leg or section: see {t.__name__}"
    return ""


def _allowed(f) -> str:
    """The bounds of a field from its constraints: '0 <= x <= 30000', 'length <= 64'."""
    import annotated_types as at

    def n(v) -> str:
        return str(v) if isinstance(v, int) else f"{v:g}"

    lo = hi = None
    parts = []
    for m in f.metadata:
        if isinstance(m, at.Ge):
            lo = f"{n(m.ge)} <="
        elif isinstance(m, at.Gt):
            lo = f"{n(m.gt)} <"
        elif isinstance(m, at.Le):
            hi = f"<= {n(m.le)}"
        elif isinstance(m, at.Lt):
            hi = f"< {n(m.lt)}"
        elif isinstance(m, at.MinLen) and m.min_length:
            parts.append(f"length >= {m.min_length}")
        elif isinstance(m, at.MaxLen):
            parts.append(f"length <= {m.max_length}")
    if lo or hi:
        parts.insert(0, " ".join(p for p in (lo, "x", hi) if p))
    return ", ".join(parts)


def _type_name(t) -> str:
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        s = " | ".join(parts)
        return s + " (optional)" if type(None) in args else s
    if origin in (list, typing.List):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is typing.Literal:
        return " \\| ".join(repr(a) for a in args)
    if isinstance(t, type) and issubclass(t, BaseModel):
        return f"[{t.__name__}](#{t.__name__.lower()})"
    return getattr(t, "__name__", str(t))


def _models(root: type[BaseModel], seen: dict) -> None:
    if root.__name__ in seen:
        return
    seen[root.__name__] = root
    for f in root.model_fields.values():
        for t in _walk(f.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel):
                _models(t, seen)


def _walk(t):
    yield t
    for a in typing.get_args(t):
        yield from _walk(a)


def render() -> str:
    from foxbat.scenario.flight import FlightScenario
    from foxbat.scenario.radars import RadarSpec
    from foxbat.scenario.run import DefendersSpec

    seen: dict = {}
    for root in (DefendersSpec, RadarSpec, FlightScenario):
        _models(root, seen)
    lines = [INTRO, "## Top level", "",
             "A scenario file is one YAML mapping. Its sections come from three models: "
             "[DefendersSpec](#defendersspec) (sides, intruder, bases, interceptors, history, weather), "
             "`radars` (a list of [RadarSpec](#radarspec)) and [FlightScenario](#flightscenario) "
             "(`aircraft`, `route`, `dem`, `catalogues`). Files a scenario names (`dem`, `catalogues`, a `type` "
             "that is a path) are relative to the scenario file.", ""]
    for name, model in seen.items():
        lines += [f"## {name}", ""]
        doc = (model.__doc__ or "").strip()
        if doc:
            lines += [" ".join(doc.split()), ""]
        lines += ["| field | type | default | allowed | meaning |", "|---|---|---|---|---|"]
        for fname, f in model.model_fields.items():
            if f.is_required():
                default = "**required**"
            elif f.default is PydanticUndefined or f.default_factory is not None:
                default = "(empty)"
            else:
                default = f"`{f.default!r}`" if not isinstance(f.default, BaseModel) else "(defaults)"
            desc = _meaning(fname, f).replace("|", "\\|")
            lines.append(f"| `{fname}` | {_type_name(f.annotation)} | {default} | {_allowed(f)} | {desc} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    a = ap.parse_args()
    text = render()
    if a.check:
        sys.exit(0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
