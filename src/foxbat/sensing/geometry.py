"""Radar-to-target geometry: slant range, true bearing, elevation, and point-to-point
line of sight over the DEM on the effective-Earth sphere."""

from __future__ import annotations

import math

import numpy as np

from foxbat.geo import DEFAULT_K, EARTH_RADIUS_M, wgs84_geod


_POINTWISE_MAX = 8


def look_angles(lat0_deg, lon0_deg, alt0_msl_m, lat_deg, lon_deg, alt_msl_m, k: float = DEFAULT_K):
    """Ground range (m, WGS84 geodesic), true bearing (deg), slant range (m) and
    elevation (deg above the radar's local horizontal, on the k·R sphere) to targets."""
    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    alt = np.asarray(alt_msl_m, float)
    geod = wgs84_geod()
    if lat.size <= _POINTWISE_MAX and lon.shape == lat.shape:
        # a few targets (an interceptor's bars): pyproj's scalar call per target gives the
        # array call's geodesics, without its buffer set-up (half the time for four)
        pairs = [geod.inv(lon0_deg, lat0_deg, x, y) for x, y in zip(lon.ravel().tolist(), lat.ravel().tolist())]
        az = np.array([p[0] for p in pairs], float).reshape(lat.shape)
        ground = np.array([p[2] for p in pairs], float).reshape(lat.shape)
    else:
        az, _, ground = geod.inv(np.full(lat.shape, lon0_deg), np.full(lat.shape, lat0_deg), lon, lat)
        ground = np.asarray(ground, float)
    kr = k * EARTH_RADIUS_M
    # on the effective sphere: target height above the radar's tangent plane and its
    # horizontal distance, exact for a sphere of radius kR
    phi = ground / kr
    ra, rt = kr + alt0_msl_m, kr + alt
    dz = rt * np.cos(phi) - ra
    dh = rt * np.sin(phi)
    slant = np.hypot(dz, dh)
    elev = np.degrees(np.arctan2(dz, dh))
    return ground, np.mod(np.asarray(az, float), 360.0), slant, elev


def look_angles_point(lat0_deg: float, lon0_deg: float, alt0_msl_m: float, lat_deg: float, lon_deg: float,
                      alt_msl_m: float, k: float = DEFAULT_K) -> tuple[float, float, float, float]:
    """:func:`look_angles` to one target, as Python floats, with the same arithmetic (the
    same pyproj call and numpy functions on scalars, so the same bits) without the
    array set-up that made it 20x slower per call (the interceptors' many single looks)."""
    az, _, ground = wgs84_geod().inv(lon0_deg, lat0_deg, lon_deg, lat_deg)
    kr = k * EARTH_RADIUS_M
    phi = ground / kr
    ra, rt = kr + alt0_msl_m, kr + alt_msl_m
    # numpy's cos, sin, hypot and arctan2 (their last bits are numpy's, not libm's); the
    # exactly rounded sums, np.mod's remainder (Python's % is the same fmod-and-adjust) and
    # np.degrees' x·(180/π) on Python floats
    dz = rt * float(np.cos(phi)) - ra
    dh = rt * float(np.sin(phi))
    return float(ground), az % 360.0, float(np.hypot(dz, dh)), math.degrees(float(np.arctan2(dz, dh)))


def line_of_sight_clear(dem_heights_fn, lat1, lon1, alt1_msl_m, lat2, lon2, alt2_msl_m,
                        k: float = DEFAULT_K, step_m: float = 1000.0) -> bool:
    """True when the straight path between two points clears the terrain (sea at 0 m).

    ``dem_heights_fn(lats, lons)`` returns terrain heights (m MSL, NaN off the map:
    taken as the sea surface). The path's height above the surface at ground distance x
    of D is h1 + (h2 − h1)·x/D − x·(D − x)/(2kR).
    """
    geod = wgs84_geod()
    _, _, dist = geod.inv(lon1, lat1, lon2, lat2)
    if dist < 1.0:
        return True
    n = max(2, int(dist / step_m))
    pts = geod.npts(lon1, lat1, lon2, lat2, n)
    lons = np.array([p[0] for p in pts])
    lats = np.array([p[1] for p in pts])
    x = dist * np.arange(1, n + 1) / (n + 1)
    ground = np.nan_to_num(np.asarray(dem_heights_fn(lats, lons), float), nan=0.0)
    ground = np.maximum(ground, 0.0)
    line = alt1_msl_m + (alt2_msl_m - alt1_msl_m) * x / dist - x * (dist - x) / (2 * k * EARTH_RADIUS_M)
    return bool(np.all(line > ground))


def bearing_to(lat1, lon1, lat2, lon2) -> tuple[float, float]:
    """True bearing (deg) and geodesic distance (m) from point 1 to point 2."""
    az, _, d = wgs84_geod().inv(lon1, lat1, lon2, lat2)
    return float(az) % 360.0, float(d)


def destination(lat, lon, bearing_deg, dist_m) -> tuple[float, float]:
    """Point at a geodesic distance and bearing from (lat, lon)."""
    lon2, lat2, _ = wgs84_geod().fwd(lon, lat, bearing_deg, dist_m)
    return float(lat2), float(lon2)


def wrap180(a_deg: float) -> float:
    return (a_deg + 180.0) % 360.0 - 180.0


__all__ = ["look_angles", "look_angles_point", "line_of_sight_clear", "bearing_to", "destination", "wrap180"]
