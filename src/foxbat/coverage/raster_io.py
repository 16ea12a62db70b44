"""Writing coverage rasters as GeoTIFFs on the DEM's grid, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from foxbat.coverage.engine import Coverage
from foxbat.terrain.dem import has_nan

NODATA = -9999.0
_STRIP_ROWS = 256


def write_float_raster(path: str | os.PathLike, cov: Coverage, bands: list[tuple[np.ndarray, str]],
                       tags: dict[str, str] | None = None) -> Path:
    """Write bands as float32 (missing: NaN or NODATA in float bands, negative in
    integer bands) with the DEM's grid and CRS.

    The file appears only when complete: it is written beside the target under a
    temporary name and renamed.
    """
    import rasterio
    from rasterio.windows import Window

    from foxbat.atomic import atomic_output

    path = Path(path)
    dem = cov.dem
    # band-interleaved: each band is written straight through, where pixel interleave
    # (GDAL's default for several bands) rewrites every block once per band (2x slower)
    profile = dict(driver="GTiff", width=dem.shape[1], height=dem.shape[0], count=len(bands),
                   dtype="float32", crs=dem.crs, transform=dem.transform, nodata=NODATA,
                   interleave="band")
    with atomic_output(path) as tmp:
        with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(tmp, "w", **profile) as ds:
            for b, (arr, desc) in enumerate(bands, start=1):
                floating = np.issubdtype(arr.dtype, np.floating)
                clean = floating and not has_nan(arr)  # a float band without NaN goes out as it is
                # strips of rows: no whole-raster copy for the dtype or the NaN fill
                for r0 in range(0, arr.shape[0], _STRIP_ROWS):
                    src = arr[r0:r0 + _STRIP_ROWS]
                    if clean:
                        strip = np.asarray(src, dtype=np.float32)
                    else:
                        # missing: NaN in float bands, negative in integer (index) bands
                        strip = src.astype(np.float32)
                        np.putmask(strip, np.isnan(strip) if floating else src < 0, np.float32(NODATA))
                    ds.write(strip, b, window=Window(0, r0, strip.shape[1], strip.shape[0]))
                ds.set_band_description(b, desc)
            if tags:
                ds.update_tags(**tags)
    return path


def write_coverage_tif(path: str | os.PathLike, cov: Coverage, detectable_agl_m: np.ndarray | None = None,
                       detectable_tags: dict[str, str] | None = None) -> Path:
    """Band 1: lowest visible height above ground (m). For a network, band 2: the
    0-based index of the radar giving it (names in the RADARS tag). With
    ``detectable_agl_m``, a last band ``detectable_agl_m``: the lowest height above
    ground (m) at which the target is detected (see foxbat.coverage.detectable), its
    target and Pd in the tags."""
    bands = [(cov.lowest_agl_m, "lowest_visible_height_agl_m")]
    if cov.radar_index is not None:
        bands.append((cov.radar_index, "radar_index"))
    if detectable_agl_m is not None:
        bands.append((detectable_agl_m, "detectable_agl_m"))
    tags = {**coverage_tags(cov.k, [s.name for s in cov.sites]), **(detectable_tags or {})}
    return write_float_raster(path, cov, bands, tags)


def coverage_tags(k: float, radar_names: list[str]) -> dict[str, str]:
    """The tags of a coverage raster (in memory or tiled)."""
    return {"UNITS": "metres above ground", "K_FACTOR": f"{k:.6g}", "RADARS": ";".join(radar_names),
            "SOFTWARE": "foxbat coverage"}


def ceiling_tags(k: float) -> dict[str, str]:
    """The tags of a cone-of-silence ceiling raster (in memory or tiled)."""
    return {"UNITS": "metres above ground", "K_FACTOR": f"{k:.6g}", "SOFTWARE": "foxbat coverage ceiling"}


def write_ceiling_tif(path: str | os.PathLike, cov: Coverage) -> Path:
    """The cone-of-silence ceiling (m above ground) as its own raster."""
    if cov.ceiling_agl_m is None:
        raise ValueError("this coverage has no ceiling (no site has a maximum elevation)")
    return write_float_raster(path, cov, [(cov.ceiling_agl_m, "ceiling_agl_m")], ceiling_tags(cov.k))
