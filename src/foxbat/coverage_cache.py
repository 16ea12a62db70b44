"""A disk cache of each ground radar's coverage raster, so a rerun of a scenario does not
compute again what cannot have changed.

``foxbat run`` (``sim.prepare``) needs every ground radar's lowest visible height over
the DEM; for the flagship that is half of the preparation (11 radars, ~0.5 s on 2 cores).
The raster is a pure function of its inputs, so it is kept in
``$FOXBAT_CACHE_DIR`` (default ``$XDG_CACHE_HOME/foxbat``, else ``~/.cache/foxbat``),
one ``.npy`` file per raster, named by a SHA-256 of everything it depends on:

* the DEM: its heights (bytes, dtype, shape), transform, CRS and nodata value;
* the site (every field of the RadarSite) and the refraction factor k;
* the code: the bytes of foxbat's coverage and terrain packages (sources and the compiled
  kernel), ``foxbat/geo.py``, foxbat's version, and the versions of numpy, rasterio, GDAL,
  pyproj and PROJ (the engine reprojects through them).

So a changed input or a changed engine is a new name, never a stale hit. A file that
cannot be read (or holds the wrong shape) is computed again and replaced; a cache folder
that cannot be written is simply not used. ``FOXBAT_CACHE_DIR=off`` switches the cache off.
Files are written atomically (temporary name, then rename), so runs in parallel share it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
from pathlib import Path

import numpy as np

#: Bump when the cached file's meaning changes.
FORMAT = 1
_OFF = {"", "0", "off", "none", "no", "false"}


def cache_dir() -> Path | None:
    """The cache folder, or None where switched off (``FOXBAT_CACHE_DIR=off``)."""
    env = os.environ.get("FOXBAT_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "foxbat"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the code a coverage raster depends on (see the module doc)."""
    import numpy
    import pyproj
    import rasterio

    import foxbat

    pkg = Path(foxbat.__file__).resolve().parent
    h = hashlib.sha256()
    h.update(repr((foxbat.__version__, numpy.__version__, rasterio.__version__, rasterio.__gdal_version__,
                   pyproj.__version__, pyproj.proj_version_str)).encode())
    files = [pkg / "geo.py"]
    for sub in ("coverage", "terrain"):
        files += [p for p in (pkg / sub).rglob("*") if p.is_file() and (
            p.suffix in (".py", ".c", ".h", ".so", ".pyd"))]
    for p in sorted(files):
        h.update(str(p.relative_to(pkg)).encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def dem_digest(dem) -> str:
    """SHA-256 of a Dem's heights and georeferencing."""
    z = np.ascontiguousarray(dem.heights_m)
    h = hashlib.sha256()
    h.update(repr((z.dtype.str, z.shape, tuple(dem.transform), dem.crs.to_wkt(), dem.nodata)).encode())
    h.update(z.tobytes())
    return h.hexdigest()


def lowest_agl_m(dem, site, k: float, dem_key: str | None = None) -> np.ndarray:
    """``compute_coverage(dem, [site], k).lowest_agl_m``, from the cache where it holds it.

    ``dem_key``: :func:`dem_digest` of ``dem``, where the caller has it (one per DEM)."""
    from foxbat.coverage import compute_coverage

    folder = cache_dir()
    if folder is None:
        return compute_coverage(dem, [site], k).lowest_agl_m
    key = hashlib.sha256(repr((FORMAT, code_digest(), dem_key or dem_digest(dem),
                               dataclasses.astuple(site), float(k))).encode()).hexdigest()
    path = folder / "coverage" / f"{key}.npy"
    try:
        arr = np.load(path, allow_pickle=False)
        if arr.shape == tuple(dem.shape):
            return arr
    except (OSError, ValueError, EOFError):
        pass
    arr = compute_coverage(dem, [site], k).lowest_agl_m
    from foxbat.atomic import atomic_output

    try:
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
    except OSError:
        pass  # a read-only or full disk: no cache, the same result
    return arr
