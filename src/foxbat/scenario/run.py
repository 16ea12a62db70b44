"""The whole scenario that ``foxbat run`` reads: sides, radars, the intruder's flight,
bases and interceptors.

One YAML file holds every section; the flight stage's sections (``aircraft``,
``route``) are validated by :mod:`foxbat.scenario.flight`, the radar sites by
:mod:`foxbat.scenario.radars`, the rest here. Units are in the field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from foxbat.errors import FoxbatError, InputFileError, ScenarioError
from foxbat.provenance import CALIBRATED_TO_HELP, CalibratedTo, Figure, Provenance
from foxbat.scenario.flight import FlightScenario, epoch_not_a_number, epoch_utc, parse_flight_scenario
from foxbat.scenario.history import HistoryEvent
from foxbat.scenario.radars import RadarSpec, builtin_scenario_names, builtin_scenario_path, parse_radars

DEFAULT_SCENARIO = "belenko-1976"
#: InterceptorSpec.base that picks the side's nearest base with aircraft on alert
NEAREST_BASE = "nearest"


def _utc_offset_name(hours: float) -> str:
    return "UTC" if hours == 0 else f"UTC{hours:+g}"


class _Strict(BaseModel):
    # NaN and infinities are refused everywhere: every number has finite, physical bounds
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# a figure with its provenance (the same model as the catalogues')
Sourced = Figure


class TrackerSpec(_Strict):
    """Stone Soup tracker settings of a side (see foxbat.tracking.TrackerConfig)."""

    m: int = Field(default=3, ge=1, le=20, description="hits needed among the first n scans to confirm")
    n: int = Field(default=4, ge=1, le=20, description="scans of the M-of-N confirmation")
    max_coast_s: float = Field(default=60.0, gt=0, le=3600, description="a track with no detection this long is lost")
    gate_probability: float = Field(default=0.9999, gt=0, lt=1)
    q_horizontal_m2_s3: float = Field(default=50.0, gt=0, le=1e5, description="process noise, east/north")
    q_vertical_m2_s3: float = Field(default=10.0, gt=0, le=1e5, description="process noise, up")

    @model_validator(mode="after")
    def _mn(self):
        if self.n < self.m:
            raise ValueError(f"n ({self.n}) must be >= m ({self.m})")
        return self


class AirspaceSpec(_Strict):
    """A side's airspace: within ``buffer_km`` of its land inside the box."""

    lat_min: float = Field(ge=-90, le=90, description="south edge of the box holding the side's land, deg")
    lat_max: float = Field(ge=-90, le=90, description="north edge, deg")
    lon_min: float = Field(ge=-180, le=360, description="west edge, deg")
    lon_max: float = Field(ge=-180, le=360, description="east edge, deg")
    buffer_km: float = Field(default=22.224, ge=0, le=500, description="territorial sea, 12 nmi = 22.224 km")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _ordered(self):
        # swapped edges make an empty box: the side would silently have no airspace
        if self.lat_min >= self.lat_max:
            raise ValueError(f"lat_min ({self.lat_min:g}) must be below lat_max ({self.lat_max:g})")
        if self.lon_min >= self.lon_max:
            raise ValueError(f"lon_min ({self.lon_min:g}) must be below lon_max ({self.lon_max:g})")
        return self


class GciSpec(_Strict):
    """How the side's controllers pass its track to interceptors (foxbat.command.intercept.TrackPicture)."""

    latency_s: float = Field(default=15.0, ge=0, description="age of the track the controller passes, s "
                             "(default: foxbat.command.intercept.TRACK_LATENCY_S, notional)")
    update_interval_s: float = Field(default=20.0, ge=0, description="a new vector every this many seconds "
                                     "(default: foxbat.command.intercept.GCI_UPDATE_S, notional)")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")


class SideSpec(_Strict):
    """A side: its name, its tracker, its airspace, its controllers, its clock."""

    name: str = Field(min_length=1, max_length=64, description="unique name, used by radars, bases, interceptors")
    color: str = Field(default="#555555", description="colour in maps and the replay")
    tracker: TrackerSpec = Field(default=TrackerSpec(), description="how the side fuses its radars")
    airspace: AirspaceSpec | None = Field(default=None, description="for airspace_entry events and the zone")
    zone_km: float = Field(default=400.0, ge=0, le=5000, description="a track this close to the airspace is 'in the zone'")
    gci: GciSpec = Field(default=GciSpec(), description="track latency and vector interval of its controllers")
    local_tz_hours: float | None = Field(default=None, ge=-14, le=14,
                                         description="the side's clock, hours from UTC; default the scenario's")
    local_tz_name: str | None = Field(default=None, max_length=40, description="its name (MSK, VLAT); default the scenario's")


class IntruderSpec(_Strict):
    """Who flies the scenario's route, and how radars see it."""

    id: str = Field(min_length=1, max_length=64, description="label in events (e.g. a call sign)")
    side: str = Field(description="the side the aircraft belongs to")
    rcs_m2: Sourced = Field(description="radar cross section, m2")
    swerling: int = Field(default=1, description="fluctuation case: 0, 1 or 3")

    @field_validator("rcs_m2")
    @classmethod
    def _rcs(cls, v):
        if not 1e-4 <= v.value <= 1e4:
            raise ValueError(f"value must be an RCS within 0.0001 to 10000 m2, got {v.value:g}")
        return v

    @field_validator("swerling")
    @classmethod
    def _sw(cls, v):
        if v not in (0, 1, 3):
            raise ValueError("must be 0, 1 or 3")
        return v


class RunwaySpec(_Strict):
    """A base's runway."""

    heading_deg: float = Field(ge=0, lt=360, description="true heading, deg")
    length_m: float = Field(gt=0, le=10000, description="length, m")


class BaseSpec(_Strict):
    """An airfield interceptors fly from."""

    name: str = Field(min_length=1, max_length=64, description="unique name, used by interceptors")
    side: str = Field(description="the side it belongs to")
    lat: float = Field(ge=-90, le=90, description="latitude, deg N")
    lon: float = Field(ge=-180, le=360, description="longitude, deg E")
    elevation_m: float = Field(default=0.0, ge=-500, le=9000, description="field elevation, m MSL")
    runway: RunwaySpec | None = Field(default=None, description=(
        "main runway: interceptors come home to it (without one: straight in to the base point)"))
    alert_aircraft: int = Field(default=0, ge=0, description="interceptors on alert, for 'base: nearest'")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where a figure is not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)


class DelaySpec(_Strict):
    """A reporting-and-decision delay, drawn once per flight and run with the run's generator."""

    dist: Literal["fixed", "uniform", "triangular", "lognormal"] = Field(description="distribution")
    value: float | None = Field(default=None, ge=0, description="fixed: the delay, s")
    low: float | None = Field(default=None, ge=0, description="uniform/triangular: lowest, s (lognormal: clip)")
    mode: float | None = Field(default=None, ge=0, description="triangular: most likely, s")
    high: float | None = Field(default=None, ge=0, description="uniform/triangular: highest, s (lognormal: clip)")
    median: float | None = Field(default=None, gt=0, description="lognormal: median, s")
    sigma: float | None = Field(default=None, gt=0, description="lognormal: sd of the natural log")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _fields(self):
        need = {"fixed": ("value",), "uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                "lognormal": ("median", "sigma")}[self.dist]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.dist} delay needs {', '.join(need)} (missing: {', '.join(missing)})")
        if self.dist in ("uniform", "triangular") and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) must be <= high ({self.high:g})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must lie between low and high")
        if not self.source and not (self.notional and self.reason):
            raise ValueError("give a source, or notional: true with a reason")
        return self

    def draw_s(self, rng) -> float:
        from foxbat.command.scramble import draw_delay_s

        return draw_delay_s(self.dist, rng, value=self.value, low=self.low, mode=self.mode, high=self.high,
                            median=self.median, sigma=self.sigma)


class ScrambleRuleSpec(_Strict):
    """What a side's track must do before the side scrambles (foxbat.command.scramble)."""

    zone_km: float | None = Field(default=None, ge=0, description="within this of the airspace; default the side's zone_km")
    inbound: bool = Field(default=True, description="the track must close on the airspace")
    min_closing_mps: float = Field(default=0.0, ge=0, description="closing speed on the airspace that counts as inbound, m/s")
    dwell_s: float = Field(default=0.0, ge=0, description="the rule must hold this long on one track, s")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")


class ScrambleSpec(_Strict):
    """When a flight is launched. Reactive (the default in the built-in scenarios): once a
    track of its side meets ``rule``, after a reporting-and-decision delay (``delay``, a
    distribution drawn per run, or a fixed ``delay_s``). Scripted: at ``at_utc``, which
    the reports then give as an input, not a prediction."""

    at_utc: datetime | None = Field(default=None, description="scripted scramble time, UTC (an input)")
    delay_s: float | None = Field(default=None, ge=0, le=86400, description="fixed delay after the side's track meets the rule, s")
    delay: DelaySpec | None = Field(default=None, description="delay after the track meets the rule, drawn per run")
    rule: ScrambleRuleSpec = Field(default=ScrambleRuleSpec(), description="zone, inbound, dwell")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _one(self):
        if sum(x is not None for x in (self.at_utc, self.delay_s, self.delay)) != 1:
            raise ValueError("give exactly one of 'at_utc' (scripted), 'delay' and 'delay_s' (reactive)")
        if self.at_utc is not None and self.at_utc.tzinfo is None:
            self.at_utc = self.at_utc.replace(tzinfo=timezone.utc)
        return self

    @property
    def scripted(self) -> bool:
        return self.at_utc is not None


class InterceptorSpec(_Strict):
    name: str = Field(description="flight name; aircraft are numbered 'NAME 1', 'NAME 2'")
    type: str = Field(description="aircraft catalogue type, or the path of a type file (.yaml)")
    side: str = Field(description="the side flying it")
    base: str = Field(description="a base name from bases, or 'nearest': the side's base nearest the "
                                  "triggering track with enough aircraft on alert (reactive scramble only)")
    count: int = Field(default=2, ge=1, le=8, description="aircraft in the flight")
    fuel_kg: float | None = Field(default=None, gt=0, le=100000, description="fuel at take-off; default full internal fuel")
    radar: str | None = Field(default=None, description="airborne radar catalogue type, or the path of a type file")
    rcs_m2: Sourced | None = Field(default=None, description="its own RCS, m2")
    scramble: ScrambleSpec = Field(description="when it is launched")
    takeoff_s: float = Field(default=120.0, ge=0, le=3600, description="from scramble to airborne, s")
    cruise_mach: float = Field(default=0.9, ge=0.2, le=3.5, description="speed while vectored")
    search_alt_msl_m: float = Field(default=6000.0, ge=100, le=25000,
                                    description="altitude while vectored without own contact, m MSL")
    visual_range_m: float = Field(default=5000.0, gt=0, le=50000,
                                  description="range at which the crew sees the target in clear air, m")
    weapons_range_m: float = Field(default=1500.0, gt=0, le=200000, description="range for an intercept, m")
    intercept_hold_s: float = Field(default=10.0, ge=0, le=3600, description="time within weapons range for an intercept, s")
    weapons_need_visual: bool = Field(default=False, description="guns: the target must have been seen")
    bingo_fuel_kg: float = Field(default=1500.0, ge=0, le=100000, description="fuel at which it turns home, kg")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where a figure is not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)


class WeatherSpec(_Strict):
    """A cloud layer: eyes see through clear air only (radar is not affected)."""

    cloud_base_m: float | None = Field(default=None, ge=0, le=20000, description="MSL")
    cloud_top_m: float | None = Field(default=None, ge=0, le=25000, description="MSL")
    clear: bool = Field(default=False, description="true: no cloud at all, the layer is ignored (a Monte Carlo "
                                                   "study draws it with a probability)")
    source: str | None = Field(default=None, description="citation")
    notional: bool = Field(default=False, description="true where not sourced")
    reason: str | None = Field(default=None, description="why")
    calibrated_to: CalibratedTo = Field(default=None, description=CALIBRATED_TO_HELP)

    @model_validator(mode="after")
    def _layer(self):
        if self.cloud_top_m is not None and self.cloud_base_m is None:
            raise ValueError("cloud_top_m needs cloud_base_m")
        if self.cloud_top_m is not None and self.cloud_top_m <= self.cloud_base_m:
            raise ValueError(f"cloud_top_m ({self.cloud_top_m:g}) must be above cloud_base_m ({self.cloud_base_m:g})")
        return self

    def clear_between(self, alt1_msl_m: float, alt2_msl_m: float) -> bool:
        """True when a line between the two altitudes does not cross the cloud layer."""
        if self.clear or self.cloud_base_m is None:
            return True
        top = self.cloud_top_m if self.cloud_top_m is not None else float("inf")
        lo, hi = min(alt1_msl_m, alt2_msl_m), max(alt1_msl_m, alt2_msl_m)
        return hi <= self.cloud_base_m or lo >= top


class Choice(Provenance):
    """A named choice with its provenance."""

    value: str = Field(description="the choice")


SEA_STATE_MAX = 6
"""The highest Douglas sea state with a clutter class (radar.clutter: sea_state_0..6)."""


class EnvironmentSpec(_Strict):
    """The surface and the air between the radars and their targets.

    ``sea_state`` sets the sea's roughness for multipath (foxbat.propagation) and its
    clutter class (``sea_state_N``); ``land_type`` is the ground's electrical class for
    reflections (ITU-R P.527: wet, medium or dry ground, or fresh water);
    ``land_clutter`` its clutter class; ``k`` the effective Earth radius factor for
    line of sight, propagation and coverage. Where the DEM says sea level (0 m MSL or
    below) the surface is sea, elsewhere land. Older files' top-level ``k``,
    ``sea_surface`` (sea_state_N) and ``land_surface`` are still read, as
    ``environment.k``, ``sea_state`` and ``land_clutter``.
    """

    sea_state: Sourced = Field(default=Sourced(value=3.0, notional=True, reason=(
        "a moderate sea (Douglas 3); the clutter class foxbat used before sea states were set")),
        description="Douglas sea state, 0 (calm) to 6")
    k: Sourced = Field(default=Sourced(value=4.0 / 3.0, source=(
        "4/3 Earth: a refractivity gradient of about -39 N-units/km near the ground (MATLAB Radar "
        "Toolbox effearthradius, https://uk.mathworks.com/help/radar/ref/effearthradius.html)")), description="effective Earth radius factor")
    land_type: Choice = Field(default=Choice(value="medium", notional=True, reason=(
        "medium ground (ITU-R P.527); the soil moisture along a path is rarely known")),
        description="ground class for reflections: wet, medium, dry (ITU-R P.527) or fresh (water)")
    land_clutter: Choice = Field(default=Choice(value="wooded_hills", notional=True, reason=(
        "the clutter class foxbat used before land clutter was set")),
        description="clutter class of land (radar.clutter)")

    @field_validator("sea_state")
    @classmethod
    def _sea(cls, v):
        if not 0 <= v.value <= SEA_STATE_MAX:
            raise ValueError(f"sea_state.value must be within 0..{SEA_STATE_MAX}, got {v.value:g}")
        return v

    @field_validator("k")
    @classmethod
    def _k(cls, v):
        import math

        if not (math.isfinite(v.value) and 0 < v.value <= 100):
            raise ValueError(f"k.value must be within 0 < k <= 100 (4/3 standard, above ~4 ducting), got {v.value:g}")
        return v

    @field_validator("land_type")
    @classmethod
    def _land(cls, v):
        allowed = land_types()
        if v.value not in allowed:
            raise ValueError(f"land_type.value {v.value!r} is unknown; allowed: {', '.join(allowed)}")
        return v

    @field_validator("land_clutter")
    @classmethod
    def _clutter(cls, v):
        from foxbat.radar.clutter import surface_names

        allowed = [n for n in surface_names() if not n.startswith("sea_state")]
        if v.value not in allowed:
            raise ValueError(f"land_clutter.value {v.value!r} is unknown; allowed: {', '.join(allowed)}")
        return v

    @property
    def sea_clutter(self) -> str:
        """The sea's clutter class: sea_state_N with N the sea state rounded."""
        return f"sea_state_{int(round(self.sea_state.value))}"


def land_types() -> list[str]:
    """The propagation surfaces a land path may take (all but the sea)."""
    from foxbat.propagation import surface_names

    return [n for n in surface_names() if n != "sea"]


class DefendersSpec(_Strict):
    name: str | None = Field(default=None, max_length=100, description="the scenario's name")
    title: str | None = Field(default=None, max_length=300, description="a one-line title for reports")
    epoch_utc: datetime = Field(description="t_s = 0: the start of the flight, UTC (years 1900 to 2100)")
    local_tz_hours: float = Field(default=0.0, ge=-14, le=14, description="local time zone for reports, hours from UTC")
    local_tz_name: str = Field(default="UTC", min_length=1, max_length=40, description="its name (JST)")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="default random seed of a run")
    low_level_height_m: float | None = Field(default=None, ge=0, le=5000,
                                             description="the route's low-level height AGL (what --low-level-m replaces)")
    sides: list[SideSpec] = Field(min_length=1, max_length=10, description="the sides, each with radars in radars")
    intruder: IntruderSpec = Field(description="who flies the route")
    bases: list[BaseSpec] = Field(default=[], max_length=100, description="airfields")
    interceptors: list[InterceptorSpec] = Field(default=[], max_length=50, description="interceptor flights")
    history: list[HistoryEvent] = Field(default=[], max_length=500, description="recorded events to set beside the simulation")
    low_level_alternatives_m: list[Annotated[float, Field(ge=0, le=5000)]] = Field(
        default=[], max_length=10, description="other low-level heights to compare, m AGL (each 0 to 5000)")
    false_alarms_per_scan: float = Field(default=0.0, ge=0, le=100, description="mean false alarms per ground radar scan")
    weather: WeatherSpec = Field(default=WeatherSpec(), description="cloud layer for the crews' eyes")
    environment: EnvironmentSpec = Field(default=EnvironmentSpec(),
                                         description="sea state, refraction (k) and land type for propagation and clutter")

    def side_clock(self, side: str) -> tuple[float, str]:
        """(hours from UTC, name) of ``side``'s clock: its own ``local_tz_hours``/``local_tz_name``,
        else the scenario's."""
        s = next((x for x in self.sides if x.name == side), None)
        if s is None or s.local_tz_hours is None:
            return self.local_tz_hours, (s.local_tz_name if s is not None and s.local_tz_name else self.local_tz_name)
        return s.local_tz_hours, s.local_tz_name or _utc_offset_name(s.local_tz_hours)

    @property
    def k(self) -> float:
        """The effective Earth radius factor (``environment.k``)."""
        return self.environment.k.value

    @property
    def sea_surface(self) -> str:
        """The sea's clutter class (radar.clutter), from ``environment.sea_state``."""
        return self.environment.sea_clutter

    @property
    def land_surface(self) -> str:
        """The land's clutter class (radar.clutter), ``environment.land_clutter``."""
        return self.environment.land_clutter.value

    @field_validator("epoch_utc", mode="before")
    @classmethod
    def _not_a_number(cls, v):
        return epoch_not_a_number(v)

    @field_validator("epoch_utc")
    @classmethod
    def _utc(cls, v):
        return epoch_utc(v).astimezone(timezone.utc)


FLIGHT_KEYS = {"aircraft", "route", "dem", "catalogues", "name", "title", "epoch_utc"}
OTHER_KEYS = {"radars", "uncertain"}
LEGACY_KEYS = {"k": "k", "sea_surface": "sea_state", "land_surface": "land_clutter"}
"""Top-level keys of older scenario files and the ``environment`` field each moved to."""


@dataclass
class RunScenario:
    """A validated scenario: the defenders' sections, the radar sites and the flight."""

    where: str
    defenders: DefendersSpec
    radars: list[RadarSpec]
    flight: FlightScenario
    raw: dict
    text: str = ""  # the file's text, for the line numbers of later errors

    @property
    def name(self) -> str:
        return self.defenders.name or self.flight.name

    def with_line(self, exc):
        """A FoxbatError about this scenario (``where`` is its file) naming the line of its
        field; other errors unchanged."""
        from foxbat.errors import FoxbatError

        if isinstance(exc, FoxbatError) and exc.where == self.where and exc.field:
            return _with_line(exc, self.text)
        return exc


def _loc(loc: tuple) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out


def _line_of(text: str, field: str) -> int | None:
    """The line of a top-level key or a nested key (first occurrence), for messages."""
    key = field.split(".")[0].split("[")[0]
    for i, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return i
    return None


def parse_run_scenario(data: Any, where: str, text: str = "") -> RunScenario:
    if not isinstance(data, dict):
        raise ScenarioError("a scenario file is a YAML mapping of sections", where=where)
    allowed = set(DefendersSpec.model_fields) | FLIGHT_KEYS | OTHER_KEYS | set(LEGACY_KEYS)
    unknown = sorted(set(data) - allowed)
    if unknown:
        line = _line_of(text, unknown[0])
        raise ScenarioError(f"unknown section; allowed: {', '.join(sorted(allowed))}",
                            where=f"{where}:{line}" if line else where, field=unknown[0])
    data = _migrate_legacy(data, where)
    flight = parse_flight_scenario(data, where)
    radars = parse_radars(data.get("radars"), where)
    try:
        defenders = DefendersSpec.model_validate({k: v for k, v in data.items() if k in DefendersSpec.model_fields})
    except ValidationError as exc:
        from foxbat.schema_errors import explain

        err = exc.errors()[0]
        fld = _loc(err["loc"])
        _, msg = explain(err, DefendersSpec)
        from foxbat.scenario.yaml_lines import line_of

        line = line_of(text, fld) or _line_of(text, fld)
        raise ScenarioError(msg, where=f"{where}:{line}" if line else where, field=fld) from None
    _check_references(defenders, radars, where, tuple(flight.catalogues))
    from foxbat.calibration import check_scenario

    check_scenario(data, where, text, defenders.name or flight.name)
    from foxbat.scenario.history import check_history

    check_history(defenders.history, [r.name for r in radars], where)
    return RunScenario(where, defenders, radars, flight, data, text)


def _migrate_legacy(data: dict, where: str) -> dict:
    """Older files set ``k``, ``sea_surface`` and ``land_surface`` at the top level; move
    them into ``environment`` (as notional figures: such files carried no provenance)."""
    import re

    old = [key for key in LEGACY_KEYS if key in data]
    if not old:
        return data
    env = data.get("environment")
    if env is not None and not isinstance(env, dict):
        return data  # the schema reports the malformed section
    env = dict(env or {})
    out = {k: v for k, v in data.items() if k not in LEGACY_KEYS}
    for key in old:
        target, value = LEGACY_KEYS[key], data[key]
        if target in env:
            raise ScenarioError(f"given twice: at the top level and as environment.{target}; keep "
                                f"environment.{target}", where=where, field=key)
        why = f"from the top-level '{key}' of an older scenario file"
        if key == "sea_surface":
            m = re.fullmatch(r"sea_state_(\d)", str(value))
            if m is None:
                raise ScenarioError(f"must be sea_state_0 .. sea_state_{SEA_STATE_MAX}, got {value!r}; "
                                    "better: environment.sea_state", where=where, field=key)
            value = int(m.group(1))
        env[target] = {"value": value, "notional": True, "reason": why}
    out["environment"] = env
    return out


def _check_references(d: DefendersSpec, radars: list[RadarSpec], where: str, catalogues: tuple = ()) -> None:
    from foxbat.aircraft.catalogue import get_spec
    from foxbat.radar.catalogue import get_radar_type

    sides = [s.name for s in d.sides]
    if len(set(sides)) != len(sides):
        raise ScenarioError("side names must be unique", where=where, field="sides")
    for i, r in enumerate(radars):
        if r.side not in sides:
            raise ScenarioError(f"side {r.side!r} is not one of the sides ({', '.join(sides)})",
                                where=where, field=f"radars[{i}] ({r.name}).side")
        if not r.type:
            raise ScenarioError("a radar of a run needs its 'type' from the radar catalogue",
                                where=where, field=f"radars[{i}] ({r.name}).type")
        get_radar_type(r.type, where=where, field=f"radars[{i}] ({r.name}).type", catalogues=catalogues)
    for s in sides:
        if not any(r.side == s for r in radars):
            raise ScenarioError(f"side {s!r} has no radars; give it at least one ground radar",
                                where=where, field="sides")
    if d.intruder.side not in sides:
        raise ScenarioError(f"side {d.intruder.side!r} is not one of the sides ({', '.join(sides)})",
                            where=where, field="intruder.side")
    bases = {b.name: b for b in d.bases}
    _unique([b.name for b in d.bases], "bases", "base names", where)
    _unique([f.name for f in d.interceptors], "interceptors", "interceptor flight names", where)
    aircraft = [d.intruder.id] + [f"{f.name} {n}" for f in d.interceptors for n in range(1, f.count + 1)]
    _unique(aircraft, "interceptors", "aircraft ids (the intruder's id and 'FLIGHT N' of each interceptor)", where)
    for i, h in enumerate(d.history):
        if h.side is not None and h.side not in sides:
            raise ScenarioError(f"side {h.side!r} is not one of the sides ({', '.join(sides)})", where=where,
                                field=f"history[{i}].side")
    for i, b in enumerate(d.bases):
        if b.side not in sides:
            raise ScenarioError(f"side {b.side!r} is not one of the sides", where=where, field=f"bases[{i}].side")
    for i, f in enumerate(d.interceptors):
        label = f"interceptors[{i}] ({f.name})"
        if f.side not in sides:
            raise ScenarioError(f"side {f.side!r} is not one of the sides", where=where, field=f"{label}.side")
        if f.base == NEAREST_BASE:
            if f.scramble.scripted:
                raise ScenarioError("'nearest' needs a reactive scramble (a track to be nearest to); "
                                    "name the base of a scripted scramble", where=where, field=f"{label}.base")
            if not any(b.side == f.side and b.alert_aircraft >= f.count for b in d.bases):
                raise ScenarioError(f"no base of {f.side} has {f.count} aircraft on alert (alert_aircraft)",
                                    where=where, field=f"{label}.base")
        elif f.base not in bases:
            raise ScenarioError(f"no base {f.base!r}; bases: {', '.join(bases) or 'none'}, or 'nearest'",
                                where=where, field=f"{label}.base")
        elif bases[f.base].side != f.side:
            raise ScenarioError(f"base {f.base!r} belongs to {bases[f.base].side}, not {f.side}",
                                where=where, field=f"{label}.base")
        get_spec(f.type, where=where, field=f"{label}.type", catalogues=catalogues)
        if f.radar is not None:
            rt = get_radar_type(f.radar, where=where, field=f"{label}.radar", catalogues=catalogues)
            if rt.platform != "airborne":
                raise ScenarioError(f"{rt.name} is a ground radar; an interceptor needs an airborne one",
                                    where=where, field=f"{label}.radar")
        if f.scramble.scripted and f.scramble.at_utc < d.epoch_utc:
            raise ScenarioError("scramble time is before the scenario's epoch", where=where,
                                field=f"{label}.scramble.at_utc")


def _unique(names: list[str], field: str, what: str, where: str) -> None:
    """ScenarioError when a name repeats: two bases or aircraft of one name would be merged."""
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(f"{what} must be unique; repeated: {', '.join(dup)}", where=where, field=field)


def resolve_scenario_path(name_or_path: str | None) -> tuple[Path, str]:
    text = DEFAULT_SCENARIO if name_or_path is None else str(name_or_path)
    name = text.removeprefix("builtin:")
    p = Path(text)
    if text.startswith("builtin:") or (not p.exists() and name in builtin_scenario_names()):
        p = builtin_scenario_path(name)
        if not p.exists():
            raise InputFileError(f"no built-in scenario {name!r}; built-in: {', '.join(builtin_scenario_names())}",
                                 where=text)
        return p, f"builtin:{name}"
    if not p.exists():
        raise InputFileError("no such file; give a scenario YAML file or a built-in name "
                             f"({', '.join(builtin_scenario_names())})", where=text)
    if p.is_dir():
        raise InputFileError("is a folder; give a scenario YAML file", where=text)
    return p, text


def load_run_scenario(name_or_path: str | None = None) -> RunScenario:
    """Read and validate a scenario file or a built-in scenario by name."""
    p, shown = resolve_scenario_path(name_or_path)
    from foxbat.yamlio import read_yaml

    from foxbat.scenario.paths import resolve_scenario_files

    data, text = read_yaml(p, shown)
    try:
        data = resolve_scenario_files(data, p.parent, shown, text)
        return parse_run_scenario(data, shown, text)
    except FoxbatError as exc:
        if exc.where is None and exc.field:  # a check deeper down (a catalogue look-up) named no file
            exc = type(exc)(exc.detail, where=shown, field=exc.field)
        raise _with_line(exc, text) from None


def _with_line(exc, text: str):
    """The same error, naming the line of its field in the file."""
    from foxbat.scenario.yaml_lines import line_of

    import re

    if "line " in exc.detail or not exc.field or re.search(r":\d+$", exc.where or ""):
        return exc  # no field to place, or already placed (perhaps in another file: a catalogue)
    line = line_of(text, exc.field, legs_from_one=True)  # flight-stage fields count legs from 1
    if line is None:
        return exc
    return type(exc)(exc.detail, where=f"{exc.where}:{line}" if exc.where else f"line {line}", field=exc.field)


def scenario_inputs(sc: RunScenario) -> list[tuple[str, str]]:
    """The files a run of ``sc`` reads (its scenario file and DEM), as (what, path), for the
    check that no output replaces them."""
    p, shown = resolve_scenario_path(sc.where)
    out = [(f"scenario {shown}", str(p))]
    if sc.flight.dem:
        out.append((f"DEM {sc.flight.dem}", str(sc.flight.dem)))
    return out
