"""Files a scenario names, resolved against the scenario file's folder.

``dem:``, ``catalogues:`` and every ``type:`` (or interceptor ``radar:``) that is a path
(ending ``.yaml``/``.yml``) are taken relative to the folder of the scenario file, not
the current folder, and written back as absolute paths: a scenario re-parsed later (a
Monte Carlo worker, a low-level variant) or written out by ``foxbat plan`` elsewhere
still names the same files. A missing file is a ScenarioError naming the scenario file,
the line and the field: ``route.yaml:4: dem: no such file ...``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from foxbat.catalogues import is_type_path
from foxbat.errors import ScenarioError


def _where(shown: str, text: str, field: str) -> str:
    from foxbat.scenario.yaml_lines import line_of

    line = line_of(text, field)
    return f"{shown}:{line}" if line else shown


def _absolute(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def resolve_scenario_files(data: Any, base_dir: str | Path, shown: str, text: str = "") -> Any:
    """A copy of the parsed scenario ``data`` with its file fields made absolute (relative
    ones taken from ``base_dir``, the scenario file's folder); ScenarioError for a named
    file or folder that does not exist."""
    if not isinstance(data, dict):
        return data
    base = Path(base_dir).resolve()
    out = copy.deepcopy(data)

    def file_field(container: Any, key: Any, field: str, what: str, want_dir: bool = False) -> None:
        value = container[key] if isinstance(container, list) else container.get(key)
        if not isinstance(value, str) or not value.strip() or value.startswith("builtin:"):
            return
        p = _absolute(value, base)
        ok = p.is_dir() if want_dir else p.is_file()
        if not ok:
            if p.exists():
                kind = "a file" if want_dir else "a folder"
                msg = f"{value} is {kind}; give {what}"
            else:
                msg = f"no such {'folder' if want_dir else 'file'} {value} (looked for {p}); give {what}"
            raise ScenarioError(msg, where=_where(shown, text, field), field=field)
        container[key] = str(p)

    file_field(out, "dem", "dem", "an elevation GeoTIFF, relative to the scenario file or absolute")
    cats = out.get("catalogues")
    if isinstance(cats, str):
        cats = out["catalogues"] = [cats]
    if isinstance(cats, list):
        for i, c in enumerate(cats):
            if isinstance(c, str) and is_type_path(c):
                file_field(cats, i, f"catalogues[{i}]", "a folder of type files (.yaml) or one type file")
            else:
                file_field(cats, i, f"catalogues[{i}]", "a folder of aircraft and radar type files (.yaml)",
                           want_dir=True)

    def type_field(container: Any, key: str, field: str, kind: str) -> None:
        if isinstance(container, dict) and isinstance(container.get(key), str) and is_type_path(container[key]):
            file_field(container, key, field, f"the path of an {kind} type file (.yaml) or a catalogue type name"
                       if kind == "aircraft" else f"the path of a {kind} type file (.yaml) or a catalogue type name")

    type_field(out.get("aircraft"), "type", "aircraft.type", "aircraft")
    for i, r in enumerate(out.get("radars") or [] if isinstance(out.get("radars"), list) else []):
        type_field(r, "type", f"radars[{i}].type", "radar")
    for i, f in enumerate(out.get("interceptors") or [] if isinstance(out.get("interceptors"), list) else []):
        type_field(f, "type", f"interceptors[{i}].type", "aircraft")
        type_field(f, "radar", f"interceptors[{i}].radar", "radar")
    return out
