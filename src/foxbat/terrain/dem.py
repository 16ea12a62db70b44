"""DEM access through rasterio: a terrain grid with its transform, CRS and nodata."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foxbat.errors import InputFileError, ParameterError

# Reads of whole large rasters are several times faster with a small block cache:
# GDAL then copies straight into our array instead of through its cache.
# GTIFF_DIRECT_IO: an uncompressed GeoTIFF is read straight into the array, without
# going through GDAL's block cache (3x faster: 22 ms against 73 ms for 4001 x 4001 float32)
_GDAL_ENV = {"GDAL_CACHEMAX": 64, "GTIFF_DIRECT_IO": "YES"}


def has_nan(a: np.ndarray) -> bool:
    """True if a float array holds a NaN, without a temporary mask (NaN propagates
    through min); False for integer arrays."""
    return bool(a.size) and np.issubdtype(a.dtype, np.floating) and bool(np.isnan(a.min()))


def valid_cells(z: np.ndarray, nodata: float | None) -> np.ndarray:
    """True where a grid of heights holds an elevation (finite, not ``nodata``)."""
    ok = np.ones(z.shape, bool) if not np.issubdtype(z.dtype, np.floating) else np.isfinite(z)
    if nodata is not None and np.isfinite(nodata):
        ok &= z != nodata
    return ok


def any_missing(z: np.ndarray, nodata: float | None) -> bool:
    """True if a grid of heights holds a NaN or a ``nodata`` cell."""
    if has_nan(z):
        return True
    if z.size and nodata is not None and np.isfinite(nodata):
        # a declared value outside the heights' range marks no cell: no scan
        return bool(z.min() <= nodata <= z.max()) and bool((z == nodata).any())
    return False


@dataclass
class Dem:
    """A single-band elevation grid (metres MSL) with its georeferencing.

    ``heights_m`` is the raw band (any numeric dtype, C-contiguous, row 0 at the top);
    ``nodata`` the value marking missing cells (NaN counts as missing too).
    """

    heights_m: np.ndarray
    transform: "object"  # affine.Affine
    crs: "object"  # rasterio.crs.CRS
    nodata: float | None = None
    path: str | None = None
    _lonlat_to_xy: object = field(default=None, repr=False, compare=False)
    _proj: object = field(default=None, repr=False, compare=False)
    _has_missing: bool | None = field(default=None, repr=False, compare=False)
    _inv6: tuple | None = field(default=None, repr=False, compare=False)
    _heights_f8: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.heights_m.shape

    @property
    def is_geographic(self) -> bool:
        return bool(self.crs.is_geographic)

    @property
    def name(self) -> str:
        return self.path or "<array DEM>"

    def valid_mask(self) -> np.ndarray:
        """True where the cell holds an elevation."""
        return valid_cells(self.heights_m, self.nodata)

    def has_missing(self) -> bool:
        """True if some cell is nodata or NaN (computed once: a DEM's heights are not
        meant to change after loading)."""
        if self._has_missing is None:
            self._has_missing = any_missing(self.heights_m, self.nodata)
        return self._has_missing

    def xy(self, lat_deg, lon_deg):
        """Map coordinates (x, y) in the DEM's CRS of WGS84 lat/lon points."""
        if self._lonlat_to_xy is None:
            if self.crs.to_epsg() == 4326:  # lon/lat already: no transformer on the hot path
                self._lonlat_to_xy = False
            else:
                from pyproj import Transformer

                self._lonlat_to_xy = Transformer.from_crs("EPSG:4326", self.crs.to_wkt(), always_xy=True)
        if self._lonlat_to_xy is False:
            return lon_deg, lat_deg
        return self._lonlat_to_xy.transform(lon_deg, lat_deg)

    def scale_factor(self, lat_deg: float, lon_deg: float) -> float:
        """Point scale factor of a projected CRS (map metres per ground metre); 1 if unknown."""
        import math

        if self.is_geographic:
            return 1.0
        try:
            if self._proj is None:
                from pyproj import Proj

                self._proj = Proj(self.crs.to_wkt())
            f = self._proj.get_factors(lon_deg, lat_deg)
            s = math.sqrt(f.meridional_scale * f.parallel_scale)
            return s if math.isfinite(s) and s > 0 else 1.0
        except Exception:  # a CRS without factors (local engineering grids): take it as true
            return 1.0

    def rowcol_float(self, lat_deg, lon_deg):
        """Fractional (row, col) of lat/lon points, cell centres at integers."""
        x, y = self.xy(lat_deg, lon_deg)
        inv = ~self.transform
        col, row = inv @ (np.asarray(x, float), np.asarray(y, float))
        return np.asarray(row) - 0.5, np.asarray(col) - 0.5

    def contains(self, lat_deg, lon_deg) -> np.ndarray:
        """True for points inside the grid's outer cell edges."""
        row, col = self.rowcol_float(lat_deg, lon_deg)
        nr, nc = self.shape
        return (row >= -0.5) & (row <= nr - 0.5) & (col >= -0.5) & (col <= nc - 0.5)

    def elevation_m(self, lat_deg, lon_deg) -> np.ndarray:
        """Bilinear terrain height (m MSL) at lat/lon; NaN off the grid or next to nodata.

        Cell values are taken at cell centres; within half a cell of the outer edge
        the edge value is held. One compiled kernel
        (:func:`foxbat.terrain.bilinear.bilinear_heights`) does the affine inverse and
        the blend: the same arithmetic as numpy, without its per-call overhead.
        """
        from foxbat.terrain.bilinear import bilinear_heights

        x, y = self.xy(lat_deg, lon_deg)
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        shape = x.shape if x.ndim else (1,)
        if self._inv6 is None or self._inv6[0] is not self.transform:  # keyed on the transform it came from
            inv = ~self.transform
            self._inv6 = (self.transform, np.array([inv.a, inv.b, inv.c, inv.d, inv.e, inv.f], float))
        nodata = self.nodata
        use_nodata = nodata is not None
        out = bilinear_heights(np.ascontiguousarray(x).ravel(), np.ascontiguousarray(y).ravel(), self._kernel_heights(),
                               self._inv6[1], float(nodata) if use_nodata else 0.0, use_nodata).reshape(shape)
        if np.ndim(lat_deg) == 0 and np.ndim(lon_deg) == 0:
            return out[0]
        return out

    def elevation_numpy_m(self, lat_deg, lon_deg) -> np.ndarray:
        """:meth:`elevation_m` in plain numpy: the same arithmetic in the same order, so the
        same bits (tests/test_coverage_tiled.py), for callers with a few points that should
        not load numba: placing antennas in ``foxbat coverage`` (numba's import and cached
        kernel cost the command about 0.3 s of its start-up)."""
        row, col = self.rowcol_float(lat_deg, lon_deg)
        row = np.atleast_1d(np.asarray(row, float))
        col = np.atleast_1d(np.asarray(col, float))
        nr, nc = self.shape
        inside = (row >= -0.5) & (row <= nr - 0.5) & (col >= -0.5) & (col <= nc - 0.5)
        r = np.clip(row, 0, nr - 1)
        c = np.clip(col, 0, nc - 1)
        r0 = np.minimum(np.floor(r).astype(np.int64), max(nr - 2, 0))
        c0 = np.minimum(np.floor(c).astype(np.int64), max(nc - 2, 0))
        r1 = np.minimum(r0 + 1, nr - 1)
        c1 = np.minimum(c0 + 1, nc - 1)
        fr = r - r0
        fc = c - c0
        z = self.heights_m
        vals = []
        for rr, cc in ((r0, c0), (r0, c1), (r1, c0), (r1, c1)):
            v = z[rr, cc].astype(float)
            if self.nodata is not None:
                v[v == self.nodata] = np.nan
            vals.append(v)
        z00, z01, z10, z11 = vals
        out = (z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc)
        out[~inside] = np.nan
        if np.ndim(lat_deg) == 0 and np.ndim(lon_deg) == 0:
            return out[0]
        return out

    def _kernel_heights(self) -> np.ndarray:
        """The heights as the compiled sampler takes them: the band itself when numba reads
        its dtype (native integers, float32, float64), else a float64 copy made once (the
        values the sampler converts each cell to anyway: big-endian, float16, bool bands)."""
        z = self.heights_m
        if z.dtype.isnative and (z.dtype.kind in "iu" or z.dtype in (np.float32, np.float64)):
            return z
        if self._heights_f8 is None or self._heights_f8[0] is not z:
            self._heights_f8 = (z, z.astype(np.float64))
        return self._heights_f8[1]

    def cell_size_m(self, lat_deg: float | None = None) -> tuple[float, float]:
        """Ground size (width, height) of a cell in metres, at lat_deg for geographic DEMs."""
        a = self.transform
        if not self.is_geographic:
            return abs(a.a), abs(a.e)
        from foxbat.geo import geodesic_distance_m

        if lat_deg is None:
            lat_deg = float(a.f + a.e * self.shape[0] / 2)
        w = geodesic_distance_m(lat_deg, 0.0, lat_deg, abs(a.a))
        h = geodesic_distance_m(lat_deg - abs(a.e) / 2, 0.0, lat_deg + abs(a.e) / 2, 0.0)
        return float(w), float(h)


def from_array(heights_m: np.ndarray, transform, crs, nodata: float | None = None) -> Dem:
    """A Dem from a numpy array and its georeferencing (``crs``: anything rasterio's CRS takes)."""
    from rasterio.crs import CRS

    if not isinstance(crs, CRS):
        crs = CRS.from_user_input(crs)
    z = np.asarray(heights_m)
    if z.ndim != 2:
        raise ParameterError(f"a DEM array must be 2-D, got shape {z.shape}", field="heights_m")
    return Dem(np.ascontiguousarray(z), transform, crs, nodata)


def from_dataset(dataset, band: int | None = None) -> Dem:
    """A Dem from an open rasterio dataset (reads the band into memory)."""
    where = f"--dem {dataset.name}"
    if band is None:
        if dataset.count > 1:
            raise InputFileError(f"the raster has {dataset.count} bands; choose one with band=1..{dataset.count}",
                                 where=where)
        band = 1
    if dataset.crs is None:
        raise InputFileError("the raster has no coordinate reference system", where=where)
    z = np.empty((dataset.height, dataset.width), dtype=np.dtype(dataset.dtypes[band - 1]))
    dataset.read(band, out=z)
    return Dem(z, dataset.transform, dataset.crs, dataset.nodatavals[band - 1], dataset.name)


def as_dem(obj, band: int | None = None) -> Dem:
    """Accept a Dem, an open rasterio dataset or a path, and return a Dem."""
    if isinstance(obj, Dem):
        return obj
    if hasattr(obj, "read") and hasattr(obj, "transform"):
        return from_dataset(obj, band)
    return open_dem(obj, band)


def _check_complete(ds, band: int, path: Path, error) -> None:
    """``error(message)`` (an InputFileError) for a GeoTIFF whose last block of ``band`` lies beyond the end of the
    file (a truncated download or copy). GDAL's direct I/O, which foxbat uses for speed,
    reads the missing part as zeros without an error; a DEM of zeros is silently wrong."""
    if ds.driver != "GTiff":
        return
    import math

    bh, bw = ds.block_shapes[band - 1]
    last = f"{math.ceil(ds.width / bw) - 1}_{math.ceil(ds.height / bh) - 1}"
    try:
        offset = int(ds.get_tag_item(f"BLOCK_OFFSET_{last}", "TIFF", bidx=band) or 0)
        size = int(ds.get_tag_item(f"BLOCK_SIZE_{last}", "TIFF", bidx=band) or 0)
    except (ValueError, TypeError):
        return
    have = path.stat().st_size
    if offset + size > have:
        raise error(f"the GeoTIFF is truncated: its data runs to byte {offset + size:,} but the file "
                    f"has {have:,}; download or copy it again")


class LazyBand:
    """One band of a raster on disk: its path, band, shape and dtype, for a Dem whose cells
    are read by window where needed (``open_dem(..., lazy=True)``; foxbat.coverage.tiled)."""

    def __init__(self, path: str, band: int, shape: tuple[int, int], dtype: np.dtype):
        self.path, self.band, self.shape, self.dtype = path, band, shape, np.dtype(dtype)


def open_dem(path: str | os.PathLike | None = None, band: int | None = None, *,
             where: str | None = None, field: str | None = None, lazy: bool = False) -> Dem:
    """Read a single-band raster (GeoTIFF or anything GDAL reads) as a Dem.

    ``path=None`` opens the built-in DEM. A multi-band raster needs ``band`` (1-based).
    Raises InputFileError for a missing, unreadable or unsuitable file, naming ``where``
    and ``field`` (a scenario file and its ``dem`` field) or else the ``--dem`` option.
    ``lazy``: the same checks, but the heights stay on disk (a :class:`LazyBand`).
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    from foxbat.terrain.builtin import builtin_dem_path

    text = str(path) if path is not None else None
    if text is None:
        p = builtin_dem_path()
    elif text.startswith("builtin:"):
        p = builtin_dem_path(text.removeprefix("builtin:"), where=where, field=field)
    else:
        p = Path(text)
    shown = str(p)

    def err(msg: str, cls=InputFileError):
        if where is None and field is None:
            return cls(msg, where=f"--dem {shown}")
        return cls(f"{shown}: {msg}", where=where, field=field)

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
            if lazy:
                z = LazyBand(str(p), band, (ds.height, ds.width), dtype)
            else:
                z = np.empty((ds.height, ds.width), dtype=dtype)
                ds.read(band, out=z)
            nodata = ds.nodatavals[band - 1]
            return Dem(z, ds.transform, ds.crs, nodata, shown)  # type: ignore[arg-type]
    except RasterioIOError as exc:
        msg = str(exc).split("\n")[0]
        if "not recognized as" in msg or "not a supported file format" in msg:
            msg = "not a raster file GDAL can read; give a GeoTIFF elevation raster"
        raise err(msg) from None
