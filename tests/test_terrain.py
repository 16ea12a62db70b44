"""DEM reading and sampling, and the built-in DEM's provenance."""

import numpy as np
import pytest
import rasterio
from affine import Affine

from foxbat.errors import InputFileError
from foxbat.terrain import builtin_dem_path, from_array, open_dem


def test_bilinear_is_exact_on_a_plane():
    # z = 2*col + 3*row on a 1/10-degree grid: bilinear interpolation is exact
    nr, nc = 20, 30
    rows, cols = np.mgrid[0:nr, 0:nc]
    tr = Affine(0.1, 0, 130.0, 0, -0.1, 45.0)
    dem = from_array((2 * cols + 3 * rows).astype(np.float32), tr, "EPSG:4326")
    lat = np.array([44.95, 44.123, 43.5])
    lon = np.array([130.05, 131.777, 132.0])
    col = (lon - 130.0) / 0.1 - 0.5
    row = (45.0 - lat) / 0.1 - 0.5
    np.testing.assert_allclose(dem.elevation_m(lat, lon), 2 * col + 3 * row, atol=1e-6)
    assert np.isnan(dem.elevation_m(46.0, 131.0))  # off the grid
    assert dem.contains(44.0, 131.0) and not dem.contains(44.0, 129.0)


def test_nodata_makes_nan_nearby():
    z = np.ones((5, 5), np.int16)
    z[2, 2] = -32768
    dem = from_array(z, Affine(1, 0, 0, 0, -1, 5), "EPSG:32654", nodata=-32768)
    assert not dem.valid_mask()[2, 2]
    x, y = dem.transform @ (2.5, 2.5)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32654", "EPSG:4326", always_xy=True).transform(x, y)
    assert np.isnan(dem.elevation_m(lat, lon))


def test_builtin_dem_extent_and_known_places():
    dem = open_dem()
    assert dem.path == str(builtin_dem_path())
    assert dem.shape == (121, 265) and dem.crs.to_epsg() == 4326
    left, top = dem.transform @ (0, 0)
    right, bottom = dem.transform @ (dem.shape[1], dem.shape[0])
    assert (left, right) == pytest.approx((126 - 1 / 24, 148 + 1 / 24))
    assert (bottom, top) == pytest.approx((38 - 1 / 24, 48 + 1 / 24))
    # the Sea of Japan basin is deep, Hokkaido's Daisetsu massif high, Sikhote-Alin hilly
    assert dem.elevation_m(41.0, 135.0) < -3000
    assert dem.elevation_m(43.66, 142.85) > 1000
    assert 200 < dem.elevation_m(44.0833, 133.8683) < 1200  # Chuguyevka (field at 305 m; 9 km cells)
    with rasterio.open(builtin_dem_path()) as ds:
        assert "ETOPO5" in ds.tags()["SOURCE"] and "public domain" in ds.tags()["SOURCE"]


def test_rebuild_script_reproduces_builtin(tmp_path):
    import importlib.util
    from pathlib import Path

    src = Path("/usr/share/ferret-vis/data/etopo5.cdf")
    if not src.exists():
        pytest.skip("Debian ferret-datasets not installed (apt-get install ferret-datasets)")
    tool = Path(__file__).parents[1] / "tools" / "build_builtin_dem.py"
    spec = importlib.util.spec_from_file_location("build_builtin_dem", tool)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "rebuilt.tif"
    mod.write_geotiff(mod.crop_etopo5(str(src)), out)
    with rasterio.open(out) as a, rasterio.open(builtin_dem_path()) as b:
        np.testing.assert_array_equal(a.read(1), b.read(1))
        assert a.transform == b.transform


def test_open_dem_errors(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        open_dem(tmp_path / "missing.tif")
    bad = tmp_path / "bad.tif"
    bad.write_text("hello")
    with pytest.raises(InputFileError, match="not a raster"):
        open_dem(bad)
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(nocrs, "w", driver="GTiff", width=3, height=3, count=1, dtype="float32") as ds:
        ds.write(np.zeros((3, 3), np.float32), 1)
    with pytest.raises(InputFileError, match="coordinate reference system"):
        open_dem(nocrs)


def test_api_accepts_rasterio_dataset_path_and_array(tmp_path):
    from foxbat.coverage import RadarSite, compute_coverage

    z = np.random.default_rng(0).random((41, 41)).astype(np.float32) * 200
    tr = Affine(500, 0, 500000 - 20.5 * 500, 0, -500, 4760000 + 20.5 * 500)
    path = tmp_path / "d.tif"
    with rasterio.open(path, "w", driver="GTiff", width=41, height=41, count=1, dtype="float32",
                       crs="EPSG:32654", transform=tr) as ds:
        ds.write(z, 1)
    site = RadarSite(42.98, 141.0, antenna_agl_m=20, max_range_m=8e3)
    a = compute_coverage(from_array(z, tr, "EPSG:32654"), site).lowest_agl_m
    b = compute_coverage(str(path), site).lowest_agl_m
    with rasterio.open(path) as ds:
        c = compute_coverage(ds, site).lowest_agl_m
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert np.isfinite(a).sum() > 500


def _elevation_numpy(dem, lat_deg, lon_deg):
    """The vectorised numpy sampler Dem.elevation_m used before its compiled kernel (kept
    as the oracle: the kernel must give the same bits)."""
    row, col = dem.rowcol_float(lat_deg, lon_deg)
    row = np.atleast_1d(np.asarray(row, float))
    col = np.atleast_1d(np.asarray(col, float))
    nr, nc = dem.shape
    inside = (row >= -0.5) & (row <= nr - 0.5) & (col >= -0.5) & (col <= nc - 0.5)
    r = np.clip(row, 0, nr - 1)
    c = np.clip(col, 0, nc - 1)
    r0 = np.minimum(np.floor(r).astype(np.int64), max(nr - 2, 0))
    c0 = np.minimum(np.floor(c).astype(np.int64), max(nc - 2, 0))
    r1 = np.minimum(r0 + 1, nr - 1)
    c1 = np.minimum(c0 + 1, nc - 1)
    fr = r - r0
    fc = c - c0
    vals = []
    for rr, cc in ((r0, c0), (r0, c1), (r1, c0), (r1, c1)):
        v = dem.heights_m[rr, cc].astype(float)
        if dem.nodata is not None:
            v[v == dem.nodata] = np.nan
        vals.append(v)
    z00, z01, z10, z11 = vals
    out = (z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc)
    out[~inside] = np.nan
    return out


@pytest.mark.parametrize("dtype,nodata,crs", [(np.float32, None, "EPSG:4326"), (np.int16, -32768, "EPSG:4326"),
                                              (np.float64, np.nan, "EPSG:4326"), (np.float32, -9999.0, "EPSG:32654"),
                                              (">f4", -9999.0, "EPSG:4326"), (np.float16, None, "EPSG:4326"),
                                              (np.uint8, 255, "EPSG:4326")])
def test_compiled_sampler_gives_the_numpy_samplers_bits(dtype, nodata, crs):
    rng = np.random.default_rng(7)
    # big-endian and float16 bands go to the kernel as a float64 copy
    unsigned = np.dtype(dtype).kind == "u"
    z = (rng.random((37, 53)) * 250 if unsigned else rng.random((37, 53)) * 3000 - 200).astype(dtype)
    if nodata is not None:
        z[rng.integers(0, 37, 20), rng.integers(0, 53, 20)] = nodata
    if crs == "EPSG:4326":
        tr = Affine(0.0371, 0.0003, 130.0, -0.0002, -0.0293, 45.0)  # a slight shear: every term counts
        lat = rng.uniform(43.7, 45.3, 5000)
        lon = rng.uniform(129.8, 132.2, 5000)
    else:
        from pyproj import Transformer

        tr = Affine(1000.0, 0, 300_000.0, 0, -1000.0, 4_990_000.0)
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
            rng.uniform(295_000, 358_000, 5000), rng.uniform(4_948_000, 4_995_000, 5000))
    dem = from_array(z, tr, crs, nodata=nodata)
    got = dem.elevation_m(lat, lon)
    want = _elevation_numpy(dem, lat, lon)
    assert np.isnan(got).sum() > 50 and np.isfinite(got).sum() > 2000  # off-grid, nodata and inside all met
    np.testing.assert_array_equal(got, want)  # bit for bit, NaN where NaN
    np.testing.assert_array_equal(dem.elevation_m(lat.reshape(50, 100), lon.reshape(50, 100)), want.reshape(50, 100))
    one = dem.elevation_m(float(lat[3]), float(lon[3]))
    assert np.ndim(one) == 0 and (one == want[3] or (np.isnan(one) and np.isnan(want[3])))
    # the one-point sampler the interceptors' loops use (the compiled blend; the vectorised
    # sampler for a projected DEM)
    from foxbat.terrain.point import point_sampler

    f = point_sampler(dem)
    np.testing.assert_array_equal([f(a, b) for a, b in zip(lat[:1000].tolist(), lon[:1000].tolist())], want[:1000])
