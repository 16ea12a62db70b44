"""A DEM opened without reading its band: georeferencing now, cells by rasterio window on demand.

The tiled network path (foxbat.coverage.tiled) needs each radar's window only; a
``Dem`` whose ``heights_m`` is a :class:`LazyBand` answers ``contains``,
``rowcol_float`` and ``scale_factor`` with the in-memory DEM's arithmetic, and
:func:`dem_around_sites` gives ``elevation_m`` at the sites, so antenna heights and
observer cells are bit-for-bit those of ``compute_coverage``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from foxbat.errors import InputFileError, ParameterError
from foxbat.terrain.dem import _GDAL_ENV, Dem, _check_complete


class LazyBand:
    """One band of a raster on disk: its path, band, shape and dtype (the tiled path reads
    the windows it needs with :func:`read_window`)."""

    def __init__(self, path: str, band: int, shape: tuple[int, int], dtype: np.dtype):
        self.path, self.band, self.shape, self.dtype = path, band, shape, np.dtype(dtype)


def read_window(path: str, band: int, row0: int, row1: int, col0: int, col1: int) -> np.ndarray:
    """Rows row0..row1-1 and columns col0..col1-1 of a band, in its own dtype (C-contiguous)."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(path) as ds:
        z = np.empty((row1 - row0, col1 - col0), np.dtype(ds.dtypes[band - 1]))
        ds.read(band, out=z, window=Window(col0, row0, col1 - col0, row1 - row0))
    return z


def open_lazy_dem(path: str | os.PathLike, band: int | None = None) -> Dem:
    """A Dem of a raster file whose heights stay on disk (a LazyBand); the checks and
    one-line errors of foxbat.terrain.open_dem (no such file, no CRS, a multi-band raster
    without --band, a truncated GeoTIFF)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    p = Path(path)
    shown = str(p)

    def err(msg: str):
        return InputFileError(msg, where=f"--dem {shown}")

    if not p.exists():
        raise err("no such file; give a GeoTIFF elevation raster")
    if p.is_dir():
        raise err("is a folder; give a GeoTIFF elevation raster")
    if not os.access(p, os.R_OK):
        raise err("cannot be read (permission denied)")
    try:
        with rasterio.Env(**_GDAL_ENV), rasterio.open(p) as ds:
            if ds.count < 1:
                raise err("the raster has no bands")
            if band is None:
                if ds.count > 1:
                    raise err(f"the raster has {ds.count} bands; choose one with --band 1..{ds.count}")
                band = 1
            if not 1 <= band <= ds.count:
                raise ParameterError(f"band must be 1..{ds.count}, got {band}", where="--band")
            if ds.crs is None:
                raise err("the raster has no coordinate reference system; give a georeferenced GeoTIFF")
            dtype = np.dtype(ds.dtypes[band - 1])
            if dtype.kind == "c":
                raise err(f"band {band} is complex ({dtype}); elevations must be real numbers")
            _check_complete(ds, band, p, err)
            heights = LazyBand(str(p), band, (ds.height, ds.width), dtype)
            return Dem(heights, ds.transform, ds.crs, ds.nodatavals[band - 1], shown)  # type: ignore[arg-type]
    except RasterioIOError as exc:
        msg = str(exc).split("\n")[0]
        if "not recognized as" in msg or "not a supported file format" in msg:
            msg = "not a raster file GDAL can read; give a GeoTIFF elevation raster"
        raise err(msg) from None


def dem_around_sites(dem: Dem, sites) -> Dem:
    """A Dem on the whole grid of a lazy ``dem`` holding only the cells around each site (a
    3 x 3 read or so per site); the rest of the array is zeros never touched (np.zeros takes
    untouched pages from the system: a 20001 x 20001 grid costs a few pages per site, not
    its size). Its elevation_numpy_m (what site_ground_m takes) then gives, at the sites, the in-memory DEM's heights with
    its own arithmetic."""
    import math

    nr, nc = dem.shape
    z = np.zeros((nr, nc), dem.heights_m.dtype)
    for s in sites:
        row, col = (float(v) for v in dem.rowcol_float(s.lat_deg, s.lon_deg))
        if not (math.isfinite(row) and math.isfinite(col)):
            continue
        r = int(math.floor(min(max(row, 0.0), nr - 1.0)))
        c = int(math.floor(min(max(col, 0.0), nc - 1.0)))
        r0, r1, c0, c1 = max(0, r - 1), min(nr, r + 3), max(0, c - 1), min(nc, c + 3)
        z[r0:r1, c0:c1] = read_window(dem.heights_m.path, dem.heights_m.band, r0, r1, c0, c1)
    return Dem(z, dem.transform, dem.crs, dem.nodata, dem.path)


def window_missing(z: np.ndarray, nodata: float | None) -> bool:
    """True if a window holds a NaN or nodata cell (the kernel's nodata tests change no
    value where none is missing: tests/test_los_c.py)."""
    from foxbat.terrain.dem import has_nan

    if has_nan(z):
        return True
    return nodata is not None and bool(np.isfinite(nodata)) and bool((z == nodata).any())


def valid_heights_f32(z: np.ndarray, nodata: float | None) -> np.ndarray:
    """A window as float32 with NaN at nodata (as Dem.valid_mask marks it)."""
    out = z.astype(np.float32)
    bad = ~np.isfinite(z) if np.issubdtype(z.dtype, np.floating) else np.zeros(z.shape, bool)
    if nodata is not None and np.isfinite(nodata):
        bad |= z == nodata
    out[bad] = np.nan
    return out
