"""The tracker's input: one radar detection as the sensing stage hands it over."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foxbat.errors import ParameterError


@dataclass(frozen=True)
class RadarMeasurement:
    """One detection, as the sensing stage hands it to the tracker.

    ``azimuth_deg`` is the true bearing from north, clockwise, and
    ``elevation_deg`` the elevation above the radar's local horizontal, both in
    the radar's local East-North-Up frame (geometric angles). ``elevation_deg`` is
    None for a 2-D search radar (then ``sigma_elevation_deg`` is ignored).
    ``range_m`` is the slant range. ``target`` and ``false_alarm`` are truth, for
    analysis only: the tracker never uses them.
    """

    t_s: float
    radar: str
    side: str
    radar_lat_deg: float
    radar_lon_deg: float
    radar_alt_msl_m: float
    range_m: float
    azimuth_deg: float
    elevation_deg: float | None
    sigma_range_m: float
    sigma_azimuth_deg: float
    sigma_elevation_deg: float | None = None
    target: str | None = None
    false_alarm: bool = False


def check_measurement(m: RadarMeasurement, side: str, where: str) -> None:
    """Raise ParameterError (at ``where``) unless ``m`` is a valid detection of ``side``."""
    # the common case in one test: every number a float and their sum finite (no element
    # inf or NaN), sigmas and range > 0; anything else goes through the checks one by one
    el = m.elevation_deg
    if (
        m.side == side
        and type(m.radar) is str
        and m.radar
        and type(m.t_s) is type(m.radar_lat_deg) is type(m.radar_lon_deg) is type(m.radar_alt_msl_m) is float
        and type(m.azimuth_deg) is type(m.range_m) is type(m.sigma_range_m) is type(m.sigma_azimuth_deg) is float
        and m.range_m > 0.0
        and m.sigma_range_m > 0.0
        and m.sigma_azimuth_deg > 0.0
        and math.isfinite(m.t_s + m.radar_lat_deg + m.radar_lon_deg + m.radar_alt_msl_m + m.azimuth_deg + m.range_m
                          + m.sigma_range_m + m.sigma_azimuth_deg)
        and (el is None or (type(el) is type(m.sigma_elevation_deg) is float and m.sigma_elevation_deg > 0.0
                            and -90.0 <= el <= 90.0 and math.isfinite(m.sigma_elevation_deg)))
    ):
        return
    _check_each(m, side, where)


def _check_each(m: RadarMeasurement, side: str, where: str) -> None:
    """:func:`check_measurement`, field by field (the first bad field raises)."""
    if m.side != side:
        raise ParameterError(
            f"belongs to side {m.side!r}, this tracker is for {side!r}", where=where, field="side"
        )
    checks = [
        ("t_s", m.t_s, False),
        ("radar_lat_deg", m.radar_lat_deg, False),
        ("radar_lon_deg", m.radar_lon_deg, False),
        ("radar_alt_msl_m", m.radar_alt_msl_m, False),
        ("azimuth_deg", m.azimuth_deg, False),
        ("range_m", m.range_m, True),
        ("sigma_range_m", m.sigma_range_m, True),
        ("sigma_azimuth_deg", m.sigma_azimuth_deg, True),
    ]
    if m.elevation_deg is not None:
        checks += [("elevation_deg", m.elevation_deg, False), ("sigma_elevation_deg", m.sigma_elevation_deg, True)]
    for name, v, positive in checks:
        ok = isinstance(v, (int, float, np.floating, np.integer)) and math.isfinite(v) and (not positive or v > 0)
        if not ok:
            raise ParameterError(
                f"must be a finite number{' > 0' if positive else ''}, got {v!r}", where=where, field=name
            )
    if m.elevation_deg is not None and not -90.0 <= m.elevation_deg <= 90.0:
        raise ParameterError(
            f"must be in [-90, 90] degrees, got {m.elevation_deg!r}", where=where, field="elevation_deg"
        )
    if not isinstance(m.radar, str) or not m.radar:
        raise ParameterError(f"must be a non-empty radar name, got {m.radar!r}", where=where, field="radar")


__all__ = ["RadarMeasurement", "check_measurement"]
