"""Geodetic (WGS84) <-> local East-North-Up Cartesian frames for tracking.

A side's tracker works in one ENU frame tangent to the WGS84 ellipsoid at a
reference point (height 0). The frame is an exact rotation and translation of
Earth-centred Earth-fixed (ECEF) coordinates, so straight lines stay straight
and nothing is lost far from the reference point; only "up" tilts away from
the local vertical as one moves away from it (about 0.9 degrees per 100 km).

Heights are taken as heights above the WGS84 ellipsoid; foxbat's ``alt_msl_m``
values are passed through unchanged (the geoid undulation, tens of metres, is
ignored here as elsewhere in foxbat).

Geodetic <-> ECEF uses pyproj (EPSG:4979 <-> EPSG:4978); everything else is a
3x3 rotation. All functions take and return numpy arrays (or scalars) in metres
and degrees.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _to_ecef():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@lru_cache(maxsize=1)
def _from_ecef():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)


def geodetic_to_ecef(lat_deg, lon_deg, h_m):
    """WGS84 latitude, longitude (deg) and ellipsoidal height (m) -> ECEF x, y, z (m)."""
    x, y, z = _to_ecef().transform(np.asarray(lon_deg, float), np.asarray(lat_deg, float), np.asarray(h_m, float))
    return np.asarray(x), np.asarray(y), np.asarray(z)


def ecef_to_geodetic(x_m, y_m, z_m):
    """ECEF x, y, z (m) -> WGS84 latitude (deg), longitude (deg), ellipsoidal height (m)."""
    lon, lat, h = _from_ecef().transform(np.asarray(x_m, float), np.asarray(y_m, float), np.asarray(z_m, float))
    return np.asarray(lat), np.asarray(lon), np.asarray(h)


def enu_rotation(lat_deg, lon_deg) -> np.ndarray:
    """The 3x3 matrix whose rows are the local east, north and up unit vectors in ECEF.

    ``enu_rotation(lat, lon) @ v_ecef`` gives the ENU components of an ECEF vector.
    With array inputs of shape (n,), returns shape (n, 3, 3).
    """
    phi = np.radians(np.asarray(lat_deg, float))
    lam = np.radians(np.asarray(lon_deg, float))
    sp, cp, sl, cl = np.sin(phi), np.cos(phi), np.sin(lam), np.cos(lam)
    zero = np.zeros_like(phi)
    r = np.array(
        [
            [-sl, cl, zero],
            [-sp * cl, -sp * sl, cp],
            [cp * cl, cp * sl, sp],
        ]
    )
    if r.ndim == 3:
        r = np.moveaxis(r, -1, 0)
    return r


class LocalFrame:
    """An East-North-Up frame tangent to WGS84 at (``ref_lat_deg``, ``ref_lon_deg``, height 0).

    >>> f = LocalFrame(43.0, 140.0)
    >>> e, n, u = f.to_enu(43.0, 140.0, 1000.0)   # (0, 0, 1000)
    >>> lat, lon, h = f.to_geodetic(e, n, u)
    """

    def __init__(self, ref_lat_deg: float, ref_lon_deg: float, ref_h_m: float = 0.0):
        from foxbat.errors import ParameterError

        if not (np.isfinite(ref_lat_deg) and -90.0 <= ref_lat_deg <= 90.0):
            raise ParameterError(f"must be a latitude in [-90, 90] degrees, got {ref_lat_deg!r}", field="ref_lat_deg")
        if not (np.isfinite(ref_lon_deg) and -360.0 <= ref_lon_deg <= 360.0):
            raise ParameterError(f"must be a longitude in degrees, got {ref_lon_deg!r}", field="ref_lon_deg")
        self.ref_lat_deg = float(ref_lat_deg)
        self.ref_lon_deg = float(ref_lon_deg)
        self.ref_h_m = float(ref_h_m)
        self.origin_ecef = np.array([float(c) for c in geodetic_to_ecef(ref_lat_deg, ref_lon_deg, ref_h_m)])
        self.rotation = enu_rotation(ref_lat_deg, ref_lon_deg)  # ECEF -> frame ENU

    def __repr__(self) -> str:
        return f"LocalFrame({self.ref_lat_deg!r}, {self.ref_lon_deg!r})"

    def to_enu(self, lat_deg, lon_deg, h_m):
        """Geodetic -> (east_m, north_m, up_m) in this frame (arrays broadcast)."""
        x, y, z = geodetic_to_ecef(lat_deg, lon_deg, h_m)
        d = np.stack(np.broadcast_arrays(x, y, z)) - self.origin_ecef.reshape((3,) + (1,) * np.ndim(x))
        enu = np.tensordot(self.rotation, d, axes=1)
        return enu[0], enu[1], enu[2]

    def to_geodetic(self, east_m, north_m, up_m):
        """(east_m, north_m, up_m) in this frame -> (lat_deg, lon_deg, h_m)."""
        e, n, u = np.broadcast_arrays(np.asarray(east_m, float), np.asarray(north_m, float), np.asarray(up_m, float))
        enu = np.stack([e, n, u])
        ecef = np.tensordot(self.rotation.T, enu, axes=1) + self.origin_ecef.reshape((3,) + (1,) * e.ndim)
        return ecef_to_geodetic(ecef[0], ecef[1], ecef[2])

    def rotation_to_local(self, lat_deg, lon_deg) -> np.ndarray:
        """Matrix taking vectors in this frame to the local ENU frame at (lat, lon).

        Shape (3, 3), or (n, 3, 3) for arrays of n points.
        """
        return enu_rotation(lat_deg, lon_deg) @ self.rotation.T
