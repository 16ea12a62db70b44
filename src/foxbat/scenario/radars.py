"""The ``radars`` section of a scenario file, and stand-alone sites files (YAML or CSV).

A sites file is either a YAML list of radars, a YAML mapping with a ``radars:`` list
(so a whole scenario file can be given), or a CSV with a header row using the same
field names. Every figure in a built-in file carries ``source`` or ``notional: true``
with a ``reason``.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from foxbat.coverage.site import DEFAULT_MAX_RANGE_M, RadarSite
from foxbat.errors import InputFileError, ScenarioError
from foxbat.provenance import CALIBRATED_TO_HELP, CalibratedTo

BUILTIN_PREFIX = "builtin:"


class RadarSpec(BaseModel):
    """One radar site of a scenario. Angles in degrees, heights in metres, range in km."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=64, description="unique name of the site")
    lat: float = Field(ge=-90, le=90, description="latitude, degrees north (WGS84)")
    lon: float = Field(ge=-180, le=360, description="longitude, degrees east (WGS84)")
    antenna_agl_m: float | None = Field(default=None, ge=0, le=1000, description="antenna height above the DEM, m")
    antenna_msl_m: float | None = Field(default=None, ge=-500, le=9000,
                                        description="antenna altitude above mean sea level, m (needed for a site "
                                                    "beyond the DEM's edge; not far below the ground)")
    max_range_km: float = Field(default=DEFAULT_MAX_RANGE_M / 1000, gt=0, le=3000, description="instrumented range, km")
    min_elev_deg: float | None = Field(default=None, gt=-90, lt=90, description="lowest beam elevation, deg")
    max_elev_deg: float | None = Field(default=None, gt=-90, lt=90, description="highest beam elevation, deg")
    side: str | None = Field(default=None, description="the side that operates it")
    type: str | None = Field(default=None, description="radar type from the catalogue, or the path of a type "
                                                       "file (.yaml, relative to the scenario file)")
    operating: bool = Field(default=True, description="false: the radar is off (it makes no scans)")
    source: str | None = Field(default=None, description="citation for the position and antenna")
    notional: bool = Field(default=False, description="true where a figure is not sourced")
    reason: str | None = Field(default=None, description="why a notional figure was chosen")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _check(self) -> "RadarSpec":
        if self.antenna_agl_m is None and self.antenna_msl_m is None:
            raise ValueError("give antenna_agl_m (above ground) or antenna_msl_m (above sea level)")
        if self.notional and not self.reason:
            raise ValueError("a notional site needs a one-line 'reason'")
        if (self.min_elev_deg is not None and self.max_elev_deg is not None
                and self.max_elev_deg <= self.min_elev_deg):
            raise ValueError("max_elev_deg must exceed min_elev_deg")
        return self

    def to_site(self) -> RadarSite:
        return RadarSite(
            lat_deg=self.lat, lon_deg=self.lon, antenna_agl_m=self.antenna_agl_m,
            antenna_msl_m=self.antenna_msl_m, max_range_m=self.max_range_km * 1000.0,
            min_elev_deg=self.min_elev_deg, max_elev_deg=self.max_elev_deg, name=self.name)


def builtin_scenario_path(name: str) -> Path:
    """Path of a built-in scenario file by name (e.g. ``belenko-1976``)."""
    return Path(str(files("foxbat.scenario") / "builtin" / f"{name}.yaml"))


def builtin_scenario_names() -> list[str]:
    folder = Path(str(files("foxbat.scenario") / "builtin"))
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _format_validation_error(exc: ValidationError, items: list[dict], where: str) -> ScenarioError:
    from foxbat.schema_errors import explain

    loc, msg = explain(exc.errors()[0], RadarSpec)
    return ScenarioError(msg, where=where, field=loc or None)


def parse_radars(items: Any, where: str) -> list[RadarSpec]:
    """Validate a list of radar mappings; errors name ``where`` and the field."""
    if not isinstance(items, list) or not items:
        raise ScenarioError("expected a non-empty list of radars", where=where, field="radars")
    specs = []
    for i, item in enumerate(items):
        label = f"radars[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError("each radar must be a mapping of fields", where=where, field=label)
        if isinstance(item.get("name"), str):
            label = f"radars[{i}] ({item['name']})"
        try:
            specs.append(RadarSpec.model_validate(item))
        except ValidationError as exc:
            e = _format_validation_error(exc, items, where)
            raise ScenarioError(e.detail, where=where, field=f"{label}.{e.field}" if e.field else label) from None
    names = [s.name for s in specs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ScenarioError(f"radar names must be unique; repeated: {', '.join(sorted(dup))}",
                            where=where, field="radars.name")
    return specs


def _read_csv(path: Path) -> list[dict]:
    import io

    from foxbat.yamlio import read_text_file

    rows = []
    with io.StringIO(read_text_file(path, str(path), "a CSV sites file"), newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"lat", "lon"} <= set(reader.fieldnames):
            raise ScenarioError("a CSV sites file needs a header row with at least lat,lon "
                                "(and name, antenna_agl_m or antenna_msl_m, max_range_km, ...)",
                                where=str(path))
        for n, row in enumerate(reader, start=1):
            clean: dict[str, Any] = {}
            for key, val in row.items():
                if key is None or val is None or val.strip() == "":
                    continue
                key = key.strip()
                val = val.strip()
                if key in ("name", "side", "type", "source", "reason"):
                    clean[key] = val
                elif key == "notional":
                    clean[key] = val.lower() in ("1", "true", "yes")
                else:
                    try:
                        clean[key] = float(val)
                    except ValueError:
                        raise ScenarioError(f"row {n}: {val!r} is not a number", where=str(path),
                                            field=key) from None
            clean.setdefault("name", f"radar{n}")
            rows.append(clean)
    return rows


def load_sites_file(path_or_name: str, defaults: dict | None = None) -> list[RadarSpec]:
    """Radars from a YAML or CSV file, or ``builtin:NAME`` / a built-in scenario name.

    ``defaults`` fill fields a row leaves out (e.g. the command line's --antenna-agl).
    """
    return _read_sites(path_or_name, defaults)[0]


def _read_sites(path_or_name: str, defaults: dict | None = None) -> tuple[list[RadarSpec], str, str, tuple]:
    """(radars, the file as shown, its text, the catalogue folders it lists); type paths
    and catalogue folders resolved against the file's folder."""
    from foxbat.catalogues import is_type_path
    from foxbat.scenario.paths import resolve_scenario_files

    text = str(path_or_name)
    name = text.removeprefix(BUILTIN_PREFIX)
    path = Path(text)
    if text.startswith(BUILTIN_PREFIX) or (not path.exists() and name in builtin_scenario_names()):
        path = builtin_scenario_path(name)
        if not path.exists():
            raise InputFileError(f"no built-in scenario {name!r}; built-in: {', '.join(builtin_scenario_names())}",
                                 where="--sites")
    where = str(path)
    if not path.exists():
        raise InputFileError("no such file; give a YAML or CSV sites file, or builtin:NAME", where=f"--sites {where}")
    body, catalogues = "", ()
    if path.suffix.lower() == ".csv":
        items = _read_csv(path)
        for it in items:  # a type file named in a CSV is relative to the CSV file
            t = it.get("type")
            if isinstance(t, str) and is_type_path(t) and not Path(t).expanduser().is_absolute():
                it["type"] = str((path.parent / t).resolve())
    else:
        from foxbat.yamlio import read_yaml

        data, body = read_yaml(path, where)
        if isinstance(data, dict):
            data = resolve_scenario_files({k: data[k] for k in ("radars", "catalogues") if k in data},
                                          path.parent, where, body)
            catalogues = tuple(data.get("catalogues") or ())
        items = data.get("radars") if isinstance(data, dict) else data
        if isinstance(data, dict) and "radars" not in data:
            raise ScenarioError("no 'radars' section", where=where, field="radars")
    if defaults:
        items = [({**{k: v for k, v in defaults.items() if v is not None}, **it} if isinstance(it, dict) else it)
                 for it in (items or [])]
    return parse_radars(items, where), where, body, catalogues


def sites_from_specs(specs: list[RadarSpec]) -> list[RadarSite]:
    return [s.to_site() for s in specs]


def coverage_site(spec: RadarSpec, radar_type=None) -> RadarSite:
    """The coverage engine's site for a scenario radar with its type's limits, the one
    rule ``foxbat run`` and ``foxbat coverage --sites`` share: the range is the lower of the
    site's ``max_range_km`` and the type's instrumented range; the lowest and highest beam
    elevations are the site's ``min_elev_deg``/``max_elev_deg`` where given, else the
    type's ``elevation_min_deg``/``elevation_max_deg``. Without a type, the site's own."""
    if radar_type is None:
        return spec.to_site()
    rt = radar_type
    return RadarSite(
        lat_deg=spec.lat, lon_deg=spec.lon, antenna_agl_m=spec.antenna_agl_m, antenna_msl_m=spec.antenna_msl_m,
        max_range_m=min(spec.max_range_km * 1000.0, rt.instrumented_range_m.value),
        min_elev_deg=rt.elevation_min_deg.value if spec.min_elev_deg is None else spec.min_elev_deg,
        max_elev_deg=rt.elevation_max_deg.value if spec.max_elev_deg is None else spec.max_elev_deg,
        name=spec.name)


def sites_with_types(path_or_name: str, defaults: dict | None = None) -> list[RadarSite]:
    """The sites of a sites or scenario file, each with its radar type's limits
    (:func:`coverage_site`); rows without a type keep their own. Unknown types and
    airborne types are ScenarioErrors naming the file, the line and the field."""
    return sites_and_types(path_or_name, defaults)[0]


def sites_and_types(path_or_name: str, defaults: dict | None = None):
    """:func:`sites_with_types` and each site's radar type (None where the row gives none)."""
    from foxbat.radar.catalogue import get_radar_type
    from foxbat.scenario.yaml_lines import line_of

    specs, where, body, catalogues = _read_sites(path_or_name, defaults)
    sites, types = [], []
    for i, spec in enumerate(specs):
        rt = None
        if spec.type:
            field = f"radars[{i}] ({spec.name}).type"
            line = line_of(body, field)
            at = f"{where}:{line}" if line else where
            rt = get_radar_type(spec.type, where=at, field=field, catalogues=catalogues)
            if rt.platform != "ground":
                raise ScenarioError(f"{rt.name} is an airborne radar; a site needs a ground radar type",
                                    where=at, field=field)
        sites.append(coverage_site(spec, rt))
        types.append(rt)
    return sites, types
