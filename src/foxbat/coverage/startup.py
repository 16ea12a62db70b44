"""Make the coverage command start fast.

numba's first compile or cache load in a process imports ``scipy.linalg`` (about
0.35 s here) only to learn whether ``np.dot`` may be compiled. The coverage kernels use
no linear algebra, so the command hides that module while numba loads its registries;
functions compiled later in the same process can then not use numba's BLAS calls.
Only the command-line path uses this; the Python API leaves numba alone.
"""

from __future__ import annotations

import sys

_PROBE = "scipy.linalg.cython_blas"


def load_kernels_without_blas_probe() -> None:
    """Load the cached coverage kernels, skipping numba's scipy BLAS probe."""
    from foxbat.coverage import kernel

    hide = "numba.np.arraymath" not in sys.modules and "scipy.linalg" not in sys.modules
    saved = sys.modules.get(_PROBE)
    if hide:
        sys.modules[_PROBE] = None  # type: ignore[assignment]  # import now raises ImportError
    try:
        kernel.warm_up_small()
    finally:
        if hide:
            if saved is None:
                sys.modules.pop(_PROBE, None)
            else:
                sys.modules[_PROBE] = saved
