"""A disk cache of the maps' terrain: the DEM resampled onto a map's lon/lat grid and
hillshaded (:func:`foxbat.report.run_map.basemap`), which depends on the DEM, the map's
bounds and its width in pixels only, not on the run's radars or results.

``foxbat run`` draws it twice (map.png at 1,400 pixels, replay.html at 1,200), about
0.15 s of CPU each on the flagship; a rerun of the same scenario and seed has the same
bounds and reads it back instead. It lives beside the coverage rasters
(:mod:`foxbat.coverage_cache`: ``$FOXBAT_CACHE_DIR``, ``off`` switches both off) in
``terrain/``, one ``.npz`` per map, named by a SHA-256 of the DEM (heights and
georeferencing), the bounds, the width and the code (this package's basemap sources and the
versions of numpy, matplotlib, rasterio and GDAL), so a changed input or engine is a new
name, never a stale hit. A file that cannot be read is computed again and replaced; a cache
folder that cannot be written is not used. A hit holds the very arrays computed.
"""

from __future__ import annotations

import functools
import hashlib
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

#: Bump when the cached file's meaning changes.
FORMAT = 1


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the code the terrain depends on (see the module doc)."""
    import matplotlib
    import rasterio

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    h.update(repr((FORMAT, np.__version__, matplotlib.__version__, rasterio.__version__,
                   rasterio.__gdal_version__)).encode())
    for name in ("run_map.py", "coverage_map.py", "terrain_cache.py"):
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    return h.hexdigest()


def terrain(dem, bounds, width_px: int, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """``compute()`` (a dict of arrays: the terrain of ``dem`` over ``bounds`` at ``width_px``
    columns), from the cache where it holds it."""
    from foxbat.coverage_cache import cache_dir, dem_digest

    folder = cache_dir()
    if folder is None:
        return compute()
    key = hashlib.sha256(repr((code_digest(), dem_digest(dem), tuple(float(b) for b in bounds),
                               int(width_px))).encode()).hexdigest()
    path = folder / "terrain" / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    out = compute()
    from foxbat.atomic import atomic_output

    try:
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **out)
    except OSError:
        pass  # a read-only or full disk: no cache, the same result
    return out
