"""The compiled interceptor look (foxbat.sensing.look_nb) against the Python look.

Oracle: the arguments and results of every ``foxbat.command.intercept._look`` call of
three flagship Monte Carlo runs (1643 looks; three sea states, so different clutter and
surface constants), and synthetic looks over made-up terrain with analytic outcomes: a ridge
that hides the target, a look over the sea only, a DEM with nodata cells on the path, a
target off the map, a projected DEM (the documented Python fallback), elevation patterns,
a reference-detection radar type and a Swerling 3 target.

Not bit for bit: numpy's SIMD arctan2, hypot, exp, log10 and power and libm's (numba's)
differ in the last bit for a few per cent of inputs; the bounds below are that, a
thousand times over (1e-9 dB, 1e-12 in Pd); a changed model moves them by far more.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from affine import Affine

from foxbat.geo import wgs84_geod
from foxbat.provenance import Figure
from foxbat.radar.catalogue import ElevationPatternChoice, get_radar_type
from foxbat.sensing import look_nb
from foxbat.sensing.geometry import look_angles_point
from foxbat.sensing.look_nb import LookKernel, look_compiled, look_python
from foxbat.sensing.path import PathEnvironment
from foxbat.terrain import from_array

SNR_TOL_DB = 1e-9
PD_TOL = 1e-12
F_TOL_DB = 1e-9


def _same(c, r, where=""):
    """The compiled look c agrees with the Python look r (visible exactly, NaN and ±inf
    where the other has them, else within the bounds)."""
    assert c[0] is r[0], where
    assert c[3] == r[3], where
    for j, tol in ((1, SNR_TOL_DB), (2, PD_TOL), (4, F_TOL_DB), (5, F_TOL_DB)):
        if math.isfinite(r[j]):
            assert abs(c[j] - r[j]) <= tol, (where, j, c, r)
        else:
            assert repr(c[j]) == repr(r[j]), (where, j, c, r)


@pytest.fixture(scope="module")
def flagship_looks():
    """(args, result) of every _look of three flagship Monte Carlo runs."""
    import foxbat.command.intercept as intercept
    from foxbat import sim
    from foxbat.montecarlo.runner import get_prepared, load_study, run_seed

    study = load_study("belenko-1976")
    rec = []
    orig = intercept._look

    def spy(*a):
        a = a[:9] + (a[9][:5],)  # the Python look's arguments: without the compiled look fly_interceptor adds
        r = orig(*a)
        rec.append((a, r))
        return r

    intercept._look = spy
    fly = sim.fly_interceptor
    # the Python loop makes every look through _look (the fast one makes most inside its kernel)
    sim.fly_interceptor = functools.partial(intercept.fly_interceptor, fast=False)
    try:
        for i in (0, 1, 2):
            v = study.values(i)
            sc, low = study.scenario(v)
            sim.run(sc, seed=run_seed(study.seed, i), low_level_m=low,
                    prepared=get_prepared(study.coverage_key(v), sc, study.id))
    finally:
        intercept._look = orig
        sim.fly_interceptor = fly
    return rec


def test_flagship_looks_match_the_python_look(flagship_looks):
    assert len(flagship_looks) > 1500
    envs = {a[9][3] for a, _ in flagship_looks}
    assert len(envs) == 3  # three sea states: three sets of surface constants and clutter
    hidden = sum(not r[0] for _, r in flagship_looks)
    assert 0 < hidden < len(flagship_looks)  # both branches taken
    worst = np.zeros(4)
    for a, r in flagship_looks:
        c = look_compiled(*a)
        _same(c, r)
        if r[0]:
            worst = np.maximum(worst, [abs(c[j] - r[j]) for j in (1, 2, 4, 5)])
    # the bounds are not loose: the kernel does the same arithmetic, last bits aside
    assert worst[0] < 1e-11 and worst[1] < 1e-13, worst


# ---------------------------------------------------------------- synthetic terrain

LAT0, LON0 = 43.0, 140.0
CELL_DEG = 0.01  # about 1.1 km north-south, 0.8 km east-west


def _geo_dem(z, nodata=None):
    """A WGS84 lon/lat DEM whose cell (0, 0) has its upper-left corner 1° north-west of (LAT0, LON0)."""
    return from_array(np.asarray(z), Affine(CELL_DEG, 0, LON0 - 1.0, 0, -CELL_DEG, LAT0 + 1.0), "EPSG:4326", nodata)


def _args(radar, dem, alt, brg, dist, talt, env=None, k=1.2, rcs=5.0, swerling=1):
    """_look's arguments for a target ``dist`` m away on ``brg`` at ``talt`` m MSL."""
    lon_t, lat_t, _ = wgs84_geod().fwd(LON0, LAT0, brg, dist)
    ground, b, slant, el = look_angles_point(LAT0, LON0, alt, lat_t, lon_t, talt, k)
    env = env or PathEnvironment(sea_state=3.0, land_type="medium", k=k)
    tgt = (rcs, swerling, (-40.0, -10.0), env)
    return (radar, dem, LAT0, LON0, alt, ground, (slant, b, el), (lat_t, lon_t, talt), k, tgt)


@pytest.fixture(scope="module")
def apq120():
    return get_radar_type("AN/APQ-120")


def _cols_at(dem, brg, d0, d1):
    """(rows, cols) of the cells along the bearing between d0 and d1 m from (LAT0, LON0)."""
    g = wgs84_geod()
    d = np.linspace(d0, d1, 50)
    lon, lat, _ = g.fwd(np.full(d.size, LON0), np.full(d.size, LAT0), np.full(d.size, brg), d)
    inv = ~dem.transform
    col, row = inv @ (lon, lat)
    return np.floor(row).astype(int), np.floor(col).astype(int)


def test_ridge_hides_the_target(apq120):
    z = np.zeros((200, 200), np.int16)
    dem = _geo_dem(z)
    r, c = _cols_at(dem, 90.0, 28_000, 32_000)
    z2 = z.copy()
    z2[r.min() - 2:r.max() + 3, c.min():c.max() + 1] = 4000  # a ridge across the bearing
    ridge = _geo_dem(z2)
    args = _args(apq120, ridge, 2000.0, 90.0, 60_000.0, 500.0)
    got = look_compiled(*args)
    assert got[0] is False and got[1] == -math.inf and got[2] == 0.0
    assert math.isnan(got[4]) and math.isnan(got[5])
    _same(got, look_python(*args))
    # without the ridge the same look sees the target
    flat = look_compiled(*_args(apq120, dem, 2000.0, 90.0, 60_000.0, 500.0))
    assert flat[0] is True and math.isfinite(flat[1]) and 0.0 < flat[2] <= 1.0


def test_look_over_the_sea_only(apq120):
    """Over a DEM of sea (0 m and below) the propagation factor is the sea's, at heights MSL:
    lobes on a calm sea; on a rough one (X band, sea state 3) F = 1 but at grazing angles."""
    from foxbat.propagation.factor import propagation_factor_point_db

    dem = _geo_dem(np.full((200, 200), -5.0))
    lobes = []
    for state in (0.0, 3.0):
        env = PathEnvironment(sea_state=state, land_type="medium", k=1.2)
        for alt, talt, dist in ((6000.0, 300.0, 50_000.0), (300.0, 6000.0, 80_000.0), (1500.0, 1400.0, 30_000.0),
                                (100.0, 150.0, 25_000.0)):
            args = _args(apq120, dem, alt, 135.0, dist, talt, env=env)
            got = look_compiled(*args)
            _same(got, look_python(*args))
            assert got[0] is True
            _, _, ground = wgs84_geod().inv(LON0, LAT0, args[7][1], args[7][0])
            f_sea = propagation_factor_point_db(ground, alt, talt, apq120.frequency_hz.value, surface="sea",
                                                sea_state=state, polarization="h", k=1.2,
                                                reflected_gain_db=np.zeros(1))
            assert abs(got[4] - f_sea) <= F_TOL_DB and got[5] == 0.0
            lobes.append(got[4])
    calm, rough = lobes[:4], lobes[4:]
    assert min(abs(f) for f in calm) > 0.1  # every calm-sea look in a lobe or a null
    assert rough[:3] == [0.0, 0.0, 0.0] and rough[3] != calm[3]  # sea state 3 at X band: no lobes but grazing


def test_sea_clutter_counts(apq120):
    """A plain pulse radar looking down at a low target over the sea: its SINR is below the
    free-space SNR plus the path (the clutter cell at the target's range is lit)."""
    dem = _geo_dem(np.zeros((200, 200)))
    args = _args(apq120, dem, 6000.0, 45.0, 40_000.0, 100.0)
    got = look_compiled(*args)
    _same(got, look_python(*args))
    free = float(apq120.snr_db(args[6][0], 5.0)) + 2.0 * got[4] + 2.0 * got[5]
    assert got[1] < free - 10.0


@pytest.mark.parametrize("nodata", [32767, None])
def test_dem_with_nodata_and_off_the_map(apq120, nodata):
    """Nodata (and NaN) cells on the profile and at the reflection point read as 0 m, as do
    points off the map (the target beyond the DEM's edge). A nodata value above any height
    (32767, as some DEMs mark voids): read as a height it would hide the target."""
    rng = np.random.default_rng(3)
    z = rng.uniform(0, 900, (200, 200))
    r, c = _cols_at(_geo_dem(z), 200.0, 5_000, 40_000)
    z[r, c] = nodata if nodata is not None else np.nan
    z[r + 1, c] = nodata if nodata is not None else np.nan
    dem = _geo_dem(z.astype(np.float32), nodata)
    assert np.isnan(dem.elevation_m(LAT0 - 0.1, LON0 - 0.04))  # one sample on the path is missing
    n_vis = 0
    for brg, dist, alt, talt in ((200.0, 45_000.0, 3000.0, 1500.0), (200.0, 25_000.0, 1200.0, 3000.0),
                                 (315.0, 160_000.0, 9000.0, 8000.0), (10.0, 140_000.0, 7000.0, 6000.0)):
        args = _args(apq120, dem, alt, brg, dist, talt)
        got = look_compiled(*args)
        _same(got, look_python(*args), (brg, dist))
        n_vis += got[0]
    assert n_vis >= 3  # the off-map targets (315°, 10°, beyond 1° of latitude) are seen over 0 m


def test_projected_dem_falls_back_to_python(apq120):
    """A DEM not on WGS84 lon/lat goes through pyproj's Transformer: the Python look, the
    same bits."""
    from conftest import centred_dem

    z = np.random.default_rng(5).uniform(0, 1500, (300, 300)).astype(np.float32)
    dem = centred_dem(z, 500.0, lat=LAT0, lon=LON0)
    assert LookKernel(apq120, dem, PathEnvironment()).compiled is False
    args = _args(apq120, dem, 3000.0, 30.0, 50_000.0, 2000.0)
    got, want = look_compiled(*args), look_python(*args)
    assert got[:4] == want[:4] and repr(got[4:]) == repr(want[4:])


def _with(rt, **figures):
    upd = {}
    for name, v in figures.items():
        if name == "elevation_pattern":
            upd[name] = ElevationPatternChoice(value=v, notional=True, reason="test")
        else:
            upd[name] = Figure(value=v, notional=True, reason="test")
    return rt.model_copy(update=upd)


@pytest.mark.parametrize("pattern", [
    dict(elevation_pattern="sinc", elevation_tilt_deg=-1.0),
    dict(elevation_pattern="gaussian", elevation_tilt_deg=2.0, elevation_sidelobe_db=-25.0),
    dict(elevation_pattern="csc2", elevation_tilt_deg=1.0, csc2_max_elevation_deg=20.0),
])
def test_elevation_patterns(apq120, pattern):
    rt = _with(apq120, **pattern)
    rng = np.random.default_rng(7)
    dem = _geo_dem(rng.uniform(-50, 600, (200, 200)))
    seen = 0
    for brg, dist, alt, talt in ((60.0, 30_000.0, 3000.0, 200.0), (100.0, 20_000.0, 300.0, 6000.0),
                                 (250.0, 70_000.0, 8000.0, 8200.0), (300.0, 9_000.0, 1000.0, 2500.0)):
        args = _args(rt, dem, alt, brg, dist, talt)
        got = look_compiled(*args)
        _same(got, look_python(*args), (pattern, brg))
        if got[0]:
            seen += 1
            assert got[5] < 0.0  # off the beam's peak somewhere below 0 dB
    assert seen >= 3


def test_reference_type_doppler_and_swerling3():
    """RP-25 (SNR from its reference detection, R⁴ law) with a pulse-Doppler improvement
    factor, and a Swerling 3 target (Pd from radar.pd_from_snr)."""
    rp25 = _with(get_radar_type("RP-25"), improvement_factor_db=30.0)
    assert not rp25.is_physical
    dem = _geo_dem(np.random.default_rng(9).uniform(0, 400, (200, 200)))
    for sw in (1, 3):
        for brg, dist, alt, talt in ((80.0, 40_000.0, 6000.0, 300.0), (170.0, 60_000.0, 1000.0, 9000.0)):
            args = _args(rp25, dem, alt, brg, dist, talt, swerling=sw, rcs=3.0)
            got = look_compiled(*args)
            _same(got, look_python(*args), (sw, brg))
            assert got[0] is True
            if sw == 3:
                assert got[2] == float(rp25.pd_from_snr(got[1], 3))


def test_propagation_factor_refusal_raises_as_before(apq120):
    """A NaN altitude: the propagation factor's argument check; the compiled look takes the
    Python path, which raises the same error."""
    from foxbat.errors import ParameterError

    dem = _geo_dem(np.zeros((200, 200)))
    args = list(_args(apq120, dem, 3000.0, 90.0, 30_000.0, 1000.0))
    args[7] = (args[7][0], args[7][1], math.inf)
    with pytest.raises(ParameterError):
        look_python(*args)
    with pytest.raises(ParameterError):
        look_compiled(*args)


def test_numpy_summation_order():
    """_np_sum is np.sum bit for bit (pairwise, 8 accumulators), on sums where the order shows."""
    rng = np.random.default_rng(11)
    for n in list(range(0, 40)) + [127, 128, 129, 200, 300, 1000]:
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
        assert look_nb._np_sum(a) == np.sum(a), n


def test_geodesics_are_pyprojs():
    """The kernel's geodesics are PROJ's geod_inverse / geod_direct: pyproj's bits."""
    from numba import njit

    from foxbat.sensing.look_nb import _CST_SIZE, _GEOD, _constants

    rt = get_radar_type("AN/APQ-120")
    cst = _constants(rt, _geo_dem(np.zeros((4, 4))), PathEnvironment(), 1)
    assert cst is not None and cst.size == _CST_SIZE

    @njit
    def inv_fwd(cst, lon1, lat1, lon2, lat2, s):
        o1, o2, o3 = np.empty(1), np.empty(1), np.empty(1)
        look_nb._geod_inverse(cst[_GEOD:].ctypes, lat1, lon1, lat2, lon2, o1.ctypes, o2.ctypes, o3.ctypes)
        az, dist = o2[0], o1[0]
        look_nb._geod_direct(cst[_GEOD:].ctypes, lat1, lon1, az, s, o1.ctypes, o2.ctypes, o3.ctypes)
        return az, dist, o2[0], o1[0]

    g = wgs84_geod()
    rng = np.random.default_rng(13)
    for _ in range(300):
        lon1, lon2 = rng.uniform(-180, 180, 2)
        lat1, lat2 = rng.uniform(-89, 89, 2)
        s = rng.uniform(0, 600_000)
        az, _, dist = g.inv(lon1, lat1, lon2, lat2)
        lon3, lat3, _ = g.fwd(lon1, lat1, az, s)
        assert inv_fwd(cst, lon1, lat1, lon2, lat2, s) == (az, dist, lon3, lat3)
