"""WGS84 geodesics and CPython's ``math.hypot`` inside numba kernels, to the last bit of
what the Python code gets.

pyproj's ``Geod.fwd``/``Geod.inv`` are PROJ's ``geod_direct``/``geod_inverse`` (Karney's
algorithms, C). A compiled loop that steps an aircraft along geodesics cannot call
pyproj, so this module calls those same C functions of the PROJ library pyproj loaded,
as external functions numba links to: the same code on the same inputs, so the same
bits (``tests/test_quiet_nb.py`` compares them on 5,000 random
pairs each way). ``hypot`` is CPython's ``math.hypot`` algorithm (an exactly rounded sum
of squares with a differential correction), not libm's ``hypot``, whose last bit differs
from CPython's for about 1 input in 200.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np
import llvmlite.binding as llvm
from numba import njit, types

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563


def _proj_library() -> ctypes.CDLL:
    """The shared object that resolves PROJ's geodesic functions as pyproj's ``Geod`` does:
    its extension module (dlsym searches it and the libproj it links, whether a wheel's
    bundled copy or the system's). Not any libproj the process has loaded: rasterio's
    wheel brings its own copy, another version whose symbols are not exported."""
    import pyproj._geod as ext

    return ctypes.CDLL(ext.__file__)


_lib = _proj_library()
_lib.geod_init.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_double]
_lib.geod_init.restype = None
for _name in ("geod_direct", "geod_inverse"):
    # the symbol numba's linker resolves for the ExternalFunctions below (in every process
    # that imports this module, so kernels that call them load from numba's disk cache)
    llvm.add_symbol("foxbat_" + _name, ctypes.cast(getattr(_lib, _name), ctypes.c_void_p).value)
_P = types.CPointer(types.float64)
_F8 = types.float64
geod_direct_c = types.ExternalFunction("foxbat_geod_direct", types.void(types.voidptr, _F8, _F8, _F8, _F8, _P, _P, _P))
"""PROJ's ``geod_direct(g, lat1, lon1, azi1, s12, *lat2, *lon2, *azi2)``, callable in kernels."""
geod_inverse_c = types.ExternalFunction("foxbat_geod_inverse",
                                        types.void(types.voidptr, _F8, _F8, _F8, _F8, _P, _P, _P))
"""PROJ's ``geod_inverse(g, lat1, lon1, lat2, lon2, *s12, *azi1, *azi2)``, callable in kernels."""


def init_geodesic(address: int, a_m: float = WGS84_A_M, f: float = WGS84_F) -> None:
    """PROJ's ``geod_init`` of the ``struct geod_geodesic`` at ``address`` (51 doubles)."""
    _lib.geod_init(address, ctypes.c_double(a_m), ctypes.c_double(f))


def wgs84_struct() -> np.ndarray:
    """PROJ's ``struct geod_geodesic`` for WGS84 in a float64 array (51 doubles; 64 leave
    room): the first argument of :func:`destination_nb` and :func:`inverse_nb`."""
    g = np.zeros(64)
    init_geodesic(g.ctypes.data)
    return g


@njit(cache=True)
def destination_nb(g: np.ndarray, out: np.ndarray, lat_deg: float, lon_deg: float, bearing_deg: float,
                   dist_m: float):
    """:func:`foxbat.sensing.geometry.destination`: (lat, lon) at a geodesic distance and
    bearing; ``out`` a scratch array of 3."""
    geod_direct_c(g.ctypes, lat_deg, lon_deg, bearing_deg, dist_m, out[0:].ctypes, out[1:].ctypes, out[2:].ctypes)
    return out[0], out[1]


@njit(cache=True)
def inverse_nb(g: np.ndarray, out: np.ndarray, lat1_deg: float, lon1_deg: float, lat2_deg: float,
               lon2_deg: float):
    """pyproj's ``Geod.inv``: (forward azimuth, deg, as pyproj gives it; distance, m)."""
    geod_inverse_c(g.ctypes, lat1_deg, lon1_deg, lat2_deg, lon2_deg, out[0:].ctypes, out[1:].ctypes,
                   out[2:].ctypes)
    return out[1], out[0]


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


__all__ = ["geod_direct_c", "geod_inverse_c", "init_geodesic", "wgs84_struct", "destination_nb", "inverse_nb",
           "hypot_py_nb"]
