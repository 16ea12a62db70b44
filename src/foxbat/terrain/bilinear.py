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
def bilinear_heights(x, y, z, inv, nodata, use_nodata):
    """Bilinear heights (m MSL) at map points ``x, y`` (1-D float64 arrays) of the grid ``z``
    (rows from the top; cell values at cell centres, the edge value held within half a
    cell of the outer edge); NaN off the grid or next to a ``nodata`` cell (when
    ``use_nodata``). ``inv`` holds the inverse affine (a, b, c, d, e, f): col = x·a + y·b + c,
    row = x·d + y·e + f."""
    nr, nc = z.shape
    r_hi = max(nr - 2, 0)
    c_hi = max(nc - 2, 0)
    a, b, c, d, e, f = inv[0], inv[1], inv[2], inv[3], inv[4], inv[5]
    out = np.empty(x.size)
    for i in range(x.size):
        col = (x[i] * a + y[i] * b + c) - 0.5
        row = (x[i] * d + y[i] * e + f) - 0.5
        if not (row >= -0.5 and row <= nr - 0.5 and col >= -0.5 and col <= nc - 0.5):
            out[i] = math.nan
            continue
        r = min(max(row, 0.0), nr - 1.0)
        cc = min(max(col, 0.0), nc - 1.0)
        r0 = min(int(math.floor(r)), r_hi)
        c0 = min(int(math.floor(cc)), c_hi)
        r1 = min(r0 + 1, nr - 1)
        c1 = min(c0 + 1, nc - 1)
        fr = r - r0
        fc = cc - c0
        z00 = float(z[r0, c0])
        z01 = float(z[r0, c1])
        z10 = float(z[r1, c0])
        z11 = float(z[r1, c1])
        if use_nodata and (z00 == nodata or z01 == nodata or z10 == nodata or z11 == nodata):
            out[i] = math.nan
            continue
        out[i] = z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc
    return out


__all__ = ["bilinear_heights"]
