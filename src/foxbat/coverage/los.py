"""Which line-of-sight kernel runs: the compiled C port when it was built, else numba.

Both compute the same thing bit for bit (tests/test_los_c.py); the C port
(``foxbat.coverage._los``) exists because loading numba costs a short command about
0.3 s. ``FOXBAT_LOS_KERNEL=numba`` forces the numba reference, ``=c`` requires the port.
"""

from __future__ import annotations

import os
from types import ModuleType

import numpy as np

# DEM element types the C port is compiled for (native byte order)
C_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int16), np.dtype(np.int32))


def _load_c() -> ModuleType | None:
    from foxbat.errors import ParameterError

    choice = os.environ.get("FOXBAT_LOS_KERNEL", "auto").strip().lower()
    if choice not in ("auto", "c", "numba"):
        raise ParameterError(f"{choice!r} is not a kernel; use auto, c or numba", where="FOXBAT_LOS_KERNEL")
    if choice == "numba":
        return None
    try:
        from foxbat.coverage import _los
    except ImportError:
        if choice == "c":
            raise ParameterError("c, but the C port was not built; reinstall foxbat where a C compiler "
                                 "with OpenMP is found, or use auto", where="FOXBAT_LOS_KERNEL") from None
        return None
    return _los


_C = _load_c()


def compiled() -> bool:
    """True when the C port is built and chosen."""
    return _C is not None


def _numba() -> ModuleType:
    from foxbat.coverage import kernel

    return kernel


def lowest_visible_agl(z: np.ndarray, *args) -> np.ndarray:
    """kernel.lowest_visible_agl (same arguments), on the C port where it takes z's dtype."""
    if not z.dtype.isnative:  # neither kernel reads byte-swapped arrays
        z = z.astype(z.dtype.newbyteorder("="))
    if z.dtype.kind == "u" or z.dtype == np.int8:
        # unsigned differences would wrap round in the kernels: widen to a signed type
        z = z.astype(np.int32 if z.dtype.itemsize <= 2 else np.float64)
    if _C is not None and z.dtype in C_DTYPES and z.flags.c_contiguous:
        return _C.lowest_visible_agl(z, *args)
    return _numba().lowest_visible_agl(z, *args)


def replace_inf(a: np.ndarray, fill: float) -> np.ndarray:
    """Set every infinite cell of a float32 array to fill, in place."""
    if _C is not None and a.dtype == np.float32 and a.dtype.isnative and a.flags.c_contiguous:
        return _C.replace_inf(a, fill)
    return _numba().replace_inf(a, fill)


def full(shape: tuple[int, int], value: float, dtype) -> np.ndarray:
    """np.full for the kernel's float32 and int16 arrays, filled on all cores by the C port."""
    dtype = np.dtype(dtype)
    if _C is None or dtype not in (np.dtype(np.float32), np.dtype(np.int16)):
        return np.full(shape, value, dtype)
    return _C.fill(np.empty(shape, dtype), float(value))
