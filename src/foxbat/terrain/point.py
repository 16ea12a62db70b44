"""One terrain height at a time, fast: the same bilinear value as
:meth:`foxbat.terrain.dem.Dem.elevation_m`, as a Python float.

An interceptor's flight asks for the ground under it once per 1 s step; through the
vectorised sampler each such call costs numpy's per-call overhead (about 100 µs). For a
DEM on WGS84 lon/lat (the built-in ones) this sampler calls the compiled kernel's
one-point blend (:func:`foxbat.terrain.bilinear.bilinear_height`, the one the compiled
loops use); for a projected DEM it falls back to the vectorised sampler.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from foxbat.terrain.bilinear import bilinear_height
from foxbat.terrain.dem import Dem


def point_sampler(dem: Dem) -> Callable[[float, float], float]:
    """A function (lat_deg, lon_deg) -> terrain height, m MSL (NaN off the grid or next
    to nodata), equal to ``float(dem.elevation_m(lat, lon))``."""
    if dem.crs is None or dem.crs.to_epsg() != 4326:
        return lambda lat, lon: float(dem.elevation_m(lat, lon))
    z, inv, nodata, use_nodata = sampler_arrays(dem)

    def height(lat: float, lon: float) -> float:
        return bilinear_height(lon, lat, z, inv, nodata, use_nodata)

    return height


def sampler_arrays(dem: Dem) -> tuple:
    """What :func:`foxbat.terrain.bilinear.bilinear_height` takes for a geographic ``dem``:
    (heights as the kernel reads them, inverse affine (a..f), nodata, use nodata)."""
    inv = ~dem.transform
    return (dem._kernel_heights(), np.array([inv.a, inv.b, inv.c, inv.d, inv.e, inv.f]),
            0.0 if dem.nodata is None else float(dem.nodata), dem.nodata is not None)


__all__ = ["point_sampler", "sampler_arrays"]
