"""WGS84 geodesics and CPython's ``math.hypot`` inside numba kernels, to the last bit of
what the Python code gets.

pyproj's ``Geod.fwd``/``Geod.inv`` are PROJ's ``geod_direct``/``geod_inverse`` (Karney's
algorithms, C). A compiled loop that steps an aircraft along geodesics cannot call
pyproj, so this module calls those same C functions of the PROJ library pyproj loaded,
through ctypes function pointers that numba calls directly: the same code on the same
inputs, so the same bits (``tests/test_geodesic_nb.py`` compares them on 20,000 random
pairs each way). ``hypot`` is CPython's ``math.hypot`` algorithm (an exactly rounded sum
of squares with a differential correction), not libm's ``hypot``, whose last bit differs
from CPython's for about 1 input in 200.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np
from numba import njit

from foxbat.ccall_nb import call_geod_nb, function_address

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563


def _proj_library() -> ctypes.CDLL:
    """The shared object that resolves PROJ's geodesic functions in this process: the
    extension module of pyproj's ``Geod`` (dlsym searches it and the libproj it links,
    whether that is a wheel's bundled copy or the system's)."""
    import pyproj._geod as ext

    return ctypes.CDLL(ext.__file__)


_lib = _proj_library()
_init = _lib.geod_init
_init.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_double]
_init.restype = None


def wgs84_geo() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What kernels take for their geodesics: ``(addresses, g, scratch)``: addresses
    (uint64) of geod_direct, geod_inverse, PROJ's ``struct geod_geodesic`` for WGS84
    (initialised by ``geod_init``, held in ``g``: 51 doubles, 64 leave room) and the
    three result slots in ``scratch``. Keep the tuple alive while kernels use it."""
    g = np.zeros(64)
    _init(g.ctypes.data, WGS84_A_M, WGS84_F)
    scratch = np.zeros(3)
    base = scratch.ctypes.data
    addr = np.array([function_address(_lib.geod_direct), function_address(_lib.geod_inverse), g.ctypes.data,
                     base, base + 8, base + 16], np.uint64)
    return addr, g, scratch


@njit(cache=True)
def destination_nb(addr, scratch, lat_deg: float, lon_deg: float, bearing_deg: float, dist_m: float):
    """:func:`foxbat.sensing.geometry.destination`: (lat, lon) at a geodesic distance and
    bearing (``addr``, ``scratch``: :func:`wgs84_geo`'s)."""
    call_geod_nb(addr[0], addr[2], lat_deg, lon_deg, bearing_deg, dist_m, addr[3], addr[4], addr[5])
    return scratch[0], scratch[1]


@njit(cache=True)
def inverse_nb(addr, scratch, lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float):
    """pyproj's ``Geod.inv``: (forward azimuth, deg, as pyproj gives it; distance, m)."""
    call_geod_nb(addr[1], addr[2], lat1_deg, lon1_deg, lat2_deg, lon2_deg, addr[3], addr[4], addr[5])
    return scratch[1], scratch[0]


@njit(cache=True)
def _two_product_err(x: float, y: float) -> float:
    """The exact rounding error of x·y (Dekker/Veltkamp): the value CPython's ``dl_mul``
    takes from fma(x, y, −x·y), without needing fma."""
    c = 134217729.0  # 2**27 + 1
    z = x * y
    t = c * x
    xh = t - (t - x)
    xl = x - xh
    t = c * y
    yh = t - (t - y)
    yl = y - yh
    return ((xh * yh - z) + xh * yl + xl * yh) + xl * yl


@njit(cache=True)
def hypot_py_nb(x: float, y: float) -> float:
    """CPython's ``math.hypot(x, y)`` (Modules/mathmodule.c ``vector_norm``), bit for bit."""
    ax, ay = abs(x), abs(y)
    if math.isinf(ax) or math.isinf(ay):
        return math.inf
    if math.isnan(ax) or math.isnan(ay):
        return math.nan
    mx = ax if ax > ay else ay
    if mx == 0.0:
        return mx
    _, max_e = math.frexp(mx)
    if max_e < -1023:  # 2**-max_e would overflow: CPython 3.11 divides by the largest instead
        csum, frac = 1.0, 0.0
        for v in (ax, ay):
            v = v / mx
            v = v * v
            s = csum + v
            frac += (csum - s) + v
            csum = s
        return mx * math.sqrt(csum - 1.0 + frac)
    scale = math.ldexp(1.0, -max_e)
    csum, frac1, frac2 = 1.0, 0.0, 0.0
    for v in (ax, ay):
        v = v * scale
        hi = v * v
        lo = _two_product_err(v, v)
        s = csum + hi
        frac2 += (csum - s) + hi
        csum = s
        frac1 += lo
    h = math.sqrt(csum - 1.0 + (frac1 + frac2))
    hi = -h * h
    lo = _two_product_err(-h, h)
    s = csum + hi
    frac2 += (csum - s) + hi
    csum = s
    frac1 += lo
    v = csum - 1.0 + (frac1 + frac2)
    h += v / (2.0 * h)
    return h / scale


__all__ = ["wgs84_geo", "destination_nb", "inverse_nb", "hypot_py_nb"]
