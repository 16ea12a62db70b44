"""Terrain profiles between pairs of points, sampled from a DEM along the WGS84 geodesic."""

from __future__ import annotations

import numpy as np

from foxbat.errors import ParameterError
from foxbat.geo import wgs84_geod


def terrain_profile(dem, lat1_deg, lon1_deg, lat2_deg, lon2_deg, n_samples: int = 64):
    """Sample the terrain between point pairs: returns ``(dist_m, z_m)``, 2-D arrays of
    shape (n_pairs, n_samples), one profile per row from point 1 to point 2 (distances
    along the geodesic, equally spaced, both ends included; heights MSL from
    ``dem.elevation_m``, NaN off the grid). The inputs broadcast; scalars give one row.
    Feed the result to :func:`foxbat.propagation.deygout_loss_db`."""
    if int(n_samples) < 2:
        raise ParameterError(f"must be >= 2, got {n_samples!r}", where="n_samples")
    lat1, lon1, lat2, lon2 = (np.atleast_1d(np.asarray(v, float)).ravel()
                              for v in np.broadcast_arrays(lat1_deg, lon1_deg, lat2_deg, lon2_deg))
    geod = wgs84_geod()
    az, _, dist = geod.inv(lon1, lat1, lon2, lat2)
    frac = np.linspace(0.0, 1.0, int(n_samples))
    d = np.asarray(dist)[:, None] * frac[None, :]
    lon, lat, _ = geod.fwd(np.repeat(lon1, frac.size), np.repeat(lat1, frac.size),
                           np.repeat(np.asarray(az), frac.size), d.ravel())
    z = np.asarray(dem.elevation_m(np.asarray(lat), np.asarray(lon)), float).reshape(d.shape)
    return d, z
