"""The ``history`` section of a scenario: the record to set beside the simulation.

Each row names a recorded event (``kind``, ``side``, ``actor`` pick the simulated event it
is compared with), its local time and, where the record gives them, the range, bearing,
altitude, duration and fuel. Every recorded figure carries its own tolerance with the
reason and the source of that tolerance (the spread of the accounts, the rounding of
"about"); there is no default tolerance. A row has a stable ``id`` that figures fitted to
it name in ``calibrated_to`` (foxbat.provenance).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID = re.compile(r"^[a-z0-9_]+$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")

#: the kinds of event a run writes (events.jsonl): what a history row can compare with
EVENT_KINDS = ("airborne_contact", "airspace_entry", "bingo", "contact_lost", "crash", "detection",
               "fuel_exhausted", "intercept", "landing", "overrun", "return_to_base", "scramble", "takeoff",
               "track_gap", "track_lost", "track_reacquired", "track_started", "visual")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class _Band(_Strict):
    """A tolerance: ``tolerance`` either way, or ``minus`` below and ``plus`` above the
    recorded value; with the reason for its size and the source of that reason."""

    tolerance: float | None = Field(default=None, ge=0, description="agrees within this either way")
    minus: float | None = Field(default=None, ge=0, description="agrees down to this below the record")
    plus: float | None = Field(default=None, ge=0, description="agrees up to this above the record")
    reason: str = Field(description="why the tolerance has this size (the sources' spread, a rounding)")
    source: str = Field(description="citation of the accounts the tolerance comes from")

    @model_validator(mode="after")
    def _one_band(self):
        sym = self.tolerance is not None
        asym = self.minus is not None or self.plus is not None
        if sym == asym:
            raise ValueError("give 'tolerance' (either way), or 'minus' and 'plus'")
        if asym and (self.minus is None or self.plus is None):
            raise ValueError("give both 'minus' and 'plus'")
        return self

    @property
    def below(self) -> float:
        return self.tolerance if self.tolerance is not None else float(self.minus)

    @property
    def above(self) -> float:
        return self.tolerance if self.tolerance is not None else float(self.plus)

    def text(self) -> str:
        """'±7' or '-2/+7'."""
        if self.tolerance is not None:
            return f"±{self.tolerance:g}"
        return f"-{self.minus:g}/+{self.plus:g}"


class TimeTolerance(_Band):
    """The tolerance of a recorded time, in minutes."""


class Place(_Strict):
    """Where a range or bearing is measured from: a radar of the scenario, or a point."""

    radar: str | None = Field(default=None, description="a radar site's name")
    name: str | None = Field(default=None, description="the point's name, for reports")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=360)

    @model_validator(mode="after")
    def _one(self):
        point = self.lat is not None or self.lon is not None
        if (self.radar is not None) == point:
            raise ValueError("give 'radar' (a site's name), or 'lat' and 'lon' of a point")
        if point and (self.lat is None or self.lon is None):
            raise ValueError("give both 'lat' and 'lon'")
        return self

    def label(self) -> str:
        return self.radar or self.name or f"{self.lat:.3f},{self.lon:.3f}"


class Recorded(_Band):
    """A recorded figure with its tolerance (both in the unit of the field's name)."""

    value: float = Field(description="the recorded figure")


class RecordedRange(Recorded):
    """Ground range of the simulated event's position from a place, km."""

    from_: Place = Field(alias="from", description="where the range is measured from")


class RecordedBearing(Recorded):
    """True bearing of the simulated event's position seen from a place, deg."""

    from_: Place = Field(alias="from", description="where the bearing is taken from")
    value: float = Field(ge=0, lt=360, description="the recorded bearing, deg true")


class RecordedDuration(Recorded):
    """A duration, s: since another row's simulated event (or the epoch), or the
    ``duration_s`` the simulated event of ``event`` kind (same actor, next after the match)
    carries."""

    since: str | None = Field(default=None, description="a history row id, or 'epoch'")
    event: str | None = Field(default=None, description="an event kind whose duration_s is read")

    @model_validator(mode="after")
    def _one_way(self):
        if (self.since is None) == (self.event is None):
            raise ValueError("give 'since' (a row id or 'epoch') or 'event' (an event kind)")
        return self


WHERE = ("range_km", "bearing_deg", "alt_m", "duration_s", "fuel_kg")


class HistoryEvent(_Strict):
    """A recorded event to set beside the simulation's."""

    id: str = Field(description="stable row id (a-z, 0-9, _), named by calibrated_to")
    what: str = Field(description="the recorded event in words")
    kind: str = Field(description="the simulated event kind it compares with")
    side: str | None = Field(default=None, description="match only events of this side")
    actor: str | None = Field(default=None, description="match only events of this actor")
    time_local: str | None = Field(default=None, description="HH:MM or HH:MM:SS, local time of the scenario")
    tolerance_min: TimeTolerance | None = Field(
        default=None, description="needed with time_local: minutes either way, with reason and source")
    after_local: str | None = Field(default=None, description="match the first simulated event after this time")
    range_km: RecordedRange | None = Field(default=None, description="recorded range from a place, km")
    bearing_deg: RecordedBearing | None = Field(default=None, description="recorded bearing from a place, deg")
    alt_m: Recorded | None = Field(default=None, description="recorded altitude, m MSL")
    duration_s: RecordedDuration | None = Field(default=None, description="recorded duration, s")
    fuel_kg: Recorded | None = Field(default=None, description="recorded fuel on board, kg")
    expect_none: bool = Field(default=False, description="the record says this did NOT happen")
    note: str | None = None
    if_differs: str | None = Field(default=None, description="why the model may differ here")
    source: str = Field(description="citation of the record")

    @field_validator("id")
    @classmethod
    def _id(cls, v):
        if not _ID.match(v):
            raise ValueError("a row id uses only a-z, 0-9 and _ (e.g. jasdf_detection)")
        return v

    @field_validator("time_local", "after_local")
    @classmethod
    def _hhmm(cls, v):
        if v is not None and not _HHMM.match(v):
            raise ValueError(f"give a local time as HH:MM or HH:MM:SS (00:00 to 23:59:59), got {v!r}")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        if v not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {v!r}; allowed: {', '.join(EVENT_KINDS)}")
        return v

    @model_validator(mode="after")
    def _tolerances(self):
        if self.time_local is not None and self.tolerance_min is None:
            raise ValueError(f"history row {self.id!r}: time_local needs tolerance_min "
                             "({tolerance: MIN, reason: ..., source: ...}); there is no default")
        if self.expect_none and (self.time_local is not None or any(getattr(self, q) for q in WHERE)):
            raise ValueError(f"history row {self.id!r}: expect_none records that nothing happened; "
                             "it takes no time or figures")
        return self


def check_history(rows: list[HistoryEvent], radar_names: list[str], where: str) -> None:
    """ScenarioError for a row that names what the scenario lacks: a ``from: {radar: X}`` that is
    no radar site, a ``duration_s.since`` that is neither 'epoch' nor another row's id."""
    from foxbat.errors import ScenarioError

    ids = [h.id for h in rows]
    for i, h in enumerate(rows):
        for q in ("range_km", "bearing_deg"):
            rec = getattr(h, q)
            if rec is not None and rec.from_.radar is not None and rec.from_.radar not in radar_names:
                raise ScenarioError(f"no radar site {rec.from_.radar!r}; sites: {', '.join(radar_names) or 'none'}",
                                    where=where, field=f"history[{i}].{q}.from.radar")
        d = h.duration_s
        if d is not None and d.since is not None and d.since != "epoch" and (d.since not in ids or d.since == h.id):
            raise ScenarioError(f"since {d.since!r}: give 'epoch' or another history row's id "
                                f"({', '.join(x for x in ids if x != h.id)})", where=where,
                                field=f"history[{i}].duration_s.since")
