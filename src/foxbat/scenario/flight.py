"""The ``aircraft`` and ``route`` sections of a scenario file (pydantic v2).

A flight scenario is YAML::

    name: my-flight
    epoch_utc: "1976-09-06T03:50:00Z"    # simulation time t_s counts from here
    dem: null                            # GeoTIFF path; null = the built-in DEM
    aircraft: {type: MiG-25P, fuel_kg: 14000, payload_kg: 500}
    route:
      step_s: 1
      legs:
        - takeoff: {runway: {lat: .., lon: .., heading_deg: .., length_m: .., elevation_m: ..}}
        - fly_to: {lat: .., lon: .., alt_msl_m: 5000, speed: {mach: 0.85}}
        - follow_terrain: {lat: .., lon: .., height_agl_m: 250, speed: {tas_kmh: 1000}}
        - land: {runway: {...}, drag_chute: true}

``route`` may also be a plain list of legs. Other top-level sections (``radars``,
``sides`` ...) belong to other stages and are ignored here. Every leg may carry
``source`` or ``notional: true`` with a ``reason``; built-in scenarios always do.
Angles in degrees, heights in metres, speeds as named (``_kmh``, ``_mps``, ``mach``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from foxbat.errors import InputFileError, ScenarioError
from foxbat.provenance import CALIBRATED_TO_HELP, CalibratedTo

BUILTIN_PREFIX = "builtin:"
DEFAULT_FLIGHT = "builtin:belenko-1976"


class _Strict(BaseModel):
    # NaN and infinities are refused everywhere: every number has finite, physical bounds
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Provenance(_Strict):
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where the figure is not sourced")
    reason: str | None = Field(default=None, description="why a notional figure was chosen")
    label: str | None = Field(default=None, description="a name for the leg in events and plots")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _check_reason(self):
        if self.notional and not self.reason:
            raise ValueError("a notional leg needs a one-line 'reason'")
        return self


class Speed(_Strict):
    """Exactly one of Mach, true airspeed, ground speed (no wind: ground speed is the
    horizontal part of the true airspeed) or a schedule of the aircraft's flight model:
    ``best_range`` (most distance per kg of fuel), ``best_endurance`` (least fuel per
    second) or ``max_dry`` (the fastest level speed at full dry thrust), each at the leg's
    altitude and the mass with half the fuel burnt (foxbat.aircraft.performance)."""

    mach: float | None = Field(default=None, gt=0, le=5)
    tas_kmh: float | None = Field(default=None, gt=0, le=6000)
    tas_mps: float | None = Field(default=None, gt=0, le=1700)
    tas_kt: float | None = Field(default=None, gt=0, le=3300)
    gs_kmh: float | None = Field(default=None, gt=0, le=6000)
    gs_mps: float | None = Field(default=None, gt=0, le=1700)
    schedule: Literal["best_range", "best_endurance", "max_dry"] | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of mach, tas_kmh, tas_mps, tas_kt, gs_kmh, gs_mps, schedule")
        return self

    def mode_value(self) -> tuple[str, float]:
        """('mach'|'tas'|'gs', value in Mach or m/s); a schedule must be resolved first
        (foxbat.flight.route resolves it for the aircraft and the leg)."""
        if self.schedule is not None:
            raise ValueError(f"speed schedule {self.schedule!r} needs an aircraft to resolve it")
        if self.mach is not None:
            return "mach", self.mach
        if self.tas_kmh is not None:
            return "tas", self.tas_kmh / 3.6
        if self.tas_mps is not None:
            return "tas", self.tas_mps
        if self.tas_kt is not None:
            return "tas", self.tas_kt * 1852.0 / 3600.0
        if self.gs_kmh is not None:
            return "gs", self.gs_kmh / 3.6
        return "gs", float(self.gs_mps)

    def describe(self) -> str:
        if self.schedule is not None:
            return f"the {self.schedule} schedule"
        mode, val = self.mode_value()
        return f"Mach {val:g}" if mode == "mach" else f"{val * 3.6:,.0f} km/h {mode.upper()}"


class Point(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)


class Runway(Provenance):
    """A runway: threshold position of the landing (or take-off) direction, true heading of
    that direction, length and elevation."""

    name: str | None = None
    lat: float = Field(ge=-90, le=90, description="threshold latitude, deg")
    lon: float = Field(ge=-180, le=360, description="threshold longitude, deg")
    heading_deg: float = Field(ge=0, le=360, description="true heading of the runway direction used")
    length_m: float = Field(gt=0, le=10000)
    elevation_m: float = Field(ge=-500, le=9000, description="threshold elevation, m MSL")


class _Alt(Provenance):
    """An optional altitude MSL or height AGL (not both)."""

    alt_msl_m: float | None = Field(default=None, ge=-500, le=30000, description="altitude, m MSL")
    height_agl_m: float | None = Field(default=None, ge=0, le=20000, description="height above ground, >= 0")
    speed: Speed | None = None
    afterburner: bool = False
    load_factor: float | None = Field(default=None, gt=1, le=12, description="turn and pull-up load factor")

    @model_validator(mode="after")
    def _one_alt(self):
        if self.alt_msl_m is not None and self.height_agl_m is not None:
            raise ValueError("give alt_msl_m or height_agl_m, not both")
        return self


class Start(_Alt):
    """Start in the air at a position, heading and speed."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)
    heading_deg: float = Field(ge=0, le=360)
    speed: Speed

    @model_validator(mode="after")
    def _need_alt(self):
        if self.alt_msl_m is None and self.height_agl_m is None:
            raise ValueError("give alt_msl_m or height_agl_m")
        return self


class Takeoff(Provenance):
    runway: Runway
    afterburner_s: float | None = Field(default=None, ge=0, le=3600,
                                        description="afterburner from brake release for this long; "
                                                    "default: the ground roll")
    speed: Speed | None = Field(default=None, description="climb-out speed; default the next leg's")
    climb_out_agl_m: float | None = Field(
        default=None, gt=0, description="height above ground (and runway) to climb out to, straight ahead, and "
                                        "level at; down to the type's min_climb_out_agl_m (default 15.24 m, the 50 ft "
                                        "screen height). Default: a full-rate climb to 150 m, which overshoots")


class FlyTo(_Alt):
    """Fly to a point; a height_agl_m there means terrain following along the leg."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)
    climb_rate_mps: float | Literal["max"] | None = Field(
        default=None, description="climb/descent rate to the new altitude, m/s, or 'max' (default)")

    @field_validator("climb_rate_mps")
    @classmethod
    def _pos_rate(cls, v):
        if isinstance(v, float) and not v > 0:
            raise ValueError("climb_rate_mps must be > 0 m/s (or 'max')")
        return v


class FollowTerrain(_Alt):
    """Follow the terrain at a set height to a point, looking ahead on the DEM."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=360)
    height_agl_m: float = Field(ge=0, le=20000, description="set height above ground, >= 0")


class ClimbDescend(Provenance):
    """Climb or descend to an altitude on the current heading (or toward a point)."""

    to_alt_msl_m: float | None = Field(default=None, ge=-500, le=30000)
    to_height_agl_m: float | None = Field(default=None, ge=0, le=20000)
    rate_mps: float | Literal["max"] = Field(default="max")
    toward: Point | None = None
    heading_deg: float | None = Field(default=None, ge=0, le=360)
    speed: Speed | None = None
    afterburner: bool = False
    load_factor: float | None = Field(default=None, gt=1, le=12)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.to_alt_msl_m is None) == (self.to_height_agl_m is None):
            raise ValueError("give exactly one of to_alt_msl_m, to_height_agl_m")
        if isinstance(self.rate_mps, float) and not self.rate_mps > 0:
            raise ValueError("rate_mps must be > 0 m/s (or 'max')")
        if self.toward is not None and self.heading_deg is not None:
            raise ValueError("give toward or heading_deg, not both")
        return self


class Dive(ClimbDescend):
    """Dive at a flight-path angle to an altitude or height."""

    angle_deg: float = Field(default=20.0, gt=0, lt=90)


class Circle(_Alt):
    """Circle a centre (default: abeam the aircraft on the turn side) for turns or a duration."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=360)
    radius_m: float | None = Field(default=None, gt=0, le=200000,
                                   description="default: the tightest turn at the load factor")
    turns: float | None = Field(default=None, gt=0, le=100)
    duration_s: float | None = Field(default=None, gt=0, le=86400)
    direction: Literal["left", "right"] = "left"

    @model_validator(mode="after")
    def _check(self):
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon of the centre, or neither")
        if (self.turns is None) == (self.duration_s is None):
            raise ValueError("give exactly one of turns, duration_s")
        return self


class Hold(Circle):
    """Hold (orbit) for a duration; a circle with duration_s."""

    turns: float | None = Field(default=None, gt=0, le=100)
    duration_s: float | None = Field(default=None, gt=0, le=86400)


class Land(Provenance):
    runway: Runway
    touchdown_from_threshold_m: float = Field(default=300.0, ge=0, le=5000)
    glide_slope_deg: float = Field(default=3.0, gt=0, lt=15)
    final_approach_km: float = Field(default=10.0, gt=0, le=50)
    drag_chute: bool | None = Field(default=None, description="default: yes where the aircraft has one")
    speed: Speed | None = Field(default=None, description="approach speed; default the aircraft's")
    load_factor: float | None = Field(default=None, gt=1, le=12)


LEG_KINDS = ("start", "takeoff", "fly_to", "follow_terrain", "climb", "descend", "dive", "circle", "hold", "land")


class Leg(_Strict):
    """One route leg: a mapping with exactly one of the keys of LEG_KINDS."""

    start: Start | None = None
    takeoff: Takeoff | None = None
    fly_to: FlyTo | None = None
    follow_terrain: FollowTerrain | None = None
    climb: ClimbDescend | None = None
    descend: ClimbDescend | None = None
    dive: Dive | None = None
    circle: Circle | None = None
    hold: Hold | None = None
    land: Land | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any):
        if not isinstance(data, dict):
            raise ValueError(f"a leg is a mapping with one of the keys {', '.join(LEG_KINDS)}")
        keys = [k for k in data if k in LEG_KINDS]
        unknown = [k for k in data if k not in LEG_KINDS]
        if unknown:
            raise ValueError(f"unknown leg kind {unknown[0]!r}; allowed: {', '.join(LEG_KINDS)}")
        if len(keys) != 1:
            raise ValueError(f"a leg has exactly one of the keys {', '.join(LEG_KINDS)}")
        return data

    @property
    def kind(self) -> str:
        return next(k for k in LEG_KINDS if getattr(self, k) is not None)

    @property
    def body(self):
        return getattr(self, self.kind)


class Route(_Strict):
    step_s: float = Field(default=1.0, ge=0.05, le=10, description="integration step, s")
    max_duration_s: float = Field(default=6 * 3600.0, gt=0, le=48 * 3600.0)
    load_factor: float | None = Field(default=None, gt=1, le=12,
                                      description="turn and pull-up load factor; default min(2.5, aircraft max)")
    look_ahead_s: float = Field(default=60.0, gt=0, le=600, description="terrain-following look-ahead, s")
    clearance_tolerance: float = Field(default=0.2, ge=0, le=1,
                                       description="terrain following: a violation is logged below "
                                                   "(1 - this) x the set height")
    legs: list[Leg] = Field(min_length=2)

    @model_validator(mode="before")
    @classmethod
    def _list_form(cls, data: Any):
        if isinstance(data, list):
            return {"legs": data}
        return data

    @model_validator(mode="after")
    def _order(self):
        kinds = [leg.kind for leg in self.legs]
        if kinds[0] not in ("start", "takeoff"):
            raise ValueError("the first leg must be 'start' (in the air) or 'takeoff'")
        for i, k in enumerate(kinds[1:], start=2):
            if k in ("start", "takeoff"):
                raise ValueError(f"leg {i}: '{k}' may only be the first leg")
            if k == "land" and i != len(kinds):
                raise ValueError(f"leg {i}: 'land' must be the last leg")
        return self


class AircraftSection(_Strict):
    type: str = Field(description="catalogue type, e.g. MiG-25P, or the path of a type file (.yaml, relative to "
                                  "the scenario file)")
    fuel_kg: float | None = Field(default=None, ge=0, le=200000, description="fuel at start; default: full internal fuel")
    payload_kg: float = Field(default=0.0, ge=0, le=50000, description="mass besides the empty aircraft and fuel")
    callsign: str | None = None
    source: str | None = None
    notional: bool = False
    reason: str | None = None
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)


class FlightScenario(BaseModel):
    """The parts of a scenario file the flight stage reads; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    name: str = Field(default="flight", max_length=100)
    title: str | None = Field(default=None, max_length=300)
    epoch_utc: datetime | None = None
    dem: str | None = Field(default=None, description="elevation GeoTIFF, relative to the scenario file (or "
                                                      "absolute), or builtin:NAME; empty: the built-in DEM")
    catalogues: list[str] = Field(default=[], description="folders (relative to the scenario file) whose .yaml files "
                                                          "add aircraft and radar types by name; see "
                                                          "docs/aircraft-format.md, docs/radar-format.md")
    aircraft: AircraftSection
    route: Route

    @field_validator("epoch_utc", mode="before")
    @classmethod
    def _not_a_number(cls, v):
        return epoch_not_a_number(v)

    @field_validator("epoch_utc")
    @classmethod
    def _utc(cls, v):
        return None if v is None else epoch_utc(v)


def epoch_not_a_number(v):
    """Refuse an epoch given as a number (YAML would hand it over as Unix time)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        raise ValueError(f"give a date and time, e.g. \"1976-09-06T03:50:00Z\", not the number {v!r}")
    return v


def epoch_utc(v: datetime) -> datetime:
    """A scenario epoch: naive means UTC; only the years 1900 to 2100."""
    if v.tzinfo is None:
        v = v.replace(tzinfo=timezone.utc)
    if not 1900 <= v.astimezone(timezone.utc).year <= 2100:
        raise ValueError(f"must be within the years 1900 to 2100, got {v.isoformat()}")
    return v


def builtin_flight_path(name: str) -> Path:
    from importlib.resources import files

    return Path(str(files("foxbat.scenario") / "builtin" / f"{name}.yaml"))


def _loc_text(loc: tuple) -> str:
    parts: list[str] = []
    i = 0
    while i < len(loc):
        p = loc[i]
        if p == "legs" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            parts.append(f"legs[{loc[i + 1] + 1}]")
            i += 2
            continue
        parts.append(str(p))
        i += 1
    return ".".join(parts) or "(top level)"


def parse_flight_scenario(data: Any, where: str) -> FlightScenario:
    """Validate a parsed YAML document; ScenarioError naming the file and the field."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario file is a YAML mapping with 'aircraft' and 'route'", where=where)
    for key in ("aircraft", "route"):
        if key not in data:
            raise ScenarioError(f"missing section '{key}'", where=where, field=key)
    try:
        return FlightScenario.model_validate(data)
    except ValidationError as exc:
        from foxbat.schema_errors import explain

        err = exc.errors()[0]
        _, msg = explain(err, FlightScenario)
        got = err.get("input")
        if err["type"] == "value_error" or err["type"].startswith(("greater", "less")) or isinstance(got, dict):
            pass
        elif "got " not in msg:
            msg += f" (got {got!r})"
        raise ScenarioError(msg, where=where, field=_loc_text(err["loc"])) from None


def load_flight_scenario(path_or_name: str | Path) -> tuple[FlightScenario, str]:
    """Read a flight scenario file (or ``builtin:NAME``); returns it and the name to show."""
    text = str(path_or_name)
    if text.startswith(BUILTIN_PREFIX):
        p = builtin_flight_path(text[len(BUILTIN_PREFIX):])
        if not p.exists():
            from importlib.resources import files

            names = sorted(q.stem for q in Path(str(files("foxbat.scenario") / "builtin")).glob("*.yaml"))
            raise InputFileError(f"no built-in scenario of that name; built-in: {', '.join(names)}", where=text)
        shown = text
    else:
        p = Path(text)
        shown = text
        if not p.exists():
            raise InputFileError("no such file; give a scenario YAML file", where=shown)
        if p.is_dir():
            raise InputFileError("is a folder; give a scenario YAML file", where=shown)
    from foxbat.scenario.paths import resolve_scenario_files
    from foxbat.scenario.run import _with_line
    from foxbat.yamlio import read_yaml

    data, text = read_yaml(p, shown)
    try:
        data = resolve_scenario_files(data, p.parent, shown, text)
        return parse_flight_scenario(data, shown), shown
    except ScenarioError as exc:
        raise _with_line(exc, text) from None
