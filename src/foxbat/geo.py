"""WGS84 geodesy (through pyproj) and effective-Earth line-of-sight geometry.

Distances and bearings come from the WGS84 ellipsoid; line of sight is computed on
a sphere of effective radius k·R with R = 6,371,000 m and k = 4/3 by default
(standard atmospheric refraction for radar).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

EARTH_RADIUS_M: float = 6_371_000.0
DEFAULT_K: float = 4.0 / 3.0


def check_k(k: float, where: str = "--k") -> float:
    """Return k if it is a usable effective-Earth factor, else raise ParameterError."""
    from foxbat.errors import ParameterError

    if not (isinstance(k, (int, float)) and math.isfinite(k) and k > 0):
        raise ParameterError(f"effective-Earth factor k must be a finite number > 0, got {k!r}", where=where)
    return float(k)


def horizon_distance_m(h1_m: float, h2_m: float, k: float = DEFAULT_K) -> float:
    """Radar horizon over a smooth sphere of radius k·R, in metres.

    d = √(2kR·h1) + √(2kR·h2) with both heights in metres above the surface.
    """
    kr = k * EARTH_RADIUS_M
    return math.sqrt(2 * kr * max(h1_m, 0.0)) + math.sqrt(2 * kr * max(h2_m, 0.0))


def curvature_drop_m(ground_range_m, k: float = DEFAULT_K):
    """Drop of the surface below the observer's tangent plane, d²/(2kR), in metres."""
    return np.asarray(ground_range_m, dtype=float) ** 2 / (2.0 * k * EARTH_RADIUS_M)


def lowest_visible_height_flat_m(ground_range_m, antenna_height_m: float, k: float = DEFAULT_K):
    """Lowest visible target height above a smooth sphere (flat terrain at 0 m), metres.

    (d − √(2kR·h0))² / (2kR) beyond the antenna's horizon, 0 before it.
    """
    kr = k * EARTH_RADIUS_M
    d = np.asarray(ground_range_m, dtype=float)
    dh = math.sqrt(2 * kr * antenna_height_m)
    return np.where(d > dh, (d - dh) ** 2 / (2 * kr), 0.0)


@lru_cache(maxsize=1)
def wgs84_geod():
    """The pyproj Geod of the WGS84 ellipsoid."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Forward azimuth (deg), back azimuth (deg) and distance (m) on WGS84."""
    az12, az21, dist = wgs84_geod().inv(lon1_deg, lat1_deg, lon2_deg, lat2_deg)
    return az12, az21, dist


def geodesic_distance_m(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Geodesic distance on WGS84, in metres."""
    return geodesic_inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg)[2]


def aeqd_crs(lat_deg: float, lon_deg: float):
    """Azimuthal-equidistant CRS centred on a point: straight lines from the centre are
    geodesics and their length is the geodesic distance, so radar rays are straight."""
    from rasterio.crs import CRS

    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat_deg:.10f} +lon_0={lon_deg:.10f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    )
