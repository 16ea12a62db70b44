"""Figures fitted to the record: every ``calibrated_to`` of a scenario and of the catalogue
entries it uses, checked against the scenario's history rows.

A scenario figure names a row of its own history (``jasdf_detection``, or one quantity of
it, ``jasdf_detection.range_km``); a catalogue figure, shared by every scenario, names the
scenario too (``belenko-1976/hakodate_landing.fuel_kg``). The loader checks that each named
row exists (:func:`check_scenario`), and the comparison reports those rows' quantities as
``calibrated`` instead of as predictions (:func:`calibrated_quantities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from foxbat.errors import ScenarioError
from foxbat.provenance import QUANTITIES, parse_ref

ALL = "*"
"""In a row's set of calibrated quantities: every quantity of the row."""


@dataclass(frozen=True)
class Calibration:
    """One ``calibrated_to`` reference: where it is written and the row it names."""

    where: str          # file (and line) that holds the figure
    field: str          # the figure's path inside that file
    scenario: str | None  # None: the scenario that holds it
    row: str
    quantity: str | None  # None: every quantity of the row


def _walk(node: Any, path: str, out: list[tuple[str, Any]]) -> None:
    if isinstance(node, dict):
        if "calibrated_to" in node:
            out.append((f"{path}.calibrated_to" if path else "calibrated_to", node["calibrated_to"]))
        for k, v in node.items():
            if k != "calibrated_to":
                _walk(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            name = v.get("name") or v.get("label") if isinstance(v, dict) else None
            _walk(v, f"{path}[{i}]" + (f" ({name})" if isinstance(name, str) else ""), out)


def _refs(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def raw_calibrations(data: dict, where: str, skip: tuple[str, ...] = ("history",)) -> list[Calibration]:
    """Every ``calibrated_to`` in a parsed YAML mapping (a scenario's sections but ``skip``)."""
    found: list[tuple[str, Any]] = []
    for k, v in data.items():
        if k not in skip:
            _walk(v, str(k), found) if isinstance(v, (dict, list)) else None
    out = []
    for field, value in found:
        for ref in _refs(value):
            try:
                scen, row, q = parse_ref(ref)
            except ValueError as exc:
                raise ScenarioError(str(exc), where=where, field=field) from None
            out.append(Calibration(where, field, scen, row, q))
    return out


def _line(text: str, field: str) -> int | None:
    from foxbat.scenario.yaml_lines import line_of

    return line_of(text, field)


def _package_path(p: Path) -> str:
    """'foxbat/aircraft/data/mig-25p.yaml': the catalogue file as a clone names it."""
    parts = p.parts
    return "/".join(parts[parts.index("foxbat"):]) if "foxbat" in parts else str(p)


@lru_cache(maxsize=None)
def _aircraft_entries() -> dict[str, tuple[Path, dict, str]]:
    from foxbat.aircraft.catalogue import _data_dir
    from foxbat.yamlio import read_yaml

    out = {}
    for p in sorted(_data_dir().glob("*.yaml")):
        raw, text = read_yaml(p)
        if isinstance(raw, dict) and "name" in raw:
            out[raw["name"]] = (p, raw, text)
    return out


@lru_cache(maxsize=None)
def _radar_entries() -> dict[str, tuple[Path, int, dict, str]]:
    from foxbat.radar.catalogue import _data_file
    from foxbat.yamlio import read_yaml

    p = _data_file()
    raw, text = read_yaml(p)
    return {e["name"]: (p, i, e, text) for i, e in enumerate(raw.get("radars", [])) if isinstance(e, dict)}


def _catalogue_entry_calibrations(p: Path, prefix: str, entry: dict, text: str) -> list[Calibration]:
    out = []
    for c in raw_calibrations({"_": entry}, str(p), skip=()):
        field = (prefix + c.field.removeprefix("_")) if prefix else c.field.removeprefix("_.")
        line = _line(text, field)
        where = _package_path(p) + (f":{line}" if line else "")
        if c.scenario is None:
            raise ScenarioError("a catalogue figure is shared by every scenario: name the scenario too, "
                                "'SCENARIO/ROW[.QUANTITY]'", where=where, field=field)
        out.append(Calibration(where, field, c.scenario, c.row, c.quantity))
    return out


def aircraft_calibrations(type_name: str) -> list[Calibration]:
    """The calibrated figures of an aircraft catalogue type."""
    from foxbat.aircraft.catalogue import get_spec

    p, raw, text = _aircraft_entries()[get_spec(type_name).name]
    return _catalogue_entry_calibrations(p, "", raw, text)


def radar_calibrations(type_name: str) -> list[Calibration]:
    """The calibrated figures of a radar catalogue type."""
    from foxbat.radar.catalogue import get_radar_type

    p, i, entry, text = _radar_entries()[get_radar_type(type_name).name]
    return _catalogue_entry_calibrations(p, f"radars[{i}]", entry, text)


def all_catalogue_calibrations() -> list[Calibration]:
    """Every calibrated figure of the built-in catalogues (for their tests)."""
    out = []
    for name in _aircraft_entries():
        out += aircraft_calibrations(name)
    for name in _radar_entries():
        out += radar_calibrations(name)
    return out


def _used_types(data: dict) -> tuple[list[str], list[str]]:
    aircraft, radars = [], []
    if isinstance(data.get("aircraft"), dict) and data["aircraft"].get("type"):
        aircraft.append(data["aircraft"]["type"])
    for f in data.get("interceptors") or []:
        if isinstance(f, dict):
            if f.get("type"):
                aircraft.append(f["type"])
            if f.get("radar"):
                radars.append(f["radar"])
    for r in data.get("radars") or []:
        if isinstance(r, dict) and r.get("type"):
            radars.append(r["type"])
    return list(dict.fromkeys(aircraft)), list(dict.fromkeys(radars))


def _type_calibrations(kind: str, ref: str, catalogues: tuple) -> list[Calibration]:
    """The calibrated figures of the type a scenario's ``type:`` names: built-in, from a
    ``catalogues:`` folder, or a type file."""
    from foxbat.catalogues import BUILTIN, resolve_entry
    from foxbat.yamlio import read_yaml

    e = resolve_entry(kind, ref, catalogues=catalogues)
    if e.origin == BUILTIN:
        return aircraft_calibrations(e.name) if kind == "aircraft" else radar_calibrations(e.name)
    p = Path(e.origin)
    raw, text = read_yaml(p)
    if kind == "radar" and isinstance(raw, dict) and "radars" in raw:
        i = next(i for i, x in enumerate(raw["radars"]) if isinstance(x, dict) and x.get("name") == e.name)
        return _catalogue_entry_calibrations(p, f"radars[{i}]", raw["radars"][i], text)
    return _catalogue_entry_calibrations(p, "", raw, text)


def scenario_calibrations(data: dict, where: str) -> list[Calibration]:
    """The scenario's own calibrated figures and those of the catalogue types it uses."""
    out = raw_calibrations(data, where)
    aircraft, radars = _used_types(data)
    cats = data.get("catalogues") or []
    cats = tuple([cats] if isinstance(cats, str) else cats)
    for a in aircraft:
        out += _type_calibrations("aircraft", a, cats)
    for r in radars:
        out += _type_calibrations("radar", r, cats)
    return out


def row_quantities(rows: list[dict]) -> dict[str, set[str]]:
    """Row id -> the quantities it records ('time' where it has time_local), from raw rows."""
    out = {}
    for h in rows:
        if isinstance(h, dict) and h.get("id"):
            qs = {q for q in QUANTITIES if q != "time" and h.get(q) is not None}
            out[str(h["id"])] = qs | ({"time"} if h.get("time_local") else set())
    return out


@lru_cache(maxsize=None)
def builtin_history(name: str) -> dict[str, set[str]] | None:
    """Row id -> recorded quantities of a built-in scenario; None when there is no such scenario."""
    from foxbat.scenario.radars import builtin_scenario_names, builtin_scenario_path
    from foxbat.yamlio import read_yaml

    if name not in builtin_scenario_names():
        return None
    raw, _ = read_yaml(builtin_scenario_path(name))
    return row_quantities((raw or {}).get("history") or [])


def check_refs(cals: list[Calibration], scenario_name: str | None, history: dict[str, set[str]],
               where: str, text: str = "") -> None:
    """ScenarioError (file:line: field: ...) for a ``calibrated_to`` naming a row, or a
    quantity of a row, that does not exist."""
    for c in cals:
        own = c.scenario is None or c.scenario == scenario_name
        rows = history if own else builtin_history(c.scenario)
        ids = list(rows) if rows is not None else None
        if ids is None:
            raise ScenarioError(f"names scenario {c.scenario!r}, which is neither this scenario "
                                f"({scenario_name}) nor a built-in one", where=_at(c, where, text), field=c.field)
        if c.row not in ids:
            whose = "this scenario" if own else f"scenario {c.scenario}"
            raise ScenarioError(f"no history row {c.row!r} in {whose}; rows: {', '.join(ids) or 'none'}",
                                where=_at(c, where, text), field=c.field)
        if c.quantity is not None and c.quantity not in rows[c.row]:
            raise ScenarioError(f"history row {c.row!r} records no {c.quantity}; it records: "
                                f"{', '.join(sorted(rows[c.row])) or 'nothing'}", where=_at(c, where, text),
                                field=c.field)


def _at(c: Calibration, where: str, text: str) -> str:
    """The file (and line, where ``c`` is written in ``text``) to name in an error about ``c``:
    looked up only when there is an error (composing the YAML again costs about 25 ms a
    reference, paid by every run otherwise)."""
    if c.where == where and text:
        line = _line(text, c.field)
        return f"{where}:{line}" if line else where
    return c.where


def check_scenario(data: dict, where: str, text: str, scenario_name: str | None) -> None:
    """Check the history row ids and every ``calibrated_to`` of a scenario and of the
    catalogue types it uses."""
    rows = [h for h in data.get("history") or [] if isinstance(h, dict)]
    ids = [str(h.get("id")) for h in rows]
    for i, row_id in enumerate(ids):
        if ids.index(row_id) != i:
            raise ScenarioError(f"history row id {row_id!r} is used twice; ids must be unique",
                                where=where, field=f"history[{i}].id")
    check_refs(scenario_calibrations(data, where), scenario_name, row_quantities(rows), where, text)


def calibrated_quantities(data: dict, where: str, scenario_name: str | None) -> dict[str, set[str]]:
    """Row id -> the quantities fitted to it (``ALL`` for the whole row), from the scenario
    and the catalogue types it uses; references to other scenarios' rows are left out."""
    out: dict[str, set[str]] = {}
    for c in scenario_calibrations(data, where):
        if c.scenario is None or c.scenario == scenario_name:
            out.setdefault(c.row, set()).add(c.quantity or ALL)
    return out


def calibrations_by_row(data: dict, where: str, scenario_name: str | None) -> list[Calibration]:
    """The scenario's calibrations that name its own rows (for reports listing what was fitted)."""
    return [c for c in scenario_calibrations(data, where) if c.scenario is None or c.scenario == scenario_name]

