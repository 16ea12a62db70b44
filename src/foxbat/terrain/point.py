"""One terrain height at a time, fast: the same bilinear value as
:meth:`foxbat.terrain.dem.Dem.elevation_m`, in plain Python floats.

An interceptor's flight asks for the ground under it once per 1 s step; through the
vectorised sampler each such call costs numpy's per-call overhead (about 100 µs), which
made those calls most of a run's time. For a DEM on WGS84 lon/lat (the built-in ones)
this sampler does the affine inverse and the four-cell blend itself; for a projected
DEM it falls back to the vectorised sampler.
"""

from __future__ import annotations

import math
from typing import Callable

from foxbat.terrain.dem import Dem


def point_sampler(dem: Dem) -> Callable[[float, float], float]:
    """A function (lat_deg, lon_deg) -> terrain height, m MSL (NaN off the grid or next
    to nodata), equal to ``float(dem.elevation_m(lat, lon))``."""
    if dem.crs is None or dem.crs.to_epsg() != 4326:
        return lambda lat, lon: float(dem.elevation_m(lat, lon))
    inv = ~dem.transform
    a, b, c, d, e, f = inv.a, inv.b, inv.c, inv.d, inv.e, inv.f
    z = dem.heights_m
    nr, nc = z.shape
    rows = z.tolist()  # Python floats: no numpy scalar overhead per read
    nodata = dem.nodata
    r_hi, c_hi = max(nr - 2, 0), max(nc - 2, 0)

    r_top, c_top = nr - 1.0, nc - 1.0
    r_edge, c_edge = nr - 0.5, nc - 0.5

    def height(lat: float, lon: float) -> float:
        col = a * lon + b * lat + c - 0.5
        row = d * lon + e * lat + f - 0.5
        if not (-0.5 <= row <= r_edge and -0.5 <= col <= c_edge):
            return math.nan
        # min(max(v, 0), top) and min(floor(v), hi) spelt as the comparisons the builtins
        # make (max keeps its first argument unless the second is larger; floor of v >= 0
        # is int(v)): the same values without four builtin calls per point
        r = 0.0 if row < 0.0 else row
        r = r_top if r > r_top else r
        cc = 0.0 if col < 0.0 else col
        cc = c_top if cc > c_top else cc
        r0 = int(r)
        r0 = r_hi if r0 > r_hi else r0
        c0 = int(cc)
        c0 = c_hi if c0 > c_hi else c0
        r1 = r0 + 1 if r0 + 1 < nr else nr - 1
        c1 = c0 + 1 if c0 + 1 < nc else nc - 1
        fr, fc = r - r0, cc - c0
        z00, z01, z10, z11 = rows[r0][c0], rows[r0][c1], rows[r1][c0], rows[r1][c1]
        if nodata is not None and nodata in (z00, z01, z10, z11):
            return math.nan
        return float(z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc)

    return height


__all__ = ["point_sampler"]
