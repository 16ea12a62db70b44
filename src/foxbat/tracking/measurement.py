"""The tracker's input: one radar detection as the sensing stage hands it over."""

from __future__ import annotations

from dataclasses import dataclass


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


__all__ = ["RadarMeasurement"]
