"""One place that resolves aircraft and radar ``type:`` names and paths.

Types come from the built-in data files (``foxbat/aircraft/data/*.yaml``, one aircraft
type per file; ``foxbat/radar/data/radars.yaml``, a ``radars:`` list), from the files of
the folders a scenario lists under ``catalogues:``, and from a ``type:`` that is itself
the path of a YAML file (ending ``.yaml`` or ``.yml``). User files use the built-in
formats (docs/aircraft-format.md, docs/radar-format.md) and the same provenance rules:
every figure carries ``source:`` or ``notional: true`` with a ``reason:``.

What kind of type a file holds is read from its top level: a mapping with a
``radars:`` list is a radar catalogue, a mapping with ``platform:`` is one radar type,
any other mapping is one aircraft type.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from foxbat.errors import InputFileError, ScenarioError

KINDS = ("aircraft", "radar")
TYPE_SUFFIXES = (".yaml", ".yml")
BUILTIN = "built-in"


def key(name: str) -> str:
    """A type name as looked up: case, spaces and punctuation ignored."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def is_type_path(ref: str) -> bool:
    """Whether a ``type:`` value names a file rather than a catalogue type."""
    return str(ref).lower().endswith(TYPE_SUFFIXES)


@dataclass(frozen=True)
class Entry:
    """One type: its kind, its validated spec (AircraftSpec or RadarType), where it came from."""

    kind: str
    spec: Any
    origin: str  # "built-in" or the file's path

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def aliases(self) -> list[str]:
        return list(self.spec.aliases)


def _kind_of(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    if "radars" in raw:
        return "radar-list"
    return "radar" if "platform" in raw else "aircraft"


def _model(kind: str):
    if kind == "aircraft":
        from foxbat.aircraft.catalogue import AircraftSpec

        return AircraftSpec
    from foxbat.radar.catalogue import RadarType

    return RadarType


def _validate(kind: str, data: Any, shown: str, text: str, loc_prefix: str, label: str) -> Any:
    """Validate one type's mapping; ScenarioError ``file:line: field: what is wrong``."""
    from pydantic import ValidationError

    from foxbat.scenario.yaml_lines import line_of
    from foxbat.schema_errors import explain

    model = _model(kind)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld, msg = explain(err, model)
        full = ".".join(x for x in (loc_prefix, fld) if x)
        line = line_of(text, full) if full else None
        shown_field = ".".join(x for x in (label, fld) if x) or None
        raise ScenarioError(msg, where=f"{shown}:{line}" if line else shown, field=shown_field) from None


def read_type_file(path: str | os.PathLike, shown: str | None = None) -> list[Entry]:
    """The types of one user (or built-in) file; ScenarioError naming the file, the line
    and the field when a type does not validate."""
    from foxbat.yamlio import read_yaml

    p = Path(path)
    shown = shown or str(p)
    if not p.exists():
        raise InputFileError("no such file; give a YAML type file", where=shown)
    if p.is_dir():
        raise InputFileError("is a folder; give a YAML type file", where=shown)
    raw, text = read_yaml(p, shown)
    kind = _kind_of(raw)
    origin = str(p)
    if kind is None:
        raise ScenarioError("a type file is a YAML mapping: one aircraft type, one radar type "
                            "(with 'platform:'), or a radar catalogue ('radars:' list); "
                            "see docs/aircraft-format.md and docs/radar-format.md", where=shown)
    if kind == "aircraft":
        return [Entry("aircraft", _validate("aircraft", raw, shown, text, "", ""), origin)]
    if kind == "radar":
        return [Entry("radar", _validate("radar", raw, shown, text, "", ""), origin)]
    items = raw["radars"]
    extra = sorted(set(raw) - {"radars"})
    if extra:
        raise ScenarioError(f"unknown key {extra[0]!r} beside 'radars'; a radar catalogue holds only a "
                            "'radars:' list", where=shown, field=extra[0])
    if not isinstance(items, list) or not items:
        raise ScenarioError("must be a non-empty list of radar types", where=shown, field="radars")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ScenarioError("each radar type is a mapping of fields", where=shown, field=f"radars[{i}]")
        label = str(item.get("name", f"radars[{i}]"))
        out.append(Entry("radar", _validate("radar", item, shown, text, f"radars[{i}]", label), origin))
    _check_unique(out, shown)
    return out


def _check_unique(entries: Iterable[Entry], shown: str) -> None:
    seen: dict[tuple[str, str], Entry] = {}
    for e in entries:
        for n in [e.name, *e.aliases]:
            k = (e.kind, key(n))
            other = seen.get(k)
            if other is not None and other is not e:
                where_other = "a built-in type" if other.origin == BUILTIN else f"{other.name} ({other.origin})"
                raise ScenarioError(f"{e.kind} type name {n!r} is already used by {where_other}; "
                                    "give the type another name", where=shown,
                                    field=e.name if e.origin != BUILTIN else None)
            seen[k] = e


@dataclass
class Catalogue:
    """Aircraft and radar types by name (aliases included; case, spaces and punctuation ignored)."""

    entries: list[Entry]
    _index: dict[tuple[str, str], Entry] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for e in self.entries:
            for n in [e.name, *e.aliases]:
                self._index[(e.kind, key(n))] = e

    def names(self, kind: str) -> list[str]:
        """The type names of a kind, sorted."""
        return sorted({e.name for e in self.entries if e.kind == kind})

    def find(self, name: str, kind: str | None = None) -> list[Entry]:
        kinds = KINDS if kind is None else (kind,)
        return [self._index[(k, key(name))] for k in kinds if (k, key(name)) in self._index]

    def get(self, kind: str, name: str, where: str | None = None, field: str | None = None) -> Any:
        e = self._index.get((kind, key(name)))
        if e is None:
            art = "an" if kind == "aircraft" else "a"
            raise ScenarioError(f"unknown {kind} type {name!r}; known types: {', '.join(self.names(kind))}; "
                                f"or give the path of {art} {kind} type file (.yaml)", where=where, field=field)
        return e.spec


def _builtin_files() -> list[Path]:
    from foxbat.aircraft.catalogue import _data_dir
    from foxbat.radar.catalogue import _data_file

    return [*sorted(_data_dir().glob("*.yaml")), _data_file()]


@lru_cache(maxsize=1)
def builtin_catalogue() -> Catalogue:
    """The types shipped with foxbat."""
    entries = []
    for p in _builtin_files():
        entries += [Entry(e.kind, e.spec, BUILTIN) for e in read_type_file(p)]
    _check_unique(entries, "built-in catalogue")
    return Catalogue(entries)


def _folder_files(folder: Path) -> list[Path]:
    return sorted(q for q in folder.iterdir() if q.suffix.lower() in TYPE_SUFFIXES and q.is_file())


def _stamp(paths: Iterable[Path]) -> tuple:
    return tuple((str(q), q.stat().st_mtime_ns, q.stat().st_size) for q in paths)


@lru_cache(maxsize=32)
def _user_catalogue(stamp: tuple) -> Catalogue:
    entries = list(builtin_catalogue().entries)
    for path, _, _ in stamp:
        new = read_type_file(path)
        _check_unique([*entries, *new], path)
        entries += new
    return Catalogue(entries)


def catalogue_for(folders: Iterable[str | os.PathLike] = (), where: str | None = None) -> Catalogue:
    """The built-in types plus those of every YAML file in ``folders`` (a folder's files in
    name order). A user type may not reuse a name of another type of its kind."""
    paths: list[Path] = []
    for f in folders:
        p = Path(f)
        if p.is_dir():
            paths += _folder_files(p)
        elif p.is_file():
            paths.append(p)
        else:
            raise InputFileError("no such folder; give a folder of type files (.yaml)", where=where or str(p))
    if not paths:
        return builtin_catalogue()
    return _user_catalogue(_stamp(paths))


@lru_cache(maxsize=64)
def _file_types(stamp: tuple) -> list[Entry]:
    return read_type_file(stamp[0][0])


def resolve(kind: str, ref: str, *, catalogues: Iterable[str | os.PathLike] = (), where: str | None = None,
            field: str | None = None) -> Any:
    """The spec a ``type:`` value names: a catalogue name (built-in or from ``catalogues``),
    or the path of a type file holding exactly one type of ``kind`` (relative paths are
    taken from the current folder; scenario loaders make them absolute first)."""
    return resolve_entry(kind, ref, catalogues=catalogues, where=where, field=field).spec


def resolve_entry(kind: str, ref: str, *, catalogues: Iterable[str | os.PathLike] = (), where: str | None = None,
                  field: str | None = None) -> Entry:
    """As :func:`resolve`, with where the type came from (``Entry.origin``)."""
    if is_type_path(ref):
        p = Path(ref).expanduser()
        if not p.is_file():
            art = "an" if kind == "aircraft" else "a"
            raise InputFileError(f"no such file {ref}; give the path of {art} {kind} type file (.yaml) "
                                 "or a catalogue type name", where=where, field=field)
        entries = [e for e in _file_types(_stamp([p])) if e.kind == kind]
        if len(entries) != 1:
            other = "radar" if kind == "aircraft" else "aircraft"
            what = f"holds {len(entries)} {kind} types" if entries else f"holds no {kind} type (is it a {other} file?)"
            raise ScenarioError(f"{ref} {what}; a type: path names a file with exactly one; "
                                "list a catalogue file under 'catalogues:' and name the type instead",
                                where=where, field=field)
        return entries[0]
    cat = catalogue_for(catalogues, where=where)
    cat.get(kind, ref, where=where, field=field)  # the error listing the known types
    return cat.find(ref, kind)[0]
