"""The aircraft catalogue: YAML data files in ``foxbat/aircraft/data``, one per type.

Every figure is a mapping with its ``value`` and either ``source`` (a citation, the
``[Sxx]`` tags of the project's fact sheets) or ``notional: true`` with a ``reason``;
a file without provenance for a figure does not load. Tables (speed envelope, climb
rate, fuel flow) carry their provenance once for the whole table.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from foxbat.errors import ScenarioError
from foxbat.provenance import Figure, Provenance


class OptionalFigure(Provenance):
    """A number that may be absent (``value: null``, e.g. no afterburner), with provenance."""

    value: float | None = None


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


class FuelFlowTable(Provenance):
    """Level-flight fuel flow (kg/h) on an altitude × Mach grid, bilinear in between."""

    altitude_m: list[float] = Field(min_length=2)
    mach: list[float] = Field(min_length=2)
    kg_per_h: list[list[float]] = Field(description="one row per altitude, one column per Mach")
    derivation: str | None = None

    @model_validator(mode="after")
    def _check_grid(self):
        if len(self.kg_per_h) != len(self.altitude_m):
            raise ValueError("kg_per_h needs one row per altitude_m entry")
        if any(len(r) != len(self.mach) for r in self.kg_per_h):
            raise ValueError("each kg_per_h row needs one value per mach entry")
        if any(b <= a for a, b in zip(self.altitude_m, self.altitude_m[1:])):
            raise ValueError("altitude_m must increase")
        if any(b <= a for a, b in zip(self.mach, self.mach[1:])):
            raise ValueError("mach must increase")
        if any(v <= 0 for r in self.kg_per_h for v in r):
            raise ValueError("fuel flows must be > 0 kg/h")
        return self


class AircraftSpec(BaseModel):
    """One aircraft type as written in its data file. Units are in the field names."""

    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    description: str = ""
    # masses
    empty_mass_kg: Figure
    takeoff_mass_kg: Figure
    internal_fuel_kg: Figure
    # engines
    engine_count: Figure
    thrust_dry_n: Figure = Field(description="static sea-level thrust of one engine, dry (military)")
    thrust_ab_n: OptionalFigure = Field(description="static sea-level thrust of one engine with afterburner")
    tsfc_dry_kg_per_kgf_h: Figure
    tsfc_ab_kg_per_kgf_h: OptionalFigure
    idle_fuel_flow_kg_h: Figure = Field(description="all engines at flight idle")
    # envelope
    max_mach: AltitudeTable
    max_eas_kmh: Figure = Field(description="sea-level speed limit as an equivalent airspeed (dynamic-pressure limit)")
    min_eas_kmh: Figure = Field(description="slowest clean flying speed, equivalent airspeed")
    ceiling_m: Figure
    climb_rate_dry_mps: AltitudeTable
    climb_rate_max_mps: AltitudeTable = Field(description="with afterburner where fitted")
    max_descent_rate_mps: Figure
    max_load_factor: Figure
    accel_dry_mps2: Figure = Field(description="level acceleration at military power, typical")
    accel_max_mps2: Figure = Field(description="level acceleration with afterburner where fitted")
    decel_air_mps2: Figure = Field(description="deceleration at idle with airbrakes")
    # take-off and landing
    takeoff_accel_mps2: Figure
    liftoff_kmh: Figure
    approach_kmh: Figure
    touchdown_kmh: Figure
    roll_decel_mps2: Figure = Field(description="landing roll deceleration with wheel brakes only")
    roll_decel_chute_mps2: OptionalFigure = Field(description="with the drag chute(s); null if none")
    # fuel and glide
    fuel_flow_level: FuelFlowTable
    induced_share: Figure = Field(description="share of level-flight drag that is induced (scales with n²)")
    glide_ratio: Figure
    glide_eas_kmh: Figure
    rcs_m2: OptionalFigure | None = None
    min_climb_out_agl_m: Figure | None = Field(
        default=None, description="lowest climb-out height a take-off leg may set, m above ground "
                                  "(default 15.24 m = 50 ft, the take-off screen height)")

    @model_validator(mode="after")
    def _check_consistency(self):
        if self.empty_mass_kg.value + self.internal_fuel_kg.value > self.takeoff_mass_kg.value + 1e-6:
            raise ValueError("empty mass + internal fuel exceeds take-off mass")
        if (self.thrust_ab_n.value is None) != (self.tsfc_ab_kg_per_kgf_h.value is None):
            raise ValueError("thrust_ab_n and tsfc_ab_kg_per_kgf_h must both be given or both null")
        if not self.touchdown_kmh.value <= self.approach_kmh.value:
            raise ValueError("touchdown_kmh must not exceed approach_kmh")
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
