"""The C port of the line-of-sight kernel (foxbat.coverage._los) against the numba
reference (foxbat.coverage.kernel): the same results bit for bit, on every element
type the port takes, with nodata, NaN, non-square cells, a lowest beam elevation, no
sea floor, an observer on an edge or over nodata, several radars sharing the output.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from oracle import fractal_surface, sinusoid_surface

from foxbat.coverage import kernel, los
from foxbat.coverage.engine import compute_coverage
from foxbat.coverage.site import RadarSite
from foxbat.terrain.dem import from_array

INV_2KR = 1.0 / (2 * 4 / 3 * 6_371_000.0)


def test_port_is_built_and_chosen():
    """CI and the README install build it (gcc with OpenMP): a silent fallback to numba
    would cost every coverage command 0.3 s, so its absence is a failure here."""
    if os.environ.get("FOXBAT_LOS_KERNEL") == "numba":
        pytest.skip("numba forced by FOXBAT_LOS_KERNEL")
    from foxbat.coverage import _los  # noqa: F401

    assert los.compiled()


def _surfaces():
    n = 97
    spike = np.zeros((n, n))
    spike[40, 61] = 800.0
    spike[41, 61] = 300.0
    fractal = fractal_surface(n, 3).astype(float) - 100.0  # some cells below sea level
    return {"spike": spike, "sinusoid": sinusoid_surface(n, 100.0).astype(float), "fractal": fractal}


def _both(z, nodata, has_nd, r0, c0, h0, cw, ch, rng_m, tan_min, floor_m, n_radars=1):
    """Run numba and C on copies of the same inputs: (out, idx) of each."""
    res = []
    for fn in (kernel.lowest_visible_agl, los._C.lowest_visible_agl):
        out = np.full(z.shape, np.inf, np.float32)
        idx = np.full(z.shape, -1, np.int16)
        for i in range(n_radars):
            fn(z, nodata, has_nd, r0 + 9 * i, c0 - 7 * i, h0 + 40 * i, cw, ch, INV_2KR, rng_m, tan_min,
               floor_m, out, idx, i)
        res.append((out, idx))
    return res


needs_c = pytest.mark.skipif(los._C is None, reason="the C port is not built (or FOXBAT_LOS_KERNEL=numba)")


@needs_c
@pytest.mark.parametrize("surface", ["spike", "sinusoid", "fractal"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "int32"])
@pytest.mark.parametrize("case", ["plain", "checks", "nodata", "beam", "no_floor", "edge", "network"])
def test_c_port_matches_numba_bit_for_bit(surface, dtype, case, simd):
    z = _surfaces()[surface]
    z = (np.rint(z) if dtype.startswith("int") else z).astype(dtype)
    is_float = dtype.startswith("float")
    # as the engine calls it on a DEM with no missing cell: no nodata tests
    nodata, has_nd = (math.nan, False) if is_float else (0.0, False)
    r0, c0, h0, cw, ch, rng_m, tan_min, floor_m, n_radars = 48, 48, 350.0, 100.0, 100.0, 6_000.0, -math.inf, 0.0, 1
    if case == "checks":  # nodata tests on, nothing missing
        has_nd = True
        nodata = math.nan if is_float else -32768.0
    elif case == "nodata":  # a hole of missing cells across the rays, NaN and a declared value
        nodata, has_nd = -32768.0, True
        z[30:36, 55:70] = nodata
        if is_float:
            z[60:64, 20:23] = np.nan
    elif case == "beam":  # lowest beam elevation, non-square cells
        tan_min, cw, ch = math.tan(math.radians(0.3)), 92.7, 131.4
    elif case == "no_floor":  # terrain below sea level stays there
        floor_m = -math.inf
    elif case == "edge":  # observer in the corner, range beyond the grid
        r0, c0, rng_m = 0, 96, 50_000.0
    elif case == "network":  # three radars lowering one output, with the radar index
        n_radars = 3
    (a_out, a_idx), (b_out, b_idx) = _both(z, nodata, has_nd, r0, c0, h0, cw, ch, rng_m, tan_min,
                                           floor_m, n_radars)
    assert np.isfinite(a_out).sum() > 1000
    np.testing.assert_array_equal(a_out, b_out)
    np.testing.assert_array_equal(a_idx, b_idx)


@needs_c
def test_c_port_observer_over_nodata():
    """An observer on a missing cell sees nothing through NaN horizons, as numba does."""
    z = _surfaces()["fractal"].astype(np.float32)
    z[48, 48] = np.nan
    (a, ai), (b, bi) = _both(z, math.nan, True, 48, 48, 350.0, 100.0, 100.0, 6_000.0, -math.inf, 0.0)
    np.testing.assert_array_equal(a, b)
    assert np.isinf(a[48, 48])


@needs_c
def test_c_port_rejects_bad_arrays():
    z = np.zeros((10, 10), np.float32)
    out = np.full((10, 10), np.inf, np.float32)
    idx = np.zeros((1, 1), np.int16)
    args = (math.nan, True, 5, 5, 10.0, 100.0, 100.0, INV_2KR, 1000.0, -math.inf, 0.0)
    with pytest.raises(ValueError, match="out must be"):
        los._C.lowest_visible_agl(z, *args, np.zeros((10, 10), np.float64), idx, 0)
    with pytest.raises(ValueError, match="z must be"):
        los._C.lowest_visible_agl(np.zeros((10, 10), np.uint8), *args, out, idx, 0)
    with pytest.raises(ValueError, match="outside z"):
        los._C.lowest_visible_agl(z, math.nan, True, 10, 5, *args[4:], out, idx, 0)
    with pytest.raises(ValueError, match="C-contiguous"):
        los._C.lowest_visible_agl(z, *args, np.full((10, 20), np.inf, np.float32)[:, ::2], idx, 0)


def test_other_dtypes_fall_back_to_numba():
    """uint16 DEMs (and byte-swapped arrays) go to the numba kernel and agree with float32."""
    z = np.rint(_surfaces()["sinusoid"]).astype(np.uint16)
    outs = []
    for zz in (z, z.astype(np.float32), z.astype(">f4")):
        out = np.full(z.shape, np.inf, np.float32)
        los.lowest_visible_agl(zz, math.nan, False, 48, 48, 350.0, 100.0, 100.0, INV_2KR, 6_000.0,
                               -math.inf, 0.0, out, np.zeros((1, 1), np.int16), 0)
        outs.append(out)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(outs[0], outs[2])


def test_full_and_replace_inf():
    a = los.full((301, 7), np.inf, np.float32)
    assert a.dtype == np.float32 and np.isinf(a).all()
    i = los.full((5, 1001), -1, np.int16)
    assert i.dtype == np.int16 and (i == -1).all()
    a[3, 2] = 4.5
    los.replace_inf(a, -9999.0)
    assert a[3, 2] == np.float32(4.5) and (np.delete(a.ravel(), 3 * 7 + 2) == -9999.0).all()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16"])
def test_nodata_tests_change_nothing_where_nothing_is_missing(dtype, simd):
    """has_nodata=False (what the engine passes for a DEM without missing cells, and the
    only case the AVX2 step takes) gives what has_nodata=True gives."""
    z = _surfaces()["fractal"].astype(dtype)
    outs = []
    for has_nd in (True, False):
        out = np.full(z.shape, np.inf, np.float32)
        los.lowest_visible_agl(z, -32768.0, has_nd, 48, 48, 350.0, 100.0, 100.0, INV_2KR, 6_000.0,
                               -math.inf, 0.0, out, np.zeros((1, 1), np.int16), 0)
        outs.append(out)
    assert np.isfinite(outs[0]).sum() > 5000
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.fixture(params=["simd", "scalar"])
def simd(request):
    """Both paths of the port's step 2: AVX2 (float32 without nodata tests, where the
    CPU has it) and scalar; only the scalar one where the port is not built."""
    if los._C is None:
        if request.param == "simd":
            pytest.skip("no C port")
        yield False
        return
    want = request.param == "simd"
    before = los._C.simd()
    if los._C.simd(want) != want:
        pytest.skip("this CPU has no AVX2")
    yield want
    los._C.simd(before)


def test_nodata_fast_path_changes_nothing():
    """Where a DEM has no missing cell the engine skips the kernel's nodata tests; the
    result is the same as with them."""
    from affine import Affine

    z = _surfaces()["fractal"].astype(np.float32)
    tr = Affine(100.0, 0, 500_000.0, 0, -100.0, 4_700_000.0)
    fast_dem, slow_dem = from_array(z, tr, "EPSG:32638"), from_array(z, tr, "EPSG:32638")
    assert not fast_dem.has_missing()
    slow_dem._has_missing = True  # as if a cell were missing: the kernel tests every cell
    x, y = tr @ (48.5, 48.5)
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32638", "EPSG:4326", always_xy=True).transform(x, y)
    site = RadarSite(lat, lon, antenna_agl_m=30.0, max_range_m=6_000.0)
    fast = compute_coverage(fast_dem, site).lowest_agl_m
    slow = compute_coverage(slow_dem, site).lowest_agl_m
    assert np.isfinite(fast).sum() > 5000
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype,nodata,hole,expected", [
    ("float32", None, None, False),
    ("float32", None, np.nan, True),
    ("float32", -9999.0, -9999.0, True),
    ("float32", -9999.0, None, False),  # declared but unused: below every height
    ("int16", -32768, -32768, True),
    ("int16", 0, None, True),  # 0 m lies within the heights: a real scan finds it
    ("int16", 5000, None, False),
])
def test_dem_has_missing(dtype, nodata, hole, expected):
    from affine import Affine

    z = np.rint(_surfaces()["sinusoid"] - 300).astype(dtype)  # heights -250..250, 0 present
    if hole is not None:
        z[3, 4] = hole
    dem = from_array(z, Affine(100.0, 0, 0, 0, -100.0, 0), "EPSG:32638", nodata=nodata)
    assert dem.has_missing() is expected
