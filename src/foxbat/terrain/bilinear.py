"""The DEM's bilinear sampler as one compiled kernel (numba): map coordinates in, heights out.

:meth:`foxbat.terrain.dem.Dem.elevation_m` was a dozen numpy operations per call (the
affine inverse, clips, four gathers, nodata masks): about 90 µs even for one point, and
the interceptors, the trackers and the path factors call it thousands of times a run
with one to a few hundred points. This kernel does the same arithmetic, in the same
order (the affine inverse ``x·a + y·b + c`` as :mod:`affine` applies it, then the
four-cell blend), so its heights are bit-identical to the numpy version's
(``tests/test_terrain.py`` keeps that version as an oracle).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def bilinear_height(x, y, z, inv, nodata, use_nodata):
    """One bilinear height (m MSL) at the map point (x, y) of the grid ``z`` (rows from the
    top; cell values at cell centres, the edge value held within half a cell of the outer
    edge); NaN off the grid or next to a ``nodata`` cell (when ``use_nodata``). ``inv``
    holds the inverse affine (a, b, c, d, e, f): col = x·a + y·b + c, row = x·d + y·e + f."""
    nr, nc = z.shape
    col = (x * inv[0] + y * inv[1] + inv[2]) - 0.5
    row = (x * inv[3] + y * inv[4] + inv[5]) - 0.5
    if not (row >= -0.5 and row <= nr - 0.5 and col >= -0.5 and col <= nc - 0.5):
        return math.nan
    r = min(max(row, 0.0), nr - 1.0)
    cc = min(max(col, 0.0), nc - 1.0)
    r0 = min(int(math.floor(r)), max(nr - 2, 0))
    c0 = min(int(math.floor(cc)), max(nc - 2, 0))
    r1 = min(r0 + 1, nr - 1)
    c1 = min(c0 + 1, nc - 1)
    fr = r - r0
    fc = cc - c0
    z00 = float(z[r0, c0])
    z01 = float(z[r0, c1])
    z10 = float(z[r1, c0])
    z11 = float(z[r1, c1])
    if use_nodata and (z00 == nodata or z01 == nodata or z10 == nodata or z11 == nodata):
        return math.nan
    return z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc


@njit(cache=True)
def bilinear_heights(x, y, z, inv, nodata, use_nodata):
    """:func:`bilinear_height` at map points ``x, y`` (1-D float64 arrays)."""
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = bilinear_height(x[i], y[i], z, inv, nodata, use_nodata)
    return out


__all__ = ["bilinear_height", "bilinear_heights"]
