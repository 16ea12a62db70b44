"""Rasters checked (issue 16, item 5): a truncated GeoTIFF is an error, never zeros; a
whole-world geographic DEM (-180..180) gives a coverage that fills the range everywhere,
across the antimeridian too, and is cut at the range, not at the DEM's outline."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import rasterio
from rasterio.transform import from_origin

from foxbat.cli import main
from foxbat.coverage import RadarSite, compute_coverage
from foxbat.errors import InputFileError
from foxbat.terrain import open_dem

CELL_DEG = 0.5


def _write(path, z, west, north, cell, compress=None):
    kw = {"compress": compress} if compress else {}
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype=z.dtype,
                       crs="EPSG:4326", transform=from_origin(west, north, cell, cell), **kw) as ds:
        ds.write(z, 1)
    return path


def test_truncated_geotiff_is_an_error_not_zeros(tmp_path, capsys):
    z = (np.arange(500 * 400).reshape(500, 400) % 1000).astype(np.float32) + 1  # no zero anywhere
    full = _write(tmp_path / "full.tif", z, 130, 45, 0.01)
    assert open_dem(full).heights_m.min() == 1
    cut = tmp_path / "cut.tif"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # half the rows are gone
    with pytest.raises(InputFileError, match="truncated"):
        open_dem(cut)
    rc = main(["coverage", "--dem", str(cut), "--site", "43,132", "--antenna-agl", "10",
               "--out", str(tmp_path / "c.tif")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "--dem" in err and "truncated" in err and err.count("\n") == 0
    assert not (tmp_path / "c.tif").exists()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A whole-world DEM whose terrain repeats every 9 deg of longitude: the same after a
    shift of 180 deg, so a radar at 179.5 E must see what one at 0.5 W sees, shifted."""
    nr, nc = int(180 / CELL_DEG), int(360 / CELL_DEG)
    rows, cols = np.mgrid[0:nr, 0:nc]
    lat = 90 - (rows + 0.5) * CELL_DEG
    lon = -180 + (cols + 0.5) * CELL_DEG
    z = (200 + 150 * np.sin(np.radians(lon) * 40) * np.cos(np.radians(lat) * 30)).astype(np.float32)
    path = _write(tmp_path_factory.mktemp("world") / "world.tif", z, -180, 90, CELL_DEG)
    return open_dem(path), lat, lon


def _distance_m(lat0, lon0, lat, lon):
    g = pyproj.Geod(ellps="WGS84")
    _, _, d = g.inv(np.full(lat.size, lon0), np.full(lat.size, lat0), lon.ravel(), lat.ravel())
    return d.reshape(lat.shape)


@pytest.mark.parametrize("site", [(45.0, 0.0), (45.0, 179.5), (-10.0, -179.9), (85.0, 20.0)])
def test_world_dem_fills_the_range(world, site):
    dem, lat, lon = world
    r = 1_000_000.0
    cov = compute_coverage(dem, [RadarSite(*site, antenna_agl_m=20, max_range_m=r)], 4 / 3).lowest_agl_m
    d = _distance_m(*site, lat, lon)
    inside, beyond = d < r - 60_000, d > r + 60_000  # a cell (55 km) from the edge either way
    assert inside.sum() > 100
    assert np.isfinite(cov[inside]).all()  # was 48-98 % nodata: the grid was cut at the DEM's outline
    assert not np.isfinite(cov[beyond]).any()


def test_world_dem_across_the_antimeridian_equals_the_same_terrain_elsewhere(world):
    dem, lat, lon = world
    ncols = lat.shape[1]
    at = compute_coverage(dem, [RadarSite(45, 179.5, antenna_agl_m=20, max_range_m=800e3)], 4 / 3).lowest_agl_m
    off = compute_coverage(dem, [RadarSite(45, -0.5, antenna_agl_m=20, max_range_m=800e3)], 4 / 3).lowest_agl_m
    shifted = np.roll(off, ncols // 2, axis=1)
    assert np.isfinite(at).sum() > 100
    assert (np.isfinite(at) == np.isfinite(shifted)).all()
    np.testing.assert_allclose(at[np.isfinite(at)], shifted[np.isfinite(at)], atol=0.01)
    # both sides of the antimeridian hold cells in range
    assert np.isfinite(at[:, :10]).any() and np.isfinite(at[:, -10:]).any()
