"""When and from where a side scrambles: a rule on its own track picture, then a delay.

A side does not know the truth; it knows its confirmed tracks. A flight is scrambled when
one of the side's tracks meets the rule:

- **zone**: the track is within ``zone_km`` of the side's airspace (or inside it);
- **inbound**: its ground velocity closes on the airspace at ``min_closing_mps`` or more
  (the distance to the airspace ``lookahead_s`` ahead along the track's velocity is
  smaller than now by that speed times ``lookahead_s``);
- **dwell**: both have held at every update of that one track for ``dwell_s``;

then after a reporting-and-decision delay (site to direction centre, identification
against flight plans, the scramble order to the alert crews), drawn from the scenario's
distribution with the run's generator. A side with no airspace has no zone to test: every
confirmed track is in its zone and inbound.

The flight launches from its own base, or (``base: nearest``) from the base of its side
nearest the triggering track's position that still has enough aircraft on alert.

Everything here takes plain values (track states, an airspace, a generator) and is tested
on synthetic cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foxbat.sensing.geometry import bearing_to, destination

#: how far ahead along the track's velocity "inbound" is judged
LOOKAHEAD_S = 60.0


@dataclass(frozen=True)
class Trigger:
    """The moment a side's track met the scramble rule."""

    t_s: float
    track_id: str
    lat_deg: float
    lon_deg: float


def _inbound_ok(airspace, lat: float, lon: float, ve: float, vn: float, min_closing_mps: float) -> bool:
    speed = math.hypot(ve, vn)
    if speed * LOOKAHEAD_S < 1.0:
        return False
    lat2, lon2 = destination(lat, lon, math.degrees(math.atan2(ve, vn)), speed * LOOKAHEAD_S)
    d_now = float(airspace.distance_to_boundary_km(lat, lon)) * 1000.0
    d_ahead = float(airspace.distance_to_boundary_km(lat2, lon2)) * 1000.0
    if d_now <= 0.0:  # inside already: inbound unless leaving
        return float(airspace.distance_to_land_km(lat2, lon2)) <= float(airspace.distance_to_land_km(lat, lon))
    return (d_now - d_ahead) / LOOKAHEAD_S >= min_closing_mps


def rule_met(airspace, lat: float, lon: float, ve: float, vn: float, *, zone_km: float, inbound: bool,
             min_closing_mps: float) -> bool:
    """Whether one track state is in the zone (and inbound, if asked)."""
    if airspace is None:
        return True
    if float(airspace.distance_to_boundary_km(lat, lon)) > zone_km:
        return False
    return not inbound or _inbound_ok(airspace, lat, lon, ve, vn, min_closing_mps)


def find_trigger(tracks: Sequence, airspace, *, zone_km: float, inbound: bool = True, min_closing_mps: float = 0.0,
                 dwell_s: float = 0.0) -> Trigger | None:
    """The earliest time one of ``tracks`` (:class:`foxbat.tracking.TrackRecord`) meets the rule
    continuously for ``dwell_s`` (judged at its confirmed updates), or None."""
    best: Trigger | None = None
    for tr in tracks:
        since = None
        for s in tr.states:
            if not s.confirmed:
                continue
            if best is not None and s.t_s >= best.t_s:
                break
            if rule_met(airspace, s.lat_deg, s.lon_deg, s.vel_east_mps, s.vel_north_mps, zone_km=zone_km,
                        inbound=inbound, min_closing_mps=min_closing_mps):
                since = s.t_s if since is None else since
                if s.t_s - since >= dwell_s:
                    best = Trigger(float(s.t_s), tr.track_id, float(s.lat_deg), float(s.lon_deg))
                    break
            else:
                since = None
    return best


def draw_delay_s(dist: str, rng: np.random.Generator, *, value: float | None = None, low: float | None = None,
                 mode: float | None = None, high: float | None = None, median: float | None = None,
                 sigma: float | None = None) -> float:
    """One reporting-and-decision delay (s) from ``dist``: ``fixed`` (value), ``uniform``
    (low, high), ``triangular`` (low, mode, high) or ``lognormal`` (median, sigma of the log;
    optional low/high clip). Exactly one draw from ``rng`` (none for ``fixed``)."""
    if dist == "fixed":
        return float(value)
    if dist == "uniform":
        return float(rng.uniform(low, high))
    if dist == "triangular":
        return float(rng.triangular(low, mode, high)) if high > low else float(mode)
    if dist == "lognormal":
        x = float(median) * math.exp(float(sigma) * float(rng.standard_normal()))
        return float(np.clip(x, low if low is not None else 0.0, high if high is not None else math.inf))
    raise ValueError(f"unknown delay distribution {dist!r}")


def nearest_alert_base(bases: Sequence, side: str, lat: float, lon: float, need: int,
                       on_alert: dict[str, int]) -> str | None:
    """The name of the base of ``side`` nearest (lat, lon) with at least ``need`` aircraft left
    on alert in ``on_alert`` (name -> aircraft), or None. Ties go to the first listed."""
    best, best_d = None, math.inf
    for b in bases:
        if b.side != side or on_alert.get(b.name, 0) < need:
            continue
        _, d = bearing_to(lat, lon, b.lat, b.lon)
        if d < best_d:
            best, best_d = b.name, d
    return best


__all__ = ["LOOKAHEAD_S", "Trigger", "rule_met", "find_trigger", "draw_delay_s", "nearest_alert_base"]
