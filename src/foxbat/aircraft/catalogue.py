"""The aircraft catalogue: YAML data files in ``foxbat/aircraft/data``, one per type.

Every figure is a mapping with its ``value`` and either ``source`` (a citation, the
``[Sxx]`` tags of the project's fact sheets) or ``notional: true`` with a ``reason``;
a file without provenance for a figure does not load. Tables (speed envelope, drag
polar) carry their provenance once for the whole table. Figures fitted to published
performance name it in ``calibrated_on`` (ids of the file's ``calibration`` list,
which the tests fly); ``calibrated_to`` (:mod:`foxbat.provenance`) is for figures
fitted to a recorded event of a scenario's history.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from foxbat.errors import ScenarioError
from foxbat.provenance import Figure, Provenance


class OptionalFigure(Provenance):
    """A number that may be absent (``value: null``, e.g. no afterburner), with provenance."""

    value: float | None = None
    calibrated_on: list[str] = []


class AltitudeTable(Provenance):
    """Values by altitude (m MSL), linearly interpolated, held flat beyond the ends."""

    altitude_m: list[float] = Field(min_length=1)
    values: list[float] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_table(self):
        if len(self.altitude_m) != len(self.values):
            raise ValueError("altitude_m and values must have the same length")
        if any(b <= a for a, b in zip(self.altitude_m, self.altitude_m[1:])):
            raise ValueError("altitude_m must increase")
        return self


class CalibratedFigure(Figure):
    """A figure fitted to published performance: ``calibrated_on`` names entries of the
    file's ``calibration`` list (published figures that are not the flagship's flight)."""

    calibrated_on: list[str] = []


class DragPolar(Provenance):
    """CD0(M) and K(M) of the drag polar CD = CD0 + K·CL², linear in Mach, flat beyond the ends."""

    mach: list[float] = Field(min_length=2)
    cd0: list[float] = Field(min_length=2)
    k: list[float] = Field(min_length=2)
    derivation: str | None = None
    calibrated_on: list[str] = []

    @model_validator(mode="after")
    def _check_polar(self):
        if not len(self.mach) == len(self.cd0) == len(self.k):
            raise ValueError("mach, cd0 and k must have the same length")
        if any(b <= a for a, b in zip(self.mach, self.mach[1:])):
            raise ValueError("mach must increase")
        if any(v <= 0 for v in self.cd0 + self.k):
            raise ValueError("cd0 and k must be > 0")
        return self


class CalibrationTarget(BaseModel):
    """A published performance figure and the mission that reproduces it (tests fly it).

    kinds: ``range`` (km: take-off, climb to ``alt_msl_m``, cruise at ``mach`` until the
    fuel is gone), ``ceiling`` (m: where the best steady climb falls to 0.5 m/s),
    ``climb_time`` (s: to ``to_alt_m`` on the best-climb schedule), ``climb_rate``
    (m/s: the best steady climb at ``alt_msl_m``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    what: str
    kind: Literal["range", "ceiling", "climb_time", "climb_rate"]
    published: float
    tolerance_rel: float = Field(gt=0, lt=1)
    tolerance_reason: str
    source: str
    alt_msl_m: float = 0.0
    to_alt_m: float | None = None
    mach: float | None = None
    afterburner: bool = False
    mass_kg: float | None = Field(default=None, description="default: the catalogue take-off mass")
    fuel_kg: float | None = Field(default=None, description="default: the internal fuel")
    role: Literal["calibrated", "check"] = Field(
        default="calibrated", description="calibrated: figures were fitted to it; check: only compared")


class AircraftSpec(BaseModel):
    """One aircraft type as written in its data file. Units are in the field names."""

    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    description: str = ""
    # masses
    empty_mass_kg: CalibratedFigure
    takeoff_mass_kg: CalibratedFigure
    internal_fuel_kg: CalibratedFigure
    # engines
    engine_count: CalibratedFigure
    thrust_dry_n: CalibratedFigure = Field(description="static sea-level thrust of one engine, dry (military)")
    thrust_ab_n: OptionalFigure = Field(description="static sea-level thrust of one engine with afterburner")
    thrust_lapse_exp: CalibratedFigure = Field(description="n in T = T_SL·σ^n·(1 + r·M)")
    thrust_ram_dry: CalibratedFigure = Field(description="r (dry) in T = T_SL·σ^n·(1 + r·M)")
    thrust_ram_ab: OptionalFigure = Field(description="r with afterburner; null if none")
    tsfc_dry_kg_per_kgf_h: CalibratedFigure = Field(description="static sea level")
    tsfc_ab_kg_per_kgf_h: OptionalFigure
    tsfc_mach_dry: CalibratedFigure = Field(description="c in TSFC = TSFC_SL·√θ·(1 + c·M)")
    tsfc_mach_ab: OptionalFigure
    tsfc_part_throttle: CalibratedFigure = Field(description="k in TSFC·(1 + k·(1 − T/T_max)), dry")
    idle_fuel_flow_kg_h: CalibratedFigure = Field(description="all engines at flight idle")
    idle_thrust_frac: CalibratedFigure = Field(description="idle thrust as a share of the dry static thrust")
    # aerodynamics
    wing_area_m2: CalibratedFigure
    drag_polar: DragPolar
    airbrake_delta_cd0: CalibratedFigure
    clmax_takeoff: CalibratedFigure
    clmax_landing: CalibratedFigure
    # envelope (structural and handling limits; thrust and drag set the rest)
    max_mach: AltitudeTable
    max_eas_kmh: CalibratedFigure = Field(description="sea-level speed limit as an equivalent airspeed (dynamic-pressure limit)")
    min_eas_kmh: CalibratedFigure = Field(description="slowest clean flying speed, equivalent airspeed")
    ceiling_m: CalibratedFigure
    max_descent_rate_mps: CalibratedFigure
    max_load_factor: CalibratedFigure
    # runway
    rolling_friction: CalibratedFigure
    braking_friction: CalibratedFigure
    chute_drag_area_m2: OptionalFigure = Field(description="drag area CD·S of the drag chute(s); null if none")
    rcs_m2: OptionalFigure | None = None
    min_climb_out_agl_m: Figure | None = Field(
        default=None, description="lowest climb-out height a take-off leg may set, m above ground "
                                  "(default 15.24 m = 50 ft, the take-off screen height)")
    calibration: list[CalibrationTarget] = []

    @model_validator(mode="after")
    def _check_consistency(self):
        if self.empty_mass_kg.value + self.internal_fuel_kg.value > self.takeoff_mass_kg.value + 1e-6:
            raise ValueError("empty mass + internal fuel exceeds take-off mass")
        ab = [self.thrust_ab_n.value is None, self.tsfc_ab_kg_per_kgf_h.value is None,
              self.thrust_ram_ab.value is None, self.tsfc_mach_ab.value is None]
        if len(set(ab)) != 1:
            raise ValueError("thrust_ab_n, tsfc_ab_kg_per_kgf_h, thrust_ram_ab and tsfc_mach_ab must all be "
                             "given or all null")
        ids = [c.id for c in self.calibration]
        if len(set(ids)) != len(ids):
            raise ValueError("calibration ids must be unique")
        for fname in type(self).model_fields:
            v = getattr(self, fname)
            for ref in getattr(v, "calibrated_on", None) or []:
                if ref not in ids:
                    raise ValueError(f"{fname}.calibrated_on names {ref!r}, which is not in 'calibration' "
                                     f"(known: {', '.join(ids) or 'none'})")
        return self

    @property
    def has_afterburner(self) -> bool:
        return self.thrust_ab_n.value is not None


def _data_dir() -> Path:
    return Path(str(files("foxbat.aircraft") / "data"))


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def load_spec_file(path: str | Path) -> AircraftSpec:
    """Read and validate one aircraft data file (errors name the file, line and field)."""
    from foxbat.catalogues import read_type_file

    entries = read_type_file(path)
    if entries[0].kind != "aircraft":
        raise ScenarioError("is a radar type file, not an aircraft type", where=str(path))
    return entries[0].spec


def aircraft_names() -> list[str]:
    """The built-in type names, sorted."""
    from foxbat.catalogues import builtin_catalogue

    return builtin_catalogue().names("aircraft")


def get_spec(name: str, where: str | None = None, field: str | None = "aircraft.type",
             catalogues: tuple = ()) -> AircraftSpec:
    """The type a ``type:`` value names: a catalogue name (case, spaces and dashes ignored;
    built-in or from the folders ``catalogues``) or the path of a type file."""
    from foxbat.catalogues import resolve

    return resolve("aircraft", name, catalogues=catalogues, where=where, field=field)


def notional_figures(spec: AircraftSpec) -> list[tuple[str, str]]:
    """(field, reason) of every notional figure of a type, for reports."""
    out = []
    for fname in type(spec).model_fields:
        v = getattr(spec, fname)
        if isinstance(v, Provenance) and v.notional:
            out.append((fname, v.reason or ""))
    return out
