"""Cells of a DEM opened without reading its band (``open_dem(..., lazy=True)``), by rasterio window.

The tiled network path (foxbat.coverage.tiled) needs each radar's window only; a
``Dem`` whose ``heights_m`` is a :class:`~foxbat.terrain.dem.LazyBand` answers ``contains``,
``rowcol_float`` and ``scale_factor`` with the in-memory DEM's arithmetic, and
:func:`dem_around_sites` gives ``elevation_numpy_m`` at the sites, so antenna heights and
observer cells are bit-for-bit those of ``compute_coverage``.
"""

from __future__ import annotations

import numpy as np

from foxbat.terrain.dem import Dem


def read_window(path: str, band: int, row0: int, row1: int, col0: int, col1: int) -> np.ndarray:
    """Rows row0..row1-1 and columns col0..col1-1 of a band, in its own dtype (C-contiguous)."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(path) as ds:
        z = np.empty((row1 - row0, col1 - col0), np.dtype(ds.dtypes[band - 1]))
        ds.read(band, out=z, window=Window(col0, row0, col1 - col0, row1 - row0))
    return z


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


def valid_heights_f32(z: np.ndarray, nodata: float | None) -> np.ndarray:
    """A window as float32 with NaN at nodata (as Dem.valid_mask marks it)."""
    from foxbat.terrain.dem import valid_cells

    out = z.astype(np.float32)
    out[~valid_cells(z, nodata)] = np.nan
    return out
